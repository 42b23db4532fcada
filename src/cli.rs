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
  2  bad command line or config, or a hand-edited file, link or special file in the way;
     nothing was written
  3  reading or writing files (stdout and stderr too) failed, another run held the lock, an
     external tool failed, or a registry could not be reached or refused the credentials
  70 a bug in tapgen (the message says so); nothing was written

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
  tapgen module --check              exit 1 and print a diff if it is stale
  tapgen module package              write dist/<namespace>-<name>-aws-<version>.tar.gz
  tapgen module publish              release it to every target [publish] sets
  tapgen module publish --git REPO   commit it into a git repository, tagged v<version>
  tapgen module publish --oci HOST:PORT/REPO
                                     push it to an OCI registry, tagged <version>
  tapgen module lint                 check it the way a module registry does")]
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

    /// What the families are made of, one per line: for the scripts that snapshot the
    /// provider schema and point an emulator at every service
    #[command(name = "__families", hide = true)]
    Families {
        /// What to list
        #[arg(value_enum)]
        list: FamilyList,
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
#[command(args_conflicts_with_subcommands = true)]
pub struct ModuleArgs {
    #[command(subcommand)]
    pub command: Option<ModuleCommand>,

    #[command(flatten)]
    pub paths: ConfigArgs,

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
    Package(ConfigArgs),

    /// Publish the module: to the targets `[publish]` sets, or to the one the flags name
    #[command(after_help = "\
Examples:
  tapgen module publish              every target [publish] in tapgen.toml sets
  tapgen module publish --git ../terraform-aws-api
                                     commit at its root, tag v<version>
  tapgen module publish --git ../infra --path modules/api --tag-prefix modules/api
                                     a monorepo: commit under modules/api/, tag modules/api/v<version>
  tapgen module publish --git https://git.example.com/acme/terraform-aws-api.git
                                     clone it, commit, tag, and push the branch and the tag
  tapgen module publish --oci registry.example.com:5000/acme/serverless-api
                                     push an OpenTofu module package, tag <version>

Without flags, publishes to every target `[publish]` sets: `oci`, `git` and
`registry_site` (the package added to a registry folder, as `module package` and
`registry add` do). A flag publishes to its target alone: `--oci` to OCI; `--git`,
`--tag-prefix` and `--path` to git, taking what they leave out from `[publish]` (`git`,
`tag_prefix`, `git_path`).

With --git, roots use `source = \"git::https://HOST/ORG/REPO.git?ref=v<version>\"` (add
`//SUBDIR` before `?` for a subfolder). The folder is replaced by the module (files the
module no longer has are removed); the rest of the repository is kept. The commit goes on
the current branch, authored by git's own user.name and user.email; the work tree follows.
A work tree is never pushed: `git push --follow-tags` when ready. A version never changes:
an existing tag with other content exits 2 with nothing committed or moved; the same
content is a no-op. Uncommitted changes in the folder exit 2.

With --oci, roots use `source = \"oci://HOST:PORT/REPO?tag=<version>\"` (OpenTofu). The
artifact is the module's files as one zip (the same files as `module package`), and its
manifest digest goes to stdout as `DIGEST  HOST:PORT/REPO:TAG`. Credentials come from
`$DOCKER_CONFIG/config.json` or `~/.docker/config.json` (`oras login` or `docker login`
writes them); `SSL_CERT_FILE` adds a trusted CA. A tag that holds other content exits 2
with nothing pushed; the same content is a no-op.")]
    Publish(PublishArgs),

    /// Check a module the way a registry does before accepting it; exit 2 listing every problem
    #[command(after_help = "\
Examples:
  tapgen module lint                 lint modules/<name>/ at the config's module.version
  tapgen module lint --version 2.0.0 lint it as the version about to be published
  tapgen module lint --public .      also require what public registries do of a git repository

Checks: main.tf, variables.tf, outputs.tf, versions.tf, README.md and examples/ exist; every
variable and output has a description; required_version and each required provider's source
and version are set; the version is MAJOR.MINOR.PATCH; with --public, the folder is the root
of a git repository named terraform-<provider>-<name>.")]
    Lint(LintArgs),
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    #[command(flatten)]
    pub paths: ConfigArgs,

    /// The work tree of a git repository (a clone) to commit the module into, or a URL to
    /// clone, commit to and push to [default: `publish.git`]
    #[arg(long, value_name = "REPO")]
    pub git: Option<PathBuf>,

    /// An OCI repository to push the module to, as an OpenTofu module package [default:
    /// `publish.oci`]
    #[arg(long, value_name = "HOST:PORT/REPO", conflicts_with_all = ["git", "tag_prefix", "path"])]
    pub oci: Option<String>,

    /// Tag `PREFIX/v<version>` instead of `v<version>`, for a monorepo of modules [default:
    /// `publish.tag_prefix`]
    #[arg(long, value_name = "PREFIX")]
    pub tag_prefix: Option<String>,

    /// Folder inside the repository for the module [default: `publish.git_path`, else its
    /// root]
    #[arg(long, value_name = "SUBDIR")]
    pub path: Option<PathBuf>,
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
pub struct LintArgs {
    #[command(flatten)]
    pub paths: ConfigArgs,

    /// Module folder [default: modules/<name>/ in the output folder]
    pub dir: Option<PathBuf>,

    /// Version to check [default: module.version of the config]
    #[arg(long, value_name = "VERSION")]
    pub version: Option<String>,

    /// Also check the git repository as a public registry does: the module at its root, and
    /// its name `terraform-<provider>-<name>`
    #[arg(long)]
    pub public: bool,
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
pub(crate) fn suggest_flag(error: &mut clap::Error, args: &[OsString]) {
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
                    "remove it: `--config` and `--out` go with `terraform`, `module` and `validate`"
                        .to_owned(),
                ),
            )),
            None => Ok(()),
        }
    }
}

/// What `tapgen __families` lists.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum FamilyList {
    /// `resource TYPE` and `data TYPE`: the provider types the module and its examples declare
    ProviderTypes,
    /// The AWS services the module's resources call, as the provider's `endpoints` names them
    AwsServices,
}
