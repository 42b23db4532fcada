//! tapgen touches only what it wrote: never through a link, never a special file, stale
//! output of dropped environments and modules found and removed, bounded open files, one
//! run at a time, and removals as all-or-nothing as the writes.

use crate::support::Project;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Long enough that no healthy run comes near it: only a run that blocks forever (on a
/// named pipe, say) reaches it. It bounds a hang; it measures nothing.
const HANG: Duration = Duration::from_secs(120);

const TWO_ENVS: &str = "[project]\nname = \"tap\"\n[env.dev]\n[env.prod]\n";
const THREE_ENVS: &str = "[project]\nname = \"tap\"\n[env.dev]\n[env.staging]\n[env.prod]\n";
const DEV_ONLY: &str = "[project]\nname = \"tap\"\n[env.dev]\n";

fn rendered(config: &str) -> Project {
    let project = Project::with_config(config);
    project
        .tapgen()
        .args(["terraform", "--all"])
        .timeout(HANG)
        .assert()
        .success();
    project
}

fn exists(project: &Project, relative: &str) -> bool {
    project.path().join(relative).symlink_metadata().is_ok()
}

// --- Links ---------------------------------------------------------------------------

#[test]
fn a_linked_folder_in_an_environment_is_not_followed_by_the_stale_sweep() {
    // `envs/prod/shared -> ../staging`, a common way to share tfvars.
    let project = rendered(THREE_ENVS);
    symlink("../staging", project.path().join("envs/prod/shared")).unwrap();
    let staging_before = std::fs::read(project.path().join("envs/staging/main.tf")).unwrap();
    project
        .tapgen()
        .args(["terraform", "--env", "prod"])
        .timeout(HANG)
        .assert()
        .success()
        .stderr(contains("left `envs/prod/shared` alone"))
        .stderr(contains("link"));
    assert_eq!(
        std::fs::read(project.path().join("envs/staging/main.tf")).unwrap(),
        staging_before
    );
    assert!(crate::support::root_package(project.path(), "staging").is_file());
    assert!(
        exists(&project, "envs/prod/shared"),
        "the link itself is kept"
    );
}

#[test]
fn a_link_to_another_project_inside_the_module_is_left_alone() {
    let other = rendered(DEV_ONLY);
    let other_before = other.snapshot();
    let project = rendered(DEV_ONLY);
    symlink(
        other.path().join("envs/dev"),
        project.path().join("modules/serverless-api/vendor"),
    )
    .unwrap();
    for args in [
        &["terraform", "--all", "--check"][..],
        &["terraform", "--all"],
    ] {
        project
            .tapgen()
            .args(args)
            .timeout(HANG)
            .assert()
            .success()
            .stderr(contains("left `modules/serverless-api/vendor` alone"));
    }
    assert_eq!(
        other_before,
        other.snapshot(),
        "the other project is untouched"
    );
}

#[test]
fn a_link_where_a_generated_file_goes_is_refused_naming_it() {
    let project = rendered(DEV_ONLY);
    // The same bytes, but reached through a link: tapgen must not read or write them.
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("main.tf");
    std::fs::rename(project.path().join("envs/dev/main.tf"), &target).unwrap();
    symlink(&target, project.path().join("envs/dev/main.tf")).unwrap();
    let target_before = std::fs::read(&target).unwrap();
    for args in [
        &["terraform", "--all", "--check"][..],
        &["terraform", "--all"],
    ] {
        let what = format!("{args:?}");
        let stderr = project
            .refuses_with(2, &what, project.tapgen().args(args).timeout(HANG))
            .stderr;
        assert!(
            stderr.contains("envs/dev/main.tf") && stderr.contains("symbolic link"),
            "{what}: {stderr}"
        );
    }
    assert_eq!(target_before, std::fs::read(&target).unwrap());
    assert!(
        project
            .path()
            .join("envs/dev/main.tf")
            .symlink_metadata()
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn a_link_where_a_generated_folder_goes_is_refused_and_nothing_is_written_through_it() {
    for link in ["envs/dev", "envs", "modules/serverless-api", "modules"] {
        let project = Project::with_config(DEV_ONLY);
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(project.path().join(link).parent().unwrap()).unwrap();
        symlink(elsewhere.path(), project.path().join(link)).unwrap();
        let stderr = project
            .refuses_with(
                2,
                link,
                project.tapgen().args(["terraform", "--all"]).timeout(HANG),
            )
            .stderr;
        assert!(
            stderr.contains(&format!("{link}`")) && stderr.contains("symbolic link"),
            "{link}: {stderr}"
        );
        let written: Vec<_> = std::fs::read_dir(elsewhere.path()).unwrap().collect();
        assert!(
            written.is_empty(),
            "{link}: wrote through the link: {written:?}"
        );
    }
}

#[test]
fn a_copy_of_a_generated_file_at_another_path_is_the_users() {
    let project = rendered(DEV_ONLY);
    for (from, to) in [
        ("envs/dev/main.tf", "envs/dev/main.tf.orig"),
        (
            "modules/serverless-api/s3.tf",
            "modules/serverless-api/s3-copy.tf",
        ),
    ] {
        std::fs::copy(project.path().join(from), project.path().join(to)).unwrap();
    }
    let package = crate::support::root_package(project.path(), "dev");
    std::fs::copy(package, project.path().join("envs/dev/lambda-previous.zip")).unwrap();
    project
        .tapgen()
        .args(["terraform", "--all", "--check"])
        .timeout(HANG)
        .assert()
        .success();
    project
        .tapgen()
        .args(["terraform", "--all"])
        .timeout(HANG)
        .assert()
        .success()
        .stderr(contains("0 removed"))
        .stderr(contains("left `envs/dev/main.tf.orig` alone"));
    for copy in [
        "envs/dev/main.tf.orig",
        "modules/serverless-api/s3-copy.tf",
        "envs/dev/lambda-previous.zip",
    ] {
        assert!(exists(&project, copy), "{copy} was removed");
    }
}

// --- Stale output of what the config no longer declares --------------------------------

#[test]
fn a_dropped_environment_is_drift_and_a_render_removes_it() {
    let project = rendered(TWO_ENVS);
    project.write("tapgen.toml", DEV_ONLY.as_bytes());
    project
        .tapgen()
        .args(["terraform", "--all", "--check"])
        .timeout(HANG)
        .assert()
        .code(1)
        .stdout(contains("a/envs/prod/main.tf"))
        .stderr(contains("removed"));
    project
        .tapgen()
        .args(["terraform", "--all"])
        .timeout(HANG)
        .assert()
        .success()
        // Its four `.tf` files: its Lambda package is dev's too, and stays.
        .stderr(contains("4 removed"));
    assert!(
        !exists(&project, "envs/prod"),
        "the emptied folder is removed"
    );
    project
        .tapgen()
        .args(["terraform", "--all", "--check"])
        .timeout(HANG)
        .assert()
        .success();
}

#[test]
fn a_dropped_environment_keeps_the_users_files_and_their_folder() {
    let project = rendered(TWO_ENVS);
    project.write("envs/prod/terraform.tfvars", b"x = 1\n");
    project.write("envs/prod/.terraform.lock.hcl", b"# lock\n");
    project.write("tapgen.toml", DEV_ONLY.as_bytes());
    project
        .tapgen()
        .args(["terraform", "--all"])
        .timeout(HANG)
        .assert()
        .success()
        .stderr(contains("left `envs/prod/terraform.tfvars` alone"));
    assert_eq!(project.read("envs/prod/terraform.tfvars"), "x = 1\n");
    assert!(exists(&project, "envs/prod/.terraform.lock.hcl"));
    for generated in ["main.tf", "versions.tf", "outputs.tf"] {
        assert!(!exists(&project, &format!("envs/prod/{generated}")));
    }
}

#[test]
fn a_renamed_module_is_drift_and_a_render_removes_the_old_folder() {
    let project = rendered(DEV_ONLY);
    let renamed = format!("{DEV_ONLY}[module]\nname = \"api\"\n");
    project.write("tapgen.toml", renamed.as_bytes());
    project
        .tapgen()
        .args(["terraform", "--all", "--check"])
        .timeout(HANG)
        .assert()
        .code(1)
        .stdout(contains("a/modules/serverless-api/s3.tf"));
    project
        .tapgen()
        .args(["terraform", "--all"])
        .timeout(HANG)
        .assert()
        .success();
    assert!(!exists(&project, "modules/serverless-api"));
    assert!(project.path().join("modules/api/s3.tf").is_file());
}

#[test]
fn one_environment_removes_dropped_environments_but_keeps_declared_ones() {
    let project = rendered(THREE_ENVS);
    project.write(
        "tapgen.toml",
        b"[project]\nname = \"tap\"\n[env.dev]\n[env.staging]\n",
    );
    let staging_before = std::fs::read(project.path().join("envs/staging/main.tf")).unwrap();
    project
        .tapgen()
        .args(["terraform", "--env", "dev"])
        .timeout(HANG)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(project.path().join("envs/staging/main.tf")).unwrap(),
        staging_before
    );
    assert!(crate::support::root_package(project.path(), "staging").is_file());
    assert!(!exists(&project, "envs/prod"));
}

#[test]
fn a_hand_written_module_beside_the_generated_one_is_left_alone_quietly() {
    let project = rendered(DEV_ONLY);
    project.write("modules/vpc/main.tf", b"# mine\n");
    project
        .tapgen()
        .args(["terraform", "--all"])
        .timeout(HANG)
        .assert()
        .success()
        .stderr(contains("modules/vpc").not());
    assert_eq!(project.read("modules/vpc/main.tf"), "# mine\n");
}

// --- Special files ---------------------------------------------------------------------

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_named_pipe_or_socket_in_an_owned_folder_is_reported_and_never_opened() {
    let project = rendered(DEV_ONLY);
    mkfifo(&project.path().join("envs/dev/pipe"));
    let _socket =
        std::os::unix::net::UnixListener::bind(project.path().join("modules/serverless-api/sock"))
            .unwrap();
    for args in [
        &["terraform", "--all", "--check"][..],
        &["terraform", "--all"],
    ] {
        project
            .tapgen()
            .args(args)
            .timeout(HANG)
            .assert()
            .success()
            .stderr(contains("left `envs/dev/pipe` alone"))
            .stderr(contains("left `modules/serverless-api/sock` alone"));
    }
}

#[test]
fn a_named_pipe_where_a_generated_file_goes_is_refused_without_blocking() {
    let project = rendered(DEV_ONLY);
    std::fs::remove_file(project.path().join("envs/dev/main.tf")).unwrap();
    mkfifo(&project.path().join("envs/dev/main.tf"));
    for args in [
        &["terraform", "--all", "--check"][..],
        &["terraform", "--all"],
    ] {
        project
            .tapgen()
            .args(args)
            .timeout(HANG)
            .assert()
            .code(2)
            .stderr(contains("envs/dev/main.tf"))
            .stderr(contains("named pipe"));
    }
}

// --- Bounded resources -----------------------------------------------------------------

fn many_envs(count: usize) -> String {
    let mut config = String::from("[project]\nname = \"tap\"\n");
    for i in 1..=count {
        config.push_str(&format!("[env.e{i:04}]\n"));
    }
    config
}

/// tapgen under `ulimit -n`, through the shell that sets the limit.
fn tapgen_with_open_file_limit(project: &Project, limit: u32, args: &str) -> assert_cmd::Command {
    let binary = assert_cmd::cargo::cargo_bin("tapgen");
    let mut command = assert_cmd::Command::new("sh");
    command
        .current_dir(project.path())
        .arg("-c")
        .arg(format!(
            "ulimit -n {limit} && exec {} {args}",
            binary.display()
        ))
        .timeout(HANG);
    command
}

/// The files below `dir`, however deep.
fn files_below(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| entry.expect("entry").path())
        .map(|path| if path.is_dir() { files_below(&path) } else { 1 })
        .sum()
}

#[test]
fn hundreds_of_environments_render_with_few_open_files() {
    let project = Project::with_config(&many_envs(300));
    // The module's files (the committed render of the same module) and five per root.
    let module = files_below(&crate::support::repo().join("modules/serverless-api"));
    tapgen_with_open_file_limit(&project, 64, "terraform --all")
        .assert()
        .success()
        // The module's files, four `.tf` files per root, and the one Lambda package every
        // root references.
        .stderr(contains(format!("{} created", module + 300 * 4 + 1)));
    project.write("tapgen.toml", many_envs(200).as_bytes());
    tapgen_with_open_file_limit(&project, 64, "terraform --all --check")
        .assert()
        .code(1);
    tapgen_with_open_file_limit(&project, 64, "terraform --all")
        .assert()
        .success()
        .stderr(contains("400 removed"));
    assert!(!exists(&project, "envs/e0300"));
}

#[test]
fn a_failed_first_render_leaves_no_folders_behind() {
    let project = Project::with_config(&many_envs(3));
    project.refuses_with(
        3,
        "a failed write",
        project
            .tapgen()
            .args(["terraform", "--all"])
            .env("TAPGEN_TEST_FAIL_WRITE", "envs/e0003/main.tf")
            .timeout(HANG),
    );
    assert!(!exists(&project, "envs"), "empty folders left behind");
    assert!(!exists(&project, "modules"), "empty folders left behind");
}

#[test]
fn one_lambda_package_is_written_once_for_every_environment_and_example_that_shares_it() {
    // `lambda`, `./lambda` and `src/../lambda` are one folder: one package, one file, one
    // copy in memory, which every root and both examples reference.
    let config = "[project]\nname = \"tap\"\n[env.a]\n[env.b]\nlambda.source_dir = \"./lambda\"\n[env.c]\nlambda.source_dir = \"src/../lambda\"\n[env.d]\n";
    let project = Project::with_config(config);
    std::fs::create_dir(project.path().join("src")).unwrap();
    let files = crate::support::render(config, project.path());
    let zips: Vec<&tapgen::output::File> = files
        .iter()
        .filter(|file| matches!(file.document, tapgen::output::Document::Zip(_)))
        .collect();
    assert_eq!(zips.len(), 1, "{zips:?}");
    assert!(zips[0].path.starts_with("packages"), "{zips:?}");
    project
        .tapgen()
        .args(["terraform", "--all"])
        .timeout(HANG)
        .assert()
        .success();
    let written: Vec<_> = std::fs::read_dir(project.path().join("packages"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    let package = std::fs::canonicalize(&written[0]).unwrap();
    for env in ["a", "b", "c", "d"] {
        assert_eq!(crate::support::root_package(project.path(), env), package);
    }
    for example in ["minimal", "complete"] {
        let dir = project
            .path()
            .join("modules/serverless-api/examples")
            .join(example);
        assert_eq!(
            crate::support::referenced(&dir, "lambda_package_path"),
            Some(package.clone())
        );
    }
    for entry in walk(project.path()) {
        assert!(
            entry.extension().is_none_or(|ext| ext != "zip") || entry == package,
            "another zip: {}",
            entry.display()
        );
    }
}

/// Every file below `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(std::fs::canonicalize(&path).unwrap());
        }
    }
    files
}

