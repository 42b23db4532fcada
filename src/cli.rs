//! The command line: every command, flag and example lives here.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  tapgen terraform --env staging     render modules/<name>/ and envs/staging/
  tapgen terraform --all --check     fail (exit 1) if any committed output is stale
  tapgen init my-api                 scaffold tapgen.toml, lambda/handler.py, .gitignore
  tapgen schema > tapgen.schema.json JSON Schema for editor completion

Exit codes:
  0  success
  1  `--check` found output that differs from a fresh render
  2  bad command line or config, or a hand-edited file, link or special file in the way;
     nothing was written
  3  reading or writing files failed, another run held the lock, or an external tool failed

Without --config, tapgen reads ./tapgen.toml, or its embedded default (environments dev,
staging and prod) where there is none.";

#[derive(Debug, Parser)]
#[command(
    name = "tapgen",
    version,
    about = "Turn one typed config into plain, reviewable Terraform/OpenTofu for a serverless API on AWS",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Config file [default: ./tapgen.toml, else the embedded default]
    #[arg(long, short = 'c', global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Folder to write into [default: the config file's folder]
    #[arg(long, short = 'o', global = true, value_name = "DIR")]
    pub out: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
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
    Module(WriteArgs),

    /// Scaffold a project: a commented tapgen.toml, lambda/handler.py and .gitignore
    #[command(after_help = "\
Examples:
  tapgen init                        scaffold the current folder
  tapgen init my-api                 scaffold ./my-api, creating it
  tapgen init --force                overwrite existing scaffold files")]
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
  tapgen completions zsh > ~/.zfunc/_tapgen")]
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },

    /// Run `fmt -check` and `validate` of tofu (or terraform) on a rendered environment
    #[command(after_help = "\
Examples:
  tapgen terraform --env staging && tapgen validate --env staging
  TAPGEN_TOFU=/opt/tofu/tofu tapgen validate --env prod

Uses `tofu` from PATH (or $TAPGEN_TOFU), else `terraform`. `init` runs with
-backend=false, so no state or credentials are needed.")]
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
    pub write: WriteArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to scaffold
    #[arg(default_value = ".")]
    pub dir: PathBuf,

    /// Overwrite existing files
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Environment whose rendered root to check
    #[arg(long, short = 'e', value_name = "ENV", default_value = "dev")]
    pub env: String,
}
