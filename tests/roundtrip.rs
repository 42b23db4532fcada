//! Every printed document, parsed by an independent HCL parser (hcl-rs), equals the tree it
//! was printed from; and arbitrary strings survive print then parse exactly.

use crate::support::{render, repo, test_configs};
use hcl::expr::{Expression, FuncCall, Object, ObjectKey};
use hcl::{Identifier, Structure};
use proptest::prelude::*;
use std::str::FromStr;
use tapgen::hcl::{Block, Body, Expr, Item, print};
use tapgen::output::Document;

/// Our tree as hcl-rs's structure: what parsing the printed text must give.
fn to_hcl_body(body: &Body) -> hcl::Body {
    let mut builder = hcl::Body::builder();
    for item in &body.items {
        match item {
            Item::Attribute(attr) => {
                builder = builder.add_attribute((attr.key.as_str(), to_hcl_expr(&attr.value)))
            }
            Item::Block(block) => builder = builder.add_block(to_hcl_block(block)),
            Item::Comment(_) | Item::Blank => {}
        }
    }
    builder.build()
}

fn to_hcl_block(block: &Block) -> hcl::Block {
    let mut builder = hcl::Block::builder(block.ident.as_str());
    for label in &block.labels {
        builder = builder.add_label(hcl::BlockLabel::String(label.to_string()));
    }
    let body = to_hcl_body(&block.body);
    builder.add_structures(body.into_inner()).build()
}

fn to_hcl_expr(expr: &Expr) -> Expression {
    match expr {
        Expr::Null => Expression::Null,
        Expr::Bool(b) => Expression::Bool(*b),
        Expr::Number(n) => Expression::Number((*n).into()),
        Expr::String(s) => Expression::String(s.clone()),
        Expr::Tuple(items) => Expression::Array(items.iter().map(to_hcl_expr).collect()),
        Expr::Object(entries) => {
            let mut object = Object::new();
            for entry in entries {
                let key = if tapgen::hcl::escape::is_bare_key(&entry.key) {
                    ObjectKey::Identifier(Identifier::new(entry.key.as_str()).expect("identifier"))
                } else {
                    ObjectKey::Expression(Expression::String(entry.key.clone()))
                };
                object.insert(key, to_hcl_expr(&entry.value));
            }
            Expression::Object(object)
        }
        Expr::Call(name, args) => {
            let mut call =
                FuncCall::builder(Identifier::new(name.as_str()).expect("function name"));
            for arg in args {
                call = call.arg(to_hcl_expr(arg));
            }
            Expression::from(call.build())
        }
        // References, templates, conditions, operators and types: parsing each on its own
        // proves it is valid HCL.
        other => {
            let text = print::inline(other);
            let parsed = Expression::from_str(&text);
            assert!(
                parsed.is_ok(),
                "expression does not parse: {text}: {parsed:?}"
            );
            parsed.unwrap_or(Expression::Null)
        }
    }
}

fn assert_round_trips(name: &str, body: &Body) {
    let text = print(body);
    let parsed = hcl::parse(&text).unwrap_or_else(|e| panic!("{name} does not parse: {e}\n{text}"));
    let expected = to_hcl_body(body);
    assert_eq!(
        parsed, expected,
        "{name}: parsed body differs from its tree\n{text}"
    );
}

#[test]
fn every_generated_file_parses_back_to_its_tree() {
    let mut checked = 0;
    for (config_name, text) in test_configs() {
        for file in render(&text, &repo()) {
            if let Document::Hcl(body) = &file.document {
                assert_round_trips(&format!("{config_name}: {}", file.path.display()), body);
                // The header comment is valid HCL too.
                let bytes = String::from_utf8(file.bytes()).expect("utf-8");
                hcl::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.path.display()));
                checked += 1;
            }
        }
    }
    assert!(checked >= 40, "only {checked} files checked");
}

#[test]
fn printing_is_stable() {
    for (_, text) in test_configs() {
        let first = render(&text, &repo());
        let second = render(&text, &repo());
        let bytes = |files: &[tapgen::output::File]| {
            files
                .iter()
                .map(|f| (f.path.clone(), f.bytes()))
                .collect::<Vec<_>>()
        };
        assert_eq!(bytes(&first), bytes(&second));
    }
}

/// Strings built to break printers: quotes, backslashes, newlines, template introducers,
/// control characters, non-ASCII and very long runs.
fn nasty_string() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\t".to_owned()),
        Just("${".to_owned()),
        Just("%{".to_owned()),
        Just("$${".to_owned()),
        Just("$".to_owned()),
        Just("%".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\u{7f}".to_owned()),
        Just("\u{2028}".to_owned()),
        Just("日本語".to_owned()),
        Just("e\u{301}".to_owned()),
        Just("👨‍👩‍👧".to_owned()),
        Just("x".repeat(5000)),
        any::<String>(),
    ];
    proptest::collection::vec(pieces, 0..12).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_survive_print_then_parse(value in nasty_string(), key in nasty_string(), description in nasty_string()) {
        let key = if key.is_empty() { "k".to_owned() } else { key };
        let body = Body::new()
            .block(Block::new("variable", &["v"], Body::new().attr("description", description.clone())))
            .attr("tags", Expr::object([(key.clone(), Expr::String(value.clone())), ("Name".to_owned(), Expr::String(value.clone()))]))
            .attr("list", Expr::Tuple(vec![Expr::String(value.clone()), Expr::String(description.clone())]));
        let text = print(&body);
        let parsed = hcl::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(parsed, to_hcl_body(&body));
    }
}

#[test]
fn structures_are_kept_in_order() {
    let body = Body::new().attr("b", 1i64).attr("a", 2i64);
    let parsed = hcl::parse(&print(&body)).unwrap();
    let keys: Vec<&str> = parsed
        .iter()
        .filter_map(|s| match s {
            Structure::Attribute(a) => Some(a.key.as_str()),
            Structure::Block(_) => None,
        })
        .collect();
    assert_eq!(keys, ["b", "a"]);
}
