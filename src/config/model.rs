//! The typed shape of `tapgen.toml`.
//!
//! Every section is a layer of optional values: the top-level sections hold a project's
//! defaults, each `[env.NAME]` table overlays the same sections for one environment, and
//! [`crate::stack`] resolves the layers plus tapgen's built-in defaults into one `Stack`.
//! The same structs produce `tapgen schema`, and that schema is what
//! [`super::structure`] checks every key, type and range against before deserializing:
//! unknown keys are rejected everywhere, and a range written here as `#[schemars(range)]` is
//! both checked and offered to editors. The doc comments double as the help of errors.

use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A tapgen project: one serverless API, rendered as a reusable Terraform/OpenTofu module and
/// one root configuration per environment.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The project: its name prefixes every resource name.
    pub project: ProjectConfig,
    /// The reusable module that tapgen renders under `modules/<name>/`.
    #[serde(default)]
    pub module: ModuleConfig,
    /// The Lambda function that handles every request.
    #[serde(default)]
    pub lambda: LambdaConfig,
    /// The API Gateway REST API and its stage.
    #[serde(default)]
    pub api: ApiConfig,
    /// The CloudWatch log groups of the function and the API.
    #[serde(default)]
    pub logs: LogsConfig,
    /// The S3 bucket that receives a record of every request.
    #[serde(default)]
    pub bucket: BucketConfig,
    /// CloudWatch alarms on the function and the API.
    #[serde(default)]
    pub alarms: AlarmsConfig,
    /// Tags added to every taggable resource, after Project, Environment and ManagedBy.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// An S3 backend for the state of every environment root. Without it, state stays local.
    #[serde(default)]
    pub backend: Option<BackendConfig>,
    /// Where `tapgen module publish` releases the module when no flag names a target, and
    /// where the module README's usage snippet installs it from.
    #[serde(default)]
    pub publish: PublishConfig,
    /// The environments, each overlaying any of the sections above. Without any, the one
    /// environment is `dev`.
    #[serde(default)]
    pub env: BTreeMap<String, EnvOverlay>,
}

