//! `tapgen schema` carries the config's rules, so that editors and taplo refuse what tapgen
//! refuses: each family setting's bounds, allowed values and pattern, judged by a JSON Schema
//! validator (the `jsonschema` crate) and by taplo itself.
//!
//! taplo comes from `scripts/install-taplo.sh` (the npm package `@taplo/cli`, pinned); the
//! test command passes it as `TAPGEN_TAPLO` with `TAPGEN_REQUIRE_TOOLS=1`. Run alone without
//! it, the taplo test says that it skipped.

use crate::real_tools::required;
use crate::support::{Project, test_configs};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::process::Command;

const PROJECT: &str = "[project]\nname = \"tap\"\n";

/// Configs that break one setting's rule each, at the top level and in an overlay.
fn bad_configs() -> Vec<(&'static str, String)> {
    vec![
        (
            "memory_mb = 64",
            format!("{PROJECT}[lambda]\nmemory_mb = 64\n"),
        ),
        (
            "runtime = \"python2.7\"",
            format!("{PROJECT}[lambda]\nruntime = \"python2.7\"\n"),
        ),
        (
            "retention_days = 45",
            format!("{PROJECT}[logs]\nretention_days = 45\n"),
        ),
        (
            "timeout_s = 901",
            format!("{PROJECT}[env.prod.lambda]\ntimeout_s = 901\n"),
        ),
        (
            "throttling_rate_limit = 20000",
            format!("{PROJECT}[api]\nthrottling_rate_limit = 20000\n"),
        ),
        (
            "period_s = 90",
            format!("{PROJECT}[env.dev]\nalarms.period_s = 90\n"),
        ),
        (
            "stage_name = \"v 1\"",
            format!("{PROJECT}[api]\nstage_name = \"v 1\"\n"),
        ),
        (
            "encryption = \"kms\"",
            format!("{PROJECT}[bucket]\nencryption = \"kms\"\n"),
        ),
        // Every region, wherever it is written, is one the provider accepts.
        (
            "region = \"mars-1\"",
            "[project]\nname = \"tap\"\nregion = \"mars-1\"\n".to_owned(),
        ),
        (
            "env.prod.region = \"eu-west-9\"",
            format!("{PROJECT}[env.prod]\nregion = \"eu-west-9\"\n"),
        ),
        (
            "backend.region = \"us-east-7\"",
            format!("{PROJECT}[backend]\nbucket = \"tap-state\"\nregion = \"us-east-7\"\n"),
        ),
        (
            "encryption.region = \"eu-east-1\"",
            format!(
                "{PROJECT}[encryption]\nkms_key_id = \"arn:aws:kms:us-east-1:123456789012:alias/state\"\nregion = \"eu-east-1\"\n"
            ),
        ),
        // `[project]` takes its two keys and no other.
        ("project.owner", format!("{PROJECT}owner = \"platform\"\n")),
        // A list's rule is each item's.
        (
            "allowed_account_ids = [\"12345678901\"]",
            format!("{PROJECT}[env.prod.account]\nallowed_account_ids = [\"12345678901\"]\n"),
        ),
    ]
}

