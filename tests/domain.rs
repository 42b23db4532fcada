//! `[api.domain]`, the custom domain family: what it renders for the environments that set
//! it (and nothing for the others), and each bad value refused with exit 2, located, with
//! nothing written.

use crate::support::{Project, render};

const CERTIFICATE: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab";

/// A project in us-east-1 with `dev` and `prod`, and `extra` appended.
fn config(extra: &str) -> String {
    format!("[project]\nname = \"tap\"\nregion = \"us-east-1\"\n\n[env.dev]\n[env.prod]\n{extra}")
}

fn file(files: &[tapgen::output::File], path: &str) -> String {
    let file = files
        .iter()
        .find(|file| file.path == std::path::Path::new(path))
        .unwrap_or_else(|| panic!("no {path}"));
    String::from_utf8(file.bytes()).expect("utf-8")
}

#[test]
fn a_domain_set_for_one_environment_reaches_its_root_only() {
    let project = Project::new();
    let text = config(&format!(
        "api.domain = {{ name = \"api.example.com\", certificate_arn = \"{CERTIFICATE}\", zone_id = \"Z0123456789ABCDEFGHIJ\" }}\n"
    ));
    let files = render(&text, project.path());
    let prod = file(&files, "envs/prod/main.tf");
    assert!(
        prod.contains("domain_name                         = \"api.example.com\""),
        "{prod}"
    );
    assert!(
        prod.contains(&format!(
            "domain_certificate_arn              = \"{CERTIFICATE}\""
        )),
        "{prod}"
    );
    assert!(
        prod.contains("domain_base_path                    = null"),
        "{prod}"
    );
    assert!(file(&files, "envs/prod/outputs.tf").contains("module.api.api_custom_url"));
    // dev sets no domain: its root passes none of the inputs and lists none of the outputs.
    let dev = file(&files, "envs/dev/main.tf");
    assert!(!dev.contains("domain_"), "{dev}");
    assert!(!file(&files, "envs/dev/outputs.tf").contains("api_custom_url"));
    // The module serves both: every domain resource is counted on its own inputs.
    let module = file(&files, "modules/serverless-api/domain.tf");
    for resource in [
        "aws_api_gateway_domain_name",
        "aws_api_gateway_base_path_mapping",
        "aws_route53_record",
    ] {
        let block = module
            .split(&format!("resource \"{resource}\""))
            .nth(1)
            .unwrap_or_else(|| panic!("no {resource}:\n{module}"));
        assert!(
            block.trim_start().starts_with("\"")
                && block.contains("count = var.domain_name == null"),
            "{resource}:\n{block}"
        );
    }
    assert!(
        module.contains("security_policy          = \"TLS_1_2\""),
        "{module}"
    );
    assert!(module.contains("types = [\"REGIONAL\"]"), "{module}");
    let outputs = file(&files, "modules/serverless-api/outputs.tf");
    assert!(
        outputs.contains("value       = var.domain_name == null ? null : \"https://"),
        "{outputs}"
    );
}

#[test]
fn a_wildcard_name_and_a_base_path_are_accepted() {
    let project = Project::new();
    let text = config(&format!(
        "[api.domain]\nname = \"*.api.example.com\"\ncertificate_arn = \"{CERTIFICATE}\"\nbase_path = \"orders\"\n"
    ));
    let files = render(&text, project.path());
    let dev = file(&files, "envs/dev/main.tf");
    assert!(dev.contains("\"*.api.example.com\""), "{dev}");
    assert!(
        dev.contains("domain_zone_id                      = null"),
        "{dev}"
    );
}

/// One bad `[api.domain]`: the line and key the message must name, and what it must say.
struct Case {
    name: &'static str,
    extra: String,
    /// The whole config, where it is not [`config`] with `extra`.
    whole: Option<String>,
    at: &'static str,
    expect: &'static [&'static str],
}

fn domain(
    extra: &str,
    at: &'static str,
    name: &'static str,
    expect: &'static [&'static str],
) -> Case {
    Case {
        name,
        extra: extra.to_owned(),
        whole: None,
        at,
        expect,
    }
}

