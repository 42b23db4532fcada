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
pub mod lint;
pub mod output;
pub mod package;
pub mod render;
pub mod stack;
pub mod suggest;
pub mod templates;
pub mod tool;

use cli::{Cli, Command, WriteArgs};
use error::{Error, exit};
use output::{Changes, File, Plan};
use stack::Stack;
use std::collections::BTreeMap;
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
            let (files, owned_dirs) = render_terraform(&loaded, &stacks)?;
            apply(plan(root, &files, owned_dirs), &args.write)
        }
        Command::Module(cli::ModuleArgs {
            command: Some(cli::ModuleCommand::Lint(args)),
            ..
        }) => {
            // The module on disk is judged as it is: the config gives only defaults (its
            // folder, its version), so it is parsed but not validated.
            let loaded = config::load(cli.config.as_deref())?;
            let module = stack::module_spec(&loaded.config);
            let root = cli.out.unwrap_or_else(|| loaded.base_dir.clone());
            let dir = args
                .dir
                .unwrap_or_else(|| root.join(module_dir(&module.name)));
            const KEY: &[&str] = &["module", "version"];
            let version = match args.version {
                Some(value) => lint::Version {
                    value,
                    source: None,
                },
                None => lint::Version {
                    value: module.version.clone(),
                    source: Some((&loaded.source, KEY)),
                },
            };
            let files = lint::module(&dir, &version, args.public)?;
            eprintln!(
                "{}: module lint passed ({files} .tf files, version {})",
                dir.display(),
                version.value
            );
            Ok(exit::SUCCESS)
        }
        Command::Module(cli::ModuleArgs { write: args, .. }) => {
            let loaded = config::load(cli.config.as_deref())?;
            config::validate::validate(&loaded, &[])?;
            let root = cli.out.unwrap_or_else(|| loaded.base_dir.clone());
            let module = stack::module_spec(&loaded.config);
            let files = render_module(&loaded, &module, &mut Packages::new())?;
            apply(plan(root, &files, vec![module_dir(&module.name)]), &args)
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

fn module_dir(name: &str) -> PathBuf {
    PathBuf::from("modules").join(name)
}

/// Renders the module and the roots of `stacks`, with the folders those files own (whose
/// stale generated files are removed): what `tapgen terraform` writes.
pub fn render_terraform(
    loaded: &config::Loaded,
    stacks: &[Stack],
) -> Result<(Vec<File>, Vec<PathBuf>), Error> {
    let module = stack::module_spec(&loaded.config);
    let mut packages = Packages::new();
    let mut files = render_module(loaded, &module, &mut packages)?;
    files.extend(render_environments_with(
        stacks,
        &loaded.base_dir,
        &mut packages,
    )?);
    let mut owned_dirs = vec![module_dir(&module.name)];
    owned_dirs.extend(
        stacks
            .iter()
            .map(|s| PathBuf::from("envs").join(&s.environment)),
    );
    Ok((files, owned_dirs))
}

/// Lambda packages by source folder, so that each folder is packaged once per command.
type Packages = BTreeMap<String, Vec<u8>>;

fn package_of(packages: &mut Packages, base_dir: &Path, source: &str) -> Result<Vec<u8>, Error> {
    if let Some(package) = packages.get(source) {
        return Ok(package.clone());
    }
    let package = package::build(&base_dir.join(source))?;
    packages.insert(source.to_owned(), package.clone());
    Ok(package)
}

/// Renders the module; its examples carry the package of the project's Lambda source.
fn render_module(
    loaded: &config::Loaded,
    module: &stack::ModuleSpec,
    packages: &mut Packages,
) -> Result<Vec<File>, Error> {
    let project = stack::project_stack(&loaded.config, module);
    let package = package_of(packages, &loaded.base_dir, &project.lambda.source_dir)?;
    Ok(render::module::files(module, &project, &package))
}

/// Renders the roots of `stacks`, packaging each distinct Lambda source folder once.
pub fn render_environments(stacks: &[Stack], base_dir: &Path) -> Result<Vec<File>, Error> {
    render_environments_with(stacks, base_dir, &mut Packages::new())
}

fn render_environments_with(
    stacks: &[Stack],
    base_dir: &Path,
    packages: &mut Packages,
) -> Result<Vec<File>, Error> {
    let mut files = Vec::new();
    for stack in stacks {
        let package = package_of(packages, base_dir, &stack.lambda.source_dir)?;
        files.extend(render::root::files(stack, package));
    }
    Ok(files)
}

/// Prints every file into memory.
pub fn plan(root: PathBuf, files: &[File], owned_dirs: Vec<PathBuf>) -> Plan {
    // Absolute once here, so that each temporary file does not look up the current folder.
    let root = std::path::absolute(&root).unwrap_or(root);
    Plan {
        root,
        files: files
            .iter()
            .map(|file| (file.path.clone(), file.bytes()))
            .collect(),
        owned_dirs,
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
    for path in &changes.foreign {
        eprintln!(
            "note: left `{}` alone: tapgen did not generate it",
            path.display()
        );
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
