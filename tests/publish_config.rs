//! `[publish]`: `tapgen module publish` with no flags releases the module to every target the
//! config sets (a git repository by URL or work tree, a registry folder), flags pick one
//! target and override the config for it, bad values are refused located, and the module
//! README's usage snippet installs the module from where it is published. Real OpenTofu
//! installs the release from the snippet the published README itself shows.

use crate::module::{go_tool, module_dir, terraform_docs};
use crate::publish_git::{file_url, git, package_files, repo, tofu_installs, tree_files};
use crate::support::Project;
use std::path::Path;
use std::process::Output;

const PROJECT: &str = "[project]\nname = \"tap\"\n\n[module]\nversion = \"1.2.0\"\n";

/// A project whose config is [`PROJECT`] and then `publish`, the `[publish]` table's lines.
fn project(publish: &str) -> Project {
    Project::with_config(&format!("{PROJECT}\n[publish]\n{publish}"))
}

/// `tapgen module publish ARGS` in `project`, with a git identity for clones made inside.
fn publish(project: &Project, args: &[&str]) -> Output {
    publish_command(project, args).output().unwrap()
}

/// The command [`publish`] runs, not run yet.
fn publish_command(project: &Project, args: &[&str]) -> assert_cmd::Command {
    let mut command = project.tapgen();
    command
        .args(["module", "publish"])
        .args(args)
        .env("GIT_AUTHOR_NAME", "Release Bot")
        .env("GIT_AUTHOR_EMAIL", "bot@example.com")
        .env("GIT_COMMITTER_NAME", "Release Bot")
        .env("GIT_COMMITTER_EMAIL", "bot@example.com");
    command
}

fn published(project: &Project, args: &[&str]) -> String {
    let output = publish(project, args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    stderr
}

/// `tapgen module publish ARGS` in `project` exits 2 and writes nothing; returns stderr.
fn refused(project: &Project, args: &[&str]) -> String {
    let what = format!("`tapgen module publish {}`", args.join(" "));
    let mut command = publish_command(project, args);
    project.refuses_with(2, &what, &mut command).stderr
}

/// A bare repository, as a git host keeps one, and its `file://` URL.
fn bare() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "--bare", "-b", "main"]);
    let url = file_url(dir.path());
    (dir, url)
}

