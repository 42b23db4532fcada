//! The module as a consumer judges it: its README against terraform-docs, its diagram
//! against its HCL, its usage snippet against the config, tflint on every root, an offline
//! `tofu plan` of every example, and `tapgen module lint`.
//!
//! terraform-docs, tflint and its AWS ruleset are built by `scripts/install-go-tool.sh`; the
//! README's test command passes them as `TAPGEN_TERRAFORM_DOCS`, `TAPGEN_TFLINT` and
//! `TFLINT_PLUGIN_DIR` with `TAPGEN_REQUIRE_TOOLS=1`, so there a missing tool fails the run.
//! Run alone without them, those tests say that they skipped.

use crate::real_tools::{self, cli_config, required, tools};
use crate::support::{Project, render_into, repo, test_configs};
use predicates::str::contains;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A Go tool named by an environment variable.
pub(crate) fn go_tool(variable: &str, name: &str) -> Option<PathBuf> {
    match std::env::var_os(variable).map(PathBuf::from) {
        Some(path) if path.is_file() => Some(path),
        _ if required() => panic!(
            "TAPGEN_REQUIRE_TOOLS=1 but {variable} names no file (scripts/install-go-tool.sh {name} builds it)"
        ),
        _ => {
            eprintln!(
                "skipped: no {name} ({variable}; scripts/install-go-tool.sh {name} builds it)"
            );
            None
        }
    }
}

/// The test configs, each rendered into a temp folder by the real command.
fn rendered() -> Vec<(&'static str, tempfile::TempDir)> {
    test_configs()
        .into_iter()
        .map(|(name, text)| {
            let dir = tempfile::tempdir().expect("temp dir");
            render_into(dir.path(), &text);
            (name, dir)
        })
        .collect()
}