// --- One run at a time -----------------------------------------------------------------

#[test]
fn a_second_run_waits_for_the_lock_then_gives_up_naming_it() {
    let project = rendered(DEV_ONLY);
    project.write("tapgen.toml", TWO_ENVS.as_bytes());
    // Another run holds the output root; this process plays it.
    let root = std::fs::File::open(project.path()).unwrap();
    root.lock().unwrap();
    for args in [
        &["terraform", "--all"][..],
        &["terraform", "--all", "--check"],
    ] {
        let what = format!("{args:?} while locked");
        let stderr = project
            .refuses_with(
                3,
                &what,
                project
                    .tapgen()
                    .args(args)
                    .env("TAPGEN_LOCK_WAIT", "0")
                    .timeout(HANG),
            )
            .stderr;
        assert!(
            stderr.contains("lock") && stderr.contains(&project.path().display().to_string()),
            "{what}: {stderr}"
        );
    }
    root.unlock().unwrap();
    project
        .tapgen()
        .args(["terraform", "--all"])
        .env("TAPGEN_LOCK_WAIT", "0")
        .timeout(HANG)
        .assert()
        .success();
}

#[test]
fn checks_share_the_lock_with_each_other() {
    let project = rendered(DEV_ONLY);
    let root = std::fs::File::open(project.path()).unwrap();
    root.lock_shared().unwrap();
    project
        .tapgen()
        .args(["terraform", "--all", "--check"])
        .env("TAPGEN_LOCK_WAIT", "0")
        .timeout(HANG)
        .assert()
        .success();
}

