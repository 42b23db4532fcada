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
use crate::error::{Diagnostic, Found, KeyHint, Problem, Shape, Twin, TypeFix, key_path, quoted};
use serde_json::{Map, Value as Json};
use std::ops::Range;
use std::sync::OnceLock;
use toml_edit::{Document, Item, Key, Value};
use unicode_normalization::UnicodeNormalization as _;

/// The JSON Schema of `tapgen.toml`, computed once: the structs' (project, module, publish,
/// env) with every config table of [`crate::family::sections`] added from its settings
/// ([`crate::family::setting::Setting::schema`]), at its path and where `[env.NAME]`
/// overlays it.
pub fn schema() -> &'static Json {
    static SCHEMA: OnceLock<Json> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut schema = schemars::schema_for!(ConfigFile).to_value();
        let sections: Vec<_> = crate::family::sections().collect();
        add_sections(&mut schema, "", &sections, false);
        add_sections(&mut schema, OVERLAY, &sections, true);
        schema
    })
}

/// Adds `sections` to the table at `root` (the overlay's paths where `overlay`), and closes
/// it to any other key. A table inside another (`[api.domain]`) goes into that one, which
/// is added first.
fn add_sections(
    schema: &mut Json,
    root: &str,
    sections: &[&crate::family::Section],
    overlay: bool,
) {
    if let Some(table) = schema.pointer_mut(root).and_then(Json::as_object_mut) {
        table.insert("additionalProperties".to_owned(), Json::Bool(false));
    }
    let mut sections = sections.to_vec();
    sections.sort_by_key(|section| section.path.len());
    for section in sections {
        add_section(schema, root, section.path_in(overlay), section);
    }
}

/// Where the schema of `[env.NAME]` is.
pub(crate) const OVERLAY: &str = "/$defs/EnvOverlay";

/// The JSON pointer of the table at `path` below the table at `root`, following a `$ref` to
/// the shared definition of a struct's table; `None` where no table is there.
pub(crate) fn table_pointer(schema: &Json, root: &str, path: &[&str]) -> Option<String> {
    path.iter().try_fold(root.to_owned(), |pointer, key| {
        let child = format!("{pointer}/properties/{key}");
        let table = schema.pointer(&child)?;
        Some(match table.get("$ref").and_then(Json::as_str) {
            Some(reference) => reference.strip_prefix('#')?.to_owned(),
            None => child,
        })
    })
}

/// Adds `section`'s settings at `path` below the table at `root`: to the table already there
/// (`[project]`, the top level), else as a table of its own that takes no other key.
fn add_section(schema: &mut Json, root: &str, path: &[&str], section: &crate::family::Section) {
    let table = crate::family::section_schema(section);
    let (pointer, entries) = match table_pointer(schema, root, path) {
        Some(pointer) => {
            let properties = table["properties"].as_object().cloned().unwrap_or_default();
            (pointer, properties.into_iter().collect())
        }
        None => {
            let Some((name, parents)) = path.split_last() else {
                return;
            };
            let Some(parent) = table_pointer(schema, root, parents) else {
                return;
            };
            (parent, vec![((*name).to_owned(), table)])
        }
    };
    let Some(table) = schema.pointer_mut(&pointer).and_then(Json::as_object_mut) else {
        return;
    };
    // serde reads a struct's own keys alone: the schema walk refuses any other.
    table.insert("additionalProperties".to_owned(), Json::Bool(false));
    if let Some(properties) = table
        .entry("properties")
        .or_insert_with(|| Json::Object(Map::new()))
        .as_object_mut()
    {
        properties.extend(entries);
    }
}

