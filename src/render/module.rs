//! The reusable module, `modules/<name>/`: one file per concern, in the layout of
//! terraform-aws-modules, plus a README and a runnable example.

use super::variables::{self, Variable};
use super::{
    AWS_PROVIDER_CONSTRAINT, REQUIRED_VERSION, alarms, apigateway, iam, lambda, logs, r, s3,
    terraform_block,
};
use crate::hcl::{Block, Body, Expr};
use crate::output::{Document, File};
use crate::stack::ModuleSpec;
use std::path::PathBuf;

/// The module's outputs: name, description and value.
pub fn outputs() -> Vec<(&'static str, &'static str, Expr)> {
    let mut outputs = vec![
        (
            "api_invoke_url",
            "URL that invokes the API's stage.",
            r("aws_api_gateway_stage.this.invoke_url"),
        ),
        (
            "api_id",
            "ID of the REST API.",
            r("aws_api_gateway_rest_api.this.id"),
        ),
        (
            "api_execution_arn",
            "Execution ARN of the REST API, for IAM policies that allow calling it.",
            r("aws_api_gateway_rest_api.this.execution_arn"),
        ),
        (
            "api_stage_name",
            "Name of the API's stage.",
            r("aws_api_gateway_stage.this.stage_name"),
        ),
        (
            "function_name",
            "Name of the Lambda function.",
            r("aws_lambda_function.this.function_name"),
        ),
        (
            "function_arn",
            "ARN of the Lambda function.",
            r("aws_lambda_function.this.arn"),
        ),
        (
            "function_role_arn",
            "ARN of the function's execution role.",
            r("aws_iam_role.lambda.arn"),
        ),
        (
            "bucket_name",
            "Name of the log bucket that receives request records.",
            r("aws_s3_bucket.logs.id"),
        ),
        (
            "bucket_arn",
            "ARN of the log bucket.",
            r("aws_s3_bucket.logs.arn"),
        ),
        (
            "lambda_log_group_name",
            "Name of the function's log group.",
            r("aws_cloudwatch_log_group.lambda.name"),
        ),
        (
            "api_access_log_group_name",
            "Name of the API's access-log group.",
            r("aws_cloudwatch_log_group.api_access.name"),
        ),
    ];
    outputs.push((
        "alarm_arns",
        "ARNs of the CloudWatch alarms, by alarm.",
        Expr::object(alarms::ALARMS.iter().map(|alarm| {
            (
                alarm.name,
                r(&format!("aws_cloudwatch_metric_alarm.{}.arn", alarm.name)),
            )
        })),
    ));
    outputs
}

fn versions() -> Body {
    Body::new().block(terraform_block(REQUIRED_VERSION))
}

fn main_document() -> Body {
    Body::new()
        .block(Block::new(
            "locals",
            &[],
            Body::new()
                .attr(
                    "name",
                    Expr::template("{}-{}", vec![r("var.project"), r("var.environment")]),
                )
                .comment("S3 bucket names must be lowercase.")
                .attr(
                    "bucket_name",
                    Expr::call(
                        "lower",
                        vec![Expr::template(
                            "{}-logs-{}",
                            vec![r("var.project"), r("var.environment")],
                        )],
                    ),
                )
                .attr(
                    "tags",
                    Expr::call(
                        "merge",
                        vec![
                            r("var.tags"),
                            Expr::object([
                                ("Project", r("var.project")),
                                ("Environment", r("var.environment")),
                                ("ManagedBy", Expr::string("tapgen")),
                            ]),
                        ],
                    ),
                ),
        ))
        .block(Block::new(
            "data",
            &["aws_partition", "current"],
            Body::new(),
        ))
}

fn outputs_document() -> Body {
    let mut body = Body::new();
    for (name, description, value) in outputs() {
        body.push_block(Block::new(
            "output",
            &[name],
            Body::new()
                .attr("description", description)
                .attr("value", value),
        ));
    }
    body
}

fn example(spec: &ModuleSpec) -> Body {
    Body::new()
        .block(terraform_block(REQUIRED_VERSION))
        .block(Block::new(
            "provider",
            &["aws"],
            Body::new().attr("region", "us-east-1"),
        ))
        .block(Block::new(
            "module",
            &[&spec.name.replace('-', "_")],
            Body::new()
                .attr("source", "../../")
                .blank()
                .attr("project", "example")
                .attr("environment", "dev")
                .attr(
                    "lambda_package_path",
                    Expr::template("{}/lambda.zip", vec![r("path.module")]),
                )
                .attr(
                    "tags",
                    Expr::object([("Owner", Expr::string("platform-team"))]),
                ),
        ))
        .block(Block::new(
            "output",
            &["api_invoke_url"],
            Body::new()
                .attr("description", "URL that invokes the API's stage.")
                .attr(
                    "value",
                    r(&format!(
                        "module.{}.api_invoke_url",
                        spec.name.replace('-', "_")
                    )),
                ),
        ))
}

fn readme(spec: &ModuleSpec) -> String {
    let inputs: Vec<minijinja::Value> = variables::variables()
        .iter()
        .map(|variable: &Variable| {
            minijinja::context! {
                name => variable.name,
                description => variable.description,
                type => variable.type_expr,
                default => variable.default.as_ref().map(crate::hcl::print::inline),
                required => variable.default.is_none(),
            }
        })
        .collect();
    let outputs: Vec<minijinja::Value> = outputs()
        .iter()
        .map(|(name, description, _)| minijinja::context! { name => *name, description => *description })
        .collect();
    crate::templates::render(
        "module-readme.md",
        minijinja::context! {
            name => spec.name.as_str(),
            namespace => spec.namespace.as_str(),
            version => spec.version.as_str(),
            provider_constraint => AWS_PROVIDER_CONSTRAINT,
            required_version => REQUIRED_VERSION,
            inputs => inputs,
            outputs => outputs,
        },
    )
}

/// The files of `modules/<name>/`, paths relative to the output folder.
pub fn files(spec: &ModuleSpec) -> Vec<File> {
    let dir = PathBuf::from("modules").join(&spec.name);
    let command = "tapgen module";
    let hcl = |name: &str, body: Body| File::new(dir.join(name), Document::Hcl(body), command);
    vec![
        hcl("versions.tf", versions()),
        hcl("main.tf", main_document()),
        hcl("variables.tf", variables::document()),
        hcl("outputs.tf", outputs_document()),
        hcl("s3.tf", s3::document()),
        hcl("logs.tf", logs::document(&spec.choices)),
        hcl("iam.tf", iam::document()),
        hcl("lambda.tf", lambda::document()),
        hcl("apigateway.tf", apigateway::document(&spec.choices)),
        hcl("alarms.tf", alarms::document()),
        hcl("examples/complete/main.tf", example(spec)),
        File::new(
            dir.join("README.md"),
            Document::Markdown(readme(spec)),
            command,
        ),
    ]
}
