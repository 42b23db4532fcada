//! The real OpenTofu (and Terraform, where installed) judge every render: `fmt -check`,
//! `init` through an offline provider mirror, `validate`, and strings echoed by `output`.
//!
//! The README's test command installs OpenTofu and the mirror and sets
//! `TAPGEN_REQUIRE_TOOLS=1`, so there a missing tool fails the run. Run alone without
//! the tools, these tests say that they skipped.

use crate::support::{render_into, test_configs};
use std::path::{Path, PathBuf};
use std::process::Command;
use unicode_normalization::UnicodeNormalization;

pub(crate) struct Tool {
    pub(crate) name: &'static str,
    pub(crate) path: PathBuf,
}

pub(crate) fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

pub(crate) fn required() -> bool {
    std::env::var_os("TAPGEN_REQUIRE_TOOLS").is_some_and(|v| v == "1")
}

/// OpenTofu always (required under `TAPGEN_REQUIRE_TOOLS=1`); Terraform where present.
pub(crate) fn tools() -> Vec<Tool> {
    let mut tools = Vec::new();
    match std::env::var_os("TAPGEN_TOFU")
        .map(PathBuf::from)
        .or_else(|| on_path("tofu"))
    {
        Some(path) => tools.push(Tool { name: "tofu", path }),
        None if required() => {
            panic!("TAPGEN_REQUIRE_TOOLS=1 but no tofu: set TAPGEN_TOFU or put tofu on PATH")
        }
        None => eprintln!("skipped: tofu is not installed (scripts/install-tofu.sh builds it)"),
    }
    if let Some(path) = on_path("terraform") {
        tools.push(Tool {
            name: "terraform",
            path,
        });
    }
    tools
}

/// The CLI config with the provider mirror, from `scripts/tf-mirror.sh`.
pub(crate) fn cli_config() -> Option<PathBuf> {
    match std::env::var_os("TAPGEN_TF_CLI_CONFIG").map(PathBuf::from) {
        Some(path) if path.is_file() => Some(path),
        _ if required() => panic!("TAPGEN_REQUIRE_TOOLS=1 but TAPGEN_TF_CLI_CONFIG names no file"),
        _ => {
            eprintln!(
                "skipped: no provider mirror (TAPGEN_TF_CLI_CONFIG from scripts/tf-mirror.sh)"
            );
            None
        }
    }
}

pub(crate) fn run(tool: &Tool, dir: &Path, args: &[&str], cli_config: Option<&Path>) -> String {
    let mut command = Command::new(&tool.path);
    command
        .args(args)
        .current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env_remove("TF_CLI_ARGS");
    match cli_config {
        Some(path) => command.env("TF_CLI_CONFIG_FILE", path),
        None => command.env("TF_CLI_CONFIG_FILE", "/dev/null"),
    };
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.path.display()));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "`{} {}` failed in {}:\n{stdout}\n{}",
        tool.name,
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The test configs rendered into one temp folder each.
fn rendered() -> Vec<(tempfile::TempDir, &'static str)> {
    test_configs()
        .into_iter()
        .map(|(name, text)| {
            let dir = tempfile::tempdir().expect("temp dir");
            render_into(dir.path(), &text);
            (dir, name)
        })
        .collect()
}

/// Every root to init and validate: each environment and each module's example.
fn roots(dir: &Path) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    for parent in ["envs", "modules"] {
        for entry in std::fs::read_dir(dir.join(parent))
            .expect("rendered folder")
            .flatten()
        {
            let path = entry.path();
            if parent == "modules" {
                roots.push(path.join("examples/complete"));
                roots.push(path.join("examples/minimal"));
            } else {
                roots.push(path);
            }
        }
    }
    roots.sort();
    roots
}

/// A root that encrypts its state, which only OpenTofu reads (its `versions.tf` says so).
fn needs_opentofu(root: &Path) -> bool {
    std::fs::read_to_string(root.join("versions.tf"))
        .is_ok_and(|text| text.contains("# OpenTofu only:"))
}

#[test]
fn fmt_check_accepts_every_render() {
    let tools = tools();
    let renders = rendered();
    for tool in &tools {
        for (dir, name) in &renders {
            // -check exits 3 and lists the files fmt would change; -diff shows how.
            let listed = run(
                tool,
                dir.path(),
                &["fmt", "-check", "-recursive", "-diff", "-no-color"],
                None,
            );
            assert!(
                listed.trim().is_empty(),
                "{}: {name}: fmt would change:\n{listed}",
                tool.name
            );
        }
    }
}

