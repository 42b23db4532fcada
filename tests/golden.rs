//! The committed `modules/` and `envs/` are a fresh render of the embedded default config;
//! review changes to them like code.

use crate::support::repo;
use sha2::{Digest, Sha256};

#[test]
fn committed_output_equals_a_fresh_render_of_the_default_config() {
    let root = repo();
    let loaded = tapgen::check::parse(
        "default",
        tapgen::config::DEFAULT_CONFIG.to_owned(),
        root.clone(),
    )
    .unwrap();
    let environments = tapgen::stack::environments(&loaded.config);
    let resolved = tapgen::check::validate(&loaded, &environments).unwrap();
    let (files, owned) = tapgen::render_terraform(&loaded, &resolved, &root).unwrap();
    let plan = tapgen::plan(root, &files, owned);
    let changes = tapgen::output::compare(&plan).unwrap();
    assert!(
        changes.is_clean(),
        "committed output is stale; run `cargo run -- terraform --all` and review the diff:\n{}",
        changes.diff
    );
}

#[test]
fn lambda_package_is_byte_identical_across_builds_and_machines() {
    // A fixed input whose zip hash is pinned: a change here means packages built by
    // different tapgen versions or machines would differ, and every `tofu plan` would
    // want to redeploy the function.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("handler.py"),
        "def handler(event, context):\n    return {}\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("pkg")).unwrap();
    std::fs::write(dir.path().join("pkg/util.py"), "X = 1\n").unwrap();
    let first = tapgen::package::build(dir.path(), &Default::default()).unwrap();
    let second = tapgen::package::build(dir.path(), &Default::default()).unwrap();
    assert_eq!(first, second);
    let hex: String = Sha256::digest(&first)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hex, PINNED_PACKAGE_SHA256, "package bytes changed");
}

const PINNED_PACKAGE_SHA256: &str =
    "3a07c1ae249a9b7b75d2dd69589a3e73416867a16f85c65daa6917151fc8489e";
