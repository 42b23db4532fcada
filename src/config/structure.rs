//! Checks the shape of a parsed `tapgen.toml` against the JSON Schema that `tapgen schema`
//! prints (derived from the structs in [`super::model`]), before anything is deserialized.
//!
//! Walking the document ourselves, instead of letting serde stop at the first problem, lets
//! tapgen report every unknown key, wrong type, out-of-range number and missing key at once,
//! each at its own line and under its full key path, in the user's terms. The walk also
//! builds a clean copy of the document with the offending entries left out, so that the
//! AWS rules can still run on the rest and be reported in the same list.
//!
//! The schema is the single source of the config's shape: a key, type or range added to the
//! structs is checked here with no other change.

use super::model::ConfigFile;
use super::source::Source;
use crate::error::{Diagnostic, key_path, quoted as escaped, shown, ticked};
use serde_json::{Map, Value as Json};
use std::ops::Range;
use std::sync::OnceLock;
use toml_edit::{Document, Item, Key, Value};
use unicode_normalization::UnicodeNormalization as _;

/// The JSON Schema of `tapgen.toml`, computed once.
pub fn schema() -> &'static Json {
    static SCHEMA: OnceLock<Json> = OnceLock::new();
    SCHEMA.get_or_init(|| schemars::schema_for!(ConfigFile).to_value())
}

/// What the walk found: the document as JSON with every bad entry left out, and a
/// diagnostic for each bad entry.
pub struct Checked {
    pub value: Json,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks every key and value of `document` against the schema.
pub fn check(source: &Source, document: &Document<String>) -> Checked {
    let mut walker = Walker {
        source,
        root: schema(),
        diagnostics: Vec::new(),
    };
    let node = Node {
        item: document.as_item(),
        key_span: None,
        in_list: false,
    };
    let value = walker
        .walk(&node, walker.root, &mut Vec::new(), Some(0..0))
        .unwrap_or_else(|| Json::Object(Map::new()));
    Checked {
        value,
        diagnostics: walker.diagnostics,
    }
}

/// One entry of the document: its item and where its key is written.
struct Node<'d> {
    item: &'d Item,
    key_span: Option<Range<usize>>,
    /// An element of a list, which has no key of its own.
    in_list: bool,
}

/// The schema of one key, resolved through `$ref` and `Option`'s `anyOf [T, null]`.
struct Expected<'s> {
    schema: &'s Json,
    description: Option<&'s str>,
}

impl<'s> Expected<'s> {
    fn kind(&self) -> Option<&'s str> {
        match self.schema.get("type") {
            Some(Json::String(kind)) => Some(kind.as_str()),
            Some(Json::Array(kinds)) => {
                kinds.iter().filter_map(Json::as_str).find(|k| *k != "null")
            }
            _ => None,
        }
    }

    fn variants(&self) -> Option<Vec<&'s str>> {
        self.schema
            .get("enum")
            .and_then(Json::as_array)
            .map(|values| values.iter().filter_map(Json::as_str).collect())
    }

    fn properties(&self) -> Option<&'s Map<String, Json>> {
        self.schema.get("properties").and_then(Json::as_object)
    }

    /// The schema of the values of a map (`tags`, `lambda.environment`, `env`).
    fn map_values(&self) -> Option<&'s Json> {
        self.schema
            .get("additionalProperties")
            .filter(|schema| schema.is_object())
    }

    fn bound(&self, name: &str) -> Option<i64> {
        self.schema.get(name).and_then(Json::as_i64)
    }

    /// The range an integer must be in: the schema's `minimum`/`maximum`, within `u32`.
    fn range(&self) -> (i64, i64) {
        let max = match self.schema.get("format").and_then(Json::as_str) {
            Some("uint32") => i64::from(u32::MAX),
            _ => i64::MAX,
        };
        (
            self.bound("minimum").unwrap_or(i64::MIN),
            self.bound("maximum").unwrap_or(max).min(max),
        )
    }

    /// The help line: the key's own description, which says what is allowed.
    fn help(&self) -> Option<String> {
        self.description
            .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// What the key takes, in the user's words.
    fn describe(&self) -> String {
        if let Some(variants) = self.variants() {
            return format!("one of {}", ticked(&variants));
        }
        match self.kind() {
            Some("string") => "a string".to_owned(),
            Some("integer") => match self.range() {
                (0, max) if max == i64::from(u32::MAX) => "a whole number".to_owned(),
                (min, max) if min > i64::MIN && max < i64::MAX => {
                    format!("a whole number from {min} to {max}")
                }
                _ => "a whole number".to_owned(),
            },
            Some("boolean") => "`true` or `false`".to_owned(),
            Some("array") => "a list of strings, such as `[\"a\", \"b\"]`".to_owned(),
            Some("object") if self.properties().is_some() => "a table".to_owned(),
            Some("object") => "a table of strings, such as `{ Key = \"value\" }`".to_owned(),
            _ => "a value".to_owned(),
        }
    }
}

