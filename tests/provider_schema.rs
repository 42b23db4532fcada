//! Every render checked against the aws provider's own schema, from a snapshot made by
//! `scripts/snapshot-provider-schema.sh` with the real provider (`tofu providers schema
//! -json`, trimmed to the resource types tapgen emits). This runs everywhere, including
//! machines where no provider binary exists for `tofu validate`.

use crate::support::{render, repo, test_configs};
use serde_json::Value;
use tapgen::hcl::reference::Resource;
use tapgen::hcl::{Block, Body, Expr, Item, Traversal};
use tapgen::output::Document;

const SNAPSHOT: &str = "tests/provider-schema/aws-5.100.0.json";

/// Arguments every resource accepts besides its schema's own.
const META_ARGUMENTS: &[&str] = &["count", "for_each", "depends_on", "provider"];

fn snapshot() -> Value {
    let text = std::fs::read_to_string(repo().join(SNAPSHOT)).expect("schema snapshot");
    serde_json::from_str(&text).expect("snapshot is JSON")
}

/// The provider entry of the snapshot, whichever registry address it was taken under.
fn provider_entry(snapshot: &Value) -> &Value {
    snapshot["provider_schemas"]
        .as_object()
        .and_then(|schemas| schemas.values().next())
        .expect("one provider in the snapshot")
}

/// Whether a literal fits a schema type such as `"string"` or `["list", "string"]`.
fn type_fits(schema_type: &Value, value: &Expr) -> bool {
    let kind = match schema_type {
        Value::String(kind) => kind.as_str(),
        Value::Array(parts) => parts.first().and_then(Value::as_str).unwrap_or(""),
        _ => return true,
    };
    match value {
        Expr::Null => true,
        Expr::String(_) | Expr::Template(_) => matches!(kind, "string" | "number" | "bool"),
        Expr::Number(_) => matches!(kind, "number" | "string"),
        Expr::Bool(_) => matches!(kind, "bool" | "string"),
        Expr::Tuple(_) => matches!(kind, "list" | "set" | "tuple"),
        Expr::Object(_) => matches!(kind, "map" | "object"),
        // References, calls, conditions and operators are typed by OpenTofu at plan time.
        Expr::Traversal(_)
        | Expr::Call(..)
        | Expr::Conditional { .. }
        | Expr::Binary(..)
        | Expr::Unary(..)
        | Expr::Parens(_)
        | Expr::Attr(..)
        | Expr::For { .. } => true,
        // A type constraint is never a resource argument.
        Expr::Type(_) => false,
    }
}

