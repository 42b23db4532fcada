//! The REST API: a `{proxy+}` resource and the root, both `ANY` into the function, a
//! deployment replaced whenever the routes change, and a logged, traced, throttled stage.

use super::{checkov_skips, create_before_destroy, extend, r, tagged};
use crate::hcl::{Block, Body, Expr};
use crate::stack::SecurityChoices;

/// Fields of each access-log line; `$context` variables are API Gateway's.
const ACCESS_LOG_FIELDS: &[(&str, &str)] = &[
    ("requestId", "$context.requestId"),
    ("extendedRequestId", "$context.extendedRequestId"),
    ("ip", "$context.identity.sourceIp"),
    ("caller", "$context.identity.caller"),
    ("user", "$context.identity.user"),
    ("requestTime", "$context.requestTime"),
    ("httpMethod", "$context.httpMethod"),
    ("resourcePath", "$context.resourcePath"),
    ("status", "$context.status"),
    ("protocol", "$context.protocol"),
    ("responseLength", "$context.responseLength"),
    ("integrationLatency", "$context.integrationLatency"),
    ("xrayTraceId", "$context.xrayTraceId"),
];

fn method(name: &str, resource_id: &str, choices: &SecurityChoices) -> Block {
    let mut skips = Vec::new();
    if choices.public_api {
        skips.push((
            "CKV_AWS_59",
            "Public API by explicit choice (api.authorization = \"NONE\" in tapgen.toml); API Gateway does not authenticate callers",
        ));
    }
    skips.push((
        "CKV2_AWS_53",
        "AWS_PROXY integration: the function validates every request and answers 4XX itself",
    ));
    Block::resource(
        "aws_api_gateway_method",
        name,
        extend(
            checkov_skips(&skips),
            Body::new()
                .attr("rest_api_id", r("aws_api_gateway_rest_api.this.id"))
                .attr("resource_id", r(resource_id))
                .attr("http_method", "ANY")
                .attr("authorization", r("var.api_authorization")),
        ),
    )
}

fn integration(name: &str) -> Block {
    let method = format!("aws_api_gateway_method.{name}");
    Block::resource(
        "aws_api_gateway_integration",
        name,
        Body::new()
            .attr("rest_api_id", r("aws_api_gateway_rest_api.this.id"))
            .attr("resource_id", r(&format!("{method}.resource_id")))
            .attr("http_method", r(&format!("{method}.http_method")))
            .attr("integration_http_method", "POST")
            .attr("type", "AWS_PROXY")
            .attr("uri", r("aws_lambda_function.this.invoke_arn")),
    )
}

fn stage_skips(choices: &SecurityChoices) -> Vec<(&'static str, &'static str)> {
    let mut skips = vec![(
        "CKV_AWS_120",
        "Responses are per caller and dynamic; a stage cache adds hourly cost and risks serving one caller's data to another",
    )];
    if choices.tracing_disabled {
        skips.push((
            "CKV_AWS_73",
            "X-Ray tracing turned off by explicit choice (lambda.tracing = false in tapgen.toml)",
        ));
    }
    skips.push((
        "CKV2_AWS_29",
        if choices.public_api {
            "Public API without a WAF by explicit choice (api.authorization = \"NONE\"); stage throttling limits request rates"
        } else {
            "Every method requires AWS_IAM (SigV4) authorization, so API Gateway rejects unsigned requests before the function runs; no WAF is attached"
        },
    ));
    skips.push((
        "CKV2_AWS_51",
        "Client certificates authenticate API Gateway to HTTP backends; the Lambda proxy integration is authorized by IAM",
    ));
    skips
}

