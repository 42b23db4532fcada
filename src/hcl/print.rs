//! The canonical printer: its output is byte-identical to what `tofu fmt` writes.
//!
//! `tofu fmt` only changes the spaces before tokens; it keeps every newline. So the printer
//! chooses where lines break (one object element per line, like hclwrite), and then spaces
//! exactly as fmt would: two-space indents, `=` aligned across each run of consecutive
//! single-line attributes, one blank line around blocks.

use super::escape::{is_bare_key, quote};
use super::{
    Block, Body, Expr, Item, ObjectEntry, Step, TemplatePart, Traversal, TypeExpr, UnaryOp,
};
use unicode_segmentation::UnicodeSegmentation;

/// Renders one expression on a single line where it fits (for documentation).
pub fn inline(value: &Expr) -> String {
    expr(value, 0)
}

/// Prints a whole file.
pub fn print(body: &Body) -> String {
    let mut out = String::new();
    print_body(&mut out, body, 0);
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// fmt measures alignment in grapheme clusters of the text as written.
fn width(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.graphemes(true).count()
    }
}

fn print_body(out: &mut String, body: &Body, level: usize) {
    let items = &body.items;
    let values: Vec<Option<String>> = items
        .iter()
        .map(|item| match item {
            Item::Attribute(attr) => Some(expr(&attr.value, level)),
            _ => None,
        })
        .collect();
    let single_line = |i: usize| values[i].as_deref().is_some_and(|v| !v.contains('\n'));
    let key_widths: Vec<usize> = items
        .iter()
        .map(|item| match item {
            Item::Attribute(attr) => width(&attr.key),
            _ => 0,
        })
        .collect();
    let aligned = align_runs(items.len(), single_line, |i| key_widths[i]);

    for (i, item) in items.iter().enumerate() {
        if needs_blank_before(items, i) {
            out.push('\n');
        }
        match item {
            Item::Attribute(attr) => {
                indent(out, level);
                out.push_str(&attr.key);
                pad(out, aligned[i].saturating_sub(key_widths[i]));
                out.push_str(" = ");
                out.push_str(values[i].as_deref().unwrap_or_default());
                out.push('\n');
            }
            Item::Block(block) => print_block(out, block, level),
            Item::Comment(text) => comment(out, text, level),
            Item::Blank => out.push('\n'),
        }
    }
}

fn pad(out: &mut String, spaces: usize) {
    for _ in 0..spaces {
        out.push(' ');
    }
}

/// For each item, the width its key is padded to: the widest key in its run of consecutive
/// single-line entries (anything else, including a multi-line value, ends a run).
fn align_runs(
    len: usize,
    single_line: impl Fn(usize) -> bool,
    key_width: impl Fn(usize) -> usize,
) -> Vec<usize> {
    let mut aligned = vec![0; len];
    let mut start = 0;
    while start < len {
        if !single_line(start) {
            aligned[start] = key_width(start);
            start += 1;
            continue;
        }
        let mut end = start;
        while end < len && single_line(end) {
            end += 1;
        }
        let widest = (start..end).map(&key_width).max().unwrap_or(0);
        for slot in &mut aligned[start..end] {
            *slot = widest;
        }
        start = end;
    }
    aligned
}

/// One blank line separates a block (with the comments above it) from its neighbours.
fn needs_blank_before(items: &[Item], i: usize) -> bool {
    if i == 0 || matches!(items[i], Item::Blank) || matches!(items[i - 1], Item::Blank) {
        return false;
    }
    let prev = &items[i - 1];
    let leads_to_block = items[i..]
        .iter()
        .find(|item| !matches!(item, Item::Comment(_)))
        .is_some_and(|item| matches!(item, Item::Block(_)));
    let starts_block_group = match items[i] {
        Item::Block(_) => !matches!(prev, Item::Comment(_)),
        Item::Comment(_) => leads_to_block && !matches!(prev, Item::Comment(_)),
        _ => false,
    };
    starts_block_group || matches!(prev, Item::Block(_))
}

