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
use crate::error::{Diagnostic, Error};
use hcl_edit::Span;
use hcl_edit::structure::{Block, BlockLabel, Body};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The files a registry expects at the root of a module.
pub const STANDARD_FILES: &[(&str, &str)] = &[
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
pub struct Version<'a> {
    pub value: String,
    /// The config the version comes from, and its key path there; `None` for `--version`.
    pub source: Option<(&'a Source, &'a [&'a str])>,
}

/// Lints the module folder `dir`; `Ok` with the number of `.tf` files read when nothing
/// is wrong, else one [`Error::Config`] listing every problem (exit 2).
pub fn module(dir: &Path, version: &Version, public: bool) -> Result<usize, Error> {
    let shown = dir.display().to_string();
    if !dir.is_dir() {
        return Err(Error::usage(
            format!("module folder `{shown}` does not exist"),
            Some("render it first with `tapgen module`, or name the folder: `tapgen module lint DIR`".to_owned()),
        ));
    }
    let mut problems = Vec::new();
    let problem = |message: String, help: String| Diagnostic {
        message,
        key: None,
        location: None,
        file: shown.clone(),
        help: Some(help),
    };
    for (file, holds) in STANDARD_FILES {
        if !dir.join(file).is_file() {
            problems.push(problem(
                format!("`{file}` is missing: registries expect the standard module structure"),
                format!("add `{shown}/{file}` with {holds} (`tapgen module` writes it)"),
            ));
        }
    }
    if !has_example(&dir.join("examples")) {
        problems.push(problem(
            "no example: registries list `examples/<name>/` folders, each a root that calls the module".to_owned(),
            format!("add `{shown}/examples/<name>/main.tf` calling the module with `source = \"../../\"`"),
        ));
    }

    let files = tf_files(dir)?;
    let mut versions = Versions::default();
    for path in &files {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        let source = Source::new(path.display().to_string(), text);
        match hcl_edit::parser::parse_body(&source.text) {
            Ok(body) => check_body(&body, &source, &mut versions, &mut problems),
            Err(error) => problems.push(Diagnostic {
                message: format!("`{}` is not valid HCL: {}", path.display(), error.message()),
                key: None,
                location: Some(
                    source.location(error.location().offset()..error.location().offset() + 1),
                ),
                file: source.name.clone(),
                help: Some("fix the syntax (`tofu fmt` shows where it stops)".to_owned()),
            }),
        }
    }
    versions.check(&shown, &mut problems);

    if !is_semver(&version.value) {
        let message = format!(
            "module version `{}` is not a semantic version",
            version.value
        );
        let help = "write MAJOR.MINOR.PATCH, such as `1.0.0`: registries and `version` constraints compare all three".to_owned();
        problems.push(match version.source {
            Some((source, path)) => source.diagnostic(path, message, Some(help)),
            None => Diagnostic {
                message,
                key: None,
                location: None,
                file: "--version".to_owned(),
                help: Some(help),
            },
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
        let at = |message: String, help: &str| Diagnostic {
            message,
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
            help: Some(help.to_owned()),
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
                    let what = if ident == "variable" {
                        "input"
                    } else {
                        "output"
                    };
                    problems.push(at(
                        format!("{ident} `{}` has no description", label(block, 0)),
                        &format!("add `description = \"...\"` to it: registries show it as the {what}'s documentation"),
                    ));
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
        let problem = |message: String, help: &str| Diagnostic {
            message,
            key: None,
            location: None,
            file: format!("{dir}/versions.tf"),
            help: Some(help.to_owned()),
        };
        if self.blocks == 0 || !self.required_version {
            problems.push(problem(
                "no `required_version` constraint: the module does not say which OpenTofu/Terraform releases it supports".to_owned(),
                "add `terraform { required_version = \">= 1.6.0\" }` (the oldest release you test with) to versions.tf",
            ));
        }
        if self.providers.is_empty() {
            problems.push(problem(
                "no `required_providers`: callers cannot tell which provider versions the module works with".to_owned(),
                "add `required_providers { aws = { source = \"hashicorp/aws\", version = \">= 5.0\" } }` to the terraform block",
            ));
        }
        for (name, source, version) in &self.providers {
            if !source {
                problems.push(problem(
                    format!("required provider `{name}` has no `source`"),
                    "add `source = \"NAMESPACE/TYPE\"`, such as `hashicorp/aws`",
                ));
            }
            if !version {
                problems.push(problem(
                    format!("required provider `{name}` has no `version` constraint"),
                    "add `version = \">= X.Y\"` with the oldest provider version the module works with",
                ));
            }
        }
    }
}

/// `MAJOR.MINOR.PATCH` with an optional `-pre-release` and `+build`, no leading zeros.
pub fn is_semver(version: &str) -> bool {
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
    let problem = |message: String, help: String| {
        Some(Diagnostic {
            message,
            key: None,
            location: None,
            file: shown.clone(),
            help: Some(help),
        })
    };
    let Some(top) = git(dir, &["rev-parse", "--show-toplevel"]) else {
        return problem(
            format!(
                "`{shown}` is not in a git repository: public registries publish modules from git repositories"
            ),
            "publish it with `git init` and a tag `v<version>` in a repository of its own"
                .to_owned(),
        );
    };
    let top = PathBuf::from(top);
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(&top, dir) {
        return problem(
            format!(
                "the module is in a subfolder of the git repository `{}`: public registries read a module from the repository's root",
                top.display()
            ),
            "publish it from a repository of its own, with the module's files at its root"
                .to_owned(),
        );
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
    problem(
        format!(
            "git repository `{name}` is not named `terraform-<provider>-<name>`: public registries accept only that form"
        ),
        format!(
            "rename the repository, e.g. to `terraform-{provider}-{}`, where the provider is one the module requires",
            dir.file_name()
                .map_or("NAME".into(), |n| n.to_string_lossy().to_lowercase())
        ),
    )
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
