//! The resolved model: one fully typed [`Stack`] per environment, with the project's
//! values, the environment's overlay and tapgen's defaults already merged. Every renderer
//! reads this and nothing else.

use crate::config::model::{Authorization, BackendConfig, ConfigFile, Encryption, EnvOverlay};
use std::collections::BTreeMap;

pub const DEFAULT_ENVIRONMENT: &str = "dev";
pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_MODULE_NAME: &str = "serverless-api";
pub const DEFAULT_MODULE_VERSION: &str = "0.1.0";
pub const DEFAULT_RUNTIME: &str = "python3.12";
pub const DEFAULT_HANDLER: &str = "handler.handler";
pub const DEFAULT_SOURCE_DIR: &str = "lambda";
pub const DEFAULT_MEMORY_MB: u32 = 256;
pub const DEFAULT_TIMEOUT_S: u32 = 10;
pub const DEFAULT_STAGE: &str = "v1";
pub const DEFAULT_RATE_LIMIT: u32 = 50;
pub const DEFAULT_BURST_LIMIT: u32 = 100;
pub const DEFAULT_RETENTION_DAYS: u32 = 365;
pub const DEFAULT_EXPIRATION_DAYS: u32 = 90;
pub const DEFAULT_NONCURRENT_DAYS: u32 = 30;
pub const DEFAULT_ABORT_UPLOAD_DAYS: u32 = 7;
pub const DEFAULT_API_4XX: u32 = 50;
pub const DEFAULT_API_5XX: u32 = 1;
pub const DEFAULT_API_LATENCY_MS: u32 = 2000;
pub const DEFAULT_PERIOD_S: u32 = 300;

