//! Each bad config: exit 2, a message naming the file, the line and the key, saying what is
//! allowed, and the previous output left exactly as it was.

use crate::support::Project;

struct Case {
    name: &'static str,
    /// The whole config file.
    config: String,
    /// `tapgen.toml:LINE:` must appear, for errors tied to a line.
    line: Option<usize>,
    /// Substrings the message must hold: the key and what is allowed.
    expect: Vec<&'static str>,
}

const BASE: &str = "[project]\nname = \"tap\"\n";

fn case(name: &'static str, extra: &str, line: usize, expect: &[&'static str]) -> Case {
    Case {
        name,
        config: format!("{BASE}{extra}"),
        line: Some(line),
        expect: expect.to_vec(),
    }
}

fn whole(name: &'static str, config: &str, line: Option<usize>, expect: &[&'static str]) -> Case {
    Case {
        name,
        config: config.to_owned(),
        line,
        expect: expect.to_vec(),
    }
}

fn cases() -> Vec<Case> {
    let long_tag_value = format!("[tags]\nOwner = \"{}\"\n", "x".repeat(300));
    let long_tag_key = format!("[tags]\n{} = \"x\"\n", "k".repeat(200));
    vec![
        whole(
            "syntax error",
            "[project\nname = \"tap\"\n",
            Some(1),
            &["invalid TOML", "help:"],
        ),
        whole(
            "empty file",
            "",
            Some(1),
            &["the `[project]` table is missing"],
        ),
        whole(
            "missing project name",
            "[project]\nregion = \"us-east-1\"\n",
            Some(1),
            &["`name` is missing from `[project]`", "project.name"],
        ),
        case(
            "wrong type",
            "[lambda]\nmemory_mb = \"big\"\n",
            4,
            &[
                "`memory_mb` must be a whole number from 128 to 10240",
                "the string `\"big\"`",
            ],
        ),
        case(
            "negative number",
            "[lambda]\nmemory_mb = -5\n",
            4,
            &["memory_mb"],
        ),
        case(
            "unknown section",
            "[lambdas]\nmemory_mb = 128\n",
            3,
            &["unknown key `lambdas`", "rename it to `lambda`"],
        ),
        case(
            "unknown key",
            "[lambda]\nmemroy_mb = 128\n",
            4,
            &["unknown key `memroy_mb`", "rename it to `memory_mb`"],
        ),
        case(
            "unknown key in an environment",
            "[env.prod]\nlambda.timeout = 5\n",
            4,
            &[
                "unknown key `timeout`",
                "env.prod.lambda.timeout",
                "rename it to `timeout_s`",
            ],
        ),
        case(
            "wrong enum variant",
            "[bucket]\nencryption = \"aes256\"\n",
            4,
            &[
                "`encryption` must be one of `AES256`, `aws:kms`, not `aes256`",
                "use `AES256`, the closest allowed value",
            ],
        ),
        case(
            "authorization variant",
            "[api]\nauthorization = \"IAM\"\n",
            4,
            &["not `IAM`", "`AWS_IAM`"],
        ),
        whole(
            "project name with underscore",
            "[project]\nname = \"tap_api\"\n",
            Some(2),
            &["project name `tap_api`", "letters, digits and hyphens"],
        ),
        whole(
            "project name too long",
            &format!("[project]\nname = \"{}\"\n", "a".repeat(60)),
            Some(2),
            &["log bucket name", "3 to 63"],
        ),
        whole(
            "huge value",
            &format!("[project]\nname = \"{}\"\n", "a".repeat(100_000)),
            Some(2),
            &["project.name", "too long"],
        ),
        case(
            "uppercase environment",
            "[env.Prod]\n",
            3,
            &["environment name `Prod`", "lowercase letters"],
        ),
        case(
            "environment ending in a hyphen",
            "[env.dev-]\n",
            3,
            &["environment name `dev-`"],
        ),
        case(
            "memory too low",
            "[lambda]\nmemory_mb = 64\n",
            4,
            &[
                "`memory_mb` is `64`, below the minimum of 128",
                "128 to 10240",
            ],
        ),
        case(
            "memory too high",
            "[lambda]\nmemory_mb = 20000\n",
            4,
            &["`memory_mb` is `20000`, above the maximum of 10240"],
        ),
        case(
            "timeout zero",
            "[lambda]\ntimeout_s = 0\n",
            4,
            &["`timeout_s` is `0`, below the minimum of 1", "1 to 900"],
        ),
        case(
            "timeout too long",
            "[env.prod]\nlambda.timeout_s = 901\n",
            4,
            &["`timeout_s` is `901`", "env.prod.lambda.timeout_s"],
        ),
        case(
            "deprecated runtime",
            "[lambda]\nruntime = \"python3.9\"\n",
            4,
            &["deprecated", "python3.12"],
        ),
        case(
            "unsupported runtime",
            "[lambda]\nruntime = \"nodejs20.x\"\n",
            4,
            &["not a supported Python runtime", "python3.13"],
        ),
        case(
            "handler without function",
            "[lambda]\nhandler = \"handler\"\n",
            4,
            &["module.function"],
        ),
        case(
            "handler file missing",
            "[lambda]\nhandler = \"app.main\"\n",
            4,
            &["app.py", "does not exist"],
        ),
        case(
            "missing source folder",
            "[lambda]\nsource_dir = \"src/fn\"\n",
            4,
            &["src/fn", "does not exist", "tapgen init"],
        ),
        case(
            "reserved concurrency zero",
            "[lambda]\nreserved_concurrency = 0\n",
            4,
            &[
                "`reserved_concurrency` is `0`, below the minimum of 1",
                "use a value of at least 1",
            ],
        ),
        case(
            "retention not accepted",
            "[logs]\nretention_days = 42\n",
            4,
            &[
                "`retention_days` is `42`",
                "use `30`, the closest allowed value",
            ],
        ),
        case(
            "log key not an ARN",
            "[logs]\nkms_key_arn = \"alias/logs\"\n",
            4,
            &["not a KMS key ARN"],
        ),
        case(
            "kms key with AES256",
            "[bucket]\nkms_key_arn = \"arn:aws:kms:us-east-1:123456789012:key/abc\"\n",
            4,
            &["encryption = \"aws:kms\"", "kms_key_arn"],
        ),
        case(
            "expiration zero",
            "[bucket]\nexpiration_days = 0\n",
            4,
            &["`expiration_days` is `0`, below the minimum of 1"],
        ),
        case(
            "alarm period",
            "[alarms]\nperiod_s = 45\n",
            4,
            &["`period_s` is `45`", "multiple of 60"],
        ),
        case(
            "no evaluation periods",
            "[alarms]\nevaluation_periods = 0\n",
            4,
            &["`evaluation_periods` is `0`, below the minimum of 1"],
        ),
        case(
            "duration above timeout",
            "[alarms]\nlambda_duration_p99_ms = 60000\n",
            4,
            &["could never fire"],
        ),
        case(
            "SNS ARN",
            "[alarms]\nsns_topic_arns = [\"alerts\"]\n",
            4,
            &["`alerts` is not an SNS topic ARN"],
        ),
        case(
            "reserved tag prefix",
            "[tags]\n\"aws:owner\" = \"me\"\n",
            4,
            &["reserved `aws:` prefix"],
        ),
        case(
            "tag managed by tapgen",
            "[tags]\nProject = \"x\"\n",
            4,
            &["tag `Project` is set by tapgen"],
        ),
        case(
            "tag value too long",
            &long_tag_value,
            4,
            &["value of tag `Owner`", "at most 256"],
        ),
        case(
            "tag key too long",
            &long_tag_key,
            4,
            &["is not valid", "1 to 128"],
        ),
        case(
            "reserved environment variable",
            "[lambda]\nenvironment = { AWS_REGION = \"x\" }\n",
            4,
            &["`AWS_REGION` is reserved"],
        ),
        case(
            "invalid environment variable name",
            "[lambda]\nenvironment = { \"1ABC\" = \"x\" }\n",
            4,
            &["name `1ABC` is not valid"],
        ),
        case(
            "access key in environment",
            "[lambda]\nenvironment = { KEY = \"AKIAIOSFODNN7EXAMPLE\" }\n",
            4,
            &["AWS access key id", "Secrets Manager"],
        ),
        case(
            "private key in environment",
            "[lambda]\nenvironment = { TLS = \"-----BEGIN PRIVATE KEY-----\\nMIIB\\n-----END PRIVATE KEY-----\" }\n",
            4,
            &["a private key"],
        ),
        case(
            "token in environment",
            "[lambda]\nenvironment = { API_TOKEN = \"ghp_8fK2mQ9xLr4TzW7vYb1NcE5hJ3uA6sD0pG2i\" }\n",
            4,
            &["a GitHub token", "SSM Parameter Store"],
        ),
        case(
            "module version",
            "[module]\nversion = \"1.0\"\n",
            4,
            &["is not a semantic version"],
        ),
        case(
            "module source",
            "[module]\nsource = \"../modules/x\"\n",
            4,
            &["is not a module registry address"],
        ),
        case(
            "module namespace too long for a registry",
            &format!("[module]\nnamespace = \"{}\"\n", "a".repeat(65)),
            4,
            &["not a valid registry namespace", "1 to 64 letters"],
        ),
        case(
            "module version with an invalid pre-release",
            "[module]\nversion = \"1.2.3-b@d..x\"\n",
            4,
            &["is not a semantic version"],
        ),
        case(
            "module source naming another module",
            "[module]\nnamespace = \"acme\"\nsource = \"registry.example.com/other/serverless-api/aws\"\n",
            5,
            &[
                "publishes it as `acme/serverless-api/aws`",
                "module.namespace",
            ],
        ),
        case(
            "region",
            "[env.prod]\nregion = \"mars\"\n",
            4,
            &["`mars` is not an AWS region"],
        ),
        case(
            "backend without bucket",
            "[backend]\nkey = \"x/terraform.tfstate\"\n",
            3,
            &["`bucket` is missing from `[backend]`"],
        ),
        case(
            "stage name",
            "[api]\nstage_name = \"v 1\"\n",
            4,
            &["stage name `v 1` is not valid"],
        ),
        case(
            "throttling above account limit",
            "[api]\nthrottling_rate_limit = 20000\n",
            4,
            &["above API Gateway's account limit"],
        ),
    ]
}

