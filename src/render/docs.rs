//! The section terraform-docs v0.24.0 writes between `<!-- BEGIN_TF_DOCS -->` and
//! `<!-- END_TF_DOCS -->` when it reads the `.terraform-docs.yml` tapgen renders beside each
//! README ([`CONFIG`]), computed from tapgen's own HCL trees of one module folder, so that
//! running `terraform-docs markdown table --output-file README.md --output-mode inject DIR`
//! on a rendered module or example changes nothing.
//!
//! terraform-docs reads a folder's `.tf` files with terraform-config-inspect and prints six
//! tables: Requirements, Providers, Modules, Resources, Inputs and Outputs, each sorted by
//! name, names anchored, and text escaped for Markdown. Its default Resources table links
//! each resource to the provider's page on the public registry; [`CONFIG`] keeps every other
//! default and replaces only that table with one that names the resources without links, so
//! that no README points at a registry host. The functions below follow its templates
//! (`format/templates/markdown_table*.tmpl`, and [`CONFIG`]'s `content`) and its escaping
//! (`template/sanitizer.go`) rule by rule; the test command runs the real tool with
//! `--output-mode inject --output-check` on every rendered module and example.

use crate::hcl::{Body, Expr, Item};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The markers terraform-docs injects its section between.
pub(crate) const BEGIN: &str = "<!-- BEGIN_TF_DOCS -->";
pub(crate) const END: &str = "<!-- END_TF_DOCS -->";

/// The name of terraform-docs' configuration file, which it reads from the folder it
/// documents before any other place.
pub(crate) const CONFIG_FILE: &str = ".terraform-docs.yml";

/// The `.terraform-docs.yml` beside each README (tapgen adds its header comment).
///
/// `content` is what terraform-docs' default `markdown table` layout writes, section by
/// section (each section is sanitized on its own, `content` itself is not), except the
/// Resources table: `.Spec` and `.GetMode` without the link the default puts on each name.
/// The header from `main.tf` (a `/** */` comment, which tapgen never writes) comes first when
/// there is one, as in the default. `formatter` lets `terraform-docs DIR` work without naming
/// it; a formatter named on the command line wins. Every other setting keeps its default, and
/// the output template (the markers) is the default one.
pub(crate) const CONFIG: &str = r#"# terraform-docs reads this file from the folder it documents: its default `markdown table`
# sections, with the Resources table naming each resource without a documentation link.
formatter: markdown table

content: |-
  {{ with .Header }}{{ . }}

  {{ end -}}
  {{ .Requirements }}

  {{ .Providers }}

  {{ .Modules }}

  ## Resources

  {{ with .Module.Resources -}}
  | Name | Type |
  | ---- | ---- |
  {{- range . }}
  | {{ .Spec }} | {{ .GetMode }} |
  {{- end }}
  {{- else -}}
  No resources.
  {{- end }}

  {{ .Inputs }}

  {{ .Outputs }}
"#;

/// The injected section, markers included: what terraform-docs' default output template
/// (`<!-- BEGIN_TF_DOCS -->\n{{ .Content }}\n<!-- END_TF_DOCS -->`) writes with [`CONFIG`]
/// for the folder whose `.tf` files are `files` (file name, tree), in any order.
pub(crate) fn section(files: &[(&str, &Body)]) -> String {
    format!("{BEGIN}\n{}\n{END}", markdown_table(&Module::read(files)))
}

