//! The locked dependency set of a handler folder: `requirements.txt` with every version
//! pinned (`==`), or `pyproject.toml` with `uv.lock`. Nothing else in the folder counts,
//! so that the installed set, and so the package, depends on the lock alone.
//!
//! A requirements file is parsed here, not by the installer, so that an unpinned or
//! unsupported line is refused (exit 2, `file:line:col`) before any tool runs, and so that
//! the lock's identity is its meaning (sorted, normalized pins) rather than its spelling:
//! reordering lines or editing comments keeps the cache entry.

use crate::error::{Diagnostic, Error, Location, Problem};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub(super) const REQUIREMENTS: &str = "requirements.txt";
pub(super) const PYPROJECT: &str = "pyproject.toml";
pub(super) const UV_LOCK: &str = "uv.lock";

/// One pinned requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pin {
    /// The name normalized as the index compares names (PEP 503): `pyyaml`.
    pub name: String,
    /// Extras, normalized and sorted.
    pub extras: Vec<String>,
    /// The pinned version, as written.
    pub version: String,
    /// The environment marker, as written (whitespace trimmed), if any.
    pub marker: Option<String>,
    /// `algorithm:digest` hashes, sorted; the installer accepts only files that match one.
    pub hashes: Vec<String>,
    /// Where it is written in `requirements.txt`, for the installer's refusals of it;
    /// `None` for a pin `uv export` wrote from `uv.lock`.
    pub at: Option<Location>,
}

impl Pin {
    /// As a requirements line: `pyyaml==6.0.2 ; python_version >= "3.8" --hash=sha256:...`.
    fn line(&self) -> String {
        let mut line = self.name.clone();
        if !self.extras.is_empty() {
            line.push_str(&format!("[{}]", self.extras.join(",")));
        }
        line.push_str(&format!("=={}", self.version));
        if let Some(marker) = &self.marker {
            line.push_str(&format!(" ; {marker}"));
        }
        for hash in &self.hashes {
            line.push_str(&format!(" --hash={hash}"));
        }
        line
    }
}

/// Where a handler's dependencies are locked.
#[derive(Debug, Clone)]
pub(super) enum Source {
    /// `requirements.txt`, parsed.
    Requirements { path: PathBuf, pins: Vec<Pin> },
    /// `pyproject.toml` with `uv.lock`, which the installer exports to requirements.
    UvLock { project: PathBuf, lock: PathBuf },
}

/// A handler's locked dependencies and the digest that identifies them.
#[derive(Debug, Clone)]
pub(super) struct Lock {
    pub source: Source,
    /// SHA-256 (hex) of what decides the installed set: the normalized pins, or the bytes
    /// of `pyproject.toml` and `uv.lock` (line endings normalized).
    pub sha256: String,
}

impl Lock {
    /// The file that holds the lock, for messages.
    pub(super) fn file(&self) -> &Path {
        match &self.source {
            Source::Requirements { path, .. } => path,
            Source::UvLock { lock, .. } => lock,
        }
    }
}