fn assert_rejected(
    project: &Project,
    args: &[&str],
    line: Option<usize>,
    expect: &[&str],
    name: &str,
) {
    let stderr = project
        .refuses_with(2, &format!("case `{name}`"), project.tapgen().args(args))
        .stderr;
    assert!(stderr.contains("error:"), "case `{name}`:\n{stderr}");
    if let Some(line) = line {
        assert!(
            stderr.contains(&format!("tapgen.toml:{line}:")),
            "case `{name}`: no tapgen.toml:{line}:\n{stderr}"
        );
        assert!(stderr.contains("help:"), "case `{name}`: no help\n{stderr}");
    } else {
        assert!(
            stderr.contains("tapgen.toml"),
            "case `{name}`: file not named\n{stderr}"
        );
    }
    for expected in expect {
        assert!(
            stderr.contains(expected),
            "case `{name}`: `{expected}` missing from\n{stderr}"
        );
    }
}

#[test]
fn every_bad_config_is_rejected_with_file_line_key_and_help() {
    let cases = cases();
    assert!(cases.len() >= 30, "the issue asks for at least 30 cases");
    for case in cases {
        let project = Project::new();
        // Previous output that must survive untouched.
        project
            .tapgen()
            .args(["terraform", "--all"])
            .assert()
            .success();
        project.write("tapgen.toml", case.config.as_bytes());
        assert_rejected(
            &project,
            &["terraform", "--all"],
            case.line,
            &case.expect,
            case.name,
        );
    }
}

