//! `[account]` and `[encryption]`, the roots' own tables: what they render, the input they
//! refuse (exit 2, located at the key), `tapgen validate` refusing Terraform for an encrypted
//! root, and against the emulator: an encrypted state that OpenTofu reads back, and a plan
//! outside the allowed accounts that fails before it changes anything.

use crate::emulator::{Cli, Emulator, LAMBDA_LOGGING_CONFIG, Root};
use crate::support::{Project, repo};
use std::io::{Read, Write};
use std::net::TcpStream;

const PROJECT: &str = "[project]\nname = \"vault\"\nregion = \"us-east-1\"\n";

/// `tapgen ARGS` on `config` exits 2, changes nothing, and reports `message` at
/// `tapgen.toml:LINE:COL (key `KEY`)`; returns stderr.
fn refused_at(config: &str, args: &[&str], key: &str, message: &str) -> String {
    let project = Project::with_config(config);
    refused_in(&project, args, key, message)
}

fn refused_in(project: &Project, args: &[&str], key: &str, message: &str) -> String {
    let stderr = project.refuses(args).stderr;
    let located = stderr.lines().any(|line| {
        line.trim_start()
            .strip_prefix("--> tapgen.toml:")
            .and_then(|rest| rest.strip_suffix(&format!(" (key `{key}`)")))
            .is_some_and(|place| {
                let mut parts = place.split(':');
                parts.next().is_some_and(|n| n.parse::<usize>().is_ok())
                    && parts.next().is_some_and(|n| n.parse::<usize>().is_ok())
            })
    });
    assert!(located, "no error located at key `{key}`:\n{stderr}");
    assert!(stderr.contains(message), "no `{message}`:\n{stderr}");
    stderr
}

#[test]
fn an_account_id_of_eleven_digits_is_refused_at_its_key() {
    refused_at(
        &format!("{PROJECT}[account]\nallowed_account_ids = [\"123456789012\", \"12345678901\"]\n"),
        &["terraform", "--all"],
        "account.allowed_account_ids",
        "AWS account id `12345678901`",
    );
}

#[test]
fn a_role_arn_of_another_partition_is_refused_where_the_environment_overlays_it() {
    let stderr = refused_at(
        &format!(
            "{PROJECT}[env.dev]\naccount.assume_role_arn = \"arn:aws-cn:iam::123456789012:role/deployer\"\n"
        ),
        &["terraform", "--all"],
        "env.dev.account.assume_role_arn",
        "is in the `aws-cn` partition, but environment `dev` runs in `aws`",
    );
    assert!(
        stderr.contains("use an IAM role of the `aws` partition"),
        "{stderr}"
    );
}

#[test]
fn an_arn_that_is_not_an_iam_role_is_refused() {
    refused_at(
        &format!("{PROJECT}[account]\nassume_role_arn = \"arn:aws:iam::123456789012:user/me\"\n"),
        &["terraform", "--all"],
        "account.assume_role_arn",
        "is not an IAM role ARN",
    );
}

#[test]
fn a_role_outside_the_allowed_accounts_is_refused_before_any_plan_could_fail() {
    refused_at(
        &format!(
            "{PROJECT}[account]\nallowed_account_ids = [\"123456789012\"]\nassume_role_arn = \"arn:aws:iam::210987654321:role/deployer\"\n"
        ),
        &["terraform", "--all"],
        "account.assume_role_arn",
        "which `allowed_account_ids` does not list",
    );
}

#[test]
fn a_session_name_without_a_role_is_refused() {
    refused_at(
        &format!("{PROJECT}[account]\nsession_name = \"tapgen\"\n"),
        &["terraform", "--all"],
        "account.session_name",
        "`account.session_name` is set, but `account.assume_role_arn`, which it needs, is not",
    );
}

#[test]
fn a_kms_arn_that_is_neither_a_key_nor_an_alias_is_refused() {
    refused_at(
        &format!(
            "{PROJECT}[encryption]\nkms_key_id = \"arn:aws:kms:us-east-1:123456789012:grant/0123abcd\"\n"
        ),
        &["terraform", "--all"],
        "encryption.kms_key_id",
        "is not a KMS key or alias ARN",
    );
}