fn cases() -> Vec<Case> {
    let with_certificate = |name: &str| {
        format!("[api.domain]\nname = \"{name}\"\ncertificate_arn = \"{CERTIFICATE}\"\n")
    };
    let long = format!("{}.example.com", vec!["a".repeat(60); 4].join("."));
    vec![
        domain(
            &with_certificate("API.example.com"),
            "tapgen.toml:8:8 (key `api.domain.name`)",
            "uppercase name",
            &[
                "DNS name `API.example.com` is not valid",
                "lowercase letters",
            ],
        ),
        domain(
            &with_certificate("api_v1.example.com"),
            "tapgen.toml:8:8 (key `api.domain.name`)",
            "underscore in name",
            &["DNS name `api_v1.example.com` is not valid"],
        ),
        domain(
            &with_certificate("localhost"),
            "tapgen.toml:8:8 (key `api.domain.name`)",
            "one label",
            &["DNS name `localhost` is not valid"],
        ),
        domain(
            &with_certificate(&format!("{}.example.com", "a".repeat(64))),
            "tapgen.toml:8:8 (key `api.domain.name`)",
            "label of 64",
            &["is not valid", "1 to 63"],
        ),
        domain(
            &with_certificate("api.-example.com"),
            "tapgen.toml:8:8 (key `api.domain.name`)",
            "leading hyphen",
            &["is not valid"],
        ),
        domain(
            &with_certificate(&long),
            "tapgen.toml:8:8 (key `api.domain.name`)",
            "name of 256",
            &["is not valid", "at most 253 characters"],
        ),
        domain(
            &with_certificate("a.*.example.com"),
            "tapgen.toml:8:8 (key `api.domain.name`)",
            "inner wildcard",
            &["is not valid"],
        ),
        domain(
            "[api.domain]\nname = \"api.example.com\"\ncertificate_arn = \"arn:aws:acm:eu-west-1:123456789012:certificate/1234\"\n",
            "tapgen.toml:9:19 (key `api.domain.certificate_arn`)",
            "certificate of another region",
            &[
                "is in region `eu-west-1`, but environment `dev` runs in `us-east-1`",
                "an ACM certificate of region `us-east-1`",
            ],
        ),
        Case {
            whole: Some(format!(
                "[project]\nname = \"tap\"\nregion = \"us-east-1\"\n\n[env.dev]\n[env.prod]\nregion = \"eu-west-1\"\n{}",
                with_certificate("api.example.com")
            )),
            ..domain(
                "",
                "tapgen.toml:10:19 (key `api.domain.certificate_arn`)",
                "overlaid region without its own certificate",
                &[
                    "but environment `prod` runs in `eu-west-1`",
                    "overlay the ARN there too",
                ],
            )
        },
        domain(
            "[api.domain]\nname = \"api.example.com\"\ncertificate_arn = \"arn:aws:kms:us-east-1:123456789012:key/1234\"\n",
            "tapgen.toml:9:19 (key `api.domain.certificate_arn`)",
            "not an ACM ARN",
            &["is not an ACM certificate ARN", "arn:aws:acm:"],
        ),
        domain(
            "[api.domain]\nname = \"api.example.com\"\ncertificate_arn = \"arn:aws:acm:us-east-1:123456789012:key/1234\"\n",
            "tapgen.toml:9:19 (key `api.domain.certificate_arn`)",
            "ACM ARN of no certificate",
            &["is not an ACM certificate ARN"],
        ),
        domain(
            "[api.domain]\nname = \"api.example.com\"\ncertificate_arn = \"arn:aws-cn:acm:cn-north-1:123456789012:certificate/1234\"\n",
            "tapgen.toml:9:19 (key `api.domain.certificate_arn`)",
            "certificate of another partition",
            &["is in the `aws-cn` partition"],
        ),
        domain(
            "[api.domain]\nname = \"api.example.com\"\n",
            "tapgen.toml:8:8 (key `api.domain.name`)",
            "name without certificate",
            &["`api.domain.name` is set, but `api.domain.certificate_arn`, which it needs, is not"],
        ),
        domain(
            &format!("[api.domain]\ncertificate_arn = \"{CERTIFICATE}\"\n"),
            "tapgen.toml:8:19 (key `api.domain.certificate_arn`)",
            "certificate without name",
            &["`api.domain.certificate_arn` is set, but `api.domain.name`, which it needs, is not"],
        ),
        domain(
            &format!(
                "{}zone_id = \"z0123abc\"\n",
                with_certificate("api.example.com")
            ),
            "tapgen.toml:10:11 (key `api.domain.zone_id`)",
            "lowercase zone id",
            &[
                "Route 53 hosted zone id `z0123abc` is not valid",
                "uppercase letters and digits",
            ],
        ),
        domain(
            &format!(
                "{}base_path = \"v1/orders\"\n",
                with_certificate("api.example.com")
            ),
            "tapgen.toml:10:13 (key `api.domain.base_path`)",
            "base path with a slash",
            &["base path `v1/orders` is not valid", "without slashes"],
        ),
        domain(
            "[env.dev.api.domain]\nname = \"Bad.example.com\"\n",
            "tapgen.toml:8:8 (key `env.dev.api.domain.name`)",
            "bad name in an overlay",
            &["DNS name `Bad.example.com` is not valid"],
        ),
    ]
}

#[test]
fn each_bad_domain_is_refused_at_its_line_and_key_and_nothing_is_written() {
    for case in cases() {
        let project = Project::with_config(&config(""));
        project
            .tapgen()
            .args(["terraform", "--all"])
            .assert()
            .success();
        let text = case.whole.clone().unwrap_or_else(|| config(&case.extra));
        project.write("tapgen.toml", text.as_bytes());
        let name = case.name;
        let stderr = project
            .refuses_with(2, name, project.tapgen().args(["terraform", "--all"]))
            .stderr;
        assert!(
            stderr.contains(case.at),
            "{name}: not at `{}`:\n{stderr}",
            case.at
        );
        for expected in case.expect {
            assert!(
                stderr.contains(expected),
                "{name}: no `{expected}`:\n{stderr}"
            );
        }
        assert!(stderr.contains("= help:"), "{name}: no help:\n{stderr}");
    }
}