#[test]
fn init_and_validate_pass_on_every_root() {
    let tools = tools();
    let Some(cli_config) = cli_config() else {
        return;
    };
    let renders = rendered();
    let roots: Vec<PathBuf> = renders
        .iter()
        .flat_map(|(dir, _)| roots(dir.path()))
        .collect();
    assert!(roots.len() >= 12, "{roots:?}");
    for tool in &tools {
        std::thread::scope(|scope| {
            // Two at a time: each validate loads the aws provider's whole schema.
            for chunk in roots.chunks(roots.len().div_ceil(2)) {
                let cli_config = &cli_config;
                scope.spawn(move || {
                    for root in chunk {
                        if tool.name == "terraform" && needs_opentofu(root) {
                            continue;
                        }
                        let _ = std::fs::remove_dir_all(root.join(".terraform"));
                        run(
                            tool,
                            root,
                            &["init", "-backend=false", "-input=false", "-no-color"],
                            Some(cli_config),
                        );
                        let out = run(tool, root, &["validate", "-no-color"], Some(cli_config));
                        assert!(
                            out.contains("Success!"),
                            "{}: {}: {out}",
                            tool.name,
                            root.display()
                        );
                    }
                });
            }
        });
    }
}

/// Strings that break naive printers, echoed back by OpenTofu itself.
const ADVERSARIAL: &[&str] = &[
    "plain",
    "quote \" and backslash \\ and both \\\"",
    "line one\nline two\r\nthree\ttabbed",
    "${not.a.reference} and %{ if nothing }directive%{ endif }",
    "$${already} $$ $ % 100% {braces}",
    "trailing backslash \\",
    "日本語 é e\u{301} 👨‍👩‍👧 \u{2028}",
    "control \u{1} \u{7f}",
    "",
];

#[test]
fn adversarial_strings_come_back_exactly_from_tofu_output() {
    let tools = tools();
    for tool in &tools {
        let dir = tempfile::tempdir().unwrap();
        let mut body = tapgen::hcl::Body::new();
        for (i, value) in ADVERSARIAL.iter().enumerate() {
            body.push_block(tapgen::hcl::Block::labelled(
                "output",
                vec![tapgen::hcl::Ident::try_new(format!("s{i}")).unwrap()],
                tapgen::hcl::Body::new().attr("value", *value),
            ));
        }
        body.push_block(tapgen::hcl::Block::new(
            "output",
            &["tags"],
            tapgen::hcl::Body::new().attr(
                "value",
                tapgen::hcl::Expr::object(
                    ADVERSARIAL
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (format!("k{i} {v}"), tapgen::hcl::Expr::string(*v))),
                ),
            ),
        ));
        std::fs::write(dir.path().join("main.tf"), tapgen::hcl::print(&body)).unwrap();
        run(tool, dir.path(), &["fmt", "-check", "-no-color"], None);
        run(
            tool,
            dir.path(),
            &["init", "-input=false", "-no-color"],
            None,
        );
        run(
            tool,
            dir.path(),
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            None,
        );
        let json = run(tool, dir.path(), &["output", "-json"], None);
        let outputs: serde_json::Value = serde_json::from_str(&json).unwrap();
        for (i, value) in ADVERSARIAL.iter().enumerate() {
            // HCL normalizes every string literal to Unicode NFC (so `e` + U+0301 reads as `é`).
            let value: &str = &value.nfc().collect::<String>();
            assert_eq!(
                outputs[format!("s{i}")]["value"],
                serde_json::Value::String(value.to_owned()),
                "{}: s{i}",
                tool.name
            );
            assert_eq!(
                outputs["tags"]["value"][format!("k{i} {value}")],
                serde_json::Value::String(value.to_owned()),
                "{}: key {i}",
                tool.name
            );
        }
    }
}

#[test]
fn tapgen_validate_runs_fmt_and_validate_with_the_tool_it_finds() {
    let tools = tools();
    let Some(cli_config) = cli_config() else {
        return;
    };
    let Some(tofu) = tools.iter().find(|tool| tool.name == "tofu") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    render_into(dir.path(), tapgen::config::DEFAULT_CONFIG);
    let output = assert_cmd::Command::cargo_bin("tapgen")
        .unwrap()
        .current_dir(dir.path())
        .args(["validate", "--env", "staging"])
        .env("TAPGEN_TOFU", &tofu.path)
        .env("TF_CLI_CONFIG_FILE", &cli_config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("using {}", tofu.path.display())),
        "{stderr}"
    );
    assert!(stderr.contains("fmt and validate passed"), "{stderr}");
}
