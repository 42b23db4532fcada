//! `tapgen terraform` with a handler's dependencies: each environment's package built for
//! its runtime and `lambda.architecture`, written once at `packages/lambda-<sha256>.zip`
//! (and `layer-<sha256>.zip` with `lambda.layer`) that the roots reference; the same bytes
//! from two checkouts with cold caches; a warm render that runs no installer; the handler's
//! own pytest suite against what was packaged; bad input refused with nothing written; a
//! package file no root references any more removed.
//!
//! The tests that install need uv and the package index, as in [`crate::lambda_deps`]: they
//! skip without uv, and fail instead under `TAPGEN_REQUIRE_TOOLS=1`.

use crate::lambda_deps::{elf_machine, entry, failing_installer, names, uv};
use crate::real_tools::required;
use crate::support::{Project, referenced, root_package};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use std::io::Cursor;
use std::path::{Path, PathBuf};

const REQUIREMENTS: &str = "six==1.16.0\nPyYAML==6.0.2\n";

const HANDLER: &str = "import six\nimport yaml\n\n\ndef handler(event, context):\n    return {\"statusCode\": 200, \"body\": yaml.safe_dump({\"six\": six.__version__})}\n";

/// Two environments of one handler: the default architecture, and arm64.
const TWO_ARCHITECTURES: &str =
    "[project]\nname = \"deps\"\n\n[env.amd]\n\n[env.arm]\nlambda.architecture = \"arm64\"\n";

/// A project whose handler imports six and yaml and pins them in `requirements`.
fn project(config: &str, requirements: &str) -> Project {
    let project = Project::with_config(config);
    project.write("lambda/handler.py", HANDLER.as_bytes());
    project.write("lambda/requirements.txt", requirements.as_bytes());
    project
}

/// `tapgen terraform --all` in `project` with the dependency cache and installer given.
fn render(project: &Project, cache: &Path, installer: &Path) -> assert_cmd::assert::Assert {
    render_command(project, cache, installer).assert()
}

/// The command [`render`] runs, not run yet.
fn render_command(project: &Project, cache: &Path, installer: &Path) -> assert_cmd::Command {
    let mut command = project.tapgen();
    command
        .args(["terraform", "--all"])
        .env("TAPGEN_CACHE_DIR", cache)
        .env("TAPGEN_PIP", installer);
    command
}