/// Every file below `dir`, by path relative to it.
fn files_below(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().display().to_string();
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// The usage snippet of a module README: the text of its ```hcl block.
fn usage(readme: &str) -> &str {
    readme
        .split("```hcl\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("usage snippet")
}

/// The `source = "..."` value of a usage snippet.
fn snippet_source(readme: &str) -> String {
    let line = usage(readme)
        .lines()
        .find(|line| line.trim_start().starts_with("source"))
        .expect("source line");
    line.split('"').nth(1).expect("quoted source").to_owned()
}

#[test]
fn publish_with_no_flags_pushes_to_the_git_url_and_fills_the_registry_site_the_config_names() {
    let (remote, url) = bare();
    let project = project(&format!("git = \"{url}\"\nregistry_site = \"site\"\n"));
    let stderr = published(&project, &[]);
    assert!(
        stderr.contains(&format!("to `{url}`: tag v1.2.0")) && stderr.contains("pushed"),
        "{stderr}"
    );

    // The remote holds the branch and the annotated tag, with exactly the package's files.
    let remote = remote.path();
    assert_eq!(git(remote, &["cat-file", "-t", "v1.2.0"]), "tag");
    assert_eq!(
        git(remote, &["rev-parse", "v1.2.0^{commit}"]),
        git(remote, &["rev-parse", "main"])
    );
    let expected = package_files(&project);
    assert_eq!(tree_files(remote, "v1.2.0", ""), expected);

    // The registry folder is what `module package` and `registry add` make of the module.
    let archive = "dist/tap-serverless-api-aws-1.2.0.tar.gz";
    assert!(project.path().join(archive).is_file());
    project
        .tapgen()
        .args(["registry", "add", "by-hand", archive])
        .assert()
        .success();
    let site = files_below(&project.path().join("site"));
    assert!(
        site.contains_key("v1/modules/tap/serverless-api/aws/1.2.0/module.tar.gz"),
        "{:?}",
        site.keys()
    );
    assert_eq!(site, files_below(&project.path().join("by-hand")));

    // The published README's usage snippet installs the release it describes.
    let readme = String::from_utf8(expected["README.md"].clone()).unwrap();
    let source = snippet_source(&readme);
    assert_eq!(source, format!("git::{url}?ref=v1.2.0"));
    if let Some((_root, installed)) = tofu_installs(&source) {
        assert_eq!(
            std::fs::read(installed.join("main.tf")).unwrap(),
            expected["main.tf"]
        );
    }

    // Again: every target already holds this release, and says so.
    let stderr = published(&project, &[]);
    assert!(
        stderr.contains("nothing to do") && stderr.contains("unchanged:"),
        "{stderr}"
    );
    assert_eq!(git(remote, &["rev-list", "--all", "--count"]), "1");

    // Other content under the same version: refused, and the remote keeps its release.
    let tag = git(remote, &["rev-parse", "v1.2.0"]);
    project.write(
        "tapgen.toml",
        format!("{PROJECT}\n[api]\nauthorization = \"NONE\"\n\n[publish]\ngit = \"{url}\"\n")
            .as_bytes(),
    );
    let stderr = refused(&project, &[]);
    assert!(
        stderr.contains(&format!("tag `v1.2.0` already exists in `{url}`")),
        "{stderr}"
    );
    assert_eq!(git(remote, &["rev-parse", "v1.2.0"]), tag);
    assert_eq!(git(remote, &["rev-list", "--all", "--count"]), "1");
}

#[test]
fn publish_with_no_flags_commits_into_the_work_tree_the_config_names_relative_to_itself() {
    let project =
        project("git = \"clone\"\ngit_path = \"modules/api\"\ntag_prefix = \"modules/api\"\n");
    let clone = project.path().join("clone");
    std::fs::create_dir(&clone).unwrap();
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["config", "user.name", "Release Bot"],
        &["config", "user.email", "bot@example.com"],
    ] {
        git(&clone, args);
    }

    // Run from elsewhere: `clone` is relative to the config, not to the current folder.
    let elsewhere = tempfile::tempdir().unwrap();
    let output = project
        .tapgen()
        .current_dir(elsewhere.path())
        .arg("--config")
        .arg(project.path().join("tapgen.toml"))
        .args(["module", "publish"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("tag modules/api/v1.2.0") && stderr.contains("not pushed"),
        "{stderr}"
    );
    let tag = "modules/api/v1.2.0";
    assert_eq!(git(&clone, &["cat-file", "-t", tag]), "tag");
    assert_eq!(
        tree_files(&clone, tag, "modules/api"),
        package_files(&project)
    );
    let source = format!("git::{}//modules/api?ref={tag}", file_url(&clone));
    tofu_installs(&source);
}

#[test]
fn flags_publish_to_their_target_alone_and_override_the_config_for_it() {
    let configured = repo();
    let project = project(&format!(
        "git = \"{}\"\ntag_prefix = \"api\"\nregistry_site = \"site\"\n",
        configured.path().display()
    ));

    // `--git` replaces the configured repository; the tag prefix still comes from the config,
    // and the registry folder is left alone.
    let other = repo();
    let stderr = published(&project, &["--git", &other.path().display().to_string()]);
    assert!(stderr.contains("tag api/v1.2.0"), "{stderr}");
    assert_eq!(git(other.path(), &["tag"]), "api/v1.2.0");
    assert_eq!(git(configured.path(), &["tag"]), "");
    assert!(!project.path().join("site").exists());
    assert!(!project.path().join("dist").exists());

    // `--tag-prefix` alone: the configured repository, with the flag's prefix.
    let stderr = published(&project, &["--tag-prefix", "modules/api"]);
    assert!(stderr.contains("tag modules/api/v1.2.0"), "{stderr}");
    assert_eq!(git(configured.path(), &["tag"]), "modules/api/v1.2.0");
    assert!(!project.path().join("site").exists());

    // The flag is held to the config's rule for the same value.
    let stderr = refused(&project, &["--tag-prefix", "modules/api/"]);
    assert!(
        stderr.contains("`--tag-prefix modules/api/` can't start a git tag name")
            && stderr.contains("ends with `/`"),
        "{stderr}"
    );
}

#[test]
fn publish_with_neither_flags_nor_targets_exits_2_naming_the_flag_and_the_keys() {
    for (publish, extra) in [
        (None, ""),
        (
            Some("registry = \"registry.example.com/tap\"\n"),
            "`registry` names where the module is installed from",
        ),
    ] {
        let project = match publish {
            Some(lines) => project(lines),
            None => Project::with_config(PROJECT),
        };
        let stderr = refused(&project, &[]);
        assert!(
            stderr.contains("nothing to publish to")
                && stderr.contains("pass `--git REPO` or `--oci HOST:PORT/REPO`, or set `git`, `registry_site` or `oci` under `[publish]` in `tapgen.toml`")
                && stderr.contains(extra),
            "{stderr}"
        );
    }

    // A folder or prefix with no repository to go with it.
    let project = Project::with_config(PROJECT);
    let stderr = refused(&project, &["--path", "modules/api"]);
    assert!(
        stderr.contains("need a git repository") && stderr.contains("`--git REPO`"),
        "{stderr}"
    );
}

#[test]
fn an_oci_target_that_cannot_be_reached_stops_the_run_before_any_other_target_is_published() {
    // A loopback port nothing listens on: the push fails at once, with exit 3.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = repo();
    let project = project(&format!(
        "oci = \"127.0.0.1:{port}/tap/serverless-api\"\ngit = \"{}\"\nregistry_site = \"site\"\n",
        target.path().display()
    ));
    let output = publish(&project, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    assert_eq!(git(target.path(), &["tag"]), "");
    assert!(!project.path().join("site").exists());
}

#[test]
fn bad_publish_values_are_refused_each_at_its_line_and_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "oci",
            "registry.example.com",
            "it has no repository after the host",
        ),
        (
            "oci",
            "registry.example.com/",
            "it has no repository after the host",
        ),
        (
            "oci",
            "registry.example.com/Acme/api",
            "uppercase letters, and OCI repository names are lowercase",
        ),
        (
            "oci",
            "oci://registry.example.com/acme/api",
            "tapgen adds `oci://` itself",
        ),
        (
            "oci",
            "registry.example.com/acme/api:1.0",
            "a tag (`:TAG`) has no place here",
        ),
        ("oci", "registry.example.com/acme/api@sha256:00", "a digest"),
        ("oci", "acme/api", "`acme` is not a registry host"),
        (
            "oci",
            "registry.example.com:99999/acme/api",
            "not a valid port",
        ),
        (
            "oci",
            "registry.example.com/acme/-api",
            "must be lowercase letters and digits",
        ),
        (
            "tag_prefix",
            "modules/api/",
            "it ends with `/`, and tapgen adds the `/` itself",
        ),
        (
            "tag_prefix",
            "modules api",
            "git tag names can't hold spaces",
        ),
        ("tag_prefix", "modules/.api", "start with `.`"),
        ("tag_prefix", "", "it is empty"),
        (
            "registry",
            "registry.example.com",
            "it has no namespace after the host",
        ),
        (
            "registry",
            "registry.example.com/tap/serverless-api/aws",
            "it has 4 parts",
        ),
        (
            "registry",
            "https://registry.example.com/tap",
            "it has a scheme",
        ),
        ("registry", "localhost/tap", "must contain a dot"),
        ("registry", "registry.example.com/-tap", "namespace `-tap`"),
        (
            "git",
            "git::https://git.example.com/acme/api.git",
            "tapgen adds `git::` itself",
        ),
        (
            "git",
            "https://git.example.com/acme/api.git?ref=v1",
            "leave out the query",
        ),
        (
            "git",
            "https://git.example.com/acme/api.git//modules/api",
            "goes in `git_path`",
        ),
        (
            "git",
            "ftp://git.example.com/acme/api.git",
            "git can't clone over `ftp`",
        ),
        (
            "git",
            "https://bot:hunter2@git.example.com/acme/api.git",
            "looks like it holds a URL with a password",
        ),
        ("git", "", "it is empty"),
        ("git_path", "../api", "not a folder inside the repository"),
        ("git_path", "/srv/api", "not a folder inside the repository"),
        ("git_path", ".", "it names the repository's root"),
        ("git_path", "modules/my api", "can't hold spaces"),
        ("registry_site", "", "`registry_site` is empty"),
    ];
    for (key, value, reason) in cases {
        let project = project(&format!("{key} = \"{value}\"\n"));
        let stderr = refused(&project, &[]);
        assert!(
            stderr.contains("--> tapgen.toml:8:")
                && stderr.contains(&format!("(key `publish.{key}`)")),
            "{key} = {value:?}: {stderr}"
        );
        assert!(stderr.contains(reason), "{key} = {value:?}: {stderr}");
    }

    // Every problem at once, in file order, and the ones that concern other keys too: the
    // registry's namespace against `module.namespace`, a version no OCI tag can hold.
    let project = Project::with_config(
        "[project]\nname = \"tap\"\n\n[module]\nnamespace = \"tap\"\nversion = \"1.2.0+build.5\"\n\n[publish]\nregistry = \"registry.example.com/acme\"\noci = \"registry.example.com\"\ntag_prefix = \"v/\"\n",
    );
    let stderr = refused(&project, &[]);
    let locations: Vec<&str> = stderr
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("--> "))
        .collect();
    assert_eq!(
        locations,
        [
            "tapgen.toml:6:11 (key `module.version`)",
            "tapgen.toml:9:12 (key `publish.registry`)",
            "tapgen.toml:10:7 (key `publish.oci`)",
            "tapgen.toml:11:14 (key `publish.tag_prefix`)",
        ],
        "{stderr}"
    );
    assert!(
        stderr.contains("can't be an OCI tag, which has no `+`")
            && stderr.contains("has the namespace `acme`, but the module is published under `module.namespace` `tap`"),
        "{stderr}"
    );

    // `[publish]` is project-wide: under an environment it is an unknown key that says so.
    let project = Project::with_config(&format!(
        "{PROJECT}\n[env.dev]\npublish = {{ git = \"../x\" }}\n"
    ));
    let stderr = refused(&project, &[]);
    assert!(
        stderr.contains("(key `env.dev.publish`)")
            && stderr.contains(
                "write it as the top-level table `[publish]`, the same for every environment"
            ),
        "{stderr}"
    );
}