/// One environment of the project, every value decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub project: String,
    pub environment: String,
    pub region: String,
    pub module: ModuleSpec,
    pub lambda: Lambda,
    pub api: Api,
    pub logs: Logs,
    pub bucket: Bucket,
    pub alarms: Alarms,
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
    /// Choices some environment makes that a security scanner flags; the module explains
    /// them to reviewers (`checkov:skip` reasons) only when they are made.
    pub choices: SecurityChoices,
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
pub struct SecurityChoices {
    /// Some environment serves the API without authorization.
    pub public_api: bool,
    /// Some environment turns X-Ray tracing off.
    pub tracing_disabled: bool,
    /// The shortest log retention of any environment, in days.
    pub shortest_retention_days: u32,
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
pub struct Lambda {
    pub runtime: String,
    pub handler: String,
    pub source_dir: String,
    pub memory_mb: u32,
    pub timeout_s: u32,
    pub tracing: bool,
    pub reserved_concurrency: Option<u32>,
    pub environment: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    pub stage_name: String,
    pub throttling_rate_limit: u32,
    pub throttling_burst_limit: u32,
    pub authorization: Authorization,
    pub manage_account_logging_role: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Logs {
    pub retention_days: u32,
    pub kms_key_arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub expiration_days: u32,
    pub noncurrent_expiration_days: u32,
    pub abort_incomplete_upload_days: u32,
    pub force_destroy: bool,
    pub encryption: Encryption,
    pub kms_key_arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alarms {
    pub lambda_errors_threshold: u32,
    pub lambda_throttles_threshold: u32,
    pub lambda_duration_p99_ms: u32,
    pub api_4xx_threshold: u32,
    pub api_5xx_threshold: u32,
    pub api_latency_p99_ms: u32,
    pub period_s: u32,
    pub evaluation_periods: u32,
    pub sns_topic_arns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Backend {
    pub bucket: String,
    pub key: String,
    pub region: String,
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

/// The module every environment shares.
pub fn module_spec(config: &ConfigFile) -> ModuleSpec {
    let module = &config.module;
    let source = match module.source.as_deref() {
        None | Some("local") => ModuleSource::Local,
        Some(address) if address.starts_with("git::") => ModuleSource::Git(address.to_owned()),
        Some(address) if address.starts_with("oci://") => ModuleSource::Oci(address.to_owned()),
        Some(address) => ModuleSource::Registry(address.to_owned()),
    };
    let publish = Publish::of(&config.publish);
    let empty = EnvOverlay::default();
    let overlays: Vec<&EnvOverlay> = environments(config)
        .iter()
        .map(|env| config.env.get(env).unwrap_or(&empty))
        .collect();
    let choices = SecurityChoices {
        public_api: overlays.iter().any(|o| {
            pick(
                o.api.authorization,
                config.api.authorization,
                Authorization::AwsIam,
            ) == Authorization::None
        }),
        tracing_disabled: overlays
            .iter()
            .any(|o| !pick(o.lambda.tracing, config.lambda.tracing, true)),
        shortest_retention_days: overlays
            .iter()
            .map(|o| {
                pick(
                    o.logs.retention_days,
                    config.logs.retention_days,
                    DEFAULT_RETENTION_DAYS,
                )
            })
            .min()
            .unwrap_or(DEFAULT_RETENTION_DAYS),
    };
    ModuleSpec {
        choices,
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

/// Resolves one environment: its overlay over the project's values over tapgen's defaults.
/// An environment the config does not declare gets the project's values alone. `module` is
/// [`module_spec`] of the same config, computed once for all environments.
pub fn resolve(config: &ConfigFile, environment: &str, module: &ModuleSpec) -> Stack {
    let empty = EnvOverlay::default();
    resolve_overlay(
        config,
        environment,
        config.env.get(environment).unwrap_or(&empty),
        module,
    )
}

/// The environment name of [`project_stack`].
pub const EXAMPLE_ENVIRONMENT: &str = "example";

/// The project's own values with no environment overlay, under the environment name
/// `example`: what the module's examples and README take from the config.
pub fn project_stack(config: &ConfigFile, module: &ModuleSpec) -> Stack {
    resolve_overlay(config, EXAMPLE_ENVIRONMENT, &EnvOverlay::default(), module)
}

fn resolve_overlay(
    config: &ConfigFile,
    environment: &str,
    overlay: &EnvOverlay,
    module: &ModuleSpec,
) -> Stack {
    let (base_lambda, env_lambda) = (&config.lambda, &overlay.lambda);
    let (base_api, env_api) = (&config.api, &overlay.api);
    let (base_logs, env_logs) = (&config.logs, &overlay.logs);
    let (base_bucket, env_bucket) = (&config.bucket, &overlay.bucket);
    let (base_alarms, env_alarms) = (&config.alarms, &overlay.alarms);

    let timeout_s = pick(
        env_lambda.timeout_s,
        base_lambda.timeout_s,
        DEFAULT_TIMEOUT_S,
    );
    let region = overlay
        .region
        .clone()
        .or_else(|| config.project.region.clone())
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());

    let mut environment_variables = base_lambda.environment.clone();
    environment_variables.extend(env_lambda.environment.clone());
    let mut tags = config.tags.clone();
    tags.extend(overlay.tags.clone());

    Stack {
        project: config.project.name.clone(),
        environment: environment.to_owned(),
        module: module.clone(),
        lambda: crate::stack::Lambda {
            runtime: pick_str(&env_lambda.runtime, &base_lambda.runtime, DEFAULT_RUNTIME),
            handler: pick_str(&env_lambda.handler, &base_lambda.handler, DEFAULT_HANDLER),
            source_dir: pick_str(
                &env_lambda.source_dir,
                &base_lambda.source_dir,
                DEFAULT_SOURCE_DIR,
            ),
            memory_mb: pick(
                env_lambda.memory_mb,
                base_lambda.memory_mb,
                DEFAULT_MEMORY_MB,
            ),
            timeout_s,
            tracing: pick(env_lambda.tracing, base_lambda.tracing, true),
            reserved_concurrency: env_lambda
                .reserved_concurrency
                .or(base_lambda.reserved_concurrency),
            environment: environment_variables,
        },
        api: Api {
            stage_name: pick_str(&env_api.stage_name, &base_api.stage_name, DEFAULT_STAGE),
            throttling_rate_limit: pick(
                env_api.throttling_rate_limit,
                base_api.throttling_rate_limit,
                DEFAULT_RATE_LIMIT,
            ),
            throttling_burst_limit: pick(
                env_api.throttling_burst_limit,
                base_api.throttling_burst_limit,
                DEFAULT_BURST_LIMIT,
            ),
            authorization: pick(
                env_api.authorization,
                base_api.authorization,
                Authorization::AwsIam,
            ),
            manage_account_logging_role: pick(
                env_api.manage_account_logging_role,
                base_api.manage_account_logging_role,
                false,
            ),
        },
        logs: Logs {
            retention_days: pick(
                env_logs.retention_days,
                base_logs.retention_days,
                DEFAULT_RETENTION_DAYS,
            ),
            kms_key_arn: env_logs
                .kms_key_arn
                .clone()
                .or_else(|| base_logs.kms_key_arn.clone()),
        },
        bucket: Bucket {
            expiration_days: pick(
                env_bucket.expiration_days,
                base_bucket.expiration_days,
                DEFAULT_EXPIRATION_DAYS,
            ),
            noncurrent_expiration_days: pick(
                env_bucket.noncurrent_expiration_days,
                base_bucket.noncurrent_expiration_days,
                DEFAULT_NONCURRENT_DAYS,
            ),
            abort_incomplete_upload_days: pick(
                env_bucket.abort_incomplete_upload_days,
                base_bucket.abort_incomplete_upload_days,
                DEFAULT_ABORT_UPLOAD_DAYS,
            ),
            force_destroy: pick(env_bucket.force_destroy, base_bucket.force_destroy, false),
            encryption: pick(
                env_bucket.encryption,
                base_bucket.encryption,
                Encryption::Aes256,
            ),
            kms_key_arn: env_bucket
                .kms_key_arn
                .clone()
                .or_else(|| base_bucket.kms_key_arn.clone()),
        },
        alarms: Alarms {
            lambda_errors_threshold: pick(
                env_alarms.lambda_errors_threshold,
                base_alarms.lambda_errors_threshold,
                1,
            ),
            lambda_throttles_threshold: pick(
                env_alarms.lambda_throttles_threshold,
                base_alarms.lambda_throttles_threshold,
                1,
            ),
            // 80% of the timeout: a function this slow is about to time out.
            lambda_duration_p99_ms: pick(
                env_alarms.lambda_duration_p99_ms,
                base_alarms.lambda_duration_p99_ms,
                timeout_s.saturating_mul(800),
            ),
            api_4xx_threshold: pick(
                env_alarms.api_4xx_threshold,
                base_alarms.api_4xx_threshold,
                DEFAULT_API_4XX,
            ),
            api_5xx_threshold: pick(
                env_alarms.api_5xx_threshold,
                base_alarms.api_5xx_threshold,
                DEFAULT_API_5XX,
            ),
            api_latency_p99_ms: pick(
                env_alarms.api_latency_p99_ms,
                base_alarms.api_latency_p99_ms,
                DEFAULT_API_LATENCY_MS,
            ),
            period_s: pick(env_alarms.period_s, base_alarms.period_s, DEFAULT_PERIOD_S),
            evaluation_periods: pick(
                env_alarms.evaluation_periods,
                base_alarms.evaluation_periods,
                1,
            ),
            sns_topic_arns: env_alarms
                .sns_topic_arns
                .clone()
                .or_else(|| base_alarms.sns_topic_arns.clone())
                .unwrap_or_default(),
        },
        tags,
        backend: resolve_backend(config, overlay, environment, &region),
        region,
    }
}

fn pick<T: Copy>(overlay: Option<T>, base: Option<T>, default: T) -> T {
    overlay.or(base).unwrap_or(default)
}

fn pick_str(overlay: &Option<String>, base: &Option<String>, default: &str) -> String {
    overlay
        .as_deref()
        .or(base.as_deref())
        .unwrap_or(default)
        .to_owned()
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
        region: over
            .region
            .clone()
            .or_else(|| base.region.clone())
            .unwrap_or_else(|| region.to_owned()),
        use_lockfile: over.use_lockfile.or(base.use_lockfile).unwrap_or(true),
    })
}
