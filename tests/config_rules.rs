//! What the user writes is what AWS gets, and every problem is reported at once, located:
//! Unicode normalization, whole SemVer versions, registry addresses, regions per partition,
//! AWS's tag and environment-variable limits, credentials, file order, full key paths, and
//! messages in the user's terms.

use crate::support::Project;

/// The output of a refused run.
struct Refusal {
    stderr: String,
}

impl Refusal {
    fn contains(&self, text: &str) -> &Self {
        assert!(
            self.stderr.contains(text),
            "`{text}` missing from\n{}",
            self.stderr
        );
        self
    }

    fn lacks(&self, text: &str) -> &Self {
        assert!(
            !self.stderr.contains(text),
            "`{text}` should not be in\n{}",
            self.stderr
        );
        self
    }

    /// The `--> file:line:col` lines, in the order printed.
    fn locations(&self) -> Vec<(usize, usize)> {
        self.stderr
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix("--> tapgen.toml:"))
            .map(|rest| {
                let mut numbers = rest.split([':', ' ']).map(|n| n.parse().unwrap_or(0));
                (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0))
            })
            .collect()
    }

    fn errors(&self) -> usize {
        self.locations().len()
    }
}

/// Runs `tapgen terraform --all` on `config`; it must exit 2, write nothing, and render
/// every error as `tapgen.toml:LINE:COL (key `full.path`)` followed by a help line.
fn refused(config: &str) -> Refusal {
    run_refused(config, true)
}

/// Like [`refused`], for a syntax error, which has a place but no key.
fn refused_syntax(config: &str) -> Refusal {
    run_refused(config, false)
}

fn run_refused(config: &str, keyed: bool) -> Refusal {
    let project = Project::with_config(config);
    let stderr = project.refuses(&["terraform", "--all"]).stderr;
    let blocks: Vec<&str> = stderr
        .split("error: ")
        .filter(|block| !block.trim().is_empty() && !block.starts_with("could not use"))
        .collect();
    assert!(!blocks.is_empty(), "no error\n{stderr}");
    for block in blocks {
        let located = block.lines().any(|line| {
            line.trim_start()
                .strip_prefix("--> tapgen.toml:")
                .is_some_and(|rest| {
                    let mut parts = rest.splitn(3, [':', ' ']);
                    let line_ok = parts.next().is_some_and(|n| n.parse::<usize>().is_ok());
                    let col_ok = parts.next().is_some_and(|n| n.parse::<usize>().is_ok());
                    let key_ok = !keyed || (rest.contains(" (key `") && rest.ends_with("`)"));
                    line_ok && col_ok && key_ok
                })
        });
        assert!(located, "error without file:line:col and key:\n{block}");
        assert!(block.contains("= help: "), "error without help:\n{block}");
    }
    Refusal { stderr }
}

/// Runs `tapgen terraform --all` on `config`; it must succeed. Returns the project.
fn accepted(config: &str) -> Project {
    let project = Project::with_config(config);
    let output = project
        .tapgen()
        .args(["terraform", "--all"])
        .output()
        .expect("run tapgen");
    assert!(
        output.status.success(),
        "refused:\n{}\n{}",
        config,
        String::from_utf8_lossy(&output.stderr)
    );
    project
}

const PROJECT: &str = "[project]\nname = \"tap\"\n";

// ---- What the user writes is what AWS gets ----------------------------------------------

#[test]
fn tag_keys_equal_under_nfc_are_refused_naming_both_and_the_form_to_write() {
    refused(&format!(
        "{PROJECT}[tags]\n\"\\u212B\" = \"angstrom sign\"\n\"\\u00C5\" = \"a with ring\"\n"
    ))
    .contains("tapgen.toml:4:1 (key `tags.\"\\u212B\"`)")
    .contains("not in Unicode normalization form C")
    .contains("would change it to `\"\\u00C5\"`")
    .contains("the same key as the one on line 5")
    .contains("write `\"\\u00C5\"` once");
}

