//! Generated environment roots deploy with nothing but `init` + `apply`, against moto (an
//! AWS emulator) on loopback: init -> apply -> a plan with no changes -> outputs -> destroy
//! to an empty state.
//!
//! moto comes from `scripts/install-moto.sh` (a pinned venv), named by `TAPGEN_MOTO`; the
//! CLI is `TAPGEN_TOFU` (or `tofu` on PATH), or `terraform` on PATH, with the provider
//! mirror `TAPGEN_TF_CLI_CONFIG`. The README's test command installs them all and sets
//! `TAPGEN_REQUIRE_TOOLS=1`, so there a missing moto or tofu fails; run alone without them,
//! these tests say that they skipped.
//!
//! The harness is for any root: [`Emulator::start`] runs a moto of its own (stopped when
//! dropped) and [`Root::render`] renders one environment of any config into a work folder,
//! with an override file that points every AWS service the module's resources call (from
//! the family list, `tapgen::aws_services()`) at that moto. A failing step shows its output, and the work
//! folder (step logs in `logs/`) is kept and its path printed; `TAPGEN_EMULATOR_KEEP=1`
//! keeps it after a pass too.
//!
//! Nothing reaches a real AWS account: every `AWS_*` variable is removed and the shared
//! config and credentials files point at an empty file, the credentials and endpoints come
//! from the override only, moto listens on 127.0.0.1 only, and every proxy variable names a
//! closed loopback port (loopback itself is never proxied), so a request for anything but
//! the emulator fails at once.

use crate::real_tools::{Tool, cli_config, on_path, required};
use crate::support::{render_into, repo, test_configs};
use serde_json::Value;
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// Where every proxy variable points: loopback port 9 (discard), where nothing listens.
const NOWHERE: &str = "http://127.0.0.1:9";

/// The name of the override file written into each root.
const OVERRIDE: &str = "emulator_override.tf";

/// moto's output, in the emulator's own folder.
const MOTO_LOG: &str = "moto-server.log";

/// Whether the work folders are kept after a pass too.
fn keep_always() -> bool {
    std::env::var_os("TAPGEN_EMULATOR_KEEP").is_some_and(|v| v == "1")
}

/// The last `n` lines of `text`, indented, for a failure message.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..]
        .iter()
        .map(|line| format!("    {line}\n"))
        .collect()
}

/// `text` without its ANSI colour sequences (`ESC [ ... m`), which moto's log holds.
fn without_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Up to and including the sequence's final letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Hides the developer's AWS and Terraform settings from `command`: see the module docs.
/// `empty` is an empty file that stands in for the shared AWS config and credentials.
fn hermetic(command: &mut Command, empty: &Path) {
    for (key, _) in std::env::vars_os() {
        let name = key.to_string_lossy();
        // TF_LOG* stays: it only adds logging, which helps to debug a failing step.
        if name.starts_with("AWS_") || (name.starts_with("TF_") && !name.starts_with("TF_LOG")) {
            command.env_remove(&key);
        }
    }
    command
        .env("AWS_CONFIG_FILE", empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", empty)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("CHECKPOINT_DISABLE", "1");
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env(name, NOWHERE);
    }
    for name in ["NO_PROXY", "no_proxy"] {
        command.env(name, "127.0.0.1,localhost");
    }
}

/// A temporary folder that is kept, with its path printed, when the test fails (or always
/// under `TAPGEN_EMULATOR_KEEP=1`).
struct WorkDir {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
    what: &'static str,
}

impl WorkDir {
    fn new(what: &'static str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("tapgen-emulator.")
            .tempdir()
            .expect("temp dir");
        let path = dir.path().to_path_buf();
        Self {
            dir: Some(dir),
            path,
            what,
        }
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if (std::thread::panicking() || keep_always())
            && let Some(dir) = self.dir.take()
        {
            let path = dir.keep();
            eprintln!("emulator test: {} kept: {}", self.what, path.display());
        }
    }
}

/// A moto server of its own on a free loopback port, stopped when dropped.
pub(crate) struct Emulator {
    /// `http://127.0.0.1:PORT`.
    pub(crate) endpoint: String,
    /// The installed moto's version, such as `5.2.1`.
    pub(crate) version: String,
    /// The venv's python, beside moto_server: asked for moto's version and sources.
    python: PathBuf,
    child: Child,
    /// The empty stand-in for the shared AWS config, and moto's log.
    work: WorkDir,
}