fn schema() -> Value {
    let output = Project::new().tapgen().arg("schema").output().unwrap();
    assert!(output.status.success());
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A TOML document as the JSON value a schema validator judges.
fn to_json(text: &str) -> Value {
    fn value(of: &toml_edit::Value) -> Value {
        match of {
            toml_edit::Value::String(s) => Value::String(s.value().clone()),
            toml_edit::Value::Integer(n) => Value::from(*n.value()),
            toml_edit::Value::Float(f) => Value::from(*f.value()),
            toml_edit::Value::Boolean(b) => Value::Bool(*b.value()),
            toml_edit::Value::Datetime(d) => Value::String(d.value().to_string()),
            toml_edit::Value::Array(items) => Value::Array(items.iter().map(value).collect()),
            toml_edit::Value::InlineTable(table) => Value::Object(
                table
                    .iter()
                    .map(|(k, v)| (k.to_owned(), value(v)))
                    .collect::<Map<_, _>>(),
            ),
        }
    }
    fn item(of: &toml_edit::Item) -> Value {
        match of {
            toml_edit::Item::Value(v) => value(v),
            toml_edit::Item::Table(table) => Value::Object(
                table
                    .iter()
                    .map(|(k, i)| (k.to_owned(), item(i)))
                    .collect::<Map<_, _>>(),
            ),
            toml_edit::Item::ArrayOfTables(tables) => Value::Array(
                tables
                    .iter()
                    .map(|t| item(&toml_edit::Item::Table(t.clone())))
                    .collect(),
            ),
            toml_edit::Item::None => Value::Null,
        }
    }
    let document: toml_edit::DocumentMut = text.parse().expect("TOML");
    item(document.as_item())
}

/// taplo, from `TAPGEN_TAPLO`.
fn taplo() -> Option<PathBuf> {
    match std::env::var_os("TAPGEN_TAPLO").map(PathBuf::from) {
        Some(path) if path.is_file() => Some(path),
        _ if required() => {
            panic!(
                "TAPGEN_REQUIRE_TOOLS=1 but TAPGEN_TAPLO names no file (scripts/install-taplo.sh installs it)"
            )
        }
        _ => {
            eprintln!("skipped: no taplo (TAPGEN_TAPLO; scripts/install-taplo.sh installs it)");
            None
        }
    }
}

#[test]
fn the_schema_refuses_what_tapgen_refuses_and_takes_every_test_config() {
    let schema = schema();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    for (name, text) in test_configs() {
        let errors: Vec<String> = validator
            .iter_errors(&to_json(&text))
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
    for (what, text) in bad_configs() {
        assert!(
            !validator.is_valid(&to_json(&text)),
            "the schema takes `{what}`"
        );
        // tapgen refuses it too: the schema and the check come from one rule.
        Project::with_config(&text)
            .tapgen()
            .args(["validate", "--env", "dev"])
            .assert()
            .code(2);
    }
}

#[test]
fn each_setting_in_the_schema_says_its_default_and_rule() {
    let schema = schema();
    let lambda = &schema["properties"]["lambda"]["properties"];
    assert_eq!(lambda["memory_mb"]["minimum"], 128);
    assert_eq!(lambda["memory_mb"]["maximum"], 10240);
    assert_eq!(lambda["memory_mb"]["default"], 256);
    assert_eq!(
        lambda["memory_mb"]["description"],
        "Memory in MB. 128 to 10240. Default 256."
    );
    assert_eq!(lambda["runtime"]["default"], "python3.12");
    let overlay = schema["$defs"]["EnvOverlay"]["properties"]["lambda"].clone();
    assert_eq!(overlay, schema["properties"]["lambda"]);
    assert_eq!(
        schema["properties"]["api"]["properties"]["stage_name"]["pattern"],
        "^[A-Za-z0-9_-]{1,128}$"
    );
    assert_eq!(schema["properties"]["logs"]["additionalProperties"], false);
}

#[test]
fn taplo_refuses_what_tapgen_refuses_and_takes_every_test_config() {
    let Some(taplo) = taplo() else {
        return;
    };
    let project = Project::new();
    let schema = project.path().join("tapgen.schema.json");
    std::fs::write(&schema, serde_json::to_vec(&self::schema()).unwrap()).unwrap();
    let url = format!("file://{}", schema.display());
    let check = |name: &str, text: &str| {
        let file = project.path().join(format!("{name}.toml"));
        std::fs::write(&file, text).unwrap();
        let output = Command::new(&taplo)
            .args(["check", "--schema", &url])
            .arg(&file)
            .env("RUST_LOG", "error")
            .output()
            .expect("taplo runs");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    for (name, text) in test_configs() {
        let (ok, stderr) = check(name, &text);
        assert!(ok, "taplo refuses {name}:\n{stderr}");
    }
    for (index, (what, text)) in bad_configs().into_iter().enumerate() {
        let (ok, stderr) = check(&format!("bad-{index}"), &text);
        assert!(!ok, "taplo takes `{what}`");
        assert!(
            stderr.contains("schema validation failed"),
            "{what}: {stderr}"
        );
    }
}
