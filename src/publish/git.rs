//! `tapgen module publish --git`: the module committed into a git repository (its root or a
//! subfolder) and tagged `v<version>`, the way git module sources consume it.
//!
//! The commit is prepared without touching the user's branch, index or work tree: blobs go in
//! with `git hash-object -w`, the tree is built in a temporary index (`GIT_INDEX_FILE`) and
//! committed with `git commit-tree`. Only when the tag check has passed does anything visible
//! change, in this order: the annotated tag (`git tag -a`, which refuses an existing tag, so
//! it is the atomic check against a concurrent publish), the work tree and index (`git
//! read-tree -m -u OLD NEW`, a two-tree fast-forward that keeps the user's changes elsewhere
//! and refuses to lose any), then the branch (`git update-ref HEAD NEW OLD`). A failure after
//! the tag takes the tag back. Nothing is ever forced, and a work tree the user names is
//! never pushed: it is theirs to review and push. A repository named by URL has no work tree
//! of the user's, so it is cloned into a scratch folder, published into the same way, and
//! pushed: the branch and the tag in one atomic push, which the remote takes whole or not at
//! all (a branch moved or a tag made there in the meantime refuses it).

use crate::error::Error;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// A git repository to publish into, as the user names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repository {
    /// The work tree of a clone: committed to and tagged, never pushed.
    WorkTree(PathBuf),
    /// A URL git fetches from and pushes to: cloned, committed to, tagged and pushed.
    Url(String),
}

impl Repository {
    /// A repository as git reads the name: `SCHEME://...` is a URL; so is `HOST:PATH` (the
    /// scp-like form of ssh) when a colon comes before any slash; anything else is a path.
    pub fn parse(name: &str) -> Self {
        if is_url(name) {
            Repository::Url(name.to_owned())
        } else {
            Repository::WorkTree(PathBuf::from(name))
        }
    }

    /// How messages name it.
    pub fn shown(&self) -> String {
        match self {
            Repository::WorkTree(path) => path.display().to_string(),
            Repository::Url(url) => url.clone(),
        }
    }
}

/// Whether git takes `name` for a URL rather than a path: the rule of git's own
/// `url_is_local_not_ssh`, plus `SCHEME://`.
pub(crate) fn is_url(name: &str) -> bool {
    if let Some((scheme, _)) = name.split_once("://") {
        let mut chars = scheme.chars();
        if chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
        {
            return true;
        }
    }
    match (name.find(':'), name.find('/')) {
        (None, _) => false,
        (Some(colon), Some(slash)) if slash < colon => false,
        (Some(_), _) => true,
    }
}

/// The tag of a release: `v<version>`, or `PREFIX/v<version>`.
pub(crate) fn tag_name(prefix: Option<&str>, version: &str) -> String {
    match prefix {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}/v{version}"),
        _ => format!("v{version}"),
    }
}

/// Why `prefix` can't start a tag name `PREFIX/v<version>`, by the rules of
/// `git check-ref-format` (which the publish step also asks git itself).
pub(crate) fn check_tag_prefix(prefix: &str) -> Result<(), String> {
    if prefix.is_empty() {
        return Err("it is empty: leave it out to tag `v<version>`".to_owned());
    }
    if let Some(bare) = prefix.strip_suffix('/') {
        return Err(format!(
            "it ends with `/`, and tapgen adds the `/` itself (`{}/v<version>`)",
            crate::error::shown(bare.trim_end_matches('/'))
        ));
    }
    if prefix.starts_with('/') {
        return Err("it starts with `/`".to_owned());
    }
    if let Some(c) = prefix
        .chars()
        .find(|c| c.is_ascii_control() || c.is_whitespace() || "~^:?*[\\".contains(*c))
    {
        return Err(format!(
            "git tag names can't hold {}",
            match c {
                c if c.is_whitespace() => "spaces".to_owned(),
                c if c.is_ascii_control() => "control characters".to_owned(),
                c => format!("`{c}`"),
            }
        ));
    }
    if prefix.contains("..") || prefix.contains("//") || prefix.contains("@{") {
        return Err("git tag names can't hold `..`, `//` or `@{`".to_owned());
    }
    if prefix
        .split('/')
        .any(|part| part.starts_with('.') || part.ends_with(".lock"))
    {
        return Err("no part of a git tag name may start with `.` or end with `.lock`".to_owned());
    }
    Ok(())
}

