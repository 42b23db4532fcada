//! Reading and checking `tapgen.toml`.

pub mod load;
pub mod model;
pub mod secrets;
pub mod source;
pub mod structure;

pub use load::{Loaded, Parsed};
pub use model::ConfigFile;

/// The reference stack (environments dev, staging and prod), used when there is no
/// `tapgen.toml` and written by `tapgen init`.
pub const DEFAULT_CONFIG: &str = include_str!("default.toml");

/// The name errors use for the embedded default.
pub const DEFAULT_CONFIG_NAME: &str = "<embedded default tapgen.toml>";
