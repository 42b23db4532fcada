//! A value tapgen refuses because it looks like a secret is never printed back: the source
//! line under the caret shows it masked, and no message, help or other diagnostic of the
//! same run holds it, so that refusing a secret does not leak it into a terminal or CI log.
//! Where it is (file, line, column, key) still shows.

use crate::support::Project;

const PROJECT: &str = "[project]\nname = \"tap\"\n";

/// `tapgen terraform --all` on `config`: exit 2, nothing written; returns stdout and stderr.
fn refused(config: &str) -> (String, String) {
    let project = Project::with_config(config);
    let refusal = project.refuses(&["terraform", "--all"]);
    (refusal.stdout, refusal.stderr)
}

/// Neither stream holds `secret`, nor a long piece of it (a message shows at most the first
/// 40 characters of a value: such a prefix is as much a leak).
fn assert_hidden(secret: &str, stdout: &str, stderr: &str) {
    let piece: String = secret.chars().take(12).collect();
    for (name, text) in [("stdout", stdout), ("stderr", stderr)] {
        assert!(!text.contains(secret), "{name} holds the secret:\n{text}");
        assert!(
            !text.contains(&piece),
            "{name} holds a piece of the secret (`{piece}`):\n{text}"
        );
    }
}

#[test]
fn a_secret_in_a_tag_value_is_masked_in_the_source_line_and_its_place_still_shows() {
    let secret = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJl";
    let (stdout, stderr) = refused(&format!("{PROJECT}[tags]\nBuild = \"{secret}\"\n"));
    assert_hidden(secret, &stdout, &stderr);
    assert_eq!(
        stderr,
        "\
error: tag `Build` looks like it holds a JSON Web Token
 --> tapgen.toml:4:9 (key `tags.Build`)
  |
4 | Build = \"**************************************************\"
  |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = help: store it in SSM Parameter Store or Secrets Manager and pass its ARN instead: generated files and Terraform state keep it in plain text
"
    );
}

#[test]
fn a_secret_in_a_lambda_environment_variable_is_masked_in_the_source_line_and_its_place_still_shows()
 {
    let secret = "postgres://app:s3cr3t-pass@db.internal:5432/orders";
    let (stdout, stderr) = refused(&format!(
        "{PROJECT}[lambda.environment]\nDATABASE = \"{secret}\"\n"
    ));
    assert_hidden(secret, &stdout, &stderr);
    assert_eq!(
        stderr,
        "\
error: environment variable `DATABASE` looks like it holds a URL with a password
 --> tapgen.toml:4:12 (key `lambda.environment.DATABASE`)
  |
4 | DATABASE = \"**************************************************\"
  |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = help: store it in SSM Parameter Store or Secrets Manager and pass its ARN instead: generated files and Terraform state keep it in plain text
"
    );
}

/// A variable refused for its name and for its value: both diagnostics show the same line,
/// and both mask it.
#[test]
fn every_diagnostic_on_the_line_of_a_secret_masks_it_not_only_the_secret_one() {
    let secret = "hunter2-correct-horse";
    let (stdout, stderr) = refused(&format!(
        "{PROJECT}[lambda.environment]\nAWS_DB_PASSWORD = \"{secret}\"\n"
    ));
    assert_hidden(secret, &stdout, &stderr);
    assert!(
        stderr.contains("error: environment variable `AWS_DB_PASSWORD` is reserved\n"),
        "{stderr}"
    );
    assert_eq!(
        stderr
            .matches("4 | AWS_DB_PASSWORD = \"*********************\"\n")
            .count(),
        2,
        "{stderr}"
    );
}

/// In an inline table, only the secret is masked: the other values on its line still show.
#[test]
fn a_secret_in_an_inline_table_is_masked_alone() {
    let secret = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    let (stdout, stderr) = refused(&format!(
        "tags = {{ Team = \"api\", Ci = \"{secret}\" }}\n{PROJECT}"
    ));
    assert_hidden(secret, &stdout, &stderr);
    assert!(
        stderr.contains(&format!(
            "1 | tags = {{ Team = \"api\", Ci = \"{}\" }}\n",
            "*".repeat(secret.len())
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(" --> tapgen.toml:1:29 (key `tags.Ci`)"),
        "{stderr}"
    );
}

/// A credential in an address is refused as one, and the other problems of the same value
/// (here, a module source that is not where the module is published, whose message quotes
/// the source) do not echo it either.
#[test]
fn a_credential_in_an_address_is_masked_in_every_message_that_quotes_the_address() {
    let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    let (stdout, stderr) = refused(&format!(
        "[project]\nname = \"tap\"\n[module]\nsource = \"registry.example.com/{token}/api/aws\"\n"
    ));
    assert_hidden(token, &stdout, &stderr);
    assert!(
        stderr.contains("error: `module.source` looks like it holds a GitHub token"),
        "{stderr}"
    );
    assert!(stderr.contains("error: module source `****"), "{stderr}");
    assert!(
        stderr.contains(" --> tapgen.toml:4:10 (key `module.source`)"),
        "{stderr}"
    );
}

/// A value escaped in the file (`\u0041` for `A`) is masked where it is written, escapes and
/// all, though its text differs from what the file says.
#[test]
fn a_secret_written_with_escapes_is_masked_as_written() {
    let (stdout, stderr) = refused(&format!(
        "{PROJECT}[lambda.environment]\nKEY = \"AKIA\\u0049OSFODNN7EXAMPLE\"\n"
    ));
    assert_hidden("AKIAIOSFODNN7EXAMPLE", &stdout, &stderr);
    assert_hidden("OSFODNN7EXAMPLE", &stdout, &stderr);
    assert!(
        stderr.contains(&format!("4 | KEY = \"{}\"\n", "*".repeat(25))),
        "{stderr}"
    );
}

/// `publish.oci` and `publish.registry` are printed in the README's usage snippet as
/// `publish.git` and `module.source` are: a credential in one is refused, and masked.
#[test]
fn a_credential_in_a_published_oci_or_registry_address_is_refused_and_masked() {
    let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    for (key, address) in [
        ("oci", format!("registry.example.com/acme/{token}")),
        ("registry", format!("registry.example.com/{token}")),
    ] {
        let (stdout, stderr) = refused(&format!("{PROJECT}[publish]\n{key} = \"{address}\"\n"));
        assert_hidden(token, &stdout, &stderr);
        assert!(
            stderr.contains(&format!(
                "error: `publish.{key}` looks like it holds a GitHub token"
            )),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!(" (key `publish.{key}`)")),
            "{stderr}"
        );
    }
}
