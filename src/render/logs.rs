//! Log groups, created before the things that write to them so that they always have a
//! retention period (Lambda would otherwise create its own group with none).

use super::{extend, r, tagged};
use crate::hcl::{Block, Body, Expr};
use crate::stack::SecurityChoices;

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
                .attr("retention_in_days", r("var.log_retention_days"))
                .attr("kms_key_id", r("var.log_kms_key_arn")),
        ),
    )
}

pub fn document(choices: &SecurityChoices) -> Body {
    Body::new()
        .block(Block::resource(
            "aws_cloudwatch_log_group",
            "lambda",
            log_group(
                Expr::template("/aws/lambda/{}", vec![r("local.name")]),
                choices,
            ),
        ))
        .block(Block::resource(
            "aws_cloudwatch_log_group",
            "api_access",
            log_group(
                Expr::template("/aws/apigateway/{}/access", vec![r("local.name")]),
                choices,
            ),
        ))
}