/// The family setting a key path names: `TABLE.KEY`, or `env.NAME.TABLE.KEY`.
fn setting_at(path: &[String]) -> Option<&'static crate::family::setting::Setting> {
    let (path, overlay) = match path {
        [env, _, rest @ ..] if env == "env" => (rest, true),
        path => (path, false),
    };
    let (key, table) = path.split_last()?;
    crate::family::setting(table, key, overlay)
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

    /// The strings a key takes, where it takes one of a list of strings.
    fn variants(&self) -> Option<Vec<&'s str>> {
        self.schema
            .get("enum")
            .and_then(Json::as_array)
            .and_then(|values| values.iter().map(Json::as_str).collect())
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

    /// What the key takes.
    fn shape(&self) -> Shape {
        if let Some(variants) = self.variants() {
            return Shape::OneOf(variants.iter().map(|v| (*v).to_owned()).collect());
        }
        match self.kind() {
            Some("string") => Shape::String,
            Some("integer") => Shape::Integer {
                range: match self.range() {
                    (0, max) if max == i64::from(u32::MAX) => None,
                    (min, max) if min > i64::MIN && max < i64::MAX => Some((min, max)),
                    _ => None,
                },
            },
            Some("boolean") => Shape::Boolean,
            Some("array") => Shape::List,
            Some("object") if self.properties().is_some() => Shape::Table,
            Some("object") => Shape::Map,
            _ => Shape::Any,
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
        // `$ref`s and `anyOf`s only ever nest a few levels; the bound guards against a cycle.
        for _ in 0..16 {
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
        Expected { schema }
    }

    fn report(&mut self, path: &[String], span: Option<Range<usize>>, problem: Problem) {
        let key = key_path(path);
        self.diagnostics.push(Diagnostic {
            problem,
            key: (!key.is_empty()).then_some(key),
            location: span.map(|span| self.source.location(span)),
            file: self.source.name.clone(),
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
                if let Some(setting) = setting_at(path) {
                    if let Some(problem) = setting.check(&Json::String(text.clone())) {
                        self.report(path, span, problem);
                        return None;
                    }
                } else if let Some(variants) = expected.variants()
                    && !variants.contains(&text.as_str())
                {
                    let problem = Problem::NotOneOf {
                        name: last(path).to_owned(),
                        value: text.clone(),
                        allowed: variants.iter().map(|v| (*v).to_owned()).collect(),
                        closest: crate::suggest::closest(text, variants.iter().copied())
                            .map(str::to_owned),
                    };
                    self.report(path, span, problem);
                    return None;
                }
                if !self.normalized(path, span, text) {
                    return None;
                }
                Some(Json::String(text.clone()))
            }
            (Some("integer"), Value::Integer(number)) => {
                let number = *number.value();
                // A setting's own rule first, in its own words; then the type's bounds.
                let setting = setting_at(path);
                if let Some(problem) = setting.and_then(|s| s.check(&Json::from(number))) {
                    self.report(path, span, problem);
                    return None;
                }
                let (min, max) = match setting {
                    Some(_) => (0, i64::from(u32::MAX)),
                    None => expected.range(),
                };
                if (min..=max).contains(&number) {
                    return Some(Json::from(number));
                }
                let problem = Problem::OutOfRange {
                    name: last(path).to_owned(),
                    value: number,
                    min,
                    max,
                };
                self.report(path, span, problem);
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
                    let problem = Problem::UnknownKey {
                        name: name.to_owned(),
                        hint: self.unknown_key_hint(name, &allowed, path),
                    };
                    self.report(path, key.span().or(span.clone()), problem);
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
            let is_table = properties
                .and_then(|p| p.get(required))
                .is_some_and(|schema| self.resolve(schema).kind() == Some("object"));
            let problem = Problem::Missing {
                table: key_path(path),
                name: required.to_owned(),
                is_table,
            };
            path.push(required.to_owned());
            self.report(path, span.clone(), problem);
            path.pop();
        }
        Json::Object(out)
    }

    /// Where an unknown key may belong: a near miss, else where such a key is allowed,
    /// else the keys allowed here.
    fn unknown_key_hint(&self, name: &str, allowed: &[&str], path: &[String]) -> KeyHint {
        if let Some(best) = crate::suggest::closest(name, allowed.iter().copied()) {
            return KeyHint::Closest(best.to_owned());
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
            return KeyHint::TopLevel {
                per_environment: places.iter().any(|p| p == "env.NAME"),
            };
        }
        if !places.is_empty() {
            return KeyHint::BelongsIn(places);
        }
        if allowed.is_empty() {
            return KeyHint::Schema;
        }
        KeyHint::Allowed {
            table: key_path(&path[..path.len().saturating_sub(1)]),
            keys: allowed.iter().map(|k| (*k).to_owned()).collect(),
        }
    }

    fn mismatch(
        &mut self,
        node: &Node<'_>,
        expected: &Expected<'_>,
        path: &[String],
        span: Option<Range<usize>>,
    ) -> Option<Json> {
        let quotable = matches!(
            node.item,
            Item::Value(
                Value::Datetime(_) | Value::Integer(_) | Value::Float(_) | Value::Boolean(_)
            )
        );
        let fix = if expected.kind() == Some("object") && expected.properties().is_some() {
            TypeFix::Table {
                path: key_path(path),
            }
        } else if expected.kind() == Some("string") && quotable {
            let raw = node
                .item
                .span()
                .and_then(|s| self.source.text.get(s))
                .unwrap_or_default()
                .trim()
                .to_owned();
            TypeFix::Quote { raw }
        } else {
            TypeFix::Shape
        };
        let problem = Problem::WrongType {
            name: last(path).to_owned(),
            expected: expected.shape(),
            found: found(node.item),
            in_list: node.in_list,
            fix,
        };
        self.report(path, span, problem);
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
        let problem = Problem::NotNfc {
            name: last(path).to_owned(),
            value: quoted(text),
            nfc: quoted(&nfc),
            nfc_shown: nfc,
        };
        self.report(path, span, problem);
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
                    .map_or(Twin::Unplaced, |s| Twin::Line(self.source.location(s).line))
            });
        let problem = Problem::NotNfcKey {
            key: quoted(name),
            nfc: quoted(&nfc),
            nfc_shown: nfc,
            twin,
        };
        self.report(path, span, problem);
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

/// What a TOML item is.
fn found(item: &Item) -> Found {
    match item {
        Item::None => Found::Empty,
        Item::Table(_) => Found::Table,
        Item::ArrayOfTables(_) => Found::ArrayOfTables,
        Item::Value(value) => match value {
            Value::String(text) => Found::String(text.value().clone()),
            Value::Integer(number) => Found::Integer(*number.value()),
            Value::Float(number) => Found::Float(format!("{:?}", number.value())),
            Value::Boolean(flag) => Found::Boolean(*flag.value()),
            Value::Datetime(datetime) => Found::Datetime(datetime.value().to_string()),
            Value::Array(_) => Found::List,
            Value::InlineTable(_) => Found::Table,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::setting::{Default, Kind, Rule, Setting};
    use crate::family::{Overlay, Section};

    static NAME: Setting = Setting {
        key: "name",
        kind: Kind::String,
        default: Default::None,
        rule: Rule::Any,
        doc: "A domain name.",
        input: None,
    };
    static STAGE: Setting = Setting {
        key: "stage",
        kind: Kind::String,
        default: Default::None,
        rule: Rule::Any,
        doc: "A stage.",
        input: None,
    };

    /// A family's table inside another's (`[api.domain]`) is a table of that one's, listed
    /// after it or before.
    #[test]
    fn a_family_table_can_sit_inside_another_familys() {
        static DOMAIN_SETTINGS: [&Setting; 1] = [&NAME];
        static API_SETTINGS: [&Setting; 1] = [&STAGE];
        let domain = Section {
            path: &["api", "domain"],
            overlay: Overlay::SamePath,
            description: "A custom domain.",
            settings: &DOMAIN_SETTINGS,
        };
        let api = Section {
            path: &["api"],
            overlay: Overlay::SamePath,
            description: "The API.",
            settings: &API_SETTINGS,
        };
        for sections in [[&domain, &api], [&api, &domain]] {
            let mut schema = serde_json::json!({ "properties": {} });
            add_sections(&mut schema, "", &sections, false);
            let table = &schema["properties"]["api"];
            assert_eq!(table["properties"]["stage"]["type"], "string");
            let nested = &table["properties"]["domain"];
            assert_eq!(nested["additionalProperties"], false);
            assert_eq!(
                nested["properties"]["name"]["description"],
                "A domain name."
            );
        }
    }
}