/// The lock in `dir`, or `None` when the handler has no dependencies to install (no lock
/// file, a requirements file with no requirements, a `pyproject.toml` that lists none).
pub(super) fn find(dir: &Path) -> Result<Option<Lock>, Error> {
    let requirements = dir.join(REQUIREMENTS);
    let project = dir.join(PYPROJECT);
    let lock = dir.join(UV_LOCK);
    let (has_requirements, has_project, has_lock) = (
        is_present(&requirements)?,
        is_present(&project)?,
        is_present(&lock)?,
    );
    if has_requirements && has_lock {
        return Err(Error::usage(
            format!(
                "the Lambda source folder `{}` holds both `{REQUIREMENTS}` and `{UV_LOCK}`: tapgen installs from one lock",
                dir.display()
            ),
            Some(format!(
                "remove one of them (`uv export --format requirements.txt` writes `{REQUIREMENTS}` from `{UV_LOCK}`, should a tool need both, keep that copy elsewhere)"
            )),
        ));
    }
    if has_requirements {
        let text = read_text(&requirements)?;
        let pins = parse_requirements(&text, &requirements)?;
        if pins.is_empty() {
            return Ok(None);
        }
        let sha256 = hex(&Sha256::digest(format!(
            "tapgen requirements v1\n{}",
            normalized(&pins)
        )));
        return Ok(Some(Lock {
            source: Source::Requirements {
                path: requirements,
                pins,
            },
            sha256,
        }));
    }
    if has_lock {
        if !has_project {
            return Err(Error::usage(
                format!(
                    "`{}` has no `{PYPROJECT}` beside it: the lock alone does not say which of its packages the project needs",
                    lock.display()
                ),
                Some(format!(
                    "keep the `{PYPROJECT}` that `uv lock` read beside `{UV_LOCK}`"
                )),
            ));
        }
        let mut digest = Sha256::new();
        digest.update(b"tapgen uv.lock v1\n");
        for path in [&project, &lock] {
            let text = read_text(path)?.replace("\r\n", "\n");
            digest.update(format!("{}\n", text.len()));
            digest.update(text);
        }
        return Ok(Some(Lock {
            source: Source::UvLock { project, lock },
            sha256: hex(&digest.finalize()),
        }));
    }
    if has_project && lists_dependencies(&read_text(&project)?) {
        return Err(Error::usage(
            format!(
                "`{}` lists dependencies, but there is no `{UV_LOCK}` beside it: unlocked versions cannot be reproduced",
                project.display()
            ),
            Some(format!(
                "run `uv lock` in `{}` and keep `{UV_LOCK}`, or list pinned versions in `{REQUIREMENTS}` instead",
                dir.display()
            )),
        ));
    }
    Ok(None)
}

/// Whether `path` exists; something there that is not a file (after following a link) is
/// refused, as the package walk would refuse it.
fn is_present(path: &Path) -> Result<bool, Error> {
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_file() => Ok(true),
        Ok(_) => Err(Error::usage(
            format!("`{}` is not a file", path.display()),
            Some("a lock is a file: move what is there out of the way".to_owned()),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("read", path, e)),
    }
}

fn read_text(path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    String::from_utf8(bytes).map_err(|_| {
        Error::usage(
            format!("`{}` is not valid UTF-8", path.display()),
            Some("save it as UTF-8".to_owned()),
        )
    })
}

/// Whether a `pyproject.toml` lists `[project] dependencies`. One that does not parse is
/// left to the tools that read it: here only the dependencies matter.
fn lists_dependencies(text: &str) -> bool {
    text.parse::<toml_edit::DocumentMut>().is_ok_and(|doc| {
        doc.get("project")
            .and_then(|project| project.get("dependencies"))
            .and_then(|deps| deps.as_array())
            .is_some_and(|deps| !deps.is_empty())
    })
}

