//! `tapgen module lint`: what a module registry checks before it accepts a module, on the
//! module folder as it is on disk, every problem reported at once with its fix.
//!
//! - the standard module structure: `main.tf`, `variables.tf`, `outputs.tf`, `versions.tf`,
//!   `README.md` and at least one example under `examples/`;
//! - every variable and every output described;
//! - a `terraform` block with `required_version`, and a `source` and a `version`
//!   constraint for every required provider;
//! - a semantic version (`MAJOR.MINOR.PATCH`);
//! - with `--public`, for a git repository meant for a public registry: the module at the
//!   repository's root, and the repository named `terraform-<provider>-<name>`.

use crate::config::source::Source;
use crate::error::{Diagnostic, Error, Problem, Rule};
use hcl_edit::Span;
use hcl_edit::structure::{Block, BlockLabel, Body};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The files a registry expects at the root of a module.
pub(crate) const STANDARD_FILES: &[(&str, &str)] = &[
    ("main.tf", "the module's entry point"),
    ("variables.tf", "its inputs, each with a description"),
    ("outputs.tf", "its outputs, each with a description"),
    (
        "versions.tf",
        "its `terraform` block with `required_version` and `required_providers`",
    ),
    ("README.md", "what the module does and how to call it"),
];

/// The version to check and where it was written, for the message.
pub(crate) struct Version<'a> {
    pub value: String,
    /// The config the version comes from, and its key path there; `None` for `--version`.
    pub source: Option<(&'a Source, &'a [&'a str])>,
}

/// Lints the module folder `dir`; `Ok` with the number of `.tf` files read when nothing
/// is wrong, else one [`Error::Config`] listing every problem (exit 2).
pub(crate) fn module(dir: &Path, version: &Version, public: bool) -> Result<usize, Error> {
    let shown = dir.display().to_string();
    if !dir.is_dir() {
        return Err(Error::usage(
            format!("module folder `{shown}` does not exist"),
            Some("render it first with `tapgen module`, or name the folder: `tapgen module lint DIR`".to_owned()),
        ));
    }
    let mut problems = Vec::new();
    for (file, holds) in STANDARD_FILES {
        if !dir.join(file).is_file() {
            let problem = Problem::MissingModuleFile {
                file: (*file).to_owned(),
                holds: (*holds).to_owned(),
                dir: shown.clone(),
            };
            problems.push(Diagnostic::in_file(problem, &shown));
        }
    }
    if !has_example(&dir.join("examples")) {
        let problem = Problem::NoExample { dir: shown.clone() };
        problems.push(Diagnostic::in_file(problem, &shown));
    }

    let files = tf_files(dir)?;
    let mut versions = Versions::default();
    for path in &files {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        let source = Source::new(path.display().to_string(), text);
        match hcl_edit::parser::parse_body(&source.text) {
            Ok(body) => check_body(&body, &source, &mut versions, &mut problems),
            Err(error) => {
                let problem = Problem::NotHcl {
                    file: path.display().to_string(),
                    detail: error.message().to_owned(),
                };
                let offset = error.location().offset();
                problems.push(
                    Diagnostic::in_file(problem, &source.name)
                        .at(Some(source.location(offset..offset + 1))),
                );
            }
        }
    }
    versions.check(&shown, &mut problems);

    if !is_semver(&version.value) {
        let problem = Problem::Invalid {
            rule: Rule::ModuleVersion,
            value: version.value.clone(),
            reason: None,
        };
        problems.push(match version.source {
            Some((source, path)) => source.diagnostic(path, problem),
            None => Diagnostic::in_file(problem, "--version"),
        });
    }
    if public {
        let providers = versions.provider_names();
        if let Some(diagnostic) = public_repository(dir, &providers) {
            problems.push(diagnostic);
        }
    }
    if problems.is_empty() {
        Ok(files.len())
    } else {
        Err(Error::Config {
            file: shown,
            diagnostics: problems,
        })
    }
}

fn has_example(examples: &Path) -> bool {
    std::fs::read_dir(examples).is_ok_and(|entries| {
        entries.flatten().any(|entry| {
            let path = entry.path();
            path.is_dir() && tf_files(&path).is_ok_and(|files| !files.is_empty())
        })
    })
}

/// The `.tf` files directly in `dir`, in name order.
fn tf_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io("read folder", dir, e))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|e| e == "tf"))
        .collect();
    files.sort();
    Ok(files)
}

fn label(block: &Block, i: usize) -> String {
    match block.labels.get(i) {
        Some(BlockLabel::Ident(ident)) => ident.as_str().to_owned(),
        Some(BlockLabel::String(text)) => text.as_str().to_owned(),
        None => String::new(),
    }
}

/// The literal string of attribute `key`, if it is one.
fn string_attr(body: &Body, key: &str) -> Option<String> {
    let value = body.get_attribute(key)?.value.as_str()?;
    Some(value.to_owned())
}

