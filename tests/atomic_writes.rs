//! Failures injected while writing: the previous output stays byte-identical.

use crate::support::Project;
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
    let stderr = project
        .refuses_with(3, "`tapgen terraform`", project.tapgen().arg("terraform"))
        .stderr;
    assert!(
        stderr.contains("envs/dev/main.tf") && stderr.contains("read-only"),
        "{stderr}"
    );
    assert_no_temporary_files(&project);
}

#[test]
fn folder_in_the_way_of_a_file_changes_nothing() {
    let project = rendered_then_changed();
    std::fs::remove_file(project.path().join("envs/dev/main.tf")).unwrap();
    std::fs::create_dir(project.path().join("envs/dev/main.tf")).unwrap();
    let stderr = project.refuses(&["terraform"]).stderr;
    assert!(
        stderr.contains("envs/dev/main.tf") && stderr.contains("folder is in the way"),
        "{stderr}"
    );
}

#[test]
fn file_in_the_way_of_a_folder_changes_nothing() {
    let project = Project::new();
    project.write("envs", b"not a folder");
    let stderr = project.refuses(&["terraform"]).stderr;
    assert!(
        stderr.contains("envs`: a file is in the way of a folder"),
        "{stderr}"
    );
}

#[test]
fn simulated_write_error_changes_nothing() {
    let project = rendered_then_changed();
    let stderr = failed_render(&project, "TAPGEN_TEST_FAIL_WRITE", "envs/dev/main.tf");
    assert!(stderr.contains("simulated failure"), "{stderr}");
    assert_no_temporary_files(&project);
}

#[test]
fn failed_rename_rolls_back_the_files_already_replaced() {
    let project = rendered_then_changed();
    // versions.tf and main.tf are swapped in before backend.tf, so they are already
    // replaced when this rename fails.
    let stderr = failed_render(&project, "TAPGEN_TEST_FAIL_RENAME", "envs/dev/backend.tf");
    assert!(stderr.contains("failed to replace"), "{stderr}");
    assert_no_temporary_files(&project);
    // And with nothing in the way, the same render goes through.
    project.tapgen().arg("terraform").assert().success();
    assert!(project.read("envs/dev/main.tf").contains("eu-west-1"));
}

/// `tapgen terraform` with the failure `variable` injected at `path`: it must exit 3 and
/// leave every file as it was. Returns stderr.
fn failed_render(project: &Project, variable: &str, path: &str) -> String {
    let what = format!("`tapgen terraform` with {variable}={path}");
    let mut command = project.tapgen();
    command.arg("terraform").env(variable, path);
    project.refuses_with(3, &what, &mut command).stderr
}

fn assert_no_temporary_files(project: &Project) {
    let leftovers: Vec<_> = project
        .snapshot()
        .into_keys()
        .filter(|path| path.to_string_lossy().contains(".tapgen-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}
