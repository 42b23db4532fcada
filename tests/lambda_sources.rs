//! The Lambda source folders, judged by the package step (the checks of the resolved model
//! read no files) and reported as config problems: at the key that names the folder or the
//! handler, with every other problem of the config, by every command that reported them when
//! the checks looked at the disk themselves.

use crate::support::Project;

/// Runs `args` in `project` and returns stderr, having asserted exit 2 and nothing written.
fn refused(project: &Project, args: &[&str]) -> String {
    project.refuses(args).stderr
}

/// Asserts that `stderr` (of `args`) holds each of `texts`.
fn holds(stderr: &str, args: &[&str], texts: &[&str]) {
    for text in texts {
        assert!(stderr.contains(text), "{args:?}: no `{text}` in\n{stderr}");
    }
}

const MISSING: &str = "error: the Lambda source folder `./src/fn` does not exist";

#[test]
fn a_missing_source_folder_comes_with_the_other_rule_problems_in_every_command_that_validates() {
    // The folder is prod's alone: `--env dev` reports it too, as every environment is checked.
    let project = Project::with_config(
        "[project]\nname = \"tap\"\n\n[env.dev]\nregion = \"mars\"\n\n[env.prod]\nlambda.source_dir = \"src/fn\"\n",
    );
    for args in [
        &["terraform", "--env", "dev"][..],
        &["terraform", "--all", "--check"],
        &["validate", "--env", "dev"],
        &["module"],
        &["module", "package"],
        &["module", "publish"],
    ] {
        let stderr = refused(&project, args);
        let region = stderr.find("error: `mars` is not an AWS region");
        let folder = stderr.find(MISSING);
        assert!(region.is_some() && folder.is_some(), "{args:?}\n{stderr}");
        assert!(region < folder, "{args:?}: not in file order\n{stderr}");
        holds(
            &stderr,
            args,
            &[
                "tapgen.toml:8:21 (key `env.prod.lambda.source_dir`)",
                "due to 2 previous errors",
            ],
        );
    }
}

#[test]
fn a_missing_source_folder_comes_with_the_problems_of_shape_in_every_command_that_loads() {
    let project = Project::with_config(
        "[project]\nname = \"tap\"\n\n[lambda]\nsource_dir = \"src/fn\"\nmemory_mb = 64\n\n[env.dev]\n",
    );
    for args in [
        &["terraform", "--all"][..],
        &["validate", "--env", "dev"],
        &["module"],
        &["module", "lint"],
        &["__environments"],
    ] {
        let stderr = refused(&project, args);
        holds(
            &stderr,
            args,
            &[
                &format!("{MISSING}\n --> tapgen.toml:5:14 (key `lambda.source_dir`)"),
                "error: `memory_mb` is `64`, below the minimum of 128",
                "due to 2 previous errors",
            ],
        );
    }
}

#[test]
fn a_missing_project_wide_folder_is_refused_at_its_key_where_each_environment_has_its_own() {
    // The module's examples are packaged from the project-wide folder: a config error at
    // `lambda.source_dir`, not a failure to read the folder (exit 3).
    let project = Project::with_config(
        "[project]\nname = \"tap\"\n\n[lambda]\nsource_dir = \"src/fn\"\n\n[env.dev]\nlambda.source_dir = \"lambda\"\n",
    );
    for args in [
        &["terraform", "--all"][..],
        &["module"],
        &["module", "package"],
    ] {
        let stderr = refused(&project, args);
        holds(
            &stderr,
            args,
            &[&format!(
                "{MISSING}\n --> tapgen.toml:5:14 (key `lambda.source_dir`)"
            )],
        );
        assert_eq!(stderr.matches("error:").count(), 1, "{args:?}\n{stderr}");
    }
}
