//! The reusable module, `modules/<name>/`: one file per concern, in the layout of
//! terraform-aws-modules, a README whose tables are the ones terraform-docs writes, and two
//! examples (`minimal`, `complete`) that each plan as they stand.

use super::variables;
use super::{PackageRefs, Packages};
use super::{
    REQUIRED_VERSION, checkov_skips, diagram, docs, extend, terraform_block, usage_source,
};
use crate::error::Error;
use crate::family::iam::PARTITION;
use crate::hcl::reference::{ModuleCall, Resource, var};
use crate::hcl::{Block, Body, Expr, Ident, TypeExpr};
use crate::layout::{MANAGED_BY, MODULES_DIR};
use crate::output::{Document, File};
use crate::stack::{ModuleSpec, Stack};
use std::path::PathBuf;

/// The SNS topic `examples/complete` creates for the alarms to notify.
pub(crate) const ALARM_TOPIC: Resource = Resource::new("aws_sns_topic", "alarms");

/// The AWS services the examples' own resources call: SNS, for [`ALARM_TOPIC`].
pub(crate) const EXAMPLE_SERVICES: &[&str] = &["sns"];

/// The module's outputs: name, description and value, from the families.
pub fn outputs() -> Vec<crate::family::Output> {
    crate::family::outputs()
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
                    Expr::template("{}-{}", vec![var("project"), var("environment")]),
                )
                .comment("S3 bucket names must be lowercase.")
                .attr(
                    "bucket_name",
                    Expr::call(
                        "lower",
                        vec![Expr::template(
                            "{}-logs-{}",
                            vec![var("project"), var("environment")],
                        )],
                    ),
                )
                .attr(
                    "tags",
                    Expr::call(
                        "merge",
                        vec![
                            var("tags"),
                            Expr::object([
                                ("Project", var("project")),
                                ("Environment", var("environment")),
                                (MANAGED_BY.0, Expr::string(MANAGED_BY.1)),
                            ]),
                        ],
                    ),
                ),
        ))
        .block(PARTITION.declare(Body::new()))
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
fn usage(spec: &ModuleSpec, call: &ModuleCall, project: &Stack) -> Body {
    let (source, version) = usage_source(spec);
    let mut body = Body::new()
        .attr("source", source)
        .opt_attr("version", version);
    body.push_blank();
    for variable in variables::variables() {
        if variable.default.is_none() {
            body.push_attr(
                variable.name,
                variable.value(project, &PackageRefs::placeholder()),
            );
        }
    }
    Body::new().block(call.declare(body))
}

/// The module block in examples and the usage snippet: named after the module, as an
/// identifier. Config validation allows only lowercase letters, digits and hyphens in the
/// name, so this cannot fail unless those rules change; if they do, it is an error here.
fn module_call(spec: &ModuleSpec) -> Result<ModuleCall, Error> {
    Ident::try_new(spec.name.replace('-', "_"))
        .map(ModuleCall::named)
        .map_err(|invalid| {
            Error::usage(
                format!(
                    "module name `{}` cannot name the module block of the examples: {invalid}",
                    spec.name
                ),
                "use lowercase letters, digits and hyphens in `module.name`, starting with a letter"
                    .to_owned(),
            )
        })
}

/// An example's input, with a default so that it plans as it stands.
fn example_variable(
    name: &'static str,
    type_expr: TypeExpr,
    description: &str,
    default: Expr,
) -> Block {
    Block::new(
        "variable",
        &[name],
        Body::new()
            .attr("description", description)
            .attr("type", type_expr)
            .attr("default", default),
    )
}

fn example_common_variables(project: &Stack) -> Body {
    Body::new()
        .block(example_variable(
            "region",
            TypeExpr::String,
            "AWS region to deploy the example into.",
            Expr::string(project.region()),
        ))
        .block(example_variable(
            "project",
            TypeExpr::String,
            "Project name; prefixes every resource name. Change it to deploy the example next to the project's own environments.",
            Expr::string(&project.project),
        ))
}

fn example_provider() -> Block {
    Block::new(
        "provider",
        &["aws"],
        Body::new().attr("region", var("region")),
    )
}

/// The module's outputs that `keep` keeps, each passed through from `call` under its own
/// name and description: an example's outputs and an environment root's.
pub(crate) fn passed_outputs(call: &ModuleCall, keep: impl Fn(&str) -> bool) -> Body {
    let mut body = Body::new();
    for (name, description, _) in outputs() {
        if keep(name) {
            body.push_block(Block::new(
                "output",
                &[name],
                Body::new()
                    .attr("description", description)
                    .attr("value", call.output(name)),
            ));
        }
    }
    body
}

