//! `tapgen validate`: runs the real OpenTofu (or Terraform) on rendered output.

use crate::error::Error;
use crate::ui;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where to get OpenTofu or Terraform, for the hint when neither is found.
const INSTALL_HINT: &str = "install OpenTofu (https://opentofu.org/docs/intro/install/) or Terraform and put `tofu` or `terraform` on `PATH`, or set `TAPGEN_TOFU` to the binary's path";

/// The tool to run: `$TAPGEN_TOFU`, else `tofu` on PATH, else `terraform` on PATH.
///
/// `$TAPGEN_TOFU` is an explicit choice: if it does not name an executable file, that is an
/// error, never a quiet fallback to another tool.
pub(crate) fn find() -> Result<PathBuf, Error> {
    if let Some(chosen) = std::env::var_os("TAPGEN_TOFU") {
        return chosen_tool(
            "TAPGEN_TOFU",
            Path::new(&chosen),
            "point `TAPGEN_TOFU` at the `tofu` or `terraform` binary, or unset it to use the one on `PATH`",
        );
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    ["tofu", "terraform"]
        .iter()
        .find_map(|name| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .find(|candidate| is_executable(candidate))
        })
        .ok_or_else(|| Error::Tool {
            message: "neither `tofu` nor `terraform` is on `PATH`".to_owned(),
            output: String::new(),
            help: Some(INSTALL_HINT.to_owned()),
        })
}

/// The tool an environment variable (`variable`) names: an explicit choice, so anything
/// but an executable file is an error saying so, with `help`, never a quiet fallback.
pub(crate) fn chosen_tool(variable: &str, path: &Path, help: &str) -> Result<PathBuf, Error> {
    let problem = if path.as_os_str().is_empty() {
        "is set but empty".to_owned()
    } else {
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                format!("names `{}`, which does not exist", path.display())
            }
            Err(e) => format!("names `{}`, which cannot be read: {e}", path.display()),
            Ok(meta) if !meta.is_file() => {
                format!("names `{}`, which is not a file", path.display())
            }
            Ok(_) if !is_executable(path) => {
                format!("names `{}`, which is not executable", path.display())
            }
            Ok(_) => return Ok(path.to_path_buf()),
        }
    };
    Err(Error::Tool {
        message: format!("`{variable}` {problem}"),
        output: String::new(),
        help: Some(help.to_owned()),
    })
}

/// A file with an execute bit, as a shell's PATH search requires.
pub(crate) fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| {
        #[cfg(unix)]
        let executable = {
            use std::os::unix::fs::PermissionsExt;
            meta.permissions().mode() & 0o111 != 0
        };
        #[cfg(not(unix))]
        let executable = true;
        meta.is_file() && executable
    })
}

/// Whether `tool` is Terraform rather than OpenTofu: the first line of its `version` says
/// (`Terraform v1.9.8`, `OpenTofu v1.10.0`), whatever the binary is called.
pub(crate) fn is_terraform(tool: &Path) -> Result<bool, Error> {
    let output = Command::new(tool)
        .arg("version")
        .env("TF_IN_AUTOMATION", "1")
        // No release check over the network: only the local version is wanted.
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .map_err(|e| Error::io("run", tool, e))?;
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text
        .lines()
        .next()
        .is_some_and(|line| line.starts_with("Terraform ")))
}

fn run(tool: &Path, dir: &Path, args: &[&str]) -> Result<(), Error> {
    let shown = format!(
        "{} {}",
        tool.file_name().unwrap_or_default().to_string_lossy(),
        args.join(" ")
    );
    ui::line(&format!("running `{shown}` in `{}`", dir.display()))?;
    let output = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .map_err(|e| Error::io("run", tool, e))?;
    if output.status.success() {
        return Ok(());
    }
    Err(Error::Tool {
        message: format!("`{shown}` failed in `{}`:", dir.display()),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        help: Some(format!(
            "the output above is `{shown}`'s own: fix what it reports (a provider it cannot download, a release too old for the render), then run `tapgen validate` again"
        )),
    })
}

/// `fmt -check` on the module and the root, then `init -backend=false` and `validate` on the root.
pub(crate) fn validate(env_dir: &Path, module_dir: &Path) -> Result<(), Error> {
    let tool = find()?;
    for dir in [env_dir, module_dir] {
        if !dir.is_dir() {
            return Err(Error::usage(
                format!("`{}` does not exist", dir.display()),
                Some("render it first with `tapgen terraform --env ENV`".to_owned()),
            ));
        }
    }
    ui::line(&format!("using {}", tool.display()))?;
    run(&tool, module_dir, &["fmt", "-check", "-recursive", "-diff"])?;
    run(&tool, env_dir, &["fmt", "-check", "-diff"])?;
    run(
        &tool,
        env_dir,
        &["init", "-backend=false", "-input=false", "-no-color"],
    )?;
    run(&tool, env_dir, &["validate", "-no-color"])?;
    ui::line(&format!("{}: fmt and validate passed", env_dir.display()))?;
    Ok(())
}
