//! The module's test suite, `tests/`, generated from the same model as the module, that
//! `tofu test` runs offline against a mocked aws provider.
//!
//! Each family declares its own runs and mocks ([`crate::family::Tests`]); here they are
//! assembled into one file per family, `tests/<family>.tofutest.hcl`, plus
//! `tests/variables.tofutest.hcl`, which holds one run per input with a `validation`: it
//! passes the value the input's rule refuses ([`crate::render::variables::Variable::rejected`])
//! and expects exactly that input to fail. Every run plans the module (`command = plan`)
//! with the inputs the project's own values give it, as the examples take them.
//!
//! Each file is written twice, from one tree: `<file>.tofutest.hcl`, which OpenTofu runs
//! (and for which it skips the `.tftest.hcl` of the same name), and `<file>.tftest.hcl` for
//! Terraform, whose mocks leave computed values unknown during a plan unless the mock says
//! `override_during = plan`, an argument OpenTofu refuses.

use super::PackageRefs;
use super::variables::{self, Variable};
use crate::error::Error;
use crate::family::setting::Setting;
use crate::family::{FAMILIES, lambda};
use crate::hcl::reference::{DataSource, Resource, var};
use crate::hcl::{BinaryOp, Block, Body, Expr, Ident, Item, TemplatePart, Traversal};
use crate::stack::Stack;
use std::collections::BTreeMap;

/// The folder `tofu test` and `terraform test` read by default.
pub const DIR: &str = "tests";

/// The file of the inputs' validation runs, named after the module's `variables.tf`.
const VARIABLES_FILE: &str = "variables";

/// What the README says the validation runs check.
const VARIABLES_SUMMARY: &str =
    "each input with a `validation` block, given a value its rule refuses, is rejected";

/// What the runs pass for a Lambda package, relative to the module's folder (where
/// `tofu test` runs): a file every module has.
const PACKAGE_STAND_IN: &str = "main.tf";

/// The package files the suite's plans are given: a plan only hashes a package, so any file
/// of the module stands in for the function's and, where the project has one, the layer's.
fn stand_ins(project: &Stack) -> PackageRefs {
    let stand_in = || Expr::string(PACKAGE_STAND_IN);
    PackageRefs {
        function: stand_in(),
        layer: project.values.bool(&lambda::LAYER).then(stand_in),
    }
}

/// The account every mocked ARN names: AWS's own documentation account.
pub(crate) const MOCK_ACCOUNT: &str = "123456789012";

/// One `run` block: its name, the inputs it sets over the file's, and what it checks.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    name: String,
    inputs: Vec<(&'static str, Expr)>,
    body: RunBody,
}

#[derive(Debug, Clone)]
enum RunBody {
    /// `assert` blocks: (condition, message).
    Asserts(Vec<(Expr, Expr)>),
    /// `expect_failures`: the input whose validation must reject the run's inputs.
    Rejects(&'static str),
}

impl Run {
    /// A run of `assert`s: (condition, message), the message a string or a template.
    pub(crate) fn asserts<M: Into<Expr>>(name: impl Into<String>, asserts: Vec<(Expr, M)>) -> Self {
        Self {
            name: name.into(),
            inputs: Vec::new(),
            body: RunBody::Asserts(
                asserts
                    .into_iter()
                    .map(|(condition, message)| (condition, message.into()))
                    .collect(),
            ),
        }
    }