/// `modules/<name>/` of a render (each render has exactly one module).
pub(crate) fn module_dir(root: &Path) -> PathBuf {
    let mut modules: Vec<PathBuf> = std::fs::read_dir(root.join("modules"))
        .expect("modules folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(modules.len(), 1, "{modules:?}");
    modules.remove(0)
}

fn examples(module: &Path) -> Vec<PathBuf> {
    ["minimal", "complete"]
        .iter()
        .map(|name| module.join("examples").join(name))
        .collect()
}

/// The module, its examples and every environment root of a render.
fn all_roots(root: &Path) -> Vec<PathBuf> {
    let module = module_dir(root);
    let mut roots = vec![module.clone()];
    roots.extend(examples(&module));
    let mut envs: Vec<PathBuf> = std::fs::read_dir(root.join("envs"))
        .expect("envs folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    envs.sort();
    roots.extend(envs);
    roots
}

fn output(command: &mut Command) -> (bool, String) {
    let out = command.output().expect("tool runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// terraform-docs as a user runs it on a folder: the folder as its argument, no other flags
/// (so the settings are the `.terraform-docs.yml` it finds in that folder), from a working
/// folder holding no configuration of its own.
pub(crate) fn terraform_docs(tool: &Path, dir: &Path, check: bool) -> (bool, String) {
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(tool);
    command
        .args([
            "markdown",
            "table",
            "--output-file",
            "README.md",
            "--output-mode",
            "inject",
        ])
        .args(check.then_some("--output-check"))
        .arg(dir)
        .current_dir(elsewhere.path());
    output(&mut command)
}

/// The name of the terraform-docs configuration file tapgen writes beside each README.
const TERRAFORM_DOCS_CONFIG: &str = ".terraform-docs.yml";

#[test]
fn terraform_docs_finds_the_module_and_example_readmes_up_to_date() {
    let Some(tool) = go_tool("TAPGEN_TERRAFORM_DOCS", "terraform-docs") else {
        return;
    };
    for (name, root) in rendered() {
        let module = module_dir(root.path());
        let mut dirs = vec![module.clone()];
        dirs.extend(examples(&module));
        for dir in dirs {
            assert!(
                dir.join(TERRAFORM_DOCS_CONFIG).is_file(),
                "{name}: {} has no {TERRAFORM_DOCS_CONFIG}",
                dir.display()
            );
            let (ok, text) = terraform_docs(&tool, &dir, true);
            assert!(ok, "{name}: {}: {text}", dir.display());
            assert_eq!(
                text.trim(),
                format!("{} is up to date", dir.join("README.md").display()),
                "{name}"
            );
        }
    }
}

#[test]
fn terraform_docs_config_beside_the_module_and_each_example_is_tapgens_and_names_its_template() {
    for (name, root) in rendered() {
        let module = module_dir(root.path());
        let mut dirs = vec![module.clone()];
        dirs.extend(examples(&module));
        for dir in dirs {
            let path = dir.join(TERRAFORM_DOCS_CONFIG);
            let bytes =
                std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {}: {e}", path.display()));
            assert_eq!(
                tapgen::output::ownership(
                    path.strip_prefix(root.path()).expect("below the root"),
                    &bytes
                ),
                tapgen::output::Ownership::Generated,
                "{name}: {}",
                path.display()
            );
            let text = String::from_utf8(bytes).expect("UTF-8");
            assert!(text.starts_with("# Generated by tapgen"), "{name}: {text}");
            for key in ["formatter: markdown table", "content: |-", "{{ .Spec }}"] {
                assert!(text.contains(key), "{name}: {} lacks {key}", path.display());
            }
        }
    }
}

/// The public registry hosts of Terraform and OpenTofu, built from parts so that this file
/// does not name them either.
fn registry_hosts() -> [String; 2] {
    [
        ["registry", "terraform", "io"].join("."),
        ["registry", "opentofu", "org"].join("."),
    ]
}

#[test]
fn no_rendered_file_names_a_registry_host() {
    let hosts = registry_hosts();
    for (name, root) in rendered() {
        let files = walk(root.path());
        assert!(files.iter().any(|f| f.ends_with("README.md")), "{name}");
        for file in files {
            let bytes = std::fs::read(&file).expect("read");
            let text = String::from_utf8_lossy(&bytes);
            for host in &hosts {
                assert!(
                    !text.contains(host.as_str()),
                    "{name}: {} names {host}",
                    file.strip_prefix(root.path()).unwrap_or(&file).display()
                );
            }
        }
    }
}

#[test]
fn tapgen_still_owns_readmes_after_terraform_docs_injects_its_section() {
    let Some(tool) = go_tool("TAPGEN_TERRAFORM_DOCS", "terraform-docs") else {
        return;
    };
    let project = Project::with_config(tapgen::config::DEFAULT_CONFIG);
    project
        .tapgen()
        .args(["terraform", "--all"])
        .assert()
        .success();
    let module = project.path().join("modules/serverless-api");
    let mut dirs = vec![module.clone()];
    dirs.extend(examples(&module));
    for dir in &dirs {
        let before = std::fs::read(dir.join("README.md")).expect("README");
        let (ok, text) = terraform_docs(&tool, dir, false);
        assert!(ok, "{}: {text}", dir.display());
        let after = std::fs::read(dir.join("README.md")).expect("README");
        assert!(
            before == after,
            "{}: terraform-docs changed the README",
            dir.display()
        );
    }
    project
        .tapgen()
        .args(["terraform", "--all", "--check"])
        .assert()
        .success();
    project
        .tapgen()
        .args(["terraform", "--all"])
        .assert()
        .success();
}

/// Replaces the text of the terraform-docs section's Providers table, as terraform-docs
/// does when it reads provider versions from a `.terraform.lock.hcl`.
fn as_if_locked(readme: &str) -> String {
    readme.replacen(
        "[aws](#provider\\_aws) | >= 5.100, < 7.0 |",
        "[aws](#provider\\_aws) | 5.100.0 |",
        1,
    )
}

#[test]
fn readme_changed_only_inside_the_terraform_docs_section_is_replaced_not_refused() {
    let project = Project::with_config(tapgen::config::DEFAULT_CONFIG);
    project.tapgen().arg("module").assert().success();
    let path = "modules/serverless-api/README.md";
    let fresh = project.read(path);
    let locked = as_if_locked(&fresh);
    assert_ne!(
        locked, fresh,
        "the Providers row is where the test expects it"
    );
    project.write(path, locked.as_bytes());
    project.tapgen().arg("module").assert().success();
    assert_eq!(project.read(path), fresh);

    // A change outside the section is someone's edit: refused, and the file kept.
    let edited = fresh.replace("## Notes", "## Notes (ours)");
    project.write(path, edited.as_bytes());
    project
        .tapgen()
        .arg("module")
        .assert()
        .code(2)
        .stderr(contains("edited by hand"));
    assert_eq!(project.read(path), edited);
}

#[test]
fn readme_with_a_terraform_docs_section_appended_is_recognised_as_tapgens() {
    use tapgen::output::{Document, File};
    let project = Project::with_config(tapgen::config::DEFAULT_CONFIG);
    project.tapgen().arg("module").assert().success();
    let path = "modules/serverless-api/README.md";
    let fresh = project.read(path);
    // A README tapgen wrote before it had markers, after `terraform-docs --output-mode
    // inject` appended its section (it writes "\n" and the section after the content).
    let old = File::new(
        PathBuf::from(path),
        Document::Markdown("# serverless-api\n\nAn older README.\n".to_owned()),
        "tapgen module",
    );
    let start = fresh.find("<!-- BEGIN_TF_DOCS -->").expect("section");
    let appended = format!(
        "{}\n{}",
        String::from_utf8(old.bytes()).expect("text"),
        &fresh[start..].trim_end()
    );
    project.write(path, appended.as_bytes());
    project.tapgen().arg("module").assert().success();
    assert_eq!(project.read(path), fresh);
}

/// The tflint config the issue asks for: every terraform rule, and the AWS ruleset.
const TFLINT_CONFIG: &str = "\
plugin \"terraform\" {
  enabled = true
  preset  = \"all\"
}

plugin \"aws\" {
  enabled = true
}
";

#[test]
fn tflint_with_every_terraform_rule_and_the_aws_ruleset_finds_nothing() {
    let Some(tflint) = go_tool("TAPGEN_TFLINT", "tflint") else {
        return;
    };
    let Some(plugins) = std::env::var_os("TFLINT_PLUGIN_DIR").map(PathBuf::from) else {
        assert!(
            !required(),
            "TAPGEN_REQUIRE_TOOLS=1 but TFLINT_PLUGIN_DIR is not set"
        );
        eprintln!("skipped: no TFLINT_PLUGIN_DIR (scripts/install-go-tool.sh tflint-ruleset-aws)");
        return;
    };
    assert!(
        plugins.join("tflint-ruleset-aws").is_file(),
        "no tflint-ruleset-aws in {}",
        plugins.display()
    );
    let config_dir = tempfile::tempdir().expect("temp dir");
    let config = config_dir.path().join(".tflint.hcl");
    std::fs::write(&config, TFLINT_CONFIG).expect("tflint config");
    let mut checked = 0;
    for (name, root) in rendered() {
        for dir in all_roots(root.path()) {
            let (ok, text) = output(
                Command::new(&tflint)
                    .arg("--chdir")
                    .arg(&dir)
                    .arg("--config")
                    .arg(&config)
                    .env("TFLINT_PLUGIN_DIR", &plugins),
            );
            assert!(
                ok && text.trim().is_empty(),
                "{name}: {}:\n{text}",
                dir.display()
            );
            checked += 1;
        }
    }
    // Default: module, 2 examples, 3 envs; minimal: 1 env; all-options and
    // account-encryption: 2 envs each.
    assert_eq!(checked, 6 + 4 + 5 + 5);
    // The plugin is really loaded: it reports on a deprecated runtime.
    let probe = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        probe.path().join("main.tf"),
        "resource \"aws_lambda_function\" \"x\" {\n  function_name = \"x\"\n  role          = \"r\"\n  runtime       = \"python2.7\"\n}\n",
    )
    .expect("probe");
    let (_, text) = output(
        Command::new(&tflint)
            .arg("--chdir")
            .arg(probe.path())
            .arg("--config")
            .arg(&config)
            .env("TFLINT_PLUGIN_DIR", &plugins),
    );
    assert!(
        text.contains("aws_lambda_function_deprecated_runtime"),
        "{text}"
    );
}

/// Lets `plan` run with no network and no account: fake keys, and the provider told not to
/// ask AWS who it is. Test-only: the examples themselves carry nothing like it.
const OFFLINE_OVERRIDE: &str = "\
provider \"aws\" {
  access_key                  = \"test\"
  secret_key                  = \"test\"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
";

#[test]
fn every_example_plans_offline_as_it_stands() {
    let tools = tools();
    let Some(tofu) = tools.iter().find(|t| t.name == "tofu") else {
        return;
    };
    let Some(cli_config) = cli_config() else {
        return;
    };
    let renders = rendered();
    let examples: Vec<(&str, PathBuf)> = renders
        .iter()
        .flat_map(|(name, root)| {
            examples(&module_dir(root.path()))
                .into_iter()
                .map(move |e| (*name, e))
        })
        .collect();
    // Two per test config.
    assert_eq!(examples.len(), 2 * test_configs().len());
    let summaries = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        // Two at a time: each plan loads the aws provider's whole schema.
        for chunk in examples.chunks(3) {
            let (cli_config, summaries) = (&cli_config, &summaries);
            scope.spawn(move || {
                for (name, dir) in chunk {
                    std::fs::write(dir.join("zz_offline_override.tf"), OFFLINE_OVERRIDE)
                        .expect("override");
                    real_tools::run(
                        tofu,
                        dir,
                        &["init", "-backend=false", "-input=false", "-no-color"],
                        Some(cli_config),
                    );
                    let plan = real_tools::run(
                        tofu,
                        dir,
                        &["plan", "-input=false", "-no-color", "-lock=false"],
                        Some(cli_config),
                    );
                    let summary = plan
                        .lines()
                        .find(|l| l.starts_with("Plan: "))
                        .unwrap_or_else(|| panic!("{name}: {}: no summary:\n{plan}", dir.display()))
                        .to_owned();
                    assert!(
                        summary.ends_with(" to add, 0 to change, 0 to destroy."),
                        "{name}: {summary}"
                    );
                    eprintln!("{name} {}: {summary}", dir.display());
                    summaries
                        .lock()
                        .expect("lock")
                        .push((*name, dir.clone(), summary));
                }
            });
        }
    });
    // complete creates everything (31 in the module with the account role, and its topic);
    // minimal leaves the three account-role resources out.
    for (name, dir, summary) in summaries.into_inner().expect("lock") {
        let expected = if dir.ends_with("complete") { 32 } else { 28 };
        assert_eq!(
            summary,
            format!("Plan: {expected} to add, 0 to change, 0 to destroy."),
            "{name}: {}",
            dir.display()
        );
    }
}

