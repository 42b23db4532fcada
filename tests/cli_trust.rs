//! The command line keeps its promises at the edges: output streams that cannot be written,
//! the embedded default, `validate` on stale output, explicit tool choices, flags only where
//! they mean something, did-you-means, `--env` completion and `init` beside existing files.

use crate::support::Project;
use predicates::prelude::*;
use predicates::str::contains;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TAPGEN: &str = env!("CARGO_BIN_EXE_tapgen");

#[derive(Clone, Copy, Debug)]
enum Stream {
    Stdout,
    Stderr,
}

#[derive(Clone, Copy, Debug)]
enum Sink {
    /// `/dev/full`: every write fails with "No space left on device".
    Full,
    /// A pipe whose reader is gone: every write fails with EPIPE.
    ClosedPipe,
}

fn sink(sink: Sink) -> Stdio {
    match sink {
        Sink::Full => Stdio::from(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full"),
        ),
        Sink::ClosedPipe => {
            let (reader, writer) = std::io::pipe().expect("pipe");
            drop(reader);
            Stdio::from(writer)
        }
    }
}

/// Runs tapgen in `dir` with one stream going to `to`; returns the exit code and the other
/// stream's text.
fn run_into(dir: &Path, args: &[&str], stream: Stream, to: Sink) -> (Option<i32>, String) {
    let mut command = Command::new(TAPGEN);
    command
        .args(args)
        .current_dir(dir)
        .env("PATH", "")
        .env_remove("TAPGEN_TOFU");
    match stream {
        Stream::Stdout => command.stdout(sink(to)).stderr(Stdio::piped()),
        Stream::Stderr => command.stderr(sink(to)).stdout(Stdio::piped()),
    };
    let output = command.output().expect("run tapgen");
    let other = match stream {
        Stream::Stdout => output.stderr,
        Stream::Stderr => output.stdout,
    };
    (
        output.status.code(),
        String::from_utf8_lossy(&other).into_owned(),
    )
}

/// Each command, with its exit code when stdout is full, stderr is full, stdout is a closed
/// pipe and stderr is a closed pipe. A full stream is a failed write (exit 3) where the
/// command had something to say on it; a closed pipe leaves the command's own exit code.
const STREAM_CASES: &[(&[&str], [i32; 4])] = &[
    (&["terraform", "--env", "dev"], [0, 3, 0, 0]),
    // Stale: the diff goes to stdout, the verdict to stderr, and drift stays exit 1.
    (&["terraform", "--env", "prod", "--check"], [3, 3, 1, 1]),
    (&["terraform", "--env", "dev", "--check"], [0, 3, 0, 0]),
    (&["module"], [0, 3, 0, 0]),
    (&["schema"], [3, 0, 0, 0]),
    (&["completions", "bash"], [3, 0, 0, 0]),
    (&["completions", "zsh"], [3, 0, 0, 0]),
    (&["__environments"], [3, 0, 0, 0]),
    (&["--help"], [3, 0, 0, 0]),
    (&["terraform", "--help"], [3, 0, 0, 0]),
    (&["--version"], [3, 0, 0, 0]),
    // A command-line error keeps exit 2 even where it cannot be shown.
    (&["frobnicate"], [2, 2, 2, 2]),
    (&["terraform", "--evn", "dev"], [2, 2, 2, 2]),
    // No tool on PATH: exit 3 whether or not the message gets out.
    (&["validate", "--env", "dev"], [3, 3, 3, 3]),
    (&["init", "scaffold"], [0, 3, 0, 0]),
];

