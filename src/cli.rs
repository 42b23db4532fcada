//! The command line: every command, flag and example lives here.

use crate::error::Error;
use clap::{Args, CommandFactory, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  tapgen terraform --env staging     render modules/<name>/ and envs/staging/
  tapgen terraform --all --check     fail (exit 1) if any committed output is stale
  tapgen init my-api                 scaffold tapgen.toml, lambda/handler.py, .gitignore
  tapgen schema > tapgen.schema.json JSON Schema for editor completion

Exit codes:
  0  success
  1  `--check` (or `validate`) found output that differs from a fresh render
  2  bad command line or config, or a hand-edited file in the way; nothing was written
  3  reading or writing files (stdout and stderr too) failed, or an external tool failed

Without --config, tapgen reads ./tapgen.toml, or its embedded default (environments dev,
staging and prod) where there is none, and then says so on stderr.";

#[derive(Debug, Parser)]
#[command(
    name = "tapgen",
    version,
    about = "Turn one typed config into plain, reviewable Terraform/OpenTofu for a serverless API on AWS",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Config file, for terraform, module and validate [default: ./tapgen.toml, else the
    /// embedded default]
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Output folder, for terraform, module and validate [default: the config file's folder]
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// Which config to read and where its output lives: for the commands that read a config.
#[derive(Debug, Default, Args)]
pub struct ConfigArgs {
    /// Config file [default: ./tapgen.toml, else the embedded default]
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Folder the output goes in [default: the config file's folder]
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render the module and the root configuration of one or every environment
    #[command(after_help = "\
Examples:
  tapgen terraform                   render the `dev` environment
  tapgen terraform --env staging     render modules/<name>/ and envs/staging/
  tapgen terraform --all             render every environment the config declares
  tapgen terraform --all --check     exit 1 and print a diff if anything is stale")]
    Terraform(TerraformArgs),

    /// Render only the reusable module, as published to a module registry
    #[command(after_help = "\
Examples:
  tapgen module                      render modules/<name>/
  tapgen module --check              exit 1 and print a diff if it is stale")]
    Module(ModuleArgs),

    /// Scaffold a project: a commented tapgen.toml, lambda/handler.py and .gitignore
    #[command(after_help = "\
Examples:
  tapgen init                        scaffold the current folder
  tapgen init my-api                 scaffold ./my-api, creating it
  tapgen init --force                overwrite an existing tapgen.toml

An existing lambda/handler.py is kept, and an existing .gitignore gets only the lines
tapgen needs appended.")]
    Init(InitArgs),

    /// Print the JSON Schema of tapgen.toml, for editors such as taplo or VS Code
    #[command(after_help = "\
Examples:
  tapgen schema > tapgen.schema.json
  then start tapgen.toml with: #:schema ./tapgen.schema.json")]
    Schema,

    /// Print shell completions
    #[command(after_help = "\
Examples:
  tapgen completions bash > /etc/bash_completion.d/tapgen
  tapgen completions zsh > ~/.zfunc/_tapgen

In bash, `--env` completes the environments of the config in use (./tapgen.toml, or the
one `--config` names).")]
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },

    /// The environments a config declares, one per line: what shell completion offers for `--env`
    #[command(name = "__environments", hide = true)]
    Environments {
        /// Config file [default: ./tapgen.toml, else the embedded default]
        #[arg(long, short = 'c', value_name = "FILE")]
        config: Option<PathBuf>,
    },

    /// Run `fmt -check` and `validate` of tofu (or terraform) on a rendered environment
    #[command(after_help = "\
Examples:
  tapgen terraform --env staging && tapgen validate --env staging
  TAPGEN_TOFU=/opt/tofu/tofu tapgen validate --env prod

Refuses (exit 1) a render that is stale against the config: render it first.
Uses $TAPGEN_TOFU if set (it must name an executable), else `tofu` from PATH, else
`terraform`. `init` runs with -backend=false, so no state or credentials are needed.")]
    Validate(ValidateArgs),
}

#[derive(Debug, Args)]
pub struct WriteArgs {
    /// Write nothing; print a diff and exit 1 if the files on disk differ from a fresh render
    #[arg(long)]
    pub check: bool,

    /// Overwrite generated files that were edited by hand, and files tapgen did not write
    #[arg(long, conflicts_with = "check")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ModuleArgs {
    #[command(flatten)]
    pub paths: ConfigArgs,

    #[command(flatten)]
    pub write: WriteArgs,
}

#[derive(Debug, Args)]
pub struct TerraformArgs {
    /// Environment to render
    #[arg(
        long,
        short = 'e',
        value_name = "ENV",
        default_value = "dev",
        conflicts_with = "all"
    )]
    pub env: String,

    /// Render every environment the config declares
    #[arg(long)]
    pub all: bool,

    #[command(flatten)]
    pub paths: ConfigArgs,

    #[command(flatten)]
    pub write: WriteArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to scaffold
    #[arg(default_value = ".")]
    pub dir: PathBuf,

    /// Overwrite an existing tapgen.toml
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Environment whose rendered root to check
    #[arg(long, short = 'e', value_name = "ENV", default_value = "dev")]
    pub env: String,

    #[command(flatten)]
    pub paths: ConfigArgs,
}

/// Adds a did-you-mean to an unknown-flag error where clap has none. clap compares names by
/// Jaro similarity, which misses swapped letters in short names (`--evn` for `--env`); the
/// edit distance that the config's own did-you-means use finds them.
pub fn suggest_flag(error: &mut clap::Error, args: &[OsString]) {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if error.kind() != ErrorKind::UnknownArgument
        || error.get(ContextKind::SuggestedArg).is_some()
        || error.get(ContextKind::Suggested).is_some()
    {
        return;
    }
    let Some(ContextValue::String(given)) = error.get(ContextKind::InvalidArg) else {
        return;
    };
    let Some(name) = given.strip_prefix("--") else {
        return;
    };
    let name = name.split('=').next().unwrap_or(name);
    let root = Cli::command();
    // The flags of the subcommand given, which is the first argument naming one: no option
    // of the top level takes a value.
    let command = args
        .iter()
        .skip(1)
        .filter_map(|arg| arg.to_str())
        .find_map(|arg| root.find_subcommand(arg))
        .unwrap_or(&root);
    let longs = command
        .get_arguments()
        .filter(|arg| !arg.is_hide_set())
        .filter_map(|arg| arg.get_long());
    if let Some(best) = crate::suggest::closest(name, longs) {
        error.insert(
            ContextKind::SuggestedArg,
            ContextValue::String(format!("--{best}")),
        );
    }
}

impl ConfigArgs {
    /// `--config` and `--out` given before the command (`tapgen -c FILE terraform`) or after
    /// it, as one; each at most once.
    pub fn merge(self, after: ConfigArgs, command: &str) -> Result<ConfigArgs, Error> {
        let once =
            |flag: &str, before: Option<PathBuf>, after: Option<PathBuf>| match (before, after) {
                (Some(_), Some(_)) => Err(Error::usage(
                    format!("`{flag}` is given both before and after `{command}`"),
                    Some(format!("give it once: `tapgen {command} {flag} ...`")),
                )),
                (before, after) => Ok(after.or(before)),
            };
        Ok(ConfigArgs {
            config: once("--config", self.config, after.config)?,
            out: once("--out", self.out, after.out)?,
        })
    }

    /// Refuses `--config` and `--out` before a command that reads no config.
    pub fn refuse(&self, command: &str) -> Result<(), Error> {
        let given = [
            ("--config", self.config.is_some()),
            ("--out", self.out.is_some()),
        ];
        match given.iter().find(|(_, given)| *given) {
            Some((flag, _)) => Err(Error::usage(
                format!("`{flag}` means nothing to `tapgen {command}`, which reads no config"),
                Some(
                    "`--config` and `--out` go with `terraform`, `module` and `validate`"
                        .to_owned(),
                ),
            )),
            None => Ok(()),
        }
    }
}