impl Emulator {
    /// Starts moto from `TAPGEN_MOTO`; `None` (with a note) when it is not installed, a
    /// failure under `TAPGEN_REQUIRE_TOOLS=1`.
    pub(crate) fn start() -> Option<Self> {
        let moto = match std::env::var_os("TAPGEN_MOTO").map(PathBuf::from) {
            Some(path) if path.is_file() => path,
            _ if required() => panic!(
                "TAPGEN_REQUIRE_TOOLS=1 but TAPGEN_MOTO names no moto_server: \
                 export TAPGEN_MOTO=$(scripts/install-moto.sh | tail -1)"
            ),
            _ => {
                eprintln!(
                    "skipped: no AWS emulator (export TAPGEN_MOTO=$(scripts/install-moto.sh | tail -1))"
                );
                return None;
            }
        };
        let python = moto.with_file_name("python");
        let version = python_says(
            &python,
            "import importlib.metadata as m; print(m.version('moto'))",
        );
        let work = WorkDir::new("emulator folder (moto's log)");
        let empty = work.path.join("aws-empty-config");
        std::fs::write(&empty, "").expect("empty AWS config");
        let log = work.path.join(MOTO_LOG);
        for attempt in 1..=3 {
            // A port the kernel just handed out and released: another process could take it
            // before moto binds, hence the attempts.
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|listener| listener.local_addr())
                .expect("a free loopback port")
                .port();
            let out = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .expect("moto log");
            let mut command = Command::new(&moto);
            command
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(out.try_clone().expect("moto log"))
                .stderr(out);
            hermetic(&mut command, &empty);
            let mut child = command
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", moto.display()));
            // Up to 60 s: the first start after installing compiles moto's bytecode.
            for _ in 0..240 {
                if answers(port) {
                    return Some(Self {
                        endpoint: format!("http://127.0.0.1:{port}"),
                        version,
                        python,
                        child,
                        work,
                    });
                }
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            let _ = child.kill();
            let _ = child.wait();
            eprintln!("moto did not answer on 127.0.0.1:{port} (attempt {attempt})");
        }
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        panic!(
            "could not start moto {version} ({}); its log:\n{}",
            moto.display(),
            tail(&text, 30)
        );
    }

    /// The source of one of the installed moto's Python modules (`moto.awslambda.models`),
    /// to check that a known emulator gap is still open.
    pub(crate) fn source_of(&self, module: &str) -> String {
        let file = python_says(
            &self.python,
            &format!("import {module} as m; print(m.__file__)"),
        );
        std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {file}: {e}"))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // moto keeps everything in memory: nothing to shut down gracefully.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = self.work.path.join(MOTO_LOG);
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let text = without_colours(&text);
            eprintln!(
                "emulator test: the end of moto's log ({}):\n{}",
                log.display(),
                tail(&text, 15)
            );
        }
        // `work` drops after this, and keeps the log on a failure.
    }
}

impl Emulator {
    /// One request to the emulator, routed to `service` as a signed request would be (moto
    /// reads the service from the credential scope and checks no signature); returns the
    /// status code and the body.
    pub(crate) fn request(
        &self,
        method: &str,
        service: &str,
        path: &str,
        body: &str,
    ) -> (u16, String) {
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).expect("connect to moto");
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
             Content-Type: application/xml\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("send to moto");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read moto's answer");
        let status = response
            .get(9..12)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP response: {response}"));
        let body = response
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body)
            .to_owned();
        (status, body)
    }

    /// Creates a Route 53 hosted zone for `name`; returns its id.
    pub(crate) fn create_hosted_zone(&self, name: &str) -> String {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <CreateHostedZoneRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">\
             <Name>{name}</Name><CallerReference>tapgen-test-{name}</CallerReference>\
             </CreateHostedZoneRequest>"
        );
        let (status, answer) = self.request("POST", "route53", "/2013-04-01/hostedzone", &body);
        assert!(
            (200..300).contains(&status),
            "CreateHostedZone: {status}\n{answer}"
        );
        answer
            .split("<Id>/hostedzone/")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .unwrap_or_else(|| panic!("no zone id in:\n{answer}"))
            .to_owned()
    }
}

