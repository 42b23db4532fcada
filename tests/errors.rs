//! Whole messages, pinned: each test runs tapgen and compares all of stderr and stdout, so
//! that a change of wording, layout or help shows up here as a diff, not in a user's terminal.
//!
//! `Test::new().config("...").args(&[...]).stderr("...").status(2).run()` writes the config
//! into a fresh project (with the Lambda handler), runs tapgen there, and checks the exit
//! code, stdout, stderr and, for a failure, that no file changed. `[ROOT]` in an expected
//! text stands for the project's folder. `.lambda_package()` in place of `.args(...)` runs
//! the Lambda dependency engine on the project's `lambda/` folder instead, in process (no
//! command calls it yet), and pins what `tapgen` prints for its error.

use crate::support::{Project, repo};
use std::path::Path;

struct Test {
    project: Project,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// Run `tapgen::package::build_for` on `lambda/`, not the binary.
    lambda_package: bool,
    /// Always compared; the failures pinned here print nothing on stdout.
    stdout: String,
    stderr: String,
    status: i32,
}

impl Test {
    fn new() -> Self {
        Self {
            project: Project::new(),
            args: Vec::new(),
            env: Vec::new(),
            lambda_package: false,
            stdout: String::new(),
            stderr: String::new(),
            status: 0,
        }
    }

    /// The project's `tapgen.toml`.
    fn config(self, text: &str) -> Self {
        self.project.write("tapgen.toml", text.as_bytes());
        self
    }

    /// Changes the project before the run: renders it first, adds a link, and so on.
    fn setup(self, step: impl FnOnce(&Path)) -> Self {
        step(self.project.path());
        self
    }

    fn args(mut self, args: &[&str]) -> Self {
        self.args = args.iter().map(|a| (*a).to_owned()).collect();
        self
    }

    /// Builds the Lambda package of `lambda/` with its dependencies, for python3.12 on
    /// x86_64, with no installer, and a cache inside the project (which must stay as it was).
    fn lambda_package(mut self) -> Self {
        self.lambda_package = true;
        self
    }

    fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The whole of stderr, with or without its final newline.
    fn stderr(mut self, text: &str) -> Self {
        self.stderr = text.to_owned();
        self
    }

    fn status(mut self, code: i32) -> Self {
        self.status = code;
        self
    }

    fn run(self) {
        let before = self.project.snapshot();
        let root = self.project.path().display().to_string();
        let shown = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(&root, "[ROOT]");
        let (what, stdout, stderr, status) = if self.lambda_package {
            // What `tapgen` prints for an error: its report and a newline, on stderr.
            let (stderr, status) = match build_lambda_package(self.project.path()) {
                Ok(()) => (String::new(), 0),
                Err(error) => (format!("{}\n", error.render()), error.exit_code()),
            };
            let what = "`package::build_for(lambda/)`".to_owned();
            (what, String::new(), shown(stderr.as_bytes()), Some(status))
        } else {
            let mut command = self.project.tapgen();
            command.args(&self.args);
            for (name, value) in &self.env {
                command.env(name, value);
            }
            let output = command.output().expect("run tapgen");
            let what = format!("`tapgen {}`", self.args.join(" "));
            let (stdout, stderr) = (shown(&output.stdout), shown(&output.stderr));
            (what, stdout, stderr, output.status.code())
        };
        same(&what, "stderr", &self.stderr, &stderr);
        same(&what, "stdout", &self.stdout, &stdout);
        assert_eq!(status, Some(self.status), "{what}: exit code\n{stderr}");
        if self.status != 0 {
            assert_eq!(before, self.project.snapshot(), "{what} changed files");
        }
    }
}

/// The Lambda package of `root/lambda` with its dependencies; see [`Test::lambda_package`].
fn build_lambda_package(root: &Path) -> Result<(), tapgen::error::Error> {
    use tapgen::package::{Exclusions, Options, Target, Tools};
    let tools = Tools {
        cache_dir: Some(root.join(".tapgen-cache")),
        tools_dir: None,
        installer: None,
    };
    let options = Options {
        target: Target::parse("python3.12", "x86_64")?,
        layer: false,
        tools: &tools,
    };
    tapgen::package::build_for(&root.join("lambda"), &Exclusions::default(), &options).map(|_| ())
}

/// Fails with a line diff when `actual` is not `expected` (a final newline aside).
fn same(what: &str, stream: &str, expected: &str, actual: &str) {
    let (expected, actual) = (
        expected.trim_end_matches('\n'),
        actual.trim_end_matches('\n'),
    );
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected, actual);
        panic!(
            "{what}: {stream} differs (- expected, + actual):\n{}",
            diff.unified_diff().context_radius(3)
        );
    }
}