/// The ```mermaid block of a README: its nodes (id -> label's first line) and its arrows.
fn parse_mermaid(readme: &str) -> (BTreeMap<String, String>, BTreeSet<(String, String)>) {
    let start = readme.find("```mermaid\n").expect("mermaid block") + "```mermaid\n".len();
    let block = &readme[start..start + readme[start..].find("```").expect("block end")];
    let mut nodes = BTreeMap::new();
    let mut edges = BTreeSet::new();
    for line in block.lines().map(str::trim) {
        if line.starts_with("flowchart")
            || line.starts_with("subgraph")
            || line == "end"
            || line.starts_with("class")
        {
            continue;
        }
        let arrow = [" --> ", " -.-> "].iter().find_map(|a| line.split_once(a));
        if let Some((from, to)) = arrow {
            edges.insert((from.to_owned(), to.to_owned()));
            continue;
        }
        let open = line
            .find(['[', '('])
            .unwrap_or_else(|| panic!("node line `{line}`"));
        let label = line[open..]
            .trim_matches(|c| "[]()/\"".contains(c))
            .split("<br/>")
            .next()
            .unwrap_or_default()
            .to_owned();
        nodes.insert(line[..open].to_owned(), label);
    }
    (nodes, edges)
}

/// Resource blocks of the module's `.tf` files, read with hcl-rs (not tapgen's own trees):
/// address -> (addresses of resources its arguments refer to, has `count`).
fn resources_in_hcl(module: &Path) -> BTreeMap<String, (BTreeSet<String>, bool)> {
    fn references(body: &hcl::Body, out: &mut BTreeSet<String>) {
        for attr in body.attributes() {
            if attr.key() == "depends_on" {
                continue;
            }
            let text = hcl::format::to_string(attr.expr()).expect("expression prints");
            let mut rest = text.as_str();
            while let Some(at) = rest.find("aws_") {
                let candidate: String = rest[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                    .collect();
                let preceded = rest[..at].chars().last();
                if preceded.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_' && c != '.')
                    && let [kind, name, ..] = candidate.split('.').collect::<Vec<_>>()[..]
                {
                    out.insert(format!("{kind}.{name}"));
                }
                rest = &rest[at + candidate.len().max(1)..];
            }
        }
        for block in body.blocks() {
            references(block.body(), out);
        }
    }
    let mut resources = BTreeMap::new();
    for entry in std::fs::read_dir(module).expect("module").flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "tf") {
            continue;
        }
        let body: hcl::Body =
            hcl::from_str(&std::fs::read_to_string(&path).expect("read")).expect("parses");
        for block in body.blocks().filter(|b| b.identifier() == "resource") {
            let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
            let mut refers = BTreeSet::new();
            references(block.body(), &mut refers);
            let counted = block.body().attributes().any(|a| a.key() == "count");
            resources.insert(format!("{}.{}", labels[0], labels[1]), (refers, counted));
        }
    }
    let addresses: BTreeSet<String> = resources.keys().cloned().collect();
    for (address, (refers, _)) in resources.iter_mut() {
        refers.retain(|r| addresses.contains(r) && r != address);
    }
    resources
}