/// Outputs of an example: the module's outputs named in `names`, passed through.
fn example_outputs(call: &ModuleCall, names: Option<&[&str]>) -> Body {
    passed_outputs(call, |name| names.is_none_or(|names| names.contains(&name)))
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

fn minimal_example(module: &ModuleCall, project: &Stack, packages: &PackageRefs) -> Example {
    let mut call = Body::new().attr("source", "../../");
    call.push_blank();
    for variable in variables::variables() {
        if variable.default.is_none() {
            call.push_attr(variable.name, variable.example(project, packages));
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
        main: Body::new()
            .block(example_provider())
            .block(module.declare(call)),
        variables: example_common_variables(project),
        outputs: example_outputs(module, Some(&["api_invoke_url", "bucket_name"])),
    }
}

/// The SNS topic of `examples/complete`, which its alarms notify.
fn alarm_topic() -> Block {
    ALARM_TOPIC.declare(extend(
        checkov_skips(&[(
            "CKV_AWS_26",
            "Encrypted with var.kms_key_arn when set; CloudWatch alarms cannot publish to a topic under the AWS managed aws/sns key",
        )]),
        Body::new()
            .attr(
                "name",
                Expr::template("{}-example-alarms", vec![var("project")]),
            )
            .attr("kms_master_key_id", var("kms_key_arn")),
    ))
}

/// The provider's resource and data source types the module and its examples declare,
/// whatever the config: `resource TYPE` and `data TYPE`, sorted. What the provider schema
/// snapshot holds (`scripts/snapshot-provider-schema.sh` reads `tapgen __families
/// provider-types`).
pub fn provider_types() -> std::collections::BTreeSet<String> {
    let mut bodies = vec![main_document(), Body::new().block(alarm_topic())];
    bodies.extend(
        crate::family::documents(&[])
            .into_iter()
            .map(|(_, body)| body),
    );
    let mut types = std::collections::BTreeSet::new();
    for body in &bodies {
        for item in &body.items {
            if let crate::hcl::Item::Block(block) = item
                && matches!(block.ident.as_str(), "resource" | "data")
                && let Some(kind) = block.labels.first()
            {
                types.insert(format!("{} {kind}", block.ident));
            }
        }
    }
    types
}

/// Inputs that no value in an example can turn on honestly (a certificate only the user
/// has): their example is `var.<the input's own name>`, and the example declares that input
/// too, as the module does (type, description, default), unless `declared` already does.
fn passed_through(declared: &Body, project: &Stack, packages: &PackageRefs) -> Body {
    let names: Vec<String> = declared
        .items
        .iter()
        .filter_map(|item| match item {
            crate::hcl::Item::Block(block) if block.ident.as_str() == "variable" => {
                block.labels.first().map(ToString::to_string)
            }
            _ => None,
        })
        .collect();
    let mut body = Body::new();
    for variable in variables::variables() {
        if variable.example(project, packages) == var(variable.name)
            && !names.iter().any(|name| name == variable.name)
        {
            body.push_block(example_variable(
                variable.name,
                variable.type_expr.clone(),
                variable.description,
                variable.default.clone().unwrap_or(Expr::Null),
            ));
        }
    }
    body
}

fn complete_example(module: &ModuleCall, project: &Stack, packages: &PackageRefs) -> Example {
    let mut call = Body::new().attr("source", "../../");
    call.push_blank();
    for variable in variables::variables() {
        call.push_attr(variable.name, variable.example(project, packages));
    }
    let variables = Body::new()
        .block(example_variable(
            "kms_key_arn",
            TypeExpr::String,
            "KMS key ARN that encrypts the log groups, the log bucket and the alarm topic; null uses AWS managed encryption. Its key policy must let CloudWatch Logs and CloudWatch use it.",
            Expr::Null,
        ))
        .block(example_variable(
            "lambda_reserved_concurrency",
            TypeExpr::Number,
            "Concurrent executions reserved for the function. AWS keeps at least 10 unreserved per account, so accounts with the minimum concurrency quota need -1.",
            Expr::Number(2),
        ))
        .block(example_variable(
            "manage_account_logging_role",
            TypeExpr::Bool,
            "Controls whether the example manages the account-level API Gateway CloudWatch role. Set it to false where another stack in the account and region manages it.",
            Expr::Bool(true),
        ));
    let variables = extend(example_common_variables(project), variables);
    let own = passed_through(&variables, project, packages);
    let variables = extend(variables, own);
    let mut outputs = example_outputs(module, None);
    outputs.push_block(Block::new(
        "output",
        &["alarm_topic_arn"],
        Body::new()
            .attr("description", "ARN of the SNS topic the alarms notify.")
            .attr("value", ALARM_TOPIC.attr("arn")),
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
            .block(alarm_topic())
            .block(module.declare(call)),
        variables,
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
    call: &ModuleCall,
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
            usage => crate::hcl::print(&usage(spec, call, project)).trim_end(),
            examples => examples,
            terraform_docs => docs::section(&files),
            tests => super::tftest::readme(),
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

/// The module's `.tf` files: (file name, tree), in the order they are written: its own,
/// then each family's.
fn module_tf(spec: &ModuleSpec) -> Vec<(String, Body)> {
    [
        ("versions.tf", versions()),
        ("main.tf", main_document()),
        ("variables.tf", variables::document()),
        ("outputs.tf", outputs_document()),
    ]
    .into_iter()
    .chain(crate::family::documents(&spec.environments))
    .map(|(name, body)| (name.to_owned(), body))
    .collect()
}

/// The files of `modules/<name>/`, paths relative to the output folder. `project` is the
/// project's own values ([`crate::stack::Resolved::project`]) and `packages` hold its Lambda package,
/// which each example carries so that it plans as it stands. Fails only on a bug in tapgen
/// (a README template that does not render), before anything is written.
pub fn files(spec: &ModuleSpec, project: &Stack, packages: &Packages) -> Result<Vec<File>, Error> {
    let package = packages.of(project)?;
    let dir = PathBuf::from(MODULES_DIR).join(&spec.name);
    // Both examples sit two folders down, and reference the project's package where every
    // root does: written once, beside `modules/`.
    let refs = PackageRefs::of(package, &dir.join("examples").join("minimal"));
    let command = "tapgen module";
    let tf = module_tf(spec);
    let call = module_call(spec)?;
    let examples = [
        minimal_example(&call, project, &refs),
        complete_example(&call, project, &refs),
    ];
    let mut files: Vec<File> = tf
        .iter()
        .map(|(name, body)| File::new(dir.join(name), Document::Hcl(body.clone()), command))
        .collect();
    for (name, body) in super::tftest::files(project)? {
        files.push(File::new(dir.join(name), Document::Hcl(body), command));
    }
    files.push(File::new(
        dir.join("README.md"),
        Document::Markdown(readme(spec, &call, project, &tf, &examples)?),
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
            example_dir.join("README.md"),
            Document::Markdown(example_readme(spec, example, &example_tf)?),
            command,
        ));
        files.push(terraform_docs_config(&example_dir, command));
    }
    super::checked(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An input whose example is the example's own input of that name is declared there,
    /// once: `manage_account_logging_role` is, by hand, with a default of its own.
    #[test]
    fn an_input_passed_through_is_declared_by_the_example_once() {
        let (resolved, _) = crate::render::tests::default_resolved();
        let names = |body: &Body| -> Vec<String> {
            body.items
                .iter()
                .filter_map(|item| match item {
                    crate::hcl::Item::Block(block) => block.labels.first().map(ToString::to_string),
                    _ => None,
                })
                .collect()
        };
        let own = passed_through(&Body::new(), &resolved.project, &PackageRefs::placeholder());
        assert!(names(&own).contains(&"manage_account_logging_role".to_owned()));
        let declared = Body::new().block(example_variable(
            "manage_account_logging_role",
            TypeExpr::Bool,
            "x",
            Expr::Bool(true),
        ));
        let own = passed_through(&declared, &resolved.project, &PackageRefs::placeholder());
        assert!(!names(&own).contains(&"manage_account_logging_role".to_owned()));
    }

    #[test]
    fn a_module_name_that_cannot_name_a_block_is_an_error_not_a_panic() {
        let (resolved, packages) = crate::render::tests::default_resolved();
        let mut spec = resolved.module.clone();
        // Validation refuses such names; this is the renderer's own guard behind it.
        spec.name = "9lives".to_owned();
        let error = files(&spec, &resolved.project, &packages)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(error.contains("module name `9lives`"), "{error}");
        assert!(
            error.contains("`9lives` is not an HCL identifier"),
            "{error}"
        );
    }
}
