//! The resolved model: one fully typed [`Stack`] per environment, with the project's
//! values, the environment's overlay and tapgen's defaults already merged, and the
//! [`ModuleSpec`] they share, made once by [`resolve`]. Every check and renderer reads this and
//! nothing else.

use crate::config::Loaded;
use crate::config::model::ConfigFile;
use crate::family::backend::Backend;
use crate::family::project::{REGION, TAGS};
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
    /// Every setting, resolved: what the module inputs pass, and what each family and root
    /// table reads its own values from (such as [`crate::family::lambda::Lambda::of`]).
    pub values: Values,
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

impl Stack {
    /// The environment's AWS region.
    pub fn region(&self) -> &str {
        self.values
            .get(&REGION)
            .and_then(serde_json::Value::as_str)
            .unwrap_or(DEFAULT_REGION)
    }

    /// The user's tags; the module adds Project, Environment and ManagedBy itself.
    pub fn tags(&self) -> BTreeMap<String, String> {
        self.values.string_map(&TAGS)
    }

    /// Where the environment's state is kept, if not locally.
    pub fn backend(&self) -> Option<Backend> {
        Backend::of(self)
    }

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
    let stack = |environment: &str, overlay: Option<&serde_json::Value>| Stack {
        project: config.project.name.clone(),
        environment: environment.to_owned(),
        values: Values::resolve(&config.document, overlay),
    };
    let stacks: Vec<Stack> = environments(config)
        .iter()
        .map(|environment| stack(environment, overlay_table(config, environment)))
        .collect();
    Resolved {
        project: stack(EXAMPLE_ENVIRONMENT, None),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::backend::Backend;
    use std::path::PathBuf;

    fn resolved(text: &str) -> Resolved {
        let parsed =
            crate::config::load::parse("tapgen.toml", text.to_owned(), PathBuf::new()).unwrap();
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        resolve(&parsed.loaded)
    }

    /// The project-wide region, tags and backend merge with an environment's as every
    /// family table does: a scalar replaced, a table of tags merged entry by entry, each
    /// backend key on its own.
    #[test]
    fn region_tags_and_backend_overlay_like_every_table() {
        let resolved = resolved(
            r#"
[project]
name = "Tap"
region = "eu-west-1"

[tags]
Team = "core"
Cost = "api"

[backend]
bucket = "tap-state"

[env.dev]

[env.prod]
region = "us-west-2"
tags.Team = "edge"
backend.key = "k/{env}.tfstate"
"#,
        );
        let [dev, prod] = &resolved.stacks[..] else {
            panic!("{:?}", resolved.stacks);
        };
        assert_eq!((dev.region(), prod.region()), ("eu-west-1", "us-west-2"));
        let tags = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert_eq!(dev.tags(), tags(&[("Cost", "api"), ("Team", "core")]));
        assert_eq!(prod.tags(), tags(&[("Cost", "api"), ("Team", "edge")]));
        let backend = |bucket: &str, key: &str, region: &str| Backend {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            region: region.to_owned(),
            region_written: false,
            role_arn: None,
            use_lockfile: true,
        };
        assert_eq!(
            dev.backend(),
            Some(backend(
                "tap-state",
                "tap/dev/terraform.tfstate",
                "eu-west-1"
            ))
        );
        assert_eq!(
            prod.backend(),
            Some(backend("tap-state", "k/prod.tfstate", "us-west-2"))
        );
        assert_eq!(resolved.project.region(), "eu-west-1");
    }

    /// `[backend]` with no key still asks for a backend (whose missing bucket the checks
    /// report), where it is written: in one environment's overlay only, there alone.
    #[test]
    fn an_empty_backend_table_is_a_backend_only_where_it_is_written() {
        let resolved = resolved("[project]\nname = \"tap\"\n[env.dev]\n[env.prod.backend]\n");
        let [dev, prod] = &resolved.stacks[..] else {
            panic!("{:?}", resolved.stacks);
        };
        assert_eq!(dev.backend(), None);
        let backend = prod.backend().unwrap();
        assert_eq!(backend.bucket, "");
        assert_eq!(backend.region, DEFAULT_REGION);
        assert_eq!(resolved.project.backend(), None);
    }
}