#[test]
fn diagram_shows_every_resource_type_and_arrows_follow_the_references_in_the_hcl() {
    for (name, root) in rendered() {
        let module = module_dir(root.path());
        let readme = std::fs::read_to_string(module.join("README.md")).expect("README");
        let (nodes, edges) = parse_mermaid(&readme);
        let hcl = resources_in_hcl(&module);
        assert!(hcl.len() >= 30, "{name}: {}", hcl.len());
        let by_id: BTreeMap<&str, &str> = nodes
            .iter()
            .map(|(id, label)| (id.as_str(), label.as_str()))
            .collect();
        let label = |id: &str| {
            *by_id
                .get(id)
                .unwrap_or_else(|| panic!("{name}: arrow to unknown node {id}"))
        };

        // Every resource (so every resource type) is a node.
        let shown: BTreeSet<&str> = nodes.values().map(String::as_str).collect();
        for address in hcl.keys() {
            assert!(
                shown.contains(address.as_str()),
                "{name}: {address} is not in the diagram"
            );
        }
        let types: BTreeSet<&str> = hcl.keys().filter_map(|a| a.split('.').next()).collect();
        assert!(types.len() >= 20, "{name}: {types:?}");

        // Every arrow between resources is a reference written in the HCL.
        let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (from, to) in &edges {
            let (from, to) = (label(from), label(to));
            if from == "Client" || to.starts_with("var.") {
                continue;
            }
            let refers = &hcl.get(from).unwrap_or_else(|| panic!("{name}: {from}")).0;
            assert!(
                refers.contains(to),
                "{name}: arrow {from} -> {to}, but {from} does not refer to {to}"
            );
            graph.entry(from).or_default().insert(to);
        }
        // And every reference is shown, as an arrow or along a path of arrows.
        let reachable = |from: &str, to: &str| {
            let mut pending = vec![from];
            let mut seen = BTreeSet::new();
            while let Some(at) = pending.pop() {
                if at == to {
                    return true;
                }
                if seen.insert(at) {
                    pending.extend(graph.get(at).into_iter().flatten().copied());
                }
            }
            false
        };
        for (from, (refers, _)) in &hcl {
            for to in refers {
                assert!(
                    reachable(from, to),
                    "{name}: {from} refers to {to}, the diagram does not show it"
                );
            }
        }
        // The request path the issue names is in it.
        assert!(
            edges
                .iter()
                .any(|(f, t)| f == "client" && label(t) == "aws_api_gateway_stage.this"),
            "{name}"
        );
        assert!(
            reachable("aws_api_gateway_stage.this", "aws_lambda_function.this"),
            "{name}"
        );
        assert!(
            reachable("aws_lambda_function.this", "aws_s3_bucket.logs"),
            "{name}"
        );
        assert!(
            reachable(
                "aws_lambda_function.this",
                "aws_cloudwatch_log_group.lambda"
            ),
            "{name}"
        );
        assert!(
            edges
                .iter()
                .any(|(f, t)| label(f) == "aws_cloudwatch_metric_alarm.api_5xx"
                    && label(t) == "var.alarm_sns_topic_arns"),
            "{name}: alarms to the SNS topics"
        );
        // Conditional resources, and only those, are marked optional.
        for (address, (_, counted)) in &hcl {
            let marked = readme.contains(&format!("\"{address}<br/>(optional)\""));
            assert_eq!(marked, *counted, "{name}: {address}");
        }
    }
}

