//! `tapgen module publish --git`: the module committed into a repository made here and
//! tagged; real OpenTofu installs it from a `git::file://` source. Under
//! `TAPGEN_REQUIRE_TOOLS=1` a missing tofu or provider mirror fails the test.

use crate::publishing::{config, need, on_path, package, read_json};
use crate::support::Project;
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) fn git(repo: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// A fresh repository with an identity in its own config.
pub(crate) fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["config", "user.name", "Release Bot"]);
    git(dir.path(), &["config", "user.email", "bot@example.com"]);
    dir
}

fn publish(project: &Project, repo: &Path, extra: &[&str]) -> std::process::Output {
    project
        .tapgen()
        .args(["module", "publish", "--git"])
        .arg(repo)
        .args(extra)
        .output()
        .unwrap()
}

fn published(project: &Project, repo: &Path, extra: &[&str]) -> String {
    let output = publish(project, repo, extra);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    stderr
}

/// The regular files of the package `tapgen module package` writes: what a release holds.
pub(crate) fn package_files(project: &Project) -> BTreeMap<String, Vec<u8>> {
    let (_, path) = package(project);
    let bytes = std::fs::read(path).unwrap();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
    let mut files = BTreeMap::new();
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.header().entry_type() == tar::EntryType::Regular {
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            files.insert(name, content);
        }
    }
    files
}

/// The files below `folder` of the tree at `rev`, by path inside the folder.
pub(crate) fn tree_files(repo: &Path, rev: &str, folder: &str) -> BTreeMap<String, Vec<u8>> {
    let mut args = vec!["ls-tree", "-r", "--name-only", rev];
    if !folder.is_empty() {
        args.extend(["--", folder]);
    }
    let listing = git(repo, &args);
    listing
        .lines()
        .map(|path| {
            let output = Command::new("git")
                .arg("-C")
                .arg(repo)
                .args(["show", &format!("{rev}:{path}")])
                .output()
                .unwrap();
            let inside = path
                .strip_prefix(folder)
                .unwrap()
                .trim_start_matches('/')
                .to_owned();
            (inside, output.stdout)
        })
        .collect()
}

/// `tofu init` of a root whose module `api` comes from `source`; the root and the folder
/// the module was installed in.
pub(crate) fn tofu_installs(source: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    tofu_installs_with(source, &[])
}

/// [`tofu_installs`] with more environment variables for tofu.
pub(crate) fn tofu_installs_with(
    source: &str,
    env: &[(&str, &std::ffi::OsStr)],
) -> Option<(tempfile::TempDir, PathBuf)> {
    let tofu = need(
        "tofu",
        std::env::var_os("TAPGEN_TOFU")
            .map(PathBuf::from)
            .or_else(|| on_path("tofu")),
        "set TAPGEN_TOFU; scripts/install-tofu.sh builds it",
    );
    let cli_config = need(
        "provider mirror",
        std::env::var_os("TAPGEN_TF_CLI_CONFIG")
            .map(PathBuf::from)
            .filter(|p| p.is_file()),
        "set TAPGEN_TF_CLI_CONFIG from scripts/tf-mirror.sh",
    );
    let (tofu, cli_config) = (tofu?, cli_config?);
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("main.tf"),
        format!(
            "module \"api\" {{\n  source = \"{source}\"\n\n  project             = \"orders\"\n  environment         = \"dev\"\n  lambda_package_path = \"${{path.module}}/lambda.zip\"\n}}\n"
        ),
    )
    .unwrap();
    let output = Command::new(tofu)
        .args(["init", "-backend=false", "-input=false", "-no-color"])
        .current_dir(root.path())
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env_remove("TF_CLI_ARGS")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "tofu init of {source}:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let manifest = read_json(&root.path().join(".terraform/modules/modules.json"));
    let module = manifest["Modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["Key"] == "api")
        .unwrap_or_else(|| panic!("no module `api` in {manifest}"))
        .clone();
    assert_eq!(module["Source"], source, "{manifest}");
    let dir = root.path().join(module["Dir"].as_str().unwrap());
    assert!(dir.join("versions.tf").is_file(), "{manifest}");
    Some((root, dir))
}

/// `file://` URL of a local folder.
pub(crate) fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

