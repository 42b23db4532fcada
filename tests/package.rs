//! The Lambda package holds exactly the handler folder: never tapgen's own output, caches or
//! VCS folders, never anything reached through a link out of the folder or around a loop,
//! never a special file; executables keep their execute bit; Lambda's size limits hold.

use crate::support::Project;
use predicates::prelude::*;
use predicates::str::contains;
use sha2::Digest as _;
use std::io::Cursor;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::time::Duration;

/// The handler beside `tapgen.toml`: the project folder is the handler folder.
const HANDLER_BESIDE_CONFIG: &str = "[project]\nname = \"pkg\"\n\n[lambda]\nsource_dir = \".\"\n";

/// A generous guard so that a regression to exponential packaging fails the test instead of
/// hanging the suite; no test asserts on how long anything takes.
const HANG_GUARD: Duration = Duration::from_secs(120);

fn archive(path: &Path) -> zip::ZipArchive<Cursor<Vec<u8>>> {
    let bytes = std::fs::read(path).unwrap();
    zip::ZipArchive::new(Cursor::new(bytes)).unwrap()
}

/// The entry names in archive order (which is sorted, for a deterministic package).
fn entry_names(path: &Path) -> Vec<String> {
    archive(path)
        .file_names()
        .map(|name| name.unwrap().into_owned())
        .collect()
}

/// A project whose handler folder is the project folder itself.
fn project_with_handler_beside_config() -> Project {
    let project = Project::with_config(HANDLER_BESIDE_CONFIG);
    std::fs::remove_dir_all(project.path().join("lambda")).unwrap();
    project.write(
        "handler.py",
        b"def handler(event, context):\n    return {}\n",
    );
    project
}

#[test]
fn handler_beside_the_config_packages_neither_output_nor_caches_and_check_passes() {
    let project = project_with_handler_beside_config();
    for (path, text) in [
        (".terraform/providers/x", "provider"),
        (".git/HEAD", "ref: refs/heads/main"),
        (".hg/store", "x"),
        ("__pycache__/handler.cpython-312.pyc", "x"),
        (".pytest_cache/v/cache", "x"),
        (".mypy_cache/3.12/x", "x"),
        ("node_modules/left-pad/index.js", "module.exports = 1"),
        ("util/helpers.py", "X = 1\n"),
    ] {
        project.write(path, text.as_bytes());
    }
    for _ in 0..2 {
        project
            .tapgen()
            .args(["terraform", "--all"])
            .assert()
            .success();
    }
    project
        .tapgen()
        .args(["terraform", "--all", "--check"])
        .assert()
        .success();
    assert_eq!(
        entry_names(&crate::support::root_package(project.path(), "dev")),
        ["handler.py", "util/helpers.py"]
    );
}

#[test]
fn module_packages_in_dist_beside_the_config_stay_out_of_the_lambda_package() {
    // `tapgen module package` writes `dist/` beside the config, which with `source_dir = "."`
    // is inside the handler folder.
    let project = project_with_handler_beside_config();
    project
        .tapgen()
        .args(["terraform", "--all"])
        .assert()
        .success();
    project
        .tapgen()
        .args(["module", "package"])
        .assert()
        .success();
    project
        .tapgen()
        .args(["terraform", "--all", "--check"])
        .assert()
        .success();
    assert_eq!(
        entry_names(&crate::support::root_package(project.path(), "dev")),
        ["handler.py"]
    );
}

#[test]
fn a_config_file_and_output_inside_the_handler_folder_are_left_out() {
    // `--config lambda/api.toml` with `source_dir = "."` makes `lambda/` the handler folder
    // and, by default, the output root.
    let project = Project::new();
    project.write("lambda/api.toml", HANDLER_BESIDE_CONFIG.as_bytes());
    for _ in 0..2 {
        project
            .tapgen()
            .args(["--config", "lambda/api.toml", "terraform"])
            .assert()
            .success();
    }
    assert_eq!(
        entry_names(&crate::support::root_package(
            &project.path().join("lambda"),
            "dev"
        )),
        ["handler.py"]
    );
}

