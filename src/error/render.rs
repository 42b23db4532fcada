//! The one place that lays messages out, in the style of cargo and rustc:
//!
//! ```text
//! error: what went wrong
//!  --> tapgen.toml:6:11 (key `lambda.runtime`)
//!   |
//! 6 | runtime = "python3.9"
//!   |           ^^^^^^^^^^^
//!   = help: what to do about it
//! ```
//!
//! Without a line, the place is the file alone (` --> tapgen.toml (key `a.b`)`); without a
//! place, the message is followed by its help. Lines that belong to the message (the paths
//! it is about) come indented under it, and a diff or a tool's own output as it is.

use super::Location;

/// How serious a block is: the word it starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Note,
}

impl Severity {
    fn word(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Note => "note",
        }
    }
}

/// Where a message points: a file, optionally a line in it, optionally a key.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub file: &'a str,
    pub key: Option<&'a str>,
    pub location: Option<&'a Location>,
}

/// One message, ready to be laid out.
#[derive(Debug, Clone)]
pub struct Block<'a> {
    pub severity: Severity,
    pub message: String,
    pub place: Option<Place<'a>>,
    /// Lines about the message (paths, one per line), shown indented under it.
    pub lines: Vec<String>,
    /// Text shown as it is, such as a diff or a tool's own output.
    pub verbatim: Option<&'a str>,
    pub help: Option<String>,
}

impl<'a> Block<'a> {
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            place: None,
            lines: Vec::new(),
            verbatim: None,
            help: None,
        }
    }

    pub fn note(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Note,
            ..Self::error(message)
        }
    }

    pub fn help(mut self, help: impl Into<Option<String>>) -> Self {
        self.help = help.into();
        self
    }

    pub fn place(mut self, place: Place<'a>) -> Self {
        self.place = Some(place);
        self
    }

    pub fn lines(mut self, lines: Vec<String>) -> Self {
        self.lines = lines;
        self
    }

    pub fn verbatim(mut self, text: &'a str) -> Self {
        self.verbatim = Some(text);
        self
    }
}

/// Lays out blocks, a blank line between two, without a final newline.
pub fn blocks(blocks: &[Block<'_>]) -> String {
    blocks.iter().map(block).collect::<Vec<_>>().join("\n\n")
}

/// Lays out one block.
pub fn block(block: &Block<'_>) -> String {
    let location = block.place.and_then(|place| place.location);
    // The gutter is as wide as the line number it shows, and one column without one.
    let gutter = " ".repeat(location.map_or(1, |l| l.line.to_string().len()));
    let mut out = format!("{}: {}", block.severity.word(), block.message);
    if let Some(place) = block.place {
        let key = place
            .key
            .map(|key| format!(" (key `{key}`)"))
            .unwrap_or_default();
        match location {
            Some(location) => out.push_str(&format!(
                "\n{gutter}--> {}:{}:{}{key}\n{gutter} |\n{} | {}\n{gutter} | {}{}",
                location.file,
                location.line,
                location.column,
                location.line,
                location.source_line,
                " ".repeat(caret_offset(&location.source_line, location.column)),
                "^".repeat(location.width.max(1)),
            )),
            None => out.push_str(&format!("\n{gutter}--> {}{key}", place.file)),
        }
    }
    for line in &block.lines {
        out.push_str(&format!("\n  {line}"));
    }
    if let Some(text) = block.verbatim {
        let text = text.trim_end_matches('\n');
        if !text.is_empty() {
            out.push('\n');
            out.push_str(text);
        }
    }
    if let Some(help) = &block.help {
        out.push_str(&format!("\n{gutter} = help: {help}"));
    }
    out
}

/// Columns count characters; tabs before the caret keep their width by staying tabs.
fn caret_offset(source_line: &str, column: usize) -> usize {
    source_line.chars().take(column.saturating_sub(1)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(line: usize) -> Location {
        Location {
            file: "tapgen.toml".to_owned(),
            line,
            column: 11,
            source_line: "runtime = \"python3.9\"".to_owned(),
            width: 11,
        }
    }

    #[test]
    fn a_located_block_has_the_source_line_a_caret_and_the_help_under_the_gutter() {
        let at = location(6);
        let text = block(
            &Block::error("runtime `python3.9` is deprecated")
                .place(Place {
                    file: "tapgen.toml",
                    key: Some("lambda.runtime"),
                    location: Some(&at),
                })
                .help("use `python3.13`".to_owned()),
        );
        assert_eq!(
            text,
            "error: runtime `python3.9` is deprecated\n \
             --> tapgen.toml:6:11 (key `lambda.runtime`)\n  \
             |\n\
             6 | runtime = \"python3.9\"\n  \
             |           ^^^^^^^^^^^\n  \
             = help: use `python3.13`"
        );
        // Two digits widen the gutter, and the help stays under it.
        let at = location(12);
        let text = block(&Block::error("x").place(Place {
            file: "tapgen.toml",
            key: None,
            location: Some(&at),
        }));
        assert!(
            text.contains("\n  --> tapgen.toml:12:11\n   |\n12 | "),
            "{text}"
        );
    }

    #[test]
    fn a_block_without_a_line_keeps_the_same_columns() {
        let text = block(
            &Block::error("something is in the way")
                .place(Place {
                    file: "tapgen.toml",
                    key: Some("a.b"),
                    location: None,
                })
                .lines(vec!["`envs/dev`: a link".to_owned()])
                .verbatim("--- diff\n")
                .help("move it".to_owned()),
        );
        assert_eq!(
            text,
            "error: something is in the way\n --> tapgen.toml (key `a.b`)\n  `envs/dev`: a link\n--- diff\n  = help: move it"
        );
        assert_eq!(
            block(&Block::note("n").help("h".to_owned())),
            "note: n\n  = help: h"
        );
    }
}
