//! The function and the permission that lets this API, and only this API, invoke it.

use super::{checkov_skips, extend, r, tagged};
use crate::hcl::{Block, Body, Expr};

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
                .attr("function_name", r("local.name"))
                .attr("description", Expr::template("API handler of {} ({})", vec![r("var.project"), r("var.environment")]))
                .attr("role", r("aws_iam_role.lambda.arn"))
                .attr("runtime", r("var.lambda_runtime"))
                .attr("handler", r("var.lambda_handler"))
                .attr("filename", r("var.lambda_package_path"))
                .attr("source_code_hash", Expr::call("filebase64sha256", vec![r("var.lambda_package_path")]))
                .attr("memory_size", r("var.lambda_memory_size"))
                .attr("timeout", r("var.lambda_timeout"))
                .attr("reserved_concurrent_executions", r("var.lambda_reserved_concurrency")),
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
                    r("var.lambda_environment_variables"),
                    Expr::object([
                        ("LOG_BUCKET_NAME", r("aws_s3_bucket.logs.id")),
                        ("ENVIRONMENT", r("var.environment")),
                    ]),
                ],
            ),
        ),
    ))
    .block(Block::new(
        "tracing_config",
        &[],
        Body::new().attr("mode", Expr::raw("var.lambda_tracing_enabled ? \"Active\" : \"PassThrough\"")),
    ))
    .comment("Logs go to a group this module creates first, with retention, never to one Lambda creates.")
    .block(Block::new(
        "logging_config",
        &[],
        Body::new()
            .attr("log_format", "JSON")
            .attr("log_group", r("aws_cloudwatch_log_group.lambda.name")),
    ))
    .blank()
    .attr(
        "depends_on",
        Expr::Tuple(vec![r("aws_iam_role_policy.lambda"), r("aws_cloudwatch_log_group.lambda")]),
    );
    Body::new()
        .block(Block::resource("aws_lambda_function", "this", function))
        .block(Block::resource(
            "aws_lambda_permission",
            "api",
            Body::new()
                .attr("statement_id", "AllowInvokeFromApiGateway")
                .attr("action", "lambda:InvokeFunction")
                .attr("function_name", r("aws_lambda_function.this.function_name"))
                .attr("principal", "apigateway.amazonaws.com")
                .attr(
                    "source_arn",
                    Expr::template(
                        "{}/*/*",
                        vec![r("aws_api_gateway_rest_api.this.execution_arn")],
                    ),
                ),
        ))
}
