//! The REST API: a `{proxy+}` resource and the root, both `ANY` into the function, a
//! deployment replaced whenever the routes change, and a logged, traced, throttled stage.

use super::iam::API_ACCOUNT;
use super::lambda::FUNCTION;
use super::logs::API_ACCESS_LOGS;
use super::{checkov_skips, create_before_destroy, extend, tagged};
use crate::hcl::reference::{Resource, local, var};
use crate::hcl::{Block, Body, Expr};
use crate::stack::SecurityChoices;

/// The REST API.
pub(crate) const REST_API: Resource = Resource::new("aws_api_gateway_rest_api", "this");
/// Its one stage, which serves the invoke URL.
pub(crate) const STAGE: Resource = Resource::new("aws_api_gateway_stage", "this");
const PROXY: Resource = Resource::new("aws_api_gateway_resource", "proxy");
const DEPLOYMENT: Resource = Resource::new("aws_api_gateway_deployment", "this");
/// The two routes: `{proxy+}` and the root, both `ANY`.
const ROUTES: [&str; 2] = ["proxy", "root"];

fn method_of(route: &'static str) -> Resource {
    Resource::new("aws_api_gateway_method", route)
}

fn integration_of(route: &'static str) -> Resource {
    Resource::new("aws_api_gateway_integration", route)
}

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

fn method(route: &'static str, resource_id: Expr, choices: &SecurityChoices) -> Block {
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
    method_of(route).declare(extend(
        checkov_skips(&skips),
        Body::new()
            .attr("rest_api_id", REST_API.attr("id"))
            .attr("resource_id", resource_id)
            .attr("http_method", "ANY")
            .attr("authorization", var("api_authorization")),
    ))
}

fn integration(route: &'static str) -> Block {
    let method = method_of(route);
    integration_of(route).declare(
        Body::new()
            .attr("rest_api_id", REST_API.attr("id"))
            .attr("resource_id", method.attr("resource_id"))
            .attr("http_method", method.attr("http_method"))
            .attr("integration_http_method", "POST")
            .attr("type", "AWS_PROXY")
            .attr("uri", FUNCTION.attr("invoke_arn")),
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
    let mut routes = vec![PROXY.attr("id"), PROXY.attr("path_part")];
    for route in ROUTES {
        routes.extend([
            method_of(route).attr("id"),
            method_of(route).attr("authorization"),
        ]);
    }
    for route in ROUTES {
        let integration = integration_of(route);
        routes.extend(["id", "type", "uri"].map(|attribute| integration.attr(attribute)));
    }
    Body::new()
        .block(REST_API.declare(
            tagged(
                Body::new()
                    .attr("name", local("name"))
                    .attr("description", Expr::template("Serverless API of {} ({})", vec![var("project"), var("environment")])),
            )
            .block(Block::new(
                "endpoint_configuration",
                &[],
                Body::new().attr("types", Expr::strings(["REGIONAL"])),
            ))
            .block(create_before_destroy()),
        ))
        .block(PROXY.declare(
            Body::new()
                .attr("rest_api_id", REST_API.attr("id"))
                .attr("parent_id", REST_API.attr("root_resource_id"))
                .attr("path_part", "{proxy+}"),
        ))
        .block(method("proxy", PROXY.attr("id"), choices))
        .block(method("root", REST_API.attr("root_resource_id"), choices))
        .block(integration("proxy"))
        .block(integration("root"))
        .comment("A deployment is a snapshot: replace it whenever a route or integration changes.")
        .block(DEPLOYMENT.declare(
            Body::new()
                .attr("rest_api_id", REST_API.attr("id"))
                .attr(
                    "triggers",
                    Expr::object([(
                        "redeployment",
                        Expr::call("sha1", vec![Expr::call("jsonencode", vec![Expr::Tuple(routes)])]),
                    )]),
                )
                .block(create_before_destroy()),
        ))
        .block(STAGE.declare(
            extend(
                checkov_skips(&stage_skips(choices)),
                tagged(
                    Body::new()
                        .attr("rest_api_id", REST_API.attr("id"))
                        .attr("deployment_id", DEPLOYMENT.attr("id"))
                        .attr("stage_name", var("api_stage_name"))
                        .attr("xray_tracing_enabled", var("lambda_tracing_enabled")),
                ),
            )
            .block(Block::new(
                "access_log_settings",
                &[],
                Body::new()
                    .attr("destination_arn", API_ACCESS_LOGS.attr("arn"))
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
            .attr("depends_on", Expr::Tuple(vec![API_ACCOUNT.address()])),
        ))
        .block(Resource::new("aws_api_gateway_method_settings", "all").declare(
            extend(
                checkov_skips(&[(
                    "CKV_AWS_225",
                    "Caching is deliberately off: responses are dynamic and per caller (see CKV_AWS_120)",
                )]),
                Body::new()
                    .attr("rest_api_id", REST_API.attr("id"))
                    .attr("stage_name", STAGE.attr("stage_name"))
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
                    .attr("throttling_rate_limit", var("api_throttling_rate_limit"))
                    .attr("throttling_burst_limit", var("api_throttling_burst_limit")),
            )),
        ))
}
