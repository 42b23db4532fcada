//! The typed shape of `tapgen.toml`.
//!
//! Every section is a layer of optional values: the top-level sections hold a project's
//! defaults, each `[env.NAME]` table overlays the same sections for one environment, and
//! [`crate::stack`] resolves the layers plus tapgen's built-in defaults into one `Stack`.
//! These structs and the families' settings ([`crate::family`]) produce `tapgen schema`, and
//! that schema is what [`super::structure`] checks every key and type against before
//! deserializing: unknown keys are rejected everywhere. The doc comments double as the help
//! of errors.

use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A tapgen project: one serverless API, rendered as a reusable Terraform/OpenTofu module and
/// one root configuration per environment.
///
/// The families' tables (`[lambda]`, `[api]`, ...) are not fields: each family declares its
/// own ([`crate::family::Section`]), the schema adds them ([`super::structure::schema`]), and
/// their values are read from [`Self::document`]. Unknown keys are refused by the schema
/// walk, which sees every table; serde only reads the fields below.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ConfigFile {
    /// The project: its name prefixes every resource name.
    pub project: ProjectConfig,
    /// The reusable module that tapgen renders under `modules/<name>/`.
    #[serde(default)]
    pub module: ModuleConfig,
    /// Where `tapgen module publish` releases the module when no flag names a target, and
    /// where the module README's usage snippet installs it from.
    #[serde(default)]
    pub publish: PublishConfig,
    /// The environments, each overlaying any of the sections above. Without any, the one
    /// environment is `dev`.
    #[serde(default)]
    pub env: BTreeMap<String, EnvOverlay>,
    /// The whole config as checked JSON, where the families' tables are read.
    #[serde(skip)]
    #[schemars(skip)]
    pub document: serde_json::Value,
}

/// Values that one environment changes: its `region`, `tags`, and the keys of any table
/// but `[project]`, `[module]` and `[publish]`. Keys left out keep the project-wide value.
// Every key is a setting's, which the schema adds (`Section::overlay_path` says where) and
// `Values` merges over the project's.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct EnvOverlay {}

/// The project's name, and the region of every environment that does not set its own.
// `region` is a setting (`family::project`), which environments overlay; the name is the
// same for all.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ProjectConfig {
    /// Project name: letters, digits and hyphens, starting with a letter. It prefixes every
    /// resource name; the log bucket is `lower(name)-logs-<env>`.
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleConfig {
    /// Module name, and its folder under `modules/`. Default `serverless-api`.
    pub name: Option<String>,
    /// Registry namespace (organisation) the module is published under. Default: the
    /// namespace of `publish.registry`, else the project name, lowercased.
    pub namespace: Option<String>,
    /// Module version (SemVer) that registry roots pin. Default `0.1.0`.
    pub version: Option<String>,
    /// Where environment roots (and the module README's usage snippet) take the module from:
    /// `local` (default, a relative path to `modules/<name>`), a registry address such as
    /// `registry.example.com/acme/serverless-api/aws` (pinned with `version`), a git repository
    /// `git::URL` (pinned with `?ref=v<version>`) or an OCI repository `oci://HOST/REPOSITORY`
    /// (pinned with `?tag=<version>`).
    pub source: Option<String>,
}

/// `tapgen module publish` with no flags publishes to every target set here (`git`,
/// `registry_site`, `oci`); a flag replaces the config for its target and publishes to that
/// target alone. The README's usage snippet installs the module from `registry`, else `oci`,
/// else a `git` URL, else from `module.source`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishConfig {
    /// A git repository to commit the module into, tagged `v<version>`: the path of a clone's
    /// work tree (relative to this file), where the commit and tag are made and not pushed; or
    /// a URL (`https://`, `ssh://`, `git://`, `file://` or `git@HOST:PATH`), which is cloned,
    /// committed to and pushed (the branch and the tag together). A URL is also where the
    /// usage snippet installs the module from.
    pub git: Option<String>,
    /// Tag `PREFIX/v<version>` instead of `v<version>`, for a monorepo of modules: a path such
    /// as `modules/api`, without a trailing `/` (tapgen adds it).
    pub tag_prefix: Option<String>,
    /// Folder inside the git repository for the module, such as `modules/api`. Default: the
    /// repository's root.
    pub git_path: Option<String>,
    /// An OCI repository to push the module to, as `HOST/REPOSITORY` or
    /// `HOST:PORT/REPOSITORY` such as `registry.example.com/acme/serverless-api` (lowercase,
    /// without `oci://` or a tag: the tag is the version).
    pub oci: Option<String>,
    /// The module registry the module is installed from, as `HOST/NAMESPACE` such as
    /// `registry.example.com/acme`: the usage snippet then reads
    /// `HOST/NAMESPACE/<name>/aws` with `version = "~> MAJOR.MINOR"`. Its namespace is
    /// `module.namespace`'s default.
    pub registry: Option<String>,
    /// A registry folder (relative to this file) to add the module's package to, as
    /// `tapgen module package` and then `tapgen registry add SITE ARCHIVE` do.
    pub registry_site: Option<String>,
}
