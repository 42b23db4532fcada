//! The reusable module, `modules/<name>/`: one file per concern, in the layout of
//! terraform-aws-modules, a README whose tables are the ones terraform-docs writes, and two
//! examples (`minimal`, `complete`) that each plan as they stand.

use super::root::PACKAGE_FILE;
use super::variables;
use super::{
    REQUIRED_VERSION, alarms, apigateway, checkov_skips, diagram, docs, extend, iam, lambda, logs,
    module_source, r, s3, terraform_block,
};
use crate::error::Error;
use crate::hcl::{Block, Body, Expr};
use crate::output::{Document, File, SharedBytes};
use crate::stack::{ModuleSpec, Stack};
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

/// `module "<name>" { source = ...; version = ... }`: the call a root writes, with the
/// module's address from the config and every required input at the project's value.
fn usage(spec: &ModuleSpec, project: &Stack) -> Body {
    let (source, version) = module_source(spec);
    let mut body = Body::new()
        .attr("source", source)
        .opt_attr("version", version);
    body.push_blank();
    for variable in variables::variables() {
        if variable.default.is_none() {
            body.push_attr(variable.name, (variable.value)(project));
        }
    }
    Body::new().block(Block::new("module", &[&block_name(spec)], body))
}

/// The module block's name in examples and the usage snippet: the module's, as an identifier.
fn block_name(spec: &ModuleSpec) -> String {
    spec.name.replace('-', "_")
}

/// An example's input, with a default so that it plans as it stands.
fn example_variable(name: &str, type_expr: &str, description: &str, default: Expr) -> Block {
    Block::new(
        "variable",
        &[name],
        Body::new()
            .attr("description", description)
            .attr("type", Expr::raw(type_expr))
            .attr("default", default),
    )
}

fn example_common_variables(project: &Stack) -> Body {
    Body::new()
        .block(example_variable(
            "region",
            "string",
            "AWS region to deploy the example into.",
            Expr::string(&project.region),
        ))
        .block(example_variable(
            "project",
            "string",
            "Project name; prefixes every resource name. Change it to deploy the example next to the project's own environments.",
            Expr::string(&project.project),
        ))
}

fn example_provider() -> Block {
    Block::new(
        "provider",
        &["aws"],
        Body::new().attr("region", r("var.region")),
    )
}

/// Outputs of an example: the module's outputs named in `names`, passed through.
fn example_outputs(spec: &ModuleSpec, names: Option<&[&str]>) -> Body {
    let mut body = Body::new();
    for (name, description, _) in outputs() {
        if names.is_some_and(|names| !names.contains(&name)) {
            continue;
        }
        body.push_block(Block::new(
            "output",
            &[name],
            Body::new()
                .attr("description", description)
                .attr("value", r(&format!("module.{}.{name}", block_name(spec)))),
        ));
    }
    body
}

/// One example root: its files and what its README says about it.
struct Example {
    name: &'static str,
    summary: &'static str,
    /// What to know before deploying it.
    note: String,
    main: Body,
    variables: Body,
    outputs: Body,
}

fn minimal_example(spec: &ModuleSpec, project: &Stack) -> Example {
    let mut call = Body::new().attr("source", "../../");
    call.push_blank();
    for variable in variables::variables() {
        if variable.default.is_none() {
            call.push_attr(variable.name, (variable.example)(project));
        }
    }
    Example {
        name: "minimal",
        summary: "The module with its required inputs only: every other input keeps its default.",
        note: format!(
            "Its resources are named after `{}-{}`, like the project's own `{}` environment: set `project` to deploy both into one account.",
            project.project,
            crate::stack::DEFAULT_ENVIRONMENT,
            crate::stack::DEFAULT_ENVIRONMENT
        ),
        main: Body::new().block(example_provider()).block(Block::new(
            "module",
            &[&block_name(spec)],
            call,
        )),
        variables: example_common_variables(project),
        outputs: example_outputs(spec, Some(&["api_invoke_url", "bucket_name"])),
    }
}

fn complete_example(spec: &ModuleSpec, project: &Stack) -> Example {
    let mut call = Body::new().attr("source", "../../");
    call.push_blank();
    for variable in variables::variables() {
        call.push_attr(variable.name, (variable.example)(project));
    }
    let topic = extend(
        checkov_skips(&[(
            "CKV_AWS_26",
            "Encrypted with var.kms_key_arn when set; CloudWatch alarms cannot publish to a topic under the AWS managed aws/sns key",
        )]),
        Body::new()
            .attr(
                "name",
                Expr::template("{}-example-alarms", vec![r("var.project")]),
            )
            .attr("kms_master_key_id", r("var.kms_key_arn")),
    );
    let variables = Body::new()
        .block(example_variable(
            "kms_key_arn",
            "string",
            "KMS key ARN that encrypts the log groups, the log bucket and the alarm topic; null uses AWS managed encryption. Its key policy must let CloudWatch Logs and CloudWatch use it.",
            Expr::Null,
        ))
        .block(example_variable(
            "lambda_reserved_concurrency",
            "number",
            "Concurrent executions reserved for the function. AWS keeps at least 10 unreserved per account, so accounts with the minimum concurrency quota need -1.",
            Expr::Number(2),
        ))
        .block(example_variable(
            "manage_account_logging_role",
            "bool",
            "Controls whether the example manages the account-level API Gateway CloudWatch role. Set it to false where another stack in the account and region manages it.",
            Expr::Bool(true),
        ));
    let mut outputs = example_outputs(spec, None);
    outputs.push_block(Block::new(
        "output",
        &["alarm_topic_arn"],
        Body::new()
            .attr("description", "ARN of the SNS topic the alarms notify.")
            .attr("value", r("aws_sns_topic.alarms.arn")),
    ));
    Example {
        name: "complete",
        summary: "The module with every input set: KMS encryption (given a key), an SNS topic for the alarms, the account-level logging role, reserved concurrency and tuned thresholds.",
        note: format!(
            "Its resources are named after `{}-{}`. It manages the account-level API Gateway CloudWatch role: set `manage_account_logging_role = false` where another stack in the account and region does. Its reserved concurrency needs an account above the minimum concurrency quota (`lambda_reserved_concurrency = -1` otherwise).",
            project.project,
            crate::stack::EXAMPLE_ENVIRONMENT
        ),
        main: Body::new()
            .block(example_provider())
            .block(Block::resource("aws_sns_topic", "alarms", topic))
            .block(Block::new("module", &[&block_name(spec)], call)),
        variables: extend(example_common_variables(project), variables),
        outputs,
    }
}
/// A folder's `.tf` files as terraform-docs and the diagram read them: (file name, tree).
fn tf_files(files: &[(String, Body)]) -> Vec<(&str, &Body)> {
    files
        .iter()
        .map(|(name, body)| (name.as_str(), body))
        .collect()
}

