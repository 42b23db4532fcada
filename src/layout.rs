//! tapgen's own names, written once: the folders it renders, the Lambda package file, the
//! tags it sets.

/// Where the modules are rendered: `modules/<name>/`.
pub(crate) const MODULES_DIR: &str = "modules";
/// Where the environment roots are rendered: `envs/<env>/`.
pub(crate) const ENVS_DIR: &str = "envs";
/// Where `tapgen module package` writes archives by default, beside the config.
pub(crate) const DIST_DIR: &str = "dist";
/// Where the Lambda packages (function and layer zips) are written, each once, named by
/// content, beside `envs/` and `modules/`: the roots and examples reference them.
pub(crate) const PACKAGES_DIR: &str = "packages";

/// The tag naming the tool that manages a resource, and its value.
pub(crate) const MANAGED_BY: (&str, &str) = ("ManagedBy", "tapgen");
/// Tags the module sets on every resource.
pub(crate) const MANAGED_TAGS: &[&str] = &["Project", "Environment", MANAGED_BY.0];
/// Lambda environment variables that tapgen sets itself.
pub(crate) const MANAGED_VARIABLES: &[&str] = &["LOG_BUCKET_NAME", "ENVIRONMENT"];
