//! The module's inputs, as data: `variables.tf`, the README's inputs table and the values
//! each environment root passes all come from this one table.

use crate::config::validate::{RETENTION_DAYS, SUPPORTED_RUNTIMES};
use crate::hcl::{Block, Body, Expr};
use crate::stack::{self, Stack};

/// One module input.
pub struct Variable {
    pub name: &'static str,
    /// An HCL type constraint such as `string` or `map(string)`.
    pub type_expr: &'static str,
    pub description: &'static str,
    /// `None` makes the input required.
    pub default: Option<Expr>,
    /// Conditions written in HCL, each with the message `tofu plan` shows when it fails.
    pub validations: Vec<(String, String)>,
    /// The value an environment passes.
    pub value: fn(&Stack) -> Expr,
    /// The value `examples/complete` passes, from the project's own values
    /// ([`stack::project_stack`]): one that validates and turns the input's feature on.
    /// References name the example's own variables and resources.
    pub example: fn(&Stack) -> Expr,
}

fn n(value: u32) -> Expr {
    Expr::Number(i64::from(value))
}

fn opt_string(value: &Option<String>) -> Expr {
    value.as_ref().map_or(Expr::Null, Expr::string)
}

fn string_map(map: &std::collections::BTreeMap<String, String>) -> Expr {
    Expr::object(map.iter().map(|(k, v)| (k.clone(), Expr::string(v))))
}

fn range(var: &str, low: u32, high: u32, what: &str) -> (String, String) {
    (
        format!("var.{var} >= {low} && var.{var} <= {high}"),
        format!("{what} must be between {low} and {high}."),
    )
}

fn at_least_one(var: &str, what: &str) -> (String, String) {
    (
        format!("var.{var} >= 1"),
        format!("{what} must be at least 1."),
    )
}

fn one_of(var: &str, options: &[String], what: &str) -> (String, String) {
    (
        format!("contains([{}], var.{var})", options.join(", ")),
        format!(
            "{what} must be one of: {}.",
            options.join(", ").replace('"', "")
        ),
    )
}

fn r(path: &str) -> Expr {
    Expr::reference(path)
}

/// The project's tags, plus one saying which example made the resources.
fn example_tags(stack: &Stack) -> Expr {
    let mut tags = stack.tags.clone();
    tags.insert("Example".to_owned(), "complete".to_owned());
    string_map(&tags)
}

fn quoted(options: &[&str]) -> Vec<String> {
    options.iter().map(|o| format!("\"{o}\"")).collect()
}