/// What terraform-config-inspect reports about a module folder, as far as the tables use it.
#[derive(Debug, Default)]
struct Module {
    /// `required_version` of each `terraform` block, in file order.
    required_core: Vec<String>,
    /// `required_providers`, by local name.
    required_providers: BTreeMap<String, RequiredProvider>,
    resources: Vec<Resource>,
    module_calls: Vec<ModuleCall>,
    inputs: Vec<Input>,
    outputs: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct RequiredProvider {
    /// Its `version` constraints; the Providers table joins them. (Its `source` fed only the
    /// default Resources table's links, which [`CONFIG`] leaves out.)
    constraints: Vec<String>,
}

#[derive(Debug)]
struct Resource {
    managed: bool,
    kind: String,
    name: String,
    provider: String,
    alias: String,
}

#[derive(Debug)]
struct ModuleCall {
    name: String,
    source: String,
    version: String,
}

#[derive(Debug)]
struct Input {
    name: String,
    description: String,
    type_expr: Option<String>,
    default: Option<Expr>,
}

fn string_attr(body: &Body, key: &str) -> Option<String> {
    body.items.iter().find_map(|item| match item {
        Item::Attribute(attr) if attr.key == key => match &attr.value {
            Expr::String(text) => Some(text.clone()),
            other => Some(crate::hcl::print::inline(other)),
        },
        _ => None,
    })
}

fn attr<'a>(body: &'a Body, key: &str) -> Option<&'a Expr> {
    body.items.iter().find_map(|item| match item {
        Item::Attribute(attr) if attr.key == key => Some(&attr.value),
        _ => None,
    })
}

impl Module {
    fn read(files: &[(&str, &Body)]) -> Self {
        let mut module = Module::default();
        // terraform-config-inspect reads the files in name order.
        let mut files = files.to_vec();
        files.sort_by_key(|(name, _)| *name);
        for (_, body) in files {
            let mut previous_comment: Option<&str> = None;
            for item in &body.items {
                let Item::Block(block) = item else {
                    previous_comment = match item {
                        Item::Comment(text) => Some(text),
                        _ => None,
                    };
                    continue;
                };
                // `# terraform-docs-ignore` above a block hides it from every table.
                let ignored = previous_comment.is_some_and(|c| c.contains("terraform-docs-ignore"));
                previous_comment = None;
                if ignored && block.ident != "terraform" {
                    continue;
                }
                let label = |i: usize| {
                    block
                        .labels
                        .get(i)
                        .map(|l| l.to_string())
                        .unwrap_or_default()
                };
                match block.ident.as_str() {
                    "terraform" => module.terraform(&block.body),
                    "variable" => module.inputs.push(Input {
                        name: label(0),
                        description: string_attr(&block.body, "description").unwrap_or_default(),
                        type_expr: attr(&block.body, "type").map(crate::hcl::print::inline),
                        default: attr(&block.body, "default").cloned(),
                    }),
                    "output" => module.outputs.push((
                        label(0),
                        string_attr(&block.body, "description").unwrap_or_default(),
                    )),
                    "resource" | "data" => {
                        let kind = label(0);
                        let (provider, alias) = match attr(&block.body, "provider") {
                            // `provider = aws.alias`
                            Some(Expr::Traversal(path)) => (
                                path.root.to_string(),
                                path.attr_names()
                                    .next()
                                    .map(|a| a.to_string())
                                    .unwrap_or_default(),
                            ),
                            // The implied provider: the type's prefix before the first `_`.
                            _ => (
                                kind.split('_').next().unwrap_or_default().to_owned(),
                                String::new(),
                            ),
                        };
                        module.resources.push(Resource {
                            managed: block.ident == "resource",
                            kind,
                            name: label(1),
                            provider,
                            alias,
                        });
                    }
                    "module" => module.module_calls.push(ModuleCall {
                        name: label(0),
                        source: string_attr(&block.body, "source").unwrap_or_default(),
                        version: string_attr(&block.body, "version").unwrap_or_default(),
                    }),
                    _ => {}
                }
            }
        }
        module
    }

