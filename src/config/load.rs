//! Finding, reading and parsing the config file.

use super::model::ConfigFile;
use super::source::Source;
use super::structure;
use super::{DEFAULT_CONFIG, DEFAULT_CONFIG_NAME};
use crate::error::{Diagnostic, Error, Problem};
use std::path::{Path, PathBuf};

/// A parsed config with what is needed to report on it. Made only by [`parse`], so every key
/// and type in it has passed the schema check (entries that did not are left out of it, and
/// reported in [`Parsed::problems`]).
pub struct Loaded {
    pub config: ConfigFile,
    pub source: Source,
    /// The folder that `lambda.source_dir` and the default output are relative to: the config
    /// file's folder, or the current folder for the embedded default.
    pub base_dir: PathBuf,
    /// The config file read, if any: never packaged with the Lambda handler.
    pub path: Option<PathBuf>,
}

/// A config as parsed: what of it has the right shape, and a problem for each entry that
/// does not (which [`crate::check::parse`] reports with the rule problems of the rest).
pub struct Parsed {
    pub loaded: Loaded,
    pub problems: Vec<Diagnostic>,
}

/// The file tapgen reads when `--config` is not given.
pub const CONFIG_FILE_NAME: &str = "tapgen.toml";

/// Loads `--config PATH`; without one, `./tapgen.toml`, or the embedded default where there is none.
pub fn load(path: Option<&Path>) -> Result<Parsed, Error> {
    let path = match path {
        Some(path) => path.to_path_buf(),
        None if Path::new(CONFIG_FILE_NAME).is_file() => PathBuf::from(CONFIG_FILE_NAME),
        None => {
            return parse(
                DEFAULT_CONFIG_NAME,
                DEFAULT_CONFIG.to_owned(),
                PathBuf::from("."),
            );
        }
    };
    if path.is_dir() {
        return Err(Error::usage(
            format!("config `{}` is a directory, not a file", path.display()),
            Some(format!(
                "pass the file itself, such as `--config {}`",
                path.join(CONFIG_FILE_NAME).display()
            )),
        ));
    }
    let bytes = std::fs::read(&path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::usage(
                format!("config file `{}` does not exist", path.display()),
                Some("create one with `tapgen init`, or leave out `--config` to use the embedded default".to_owned()),
            )
        } else {
            Error::io("read config", &path, source)
        }
    })?;
    let name = path.display().to_string();
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let source = Source::new(name.clone(), lossy);
            let diagnostic = Diagnostic::in_file(Problem::NotUtf8, &name)
                .at(Some(source.location(offset..offset + 1)));
            return Err(Error::Config {
                file: name,
                diagnostics: vec![diagnostic],
            });
        }
    };
    let base_dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut parsed = parse(&name, text, base_dir)?;
    parsed.loaded.path = Some(path);
    Ok(parsed)
}

/// Parses config text; `name` is what error messages call the file.
///
/// A syntax error fails at once (nothing else can be checked without a syntax tree); then
/// every unknown key, wrong type and value a setting's rule refuses is found
/// ([`super::structure`]), and the rest is kept.
pub fn parse(name: &str, text: String, base_dir: PathBuf) -> Result<Parsed, Error> {
    let (source, syntax_error) = Source::parse(name, text);
    let document = match (source.document(), syntax_error) {
        (Some(document), None) => document,
        (_, error) => {
            let diagnostic = syntax_diagnostic(&source, error.as_ref());
            return Err(config_error(name, vec![diagnostic]));
        }
    };
    let checked = structure::check(&source, document);
    let config =
        serde_json::from_value::<ConfigFile>(checked.value.clone()).map(|config| ConfigFile {
            document: checked.value,
            ..config
        });
    let problems = checked.diagnostics;
    match config {
        Ok(config) => Ok(Parsed {
            loaded: Loaded {
                config,
                source,
                base_dir,
                path: None,
            },
            problems,
        }),
        // With every key and type checked, this only fails where a required key is missing,
        // which is reported already; else the schema and the structs disagree.
        Err(error) if problems.is_empty() => Err(Error::internal(format!(
            "`{name}` passed the schema check, but does not fit tapgen's config types: {error}"
        ))),
        Err(_) => Err(config_error(name, problems)),
    }
}

fn config_error(name: &str, mut diagnostics: Vec<Diagnostic>) -> Error {
    crate::error::sort_by_location(&mut diagnostics);
    Error::Config {
        file: name.to_owned(),
        diagnostics,
    }
}

/// A TOML syntax error, in tapgen's words where the parser's leak its internals.
fn syntax_diagnostic(source: &Source, error: Option<&toml_edit::TomlError>) -> Diagnostic {
    let raw = error.map_or("", |e| e.message()).trim();
    let marked = error
        .and_then(toml_edit::TomlError::span)
        .and_then(|span| source.text.get(span))
        .unwrap_or_default();
    let span = error.and_then(toml_edit::TomlError::span);
    let duplicate = raw.starts_with("duplicate key") && !marked.is_empty();
    let key = span
        .clone()
        .filter(|_| duplicate)
        .map(|span| full_key(&source.text, span.start, marked.trim()));
    let problem = if let Some(key) = &key {
        Problem::DuplicateKey { key: key.clone() }
    } else if raw.contains("recurs") {
        Problem::TooDeep
    } else {
        Problem::Syntax {
            detail: raw.lines().collect::<Vec<_>>().join("; "),
        }
    };
    let span = span
        .or_else(|| raw.contains("recurs").then(|| deepest_line(&source.text)))
        .unwrap_or(0..0);
    Diagnostic {
        key,
        ..Diagnostic::in_file(problem, &source.name).at(Some(source.location(span)))
    }
}

/// The dotted key that a key written at byte `at` sets: the table header it is in (or the
/// header it is part of) with the key added, as the user wrote them. For a message about a
/// file that does not parse, so read from the text, not from a syntax tree.
fn full_key(text: &str, at: usize, key: &str) -> String {
    let header = |line: &str| {
        let line = line.trim();
        let inner = line
            .strip_prefix("[[")
            .and_then(|l| l.split("]]").next())
            .or_else(|| line.strip_prefix('[').and_then(|l| l.split(']').next()))?;
        Some(
            inner
                .split('.')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join("."),
        )
    };
    let before = text.get(..at).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or_default();
    if let Some(table) = header(line) {
        return table;
    }
    let table = before[..line_start].lines().rev().find_map(header);
    match table {
        Some(table) if !table.is_empty() => format!("{table}.{key}"),
        _ => key.to_owned(),
    }
}

/// The line that nests deepest, for a nesting error the parser reports without a place: the
/// one with the most `[`, `{` and `.` outside quoted strings.
fn deepest_line(text: &str) -> std::ops::Range<usize> {
    let mut best = (0, 0..0);
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let mut depth = 0;
        let mut quote = None;
        for c in line.chars() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(open), c) if c == open => quote = None,
                (None, '[' | '{' | '.') => depth += 1,
                _ => {}
            }
        }
        if depth > best.0 {
            best = (depth, offset..offset + line.trim_end().len());
        }
        offset += line.len();
    }
    best.1
}