fn read_zip(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `unzip -l`-like lines of the compiled libraries in `zip`, for the test's output.
fn libraries(zip: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut lines = String::new();
    for index in 0..archive.len() {
        let file = archive.by_index(index).unwrap();
        let name = file.name().unwrap().into_owned();
        if name.contains(".so") {
            lines.push_str(&format!("{:>10}  {name}\n", file.size()));
        }
    }
    lines
}

/// The files in `project`'s `packages/`, by name.
fn package_files(project: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(project.path().join("packages"))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn each_environment_packages_its_dependencies_for_its_own_architecture() {
    let Some(uv) = uv() else { return };
    let project = project(TWO_ARCHITECTURES, REQUIREMENTS);
    let cache = tempfile::tempdir().unwrap();
    render(&project, cache.path(), &uv)
        .success()
        // Which installer, and where it came from.
        .stderr(contains("with uv 0.13.8"))
        .stderr(contains("from TAPGEN_PIP"))
        .stderr(contains("for python3.12 on x86_64"))
        .stderr(contains("for python3.12 on arm64 (aarch64)"));
    for (env, architecture, machine, elf) in [
        ("amd", "x86_64", "x86_64", 62),
        ("arm", "arm64", "aarch64", 183),
    ] {
        let main = project.read(&format!("envs/{env}/main.tf"));
        let passed = main
            .lines()
            .map(str::trim)
            .find(|line| line.starts_with("lambda_architecture "))
            .unwrap_or_default();
        assert!(passed.ends_with(&format!("= \"{architecture}\"")), "{main}");
        let zip = read_zip(&root_package(project.path(), env));
        let names = names(&zip);
        for expected in ["handler.py", "six.py", "yaml/__init__.py"] {
            assert!(names.iter().any(|n| n == expected), "{env}: {names:?}");
        }
        let library = format!("yaml/_yaml.cpython-312-{machine}-linux-gnu.so");
        assert_eq!(elf_machine(&entry(&zip, &library)), elf, "{env}: {library}");
        // Never this machine's build of another target, and no wheel of another CPython.
        assert!(
            !names
                .iter()
                .any(|n| n.ends_with(".so") && !n.contains(machine) && !n.contains(".libs")),
            "{env}: {names:?}"
        );
        println!(
            "envs/{env} ({architecture}): {}\n{}",
            root_package(project.path(), env).display(),
            libraries(&zip)
        );
    }
    assert_ne!(
        root_package(project.path(), "amd"),
        root_package(project.path(), "arm")
    );
    // The module's examples carry the project's own values: the default architecture.
    let example = project
        .path()
        .join("modules/serverless-api/examples/complete");
    assert_eq!(
        referenced(&example, "lambda_package_path"),
        Some(root_package(project.path(), "amd"))
    );
    assert_eq!(
        package_files(&project).len(),
        2,
        "{:?}",
        package_files(&project)
    );
}

#[test]
fn two_checkouts_with_cold_caches_write_the_same_bytes_and_a_warm_render_runs_no_installer() {
    let Some(uv) = uv() else { return };
    let (first, second) = (
        project(TWO_ARCHITECTURES, REQUIREMENTS),
        project(TWO_ARCHITECTURES, REQUIREMENTS),
    );
    let (first_cache, second_cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    render(&first, first_cache.path(), &uv).success();
    render(&second, second_cache.path(), &uv).success();
    let rendered = first.snapshot();
    assert_eq!(rendered, second.snapshot(), "two checkouts differ");
    for name in package_files(&first) {
        let bytes = read_zip(&first.path().join("packages").join(&name));
        println!("{}  packages/{name}", tapgen::hex_sha256(&bytes));
    }

    // A third checkout on the first one's warm cache: the installer, which would fail and
    // leave a trace, never runs, and tapgen says where the dependencies came from.
    let third = project(TWO_ARCHITECTURES, REQUIREMENTS);
    let scratch = tempfile::tempdir().unwrap();
    let (failing, ran) = failing_installer(scratch.path());
    render(&third, first_cache.path(), &failing)
        .success()
        .stderr(contains("using the cached dependencies of"))
        .stderr(contains("installing the dependencies").not());
    assert!(!ran.exists(), "the installer ran on a warm cache");
    assert_eq!(third.snapshot(), rendered, "the warm render differs");
}

#[test]
fn with_a_layer_the_dependencies_are_a_layer_package_and_the_function_holds_the_handler() {
    let Some(uv) = uv() else { return };
    let config = "[project]\nname = \"deps\"\n\n[lambda]\nlayer = true\n\n[env.dev]\n\n[env.plain]\nlambda.source_dir = \"plain\"\n";
    let project = project(config, REQUIREMENTS);
    project.write(
        "plain/handler.py",
        b"def handler(event, context):\n    return {}\n",
    );
    let cache = tempfile::tempdir().unwrap();
    render(&project, cache.path(), &uv).success();
    let dev = project.path().join("envs/dev");
    let layer = referenced(&dev, "lambda_layer_package_path").expect("dev has a layer");
    assert!(
        layer
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("layer-"),
        "{}",
        layer.display()
    );
    let layer = read_zip(&layer);
    let layer_names = names(&layer);
    assert!(
        layer_names.iter().all(|n| n.starts_with("python/")),
        "{layer_names:?}"
    );
    for expected in [
        "python/six.py",
        "python/yaml/_yaml.cpython-312-x86_64-linux-gnu.so",
    ] {
        assert!(layer_names.iter().any(|n| n == expected), "{layer_names:?}");
    }
    let function = names(&read_zip(&root_package(project.path(), "dev")));
    assert_eq!(function, ["handler.py", "requirements.txt"]);
    // No dependencies, no layer.
    assert_eq!(
        referenced(
            &project.path().join("envs/plain"),
            "lambda_layer_package_path"
        ),
        None
    );
}

/// One refusal: what to write into the handler folder, whether it needs the real installer
/// (else a failing one that must not run), and what the message says.
struct Refusal {
    what: &'static str,
    setup: fn(&Project),
    needs_installer: bool,
    says: &'static [&'static str],
}

#[test]
fn bad_dependencies_and_handler_code_exit_2_with_the_file_named_and_nothing_written() {
    let refusals = [
        Refusal {
            what: "an unpinned requirement",
            setup: |p| p.write("lambda/requirements.txt", b"six==1.16.0\nPyYAML>=6\n"),
            needs_installer: false,
            says: &[
                "`PyYAML>=6` is not pinned to one version",
                "requirements.txt:2:1",
            ],
        },
        Refusal {
            what: "a compiled extension for another machine",
            setup: |p| {
                p.write(
                    "lambda/_speedups.cpython-312-aarch64-linux-gnu.so",
                    b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0\xb7\0",
                )
            },
            needs_installer: false,
            says: &["`_speedups.cpython-312-aarch64-linux-gnu.so`", "aarch64"],
        },
        Refusal {
            what: "a handler over Lambda's unzipped limit",
            setup: |p| {
                // Sparse: its size is over the limit, its blocks are not on the disk.
                let file = std::fs::File::create(p.path().join("lambda/model.bin")).unwrap();
                file.set_len(262_144_001).unwrap();
            },
            needs_installer: false,
            says: &[
                "unzipped, over the 250.0 MB (262144000 bytes)",
                "`model.bin`",
            ],
        },
        Refusal {
            what: "a dependency with no wheel for the platform",
            setup: |p| p.write("lambda/requirements.txt", b"six==1.16.0\nPyYAML==5.4.1\n"),
            needs_installer: true,
            says: &[
                "`pyyaml==5.4.1`",
                "has no wheel for python3.12 on x86_64",
                "pin a version of `pyyaml` that publishes a manylinux wheel",
            ],
        },
    ];
    let uv = uv();
    for refusal in refusals {
        if refusal.needs_installer && uv.is_none() {
            continue;
        }
        // A render that worked (no dependencies yet), then the bad input.
        let project = Project::with_config(TWO_ARCHITECTURES);
        project
            .tapgen()
            .args(["terraform", "--all"])
            .assert()
            .success();
        (refusal.setup)(&project);
        // The installer and its cache live outside the project.
        let scratch = tempfile::tempdir().unwrap();
        let (failing, ran) = failing_installer(scratch.path());
        let installer = if refusal.needs_installer {
            uv.clone().unwrap()
        } else {
            failing
        };
        let mut command = render_command(&project, &scratch.path().join("cache"), &installer);
        let stderr = project.refuses_with(2, refusal.what, &mut command).stderr;
        for says in refusal.says {
            assert!(
                stderr.contains(says),
                "{}: no `{says}` in\n{stderr}",
                refusal.what
            );
        }
        assert!(!ran.exists(), "{}: the installer ran", refusal.what);
    }
}

#[test]
fn a_package_file_is_removed_once_no_remaining_root_references_it() {
    let config = "[project]\nname = \"tap\"\n\n[env.dev]\n\n[env.staging]\nlambda.architecture = \"arm64\"\n\n[env.other]\nlambda.source_dir = \"other\"\n";
    let project = Project::with_config(config);
    project.write(
        "other/handler.py",
        b"def handler(event, context):\n    return {}\n",
    );
    project.write("packages/notes.txt", b"mine\n");
    project
        .tapgen()
        .args(["terraform", "--all"])
        .assert()
        .success();
    // Without dependencies the x86_64 and arm64 packages are the same bytes: one file.
    let shared = root_package(project.path(), "dev");
    assert_eq!(root_package(project.path(), "staging"), shared);
    let other = root_package(project.path(), "other");
    assert_ne!(other, shared);

    // dev alone moves on; staging, left as it is, still references the old file.
    project.write(
        "lambda/handler.py",
        b"def handler(event, context):\n    return {\"v\": 2}\n",
    );
    project
        .tapgen()
        .args(["terraform", "--env", "dev"])
        .assert()
        .success()
        .stderr(contains("0 removed"));
    let new = root_package(project.path(), "dev");
    assert_ne!(new, shared);
    assert!(
        shared.is_file() && new.is_file(),
        "staging's package was removed"
    );
    // Once staging is rendered too, nothing references the old file.
    project
        .tapgen()
        .args(["terraform", "--env", "staging"])
        .assert()
        .success()
        .stderr(contains("1 removed"));
    assert!(!shared.exists(), "a package no root references is kept");
    // A dropped environment's package goes with it; the user's file stays.
    project.write(
        "tapgen.toml",
        b"[project]\nname = \"tap\"\n\n[env.dev]\n\n[env.staging]\nlambda.architecture = \"arm64\"\n",
    );
    project
        .tapgen()
        .args(["terraform", "--all"])
        .assert()
        .success();
    assert!(!other.exists(), "the dropped environment's package is kept");
    let new_name = new.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(package_files(&project), [new_name, "notes.txt".to_owned()]);
    project
        .tapgen()
        .args(["terraform", "--all", "--check"])
        .assert()
        .success();
}

/// `python3.X` and `x86_64`/`arm64` of the Python on PATH, if Lambda has that runtime and
/// the Python has pytest.
fn host_python() -> Option<(String, &'static str)> {
    let output = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, platform, pytest; print(f'python{sys.version_info[0]}.{sys.version_info[1]} {platform.machine()}')",
        ])
        .output()
        .ok()
        .filter(|output| output.status.success());
    let found = output.and_then(|output| {
        let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        let (runtime, machine) = text.split_once(' ')?;
        let architecture = match machine {
            "x86_64" => "x86_64",
            "aarch64" => "arm64",
            _ => return None,
        };
        tapgen::package::Target::parse(runtime, architecture).ok()?;
        Some((runtime.to_owned(), architecture))
    });
    if found.is_none() {
        assert!(
            !required(),
            "TAPGEN_REQUIRE_TOOLS=1 but python3 on PATH is no Lambda runtime with pytest"
        );
        eprintln!("skipped: python3 on PATH is no Lambda runtime with pytest");
    }
    found
}

