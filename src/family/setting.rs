//! One configurable value, written once: its key, type, default, rule and description. From a
//! [`Setting`] come the config check ([`Setting::check`], run by the schema walk), its JSON
//! Schema ([`Setting::schema`], for `tapgen schema`, taplo and editors), the `validation`
//! blocks of the module input that carries it ([`Setting::validations`]; the input itself is
//! made in [`crate::render::variables`]) and the value each environment passes ([`Values`],
//! the one overlay mechanism).

use crate::aws::regions;
use crate::error::Problem;
use crate::hcl::reference::var;
use crate::hcl::{BinaryOp, Expr};
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;

/// One key of a family's config table, such as `memory_mb` in `[lambda]`.
pub struct Setting {
    pub key: &'static str,
    pub kind: Kind,
    pub default: Default,
    pub rule: Rule,
    /// What the key is, for the schema and editors; the rule and the default are added to it.
    pub doc: &'static str,
    /// The module input that carries the value, if any.
    pub input: Option<Input>,
}

/// What a setting holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Integer,
    String,
    Boolean,
    /// A table of strings: an environment's entries are merged over the project's.
    StringMap,
    /// A list of strings: an environment's list replaces the project's.
    StringList,
}

/// The value a setting takes when no layer sets it.
#[derive(Clone, Copy)]
pub enum Default {
    /// Unset, which the module reads as "off" ([`Input::unset`]).
    None,
    Integer(u32),
    String(&'static str),
    Boolean(bool),
    /// An empty table or list.
    Empty,
    /// Computed from the other resolved values of the environment; `prose` says how.
    Derived {
        prose: &'static str,
        value: fn(&Values) -> Json,
    },
}

/// What values a setting accepts, beyond its type.
#[derive(Clone, Copy)]
pub enum Rule {
    Any,
    /// `min` to `max` (or at least `min`). With `limit`, a value above `max` is above the
    /// account's quota, which the message says, in `limit`'s unit.
    Range {
        min: u32,
        max: Option<u32>,
        limit: Option<&'static str>,
    },
    /// One of these strings. `refusal` words the problem when it must say more than "one of".
    OneOf {
        values: &'static [&'static str],
        refusal: Option<fn(&str) -> Problem>,
    },
    /// One of these numbers.
    OneOfNumbers(&'static [u32]),
    /// A regular expression (anchored): `noun` names the value in messages, `message` says
    /// the pattern in words ("1 to 128 letters, ..."), `example` is a value that matches.
    Pattern {
        regex: &'static str,
        noun: &'static str,
        message: &'static str,
        example: &'static str,
    },
    /// An AWS region the provider accepts ([`crate::aws::regions`]).
    Region,
    /// One of `values`, or a positive multiple of `multiple_of` (CloudWatch's alarm periods).
    ValuesOrMultiple {
        values: &'static [u32],
        multiple_of: u32,
        problem: fn(u32) -> Problem,
    },
}

/// The module input of a setting.
#[derive(Clone, Copy)]
pub struct Input {
    pub name: &'static str,
    pub description: &'static str,
    /// What the module takes for an unset value, and what that means (`-1`, "unreserved");
    /// `None` for `null`.
    pub unset: Option<(i64, &'static str)>,
    /// The value `examples/complete` passes, given the project's own values: one that
    /// validates and turns the input's feature on.
    pub example: fn(&Values) -> Expr,
}

impl Setting {
    /// Whether `value` (of the right type) keeps the rule; the problem when not.
    pub fn check(&self, value: &Json) -> Option<Problem> {
        let name = self.key.to_owned();
        match (self.rule, value) {
            (Rule::Any, _) => None,
            (Rule::Range { min, max, limit }, Json::Number(number)) => {
                let value = number.as_i64()?;
                let (min, max_or) = (i64::from(min), max.map_or(i64::MAX, i64::from));
                match (value < min, value > max_or, limit) {
                    (false, false, _) => None,
                    (_, true, Some(unit)) => Some(Problem::AboveAccountLimit {
                        name,
                        value: value.unsigned_abs(),
                        limit: u64::try_from(max_or).unwrap_or(u64::MAX),
                        unit,
                    }),
                    _ => Some(Problem::OutOfRange {
                        name,
                        value,
                        min,
                        max: max.map_or(i64::from(u32::MAX), i64::from),
                    }),
                }
            }
            (Rule::OneOf { values, refusal }, Json::String(text)) => {
                if values.contains(&text.as_str()) {
                    return None;
                }
                Some(match refusal {
                    Some(refusal) => refusal(text),
                    None => Problem::NotOneOf {
                        name,
                        value: text.clone(),
                        allowed: values.iter().map(|v| (*v).to_owned()).collect(),
                        closest: crate::suggest::closest(text, values.iter().copied())
                            .map(str::to_owned),
                    },
                })
            }
            (Rule::Region, Json::String(text)) => regions::check(text),
            (Rule::OneOfNumbers(values), Json::Number(number)) => {
                let value = number.as_i64()?;
                if values.iter().any(|v| i64::from(*v) == value) {
                    return None;
                }
                let nearest = values
                    .iter()
                    .min_by_key(|v| i64::from(**v).abs_diff(value))
                    .map(u32::to_string);
                Some(Problem::NotOneOf {
                    name,
                    value: value.to_string(),
                    allowed: values.iter().map(u32::to_string).collect(),
                    closest: nearest,
                })
            }
            (
                Rule::Pattern {
                    regex,
                    noun,
                    message,
                    example,
                },
                Json::String(text),
            ) => {
                let matches = regex::Regex::new(regex).is_ok_and(|re| re.is_match(text));
                (!matches).then(|| Problem::NoMatch {
                    noun,
                    value: text.clone(),
                    words: message,
                    example,
                })
            }
            (
                Rule::ValuesOrMultiple {
                    values,
                    multiple_of,
                    problem,
                },
                Json::Number(number),
            ) => {
                let value = number.as_i64()?;
                let fits = values.iter().any(|v| i64::from(*v) == value)
                    || (value > 0 && value % i64::from(multiple_of) == 0);
                (!fits).then(|| problem(u32::try_from(value).unwrap_or(0)))
            }
            _ => None,
        }
    }

