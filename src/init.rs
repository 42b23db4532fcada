//! `tapgen init`: scaffold a project without ever overwriting a file unasked.
//!
//! Each scaffold file says what happens when the folder already has one: `tapgen.toml` is
//! refused unless `--force`; the sample handler and its (commented) `requirements.txt` never
//! replace the user's; and `.gitignore` is the user's file, to which only the lines tapgen
//! needs are appended.

use crate::config::DEFAULT_CONFIG;
use crate::error::Error;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

const HANDLER: &str = include_str!("../lambda/handler.py");
/// The handler's dependencies, none yet: every line a comment, so nothing is installed (and
/// no installer is needed) until one is uncommented.
const REQUIREMENTS: &str = "\
# The handler's dependencies. `tapgen terraform` installs them into the Lambda package for
# the function's runtime and `lambda.architecture` (`x86_64` or `arm64`): wheels only, built
# for that platform, never for this machine. Pin each with `==`, and pin what they pull in
# too (tapgen names any pin that is missing); `--hash=sha256:...` is honoured. For example:
#
# PyYAML==6.0.2
# six==1.16.0
#
# `uv pip compile requirements.in -o requirements.txt` writes such a file from loose
# requirements. The runtime already has boto3. With `lambda.layer = true` in tapgen.toml
# the dependencies go into a Lambda layer of their own.
";
const GITIGNORE_COMMENT: &str =
    "# OpenTofu/Terraform working state; commit .terraform.lock.hcl, not these.";
const GITIGNORE_PATTERNS: &[&str] = &[
    ".terraform/",
    "*.tfstate",
    "*.tfstate.*",
    "crash.log",
    "__pycache__/",
    // Module packages from `tapgen module package`: release artifacts, published not committed.
    "/dist/",
];

/// What to do where the folder already holds the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Existing {
    /// Refuse, unless `--force`, which overwrites.
    Refuse,
    /// Keep the user's file: the scaffold's is only a sample.
    Keep,
    /// Append the lines the scaffold's file has and the user's lacks.
    AppendMissingLines,
}

/// One scaffold file, relative to the project folder.
pub(crate) struct ScaffoldFile {
    pub path: PathBuf,
    pub contents: String,
    pub existing: Existing,
}

/// What `init` did with one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Created,
    Overwritten,
    Kept,
    Appended(usize),
    NothingToAdd,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Created => write!(f, "created"),
            Outcome::Overwritten => write!(f, "overwrote"),
            Outcome::Kept => write!(f, "kept the existing"),
            Outcome::Appended(1) => write!(f, "appended 1 line to"),
            Outcome::Appended(n) => write!(f, "appended {n} lines to"),
            Outcome::NothingToAdd => write!(f, "nothing to add to"),
        }
    }
}

/// The files `init` writes.
pub(crate) fn scaffold() -> Vec<ScaffoldFile> {
    let mut gitignore = format!("{GITIGNORE_COMMENT}\n");
    for pattern in GITIGNORE_PATTERNS {
        gitignore.push_str(pattern);
        gitignore.push('\n');
    }
    vec![
        ScaffoldFile {
            path: PathBuf::from("tapgen.toml"),
            contents: DEFAULT_CONFIG.to_owned(),
            existing: Existing::Refuse,
        },
        ScaffoldFile {
            path: PathBuf::from("lambda/handler.py"),
            contents: HANDLER.to_owned(),
            existing: Existing::Keep,
        },
        ScaffoldFile {
            path: PathBuf::from("lambda/requirements.txt"),
            contents: REQUIREMENTS.to_owned(),
            existing: Existing::Keep,
        },
        ScaffoldFile {
            path: PathBuf::from(".gitignore"),
            contents: gitignore,
            existing: Existing::AppendMissingLines,
        },
    ]
}

/// Something at `path`, even a dangling symlink (which a write would follow).
fn occupied(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Writes the scaffold into `dir`; returns what happened to each file.
pub(crate) fn run(dir: &Path, force: bool) -> Result<Vec<(PathBuf, Outcome)>, Error> {
    let files = scaffold();
    if !force {
        let refused: Vec<String> = files
            .iter()
            .filter(|file| file.existing == Existing::Refuse)
            .map(|file| dir.join(&file.path))
            .filter(|path| occupied(path))
            .map(|path| format!("`{}`", path.display()))
            .collect();
        if !refused.is_empty() {
            return Err(Error::usage(
                format!("refusing to overwrite {}", refused.join(", ")),
                Some("run `tapgen init --force` to overwrite it, or scaffold another folder: `tapgen init DIR`".to_owned()),
            ));
        }
    }
    let mut done = Vec::new();
    for file in files {
        let path = dir.join(&file.path);
        let outcome = match (file.existing, occupied(&path)) {
            (_, false) => {
                write_new(&path, &file.contents)?;
                Outcome::Created
            }
            (Existing::Refuse, true) => {
                write_new(&path, &file.contents)?;
                Outcome::Overwritten
            }
            (Existing::Keep, true) => Outcome::Kept,
            (Existing::AppendMissingLines, true) => append_missing_lines(&path, &file.contents)?,
        };
        done.push((path, outcome));
    }
    Ok(done)
}

fn write_new(path: &Path, contents: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("create folder", parent, e))?;
    }
    std::fs::write(path, contents).map_err(|e| Error::io("write", path, e))
}

/// Appends the lines of `wanted` that `path` lacks (comments only with them), leaving every
/// byte already there as it was.
fn append_missing_lines(path: &Path, wanted: &str) -> Result<Outcome, Error> {
    let existing = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    let text = String::from_utf8_lossy(&existing);
    let present: std::collections::HashSet<&str> = text.lines().map(str::trim).collect();
    let missing: Vec<&str> = wanted
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter(|line| !present.contains(line.trim()))
        .collect();
    if missing.is_empty() {
        return Ok(Outcome::NothingToAdd);
    }
    let mut addition = String::new();
    if !existing.is_empty() {
        if !existing.ends_with(b"\n") {
            addition.push('\n');
        }
        addition.push('\n');
    }
    addition.push_str("# Added by `tapgen init`: ");
    addition.push_str(GITIGNORE_COMMENT.trim_start_matches("# "));
    addition.push('\n');
    for line in &missing {
        addition.push_str(line);
        addition.push('\n');
    }
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(addition.as_bytes()))
        .map_err(|e| Error::io("append to", path, e))?;
    Ok(Outcome::Appended(missing.len()))
}
