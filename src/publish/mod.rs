//! Releasing the rendered module: a versioned, deterministic package that a module registry
//! serves (see [`crate::registry`]).

pub mod git;
pub mod oci;
pub mod package;