    /// The same run with `inputs` set over the file's.
    pub(crate) fn with(mut self, inputs: Vec<(&'static str, Expr)>) -> Self {
        self.inputs = inputs;
        self
    }

    /// The run that passes `variable` the value its rule refuses and expects its
    /// validation to fail; `None` for an input without one.
    fn rejects(variable: &Variable) -> Option<Self> {
        Some(Self {
            name: format!("{}_rejects_a_bad_value", variable.name),
            inputs: vec![(variable.name, variable.rejected.clone()?)],
            body: RunBody::Rejects(variable.name),
        })
    }

    fn block(self) -> Result<Block, Error> {
        let label = Ident::try_new(self.name).map_err(|invalid| {
            Error::internal(format!(
                "a `run` of the module's tests is misnamed: {invalid}"
            ))
        })?;
        let mut body = Body::new().attr("command", keyword("plan"));
        if !self.inputs.is_empty() {
            let mut inputs = Body::new();
            for (name, value) in self.inputs {
                inputs.push_attr(name, value);
            }
            body.push_block(Block::new("variables", &[], inputs));
        }
        match self.body {
            RunBody::Asserts(asserts) => {
                for (condition, message) in asserts {
                    body.push_block(Block::new(
                        "assert",
                        &[],
                        Body::new()
                            .attr("condition", condition)
                            .attr("error_message", message),
                    ));
                }
            }
            RunBody::Rejects(variable) => {
                body.push_attr("expect_failures", Expr::Tuple(vec![var(variable)]))
            }
        }
        Ok(Block::labelled("run", vec![label], body))
    }
}

/// What the mocked provider gives every resource (or data source) of one type, for the
/// attributes a plan would otherwise leave random or unknown.
#[derive(Debug, Clone)]
pub(crate) struct Mock {
    /// `mock_resource` or `mock_data`.
    block: &'static str,
    kind: Ident,
    defaults: Vec<(&'static str, String)>,
}

impl Mock {
    /// Every resource of `resource`'s type gets `defaults`.
    pub(crate) fn resource(resource: &Resource, defaults: Vec<(&'static str, String)>) -> Self {
        Self {
            block: "mock_resource",
            kind: resource.kind().clone(),
            defaults,
        }
    }

    /// Every data source of `data`'s type reads `defaults`.
    pub(crate) fn data(data: &DataSource, defaults: Vec<(&'static str, String)>) -> Self {
        Self {
            block: "mock_data",
            kind: data.kind().clone(),
            defaults,
        }
    }

    fn block(&self) -> Block {
        Block::labelled(
            self.block,
            vec![self.kind.clone()],
            Body::new().attr(
                "defaults",
                Expr::object(
                    self.defaults
                        .iter()
                        .map(|(key, value)| (*key, Expr::string(value))),
                ),
            ),
        )
    }
}

/// Which tool a file is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    OpenTofu,
    Terraform,
}

impl Runner {
    /// The file's extension: OpenTofu reads `.tofutest.hcl` and skips a `.tftest.hcl` of the
    /// same name; Terraform reads only `.tftest.hcl`.
    pub fn extension(self) -> &'static str {
        match self {
            Runner::OpenTofu => "tofutest.hcl",
            Runner::Terraform => "tftest.hcl",
        }
    }
}

/// A family's file stem: its module file's, `s3` for `s3.tf`.
fn stem(file: &'static str) -> &'static str {
    file.strip_suffix(".tf").unwrap_or(file)
}

/// The suite's files, (file stem, what its runs check, its runs): each family's, then the
/// inputs' validation runs.
fn suites(project: &Stack) -> Vec<(&'static str, &'static str, Vec<Run>)> {
    let mut suites: Vec<_> = FAMILIES
        .iter()
        .map(|family| {
            (
                stem(family.file.0),
                family.tests.summary,
                (family.tests.runs)(project),
            )
        })
        .collect();
    let rejects = variables::variables()
        .iter()
        .filter_map(Run::rejects)
        .collect();
    suites.push((VARIABLES_FILE, VARIABLES_SUMMARY, rejects));
    suites
}

/// The suite's files, by stem, and what their runs check: one per family, then the inputs'.
fn summaries() -> Vec<(&'static str, &'static str)> {
    FAMILIES
        .iter()
        .map(|family| (stem(family.file.0), family.tests.summary))
        .chain([(VARIABLES_FILE, VARIABLES_SUMMARY)])
        .collect()
}

/// The stems of the suite's files: each is `tests/<stem>.tofutest.hcl` and its
/// `.tftest.hcl` twin.
pub fn stems() -> Vec<&'static str> {
    summaries().into_iter().map(|(stem, _)| stem).collect()
}

/// What the README says of the suite: one (file stem, what its runs check) per file.
pub fn readme() -> Vec<minijinja::Value> {
    summaries()
        .into_iter()
        .map(|(name, summary)| minijinja::context! { name => name, summary => summary })
        .collect()
}

/// The suite's files: (path inside the module, tree), each file for each tool.
pub fn files(project: &Stack) -> Result<Vec<(String, Body)>, Error> {
    let mocks: Vec<Mock> = FAMILIES
        .iter()
        .flat_map(|family| (family.tests.mocks)(project))
        .collect();
    let inputs = file_inputs(project);
    let mut files = Vec::new();
    for (name, _, runs) in suites(project) {
        let runs = runs
            .into_iter()
            .map(Run::block)
            .collect::<Result<Vec<_>, _>>()?;
        for runner in [Runner::OpenTofu, Runner::Terraform] {
            let mut body = Body::new()
                .block(mock_provider(&mocks, runner))
                .block(inputs.clone());
            for run in &runs {
                body.push_block(run.clone());
            }
            files.push((format!("{DIR}/{name}.{}", runner.extension()), body));
        }
    }
    Ok(files)
}

/// Every reference in `suite_file` (one file of the suite) that names nothing `module`
/// (the module's `.tf` files) declares, each as a sentence: the suite's references resolve
/// against the module it tests. The keywords `command` and `override_during` take are left
/// out: they are not references.
pub fn unresolved(module: &[&Body], suite_file: &Body) -> Vec<String> {
    let suite_file = without_keywords(suite_file);
    let mut folder = module.to_vec();
    folder.push(&suite_file);
    crate::hcl::reference::unresolved(&folder)
}

/// The attributes that hold a keyword, such as `command = plan`.
const KEYWORD_ATTRIBUTES: &[&str] = &["command", "override_during"];

fn without_keywords(body: &Body) -> Body {
    let items = body
        .items
        .iter()
        .filter(|item| {
            !matches!(item, Item::Attribute(attr) if KEYWORD_ATTRIBUTES.contains(&attr.key.as_str()))
        })
        .map(|item| match item {
            Item::Block(block) => Item::Block(Block {
                body: without_keywords(&block.body),
                ..block.clone()
            }),
            other => other.clone(),
        })
        .collect();
    Body { items }
}

/// `plan`, `apply`: the keywords `command` and `override_during` take.
fn keyword(name: &'static str) -> Expr {
    Traversal::new(Ident::known(name)).into()
}

/// The aws provider, mocked: no credentials, no calls to AWS. The provider still checks
/// ARNs during a plan, and a mock's random strings are not ARNs, so the families give the
/// attributes other resources take, and those their asserts read, values of the right shape.
fn mock_provider(mocks: &[Mock], runner: Runner) -> Block {
    let mut body = Body::new();
    if runner == Runner::Terraform {
        body = body
            .comment("Terraform leaves mocked values unknown during a plan without this.")
            .attr("override_during", keyword("plan"))
            .blank();
    }
    for mock in mocks {
        body.push_block(mock.block());
    }
    Block::new("mock_provider", &["aws"], body)
}

/// The file's inputs: the values the project's own config gives every input, as the
/// environment roots pass them.
fn file_inputs(project: &Stack) -> Block {
    let packages = stand_ins(project);
    let mut body = Body::new().comment(
        "A plan only hashes the Lambda packages: a file of the module stands in for them.",
    );
    for variable in variables::variables() {
        body.push_attr(variable.name, variable.value(project, &packages));
    }
    Block::new("variables", &[], body)
}

/// The inputs whose values differ between `project` and `other`, with `other`'s values:
/// what a run sets to plan the module for `other`.
pub(crate) fn inputs_for(project: &Stack, other: &Stack) -> Vec<(&'static str, Expr)> {
    variables::variables()
        .into_iter()
        .filter_map(|variable| {
            let value = variable.value(other, &stand_ins(other));
            (value != variable.value(project, &stand_ins(project)))
                .then_some((variable.name, value))
        })
        .collect()
}

/// An ARN of `service` in the project's region and the mock account.
pub(crate) fn arn(project: &Stack, service: &str, resource: &str) -> String {
    format!(
        "arn:aws:{service}:{}:{MOCK_ACCOUNT}:{resource}",
        project.region()
    )
}

/// `lhs == rhs`
pub(crate) fn eq(lhs: impl Into<Expr>, rhs: impl Into<Expr>) -> Expr {
    Expr::binary(lhs, BinaryOp::Eq, rhs)
}

/// `message` and then the value it is about, as the failing plan has it.
pub(crate) fn showing(message: &str, value: Expr) -> Expr {
    Expr::Template(vec![
        TemplatePart::Literal(format!("{message} It is ")),
        TemplatePart::Interpolation(value),
        TemplatePart::Literal(".".to_owned()),
    ])
}

/// `tomap({...})`: an object literal compares equal only to an object, never to a map.
pub(crate) fn string_map(entries: BTreeMap<String, Expr>) -> Expr {
    Expr::call("tomap", vec![Expr::object(entries)])
}

/// The statements of a `jsonencode`d policy document.
pub(crate) fn statements(policy: Expr) -> Expr {
    Expr::call("jsondecode", vec![policy]).get("Statement")
}

/// `flatten([value])`: an IAM `Action` or `Resource` as a list, written as one string or many.
pub(crate) fn as_list(value: Expr) -> Expr {
    Expr::call("flatten", vec![Expr::Tuple(vec![value])])
}

/// How a message shows an expression: `aws_s3_bucket.logs`, `"python3.12"`.
pub(crate) fn shown(expr: &Expr) -> String {
    crate::hcl::print::inline(expr)
}

/// The name of the module input that carries `setting` (its key if it has none).
pub(crate) fn input_of(setting: &Setting) -> &'static str {
    setting.input.map_or(setting.key, |input| input.name)
}

/// The value the file passes `setting`'s module input for `project`.
pub(crate) fn passed(setting: &'static Setting, project: &Stack) -> Expr {
    variables::of_setting(setting).map_or(Expr::Null, |variable| {
        variable.value(project, &stand_ins(project))
    })
}

/// The assert that `actual` is what `project` passes `setting`'s input: (condition,
/// message naming both and the value the plan has, as JSON: a template refuses `null`).
pub(crate) fn follows(actual: Expr, setting: &'static Setting, project: &Stack) -> (Expr, Expr) {
    let expected = passed(setting, project);
    let message = format!(
        "{} must be {}, as {} asks.",
        shown(&actual),
        shown(&expected),
        input_of(setting)
    );
    let json = Expr::call("jsonencode", vec![actual.clone()]);
    (eq(actual, expected), showing(&message, json))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Document, File};
    use std::collections::BTreeSet;
    use std::path::Path;

