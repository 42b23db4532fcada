//! Errors as data, rendered in one place, each with its exit code.
//!
//! Messages follow cargo and rustc: what went wrong, where (`file:line:col`, the source
//! line and a caret), and a `help:` line saying what to do next.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Exit codes, documented in `tapgen --help`.
pub mod exit {
    pub const SUCCESS: i32 = 0;
    /// `--check` found generated files that differ from a fresh render.
    pub const DRIFT: i32 = 1;
    /// Bad command line or bad config: nothing was written.
    pub const USAGE: i32 = 2;
    /// Reading or writing files failed, an external tool failed, or a registry could not be
    /// reached or refused the request.
    pub const IO: i32 = 3;
}

/// A place in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub source_line: String,
    /// Characters to underline, at least one.
    pub width: usize,
}

/// One problem found in a config, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    /// The dotted key path, such as `env.prod.lambda.memory_mb`.
    pub key: Option<String>,
    pub location: Option<Location>,
    /// Where no line can be given (a derived value, the embedded default), the file alone.
    pub file: String,
    pub help: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The config could not be read, parsed or validated.
    #[error("{}", render_config_errors(.file, .diagnostics))]
    Config {
        file: String,
        diagnostics: Vec<Diagnostic>,
    },

    /// A command-line request that cannot be carried out.
    #[error("{message}{}", help_suffix(.help))]
    Usage {
        message: String,
        help: Option<String>,
    },

    #[error("failed to {action} `{}`: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// Generated files were edited by hand since tapgen wrote them.
    #[error(
        "refusing to overwrite {} edited by hand since tapgen wrote {}:\n{}\n{diff}\n  = help: keep the edits in `tapgen.toml` instead, or run again with `--force` to overwrite them",
        if .paths.len() == 1 { "a file" } else { "files" },
        if .paths.len() == 1 { "it" } else { "them" },
        .paths.iter().map(|p| format!("  {}", p.display())).collect::<Vec<_>>().join("\n")
    )]
    HandEdited { paths: Vec<PathBuf>, diff: String },

    /// Something other than a plain file or folder is where tapgen writes a generated file
    /// or folder: a link, a named pipe, a folder where a file goes. Nothing was read through
    /// it or written.
    #[error(
        "{} in the way of generated files:\n{}\n  = help: tapgen never follows links or opens special files where it writes; move {} out of the way (a link's target is never touched) and run again",
        if .obstacles.len() == 1 { "something is" } else { "these are" },
        .obstacles.iter().map(|(p, what)| format!("  `{}`: {what}", p.display())).collect::<Vec<_>>().join("\n"),
        if .obstacles.len() == 1 { "it" } else { "them" },
    )]
    InTheWay {
        obstacles: Vec<(PathBuf, &'static str)>,
    },

    /// An external tool (tofu, terraform) could not be run or reported failure.
    #[error("{message}{}", help_suffix(.help))]
    Tool {
        message: String,
        help: Option<String>,
    },

    /// A remote service (an OCI registry) could not be reached, was not trusted, or refused
    /// the request or the credentials.
    #[error("{message}{}", help_suffix(.help))]
    Remote {
        message: String,
        help: Option<String>,
    },
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config { .. }
            | Error::Usage { .. }
            | Error::HandEdited { .. }
            | Error::InTheWay { .. } => exit::USAGE,
            Error::Io { .. } | Error::Tool { .. } | Error::Remote { .. } => exit::IO,
        }
    }

    pub fn usage(message: impl Into<String>, help: impl Into<Option<String>>) -> Self {
        Error::Usage {
            message: message.into(),
            help: help.into(),
        }
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// The most characters of a user's value that a message shows.
pub const SHOWN_CHARS: usize = 40;

/// Items in backticks, comma-separated, as messages list choices: `` `a`, `b` ``.
pub fn ticked<T: AsRef<str>>(items: &[T]) -> String {
    items
        .iter()
        .map(|item| format!("`{}`", item.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value as shown in a message: at most [`SHOWN_CHARS`] characters, control characters
/// escaped so that the message stays on its lines.
pub fn shown(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(SHOWN_CHARS)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if text.chars().count() > SHOWN_CHARS {
        out.push('…');
    }
    out
}

/// A dotted key path as TOML writes it: bare keys as they are, others quoted with every
/// non-ASCII character escaped, so that two keys that look alike can be told apart.
pub fn key_path<S: AsRef<str>>(path: &[S]) -> String {
    path.iter()
        .map(|part| {
            let part = part.as_ref();
            let bare = !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if bare { part.to_owned() } else { quoted(part) }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A TOML basic string with every non-ASCII character escaped, so that two strings that
/// look the same on screen can be told apart; at most [`SHOWN_CHARS`] characters of it.
pub fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars().take(SHOWN_CHARS) {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c if u32::from(c) > 0xFFFF => out.push_str(&format!("\\U{:08X}", u32::from(c))),
            c => out.push_str(&format!("\\u{:04X}", u32::from(c))),
        }
    }
    if text.chars().count() > SHOWN_CHARS {
        out.push('…');
    }
    out.push('"');
    out
}

/// Sorts diagnostics into file order (line, then column); those without a line go last.
/// The sort is stable, so problems found at one place keep the order they were found in.
pub fn sort_by_location(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| {
        d.location
            .as_ref()
            .map_or((1, 0, 0), |l| (0, l.line, l.column))
    });
}

fn help_suffix(help: &Option<String>) -> String {
    help.as_ref()
        .map(|help| format!("\n  = help: {help}"))
        .unwrap_or_default()
}

fn render_config_errors(file: &str, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, diagnostic) in diagnostics.iter().enumerate() {
        if i > 0 {
            out.push_str("\n\nerror: ");
        }
        out.push_str(&diagnostic.to_string());
    }
    if diagnostics.len() > 1 {
        out.push_str(&format!(
            "\n\nerror: could not use `{file}` due to {} previous errors",
            diagnostics.len()
        ));
    }
    out
}

impl fmt::Display for Diagnostic {
    /// Renders without the leading `error: `, which the caller prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        match &self.location {
            Some(location) => {
                let gutter = location.line.to_string().len();
                let blank = " ".repeat(gutter);
                write!(
                    f,
                    "\n{blank}--> {}:{}:{}{}\n{blank} |\n{} | {}\n{blank} | {}{}",
                    location.file,
                    location.line,
                    location.column,
                    self.key
                        .as_ref()
                        .map(|key| format!(" (key `{key}`)"))
                        .unwrap_or_default(),
                    location.line,
                    location.source_line,
                    " ".repeat(caret_offset(&location.source_line, location.column)),
                    "^".repeat(location.width.max(1)),
                )?;
                if let Some(help) = &self.help {
                    write!(f, "\n{blank} = help: {help}")?;
                }
            }
            None => {
                write!(f, "\n  --> {}", self.file)?;
                if let Some(key) = &self.key {
                    write!(f, " (key `{key}`)")?;
                }
                if let Some(help) = &self.help {
                    write!(f, "\n   = help: {help}")?;
                }
            }
        }
        Ok(())
    }
}

/// Columns count characters; tabs before the caret keep their width by staying tabs.
fn caret_offset(source_line: &str, column: usize) -> usize {
    source_line.chars().take(column.saturating_sub(1)).count()
}