#[test]
fn publish_git_commits_the_module_with_an_annotated_tag_that_tofu_installs() {
    let project = Project::with_config(&config("1.2.0"));
    let repo = repo();
    let stderr = published(&project, repo.path(), &[]);
    assert!(stderr.contains("tag v1.2.0"), "{stderr}");

    // An annotated tag on the branch head, by the repository's own identity.
    assert_eq!(git(repo.path(), &["cat-file", "-t", "v1.2.0"]), "tag");
    let head = git(repo.path(), &["rev-parse", "main"]);
    assert_eq!(git(repo.path(), &["rev-parse", "v1.2.0^{commit}"]), head);
    let log = git(
        repo.path(),
        &["log", "-1", "--format=%an <%ae>|%cn|%s", "main"],
    );
    assert_eq!(
        log,
        "Release Bot <bot@example.com>|Release Bot|Release tap/serverless-api/aws 1.2.0"
    );

    // The tree holds exactly the package's files (no Lambda zip), byte for byte.
    let expected = package_files(&project);
    assert!(expected.contains_key("versions.tf"));
    assert!(!expected.keys().any(|k| k.ends_with(".zip")));
    assert_eq!(tree_files(repo.path(), "v1.2.0", ""), expected);

    // The work tree follows the commit.
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "");
    assert_eq!(
        std::fs::read(repo.path().join("versions.tf")).unwrap(),
        expected["versions.tf"]
    );

    let source = format!("git::{}?ref=v1.2.0", file_url(repo.path()));
    if let Some((_root, installed)) = tofu_installs(&source) {
        assert_eq!(
            std::fs::read(installed.join("main.tf")).unwrap(),
            expected["main.tf"]
        );
    }
}

#[test]
fn publish_git_refuses_other_content_under_a_published_tag_and_is_a_no_op_for_the_same() {
    let project = Project::with_config(&config("1.2.0"));
    let repo = repo();
    published(&project, repo.path(), &[]);
    let tag = git(repo.path(), &["rev-parse", "v1.2.0"]);
    let head = git(repo.path(), &["rev-parse", "main"]);

    // The same module again: exit 0, said so, nothing new.
    let stderr = published(&project, repo.path(), &[]);
    assert!(stderr.contains("nothing to do"), "{stderr}");
    assert_eq!(git(repo.path(), &["rev-parse", "v1.2.0"]), tag);
    assert_eq!(git(repo.path(), &["rev-parse", "main"]), head);

    // A public API changes the module but not its version.
    project.write(
        "tapgen.toml",
        format!("{}\n[api]\nauthorization = \"NONE\"\n", config("1.2.0")).as_bytes(),
    );
    let output = publish(&project, repo.path(), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("tag `v1.2.0` already exists") && stderr.contains("raise `module.version`"),
        "{stderr}"
    );
    assert_eq!(git(repo.path(), &["rev-parse", "v1.2.0"]), tag);
    assert_eq!(git(repo.path(), &["rev-parse", "main"]), head);
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "");
    assert_eq!(git(repo.path(), &["rev-list", "--all", "--count"]), "1");
}