#[test]
fn module_source_with_credentials_or_an_oci_source_with_build_metadata_is_refused_like_publish() {
    // The same rules hold for `module.source`, which every root and the README show.
    for (module, key, reason) in [
        (
            "version = \"1.2.0\"\nsource = \"git::https://bot:hunter2@git.example.com/acme/api.git\"\n",
            "module.source",
            "looks like it holds a URL with a password",
        ),
        (
            "version = \"1.2.0+build.5\"\nsource = \"oci://registry.example.com/tap/serverless-api\"\n",
            "module.version",
            "can't be an OCI tag, which has no `+`",
        ),
    ] {
        let project =
            Project::with_config(&format!("[project]\nname = \"tap\"\n\n[module]\n{module}"));
        let output = project
            .tapgen()
            .args(["terraform", "--all"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("(key `{key}`)")) && stderr.contains(reason),
            "{stderr}"
        );
    }
}

/// A config for the usage snippet's cases: the module `orders-api` 1.4.0 of namespace `acme`,
/// taken from `modules/` by the roots, with `publish` as its `[publish]` lines.
fn orders(version: &str, namespace: bool, publish: &str) -> String {
    format!(
        "[project]\nname = \"Orders-API\"\n\n[module]\nname = \"orders-api\"\n{}version = \"{version}\"\n\n[publish]\n{publish}",
        if namespace {
            "namespace = \"acme\"\n"
        } else {
            ""
        }
    )
}

