//! Errors as data, rendered in one place, each with its exit code.
//!
//! Every failure is a value: an [`Error`] kind with its fields and, for a config or a module
//! under lint, a list of [`Diagnostic`]s, each a typed [`Problem`] with where it is.
//! [`Error::render`] lays every kind out through [`render`], the one place that writes the
//! layout of cargo and rustc: `error: what`, ` --> file:line:col (key `a.b`)`, the source
//! line with a caret, and ` = help: what to do`. Messages are lowercase, with keys, values
//! and paths in backticks.

mod problem;
mod redact;
pub mod render;

pub use problem::{
    ArnOf, Found, Holder, KeyHint, Problem, RequiredValue, Rule, Shape, Twin, TypeFix,
};
pub use redact::Redacted;

use redact::Secrets;
use render::{Block, Place};
use std::fmt;
use std::io;
use std::path::PathBuf;

/// Exit codes, documented in `tapgen --help` and the README.
pub mod exit {
    pub const SUCCESS: i32 = 0;
    /// `--check` found generated files that differ from a fresh render.
    pub const DRIFT: i32 = 1;
    /// Bad command line or bad config: nothing was written.
    pub const USAGE: i32 = 2;
    /// Reading or writing files failed, an external tool failed, or a registry could not be
    /// reached or refused the request.
    pub const IO: i32 = 3;
    /// A bug in tapgen (sysexits' `EX_SOFTWARE`): nothing was written.
    pub const INTERNAL: i32 = 70;
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

/// One problem found in a config, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub problem: Problem,
    /// The dotted key path, such as `env.prod.lambda.memory_mb`.
    pub key: Option<String>,
    pub location: Option<Location>,
    /// Where no line can be given (a derived value, the embedded default), the file alone.
    pub file: String,
}

impl Diagnostic {
    /// A problem in `file`, at no particular line or key.
    pub fn in_file(problem: Problem, file: impl Into<String>) -> Self {
        Self {
            problem,
            key: None,
            location: None,
            file: file.into(),
        }
    }

    /// The same diagnostic pointing at `location`.
    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    /// The block of this diagnostic at `location` (its own, with `secrets` masked in it),
    /// with `secrets` masked in its words too.
    fn block<'a>(&'a self, location: Option<&'a Location>, secrets: &Secrets<'_>) -> Block<'a> {
        let (message, help) = self.problem.words();
        Block::error(secrets.text(&message))
            .place(Place {
                file: &self.file,
                key: self.key.as_deref(),
                location,
            })
            .help(secrets.text(&help))
    }
}

/// The blocks of `diagnostics`, then `summary`, laid out: every value that one of them
/// refuses as a secret is masked in all of them.
fn diagnostic_blocks(diagnostics: &[Diagnostic], summary: Option<Block<'_>>) -> String {
    let secrets = Secrets::of(diagnostics);
    let locations: Vec<Option<Location>> = diagnostics
        .iter()
        .map(|d| d.location.as_ref().map(|at| secrets.location(at)))
        .collect();
    let blocks: Vec<Block<'_>> = diagnostics
        .iter()
        .zip(&locations)
        .map(|(diagnostic, at)| diagnostic.block(at.as_ref(), &secrets))
        .chain(summary)
        .collect();
    render::blocks(&blocks)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&diagnostic_blocks(std::slice::from_ref(self), None))
    }
}

/// A reason the Lambda source folder cannot be packaged, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpackageable {
    pub message: String,
    pub help: &'static str,
}

/// A file that `--check` or `validate` found stale, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staleness {
    Missing,
    Differs,
    NoLongerGenerated,
}

/// Generated files that differ from a fresh render, as `--check` and `validate` report
/// them (exit 1). Not an [`Error`]: the verdict is the command's output, and a verdict that
/// cannot be written is a failed write (exit 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// `N created, N updated, ...`.
    pub summary: String,
    pub files: Vec<(Staleness, PathBuf)>,
    /// Under `validate`: the environment, and the command that renders it.
    pub validating: Option<(String, String)>,
}