#[test]
fn values_that_are_not_nfc_are_refused_with_the_nfc_form() {
    let refusal = refused(&format!(
        "{PROJECT}[tags]\nOwner = \"Rene\\u0301\"\n[lambda.environment]\nGREETING = \"cafe\\u0301\"\n[env.prod]\ntags = {{ Team = \"A\\u030A\" }}\n"
    ));
    refusal
        .contains("tapgen.toml:4:9 (key `tags.Owner`)")
        .contains("from `\"Rene\\u0301\"` to `\"Ren\\u00E9\"`")
        .contains("write `\"Ren\\u00E9\"` (`René`) instead")
        .contains("(key `lambda.environment.GREETING`)")
        .contains("(key `env.prod.tags.Team`)")
        .contains("\"\\u00C5\"");
    assert_eq!(refusal.errors(), 3);
}

#[test]
fn strings_already_in_nfc_are_accepted_as_written() {
    let project = accepted(&format!(
        "{PROJECT}[tags]\nOwner = \"René\"\n\"Équipe\" = \"Café\"\n"
    ));
    let main = project.read("envs/dev/main.tf");
    assert!(main.contains("René") && main.contains("Café"), "{main}");
}

#[test]
fn module_version_must_be_a_whole_semver_version() {
    let injection = "1.0.0-\\n```\\n<img src=x onerror=alert(1)>";
    refused(&format!("{PROJECT}[module]\nversion = \"{injection}\"\n"))
        .contains("tapgen.toml:4:11 (key `module.version`)")
        .contains("is not a semantic version")
        // The value is shown escaped, on the message's own line, and cut short.
        .contains("`1.0.0-\\n```\\n<img")
        .lacks("\n```\n<img");
    for bad in [
        "1.0.0-01",
        "1.0.0+",
        "1.0.0-rc..1",
        "1.0.0 ",
        "v1.0.0",
        "1.0",
    ] {
        refused(&format!("{PROJECT}[module]\nversion = \"{bad}\"\n"))
            .contains("is not a semantic version");
    }
    let project = accepted(&format!(
        "{PROJECT}[module]\nversion = \"1.3.0-rc.1+build.5\"\n"
    ));
    let readme = project.read("modules/serverless-api/README.md");
    assert!(readme.contains("version `1.3.0-rc.1+build.5`"), "{readme}");
}

#[test]
fn registry_sources_that_terraform_rejects_are_refused() {
    for (source, reason) in [
        (
            "github.com/acme/x",
            "`github.com` is a version-control host",
        ),
        ("acme/server.less/aws", "module name `server.less`"),
        ("localhost/acme/x/aws", "must contain a dot"),
        ("example.com/acme/x", "looks like a host name"),
        ("acme/x/AWS", "target system `AWS`"),
        ("acme-/x/aws", "namespace `acme-`"),
    ] {
        refused(&format!("{PROJECT}[module]\nsource = \"{source}\"\n"))
            .contains("tapgen.toml:4:10 (key `module.source`)")
            .contains("is not a module registry address")
            .contains(reason);
    }
    let project = accepted(&format!(
        "{PROJECT}[module]\nsource = \"registry.example.com:8443/tap/serverless-api/aws\"\nversion = \"1.2.0\"\n"
    ));
    let main = project.read("envs/dev/main.tf");
    assert!(
        main.contains("registry.example.com:8443/tap/serverless-api/aws"),
        "{main}"
    );
}

#[test]
fn a_default_namespace_that_breaks_the_registry_grammar_is_refused_at_the_project_name() {
    refused("[project]\nname = \"tap-\"\n")
        .contains("tapgen.toml:2:8 (key `project.name`)")
        .contains("module namespace (by default the project name, lowercased) `tap-`");
    accepted("[project]\nname = \"tap-\"\n[module]\nnamespace = \"acme\"\n");
}

