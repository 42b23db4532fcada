//! The module's architecture as a Mermaid flowchart, computed from the rendered HCL trees, so
//! it changes whenever the module does and is never drawn by hand.
//!
//! Nodes are the module's resources, grouped by the file that declares them; an arrow
//! `a --> b` means that `a` uses an attribute of `b` (in an argument or a nested block;
//! `depends_on` only orders creation and is not drawn).
//! Arrows implied by a longer path are left out (a transitive reduction), so the chart shows
//! the chain a request takes — client, stage, deployment, integration, function, bucket —
//! rather than every back-reference to the REST API. Resources created only under a
//! condition (`count`, `for_each`) and inputs naming resources outside the module (`*_arn`,
//! `*_arns`, empty by default) are drawn dashed, as optional. The client is whoever calls
//! the URL the module outputs (`*.invoke_url`).

use crate::hcl::{Block, Body, Expr, Item, TemplatePart};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// The fenced Mermaid block for the module whose files are `files` (file name, tree), in the
/// order given.
pub fn mermaid(files: &[(&str, &Body)]) -> String {
    let graph = Graph::read(files);
    let mut out = String::from("```mermaid\nflowchart LR\n");
    let id = |address: &str| address.replace(['.', '-'], "_");
    if !graph.clients.is_empty() {
        out.push_str("  client([\"Client\"])\n");
    }
    let mut by_file: Vec<(&str, Vec<&Node>)> = Vec::new();
    for node in &graph.nodes {
        match by_file.iter_mut().find(|(file, _)| *file == node.file) {
            Some((_, nodes)) => nodes.push(node),
            None => by_file.push((node.file, vec![node])),
        }
    }
    for (file, nodes) in &by_file {
        out.push_str(&format!(
            "  subgraph {}[\"{file}\"]\n",
            file.replace('.', "_")
        ));
        for node in nodes {
            let label = if node.optional {
                format!("{}<br/>(optional)", node.address)
            } else {
                node.address.clone()
            };
            out.push_str(&format!("    {}[\"{label}\"]\n", id(&node.address)));
        }
        out.push_str("  end\n");
    }
    for input in &graph.inputs {
        out.push_str(&format!(
            "  {}[/\"var.{input}\"/]\n",
            id(&format!("var.{input}"))
        ));
    }
    let optional: BTreeSet<String> = graph
        .nodes
        .iter()
        .filter(|n| n.optional)
        .map(|n| n.address.clone())
        .chain(graph.inputs.iter().map(|i| format!("var.{i}")))
        .collect();
    let arrow = |to: &str| {
        if optional.contains(to) { "-.->" } else { "-->" }
    };
    for to in &graph.clients {
        out.push_str(&format!("  client {} {}\n", arrow(to), id(to)));
    }
    for (from, to) in graph.edges() {
        out.push_str(&format!("  {} {} {}\n", id(from), arrow(to), id(to)));
    }
    if !optional.is_empty() {
        out.push_str("  classDef optional stroke-dasharray: 5 5\n");
        let ids: Vec<String> = optional.iter().map(|a| id(a)).collect();
        out.push_str(&format!("  class {} optional\n", ids.join(",")));
    }
    out.push_str("```");
    out
}

struct Node<'a> {
    file: &'a str,
    /// `type.name`.
    address: String,
    optional: bool,
    /// Addresses of the resources and names of the external inputs it refers to.
    refers_to: BTreeSet<String>,
}

struct Graph<'a> {
    nodes: Vec<Node<'a>>,
    /// External inputs some resource refers to, in first-use order.
    inputs: Vec<String>,
    /// Resources whose invoke URL the module outputs.
    clients: Vec<String>,
}

