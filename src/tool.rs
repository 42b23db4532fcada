//! `tapgen validate`: runs the real OpenTofu (or Terraform) on rendered output.

use crate::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The tool to run: `$TAPGEN_TOFU`, else `tofu` on PATH, else `terraform` on PATH.
pub fn find() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TAPGEN_TOFU").map(PathBuf::from)
        && path.is_file()
    {
        return Some(path);
    }
    let path = std::env::var_os("PATH")?;
    ["tofu", "terraform"].iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

fn run(tool: &Path, dir: &Path, args: &[&str]) -> Result<(), Error> {
    let shown = format!(
        "{} {}",
        tool.file_name().unwrap_or_default().to_string_lossy(),
        args.join(" ")
    );
    eprintln!("running `{shown}` in `{}`", dir.display());
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
        message: format!(
            "`{shown}` failed in `{}`:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        help: None,
    })
}

/// `fmt -check` on the module and the root, then `init -backend=false` and `validate` on the root.
pub fn validate(env_dir: &Path, module_dir: &Path) -> Result<(), Error> {
    let Some(tool) = find() else {
        return Err(Error::Tool {
            message: "neither `tofu` nor `terraform` is on PATH".to_owned(),
            help: Some("install OpenTofu (`scripts/install-tofu.sh` builds it) and put it on PATH, or set TAPGEN_TOFU to its path".to_owned()),
        });
    };
    for dir in [env_dir, module_dir] {
        if !dir.is_dir() {
            return Err(Error::usage(
                format!("`{}` does not exist", dir.display()),
                Some("render it first with `tapgen terraform --env ENV`".to_owned()),
            ));
        }
    }
    eprintln!("using {}", tool.display());
    run(&tool, module_dir, &["fmt", "-check", "-recursive", "-diff"])?;
    run(&tool, env_dir, &["fmt", "-check", "-diff"])?;
    run(
        &tool,
        env_dir,
        &["init", "-backend=false", "-input=false", "-no-color"],
    )?;
    run(&tool, env_dir, &["validate", "-no-color"])?;
    eprintln!("{}: fmt and validate passed", env_dir.display());
    Ok(())
}