#[test]
fn usage_snippet_installs_from_the_publish_registry_else_its_oci_repository_else_its_git_url() {
    let git_url = "git = \"https://git.example.com/acme/infra.git\"\ngit_path = \"modules/api\"\ntag_prefix = \"modules/api\"\n";
    let oci = "oci = \"registry.example.com:5000/acme/orders-api\"\n";
    let registry = "registry = \"registry.example.com/acme\"\n";
    let cases = [
        (
            orders("1.4.0", true, &format!("{git_url}{oci}{registry}")),
            "source  = \"registry.example.com/acme/orders-api/aws\"\n  version = \"~> 1.4\"\n",
        ),
        // The namespace defaults to the registry's.
        (
            orders("1.4.0", false, registry),
            "source  = \"registry.example.com/acme/orders-api/aws\"\n  version = \"~> 1.4\"\n",
        ),
        // No range selects a pre-release: it is pinned.
        (
            orders("1.5.0-rc.1", true, registry),
            "source  = \"registry.example.com/acme/orders-api/aws\"\n  version = \"1.5.0-rc.1\"\n",
        ),
        (
            orders("1.4.0", true, &format!("{git_url}{oci}")),
            "source = \"oci://registry.example.com:5000/acme/orders-api?tag=1.4.0\"\n\n",
        ),
        (
            orders("1.4.0", true, git_url),
            "source = \"git::https://git.example.com/acme/infra.git//modules/api?ref=modules/api/v1.4.0\"\n\n",
        ),
        (
            orders(
                "1.4.0",
                true,
                "git = \"git@git.example.com:acme/terraform-aws-orders-api.git\"\n",
            ),
            "source = \"git::git@git.example.com:acme/terraform-aws-orders-api.git?ref=v1.4.0\"\n\n",
        ),
        // A work tree on the publisher's disk means nothing to a reader: `module.source`.
        (
            orders(
                "1.4.0",
                true,
                "git = \"../terraform-aws-orders-api\"\nregistry_site = \"site\"\n",
            ),
            "source = \"../../modules/orders-api\"\n\n",
        ),
    ];
    let docs = go_tool("TAPGEN_TERRAFORM_DOCS", "terraform-docs");
    for (config, expected) in cases {
        let project = Project::with_config(&config);
        project
            .tapgen()
            .args(["terraform", "--all"])
            .assert()
            .success();
        let readme = project.read("modules/orders-api/README.md");
        let snippet = usage(&readme);
        assert!(
            snippet.starts_with("module \"orders_api\" {\n") && snippet.contains(expected),
            "{config}\n{snippet}"
        );
        assert!(
            readme.contains("Published as `acme/orders-api/aws`"),
            "{config}"
        );
        // The roots still take the module from `module.source`.
        assert!(
            project
                .read("envs/dev/main.tf")
                .contains("source = \"../../modules/orders-api\""),
            "{config}"
        );
        // The README is still one that `module lint` and terraform-docs accept.
        let lint = project.tapgen().args(["module", "lint"]).output().unwrap();
        assert!(
            lint.status.success(),
            "{config}\n{}",
            String::from_utf8_lossy(&lint.stderr)
        );
        if let Some(tool) = &docs {
            let dir = module_dir(project.path());
            let (ok, text) = terraform_docs(tool, &dir, true);
            assert!(ok, "{config}\n{text}");
        }
    }
}