const PROJECT: &str = "[project]\nname = \"tap\"\n";

#[test]
fn readme_example_error_is_exactly_what_tapgen_prints() {
    // The example in the README, taken from the README itself: a config whose line 6 is the
    // line the example shows.
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    let example = readme
        .split("```text\n")
        .find(|block| block.starts_with("error: runtime `python3.9`"))
        .and_then(|block| block.split("```").next())
        .expect("the README shows the runtime error");
    Test::new()
        .config("[project]\nname = \"orders\"\nregion = \"us-east-1\"\n\n[lambda]\nruntime = \"python3.9\"\n")
        .args(&["terraform", "--env", "dev"])
        .stderr(example)
        .status(2)
        .run();
}

#[test]
fn unknown_key_is_pinned_with_the_closest_key() {
    Test::new()
        .config(&format!("{PROJECT}\n[lambda]\nmemroy_mb = 512\n"))
        .args(&["terraform"])
        .stderr(
            "\
error: unknown key `memroy_mb`
 --> tapgen.toml:5:1 (key `lambda.memroy_mb`)
  |
5 | memroy_mb = 512
  | ^^^^^^^^^
  = help: rename it to `memory_mb`, the closest allowed key
",
        )
        .status(2)
        .run();
}

#[test]
fn wrong_type_is_pinned_with_what_to_write() {
    Test::new()
        .config(&format!("{PROJECT}[lambda]\nmemory_mb = \"big\"\n"))
        .args(&["terraform"])
        .stderr(
            "\
error: `memory_mb` must be a whole number from 128 to 10240, but is the string `\"big\"`
 --> tapgen.toml:4:13 (key `lambda.memory_mb`)
  |
4 | memory_mb = \"big\"
  |             ^^^^^
  = help: write a whole number without quotes, such as `memory_mb = 128`
",
        )
        .status(2)
        .run();
}

#[test]
fn out_of_range_value_in_an_environment_is_pinned_with_its_bounds() {
    Test::new()
        .config(&format!("{PROJECT}[env.prod]\nlambda.timeout_s = 901\n"))
        .args(&["terraform", "--all"])
        .stderr(
            "\
error: `timeout_s` is `901`, above the maximum of 900
 --> tapgen.toml:4:20 (key `env.prod.lambda.timeout_s`)
  |
4 | lambda.timeout_s = 901
  |                    ^^^
  = help: use a value from 1 to 900
",
        )
        .status(2)
        .run();
}

#[test]
fn unknown_region_is_pinned_with_the_closest_region() {
    Test::new()
        .config(&format!("{PROJECT}region = \"eu-wset-1\"\n"))
        .args(&["terraform"])
        .stderr(
            "\
error: `eu-wset-1` is not an AWS region
 --> tapgen.toml:3:10 (key `project.region`)
  |
3 | region = \"eu-wset-1\"
  |          ^^^^^^^^^^^
  = help: use `eu-west-1`, the closest known region
",
        )
        .status(2)
        .run();
}

#[test]
fn certificate_of_another_region_is_pinned_with_the_environment_that_needs_its_own() {
    Test::new()
        .config(&format!(
            "{PROJECT}region = \"eu-west-2\"\n\n[api.domain]\nname = \"api.example.com\"\ncertificate_arn = \"arn:aws:acm:eu-west-2:123456789012:certificate/1234\"\n\n[env.prod]\nregion = \"us-east-1\"\n"
        ))
        .args(&["terraform", "--all"])
        .stderr(
            "\
error: `arn:aws:acm:eu-west-2:123456789012:certi…` is in region `eu-west-2`, but environment `prod` runs in `us-east-1`
 --> tapgen.toml:7:19 (key `api.domain.certificate_arn`)
  |
7 | certificate_arn = \"arn:aws:acm:eu-west-2:123456789012:certificate/1234\"
  |                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = help: use an ACM certificate of region `us-east-1`: `arn:...:us-east-1:...`; with an `[env.NAME]` region, overlay the ARN there too
",
        )
        .status(2)
        .run();
}

#[test]
fn secret_in_an_environment_variable_is_pinned_with_where_to_keep_it() {
    Test::new()
        .config(&format!(
            "{PROJECT}[lambda.environment]\nKEY = \"AKIAIOSFODNN7EXAMPLE\"\n"
        ))
        .args(&["terraform"])
        .stderr(
            "\
error: environment variable `KEY` looks like it holds an AWS access key id
 --> tapgen.toml:4:7 (key `lambda.environment.KEY`)
  |
4 | KEY = \"********************\"
  |       ^^^^^^^^^^^^^^^^^^^^^^
  = help: store it in SSM Parameter Store or Secrets Manager and pass its ARN instead: generated files and Terraform state keep it in plain text
",
        )
        .status(2)
        .run();
}