/// `a/b` of a folder inside a repository, given as a relative path of plain components;
/// `""` for the root.
pub(crate) fn subdir(path: &Path) -> Result<String, Error> {
    tree_path(path).ok_or_else(|| {
        Error::usage(
            format!(
                "`--path {}` is not a folder inside the repository",
                path.display()
            ),
            Some("give a relative path such as `modules/api`, without `..`".to_owned()),
        )
    })
}

/// What `publish` did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A new commit (or the current one, when it already held the module) was tagged.
    Tagged { tag: String, commit: String },
    /// The tag already held exactly this module.
    Unchanged { tag: String },
}

/// A release to publish: the module's files (paths inside the module) and where they go in
/// the repository.
pub(crate) struct Release<'a> {
    pub subdir: Option<&'a Path>,
    pub tag_prefix: Option<&'a str>,
    pub version: &'a str,
    /// Such as `tap/serverless-api/aws`, for the commit and tag messages.
    pub address: &'a str,
    pub files: &'a BTreeMap<String, Vec<u8>>,
}

struct Git<'a> {
    repo: &'a Path,
    index: Option<&'a Path>,
}

impl Git<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("git");
        command.arg("-C").arg(self.repo).args(args);
        // The repository is the one named, not one the caller's environment points at.
        for name in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"] {
            command.env_remove(name);
        }
        if let Some(index) = self.index {
            command.env("GIT_INDEX_FILE", index);
        }
        command.env("LC_ALL", "C");
        command
    }

    /// Runs git with `input` on stdin; Ok(stdout) or Err(stderr).
    fn try_run(&self, args: &[&str], input: &[u8]) -> Result<String, String> {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run `git`: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(input)
                .map_err(|e| format!("cannot write to `git {}`: {e}", args.join(" ")))?;
        }
        let output = child
            .wait_with_output()
            .map_err(|e| format!("cannot run `git`: {e}"))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout)
                .trim_end()
                .to_owned())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
        }
    }

    /// Runs git; its failure is a git failure (exit 3) with its stderr.
    fn run(&self, args: &[&str], input: &[u8]) -> Result<String, Error> {
        self.try_run(args, input).map_err(|stderr| Error::Tool {
            message: format!(
                "`git {}` failed in `{}`:",
                args.join(" "),
                self.repo.display()
            ),
            output: stderr,
            help: None,
        })
    }

    /// The object `rev` names, or None if there is none.
    fn resolve(&self, rev: &str) -> Option<String> {
        self.try_run(&["rev-parse", "-q", "--verify", rev], b"")
            .ok()
            .filter(|s| !s.is_empty())
    }
}