#[test]
fn lambda_package_leaves_out_the_folders_publish_writes_into() {
    // The handler beside the config, and the registry folder and the clone there too.
    let project = Project::with_config(&format!(
        "{PROJECT}\n[lambda]\nsource_dir = \".\"\n\n[publish]\ngit = \"clone\"\nregistry_site = \"site\"\n"
    ));
    std::fs::copy(
        project.path().join("lambda/handler.py"),
        project.path().join("handler.py"),
    )
    .unwrap();
    std::fs::remove_dir_all(project.path().join("lambda")).unwrap();
    let clone = project.path().join("clone");
    std::fs::create_dir(&clone).unwrap();
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["config", "user.name", "Release Bot"],
        &["config", "user.email", "bot@example.com"],
    ] {
        git(&clone, args);
    }
    published(&project, &[]);
    assert!(clone.join("main.tf").is_file() && project.path().join("site").is_dir());

    project
        .tapgen()
        .args(["terraform", "--all"])
        .assert()
        .success();
    let zip = std::fs::read(crate::support::root_package(project.path(), "dev")).unwrap();
    let archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let names: Vec<String> = archive
        .file_names()
        .map(|name| name.unwrap().into_owned())
        .collect();
    assert!(names.iter().any(|name| name == "handler.py"), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|name| name.starts_with("site/") || name.starts_with("clone/")),
        "{names:?}"
    );
}

#[test]
fn schema_documents_every_publish_key() {
    let output = Project::new().tapgen().arg("schema").output().unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let reference = schema["properties"]["publish"]["$ref"]
        .as_str()
        .expect("publish refers to its definition");
    let publish = schema
        .pointer(reference.trim_start_matches('#'))
        .expect("definition");
    assert_eq!(publish["additionalProperties"], false);
    let keys: std::collections::BTreeSet<&str> = publish["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "git",
            "git_path",
            "oci",
            "registry",
            "registry_site",
            "tag_prefix"
        ]
        .into()
    );
    for key in keys {
        assert!(
            publish["properties"][key]["description"].is_string(),
            "{key}"
        );
    }
}