#[test]
fn unknown_regions_are_refused_with_a_suggestion() {
    refused(&format!("{PROJECT}region = \"us-east-9\"\n"))
        .contains("`us-east-9` is not an AWS region")
        .contains("tapgen.toml:3:10 (key `project.region`)")
        .contains("use `us-east-1`, the closest known region");
    refused(&format!("{PROJECT}[env.prod]\nregion = \"mars-1\"\n"))
        .contains("`mars-1` is not an AWS region")
        .contains("(key `env.prod.region`)")
        .contains("`eu-west-1`");
    refused(&format!(
        "{PROJECT}[backend]\nbucket = \"tap-state\"\nregion = \"eu-wset-1\"\n"
    ))
    .contains("(key `backend.region`)")
    .contains("use `eu-west-1`, the closest known region");
    refused(&format!("{PROJECT}region = \"ap-southeast-6\"\n"))
        .contains("newer than the aws provider 5.100");
}

#[test]
fn regions_of_every_partition_are_accepted_and_arns_must_match_the_partition() {
    accepted(&format!(
        "{PROJECT}[env.china]\nregion = \"cn-northwest-1\"\n[env.gov]\nregion = \"us-gov-west-1\"\n[env.eusc]\nregion = \"eusc-de-east-1\"\n[env.tpe]\nregion = \"ap-east-2\"\n"
    ));
    refused(&format!(
        "{PROJECT}[env.china]\nregion = \"cn-north-1\"\nalarms.sns_topic_arns = [\"arn:aws:sns:us-east-1:123456789012:alerts\"]\n"
    ))
    .contains("is in the `aws` partition, but environment `china` runs in `aws-cn`")
    .contains("(key `env.china.alarms.sns_topic_arns`)");
    refused(&format!(
        "{PROJECT}[alarms]\nsns_topic_arns = [\"arn:aws:sns:us-east-9:123456789012:alerts\"]\n"
    ))
    .contains("is not an SNS topic ARN");
}

#[test]
fn more_than_fifty_tags_on_a_resource_are_refused() {
    let tags = |n: usize| {
        (0..n)
            .map(|i| format!("Tag{i} = \"v\"\n"))
            .collect::<String>()
    };
    // 47 of the user's and the 3 tapgen sets make 50.
    accepted(&format!("{PROJECT}[tags]\n{}", tags(47)));
    refused(&format!("{PROJECT}[tags]\n{}", tags(48)))
        .contains("puts 51 tags on every resource, and AWS allows 50")
        .contains("tapgen.toml:3:1 (key `tags`)")
        .contains("keep at most 47");
    // The project's and an environment's tags count together, and only there.
    refused(&format!(
        "{PROJECT}[tags]\n{}[env.prod]\ntags = {{ Extra = \"x\" }}\n[env.dev]\n",
        tags(47)
    ))
    .contains("environment `prod` puts 51 tags")
    .contains("(key `env.prod.tags`)")
    .lacks("environment `dev`");
}

#[test]
fn tag_keys_that_iam_takes_for_one_are_refused() {
    refused(&format!(
        "{PROJECT}[tags]\nOwner = \"a\"\n[env.prod]\ntags = {{ owner = \"b\" }}\n"
    ))
    .contains("tag keys `Owner` and `owner` differ only in case, which IAM takes for the same key")
    .contains("(key `env.prod.tags.owner`)");
    refused(&format!("{PROJECT}[tags]\nproject = \"x\"\n"))
        .contains("tag `project` is set by tapgen on every resource")
        .contains("IAM ignores the case of tag keys");
}

#[test]
fn environment_variables_over_4_kb_as_lambda_measures_them_are_refused() {
    // Names and values alone are 4081 bytes; as the JSON object Lambda measures, with the
    // variables tapgen adds, they are over 4096.
    let value = "x".repeat(4080);
    refused(&format!("{PROJECT}[lambda.environment]\nV = \"{value}\"\n"))
        .contains("take 4141 bytes as Lambda measures them, and Lambda allows 4096")
        .contains("(key `lambda.environment`)")
        .contains("`LOG_BUCKET_NAME` and `ENVIRONMENT` tapgen adds");
    let value = "x".repeat(4000);
    accepted(&format!("{PROJECT}[lambda.environment]\nV = \"{value}\"\n"));
}

// ---- Every error at once, each located -------------------------------------------------