/// The pins as the installer is given them: one a line, sorted, so that two files that
/// mean the same give the same text (and so the same cache entry).
pub(super) fn normalized(pins: &[Pin]) -> String {
    let mut lines: Vec<String> = pins.iter().map(Pin::line).collect();
    lines.sort();
    lines.dedup();
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// A name as the index compares names (PEP 503): lowercase, runs of `-`, `_`, `.` as `-`.
pub(super) fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Parses a requirements file: every requirement pinned to one version with `==` (or
/// `===`), optionally with extras, a marker and `--hash` options. Every problem is
/// reported at once, each at its line and column.
pub(super) fn parse_requirements(text: &str, path: &Path) -> Result<Vec<Pin>, Error> {
    let file = path.display().to_string();
    let mut pins = Vec::new();
    let mut diagnostics = Vec::new();
    for logical in logical_lines(text) {
        let at = logical.location(&file);
        match parse_line(&logical.text) {
            Ok(Some(pin)) => pins.push(Pin {
                at: Some(at),
                ..pin
            }),
            Ok(None) => {}
            Err(problem) => {
                diagnostics.push(Diagnostic::in_file(problem, file.clone()).at(Some(at)))
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(pins)
    } else {
        Err(Error::Config { file, diagnostics })
    }
}

/// A requirement as pip reads it: physical lines joined where one ends in `\`, comments
/// (`#` at the start or after whitespace) removed.
struct Logical<'a> {
    /// 1-based number of its first physical line.
    line: usize,
    /// Its first physical line, for messages.
    first: &'a str,
    text: String,
}

impl Logical<'_> {
    /// Its place in `file`: the requirement on its first line, up to its options, a
    /// comment or a continuation's `\`.
    fn location(&self, file: &str) -> Location {
        let source_line = self.first.to_owned();
        let column = source_line.len() - source_line.trim_start().len() + 1;
        let body = self.first.strip_suffix('\\').unwrap_or(self.first);
        let width = strip_comment(body)
            .trim()
            .split(" --")
            .next()
            .unwrap_or("")
            .trim_end()
            .chars()
            .count()
            .max(1);
        Location {
            file: file.to_owned(),
            line: self.line,
            column,
            source_line,
            width,
        }
    }
}

fn logical_lines(text: &str) -> Vec<Logical<'_>> {
    let mut out: Vec<Logical<'_>> = Vec::new();
    let mut open: Option<Logical<'_>> = None;
    for (index, raw) in text.lines().enumerate() {
        let (body, continued) = match raw.strip_suffix('\\') {
            Some(body) => (body, true),
            None => (raw, false),
        };
        let body = strip_comment(body);
        match open.as_mut() {
            Some(logical) => {
                logical.text.push(' ');
                logical.text.push_str(body);
            }
            None => {
                open = Some(Logical {
                    line: index + 1,
                    first: raw,
                    text: body.to_owned(),
                });
            }
        }
        if !continued && let Some(logical) = open.take() {
            out.push(logical);
        }
    }
    out.extend(open);
    out
}

fn strip_comment(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && i > 0 && bytes[i - 1].is_ascii_whitespace() {
            return &line[..i];
        }
    }
    line
}

/// One logical line: `None` for a blank one. The pin has no place yet.
fn parse_line(text: &str) -> Result<Option<Pin>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.starts_with('-') {
        let option = text.split([' ', '=']).next().unwrap_or(text);
        return Err(Problem::RequirementOption {
            option: option.to_owned(),
        });
    }
    // Options of the requirement (`--hash`) start at the first ` --`.
    let (requirement, options) = match text.find(" --") {
        Some(at) => (text[..at].trim(), &text[at..]),
        None => (text, ""),
    };
    let name_end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    let name = &requirement[..name_end];
    let looks_like_path = requirement.starts_with(['.', '/', '~'])
        || requirement.contains("://")
        || requirement.ends_with(".whl")
        || requirement.ends_with(".tar.gz")
        || requirement.ends_with(".zip");
    if name.is_empty() || looks_like_path && !requirement[name_end..].trim_start().starts_with('@')
    {
        return Err(Problem::RequirementPath {
            requirement: requirement.to_owned(),
        });
    }
    let mut rest = requirement[name_end..].trim_start();
    let mut extras = Vec::new();
    if let Some(inner) = rest.strip_prefix('[') {
        let Some((list, after)) = inner.split_once(']') else {
            return Err(Problem::UnclosedExtras {
                requirement: requirement.to_owned(),
            });
        };
        extras = list
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(normalize_name)
            .collect();
        extras.sort();
        extras.dedup();
        rest = after.trim_start();
    }
    if rest.starts_with('@') {
        return Err(Problem::RequirementUrl {
            requirement: requirement.to_owned(),
            name: name.to_owned(),
        });
    }
    let (specifier, marker) = match rest.split_once(';') {
        Some((specifier, marker)) => (specifier.trim(), Some(marker.trim())),
        None => (rest.trim(), None),
    };
    let marker = match marker {
        Some("") => {
            return Err(Problem::EmptyMarker {
                requirement: requirement.to_owned(),
            });
        }
        other => other.map(str::to_owned),
    };
    let specifier = specifier
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(specifier)
        .trim();
    let Some(version) = pinned_version(specifier) else {
        return Err(Problem::UnpinnedRequirement {
            requirement: requirement.to_owned(),
            name: name.to_owned(),
            spec: specifier.to_owned(),
        });
    };
    let hashes = parse_hashes(options)?;
    Ok(Some(Pin {
        name: normalize_name(name),
        extras,
        version: version.to_owned(),
        marker,
        hashes,
        at: None,
    }))
}