struct Walker<'a> {
    source: &'a Source,
    root: &'static Json,
    diagnostics: Vec<Diagnostic>,
}

impl Walker<'_> {
    fn resolve(&self, mut schema: &'static Json) -> Expected<'static> {
        let mut description = None;
        // `$ref`s and `anyOf`s only ever nest a few levels; the bound guards against a cycle.
        for _ in 0..16 {
            description = description.or_else(|| schema.get("description").and_then(Json::as_str));
            if let Some(reference) = schema.get("$ref").and_then(Json::as_str) {
                match self.root.pointer(reference.trim_start_matches('#')) {
                    Some(target) => {
                        schema = target;
                        continue;
                    }
                    None => break,
                }
            }
            let alternatives: Vec<&'static Json> = schema
                .get("anyOf")
                .and_then(Json::as_array)
                .map(|all| {
                    all.iter()
                        .filter(|alt| alt.get("type").and_then(Json::as_str) != Some("null"))
                        .collect()
                })
                .unwrap_or_default();
            match alternatives.as_slice() {
                [only] => schema = only,
                _ => break,
            }
        }
        Expected {
            schema,
            description,
        }
    }

    fn report(
        &mut self,
        path: &[String],
        span: Option<Range<usize>>,
        message: String,
        help: Option<String>,
    ) {
        let key = key_path(path);
        self.diagnostics.push(Diagnostic {
            message,
            key: (!key.is_empty()).then_some(key),
            location: span.map(|span| self.source.location(span)),
            file: self.source.name.clone(),
            help,
        });
    }

    /// Checks `node` against `schema`; returns it as JSON, or `None` when it is invalid (and
    /// then reported). `anchor` is where to point when the node itself has no span.
    fn walk(
        &mut self,
        node: &Node<'_>,
        schema: &'static Json,
        path: &mut Vec<String>,
        anchor: Option<Range<usize>>,
    ) -> Option<Json> {
        let expected = self.resolve(schema);
        let span = node
            .item
            .span()
            .or_else(|| node.key_span.clone())
            .or(anchor);
        if expected.kind() == Some("object") {
            return match table_entries(node.item) {
                Some(entries) => Some(self.table(&entries, &expected, path, span)),
                None => self.mismatch(node, &expected, path, span),
            };
        }
        let Item::Value(value) = node.item else {
            return self.mismatch(node, &expected, path, span);
        };
        match (expected.kind(), value) {
            (Some("string"), Value::String(text)) => {
                let text = text.value();
                if let Some(variants) = expected.variants()
                    && !variants.contains(&text.as_str())
                {
                    let help = crate::suggest::closest(text, variants.iter().copied())
                        .map(|best| format!("did you mean `{best}`?"))
                        .or_else(|| expected.help());
                    let name = last(path);
                    self.report(
                        path,
                        span,
                        format!(
                            "`{name}` must be one of {}, not `{}`",
                            ticked(&variants),
                            shown(text)
                        ),
                        help,
                    );
                    return None;
                }
                if !self.normalized(path, span, text) {
                    return None;
                }
                Some(Json::String(text.clone()))
            }
            (Some("integer"), Value::Integer(number)) => {
                let number = *number.value();
                let (min, max) = expected.range();
                if (min..=max).contains(&number) {
                    return Some(Json::from(number));
                }
                let name = last(path);
                let message = if number < min {
                    if min == 0 {
                        format!("`{name}` is {number}, but can't be negative")
                    } else {
                        format!("`{name}` is {number}, below the minimum of {min}")
                    }
                } else {
                    format!("`{name}` is {number}, above the maximum of {max}")
                };
                self.report(path, span, message, expected.help());
                None
            }
            (Some("boolean"), Value::Boolean(flag)) => Some(Json::Bool(*flag.value())),
            (Some("array"), Value::Array(array)) => {
                let items = expected.schema.get("items")?;
                let mut out = Vec::new();
                let mut valid = true;
                for element in array.iter() {
                    let item = Item::Value(element.clone());
                    let element_node = Node {
                        item: &item,
                        key_span: element.span(),
                        in_list: true,
                    };
                    match self.walk(&element_node, items, path, span.clone()) {
                        Some(json) => out.push(json),
                        None => valid = false,
                    }
                }
                valid.then_some(Json::Array(out))
            }
            _ => self.mismatch(node, &expected, path, span),
        }
    }

    /// A struct (fixed keys) or a map (any key, one value schema).
    fn table(
        &mut self,
        entries: &[(&Key, &Item)],
        expected: &Expected<'static>,
        path: &mut Vec<String>,
        span: Option<Range<usize>>,
    ) -> Json {
        let mut out = Map::new();
        let properties = expected.properties();
        let map_values = expected.map_values();
        for (index, (key, item)) in entries.iter().enumerate() {
            let name = key.get();
            path.push(name.to_owned());
            let node = Node {
                item,
                key_span: key.span(),
                in_list: false,
            };
            let value_schema = match (properties.and_then(|p| p.get(name)), map_values) {
                (Some(schema), _) => Some(schema),
                (None, Some(schema)) => Some(schema),
                (None, None) => None,
            };
            match value_schema {
                None => {
                    let allowed: Vec<&str> = properties
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let help = self.unknown_key_help(name, &allowed, path);
                    self.report(
                        path,
                        key.span().or(span.clone()),
                        format!("unknown key `{}`", shown(name)),
                        Some(help),
                    );
                }
                Some(schema) => {
                    // Map keys become HCL object keys, which Terraform normalizes too.
                    let key_ok = properties.is_some()
                        || self.normalized_key(
                            path,
                            key.span().or(span.clone()),
                            name,
                            index,
                            entries,
                        );
                    if let Some(json) = self.walk(&node, schema, path, span.clone())
                        && key_ok
                    {
                        out.insert(name.to_owned(), json);
                    }
                }
            }
            path.pop();
        }
        for required in expected
            .schema
            .get("required")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
        {
            if out.contains_key(required) || entries.iter().any(|(k, _)| k.get() == required) {
                continue;
            }
            let field = properties
                .and_then(|p| p.get(required))
                .map(|schema| self.resolve(schema));
            let is_table = field.as_ref().is_some_and(|f| f.kind() == Some("object"));
            let description = field.as_ref().and_then(Expected::help);
            let (message, help) = if path.is_empty() {
                (
                    format!("the `[{required}]` table is missing"),
                    format!(
                        "start the file with `[{required}]` and `name = \"...\"`{}",
                        description.map(|d| format!(": {d}")).unwrap_or_default()
                    ),
                )
            } else if is_table {
                (
                    format!("`[{}.{required}]` is missing", key_path(path)),
                    format!("add a `[{}.{required}]` table", key_path(path)),
                )
            } else {
                (
                    format!("`{required}` is missing from `[{}]`", key_path(path)),
                    format!(
                        "add `{required} = ...` under `[{}]`{}",
                        key_path(path),
                        description.map(|d| format!(": {d}")).unwrap_or_default()
                    ),
                )
            };
            path.push(required.to_owned());
            self.report(path, span.clone(), message, Some(help));
            path.pop();
        }
        Json::Object(out)
    }

    /// Help for an unknown key: a near miss, else where such a key belongs, else the list.
    fn unknown_key_help(&self, name: &str, allowed: &[&str], path: &[String]) -> String {
        if let Some(best) = crate::suggest::closest(name, allowed.iter().copied()) {
            return format!("did you mean `{best}`?");
        }
        let mut places = places_of(self.root, name);
        if let [env, environment, ..] = path
            && env == "env"
        {
            for place in &mut places {
                *place = place.replace("env.NAME", &format!("env.{}", key_path(&[environment])));
            }
        }
        places.sort_by_key(|place| (place.matches('.').count(), place.clone()));
        if places.iter().any(|p| p == TOP_LEVEL) {
            let per_environment = if places.iter().any(|p| p == "env.NAME") {
                format!(", or `[env.NAME.{name}]` for one environment")
            } else {
                ", the same for every environment".to_owned()
            };
            return format!(
                "`{name}` is a top-level table: write it as `[{name}]`{per_environment}"
            );
        }
        if !places.is_empty() {
            return format!(
                "`{name}` belongs in {}",
                places
                    .iter()
                    .map(|p| format!("`[{p}]`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            );
        }
        if allowed.is_empty() {
            return "`tapgen schema` prints every key with its type and meaning".to_owned();
        }
        let table = key_path(&path[..path.len().saturating_sub(1)]);
        let place = if table.is_empty() {
            "at the top level".to_owned()
        } else {
            format!("in `[{table}]`")
        };
        format!("allowed {place}: {}", ticked(allowed))
    }

    fn mismatch(
        &mut self,
        node: &Node<'_>,
        expected: &Expected<'_>,
        path: &[String],
        span: Option<Range<usize>>,
    ) -> Option<Json> {
        let found = found(node.item);
        let name = last(path);
        let quotable = matches!(
            node.item,
            Item::Value(
                Value::Datetime(_) | Value::Integer(_) | Value::Float(_) | Value::Boolean(_)
            )
        );
        let help = if expected.kind() == Some("object") && expected.properties().is_some() {
            Some(format!(
                "write it as a table: `[{}]`, with its keys on the lines below",
                key_path(path)
            ))
        } else if expected.kind() == Some("string") && quotable {
            let raw = node
                .item
                .span()
                .and_then(|s| self.source.text.get(s))
                .unwrap_or_default()
                .trim()
                .to_owned();
            Some(if node.in_list {
                format!("write each item in quotes, such as `\"{raw}\"`")
            } else {
                format!("write it in quotes: `{name} = \"{raw}\"`")
            })
        } else {
            expected.help()
        };
        self.report(
            path,
            span,
            if node.in_list {
                format!(
                    "items of `{name}` must be {}, but one is {found}",
                    expected.describe()
                )
            } else {
                format!("`{name}` must be {}, but is {found}", expected.describe())
            },
            help,
        );
        None
    }

    /// Whether a string is in Unicode NFC, the form HCL turns every string literal into;
    /// reports it when not, since AWS would then get other characters than the ones written.
    fn normalized(&mut self, path: &[String], span: Option<Range<usize>>, text: &str) -> bool {
        // Paths on disk, not values that reach Terraform.
        const PATHS_ON_DISK: &[[&str; 2]] =
            &[["lambda", "source_dir"], ["publish", "registry_site"]];
        if PATHS_ON_DISK
            .iter()
            .any(|disk| path.len() >= 2 && path[path.len() - 2..] == disk[..])
        {
            return true;
        }
        if unicode_normalization::is_nfc(text) {
            return true;
        }
        let nfc: String = text.nfc().collect();
        let name = last(path);
        self.report(
            path,
            span,
            format!(
                "the value of `{name}` is not in Unicode normalization form C, so Terraform would change it from {} to {}",
                escaped(text),
                escaped(&nfc)
            ),
            Some(format!(
                "write {} (`{}`) instead, the form AWS will store",
                escaped(&nfc),
                shown(&nfc)
            )),
        );
        false
    }

    /// Like [`Self::normalized`], for a key of a map: two keys that differ only in
    /// normalization become one key, and Terraform keeps only one of their values.
    fn normalized_key(
        &mut self,
        path: &[String],
        span: Option<Range<usize>>,
        name: &str,
        index: usize,
        entries: &[(&Key, &Item)],
    ) -> bool {
        if unicode_normalization::is_nfc(name) {
            return true;
        }
        let nfc: String = name.nfc().collect();
        let twin = entries
            .iter()
            .enumerate()
            .find(|(other, (key, _))| *other != index && key.get().nfc().eq(nfc.chars()))
            .map(|(_, (key, _))| {
                key.span()
                    .map(|s| {
                        format!(
                            ", the same key as the one on line {}",
                            self.source.location(s).line
                        )
                    })
                    .unwrap_or_else(|| ", the same key as another one here".to_owned())
            });
        let clash = twin
            .as_ref()
            .map(|where_| format!("{where_}; Terraform would keep only one of the two"))
            .unwrap_or_default();
        self.report(
            path,
            span,
            format!(
                "key {} is not in Unicode normalization form C, so Terraform would change it to {}{clash}",
                escaped(name),
                escaped(&nfc),
            ),
            Some(if twin.is_some() {
                format!("write {} once, and merge the two values", escaped(&nfc))
            } else {
                format!("write {} (`{}`) instead, the form AWS will store", escaped(&nfc), shown(&nfc))
            }),
        );
        false
    }
}

/// The entries of a table or inline table, in document order, with their keys.
fn table_entries(item: &Item) -> Option<Vec<(&Key, &Item)>> {
    let table = item.as_table_like()?;
    Some(
        table
            .iter()
            .filter_map(|(name, _)| table.get_key_value(name))
            .collect(),
    )
}

/// What a TOML item is, in the user's words.
fn found(item: &Item) -> String {
    match item {
        Item::None => "empty".to_owned(),
        Item::Table(_) => "a table".to_owned(),
        Item::ArrayOfTables(_) => "an array of tables (`[[...]]`)".to_owned(),
        Item::Value(value) => match value {
            Value::String(text) => format!("the string \"{}\"", shown(text.value())),
            Value::Integer(number) => format!("the number {}", number.value()),
            Value::Float(number) => format!("the number {:?}", number.value()),
            Value::Boolean(flag) => format!("`{}`", flag.value()),
            Value::Datetime(datetime) => format!("a date-time (`{}`)", datetime.value()),
            Value::Array(_) => "a list".to_owned(),
            Value::InlineTable(_) => "a table".to_owned(),
        },
    }
}

/// Where a key named `name` is allowed, as table paths (`lambda`, `env.NAME.lambda`).
fn places_of(root: &Json, name: &str) -> Vec<String> {
    fn visit(
        root: &Json,
        schema: &Json,
        prefix: &str,
        name: &str,
        depth: usize,
        out: &mut Vec<String>,
    ) {
        if depth > 4 {
            return;
        }
        let schema = deref(root, schema);
        if let Some(properties) = schema.get("properties").and_then(Json::as_object) {
            if properties.contains_key(name) {
                out.push(if prefix.is_empty() {
                    TOP_LEVEL.to_owned()
                } else {
                    prefix.to_owned()
                });
            }
            for (key, child) in properties {
                let child_prefix = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                visit(root, child, &child_prefix, name, depth + 1, out);
            }
        } else if let Some(values) = schema.get("additionalProperties").filter(|s| s.is_object()) {
            visit(
                root,
                values,
                &format!("{prefix}.NAME"),
                name,
                depth + 1,
                out,
            );
        }
    }
    fn deref<'s>(root: &'s Json, mut schema: &'s Json) -> &'s Json {
        for _ in 0..16 {
            if let Some(target) = schema
                .get("$ref")
                .and_then(Json::as_str)
                .and_then(|r| root.pointer(r.trim_start_matches('#')))
            {
                schema = target;
            } else if let Some(first) =
                schema
                    .get("anyOf")
                    .and_then(Json::as_array)
                    .and_then(|all| {
                        all.iter()
                            .find(|a| a.get("type").and_then(Json::as_str) != Some("null"))
                    })
            {
                schema = first;
            } else {
                break;
            }
        }
        schema
    }
    let mut out = Vec::new();
    visit(root, root, "", name, 0, &mut out);
    out
}

/// How [`places_of`] names the top level.
const TOP_LEVEL: &str = "";

fn last(path: &[String]) -> &str {
    path.last().map_or("", String::as_str)
}