fn config_with_source(source: &str) -> String {
    format!(
        "[project]\nname = \"Orders-API\"\n\n[module]\nname = \"orders-api\"\nnamespace = \"acme\"\nversion = \"1.4.0\"\nsource = \"{source}\"\n"
    )
}

#[test]
fn usage_snippet_has_the_modules_real_address_and_every_required_input() {
    let cases = [
        (
            "registry.example.com/acme/orders-api/aws",
            "source  = \"registry.example.com/acme/orders-api/aws\"\n  version = \"1.4.0\"\n",
        ),
        (
            "git::https://git.example.com/acme/terraform-aws-orders-api.git",
            "source = \"git::https://git.example.com/acme/terraform-aws-orders-api.git?ref=v1.4.0\"\n\n",
        ),
        (
            "oci://registry.example.com/acme/orders-api",
            "source = \"oci://registry.example.com/acme/orders-api?tag=1.4.0\"\n\n",
        ),
        ("local", "source = \"../../modules/orders-api\"\n\n"),
    ];
    for (source, expected) in cases {
        let project = Project::with_config(&config_with_source(source));
        project
            .tapgen()
            .args(["terraform", "--all"])
            .assert()
            .success();
        let readme = project.read("modules/orders-api/README.md");
        let usage = readme
            .split("```hcl\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("usage snippet");
        assert!(
            usage.starts_with("module \"orders_api\" {\n"),
            "{source}: {usage}"
        );
        assert!(usage.contains(expected), "{source}: {usage}");
        assert!(
            usage.contains("project             = \"Orders-API\""),
            "{source}: {usage}"
        );
        for variable in tapgen::render::variables::variables() {
            if variable.default.is_none() {
                assert!(
                    usage.contains(&format!("  {} ", variable.name)),
                    "{source}: {} missing",
                    variable.name
                );
            }
        }
        // The environment roots take the module from the same address.
        let root = project.read("envs/dev/main.tf");
        assert!(root.contains(expected.trim_end()), "{source}: {root}");
    }
}

#[test]
fn examples_have_the_standard_files_and_reference_the_projects_lambda_package() {
    for (name, root) in rendered() {
        let module = module_dir(root.path());
        let env = std::fs::read_dir(root.path().join("envs"))
            .expect("envs")
            .flatten()
            .next()
            .expect("an env")
            .file_name();
        let env_package = crate::support::root_package(root.path(), &env.to_string_lossy());
        assert!(env_package.is_file(), "{name}: {}", env_package.display());
        for example in examples(&module) {
            for file in [
                "main.tf",
                "variables.tf",
                "outputs.tf",
                "versions.tf",
                "README.md",
            ] {
                assert!(
                    example.join(file).is_file(),
                    "{name}: {}/{file}",
                    example.display()
                );
            }
            // The test configs' environments build the project's package: one file.
            assert_eq!(
                crate::support::referenced(&example, "lambda_package_path").as_ref(),
                Some(&env_package),
                "{name}: {}",
                example.display()
            );
        }
        let minimal =
            std::fs::read_to_string(module.join("examples/minimal/main.tf")).expect("main");
        let call = &minimal[minimal.find("module \"").expect("module call")..];
        let passed: Vec<&str> = call
            .lines()
            .filter_map(|l| l.trim().split_once(" = ").map(|(k, _)| k.trim()))
            .filter(|k| *k != "source")
            .collect();
        let required: Vec<&str> = tapgen::render::variables::variables()
            .iter()
            .filter(|v| v.default.is_none())
            .map(|v| v.name)
            .collect();
        assert_eq!(
            passed, required,
            "{name}: minimal passes the required inputs only"
        );
        let complete =
            std::fs::read_to_string(module.join("examples/complete/main.tf")).expect("main");
        for variable in tapgen::render::variables::variables() {
            assert!(
                complete.contains(&format!("  {} ", variable.name)),
                "{name}: complete lacks {}",
                variable.name
            );
        }
    }
}

#[test]
fn module_lint_passes_on_every_render() {
    for (name, root) in rendered() {
        let config = root.path().join("tapgen.toml");
        let out = assert_cmd::Command::cargo_bin("tapgen")
            .expect("tapgen")
            .arg("--config")
            .arg(&config)
            .args(["module", "lint"])
            .assert()
            .success();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains("module lint passed"), "{name}: {stderr}");
    }
}

