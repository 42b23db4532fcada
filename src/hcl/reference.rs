//! Typed references. A resource, data source or module call is a handle: the handle both
//! declares the block and builds every reference to it, so the address is written once.
//! Handles are `const`s, so resources in different files can refer to each other (the
//! function and the API refer both ways). Inputs and locals are referred to by name
//! ([`var`], [`local`]); [`unresolved`] checks every reference of a folder against what the
//! folder declares, which the renderer's unit tests run on every folder it writes.

use super::{Block, Body, Expr, Ident, Item, Step, Traversal};
use std::collections::BTreeSet;

/// The type and name of a resource or data source.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Address {
    kind: Ident,
    name: Ident,
}

impl Address {
    const fn new(kind: &'static str, name: &'static str) -> Self {
        Self {
            kind: Ident::known(kind),
            name: Ident::known(name),
        }
    }

    /// `<mode> "kind" "name" { body }`
    fn declare(&self, mode: &'static str, body: Body) -> Block {
        Block {
            ident: Ident::known(mode),
            labels: vec![self.kind.clone(), self.name.clone()],
            body,
        }
    }
}

/// A managed resource, `kind.name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource(Address);

impl Resource {
    pub const fn new(kind: &'static str, name: &'static str) -> Self {
        Self(Address::new(kind, name))
    }

    /// `resource "kind" "name" { body }`
    pub fn declare(&self, body: Body) -> Block {
        self.0.declare("resource", body)
    }

    /// Its type, such as `aws_s3_bucket`.
    pub fn kind(&self) -> &Ident {
        &self.0.kind
    }

    /// `kind.name.attribute`
    pub fn attr(&self, attribute: &'static str) -> Expr {
        self.traversal().attr(attribute).into()
    }

    /// `kind.name[index]`, one instance of a resource with `count`.
    pub fn at(&self, index: u64) -> Traversal {
        self.traversal().index(index)
    }

    /// `kind.name`, as `depends_on` lists it.
    pub fn address(&self) -> Expr {
        self.traversal().into()
    }

    /// `kind.name`, to go on with nested steps: `kind.name.block[0].attribute`.
    pub fn traversal(&self) -> Traversal {
        Traversal {
            root: self.0.kind.clone(),
            steps: vec![Step::Attr(self.0.name.clone())],
        }
    }
}

/// A data source, `data.kind.name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSource(Address);

impl DataSource {
    pub const fn new(kind: &'static str, name: &'static str) -> Self {
        Self(Address::new(kind, name))
    }

    /// `data "kind" "name" { body }`
    pub fn declare(&self, body: Body) -> Block {
        self.0.declare("data", body)
    }

    /// Its type, such as `aws_partition`.
    pub fn kind(&self) -> &Ident {
        &self.0.kind
    }

    /// `data.kind.name.attribute`
    pub fn attr(&self, attribute: &'static str) -> Expr {
        Traversal {
            root: Ident::known("data"),
            steps: vec![
                Step::Attr(self.0.kind.clone()),
                Step::Attr(self.0.name.clone()),
            ],
        }
        .attr(attribute)
        .into()
    }
}

/// A module call, `module.name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleCall {
    name: Ident,
}

impl ModuleCall {
    pub const fn new(name: &'static str) -> Self {
        Self {
            name: Ident::known(name),
        }
    }

    /// A call whose name was checked with [`Ident::try_new`].
    pub fn named(name: Ident) -> Self {
        Self { name }
    }

    /// `module "name" { body }`
    pub fn declare(&self, body: Body) -> Block {
        Block {
            ident: Ident::known("module"),
            labels: vec![self.name.clone()],
            body,
        }
    }

    /// `module.name.output`
    pub fn output(&self, output: &'static str) -> Expr {
        Traversal {
            root: Ident::known("module"),
            steps: vec![Step::Attr(self.name.clone())],
        }
        .attr(output)
        .into()
    }
}

/// `var.name`: an input of the module being written.
pub fn var(name: &'static str) -> Expr {
    Traversal::new(Ident::known("var")).attr(name).into()
}

