//! The HCL document tree tapgen builds, and the one printer that turns it into text.
//!
//! Documents are trees, never pasted-together strings: every user-supplied string is an
//! [`Expr::String`] and goes through [`escape::quote`] when printed. The tree has room for
//! comments (the generated-file header, `checkov:skip` reasons, why a wildcard is needed),
//! which hcl-rs's own structure types would drop.

pub mod escape;
pub mod print;

pub use print::print;

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
    pub key: String,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub ident: String,
    pub labels: Vec<String>,
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
    /// A reference such as `var.project` or `aws_s3_bucket.logs.arn`.
    Reference(String),
    Call(String, Vec<Expr>),
    Tuple(Vec<Expr>),
    Object(Vec<ObjectEntry>),
    /// An operator expression written by tapgen itself (never built from user input), such as
    /// `length(var.alarm_actions) > 0`. Tests parse every printed document, so a malformed one
    /// fails the build rather than a user's `tofu validate`.
    Raw(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    Literal(String),
    Interpolation(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectEntry {
    pub key: String,
    pub value: Expr,
    /// A comment line printed above the entry.
    pub comment: Option<String>,
}

impl Body {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn attr(mut self, key: &str, value: impl Into<Expr>) -> Self {
        self.push_attr(key, value);
        self
    }

    pub fn push_attr(&mut self, key: &str, value: impl Into<Expr>) {
        debug_assert!(escape::is_identifier(key), "attribute name `{key}`");
        self.items.push(Item::Attribute(Attribute {
            key: key.to_owned(),
            value: value.into(),
        }));
    }

    /// Adds the attribute only when a value is present.
    pub fn opt_attr(self, key: &str, value: Option<impl Into<Expr>>) -> Self {
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
    /// A block such as `resource "aws_s3_bucket" "logs" { ... }`. Labels are tapgen's own
    /// names: `tofu fmt` silently drops labels holding `$` or `%`, so those are refused.
    pub fn new(ident: &str, labels: &[&str], body: Body) -> Self {
        debug_assert!(escape::is_identifier(ident), "block type `{ident}`");
        debug_assert!(
            labels.iter().all(|label| escape::is_safe_label(label)),
            "block labels {labels:?}"
        );
        Self {
            ident: ident.to_owned(),
            labels: labels.iter().map(|label| (*label).to_owned()).collect(),
            body,
        }
    }

    pub fn resource(kind: &str, name: &str, body: Body) -> Self {
        Self::new("resource", &[kind, name], body)
    }
}

impl Expr {
    pub fn string(value: impl Into<String>) -> Self {
        Expr::String(value.into())
    }

    pub fn reference(path: impl Into<String>) -> Self {
        let path = path.into();
        debug_assert!(escape::is_traversal(&path), "reference `{path}`");
        Expr::Reference(path)
    }

    pub fn call(name: &str, args: Vec<Expr>) -> Self {
        Expr::Call(name.to_owned(), args)
    }

    pub fn raw(code: impl Into<String>) -> Self {
        Expr::Raw(code.into())
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

    /// A template from text with `{name}` holes filled by references, e.g.
    /// `Expr::template("{0}/*", [Expr::reference("aws_s3_bucket.logs.arn")])`.
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