impl<'a> Graph<'a> {
    fn read(files: &[(&'a str, &'a Body)]) -> Self {
        let mut nodes = Vec::new();
        let mut clients = Vec::new();
        for (file, body) in files {
            for item in &body.items {
                let Item::Block(block) = item else { continue };
                match (block.ident.as_str(), block.labels.as_slice()) {
                    ("resource", [kind, name]) => {
                        let mut refers_to = BTreeSet::new();
                        block_references(block, &mut refers_to);
                        let optional = block.body.items.iter().any(|item| {
                            matches!(item, Item::Attribute(a) if a.key == "count" || a.key == "for_each")
                        });
                        nodes.push(Node {
                            file,
                            address: format!("{kind}.{name}"),
                            optional,
                            refers_to,
                        });
                    }
                    ("output", _) => {
                        let mut refers_to = BTreeSet::new();
                        let mut urls = BTreeSet::new();
                        body_references(&block.body, &mut refers_to, &mut urls);
                        clients.extend(urls);
                    }
                    _ => {}
                }
            }
        }
        let addresses: BTreeSet<String> = nodes.iter().map(|n| n.address.clone()).collect();
        let mut inputs = Vec::new();
        for node in &mut nodes {
            // Only references to the module's own resources and to external inputs remain.
            node.refers_to.retain(|target| {
                (addresses.contains(target) && *target != node.address)
                    || target.strip_prefix("var.").is_some_and(is_external_input)
            });
            for target in &node.refers_to {
                if let Some(input) = target.strip_prefix("var.")
                    && !inputs.iter().any(|i: &String| i == input)
                {
                    inputs.push(input.to_owned());
                }
            }
        }
        clients.retain(|c| addresses.contains(c));
        clients.dedup();
        Graph {
            nodes,
            inputs,
            clients,
        }
    }

    /// Every reference, minus those implied by a longer path, in declaration order.
    fn edges(&self) -> Vec<(&str, &str)> {
        let targets = |address: &str| -> Vec<&str> {
            self.nodes
                .iter()
                .find(|n| n.address == address)
                .map(|n| n.refers_to.iter().map(String::as_str).collect())
                .unwrap_or_default()
        };
        let order: BTreeMap<&str, usize> = self
            .nodes
            .iter()
            .map(|n| n.address.as_str())
            .chain(self.inputs.iter().map(String::as_str))
            .enumerate()
            .map(|(i, a)| (a, i))
            .collect();
        let mut edges = Vec::new();
        for node in &self.nodes {
            let mut direct: Vec<&str> = node.refers_to.iter().map(String::as_str).collect();
            direct.sort_by_key(|t| order.get(t).copied().unwrap_or(usize::MAX));
            for &to in &direct {
                // Implied: reachable from another direct target of the same node.
                let implied = direct
                    .iter()
                    .filter(|&&other| other != to)
                    .any(|&other| reaches(other, to, &targets));
                if !implied {
                    edges.push((node.address.as_str(), to));
                }
            }
        }
        edges
    }
}

/// Whether `to` can be reached from `from` along references (the graph has no cycles:
/// OpenTofu refuses those).
fn reaches<'a>(from: &'a str, to: &str, targets: &dyn Fn(&'a str) -> Vec<&'a str>) -> bool {
    let mut pending = vec![from];
    let mut seen = BTreeSet::new();
    while let Some(current) = pending.pop() {
        if current == to {
            return true;
        }
        if seen.insert(current) {
            pending.extend(targets(current));
        }
    }
    false
}

/// An input that names something outside the module, such as `alarm_sns_topic_arns`.
fn is_external_input(name: &str) -> bool {
    name.ends_with("_arn") || name.ends_with("_arns")
}

fn block_references(block: &Block, out: &mut BTreeSet<String>) {
    let mut urls = BTreeSet::new();
    body_references(&block.body, out, &mut urls);
}

fn body_references(body: &Body, out: &mut BTreeSet<String>, urls: &mut BTreeSet<String>) {
    for item in &body.items {
        match item {
            // An ordering constraint, not a use of the other resource's attributes.
            Item::Attribute(attr) if attr.key == "depends_on" => {}
            Item::Attribute(attr) => expr_references(&attr.value, out, urls),
            Item::Block(block) => body_references(&block.body, out, urls),
            Item::Comment(_) | Item::Blank => {}
        }
    }
}

