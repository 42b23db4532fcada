//! The function's execution role, with a least-privilege policy, and the opt-in account-level
//! role that lets API Gateway write logs.

use super::{assume_role_policy, r, statement, tagged};
use crate::hcl::{Block, Body, Expr};

/// The Sids and actions of the function's policy, kept here so tests can assert on them.
pub const LAMBDA_POLICY_ACTIONS: &[(&str, &[&str])] = &[
    (
        "WriteOwnLogs",
        &["logs:CreateLogStream", "logs:PutLogEvents"],
    ),
    ("WriteRequestRecords", &["s3:PutObject"]),
    (
        "WriteTraces",
        &["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    ),
];

pub fn document() -> Body {
    let kms_statement = "var.bucket_sse_algorithm == \"aws:kms\" && var.bucket_kms_key_arn != null ? [{ Sid = \"EncryptRequestRecords\", Effect = \"Allow\", Action = [\"kms:GenerateDataKey\"], Resource = var.bucket_kms_key_arn }] : []";
    let statements = Expr::call(
        "concat",
        vec![
            Expr::Tuple(vec![
                statement(
                    LAMBDA_POLICY_ACTIONS[0].0,
                    "Allow",
                    LAMBDA_POLICY_ACTIONS[0].1,
                    Expr::template("{}:*", vec![r("aws_cloudwatch_log_group.lambda.arn")]),
                    None,
                ),
                statement(
                    LAMBDA_POLICY_ACTIONS[1].0,
                    "Allow",
                    LAMBDA_POLICY_ACTIONS[1].1,
                    Expr::template("{}/*", vec![r("aws_s3_bucket.logs.arn")]),
                    None,
                ),
                statement(
                    LAMBDA_POLICY_ACTIONS[2].0,
                    "Allow",
                    LAMBDA_POLICY_ACTIONS[2].1,
                    Expr::string("*"),
                    Some(
                        "X-Ray has no resource-level permissions: AWS accepts only \"*\" for these actions.",
                    ),
                ),
            ]),
            Expr::raw(kms_statement),
        ],
    );
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