/// `local.name`
pub fn local(name: &'static str) -> Expr {
    Traversal::new(Ident::known("local")).attr(name).into()
}

/// `path.module`
pub fn path_module() -> Expr {
    Traversal::new(Ident::known("path")).attr("module").into()
}

/// What a folder of `.tf` files declares, by the address a reference uses.
#[derive(Debug, Default)]
struct Declared {
    /// `kind.name`
    resources: BTreeSet<String>,
    /// `kind.name`
    data: BTreeSet<String>,
    variables: BTreeSet<String>,
    locals: BTreeSet<String>,
    modules: BTreeSet<String>,
    /// `key_provider.kind.name` and `method.kind.name`, declared in `terraform { encryption }`.
    encryption: BTreeSet<String>,
}

impl Declared {
    fn read(files: &[&Body]) -> Self {
        let mut declared = Declared::default();
        for body in files {
            for item in &body.items {
                let Item::Block(block) = item else { continue };
                let label = |i: usize| block.labels.get(i).map(Ident::to_string);
                let pair = || Some(format!("{}.{}", label(0)?, label(1)?));
                let set = match block.ident.as_str() {
                    "resource" => (&mut declared.resources, pair()),
                    "data" => (&mut declared.data, pair()),
                    "variable" => (&mut declared.variables, label(0)),
                    "module" => (&mut declared.modules, label(0)),
                    "terraform" => {
                        declared.read_encryption(&block.body);
                        continue;
                    }
                    "locals" => {
                        for item in &block.body.items {
                            if let Item::Attribute(attr) = item {
                                declared.locals.insert(attr.key.to_string());
                            }
                        }
                        continue;
                    }
                    _ => continue,
                };
                if let (set, Some(address)) = set {
                    set.insert(address);
                }
            }
        }
        declared
    }

    /// The key providers and methods of `terraform`'s `encryption` block.
    fn read_encryption(&mut self, terraform: &Body) {
        for item in &terraform.items {
            let Item::Block(encryption) = item else {
                continue;
            };
            if encryption.ident.as_str() != "encryption" {
                continue;
            }
            for item in &encryption.body.items {
                if let Item::Block(block) = item
                    && let [kind, name] = block.labels.as_slice()
                {
                    self.encryption
                        .insert(format!("{}.{kind}.{name}", block.ident.as_str()));
                }
            }
        }
    }

    /// Why `path` does not resolve, or `None` when it does.
    fn problem(&self, path: &Traversal) -> Option<String> {
        let names: Vec<&str> = path.attr_names().map(Ident::as_str).collect();
        let first = names.first().copied();
        let (what, found) = match path.root.as_str() {
            "var" => (
                "input variable",
                first.is_some_and(|n| self.variables.contains(n)),
            ),
            "local" => (
                "local value",
                first.is_some_and(|n| self.locals.contains(n)),
            ),
            "module" => (
                "module call",
                first.is_some_and(|n| self.modules.contains(n)),
            ),
            "data" => (
                "data source",
                names.len() >= 2 && self.data.contains(&format!("{}.{}", names[0], names[1])),
            ),
            "path" => (
                "path value",
                matches!(first, Some("module" | "root" | "cwd")),
            ),
            "count" => ("count value", first == Some("index")),
            "each" => ("each value", matches!(first, Some("key" | "value"))),
            "self" | "terraform" => return None,
            root @ ("key_provider" | "method") => (
                "encryption block",
                names.len() >= 2
                    && self
                        .encryption
                        .contains(&format!("{root}.{}.{}", names[0], names[1])),
            ),
            kind => (
                "resource",
                first.is_some_and(|n| self.resources.contains(&format!("{kind}.{n}"))),
            ),
        };
        (!found).then(|| {
            format!(
                "`{}` refers to no declared {what}",
                super::print::inline(&Expr::Traversal(path.clone()))
            )
        })
    }
}

/// Every reference in the folder `files` that names nothing the folder declares (a
/// resource, data source, variable, local or module call), each as a sentence.
pub fn unresolved(files: &[&Body]) -> Vec<String> {
    let declared = Declared::read(files);
    let mut problems = Vec::new();
    for body in files {
        body_problems(body, &declared, &mut problems);
    }
    problems
}