// --- Removals are part of the all-or-nothing step --------------------------------------

#[test]
fn a_failed_removal_rolls_back_every_write() {
    let project = rendered(TWO_ENVS);
    // Changes envs/dev/main.tf and drops prod.
    project.write(
        "tapgen.toml",
        b"[project]\nname = \"tap\"\nregion = \"eu-west-1\"\n[env.dev]\n",
    );
    let stderr = project
        .refuses_with(
            3,
            "a failed removal",
            project
                .tapgen()
                .args(["terraform", "--all"])
                .env("TAPGEN_TEST_FAIL_REMOVE", "envs/prod/outputs.tf")
                .timeout(HANG),
        )
        .stderr;
    assert!(
        stderr.contains("envs/prod/outputs.tf") && stderr.contains("simulated failure"),
        "{stderr}"
    );
    assert_no_temporary_files(&project);
}

/// Clears the immutable flag again, so the temporary folder can be deleted even when the
/// test fails.
struct Immutable(std::path::PathBuf);

impl Immutable {
    fn set(path: std::path::PathBuf) -> Option<Self> {
        let status = std::process::Command::new("chattr")
            .arg("+i")
            .arg(&path)
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        status.success().then_some(Self(path))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn an_immutable_stale_file_rolls_back_every_write() {
    let project = rendered("[project]\nname = \"tap\"\n[backend]\nbucket = \"tap-state\"\n");
    // Changes every environment file and makes `envs/dev/backend.tf` stale.
    project.write(
        "tapgen.toml",
        b"[project]\nname = \"tap\"\nregion = \"eu-west-1\"\n",
    );
    let Some(_guard) = Immutable::set(project.path().join("envs/dev/backend.tf")) else {
        eprintln!("skipped: `chattr +i` needs root and a file system with attributes");
        return;
    };
    let stderr = project
        .refuses_with(
            3,
            "an immutable stale file",
            project.tapgen().args(["terraform", "--all"]).timeout(HANG),
        )
        .stderr;
    assert!(stderr.contains("envs/dev/backend.tf"), "{stderr}");
    assert_no_temporary_files(&project);
}

#[test]
fn temporary_files_of_a_killed_run_are_removed_by_the_next() {
    let project = rendered(DEV_ONLY);
    project.write("envs/dev/.tapgen-a1b2c3", b"half a file");
    project.write("modules/serverless-api/examples/complete/.tapgen-zz", b"");
    symlink(
        "/etc/hostname",
        project.path().join("envs/dev/.tapgen-link"),
    )
    .unwrap();
    project
        .tapgen()
        .args(["terraform", "--all"])
        .timeout(HANG)
        .assert()
        .success();
    assert!(!exists(&project, "envs/dev/.tapgen-a1b2c3"));
    assert!(!exists(
        &project,
        "modules/serverless-api/examples/complete/.tapgen-zz"
    ));
    assert!(
        exists(&project, "envs/dev/.tapgen-link"),
        "a link is never removed, whatever its name"
    );
}

fn assert_no_temporary_files(project: &Project) {
    let leftovers: Vec<_> = project
        .snapshot()
        .into_keys()
        .filter(|path| path.to_string_lossy().contains(".tapgen-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// Rewrites a generated file's digest line the way tapgen 0.1 wrote it: a digest of the
/// content alone.
fn as_written_by_tapgen_0_1(project: &Project, relative: &str) {
    use sha2::{Digest, Sha256};
    let text = project.read(relative);
    let mut lines = text.splitn(4, '\n');
    let (first, _, blank, rest) = (
        lines.next().unwrap(),
        lines.next().unwrap(),
        lines.next().unwrap(),
        lines.next().unwrap(),
    );
    let digest: String = Sha256::digest(rest.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let old = format!("{first}\n# tapgen-sha256: {digest}\n{blank}\n{rest}");
    project.write(relative, old.as_bytes());
}

#[test]
fn files_of_tapgen_0_1_are_replaced_without_force_but_never_removed_as_stale() {
    let project = rendered(TWO_ENVS);
    as_written_by_tapgen_0_1(&project, "envs/dev/main.tf");
    as_written_by_tapgen_0_1(&project, "envs/prod/main.tf");
    project.write("tapgen.toml", DEV_ONLY.as_bytes());
    project
        .tapgen()
        .args(["terraform", "--all"])
        .timeout(HANG)
        .assert()
        .success()
        .stderr(contains("1 updated"))
        .stderr(contains(
            "left `envs/prod/main.tf` alone: an older tapgen wrote it",
        ));
    assert!(exists(&project, "envs/prod/main.tf"));
    project
        .tapgen()
        .args(["terraform", "--all", "--check"])
        .timeout(HANG)
        .assert()
        .success();
}