pub fn document(choices: &SecurityChoices) -> Body {
    // Ids plus the values tapgen sets: hashing whole resources would change once after the
    // first refresh (the provider reads unset optional fields back as empty values), and
    // force a needless redeployment on every new environment.
    let routes = [
        "aws_api_gateway_resource.proxy.id",
        "aws_api_gateway_resource.proxy.path_part",
        "aws_api_gateway_method.proxy.id",
        "aws_api_gateway_method.proxy.authorization",
        "aws_api_gateway_method.root.id",
        "aws_api_gateway_method.root.authorization",
        "aws_api_gateway_integration.proxy.id",
        "aws_api_gateway_integration.proxy.type",
        "aws_api_gateway_integration.proxy.uri",
        "aws_api_gateway_integration.root.id",
        "aws_api_gateway_integration.root.type",
        "aws_api_gateway_integration.root.uri",
    ]
    .into_iter()
    .map(r)
    .collect();
    Body::new()
        .block(Block::resource(
            "aws_api_gateway_rest_api",
            "this",
            tagged(
                Body::new()
                    .attr("name", r("local.name"))
                    .attr("description", Expr::template("Serverless API of {} ({})", vec![r("var.project"), r("var.environment")])),
            )
            .block(Block::new(
                "endpoint_configuration",
                &[],
                Body::new().attr("types", Expr::strings(["REGIONAL"])),
            ))
            .block(create_before_destroy()),
        ))
        .block(Block::resource(
            "aws_api_gateway_resource",
            "proxy",
            Body::new()
                .attr("rest_api_id", r("aws_api_gateway_rest_api.this.id"))
                .attr("parent_id", r("aws_api_gateway_rest_api.this.root_resource_id"))
                .attr("path_part", "{proxy+}"),
        ))
        .block(method("proxy", "aws_api_gateway_resource.proxy.id", choices))
        .block(method("root", "aws_api_gateway_rest_api.this.root_resource_id", choices))
        .block(integration("proxy"))
        .block(integration("root"))
        .comment("A deployment is a snapshot: replace it whenever a route or integration changes.")
        .block(Block::resource(
            "aws_api_gateway_deployment",
            "this",
            Body::new()
                .attr("rest_api_id", r("aws_api_gateway_rest_api.this.id"))
                .attr(
                    "triggers",
                    Expr::object([(
                        "redeployment",
                        Expr::call("sha1", vec![Expr::call("jsonencode", vec![Expr::Tuple(routes)])]),
                    )]),
                )
                .block(create_before_destroy()),
        ))
        .block(Block::resource(
            "aws_api_gateway_stage",
            "this",
            extend(
                checkov_skips(&stage_skips(choices)),
                tagged(
                    Body::new()
                        .attr("rest_api_id", r("aws_api_gateway_rest_api.this.id"))
                        .attr("deployment_id", r("aws_api_gateway_deployment.this.id"))
                        .attr("stage_name", r("var.api_stage_name"))
                        .attr("xray_tracing_enabled", r("var.lambda_tracing_enabled")),
                ),
            )
            .block(Block::new(
                "access_log_settings",
                &[],
                Body::new()
                    .attr("destination_arn", r("aws_cloudwatch_log_group.api_access.arn"))
                    .attr(
                        "format",
                        Expr::call(
                            "jsonencode",
                            vec![Expr::object(
                                ACCESS_LOG_FIELDS.iter().map(|(key, value)| (*key, Expr::string(*value))),
                            )],
                        ),
                    ),
            ))
            .blank()
            .comment("Stage logging needs the account-level CloudWatch role; wait for it when this module manages it.")
            .attr("depends_on", Expr::Tuple(vec![r("aws_api_gateway_account.this")])),
        ))
        .block(Block::resource(
            "aws_api_gateway_method_settings",
            "all",
            extend(
                checkov_skips(&[(
                    "CKV_AWS_225",
                    "Caching is deliberately off: responses are dynamic and per caller (see CKV_AWS_120)",
                )]),
                Body::new()
                    .attr("rest_api_id", r("aws_api_gateway_rest_api.this.id"))
                    .attr("stage_name", r("aws_api_gateway_stage.this.stage_name"))
                    .attr("method_path", "*/*"),
            )
            .block(Block::new(
                "settings",
                &[],
                Body::new()
                    .attr("metrics_enabled", true)
                    .attr("logging_level", "INFO")
                    .attr("data_trace_enabled", false)
                    .attr("caching_enabled", false)
                    .attr("throttling_rate_limit", r("var.api_throttling_rate_limit"))
                    .attr("throttling_burst_limit", r("var.api_throttling_burst_limit")),
            )),
        ))
}
