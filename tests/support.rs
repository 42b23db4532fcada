//! Shared helpers: temporary projects and in-process renders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tapgen::output::File;

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch project folder holding the Lambda handler, like one `tapgen init` makes.
pub(crate) struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("lambda")).expect("lambda dir");
        std::fs::copy(
            repo().join("lambda/handler.py"),
            dir.path().join("lambda/handler.py"),
        )
        .expect("copy handler");
        Self { dir }
    }

    pub(crate) fn with_config(text: &str) -> Self {
        let project = Self::new();
        project.write("tapgen.toml", text.as_bytes());
        project
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn write(&self, relative: &str, bytes: &[u8]) {
        let path = self.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("parent dir");
        }
        std::fs::write(path, bytes).expect("write");
    }

    pub(crate) fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path().join(relative)).expect("read")
    }

    pub(crate) fn tapgen(&self) -> assert_cmd::Command {
        let mut command = assert_cmd::Command::cargo_bin("tapgen").expect("tapgen binary");
        command.current_dir(self.path());
        command
    }

    /// Runs `tapgen ARGS` in the project and asserts that it refuses: exit 2, and no file
    /// below the project changed. Returns what it printed, for the test's own checks.
    pub(crate) fn refuses(&self, args: &[&str]) -> Refusal {
        let what = format!("`tapgen {}`", args.join(" "));
        self.refuses_with(2, &what, self.tapgen().args(args))
    }

    /// Like [`Project::refuses`], for a `command` from [`Project::tapgen`] with its arguments,
    /// environment or timeout set, that must exit `code` (2 for a refusal, 1 for drift found
    /// by `--check` or `validate`, 3 for a failed write rolled back) and leave every file
    /// below the project as it was. `what` names the run (a case, the command) when an
    /// assertion fails; stderr is shown with it.
    pub(crate) fn refuses_with(
        &self,
        code: i32,
        what: &str,
        command: &mut assert_cmd::Command,
    ) -> Refusal {
        let before = self.snapshot();
        let output = command.output().expect("run tapgen");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(
            output.status.code(),
            Some(code),
            "{what}: exit code\n{stderr}"
        );
        assert_eq!(before, self.snapshot(), "{what} changed files\n{stderr}");
        Refusal { stdout, stderr }
    }

    /// Every file and folder below the project and its bytes, to prove a command wrote
    /// nothing. Links are recorded by their target and never followed; named pipes and
    /// other special files by their kind, never opened.
    pub(crate) fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        let mut pending = vec![self.path().to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).expect("read dir") {
                let entry = entry.expect("entry");
                let path = entry.path();
                let kind = entry.file_type().expect("file type");
                let relative = path.strip_prefix(self.path()).expect("below").to_path_buf();
                let bytes = if kind.is_dir() {
                    pending.push(path);
                    b"<folder>".to_vec()
                } else if kind.is_symlink() {
                    let target = std::fs::read_link(&path).expect("read link");
                    format!("<link to {}>", target.display()).into_bytes()
                } else if kind.is_file() {
                    std::fs::read(&path).unwrap_or_default()
                } else {
                    b"<special file>".to_vec()
                };
                files.insert(relative, bytes);
            }
        }
        files
    }
}

/// What a run that [`Project::refuses`] printed.
pub(crate) struct Refusal {
    pub stdout: String,
    pub stderr: String,
}

/// Renders a config in process: the module and every environment.
pub(crate) fn render(config_text: &str, base_dir: &Path) -> Vec<File> {
    let loaded = tapgen::check::parse(
        "tapgen.toml",
        config_text.to_owned(),
        base_dir.to_path_buf(),
    )
    .unwrap_or_else(|e| panic!("config does not parse: {e}"));
    let environments = tapgen::stack::environments(&loaded.config);
    let resolved = tapgen::check::validate(&loaded, &environments)
        .unwrap_or_else(|e| panic!("config is invalid: {e}"));
    tapgen::render_terraform(&loaded, &resolved, base_dir)
        .expect("renders")
        .0
}

/// The configs every render-level test runs on: the embedded default, a minimal one and one
/// that sets every option.
pub(crate) fn test_configs() -> Vec<(&'static str, String)> {
    vec![
        ("default", tapgen::config::DEFAULT_CONFIG.to_owned()),
        (
            "minimal",
            std::fs::read_to_string(repo().join("tests/configs/minimal.toml")).expect("minimal"),
        ),
        (
            "all-options",
            std::fs::read_to_string(repo().join("tests/configs/all-options.toml"))
                .expect("all-options"),
        ),
        (
            "account-encryption",
            std::fs::read_to_string(repo().join("tests/configs/account-encryption.toml"))
                .expect("account-encryption"),
        ),
    ]
}

/// Writes the full render of a config into `dir` through the real command.
pub(crate) fn render_into(dir: &Path, config_text: &str) {
    std::fs::create_dir_all(dir.join("lambda")).expect("lambda dir");
    std::fs::copy(
        repo().join("lambda/handler.py"),
        dir.join("lambda/handler.py"),
    )
    .expect("copy handler");
    std::fs::write(dir.join("tapgen.toml"), config_text).expect("config");
    assert_cmd::Command::cargo_bin("tapgen")
        .expect("tapgen binary")
        .current_dir(dir)
        .args(["terraform", "--all"])
        .assert()
        .success();
}

/// The Lambda package file that the root `envs/<env>` below `dir` references.
pub(crate) fn root_package(dir: &Path, env: &str) -> PathBuf {
    referenced(&dir.join("envs").join(env), "lambda_package_path")
        .unwrap_or_else(|| panic!("envs/{env} references no Lambda package"))
}

/// The file a root (or example) folder passes to the module `input` as
/// `"${path.module}/..."`, resolved against the folder; `None` for `null`.
pub(crate) fn referenced(root: &Path, input: &str) -> Option<PathBuf> {
    let main = std::fs::read_to_string(root.join("main.tf")).expect("main.tf");
    let prefix = format!("{input} ");
    let line = main
        .lines()
        .map(str::trim_start)
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("{} passes no {input}", root.display()));
    let value = line.split_once('=').expect("an attribute").1.trim();
    if value == "null" {
        return None;
    }
    let relative = value
        .trim_matches('"')
        .strip_prefix("${path.module}/")
        .unwrap_or_else(|| panic!("{input} is not relative to the root: {value}"));
    let path = root.join(relative);
    Some(std::fs::canonicalize(&path).unwrap_or(path))
}
