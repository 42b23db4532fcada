//! The resolved model: one fully typed [`Stack`] per environment, with the project's
//! values, the environment's overlay and tapgen's defaults already merged, and the
//! [`ModuleSpec`] they share, made once by [`resolve`]. Every check and renderer reads this and
//! nothing else.

use crate::config::Loaded;
use crate::config::model::{BackendConfig, ConfigFile, EnvOverlay};
use crate::family::setting::Values;
use std::collections::BTreeMap;

pub const DEFAULT_ENVIRONMENT: &str = "dev";
pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_MODULE_NAME: &str = "serverless-api";
pub const DEFAULT_MODULE_VERSION: &str = "0.1.0";
/// One environment of the project, every value decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub project: String,
    pub environment: String,
    pub region: String,
    /// Every family setting, resolved: what the module inputs pass, and what each family
    /// reads its own table from (such as [`crate::family::lambda::Lambda::of`]).
    pub values: Values,
    /// The user's tags; the module adds Project, Environment and ManagedBy itself.
    pub tags: BTreeMap<String, String>,
    pub backend: Option<Backend>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModuleSpec {
    pub name: String,
    pub namespace: String,
    pub version: String,
    pub source: ModuleSource,
    /// Every environment's settings: where some environment makes a choice that a security
    /// scanner flags, the module explains it to reviewers (a `checkov:skip` reason), and only
    /// then.
    pub environments: Vec<Values>,
    /// Where the module is released (`[publish]`), which its README's usage snippet follows.
    pub publish: Publish,
}

/// `[publish]` as written: the targets `tapgen module publish` defaults to and the addresses
/// the README's usage snippet takes. Paths stay relative to the config's folder here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Publish {
    pub git: Option<crate::publish::git::Repository>,
    pub tag_prefix: Option<String>,
    pub git_path: Option<String>,
    /// `HOST/REPOSITORY`, without `oci://`.
    pub oci: Option<String>,
    /// `HOST/NAMESPACE`.
    pub registry: Option<String>,
    pub registry_site: Option<String>,
}

impl Publish {
    fn of(config: &crate::config::model::PublishConfig) -> Self {
        Self {
            git: config
                .git
                .as_deref()
                .map(crate::publish::git::Repository::parse),
            tag_prefix: config.tag_prefix.clone(),
            git_path: config.git_path.clone(),
            oci: config.oci.clone(),
            registry: config.registry.clone(),
            registry_site: config.registry_site.clone(),
        }
    }