    fn terraform(&mut self, body: &Body) {
        if let Some(version) = string_attr(body, "required_version") {
            self.required_core.push(version);
        }
        for item in &body.items {
            let Item::Block(block) = item else { continue };
            if block.ident != "required_providers" {
                continue;
            }
            for item in &block.body.items {
                let Item::Attribute(provider) = item else {
                    continue;
                };
                let entry = self
                    .required_providers
                    .entry(provider.key.to_string())
                    .or_default();
                match &provider.value {
                    Expr::Object(entries) => {
                        for field in entries {
                            if let ("version", Expr::String(version)) =
                                (field.key.as_str(), &field.value)
                            {
                                entry.constraints.push(version.clone());
                            }
                        }
                    }
                    // The legacy form `aws = "~> 5.0"`.
                    Expr::String(version) => entry.constraints.push(version.clone()),
                    _ => {}
                }
            }
        }
    }
}

/// `anchorNameMarkdown`: `<a name="input_x_y"></a> [x\_y](#input\_x\_y)`.
fn anchor(prefix: &str, name: &str) -> String {
    let anchor = format!("{prefix}_{name}");
    format!(
        "<a name=\"{anchor}\"></a> [{}](#{})",
        name.replace('_', "\\_"),
        anchor.replace('_', "\\_")
    )
}

/// [`CONFIG`]'s `content`: the sections, each sanitized as terraform-docs renders it alone,
/// a blank line between them. The Resources table is `content`'s own and is not sanitized.
fn markdown_table(module: &Module) -> String {
    let sections = [
        sanitize(&requirements(module)),
        sanitize(&providers(module)),
        sanitize(&modules(module)),
        resources(module),
        sanitize(&inputs(module)),
        sanitize(&outputs(module)),
    ];
    sections.join("\n\n")
}

fn table(title: &str, empty: &str, header: &str, rows: Vec<String>) -> String {
    if rows.is_empty() {
        return format!("## {title}\n\n{empty}\n");
    }
    format!("## {title}\n\n{header}\n{}\n", rows.join("\n"))
}

fn requirements(module: &Module) -> String {
    let mut rows: Vec<String> = module
        .required_core
        .iter()
        .map(|version| format!("| {} | {version} |", anchor("requirement", "terraform")))
        .collect();
    for (name, provider) in &module.required_providers {
        for version in &provider.constraints {
            rows.push(format!("| {} | {version} |", anchor("requirement", name)));
        }
    }
    table(
        "Requirements",
        "No requirements.",
        "| Name | Version |\n| ---- | ------- |",
        rows,
    )
}

fn providers(module: &Module) -> String {
    // One row per provider configuration the resources use, sorted by `name.alias`.
    let mut used: BTreeMap<String, (&str, &str)> = BTreeMap::new();
    for resource in &module.resources {
        used.insert(
            format!("{}.{}", resource.provider, resource.alias),
            (&resource.provider, &resource.alias),
        );
    }
    let rows = used
        .values()
        .map(|(name, alias)| {
            let full_name = if alias.is_empty() {
                (*name).to_owned()
            } else {
                format!("{name}.{alias}")
            };
            let version = module
                .required_providers
                .get(*name)
                .map(|p| p.constraints.join(" "))
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "n/a".to_owned());
            format!("| {} | {version} |", anchor("provider", &full_name))
        })
        .collect();
    table(
        "Providers",
        "No providers.",
        "| Name | Version |\n| ---- | ------- |",
        rows,
    )
}

fn modules(module: &Module) -> String {
    let mut calls: Vec<&ModuleCall> = module.module_calls.iter().collect();
    calls.sort_by(|a, b| a.name.cmp(&b.name));
    let rows = calls
        .iter()
        .map(|call| {
            let (source, version) = split_ref(&call.source, &call.version);
            let version = if version.is_empty() { "n/a" } else { version };
            format!(
                "| {} | {source} | {version} |",
                anchor("module", &call.name)
            )
        })
        .collect();
    table(
        "Modules",
        "No modules.",
        "| Name | Source | Version |\n| ---- | ------ | ------- |",
        rows,
    )
}

/// `formatSource`: without a `version`, a `?ref=` at the end of the source is shown as it.
fn split_ref<'a>(source: &'a str, version: &'a str) -> (&'a str, &'a str) {
    if !version.is_empty() {
        return (source, version);
    }
    match source.rfind("?ref=") {
        Some(at) if at + 5 < source.len() => (&source[..at], &source[at + 5..]),
        _ => (source, ""),
    }
}

