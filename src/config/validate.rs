//! AWS's own rules and tapgen's naming rules, checked on every resolved environment.
//!
//! All problems are collected and reported together. Each points at the line that set the
//! offending value: the environment's overlay when it sets the key, else the project-wide
//! value, else (for derived names) the environment's table.

use super::load::Loaded;
use super::secrets::looks_like_secret;
use super::source::Source;
use crate::error::{Diagnostic, Error};
use crate::stack::{self, Stack};
use std::collections::BTreeSet;

/// Python runtimes AWS still accepts for new functions and the aws provider 5.100+ knows.
pub const SUPPORTED_RUNTIMES: &[&str] = &["python3.11", "python3.12", "python3.13"];

/// The retention periods CloudWatch Logs accepts, in days.
pub const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Lambda environment variables that tapgen sets itself.
pub const MANAGED_VARIABLES: &[&str] = &["LOG_BUCKET_NAME", "ENVIRONMENT"];

/// Tags the module sets on every resource.
pub const MANAGED_TAGS: &[&str] = &["Project", "Environment", "ManagedBy"];

/// The longest suffix the module appends to `<project>-<env>` in a resource name
/// (`-apigw-cloudwatch`, on the account logging role) and the 64-character IAM role limit.
const LONGEST_NAME_SUFFIX: usize = "-apigw-cloudwatch".len();
const NAME_LIMIT: usize = 64;

/// Checks the config and resolves the requested environments.
pub fn validate(loaded: &Loaded, requested: &[String]) -> Result<Vec<Stack>, Error> {
    let config = &loaded.config;
    let mut checker = Checker {
        source: &loaded.source,
        base_dir: &loaded.base_dir,
        diagnostics: Vec::new(),
        seen: BTreeSet::new(),
    };
    checker.project(config);
    let declared = stack::environments(config);
    let module = stack::module_spec(config);
    for environment in &declared {
        let resolved = stack::resolve(config, environment, &module);
        checker.environment_name(environment);
        checker.stack(&resolved);
    }
    if !checker.diagnostics.is_empty() {
        return Err(Error::Config {
            file: loaded.source.name.clone(),
            diagnostics: checker.diagnostics,
        });
    }
    let is_declared: BTreeSet<&String> = declared.iter().collect();
    requested
        .iter()
        .map(|environment| {
            if !is_declared.contains(environment) {
                let suggestion = crate::suggest::closest(environment, declared.iter().map(String::as_str))
                    .map(|best| format!("did you mean `{best}`? "))
                    .unwrap_or_default();
                return Err(Error::usage(
                    format!("environment `{environment}` is not declared in `{}`", loaded.source.name),
                    Some(format!(
                        "{suggestion}declared environments: {}; add an `[env.{environment}]` table to declare it",
                        declared.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
                    )),
                ));
            }
            Ok(stack::resolve(config, environment, &module))
        })
        .collect()
}

struct Checker<'a> {
    source: &'a Source,
    base_dir: &'a std::path::Path,
    diagnostics: Vec<Diagnostic>,
    /// A project-wide mistake is found once per environment; report it once.
    seen: BTreeSet<(Option<(usize, usize)>, String)>,
}

