//! Log groups, created before the things that write to them so that they always have a
//! retention period (Lambda would otherwise create its own group with none).

use super::{extend, tagged};
use crate::hcl::reference::{Resource, local, var};
use crate::hcl::{Body, Expr};
use crate::stack::SecurityChoices;

/// The function's log group.
pub(crate) const LAMBDA_LOGS: Resource = Resource::new("aws_cloudwatch_log_group", "lambda");
/// The API stage's access-log group.
pub(crate) const API_ACCESS_LOGS: Resource =
    Resource::new("aws_cloudwatch_log_group", "api_access");

fn log_group(name: Expr, choices: &SecurityChoices) -> Body {
    let mut body = Body::new();
    if choices.shortest_retention_days < 365 {
        body = body.comment(format!(
            "checkov:skip=CKV_AWS_338:Retention of {} days chosen in tapgen.toml (logs.retention_days) for a non-production environment",
            choices.shortest_retention_days
        ));
    }
    extend(
        body,
        tagged(
            Body::new()
                .attr("name", name)
                .attr("retention_in_days", var("log_retention_days"))
                .attr("kms_key_id", var("log_kms_key_arn")),
        ),
    )
}

pub fn document(choices: &SecurityChoices) -> Body {
    Body::new()
        .block(LAMBDA_LOGS.declare(log_group(
            Expr::template("/aws/lambda/{}", vec![local("name")]),
            choices,
        )))
        .block(API_ACCESS_LOGS.declare(log_group(
            Expr::template("/aws/apigateway/{}/access", vec![local("name")]),
            choices,
        )))
}
