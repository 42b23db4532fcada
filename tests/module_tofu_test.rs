//! The module's own test suite (`tests/` in the module), run by the real OpenTofu (and by
//! Terraform where installed): every run passes offline in the module of each test config,
//! from the published package too, and the suite is not vacuous: a module broken on purpose
//! fails it, naming the run.
//!
//! Like the other real-tool tests, these skip with a note where OpenTofu or the provider
//! mirror is missing, and fail under `TAPGEN_REQUIRE_TOOLS=1`.

use crate::real_tools::{Tool, cli_config, tools};
use crate::support::{Project, render_into, test_configs};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `tool args` in `dir` with the mirror's CLI config: (success, stdout and stderr).
fn try_run(tool: &Tool, dir: &Path, args: &[&str], cli_config: &Path) -> (bool, String) {
    let output = Command::new(&tool.path)
        .args(args)
        .current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env_remove("TF_CLI_ARGS")
        .env("TF_CLI_CONFIG_FILE", cli_config)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.path.display()));
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn run(tool: &Tool, dir: &Path, args: &[&str], cli_config: &Path) -> String {
    let (ok, text) = try_run(tool, dir, args, cli_config);
    assert!(
        ok,
        "`{} {}` failed in {}:\n{text}",
        tool.name,
        args.join(" "),
        dir.display()
    );
    text
}

/// `init`, then `test`: the output of a suite that must pass.
fn init_and_test(tool: &Tool, module: &Path, cli_config: &Path) -> String {
    run(
        tool,
        module,
        &["init", "-input=false", "-no-color"],
        cli_config,
    );
    run(tool, module, &["test", "-no-color"], cli_config)
}

/// OpenTofu and the mirror, or `None` (with the note [`tools`] and [`cli_config`] print).
fn tofu_and_mirror() -> Option<(Tool, PathBuf)> {
    let tofu = tools().into_iter().find(|tool| tool.name == "tofu")?;
    Some((tofu, cli_config()?))
}

/// The one module folder of a render.
fn module_dir(render: &Path) -> PathBuf {
    let mut modules: Vec<PathBuf> = std::fs::read_dir(render.join("modules"))
        .expect("modules folder")
        .flatten()
        .map(|entry| entry.path())
        .collect();
    assert_eq!(modules.len(), 1, "{modules:?}");
    modules.remove(0)
}

/// The suite's files in `module`, by name.
fn suite_files(module: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(module.join("tests"))
        .expect("tests folder")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The suite's files, by stem: one per family (from tapgen's family list), and the inputs'
/// validation runs.
fn suite() -> Vec<&'static str> {
    let stems = tapgen::render::tftest::stems();
    for expected in ["lambda", "s3", "domain", "variables"] {
        assert!(stems.contains(&expected), "{expected} not in {stems:?}");
    }
    stems
}

/// The files `tool` reads: OpenTofu the `.tofutest.hcl` files (skipping their `.tftest.hcl`
/// twins), Terraform only the `.tftest.hcl` ones.
fn extensions(tool: &Tool) -> (&'static str, &'static str) {
    if tool.name == "terraform" {
        (".tftest.hcl", ".tofutest.hcl")
    } else {
        (".tofutest.hcl", ".tftest.hcl")
    }
}

