//! The function's execution role, with a least-privilege policy, and the opt-in account-level
//! role that lets API Gateway write logs.

use super::{assume_role_policy, r, statement, tagged};
use crate::hcl::{Block, Body, Expr, print};

/// One statement of the function's policy.
pub struct Grant {
    pub sid: &'static str,
    pub actions: &'static [&'static str],
    /// The feature that needs it, as a condition on the module's variables; `None` for what
    /// every function needs. The module serves every environment, so a grant for a feature
    /// that can be off is made in HCL, per instance.
    pub when: Option<&'static str>,
}

/// The function's policy: only what the features in use need. Kept here so tests can assert
/// on it. KMS for the log groups and SNS for the alarms need no grant here: CloudWatch Logs
/// and CloudWatch itself use those, under their own service principals.
pub const LAMBDA_POLICY: &[Grant] = &[
    Grant {
        sid: "WriteOwnLogs",
        actions: &["logs:CreateLogStream", "logs:PutLogEvents"],
        when: None,
    },
    Grant {
        sid: "WriteRequestRecords",
        actions: &["s3:PutObject"],
        when: None,
    },
    Grant {
        sid: "WriteTraces",
        actions: &["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        when: Some("var.lambda_tracing_enabled"),
    },
    Grant {
        sid: "EncryptRequestRecords",
        actions: &["kms:GenerateDataKey"],
        // With `aws:kms` and no key of the user's, S3 uses the AWS managed `aws/s3` key,
        // whose key policy already lets S3 use it for the account's principals.
        when: Some("var.bucket_sse_algorithm == \"aws:kms\" && var.bucket_kms_key_arn != null"),
    },
];

/// The resource each grant is scoped to.
fn resource(sid: &str) -> Expr {
    match sid {
        "WriteOwnLogs" => Expr::template("{}:*", vec![r("aws_cloudwatch_log_group.lambda.arn")]),
        "WriteRequestRecords" => Expr::template("{}/*", vec![r("aws_s3_bucket.logs.arn")]),
        "EncryptRequestRecords" => r("var.bucket_kms_key_arn"),
        // X-Ray has no resource-level permissions.
        _ => Expr::string("*"),
    }
}

/// `concat([always needed...], condition ? [statement] : [], ...)`.
fn lambda_statements() -> Expr {
    let always = LAMBDA_POLICY
        .iter()
        .filter(|grant| grant.when.is_none())
        .map(|grant| statement(grant.sid, "Allow", grant.actions, resource(grant.sid), None))
        .collect();
    let mut parts = vec![Expr::Tuple(always)];
    for grant in LAMBDA_POLICY {
        let Some(condition) = grant.when else {
            continue;
        };
        // On one line, as `tofu fmt` leaves a conditional; every part is tapgen's own text.
        let inline = format!(
            "{{ Sid = {}, Effect = \"Allow\", Action = {}, Resource = {} }}",
            print::inline(&Expr::string(grant.sid)),
            print::inline(&Expr::strings(grant.actions)),
            print::inline(&resource(grant.sid)),
        );
        parts.push(Expr::raw(format!("{condition} ? [{inline}] : []")));
    }
    Expr::call("concat", parts)
}

pub fn document() -> Body {
    let statements = lambda_statements();
    let policy = Expr::call(
        "jsonencode",
        vec![Expr::object([
            ("Version", Expr::string("2012-10-17")),
            ("Statement", statements),
        ])],
    );
    let account_role = "var.manage_account_logging_role ? 1 : 0";
    Body::new()
        .block(Block::resource(
            "aws_iam_role",
            "lambda",
            tagged(
                Body::new()
                    .attr("name", Expr::template("{}-lambda", vec![r("local.name")]))
                    .attr("assume_role_policy", assume_role_policy("lambda.amazonaws.com")),
            ),
        ))
        .block(Block::resource(
            "aws_iam_role_policy",
            "lambda",
            Body::new()
                .attr("name", Expr::template("{}-lambda", vec![r("local.name")]))
                .attr("role", r("aws_iam_role.lambda.id"))
                .comment("X-Ray has no resource-level permissions: AWS accepts only \"*\" for WriteTraces.")
                .attr("policy", policy),
        ))
        .comment("The account-level role API Gateway uses to write logs: one per account and region,\nso it is opt-in (var.manage_account_logging_role).")
        .block(Block::resource(
            "aws_iam_role",
            "apigateway_cloudwatch",
            tagged(
                Body::new()
                    .attr("count", Expr::raw(account_role))
                    .blank()
                    .attr("name", Expr::template("{}-apigw-cloudwatch", vec![r("local.name")]))
                    .attr("assume_role_policy", assume_role_policy("apigateway.amazonaws.com")),
            ),
        ))
        .block(Block::resource(
            "aws_iam_role_policy_attachment",
            "apigateway_cloudwatch",
            Body::new()
                .attr("count", Expr::raw(account_role))
                .blank()
                .attr("role", r("aws_iam_role.apigateway_cloudwatch[0].name"))
                .attr(
                    "policy_arn",
                    Expr::template(
                        "arn:{}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
                        vec![r("data.aws_partition.current.partition")],
                    ),
                ),
        ))
        .block(Block::resource(
            "aws_api_gateway_account",
            "this",
            Body::new()
                .attr("count", Expr::raw(account_role))
                .blank()
                .attr("cloudwatch_role_arn", r("aws_iam_role.apigateway_cloudwatch[0].arn"))
                .blank()
                .attr(
                    "depends_on",
                    Expr::Tuple(vec![r("aws_iam_role_policy_attachment.apigateway_cloudwatch")]),
                ),
        ))
}
