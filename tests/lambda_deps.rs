//! A handler's dependencies in its Lambda package (`tapgen::package::build_for`): pinned
//! wheels installed by the real uv from the package index for the function's runtime and
//! architecture, never this machine's; the same bytes from any checkout and any cache
//! state; refusals of unpinned, uninstallable and foreign code before or without a build.
//!
//! The tests that install need uv (`$TAPGEN_PIP`, or the one `scripts/install-uv.sh`
//! installs) and the package index; without uv they say that they skipped, and under
//! `TAPGEN_REQUIRE_TOOLS=1` (the README's test command) they fail instead.

use crate::real_tools::required;
use std::io::{Cursor, Read as _};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use tapgen::error::exit;
use tapgen::package::{self, Built, Exclusions, Options, Target, Tools};

const REQUIREMENTS: &str = "six==1.16.0\nPyYAML==6.0.2\n";

const HANDLER: &str = "import six\nimport yaml\n\n\ndef handler(event, context):\n    return {\"body\": yaml.safe_dump({\"six\": six.__version__})}\n";

/// The uv to install with, or `None` (a skip) where there is none.
pub(crate) fn uv() -> Option<PathBuf> {
    let found = std::env::var_os("TAPGEN_PIP")
        .map(PathBuf::from)
        .or_else(|| {
            let tools = Tools::from_env().tools_dir?;
            let venv = tools.join(format!("uv-{}", package::UV_VERSION));
            venv.join(".tapgen-installed")
                .is_file()
                .then(|| venv.join("bin/uv"))
        });
    match found {
        Some(path) => Some(path),
        None if required() => {
            panic!("TAPGEN_REQUIRE_TOOLS=1 but no uv: set TAPGEN_PIP or run scripts/install-uv.sh")
        }
        None => {
            eprintln!("skipped: uv is not installed (scripts/install-uv.sh installs it)");
            None
        }
    }
}

fn tools(cache: &Path, installer: &Path) -> Tools {
    Tools {
        cache_dir: Some(cache.to_path_buf()),
        tools_dir: None,
        installer: Some(installer.to_path_buf()),
    }
}

fn target(architecture: &str) -> Target {
    Target::parse("python3.12", architecture).unwrap()
}

fn build(
    dir: &Path,
    tools: &Tools,
    target: Target,
    layer: bool,
) -> Result<Built, tapgen::error::Error> {
    package::build_for(
        dir,
        &Exclusions::default(),
        &Options {
            target,
            layer,
            tools,
        },
    )
}

/// A handler folder with `requirements`.
fn handler(requirements: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("handler.py"), HANDLER).unwrap();
    std::fs::write(dir.path().join("requirements.txt"), requirements).unwrap();
    dir
}

pub(crate) fn names(zip: &[u8]) -> Vec<String> {
    zip::ZipArchive::new(Cursor::new(zip))
        .unwrap()
        .file_names()
        .map(|name| name.unwrap().into_owned())
        .collect()
}

pub(crate) fn entry(zip: &[u8], name: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut file = archive.by_name(name).unwrap();
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).unwrap();
    bytes
}

/// The ELF `e_machine` of a library: 62 for x86_64, 183 for aarch64.
pub(crate) fn elf_machine(library: &[u8]) -> u16 {
    assert_eq!(&library[..4], b"\x7fELF");
    u16::from_le_bytes([library[18], library[19]])
}

fn sha256(bytes: &[u8]) -> String {
    tapgen::hex_sha256(bytes)
}

/// An installer that records that it ran, then fails.
pub(crate) fn failing_installer(dir: &Path) -> (PathBuf, PathBuf) {
    let ran = dir.join("installer-ran");
    let script = dir.join("fake-uv");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\nexit 1\n", ran.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, ran)
}

