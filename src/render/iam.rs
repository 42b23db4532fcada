//! The function's execution role, with a least-privilege policy, and the opt-in account-level
//! role that lets API Gateway write logs.

use super::logs::LAMBDA_LOGS;
use super::s3::BUCKET;
use super::{assume_role_policy, statement, tagged};
use crate::hcl::reference::{DataSource, Resource, local, var};
use crate::hcl::{BinaryOp, Body, Expr};

/// The function's execution role.
pub(crate) const LAMBDA_ROLE: Resource = Resource::new("aws_iam_role", "lambda");
/// The function's least-privilege policy ([`LAMBDA_POLICY`]).
pub(crate) const LAMBDA_ROLE_POLICY: Resource = Resource::new("aws_iam_role_policy", "lambda");
const APIGATEWAY_ROLE: Resource = Resource::new("aws_iam_role", "apigateway_cloudwatch");
const APIGATEWAY_ROLE_POLICY: Resource =
    Resource::new("aws_iam_role_policy_attachment", "apigateway_cloudwatch");
/// The account-level API Gateway settings, made only with `var.manage_account_logging_role`.
pub(crate) const API_ACCOUNT: Resource = Resource::new("aws_api_gateway_account", "this");
/// The partition (`aws`, `aws-cn`, ...) the module is applied in.
pub(crate) const PARTITION: DataSource = DataSource::new("aws_partition", "current");

/// One statement of the function's policy.
pub struct Grant {
    pub sid: &'static str,
    pub actions: &'static [&'static str],
    /// The feature that needs it, as a condition on the module's variables; `None` for what
    /// every function needs. The module serves every environment, so a grant for a feature
    /// that can be off is made in HCL, per instance.
    pub when: Option<fn() -> Expr>,
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
        when: Some(|| var("lambda_tracing_enabled")),
    },
    Grant {
        sid: "EncryptRequestRecords",
        actions: &["kms:GenerateDataKey"],
        // With `aws:kms` and no key of the user's, S3 uses the AWS managed `aws/s3` key,
        // whose key policy already lets S3 use it for the account's principals.
        when: Some(|| {
            Expr::binary(
                var("bucket_sse_algorithm"),
                BinaryOp::Eq,
                crate::aws::SSE_KMS,
            )
            .and(Expr::binary(
                var("bucket_kms_key_arn"),
                BinaryOp::Ne,
                Expr::Null,
            ))
        }),
    },
];

/// The resource each grant is scoped to.
fn resource(sid: &str) -> Expr {
    match sid {
        "WriteOwnLogs" => Expr::template("{}:*", vec![LAMBDA_LOGS.attr("arn")]),
        "WriteRequestRecords" => Expr::template("{}/*", vec![BUCKET.attr("arn")]),
        "EncryptRequestRecords" => var("bucket_kms_key_arn"),
        // X-Ray has no resource-level permissions.
        _ => Expr::string("*"),
    }
}

fn grant_statement(grant: &Grant) -> Expr {
    statement(grant.sid, "Allow", grant.actions, resource(grant.sid), None)
}

/// `concat([always needed...], condition ? [statement] : [], ...)`.
fn lambda_statements() -> Expr {
    let always = LAMBDA_POLICY
        .iter()
        .filter(|grant| grant.when.is_none())
        .map(grant_statement)
        .collect();
    let mut parts = vec![Expr::Tuple(always)];
    for grant in LAMBDA_POLICY {
        let Some(condition) = grant.when else {
            continue;
        };
        parts.push(Expr::cond(
            condition(),
            Expr::Tuple(vec![grant_statement(grant)]),
            Expr::Tuple(Vec::new()),
        ));
    }
    Expr::call("concat", parts)
}

pub fn document() -> Body {
    let policy = super::policy_document(lambda_statements());
    let account_role = || Expr::cond(var("manage_account_logging_role"), 1i64, 0i64);
    Body::new()
        .block(LAMBDA_ROLE.declare(
            tagged(
                Body::new()
                    .attr("name", Expr::template("{}-lambda", vec![local("name")]))
                    .attr("assume_role_policy", assume_role_policy("lambda.amazonaws.com")),
            ),
        ))
        .block(LAMBDA_ROLE_POLICY.declare(
            Body::new()
                .attr("name", Expr::template("{}-lambda", vec![local("name")]))
                .attr("role", LAMBDA_ROLE.attr("id"))
                .comment("X-Ray has no resource-level permissions: AWS accepts only \"*\" for WriteTraces.")
                .attr("policy", policy),
        ))
        .comment("The account-level role API Gateway uses to write logs: one per account and region,\nso it is opt-in (var.manage_account_logging_role).")
        .block(APIGATEWAY_ROLE.declare(
            tagged(
                Body::new()
                    .attr("count", account_role())
                    .blank()
                    .attr("name", Expr::template("{}-apigw-cloudwatch", vec![local("name")]))
                    .attr("assume_role_policy", assume_role_policy("apigateway.amazonaws.com")),
            ),
        ))
        .block(APIGATEWAY_ROLE_POLICY.declare(
            Body::new()
                .attr("count", account_role())
                .blank()
                .attr("role", APIGATEWAY_ROLE.at(0).attr("name"))
                .attr(
                    "policy_arn",
                    Expr::template(
                        "arn:{}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
                        vec![PARTITION.attr("partition")],
                    ),
                ),
        ))
        .block(API_ACCOUNT.declare(
            Body::new()
                .attr("count", account_role())
                .blank()
                .attr("cloudwatch_role_arn", APIGATEWAY_ROLE.at(0).attr("arn"))
                .blank()
                .attr(
                    "depends_on",
                    Expr::Tuple(vec![APIGATEWAY_ROLE_POLICY.address()]),
                ),
        ))
}