/// [`CONFIG`]'s Resources table: `.Module.Resources` in terraform-docs' order, each row its
/// `.Spec` (`<provider>_<type>.<name>`) and `.GetMode`, no link.
fn resources(module: &Module) -> String {
    struct Row {
        managed: bool,
        spec: String,
        name: String,
    }
    // One row per provider, mode, type and name; managed resources first, then data
    // sources, each sorted by `<provider>_<type>.<name>` byte order.
    let mut rows: BTreeMap<(String, bool, String, String), Row> = BTreeMap::new();
    for resource in &module.resources {
        let kind = resource
            .kind
            .strip_prefix(&format!("{}_", resource.provider))
            .unwrap_or(&resource.kind)
            .to_owned();
        rows.insert(
            (
                resource.provider.clone(),
                resource.managed,
                kind.clone(),
                resource.name.clone(),
            ),
            Row {
                managed: resource.managed,
                spec: format!("{}_{kind}.{}", resource.provider, resource.name),
                name: resource.name.clone(),
            },
        );
    }
    let mut rows: Vec<Row> = rows.into_values().collect();
    rows.sort_by(|a, b| {
        b.managed
            .cmp(&a.managed)
            .then_with(|| a.spec.as_bytes().cmp(b.spec.as_bytes()))
            .then_with(|| a.name.cmp(&b.name))
    });
    if rows.is_empty() {
        return "## Resources\n\nNo resources.".to_owned();
    }
    let rows: Vec<String> = rows
        .into_iter()
        .map(|row| {
            let mode = if row.managed {
                "resource"
            } else {
                "data source"
            };
            format!("| {} | {mode} |", row.spec)
        })
        .collect();
    format!(
        "## Resources\n\n| Name | Type |\n| ---- | ---- |\n{}",
        rows.join("\n")
    )
}

fn inputs(module: &Module) -> String {
    let mut inputs: Vec<&Input> = module.inputs.iter().collect();
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    let rows = inputs
        .iter()
        .map(|input| {
            let required = input.default.is_none();
            let type_expr = input
                .type_expr
                .clone()
                .unwrap_or_else(|| inferred_type(input.default.as_ref()).to_owned());
            let value = match &input.default {
                None => "n/a".to_owned(),
                Some(default) => fenced(&json(default, 0)),
            };
            format!(
                "| {} | {} | {} | {} | {} |",
                anchor("input", &input.name),
                sanitize_table(&input.description),
                sanitize_table(&fenced(&type_expr)),
                sanitize_table(&value),
                if required { "yes" } else { "no" }
            )
        })
        .collect();
    table(
        "Inputs",
        "No inputs.",
        "| Name | Description | Type | Default | Required |\n| ---- | ----------- | ---- | ------- | :------: |",
        rows,
    )
}

fn outputs(module: &Module) -> String {
    let mut outputs: Vec<&(String, String)> = module.outputs.iter().collect();
    outputs.sort_by(|a, b| a.0.cmp(&b.0));
    let rows = outputs
        .iter()
        .map(|(name, description)| {
            format!(
                "| {} | {} |",
                anchor("output", name),
                sanitize_table(description)
            )
        })
        .collect();
    table(
        "Outputs",
        "No outputs.",
        "| Name | Description |\n| ---- | ----------- |",
        rows,
    )
}

/// `types.TypeOf` for a variable without `type`: named after its default's kind.
fn inferred_type(default: Option<&Expr>) -> &'static str {
    match default {
        Some(Expr::String(_) | Expr::Template(_)) => "string",
        Some(Expr::Number(_)) => "number",
        Some(Expr::Bool(_)) => "bool",
        Some(Expr::Tuple(_)) => "list",
        Some(Expr::Object(_)) => "map",
        _ => "any",
    }
}