#[test]
fn an_encryption_region_other_than_the_keys_is_refused() {
    refused_at(
        &format!(
            "{PROJECT}[encryption]\nkms_key_id = \"arn:aws:kms:us-east-1:123456789012:alias/state\"\nregion = \"eu-west-1\"\n"
        ),
        &["terraform", "--all"],
        "encryption.region",
        "the key lives in `us-east-1`",
    );
}

#[test]
fn a_backend_role_of_another_partition_is_refused() {
    refused_at(
        &format!(
            "{PROJECT}[backend]\nbucket = \"vault-state\"\nrole_arn = \"arn:aws-us-gov:iam::123456789012:role/state\"\n"
        ),
        &["terraform", "--all"],
        "backend.role_arn",
        "is in the `aws-us-gov` partition",
    );
}

/// CloudWatch Logs takes a key ARN only, and the function's `kms:GenerateDataKey` grant on
/// the bucket's key names the key itself: an alias ARN used to pass for a key ARN there.
#[test]
fn a_kms_alias_is_refused_where_a_key_arn_is_needed() {
    let alias = "arn:aws:kms:us-east-1:123456789012:alias/logs";
    refused_at(
        &format!("{PROJECT}[logs]\nkms_key_arn = \"{alias}\"\n"),
        &["terraform", "--all"],
        "logs.kms_key_arn",
        "is not a KMS key ARN",
    );
    refused_at(
        &format!("{PROJECT}[bucket]\nencryption = \"aws:kms\"\nkms_key_arn = \"{alias}\"\n"),
        &["terraform", "--all"],
        "bucket.kms_key_arn",
        "is not a KMS key ARN",
    );
}

/// One bucket for environments in two regions: each root used to name its own region for
/// the same bucket, so at least one of them looked in the wrong place.
#[test]
fn a_state_bucket_shared_by_environments_must_say_its_region() {
    let config = format!(
        "{PROJECT}[backend]\nbucket = \"vault-state\"\n[env.dev]\n[env.prod]\nregion = \"eu-west-1\"\n"
    );
    let stderr = refused_at(
        &config,
        &["terraform", "--all"],
        "backend.bucket",
        "the state bucket `vault-state` is shared by the environments, but no `region` says where it is",
    );
    assert_eq!(stderr.matches("error: ").count(), 1, "once: {stderr}");
    // Said once for all, it is taken; an environment's own bucket takes its region.
    let said = Project::with_config(&config.replace(
        "bucket = \"vault-state\"\n",
        "bucket = \"vault-state\"\nregion = \"us-east-1\"\n",
    ));
    said.tapgen()
        .args(["terraform", "--all"])
        .assert()
        .success();
    assert!(said.read("envs/prod/backend.tf").contains("\"us-east-1\""));
    let own = Project::with_config(&format!(
        "{PROJECT}[env.dev]\nbackend.bucket = \"vault-state-dev\"\n[env.prod]\nregion = \"eu-west-1\"\nbackend.bucket = \"vault-state-prod\"\n"
    ));
    own.tapgen().args(["terraform", "--all"]).assert().success();
    assert!(own.read("envs/prod/backend.tf").contains("\"eu-west-1\""));
}