#[test]
fn out_inside_the_handler_folder_is_left_out_of_the_package() {
    let project = Project::new();
    for _ in 0..2 {
        project
            .tapgen()
            .args(["--out", "lambda/infra", "terraform"])
            .assert()
            .success();
    }
    project
        .tapgen()
        .args(["--out", "lambda/infra", "terraform", "--check"])
        .assert()
        .success();
    assert_eq!(
        entry_names(&crate::support::root_package(
            &project.path().join("lambda/infra"),
            "dev"
        )),
        ["handler.py"]
    );
}

#[test]
fn a_handler_folder_inside_the_output_is_refused() {
    let project =
        Project::with_config("[project]\nname = \"pkg\"\n\n[lambda]\nsource_dir = \"envs/code\"\n");
    project.write(
        "envs/code/handler.py",
        b"def handler(e, c):\n    return {}\n",
    );
    project
        .tapgen()
        .arg("terraform")
        .assert()
        .code(2)
        .stderr(contains("envs/code").and(contains("inside")));
    assert!(!project.path().join("envs/dev").exists());
}

/// Runs `tapgen terraform` and expects a refusal (exit 2) that names `name`, with nothing
/// written.
fn assert_refused(project: &Project, name: &str, reason: &str) {
    let assert = project
        .tapgen()
        .arg("terraform")
        .timeout(HANG_GUARD)
        .assert()
        .code(2)
        .stderr(contains(format!("`{name}`")).and(contains(reason)));
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("help:"), "says what to do:\n{stderr}");
    assert!(
        !project.path().join("envs").exists(),
        "nothing is written:\n{stderr}"
    );
}

#[test]
fn a_symlink_loop_is_refused_naming_the_link() {
    let project = Project::new();
    symlink(".", project.path().join("lambda/loop")).unwrap();
    assert_refused(&project, "loop", "contains the link");
}

#[test]
fn two_symlink_loops_end_in_an_error_instead_of_exponential_packaging() {
    let project = Project::new();
    symlink(".", project.path().join("lambda/a")).unwrap();
    std::fs::create_dir(project.path().join("lambda/sub")).unwrap();
    symlink("..", project.path().join("lambda/sub/b")).unwrap();
    assert_refused(&project, "a", "contains the link");
}

#[test]
fn symlinks_leading_out_of_the_handler_folder_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("shadow"), "root:secret").unwrap();
    // A file beside the handler folder, a folder beside it, a file elsewhere (absolute).
    for (name, target) in [
        ("creds", "../secret".into()),
        ("shared", "../shared".into()),
        ("shadow", outside.path().join("shadow")),
    ] {
        let project = Project::new();
        project.write("secret", b"TOPSECRET");
        project.write("shared/lib.py", b"X = 1\n");
        symlink(&target, project.path().join("lambda").join(name)).unwrap();
        assert_refused(&project, name, "outside");
    }
}

#[test]
fn a_dangling_symlink_is_refused() {
    let project = Project::new();
    symlink("gone.py", project.path().join("lambda/util.py")).unwrap();
    assert_refused(&project, "util.py", "does not exist");
}

#[test]
fn symlinks_inside_the_handler_folder_are_packaged_as_their_targets() {
    let project = Project::new();
    project.write("lambda/vendor/lib/mod.py", b"X = 1\n");
    symlink("vendor/lib", project.path().join("lambda/lib")).unwrap();
    symlink("handler.py", project.path().join("lambda/main.py")).unwrap();
    project.tapgen().arg("terraform").assert().success();
    let path = crate::support::root_package(project.path(), "dev");
    assert_eq!(
        entry_names(&path),
        ["handler.py", "lib/mod.py", "main.py", "vendor/lib/mod.py"]
    );
}