/// `PrintFencedCodeBlock`: inline code, or a fenced block for text with newlines.
fn fenced(code: &str) -> String {
    if code.contains('\n') {
        format!("\n\n```\n{code}\n```\n")
    } else {
        format!("`{code}`")
    }
}

/// A default value as Go's `encoding/json` encodes it with two-space indents and HTML
/// escaping off (`Input.GetValue`): object keys sorted, empty collections as `{}` and `[]`.
fn json(value: &Expr, level: usize) -> String {
    let pad = |level: usize| "  ".repeat(level);
    match value {
        Expr::Null => "null".to_owned(),
        Expr::Bool(b) => b.to_string(),
        Expr::Number(n) => n.to_string(),
        Expr::String(s) => json_string(s),
        Expr::Tuple(items) if items.is_empty() => "[]".to_owned(),
        Expr::Tuple(items) => {
            let inner: Vec<String> = items
                .iter()
                .map(|item| format!("{}{}", pad(level + 1), json(item, level + 1)))
                .collect();
            format!("[\n{}\n{}]", inner.join(",\n"), pad(level))
        }
        Expr::Object(entries) if entries.is_empty() => "{}".to_owned(),
        Expr::Object(entries) => {
            let sorted: BTreeMap<&str, &Expr> = entries
                .iter()
                .map(|entry| (entry.key.as_str(), &entry.value))
                .collect();
            let inner: Vec<String> = sorted
                .iter()
                .map(|(key, value)| {
                    format!(
                        "{}{}: {}",
                        pad(level + 1),
                        json_string(key),
                        json(value, level + 1)
                    )
                })
                .collect();
            format!("{{\n{}\n{}}}", inner.join(",\n"), pad(level))
        }
        // A default must be a literal; anything else is shown as written.
        other => crate::hcl::print::inline(other),
    }
}

/// A JSON string as Go writes it: `\u2028` and `\u2029` escaped too, `<>&` left alone.
fn json_string(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// Go's regexp classes are ASCII: `\s` is `[\t\n\f\r ]`, `\S` its complement, `\w` is
// `[0-9A-Za-z_]`. Written out, so that Rust's Unicode classes do not widen them.
static LEADING_UNDERSCORES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([\t\n\f\r ]*)(_+)([\t\n\f\r ]+)(.*)").unwrap_or_else(|_| unreachable!())
});
static EMPHASIS_UNDERSCORES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([\t\n\f\r ]+)(_+)([^\t\n\f\r _])(.*)([^\t\n\f\r _])(_+)([\t\n\f\r ]+)")
        .unwrap_or_else(|_| unreachable!())
});
static LINE_CONTINUATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([^\t\n\f\r ]*)(\r?\n)([\t\n\f\r ]*)([0-9A-Za-z_]+)")
        .unwrap_or_else(|_| unreachable!())
});
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b[a-z][a-z0-9+.\-]*://[^\t\n\f\r <>"'`|]+"#)
        .unwrap_or_else(|_| unreachable!())
});

/// `processSegments`: splits on `prefix` and alternates between text and code, skipping
/// empty segments without switching (so ``` `` ``` toggles nothing), as terraform-docs does.
fn process_segments(
    text: &str,
    prefix: &str,
    normal: impl Fn(&str) -> String,
    code: impl Fn(&str, bool, bool) -> String,
) -> String {
    let mut in_code = text.starts_with(prefix);
    let segments: Vec<&str> = text.split(prefix).collect();
    let mut out = String::new();
    for (i, segment) in segments.iter().enumerate() {
        if segment.is_empty() {
            continue;
        }
        let first = i == 0 || segments[i - 1].trim().is_empty();
        let last = i == segments.len() - 1 || segments[i + 1].trim().is_empty();
        if in_code {
            out.push_str(&code(segment, first, last));
        } else {
            out.push_str(&normal(segment));
        }
        in_code = !in_code;
    }
    out
}

const DONT_ESCAPE: &str = "‡‡‡DONTESCAPE‡‡‡";