/// The version of a specifier that pins exactly one: `==1.2.3` or `===1.2.3`, not a
/// wildcard (`==1.*`), a range, or several clauses.
fn pinned_version(specifier: &str) -> Option<&str> {
    let version = specifier
        .strip_prefix("===")
        .or_else(|| specifier.strip_prefix("=="))?
        .trim();
    let valid = !version.is_empty()
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '!' | '+' | '-' | '_'));
    valid.then_some(version)
}

/// The `--hash=algorithm:digest` options of a requirement; any other option is refused.
fn parse_hashes(options: &str) -> Result<Vec<String>, Problem> {
    let mut hashes = Vec::new();
    let mut tokens = options.split_whitespace();
    while let Some(token) = tokens.next() {
        let value = if let Some(value) = token.strip_prefix("--hash=") {
            value
        } else if token == "--hash" {
            tokens.next().unwrap_or("")
        } else {
            return Err(Problem::RequirementOption {
                option: token.split('=').next().unwrap_or(token).to_owned(),
            });
        };
        let valid = value.split_once(':').is_some_and(|(algorithm, digest)| {
            matches!(algorithm, "sha256" | "sha384" | "sha512")
                && !digest.is_empty()
                && digest.bytes().all(|b| b.is_ascii_hexdigit())
        });
        if !valid {
            return Err(Problem::UnsupportedHash {
                value: value.to_owned(),
            });
        }
        hashes.push(value.to_ascii_lowercase());
    }
    hashes.sort();
    hashes.dedup();
    Ok(hashes)
}

