//! Releasing the rendered module: a versioned, deterministic package that a module registry
//! serves (see [`crate::registry`]), a tagged commit in a git repository, and the plan of
//! where one `tapgen module publish` releases it.

pub(crate) mod git;
pub(crate) mod oci;
pub(crate) mod package;

use crate::error::Error;
use crate::stack::Publish;
use std::path::{Path, PathBuf};

/// Where one `tapgen module publish` releases the module: every target, in the order they
/// are published.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub targets: Vec<Target>,
}

/// One place the module is released to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    /// An OCI repository, tagged with the version.
    Oci(oci::Target),
    /// A git repository, tagged `v<version>` or `PREFIX/v<version>`.
    Git(GitTarget),
    /// A registry folder laid out as `tapgen registry add` lays it out.
    RegistrySite(PathBuf),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GitTarget {
    pub repository: git::Repository,
    /// The folder inside the repository; `None` for its root.
    pub subdir: Option<PathBuf>,
    pub tag_prefix: Option<String>,
}

/// The targets and settings the command line gives.
#[derive(Debug, Default)]
pub(crate) struct Flags<'a> {
    pub git: Option<&'a Path>,
    pub oci: Option<&'a str>,
    pub tag_prefix: Option<&'a str>,
    pub path: Option<&'a Path>,
}

impl Flags<'_> {
    /// Whether a flag concerns the git target.
    fn git_target(&self) -> bool {
        self.git.is_some() || self.tag_prefix.is_some() || self.path.is_some()
    }
}

/// The plan of one run. Flags that name a target publish to that target alone, taking what
/// they leave out (a tag prefix, a folder) from `[publish]`: trying a release on a scratch
/// clone must not also release it everywhere else. Without such flags, every target
/// `[publish]` sets. Paths in the config are relative to its folder, `base_dir`; paths on
/// the command line to the current folder. `config_name` is how messages name the config.
pub(crate) fn plan(
    flags: &Flags,
    publish: &Publish,
    base_dir: &Path,
    config_name: &str,
) -> Result<Plan, Error> {
    if let Some(prefix) = flags.tag_prefix
        && let Err(problem) = git::check_tag_prefix(prefix)
    {
        return Err(Error::usage(
            format!(
                "`--tag-prefix {}` can't start a git tag name: {problem}",
                crate::error::shown(prefix)
            ),
            Some(
                "give a path such as `modules/api`; the tag is then `modules/api/v<version>`"
                    .to_owned(),
            ),
        ));
    }
    let from_config = |repository: &git::Repository| match repository {
        git::Repository::WorkTree(path) => git::Repository::WorkTree(base_dir.join(path)),
        url => url.clone(),
    };
    let git_target = |repository: git::Repository| {
        Target::Git(GitTarget {
            repository,
            subdir: flags
                .path
                .map(Path::to_path_buf)
                .or_else(|| publish.git_path.as_ref().map(PathBuf::from)),
            tag_prefix: flags
                .tag_prefix
                .map(str::to_owned)
                .or_else(|| publish.tag_prefix.clone()),
        })
    };
    if let Some(reference) = flags.oci {
        return Ok(Plan {
            targets: vec![Target::Oci(oci::Target::parse(reference)?)],
        });
    }
    if flags.git_target() {
        let repository = match (flags.git, &publish.git) {
            (Some(path), _) => path.to_str().map_or_else(
                || git::Repository::WorkTree(path.to_path_buf()),
                git::Repository::parse,
            ),
            (None, Some(repository)) => from_config(repository),
            (None, None) => {
                return Err(Error::usage(
                    "`--tag-prefix` and `--path` need a git repository to publish into",
                    Some(format!(
                        "add `--git REPO`, or set `git` under `[publish]` in `{config_name}`"
                    )),
                ));
            }
        };
        return Ok(Plan {
            targets: vec![git_target(repository)],
        });
    }
    // Each target is a no-op when it already holds this release, so a run that one target
    // stops is finished by running it again. OCI goes first, so that where it can't be
    // pushed nothing else has been published yet.
    let mut targets = Vec::new();
    if let Some(reference) = &publish.oci {
        targets.push(Target::Oci(oci::Target::parse(reference)?));
    }
    if let Some(repository) = &publish.git {
        targets.push(git_target(from_config(repository)));
    }
    if let Some(site) = &publish.registry_site {
        targets.push(Target::RegistrySite(base_dir.join(site)));
    }
    if targets.is_empty() {
        let registry_only = if publish.registry.is_some() {
            " (`registry` names where the module is installed from; `registry_site` is a folder tapgen adds it to)"
        } else {
            ""
        };
        return Err(Error::usage(
            "nothing to publish to: no `--git` or `--oci` flag, and no target under `[publish]`",
            Some(format!(
                "pass `--git REPO` or `--oci HOST:PORT/REPO`, or set `git`, `registry_site` or `oci` under `[publish]` in `{config_name}`{registry_only}"
            )),
        ));
    }
    Ok(Plan { targets })
}

/// The folders on disk that `[publish]` writes the module into, relative to `base_dir`: never
/// part of a Lambda package, should the handler folder hold them.
pub(crate) fn local_folders(publish: &Publish, base_dir: &Path) -> Vec<PathBuf> {
    let work_tree = match &publish.git {
        Some(git::Repository::WorkTree(path)) => {
            Some(path.join(publish.git_path.as_deref().unwrap_or_default()))
        }
        _ => None,
    };
    work_tree
        .into_iter()
        .chain(publish.registry_site.as_deref().map(PathBuf::from))
        .map(|path| base_dir.join(path))
        .collect()
}