#[test]
fn a_pure_and_a_compiled_dependency_are_installed_for_cpython_312_on_x86_64_then_arm64() {
    let Some(uv) = uv() else { return };
    let dir = handler(REQUIREMENTS);
    let cache = tempfile::tempdir().unwrap();
    let tools = tools(cache.path(), &uv);
    for (architecture, machine, elf) in [("x86_64", "x86_64", 62), ("arm64", "aarch64", 183)] {
        let built = build(dir.path(), &tools, target(architecture), false).unwrap();
        let names = names(&built.function);
        let library = format!("yaml/_yaml.cpython-312-{machine}-linux-gnu.so");
        for expected in [
            "handler.py",
            "requirements.txt",
            "six.py",
            "yaml/__init__.py",
            library.as_str(),
            "six-1.16.0.dist-info/METADATA",
            "PyYAML-6.0.2.dist-info/RECORD",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
        assert_eq!(
            elf_machine(&entry(&built.function, &library)),
            elf,
            "{library}"
        );
        // Only the target's extension, and none of the installer's noise.
        let so: Vec<&String> = names.iter().filter(|n| n.ends_with(".so")).collect();
        assert_eq!(so, [&library], "{names:?}");
        for name in &names {
            assert!(
                !name.contains("__pycache__")
                    && !name.ends_with(".pyc")
                    && !name.starts_with("bin/")
                    && !name.ends_with("/INSTALLER")
                    && !name.ends_with("/REQUESTED")
                    && !name.ends_with("/direct_url.json"),
                "{name}"
            );
        }
        let record =
            String::from_utf8(entry(&built.function, "six-1.16.0.dist-info/RECORD")).unwrap();
        assert!(record.contains("six.py,sha256="), "{record}");
        assert!(!record.contains("INSTALLER"), "{record}");
        let deps = built.dependencies.unwrap();
        assert_eq!(
            deps.packages,
            [
                ("pyyaml".to_owned(), "6.0.2".to_owned()),
                ("six".to_owned(), "1.16.0".to_owned())
            ]
        );
        assert!(!deps.from_cache && deps.installer.as_deref() == Some(uv.as_path()));
    }
}

#[test]
fn two_checkouts_and_a_cold_and_a_warm_cache_give_the_same_sha256() {
    let Some(uv) = uv() else { return };
    // Two checkouts in different places, written in a different order and spelling.
    let first = handler(REQUIREMENTS);
    let second = tempfile::tempdir().unwrap();
    std::fs::write(
        second.path().join("requirements.txt"),
        "# the handler's pins\npyyaml==6.0.2\nsix==1.16.0\n",
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(second.path().join("handler.py"), HANDLER).unwrap();
    std::fs::write(
        first.path().join("requirements.txt"),
        "# the handler's pins\npyyaml==6.0.2\nsix==1.16.0\n",
    )
    .unwrap();

    let (cold_cache, other_cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let cold = build(
        first.path(),
        &tools(cold_cache.path(), &uv),
        target("x86_64"),
        false,
    )
    .unwrap();
    let warm = build(
        first.path(),
        &tools(cold_cache.path(), &uv),
        target("x86_64"),
        false,
    )
    .unwrap();
    let elsewhere = build(
        second.path(),
        &tools(other_cache.path(), &uv),
        target("x86_64"),
        false,
    )
    .unwrap();
    let (cold_deps, warm_deps) = (cold.dependencies.unwrap(), warm.dependencies.unwrap());
    assert!(!cold_deps.from_cache && warm_deps.from_cache);
    assert_eq!(sha256(&cold.function), sha256(&warm.function));
    assert_eq!(sha256(&cold.function), sha256(&elsewhere.function));
    assert_eq!(
        package::base64_sha256(&cold.function),
        package::base64_sha256(&elsewhere.function)
    );
}

#[test]
fn a_warm_cache_runs_no_installer() {
    let Some(uv) = uv() else { return };
    let dir = handler(REQUIREMENTS);
    let cache = tempfile::tempdir().unwrap();
    let cold = build(
        dir.path(),
        &tools(cache.path(), &uv),
        target("arm64"),
        false,
    )
    .unwrap();

    let scratch = tempfile::tempdir().unwrap();
    let (failing, ran) = failing_installer(scratch.path());
    let warm = build(
        dir.path(),
        &tools(cache.path(), &failing),
        target("arm64"),
        false,
    )
    .unwrap();
    assert!(!ran.exists(), "the installer ran on a warm cache");
    assert!(warm.dependencies.unwrap().from_cache);
    assert_eq!(cold.function, warm.function);

    // The same failing installer does run, and fails, where the cache has no entry: for
    // another architecture, or another lock.
    let error = build(
        dir.path(),
        &tools(cache.path(), &failing),
        target("x86_64"),
        false,
    )
    .unwrap_err();
    assert!(ran.exists());
    assert!(error.to_string().contains("is not uv"), "{error}");
}

#[test]
fn a_damaged_cache_entry_is_installed_again_to_the_same_bytes() {
    let Some(uv) = uv() else { return };
    let dir = handler(REQUIREMENTS);
    let cache = tempfile::tempdir().unwrap();
    let tools = tools(cache.path(), &uv);
    let first = build(dir.path(), &tools, target("x86_64"), false).unwrap();
    let entries = cache.path().join("deps-v1");
    let entry = std::fs::read_dir(&entries)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .unwrap();
    std::fs::write(entry.join("site/six.py"), "truncated").unwrap();
    let again = build(dir.path(), &tools, target("x86_64"), false).unwrap();
    assert!(!again.dependencies.unwrap().from_cache);
    assert_eq!(first.function, again.function);
    // A killed install leaves at most a temporary folder, never an entry.
    let left: Vec<String> = std::fs::read_dir(&entries)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

#[test]
fn in_a_layer_the_dependencies_sit_under_python_and_the_function_holds_the_handler() {
    let Some(uv) = uv() else { return };
    let dir = handler(REQUIREMENTS);
    let cache = tempfile::tempdir().unwrap();
    let built = build(dir.path(), &tools(cache.path(), &uv), target("arm64"), true).unwrap();
    assert_eq!(
        built.function,
        package::build(dir.path(), &Exclusions::default()).unwrap()
    );
    let layer = built.layer.unwrap();
    let names = names(&layer);
    assert!(names.iter().all(|n| n.starts_with("python/")), "{names:?}");
    let library = "python/yaml/_yaml.cpython-312-aarch64-linux-gnu.so";
    assert_eq!(elf_machine(&entry(&layer, library)), 183);
    assert!(names.iter().any(|n| n == "python/six.py"), "{names:?}");
    // The layer is deterministic too: built again from the warm cache, the same bytes.
    let again = build(dir.path(), &tools(cache.path(), &uv), target("arm64"), true).unwrap();
    assert_eq!(again.layer.unwrap(), layer);
}

#[test]
fn an_unpinned_requirement_is_refused_at_its_line_before_any_installer_runs() {
    let dir = handler("six==1.16.0\nPyYAML>=6\n");
    let cache = tempfile::tempdir().unwrap();
    let (failing, ran) = failing_installer(cache.path());
    let error = build(
        dir.path(),
        &tools(cache.path(), &failing),
        target("x86_64"),
        false,
    )
    .unwrap_err();
    assert_eq!(error.exit_code(), exit::USAGE);
    let message = error.to_string();
    assert!(
        message.contains("`PyYAML>=6` is not pinned to one version"),
        "{message}"
    );
    assert!(message.contains("requirements.txt:2:1"), "{message}");
    assert!(
        message.contains("an unpinned build cannot be reproduced"),
        "{message}"
    );
    assert!(!ran.exists());
}

#[test]
fn a_dependency_with_no_wheel_for_the_platform_is_refused_naming_it_and_the_platform() {
    let Some(uv) = uv() else { return };
    // PyYAML 5.4.1 predates CPython 3.12: it has no cp312 wheel, only a source archive.
    let dir = handler("six==1.16.0\nPyYAML==5.4.1\n");
    let cache = tempfile::tempdir().unwrap();
    let error = build(
        dir.path(),
        &tools(cache.path(), &uv),
        target("x86_64"),
        false,
    )
    .unwrap_err();
    assert_eq!(error.exit_code(), exit::USAGE, "{error}");
    let message = error.to_string();
    for expected in [
        "`pyyaml==5.4.1`",
        "has no wheel for python3.12 on x86_64",
        "manylinux_2_34_x86_64",
        "pin a version of `pyyaml` that publishes a manylinux wheel",
        // At the pin's line, as it is written there.
        "requirements.txt:2:1\n  |\n2 | PyYAML==5.4.1\n  | ^^^^^^^^^^^^^",
    ] {
        assert!(message.contains(expected), "{expected}: {message}");
    }
    // Nothing half-made is left as a cache entry.
    let entries: Vec<_> = std::fs::read_dir(cache.path().join("deps-v1"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(entries.is_empty(), "{entries:?}");
}

#[test]
fn an_unknown_package_or_version_is_refused_at_its_line_and_conflicting_pins_with_uvs_reasons() {
    let Some(uv) = uv() else { return };
    let cache = tempfile::tempdir().unwrap();
    let refusal = |requirements: &str| {
        let dir = handler(requirements);
        let error = build(
            dir.path(),
            &tools(cache.path(), &uv),
            target("x86_64"),
            false,
        )
        .unwrap_err();
        assert_eq!(error.exit_code(), exit::USAGE, "{error}");
        error.to_string()
    };
    let message = refusal("six==1.16.0\nsix-but-not-a-package-tapgen==1.0\n");
    for expected in [
        "error: the package index has no package `six-but-not-a-package-tapgen`",
        "requirements.txt:2:1",
        "= help: check the spelling of `six-but-not-a-package-tapgen`",
    ] {
        assert!(message.contains(expected), "{expected}: {message}");
    }
    let message = refusal("# pinned\nsix==99.0\n");
    for expected in [
        "error: the package index has no version `99.0` of `six`",
        "requirements.txt:2:1",
    ] {
        assert!(message.contains(expected), "{expected}: {message}");
    }
    // python-dateutil needs six>=1.5: uv's reasoning is the message's body.
    let message = refusal("python-dateutil==2.9.0.post0\nsix==1.0.0\n");
    for expected in [
        "cannot be installed together for python3.12 on x86_64; uv says:",
        "\n  error: No solution found",
        "depends on six>=1.5",
        "= help: pin versions that exist in the package index",
    ] {
        assert!(message.contains(expected), "{expected}: {message}");
    }
    assert!(!message.contains("Using CPython"), "{message}");
}

#[test]
fn hashes_are_honoured_a_matching_one_installs_and_a_wrong_one_is_refused() {
    let Some(uv) = uv() else { return };
    // The SHA-256 of six-1.16.0-py2.py3-none-any.whl, the only file of six 1.16.0 uv
    // would install.
    let good = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254";
    let dir = handler(&format!("six==1.16.0 \\\n    --hash=sha256:{good}\n"));
    let cache = tempfile::tempdir().unwrap();
    let built = build(
        dir.path(),
        &tools(cache.path(), &uv),
        target("x86_64"),
        false,
    )
    .unwrap();
    assert!(names(&built.function).iter().any(|n| n == "six.py"));

    let wrong = handler(&format!("six==1.16.0 --hash=sha256:{}\n", "0".repeat(64)));
    let error = build(
        wrong.path(),
        &tools(cache.path(), &uv),
        target("x86_64"),
        false,
    )
    .unwrap_err();
    assert_eq!(error.exit_code(), exit::USAGE, "{error}");
    assert!(error.to_string().contains("do not check out"), "{error}");

    // Once one requirement has a hash, every package needs one.
    let partial = handler(&format!(
        "six==1.16.0 --hash=sha256:{good}\nPyYAML==6.0.2\n"
    ));
    let error = build(
        partial.path(),
        &tools(cache.path(), &uv),
        target("x86_64"),
        false,
    )
    .unwrap_err();
    assert_eq!(error.exit_code(), exit::USAGE, "{error}");
    assert!(
        error.to_string().contains("every package must have one"),
        "{error}"
    );
}

#[test]
fn a_dependency_the_requirements_do_not_pin_is_refused_with_the_pin_to_add() {
    let Some(uv) = uv() else { return };
    // python-dateutil needs six, which this file does not pin.
    let dir = handler("python-dateutil==2.9.0.post0\n");
    let cache = tempfile::tempdir().unwrap();
    let error = build(
        dir.path(),
        &tools(cache.path(), &uv),
        target("x86_64"),
        false,
    )
    .unwrap_err();
    assert_eq!(error.exit_code(), exit::USAGE, "{error}");
    let message = error.to_string();
    assert!(message.contains("does not pin every package"), "{message}");
    assert!(message.contains("add `six=="), "{message}");
    assert!(!message.contains("`python-dateutil=="), "{message}");
}

#[test]
fn compiled_code_in_the_handler_folder_for_another_runtime_or_machine_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("handler.py"), HANDLER).unwrap();
    std::fs::create_dir(dir.path().join("vendor")).unwrap();
    let mut x86 = b"\x7fELF\x02\x01\x01".to_vec();
    x86.resize(18, 0);
    x86.extend_from_slice(&62u16.to_le_bytes());
    std::fs::write(
        dir.path()
            .join("vendor/_fast.cpython-311-x86_64-linux-gnu.so"),
        &x86,
    )
    .unwrap();
    std::fs::write(dir.path().join("vendor/libhelper.so"), &x86).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let (failing, _) = failing_installer(cache.path());
    let tools = tools(cache.path(), &failing);

    let error = build(dir.path(), &tools, target("arm64"), false).unwrap_err();
    assert_eq!(error.exit_code(), exit::USAGE);
    let message = error.to_string();
    for expected in [
        "due to 2 problems",
        "`vendor/_fast.cpython-311-x86_64-linux-gnu.so` is a compiled extension tagged `cpython-311-x86_64-linux-gnu`, which python3.12 on arm64 (aarch64) cannot load",
        "`vendor/libhelper.so` is built for x86_64, but the function runs on arm64 (aarch64)",
    ] {
        assert!(message.contains(expected), "{expected}: {message}");
    }
    // For x86_64 only the extension of another CPython is wrong.
    let message = build(dir.path(), &tools, target("x86_64"), false)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("due to the problem above") && message.contains("cpython-311"),
        "{message}"
    );
    std::fs::remove_file(
        dir.path()
            .join("vendor/_fast.cpython-311-x86_64-linux-gnu.so"),
    )
    .unwrap();
    assert!(build(dir.path(), &tools, target("x86_64"), false).is_ok());
}

#[test]
fn with_requirements_and_no_installer_the_error_says_how_to_install_one() {
    let dir = handler(REQUIREMENTS);
    let cache = tempfile::tempdir().unwrap();
    let tools = Tools {
        cache_dir: Some(cache.path().to_path_buf()),
        tools_dir: Some(cache.path().join("no-tools")),
        installer: None,
    };
    let error = build(dir.path(), &tools, target("x86_64"), false).unwrap_err();
    assert_eq!(error.exit_code(), exit::IO);
    let message = error.to_string();
    assert!(message.contains("it installs them with uv"), "{message}");
    assert!(message.contains("scripts/install-uv.sh"), "{message}");
    assert!(message.contains("TAPGEN_PIP"), "{message}");
}

#[test]
fn a_uv_lock_project_installs_what_the_lock_pins_and_a_stale_lock_is_refused() {
    let Some(uv) = uv() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("handler.py"), HANDLER).unwrap();
    let project = "[project]\nname = \"handler\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = [\"six==1.16.0\", \"PyYAML==6.0.2\"]\n\n[dependency-groups]\ndev = [\"iniconfig==2.0.0\"]\n";
    std::fs::write(dir.path().join("pyproject.toml"), project).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut lock = Command::new(&uv);
    lock.args(["lock", "--no-python-downloads", "--cache-dir"])
        .arg(cache.path().join("uv"))
        .current_dir(dir.path());
    if std::env::var_os("SSL_CERT_FILE").is_none() {
        lock.env("UV_SYSTEM_CERTS", "1");
    }
    let output = lock.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let built = build(
        dir.path(),
        &tools(cache.path(), &uv),
        target("x86_64"),
        false,
    )
    .unwrap();
    let names = names(&built.function);
    for expected in [
        "six.py",
        "yaml/_yaml.cpython-312-x86_64-linux-gnu.so",
        "uv.lock",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    // The dev group is not the function's.
    assert!(
        !names.iter().any(|n| n.starts_with("iniconfig")),
        "{names:?}"
    );
    let deps = built.dependencies.unwrap();
    assert!(deps.lock.ends_with("uv.lock"));

    std::fs::write(
        dir.path().join("pyproject.toml"),
        project.replace("\"PyYAML==6.0.2\"", "\"PyYAML==6.0.2\", \"idna==3.7\""),
    )
    .unwrap();
    let error = build(
        dir.path(),
        &tools(cache.path(), &uv),
        target("x86_64"),
        false,
    )
    .unwrap_err();
    assert_eq!(error.exit_code(), exit::USAGE, "{error}");
    assert!(
        error.to_string().contains("the lock is out of date"),
        "{error}"
    );
    assert!(error.to_string().contains("run `uv lock`"), "{error}");
}

#[test]
fn relative_handler_cache_and_installer_paths_mean_the_same_as_absolute_ones() {
    let Some(uv) = uv() else { return };
    // Tests run in the package's folder: paths relative to it, as a user would type them.
    let root = std::env::current_dir().unwrap();
    let scratch = tempfile::tempdir_in(root.join("target")).unwrap();
    let relative = |path: &Path| path.strip_prefix(&root).unwrap().to_path_buf();
    let handler_dir = scratch.path().join("handler");
    std::fs::create_dir(&handler_dir).unwrap();
    std::fs::write(handler_dir.join("handler.py"), HANDLER).unwrap();
    std::fs::write(handler_dir.join("requirements.txt"), "six==1.16.0\n").unwrap();
    let uv_copy = scratch.path().join("uv");
    std::fs::copy(&uv, &uv_copy).unwrap();

    let cache = scratch.path().join("cache");
    let built = build(
        &relative(&handler_dir),
        &tools(&relative(&cache), &relative(&uv_copy)),
        target("x86_64"),
        false,
    )
    .unwrap();
    assert!(names(&built.function).iter().any(|n| n == "six.py"));
    let absolute_cache = tempfile::tempdir().unwrap();
    let again = build(
        &handler_dir,
        &tools(absolute_cache.path(), &uv),
        target("x86_64"),
        false,
    )
    .unwrap();
    assert_eq!(built.function, again.function);
    // The entry and uv's own download cache are in the cache folder, not below the
    // folder uv ran in.
    assert!(cache.join("deps-v1").is_dir() && cache.join("uv").is_dir());
    let entries: Vec<_> = std::fs::read_dir(cache.join("deps-v1"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1);
    let mut held: Vec<String> = std::fs::read_dir(&entries[0])
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    held.sort();
    assert_eq!(held, ["MANIFEST", "requirements.txt", "site"]);
}
