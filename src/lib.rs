//! tapgen turns one typed config file into plain Terraform/OpenTofu code for a serverless
//! API on AWS: a reusable module and one root configuration per environment.
//!
//! Data flows one way: [`config`] (load and validate) → [`stack`] (one resolved model per
//! environment) → [`render`] (HCL documents as trees) → [`hcl::print`] (`tofu fmt` layout) →
//! [`output`] (check or write atomically).

pub mod cli;
pub mod config;
pub mod error;
pub mod hcl;
pub mod init;
pub mod output;
pub mod package;
pub mod render;
pub mod stack;
pub mod suggest;
pub mod templates;
pub mod tool;

use cli::{Cli, Command, WriteArgs};
use error::{Error, exit};
use output::{Changes, File, Group, Owned, Plan, SharedBytes};
use stack::Stack;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Terraform(args) => {
            let loaded = config::load(cli.config.as_deref())?;
            let environments = if args.all {
                stack::environments(&loaded.config)
            } else {
                vec![args.env.clone()]
            };
            let stacks = config::validate::validate(&loaded, &environments)?;
            let root = cli.out.unwrap_or_else(|| loaded.base_dir.clone());
            let (files, owned) = render_terraform(&loaded, &stacks)?;
            apply(plan(root, &files, owned), &args.write)
        }
        Command::Module(args) => {
            let loaded = config::load(cli.config.as_deref())?;
            config::validate::validate(&loaded, &[])?;
            let root = cli.out.unwrap_or_else(|| loaded.base_dir.clone());
            let module = stack::module_spec(&loaded.config);
            let files = render::module::files(&module);
            let owned = Owned {
                dirs: vec![module_dir(&module.name)],
                groups: vec![group(MODULES_DIR, [module.name.clone()])],
            };
            apply(plan(root, &files, owned), &args)
        }
        Command::Init(args) => {
            let dir = cli.out.unwrap_or(args.dir);
            for path in init::run(&dir, args.force)? {
                eprintln!("created {}", path.display());
            }
            eprintln!("next: cd {} && tapgen terraform --env dev", dir.display());
            Ok(exit::SUCCESS)
        }
        Command::Schema => {
            let schema = schemars::schema_for!(config::ConfigFile);
            let text = serde_json::to_string_pretty(&schema)
                .map_err(|e| Error::io("print", "the schema", std::io::Error::other(e)))?;
            print_stdout(&format!("{text}\n"))?;
            Ok(exit::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "tapgen", &mut std::io::stdout());
            Ok(exit::SUCCESS)
        }
        Command::Validate(args) => {
            let loaded = config::load(cli.config.as_deref())?;
            let stacks = config::validate::validate(&loaded, std::slice::from_ref(&args.env))?;
            let root = cli.out.unwrap_or_else(|| loaded.base_dir.clone());
            let module = stack::module_spec(&loaded.config);
            let env_dir = root.join("envs").join(&stacks[0].environment);
            tool::validate(&env_dir, &root.join(module_dir(&module.name)))?;
            Ok(exit::SUCCESS)
        }
    }
}

const MODULES_DIR: &str = "modules";
const ENVS_DIR: &str = "envs";

fn module_dir(name: &str) -> PathBuf {
    PathBuf::from(MODULES_DIR).join(name)
}

fn group(dir: &str, declared: impl IntoIterator<Item = String>) -> Group {
    Group {
        dir: PathBuf::from(dir),
        declared: declared.into_iter().collect(),
    }
}

/// Renders the module and the roots of `stacks`, with where their stale files may be: the
/// folders those files own, and the folders of environments and modules the config no
/// longer declares (every declared environment is kept, rendered now or not). What
/// `tapgen terraform` writes.
pub fn render_terraform(
    loaded: &config::Loaded,
    stacks: &[Stack],
) -> Result<(Vec<File>, Owned), Error> {
    let module = stack::module_spec(&loaded.config);
    let mut files = render::module::files(&module);
    files.extend(render_environments(stacks, &loaded.base_dir)?);
    let mut dirs = vec![module_dir(&module.name)];
    dirs.extend(
        stacks
            .iter()
            .map(|s| PathBuf::from(ENVS_DIR).join(&s.environment)),
    );
    let owned = Owned {
        dirs,
        groups: vec![
            group(MODULES_DIR, [module.name.clone()]),
            group(ENVS_DIR, stack::environments(&loaded.config)),
        ],
    };
    Ok((files, owned))
}

/// Renders the roots of `stacks`, packaging each distinct Lambda source folder once and
/// holding each package once, however many environments carry it.
pub fn render_environments(stacks: &[Stack], base_dir: &Path) -> Result<Vec<File>, Error> {
    // Keyed by the folder itself, so that `lambda` and `./lambda` are one package.
    let mut packages: HashMap<PathBuf, SharedBytes> = HashMap::new();
    let mut files = Vec::new();
    for stack in stacks {
        let dir = base_dir.join(&stack.lambda.source_dir);
        let key = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        let package = match packages.entry(key) {
            Entry::Occupied(entry) => entry.get().clone(),
            Entry::Vacant(entry) => entry.insert(lambda_package(&dir)?).clone(),
        };
        files.extend(render::root::files(stack, package));
    }
    Ok(files)
}

/// The Lambda package of a source folder, ready to be marked as tapgen's in each
/// environment that carries it.
pub fn lambda_package(dir: &Path) -> Result<SharedBytes, Error> {
    let zip = package::reserve_comment(package::build(dir)?, output::ZIP_MARK_LEN)?;
    Ok(SharedBytes::new(zip))
}

/// Prints every file into memory.
pub fn plan(root: PathBuf, files: &[File], owned: Owned) -> Plan {
    // Absolute once here, so that each temporary file does not look up the current folder.
    let root = std::path::absolute(&root).unwrap_or(root);
    Plan {
        root,
        files: files
            .iter()
            .map(|file| (file.path.clone(), file.content()))
            .collect(),
        owned,
    }
}

fn apply(plan: Plan, args: &WriteArgs) -> Result<i32, Error> {
    if args.check {
        let changes = output::compare(&plan)?;
        report_foreign(&changes);
        if changes.is_clean() {
            eprintln!("{} generated files are up to date", changes.unchanged);
            return Ok(exit::SUCCESS);
        }
        print_stdout(&changes.diff)?;
        eprintln!(
            "error: generated files are stale: {}\n  = help: run the same command without `--check` to update them",
            summary(&changes)
        );
        return Ok(exit::DRIFT);
    }
    let changes = output::write(&plan, args.force)?;
    report_foreign(&changes);
    eprintln!("{} in `{}`", summary(&changes), plan.root.display());
    Ok(exit::SUCCESS)
}

fn summary(changes: &Changes) -> String {
    format!(
        "{} created, {} updated, {} removed, {} unchanged",
        changes.create.len(),
        changes.update.len(),
        changes.remove.len(),
        changes.unchanged
    )
}

fn report_foreign(changes: &Changes) {
    for (path, why) in &changes.left_alone {
        eprintln!("note: left `{}` alone: {why}", path.display());
    }
}

fn print_stdout(text: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("write to", "stdout", e)),
    }
}