fn check_body(
    body: &Body,
    source: &Source,
    versions: &mut Versions,
    problems: &mut Vec<Diagnostic>,
) {
    for block in body.blocks() {
        let ident = block.ident.as_str();
        let at = |problem: Problem| Diagnostic {
            problem,
            key: None,
            location: block.span().map(|span| {
                // Underline the block's header: `variable "name"`.
                let header = source.text[span.start..]
                    .split(['{', '\n'])
                    .next()
                    .unwrap_or_default()
                    .trim_end();
                let end = span.start + header.len();
                source.location(span.start..end.max(span.start + 1))
            }),
            file: source.name.clone(),
        };
        match ident {
            "variable" | "output" => {
                let described = string_attr(&block.body, "description")
                    .is_some_and(|d| !d.trim().is_empty())
                    || block
                        .body
                        .get_attribute("description")
                        .is_some_and(|a| a.value.as_str().is_none());
                if !described {
                    problems.push(at(Problem::Undescribed {
                        block: ident.to_owned(),
                        name: label(block, 0),
                    }));
                }
            }
            "terraform" => {
                versions.blocks += 1;
                if block.body.get_attribute("required_version").is_some() {
                    versions.required_version = true;
                }
                for providers in block.body.get_blocks("required_providers") {
                    for provider in providers.body.attributes() {
                        let name = provider.key.as_str().to_owned();
                        let object = provider.value.as_object();
                        let has = |field: &str| {
                            object.is_some_and(|o| {
                                o.iter().any(|(key, _)| {
                                    key.as_ident().is_some_and(|k| k.as_str() == field)
                                        || key
                                            .as_expr()
                                            .and_then(|e| e.as_str())
                                            .is_some_and(|k| k == field)
                                })
                            })
                        };
                        versions
                            .providers
                            .push((name, has("source"), has("version")));
                    }
                }
            }
            _ => {}
        }
    }
}

/// What the `terraform` blocks of the module say.
#[derive(Default)]
struct Versions {
    blocks: usize,
    required_version: bool,
    /// (local name, has `source`, has `version`)
    providers: Vec<(String, bool, bool)>,
}

impl Versions {
    fn provider_names(&self) -> Vec<String> {
        self.providers
            .iter()
            .map(|(name, ..)| name.clone())
            .collect()
    }

    fn check(&self, dir: &str, problems: &mut Vec<Diagnostic>) {
        let file = format!("{dir}/versions.tf");
        let mut problem = |problem: Problem| problems.push(Diagnostic::in_file(problem, &file));
        if self.blocks == 0 || !self.required_version {
            problem(Problem::NoRequiredVersion);
        }
        if self.providers.is_empty() {
            problem(Problem::NoRequiredProviders);
        }
        for (name, source, version) in &self.providers {
            if !source {
                problem(Problem::ProviderWithoutSource { name: name.clone() });
            }
            if !version {
                problem(Problem::ProviderWithoutVersion { name: name.clone() });
            }
        }
    }
}

/// `MAJOR.MINOR.PATCH` with an optional `-pre-release` and `+build`, no leading zeros.
pub(crate) fn is_semver(version: &str) -> bool {
    let (rest, build) = match version.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (version, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let number = |part: &str| {
        !part.is_empty()
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part.len() == 1 || !part.starts_with('0'))
    };
    let identifiers = |text: &str| {
        text.split('.').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| number(p))
        && pre.is_none_or(identifiers)
        && build.is_none_or(identifiers)
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Public registries publish a module from the root of a git repository named
/// `terraform-<provider>-<name>`.
fn public_repository(dir: &Path, providers: &[String]) -> Option<Diagnostic> {
    let shown = dir.display().to_string();
    let problem = |problem: Problem| Some(Diagnostic::in_file(problem, &shown));
    let Some(top) = git(dir, &["rev-parse", "--show-toplevel"]) else {
        return problem(Problem::NotInGitRepository { dir: shown.clone() });
    };
    let top = PathBuf::from(top);
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(&top, dir) {
        return problem(Problem::NotRepositoryRoot {
            top: top.display().to_string(),
        });
    }
    // The repository's name: the last part of `origin`'s URL, else the folder's name.
    let name = git(dir, &["remote", "get-url", "origin"])
        .and_then(|url| {
            url.trim_end_matches('/')
                .rsplit(['/', ':'])
                .next()
                .map(|n| n.trim_end_matches(".git").to_owned())
        })
        .or_else(|| top.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let valid = name.strip_prefix("terraform-").and_then(|rest| {
        let (provider, module) = rest.split_once('-')?;
        let lowercase = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        (lowercase(provider) && lowercase(module) && providers.iter().any(|p| p == provider))
            .then_some(())
    });
    if valid.is_some() {
        return None;
    }
    let provider = providers.first().map_or("aws", String::as_str);
    let module = dir
        .file_name()
        .map_or("NAME".into(), |n| n.to_string_lossy().to_lowercase());
    problem(Problem::RepositoryName {
        name,
        suggestion: format!("terraform-{provider}-{module}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semantic_versions_need_three_numbers() {
        for good in ["1.0.0", "0.1.0", "1.2.3-rc.1", "1.2.3+build.5", "10.20.30"] {
            assert!(is_semver(good), "{good}");
        }
        for bad in ["1.0", "1", "v1.0.0", "01.0.0", "1.0.0-", "1.0.0-a..b", ""] {
            assert!(!is_semver(bad), "{bad}");
        }
    }
}