impl Checker<'_> {
    /// Reports a problem with `key` (a path below a section, such as `lambda.memory_mb`) as
    /// resolved for `environment`.
    fn error(
        &mut self,
        environment: Option<&str>,
        key: &[&str],
        message: String,
        help: impl Into<Option<String>>,
    ) {
        let env_path: Vec<&str> = environment
            .map(|env| {
                ["env", env]
                    .into_iter()
                    .chain(key.iter().copied())
                    .collect()
            })
            .unwrap_or_default();
        // The line that set the value: the environment's overlay, else the project-wide key,
        // else the nearest table that is written (for defaults and derived names).
        let exact = [env_path.as_slice(), key]
            .into_iter()
            .find(|path| !path.is_empty() && self.source.contains(path));
        let nearest = exact.or_else(|| {
            let base_prefixes = (1..key.len()).rev().map(|n| &key[..n]);
            let env_prefixes = (2..env_path.len()).rev().map(|n| &env_path[..n]);
            base_prefixes
                .chain(env_prefixes)
                .find(|prefix| self.source.contains(prefix))
        });
        let shown = exact.map_or_else(
            || {
                // A key nobody wrote: name it where the user would add it.
                let in_overlay = environment.is_some_and(|env| self.source.contains(&["env", env]));
                if in_overlay || key.is_empty() {
                    env_path.join(".")
                } else {
                    key.join(".")
                }
            },
            |path| path.join("."),
        );
        let diagnostic = Diagnostic {
            message,
            key: (!shown.is_empty()).then_some(shown),
            location: nearest
                .and_then(|path| self.source.span_of(path))
                .map(|span| self.source.location(span)),
            file: self.source.name.clone(),
            help: help.into(),
        };
        let identity = (
            diagnostic.location.as_ref().map(|l| (l.line, l.column)),
            diagnostic.message.clone(),
        );
        if self.seen.insert(identity) {
            self.diagnostics.push(diagnostic);
        }
    }

    fn project(&mut self, config: &super::ConfigFile) {
        let name = &config.project.name;
        if !is_name(name, true) {
            self.error(
                None,
                &["project", "name"],
                format!("project name `{name}` can't be used in resource names"),
                "use letters, digits and hyphens, starting with a letter, such as `orders-api`"
                    .to_owned(),
            );
        }
        let module = &config.module;
        if let Some(name) = &module.name
            && (!is_name(name, false) || name.len() > 64)
        {
            self.error(
                None,
                &["module", "name"],
                format!("module name `{name}` is not a valid registry module name"),
                "use lowercase letters, digits and hyphens, starting with a letter, at most 64 characters".to_owned(),
            );
        }
        // The same 64-character limit as the name: registry folders and URLs take both.
        if let Some(namespace) = &module.namespace
            && (!is_name(namespace, true) || namespace.len() > 64)
        {
            self.error(
                None,
                &["module", "namespace"],
                format!("module namespace `{namespace}` is not a valid registry namespace"),
                "use letters, digits and hyphens, starting with a letter, at most 64 characters"
                    .to_owned(),
            );
        }
        if let Some(version) = &module.version
            && !is_semver(version)
        {
            self.error(
                None,
                &["module", "version"],
                format!("module version `{version}` is not a SemVer version"),
                "write it as MAJOR.MINOR.PATCH, such as `1.2.0`".to_owned(),
            );
        }
        if let Some(source) = &module.source
            && source != "local"
            && !is_registry_address(source)
            && !is_git_or_oci_source(source)
        {
            self.error(
                None,
                &["module", "source"],
                format!("module source `{source}` is neither `local` nor a registry address, a `git::` or an `oci://` repository"),
                "use `local`, `[HOST/]NAMESPACE/NAME/SYSTEM` such as `registry.example.com/acme/serverless-api/aws`, `git::URL` or `oci://HOST/REPOSITORY`; tapgen adds the version (`?ref=v<version>`, `?tag=<version>`) itself"
                    .to_owned(),
            );
        } else if let Some(source) = &module.source
            && is_registry_address(source)
        {
            // Roots must pin the address that `tapgen module package` publishes, or they
            // would install some other module (or none).
            let spec = crate::stack::module_spec(config);
            let published = format!(
                "{}/{}/{}",
                spec.namespace,
                spec.name,
                crate::publish::package::SYSTEM
            );
            if !source.ends_with(&format!("/{published}")) && *source != published {
                self.error(
                    None,
                    &["module", "source"],
                    format!(
                        "module source `{source}` is not where this module is published: `tapgen module package` publishes it as `{published}`"
                    ),
                    format!(
                        "end the source with `/{published}` (from `module.namespace` and `module.name`), or change those to match it"
                    ),
                );
            }
        }
    }

    fn environment_name(&mut self, environment: &str) {
        let valid = (1..=20).contains(&environment.len())
            && environment.starts_with(|c: char| c.is_ascii_lowercase())
            && !environment.ends_with('-')
            && environment
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            self.error(
                Some(environment),
                &[],
                format!("environment name `{environment}` can't be used in resource names"),
                "use 1 to 20 lowercase letters, digits and hyphens, starting with a letter, such as `staging`".to_owned(),
            );
        }
    }

    fn stack(&mut self, stack: &Stack) {
        let env = Some(stack.environment.as_str());
        self.names(stack);
        if !is_region(&stack.region) {
            self.error(
                env,
                &["region"],
                format!("`{}` is not an AWS region name", stack.region),
                "use a region code such as `us-east-1` or `eu-west-2`".to_owned(),
            );
        }
        self.lambda(stack);
        self.api(stack);
        self.logs_and_bucket(stack);
        self.alarms(stack);
        self.tags(stack);
        self.backend(stack);
    }

    fn names(&mut self, stack: &Stack) {
        let env = Some(stack.environment.as_str());
        let bucket = stack.bucket_name();
        if let Err(problem) = check_bucket_name(&bucket) {
            self.error(
                env,
                &["project", "name"],
                format!("log bucket name `{bucket}` for environment `{}` is invalid: {problem}", stack.environment),
                "S3 bucket names are 3 to 63 lowercase letters, digits, hyphens and dots; shorten the project or environment name".to_owned(),
            );
        }
        let longest = stack.project.len() + 1 + stack.environment.len() + LONGEST_NAME_SUFFIX;
        if longest > NAME_LIMIT {
            self.error(
                env,
                &["project", "name"],
                format!(
                    "`{}-{}` is too long for resource names: IAM role names such as `{}-{}-apigw-cloudwatch` would be {longest} characters, and AWS allows {NAME_LIMIT}",
                    stack.project, stack.environment, stack.project, stack.environment
                ),
                format!(
                    "keep the project and environment names together under {} characters",
                    NAME_LIMIT - LONGEST_NAME_SUFFIX
                ),
            );
        }
    }

    fn lambda(&mut self, stack: &Stack) {
        let env = Some(stack.environment.as_str());
        let lambda = &stack.lambda;
        if !SUPPORTED_RUNTIMES.contains(&lambda.runtime.as_str()) {
            let deprecated = lambda.runtime.starts_with("python");
            self.error(
                env,
                &["lambda", "runtime"],
                if deprecated {
                    format!(
                        "runtime `{}` is deprecated: AWS no longer accepts it for new functions",
                        lambda.runtime
                    )
                } else {
                    format!(
                        "runtime `{}` is not a supported Python runtime",
                        lambda.runtime
                    )
                },
                format!("supported runtimes: {}", ticked(SUPPORTED_RUNTIMES)),
            );
        }
        if !is_handler(&lambda.handler) {
            self.error(
                env,
                &["lambda", "handler"],
                format!(
                    "handler `{}` is not of the form `module.function`",
                    lambda.handler
                ),
                "name the Python module and function, such as `handler.handler`".to_owned(),
            );
        }
        if !(128..=10240).contains(&lambda.memory_mb) {
            self.error(
                env,
                &["lambda", "memory_mb"],
                format!(
                    "memory_mb is {}, but Lambda allows 128 to 10240 MB",
                    lambda.memory_mb
                ),
                "set `memory_mb` between 128 and 10240".to_owned(),
            );
        }
        if !(1..=900).contains(&lambda.timeout_s) {
            self.error(
                env,
                &["lambda", "timeout_s"],
                format!(
                    "timeout_s is {}, but Lambda allows 1 to 900 seconds",
                    lambda.timeout_s
                ),
                "set `timeout_s` between 1 and 900; API Gateway itself waits at most 29 s"
                    .to_owned(),
            );
        }
        if lambda.reserved_concurrency == Some(0) {
            self.error(
                env,
                &["lambda", "reserved_concurrency"],
                "reserved_concurrency 0 would stop the function from ever running".to_owned(),
                "leave it out to share the account's concurrency, or set at least 1".to_owned(),
            );
        }
        self.source_dir(stack);
        let mut total = 0;
        for (name, value) in &lambda.environment {
            total += name.len() + value.len();
            let key = ["lambda", "environment", name.as_str()];
            if !is_env_var_name(name) {
                self.error(
                    env,
                    &key,
                    format!("environment variable name `{name}` is invalid"),
                    "use letters, digits and underscores, starting with a letter".to_owned(),
                );
            } else if MANAGED_VARIABLES.contains(&name.as_str())
                || name.starts_with("AWS_")
                || name.starts_with("LAMBDA_")
            {
                self.error(
                    env,
                    &key,
                    format!("environment variable `{name}` is reserved"),
                    format!(
                        "tapgen sets {}, and Lambda reserves names starting with `AWS_` and `LAMBDA_`; pick another name",
                        ticked(MANAGED_VARIABLES)
                    ),
                );
            }
            if let Some(kind) = looks_like_secret(value) {
                self.error(
                    env,
                    &key,
                    format!("environment variable `{name}` looks like it holds {kind}"),
                    "generated files and Terraform state keep it in plain text: store it in SSM Parameter Store or Secrets Manager and pass its ARN instead".to_owned(),
                );
            }
        }
        if total > 4096 {
            self.error(
                env,
                &["lambda", "environment"],
                format!("environment variables take {total} bytes, but Lambda allows 4 KB in all"),
                "move large values to SSM Parameter Store and pass their names".to_owned(),
            );
        }
    }

    fn source_dir(&mut self, stack: &Stack) {
        let env = Some(stack.environment.as_str());
        let dir = self.base_dir.join(&stack.lambda.source_dir);
        let module_file = stack
            .lambda
            .handler
            .rsplit_once('.')
            .map(|(module, _)| format!("{}.py", module.replace('.', "/")));
        if !dir.is_dir() {
            self.error(
                env,
                &["lambda", "source_dir"],
                format!("Lambda source folder `{}` does not exist", dir.display()),
                "create it (`tapgen init` writes a handler), or point `lambda.source_dir` at the folder holding your handler".to_owned(),
            );
        } else if let Some(file) = module_file
            && is_handler(&stack.lambda.handler)
            && !dir.join(&file).is_file()
        {
            self.error(
                env,
                &["lambda", "handler"],
                format!(
                    "handler `{}` needs `{}`, which does not exist",
                    stack.lambda.handler,
                    dir.join(&file).display()
                ),
                format!(
                    "add `{file}` to `{}` or change `lambda.handler`",
                    dir.display()
                ),
            );
        }
    }

    fn api(&mut self, stack: &Stack) {
        let env = Some(stack.environment.as_str());
        let api = &stack.api;
        let stage_ok = (1..=128).contains(&api.stage_name.len())
            && api
                .stage_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !stage_ok {
            self.error(
                env,
                &["api", "stage_name"],
                format!("stage name `{}` is invalid", api.stage_name),
                "use 1 to 128 letters, digits, hyphens and underscores, such as `v1`".to_owned(),
            );
        }
        if api.throttling_rate_limit > 10_000 {
            self.error(
                env,
                &["api", "throttling_rate_limit"],
                format!("throttling_rate_limit is {}, above API Gateway's account limit of 10000 requests per second", api.throttling_rate_limit),
                "ask AWS for a quota increase first, or lower the limit".to_owned(),
            );
        }
        if api.throttling_burst_limit > 5_000 {
            self.error(
                env,
                &["api", "throttling_burst_limit"],
                format!(
                    "throttling_burst_limit is {}, above API Gateway's account limit of 5000",
                    api.throttling_burst_limit
                ),
                "ask AWS for a quota increase first, or lower the limit".to_owned(),
            );
        }
    }

    fn logs_and_bucket(&mut self, stack: &Stack) {
        let env = Some(stack.environment.as_str());
        if !RETENTION_DAYS.contains(&stack.logs.retention_days) {
            let nearest = RETENTION_DAYS
                .iter()
                .min_by_key(|days| days.abs_diff(stack.logs.retention_days))
                .copied()
                .unwrap_or(365);
            self.error(
                env,
                &["logs", "retention_days"],
                format!(
                    "CloudWatch Logs does not accept a retention of {} days",
                    stack.logs.retention_days
                ),
                format!(
                    "the nearest allowed value is {nearest}; allowed: {}",
                    RETENTION_DAYS
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        if let Some(arn) = &stack.logs.kms_key_arn
            && !is_arn(arn, "kms")
        {
            self.error(
                env,
                &["logs", "kms_key_arn"],
                format!("`{arn}` is not a KMS key ARN"),
                kms_help(),
            );
        }
        let bucket = &stack.bucket;
        for (key, days) in [
            ("expiration_days", bucket.expiration_days),
            (
                "noncurrent_expiration_days",
                bucket.noncurrent_expiration_days,
            ),
            (
                "abort_incomplete_upload_days",
                bucket.abort_incomplete_upload_days,
            ),
        ] {
            if days == 0 {
                self.error(
                    env,
                    &["bucket", key],
                    format!("{key} is 0, but S3 lifecycle rules count at least 1 day"),
                    format!("set `{key}` to 1 or more"),
                );
            }
        }
        if let Some(arn) = &bucket.kms_key_arn {
            if bucket.encryption != super::model::Encryption::AwsKms {
                self.error(
                    env,
                    &["bucket", "kms_key_arn"],
                    "bucket.kms_key_arn is set, but bucket.encryption is `AES256`, which ignores it".to_owned(),
                    "set `encryption = \"aws:kms\"` or remove `kms_key_arn`".to_owned(),
                );
            } else if !is_arn(arn, "kms") {
                self.error(
                    env,
                    &["bucket", "kms_key_arn"],
                    format!("`{arn}` is not a KMS key ARN"),
                    kms_help(),
                );
            }
        }
    }

    fn alarms(&mut self, stack: &Stack) {
        let env = Some(stack.environment.as_str());
        let alarms = &stack.alarms;
        if !(alarms.period_s == 10
            || alarms.period_s == 30
            || (alarms.period_s > 0 && alarms.period_s.is_multiple_of(60)))
        {
            self.error(
                env,
                &["alarms", "period_s"],
                format!(
                    "alarm period of {} s is not one CloudWatch accepts",
                    alarms.period_s
                ),
                "use 10, 30 or a multiple of 60, such as 300".to_owned(),
            );
        }
        if alarms.evaluation_periods == 0 {
            self.error(
                env,
                &["alarms", "evaluation_periods"],
                "evaluation_periods is 0; an alarm needs at least one period".to_owned(),
                "set `evaluation_periods` to 1 or more".to_owned(),
            );
        } else if u64::from(alarms.period_s) * u64::from(alarms.evaluation_periods) > 86_400 {
            self.error(
                env,
                &["alarms", "evaluation_periods"],
                "period_s times evaluation_periods exceeds one day, CloudWatch's limit".to_owned(),
                "lower `evaluation_periods` or `period_s`".to_owned(),
            );
        }
        let timeout_ms = u64::from(stack.lambda.timeout_s) * 1000;
        if u64::from(alarms.lambda_duration_p99_ms) > timeout_ms {
            self.error(
                env,
                &["alarms", "lambda_duration_p99_ms"],
                format!(
                    "lambda_duration_p99_ms is {}, longer than the {timeout_ms} ms timeout, so the alarm could never fire",
                    alarms.lambda_duration_p99_ms
                ),
                "set it below the timeout, for example 80% of it".to_owned(),
            );
        }
        for arn in &alarms.sns_topic_arns {
            if !is_arn(arn, "sns") {
                self.error(
                    env,
                    &["alarms", "sns_topic_arns"],
                    format!("`{arn}` is not an SNS topic ARN"),
                    "use `arn:aws:sns:REGION:ACCOUNT:TOPIC`".to_owned(),
                );
            }
        }
    }

    fn tags(&mut self, stack: &Stack) {
        let env = Some(stack.environment.as_str());
        for (key, value) in &stack.tags {
            let path = ["tags", key.as_str()];
            let key_chars = key.chars().count();
            if MANAGED_TAGS.contains(&key.as_str()) {
                self.error(
                    env,
                    &path,
                    format!("tag `{key}` is set by tapgen on every resource"),
                    format!(
                        "tapgen manages {}; choose another key",
                        ticked(MANAGED_TAGS)
                    ),
                );
            } else if key.to_lowercase().starts_with("aws:") {
                self.error(
                    env,
                    &path,
                    format!("tag key `{key}` uses the reserved `aws:` prefix"),
                    "AWS reserves `aws:` tags for itself; drop the prefix".to_owned(),
                );
            } else if !(1..=128).contains(&key_chars) || !key.chars().all(is_tag_char) {
                self.error(
                    env,
                    &path,
                    format!("tag key `{key}` is invalid"),
                    "tag keys are 1 to 128 letters, digits, spaces and `_ . : / = + - @`"
                        .to_owned(),
                );
            }
            if value.chars().count() > 256 || !value.chars().all(is_tag_char) {
                self.error(
                    env,
                    &path,
                    format!("value of tag `{key}` is invalid"),
                    "tag values are at most 256 letters, digits, spaces and `_ . : / = + - @`"
                        .to_owned(),
                );
            }
        }
    }

    fn backend(&mut self, stack: &Stack) {
        let env = Some(stack.environment.as_str());
        let Some(backend) = &stack.backend else {
            return;
        };
        if let Err(problem) = check_bucket_name(&backend.bucket) {
            self.error(
                env,
                &["backend", "bucket"],
                if backend.bucket.is_empty() {
                    "backend.bucket is missing".to_owned()
                } else {
                    format!("backend bucket `{}` is invalid: {problem}", backend.bucket)
                },
                "name the existing S3 bucket that holds Terraform state".to_owned(),
            );
        }
        if backend.key.is_empty() || backend.key.starts_with('/') {
            self.error(
                env,
                &["backend", "key"],
                "backend.key must be a relative object key".to_owned(),
                "use something like `orders/{env}/terraform.tfstate`".to_owned(),
            );
        }
        if !is_region(&backend.region) {
            self.error(
                env,
                &["backend", "region"],
                format!("`{}` is not an AWS region name", backend.region),
                "use a region code such as `us-east-1`".to_owned(),
            );
        }
    }
}

fn ticked(items: &[&str]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn kms_help() -> String {
    "use a key ARN such as `arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`".to_owned()
}

/// Letters, digits and hyphens, starting with a letter; lowercase only when `mixed_case` is false.
fn is_name(name: &str, mixed_case: bool) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| {
            c == '-'
                || c.is_ascii_digit()
                || if mixed_case {
                    c.is_ascii_alphabetic()
                } else {
                    c.is_ascii_lowercase()
                }
        })
}

/// SemVer 2.0 as the registries and `version` constraints read it, pre-release and build
/// included (the grammar the `semver` crate implements).
fn is_semver(version: &str) -> bool {
    semver::Version::parse(version).is_ok()
}

fn is_registry_address(address: &str) -> bool {
    let parts: Vec<&str> = address.split('/').collect();
    (parts.len() == 3 || parts.len() == 4)
        && parts.iter().all(|part| {
            part.starts_with(|c: char| c.is_ascii_alphanumeric())
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        })
}

/// `git::URL` or `oci://HOST/REPOSITORY`, without a query: tapgen appends the version pin.
fn is_git_or_oci_source(source: &str) -> bool {
    let rest = source
        .strip_prefix("git::")
        .or_else(|| source.strip_prefix("oci://"));
    rest.is_some_and(|rest| {
        !rest.is_empty()
            && !rest.contains(['?', '"', '\\'])
            && !rest.chars().any(char::is_whitespace)
            && (source.starts_with("git::") || rest.contains('/'))
    })
}

fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

fn is_handler(handler: &str) -> bool {
    let parts: Vec<&str> = handler.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|part| {
            part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

fn is_env_var_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c)
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` for the given service.
fn is_arn(arn: &str, service: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == service
        && is_region(parts[3])
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && !parts[5].is_empty()
        && !parts[5].contains(char::is_whitespace)
}

/// S3's bucket naming rules, as a reason when broken.
pub fn check_bucket_name(name: &str) -> Result<(), String> {
    if !(3..=63).contains(&name.len()) {
        return Err(format!(
            "it has {} characters, and S3 allows 3 to 63",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Err(format!(
            "`{c}` is not allowed; use lowercase letters, digits, hyphens and dots"
        ));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Err("it must start and end with a letter or digit".to_owned());
    }
    if name.contains("..") {
        return Err("it has two dots in a row".to_owned());
    }
    if name.split('.').count() == 4 && name.split('.').all(|part| part.parse::<u8>().is_ok()) {
        return Err("it looks like an IP address".to_owned());
    }
    if name.starts_with("xn--")
        || name.starts_with("sthree-")
        || name.ends_with("-s3alias")
        || name.ends_with("--ol-s3")
    {
        return Err("it uses a prefix or suffix that S3 reserves".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        assert!(check_bucket_name("tap-logs-dev").is_ok());
        assert!(check_bucket_name("ab").is_err());
        assert!(check_bucket_name("a_b-logs").is_err());
        assert!(check_bucket_name("192.168.1.1").is_err());
        assert!(check_bucket_name(&"a".repeat(64)).is_err());
        assert!(check_bucket_name("xn--abc").is_err());
        assert!(check_bucket_name("-abc").is_err());
    }

    #[test]
    fn small_grammars() {
        assert!(is_region("eu-west-2"));
        assert!(is_region("us-gov-west-1"));
        assert!(!is_region("mars"));
        assert!(is_semver("1.2.3"));
        assert!(is_semver("1.2.3-rc.1"));
        assert!(!is_semver("1.2"));
        assert!(!is_semver("01.2.3"));
        assert!(is_handler("handler.handler"));
        assert!(is_handler("app.main.run"));
        assert!(!is_handler("handler"));
        assert!(is_arn("arn:aws:sns:us-east-1:123456789012:alerts", "sns"));
        assert!(!is_arn("arn:aws:sns:us-east-1:1234:alerts", "sns"));
        assert!(is_registry_address(
            "registry.example.com/acme/serverless-api/aws"
        ));
        assert!(is_registry_address("acme/serverless-api/aws"));
        assert!(!is_registry_address("../modules/x"));
    }
}