const HANDLER_TEST: &str = r#"import os

import yaml

import handler


def test_the_handler_answers_with_the_packaged_dependencies():
    package = os.environ["TAPGEN_PACKAGE_DIR"]
    assert yaml.__file__.startswith(package), yaml.__file__
    assert yaml.__with_libyaml__, "the packaged compiled extension did not load"
    body = handler.handler({}, None)["body"]
    assert yaml.safe_load(body) == {"six": "1.16.0"}
"#;

#[test]
fn the_handlers_pytest_suite_passes_against_its_packaged_dependencies() {
    let Some(uv) = uv() else { return };
    let Some((runtime, architecture)) = host_python() else {
        return;
    };
    // Built for the Python that runs pytest here, so that its compiled extension loads.
    let config = format!(
        "[project]\nname = \"deps\"\n\n[lambda]\nruntime = \"{runtime}\"\narchitecture = \"{architecture}\"\n\n[env.dev]\n"
    );
    let project = project(&config, REQUIREMENTS);
    project.write("lambda/tests/test_handler.py", HANDLER_TEST.as_bytes());
    let cache = tempfile::tempdir().unwrap();
    render(&project, cache.path(), &uv).success();
    let zip = read_zip(&root_package(project.path(), "dev"));
    assert!(
        !names(&zip).iter().any(|n| n.starts_with("tests/")),
        "the tests are not packaged"
    );
    let unpacked = tempfile::tempdir().unwrap();
    zip::ZipArchive::new(Cursor::new(zip))
        .unwrap()
        .extract(unpacked.path())
        .unwrap();
    let package: PathBuf = std::fs::canonicalize(unpacked.path()).unwrap();
    let output = std::process::Command::new("python3")
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(project.path().join("lambda/tests"))
        .env("PYTHONPATH", &package)
        .env("TAPGEN_PACKAGE_DIR", &package)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(&package)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "pytest failed:\n{text}");
    assert!(text.contains("1 passed"), "{text}");
}

#[test]
fn init_writes_a_commented_requirements_file_that_installs_nothing_until_uncommented() {
    let dir = tempfile::tempdir().unwrap();
    assert_cmd::Command::cargo_bin("tapgen")
        .unwrap()
        .current_dir(dir.path())
        .args(["init", "app"])
        .assert()
        .success()
        .stderr(contains("created app/lambda/requirements.txt"));
    let app = dir.path().join("app");
    let text = std::fs::read_to_string(app.join("lambda/requirements.txt")).unwrap();
    assert!(
        text.lines()
            .all(|line| line.is_empty() || line.starts_with('#')),
        "{text}"
    );
    assert!(text.contains("# PyYAML==6.0.2"), "{text}");
    // Nothing to install: no installer runs (the one given fails, and leaves a trace).
    let (failing, ran) = failing_installer(dir.path());
    assert_cmd::Command::cargo_bin("tapgen")
        .unwrap()
        .current_dir(&app)
        .args(["terraform", "--all"])
        .env("TAPGEN_PIP", &failing)
        .env("TAPGEN_CACHE_DIR", dir.path().join("cache"))
        .assert()
        .success();
    assert!(!ran.exists(), "an installer ran for a file of comments");
}