    /// The namespace of `registry` (`HOST/NAMESPACE`).
    pub fn registry_namespace(&self) -> Option<&str> {
        self.registry
            .as_deref()
            .and_then(|registry| registry.split_once('/'))
            .map(|(_, namespace)| namespace)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ModuleSource {
    /// `modules/<name>` beside the environment roots.
    Local,
    /// A registry address such as `registry.example.com/acme/serverless-api/aws`.
    Registry(String),
    /// A git repository such as `git::https://example.com/acme/terraform-aws-api.git`,
    /// pinned by the tag `v<version>`.
    Git(String),
    /// An OCI repository such as `oci://registry.example.com/acme/serverless-api`, pinned by
    /// the tag `<version>`.
    Oci(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Backend {
    pub bucket: String,
    pub key: String,
    pub region: String,
    /// Whether some layer writes `region`; else it is the environment's.
    pub region_written: bool,
    pub role_arn: Option<String>,
    pub use_lockfile: bool,
}

impl Stack {
    /// The log bucket's name, exactly as the module computes it.
    pub fn bucket_name(&self) -> String {
        bucket_name(&self.project, &self.environment)
    }
}

/// `lower(project)-logs-lower(env)`: S3 names must be lowercase.
pub fn bucket_name(project: &str, environment: &str) -> String {
    format!(
        "{}-logs-{}",
        project.to_lowercase(),
        environment.to_lowercase()
    )
}

/// The environments a config declares, in name order; `dev` alone when it declares none.
pub fn environments(config: &ConfigFile) -> Vec<String> {
    if config.env.is_empty() {
        vec![DEFAULT_ENVIRONMENT.to_owned()]
    } else {
        config.env.keys().cloned().collect()
    }
}

/// A config resolved, once: the module every environment shares, the project's own values
/// (what the module's examples and README show) and every declared environment.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub module: ModuleSpec,
    /// The project's values with no environment overlay, under the environment name
    /// [`EXAMPLE_ENVIRONMENT`].
    pub project: Stack,
    /// The environments, in name order (or those a command asked for, in its order).
    pub stacks: Vec<Stack>,
}

/// The environment name of [`Resolved::project`].
pub const EXAMPLE_ENVIRONMENT: &str = "example";

/// Resolves every declared environment of `loaded`: its overlay over the project's values
/// over tapgen's defaults.
pub fn resolve(loaded: &Loaded) -> Resolved {
    let config = &loaded.config;
    let empty = EnvOverlay::default();
    let stacks: Vec<Stack> = environments(config)
        .iter()
        .map(|environment| {
            let overlay = config.env.get(environment).unwrap_or(&empty);
            resolve_overlay(
                config,
                environment,
                (overlay, overlay_table(config, environment)),
            )
        })
        .collect();
    Resolved {
        project: resolve_overlay(config, EXAMPLE_ENVIRONMENT, (&empty, None)),
        module: module_spec(config, &stacks),
        stacks,
    }
}

/// The module every environment (`stacks`) shares.
fn module_spec(config: &ConfigFile, stacks: &[Stack]) -> ModuleSpec {
    let module = &config.module;
    let source = match module.source.as_deref() {
        None | Some("local") => ModuleSource::Local,
        Some(address) if address.starts_with("git::") => ModuleSource::Git(address.to_owned()),
        Some(address) if address.starts_with("oci://") => ModuleSource::Oci(address.to_owned()),
        Some(address) => ModuleSource::Registry(address.to_owned()),
    };
    let publish = Publish::of(&config.publish);
    ModuleSpec {
        environments: stacks.iter().map(|stack| stack.values.clone()).collect(),
        name: module
            .name
            .clone()
            .unwrap_or_else(|| DEFAULT_MODULE_NAME.to_owned()),
        namespace: module
            .namespace
            .clone()
            .or_else(|| publish.registry_namespace().map(str::to_owned))
            .unwrap_or_else(|| config.project.name.to_lowercase()),
        version: module
            .version
            .clone()
            .unwrap_or_else(|| DEFAULT_MODULE_VERSION.to_owned()),
        source,
        publish,
    }
}

/// The `[env.NAME]` table of `environment`, as checked JSON, if the config has one.
fn overlay_table<'c>(config: &'c ConfigFile, environment: &str) -> Option<&'c serde_json::Value> {
    config.document.get("env")?.get(environment)
}

/// `overlay` is the environment's `[env.NAME]` table, and `overlay_values` the same as JSON,
/// where its family tables are read.
fn resolve_overlay(
    config: &ConfigFile,
    environment: &str,
    (overlay, overlay_values): (&EnvOverlay, Option<&serde_json::Value>),
) -> Stack {
    let region = overlay
        .region
        .clone()
        .or_else(|| config.project.region.clone())
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    let mut tags = config.tags.clone();
    tags.extend(overlay.tags.clone());
    let values = Values::resolve(&config.document, overlay_values);
    Stack {
        project: config.project.name.clone(),
        environment: environment.to_owned(),
        values,
        tags,
        backend: resolve_backend(config, overlay, environment, &region),
        region,
    }
}

fn resolve_backend(
    config: &ConfigFile,
    overlay: &EnvOverlay,
    environment: &str,
    region: &str,
) -> Option<Backend> {
    let empty = BackendConfig::default();
    if config.backend.is_none() && overlay.backend.is_none() {
        return None;
    }
    let base = config.backend.as_ref().unwrap_or(&empty);
    let over = overlay.backend.as_ref().unwrap_or(&empty);
    let key = over
        .key
        .clone()
        .or_else(|| base.key.clone())
        .unwrap_or_else(|| {
            format!(
                "{}/{{env}}/terraform.tfstate",
                config.project.name.to_lowercase()
            )
        });
    Some(Backend {
        bucket: over
            .bucket
            .clone()
            .or_else(|| base.bucket.clone())
            .unwrap_or_default(),
        key: key.replace("{env}", environment),
        region_written: over.region.is_some() || base.region.is_some(),
        region: over
            .region
            .clone()
            .or_else(|| base.region.clone())
            .unwrap_or_else(|| region.to_owned()),
        role_arn: over.role_arn.clone().or_else(|| base.role_arn.clone()),
        use_lockfile: over.use_lockfile.or(base.use_lockfile).unwrap_or(true),
    })
}
