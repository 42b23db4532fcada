//! The REST API: a `{proxy+}` resource and the root, both `ANY` into the function, a
//! deployment replaced whenever the routes change, and a logged, traced, throttled stage.

use super::iam::API_ACCOUNT;
use super::lambda::{FUNCTION, TRACING, TRACING_INPUT};
use super::logs::API_ACCESS_LOGS;
use super::setting::{Default, Input, Kind, Rule, Setting, Values};
use super::{Family, Output, Overlay, Section, Tests, no_checks, no_inputs};
use crate::aws;
use crate::hcl::reference::{Resource, local, var};
use crate::hcl::{Block, Body, Expr};
use crate::render::tftest::{Mock, Run, arn, follows};
use crate::render::{checkov_skips, create_before_destroy, extend, tagged};
use crate::stack::Stack;

pub(crate) static FAMILY: Family = Family {
    section: Some(Section {
        path: &["api"],
        overlay: Overlay::SamePath,
        description: "The API Gateway REST API and its stage.",
        settings: &[
            &STAGE_NAME,
            &THROTTLING_RATE_LIMIT,
            &THROTTLING_BURST_LIMIT,
            &AUTHORIZATION,
            &MANAGE_ACCOUNT_LOGGING_ROLE,
        ],
    }),
    file: ("apigateway.tf", 4),
    document,
    inputs: no_inputs,
    outputs: (outputs, 0),
    grants: &[],
    aws_services: &["apigateway"],
    check: no_checks,
    tests: Tests {
        summary: "the stage's name, tracing and throttling and the methods' authorization follow the inputs",
        runs: tests,
        // The function's permission names the API's execution ARN, which the provider checks.
        mocks: |project| {
            vec![Mock::resource(
                &REST_API,
                vec![
                    ("execution_arn", arn(project, "execute-api", "a1b2c3d4e5")),
                    // The custom domain checks its certificate's region against it.
                    (
                        "arn",
                        format!(
                            "arn:aws:apigateway:{}::/restapis/a1b2c3d4e5",
                            project.region()
                        ),
                    ),
                ],
            )]
        },
    },
};

pub(crate) static STAGE_NAME: Setting = Setting {
    key: "stage_name",
    kind: Kind::String,
    default: Default::String("v1"),
    rule: Rule::Pattern {
        regex: "^[A-Za-z0-9_-]{1,128}$",
        noun: "stage name",
        message: "1 to 128 letters, digits, hyphens and underscores",
        example: "v1",
    },
    doc: "Stage name.",
    input: Some(Input {
        name: "api_stage_name",
        description: "Name of the API Gateway stage.",
        unset: None,
        example: |_| Expr::string(crate::stack::EXAMPLE_ENVIRONMENT),
    }),
};

pub(crate) static THROTTLING_RATE_LIMIT: Setting = Setting {
    key: "throttling_rate_limit",
    kind: Kind::Integer,
    default: Default::Integer(50),
    rule: Rule::Range {
        min: 0,
        max: Some(aws::API_RATE_LIMIT),
        limit: Some("requests per second"),
    },
    doc: "Steady-state request rate limit per second for the stage.",
    input: Some(Input {
        name: "api_throttling_rate_limit",
        description: "Steady-state requests per second the stage accepts.",
        unset: None,
        example: |_| Expr::Number(20),
    }),
};

pub(crate) static THROTTLING_BURST_LIMIT: Setting = Setting {
    key: "throttling_burst_limit",
    kind: Kind::Integer,
    default: Default::Integer(100),
    rule: Rule::Range {
        min: 0,
        max: Some(aws::API_BURST_LIMIT),
        limit: Some(""),
    },
    doc: "Burst request limit for the stage.",
    input: Some(Input {
        name: "api_throttling_burst_limit",
        description: "Burst of requests the stage accepts.",
        unset: None,
        example: |_| Expr::Number(40),
    }),
};

pub(crate) static AUTHORIZATION: Setting = Setting {
    key: "authorization",
    kind: Kind::String,
    default: Default::String(aws::AUTHORIZATION_AWS_IAM),
    rule: Rule::OneOf {
        values: &[aws::AUTHORIZATION_AWS_IAM, aws::AUTHORIZATION_NONE],
        refusal: None,
    },
    doc: "Method authorization: `AWS_IAM` (callers sign requests with SigV4) or `NONE` (public).",
    input: Some(Input {
        name: "api_authorization",
        description: "Authorization of the API's methods: AWS_IAM (SigV4-signed callers) or NONE (public).",
        unset: None,
        example: |_| Expr::string(aws::AUTHORIZATION_AWS_IAM),
    }),
};