#[test]
fn module_lint_reports_an_undescribed_variable_a_missing_outputs_tf_and_a_bad_version_at_once() {
    let project =
        Project::with_config("[project]\nname = \"shop\"\n\n[module]\nversion = \"1.0.0\"\n");
    project.tapgen().arg("module").assert().success();
    let dir = "modules/serverless-api";
    std::fs::remove_file(project.path().join(dir).join("outputs.tf")).expect("remove");
    let variables = project.read(&format!("{dir}/variables.tf"));
    let undescribed = variables.replacen(
        "  description = \"Path to the zip file holding the function's code.\"\n",
        "",
        1,
    );
    assert_ne!(undescribed, variables);
    project.write(&format!("{dir}/variables.tf"), undescribed.as_bytes());
    project.write(
        "tapgen.toml",
        b"[project]\nname = \"shop\"\n\n[module]\nversion = \"1.0\"\n",
    );
    let stderr = project.refuses(&["module", "lint"]).stderr;
    for expected in [
        "error: `outputs.tf` is missing",
        "error: variable `lambda_package_path` has no description",
        "variables.tf:31:1",
        "error: module version `1.0` is not a semantic version",
        "tapgen.toml:5:11 (key `module.version`)",
        "due to 3 previous errors",
    ] {
        assert!(stderr.contains(expected), "no `{expected}` in\n{stderr}");
    }
    // --version names the version about to be published instead.
    project
        .tapgen()
        .args(["module", "lint", "--version", "2.0"])
        .assert()
        .code(2)
        .stderr(contains("module version `2.0` is not a semantic version"));
}