fn check_body(
    path: &str,
    body: &Body,
    schema: &Value,
    problems: &mut Vec<String>,
    is_resource: bool,
) {
    let attributes = schema["attributes"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let block_types = schema["block_types"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut seen_blocks: std::collections::BTreeMap<&str, usize> = Default::default();
    for item in &body.items {
        match item {
            Item::Attribute(attr) => {
                if is_resource && META_ARGUMENTS.contains(&attr.key.as_str()) {
                    continue;
                }
                match attributes.get(attr.key.as_str()) {
                    None => problems.push(format!(
                        "{path}: `{}` is not an argument of this block",
                        attr.key
                    )),
                    Some(spec) => {
                        let settable = spec["required"].as_bool() == Some(true)
                            || spec["optional"].as_bool() == Some(true);
                        if !settable {
                            problems
                                .push(format!("{path}: `{}` is read-only (computed)", attr.key));
                        }
                        if !type_fits(&spec["type"], &attr.value) {
                            problems.push(format!(
                                "{path}: `{}` does not fit type {}",
                                attr.key, spec["type"]
                            ));
                        }
                    }
                }
            }
            Item::Block(block) => {
                if is_resource && block.ident == "lifecycle" {
                    continue;
                }
                *seen_blocks.entry(block.ident.as_str()).or_default() += 1;
                match block_types.get(block.ident.as_str()) {
                    None => problems.push(format!(
                        "{path}: `{}` is not a block of this block",
                        block.ident
                    )),
                    Some(spec) => check_body(
                        &format!("{path}.{}", block.ident),
                        &block.body,
                        &spec["block"],
                        problems,
                        false,
                    ),
                }
            }
            Item::Comment(_) | Item::Blank => {}
        }
    }
    for (name, spec) in &attributes {
        let set = body
            .items
            .iter()
            .any(|item| matches!(item, Item::Attribute(a) if a.key == *name));
        if spec["required"].as_bool() == Some(true) && !set {
            problems.push(format!("{path}: required argument `{name}` is missing"));
        }
    }
    for (name, spec) in &block_types {
        let count = seen_blocks.get(name.as_str()).copied().unwrap_or(0);
        if let Some(min) = spec["min_items"].as_u64().filter(|min| *min > 0)
            && (count as u64) < min
        {
            problems.push(format!(
                "{path}: needs at least {min} `{name}` block(s), has {count}"
            ));
        }
        if let Some(max) = spec["max_items"].as_u64().filter(|max| *max > 0)
            && count as u64 > max
        {
            problems.push(format!(
                "{path}: allows at most {max} `{name}` block(s), has {count}"
            ));
        }
    }
}

fn check_block(file: &str, block: &Block, provider: &Value, problems: &mut Vec<String>) -> bool {
    let (schema, name) = match (block.ident.as_str(), block.labels.as_slice()) {
        ("resource", [kind, name]) => (
            &provider["resource_schemas"][kind.as_str()],
            format!("{file}: {kind}.{name}"),
        ),
        ("data", [kind, name]) => (
            &provider["data_source_schemas"][kind.as_str()],
            format!("{file}: data.{kind}.{name}"),
        ),
        ("provider", [name]) if name == "aws" => {
            (&provider["provider"], format!("{file}: provider.aws"))
        }
        _ => return false,
    };
    if schema.is_null() {
        problems.push(format!("{name}: the provider has no such type (or the snapshot lacks it: re-run the snapshot script)"));
        return true;
    }
    check_body(
        &name,
        &block.body,
        &schema["block"],
        problems,
        block.ident != "provider",
    );
    true
}

#[test]
fn every_resource_fits_the_provider_schema() {
    let snapshot = snapshot();
    let provider = provider_entry(&snapshot);
    let mut problems = Vec::new();
    let mut checked = 0;
    for (config_name, text) in test_configs() {
        for file in render(&text, &repo()) {
            let Document::Hcl(body) = &file.document else {
                continue;
            };
            let file_name = format!("{config_name}: {}", file.path.display());
            for item in &body.items {
                if let Item::Block(block) = item
                    && check_block(&file_name, block, provider, &mut problems)
                {
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} blocks checked");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_checker_catches_what_the_provider_would_reject() {
    let snapshot = snapshot();
    let provider = provider_entry(&snapshot);
    let bad = Resource::new("aws_s3_bucket_versioning", "x").declare(
        Body::new()
            .attr("bucket", "b")
            .attr("not_an_argument", true)
            .block(Block::new(
                "versioning_configuration",
                &[],
                Body::new().attr("status", Expr::Tuple(vec![])),
            ))
            .block(Block::new(
                "versioning_configuration",
                &[],
                Body::new().attr("status", "Enabled"),
            )),
    );
    let missing = Resource::new("aws_lambda_permission", "y")
        .declare(Body::new().attr("action", "lambda:InvokeFunction"));
    let unknown = Resource::new("aws_s3_bucket_acl_typo", "z").declare(Body::new());
    let mut problems = Vec::new();
    for block in [&bad, &missing, &unknown] {
        check_block("test", block, provider, &mut problems);
    }
    let all = problems.join("\n");
    for expected in [
        "`not_an_argument` is not an argument",
        "`status` does not fit type",
        "allows at most 1 `versioning_configuration`",
        "required argument `function_name` is missing",
        "required argument `principal` is missing",
        "the provider has no such type",
    ] {
        assert!(all.contains(expected), "`{expected}` not reported:\n{all}");
    }
}

/// Why `path` reads an attribute its resource or data source type does not have, if it
/// does; `None` for references to anything else and for whole-resource addresses.
fn unknown_attribute(path: &Traversal, provider: &Value) -> Option<String> {
    let names: Vec<&str> = path.attr_names().map(|name| name.as_str()).collect();
    let (schema, attribute) = match (path.root.as_str(), names.as_slice()) {
        ("var" | "local" | "module" | "path" | "count" | "each" | "self" | "terraform", _) => {
            return None;
        }
        // The blocks of `terraform { encryption }`: OpenTofu's, not the provider's.
        ("key_provider" | "method", _) => return None,
        ("data", [kind, _, attribute, ..]) => (&provider["data_source_schemas"][*kind], *attribute),
        ("data", _) => return None,
        (kind, [_, attribute, ..]) => (&provider["resource_schemas"][kind], *attribute),
        _ => return None,
    };
    let known = schema["block"]["attributes"].get(attribute).is_some()
        || schema["block"]["block_types"].get(attribute).is_some();
    (!known).then(|| {
        format!(
            "`{}` reads `{attribute}`, which the type does not have",
            tapgen::hcl::print::inline(&Expr::Traversal(path.clone()))
        )
    })
}

fn attribute_problems(
    body: &Body,
    provider: &Value,
    problems: &mut Vec<String>,
    count: &mut usize,
) {
    for item in &body.items {
        match item {
            Item::Attribute(attr) => attr.value.for_each_traversal(&mut |path| {
                *count += 1;
                problems.extend(unknown_attribute(path, provider));
            }),
            Item::Block(block) => attribute_problems(&block.body, provider, problems, count),
            Item::Comment(_) | Item::Blank => {}
        }
    }
}

#[test]
fn every_attribute_a_reference_reads_is_one_its_type_has() {
    let snapshot = snapshot();
    let provider = provider_entry(&snapshot);
    let mut problems = Vec::new();
    let mut count = 0;
    for (config_name, text) in test_configs() {
        for file in render(&text, &repo()) {
            if let Document::Hcl(body) = &file.document {
                let mut found = Vec::new();
                attribute_problems(body, provider, &mut found, &mut count);
                problems.extend(
                    found
                        .into_iter()
                        .map(|p| format!("{config_name}: {}: {p}", file.path.display())),
                );
            }
        }
    }
    assert!(count > 500, "only {count} references checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // A mistyped attribute is caught.
    let typo = Resource::new("aws_s3_bucket", "logs").attr("anr");
    let mut found = Vec::new();
    attribute_problems(
        &Body::new().attr("x", typo),
        provider,
        &mut found,
        &mut count,
    );
    assert_eq!(
        found,
        ["`aws_s3_bucket.logs.anr` reads `anr`, which the type does not have"]
    );
}

/// The snapshot holds exactly the types the families declare (`tapgen __families
/// provider-types`, which `scripts/snapshot-provider-schema.sh` reads): a family that adds a
/// type fails here until the snapshot is taken again, and no type is kept that none declares.
#[test]
fn the_snapshot_covers_exactly_the_families_provider_types() {
    let output = crate::support::Project::new()
        .tapgen()
        .args(["__families", "provider-types"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let listed: std::collections::BTreeSet<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let snapshot = snapshot();
    let provider = provider_entry(&snapshot);
    let mut held = std::collections::BTreeSet::new();
    for (mode, key) in [
        ("resource", "resource_schemas"),
        ("data", "data_source_schemas"),
    ] {
        let schemas = provider[key].as_object().expect("schemas");
        held.extend(schemas.keys().map(|name| format!("{mode} {name}")));
    }
    assert!(
        listed.contains("resource aws_lambda_function"),
        "{listed:?}"
    );
    assert!(listed.contains("data aws_partition"), "{listed:?}");
    assert_eq!(
        listed, held,
        "take the snapshot again: scripts/snapshot-provider-schema.sh {SNAPSHOT}"
    );
}