/// `a/b` of a relative path of plain UTF-8 components, or None.
pub(crate) fn tree_path(path: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

/// Publishes `release` into `repository`: see the module's comment.
pub(crate) fn publish(repository: &Repository, release: &Release) -> Result<Outcome, Error> {
    match repository {
        Repository::WorkTree(path) => publish_into(path, &path.display().to_string(), release),
        Repository::Url(url) => publish_to_url(url, release),
    }
}

/// Clones `url`, publishes into the clone and pushes the branch and the new tag at once.
fn publish_to_url(url: &str, release: &Release) -> Result<Outcome, Error> {
    let scratch = tempfile::tempdir()
        .map_err(|e| Error::io("create a scratch folder in", std::env::temp_dir(), e))?;
    let outside = Git {
        repo: scratch.path(),
        index: None,
    };
    outside.run(&["clone", "--quiet", "--", url, "clone"], b"")?;
    let clone = scratch.path().join("clone");
    let git = Git {
        repo: &clone,
        index: None,
    };
    // A clone brings only the tags of the history it fetched; a release tag is found
    // wherever it points.
    git.run(&["fetch", "--quiet", "--tags", "origin"], b"")?;
    let outcome = publish_into(&clone, url, release)?;
    if let Outcome::Tagged { tag, .. } = &outcome {
        let branch = git.run(&["symbolic-ref", "-q", "HEAD"], b"")?;
        git.run(
            &[
                "push",
                "--atomic",
                "--quiet",
                "origin",
                &format!("{branch}:{branch}"),
                &format!("refs/tags/{tag}:refs/tags/{tag}"),
            ],
            b"",
        )?;
    }
    Ok(outcome)
}

/// Publishes into the work tree `repo`; messages call the repository `shown`.
fn publish_into(repo: &Path, shown: &str, release: &Release) -> Result<Outcome, Error> {
    let git = Git { repo, index: None };
    let not_a_work_tree = |detail: &str| {
        Error::usage(
            format!("`{shown}` is not the top of a git work tree{detail}"),
            Some("give `--git` the folder of a clone (`git clone URL DIR`, or `git init DIR` for a new repository); `--path SUBDIR` picks a folder inside it".to_owned()),
        )
    };
    match git.try_run(
        &["rev-parse", "--is-inside-work-tree", "--show-prefix"],
        b"",
    ) {
        Ok(out) => {
            let mut lines = out.lines();
            if lines.next() != Some("true") {
                return Err(not_a_work_tree(""));
            }
            if let Some(prefix) = lines.next().filter(|p| !p.is_empty()) {
                return Err(not_a_work_tree(&format!(
                    " (it is the folder `{prefix}` inside one)"
                )));
            }
        }
        Err(stderr) if stderr.starts_with("cannot run") => {
            return Err(Error::Tool {
                message: stderr,
                output: String::new(),
                help: Some("install git and put it on `PATH`".to_owned()),
            });
        }
        Err(stderr) => return Err(not_a_work_tree(&format!(": {stderr}"))),
    }

    let subdir = match release.subdir {
        None => String::new(),
        Some(path) => subdir(path)?,
    };
    let tag = tag_name(release.tag_prefix, release.version);
    if git
        .try_run(&["check-ref-format", &format!("refs/tags/{tag}")], b"")
        .is_err()
    {
        return Err(Error::usage(
            format!("`{tag}` is not a valid git tag name"),
            Some("give `--tag-prefix` a path such as `modules/api`, without spaces, `..`, `~`, `^`, `:` or `*`".to_owned()),
        ));
    }
    for (variable, _) in [("GIT_AUTHOR_IDENT", ()), ("GIT_COMMITTER_IDENT", ())] {
        if let Err(stderr) = git.try_run(&["var", variable], b"") {
            return Err(Error::usage_listing(
                "git has no identity to author the release commit with:",
                stderr.lines().map(str::to_owned).collect(),
                "set one with `git config user.name \"NAME\"` and `git config user.email EMAIL` (add `--global` for every repository)",
            ));
        }
    }

    // The new tree, built in a temporary index from HEAD's with the folder replaced.
    let scratch = tempfile::tempdir()
        .map_err(|e| Error::io("create a scratch folder in", std::env::temp_dir(), e))?;
    let index = scratch.path().join("index");
    let temp = Git {
        repo,
        index: Some(&index),
    };
    let old = git.resolve("HEAD^{commit}");
    match &old {
        Some(commit) => {
            temp.run(&["read-tree", commit], b"")?;
        }
        None => {
            temp.run(&["read-tree", "--empty"], b"")?;
        }
    }
    let folder_spec = if subdir.is_empty() {
        ":(top)".to_owned()
    } else {
        format!(":(top,literal){subdir}")
    };
    // Files tapgen wrote there go (the module may have dropped some); the user's own, such
    // as a LICENSE or CI files beside the module, stay.
    let listed = temp.run(&["ls-files", "-z", "-s", "--", &folder_spec], b"")?;
    let mut stale = Vec::new();
    for entry in listed.split('\0').filter(|entry| !entry.is_empty()) {
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let Some(blob) = meta.split(' ').nth(1) else {
            continue;
        };
        let bytes = git.run(&["cat-file", "blob", blob], b"")?;
        if crate::output::starts_with_header(bytes.as_bytes()) {
            stale.extend_from_slice(format!("0 {}\t{path}\0", "0".repeat(40)).as_bytes());
        }
    }
    if !stale.is_empty() {
        temp.run(&["update-index", "-z", "--index-info"], &stale)?;
    }
    let mut index_info = Vec::new();
    for (path, bytes) in release.files {
        let blob = git.run(&["hash-object", "-w", "--no-filters", "--stdin"], bytes)?;
        let full = if subdir.is_empty() {
            path.clone()
        } else {
            format!("{subdir}/{path}")
        };
        index_info.extend_from_slice(format!("100644 {blob}\t{full}\0").as_bytes());
    }
    temp.run(
        &["update-index", "-z", "--add", "--index-info"],
        &index_info,
    )?;
    let tree = temp.run(&["write-tree"], b"")?;
    let folder = |tree_or_commit: &str| {
        if subdir.is_empty() {
            git.resolve(&format!("{tree_or_commit}^{{tree}}"))
        } else {
            git.resolve(&format!("{tree_or_commit}:{subdir}"))
        }
    };
    let module_tree = folder(&tree);
    let shown_folder = if subdir.is_empty() {
        "the repository's root".to_owned()
    } else {
        format!("`{subdir}/`")
    };

    // An existing tag: the same module is a no-op, another one is refused.
    if let Some(tagged) = git.resolve(&format!("refs/tags/{tag}^{{commit}}")) {
        if folder(&tagged) == module_tree {
            return Ok(Outcome::Unchanged { tag });
        }
        return Err(Error::usage(
            format!(
                "tag `{tag}` already exists in `{shown}` with other content in {shown_folder} (commit {})",
                short(&tagged)
            ),
            Some("raise `module.version` in `tapgen.toml`, such as to the next patch version: a released version never changes".to_owned()),
        ));
    }

    // The user's changes in the folder are theirs: refuse rather than overwrite them.
    let status = git.run(
        &[
            "status",
            "--porcelain",
            "--untracked-files=all",
            "--",
            &folder_spec,
        ],
        b"",
    )?;
    if !status.is_empty() {
        return Err(Error::usage_listing(
            format!("{shown_folder} of `{shown}` has changes that are not committed:"),
            status.lines().map(str::to_owned).collect(),
            "commit or stash them first (`git stash -u`): publishing replaces that folder with the module",
        ));
    }

    let old_tree = match &old {
        Some(commit) => git.run(&["rev-parse", &format!("{commit}^{{tree}}")], b"")?,
        None => git.run(&["mktree"], b"")?,
    };
    let commit = match &old {
        // HEAD already holds exactly this tree: tag it rather than commit nothing.
        Some(commit) if old_tree == tree => commit.clone(),
        _ => {
            let message = format!(
                "Release {} {}\n\nRendered by tapgen {}.\n",
                release.address,
                release.version,
                env!("CARGO_PKG_VERSION")
            );
            let mut args = vec!["commit-tree", tree.as_str()];
            if let Some(parent) = &old {
                args.extend(["-p", parent.as_str()]);
            }
            git.run(&args, message.as_bytes())?
        }
    };

    let tag_message = format!("{} {}\n", release.address, release.version);
    git.run(
        &["tag", "-a", "-F", "-", &tag, &commit],
        tag_message.as_bytes(),
    )?;
    let tag_object = git.resolve(&format!("refs/tags/{tag}"));
    let take_back_tag = || {
        if let Some(object) = &tag_object {
            let _ = git.try_run(
                &["update-ref", "-d", &format!("refs/tags/{tag}"), object],
                b"",
            );
        }
    };
    if old.as_deref() != Some(commit.as_str()) {
        if let Err(error) = git.run(&["read-tree", "-m", "-u", &old_tree, &tree], b"") {
            take_back_tag();
            return Err(error);
        }
        let expected_old = old.clone().unwrap_or_default();
        if let Err(error) = git.run(&["update-ref", "HEAD", &commit, &expected_old], b"") {
            let _ = git.try_run(&["read-tree", "-m", "-u", &tree, &old_tree], b"");
            take_back_tag();
            return Err(error);
        }
    }
    Ok(Outcome::Tagged { tag, commit })
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// git's own reading of a repository name: URL, scp-like ssh, or path.
    #[test]
    fn repositories_are_read_as_git_reads_them() {
        for url in [
            "https://git.example.com/a.git",
            "file:///srv/a.git",
            "git+ssh://git.example.com/a.git",
            "git@git.example.com:a.git",
            "host:a",
        ] {
            assert!(is_url(url), "{url}");
        }
        for path in ["../a", "/srv/a", "a", "./a:b", "dir/a:b", "C"] {
            assert!(!is_url(path), "{path}");
            assert_eq!(Repository::parse(path), Repository::WorkTree(path.into()));
        }
    }

    #[test]
    fn tag_prefixes_follow_git_check_ref_format() {
        assert_eq!(tag_name(Some("modules/api"), "1.2.0"), "modules/api/v1.2.0");
        assert_eq!(tag_name(None, "1.2.0"), "v1.2.0");
        for good in ["api", "modules/api", "a-b_c.d"] {
            assert_eq!(check_tag_prefix(good), Ok(()), "{good}");
        }
        for (bad, reason) in [
            ("", "empty"),
            ("api/", "ends with `/`"),
            ("/api", "starts with `/`"),
            ("a b", "spaces"),
            ("a~b", "`~`"),
            ("a:b", "`:`"),
            ("a\\b", "`\\`"),
            ("a..b", "`..`"),
            ("a//b", "`//`"),
            ("a@{b", "`@{`"),
            ("a/.b", "start with `.`"),
            ("a.lock/b", "end with `.lock`"),
        ] {
            let problem = check_tag_prefix(bad).expect_err(bad);
            assert!(problem.contains(reason), "{bad:?}: {problem}");
        }
    }
}