#[test]
fn non_utf8_config_is_rejected() {
    let project = Project::new();
    project.write("tapgen.toml", b"[project]\nname = \"t\xffp\"\n");
    assert_rejected(
        &project,
        &["terraform"],
        Some(2),
        &["not valid UTF-8"],
        "non-UTF-8",
    );
}

#[test]
fn config_that_is_a_directory_is_rejected() {
    let project = Project::new();
    std::fs::create_dir(project.path().join("conf")).unwrap();
    let stderr = project.refuses(&["--config", "conf", "terraform"]).stderr;
    assert!(
        stderr.contains("config `conf` is a directory")
            && stderr.contains("--config conf/tapgen.toml"),
        "{stderr}"
    );
}

#[test]
fn missing_config_file_is_rejected() {
    Project::new()
        .tapgen()
        .args(["--config", "nope.toml", "terraform"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("`nope.toml` does not exist"))
        .stderr(predicates::str::contains("tapgen init"));
}

#[test]
fn environment_that_does_not_exist_is_rejected_with_a_suggestion() {
    let project = Project::new();
    let stderr = project.refuses(&["terraform", "--env", "prd"]).stderr;
    assert!(
        stderr.contains("environment `prd` is not declared")
            && stderr.contains("use `prod`, the closest declared environment"),
        "{stderr}"
    );
}

#[test]
fn all_errors_are_reported_at_once() {
    let project = Project::with_config(
        "[project]\nname = \"tap\"\n[lambda]\nmemory_mb = 1\ntimeout_s = 0\n[logs]\nretention_days = 2\n",
    );
    project
        .tapgen()
        .arg("terraform")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("tapgen.toml:4:"))
        .stderr(predicates::str::contains("tapgen.toml:5:"))
        .stderr(predicates::str::contains("tapgen.toml:7:"))
        .stderr(predicates::str::contains("due to 3 previous errors"));
}

#[test]
fn credential_look_alikes_are_accepted() {
    let project = Project::with_config(
        "[project]\nname = \"tap\"\n[lambda.environment]\nDB_PASSWORD_ARN = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:tap/db-AbCdEf\"\nREQUEST_ID = \"3f2504e0-4f89-11d3-9a0c-0305e82c3301\"\nFLAG = \"this-is-a-rather-long-feature-flag-name-for-staging\"\n",
    );
    project.tapgen().arg("terraform").assert().success();
}