fn readme(
    spec: &ModuleSpec,
    project: &Stack,
    tf: &[(String, Body)],
    examples: &[Example],
) -> Result<String, Error> {
    let files = tf_files(tf);
    let examples: Vec<minijinja::Value> = examples
        .iter()
        .map(|example| minijinja::context! { name => example.name, summary => example.summary })
        .collect();
    crate::templates::render(
        "module-readme.md",
        minijinja::context! {
            name => spec.name.as_str(),
            namespace => spec.namespace.as_str(),
            version => spec.version.as_str(),
            diagram => diagram::mermaid(&files),
            usage => crate::hcl::print(&usage(spec, project)).trim_end(),
            examples => examples,
            terraform_docs => docs::section(&files),
        },
    )
}

fn example_readme(
    spec: &ModuleSpec,
    example: &Example,
    tf: &[(String, Body)],
) -> Result<String, Error> {
    crate::templates::render(
        "example-readme.md",
        minijinja::context! {
            module => spec.name.as_str(),
            name => example.name,
            summary => example.summary,
            note => example.note.as_str(),
            terraform_docs => docs::section(&tf_files(tf)),
        },
    )
}

/// The `.terraform-docs.yml` beside a README: terraform-docs reads it from the folder it
/// documents, and with it writes exactly the section [`docs::section`] renders.
fn terraform_docs_config(dir: &std::path::Path, command: &str) -> File {
    File::new(
        dir.join(docs::CONFIG_FILE),
        Document::Yaml(docs::CONFIG.to_owned()),
        command,
    )
}

/// The module's `.tf` files: (file name, tree), in the order they are written.
fn module_tf(spec: &ModuleSpec) -> Vec<(String, Body)> {
    [
        ("versions.tf", versions()),
        ("main.tf", main_document()),
        ("variables.tf", variables::document()),
        ("outputs.tf", outputs_document()),
        ("s3.tf", s3::document()),
        ("logs.tf", logs::document(&spec.choices)),
        ("iam.tf", iam::document()),
        ("lambda.tf", lambda::document()),
        ("apigateway.tf", apigateway::document(&spec.choices)),
        ("alarms.tf", alarms::document()),
    ]
    .into_iter()
    .map(|(name, body)| (name.to_owned(), body))
    .collect()
}

/// The files of `modules/<name>/`, paths relative to the output folder. `project` is the
/// project's own values ([`crate::stack::project_stack`]) and `package` its Lambda package,
/// which each example carries so that it plans as it stands. Fails only on a bug in tapgen
/// (a README template that does not render), before anything is written.
pub fn files(
    spec: &ModuleSpec,
    project: &Stack,
    package: &SharedBytes,
) -> Result<Vec<File>, Error> {
    let dir = PathBuf::from("modules").join(&spec.name);
    let command = "tapgen module";
    let tf = module_tf(spec);
    let examples = [
        minimal_example(spec, project),
        complete_example(spec, project),
    ];
    let mut files: Vec<File> = tf
        .iter()
        .map(|(name, body)| File::new(dir.join(name), Document::Hcl(body.clone()), command))
        .collect();
    files.push(File::new(
        dir.join("README.md"),
        Document::Markdown(readme(spec, project, &tf, &examples)?),
        command,
    ));
    files.push(terraform_docs_config(&dir, command));
    for example in &examples {
        let example_dir = dir.join("examples").join(example.name);
        let example_tf: Vec<(String, Body)> = [
            ("versions.tf", versions()),
            ("main.tf", example.main.clone()),
            ("variables.tf", example.variables.clone()),
            ("outputs.tf", example.outputs.clone()),
        ]
        .into_iter()
        .map(|(name, body)| (name.to_owned(), body))
        .collect();
        files.extend(example_tf.iter().map(|(name, body)| {
            File::new(example_dir.join(name), Document::Hcl(body.clone()), command)
        }));
        files.push(File::new(
            example_dir.join(PACKAGE_FILE),
            Document::Zip(package.clone()),
            command,
        ));
        files.push(File::new(
            example_dir.join("README.md"),
            Document::Markdown(example_readme(spec, example, &example_tf)?),
            command,
        ));
        files.push(terraform_docs_config(&example_dir, command));
    }
    Ok(files)
}