#[test]
fn invalid_and_duplicate_environments_are_pinned_in_file_order_with_a_summary() {
    Test::new()
        .config(&format!("{PROJECT}[env.Prod]\n[env.staging]\n"))
        .args(&["terraform", "--all"])
        .stderr(
            "\
error: environment name `Prod` can't be used in resource names
 --> tapgen.toml:3:1 (key `env.Prod`)
  |
3 | [env.Prod]
  | ^^^^^^^^^^
  = help: use 1 to 20 lowercase letters, digits and hyphens, starting with a letter, such as `staging`
",
        )
        .status(2)
        .run();
    Test::new()
        .config(&format!("{PROJECT}[env.prod]\n\n[env.prod]\n"))
        .args(&["terraform", "--all"])
        .stderr(
            "\
error: key `env.prod` is set twice
 --> tapgen.toml:5:6 (key `env.prod`)
  |
5 | [env.prod]
  |      ^^^^
  = help: keep one of the two: a key is set once per table
",
        )
        .status(2)
        .run();
    // Several problems: each in file order, then how many.
    Test::new()
        .config(&format!(
            "{PROJECT}[lambda]\nmemory_mb = 64\n\n[logs]\nretention_days = 42\n"
        ))
        .args(&["terraform"])
        .stderr(
            "\
error: `memory_mb` is `64`, below the minimum of 128
 --> tapgen.toml:4:13 (key `lambda.memory_mb`)
  |
4 | memory_mb = 64
  |             ^^
  = help: use a value from 128 to 10240

error: `retention_days` is `42`, which is not one of the 22 allowed values
 --> tapgen.toml:7:18 (key `logs.retention_days`)
  |
7 | retention_days = 42
  |                  ^^
  = help: use `30`, the closest allowed value; allowed: `1`, `3`, `5`, `7`, `14`, `30`, `60`, `90`, `120`, `150`, `180`, `365`, `400`, `545`, `731`, `1096`, `1827`, `2192`, `2557`, `2922`, `3288`, `3653`

error: could not use `tapgen.toml` due to 2 previous errors
",
        )
        .status(2)
        .run();
}

#[test]
fn undeclared_environment_is_pinned_with_the_closest_one() {
    Test::new()
        .config(&format!("{PROJECT}[env.staging]\n[env.prod]\n"))
        .args(&["terraform", "--env", "prd"])
        .stderr(
            "\
error: environment `prd` is not declared in `tapgen.toml`, which declares `prod`, `staging`
  = help: use `prod`, the closest declared environment, or add an `[env.prd]` table to declare it
",
        )
        .status(2)
        .run();
}

#[test]
fn usage_error_is_pinned_with_what_to_do() {
    Test::new()
        .config(PROJECT)
        .args(&["--out", "elsewhere", "schema"])
        .stderr(
            "\
error: `--out` means nothing to `tapgen schema`, which reads no config
  = help: remove it: `--config` and `--out` go with `terraform`, `module` and `validate`
",
        )
        .status(2)
        .run();
}

