//! The module's inputs, as data: `variables.tf`, the README's inputs table and the values
//! each environment root passes all come from this one list: the module's own inputs
//! (project, environment, tags), then each family's ([`crate::family::variables`]).

use crate::family::setting::{Default, Kind, Rule, Setting, Unset, Values, to_expr};
use crate::hcl::reference::var;
use crate::hcl::{Block, Body, Expr, TypeExpr};
use crate::render::PackageRefs;
use crate::stack::{self, Stack};

fn string_map(map: &std::collections::BTreeMap<String, String>) -> Expr {
    Expr::object(map.iter().map(|(k, v)| (k.clone(), Expr::string(v))))
}

/// What `var.project` takes: it prefixes every resource name.
const PROJECT: Rule = Rule::Pattern {
    regex: "^[A-Za-z][A-Za-z0-9-]*$",
    noun: "project name",
    message: "letters, digits and hyphens, starting with a letter",
    example: "tap",
};

/// What `var.environment` takes: it ends every resource name.
const ENVIRONMENT: Rule = Rule::Pattern {
    regex: "^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$",
    noun: "environment name",
    message: "1 to 20 lowercase letters, digits and hyphens, starting with a letter",
    example: "dev",
};

/// A value `rule` refuses, as HCL (neither input of the module's own has an unset value).
fn rejected(rule: &Rule) -> Option<Expr> {
    rule.rejected(None).as_ref().map(to_expr)
}

/// The project's tags, plus one saying which example made the resources.
fn example_tags(stack: &Stack) -> Expr {
    let mut tags = stack.tags();
    tags.insert("Example".to_owned(), "complete".to_owned());
    string_map(&tags)
}

/// Every input of the module, in the order `variables.tf` lists them.
pub fn variables() -> Vec<Variable> {
    let mut variables = vec![
        Variable {
            name: "project",
            type_expr: TypeExpr::String,
            description: "Project name; prefixes every resource name. Letters, digits and hyphens, starting with a letter.",
            default: None,
            validations: PROJECT.validations("project", Unset::Never),
            rejected: rejected(&PROJECT),
            value: Value::Of(|s| Expr::string(&s.project)),
            example: Example::Of(|_| var("project")),
        },
        Variable {
            name: "environment",
            type_expr: TypeExpr::String,
            description: "Environment name, used as the suffix of every resource name.",
            default: Some(Expr::string(stack::DEFAULT_ENVIRONMENT)),
            validations: ENVIRONMENT.validations("environment", Unset::Never),
            rejected: rejected(&ENVIRONMENT),
            value: Value::Of(|s| Expr::string(&s.environment)),
            example: Example::Of(|_| Expr::string(stack::EXAMPLE_ENVIRONMENT)),
        },
        Variable {
            name: "tags",
            type_expr: TypeExpr::map(TypeExpr::String),
            description: "Tags for every taggable resource, in addition to Project, Environment and ManagedBy.",
            default: Some(Expr::Object(Vec::new())),
            validations: vec![],
            rejected: None,
            value: Value::Setting(&crate::family::project::TAGS),
            example: Example::Of(example_tags),
        },
    ];
    variables.extend(crate::family::variables());
    variables
}

/// `variables.tf`.
pub fn document() -> Body {
    let mut body = Body::new();
    for variable in variables() {
        body.push_block(variable.block());
    }
    body
}

/// One module input: a setting's ([`of_setting`]) or one of the module's own.
pub struct Variable {
    pub name: &'static str,
    /// Its type constraint, such as `string` or `map(string)`.
    pub type_expr: TypeExpr,
    pub description: &'static str,
    /// `None` makes the input required.
    pub default: Option<Expr>,
    /// Conditions on the input, each with the message `tofu plan` shows when it fails.
    pub validations: Vec<(Expr, String)>,
    /// A value of its type that the validations reject, from the rule they are written
    /// from: the module's tests pass it and expect the input to fail. `None` without
    /// validations.
    pub rejected: Option<Expr>,
    /// The value an environment passes.
    pub value: Value,
    /// The value `examples/complete` passes.
    pub example: Example,
}

/// Where an environment's value of a module input comes from.
pub enum Value {
    /// Computed from the stack.
    Of(fn(&Stack) -> Expr),
    /// The resolved value of a setting; unset is the input's "off" value.
    Setting(&'static Setting),
    /// A Lambda package file, as the calling folder references it.
    Package(fn(&PackageRefs) -> Expr),
}

/// What `examples/complete` passes for a module input, from the project's own values.
pub enum Example {
    Of(fn(&Stack) -> Expr),
    /// A setting's [`crate::family::setting::Input::example`].
    Setting(fn(&Values) -> Expr),
    /// A Lambda package file of the project, as the example's folder references it.
    Package(fn(&PackageRefs) -> Expr),
}

impl Variable {
    /// The value `examples/complete` passes, given the project's values and packages.
    pub fn example(&self, project: &Stack, packages: &PackageRefs) -> Expr {
        match self.example {
            Example::Of(example) => example(project),
            Example::Setting(example) => example(&project.values),
            Example::Package(example) => example(packages),
        }
    }

    /// The value `stack` passes, from a folder that references `packages` so.
    pub fn value(&self, stack: &Stack, packages: &PackageRefs) -> Expr {
        match &self.value {
            Value::Of(value) => value(stack),
            Value::Package(value) => value(packages),
            Value::Setting(setting) => match stack.values.get(setting) {
                Some(json) => to_expr(json),
                None => setting.input.map_or(Expr::Null, |input| input.unset_expr()),
            },
        }
    }

    /// `variable "<name>" { description, type, default, validation... }`.
    pub fn block(&self) -> Block {
        let mut inner = Body::new()
            .attr("description", self.description)
            .attr("type", self.type_expr.clone());
        if let Some(default) = &self.default {
            inner = inner.attr("default", default.clone());
        }
        for (condition, message) in &self.validations {
            inner.push_block(Block::new(
                "validation",
                &[],
                Body::new()
                    .attr("condition", condition.clone())
                    .attr("error_message", message.as_str()),
            ));
        }
        Block::new("variable", &[self.name], inner)
    }
}

/// The module variable that carries `setting`, if it has one: its type and default from the
/// setting's, its `validation` blocks from the setting's rule.
pub(crate) fn of_setting(setting: &'static Setting) -> Option<Variable> {
    let input = setting.input?;
    let type_expr = match setting.kind {
        Kind::Integer => TypeExpr::Number,
        Kind::String => TypeExpr::String,
        Kind::Boolean => TypeExpr::Bool,
        Kind::StringMap => TypeExpr::map(TypeExpr::String),
        Kind::StringList => TypeExpr::list(TypeExpr::String),
    };
    let default = match setting.default {
        Default::Derived { .. } => Values::defaults().get(setting).map_or(Expr::Null, to_expr),
        _ => setting
            .default_json()
            .map_or_else(|| input.unset_expr(), |json| to_expr(&json)),
    };
    Some(Variable {
        name: input.name,
        type_expr,
        description: input.description,
        default: Some(default),
        validations: setting.validations(input),
        rejected: setting.rejected().as_ref().map(to_expr),
        value: Value::Setting(setting),
        example: Example::Setting(input.example),
    })
}