    /// The setting's JSON Schema: its type, rule, default and description.
    pub fn schema(&self) -> Json {
        let mut schema = match self.kind {
            Kind::Integer => json!({ "type": "integer", "format": "uint32", "minimum": 0 }),
            Kind::String => json!({ "type": "string" }),
            Kind::Boolean => json!({ "type": "boolean" }),
            Kind::StringMap => {
                json!({ "type": "object", "additionalProperties": { "type": "string" } })
            }
            Kind::StringList => json!({ "type": "array", "items": { "type": "string" } }),
        };
        // A list's rule is each item's.
        let ruled = match self.kind {
            Kind::StringList => &mut schema["items"],
            _ => &mut schema,
        };
        let object = ruled.as_object_mut().unwrap_or_else(|| unreachable!());
        match self.rule {
            Rule::Any => {}
            Rule::Range { min, max, .. } => {
                object.insert("minimum".to_owned(), min.into());
                if let Some(max) = max {
                    object.insert("maximum".to_owned(), max.into());
                }
            }
            Rule::OneOf { values, .. } => {
                object.insert("enum".to_owned(), json!(values));
            }
            Rule::OneOfNumbers(values) => {
                object.insert("enum".to_owned(), json!(values));
            }
            Rule::Region => {
                let regions: Vec<&str> = regions::all_regions().collect();
                object.insert("enum".to_owned(), json!(regions));
            }
            Rule::Pattern { regex, .. } => {
                object.insert("pattern".to_owned(), regex.into());
            }
            Rule::ValuesOrMultiple {
                values,
                multiple_of,
                ..
            } => {
                object.insert(
                    "anyOf".to_owned(),
                    json!([
                        { "enum": values },
                        { "multipleOf": multiple_of, "minimum": multiple_of },
                    ]),
                );
            }
        }
        let object = schema.as_object_mut().unwrap_or_else(|| unreachable!());
        if let Some(default) = self.default_json() {
            object.insert("default".to_owned(), default);
        }
        object.insert("description".to_owned(), self.description().into());
        schema
    }