#[test]
fn unknown_keys_type_errors_and_rule_errors_are_all_reported_in_file_order() {
    let config = "[project]\nname = \"tap\"\nzone = \"x\"\n[lambda]\nmemory_mb = \"big\"\nruntime = \"python3.9\"\n[alarms]\nperiod_s = \"five\"\nthreshold = 3\n[api]\nstage = \"v1\"\nthrottling_rate_limit = 20000\n";
    let refusal = refused(config);
    let lines: Vec<usize> = refusal.locations().iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, vec![3, 5, 6, 8, 9, 11, 12], "{}", refusal.stderr);
    refusal
        .contains("unknown key `zone`")
        .contains("`memory_mb` must be a whole number from 128 to 10240")
        .contains("runtime `python3.9` is deprecated")
        .contains("`period_s` must be a whole number")
        .contains("unknown key `threshold`")
        .contains("unknown key `stage`")
        .contains("rename it to `stage_name`, the closest allowed key")
        .contains("above API Gateway's account limit")
        .contains("due to 7 previous errors");
}

#[test]
fn a_bad_project_region_is_reported_once_at_its_line_under_its_full_key() {
    let refusal = refused(&format!(
        "{PROJECT}region = \"eu-west-9\"\n[env.dev]\n[env.staging]\n[env.prod]\n"
    ));
    refusal
        .contains("tapgen.toml:3:10 (key `project.region`)")
        .lacks("(key `region`)");
    assert_eq!(refusal.errors(), 1, "{}", refusal.stderr);
}

#[test]
fn an_inherited_mistake_is_reported_once_where_it_is_written() {
    let value = "x".repeat(4080);
    let refusal = refused(&format!(
        "{PROJECT}[lambda]\nruntime = \"python3.9\"\nenvironment = {{ V = \"{value}\" }}\n[tags]\nProject = \"x\"\n[env.dev]\n[env.staging]\n[env.prod]\nlambda.runtime = \"python3.8\"\n"
    ));
    // The project-wide runtime, size and tag once each; prod's own runtime at its line.
    assert_eq!(refusal.errors(), 4, "{}", refusal.stderr);
    refusal
        .contains("tapgen.toml:4:11 (key `lambda.runtime`)")
        .contains("(key `lambda.environment`)")
        .contains("(key `tags.Project`)")
        .contains("tapgen.toml:11:18 (key `env.prod.lambda.runtime`)")
        .lacks("env.dev.lambda")
        .lacks("env.staging");
}

#[test]
fn errors_about_defaults_and_derived_names_point_at_a_written_line() {
    // No `[lambda]` table: the missing default handler file is reported at `[project]`,
    // once, although three environments need it.
    let project = Project::new();
    std::fs::remove_file(project.path().join("lambda/handler.py")).expect("remove handler");
    project.write(
        "tapgen.toml",
        format!("{PROJECT}[env.dev]\n[env.staging]\n[env.prod]\n").as_bytes(),
    );
    let output = project
        .tapgen()
        .args(["terraform", "--all"])
        .output()
        .expect("run tapgen");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("tapgen.toml:1:1 (key `lambda.handler`)"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("--> ").count(), 1, "{stderr}");
}

#[test]
fn errors_are_worded_in_the_users_terms() {
    refused("[project]\nname = 1979-05-27\n")
        .contains("`name` must be a string, but is a date-time, `1979-05-27`")
        .contains("write it in quotes: `name = \"1979-05-27\"`")
        .lacks("invalid type")
        .lacks("map");
    refused(&format!("{PROJECT}[env]\nprod = 5\n"))
        .contains("`prod` must be a table, but is the number `5`")
        .contains("(key `env.prod`)")
        .contains("write it as a table, `[env.prod]`")
        .lacks("struct")
        .lacks("EnvOverlay");
    refused(&format!("{PROJECT}[[lambda]]\nmemory_mb = 256\n"))
        .contains("`lambda` must be a table, but is an array of tables (`[[...]]`)");
    refused(&format!("{PROJECT}[env.prod]\nmemory_mb = 512\n"))
        .contains("unknown key `memory_mb`")
        .contains("move it into `[lambda]` or `[env.prod.lambda]`, where `memory_mb` belongs");
    refused(&format!(
        "{PROJECT}[env.prod.module]\nversion = \"1.0.0\"\n"
    ))
    .contains("write it as the top-level table `[module]`");
    refused("[project]\nregion = \"us-east-1\"\n")
        .contains("`name` is missing from `[project]`")
        .contains("tapgen.toml:1:1 (key `project.name`)")
        .lacks("missing field");
    refused_syntax(&format!(
        "{PROJECT}[lambda]\nmemory_mb = 256\nmemory_mb = 512\n"
    ))
    .contains("key `lambda.memory_mb` is set twice")
    .contains("tapgen.toml:5:1");
    let deep = "a.".repeat(300);
    refused_syntax(&format!("{PROJECT}[tags]\n{deep}b = 1\n"))
        .contains("values are nested too deeply")
        .contains("tapgen.toml:4:1")
        .lacks("recursion");
}