/// Escapes `_` on one line, except leading list-like underscores and `_emphasis_` pairs.
/// Works on bytes with the match offsets taken before any replacement, exactly as
/// terraform-docs does (its offsets go stale after the first replacement of a line).
fn escape_underscores(line: &str) -> String {
    let mut bytes = line.as_bytes().to_vec();
    for (pattern, groups) in [
        (&*LEADING_UNDERSCORES, &[2usize][..]),
        (&*EMPHASIS_UNDERSCORES, &[6usize, 2][..]),
    ] {
        let current = String::from_utf8_lossy(&bytes).into_owned();
        let matches: Vec<Vec<Option<(usize, usize)>>> = pattern
            .captures_iter(&current)
            .map(|caps| {
                (0..caps.len())
                    .map(|i| caps.get(i).map(|m| (m.start(), m.end())))
                    .collect()
            })
            .collect();
        for found in &matches {
            for &group in groups {
                let Some(Some((start, end))) = found.get(group).copied() else {
                    continue;
                };
                let Some(text) = current.get(start..end) else {
                    continue;
                };
                if end > bytes.len() {
                    continue;
                }
                let mut next = bytes[..start].to_vec();
                next.extend_from_slice(text.replace('_', DONT_ESCAPE).as_bytes());
                next.extend_from_slice(&bytes[end..]);
                bytes = next;
            }
        }
    }
    String::from_utf8_lossy(&bytes)
        .replace('_', "\\_")
        .replace(DONT_ESCAPE, "_")
}

/// `EscapeCharacters(s, escape=true, escapePipe=true)`: `|` and `_` outside inline code.
fn escape_characters(text: &str) -> String {
    let wrap = |segment: &str, _: bool, _: bool| format!("`{segment}`");
    let piped = process_segments(text, "`", |s| s.replace('|', "\\|"), wrap);
    process_segments(
        &piped,
        "`",
        |s| {
            s.split('\n')
                .map(escape_underscores)
                .collect::<Vec<_>>()
                .join("\n")
        },
        wrap,
    )
}

/// `ConvertMultiLineText(s, isTable=true, isHeader=false, showHTML=true)`.
fn convert_multi_line(text: &str) -> String {
    let text = text.trim();
    let text = LINE_CONTINUATION.replace_all(text, "${1}  ${2}${3}${4}");
    let text = text
        .replace("    \n", "  \n")
        .replace("  \n\n", "\n\n")
        .replace("\n  \n", "\n\n");
    text.replace("  \n", "<br/>").replace('\n', "<br/>")
}

/// `NormalizeURLs`: URLs keep their `_` unescaped.
fn normalize_urls(text: &str) -> String {
    let mut out = text.to_owned();
    for url in URL.find_iter(text) {
        out = out.replace(url.as_str(), &url.as_str().replace('\\', ""));
    }
    out
}

/// `sanitizeMarkdownTbl` with default settings (escape and HTML on): one table cell.
fn sanitize_table(text: &str) -> String {
    if text.is_empty() {
        return "n/a".to_owned();
    }
    process_segments(
        text,
        "```",
        |segment| normalize_urls(&convert_multi_line(&escape_characters(segment))),
        |segment, _, _| {
            let code = segment.trim().replace('\n', "<br/>").replace('\r', "");
            format!("<pre>{code}</pre>")
        },
    )
}