/// Lowercase hexadecimal.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Pin>, String> {
        parse_requirements(text, Path::new("lambda/requirements.txt")).map_err(|e| e.to_string())
    }

    #[test]
    fn pins_with_extras_markers_hashes_and_continuations_are_read() {
        let pins = parse(concat!(
            "# pinned by uv pip compile\n",
            "Six==1.16.0  # used by the handler\n",
            "\n",
            "PyYAML==6.0.2 ; python_version >= \"3.8\" \\\n",
            "    --hash=sha256:ABCDEF \\\n",
            "    --hash=sha256:012345\n",
            "requests[Socks, security]===2.32.3\n",
        ))
        .unwrap();
        assert_eq!(pins.len(), 3);
        assert_eq!(pins[0].name, "six");
        assert_eq!(pins[1].name, "pyyaml");
        assert_eq!(pins[1].marker.as_deref(), Some("python_version >= \"3.8\""));
        assert_eq!(pins[1].hashes, ["sha256:012345", "sha256:abcdef"]);
        assert_eq!(pins[2].extras, ["security", "socks"]);
        assert_eq!(pins[2].version, "2.32.3");
    }

    #[test]
    fn the_same_pins_in_another_order_and_spelling_normalize_alike() {
        let one = parse("six==1.16.0\nPyYAML==6.0.2\n").unwrap();
        let two = parse("# deps\npyyaml == 6.0.2\n\n  six==1.16.0   # compat\n").unwrap();
        assert_eq!(normalized(&one), normalized(&two));
        assert_eq!(normalized(&one), "pyyaml==6.0.2\nsix==1.16.0\n");
    }

    #[test]
    fn unpinned_requirements_are_refused_each_at_its_line() {
        let error =
            parse("six==1.16.0\nrequests>=2.31\nPyYAML\nurllib3==2.*\nidna==3.7,<4\n").unwrap_err();
        for expected in [
            "`requests>=2.31` is not pinned to one version",
            "--> lambda/requirements.txt:2:1",
            "`PyYAML` is not pinned: it names no version",
            "--> lambda/requirements.txt:3:1",
            "`urllib3==2.*` is not pinned",
            "`idna==3.7,<4` is not pinned",
            "such as `requests==VERSION`",
            "due to 4 previous errors",
        ] {
            assert!(error.contains(expected), "{expected}: {error}");
        }
    }

    #[test]
    fn the_caret_underlines_the_requirement_without_its_comment_continuation_or_options() {
        let text = "a>=1  # why\nb>=2 \\\n  --hash=sha256:00\nc>=3 --hash=sha256:00\n";
        let Err(Error::Config { diagnostics, .. }) =
            parse_requirements(text, Path::new("requirements.txt"))
        else {
            panic!("refused")
        };
        let widths: Vec<(usize, usize)> = diagnostics
            .iter()
            .map(|d| d.location.as_ref().map(|l| (l.line, l.width)).unwrap())
            .collect();
        assert_eq!(widths, [(1, 4), (2, 4), (4, 4)]);
    }

    #[test]
    fn urls_paths_includes_and_install_options_are_refused() {
        let error = parse(concat!(
            "-r other.txt\n",
            "--index-url https://example.com/simple\n",
            "-e ./lib\n",
            "./wheels/x-1.0-py3-none-any.whl\n",
            "x @ https://example.com/x-1.0.tar.gz\n",
            "six==1.16.0 --no-binary six\n",
            "idna==3.7 --hash=md5:00\n",
        ))
        .unwrap_err();
        for expected in [
            "the option `-r` is not supported here",
            "the option `--index-url` is not supported here",
            "the option `-e` is not supported here",
            "is a path or URL",
            "installs `x` from a URL",
            "the option `--no-binary` is not supported here",
            "`--hash=md5:00` is not a hash",
            "due to 7 previous errors",
        ] {
            assert!(error.contains(expected), "{expected}: {error}");
        }
    }

    #[test]
    fn names_normalize_as_the_index_compares_them() {
        assert_eq!(normalize_name("PyYAML"), "pyyaml");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_name("Foo__Bar-.baz"), "foo-bar-baz");
    }

    #[test]
    fn a_folder_with_comments_only_has_no_dependencies() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(REQUIREMENTS), "# nothing yet\n\n").unwrap();
        assert!(find(dir.path()).unwrap().is_none());
    }

    #[test]
    fn both_locks_or_a_lock_without_its_project_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(UV_LOCK), "version = 1\n").unwrap();
        let error = find(dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("has no `pyproject.toml` beside it"),
            "{error}"
        );
        std::fs::write(dir.path().join(REQUIREMENTS), "six==1.16.0\n").unwrap();
        let error = find(dir.path()).unwrap_err().to_string();
        assert!(error.contains("holds both"), "{error}");
    }

    #[test]
    fn a_project_with_dependencies_and_no_lock_is_refused_one_without_is_not() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(PYPROJECT),
            "[tool.ruff]\nline-length = 100\n",
        )
        .unwrap();
        assert!(find(dir.path()).unwrap().is_none());
        std::fs::write(
            dir.path().join(PYPROJECT),
            "[project]\nname = \"h\"\nversion = \"1\"\ndependencies = [\"six\"]\n",
        )
        .unwrap();
        let error = find(dir.path()).unwrap_err().to_string();
        assert!(error.contains("there is no `uv.lock` beside it"), "{error}");
    }

    #[test]
    fn the_lock_digest_follows_the_pins_not_their_spelling() {
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        std::fs::write(
            one.path().join(REQUIREMENTS),
            "six==1.16.0\nPyYAML==6.0.2\n",
        )
        .unwrap();
        std::fs::write(
            two.path().join(REQUIREMENTS),
            "# ours\r\npyyaml==6.0.2\r\nsix==1.16.0\r\n",
        )
        .unwrap();
        let digest = |dir: &Path| find(dir).unwrap().unwrap().sha256;
        assert_eq!(digest(one.path()), digest(two.path()));
        std::fs::write(
            two.path().join(REQUIREMENTS),
            "six==1.17.0\nPyYAML==6.0.2\n",
        )
        .unwrap();
        assert_ne!(digest(one.path()), digest(two.path()));
    }
}