// ---- Secrets ----------------------------------------------------------------------------

#[test]
fn realistic_secrets_are_refused_by_shape() {
    for (value, kind) in [
        (
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "a JSON Web Token",
        ),
        (
            "postgres://user:password@db.example.com/db",
            "a URL with a password",
        ),
        (
            "mysql://admin:Zp9-x@10.0.0.5:3306/orders",
            "a URL with a password",
        ),
        ("4f9a1c3e8b2d7f6a5c4e3b2a1d0f9e8c", "a hex-encoded key"),
        ("sk_live_51HqLyjWDarjtT1zdp7dc", "a Stripe secret key"),
        ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "a GitHub token"),
        ("xoxb-2048-4096-abcdefghijklmnopqrstuvwx", "a Slack token"),
        (
            "aws_secret_access_key:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "an AWS secret access key",
        ),
        ("AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
    ] {
        refused(&format!(
            "{PROJECT}[lambda.environment]\nCONFIG = \"{value}\"\n"
        ))
        .contains(&format!(
            "environment variable `CONFIG` looks like it holds {kind}"
        ))
        .contains("tapgen.toml:4:10 (key `lambda.environment.CONFIG`)")
        .contains("Secrets Manager");
    }
    refused(&format!(
        "{PROJECT}[tags]\nBuild = \"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJl\"\n"
    ))
    .contains("tag `Build` looks like it holds a JSON Web Token")
    .contains("(key `tags.Build`)");
}

#[test]
fn variables_named_like_secrets_must_hold_a_reference_not_the_secret() {
    for name in ["DB_PASSWORD", "CLIENT_SECRET", "API_TOKEN", "smtp_passwd"] {
        refused(&format!(
            "{PROJECT}[lambda.environment]\n{name} = \"hunter2\"\n"
        ))
        .contains(&format!("environment variable `{name}` is named like a"))
        .contains("written out in plain text")
        .contains(&format!("(key `lambda.environment.{name}`)"))
        .contains("pass its ARN (or the parameter's path");
    }
}

#[test]
fn look_alikes_of_secrets_and_references_are_accepted() {
    accepted(&format!(
        "{PROJECT}[lambda.environment]\n\
         DB_PASSWORD = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:tap/db-AbCdEf\"\n\
         API_TOKEN = \"/tap/prod/api-token\"\n\
         TOKEN_TTL = \"3600\"\n\
         TOKEN_URL = \"https://auth.example.com/oauth/token\"\n\
         SECRET_NAME = \"tap/prod/db\"\n\
         CALLBACK = \"https://api.example.com/v1/callback\"\n\
         DB_URL = \"postgres://app@db.example.com:5432/orders\"\n\
         REQUEST_ID = \"3f2504e0-4f89-11d3-9a0c-0305e82c3301\"\n\
         GIT_SHA = \"4f9a1c3e8b2d7f6a5c4e3b2a1d0f9e8c7b6a5d4c\"\n\
         STRIPE_MODE = \"sk_live_\"\n\
         GREETING = \"hello world\"\n\
         FLAG = \"this-is-a-rather-long-feature-flag-name-for-staging\"\n\
         VERSION = \"1.2.3\"\n"
    ));
}
