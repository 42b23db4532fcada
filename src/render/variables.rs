//! The module's inputs, as data: `variables.tf`, the README's inputs table and the values
//! each environment root passes all come from this one table.

use super::module::ALARM_TOPIC;
use crate::aws::{RETENTION_DAYS, SUPPORTED_RUNTIMES};
use crate::hcl::reference::{path_module, var};
use crate::hcl::{BinaryOp, Block, Body, Expr, TypeExpr};
use crate::stack::{self, Stack};

/// One module input.
pub struct Variable {
    pub name: &'static str,
    /// Its type constraint, such as `string` or `map(string)`.
    pub type_expr: TypeExpr,
    pub description: &'static str,
    /// `None` makes the input required.
    pub default: Option<Expr>,
    /// Conditions on the input, each with the message `tofu plan` shows when it fails.
    pub validations: Vec<(Expr, String)>,
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

/// `var.name op value`
fn compare(name: &'static str, op: BinaryOp, value: impl Into<Expr>) -> Expr {
    Expr::binary(var(name), op, value)
}

fn range(name: &'static str, low: u32, high: u32) -> (Expr, String) {
    (
        compare(name, BinaryOp::Ge, low).and(compare(name, BinaryOp::Le, high)),
        format!("{name} must be between {low} and {high}."),
    )
}

fn at_least_one(name: &'static str) -> (Expr, String) {
    (
        compare(name, BinaryOp::Ge, 1u32),
        format!("{name} must be at least 1."),
    )
}

/// `contains([options...], var.name)`; `shown` lists the options in the message.
fn one_of(name: &'static str, options: Vec<Expr>, shown: &[String]) -> (Expr, String) {
    (
        Expr::call("contains", vec![Expr::Tuple(options), var(name)]),
        format!("{name} must be one of: {}.", shown.join(", ")),
    )
}

fn one_of_strings(name: &'static str, options: &[&str]) -> (Expr, String) {
    let shown: Vec<String> = options.iter().map(|o| (*o).to_owned()).collect();
    one_of(
        name,
        options.iter().map(|o| Expr::string(*o)).collect(),
        &shown,
    )
}

/// `can(regex(pattern, var.name))`
fn matches(name: &'static str, pattern: &str, message: &str) -> (Expr, String) {
    (
        Expr::call(
            "can",
            vec![Expr::call("regex", vec![Expr::string(pattern), var(name)])],
        ),
        message.to_owned(),
    )
}

/// `${path.module}/lambda.zip`: the package beside the root (or example) that calls the module.
fn package_path() -> Expr {
    Expr::template(
        &format!("{{}}/{}", crate::layout::PACKAGE_FILE),
        vec![path_module()],
    )
}

/// The project's tags, plus one saying which example made the resources.
fn example_tags(stack: &Stack) -> Expr {
    let mut tags = stack.tags.clone();
    tags.insert("Example".to_owned(), "complete".to_owned());
    string_map(&tags)
}

/// Every input of the module, in the order `variables.tf` lists them.
pub fn variables() -> Vec<Variable> {
    let retention = || {
        let shown: Vec<String> = RETENTION_DAYS.iter().map(u32::to_string).collect();
        one_of(
            "log_retention_days",
            RETENTION_DAYS.iter().copied().map(n).collect(),
            &shown,
        )
    };
    vec![
        Variable {
            name: "project",
            type_expr: TypeExpr::String,
            description: "Project name; prefixes every resource name. Letters, digits and hyphens, starting with a letter.",
            default: None,
            validations: vec![matches(
                "project",
                "^[A-Za-z][A-Za-z0-9-]*$",
                "project must be letters, digits and hyphens, starting with a letter.",
            )],
            value: |s| Expr::string(&s.project),
            example: |_| var("project"),
        },
        Variable {
            name: "environment",
            type_expr: TypeExpr::String,
            description: "Environment name, used as the suffix of every resource name.",
            default: Some(Expr::string(stack::DEFAULT_ENVIRONMENT)),
            validations: vec![matches(
                "environment",
                "^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$",
                "environment must be 1 to 20 lowercase letters, digits and hyphens, starting with a letter.",
            )],
            value: |s| Expr::string(&s.environment),
            example: |_| Expr::string(stack::EXAMPLE_ENVIRONMENT),
        },
        Variable {
            name: "tags",
            type_expr: TypeExpr::map(TypeExpr::String),
            description: "Tags for every taggable resource, in addition to Project, Environment and ManagedBy.",
            default: Some(Expr::Object(Vec::new())),
            validations: vec![],
            value: |s| string_map(&s.tags),
            example: example_tags,
        },
        Variable {
            name: "lambda_package_path",
            type_expr: TypeExpr::String,
            description: "Path to the zip file holding the function's code.",
            default: None,
            validations: vec![],
            value: |_| package_path(),
            example: |_| package_path(),
        },
        Variable {
            name: "lambda_runtime",
            type_expr: TypeExpr::String,
            description: "Python runtime of the function.",
            default: Some(Expr::string(stack::DEFAULT_RUNTIME)),
            validations: vec![one_of_strings("lambda_runtime", SUPPORTED_RUNTIMES)],
            value: |s| Expr::string(&s.lambda.runtime),
            example: |s| Expr::string(&s.lambda.runtime),
        },
        Variable {
            name: "lambda_handler",
            type_expr: TypeExpr::String,
            description: "Function entry point as module.function.",
            default: Some(Expr::string(stack::DEFAULT_HANDLER)),
            validations: vec![],
            value: |s| Expr::string(&s.lambda.handler),
            example: |s| Expr::string(&s.lambda.handler),
        },
        Variable {
            name: "lambda_memory_size",
            type_expr: TypeExpr::Number,
            description: "Memory of the function in MB.",
            default: Some(n(stack::DEFAULT_MEMORY_MB)),
            validations: vec![range("lambda_memory_size", 128, 10240)],
            value: |s| n(s.lambda.memory_mb),
            example: |_| n(512),
        },
        Variable {
            name: "lambda_timeout",
            type_expr: TypeExpr::Number,
            description: "Timeout of the function in seconds. API Gateway waits at most 29 seconds.",
            default: Some(n(stack::DEFAULT_TIMEOUT_S)),
            validations: vec![range("lambda_timeout", 1, 900)],
            value: |s| n(s.lambda.timeout_s),
            example: |_| n(15),
        },
        Variable {
            name: "lambda_tracing_enabled",
            type_expr: TypeExpr::Bool,
            description: "Controls whether X-Ray active tracing is on for the function and the API stage.",
            default: Some(Expr::Bool(true)),
            validations: vec![],
            value: |s| Expr::Bool(s.lambda.tracing),
            example: |_| Expr::Bool(true),
        },
        Variable {
            name: "lambda_reserved_concurrency",
            type_expr: TypeExpr::Number,
            description: "Concurrent executions reserved for the function; -1 leaves it unreserved.",
            default: Some(Expr::Number(-1)),
            validations: vec![(
                compare("lambda_reserved_concurrency", BinaryOp::Eq, -1i64).or(compare(
                    "lambda_reserved_concurrency",
                    BinaryOp::Ge,
                    1u32,
                )),
                "lambda_reserved_concurrency must be -1 (unreserved) or at least 1.".to_owned(),
            )],
            value: |s| s.lambda.reserved_concurrency.map_or(Expr::Number(-1), n),
            example: |_| var("lambda_reserved_concurrency"),
        },
        Variable {
            name: "lambda_environment_variables",
            type_expr: TypeExpr::map(TypeExpr::String),
            description: "Extra environment variables for the function. LOG_BUCKET_NAME and ENVIRONMENT are always set.",
            default: Some(Expr::Object(Vec::new())),
            validations: vec![],
            value: |s| string_map(&s.lambda.environment),
            example: |_| Expr::object([("LOG_LEVEL", Expr::string("DEBUG"))]),
        },
        Variable {
            name: "api_stage_name",
            type_expr: TypeExpr::String,
            description: "Name of the API Gateway stage.",
            default: Some(Expr::string(stack::DEFAULT_STAGE)),
            validations: vec![matches(
                "api_stage_name",
                "^[A-Za-z0-9_-]{1,128}$",
                "api_stage_name must be 1 to 128 letters, digits, hyphens and underscores.",
            )],
            value: |s| Expr::string(&s.api.stage_name),
            example: |_| Expr::string(stack::EXAMPLE_ENVIRONMENT),
        },
        Variable {
            name: "api_throttling_rate_limit",
            type_expr: TypeExpr::Number,
            description: "Steady-state requests per second the stage accepts.",
            default: Some(n(stack::DEFAULT_RATE_LIMIT)),
            validations: vec![range("api_throttling_rate_limit", 0, 10000)],
            value: |s| n(s.api.throttling_rate_limit),
            example: |_| n(20),
        },
        Variable {
            name: "api_throttling_burst_limit",
            type_expr: TypeExpr::Number,
            description: "Burst of requests the stage accepts.",
            default: Some(n(stack::DEFAULT_BURST_LIMIT)),
            validations: vec![range("api_throttling_burst_limit", 0, 5000)],
            value: |s| n(s.api.throttling_burst_limit),
            example: |_| n(40),
        },
        Variable {
            name: "api_authorization",
            type_expr: TypeExpr::String,
            description: "Authorization of the API's methods: AWS_IAM (SigV4-signed callers) or NONE (public).",
            default: Some(Expr::string("AWS_IAM")),
            validations: vec![one_of_strings("api_authorization", &["AWS_IAM", "NONE"])],
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
            type_expr: TypeExpr::Bool,
            description: "Controls whether this module manages the account-level API Gateway CloudWatch role. There is one per account and region and stage logging fails without it: enable it in exactly one stack per account and region.",
            default: Some(Expr::Bool(false)),
            validations: vec![],
            value: |s| Expr::Bool(s.api.manage_account_logging_role),
            example: |_| var("manage_account_logging_role"),
        },
        Variable {
            name: "log_retention_days",
            type_expr: TypeExpr::Number,
            description: "Days CloudWatch keeps the function's logs and the API's access logs.",
            default: Some(n(stack::DEFAULT_RETENTION_DAYS)),
            validations: vec![retention()],
            value: |s| n(s.logs.retention_days),
            example: |_| n(400),
        },
        Variable {
            name: "log_kms_key_arn",
            type_expr: TypeExpr::String,
            description: "KMS key ARN that encrypts both log groups; null uses CloudWatch's own encryption.",
            default: Some(Expr::Null),
            validations: vec![],
            value: |s| opt_string(&s.logs.kms_key_arn),
            example: |_| var("kms_key_arn"),
        },
        Variable {
            name: "bucket_expiration_days",
            type_expr: TypeExpr::Number,
            description: "Days before request records in the log bucket expire.",
            default: Some(n(stack::DEFAULT_EXPIRATION_DAYS)),
            validations: vec![at_least_one("bucket_expiration_days")],
            value: |s| n(s.bucket.expiration_days),
            example: |_| n(30),
        },
        Variable {
            name: "bucket_noncurrent_expiration_days",
            type_expr: TypeExpr::Number,
            description: "Days before replaced object versions in the log bucket expire.",
            default: Some(n(stack::DEFAULT_NONCURRENT_DAYS)),
            validations: vec![at_least_one("bucket_noncurrent_expiration_days")],
            value: |s| n(s.bucket.noncurrent_expiration_days),
            example: |_| n(7),
        },
        Variable {
            name: "bucket_abort_incomplete_upload_days",
            type_expr: TypeExpr::Number,
            description: "Days before incomplete multipart uploads to the log bucket are aborted.",
            default: Some(n(stack::DEFAULT_ABORT_UPLOAD_DAYS)),
            validations: vec![at_least_one("bucket_abort_incomplete_upload_days")],
            value: |s| n(s.bucket.abort_incomplete_upload_days),
            example: |_| n(1),
        },
        Variable {
            name: "bucket_force_destroy",
            type_expr: TypeExpr::Bool,
            description: "Controls whether destroying the stack deletes a log bucket that still holds objects.",
            default: Some(Expr::Bool(false)),
            validations: vec![],
            value: |s| Expr::Bool(s.bucket.force_destroy),
            example: |_| Expr::Bool(true),
        },
        Variable {
            name: "bucket_sse_algorithm",
            type_expr: TypeExpr::String,
            description: "Server-side encryption of the log bucket: AES256 or aws:kms.",
            default: Some(Expr::string("AES256")),
            validations: vec![one_of_strings(
                "bucket_sse_algorithm",
                &["AES256", "aws:kms"],
            )],
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
            type_expr: TypeExpr::String,
            description: "KMS key ARN for aws:kms encryption; null uses the AWS managed aws/s3 key.",
            default: Some(Expr::Null),
            validations: vec![],
            value: |s| opt_string(&s.bucket.kms_key_arn),
            example: |_| var("kms_key_arn"),
        },
        Variable {
            name: "alarm_lambda_errors_threshold",
            type_expr: TypeExpr::Number,
            description: "Function errors per period that raise the errors alarm.",
            default: Some(n(1)),
            validations: vec![],
            value: |s| n(s.alarms.lambda_errors_threshold),
            example: |_| n(2),
        },
        Variable {
            name: "alarm_lambda_throttles_threshold",
            type_expr: TypeExpr::Number,
            description: "Function throttles per period that raise the throttles alarm.",
            default: Some(n(1)),
            validations: vec![],
            value: |s| n(s.alarms.lambda_throttles_threshold),
            example: |_| n(2),
        },
        Variable {
            name: "alarm_lambda_duration_p99_ms",
            type_expr: TypeExpr::Number,
            description: "p99 function duration in milliseconds that raises the duration alarm.",
            default: Some(n(stack::DEFAULT_TIMEOUT_S * 800)),
            validations: vec![],
            value: |s| n(s.alarms.lambda_duration_p99_ms),
            example: |_| n(12000),
        },
        Variable {
            name: "alarm_api_4xx_threshold",
            type_expr: TypeExpr::Number,
            description: "API 4XX responses per period that raise the 4XX alarm.",
            default: Some(n(stack::DEFAULT_API_4XX)),
            validations: vec![],
            value: |s| n(s.alarms.api_4xx_threshold),
            example: |_| n(100),
        },
        Variable {
            name: "alarm_api_5xx_threshold",
            type_expr: TypeExpr::Number,
            description: "API 5XX responses per period that raise the 5XX alarm.",
            default: Some(n(stack::DEFAULT_API_5XX)),
            validations: vec![],
            value: |s| n(s.alarms.api_5xx_threshold),
            example: |_| n(2),
        },
        Variable {
            name: "alarm_api_latency_p99_ms",
            type_expr: TypeExpr::Number,
            description: "p99 API latency in milliseconds that raises the latency alarm.",
            default: Some(n(stack::DEFAULT_API_LATENCY_MS)),
            validations: vec![],
            value: |s| n(s.alarms.api_latency_p99_ms),
            example: |_| n(3000),
        },
        Variable {
            name: "alarm_period_seconds",
            type_expr: TypeExpr::Number,
            description: "Length of one alarm evaluation period in seconds: 10, 30 or a multiple of 60.",
            default: Some(n(stack::DEFAULT_PERIOD_S)),
            validations: vec![(
                compare("alarm_period_seconds", BinaryOp::Eq, 10u32)
                    .or(compare("alarm_period_seconds", BinaryOp::Eq, 30u32))
                    .or(Expr::parens(
                        compare("alarm_period_seconds", BinaryOp::Ge, 60u32).and(Expr::binary(
                            compare("alarm_period_seconds", BinaryOp::Mod, 60u32),
                            BinaryOp::Eq,
                            0u32,
                        )),
                    )),
                "alarm_period_seconds must be 10, 30 or a multiple of 60.".to_owned(),
            )],
            value: |s| n(s.alarms.period_s),
            example: |_| n(60),
        },
        Variable {
            name: "alarm_evaluation_periods",
            type_expr: TypeExpr::Number,
            description: "Periods that must breach before an alarm fires.",
            default: Some(n(1)),
            validations: vec![at_least_one("alarm_evaluation_periods")],
            value: |s| n(s.alarms.evaluation_periods),
            example: |_| n(2),
        },
        Variable {
            name: "alarm_sns_topic_arns",
            type_expr: TypeExpr::list(TypeExpr::String),
            description: "SNS topic ARNs notified when an alarm fires and when it recovers.",
            default: Some(Expr::Tuple(Vec::new())),
            validations: vec![],
            value: |s| Expr::strings(&s.alarms.sns_topic_arns),
            example: |_| Expr::Tuple(vec![ALARM_TOPIC.attr("arn")]),
        },
    ]
}

/// `variables.tf`.
pub fn document() -> Body {
    let mut body = Body::new();
    for variable in variables() {
        let mut inner = Body::new()
            .attr("description", variable.description)
            .attr("type", variable.type_expr);
        if let Some(default) = variable.default {
            inner = inner.attr("default", default);
        }
        for (condition, message) in variable.validations {
            inner.push_block(Block::new(
                "validation",
                &[],
                Body::new()
                    .attr("condition", condition)
                    .attr("error_message", message),
            ));
        }
        body.push_block(Block::new("variable", &[variable.name], inner));
    }
    body
}
