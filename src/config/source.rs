//! Maps key paths of a TOML document to lines and columns, for error messages.

use crate::error::{Diagnostic, Location, Problem};
use std::ops::Range;
use toml_edit::{Document, Item, Value};

/// Characters of a source line shown in a message.
const MAX_SHOWN: usize = 120;

/// The text of a config file and, when it parses, its syntax tree with spans.
pub struct Source {
    pub name: String,
    pub text: String,
    document: Option<Document<String>>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let document = Document::parse(text.clone()).ok();
        Self {
            name: name.into(),
            text,
            document,
        }
    }

    /// Parses `text`; on a syntax error, the source without a syntax tree and the error.
    pub fn parse(
        name: impl Into<String>,
        text: impl Into<String>,
    ) -> (Self, Option<toml_edit::TomlError>) {
        let text = text.into();
        let (document, error) = match Document::parse(text.clone()) {
            Ok(document) => (Some(document), None),
            Err(error) => (None, Some(error)),
        };
        let source = Self {
            name: name.into(),
            text,
            document,
        };
        (source, error)
    }

    /// The syntax tree, when the text parses.
    pub fn document(&self) -> Option<&Document<String>> {
        self.document.as_ref()
    }

    /// Whether the document sets this key.
    pub fn contains(&self, path: &[&str]) -> bool {
        self.span_of(path).is_some()
    }

    /// The span of the value at `path` (for a table, of its header).
    pub fn span_of(&self, path: &[&str]) -> Option<Range<usize>> {
        let document = self.document.as_ref()?;
        let mut item = document.as_item();
        let mut key_span = None;
        for step in path {
            let (key, next) = match item {
                Item::Table(table) => table.get_key_value(step)?,
                Item::Value(Value::InlineTable(table)) => table.get_key_value(step)?,
                _ => return None,
            };
            key_span = key.span();
            item = next;
        }
        match item {
            Item::Value(value) => value.span().or(key_span),
            Item::Table(table) => table.span().or(key_span),
            _ => key_span,
        }
    }

    /// A location for a byte span.
    pub fn location(&self, span: Range<usize>) -> Location {
        let boundary = |mut i: usize| {
            i = i.min(self.text.len());
            while !self.text.is_char_boundary(i) {
                i += 1;
            }
            i
        };
        let start = boundary(span.start);
        let span = start..boundary(span.end);
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let source_line = self.text[line_start..line_end]
            .trim_end_matches('\r')
            .to_owned();
        let end = span.end.clamp(start, line_end);
        let column = self.text[line_start..start].chars().count() + 1;
        let mut width = self.text[start..end].chars().count().max(1);
        // Keep huge values from flooding the terminal: show the start of the line only.
        let source_line = if source_line.chars().count() > MAX_SHOWN {
            width = width.min(MAX_SHOWN.saturating_sub(column).max(1));
            format!(
                "{}…",
                source_line.chars().take(MAX_SHOWN).collect::<String>()
            )
        } else {
            source_line
        };
        Location {
            file: self.name.clone(),
            line: self.text[..start].matches('\n').count() + 1,
            column,
            width,
            source_line,
        }
    }

    /// A diagnostic pointing at `path`, or at the file when the key is not written in it.
    pub fn diagnostic(&self, path: &[&str], problem: Problem) -> Diagnostic {
        let key = crate::error::key_path(path);
        Diagnostic {
            problem,
            key: if key.is_empty() { None } else { Some(key) },
            location: self.span_of(path).map(|span| self.location(span)),
            file: self.name.clone(),
        }
    }
}