/// Every file `tool` reads passed with every run, and nothing failed or was skipped.
fn assert_all_passed(tool: &Tool, output: &str, what: &str) {
    let (read, skipped) = extensions(tool);
    let files = output
        .lines()
        .filter(|line| line.starts_with("tests/") && line.ends_with(&format!("{read}... pass")))
        .count();
    assert_eq!(files, suite().len(), "{what}: every file passes:\n{output}");
    assert!(
        !output.contains(&format!("{skipped}...")),
        "{what}: {} runs the {read} files only:\n{output}",
        tool.name
    );
    let summary = output
        .lines()
        .find(|line| line.starts_with("Success!"))
        .unwrap_or_else(|| panic!("{what}: no success summary:\n{output}"));
    assert!(summary.contains(" 0 failed"), "{what}: {summary}");
    assert!(!summary.contains("skipped"), "{what}: {summary}");
    let passed: usize = summary
        .trim_start_matches("Success! ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    // Several asserting runs per family, and one rejecting run per validated input (17).
    assert!(passed >= 29, "{what}: only {passed} runs: {summary}");
}

/// OpenTofu runs the suite in the module of each test config; Terraform, where installed,
/// runs the `.tftest.hcl` twins there too.
#[test]
fn tofu_test_passes_offline_in_the_module_of_every_config() {
    let tools = tools();
    let Some(cli_config) = cli_config() else {
        return;
    };
    if tools.is_empty() {
        return;
    }
    let renders: Vec<(&str, tempfile::TempDir)> = test_configs()
        .into_iter()
        .map(|(name, text)| {
            let dir = tempfile::tempdir().expect("temp dir");
            render_into(dir.path(), &text);
            (name, dir)
        })
        .collect();
    std::thread::scope(|scope| {
        for (name, dir) in &renders {
            let (tools, cli_config) = (&tools, &cli_config);
            scope.spawn(move || {
                let module = module_dir(dir.path());
                for tool in tools {
                    let output = init_and_test(tool, &module, cli_config);
                    let what = format!("{name} ({})", tool.name);
                    let summary = output.lines().find(|line| line.starts_with("Success!"));
                    eprintln!("{what}: {}", summary.unwrap_or("no summary"));
                    assert_all_passed(tool, &output, &what);
                }
            });
        }
    });
}

/// One way to break the module: (what, file, edit). Each leaves a module that still
/// validates, so only the suite can catch it.
type Mutation = (&'static str, &'static str, fn(&str) -> String);

/// `bucket_name = lower("...")` without `lower`: the bucket keeps the project's capitals.
fn uppercase_bucket_name(main: &str) -> String {
    let line = main
        .lines()
        .find(|line| line.trim_start().starts_with("bucket_name = lower("))
        .expect("the bucket_name local");
    let broken = line
        .replacen("lower(", "", 1)
        .strip_suffix(')')
        .expect("lower(...)")
        .to_owned();
    main.replace(line, &broken)
}

/// The function may write any CloudWatch Logs action.
fn wildcard_action(iam: &str) -> String {
    assert!(iam.contains("\"logs:CreateLogStream\""), "{iam}");
    iam.replace("\"logs:CreateLogStream\"", "\"logs:*\"")
}

/// The throttles alarm is gone (and the output that lists it, so the module validates).
fn missing_alarm(alarms: &str) -> String {
    let start = alarms
        .find("resource \"aws_cloudwatch_metric_alarm\" \"lambda_throttles\" {")
        .expect("the throttles alarm");
    let end = start + alarms[start..].find("\n}\n").expect("its end") + 3;
    format!("{}{}", &alarms[..start], &alarms[end..])
}

fn without_throttles_output(outputs: &str) -> String {
    outputs
        .lines()
        .filter(|line| !line.contains("aws_cloudwatch_metric_alarm.lambda_throttles"))
        .map(|line| format!("{line}\n"))
        .collect()
}

const MUTATIONS: &[(Mutation, &str)] = &[
    (
        ("an uppercase bucket name", "main.tf", uppercase_bucket_name),
        "bucket_name_is_lowercase_and_made_of_project_and_environment",
    ),
    (
        ("a wildcard action", "iam.tf", wildcard_action),
        "function_policy_has_no_wildcard_action",
    ),
    (
        ("a missing alarm", "alarms.tf", missing_alarm),
        "one_alarm_per_metric_with_its_threshold",
    ),
];

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder").flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

#[test]
fn tofu_test_fails_on_a_module_broken_on_purpose_naming_the_run() {
    let Some((tofu, cli_config)) = tofu_and_mirror() else {
        return;
    };
    let render = tempfile::tempdir().expect("temp dir");
    render_into(render.path(), tapgen::config::DEFAULT_CONFIG);
    let module = module_dir(render.path());
    // Initialized once: each mutant is a copy with the provider already installed.
    run(
        &tofu,
        &module,
        &["init", "-input=false", "-no-color"],
        &cli_config,
    );
    std::thread::scope(|scope| {
        for ((what, file, edit), failing_run) in MUTATIONS {
            let (tofu, cli_config, module) = (&tofu, &cli_config, &module);
            scope.spawn(move || {
                let mutant = tempfile::tempdir().expect("temp dir");
                copy_dir(module, mutant.path());
                let path = mutant.path().join(file);
                let text = std::fs::read_to_string(&path).expect("read");
                let broken = edit(&text);
                assert_ne!(broken, text, "{what}: the edit changed nothing");
                std::fs::write(&path, broken).expect("write");
                if *file == "alarms.tf" {
                    let outputs = mutant.path().join("outputs.tf");
                    let text = std::fs::read_to_string(&outputs).expect("read");
                    std::fs::write(&outputs, without_throttles_output(&text)).expect("write");
                }
                let valid = run(tofu, mutant.path(), &["validate", "-no-color"], cli_config);
                assert!(valid.contains("Success!"), "{what}: {valid}");
                let (passed, output) =
                    try_run(tofu, mutant.path(), &["test", "-no-color"], cli_config);
                eprintln!("{what}:\n{output}");
                assert!(!passed, "{what}: tofu test passed:\n{output}");
                assert!(
                    output.contains(&format!("run \"{failing_run}\"... fail")),
                    "{what}: run {failing_run} did not fail:\n{output}"
                );
                assert!(
                    output.lines().any(|line| line.starts_with("Failure!")),
                    "{what}: {output}"
                );
            });
        }
    });
}

#[test]
fn the_module_package_ships_the_suite_and_it_passes_from_the_package() {
    let project = Project::with_config(tapgen::config::DEFAULT_CONFIG);
    let (_, archive) = crate::publishing::package(&project);
    let unpacked = tempfile::tempdir().expect("temp dir");
    let bytes = std::fs::read(&archive).expect("package");
    tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]))
        .unpack(unpacked.path())
        .expect("unpack");
    let shipped = suite_files(unpacked.path());
    // The committed module is the default config's render.
    let committed = crate::support::repo().join("modules/serverless-api");
    assert_eq!(shipped, suite_files(&committed));
    for file in suite() {
        for extension in ["tofutest.hcl", "tftest.hcl"] {
            let name = format!("{file}.{extension}");
            assert!(shipped.contains(&name), "{name} not in {shipped:?}");
        }
    }
    let Some((tofu, cli_config)) = tofu_and_mirror() else {
        return;
    };
    let output = init_and_test(&tofu, unpacked.path(), &cli_config);
    assert_all_passed(&tofu, &output, "the package");
}
