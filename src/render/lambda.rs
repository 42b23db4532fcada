//! The function and the permission that lets this API, and only this API, invoke it.

use super::apigateway::REST_API;
use super::iam::{LAMBDA_ROLE, LAMBDA_ROLE_POLICY};
use super::logs::LAMBDA_LOGS;
use super::s3::BUCKET;
use super::{checkov_skips, extend, tagged};
use crate::hcl::reference::{Resource, local, var};
use crate::hcl::{Block, Body, Expr};

/// The API's handler.
pub(crate) const FUNCTION: Resource = Resource::new("aws_lambda_function", "this");

pub fn document() -> Body {
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
                .attr("handler", var("lambda_handler"))
                .attr("filename", var("lambda_package_path"))
                .attr("source_code_hash", Expr::call("filebase64sha256", vec![var("lambda_package_path")]))
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
                    Expr::object([
                        ("LOG_BUCKET_NAME", BUCKET.attr("id")),
                        ("ENVIRONMENT", var("environment")),
                    ]),
                ],
            ),
        ),
    ))
    .block(Block::new(
        "tracing_config",
        &[],
        Body::new().attr("mode", Expr::cond(var("lambda_tracing_enabled"), "Active", "PassThrough")),
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
    Body::new().block(FUNCTION.declare(function)).block(
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
