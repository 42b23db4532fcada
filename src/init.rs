//! `tapgen init`: scaffold a project without ever overwriting a file unasked.

use crate::config::DEFAULT_CONFIG;
use crate::error::Error;
use std::path::{Path, PathBuf};

const HANDLER: &str = include_str!("../lambda/handler.py");
const GITIGNORE: &str = "\
# OpenTofu/Terraform working state; commit .terraform.lock.hcl, not these.
.terraform/
*.tfstate
*.tfstate.*
crash.log
__pycache__/
# Module packages from `tapgen module package`: release artifacts, published not committed.
/dist/
";

/// The files `init` writes, relative to the project folder.
pub fn scaffold() -> Vec<(PathBuf, &'static str)> {
    vec![
        (PathBuf::from("tapgen.toml"), DEFAULT_CONFIG),
        (PathBuf::from("lambda/handler.py"), HANDLER),
        (PathBuf::from(".gitignore"), GITIGNORE),
    ]
}

/// Writes the scaffold into `dir`; returns the files written.
pub fn run(dir: &Path, force: bool) -> Result<Vec<PathBuf>, Error> {
    let files = scaffold();
    if !force {
        let existing: Vec<String> = files
            .iter()
            .map(|(path, _)| dir.join(path))
            .filter(|path| path.exists())
            .map(|path| format!("`{}`", path.display()))
            .collect();
        if !existing.is_empty() {
            return Err(Error::usage(
                format!("refusing to overwrite {}", existing.join(", ")),
                Some("run `tapgen init --force` to overwrite, or scaffold another folder: `tapgen init DIR`".to_owned()),
            ));
        }
    }
    let mut written = Vec::new();
    for (relative, contents) in files {
        let path = dir.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create folder", parent, e))?;
        }
        std::fs::write(&path, contents).map_err(|e| Error::io("write", &path, e))?;
        written.push(path);
    }
    Ok(written)
}