fn comment(out: &mut String, text: &str, level: usize) {
    for line in text.lines() {
        indent(out, level);
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
}

fn print_block(out: &mut String, block: &Block, level: usize) {
    indent(out, level);
    out.push_str(&block.ident);
    for label in &block.labels {
        out.push(' ');
        out.push_str(&quote(label));
    }
    if block.body.is_empty() {
        out.push_str(" {}\n");
        return;
    }
    out.push_str(" {\n");
    print_body(out, &block.body, level + 1);
    indent(out, level);
    out.push_str("}\n");
}

/// Renders an expression whose first line continues a line at `level`. Multi-line results
/// put their inner lines at `level + 1` and their closing bracket at `level`.
fn expr(value: &Expr, level: usize) -> String {
    match value {
        Expr::Null => "null".to_owned(),
        Expr::Bool(b) => b.to_string(),
        Expr::Number(n) => n.to_string(),
        Expr::String(s) => quote(s),
        Expr::Template(parts) => template(parts),
        Expr::Traversal(path) => traversal(path),
        Expr::Call(name, args) => call(name, args, level),
        Expr::Tuple(elements) => tuple(elements, level),
        Expr::Object(entries) => object(entries, level),
        // A multi-line branch (a tuple of statements) opens its bracket on the line of the
        // condition and closes it at this level: `cond ? [` ... `] : []`, as fmt keeps it.
        Expr::Conditional {
            cond,
            then,
            otherwise,
        } => format!(
            "{} ? {} : {}",
            operand(cond, level, PREC_CONDITIONAL + 1),
            expr(then, level),
            expr(otherwise, level)
        ),
        Expr::Binary(op, lhs, rhs) => format!(
            "{} {} {}",
            operand(lhs, level, op.precedence()),
            op.symbol(),
            // Operators are left-associative: an equal one on the right needs parentheses.
            operand(rhs, level, op.precedence() + 1)
        ),
        Expr::Unary(op, inner) => {
            let symbol = match op {
                UnaryOp::Not => "!",
                UnaryOp::Neg => "-",
            };
            format!("{symbol}{}", operand(inner, level, PREC_UNARY))
        }
        Expr::Parens(inner) => format!("({})", expr(inner, level)),
        Expr::Type(ty) => type_expr(ty, level),
        Expr::Attr(inner, name) => format!("{}.{name}", operand(inner, level, PREC_PRIMARY)),
        Expr::For {
            name,
            collection,
            value,
        } => format!(
            "[for {name} in {} : {}]",
            expr(collection, level),
            expr(value, level)
        ),
    }
}

const PREC_CONDITIONAL: u8 = 0;
const PREC_UNARY: u8 = 7;
/// Literals, traversals, calls, brackets: nothing binds tighter.
const PREC_PRIMARY: u8 = 8;

fn precedence(value: &Expr) -> u8 {
    match value {
        Expr::Conditional { .. } => PREC_CONDITIONAL,
        Expr::Binary(op, ..) => op.precedence(),
        Expr::Unary(..) => PREC_UNARY,
        // `-1` is a unary minus applied to 1 when parsed.
        Expr::Number(n) if *n < 0 => PREC_UNARY,
        _ => PREC_PRIMARY,
    }
}

/// An operand, in parentheses when it binds less tightly than `min` requires.
fn operand(value: &Expr, level: usize, min: u8) -> String {
    if precedence(value) < min {
        format!("({})", expr(value, level))
    } else {
        expr(value, level)
    }
}

fn traversal(path: &Traversal) -> String {
    let mut out = path.root.to_string();
    for step in &path.steps {
        match step {
            Step::Attr(name) => {
                out.push('.');
                out.push_str(name);
            }
            Step::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    out
}

fn type_expr(ty: &TypeExpr, level: usize) -> String {
    match ty {
        TypeExpr::String => "string".to_owned(),
        TypeExpr::Number => "number".to_owned(),
        TypeExpr::Bool => "bool".to_owned(),
        TypeExpr::Any => "any".to_owned(),
        TypeExpr::List(inner) => format!("list({})", type_expr(inner, level)),
        TypeExpr::Set(inner) => format!("set({})", type_expr(inner, level)),
        TypeExpr::Map(inner) => format!("map({})", type_expr(inner, level)),
        TypeExpr::Object(fields) => {
            let entries: Vec<ObjectEntry> = fields
                .iter()
                .map(|(name, ty)| ObjectEntry {
                    key: name.to_string(),
                    value: Expr::Type(ty.clone()),
                    comment: None,
                })
                .collect();
            format!("object({})", object(&entries, level))
        }
        TypeExpr::Optional(inner, None) => format!("optional({})", type_expr(inner, level)),
        TypeExpr::Optional(inner, Some(default)) => format!(
            "optional({}, {})",
            type_expr(inner, level),
            expr(default, level)
        ),
    }
}

fn template(parts: &[TemplatePart]) -> String {
    let mut out = String::from("\"");
    for part in parts {
        match part {
            TemplatePart::Literal(text) => out.push_str(&super::escape::escape(text)),
            TemplatePart::Interpolation(inner) => {
                out.push_str("${");
                out.push_str(&expr(inner, 0));
                out.push('}');
            }
        }
    }
    out.push('"');
    out
}

fn call(name: &str, args: &[Expr], level: usize) -> String {
    let rendered: Vec<String> = args.iter().map(|arg| expr(arg, level)).collect();
    let multi_line = rendered.iter().filter(|arg| arg.contains('\n')).count();
    let last_is_multi_line = rendered.last().is_some_and(|arg| arg.contains('\n'));
    if multi_line == 0 || (multi_line == 1 && last_is_multi_line) {
        // `jsonencode({` ... `})`: fmt pushes one level for the line however many brackets
        // it opens, so the inner lines sit one level deeper than the call.
        return format!("{name}({})", rendered.join(", "));
    }
    one_per_line(&format!("{name}("), args, ')', level)
}

/// `open`, then each item on its own line one level deeper with a trailing comma, then
/// `close` at `level`: how fmt lays out a call or a tuple too long for one line.
fn one_per_line(open: &str, items: &[Expr], close: char, level: usize) -> String {
    let mut out = format!("{open}\n");
    for item in items {
        indent(&mut out, level + 1);
        out.push_str(&expr(item, level + 1));
        out.push_str(",\n");
    }
    indent(&mut out, level);
    out.push(close);
    out
}

/// Tuples longer than this are printed one element per line, to keep lines reviewable.
const MAX_INLINE_TUPLE: usize = 100;

fn tuple(elements: &[Expr], level: usize) -> String {
    let inline: Vec<String> = elements
        .iter()
        .map(|element| expr(element, level))
        .collect();
    let width: usize = inline.iter().map(|element| element.len() + 2).sum();
    // A list of numbers (the retention periods CloudWatch accepts) stays on one line
    // however long: one number per line is no easier to review.
    let numbers = elements
        .iter()
        .all(|element| matches!(element, Expr::Number(_)));
    if (numbers || width <= MAX_INLINE_TUPLE)
        && inline.iter().all(|element| !element.contains('\n'))
    {
        return format!("[{}]", inline.join(", "));
    }
    one_per_line("[", elements, ']', level)
}

fn object_key(key: &str) -> String {
    if is_bare_key(key) {
        key.to_owned()
    } else {
        quote(key)
    }
}

fn object(entries: &[ObjectEntry], level: usize) -> String {
    if entries.is_empty() {
        return "{}".to_owned();
    }
    let keys: Vec<String> = entries.iter().map(|entry| object_key(&entry.key)).collect();
    let values: Vec<String> = entries
        .iter()
        .map(|entry| expr(&entry.value, level + 1))
        .collect();
    let key_widths: Vec<usize> = keys.iter().map(|key| width(key)).collect();
    // A comment line above an entry ends the run before it.
    let mut aligned = vec![0; entries.len()];
    let mut run_start = 0;
    for i in 0..=entries.len() {
        if i == entries.len() || (i > run_start && entries[i].comment.is_some()) {
            let run = align_runs(
                i - run_start,
                |j| !values[run_start + j].contains('\n'),
                |j| key_widths[run_start + j],
            );
            aligned[run_start..i].copy_from_slice(&run);
            run_start = i;
        }
    }
    let mut out = String::from("{\n");
    for (i, entry) in entries.iter().enumerate() {
        if let Some(text) = &entry.comment {
            comment(&mut out, text, level + 1);
        }
        indent(&mut out, level + 1);
        out.push_str(&keys[i]);
        pad(&mut out, aligned[i].saturating_sub(key_widths[i]));
        out.push_str(" = ");
        out.push_str(&values[i]);
        out.push('\n');
    }
    indent(&mut out, level);
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hcl::reference::{Resource, var};
    use crate::hcl::{BinaryOp, Block, Body, Expr, Ident, TypeExpr, UnaryOp};

    #[test]
    fn aligns_runs_of_single_line_attributes() {
        let body = Body::new()
            .attr("bucket", "x")
            .attr("force_destroy", false)
            .attr(
                "tags",
                Expr::object([
                    ("Name", Expr::string("x")),
                    ("Environment-Name", Expr::string("y")),
                ]),
            )
            .attr("a", 1i64);
        assert_eq!(
            print(&body),
            "bucket        = \"x\"\nforce_destroy = false\ntags = {\n  Name             = \"x\"\n  Environment-Name = \"y\"\n}\na = 1\n"
        );
    }

    #[test]
    fn separates_blocks_with_blank_lines() {
        let body = Body::new()
            .block(Block::new(
                "terraform",
                &[],
                Body::new().attr("required_version", ">= 1.6"),
            ))
            .comment("the bucket")
            .block(Resource::new("aws_s3_bucket", "logs").declare(Body::new()));
        assert_eq!(
            print(&body),
            "terraform {\n  required_version = \">= 1.6\"\n}\n\n# the bucket\nresource \"aws_s3_bucket\" \"logs\" {}\n"
        );
    }

    #[test]
    fn prints_calls_with_one_multi_line_argument_inline() {
        let body = Body::new().attr(
            "policy",
            Expr::call(
                "jsonencode",
                vec![Expr::object([("Version", Expr::string("2012-10-17"))])],
            ),
        );
        assert_eq!(
            print(&body),
            "policy = jsonencode({\n  Version = \"2012-10-17\"\n})\n"
        );
    }

    #[test]
    fn prints_tuples_of_objects_one_per_line() {
        let body = Body::new().attr(
            "s",
            Expr::Tuple(vec![
                Expr::object([("a", Expr::Number(1))]),
                Expr::Number(2),
            ]),
        );
        assert_eq!(print(&body), "s = [\n  {\n    a = 1\n  },\n  2,\n]\n");
    }

    #[test]
    fn quotes_keys_that_are_not_identifiers() {
        let body = Body::new().attr(
            "tags",
            Expr::object([("aws:x", Expr::Null), ("for", Expr::Bool(true))]),
        );
        assert_eq!(
            print(&body),
            "tags = {\n  \"aws:x\" = null\n  \"for\"   = true\n}\n"
        );
    }
    #[test]
    fn prints_operators_with_the_parentheses_precedence_needs() {
        let x = || var("x");
        let cases = [
            (
                Expr::binary(x(), BinaryOp::Eq, -1i64).or(Expr::binary(x(), BinaryOp::Ge, 1i64)),
                "var.x == -1 || var.x >= 1",
            ),
            // Written parentheses are kept; needed ones are added.
            (
                Expr::binary(x(), BinaryOp::Eq, 10i64).or(Expr::parens(
                    Expr::binary(x(), BinaryOp::Ge, 60i64).and(Expr::binary(
                        Expr::binary(x(), BinaryOp::Mod, 60i64),
                        BinaryOp::Eq,
                        0i64,
                    )),
                )),
                "var.x == 10 || (var.x >= 60 && var.x % 60 == 0)",
            ),
            (
                Expr::binary(x(), BinaryOp::Or, x()).and(x()),
                "(var.x || var.x) && var.x",
            ),
            (
                Expr::binary(x(), BinaryOp::Sub, Expr::binary(x(), BinaryOp::Sub, x())),
                "var.x - (var.x - var.x)",
            ),
            (
                Expr::Unary(UnaryOp::Not, Box::new(x().and(x()))),
                "!(var.x && var.x)",
            ),
            (
                Expr::cond(
                    Expr::binary(x(), BinaryOp::Eq, "aws:kms"),
                    var("k"),
                    Expr::Null,
                ),
                "var.x == \"aws:kms\" ? var.k : null",
            ),
            (
                Expr::binary(Expr::cond(x(), 1i64, 0i64), BinaryOp::Add, 1i64),
                "(var.x ? 1 : 0) + 1",
            ),
            (
                Expr::cond(Expr::cond(x(), x(), x()), 1i64, 0i64),
                "(var.x ? var.x : var.x) ? 1 : 0",
            ),
        ];
        for (tree, text) in cases {
            assert_eq!(inline(&tree), text);
        }
    }

    #[test]
    fn prints_type_constraints() {
        let cases = [
            (TypeExpr::map(TypeExpr::String), "map(string)"),
            (
                TypeExpr::list(TypeExpr::set(TypeExpr::Number)),
                "list(set(number))",
            ),
            (
                TypeExpr::Object(vec![
                    (Ident::known("name"), TypeExpr::String),
                    (
                        Ident::known("enabled"),
                        TypeExpr::optional(TypeExpr::Bool, Some(Expr::Bool(true))),
                    ),
                    (Ident::known("any"), TypeExpr::optional(TypeExpr::Any, None)),
                ]),
                "object({\n  name    = string\n  enabled = optional(bool, true)\n  any     = optional(any)\n})",
            ),
        ];
        for (ty, text) in cases {
            assert_eq!(inline(&Expr::Type(ty)), text);
        }
    }

    #[test]
    fn prints_a_conditional_with_a_multi_line_branch_as_fmt_indents_it() {
        let statement = Expr::object([("Sid", Expr::string("A")), ("Resource", Expr::string("*"))]);
        let body = Body::new().attr(
            "s",
            Expr::call(
                "concat",
                vec![
                    Expr::cond(var("on"), Expr::Tuple(vec![statement]), Expr::Tuple(vec![])),
                    Expr::Tuple(vec![]),
                ],
            ),
        );
        assert_eq!(
            print(&body),
            "s = concat(\n  var.on ? [\n    {\n      Sid      = \"A\"\n      Resource = \"*\"\n    },\n  ] : [],\n  [],\n)\n"
        );
    }

    #[test]
    fn prints_lists_of_numbers_on_one_line() {
        let numbers = Expr::Tuple((1..=40).map(Expr::Number).collect());
        assert!(!inline(&numbers).contains('\n'));
        let strings = Expr::strings((1..=40).map(|n| n.to_string()));
        assert!(inline(&strings).contains('\n'));
    }

    #[test]
    fn prints_traversals_with_indexes() {
        let path = Resource::new("aws_iam_role", "x").at(0).attr("name");
        assert_eq!(inline(&path.into()), "aws_iam_role.x[0].name");
    }

    #[test]
    fn prints_for_expressions_and_attributes_of_values() {
        let policy = Expr::call("jsondecode", vec![var("policy")]).get("Statement");
        let actions = Expr::for_each("statement", policy, |statement| {
            statement.attr("Action").into()
        });
        assert_eq!(
            inline(&actions),
            "[for statement in jsondecode(var.policy).Statement : statement.Action]"
        );
        // An attribute of an operation needs parentheses; of a call or a `for`, none.
        let sum = Expr::binary(var("a"), BinaryOp::Add, var("b")).get("c");
        assert_eq!(inline(&sum), "(var.a + var.b).c");
        let nested = Expr::for_each("x", actions.clone(), |x| {
            !Expr::call("strcontains", vec![x.into(), Expr::string("*")])
        });
        assert_eq!(
            inline(&nested),
            "[for x in [for statement in jsondecode(var.policy).Statement : statement.Action] : !strcontains(x, \"*\")]"
        );
    }
}
