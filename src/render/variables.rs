//! The module's inputs, as data: `variables.tf`, the README's inputs table and the values
//! each environment root passes all come from this one list: the module's own inputs
//! (project, environment, tags), then each family's ([`crate::family::variables`]).

use crate::family::setting::Value;
pub use crate::family::setting::Variable;
use crate::hcl::reference::var;
use crate::hcl::{Body, Expr, TypeExpr};
use crate::stack::{self, Stack};

fn string_map(map: &std::collections::BTreeMap<String, String>) -> Expr {
    Expr::object(map.iter().map(|(k, v)| (k.clone(), Expr::string(v))))
}

/// `can(regex(pattern, var.name))`
fn matches(name: &'static str, pattern: &str, message: &str) -> (Expr, String) {
    (
        Expr::call(
            "can",
            vec![Expr::call("regex", vec![Expr::string(pattern), var(name)])],
        ),
        message.to_owned(),
    )
}

/// The project's tags, plus one saying which example made the resources.
fn example_tags(stack: &Stack) -> Expr {
    let mut tags = stack.tags.clone();
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
            validations: vec![matches(
                "project",
                "^[A-Za-z][A-Za-z0-9-]*$",
                "project must be letters, digits and hyphens, starting with a letter.",
            )],
            value: Value::Of(|s| Expr::string(&s.project)),
            example: |_| var("project"),
        },
        Variable {
            name: "environment",
            type_expr: TypeExpr::String,
            description: "Environment name, used as the suffix of every resource name.",
            default: Some(Expr::string(stack::DEFAULT_ENVIRONMENT)),
            validations: vec![matches(
                "environment",
                "^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$",
                "environment must be 1 to 20 lowercase letters, digits and hyphens, starting with a letter.",
            )],
            value: Value::Of(|s| Expr::string(&s.environment)),
            example: |_| Expr::string(stack::EXAMPLE_ENVIRONMENT),
        },
        Variable {
            name: "tags",
            type_expr: TypeExpr::map(TypeExpr::String),
            description: "Tags for every taggable resource, in addition to Project, Environment and ManagedBy.",
            default: Some(Expr::Object(Vec::new())),
            validations: vec![],
            value: Value::Of(|s| string_map(&s.tags)),
            example: example_tags,
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