/// The first line `python -c CODE` prints.
fn python_says(python: &Path, code: &str) -> String {
    let output = Command::new(python)
        .args(["-c", code])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        output.status.success(),
        "`{} -c {code}` failed:\n{}",
        python.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Whether moto answers `GET /moto-api/` with 200 on loopback `port`.
fn answers(port: u16) -> bool {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(2)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = b"GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let mut status = [0u8; 12];
    stream.write_all(request).is_ok()
        && stream.read_exact(&mut status).is_ok()
        && status.starts_with(b"HTTP/1.")
        && &status[9..] == b"200"
}

/// The CLI to deploy with and the provider mirror it installs the aws provider from.
pub(crate) struct Cli {
    tool: Tool,
    config: PathBuf,
}

impl Cli {
    /// OpenTofu: `TAPGEN_TOFU` or `tofu` on PATH (required under `TAPGEN_REQUIRE_TOOLS=1`).
    pub(crate) fn tofu() -> Option<Self> {
        let path = match std::env::var_os("TAPGEN_TOFU")
            .map(PathBuf::from)
            .or_else(|| on_path("tofu"))
        {
            Some(path) => path,
            None if required() => {
                panic!("TAPGEN_REQUIRE_TOOLS=1 but no tofu: set TAPGEN_TOFU or put tofu on PATH")
            }
            None => {
                eprintln!("skipped: tofu is not installed (scripts/install-tofu.sh builds it)");
                return None;
            }
        };
        Self::with(Tool { name: "tofu", path })
    }

    /// Terraform from PATH, where installed (never required).
    pub(crate) fn terraform() -> Option<Self> {
        let Some(path) = on_path("terraform") else {
            eprintln!("skipped: terraform is not on PATH");
            return None;
        };
        Self::with(Tool {
            name: "terraform",
            path,
        })
    }

    fn with(tool: Tool) -> Option<Self> {
        Some(Self {
            tool,
            config: cli_config()?,
        })
    }
}

/// Every AWS type a root's configuration uses, with the file of its first use, and what
/// would keep the override file from covering every provider configuration.
#[derive(Default)]
struct Inventory {
    types: BTreeMap<String, PathBuf>,
    root_providers: usize,
    problems: Vec<String>,
}

impl Inventory {
    /// Reads the `.tf` files of the root `dir` and of every local module it calls (the
    /// modules' examples are roots of their own, not part of this one).
    fn of(dir: &Path) -> Self {
        let mut inventory = Self::default();
        inventory.walk(dir, true, &mut BTreeSet::new());
        inventory
    }

    fn walk(&mut self, dir: &Path, is_root: bool, seen: &mut BTreeSet<PathBuf>) {
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        if !seen.insert(dir.clone()) {
            return;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("folder entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "tf"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read .tf file");
            let body = hcl::parse(&text)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
            for block in body.blocks() {
                let label = block.labels().first().map(|l| l.as_str()).unwrap_or("");
                match block.identifier() {
                    "resource" | "data" => {
                        self.types
                            .entry(label.to_owned())
                            .or_insert_with(|| file.clone());
                    }
                    "provider" if label == "aws" => {
                        let aliased = block.body().attributes().any(|a| a.key() == "alias");
                        if aliased {
                            self.problems.push(format!(
                                "{} declares an aliased aws provider: the override covers only the default one",
                                file.display()
                            ));
                        }
                        if is_root {
                            self.root_providers += 1;
                        } else {
                            self.problems.push(format!(
                                "{} (a module) configures the aws provider itself: the override covers only the root's",
                                file.display()
                            ));
                        }
                    }
                    "module" => {
                        let source = block.body().attributes().find(|a| a.key() == "source");
                        if let Some(hcl::Expression::String(source)) = source.map(|a| a.expr())
                            && (source.starts_with("./") || source.starts_with("../"))
                        {
                            self.walk(&dir.join(source), false, seen);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// The provider endpoints to point at the emulator: every service the families call
    /// (`tapgen::aws_services()`, which a unit test ties to each type they declare); or every
    /// type of the root that no family declares (whose service may be among none of them),
    /// and why the override would not cover the root.
    fn endpoints(&self) -> Result<BTreeSet<&'static str>, String> {
        let declared: BTreeSet<String> = tapgen::render::module::provider_types()
            .into_iter()
            .filter_map(|kind| Some(kind.split_once(' ')?.1.to_owned()))
            .collect();
        let mut problems = self.problems.clone();
        if self.root_providers == 0 {
            problems.push(
                "the root has no `provider \"aws\"` block for the override to merge into"
                    .to_owned(),
            );
        }
        for (kind, file) in &self.types {
            if !declared.contains(kind) {
                problems.push(format!(
                    "`{kind}` (in {}) is declared by no family, so no emulator endpoint is known \
                     to cover its AWS service: declare it in a family of src/family/, with its service",
                    file.display()
                ));
            }
        }
        if problems.is_empty() {
            Ok(tapgen::aws_services())
        } else {
            Err(problems.join("\n"))
        }
    }
}

/// The provider settings the override file merges into the root's `provider "aws"` block
/// (its region and default tags stay as rendered).
fn override_file(endpoint: &str, endpoints: &BTreeSet<&str>) -> String {
    let mut text = String::from(
        "# Written by tests/emulator.rs, not by tapgen: an override file, merged into the\n\
         # provider \"aws\" block of main.tf, pointing every service this root calls at moto.\n\
         provider \"aws\" {\n  \
           access_key                  = \"test\"\n  \
           secret_key                  = \"test\"\n  \
           skip_credentials_validation = true\n  \
           skip_metadata_api_check     = true\n  \
           # STS is emulated too: its account id (123456789012) goes into ARNs.\n  \
           skip_requesting_account_id = false\n  \
           s3_use_path_style          = true\n  \
           # A request that escapes to the proxy to nowhere fails within seconds instead of\n  \
           # after the default 25 retries with back-off.\n  \
           max_retries = 2\n\n  \
           endpoints {\n",
    );
    for name in endpoints {
        let _ = writeln!(text, "    {name} = \"{endpoint}\"");
    }
    text.push_str("  }\n}\n");
    text
}

/// One environment root of a config, rendered into a work folder and pointed at an
/// emulator. Each method is one step that asserts its own success.
pub(crate) struct Root<'e> {
    emulator: &'e Emulator,
    cli: &'e Cli,
    /// The root folder, `envs/<env>` in the work folder.
    pub(crate) dir: PathBuf,
    /// The stand-in for the shared AWS config and credentials files.
    empty: PathBuf,
    steps: Cell<u32>,
    work: WorkDir,
    /// Variables every step gets on top of the hermetic environment ([`Root::with_env`]).
    env: Vec<(String, String)>,
}

/// A finished step: its output and the log it was saved to.
struct Step {
    output: Output,
    log: PathBuf,
    title: String,
}

impl Step {
    fn text(&self) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }

    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// A failure message: what failed, where its full output is, and its last lines.
    fn failed(&self, why: &str) -> String {
        format!(
            "{}: {why}\n  full output: {}\n  its last lines:\n{}",
            self.title,
            self.log.display(),
            tail(&self.text(), 60)
        )
    }

    /// Asserts that the step exited 0; returns its stdout.
    #[track_caller]
    fn succeeded(self) -> String {
        assert!(
            self.output.status.success(),
            "{}",
            self.failed(&format!("exited with {}", self.output.status))
        );
        self.stdout()
    }
}

impl<'e> Root<'e> {
    /// Renders `env` of `config` (the text of a `tapgen.toml`) with tapgen, and writes the
    /// override that points the root at `emulator`. Fails when the root holds a type that no
    /// family declares (see [`Inventory::endpoints`]).
    #[track_caller]
    pub(crate) fn render(config: &str, env: &str, cli: &'e Cli, emulator: &'e Emulator) -> Self {
        Self::render_with(config, env, cli, emulator, &[])
    }

    /// [`Root::render`] with `handler_files` (name, text) written into the handler folder
    /// beside `handler.py`, such as a `requirements.txt`.
    #[track_caller]
    pub(crate) fn render_with(
        config: &str,
        env: &str,
        cli: &'e Cli,
        emulator: &'e Emulator,
        handler_files: &[(&str, &str)],
    ) -> Self {
        let work = WorkDir::new("work folder (render, state, step logs in logs/)");
        std::fs::create_dir_all(work.path.join("logs")).expect("logs folder");
        std::fs::create_dir_all(work.path.join("lambda")).expect("lambda folder");
        std::fs::copy(
            repo().join("lambda/handler.py"),
            work.path.join("lambda/handler.py"),
        )
        .expect("copy handler");
        for (name, text) in handler_files {
            std::fs::write(work.path.join("lambda").join(name), text).expect("handler file");
        }
        std::fs::write(work.path.join("tapgen.toml"), config).expect("config");
        let empty = work.path.join("aws-empty-config");
        std::fs::write(&empty, "").expect("empty AWS config");
        let root = Self {
            emulator,
            cli,
            dir: work.path.join("envs").join(env),
            empty,
            steps: Cell::new(0),
            work,
            env: Vec::new(),
        };
        // tapgen calls no AWS API, but may fetch the handler's dependencies from the
        // package index: through the developer's own network settings, not the closed proxy.
        root.run_in(
            &format!("tapgen terraform --env {env}"),
            Path::new(env!("CARGO_BIN_EXE_tapgen")),
            &["terraform", "--env", env],
            &root.work.path,
            false,
        )
        .succeeded();
        assert!(
            root.dir.join("main.tf").is_file(),
            "no main.tf in {} after rendering",
            root.dir.display()
        );
        // The package is shared, beside `envs/`: the root references it relative to itself.
        let package = crate::support::referenced(&root.dir, "lambda_package_path");
        assert!(
            package.as_ref().is_some_and(|p| p.is_file()),
            "the package {package:?} that {} references is not there",
            root.dir.display()
        );
        let endpoints = Inventory::of(&root.dir)
            .endpoints()
            .unwrap_or_else(|problems| {
                panic!(
                    "{} cannot be pointed at the emulator:\n{problems}",
                    root.dir.display()
                )
            });
        let text = override_file(&emulator.endpoint, &endpoints);
        std::fs::write(root.dir.join(OVERRIDE), text).expect("override file");
        root
    }

    /// Runs one step, hidden from the developer's AWS settings, saving its output in
    /// `logs/NN-<slug>.log`.
    fn run(&self, title: &str, program: &Path, args: &[&str], dir: &Path) -> Step {
        self.run_in(title, program, args, dir, true)
    }

    /// [`Root::run`], `hermetic` or with the developer's settings as they are.
    fn run_in(&self, title: &str, program: &Path, args: &[&str], dir: &Path, sealed: bool) -> Step {
        let n = self.steps.get() + 1;
        self.steps.set(n);
        // `tofu plan -detailed-exitcode ...` -> `tofu-plan-detailed-exitcode`.
        let words: Vec<String> = title
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|word| !word.is_empty())
            .take(4)
            .map(str::to_owned)
            .collect();
        let slug = words.join("-");
        let log = self.work.path.join(format!("logs/{n:02}-{slug}.log"));
        let mut command = Command::new(program);
        command.args(args).current_dir(dir).stdin(Stdio::null());
        if sealed {
            hermetic(&mut command, &self.empty);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
            .env("TF_CLI_CONFIG_FILE", &self.cli.config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0");
        let started = std::time::Instant::now();
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
        // Recorded for whoever reads the log; nothing asserts on it.
        let took = started.elapsed().as_secs_f64();
        let step = Step {
            output,
            log,
            title: format!("step {n} `{title}` in {}", dir.display()),
        };
        let saved = format!(
            "$ {} {}\n{}\n({}, {took:.1} s)\n",
            program.display(),
            args.join(" "),
            step.text(),
            step.output.status
        );
        std::fs::write(&step.log, saved).expect("step log");
        step
    }

    /// Adds `name=value` to every later step: for what reads its settings only from the
    /// environment, such as OpenTofu's `aws_kms` key provider, whose KMS endpoint has no
    /// setting in HCL (`AWS_ENDPOINT_URL_KMS`). Every value must point at the emulator.
    pub(crate) fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Runs the CLI in the root: whether it exited 0, and its stdout and stderr together.
    pub(crate) fn try_cli(&self, args: &[&str]) -> (bool, String) {
        let step = self.cli(args);
        (step.output.status.success(), step.text())
    }

    /// Runs the CLI in the root.
    fn cli(&self, args: &[&str]) -> Step {
        let title = format!("{} {}", self.cli.tool.name, args.join(" "));
        self.run(&title, &self.cli.tool.path, args, &self.dir)
    }

    #[track_caller]
    pub(crate) fn init(&self) {
        self.cli(&["init", "-input=false", "-no-color"]).succeeded();
    }

    /// Applies the root; returns the number of managed resources in its state.
    #[track_caller]
    pub(crate) fn apply(&self) -> usize {
        self.cli(&["apply", "-auto-approve", "-input=false", "-no-color"])
            .succeeded();
        let listed = self.cli(&["state", "list"]).succeeded();
        let managed = listed
            .lines()
            .filter(|line| !line.starts_with("data.") && !line.contains(".data."))
            .count();
        assert!(managed > 0, "nothing in the state after apply:\n{listed}");
        managed
    }

    /// Asserts that a plan right after apply shows no changes, but for changes a known
    /// emulator gap explains, each checked against the running moto; returns those.
    #[track_caller]
    pub(crate) fn assert_plan_is_empty(&self, gaps: &[KnownGap]) -> Vec<String> {
        let plan_file = self.work.path.join("after-apply.tfplan");
        let out = format!("-out={}", plan_file.display());
        let step = self.cli(&[
            "plan",
            "-detailed-exitcode",
            "-input=false",
            "-no-color",
            &out,
        ]);
        match step.output.status.code() {
            Some(0) => return Vec::new(),
            Some(2) => {}
            _ => panic!(
                "{}",
                step.failed(&format!("exited with {}", step.output.status))
            ),
        }
        let plan_path = plan_file.display().to_string();
        let json = self.cli(&["show", "-json", &plan_path]).succeeded();
        let plan: Value = serde_json::from_str(&json).expect("plan JSON");
        let report = classify(&plan, gaps, self.emulator);
        println!("{}", report.text);
        assert!(
            report.unexplained == 0,
            "{}",
            step.failed(&format!(
                "the plan after apply has {} change(s) that real AWS would show too:\n{}",
                report.unexplained, report.text
            ))
        );
        report.excused
    }

    /// The root's outputs, by name (their values).
    #[track_caller]
    pub(crate) fn outputs(&self) -> BTreeMap<String, Value> {
        let json = self.cli(&["output", "-json"]).succeeded();
        let outputs: BTreeMap<String, Value> =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("output -json: {e}:\n{json}"));
        outputs
            .into_iter()
            .map(|(name, output)| (name, output["value"].clone()))
            .collect()
    }

    /// Destroys the root; asserts that its state ends empty.
    #[track_caller]
    pub(crate) fn destroy(&self) {
        self.cli(&["destroy", "-auto-approve", "-input=false", "-no-color"])
            .succeeded();
        let left = self.cli(&["state", "list"]).succeeded();
        assert!(
            left.trim().is_empty(),
            "resources left in the state after destroy:\n{left}"
        );
    }
}

/// One planned change to a resource, as `show -json` gives it.
pub(crate) struct Change<'p> {
    pub(crate) kind: &'p str,
    pub(crate) actions: Vec<&'p str>,
    /// The top-level attributes that differ, or are only known after apply.
    pub(crate) attributes: Vec<String>,
    /// The values the refresh read back.
    pub(crate) before: &'p Value,
    pub(crate) after: &'p Value,
}

/// A documented emulator gap: a change it excuses, and a check against the installed moto
/// that the gap is still there, so that a release closing it stops excusing the change.
pub(crate) struct KnownGap {
    pub(crate) excuses: fn(&Change) -> bool,
    pub(crate) still_open: fn(&Emulator) -> bool,
    pub(crate) why: &'static str,
}

/// moto implements no Lambda `LoggingConfig` (CreateFunction drops it, GetFunction never
/// returns it), so `logging_config` reads back empty on every refresh; real AWS returns it.
pub(crate) const LAMBDA_LOGGING_CONFIG: KnownGap = KnownGap {
    excuses: |change| {
        change.kind == "aws_lambda_function"
            && change.actions == ["update"]
            && change.attributes == ["logging_config"]
            && is_empty(&change.before["logging_config"])
            && !is_empty(&change.after["logging_config"])
    },
    still_open: |emulator| {
        !emulator
            .source_of("moto.awslambda.models")
            .contains("LoggingConfig")
    },
    why: "does not implement Lambda LoggingConfig (CreateFunction drops it, GetFunction never \
          returns it), so logging_config reads back empty on every refresh; real AWS returns it",
};

fn has_unknown(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Array(items) => items.iter().any(has_unknown),
        Value::Object(fields) => fields.values().any(has_unknown),
        _ => false,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// The top-level attributes that differ between before and after (or are unknown); with
/// `null_is_empty`, a null that became `[]`/`{}`/`""` (or back) is no difference.
fn changed_attributes(change: &Value, null_is_empty: bool) -> Vec<String> {
    let empty = serde_json::Map::new();
    let fields = |key: &str| change[key].as_object().unwrap_or(&empty).clone();
    let (before, after, unknown) = (fields("before"), fields("after"), fields("after_unknown"));
    let names: BTreeSet<&String> = before
        .keys()
        .chain(after.keys())
        .chain(unknown.keys())
        .collect();
    names
        .into_iter()
        .filter(|name| {
            let (b, a) = (
                &change["before"][name.as_str()],
                &change["after"][name.as_str()],
            );
            let differs = has_unknown(&change["after_unknown"][name.as_str()]) || b != a;
            differs && !(null_is_empty && is_empty(b) && is_empty(a))
        })
        .cloned()
        .collect()
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 160 {
        text
    } else {
        format!("{}...", text.chars().take(157).collect::<String>())
    }
}

struct Report {
    text: String,
    unexplained: usize,
    excused: Vec<String>,
}

/// Lists what the refresh read back differently and each planned change, excused or not.
fn classify(plan: &Value, gaps: &[KnownGap], emulator: &Emulator) -> Report {
    let mut text = String::new();
    let none = Vec::new();
    // Mostly null -> [] / {} normalisations; they matter when an expression hashes whole
    // resource objects.
    for drift in plan["resource_drift"].as_array().unwrap_or(&none) {
        let all = changed_attributes(&drift["change"], false);
        let values = changed_attributes(&drift["change"], true);
        let nulls: Vec<&String> = all.iter().filter(|a| !values.contains(a)).collect();
        let mut parts = Vec::new();
        if !values.is_empty() {
            parts.push(format!("values changed: {}", values.join(", ")));
        }
        if !nulls.is_empty() {
            let nulls: Vec<&str> = nulls.iter().map(|s| s.as_str()).collect();
            parts.push(format!("null -> empty only: {}", nulls.join(", ")));
        }
        let _ = writeln!(
            text,
            "  refreshed differently: {} ({})",
            drift["address"].as_str().unwrap_or("?"),
            parts.join("; ")
        );
    }
    let mut unexplained = 0;
    let mut excused = Vec::new();
    for resource in plan["resource_changes"].as_array().unwrap_or(&none) {
        let ch = &resource["change"];
        let actions: Vec<&str> = ch["actions"]
            .as_array()
            .unwrap_or(&none)
            .iter()
            .filter_map(Value::as_str)
            .collect();
        if actions == ["no-op"] || actions == ["read"] {
            continue;
        }
        let change = Change {
            kind: resource["type"].as_str().unwrap_or(""),
            actions,
            attributes: changed_attributes(ch, false),
            before: &ch["before"],
            after: &ch["after"],
        };
        let address = resource["address"].as_str().unwrap_or("?");
        let why = gaps
            .iter()
            .find(|gap| (gap.excuses)(&change) && (gap.still_open)(emulator))
            .map(|gap| format!("moto {} {}", emulator.version, gap.why));
        let tag = match &why {
            Some(_) => "EMULATOR (excused)",
            None if change
                .attributes
                .iter()
                .all(|a| has_unknown(&ch["after_unknown"][a.as_str()])) =>
            {
                "DRIFT (follows from another change: only values known after apply)"
            }
            None => "DRIFT",
        };
        let _ = writeln!(
            text,
            "  {tag} {address}: {}; attributes: {}",
            change.actions.join("/"),
            change.attributes.join(", ")
        );
        if let Some(paths) = ch.get("replace_paths") {
            let _ = writeln!(text, "      forces replacement: {}", short(paths));
        }
        for a in &change.attributes {
            let after = if has_unknown(&ch["after_unknown"][a.as_str()]) {
                "(known after apply)".to_owned()
            } else {
                short(&change.after[a.as_str()])
            };
            let _ = writeln!(
                text,
                "      {a}: {} -> {after}",
                short(&change.before[a.as_str()])
            );
        }
        match why {
            Some(why) => {
                let _ = writeln!(text, "      why excused: {why}");
                excused.push(address.to_owned());
            }
            None => unexplained += 1,
        }
    }
    let _ = writeln!(
        text,
        "  {unexplained} change(s) not explained by the emulator"
    );
    Report {
        text,
        unexplained,
        excused,
    }
}

/// envs/staging of the embedded default config: init, apply, an empty plan (but for the
/// Lambda logging config moto cannot store), its outputs, destroy.
fn deploy_default_staging(cli: &Cli, emulator: &Emulator) {
    let root = Root::render(tapgen::config::DEFAULT_CONFIG, "staging", cli, emulator);
    root.init();
    let resources = root.apply();
    let excused = root.assert_plan_is_empty(&[LAMBDA_LOGGING_CONFIG]);
    let outputs = root.outputs();
    for name in ["api_invoke_url", "function_name", "bucket_name"] {
        assert!(
            outputs
                .get(name)
                .and_then(Value::as_str)
                .is_some_and(|v| !v.is_empty()),
            "output {name} is missing or empty: {outputs:#?}"
        );
    }
    assert_eq!(
        outputs["bucket_name"], "tap-logs-staging",
        "bucket_name: {outputs:#?}"
    );
    let url = outputs["api_invoke_url"].as_str().unwrap_or("");
    assert!(
        url.starts_with("https://"),
        "api_invoke_url {url:?} is not an https URL"
    );
    root.destroy();
    println!(
        "{}: {resources} resources applied against moto {}, plan empty (excused: {excused:?}), outputs checked, destroyed",
        cli.tool.name, emulator.version
    );
}

/// A root with `[api.domain]` and a hosted zone: init, apply, an empty plan, the custom URL
/// output, the domain, its mapping and the alias record read back from the emulator, destroy.
fn deploy_with_a_domain(cli: &Cli, emulator: &Emulator) {
    let zone = emulator.create_hosted_zone("example.com");
    let config = format!(
        "[project]\nname = \"dom\"\nregion = \"us-east-1\"\n\n\
         [api.domain]\nname = \"api.example.com\"\n\
         certificate_arn = \"arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab\"\n\
         zone_id = \"{zone}\"\nbase_path = \"orders\"\n"
    );
    let root = Root::render(&config, "dev", cli, emulator);
    root.init();
    let resources = root.apply();
    let excused = root.assert_plan_is_empty(&[LAMBDA_LOGGING_CONFIG]);
    let outputs = root.outputs();
    assert_eq!(
        outputs["api_custom_url"], "https://api.example.com/orders",
        "{outputs:#?}"
    );
    let target = outputs["api_domain_target"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(target.contains(".execute-api.us-east-1."), "{outputs:#?}");
    let (status, domain) =
        emulator.request("GET", "apigateway", "/domainnames/api.example.com", "");
    assert_eq!(status, 200, "GetDomainName:\n{domain}");
    let domain: Value = serde_json::from_str(&domain).expect("domain JSON");
    assert_eq!(domain["regionalDomainName"], target.as_str(), "{domain:#}");
    assert_eq!(domain["securityPolicy"], "TLS_1_2", "{domain:#}");
    let (status, mappings) = emulator.request(
        "GET",
        "apigateway",
        "/domainnames/api.example.com/basepathmappings",
        "",
    );
    assert_eq!(status, 200, "GetBasePathMappings:\n{mappings}");
    assert!(
        mappings.contains("\"basePath\": \"orders\"")
            || mappings.contains("\"basePath\":\"orders\""),
        "{mappings}"
    );
    let (status, records) = emulator.request(
        "GET",
        "route53",
        &format!("/2013-04-01/hostedzone/{zone}/rrset"),
        "",
    );
    assert_eq!(status, 200, "ListResourceRecordSets:\n{records}");
    let record = records
        .split("<ResourceRecordSet>")
        .find(|set| set.contains("<Name>api.example.com.</Name>"))
        .unwrap_or_else(|| panic!("no record for api.example.com in:\n{records}"));
    assert!(record.contains("<Type>A</Type>"), "{record}");
    assert!(record.contains(&format!("<DNSName>{target}")), "{record}");
    root.destroy();
    let (status, _) = emulator.request("GET", "apigateway", "/domainnames/api.example.com", "");
    assert_eq!(status, 404, "the domain is left after destroy");
    println!(
        "{}: {resources} resources with a custom domain applied against moto {}, plan empty (excused: {excused:?}), domain, mapping and record read back, destroyed",
        cli.tool.name, emulator.version
    );
}

/// A root whose package carries dependencies (six and PyYAML, pinned), in the function's
/// package or, with `layer`, in an `aws_lambda_layer_version` the function uses: init,
/// apply, an empty plan, destroy.
fn deploy_with_dependencies(cli: &Cli, emulator: &Emulator, layer: bool) {
    let config = format!("[project]\nname = \"deps\"\n\n[lambda]\nlayer = {layer}\n\n[env.dev]\n");
    let root = Root::render_with(
        &config,
        "dev",
        cli,
        emulator,
        &[("requirements.txt", "six==1.16.0\nPyYAML==6.0.2\n")],
    );
    let package = crate::support::referenced(&root.dir, "lambda_package_path").expect("package");
    let names = zip_names(&package);
    let layer_package = crate::support::referenced(&root.dir, "lambda_layer_package_path");
    let dependencies = match &layer_package {
        Some(layer_package) => zip_names(layer_package),
        None => names.clone(),
    };
    let prefix = if layer { "python/" } else { "" };
    assert_eq!(layer_package.is_some(), layer, "{}", root.dir.display());
    assert!(
        dependencies
            .iter()
            .any(|n| *n == format!("{prefix}yaml/_yaml.cpython-312-x86_64-linux-gnu.so")),
        "{dependencies:?}"
    );
    assert_eq!(names.iter().any(|n| n == "six.py"), !layer, "{names:?}");
    root.init();
    let resources = root.apply();
    let listed = root.cli(&["state", "list"]).succeeded();
    assert_eq!(
        listed.contains("module.api.aws_lambda_layer_version.dependencies[0]"),
        layer,
        "{listed}"
    );
    if layer {
        let function = root
            .cli(&[
                "state",
                "show",
                "-no-color",
                "module.api.aws_lambda_function.this",
            ])
            .succeeded();
        let version = root
            .cli(&[
                "state",
                "show",
                "-no-color",
                "module.api.aws_lambda_layer_version.dependencies[0]",
            ])
            .succeeded();
        let arn = version
            .lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix("arn "))
            .and_then(|rest| rest.split('"').nth(1))
            .unwrap_or_else(|| panic!("no arn in the layer's state:\n{version}"))
            .to_owned();
        assert!(
            function.contains(&arn),
            "the function does not use {arn}:\n{function}"
        );
    }
    let excused = root.assert_plan_is_empty(&[LAMBDA_LOGGING_CONFIG]);
    root.destroy();
    println!(
        "{}: {resources} resources with dependencies (layer = {layer}) applied against moto {}, plan empty (excused: {excused:?}), destroyed",
        cli.tool.name, emulator.version
    );
}

#[test]
fn a_custom_domain_deploys_with_tofu_against_the_emulator_with_its_record() {
    let Some(cli) = Cli::tofu() else { return };
    let Some(emulator) = Emulator::start() else {
        return;
    };
    deploy_with_a_domain(&cli, &emulator);
}

#[test]
fn a_custom_domain_deploys_with_terraform_against_the_emulator_with_its_record() {
    let Some(cli) = Cli::terraform() else { return };
    let Some(emulator) = Emulator::start() else {
        return;
    };
    deploy_with_a_domain(&cli, &emulator);
}

fn zip_names(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).expect("package");
    zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .expect("a zip")
        .file_names()
        .map(|name| name.expect("a name").into_owned())
        .collect()
}

#[test]
fn a_package_with_dependencies_deploys_with_tofu_against_the_emulator() {
    let Some(cli) = Cli::tofu() else { return };
    if crate::lambda_deps::uv().is_none() {
        return;
    }
    let Some(emulator) = Emulator::start() else {
        return;
    };
    deploy_with_dependencies(&cli, &emulator, false);
}

#[test]
fn a_dependency_layer_deploys_with_tofu_against_the_emulator() {
    let Some(cli) = Cli::tofu() else { return };
    if crate::lambda_deps::uv().is_none() {
        return;
    }
    let Some(emulator) = Emulator::start() else {
        return;
    };
    deploy_with_dependencies(&cli, &emulator, true);
}

#[test]
fn staging_deploys_with_tofu_against_the_emulator_and_destroys_cleanly() {
    let Some(cli) = Cli::tofu() else { return };
    let Some(emulator) = Emulator::start() else {
        return;
    };
    deploy_default_staging(&cli, &emulator);
}

#[test]
fn staging_deploys_with_terraform_against_the_emulator_and_destroys_cleanly() {
    let Some(cli) = Cli::terraform() else { return };
    let Some(emulator) = Emulator::start() else {
        return;
    };
    deploy_default_staging(&cli, &emulator);
}

/// Without any tool: every root of every test config (each environment and each module
/// example) uses only types whose AWS service the emulator tests can point at moto.
#[test]
fn every_rendered_aws_type_has_an_emulator_endpoint() {
    for (name, text) in test_configs() {
        let dir = tempfile::tempdir().expect("temp dir");
        render_into(dir.path(), &text);
        let mut roots = Vec::new();
        for parent in ["envs", "modules"] {
            for entry in std::fs::read_dir(dir.path().join(parent)).expect("rendered folder") {
                let path = entry.expect("entry").path();
                if parent == "envs" {
                    roots.push(path);
                } else {
                    for example in std::fs::read_dir(path.join("examples")).expect("examples") {
                        roots.push(example.expect("entry").path());
                    }
                }
            }
        }
        assert!(roots.len() >= 3, "{name}: {roots:?}");
        for root in roots {
            let inventory = Inventory::of(&root);
            assert!(
                inventory.types.len() > 10,
                "{name}: {}: {:?}",
                root.display(),
                inventory.types
            );
            if let Err(problems) = inventory.endpoints() {
                panic!("{name}: {}:\n{problems}", root.display());
            }
        }
    }
}
