//! Log groups, created before the things that write to them so that they always have a
//! retention period (Lambda would otherwise create its own group with none).

use super::{r, tagged};
use crate::hcl::{Block, Body, Expr};

fn log_group(name: Expr) -> Body {
    tagged(
        Body::new()
            .attr("name", name)
            .attr("retention_in_days", r("var.log_retention_days"))
            .attr("kms_key_id", r("var.log_kms_key_arn")),
    )
}

pub fn document() -> Body {
    Body::new()
        .block(Block::resource(
            "aws_cloudwatch_log_group",
            "lambda",
            log_group(Expr::template("/aws/lambda/{}", vec![r("local.name")])),
        ))
        .block(Block::resource(
            "aws_cloudwatch_log_group",
            "api_access",
            log_group(Expr::template(
                "/aws/apigateway/{}/access",
                vec![r("local.name")],
            )),
        ))
}