#[test]
fn module_lint_public_wants_a_repository_named_terraform_provider_name() {
    if real_tools::on_path("git").is_none() {
        assert!(!required(), "TAPGEN_REQUIRE_TOOLS=1 but git is not on PATH");
        eprintln!("skipped: git is not on PATH");
        return;
    }
    let project = Project::with_config(tapgen::config::DEFAULT_CONFIG);
    project.tapgen().arg("module").assert().success();
    let git = |dir: &Path, args: &[&str]| {
        let status = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .expect("git");
        assert!(status.status.success(), "git {args:?}");
    };
    for (repo, ok) in [
        ("serverless-api", false),
        ("terraform-aws-serverless-api", true),
    ] {
        let dir = project.path().join(repo);
        std::fs::create_dir_all(&dir).expect("dir");
        let module = project.path().join("modules/serverless-api");
        for entry in walk(&module) {
            let target = dir.join(entry.strip_prefix(&module).expect("below"));
            std::fs::create_dir_all(target.parent().expect("parent")).expect("dir");
            std::fs::copy(&entry, &target).expect("copy");
        }
        git(&dir, &["init", "-q"]);
        let assert = project
            .tapgen()
            .args(["module", "lint", "--public"])
            .arg(&dir)
            .assert();
        if ok {
            assert.success();
        } else {
            assert
                .code(2)
                .stderr(contains(
                    "git repository `serverless-api` is not named `terraform-<provider>-<name>`",
                ))
                .stderr(contains("terraform-aws-serverless-api"));
        }
    }
    // Not a repository of its own: the module in a subfolder is refused too.
    git(project.path(), &["init", "-q"]);
    project
        .tapgen()
        .args(["module", "lint", "--public"])
        .assert()
        .code(2)
        .stderr(contains("subfolder of the git repository"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).expect("read").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn committed_module_readme_is_the_terraform_docs_section_of_its_own_files() {
    // The golden README carries exactly one section, between the markers, at its end.
    let readme =
        std::fs::read_to_string(repo().join("modules/serverless-api/README.md")).expect("README");
    assert_eq!(readme.matches("<!-- BEGIN_TF_DOCS -->").count(), 1);
    assert!(readme.trim_end().ends_with("<!-- END_TF_DOCS -->"));
    for section in [
        "Requirements",
        "Providers",
        "Modules",
        "Resources",
        "Inputs",
        "Outputs",
    ] {
        assert!(readme.contains(&format!("\n## {section}\n")), "{section}");
    }
}