#[test]
fn executables_keep_their_execute_bit_and_other_files_are_0644() {
    let project = Project::new();
    let lambda = project.path().join("lambda");
    let files = [
        ("bin/tool", 0o755, 0o755),
        ("bin/private-tool", 0o700, 0o755),
        ("data.json", 0o600, 0o644),
        ("handler.py", 0o664, 0o644),
    ];
    for (name, mode, _) in files {
        // `handler.py` is the project's real handler, which validation looks for.
        if name != "handler.py" {
            project.write(&format!("lambda/{name}"), b"#!/bin/sh\n");
        }
        std::fs::set_permissions(lambda.join(name), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    project.tapgen().arg("terraform").assert().success();
    let mut archive = archive(&crate::support::root_package(project.path(), "dev"));
    for (name, _, expected) in files {
        let mode = archive.by_name(name).unwrap().unix_mode().unwrap();
        assert_eq!(mode, 0o100000 | expected, "{name}: {mode:o}");
    }
}

#[test]
fn a_fifo_in_the_handler_folder_is_refused_by_name_without_blocking() {
    let project = Project::new();
    let status = std::process::Command::new("mkfifo")
        .arg(project.path().join("lambda/pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    assert_refused(&project, "pipe", "named pipe");
}

#[test]
fn a_socket_or_a_link_to_one_in_the_handler_folder_is_refused_by_name() {
    let project = Project::new();
    let _listener =
        std::os::unix::net::UnixListener::bind(project.path().join("lambda/sock")).unwrap();
    assert_refused(&project, "sock", "socket");
    let linked = Project::new();
    let _listener = std::os::unix::net::UnixListener::bind(linked.path().join("sock")).unwrap();
    symlink("../sock", linked.path().join("lambda/sock-link")).unwrap();
    // The link leads out of the folder, which is refused before the socket is looked at.
    assert_refused(&linked, "sock-link", "outside");
    let inside = Project::new();
    let _listener =
        std::os::unix::net::UnixListener::bind(inside.path().join("lambda/.sock")).unwrap();
    symlink(".sock", inside.path().join("lambda/sock-link")).unwrap();
    assert_refused(&inside, "sock-link", "socket");
}

#[test]
fn non_utf8_file_names_are_refused_clearly() {
    use std::os::unix::ffi::OsStrExt;
    let project = Project::new();
    for name in [&b"caf\xe9.py"[..], &b"caf\xe8.py"[..]] {
        let path = project
            .path()
            .join("lambda")
            .join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(path, "X = 1\n").unwrap();
    }
    project.tapgen().arg("terraform").assert().code(2).stderr(
        contains("not valid UTF-8")
            .and(contains("caf"))
            .and(contains("help:"))
            .and(contains("Debug").not()),
    );
    assert!(!project.path().join("envs").exists());
}

#[test]
fn a_package_over_lambdas_unzipped_limit_is_refused() {
    let project = Project::new();
    // Sparse: takes no disk space, but counts at its full length once unzipped.
    let file = std::fs::File::create(project.path().join("lambda/model.bin")).unwrap();
    file.set_len(300 * 1024 * 1024).unwrap();
    project
        .tapgen()
        .arg("terraform")
        .timeout(HANG_GUARD)
        .assert()
        .code(2)
        .stderr(contains("262144000").and(contains("model.bin")));
    assert!(!project.path().join("envs").exists());
}

#[test]
fn package_bytes_of_files_larger_than_a_read_buffer_are_pinned() {
    // Deflate's output depends on how its input is split: feeding a file in read-sized
    // chunks gave other bytes than tapgen always wrote (and could differ between machines
    // where reads come back short). The hash is that of every earlier tapgen's package.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("handler.py"),
        "def handler(event, context):\n    return {}\n",
    )
    .unwrap();
    let data: String = (0..20000u64)
        .map(|i| format!("{i} {}\n", i * 7919 % 10007))
        .collect();
    assert!(data.len() > 200_000);
    std::fs::write(dir.path().join("data.txt"), data).unwrap();
    let bytes = tapgen::package::build(dir.path(), &Default::default()).unwrap();
    let hex: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        hex,
        "ca02b3205e9885ae86586d6f6f04dbf0f31060c208ab212f51694b47ba72d1a1"
    );
}
