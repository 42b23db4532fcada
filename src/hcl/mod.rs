//! The HCL document tree tapgen builds, and the one printer that turns it into text.
//!
//! Documents are trees, never pasted-together strings: every user-supplied string is an
//! [`Expr::String`] and goes through [`escape::quote`] when printed, and every operator,
//! condition and type constraint is a node of its own. Names (block types, labels, attribute
//! keys, traversal steps, function names) are [`Ident`]s. The tree has room for comments
//! (the generated-file header, `checkov:skip` reasons, why a wildcard is needed), which
//! hcl-rs's own structure types would drop.

pub mod escape;
pub mod print;
pub mod reference;

pub use print::print;

use std::borrow::Cow;
use std::fmt;

/// An HCL identifier in its ASCII form: `[A-Za-z_][A-Za-z0-9_-]*`.
///
/// Names from outside tapgen's code go through [`Ident::try_new`]. Names written in tapgen's
/// code (`&'static str`) go through [`Ident::known`], which leaves the check to [`check`]:
/// the renderer runs it on every document before it is written, so a bad name in the code
/// is an error (never a panic, never a silently invalid file), and the unit tests, which
/// render every document, fail on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ident(Cow<'static, str>);

/// A name that is not an HCL identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidIdent(pub String);

impl std::fmt::Display for InvalidIdent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is not an HCL identifier (ASCII letters, digits, `_` and `-`, starting with a letter or `_`)",
            self.0
        )
    }
}

impl std::error::Error for InvalidIdent {}

impl Ident {
    /// Checks `name` against HCL's identifier rule.
    pub fn try_new(name: impl Into<String>) -> Result<Self, InvalidIdent> {
        let name = name.into();
        if escape::is_identifier(&name) {
            Ok(Self(Cow::Owned(name)))
        } else {
            Err(InvalidIdent(name))
        }
    }

