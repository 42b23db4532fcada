//! The function and the permission that lets this API, and only this API, invoke it.

use super::apigateway::REST_API;
use super::iam::{LAMBDA_ROLE, LAMBDA_ROLE_POLICY};
use super::logs::LAMBDA_LOGS;
use super::s3::BUCKET;
use super::setting::{Default, Input, Kind, Rule, Setting, Values};
use super::{Family, Grant, Output, Overlay, Section, Tests, When};
use crate::aws;
use crate::check::{Checker, invalid, owned, plain_text_secret};
use crate::error::{Holder, Problem, Rule as Named};
use crate::hcl::reference::{Resource, local, var};
use crate::hcl::{BinaryOp, Block, Body, Expr, TypeExpr};
use crate::layout::MANAGED_VARIABLES;
use crate::render::PackageRefs;
use crate::render::tftest::{Mock, Run, arn, eq, follows, showing, string_map};
use crate::render::variables::{Example, Value, Variable};
use crate::render::{checkov_skips, extend, tagged};
use crate::stack::Stack;
use std::collections::BTreeMap;

pub(crate) static FAMILY: Family = Family {
    section: Some(Section {
        path: &["lambda"],
        overlay: Overlay::SamePath,
        description: "The Lambda function that handles every request.",
        settings: &[
            &RUNTIME,
            &ARCHITECTURE,
            &HANDLER,
            &SOURCE_DIR,
            &MEMORY_MB,
            &TIMEOUT_S,
            &TRACING,
            &RESERVED_CONCURRENCY,
            &ENVIRONMENT,
            &LAYER,
        ],
    }),
    file: ("lambda.tf", 3),
    document: |_| document(),
    inputs: || vec![package_path(), layer_package_path()],
    outputs: (outputs, 1),
    grants: &[Grant {
        sid: "WriteTraces",
        actions: &["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        // X-Ray has no resource-level permissions.
        resource: || Expr::string("*"),
        when: Some(When {
            condition: || var(TRACING_INPUT),
            holds: |values| values.bool(&TRACING),
            toggled: |stack| {
                let on = stack.values.bool(&TRACING);
                stack.values.clone().with(&TRACING, Some((!on).into()))
            },
        }),
    }],
    aws_services: &["lambda"],
    check,
    tests: Tests {
        summary: "the function's runtime, handler, memory, timeout, concurrency, tracing and environment variables follow the inputs",
        runs: tests,
        // The function names its layer's ARN, which the provider checks.
        mocks: |project| {
            vec![Mock::resource(
                &DEPENDENCIES,
                vec![("arn", arn(project, "lambda", "layer:dependencies:1"))],
            )]
        },
    },
};

pub(crate) static RUNTIME: Setting = Setting {
    key: "runtime",
    kind: Kind::String,
    default: Default::String("python3.12"),
    rule: Rule::OneOf {
        values: aws::SUPPORTED_RUNTIMES,
        refusal: Some(|runtime| Problem::Runtime {
            runtime: runtime.to_owned(),
            deprecated: runtime.starts_with("python"),
            supported: aws::SUPPORTED_RUNTIMES
                .iter()
                .map(|r| (*r).to_owned())
                .collect(),
        }),
    },
    doc: "Python runtime; runtimes AWS no longer accepts for new functions are refused.",
    input: Some(Input {
        name: "lambda_runtime",
        description: "Python runtime of the function.",
        unset: None,
        example: |v| Expr::string(v.string(&RUNTIME)),
    }),
};

pub(crate) static ARCHITECTURE: Setting = Setting {
    key: "architecture",
    kind: Kind::String,
    default: Default::String("x86_64"),
    rule: Rule::OneOf {
        values: aws::LAMBDA_ARCHITECTURES,
        refusal: None,
    },
    doc: "Instruction set the function runs on (`arm64` is Graviton); the dependencies in `requirements.txt` or `uv.lock` are installed for it, and for the runtime.",
    input: Some(Input {
        name: ARCHITECTURE_INPUT,
        description: "Instruction set architecture of the function and of its dependency layer.",
        unset: None,
        example: |v| Expr::string(v.string(&ARCHITECTURE)),
    }),
};

pub(crate) static LAYER: Setting = Setting {
    key: "layer",
    kind: Kind::Boolean,
    default: Default::Boolean(false),
    rule: Rule::Any,
    doc: "Put the handler's dependencies (`requirements.txt`, or `pyproject.toml` with `uv.lock`, in the source folder) in a Lambda layer of their own (`aws_lambda_layer_version`, under `python/`), so that the function package holds only the handler. Without dependencies there is no layer.",
    // The module input is the layer package's path (`lambda_layer_package_path`), which
    // is null where there are no dependencies to put in one.
    input: None,
};

pub(crate) static HANDLER: Setting = Setting {
    key: "handler",
    kind: Kind::String,
    default: Default::String("handler.handler"),
    rule: Rule::Any,
    doc: "Handler as `module.function`.",
    input: Some(Input {
        name: "lambda_handler",
        description: "Function entry point as module.function.",
        unset: None,
        example: |v| Expr::string(v.string(&HANDLER)),
    }),
};

pub(crate) static SOURCE_DIR: Setting = Setting {
    key: "source_dir",
    kind: Kind::String,
    default: Default::String("lambda"),
    rule: Rule::Any,
    doc: "Folder holding the handler, relative to the config file; `.` for a handler beside the config. tapgen's own output and config, dot-files, `tests/`, `__pycache__`, `*.pyc` and `node_modules` are left out of the package.",
    input: None,
};

pub(crate) static MEMORY_MB: Setting = Setting {
    key: "memory_mb",
    kind: Kind::Integer,
    default: Default::Integer(256),
    rule: Rule::Range {
        min: aws::LAMBDA_MEMORY_MB.0,
        max: Some(aws::LAMBDA_MEMORY_MB.1),
        limit: None,
    },
    doc: "Memory in MB.",
    input: Some(Input {
        name: "lambda_memory_size",
        description: "Memory of the function in MB.",
        unset: None,
        example: |_| Expr::Number(512),
    }),
};

pub(crate) static TIMEOUT_S: Setting = Setting {
    key: "timeout_s",
    kind: Kind::Integer,
    default: Default::Integer(10),
    rule: Rule::Range {
        min: aws::LAMBDA_TIMEOUT_S.0,
        max: Some(aws::LAMBDA_TIMEOUT_S.1),
        limit: None,
    },
    doc: "Timeout in seconds; API Gateway itself gives up after 29 s.",
    input: Some(Input {
        name: "lambda_timeout",
        description: "Timeout of the function in seconds. API Gateway waits at most 29 seconds.",
        unset: None,
        example: |_| Expr::Number(15),
    }),
};

/// The module input that turns X-Ray tracing on, which the API stage reads too.
pub(crate) const TRACING_INPUT: &str = "lambda_tracing_enabled";

pub(crate) static TRACING: Setting = Setting {
    key: "tracing",
    kind: Kind::Boolean,
    default: Default::Boolean(true),
    rule: Rule::Any,
    doc: "X-Ray active tracing.",
    input: Some(Input {
        name: TRACING_INPUT,
        description: "Controls whether X-Ray active tracing is on for the function and the API stage.",
        unset: None,
        example: |_| Expr::Bool(true),
    }),
};

pub(crate) static RESERVED_CONCURRENCY: Setting = Setting {
    key: "reserved_concurrency",
    kind: Kind::Integer,
    default: Default::None,
    // 0 would stop the function from ever running.
    rule: Rule::Range {
        min: 1,
        max: None,
        limit: None,
    },
    doc: "Concurrency reserved for the function; unset leaves it unreserved.",
    input: Some(Input {
        name: "lambda_reserved_concurrency",
        description: "Concurrent executions reserved for the function; -1 leaves it unreserved.",
        unset: Some((-1, "unreserved")),
        example: |_| var("lambda_reserved_concurrency"),
    }),
};

pub(crate) static ENVIRONMENT: Setting = Setting {
    key: "environment",
    kind: Kind::StringMap,
    default: Default::Empty,
    rule: Rule::Any,
    doc: "Extra environment variables. `LOG_BUCKET_NAME` and `ENVIRONMENT` are set by tapgen. Values that look like credentials are refused: pass an SSM parameter or Secrets Manager ARN instead.",
    input: Some(Input {
        name: "lambda_environment_variables",
        description: "Extra environment variables for the function. LOG_BUCKET_NAME and ENVIRONMENT are always set.",
        unset: None,
        example: |_| Expr::object([("LOG_LEVEL", Expr::string("DEBUG"))]),
    }),
};

/// The folder holding `stack`'s handler, relative to the config file.
pub(crate) fn source_dir(stack: &Stack) -> String {
    stack.values.string(&SOURCE_DIR)
}

/// What `stack`'s package is built from and for.
pub(crate) fn package_key(stack: &Stack) -> crate::render::PackageKey {
    crate::render::PackageKey {
        source_dir: source_dir(stack),
        runtime: stack.values.string(&RUNTIME),
        architecture: stack.values.string(&ARCHITECTURE),
        layer: stack.values.bool(&LAYER),
    }
}

/// The module input naming the function's zip.
const PACKAGE_PATH: &str = "lambda_package_path";
/// The module input naming the dependency layer's zip, null for no layer.
const LAYER_PACKAGE_PATH: &str = "lambda_layer_package_path";

fn package_path() -> Variable {
    Variable {
        name: PACKAGE_PATH,
        type_expr: TypeExpr::String,
        description: "Path to the zip file holding the function's code.",
        default: None,
        validations: vec![],
        rejected: None,
        value: Value::Package(|refs| refs.function.clone()),
        example: Example::Package(|refs| refs.function.clone()),
    }
}

fn layer_package_path() -> Variable {
    let layer = |refs: &PackageRefs| refs.layer.clone().unwrap_or(Expr::Null);
    Variable {
        name: LAYER_PACKAGE_PATH,
        type_expr: TypeExpr::String,
        description: "Path to the zip file holding the function's dependencies under python/, published as a Lambda layer the function uses; null for no layer.",
        default: Some(Expr::Null),
        validations: vec![],
        rejected: None,
        value: Value::Package(layer),
        example: Example::Package(layer),
    }
}

fn outputs() -> Vec<Output> {
    vec![
        (
            "function_name",
            "Name of the Lambda function.",
            FUNCTION.attr("function_name"),
        ),
        (
            "function_arn",
            "ARN of the Lambda function.",
            FUNCTION.attr("arn"),
        ),
    ]
}

/// The API's handler.
pub(crate) const FUNCTION: Resource = Resource::new("aws_lambda_function", "this");
/// The handler's dependencies, where they have a layer of their own.
pub(crate) const DEPENDENCIES: Resource = Resource::new("aws_lambda_layer_version", "dependencies");

/// `var.lambda_layer_package_path != null`
fn has_layer() -> Expr {
    Expr::binary(var(LAYER_PACKAGE_PATH), BinaryOp::Ne, Expr::Null)
}

fn layer_document() -> Block {
    DEPENDENCIES.declare(
        Body::new()
            .attr(
                "count",
                Expr::cond(has_layer(), Expr::Number(1), Expr::Number(0)),
            )
            .blank()
            .attr(
                "layer_name",
                Expr::template("{}-dependencies", vec![local("name")]),
            )
            .attr(
                "description",
                Expr::template(
                    "Dependencies of the API handler of {} ({})",
                    vec![var("project"), var("environment")],
                ),
            )
            .attr("filename", var(LAYER_PACKAGE_PATH))
            .attr(
                "source_code_hash",
                Expr::call("filebase64sha256", vec![var(LAYER_PACKAGE_PATH)]),
            )
            .attr(
                "compatible_runtimes",
                Expr::Tuple(vec![var("lambda_runtime")]),
            )
            .attr(
                "compatible_architectures",
                Expr::Tuple(vec![var(ARCHITECTURE_INPUT)]),
            ),
    )
}

/// The module input of [`ARCHITECTURE`].
const ARCHITECTURE_INPUT: &str = "lambda_architecture";

fn document() -> Body {
    let function = extend(
        checkov_skips(&[
            ("CKV_AWS_116", "Invoked synchronously by API Gateway; errors return to the caller, and a dead-letter queue only applies to asynchronous invocations"),
            ("CKV_AWS_117", "Reaches only AWS public endpoints (S3, KMS, X-Ray, CloudWatch Logs) over TLS with IAM; no VPC-private resources"),
            ("CKV_AWS_173", "Environment variables hold configuration only; tapgen refuses values that look like credentials"),
            ("CKV_AWS_272", "Artifact integrity is enforced by the CI pipeline that builds the package; AWS Signer is not used"),
        ]),
        tagged(
            Body::new()
                .attr("function_name", local("name"))
                .attr("description", Expr::template("API handler of {} ({})", vec![var("project"), var("environment")]))
                .attr("role", LAMBDA_ROLE.attr("arn"))
                .attr("runtime", var("lambda_runtime"))
                .attr("architectures", Expr::Tuple(vec![var(ARCHITECTURE_INPUT)]))
                .attr("handler", var("lambda_handler"))
                .attr("filename", var(PACKAGE_PATH))
                .attr("source_code_hash", Expr::call("filebase64sha256", vec![var(PACKAGE_PATH)]))
                .attr("layers", Expr::cond(has_layer(), Expr::Tuple(vec![DEPENDENCIES.at(0).attr("arn").into()]), Expr::Tuple(vec![])))
                .attr("memory_size", var("lambda_memory_size"))
                .attr("timeout", var("lambda_timeout"))
                .attr("reserved_concurrent_executions", var("lambda_reserved_concurrency")),
        ),
    )
    .block(Block::new(
        "environment",
        &[],
        Body::new().attr(
            "variables",
            Expr::call(
                "merge",
                vec![
                    var("lambda_environment_variables"),
                    Expr::object(managed_variables()),
                ],
            ),
        ),
    ))
    .block(Block::new(
        "tracing_config",
        &[],
        Body::new().attr("mode", Expr::cond(var(TRACING_INPUT), "Active", "PassThrough")),
    ))
    .comment("Logs go to a group this module creates first, with retention, never to one Lambda creates.")
    .block(Block::new(
        "logging_config",
        &[],
        Body::new()
            .attr("log_format", "JSON")
            .attr("log_group", LAMBDA_LOGS.attr("name")),
    ))
    .blank()
    .attr(
        "depends_on",
        Expr::Tuple(vec![LAMBDA_ROLE_POLICY.address(), LAMBDA_LOGS.address()]),
    );
    Body::new()
        .block(layer_document())
        .block(FUNCTION.declare(function))
        .block(
            Resource::new("aws_lambda_permission", "api").declare(
                Body::new()
                    .attr("statement_id", "AllowInvokeFromApiGateway")
                    .attr("action", "lambda:InvokeFunction")
                    .attr("function_name", FUNCTION.attr("function_name"))
                    .attr("principal", "apigateway.amazonaws.com")
                    .attr(
                        "source_arn",
                        Expr::template("{}/*/*", vec![REST_API.attr("execution_arn")]),
                    ),
            ),
        )
}

/// The variables tapgen sets in the function's environment besides the user's: (name, value).
fn managed_variables() -> [(&'static str, Expr); 2] {
    [
        ("LOG_BUCKET_NAME", BUCKET.attr("id")),
        ("ENVIRONMENT", var("environment")),
    ]
}

fn tests(project: &Stack) -> Vec<Run> {
    let values: &Values = &project.values;
    let nested = |block: &'static str, attribute: &'static str| -> Expr {
        FUNCTION
            .traversal()
            .attr(block)
            .index(0)
            .attr(attribute)
            .into()
    };
    let mut environment: BTreeMap<String, Expr> = values
        .string_map(&ENVIRONMENT)
        .into_iter()
        .map(|(key, value)| (key, Expr::string(value)))
        .collect();
    // What the module passes for them, as the plan knows it: the bucket's id is mocked.
    environment.insert("LOG_BUCKET_NAME".to_owned(), BUCKET.attr("id"));
    environment.insert("ENVIRONMENT".to_owned(), Expr::string(&project.environment));
    let variables = nested("environment", "variables");
    let mode = if values.bool(&TRACING) {
        "Active"
    } else {
        "PassThrough"
    };
    let managed: Vec<&str> = managed_variables().iter().map(|(name, _)| *name).collect();
    let architecture = values.string(&ARCHITECTURE);
    let layer = values.bool(&LAYER);
    vec![Run::asserts(
        "function_follows_inputs",
        vec![
            follows(FUNCTION.attr("runtime"), &RUNTIME, project),
            follows(FUNCTION.attr("handler"), &HANDLER, project),
            follows(FUNCTION.attr("memory_size"), &MEMORY_MB, project),
            follows(FUNCTION.attr("timeout"), &TIMEOUT_S, project),
            follows(
                FUNCTION.attr("reserved_concurrent_executions"),
                &RESERVED_CONCURRENCY,
                project,
            ),
            (
                eq(
                    FUNCTION.attr("architectures"),
                    Expr::call("tolist", vec![Expr::strings([architecture.as_str()])]),
                ),
                format!(
                    "The function must run on {architecture}, as {} asks.",
                    crate::render::tftest::input_of(&ARCHITECTURE)
                )
                .into(),
            ),
            (
                eq(
                    Expr::call("length", vec![FUNCTION.attr("layers")]),
                    i64::from(layer),
                ),
                format!(
                    "The function must use {} layer, as the file's {LAYER_PACKAGE_PATH} asks.",
                    if layer { "the dependencies'" } else { "no" }
                )
                .into(),
            ),
            (
                eq(nested("tracing_config", "mode"), mode),
                format!("The function's tracing mode must be {mode}, as {TRACING_INPUT} asks.")
                    .into(),
            ),
            (
                eq(variables.clone(), string_map(environment)),
                showing(
                    &format!(
                        "The function's environment must be lambda_environment_variables plus {}.",
                        managed.join(" and ")
                    ),
                    Expr::call("jsonencode", vec![variables]),
                ),
            ),
        ],
    )]
}

/// The function's rules beyond each setting's own: the handler is `module.function`, and the
/// environment variables are Lambda's to take. (That the source folder holds the handler's
/// file is the package step's to find: see [`handler_file`].)
fn check(checker: &mut Checker<'_>, stack: &Stack) {
    let handler = stack.values.string(&HANDLER);
    let environment = stack.values.string_map(&ENVIRONMENT);
    if !is_handler(&handler) {
        checker.report(
            stack,
            &["lambda", "handler"],
            invalid(Named::Handler, &handler, None),
        );
    }
    for (name, value) in &environment {
        let key = ["lambda", "environment", name.as_str()];
        if !is_env_var_name(name) {
            checker.report(stack, &key, invalid(Named::VariableName, name, None));
        } else if MANAGED_VARIABLES.contains(&name.as_str())
            || name.starts_with("AWS_")
            || name.starts_with("LAMBDA_")
        {
            checker.report(
                stack,
                &key,
                Problem::ReservedVariable {
                    name: name.clone(),
                    managed: owned(MANAGED_VARIABLES),
                },
            );
        }
        if let Some(problem) = plain_text_secret(Holder::EnvironmentVariable(name.clone()), value) {
            checker.report(stack, &key, problem);
        }
    }
    // Lambda measures the variables it is given, tapgen's own included, as one JSON object.
    let mut all = environment;
    all.insert("LOG_BUCKET_NAME".to_owned(), stack.bucket_name());
    all.insert("ENVIRONMENT".to_owned(), stack.environment.clone());
    let size = serde_json::to_string(&all).map_or(0, |json| json.len());
    if size > aws::MAX_ENVIRONMENT_BYTES {
        checker.report(
            stack,
            &["lambda", "environment"],
            Problem::EnvironmentTooLarge {
                environment: stack.environment.clone(),
                bytes: size,
                limit: aws::MAX_ENVIRONMENT_BYTES,
            },
        );
    }
}

/// The file `stack`'s handler is in, relative to the source folder (`app/main.py` for
/// `app.main.run`), for a handler that is `module.function` at all. Whether it is there is
/// the package step's to find ([`crate::package::source`]): the checks read no files.
pub(crate) fn handler_file(stack: &Stack) -> Option<String> {
    let handler = stack.values.string(&HANDLER);
    if !is_handler(&handler) {
        return None;
    }
    let (module, _) = handler.rsplit_once('.')?;
    Some(format!("{}.py", module.replace('.', "/")))
}

fn is_handler(handler: &str) -> bool {
    let parts: Vec<&str> = handler.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|part| {
            part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

fn is_env_var_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handlers_are_dotted_python_names() {
        assert!(is_handler("handler.handler"));
        assert!(is_handler("app.main.run"));
        assert!(!is_handler("handler"));
        assert!(!is_handler("9app.run"));
    }
}