#[cfg(unix)]
#[test]
fn link_in_the_way_is_pinned_and_nothing_is_followed() {
    Test::new()
        .config(PROJECT)
        .setup(|root| {
            std::fs::create_dir_all(root.join("envs")).expect("envs");
            std::fs::create_dir(root.join("elsewhere")).expect("elsewhere");
            std::os::unix::fs::symlink("../elsewhere", root.join("envs/dev")).expect("link");
        })
        .args(&["terraform"])
        .stderr(
            "\
error: something is in the way of generated files:
  `[ROOT]/envs/dev`: a symbolic link
  = help: move it out of the way and run again: tapgen never follows links or opens special files where it writes (a link's target is never touched)
",
        )
        .status(2)
        .run();
}

#[test]
fn broken_template_is_an_internal_error_and_writes_nothing() {
    // Debug builds break a template on request; a bug like it must fail the command with
    // exit 70 before anything is written, not put an error into README.md.
    Test::new()
        .config(PROJECT)
        .env("TAPGEN_TEST_BREAK_TEMPLATE", "module-readme.md")
        .args(&["terraform"])
        .stderr(
            "\
error: internal: template `module-readme.md` does not compile: syntax error: unexpected end of block (in module-readme.md:1)
  = help: this is a bug in tapgen; please report it, with the command you ran
",
        )
        .status(70)
        .run();
}

#[test]
fn stale_render_under_validate_is_pinned_with_each_file_and_the_command() {
    Test::new()
        .config(PROJECT)
        .setup(|root| {
            crate::support::render_into(root, PROJECT);
            std::fs::remove_file(root.join("envs/dev/outputs.tf")).expect("remove");
            let main = root.join("envs/dev/main.tf");
            let text = std::fs::read_to_string(&main).expect("main.tf");
            std::fs::write(&main, format!("{text}\n")).expect("edit");
        })
        .args(&["validate", "--env", "dev"])
        .stderr(
            "\
error: the render of `dev` is stale against the config (1 created, 1 updated, 0 removed, 44 unchanged); validating it would check code the config no longer describes
  missing: `envs/dev/outputs.tf`
  differs: `envs/dev/main.tf`
  = help: render first with `tapgen terraform --env dev` (add `--check` to see the diff), then run `tapgen validate` again
",
        )
        .status(1)
        .run();
}

#[test]
fn module_lint_problems_are_pinned_with_and_without_a_line() {
    Test::new()
        .config(PROJECT)
        .setup(|root| {
            let module = root.join("module");
            std::fs::create_dir_all(module.join("examples/basic")).expect("folders");
            for (file, text) in [
                ("main.tf", ""),
                ("outputs.tf", ""),
                ("README.md", "# module\n"),
                ("examples/basic/main.tf", "module \"m\" {\n  source = \"../../\"\n}\n"),
                ("variables.tf", "variable \"name\" {\n  type = string\n}\n"),
                (
                    "versions.tf",
                    "terraform {\n  required_version = \">= 1.6.0\"\n  required_providers {\n    aws = { source = \"hashicorp/aws\" }\n  }\n}\n",
                ),
            ] {
                std::fs::write(module.join(file), text).expect("write");
            }
        })
        .args(&["module", "lint", "module", "--version", "1.0"])
        .stderr(
            "\
error: variable `name` has no description
 --> module/variables.tf:1:1
  |
1 | variable \"name\" {
  | ^^^^^^^^^^^^^^^
  = help: add `description = \"...\"` to it: registries show it as the input's documentation

error: required provider `aws` has no `version` constraint
 --> module/versions.tf
  = help: add `version = \">= X.Y\"` with the oldest provider version the module works with

error: module version `1.0` is not a semantic version
 --> --version
  = help: write `MAJOR.MINOR.PATCH` with an optional `-PRERELEASE` and `+BUILD` of letters, digits, hyphens and dots, such as `1.2.0` or `1.3.0-rc.1`

error: could not use `module` due to 3 previous errors
",
        )
        .status(2)
        .run();
}

#[test]
fn unpinned_requirement_is_pinned_at_its_line_before_any_installer_runs() {
    // No installer is set: the refusal comes from reading the file, before any tool runs.
    Test::new()
        .setup(|root| {
            std::fs::write(
                root.join("lambda/requirements.txt"),
                "six==1.16.0\n  requests>=2.31  # for the API client\n",
            )
            .expect("requirements");
        })
        .lambda_package()
        .stderr(
            "\
error: `requests>=2.31` is not pinned to one version
 --> [ROOT]/lambda/requirements.txt:2:3
  |
2 |   requests>=2.31  # for the API client
  |   ^^^^^^^^^^^^^^
  = help: pin one version with `==`, such as `requests==VERSION`, as `uv pip compile` or `pip freeze` write them: an unpinned build cannot be reproduced
",
        )
        .status(2)
        .run();
}

#[test]
fn account_problems_are_pinned_in_file_order_with_what_to_write() {
    Test::new()
        .config(&format!(
            "{PROJECT}[account]\nallowed_account_ids = [\"123456789012\"]\nassume_role_arn = \"arn:aws:iam::210987654321:role/deployer\"\nexternal_id = \"x\"\n[env.dev]\naccount.allowed_account_ids = [\"12345678901\"]\n"
        ))
        .args(&["terraform"])
        .stderr(
            "\
error: `arn:aws:iam::210987654321:role/deployer` is in account `210987654321`, which `allowed_account_ids` does not list, so every plan would fail
 --> tapgen.toml:5:19 (key `account.assume_role_arn`)
  |
5 | assume_role_arn = \"arn:aws:iam::210987654321:role/deployer\"
  |                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = help: add `210987654321` to `allowed_account_ids` (`123456789012` now), or assume a role in one of them

error: external id `x` is not valid
 --> tapgen.toml:6:15 (key `account.external_id`)
  |
6 | external_id = \"x\"
  |               ^^^
  = help: use 2 to 1224 letters, digits and `_+=,.@:/-`, such as `tapgen-7f3a`

error: AWS account id `12345678901` is not valid
 --> tapgen.toml:8:32 (key `env.dev.account.allowed_account_ids`)
  |
8 | account.allowed_account_ids = [\"12345678901\"]
  |                                ^^^^^^^^^^^^^
  = help: use 12 digits, such as `123456789012`

error: could not use `tapgen.toml` due to 3 previous errors
",
        )
        .status(2)
        .run();
}