impl Stale {
    pub fn render(&self) -> String {
        let lines = self
            .files
            .iter()
            .map(|(how, path)| {
                let how = match how {
                    Staleness::Missing => "missing",
                    Staleness::Differs => "differs",
                    Staleness::NoLongerGenerated => "no longer generated",
                };
                format!("{how}: `{}`", path.display())
            })
            .collect();
        let summary = &self.summary;
        let block = match &self.validating {
            None => Block::error(format!("generated files are stale: {summary}"))
                .help("run the same command without `--check` to update them".to_owned()),
            Some((env, command)) => Block::error(format!(
                "the render of `{env}` is stale against the config ({summary}); validating it would check code the config no longer describes"
            ))
            .help(format!(
                "render first with `{command}` (add `--check` to see the diff), then run `tapgen validate` again"
            )),
        };
        render::block(&block.lines(lines))
    }
}

#[derive(Debug)]
pub enum Error {
    /// The config could not be read, parsed or validated, or a module folder failed lint.
    Config {
        file: String,
        diagnostics: Vec<Diagnostic>,
    },

    /// `--env` names an environment the config does not declare.
    UndeclaredEnvironment {
        name: String,
        file: String,
        declared: Vec<String>,
        closest: Option<String>,
    },

    /// A command-line request that cannot be carried out; `lines` are what the message is
    /// about (files, one per line), where there are several.
    Usage {
        message: String,
        lines: Vec<String>,
        help: Option<String>,
    },

    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    /// Another run holds the output folder's lock, and did not let go in time.
    Locked {
        root: PathBuf,
        waited_s: f64,
        variable: &'static str,
    },

    /// Generated files were edited by hand since tapgen wrote them.
    HandEdited { paths: Vec<PathBuf>, diff: String },