/// The module input that makes the module manage the account-level logging role.
pub(crate) const MANAGE_ACCOUNT_LOGGING_ROLE_INPUT: &str = "manage_account_logging_role";

pub(crate) static MANAGE_ACCOUNT_LOGGING_ROLE: Setting = Setting {
    key: "manage_account_logging_role",
    kind: Kind::Boolean,
    default: Default::Boolean(false),
    rule: Rule::Any,
    doc: "Also manage the account-level API Gateway CloudWatch role. There is one per account and region, and stage logging fails until it exists: turn this on in exactly one stack per account and region.",
    input: Some(Input {
        name: MANAGE_ACCOUNT_LOGGING_ROLE_INPUT,
        description: "Controls whether this module manages the account-level API Gateway CloudWatch role. There is one per account and region and stage logging fails without it: enable it in exactly one stack per account and region.",
        unset: None,
        example: |_| var(MANAGE_ACCOUNT_LOGGING_ROLE_INPUT),
    }),
};

fn outputs() -> Vec<Output> {
    vec![
        (
            "api_invoke_url",
            "URL that invokes the API's stage.",
            STAGE.attr("invoke_url"),
        ),
        ("api_id", "ID of the REST API.", REST_API.attr("id")),
        (
            "api_execution_arn",
            "Execution ARN of the REST API, for IAM policies that allow calling it.",
            REST_API.attr("execution_arn"),
        ),
        (
            "api_stage_name",
            "Name of the API's stage.",
            STAGE.attr("stage_name"),
        ),
    ]
}

/// The REST API.
pub(crate) const REST_API: Resource = Resource::new("aws_api_gateway_rest_api", "this");
/// Its one stage, which serves the invoke URL.
pub(crate) const STAGE: Resource = Resource::new("aws_api_gateway_stage", "this");
const PROXY: Resource = Resource::new("aws_api_gateway_resource", "proxy");
/// The settings of every method of the stage.
const METHOD_SETTINGS: Resource = Resource::new("aws_api_gateway_method_settings", "all");
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

/// Choices some environment makes that a security scanner flags.
struct Choices {
    /// Some environment serves the API without authorization.
    public_api: bool,
    /// Some environment turns X-Ray tracing off.
    tracing_disabled: bool,
}

impl Choices {
    fn of(environments: &[Values]) -> Self {
        Self {
            public_api: environments
                .iter()
                .any(|v| v.string(&AUTHORIZATION) == aws::AUTHORIZATION_NONE),
            tracing_disabled: environments.iter().any(|v| !v.bool(&TRACING)),
        }
    }
}

fn method(route: &'static str, resource_id: Expr, choices: &Choices) -> Block {
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

fn stage_skips(choices: &Choices) -> Vec<(&'static str, &'static str)> {
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

fn document(environments: &[Values]) -> Body {
    let choices = &Choices::of(environments);
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
                        .attr("xray_tracing_enabled", var(TRACING_INPUT)),
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
        .block(METHOD_SETTINGS.declare(
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

fn tests(project: &Stack) -> Vec<Run> {
    let settings = |name: &'static str| -> Expr {
        METHOD_SETTINGS
            .traversal()
            .attr("settings")
            .index(0)
            .attr(name)
            .into()
    };
    let mut asserts = vec![
        follows(STAGE.attr("stage_name"), &STAGE_NAME, project),
        follows(STAGE.attr("xray_tracing_enabled"), &TRACING, project),
        follows(
            settings("throttling_rate_limit"),
            &THROTTLING_RATE_LIMIT,
            project,
        ),
        follows(
            settings("throttling_burst_limit"),
            &THROTTLING_BURST_LIMIT,
            project,
        ),
    ];
    for route in ROUTES {
        asserts.push(follows(
            method_of(route).attr("authorization"),
            &AUTHORIZATION,
            project,
        ));
    }
    vec![Run::asserts("stage_and_methods_follow_inputs", asserts)]
}