fn body_problems(body: &Body, declared: &Declared, problems: &mut Vec<String>) {
    for item in &body.items {
        match item {
            Item::Attribute(attr) => attr.value.for_each_traversal(&mut |path| {
                problems.extend(declared.problem(path));
            }),
            Item::Block(block) => body_problems(&block.body, declared, problems),
            Item::Comment(_) | Item::Blank => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hcl::TypeExpr;

    const BUCKET: Resource = Resource::new("aws_s3_bucket", "logs");
    const PARTITION: DataSource = DataSource::new("aws_partition", "current");

    fn folder(reference: Expr) -> Body {
        Body::new()
            .block(Block::new(
                "variable",
                &["project"],
                Body::new().attr("type", TypeExpr::String),
            ))
            .block(Block::new(
                "locals",
                &[],
                Body::new().attr("name", var("project")),
            ))
            .block(PARTITION.declare(Body::new()))
            .block(ModuleCall::new("api").declare(Body::new()))
            .block(BUCKET.declare(Body::new().attr("bucket", local("name"))))
            .block(Block::new(
                "output",
                &["x"],
                Body::new().attr("value", reference),
            ))
    }

    #[test]
    fn references_to_declared_things_resolve() {
        for reference in [
            BUCKET.attr("arn"),
            BUCKET.at(0).attr("arn").into(),
            BUCKET.address(),
            var("project"),
            local("name"),
            PARTITION.attr("partition"),
            ModuleCall::new("api").output("url"),
            path_module(),
            Expr::template("{}/*", vec![BUCKET.attr("arn")]),
            Expr::for_each("statement", var("project"), |statement| {
                Expr::call("jsondecode", vec![statement.attr("Policy").into()]).get("Action")
            }),
        ] {
            assert_eq!(unresolved(&[&folder(reference)]), Vec::<String>::new());
        }
    }

    #[test]
    fn a_mistyped_reference_is_reported() {
        let cases = [
            (
                Resource::new("aws_s3_bucket", "lgos").attr("arn"),
                "`aws_s3_bucket.lgos.arn` refers to no declared resource",
            ),
            (
                Resource::new("aws_s3_buckt", "logs").attr("arn"),
                "`aws_s3_buckt.logs.arn` refers to no declared resource",
            ),
            (
                var("projcet"),
                "`var.projcet` refers to no declared input variable",
            ),
            (
                local("nmae"),
                "`local.nmae` refers to no declared local value",
            ),
            (
                DataSource::new("aws_partition", "curent").attr("partition"),
                "`data.aws_partition.curent.partition` refers to no declared data source",
            ),
            (
                ModuleCall::new("apj").output("url"),
                "`module.apj.url` refers to no declared module call",
            ),
            // A mistyped root (`vra` for `var`) reads as a resource type nothing declares.
            (
                Traversal::new(Ident::known("vra")).attr("project").into(),
                "`vra.project` refers to no declared resource",
            ),
            (
                Traversal::new(Ident::known("path")).attr("modul").into(),
                "`path.modul` refers to no declared path value",
            ),
            // Inside operators and conditions too.
            (
                Expr::cond(var("projcet"), 1i64, 0i64),
                "`var.projcet` refers to no declared input variable",
            ),
            // A `for` binds its element's name in its value only, not in its collection
            // and not outside it.
            (
                Expr::for_each("s", var("projcet"), |s| s.attr("x").into()),
                "`var.projcet` refers to no declared input variable",
            ),
            (
                Expr::for_each("s", var("project"), |_| local("nmae")),
                "`local.nmae` refers to no declared local value",
            ),
            (
                Expr::for_each("s", Traversal::new(Ident::known("s")).attr("x"), |s| {
                    s.into()
                }),
                "`s.x` refers to no declared resource",
            ),
            (
                Expr::call("jsondecode", vec![var("projcet")]).get("Statement"),
                "`var.projcet` refers to no declared input variable",
            ),
        ];
        for (reference, expected) in cases {
            assert_eq!(unresolved(&[&folder(reference)]), [expected]);
        }
    }
}