#[test]
fn publish_git_into_a_monorepo_folder_replaces_only_that_folder_with_a_prefixed_tag() {
    let project = Project::with_config(&config("1.2.0"));
    let repo = repo();
    // Another team's files, and a file an older release of the module had.
    std::fs::write(repo.path().join("README.md"), "monorepo\n").unwrap();
    std::fs::create_dir_all(repo.path().join("modules/api")).unwrap();
    std::fs::create_dir_all(repo.path().join("modules/db")).unwrap();
    // A file an earlier release of the module had goes; the user's own file stays.
    std::fs::write(
        repo.path().join("modules/api/old.tf"),
        "# Generated by tapgen; do not edit. Change tapgen.toml and run `tapgen module`.\n# tapgen-sha256: 0123456789abcdef\n\n# gone\n",
    )
    .unwrap();
    std::fs::write(repo.path().join("modules/api/LICENSE"), "MIT\n").unwrap();
    std::fs::write(repo.path().join("modules/db/main.tf"), "# db\n").unwrap();
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "start"]);
    let start = git(repo.path(), &["rev-parse", "main"]);
    // A change elsewhere in the work tree is the user's and is kept.
    std::fs::write(repo.path().join("README.md"), "monorepo, edited\n").unwrap();

    let stderr = published(
        &project,
        repo.path(),
        &["--path", "modules/api", "--tag-prefix", "modules/api"],
    );
    assert!(stderr.contains("tag modules/api/v1.2.0"), "{stderr}");
    let tag = "modules/api/v1.2.0";
    assert_eq!(git(repo.path(), &["cat-file", "-t", tag]), "tag");
    assert_eq!(git(repo.path(), &["rev-parse", "main^"]), start);
    let mut expected = package_files(&project);
    expected.insert("LICENSE".to_owned(), b"MIT\n".to_vec());
    assert_eq!(tree_files(repo.path(), tag, "modules/api"), expected);
    assert_eq!(
        git(repo.path(), &["show", &format!("{tag}:modules/db/main.tf")]),
        "# db"
    );
    assert_eq!(
        git(repo.path(), &["show", &format!("{tag}:README.md")]),
        "monorepo"
    );
    assert!(!repo.path().join("modules/api/old.tf").exists());
    assert_eq!(
        git(
            repo.path(),
            &["show", &format!("{tag}:modules/api/LICENSE")]
        ),
        "MIT"
    );
    assert!(repo.path().join("modules/api/versions.tf").is_file());
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "M README.md");

    let source = format!("git::{}//modules/api?ref={tag}", file_url(repo.path()));
    tofu_installs(&source);
}

#[test]
fn publish_git_refuses_a_dirty_folder_a_folder_that_is_no_repository_and_no_identity() {
    let project = Project::with_config(&config("1.2.0"));

    // Uncommitted changes in the folder: exit 2, nothing committed or tagged, edits kept.
    let repo = repo();
    std::fs::write(repo.path().join("main.tf"), "# mine\n").unwrap();
    git(repo.path(), &["add", "main.tf"]);
    git(repo.path(), &["commit", "-q", "-m", "start"]);
    let head = git(repo.path(), &["rev-parse", "main"]);
    std::fs::write(repo.path().join("main.tf"), "# mine, edited\n").unwrap();
    let output = publish(&project, repo.path(), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("has changes that are not committed") && stderr.contains("main.tf"),
        "{stderr}"
    );
    assert_eq!(git(repo.path(), &["rev-parse", "main"]), head);
    assert_eq!(git(repo.path(), &["tag"]), "");
    assert_eq!(
        std::fs::read_to_string(repo.path().join("main.tf")).unwrap(),
        "# mine, edited\n"
    );

    // A file not yet tracked in the target folder is the user's too.
    std::fs::write(repo.path().join("main.tf"), "# mine\n").unwrap();
    std::fs::create_dir_all(repo.path().join("modules/api")).unwrap();
    std::fs::write(repo.path().join("modules/api/draft.tf"), "# draft\n").unwrap();
    let output = publish(&project, repo.path(), &["--path", "modules/api"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("modules/api/draft.tf"), "{stderr}");
    assert_eq!(git(repo.path(), &["rev-parse", "main"]), head);
    assert!(repo.path().join("modules/api/draft.tf").is_file());

    // A folder outside the repository and a tag name git refuses: exit 2, nothing done.
    for extra in [
        &["--path", "../elsewhere"][..],
        &["--path", "/abs"],
        &["--path", "x", "--tag-prefix", "bad prefix"],
    ] {
        let output = publish(&project, repo.path(), extra);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {stderr}");
        assert_eq!(git(repo.path(), &["tag"]), "");
    }

    // Not a git work tree: exit 2 naming it.
    let plain = tempfile::tempdir().unwrap();
    let output = publish(&project, plain.path(), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "`{}` is not the top of a git work tree",
            plain.path().display()
        )),
        "{stderr}"
    );

    // No identity anywhere git looks: exit 2 saying what to set, nothing committed.
    let home = tempfile::tempdir().unwrap();
    let anonymous = tempfile::tempdir().unwrap();
    git(anonymous.path(), &["init", "-q"]);
    let output = project
        .tapgen()
        .args(["module", "publish", "--git"])
        .arg(anonymous.path())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("EMAIL", "")
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("user.name") && stderr.contains("user.email"),
        "{stderr}"
    );
    assert_eq!(git(anonymous.path(), &["tag"]), "");
}