    /// Something other than a plain file or folder is where tapgen writes a generated file
    /// or folder: a link, a named pipe, a folder where a file goes. Nothing was read through
    /// it or written.
    InTheWay {
        obstacles: Vec<(PathBuf, &'static str)>,
    },

    /// The Lambda source folder holds what a package cannot: every reason, up to `shown`.
    Unpackageable {
        dir: PathBuf,
        problems: Vec<Unpackageable>,
        /// How many problems there are, shown or not.
        count: usize,
    },

    /// An external tool (tofu, terraform, git) could not be run or reported failure;
    /// `output` is what it printed.
    Tool {
        message: String,
        output: String,
        help: Option<String>,
    },

    /// A remote service (an OCI registry) could not be reached, was not trusted, or refused
    /// the request or the credentials.
    Remote {
        message: String,
        help: Option<String>,
    },
    /// A bug in tapgen: what tapgen itself got wrong. Nothing is written.
    Internal { what: String },
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    /// The whole report, as `tapgen` prints it on stderr.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config { .. }
            | Error::UndeclaredEnvironment { .. }
            | Error::Usage { .. }
            | Error::HandEdited { .. }
            | Error::InTheWay { .. }
            | Error::Unpackageable { .. } => exit::USAGE,
            Error::Io { .. } | Error::Locked { .. } | Error::Tool { .. } | Error::Remote { .. } => {
                exit::IO
            }
            Error::Internal { .. } => exit::INTERNAL,
        }
    }

    pub fn usage(message: impl Into<String>, help: impl Into<Option<String>>) -> Self {
        Error::Usage {
            message: message.into(),
            lines: Vec::new(),
            help: help.into(),
        }
    }

    /// A usage error about several things, listed one per line under the message.
    pub fn usage_listing(
        message: impl Into<String>,
        lines: Vec<String>,
        help: impl Into<String>,
    ) -> Self {
        Error::Usage {
            message: message.into(),
            lines,
            help: Some(help.into()),
        }
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub fn internal(what: impl Into<String>) -> Self {
        Error::Internal { what: what.into() }
    }

    /// The report as printed: one or more `error:` blocks, without a final newline.
    pub fn render(&self) -> String {
        match self {
            Error::Config { file, diagnostics } => diagnostic_blocks(
                diagnostics,
                (diagnostics.len() > 1).then(|| {
                    Block::error(format!(
                        "could not use `{file}` due to {} previous errors",
                        diagnostics.len()
                    ))
                }),
            ),
            Error::UndeclaredEnvironment {
                name,
                file,
                declared,
                closest,
            } => render::block(
                &Block::error(format!(
                    "environment `{}` is not declared in `{file}`, which declares {}",
                    shown(name),
                    ticked(declared)
                ))
                .help(format!(
                    "{}, or add an `[env.{}]` table to declare it",
                    match closest {
                        Some(best) => format!("use `{best}`, the closest declared environment"),
                        None => "use one of those".to_owned(),
                    },
                    key_path(&[name])
                )),
            ),
            Error::Usage {
                message,
                lines,
                help,
            } => render::block(
                &Block::error(message)
                    .lines(lines.clone())
                    .help(help.clone()),
            ),
            Error::Io {
                action,
                path,
                source,
            } => render::block(
                &Block::error(format!(
                    "failed to {action} `{}`: {}",
                    path.display(),
                    lowercase_first(&source.to_string())
                ))
                .help(io_help(path, source)),
            ),
            Error::Locked {
                root,
                waited_s,
                variable,
            } => render::block(
                &Block::error(format!(
                    "another tapgen run holds the lock on `{}`; waited {waited_s} s for it",
                    root.display()
                ))
                .help(format!(
                    "run again once it has finished, or set `{variable}` to the seconds to wait"
                )),
            ),
            Error::HandEdited { paths, diff } => {
                let (files, them) = if paths.len() == 1 {
                    ("a file", "it")
                } else {
                    ("files", "them")
                };
                render::block(
                    &Block::error(format!(
                        "refusing to overwrite {files} edited by hand since tapgen wrote {them}:"
                    ))
                    .lines(paths.iter().map(|p| format!("`{}`", p.display())).collect())
                    .verbatim(diff)
                    .help(
                        "keep the edits in `tapgen.toml` instead, or run again with `--force` to overwrite them"
                            .to_owned(),
                    ),
                )
            }
            Error::InTheWay { obstacles } => {
                let (what, it) = if obstacles.len() == 1 {
                    ("something is", "it")
                } else {
                    ("these are", "them")
                };
                render::block(
                    &Block::error(format!("{what} in the way of generated files:"))
                        .lines(
                            obstacles
                                .iter()
                                .map(|(p, kind)| format!("`{}`: {kind}", p.display()))
                                .collect(),
                        )
                        .help(format!(
                            "move {it} out of the way and run again: tapgen never follows links or opens special files where it writes (a link's target is never touched)"
                        )),
                )
            }
            Error::Unpackageable {
                dir,
                problems,
                count,
            } => {
                let mut blocks: Vec<Block<'_>> = problems
                    .iter()
                    .map(|p| Block::error(p.message.clone()).help(p.help.to_owned()))
                    .collect();
                let hidden = count.saturating_sub(problems.len());
                blocks.push(Block::error(format!(
                    "could not package the Lambda source folder `{}` due to {}{}",
                    dir.display(),
                    if *count == 1 {
                        "the problem above".to_owned()
                    } else {
                        format!("{count} problems")
                    },
                    if hidden > 0 {
                        format!(" ({hidden} more not shown)")
                    } else {
                        String::new()
                    }
                )));
                render::blocks(&blocks)
            }
            Error::Tool {
                message,
                output,
                help,
            } => render::block(&Block::error(message).verbatim(output).help(help.clone())),
            Error::Remote { message, help } => {
                render::block(&Block::error(message).help(help.clone()))
            }
            Error::Internal { what } => render::block(
                &Block::error(format!("internal: {what}")).help(
                    "this is a bug in tapgen; please report it, with the command you ran"
                        .to_owned(),
                ),
            ),
        }
    }
}

/// What to do about a failed read or write, where the error says enough to tell.
fn io_help(path: &std::path::Path, error: &io::Error) -> Option<String> {
    match error.kind() {
        io::ErrorKind::PermissionDenied => Some(format!(
            "check the permissions of `{}` and of the folders above it",
            path.display()
        )),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            Some("free some space on that disk, then run again".to_owned())
        }
        io::ErrorKind::ReadOnlyFilesystem => {
            Some("write to a folder on a writable disk instead".to_owned())
        }
        _ => None,
    }
}