/// `type.name` of a traversal such as `aws_s3_bucket.logs.arn` or
/// `aws_iam_role.apigateway_cloudwatch[0].name`; `var.x` for inputs; nothing for data
/// sources, locals and `path`.
fn address_of(path: &str) -> Option<String> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let second = parts.next()?;
    let second = second.split('[').next().unwrap_or(second);
    match first {
        "var" => Some(format!("var.{second}")),
        "data" | "local" | "path" | "module" | "each" | "count" | "self" | "terraform" => None,
        _ => Some(format!("{first}.{second}")),
    }
}

/// Traversals inside operator expressions tapgen writes as text, such as
/// `var.manage_account_logging_role ? 1 : 0`.
static TRAVERSAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[a-z][a-z0-9_]*\.[a-z_][a-z0-9_]*(\[[0-9]+\])?")
        .unwrap_or_else(|_| unreachable!())
});

fn expr_references(expr: &Expr, out: &mut BTreeSet<String>, urls: &mut BTreeSet<String>) {
    match expr {
        Expr::Reference(path) => {
            if let Some(address) = address_of(path) {
                if path.ends_with(".invoke_url") {
                    urls.insert(address.clone());
                }
                out.insert(address);
            }
        }
        Expr::Raw(code) => {
            for found in TRAVERSAL.find_iter(&strip_strings(code)) {
                if let Some(address) = address_of(found.as_str()) {
                    out.insert(address);
                }
            }
        }
        Expr::Template(parts) => {
            for part in parts {
                if let TemplatePart::Interpolation(inner) = part {
                    expr_references(inner, out, urls);
                }
            }
        }
        Expr::Call(_, args) | Expr::Tuple(args) => {
            for arg in args {
                expr_references(arg, out, urls);
            }
        }
        Expr::Object(entries) => {
            for entry in entries {
                expr_references(&entry.value, out, urls);
            }
        }
        Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_) => {}
    }
}

/// The code with the contents of its string literals blanked, so that `"aws:kms"` or
/// `"kms:GenerateDataKey"` are not read as traversals.
fn strip_strings(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in code.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    in_string = false;
                    out.push('"');
                }
                _ => {}
            }
            if in_string {
                out.push(' ');
            }
        } else {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_drop_attributes_and_indexes() {
        assert_eq!(
            address_of("aws_iam_role.apigateway_cloudwatch[0].name").as_deref(),
            Some("aws_iam_role.apigateway_cloudwatch")
        );
        assert_eq!(address_of("data.aws_partition.current.partition"), None);
        assert_eq!(address_of("local.name"), None);
        assert_eq!(address_of("var.x").as_deref(), Some("var.x"));
    }

    #[test]
    fn strings_inside_raw_code_are_not_references() {
        let mut out = BTreeSet::new();
        let mut urls = BTreeSet::new();
        expr_references(
            &Expr::raw("var.bucket_sse_algorithm == \"aws:kms.x\" ? aws_kms_key.k.arn : null"),
            &mut out,
            &mut urls,
        );
        assert_eq!(
            out.into_iter().collect::<Vec<_>>(),
            ["aws_kms_key.k", "var.bucket_sse_algorithm"]
        );
    }

    #[test]
    fn implied_arrows_are_left_out() {
        let body = Body::new()
            .block(Block::resource("a_x", "one", Body::new()))
            .block(Block::resource(
                "a_x",
                "two",
                Body::new().attr("p", Expr::reference("a_x.one.id")),
            ))
            .block(Block::resource(
                "a_x",
                "three",
                Body::new()
                    .attr("p", Expr::reference("a_x.one.id"))
                    .attr("q", Expr::reference("a_x.two.id")),
            ));
        let chart = mermaid(&[("main.tf", &body)]);
        assert!(chart.contains("a_x_three --> a_x_two\n"), "{chart}");
        assert!(chart.contains("a_x_two --> a_x_one\n"), "{chart}");
        assert!(!chart.contains("a_x_three --> a_x_one"), "{chart}");
    }
}