/// The test config with both tables: the provider pins the account and assumes the role,
/// the backend assumes its own role, and `versions.tf` says the root needs OpenTofu and
/// holds the encryption block; an environment overlays each table.
#[test]
fn account_and_encryption_render_in_the_roots_and_not_in_the_module() {
    let text = std::fs::read_to_string(repo().join("tests/configs/account-encryption.toml"))
        .expect("config");
    let project = Project::with_config(&text);
    project
        .tapgen()
        .args(["terraform", "--all"])
        .assert()
        .success();
    let main = project.read("envs/prod/main.tf");
    for line in [
        "allowed_account_ids = [\"210987654321\"]",
        "role_arn     = \"arn:aws:iam::210987654321:role/tapgen-deploy\"",
        "session_name = \"tapgen-deploy\"",
        "external_id  = \"vault-7f3a\"",
    ] {
        assert!(main.contains(line), "no `{line}` in:\n{main}");
    }
    let backend = project.read("envs/prod/backend.tf");
    assert!(
        backend.contains(
            "assume_role {\n      role_arn = \"arn:aws:iam::210987654321:role/tofu-state\""
        ),
        "{backend}"
    );
    let versions = project.read("envs/prod/versions.tf");
    assert!(versions.contains("# OpenTofu only:"), "{versions}");
    for line in [
        "key_provider \"aws_kms\" \"state\" {",
        "kms_key_id = \"arn:aws:kms:us-east-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab\"",
        "method \"aes_gcm\" \"state\" {",
        "keys = key_provider.aws_kms.state",
        "state {\n      method   = method.aes_gcm.state\n      enforced = true",
        "plan {\n      method   = method.aes_gcm.state\n      enforced = true",
    ] {
        assert!(versions.contains(line), "no `{line}` in:\n{versions}");
    }
    let dev = project.read("envs/dev/versions.tf");
    assert!(
        dev.contains("region     = \"eu-central-1\""),
        "the key's region: {dev}"
    );
    assert!(dev.contains("enforced = false"), "the overlay: {dev}");
    for file in ["versions.tf", "main.tf", "variables.tf"] {
        let module = project.read(&format!("modules/serverless-api/{file}"));
        for word in [
            "encryption {",
            "key_provider",
            "assume_role",
            "allowed_account_ids",
        ] {
            assert!(!module.contains(word), "module {file} has `{word}`");
        }
    }
}

/// A stand-in `terraform`: says its version, and fails anything else.
fn fake_terraform(project: &Project) -> std::path::PathBuf {
    let path = project.path().join("bin/terraform");
    project.write(
        "bin/terraform",
        b"#!/bin/sh\nif [ \"$1\" = version ]; then echo 'Terraform v1.9.8'; echo 'on linux_amd64'; exit 0; fi\necho \"ran $*\" >&2\nexit 1\n",
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    path
}

#[test]
fn validate_refuses_terraform_for_an_encrypted_root_at_the_key() {
    let project = Project::with_config(&format!(
        "{PROJECT}[encryption]\nkms_key_id = \"arn:aws:kms:us-east-1:123456789012:alias/state\"\n"
    ));
    project.tapgen().args(["terraform"]).assert().success();
    let terraform = fake_terraform(&project);
    let mut validate = project.tapgen();
    validate
        .args(["validate", "--env", "dev"])
        .env("TAPGEN_TOFU", &terraform);
    let stderr = project.refuses_with(2, "validate", &mut validate).stderr;
    assert!(
        stderr.contains("--> tapgen.toml:5:14 (key `encryption.kms_key_id`)"),
        "{stderr}"
    );
    assert!(stderr.contains("which Terraform rejects"), "{stderr}");
    assert!(!stderr.contains("ran "), "Terraform was run: {stderr}");
}

/// OpenTofu itself is not refused: `tapgen validate` runs fmt and validate on the encrypted
/// root, which OpenTofu accepts.
#[test]
fn validate_runs_opentofu_on_an_encrypted_root() {
    let Some(cli_config) = crate::real_tools::cli_config() else {
        return;
    };
    let Some(tofu) = crate::real_tools::tools()
        .into_iter()
        .find(|tool| tool.name == "tofu")
    else {
        return;
    };
    let text = std::fs::read_to_string(repo().join("tests/configs/account-encryption.toml"))
        .expect("config");
    let project = Project::with_config(&text);
    project
        .tapgen()
        .args(["terraform", "--all"])
        .assert()
        .success();
    let output = project
        .tapgen()
        .args(["validate", "--env", "prod"])
        .env("TAPGEN_TOFU", &tofu.path)
        .env("TF_CLI_CONFIG_FILE", &cli_config)
        .output()
        .expect("run tapgen");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("fmt and validate passed"), "{stderr}");
}

// ---- Against the emulator ------------------------------------------------------------