/// Every input of the module, in the order `variables.tf` lists them.
pub fn variables() -> Vec<Variable> {
    let retention: Vec<String> = RETENTION_DAYS.iter().map(u32::to_string).collect();
    vec![
        Variable {
            name: "project",
            type_expr: "string",
            description: "Project name; prefixes every resource name. Letters, digits and hyphens, starting with a letter.",
            default: None,
            validations: vec![(
                r#"can(regex("^[A-Za-z][A-Za-z0-9-]*$", var.project))"#.to_owned(),
                "project must be letters, digits and hyphens, starting with a letter.".to_owned(),
            )],
            value: |s| Expr::string(&s.project),
            example: |_| r("var.project"),
        },
        Variable {
            name: "environment",
            type_expr: "string",
            description: "Environment name, used as the suffix of every resource name.",
            default: Some(Expr::string(stack::DEFAULT_ENVIRONMENT)),
            validations: vec![(
                r#"can(regex("^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$", var.environment))"#.to_owned(),
                "environment must be 1 to 20 lowercase letters, digits and hyphens, starting with a letter.".to_owned(),
            )],
            value: |s| Expr::string(&s.environment),
            example: |_| Expr::string(stack::EXAMPLE_ENVIRONMENT),
        },
        Variable {
            name: "tags",
            type_expr: "map(string)",
            description: "Tags for every taggable resource, in addition to Project, Environment and ManagedBy.",
            default: Some(Expr::Object(Vec::new())),
            validations: vec![],
            value: |s| string_map(&s.tags),
            example: example_tags,
        },
        Variable {
            name: "lambda_package_path",
            type_expr: "string",
            description: "Path to the zip file holding the function's code.",
            default: None,
            validations: vec![],
            value: |_| Expr::template("{}/lambda.zip", vec![Expr::reference("path.module")]),
            example: |_| Expr::template("{}/lambda.zip", vec![Expr::reference("path.module")]),
        },
        Variable {
            name: "lambda_runtime",
            type_expr: "string",
            description: "Python runtime of the function.",
            default: Some(Expr::string(stack::DEFAULT_RUNTIME)),
            validations: vec![one_of("lambda_runtime", &quoted(SUPPORTED_RUNTIMES), "lambda_runtime")],
            value: |s| Expr::string(&s.lambda.runtime),
            example: |s| Expr::string(&s.lambda.runtime),
        },
        Variable {
            name: "lambda_handler",
            type_expr: "string",
            description: "Function entry point as module.function.",
            default: Some(Expr::string(stack::DEFAULT_HANDLER)),
            validations: vec![],
            value: |s| Expr::string(&s.lambda.handler),
            example: |s| Expr::string(&s.lambda.handler),
        },
        Variable {
            name: "lambda_memory_size",
            type_expr: "number",
            description: "Memory of the function in MB.",
            default: Some(n(stack::DEFAULT_MEMORY_MB)),
            validations: vec![range("lambda_memory_size", 128, 10240, "lambda_memory_size")],
            value: |s| n(s.lambda.memory_mb),
            example: |_| n(512),
        },
        Variable {
            name: "lambda_timeout",
            type_expr: "number",
            description: "Timeout of the function in seconds. API Gateway waits at most 29 seconds.",
            default: Some(n(stack::DEFAULT_TIMEOUT_S)),
            validations: vec![range("lambda_timeout", 1, 900, "lambda_timeout")],
            value: |s| n(s.lambda.timeout_s),
            example: |_| n(15),
        },
        Variable {
            name: "lambda_tracing_enabled",
            type_expr: "bool",
            description: "Controls whether X-Ray active tracing is on for the function and the API stage.",
            default: Some(Expr::Bool(true)),
            validations: vec![],
            value: |s| Expr::Bool(s.lambda.tracing),
            example: |_| Expr::Bool(true),
        },
        Variable {
            name: "lambda_reserved_concurrency",
            type_expr: "number",
            description: "Concurrent executions reserved for the function; -1 leaves it unreserved.",
            default: Some(Expr::Number(-1)),
            validations: vec![(
                "var.lambda_reserved_concurrency == -1 || var.lambda_reserved_concurrency >= 1".to_owned(),
                "lambda_reserved_concurrency must be -1 (unreserved) or at least 1.".to_owned(),
            )],
            value: |s| s.lambda.reserved_concurrency.map_or(Expr::Number(-1), n),
            example: |_| r("var.lambda_reserved_concurrency"),
        },
        Variable {
            name: "lambda_environment_variables",
            type_expr: "map(string)",
            description: "Extra environment variables for the function. LOG_BUCKET_NAME and ENVIRONMENT are always set.",
            default: Some(Expr::Object(Vec::new())),
            validations: vec![],
            value: |s| string_map(&s.lambda.environment),
            example: |_| Expr::object([("LOG_LEVEL", Expr::string("DEBUG"))]),
        },
        Variable {
            name: "api_stage_name",
            type_expr: "string",
            description: "Name of the API Gateway stage.",
            default: Some(Expr::string(stack::DEFAULT_STAGE)),
            validations: vec![(
                r#"can(regex("^[A-Za-z0-9_-]{1,128}$", var.api_stage_name))"#.to_owned(),
                "api_stage_name must be 1 to 128 letters, digits, hyphens and underscores.".to_owned(),
            )],
            value: |s| Expr::string(&s.api.stage_name),
            example: |_| Expr::string(stack::EXAMPLE_ENVIRONMENT),
        },
        Variable {
            name: "api_throttling_rate_limit",
            type_expr: "number",
            description: "Steady-state requests per second the stage accepts.",
            default: Some(n(stack::DEFAULT_RATE_LIMIT)),
            validations: vec![range("api_throttling_rate_limit", 0, 10000, "api_throttling_rate_limit")],
            value: |s| n(s.api.throttling_rate_limit),
            example: |_| n(20),
        },
        Variable {
            name: "api_throttling_burst_limit",
            type_expr: "number",
            description: "Burst of requests the stage accepts.",
            default: Some(n(stack::DEFAULT_BURST_LIMIT)),
            validations: vec![range("api_throttling_burst_limit", 0, 5000, "api_throttling_burst_limit")],
            value: |s| n(s.api.throttling_burst_limit),
            example: |_| n(40),
        },
        Variable {
            name: "api_authorization",
            type_expr: "string",
            description: "Authorization of the API's methods: AWS_IAM (SigV4-signed callers) or NONE (public).",
            default: Some(Expr::string("AWS_IAM")),
            validations: vec![one_of("api_authorization", &quoted(&["AWS_IAM", "NONE"]), "api_authorization")],
            value: |s| {
                Expr::string(match s.api.authorization {
                    crate::config::model::Authorization::AwsIam => "AWS_IAM",
                    crate::config::model::Authorization::None => "NONE",
                })
            },
            example: |_| Expr::string("AWS_IAM"),
        },
        Variable {
            name: "manage_account_logging_role",
            type_expr: "bool",
            description: "Controls whether this module manages the account-level API Gateway CloudWatch role. There is one per account and region and stage logging fails without it: enable it in exactly one stack per account and region.",
            default: Some(Expr::Bool(false)),
            validations: vec![],
            value: |s| Expr::Bool(s.api.manage_account_logging_role),
            example: |_| r("var.manage_account_logging_role"),
        },
        Variable {
            name: "log_retention_days",
            type_expr: "number",
            description: "Days CloudWatch keeps the function's logs and the API's access logs.",
            default: Some(n(stack::DEFAULT_RETENTION_DAYS)),
            validations: vec![one_of("log_retention_days", &retention, "log_retention_days")],
            value: |s| n(s.logs.retention_days),
            example: |_| n(400),
        },
        Variable {
            name: "log_kms_key_arn",
            type_expr: "string",
            description: "KMS key ARN that encrypts both log groups; null uses CloudWatch's own encryption.",
            default: Some(Expr::Null),
            validations: vec![],
            value: |s| opt_string(&s.logs.kms_key_arn),
            example: |_| r("var.kms_key_arn"),
        },
        Variable {
            name: "bucket_expiration_days",
            type_expr: "number",
            description: "Days before request records in the log bucket expire.",
            default: Some(n(stack::DEFAULT_EXPIRATION_DAYS)),
            validations: vec![at_least_one("bucket_expiration_days", "bucket_expiration_days")],
            value: |s| n(s.bucket.expiration_days),
            example: |_| n(30),
        },
        Variable {
            name: "bucket_noncurrent_expiration_days",
            type_expr: "number",
            description: "Days before replaced object versions in the log bucket expire.",
            default: Some(n(stack::DEFAULT_NONCURRENT_DAYS)),
            validations: vec![at_least_one("bucket_noncurrent_expiration_days", "bucket_noncurrent_expiration_days")],
            value: |s| n(s.bucket.noncurrent_expiration_days),
            example: |_| n(7),
        },
        Variable {
            name: "bucket_abort_incomplete_upload_days",
            type_expr: "number",
            description: "Days before incomplete multipart uploads to the log bucket are aborted.",
            default: Some(n(stack::DEFAULT_ABORT_UPLOAD_DAYS)),
            validations: vec![at_least_one("bucket_abort_incomplete_upload_days", "bucket_abort_incomplete_upload_days")],
            value: |s| n(s.bucket.abort_incomplete_upload_days),
            example: |_| n(1),
        },
        Variable {
            name: "bucket_force_destroy",
            type_expr: "bool",
            description: "Controls whether destroying the stack deletes a log bucket that still holds objects.",
            default: Some(Expr::Bool(false)),
            validations: vec![],
            value: |s| Expr::Bool(s.bucket.force_destroy),
            example: |_| Expr::Bool(true),
        },
        Variable {
            name: "bucket_sse_algorithm",
            type_expr: "string",
            description: "Server-side encryption of the log bucket: AES256 or aws:kms.",
            default: Some(Expr::string("AES256")),
            validations: vec![one_of("bucket_sse_algorithm", &quoted(&["AES256", "aws:kms"]), "bucket_sse_algorithm")],
            value: |s| {
                Expr::string(match s.bucket.encryption {
                    crate::config::model::Encryption::Aes256 => "AES256",
                    crate::config::model::Encryption::AwsKms => "aws:kms",
                })
            },
            example: |_| Expr::string("aws:kms"),
        },
        Variable {
            name: "bucket_kms_key_arn",
            type_expr: "string",
            description: "KMS key ARN for aws:kms encryption; null uses the AWS managed aws/s3 key.",
            default: Some(Expr::Null),
            validations: vec![],
            value: |s| opt_string(&s.bucket.kms_key_arn),
            example: |_| r("var.kms_key_arn"),
        },
        Variable {
            name: "alarm_lambda_errors_threshold",
            type_expr: "number",
            description: "Function errors per period that raise the errors alarm.",
            default: Some(n(1)),
            validations: vec![],
            value: |s| n(s.alarms.lambda_errors_threshold),
            example: |_| n(2),
        },
        Variable {
            name: "alarm_lambda_throttles_threshold",
            type_expr: "number",
            description: "Function throttles per period that raise the throttles alarm.",
            default: Some(n(1)),
            validations: vec![],
            value: |s| n(s.alarms.lambda_throttles_threshold),
            example: |_| n(2),
        },
        Variable {
            name: "alarm_lambda_duration_p99_ms",
            type_expr: "number",
            description: "p99 function duration in milliseconds that raises the duration alarm.",
            default: Some(n(stack::DEFAULT_TIMEOUT_S * 800)),
            validations: vec![],
            value: |s| n(s.alarms.lambda_duration_p99_ms),
            example: |_| n(12000),
        },
        Variable {
            name: "alarm_api_4xx_threshold",
            type_expr: "number",
            description: "API 4XX responses per period that raise the 4XX alarm.",
            default: Some(n(stack::DEFAULT_API_4XX)),
            validations: vec![],
            value: |s| n(s.alarms.api_4xx_threshold),
            example: |_| n(100),
        },
        Variable {
            name: "alarm_api_5xx_threshold",
            type_expr: "number",
            description: "API 5XX responses per period that raise the 5XX alarm.",
            default: Some(n(stack::DEFAULT_API_5XX)),
            validations: vec![],
            value: |s| n(s.alarms.api_5xx_threshold),
            example: |_| n(2),
        },
        Variable {
            name: "alarm_api_latency_p99_ms",
            type_expr: "number",
            description: "p99 API latency in milliseconds that raises the latency alarm.",
            default: Some(n(stack::DEFAULT_API_LATENCY_MS)),
            validations: vec![],
            value: |s| n(s.alarms.api_latency_p99_ms),
            example: |_| n(3000),
        },
        Variable {
            name: "alarm_period_seconds",
            type_expr: "number",
            description: "Length of one alarm evaluation period in seconds: 10, 30 or a multiple of 60.",
            default: Some(n(stack::DEFAULT_PERIOD_S)),
            validations: vec![(
                "var.alarm_period_seconds == 10 || var.alarm_period_seconds == 30 || (var.alarm_period_seconds >= 60 && var.alarm_period_seconds % 60 == 0)".to_owned(),
                "alarm_period_seconds must be 10, 30 or a multiple of 60.".to_owned(),
            )],
            value: |s| n(s.alarms.period_s),
            example: |_| n(60),
        },
        Variable {
            name: "alarm_evaluation_periods",
            type_expr: "number",
            description: "Periods that must breach before an alarm fires.",
            default: Some(n(1)),
            validations: vec![at_least_one("alarm_evaluation_periods", "alarm_evaluation_periods")],
            value: |s| n(s.alarms.evaluation_periods),
            example: |_| n(2),
        },
        Variable {
            name: "alarm_sns_topic_arns",
            type_expr: "list(string)",
            description: "SNS topic ARNs notified when an alarm fires and when it recovers.",
            default: Some(Expr::Tuple(Vec::new())),
            validations: vec![],
            value: |s| Expr::strings(&s.alarms.sns_topic_arns),
            example: |_| Expr::Tuple(vec![r("aws_sns_topic.alarms.arn")]),
        },
    ]
}

/// `variables.tf`.
pub fn document() -> Body {
    let mut body = Body::new();
    for variable in variables() {
        let mut inner = Body::new()
            .attr("description", variable.description)
            .attr("type", Expr::raw(variable.type_expr));
        if let Some(default) = variable.default {
            inner = inner.attr("default", default);
        }
        for (condition, message) in variable.validations {
            inner.push_block(Block::new(
                "validation",
                &[],
                Body::new()
                    .attr("condition", Expr::raw(condition))
                    .attr("error_message", message),
            ));
        }
        body.push_block(Block::new("variable", &[variable.name], inner));
    }
    body
}