/// Values that one environment changes. Keys left out keep the project-wide value.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvOverlay {
    /// The AWS region of this environment.
    pub region: Option<String>,
    /// The Lambda function that handles every request.
    #[serde(default)]
    pub lambda: LambdaConfig,
    /// The API Gateway REST API and its stage.
    #[serde(default)]
    pub api: ApiConfig,
    /// The CloudWatch log groups of the function and the API.
    #[serde(default)]
    pub logs: LogsConfig,
    /// The S3 bucket that receives a record of every request.
    #[serde(default)]
    pub bucket: BucketConfig,
    /// CloudWatch alarms on the function and the API.
    #[serde(default)]
    pub alarms: AlarmsConfig,
    /// Extra tags for this environment, merged over the project's tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Backend settings for this environment, merged over the project's backend.
    #[serde(default)]
    pub backend: Option<BackendConfig>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    /// Project name: letters, digits and hyphens, starting with a letter. It prefixes every
    /// resource name; the log bucket is `lower(name)-logs-<env>`.
    pub name: String,
    /// The AWS region for every environment that does not set its own. Default `us-east-1`.
    pub region: Option<String>,
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

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LambdaConfig {
    /// Python runtime. Default `python3.12`; runtimes AWS no longer accepts for new functions are refused.
    pub runtime: Option<String>,
    /// Handler as `module.function`. Default `handler.handler`.
    pub handler: Option<String>,
    /// Folder holding the handler, relative to the config file. Default `lambda`; `.` for a
    /// handler beside the config. tapgen's own output and config, dot-files, `tests/`,
    /// `__pycache__`, `*.pyc` and `node_modules` are left out of the package.
    pub source_dir: Option<String>,
    /// Memory in MB, 128 to 10240. Default 256.
    #[schemars(range(min = 128, max = 10240))]
    pub memory_mb: Option<u32>,
    /// Timeout in seconds, 1 to 900. Default 10. API Gateway itself gives up after 29 s.
    #[schemars(range(min = 1, max = 900))]
    pub timeout_s: Option<u32>,
    /// X-Ray active tracing. Default true.
    pub tracing: Option<bool>,
    /// Concurrency reserved for the function, at least 1 (0 would stop it from ever running);
    /// unset leaves it unreserved.
    #[schemars(range(min = 1))]
    pub reserved_concurrency: Option<u32>,
    /// Extra environment variables. `LOG_BUCKET_NAME` and `ENVIRONMENT` are set by tapgen.
    /// Values that look like credentials are refused: pass an SSM parameter or Secrets Manager ARN instead.
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// Stage name. Default `v1`.
    pub stage_name: Option<String>,
    /// Steady-state request rate limit per second for the stage. Default 50.
    pub throttling_rate_limit: Option<u32>,
    /// Burst request limit for the stage. Default 100.
    pub throttling_burst_limit: Option<u32>,
    /// Method authorization: `AWS_IAM` (default, callers sign requests with SigV4) or `NONE` (public).
    pub authorization: Option<Authorization>,
    /// Also manage the account-level API Gateway CloudWatch role. There is one per account and
    /// region, and stage logging fails until it exists: turn this on in exactly one stack per
    /// account and region. Default false.
    pub manage_account_logging_role: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Authorization {
    #[serde(rename = "AWS_IAM")]
    AwsIam,
    #[serde(rename = "NONE")]
    None,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogsConfig {
    /// Days CloudWatch keeps the Lambda and API access logs; one of the values CloudWatch accepts. Default 365.
    pub retention_days: Option<u32>,
    /// KMS key ARN that encrypts both log groups. Unset uses CloudWatch's own encryption.
    pub kms_key_arn: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BucketConfig {
    /// Days before request records expire, at least 1. Default 90.
    #[schemars(range(min = 1))]
    pub expiration_days: Option<u32>,
    /// Days before replaced object versions expire, at least 1. Default 30.
    #[schemars(range(min = 1))]
    pub noncurrent_expiration_days: Option<u32>,
    /// Days before incomplete multipart uploads are aborted, at least 1. Default 7.
    #[schemars(range(min = 1))]
    pub abort_incomplete_upload_days: Option<u32>,
    /// Let `tofu destroy` delete a bucket that still holds objects. Default false.
    pub force_destroy: Option<bool>,
    /// Server-side encryption: `AES256` (default, S3-managed keys) or `aws:kms`.
    pub encryption: Option<Encryption>,
    /// KMS key ARN for `aws:kms`; unset uses the AWS managed `aws/s3` key.
    pub kms_key_arn: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Encryption {
    #[serde(rename = "AES256")]
    Aes256,
    #[serde(rename = "aws:kms")]
    AwsKms,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlarmsConfig {
    /// Lambda errors per period that raise the alarm. Default 1.
    pub lambda_errors_threshold: Option<u32>,
    /// Lambda throttles per period that raise the alarm. Default 1.
    pub lambda_throttles_threshold: Option<u32>,
    /// Lambda p99 duration in milliseconds that raises the alarm. Default: 80% of the timeout.
    pub lambda_duration_p99_ms: Option<u32>,
    /// API 4XX responses per period that raise the alarm. Default 50.
    pub api_4xx_threshold: Option<u32>,
    /// API 5XX responses per period that raise the alarm. Default 1.
    pub api_5xx_threshold: Option<u32>,
    /// API p99 latency in milliseconds that raises the alarm. Default 2000.
    pub api_latency_p99_ms: Option<u32>,
    /// Length of one evaluation period in seconds: 10, 30 or a multiple of 60. Default 300.
    pub period_s: Option<u32>,
    /// Periods that must breach before the alarm fires, at least 1. Default 1.
    #[schemars(range(min = 1))]
    pub evaluation_periods: Option<u32>,
    /// SNS topic ARNs notified on alarm and on recovery. Default none.
    pub sns_topic_arns: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackendConfig {
    /// S3 bucket holding the state.
    pub bucket: Option<String>,
    /// State object key; `{env}` is replaced by the environment name. Default `<project>/{env}/terraform.tfstate`.
    pub key: Option<String>,
    /// Region of the state bucket. Default: the environment's region.
    pub region: Option<String>,
    /// Lock with an S3 lock file (OpenTofu 1.10+, Terraform 1.10+). Default true.
    pub use_lockfile: Option<bool>,
}
