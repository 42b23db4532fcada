//! The function's execution role, with a least-privilege policy, and the opt-in account-level
//! role that lets API Gateway write logs.

use super::apigateway::MANAGE_ACCOUNT_LOGGING_ROLE_INPUT;
use super::{Family, Grant, Output, no_checks, no_inputs};
use crate::hcl::reference::{DataSource, Resource, local, var};
use crate::hcl::{Body, Expr};
use crate::render::{assume_role_policy, statement, tagged};

pub(crate) static FAMILY: Family = Family {
    section: None,
    file: ("iam.tf", 2),
    document: |_| document(),
    inputs: no_inputs,
    outputs: (outputs, 2),
    grants: &[],
    // The account-level API Gateway settings that name the logging role are here too.
    aws_services: &["iam", "apigateway"],
    check: no_checks,
};

/// The function's execution role.
pub(crate) const LAMBDA_ROLE: Resource = Resource::new("aws_iam_role", "lambda");
/// The function's least-privilege policy: the statements the families need ([`super::grants`]).
pub(crate) const LAMBDA_ROLE_POLICY: Resource = Resource::new("aws_iam_role_policy", "lambda");
const APIGATEWAY_ROLE: Resource = Resource::new("aws_iam_role", "apigateway_cloudwatch");
const APIGATEWAY_ROLE_POLICY: Resource =
    Resource::new("aws_iam_role_policy_attachment", "apigateway_cloudwatch");
/// The account-level API Gateway settings, made only with `var.manage_account_logging_role`.
pub(crate) const API_ACCOUNT: Resource = Resource::new("aws_api_gateway_account", "this");
/// The partition (`aws`, `aws-cn`, ...) the module is applied in.
pub(crate) const PARTITION: DataSource = DataSource::new("aws_partition", "current");

fn grant_statement(grant: &Grant) -> Expr {
    statement(grant.sid, "Allow", grant.actions, (grant.resource)(), None)
}

/// `concat([always needed...], condition ? [statement] : [], ...)`: the statements every
/// family needs ([`super::grants`]), those for a feature that can be off made per instance.
fn lambda_statements() -> Expr {
    let always = super::grants()
        .filter(|grant| grant.when.is_none())
        .map(grant_statement)
        .collect();
    let mut parts = vec![Expr::Tuple(always)];
    for grant in super::grants() {
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

fn outputs() -> Vec<Output> {
    vec![(
        "function_role_arn",
        "ARN of the function's execution role.",
        LAMBDA_ROLE.attr("arn"),
    )]
}

fn document() -> Body {
    let policy = crate::render::policy_document(lambda_statements());
    let account_role = || Expr::cond(var(MANAGE_ACCOUNT_LOGGING_ROLE_INPUT), 1i64, 0i64);
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