/// An operating system's message in the style of the rest: "permission denied (os error 13)".
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.clone().next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => text.to_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<Error> {
        let problem = Problem::UnknownKey {
            name: "memroy_mb".to_owned(),
            hint: KeyHint::Closest("memory_mb".to_owned()),
        };
        let diagnostic = Diagnostic::in_file(problem, "tapgen.toml");
        vec![
            Error::Config {
                file: "tapgen.toml".to_owned(),
                diagnostics: vec![diagnostic.clone(), diagnostic],
            },
            Error::UndeclaredEnvironment {
                name: "prd".to_owned(),
                file: "tapgen.toml".to_owned(),
                declared: vec!["prod".to_owned()],
                closest: Some("prod".to_owned()),
            },
            Error::usage("`--out` means nothing here", "remove it".to_owned()),
            Error::usage_listing("x has changes:", vec!["M a".to_owned()], "commit them"),
            Error::io(
                "write",
                "envs/dev/main.tf",
                io::Error::from(io::ErrorKind::PermissionDenied),
            ),
            Error::Locked {
                root: PathBuf::from("."),
                waited_s: 5.0,
                variable: "TAPGEN_LOCK_WAIT",
            },
            Error::HandEdited {
                paths: vec![PathBuf::from("envs/dev/main.tf")],
                diff: "--- a\n+++ b\n".to_owned(),
            },
            Error::InTheWay {
                obstacles: vec![(PathBuf::from("envs/dev"), "a symbolic link")],
            },
            Error::Unpackageable {
                dir: PathBuf::from("lambda"),
                problems: vec![Unpackageable {
                    message: "`fifo` is a named pipe".to_owned(),
                    help: "move it out of the folder",
                }],
                count: 3,
            },
            Error::Tool {
                message: "`tofu validate` failed in `envs/dev`:".to_owned(),
                output: "Error: bad\n".to_owned(),
                help: Some("fix what it reports".to_owned()),
            },
            Error::Remote {
                message: "could not reach `127.0.0.1:5000`: connection refused".to_owned(),
                help: Some("start the registry, or check the address".to_owned()),
            },
            Error::internal("template `a.md` does not compile"),
        ]
    }

    #[test]
    fn every_error_kind_renders_in_one_layout_with_its_exit_code() {
        for error in samples() {
            // No catch-all: a new kind must be added to the samples.
            let code = match &error {
                Error::Config { .. }
                | Error::UndeclaredEnvironment { .. }
                | Error::Usage { .. }
                | Error::HandEdited { .. }
                | Error::InTheWay { .. }
                | Error::Unpackageable { .. } => exit::USAGE,
                Error::Io { .. }
                | Error::Locked { .. }
                | Error::Tool { .. }
                | Error::Remote { .. } => exit::IO,
                Error::Internal { .. } => exit::INTERNAL,
            };
            assert_eq!(error.exit_code(), code, "{error}");
            let text = error.render();
            for block in text.split("\n\n") {
                let message = block
                    .strip_prefix("error: ")
                    .unwrap_or_else(|| panic!("a block that is not an error:\n{text}"));
                let first = message.chars().next().unwrap_or(' ');
                assert!(first.is_lowercase() || first == '`', "{text}");
            }
            // Every kind says what to do; only a summary line closes without a help.
            let last = text.rsplit("\n\n").next().unwrap_or_default();
            assert!(
                last.contains("\n  = help: ") || last.contains("due to"),
                "no help:\n{text}"
            );
        }
    }

    #[test]
    fn an_internal_error_says_it_is_a_bug_and_exits_70() {
        let error = Error::internal("template `a.md` does not compile");
        assert_eq!(error.exit_code(), 70);
        assert_eq!(
            error.to_string(),
            "error: internal: template `a.md` does not compile\n  = help: this is a bug in tapgen; please report it, with the command you ran"
        );
    }
}
