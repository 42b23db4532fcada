//! Failures injected while writing: the previous output stays byte-identical.

use crate::support::Project;
use predicates::str::contains;
use std::os::unix::fs::PermissionsExt;

/// A project rendered once, then given a config that changes most files.
fn rendered_then_changed() -> Project {
    let project = Project::with_config("[project]\nname = \"tap\"\n");
    project
        .tapgen()
        .args(["terraform", "--all"])
        .assert()
        .success();
    // Changes versions.tf and main.tf of every environment, and adds backend.tf.
    project.write(
        "tapgen.toml",
        b"[project]\nname = \"tap\"\nregion = \"eu-west-1\"\n[lambda]\nmemory_mb = 2048\n[backend]\nbucket = \"tap-state\"\n",
    );
    project
}

#[test]
fn read_only_file_stops_the_write_before_anything_changes() {
    let project = rendered_then_changed();
    let main = project.path().join("envs/dev/main.tf");
    std::fs::set_permissions(&main, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = project.snapshot();
    project
        .tapgen()
        .arg("terraform")
        .assert()
        .code(3)
        .stderr(contains("envs/dev/main.tf"))
        .stderr(contains("read-only"));
    assert_eq!(before, project.snapshot());
    assert_no_temporary_files(&project);
}

#[test]
fn folder_in_the_way_of_a_file_changes_nothing() {
    let project = rendered_then_changed();
    std::fs::remove_file(project.path().join("envs/dev/main.tf")).unwrap();
    std::fs::create_dir(project.path().join("envs/dev/main.tf")).unwrap();
    let before = project.snapshot();
    project
        .tapgen()
        .arg("terraform")
        .assert()
        .code(2)
        .stderr(contains("envs/dev/main.tf"))
        .stderr(contains("folder is in the way"));
    assert_eq!(before, project.snapshot());
}

#[test]
fn file_in_the_way_of_a_folder_changes_nothing() {
    let project = Project::new();
    project.write("envs", b"not a folder");
    let before = project.snapshot();
    project
        .tapgen()
        .arg("terraform")
        .assert()
        .code(2)
        .stderr(contains("envs`: a file is in the way of a folder"));
    assert_eq!(before, project.snapshot());
}

#[test]
fn simulated_write_error_changes_nothing() {
    let project = rendered_then_changed();
    let before = project.snapshot();
    project
        .tapgen()
        .arg("terraform")
        .env("TAPGEN_TEST_FAIL_WRITE", "envs/dev/main.tf")
        .assert()
        .code(3)
        .stderr(contains("simulated failure"));
    assert_eq!(before, project.snapshot());
    assert_no_temporary_files(&project);
}

#[test]
fn failed_rename_rolls_back_the_files_already_replaced() {
    let project = rendered_then_changed();
    let before = project.snapshot();
    // versions.tf and main.tf are swapped in before backend.tf, so they are already
    // replaced when this rename fails.
    project
        .tapgen()
        .arg("terraform")
        .env("TAPGEN_TEST_FAIL_RENAME", "envs/dev/backend.tf")
        .assert()
        .code(3)
        .stderr(contains("failed to replace"));
    assert_eq!(before, project.snapshot());
    assert_no_temporary_files(&project);
    // And with nothing in the way, the same render goes through.
    project.tapgen().arg("terraform").assert().success();
    assert!(project.read("envs/dev/main.tf").contains("eu-west-1"));
}

fn assert_no_temporary_files(project: &Project) {
    let leftovers: Vec<_> = project
        .snapshot()
        .into_keys()
        .filter(|path| path.to_string_lossy().contains(".tapgen-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}