/// A symmetric KMS key made in moto, by its JSON API (moto checks no signature; the
/// credential scope gives the region): its ARN.
fn create_kms_key(endpoint: &str) -> String {
    let address = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect to moto");
    let body = r#"{"Description":"tapgen state encryption test"}"#;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: TrentService.CreateKey\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (_, json) = response.split_once("\r\n\r\n").expect("an HTTP response");
    let value: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {response}"));
    value["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap_or_else(|| panic!("no key ARN: {response}"))
        .to_owned()
}

/// A root of `tables` (added to a one-environment project), pointed at `emulator`, with the
/// key provider's KMS and STS calls sent there too (it has no endpoint setting for KMS).
fn emulated<'e>(tables: &str, cli: &'e Cli, emulator: &'e Emulator) -> Root<'e> {
    let config = format!("[project]\nname = \"vault\"\nregion = \"us-east-1\"\n{tables}");
    Root::render(&config, "dev", cli, emulator)
        .with_env("AWS_ACCESS_KEY_ID", "test")
        .with_env("AWS_SECRET_ACCESS_KEY", "test")
        .with_env("AWS_ENDPOINT_URL_KMS", &emulator.endpoint)
        .with_env("AWS_ENDPOINT_URL_STS", &emulator.endpoint)
}

#[test]
fn an_encrypted_state_is_written_against_the_emulator_and_read_back() {
    let Some(cli) = Cli::tofu() else { return };
    let Some(emulator) = Emulator::start() else {
        return;
    };
    let key = create_kms_key(&emulator.endpoint);
    let root = emulated(
        &format!(
            "[account]\nallowed_account_ids = [\"123456789012\"]\nassume_role_arn = \"arn:aws:iam::123456789012:role/tapgen-deploy\"\nsession_name = \"tapgen-test\"\n[encryption]\nkms_key_id = \"{key}\"\n"
        ),
        &cli,
        &emulator,
    );
    root.init();
    // `apply` lists the state afterwards, which decrypts it.
    let resources = root.apply();
    let state = std::fs::read_to_string(root.dir.join("terraform.tfstate")).expect("state file");
    let head: String = state.chars().take(300).collect();
    println!("the head of the encrypted state file:\n{head}");
    let envelope: serde_json::Value = serde_json::from_str(&state).expect("a JSON envelope");
    assert!(
        envelope["encrypted_data"]
            .as_str()
            .is_some_and(|d| d.len() > 100),
        "no encrypted data: {head}"
    );
    assert!(
        envelope["meta"]["key_provider.aws_kms.state"].is_string(),
        "no wrapped data key: {head}"
    );
    for plain in [
        "\"resources\"",
        "aws_lambda_function",
        "vault-dev",
        "\"outputs\"",
    ] {
        assert!(!state.contains(plain), "`{plain}` in the clear: {head}");
    }
    // A plan reads the state back: decrypted, it matches what was applied.
    root.assert_plan_is_empty(&[LAMBDA_LOGGING_CONFIG]);
    root.destroy();
    println!("tofu: {resources} resources applied with an encrypted state, read back, destroyed");
}

#[test]
fn a_plan_outside_the_allowed_accounts_fails_before_any_change() {
    let Some(cli) = Cli::tofu() else { return };
    let Some(emulator) = Emulator::start() else {
        return;
    };
    let root = emulated(
        "[account]\nallowed_account_ids = [\"111111111111\"]\n",
        &cli,
        &emulator,
    );
    root.init();
    // A plan, and an apply that would create everything were it not stopped.
    for command in [&["plan"][..], &["apply", "-auto-approve"]] {
        let args: Vec<&str> = command
            .iter()
            .copied()
            .chain(["-input=false", "-no-color"])
            .collect();
        let (ok, text) = root.try_cli(&args);
        assert!(!ok, "{command:?} passed:\n{text}");
        assert!(
            text.contains("123456789012") && text.contains("not allowed"),
            "not the account check:\n{text}"
        );
        assert!(!text.contains("Plan:"), "it planned:\n{text}");
    }
    assert!(
        !root.dir.join("terraform.tfstate").exists(),
        "a state was written"
    );
}