    fn default_project() -> Stack {
        crate::render::tests::default_resolved().0.project
    }

    fn module_render() -> Vec<File> {
        let (resolved, packages) = crate::render::tests::default_resolved();
        super::super::module::files(&resolved.module, &resolved.project, &packages).unwrap()
    }

    #[test]
    fn every_reference_in_the_suite_names_something_the_module_declares() {
        let files = module_render();
        let dir = files[0].path.parent().unwrap().to_path_buf();
        let hcl = |file: &File| match &file.document {
            Document::Hcl(body) => Some(body.clone()),
            _ => None,
        };
        let module: Vec<Body> = files
            .iter()
            .filter(|file| file.path.parent() == Some(dir.as_path()))
            .filter_map(hcl)
            .collect();
        assert_eq!(module.len(), 4 + FAMILIES.len(), "the module's .tf files");
        let suite: Vec<(&Path, Body)> = files
            .iter()
            .filter(|file| file.path.parent() == Some(dir.join(DIR).as_path()))
            .filter_map(|file| Some((file.path.as_path(), hcl(file)?)))
            .collect();
        assert_eq!(suite.len(), (FAMILIES.len() + 1) * 2, "{suite:?}");
        let module: Vec<&Body> = module.iter().collect();
        for (path, test) in &suite {
            assert_eq!(
                unresolved(&module, test),
                Vec::<String>::new(),
                "{}",
                path.display()
            );
        }
        // And it does report a resource the module does not declare, and the keywords only
        // where they are not attributes that take one.
        let stray = Body::new()
            .attr(
                "x",
                Resource::new("aws_s3_bucket_policy", "log").attr("policy"),
            )
            .block(Block::new(
                "run",
                &["r"],
                Body::new()
                    .attr("command", keyword("plan"))
                    .attr("y", keyword("plan")),
            ));
        assert_eq!(
            unresolved(&module, &stray),
            [
                "`aws_s3_bucket_policy.log.policy` refers to no declared resource",
                "`plan` refers to no declared resource"
            ]
        );
    }

