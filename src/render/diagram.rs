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

use crate::hcl::{Block, Body, Expr, Item, Traversal};
use std::collections::{BTreeMap, BTreeSet};

/// The fenced Mermaid block for the module whose files are `files` (file name, tree), in the
/// order given.
pub(super) fn mermaid(files: &[(&str, &Body)]) -> String {
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
fn address_of(path: &Traversal) -> Option<String> {
    let second = path.attr_names().next()?;
    match path.root.as_str() {
        "var" => Some(format!("var.{second}")),
        "data" | "local" | "path" | "module" | "each" | "count" | "self" | "terraform" => None,
        kind => Some(format!("{kind}.{second}")),
    }
}

/// Every traversal in `expr`, wherever it sits: arguments, templates, conditions, operands.
fn expr_references(expr: &Expr, out: &mut BTreeSet<String>, urls: &mut BTreeSet<String>) {
    expr.for_each_traversal(&mut |path| {
        if let Some(address) = address_of(path) {
            if path
                .attr_names()
                .last()
                .is_some_and(|name| name == "invoke_url")
            {
                urls.insert(address.clone());
            }
            out.insert(address);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hcl::BinaryOp;
    use crate::hcl::reference::{DataSource, Resource, local, var};

    #[test]
    fn addresses_drop_attributes_and_indexes() {
        let role = Resource::new("aws_iam_role", "apigateway_cloudwatch");
        let address = |expr: Expr| match expr {
            Expr::Traversal(path) => address_of(&path),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            address(role.at(0).attr("name").into()).as_deref(),
            Some("aws_iam_role.apigateway_cloudwatch")
        );
        assert_eq!(
            address(DataSource::new("aws_partition", "current").attr("partition")),
            None
        );
        assert_eq!(address(local("name")), None);
        assert_eq!(address(var("x")).as_deref(), Some("var.x"));
    }

    #[test]
    fn references_inside_conditions_and_operators_are_found_and_strings_are_not() {
        let mut out = BTreeSet::new();
        let mut urls = BTreeSet::new();
        let key = Resource::new("aws_kms_key", "k");
        expr_references(
            &Expr::cond(
                Expr::binary(var("bucket_sse_algorithm"), BinaryOp::Eq, "aws:kms.x"),
                key.attr("arn"),
                Expr::Null,
            ),
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
        const ONE: Resource = Resource::new("a_x", "one");
        const TWO: Resource = Resource::new("a_x", "two");
        let body = Body::new()
            .block(ONE.declare(Body::new()))
            .block(TWO.declare(Body::new().attr("p", ONE.attr("id"))))
            .block(
                Resource::new("a_x", "three").declare(
                    Body::new()
                        .attr("p", ONE.attr("id"))
                        .attr("q", TWO.attr("id")),
                ),
            );
        let chart = mermaid(&[("main.tf", &body)]);
        assert!(chart.contains("a_x_three --> a_x_two\n"), "{chart}");
        assert!(chart.contains("a_x_two --> a_x_one\n"), "{chart}");
        assert!(!chart.contains("a_x_three --> a_x_one"), "{chart}");
    }
}