/// terraform-docs' final `sanitize`: no trailing spaces (but Markdown's two-space line
/// breaks), at most one blank line in a row, no blank lines at the end.
fn sanitize(markdown: &str) -> String {
    static DOUBLE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r" {2}(\r?\n)").unwrap_or_else(|_| unreachable!()));
    static TRAILING: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r" +(\r?\n)").unwrap_or_else(|_| unreachable!()));
    static END_SPACES: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r" +$").unwrap_or_else(|_| unreachable!()));
    static MARKED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"‡‡‡DOUBLESPACES‡‡‡(\r?\n)").unwrap_or_else(|_| unreachable!())
    });
    static SPACES_LINE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(\r?\n)  (\r?\n)").unwrap_or_else(|_| unreachable!()));
    static BLANKS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(\r?\n){3,}").unwrap_or_else(|_| unreachable!()));
    static END_BLANKS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(\r?\n){2,}$").unwrap_or_else(|_| unreachable!()));
    let text = DOUBLE.replace_all(markdown, "‡‡‡DOUBLESPACES‡‡‡${1}");
    let text = TRAILING.replace_all(&text, "${1}");
    let text = END_SPACES.replace_all(&text, "");
    let text = MARKED.replace_all(&text, "  ${1}");
    let text = SPACES_LINE.replace_all(&text, "${1}");
    let text = BLANKS.replace_all(&text, "${1}${1}");
    let text = END_BLANKS.replace_all(&text, "");
    // What is left of a single trailing newline goes too: the template trims the document.
    text.trim_end_matches(['\n', '\r']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hcl::reference::{DataSource, Resource};

    #[test]
    fn escapes_underscores_and_pipes_outside_code_like_terraform_docs() {
        assert_eq!(
            sanitize_table("LOG_BUCKET_NAME and `AWS_IAM` | x"),
            "LOG\\_BUCKET\\_NAME and `AWS_IAM` \\| x"
        );
        assert_eq!(sanitize_table("an _emphasis_ word"), "an _emphasis_ word");
        assert_eq!(sanitize_table(""), "n/a");
        assert_eq!(
            sanitize_table("one\ntwo\n\nthree"),
            "one<br/>two<br/><br/>three"
        );
    }

    #[test]
    fn multi_line_defaults_become_pre_blocks() {
        let value = Expr::object([("b", Expr::string("x")), ("a", Expr::Number(1))]);
        assert_eq!(
            sanitize_table(&fenced(&json(&value, 0))),
            "<pre>{<br/>  \"a\": 1,<br/>  \"b\": \"x\"<br/>}</pre>"
        );
        assert_eq!(sanitize_table(&fenced("\"AWS_IAM\"")), "`\"AWS_IAM\"`");
    }

    #[test]
    fn resources_are_named_without_links_managed_first_and_data_sources_after() {
        let body = Body::new()
            .block(Resource::new("aws_s3_bucket", "b").declare(Body::new()))
            .block(DataSource::new("aws_caller_identity", "c").declare(Body::new()))
            .block(Resource::new("aws_iam_role", "a").declare(Body::new()));
        let text = section(&[("main.tf", &body)]);
        assert!(text.contains(
            "## Resources\n\n| Name | Type |\n| ---- | ---- |\n| aws_iam_role.a | resource |\n| aws_s3_bucket.b | resource |\n| aws_caller_identity.c | data source |\n\n## Inputs"
        ), "{text}");
        assert!(!text.contains("](http"), "{text}");
        let empty = section(&[("main.tf", &Body::new())]);
        assert!(
            empty.contains("## Resources\n\nNo resources.\n\n## Inputs"),
            "{empty}"
        );
        assert!(
            empty.ends_with("## Outputs\n\nNo outputs.\n<!-- END_TF_DOCS -->"),
            "{empty}"
        );
    }

    #[test]
    fn config_content_names_resources_by_spec_and_keeps_the_default_markers() {
        assert!(CONFIG.contains("| {{ .Spec }} | {{ .GetMode }} |"));
        assert!(!CONFIG.contains(".URL"));
        // The output template stays terraform-docs' default, whose markers tapgen writes.
        assert!(!CONFIG.contains("output:"));
    }

    #[test]
    fn git_ref_is_shown_as_the_module_version() {
        assert_eq!(
            split_ref("git::https://example.com/m.git?ref=v1.2.0", ""),
            ("git::https://example.com/m.git", "v1.2.0")
        );
        assert_eq!(split_ref("../../", ""), ("../../", ""));
    }
}