    #[test]
    fn every_family_has_runs_and_every_run_name_is_unique_in_its_file() {
        for (name, summary, runs) in suites(&default_project()) {
            assert!(!runs.is_empty(), "{name}: no runs");
            assert!(!summary.is_empty(), "{name}");
            let names: BTreeSet<&str> = runs.iter().map(|run| run.name.as_str()).collect();
            assert_eq!(names.len(), runs.len(), "{name}");
        }
    }

    /// Each validated input gets exactly one run, which passes it a value of its type that
    /// its setting's own check refuses too, so the config and the module agree on it.
    #[test]
    fn every_input_with_a_validation_gets_one_run_with_a_value_its_rule_refuses() {
        let suites = suites(&default_project());
        let rejects: Vec<&Run> = suites
            .iter()
            .flat_map(|(_, _, runs)| runs)
            .filter(|run| matches!(run.body, RunBody::Rejects(_)))
            .collect();
        let validated: Vec<Variable> = variables::variables()
            .into_iter()
            .filter(|variable| !variable.validations.is_empty())
            .collect();
        assert!(validated.len() >= 17, "{}", validated.len());
        assert_eq!(rejects.len(), validated.len());
        for variable in &validated {
            let run = rejects
                .iter()
                .find(|run| matches!(run.body, RunBody::Rejects(name) if name == variable.name))
                .unwrap_or_else(|| panic!("no run rejects {}", variable.name));
            let [(name, bad)] = &run.inputs[..] else {
                panic!("{}: {:?}", run.name, run.inputs);
            };
            assert_eq!(*name, variable.name);
            let fits = match variable.type_expr {
                crate::hcl::TypeExpr::Number => matches!(bad, Expr::Number(_)),
                crate::hcl::TypeExpr::String => matches!(bad, Expr::String(_)),
                _ => false,
            };
            assert!(fits, "{name}: {bad:?}");
        }
        for section in crate::family::sections() {
            for setting in section.settings {
                if let Some(bad) = setting.rejected() {
                    assert!(setting.check(&bad).is_some(), "{}: {bad}", setting.key);
                }
            }
        }
    }