#[test]
fn full_or_closed_stdout_and_stderr_never_panic_and_exit_as_documented() {
    let project = Project::with_config(tapgen::config::DEFAULT_CONFIG);
    project
        .tapgen()
        .args(["terraform", "--env", "dev"])
        .assert()
        .success();
    let mut failures = Vec::new();
    for (case, (args, expected)) in STREAM_CASES.iter().enumerate() {
        let runs = [
            (Stream::Stdout, Sink::Full),
            (Stream::Stderr, Sink::Full),
            (Stream::Stdout, Sink::ClosedPipe),
            (Stream::Stderr, Sink::ClosedPipe),
        ];
        for (run, (stream, to)) in runs.into_iter().enumerate() {
            // `init` scaffolds a new folder each time.
            let init_dir = format!("scaffold-{case}-{run}");
            let args: Vec<&str> = args
                .iter()
                .map(|arg| if *arg == "scaffold" { &init_dir } else { *arg })
                .collect();
            let (code, other) = run_into(project.path(), &args, stream, to);
            if code != Some(expected[run]) || other.contains("panicked") {
                failures.push(format!(
                    "tapgen {}: {stream:?} to {to:?}: exit {code:?}, expected {}\n{other}",
                    args.join(" "),
                    expected[run]
                ));
            }
            let full_stdout =
                matches!((stream, to, expected[run]), (Stream::Stdout, Sink::Full, 3));
            if full_stdout
                && !args.contains(&"validate")
                && !other.contains("failed to write to `stdout`")
            {
                failures.push(format!(
                    "tapgen {}: a full stdout is reported on stderr:\n{other}",
                    args.join(" ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_closed_stderr_does_not_stop_a_render() {
    let project = Project::with_config(tapgen::config::DEFAULT_CONFIG);
    let (code, _) = run_into(
        project.path(),
        &["terraform", "--all"],
        Stream::Stderr,
        Sink::ClosedPipe,
    );
    assert_eq!(code, Some(0));
    assert!(project.path().join("envs/prod/main.tf").is_file());
}

#[test]
fn the_embedded_default_config_is_announced_on_stderr() {
    // A folder with a handler but no tapgen.toml.
    let project = Project::new();
    for args in [&["terraform"][..], &["module"], &["terraform", "--check"]] {
        project
            .tapgen()
            .args(args)
            .assert()
            .stderr(contains(
                "no `tapgen.toml` here: using tapgen's embedded default config",
            ))
            .stderr(contains("project `tap`"));
    }
    project
        .tapgen()
        .args(["validate"])
        .env("PATH", "")
        .env_remove("TAPGEN_TOFU")
        .assert()
        .stderr(contains("embedded default"));
    let own = Project::with_config(tapgen::config::DEFAULT_CONFIG);
    own.tapgen()
        .arg("terraform")
        .assert()
        .success()
        .stderr(contains("embedded").not());
}

/// A stand-in for tofu that accepts everything, in its own folder.
fn fake_tool(dir: &Path, name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn validate_refuses_a_render_that_is_stale_against_the_config() {
    let config = "[project]\nname = \"tap\"\n[env.dev]\n[env.prod]\n";
    let project = Project::with_config(config);
    let tool = fake_tool(&project.path().join("bin"), "tofu");
    project.tapgen().arg("terraform").assert().success();
    project
        .tapgen()
        .args(["validate", "--env", "dev"])
        .env("TAPGEN_TOFU", &tool)
        .assert()
        .success()
        .stderr(contains("fmt and validate passed"));
    project.write(
        "tapgen.toml",
        format!("{config}[lambda]\nmemory_mb = 1024\n").as_bytes(),
    );
    let mut stale = project.tapgen();
    stale
        .args(["validate", "--env", "dev"])
        .env("TAPGEN_TOFU", &tool);
    let stderr = project.refuses_with(1, "stale validate", &mut stale).stderr;
    assert!(
        stderr.contains("stale against the config")
            && stderr.contains("differs: `envs/dev/main.tf`")
            && stderr.contains("render first with `tapgen terraform --env dev`")
            && !stderr.contains("passed"),
        "{stderr}"
    );
    // An environment never rendered is stale too, and the help repeats --config and --out.
    project
        .tapgen()
        .args([
            "validate",
            "--env",
            "prod",
            "--config",
            "tapgen.toml",
            "--out",
            ".",
        ])
        .env("TAPGEN_TOFU", &tool)
        .assert()
        .code(1)
        .stderr(contains("missing: `envs/prod/main.tf`"))
        .stderr(contains(
            "`tapgen terraform --env prod --config tapgen.toml --out .`",
        ));
}

#[test]
fn an_explicit_tapgen_tofu_that_cannot_run_is_an_error_not_a_fallback() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new();
    project.tapgen().arg("terraform").assert().success();
    let bin = project.path().join("bin");
    fake_tool(&bin, "tofu");
    let plain = project.path().join("not-executable");
    std::fs::write(&plain, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).unwrap();
    let cases = [
        (
            PathBuf::from("/nonexistent"),
            "`TAPGEN_TOFU` names `/nonexistent`, which does not exist",
        ),
        (bin.clone(), "which is not a file"),
        (plain, "which is not executable"),
        (PathBuf::new(), "`TAPGEN_TOFU` is set but empty"),
    ];
    for (chosen, message) in cases {
        project
            .tapgen()
            .arg("validate")
            .env("PATH", &bin)
            .env("TAPGEN_TOFU", &chosen)
            .assert()
            .code(3)
            .stderr(contains(message))
            .stderr(contains("unset it to use the one on `PATH`"))
            .stderr(contains("passed").not());
    }
    // Unset, the `tofu` on PATH is used.
    project
        .tapgen()
        .arg("validate")
        .env("PATH", &bin)
        .env_remove("TAPGEN_TOFU")
        .assert()
        .success()
        .stderr(contains(format!("using {}", bin.join("tofu").display())));
}

#[test]
fn a_missing_tool_is_explained_without_pointing_at_the_repos_scripts() {
    let project = Project::new();
    project.tapgen().arg("terraform").assert().success();
    project
        .tapgen()
        .arg("validate")
        .env("PATH", "")
        .env_remove("TAPGEN_TOFU")
        .assert()
        .code(3)
        .stderr(contains("neither `tofu` nor `terraform` is on `PATH`"))
        .stderr(contains("install OpenTofu"))
        .stderr(contains("TAPGEN_TOFU"))
        .stderr(contains("scripts/").not());
}

#[test]
fn config_and_out_are_refused_where_they_mean_nothing() {
    let project = Project::new();
    for args in [
        &["schema", "--config", "tapgen.toml"][..],
        &["schema", "--out", "x"],
        &["completions", "bash", "--config", "tapgen.toml"],
        &["completions", "bash", "-o", "x"],
        &["init", "--out", "x", "app"],
        &["init", "--config", "tapgen.toml"],
    ] {
        let stderr = project.refuses(args).stderr;
        assert!(stderr.contains("unexpected argument"), "{args:?}: {stderr}");
    }
    for (args, message) in [
        (
            &["--config", "tapgen.toml", "schema"][..],
            "`--config` means nothing to `tapgen schema`",
        ),
        (
            &["--out", "x", "init", "app"],
            "`--out` means nothing to `tapgen init`",
        ),
        (
            &["-o", "x", "completions", "bash"],
            "`--out` means nothing to `tapgen completions`",
        ),
        (
            &["-o", "a", "terraform", "-o", "b"],
            "`--out` is given both before and after `terraform`",
        ),
    ] {
        let stderr = project.refuses(args).stderr;
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    // Where they mean something, they work, before the command or after it.
    project
        .tapgen()
        .args(["terraform", "--out", "a"])
        .assert()
        .success();
    project
        .tapgen()
        .args(["module", "-o", "b"])
        .assert()
        .success();
    project
        .tapgen()
        .args(["-o", "c", "module"])
        .assert()
        .success();
    assert!(project.path().join("a/envs/dev/main.tf").is_file());
    assert!(
        project
            .path()
            .join("b/modules/serverless-api/main.tf")
            .is_file()
    );
    assert!(
        project
            .path()
            .join("c/modules/serverless-api/main.tf")
            .is_file()
    );
}

#[test]
fn misspelled_flags_get_a_did_you_mean() {
    let project = Project::new();
    for (args, suggestion) in [
        (&["terraform", "--evn", "staging"][..], "'--env'"),
        (&["validate", "--evn=staging"], "'--env'"),
        (&["terraform", "--alll"], "'--all'"),
        (&["module", "--chekc"], "'--check'"),
        (&["terraform", "--cofnig", "x"], "'--config'"),
    ] {
        project
            .tapgen()
            .args(args)
            .assert()
            .code(2)
            .stderr(contains(format!("a similar argument exists: {suggestion}")));
    }
    // Only flags of the command given are suggested.
    project
        .tapgen()
        .args(["schema", "--evn"])
        .assert()
        .code(2)
        .stderr(contains("similar argument").not());
}

/// What bash's completion for `tapgen` offers for `words` (the last one being completed),
/// run in `dir` through the function `complete -p tapgen` names. The command word is the
/// binary under test, as when a user completes a path to tapgen.
fn bash_complete(dir: &Path, script: &Path, words: &[&str]) -> Vec<String> {
    let driver = r#"
source "$1"; shift
function=$(complete -p tapgen | sed -E 's/.*-F ([^ ]+).*/\1/')
COMP_WORDS=("$@")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
"$function" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let output = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", driver, "bash"])
        .arg(script)
        .arg(TAPGEN)
        .args(&words[1..])
        .current_dir(dir)
        .output()
        .expect("bash");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut offered: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    offered.sort();
    offered
}

#[test]
fn bash_completes_env_with_the_environments_of_the_config_in_use() {
    let project = Project::with_config(
        "[project]\nname = \"tap\"\n[env.alpha]\n[env.beta-eu]\n[env.gamma]\n",
    );
    project.write(
        "other/tapgen.toml",
        b"[project]\nname = \"other\"\n[env.east]\n[env.west]\n",
    );
    let script = project.path().join("tapgen.bash");
    let output = project
        .tapgen()
        .args(["completions", "bash"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    std::fs::write(&script, output).unwrap();
    let all = ["alpha", "beta-eu", "gamma"];
    for (words, expected) in [
        (&["terraform", "--env", ""][..], &all[..]),
        (&["terraform", "--all", "--check", "-e", ""], &all),
        (&["terraform", "--env", "b"], &["beta-eu"]),
        (&["terraform", "--env", "=", ""], &all),
        (&["validate", "--env", "g"], &["gamma"]),
        (&["terraform", "--env", "zz"], &[]),
        (
            &["terraform", "--config", "other/tapgen.toml", "--env", ""],
            &["east", "west"],
        ),
        (
            &["validate", "-c", "other/tapgen.toml", "-e", "w"],
            &["west"],
        ),
        (
            &["-c", "other/tapgen.toml", "terraform", "--env", ""],
            &["east", "west"],
        ),
        (
            &["--config", "=", "other/tapgen.toml", "validate", "-e", ""],
            &["east", "west"],
        ),
    ] {
        let mut line = vec!["tapgen"];
        line.extend(words);
        assert_eq!(
            bash_complete(project.path(), &script, &line),
            expected.to_vec(),
            "{}",
            line.join(" ")
        );
    }
    // Every other word is still completed by clap_complete's script.
    assert!(
        bash_complete(project.path(), &script, &["tapgen", "terraform", "--a"])
            .contains(&"--all".to_owned())
    );
    assert_eq!(
        bash_complete(project.path(), &script, &["tapgen", "ter"]),
        vec!["terraform".to_owned()]
    );
}

#[test]
fn init_appends_to_an_existing_gitignore_and_keeps_an_existing_handler() {
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    let mine = "# my project\nnode_modules/\n.terraform/\ndist"; // no final newline
    std::fs::write(dir.join(".gitignore"), mine).unwrap();
    std::fs::create_dir(dir.join("lambda")).unwrap();
    std::fs::write(dir.join("lambda/handler.py"), "# my handler\n").unwrap();
    let init = || {
        let mut command = assert_cmd::Command::new(TAPGEN);
        command.current_dir(dir).arg("init");
        command
    };
    init()
        .assert()
        .success()
        .stderr(contains("created ./tapgen.toml"))
        .stderr(contains("kept the existing ./lambda/handler.py"))
        .stderr(contains("appended 5 lines to ./.gitignore"));
    let gitignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    assert!(
        gitignore.starts_with(&format!("{mine}\n")),
        "the user's lines stay: {gitignore}"
    );
    for pattern in [
        "*.tfstate",
        "*.tfstate.*",
        "crash.log",
        "__pycache__/",
        "/dist/",
    ] {
        assert!(gitignore.lines().any(|line| line == pattern), "{gitignore}");
    }
    assert_eq!(
        gitignore.matches(".terraform/").count(),
        1,
        "no line twice: {gitignore}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("lambda/handler.py")).unwrap(),
        "# my handler\n"
    );
    // `--force` overwrites only tapgen.toml; the .gitignore keeps everything.
    std::fs::write(dir.join("tapgen.toml"), "# mine\n").unwrap();
    init()
        .arg("--force")
        .assert()
        .success()
        .stderr(contains("overwrote ./tapgen.toml"))
        .stderr(contains("nothing to add to ./.gitignore"));
    assert_eq!(
        std::fs::read_to_string(dir.join(".gitignore")).unwrap(),
        gitignore
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("lambda/handler.py")).unwrap(),
        "# my handler\n"
    );
}