    /// The description the schema gives: what it is, its rule, its default.
    pub fn description(&self) -> String {
        let mut text = self.doc.to_owned();
        let rule = match self.rule {
            Rule::Any => None,
            Rule::Range { min, max: None, .. } => Some(format!("At least {min}.")),
            Rule::Range {
                min,
                max: Some(max),
                ..
            } => Some(format!("{min} to {max}.")),
            Rule::OneOf { values, .. } => Some(format!("One of {}.", listed(values))),
            Rule::OneOfNumbers(values) => Some(format!(
                "One of {}.",
                values
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Rule::Pattern { message, .. } => Some(format!("{}.", capitalized(message))),
            Rule::Region => Some("An AWS region, such as `us-east-1`.".to_owned()),
            Rule::ValuesOrMultiple {
                values,
                multiple_of,
                ..
            } => Some(format!(
                "{} or a multiple of {multiple_of}.",
                values
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        let default = match self.default {
            Default::None => None,
            Default::Integer(n) => Some(format!("Default {n}.")),
            Default::String(s) => Some(format!("Default `{s}`.")),
            Default::Boolean(b) => Some(format!("Default {b}.")),
            Default::Empty => None,
            Default::Derived { prose, .. } => Some(format!("Default: {prose}.")),
        };
        for part in [rule, default].into_iter().flatten() {
            text.push(' ');
            text.push_str(&part);
        }
        text
    }

    /// The default as JSON, where it is a fixed value.
    pub fn default_json(&self) -> Option<Json> {
        match self.default {
            Default::None | Default::Derived { .. } => None,
            Default::Integer(n) => Some(n.into()),
            Default::String(s) => Some(s.into()),
            Default::Boolean(b) => Some(b.into()),
            Default::Empty => Some(match self.kind {
                Kind::StringList => Json::Array(Vec::new()),
                _ => Json::Object(Map::new()),
            }),
        }
    }

    /// The `validation` blocks of the module input: the rule, in HCL.
    pub fn validations(&self, input: Input) -> Vec<(Expr, String)> {
        let unset = match (input.unset, self.default) {
            (Some((sentinel, meaning)), _) => Unset::Sentinel(sentinel, meaning),
            (None, Default::None) => Unset::Null,
            (None, _) => Unset::Never,
        };
        self.rule.validations(input.name, unset)
    }

    /// A value of the setting's type that its rule refuses, and that the module input's
    /// `validation` therefore rejects too: what the module's tests pass it. `None` when the
    /// rule takes every value.
    pub fn rejected(&self) -> Option<Json> {
        self.rule.rejected(
            self.input
                .and_then(|input| input.unset)
                .map(|(sentinel, _)| sentinel),
        )
    }
}

/// What a module input holds when its setting is unset.
#[derive(Debug, Clone, Copy)]
pub enum Unset {
    /// Nothing: the input is required or has a default within its rule.
    Never,
    /// `null`.
    Null,
    /// A number that means "off", and what it means (`-1`, "no limit").
    Sentinel(i64, &'static str),
}

impl Rule {
    /// The `validation` blocks of the module input `name` that holds a value under this rule,
    /// where `unset` is what the input takes for "off", which passes them too.
    pub fn validations(&self, name: &'static str, unset: Unset) -> Vec<(Expr, String)> {
        let compare = |op: BinaryOp, value: i64| Expr::binary(var(name), op, value);
        let (condition, rule) = match *self {
            Rule::Any => return Vec::new(),
            Rule::Range {
                min: 0, max: None, ..
            } => return Vec::new(),
            Rule::Range { min, max: None, .. } => {
                (compare(BinaryOp::Ge, min.into()), format!("at least {min}"))
            }
            Rule::Range {
                min,
                max: Some(max),
                ..
            } => (
                compare(BinaryOp::Ge, min.into()).and(compare(BinaryOp::Le, max.into())),
                format!("between {min} and {max}"),
            ),
            Rule::OneOf { values, .. } => (
                contains(values.iter().map(|v| Expr::string(*v)).collect(), name),
                format!("one of: {}", values.join(", ")),
            ),
            Rule::OneOfNumbers(values) => (
                contains(
                    values.iter().map(|v| Expr::Number(i64::from(*v))).collect(),
                    name,
                ),
                format!(
                    "one of: {}",
                    values
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            Rule::Region => (
                contains(regions::all_regions().map(Expr::string).collect(), name),
                "an AWS region".to_owned(),
            ),
            Rule::Pattern { regex, message, .. } => (
                Expr::call(
                    "can",
                    vec![Expr::call("regex", vec![Expr::string(regex), var(name)])],
                ),
                message.to_owned(),
            ),
            Rule::ValuesOrMultiple {
                values,
                multiple_of,
                ..
            } => {
                let step = i64::from(multiple_of);
                let multiple = Expr::parens(compare(BinaryOp::Ge, step).and(Expr::binary(
                    compare(BinaryOp::Mod, step),
                    BinaryOp::Eq,
                    0i64,
                )));
                let condition = values
                    .iter()
                    .map(|v| compare(BinaryOp::Eq, i64::from(*v)))
                    .chain([multiple])
                    .reduce(Expr::or)
                    .unwrap_or(Expr::Bool(true));
                let shown: Vec<String> = values.iter().map(u32::to_string).collect();
                (
                    condition,
                    format!("{} or a multiple of {multiple_of}", shown.join(", ")),
                )
            }
        };
        let (condition, rule) = match unset {
            Unset::Sentinel(sentinel, meaning) => (
                compare(BinaryOp::Eq, sentinel).or(condition),
                format!("{sentinel} ({meaning}) or {rule}"),
            ),
            // Every rule's condition refuses `null` (`regex` fails on it).
            Unset::Null => (
                Expr::binary(var(name), BinaryOp::Eq, Expr::Null).or(condition),
                format!("null or {rule}"),
            ),
            Unset::Never => (condition, rule),
        };
        vec![(condition, format!("{name} must be {rule}."))]
    }

    /// A value of the rule's type that it refuses (never `unset`, which the input's
    /// validation lets through): just past a range, beside a list, or a near miss of a
    /// pattern's example. `None` for a rule that takes every value.
    pub fn rejected(&self, unset: Option<i64>) -> Option<Json> {
        fn number(unset: Option<i64>, mut candidates: impl Iterator<Item = i64>) -> Option<Json> {
            candidates
                .find(|candidate| Some(*candidate) != unset)
                .map(Json::from)
        }
        match *self {
            Rule::Any => None,
            Rule::Range { min, max, .. } => {
                let below = (min > 0).then(|| i64::from(min) - 1);
                let above = max.map(|max| i64::from(max) + 1);
                number(unset, below.into_iter().chain(above))
            }
            Rule::OneOf { values, .. } => {
                let mut candidate = format!("not-{}", values.first().copied().unwrap_or("set"));
                while values.contains(&candidate.as_str()) {
                    candidate.insert_str(0, "not-");
                }
                Some(Json::String(candidate))
            }
            // Of any `len + 1` numbers, one is not in the list.
            Rule::OneOfNumbers(values) => number(
                unset,
                (0..=values.len() as i64).filter(|n| !values.iter().any(|v| i64::from(*v) == *n)),
            ),
            Rule::Region => Some(Json::String("not-a-region-1".to_owned())),
            Rule::Pattern { regex, example, .. } => {
                let regex = regex::Regex::new(regex).ok()?;
                [format!("{example} !"), String::new(), "!".to_owned()]
                    .into_iter()
                    .find(|candidate| !regex.is_match(candidate))
                    .map(Json::String)
            }
            Rule::ValuesOrMultiple {
                values,
                multiple_of,
                ..
            } => {
                // Past the listed values and the first multiple, one is neither; else 0,
                // which no multiple is.
                let last = i64::from(multiple_of) + values.len() as i64 + 1;
                number(
                    unset,
                    (1..=last).chain([0]).filter(|n| {
                        !values.iter().any(|v| i64::from(*v) == *n)
                            && (*n <= 0 || n % i64::from(multiple_of.max(1)) != 0)
                    }),
                )
            }
        }
    }
}

impl Input {
    /// What the module takes for an unset value.
    pub fn unset_expr(&self) -> Expr {
        self.unset
            .map_or(Expr::Null, |(sentinel, _)| Expr::Number(sentinel))
    }
}

/// `contains([options...], var.name)`
fn contains(options: Vec<Expr>, name: &'static str) -> Expr {
    Expr::call("contains", vec![Expr::Tuple(options), var(name)])
}

fn listed(values: &[&str]) -> String {
    let ticked: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    ticked.join(", ")
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A JSON value as an HCL expression.
pub(crate) fn to_expr(value: &Json) -> Expr {
    match value {
        Json::Null => Expr::Null,
        Json::Bool(b) => Expr::Bool(*b),
        Json::Number(n) => Expr::Number(n.as_i64().unwrap_or_default()),
        Json::String(s) => Expr::string(s),
        Json::Array(items) => Expr::Tuple(items.iter().map(to_expr).collect()),
        Json::Object(entries) => Expr::object(entries.iter().map(|(k, v)| (k.clone(), to_expr(v)))),
    }
}

/// One config table of one environment, as written: its overlay (`[env.NAME.<table>]`) and
/// the project's table.
struct Layers<'a> {
    overlay: Option<&'a Map<String, Json>>,
    project: Option<&'a Map<String, Json>>,
}

impl Layers<'_> {
    /// The value of `setting` from the layers alone (no default): a table's entries merge,
    /// anything else is taken from the first layer that sets it.
    fn written(&self, setting: &Setting) -> Option<Json> {
        let overlay = self.overlay.and_then(|table| table.get(setting.key));
        let project = self.project.and_then(|table| table.get(setting.key));
        match (setting.kind, project, overlay) {
            (Kind::StringMap, Some(Json::Object(base)), Some(Json::Object(over))) => {
                let mut merged = base.clone();
                merged.extend(over.clone());
                Some(Json::Object(merged))
            }
            (_, project, overlay) => overlay.or(project).cloned(),
        }
    }
}

/// The table at `path` below `root`, if it is written.
fn table<'a>(root: Option<&'a Json>, path: &[&str]) -> Option<&'a Map<String, Json>> {
    path.iter()
        .try_fold(root?, |table, key| table.get(key))?
        .as_object()
}

/// The resolved settings of one environment, by setting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Values {
    values: BTreeMap<usize, Json>,
    /// The sections some layer writes a table of, even an empty one, by address.
    written: std::collections::BTreeSet<usize>,
}

impl Values {
    /// Resolves every setting of every table (the families' and the roots') for one
    /// environment: `project` is the config (as checked JSON), `overlay` the environment's
    /// `[env.NAME]` table if it has one. Each
    /// value is the overlay's, else the project's, else the default; derived defaults last,
    /// from the others.
    pub fn resolve(project: &Json, overlay: Option<&Json>) -> Self {
        let mut resolved = Values::default();
        let mut derived = Vec::new();
        for section in super::sections() {
            let layers = Layers {
                overlay: table(overlay, section.overlay_path()),
                project: table(Some(project), section.path),
            };
            if layers.overlay.is_some() || layers.project.is_some() {
                resolved.written.insert(section_key(section));
            }
            for setting in section.settings {
                let value = match (layers.written(setting), setting.default) {
                    (Some(value), _) => Some(value),
                    (None, Default::Derived { value, .. }) => {
                        derived.push((*setting, value));
                        None
                    }
                    (None, _) => setting.default_json(),
                };
                if let Some(value) = value {
                    resolved.values.insert(key(setting), value);
                }
            }
        }
        for (setting, value) in derived {
            let value = value(&resolved);
            resolved.values.insert(key(setting), value);
        }
        resolved
    }

    /// Every setting at its default.
    pub fn defaults() -> Self {
        Self::resolve(&Json::Object(Map::new()), None)
    }

    /// Sets one value, as a layer would.
    #[cfg(test)]
    pub(crate) fn set(&mut self, setting: &Setting, value: Json) {
        self.values.insert(key(setting), value);
    }

    /// Whether the project or the environment writes `section`'s table, if only as `[name]`
    /// with no key (always, for the top level's keys).
    pub(crate) fn writes(&self, section: &super::Section) -> bool {
        self.written.contains(&section_key(section))
    }

    pub fn get(&self, setting: &Setting) -> Option<&Json> {
        self.values.get(&key(setting))
    }

    /// The same values with `setting` set to `value` (`None`: unset), as an environment
    /// that writes it so would resolve them.
    pub fn with(mut self, setting: &Setting, value: Option<Json>) -> Self {
        match value {
            Some(value) => self.values.insert(key(setting), value),
            None => self.values.remove(&key(setting)),
        };
        self
    }

    pub fn string(&self, setting: &Setting) -> String {
        self.get(setting)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    pub fn opt_string(&self, setting: &Setting) -> Option<String> {
        self.get(setting).and_then(Json::as_str).map(str::to_owned)
    }

    pub fn u32(&self, setting: &Setting) -> u32 {
        self.opt_u32(setting).unwrap_or_default()
    }

    pub fn opt_u32(&self, setting: &Setting) -> Option<u32> {
        self.get(setting)
            .and_then(Json::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    }

    pub fn bool(&self, setting: &Setting) -> bool {
        self.get(setting)
            .and_then(Json::as_bool)
            .unwrap_or_default()
    }

    pub fn strings(&self, setting: &Setting) -> Vec<String> {
        self.get(setting)
            .and_then(Json::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Json::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn string_map(&self, setting: &Setting) -> BTreeMap<String, String> {
        self.get(setting)
            .and_then(Json::as_object)
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A setting's identity: its address, unique to it since every setting is a `static`.
fn key(setting: &Setting) -> usize {
    address(setting)
}

/// A section's identity, as [`key`] is a setting's.
fn section_key(section: &super::Section) -> usize {
    address(section)
}

/// The address of `item`. Only through the typed [`key`] and [`section_key`], which take the
/// `static` itself: a reference to a reference would give the reference's own address.
fn address<T>(item: &T) -> usize {
    std::ptr::from_ref(item) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An optional setting with a rule: its module input defaults to `null`, which must pass
    /// the input's validation, or every environment that leaves it unset fails to plan.
    #[test]
    fn an_unset_optional_input_passes_its_own_validation() {
        static OPTIONAL: Setting = Setting {
            key: "name",
            kind: Kind::String,
            default: Default::None,
            rule: Rule::Pattern {
                regex: "^[a-z]+$",
                noun: "name",
                message: "lowercase letters",
                example: "abc",
            },
            doc: "A name.",
            input: Some(Input {
                name: "some_name",
                description: "A name.",
                unset: None,
                example: |_| Expr::Null,
            }),
        };
        let validations = OPTIONAL.validations(OPTIONAL.input.unwrap());
        let [(condition, message)] = validations.as_slice() else {
            panic!("{} validations", validations.len());
        };
        assert_eq!(
            crate::hcl::print::inline(condition),
            r#"var.some_name == null || can(regex("^[a-z]+$", var.some_name))"#
        );
        assert_eq!(message, "some_name must be null or lowercase letters.");
    }

    /// Every kind of rule gives a value its own check refuses, and never the input's unset
    /// value, which its validation lets through.
    #[test]
    fn a_rules_rejected_value_is_refused_by_it_and_is_not_the_unset_value() {
        let range = |min, max| Rule::Range {
            min,
            max,
            limit: None,
        };
        let cases = [
            (range(1, None), None, Some(json!(0))),
            (range(0, Some(10)), None, Some(json!(11))),
            // Just below the range is the unset value: just above it then.
            (range(1, Some(10)), Some(0), Some(json!(11))),
            (range(0, None), None, None),
            (Rule::Any, None, None),
            (
                Rule::OneOf {
                    values: &["a", "not-a"],
                    refusal: None,
                },
                None,
                Some(json!("not-not-a")),
            ),
            (Rule::Region, None, Some(json!("not-a-region-1"))),
            (Rule::OneOfNumbers(&[0, 1, 3]), None, Some(json!(2))),
            (Rule::OneOfNumbers(&[0, 1, 2]), None, Some(json!(3))),
            (
                Rule::Pattern {
                    regex: "^[a-z]+$",
                    noun: "name",
                    message: "lowercase letters",
                    example: "dev",
                },
                None,
                Some(json!("dev !")),
            ),
            (
                Rule::ValuesOrMultiple {
                    values: &[10, 30],
                    multiple_of: 60,
                    problem: |seconds| Problem::AlarmPeriod { seconds },
                },
                None,
                Some(json!(1)),
            ),
            // Every positive number is a multiple of 1: only 0 is refused.
            (
                Rule::ValuesOrMultiple {
                    values: &[],
                    multiple_of: 1,
                    problem: |seconds| Problem::AlarmPeriod { seconds },
                },
                None,
                Some(json!(0)),
            ),
        ];
        for (rule, unset, expected) in cases {
            let rejected = rule.rejected(unset);
            assert_eq!(rejected, expected);
            let Some(value) = rejected else { continue };
            let setting = Setting {
                key: "x",
                kind: Kind::Integer,
                default: Default::None,
                rule,
                doc: "",
                input: None,
            };
            assert!(setting.check(&value).is_some(), "{value}");
        }
    }

    #[test]
    fn a_table_is_found_at_its_path_however_deep() {
        let root = serde_json::json!({ "api": { "domain": { "name": "x" }, "stage": "v1" } });
        let domain = table(Some(&root), &["api", "domain"]).unwrap();
        assert_eq!(domain["name"], "x");
        assert!(table(Some(&root), &["api", "missing"]).is_none());
        assert!(table(Some(&root), &["api", "stage"]).is_none());
        assert!(table(None, &["api"]).is_none());
    }
}