    #[test]
    fn the_terraform_twin_differs_only_by_override_during() {
        let files = files(&default_project()).unwrap();
        for pair in files.chunks(2) {
            let [(tofu_path, tofu), (terraform_path, terraform)] = pair else {
                panic!("{pair:?}");
            };
            assert!(tofu_path.ends_with(".tofutest.hcl"), "{tofu_path}");
            assert_eq!(
                terraform_path,
                &tofu_path.replace(".tofutest.hcl", ".tftest.hcl")
            );
            let mock = |body: &Body| match &body.items[0] {
                Item::Block(block) => block.clone(),
                other => panic!("{other:?}"),
            };
            let (tofu_mock, terraform_mock) = (mock(tofu), mock(terraform));
            assert!(!crate::hcl::print(tofu).contains("override_during"));
            // Terraform's mock: the comment, `override_during = plan`, a blank, then the same.
            assert_eq!(terraform_mock.body.items[3..], tofu_mock.body.items[..]);
            assert!(matches!(
                &terraform_mock.body.items[1],
                Item::Attribute(attr) if attr.key == "override_during"
            ));
            assert_eq!(terraform.items[1..], tofu.items[1..]);
        }
    }

    /// Two mocks of one type would be refused by `tofu test`.
    #[test]
    fn each_type_is_mocked_once() {
        let project = default_project();
        let mocks: Vec<Mock> = FAMILIES
            .iter()
            .flat_map(|family| (family.tests.mocks)(&project))
            .collect();
        let kinds: BTreeSet<(&str, &str)> = mocks
            .iter()
            .map(|mock| (mock.block, mock.kind.as_str()))
            .collect();
        assert_eq!(kinds.len(), mocks.len(), "{mocks:?}");
        assert!(mocks.len() >= 5, "{mocks:?}");
    }

    #[test]
    fn a_run_sets_only_the_inputs_that_differ() {
        let project = default_project();
        assert_eq!(inputs_for(&project, &project), Vec::new());
        let mut other = project.clone();
        other.environment = "other".to_owned();
        assert_eq!(
            inputs_for(&project, &other),
            [("environment", Expr::string("other"))]
        );
    }
}
