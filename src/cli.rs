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
  2  bad command line or config, or a hand-edited file in the way; nothing was written
  3  reading or writing files failed, or an external tool failed

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
  tapgen module --check              exit 1 and print a diff if it is stale
  tapgen module package              write dist/<namespace>-<name>-aws-<version>.tar.gz")]
    Module(ModuleArgs),

    /// A module registry: static files for any web server, or served by tapgen over HTTPS
    #[command(after_help = "\
Examples:
  tapgen registry add site dist/*.tar.gz
  tapgen registry serve site --addr 127.0.0.1:8443 --tls-cert cert.pem --tls-key key.pem

Roots then use `source = \"HOST:PORT/<namespace>/<name>/aws\"` with a `version`; the host
needs a dot (an IP address or a domain name, not `localhost`).")]
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },

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
#[command(args_conflicts_with_subcommands = true)]
pub struct ModuleArgs {
    #[command(subcommand)]
    pub command: Option<ModuleCommand>,

    #[command(flatten)]
    pub write: WriteArgs,
}

#[derive(Debug, Subcommand)]
pub enum ModuleCommand {
    /// Write the module as one deterministic, versioned .tar.gz and print its SHA-256
    #[command(after_help = "\
Examples:
  tapgen module package              write dist/<namespace>-<name>-aws-<version>.tar.gz
  tapgen module package --out DIR    write it into DIR instead

The archive holds the rendered module (README and examples included) and nothing else:
the same bytes from any checkout at any time. stdout gets `SHA256  PATH`, the format
`sha256sum -c` reads. A version never changes: packaging different content under a
version that DIR already holds exits 2 and leaves the archive as it was.")]
    Package,
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Add packages to a registry folder laid out as the module registry protocol (v1)
    #[command(after_help = "\
Examples:
  tapgen registry add site dist/tap-serverless-api-aws-1.2.0.tar.gz
  aws s3 sync site s3://BUCKET/      then serve the bucket through CloudFront

Creates SITE if missing. A static host must answer `*/download` with the header
`X-Terraform-Get: ./module.tar.gz` for Terraform (OpenTofu reads the JSON body too);
see the README.")]
    Add(RegistryAddArgs),

    /// Serve a registry folder over HTTPS, with an optional bearer token
    #[command(after_help = "\
Examples:
  tapgen registry serve site --addr 127.0.0.1:8443 --tls-cert cert.pem --tls-key key.pem
  tapgen registry serve site --addr 0.0.0.0:443 --tls-cert c.pem --tls-key k.pem --token-file token

One line per request goes to stderr. With --token-file, module endpoints answer 401 unless
the request has `Authorization: Bearer TOKEN`, which Terraform and OpenTofu send from
`TF_TOKEN_<host>` or a `credentials \"HOST\"` block of their CLI config.")]
    Serve(RegistryServeArgs),
}

#[derive(Debug, Args)]
pub struct RegistryAddArgs {
    /// The registry folder
    pub site: PathBuf,

    /// Archives written by `tapgen module package`
    #[arg(required = true)]
    pub archives: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RegistryServeArgs {
    /// The registry folder, as `tapgen registry add` writes it
    pub site: PathBuf,

    /// Address to listen on; port 0 picks a free port (printed on stderr)
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8443")]
    pub addr: String,

    /// PEM certificate chain; its names must include the host that roots use
    #[arg(long, value_name = "FILE")]
    pub tls_cert: PathBuf,

    /// PEM private key of the certificate
    #[arg(long, value_name = "FILE")]
    pub tls_key: PathBuf,

    /// File holding the bearer token that module endpoints require
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// Connections served at once; more wait until one closes
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub max_connections: usize,
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