    /// A name written in tapgen's own code; [`check`] validates it with every document.
    pub const fn known(name: &'static str) -> Self {
        Self(Cow::Borrowed(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn validate(&self) -> Result<(), InvalidIdent> {
        if escape::is_identifier(&self.0) {
            Ok(())
        } else {
            Err(InvalidIdent(self.0.to_string()))
        }
    }
}

impl std::ops::Deref for Ident {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Ident {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Ident {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Ident {
    fn eq(&self, other: &String) -> bool {
        self.0 == other.as_str()
    }
}

/// A sequence of attributes, blocks and comments: a file, or the inside of a block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Body {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Attribute(Attribute),
    Block(Block),
    /// A whole-line `#` comment; may hold several lines.
    Comment(String),
    /// An explicit blank line; also ends a run of aligned `=`.
    Blank,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub key: Ident,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub ident: Ident,
    /// Every label tapgen writes names something (a type, a resource, a variable), so each
    /// is an identifier; that also keeps out the `$` and `%` that `tofu fmt` silently drops.
    pub labels: Vec<Ident>,
    pub body: Body,
}

/// An HCL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Null,
    Bool(bool),
    Number(i64),
    /// A literal string value; escaped when printed.
    String(String),
    /// A quoted template such as `"${var.project}-logs"`.
    Template(Vec<TemplatePart>),
    /// A reference such as `var.project`, `aws_s3_bucket.logs.arn` or `x.y[0].z`.
    Traversal(Traversal),
    Call(Ident, Vec<Expr>),
    Tuple(Vec<Expr>),
    Object(Vec<ObjectEntry>),
    /// `cond ? then : otherwise`.
    Conditional {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `lhs op rhs`. The printer adds the parentheses precedence needs; [`Expr::Parens`]
    /// adds ones it does not.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Unary(UnaryOp, Box<Expr>),
    /// Parentheses written for the reader, such as `a || (b && c)`.
    Parens(Box<Expr>),
    /// A type constraint, such as a variable's `type = map(string)`.
    Type(TypeExpr),
    /// An attribute of a value that is not a reference, such as `jsondecode(policy).Statement`.
    Attr(Box<Expr>, Ident),
    /// `[for name in collection : value]`: `value` refers to each element as `name`.
    For {
        name: Ident,
        collection: Box<Expr>,
        value: Box<Expr>,
    },
}

/// A root name followed by attribute and index steps: `aws_iam_role.x[0].name`.
#[derive(Debug, Clone, PartialEq)]
pub struct Traversal {
    pub root: Ident,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `.name`
    Attr(Ident),
    /// `[n]`
    Index(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

/// A type constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeExpr {
    String,
    Number,
    Bool,
    Any,
    List(Box<TypeExpr>),
    Set(Box<TypeExpr>),
    Map(Box<TypeExpr>),
    Object(Vec<(Ident, TypeExpr)>),
    /// An object attribute that may be left out, with the value it then takes.
    Optional(Box<TypeExpr>, Option<Box<Expr>>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    Literal(String),
    Interpolation(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectEntry {
    /// Any string: keys that are not identifiers (`aws:tag`) are printed quoted.
    pub key: String,
    pub value: Expr,
    /// A comment line printed above the entry.
    pub comment: Option<String>,
}

impl Body {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn attr(mut self, key: &'static str, value: impl Into<Expr>) -> Self {
        self.push_attr(key, value);
        self
    }

    pub fn push_attr(&mut self, key: &'static str, value: impl Into<Expr>) {
        self.items.push(Item::Attribute(Attribute {
            key: Ident::known(key),
            value: value.into(),
        }));
    }

    /// Adds the attribute only when a value is present.
    pub fn opt_attr(self, key: &'static str, value: Option<impl Into<Expr>>) -> Self {
        match value {
            Some(value) => self.attr(key, value),
            None => self,
        }
    }

    pub fn block(mut self, block: Block) -> Self {
        self.items.push(Item::Block(block));
        self
    }

    pub fn push_block(&mut self, block: Block) {
        self.items.push(Item::Block(block));
    }

    pub fn comment(mut self, text: impl Into<String>) -> Self {
        self.items.push(Item::Comment(text.into()));
        self
    }

    pub fn blank(mut self) -> Self {
        self.items.push(Item::Blank);
        self
    }

    pub fn push_blank(&mut self) {
        self.items.push(Item::Blank);
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl Block {
    /// A block with tapgen's own type and labels, such as `rule {}` or `variable "project" {}`.
    /// Resources, data sources and module calls are declared through their handles
    /// ([`reference::Resource::declare`]).
    pub fn new(ident: &'static str, labels: &[&'static str], body: Body) -> Self {
        Self::labelled(
            ident,
            labels.iter().map(|label| Ident::known(label)).collect(),
            body,
        )
    }

    /// A block whose labels were checked elsewhere ([`Ident::try_new`]).
    pub fn labelled(ident: &'static str, labels: Vec<Ident>, body: Body) -> Self {
        Self {
            ident: Ident::known(ident),
            labels,
            body,
        }
    }
}

impl Traversal {
    pub fn new(root: Ident) -> Self {
        Self {
            root,
            steps: Vec::new(),
        }
    }

    /// `self.name`
    pub fn attr(mut self, name: &'static str) -> Self {
        self.steps.push(Step::Attr(Ident::known(name)));
        self
    }

    /// `self[index]`
    pub fn index(mut self, index: u64) -> Self {
        self.steps.push(Step::Index(index));
        self
    }

    /// The attribute names after the root, indexes skipped: `["x", "name"]` for
    /// `aws_iam_role.x[0].name`.
    pub fn attr_names(&self) -> impl Iterator<Item = &Ident> {
        self.steps.iter().filter_map(|step| match step {
            Step::Attr(name) => Some(name),
            Step::Index(_) => None,
        })
    }
}

impl From<Traversal> for Expr {
    fn from(value: Traversal) -> Self {
        Expr::Traversal(value)
    }
}

impl From<TypeExpr> for Expr {
    fn from(value: TypeExpr) -> Self {
        Expr::Type(value)
    }
}

impl TypeExpr {
    pub fn list(element: TypeExpr) -> Self {
        TypeExpr::List(Box::new(element))
    }

    pub fn set(element: TypeExpr) -> Self {
        TypeExpr::Set(Box::new(element))
    }

    pub fn map(element: TypeExpr) -> Self {
        TypeExpr::Map(Box::new(element))
    }

    pub fn optional(inner: TypeExpr, default: Option<Expr>) -> Self {
        TypeExpr::Optional(Box::new(inner), default.map(Box::new))
    }
}

impl BinaryOp {
    /// HCL's operator precedence, higher binds tighter.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq | BinaryOp::Ne => 3,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 6,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "&&",
            BinaryOp::Or => "||",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
        }
    }
}

impl Expr {
    pub fn string(value: impl Into<String>) -> Self {
        Expr::String(value.into())
    }

    pub fn call(name: &'static str, args: Vec<Expr>) -> Self {
        Expr::Call(Ident::known(name), args)
    }

    /// `cond ? then : otherwise`
    pub fn cond(cond: impl Into<Expr>, then: impl Into<Expr>, otherwise: impl Into<Expr>) -> Self {
        Expr::Conditional {
            cond: Box::new(cond.into()),
            then: Box::new(then.into()),
            otherwise: Box::new(otherwise.into()),
        }
    }

    /// `lhs op rhs`
    pub fn binary(lhs: impl Into<Expr>, op: BinaryOp, rhs: impl Into<Expr>) -> Self {
        Expr::Binary(op, Box::new(lhs.into()), Box::new(rhs.into()))
    }

    /// `self && rhs`
    pub fn and(self, rhs: impl Into<Expr>) -> Self {
        Expr::binary(self, BinaryOp::And, rhs)
    }

    /// `self || rhs`
    pub fn or(self, rhs: impl Into<Expr>) -> Self {
        Expr::binary(self, BinaryOp::Or, rhs)
    }

    pub fn parens(inner: impl Into<Expr>) -> Self {
        Expr::Parens(Box::new(inner.into()))
    }

    /// `self.name`
    pub fn get(self, name: &'static str) -> Self {
        Expr::Attr(Box::new(self), Ident::known(name))
    }

    /// `[for name in collection : value(name)]`: `value` gets the reference to the element.
    pub fn for_each(
        name: &'static str,
        collection: impl Into<Expr>,
        value: impl FnOnce(Traversal) -> Expr,
    ) -> Self {
        let name = Ident::known(name);
        Expr::For {
            value: Box::new(value(Traversal::new(name.clone()))),
            name,
            collection: Box::new(collection.into()),
        }
    }

    pub fn object<K: Into<String>>(entries: impl IntoIterator<Item = (K, Expr)>) -> Self {
        Expr::Object(
            entries
                .into_iter()
                .map(|(key, value)| ObjectEntry {
                    key: key.into(),
                    value,
                    comment: None,
                })
                .collect(),
        )
    }

    pub fn strings<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Self {
        Expr::Tuple(
            values
                .into_iter()
                .map(|value| Expr::String(value.as_ref().to_owned()))
                .collect(),
        )
    }

    /// A template from text with `{}` holes filled by expressions, e.g.
    /// `Expr::template("{}/*", vec![bucket.attr("arn")])`.
    pub fn template(pattern: &str, values: Vec<Expr>) -> Self {
        let mut parts = Vec::new();
        let mut rest = pattern;
        let mut values = values.into_iter();
        while let Some(start) = rest.find("{}") {
            if start > 0 {
                parts.push(TemplatePart::Literal(rest[..start].to_owned()));
            }
            if let Some(value) = values.next() {
                parts.push(TemplatePart::Interpolation(value));
            }
            rest = &rest[start + 2..];
        }
        if !rest.is_empty() {
            parts.push(TemplatePart::Literal(rest.to_owned()));
        }
        Expr::Template(parts)
    }

    /// Calls `visit` on every traversal in the expression, in print order.
    pub fn for_each_traversal<'a>(&'a self, visit: &mut impl FnMut(&'a Traversal)) {
        match self {
            Expr::Traversal(traversal) => visit(traversal),
            Expr::Template(parts) => {
                for part in parts {
                    if let TemplatePart::Interpolation(inner) = part {
                        inner.for_each_traversal(visit);
                    }
                }
            }
            Expr::Call(_, items) | Expr::Tuple(items) => {
                for item in items {
                    item.for_each_traversal(visit);
                }
            }
            Expr::Object(entries) => {
                for entry in entries {
                    entry.value.for_each_traversal(visit);
                }
            }
            Expr::Conditional {
                cond,
                then,
                otherwise,
            } => {
                cond.for_each_traversal(visit);
                then.for_each_traversal(visit);
                otherwise.for_each_traversal(visit);
            }
            Expr::Binary(_, lhs, rhs) => {
                lhs.for_each_traversal(visit);
                rhs.for_each_traversal(visit);
            }
            Expr::Unary(_, inner) | Expr::Parens(inner) | Expr::Attr(inner, _) => {
                inner.for_each_traversal(visit)
            }
            Expr::Type(ty) => ty.for_each_default(&mut |default| default.for_each_traversal(visit)),
            // The element's name is bound inside `value`: references to it name nothing outside.
            Expr::For {
                name,
                collection,
                value,
            } => {
                collection.for_each_traversal(visit);
                let mut outer = |path: &'a Traversal| {
                    if path.root != *name {
                        visit(path)
                    }
                };
                // As a trait object, so that nested `for`s do not instantiate without end.
                let mut outer: &mut dyn FnMut(&'a Traversal) = &mut outer;
                value.for_each_traversal(&mut outer);
            }
            Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_) => {}
        }
    }
}

impl TypeExpr {
    /// The default values of `optional(T, default)` attributes inside the type.
    fn for_each_default<'a>(&'a self, visit: &mut impl FnMut(&'a Expr)) {
        match self {
            TypeExpr::List(inner) | TypeExpr::Set(inner) | TypeExpr::Map(inner) => {
                inner.for_each_default(visit)
            }
            TypeExpr::Object(fields) => {
                for (_, ty) in fields {
                    ty.for_each_default(visit);
                }
            }
            TypeExpr::Optional(inner, default) => {
                inner.for_each_default(visit);
                if let Some(default) = default {
                    visit(default);
                }
            }
            TypeExpr::String | TypeExpr::Number | TypeExpr::Bool | TypeExpr::Any => {}
        }
    }
}

/// Checks every name in `body` (block types, labels, attribute keys, traversal steps,
/// function names, object type attributes) against HCL's identifier rule: the one check
/// of the names [`Ident::known`] takes on trust.
pub fn check(body: &Body) -> Result<(), InvalidIdent> {
    for item in &body.items {
        match item {
            Item::Attribute(attr) => {
                attr.key.validate()?;
                check_expr(&attr.value)?;
            }
            Item::Block(block) => {
                block.ident.validate()?;
                for label in &block.labels {
                    label.validate()?;
                }
                check(&block.body)?;
            }
            Item::Comment(_) | Item::Blank => {}
        }
    }
    Ok(())
}

fn check_expr(expr: &Expr) -> Result<(), InvalidIdent> {
    match expr {
        Expr::Traversal(traversal) => {
            traversal.root.validate()?;
            traversal.attr_names().try_for_each(Ident::validate)
        }
        Expr::Template(parts) => parts.iter().try_for_each(|part| match part {
            TemplatePart::Interpolation(inner) => check_expr(inner),
            TemplatePart::Literal(_) => Ok(()),
        }),
        Expr::Call(name, args) => {
            name.validate()?;
            args.iter().try_for_each(check_expr)
        }
        Expr::Tuple(items) => items.iter().try_for_each(check_expr),
        Expr::Object(entries) => entries.iter().try_for_each(|e| check_expr(&e.value)),
        Expr::Conditional {
            cond,
            then,
            otherwise,
        } => {
            check_expr(cond)?;
            check_expr(then)?;
            check_expr(otherwise)
        }
        Expr::Binary(_, lhs, rhs) => {
            check_expr(lhs)?;
            check_expr(rhs)
        }
        Expr::Unary(_, inner) | Expr::Parens(inner) => check_expr(inner),
        Expr::Type(ty) => check_type(ty),
        Expr::Attr(inner, name) => {
            name.validate()?;
            check_expr(inner)
        }
        Expr::For {
            name,
            collection,
            value,
        } => {
            name.validate()?;
            check_expr(collection)?;
            check_expr(value)
        }
        Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_) => Ok(()),
    }
}

fn check_type(ty: &TypeExpr) -> Result<(), InvalidIdent> {
    match ty {
        TypeExpr::List(inner) | TypeExpr::Set(inner) | TypeExpr::Map(inner) => check_type(inner),
        TypeExpr::Object(fields) => fields.iter().try_for_each(|(name, ty)| {
            name.validate()?;
            check_type(ty)
        }),
        TypeExpr::Optional(inner, default) => {
            check_type(inner)?;
            default.as_deref().map_or(Ok(()), check_expr)
        }
        TypeExpr::String | TypeExpr::Number | TypeExpr::Bool | TypeExpr::Any => Ok(()),
    }
}

/// `!expr`
impl std::ops::Not for Expr {
    type Output = Expr;

    fn not(self) -> Expr {
        Expr::Unary(UnaryOp::Not, Box::new(self))
    }
}

impl From<&str> for Expr {
    fn from(value: &str) -> Self {
        Expr::String(value.to_owned())
    }
}

impl From<String> for Expr {
    fn from(value: String) -> Self {
        Expr::String(value)
    }
}

impl From<&String> for Expr {
    fn from(value: &String) -> Self {
        Expr::String(value.clone())
    }
}

impl From<bool> for Expr {
    fn from(value: bool) -> Self {
        Expr::Bool(value)
    }
}

impl From<i64> for Expr {
    fn from(value: i64) -> Self {
        Expr::Number(value)
    }
}

impl From<u32> for Expr {
    fn from(value: u32) -> Self {
        Expr::Number(i64::from(value))
    }
}

impl From<u16> for Expr {
    fn from(value: u16) -> Self {
        Expr::Number(i64::from(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn try_new_accepts_hcl_identifiers_only() {
        for good in ["aws_s3_bucket", "ManagedBy", "cost-center", "_x", "a1"] {
            assert_eq!(
                Ident::try_new(good).map(|i| i.to_string()),
                Ok(good.to_owned())
            );
        }
        for bad in ["", "1abc", "-x", "a.b", "a b", "a$b", "日本", "x\n"] {
            assert_eq!(
                Ident::try_new(bad),
                Err(InvalidIdent(bad.to_owned())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn check_reports_a_bad_name_anywhere_in_the_tree() {
        let good = || Body::new().attr("a", Expr::call("f", vec![]));
        assert_eq!(check(&good()), Ok(()));
        let bad_trees = [
            Body::new().attr("bad key", 1i64),
            Body::new().block(Block::new("bad type", &[], Body::new())),
            Body::new().block(Block::new("output", &["bad label"], Body::new())),
            good().block(Block::new(
                "b",
                &[],
                Body::new().attr("c", Traversal::new(Ident::known("var")).attr("x.y")),
            )),
            Body::new().attr(
                "t",
                Expr::Tuple(vec![Expr::cond(
                    true,
                    Expr::call("bad fn", vec![]),
                    Expr::Null,
                )]),
            ),
            Body::new().attr(
                "type",
                TypeExpr::Object(vec![(Ident::known("a:b"), TypeExpr::String)]),
            ),
            Body::new().attr(
                "for",
                Expr::For {
                    name: Ident::known("bad name"),
                    collection: Box::new(Expr::Tuple(Vec::new())),
                    value: Box::new(Expr::Null),
                },
            ),
            Body::new().attr(
                "for",
                Expr::for_each("x", Expr::Tuple(Vec::new()), |_| {
                    Expr::call("bad fn", vec![])
                }),
            ),
            Body::new().attr("attr", Expr::call("f", vec![]).get("a.b")),
        ];
        for body in bad_trees {
            assert!(check(&body).is_err(), "{body:?}");
        }
    }
}
