//! tapgen turns one typed config file into plain Terraform/OpenTofu code for a serverless
//! API on AWS: a reusable module and one root configuration per environment.
//!
//! Data flows one way: [`config`] (load and validate) → [`stack`] (one resolved model per
//! environment) → [`render`] (HCL documents as trees) → [`hcl::print`] (`tofu fmt` layout) →
//! [`output`] (check or write atomically).

mod aws;
pub mod check;
mod cli;
mod completions;
pub mod config;
pub mod error;
mod family;
pub mod hcl;
mod init;
mod layout;
mod lint;
pub mod output;
pub mod package;
mod publish;
mod registry;
pub mod render;
pub mod stack;
mod suggest;
mod templates;
mod tool;
mod ui;

pub use cli::Cli;
/// The lowercase hex SHA-256 of `bytes`, as module packages and OCI digests name them.
pub use publish::package::hex_sha256;
/// Prints an error as tapgen does, on stderr.
pub use ui::error as print_error;

/// Every AWS service the module's resources (and its examples' own) call: what an emulator
/// must answer for.
pub use family::aws_services;

use cli::{Command, ConfigArgs, ModuleCommand, RegistryCommand, WriteArgs};
use error::{Error, exit};
use layout::{DIST_DIR, ENVS_DIR, MODULES_DIR, PACKAGES_DIR};
use output::{Changes, File, Group, Owned, Plan, SharedBytes};
use stack::Resolved;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Parses a command line. Help, version and command-line errors are shown here; the `Err`
/// is then the exit code.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Cli, i32> {
    let args: Vec<OsString> = args.into_iter().collect();
    <Cli as clap::Parser>::try_parse_from(&args).map_err(|mut error| {
        cli::suggest_flag(&mut error, &args);
        ui::clap_message(&error)
    })
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<i32, Error> {
    // `--config` and `--out` given before the command name.
    let before = ConfigArgs {
        config: cli.config,
        out: cli.out,
    };
    match cli.command {
        Command::Terraform(mut args) => {
            args.paths = before.merge(args.paths, "terraform")?;
            let loaded = load(&args.paths)?;
            let environments = if args.all {
                stack::environments(&loaded.config)
            } else {
                vec![args.env.clone()]
            };
            let resolved = validate(&loaded, &environments)?;
            let root = output_root(&args.paths, &loaded);
            let (files, owned) = render_terraform(&loaded, &resolved, &root)?;
            apply(plan(root, &files, owned), &args.write)
        }
        Command::Module(args) => match args.command {
            None => {
                let paths = before.merge(args.paths, "module")?;
                let loaded = load(&paths)?;
                let resolved = validate(&loaded, &[])?;
                let root = output_root(&paths, &loaded);
                let module = &resolved.module;
                let packages = build_packages(&loaded, &resolved, &root, false)?;
                let mut files = render::module::files(module, &resolved.project, &packages)?;
                files.extend(packages.files());
                let owned = Owned {
                    dirs: vec![module_dir(&module.name)],
                    groups: vec![group(MODULES_DIR, [module.name.clone()])],
                    shared: vec![shared_packages(&loaded, &[])],
                };
                apply(plan(root, &files, owned), &args.write)
            }
            Some(ModuleCommand::Lint(args)) => {
                let paths = before.merge(args.paths, "module lint")?;
                // The module on disk is judged as it is: the config gives only defaults (its
                // folder, its version), so it is parsed but not validated.
                let loaded = load(&paths)?;
                let module = stack::resolve(&loaded).module;
                let root = output_root(&paths, &loaded);
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
                ui::line(&format!(
                    "{}: module lint passed ({files} .tf files, version {})",
                    dir.display(),
                    version.value
                ))?;
                Ok(exit::SUCCESS)
            }
            Some(ModuleCommand::Package(paths)) => {
                let paths = before.merge(paths, "module package")?;
                let (loaded, module, files) = release(&paths)?;
                package_module(&module, &files, &dist_dir(&paths, &loaded))?;
                Ok(exit::SUCCESS)
            }
            Some(ModuleCommand::Publish(args)) => {
                let paths = before.merge(args.paths, "module publish")?;
                let (loaded, module, files) = release(&paths)?;
                let flags = publish::Flags {
                    git: args.git.as_deref(),
                    oci: args.oci.as_deref(),
                    tag_prefix: args.tag_prefix.as_deref(),
                    path: args.path.as_deref(),
                };
                let plan = publish::plan(
                    &flags,
                    &module.publish,
                    &loaded.base_dir,
                    &loaded.source.name,
                )?;
                // The one place each kind of target is published.
                for target in &plan.targets {
                    match target {
                        publish::Target::Oci(oci) => publish_oci(&module, &files, oci)?,
                        publish::Target::Git(git) => publish_git(&module, &files, git)?,
                        publish::Target::RegistrySite(site) => {
                            let archive =
                                package_module(&module, &files, &dist_dir(&paths, &loaded))?;
                            add_to_site(site, &[archive])?;
                        }
                    }
                }
                Ok(exit::SUCCESS)
            }
        },
        Command::Registry { command } => match command {
            RegistryCommand::Add(args) => {
                before.refuse("registry add")?;
                add_to_site(&args.site, &args.archives)?;
                Ok(exit::SUCCESS)
            }
            RegistryCommand::Serve(args) => {
                before.refuse("registry serve")?;
                registry::serve::serve(&registry::serve::Options {
                    site: args.site,
                    addr: args.addr,
                    tls_cert: args.tls_cert,
                    tls_key: args.tls_key,
                    token_file: args.token_file,
                    max_connections: args.max_connections,
                })?;
                Ok(exit::SUCCESS)
            }
        },
        Command::Init(args) => {
            before.refuse("init")?;
            for (path, outcome) in init::run(&args.dir, args.force)? {
                ui::line(&format!("{outcome} {}", path.display()))?;
            }
            let cd = if args.dir == Path::new(".") {
                String::new()
            } else {
                format!("cd {} && ", args.dir.display())
            };
            ui::line(&format!("next: {cd}tapgen terraform --env dev"))?;
            Ok(exit::SUCCESS)
        }
        Command::Schema => {
            before.refuse("schema")?;
            let text = serde_json::to_string_pretty(config::structure::schema())
                .map_err(|e| Error::io("print", "the schema", std::io::Error::other(e)))?;
            ui::out(&format!("{text}\n"))?;
            Ok(exit::SUCCESS)
        }
        Command::Completions { shell } => {
            before.refuse("completions")?;
            ui::out(&completions::script(shell)?)?;
            Ok(exit::SUCCESS)
        }
        Command::Families { list } => {
            before.refuse("__families")?;
            let lines: Vec<String> = match list {
                cli::FamilyList::ProviderTypes => {
                    render::module::provider_types().into_iter().collect()
                }
                cli::FamilyList::AwsServices => {
                    aws_services().into_iter().map(str::to_owned).collect()
                }
            };
            ui::out(
                &lines
                    .iter()
                    .map(|line| format!("{line}\n"))
                    .collect::<String>(),
            )?;
            Ok(exit::SUCCESS)
        }
        Command::Environments { config } => {
            before.refuse("__environments")?;
            // For shell completion: quiet, and the config only needs to parse.
            let loaded = check::load(config.as_deref(), package::source::problems)?;
            let mut text = String::new();
            for environment in stack::environments(&loaded.config) {
                text.push_str(&environment);
                text.push('\n');
            }
            ui::out(&text)?;
            Ok(exit::SUCCESS)
        }
        Command::Validate(mut args) => {
            args.paths = before.merge(args.paths, "validate")?;
            let loaded = load(&args.paths)?;
            let resolved = validate(&loaded, std::slice::from_ref(&args.env))?;
            // A root that only OpenTofu reads is refused before anything runs Terraform on it.
            for stack in &resolved.stacks {
                if family::encryption::is_on(&stack.values) {
                    let tool = tool::find()?;
                    if tool::is_terraform(&tool)? {
                        return Err(check::refuse_terraform(&loaded, stack, &tool));
                    }
                }
            }
            let root = output_root(&args.paths, &loaded);
            // Validating files that a render would change tests code the config no longer
            // describes: "stale" here means exactly what `--check` means.
            let (files, owned) = render_terraform(&loaded, &resolved, &root)?;
            let changes = output::compare(&plan(root.clone(), &files, owned))?;
            if !changes.is_clean() {
                return refuse_stale(&changes, &args.env, &args.paths);
            }
            let env_dir = root.join(ENVS_DIR).join(&args.env);
            tool::validate(&env_dir, &root.join(module_dir(&resolved.module.name)))?;
            Ok(exit::SUCCESS)
        }
    }
}

/// Loads the config a command names, and says so when that is the embedded default: a
/// folder without `tapgen.toml` would otherwise render the reference stack unannounced.
fn load(paths: &ConfigArgs) -> Result<config::Loaded, Error> {
    let loaded = check::load(paths.config.as_deref(), package::source::problems)?;
    if loaded.source.name == config::DEFAULT_CONFIG_NAME {
        ui::note(
            &format!(
                "no `{}` here: using tapgen's embedded default config (project `{}`, environments {})",
                config::load::CONFIG_FILE_NAME,
                loaded.config.project.name,
                error::ticked(&stack::environments(&loaded.config))
            ),
            Some("run `tapgen init` to write it out and edit it, or pass `--config FILE` to read another".to_owned()),
        )?;
    }
    Ok(loaded)
}

/// Resolves and checks the config ([`check::validate`]) and looks at the Lambda source folders
/// its packages are built from ([`package::source`]): one step, so that a missing folder is
/// reported with every other problem of the config, before anything is built or run.
fn validate(loaded: &config::Loaded, requested: &[String]) -> Result<Resolved, Error> {
    check::validate_with(loaded, requested, package::source::problems)
}

fn output_root(paths: &ConfigArgs, loaded: &config::Loaded) -> PathBuf {
    paths.out.clone().unwrap_or_else(|| loaded.base_dir.clone())
}

/// `tapgen validate` on output that differs from a fresh render: exit 1, and how to update it.
fn refuse_stale(changes: &Changes, env: &str, paths: &ConfigArgs) -> Result<i32, Error> {
    let mut command = format!("tapgen terraform --env {env}");
    for (flag, value) in [("--config", &paths.config), ("--out", &paths.out)] {
        if let Some(value) = value {
            command.push_str(&format!(" {flag} {}", value.display()));
        }
    }
    let stale = error::Stale {
        summary: summary(changes),
        files: stale_files(changes),
        validating: Some((env.to_owned(), command)),
    };
    ui::line(&stale.render())?;
    Ok(exit::DRIFT)
}

/// Every stale file, and how it is stale.
fn stale_files(changes: &Changes) -> Vec<(error::Staleness, PathBuf)> {
    let each = |how: error::Staleness, paths: &[PathBuf]| {
        paths
            .iter()
            .map(move |path| (how, path.clone()))
            .collect::<Vec<_>>()
    };
    [
        each(error::Staleness::Missing, &changes.create),
        each(error::Staleness::Differs, &changes.update),
        each(error::Staleness::NoLongerGenerated, &changes.remove),
    ]
    .concat()
}

/// The module as a release holds it: loaded, validated, rendered in memory and linted, for
/// `module package` and `module publish`.
fn release(paths: &ConfigArgs) -> Result<(config::Loaded, stack::ModuleSpec, Vec<File>), Error> {
    let loaded = load(paths)?;
    let resolved = validate(&loaded, &[])?;
    let packages = build_packages(&loaded, &resolved, &output_root(paths, &loaded), false)?;
    let files = render::module::files(&resolved.module, &resolved.project, &packages)?;
    lint_rendered(&loaded, &resolved.module, &files)?;
    Ok((loaded, resolved.module, files))
}

/// Runs `module lint` on the module as it would be packaged: the in-memory render, written
/// to a scratch folder, so that what is linted is exactly what the archive holds.
fn lint_rendered(
    loaded: &config::Loaded,
    module: &stack::ModuleSpec,
    files: &[File],
) -> Result<(), Error> {
    let scratch = tempfile::tempdir()
        .map_err(|e| Error::io("create a scratch folder in", std::env::temp_dir(), e))?;
    let prefix = module_dir(&module.name);
    for file in files {
        let Ok(relative) = file.path.strip_prefix(&prefix) else {
            continue;
        };
        let path = scratch.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create folder", parent, e))?;
        }
        std::fs::write(&path, file.bytes()).map_err(|e| Error::io("write", &path, e))?;
    }
    const KEY: &[&str] = &["module", "version"];
    let version = lint::Version {
        value: module.version.clone(),
        source: Some((&loaded.source, KEY)),
    };
    lint::module(scratch.path(), &version, false).map(drop)
}

/// Where `module package` writes archives: `--out`, else `dist/` beside the config.
fn dist_dir(paths: &ConfigArgs, loaded: &config::Loaded) -> PathBuf {
    paths
        .out
        .clone()
        .unwrap_or_else(|| loaded.base_dir.join(DIST_DIR))
}

/// `tapgen registry add SITE ARCHIVE...`: adds the archives and says what each became.
fn add_to_site(site: &Path, archives: &[PathBuf]) -> Result<(), Error> {
    for added in registry::site::add(site, archives)? {
        ui::line(&format!(
            "{} {} {} (sha256 {})",
            if added.created { "added" } else { "unchanged:" },
            added.coordinates.address(),
            added.coordinates.version,
            added.sha256
        ))?;
    }
    Ok(())
}

/// Commits the module into a git repository with its release tag, and says what happened.
fn publish_git(
    module: &stack::ModuleSpec,
    files: &[File],
    target: &publish::GitTarget,
) -> Result<(), Error> {
    let coordinates = publish::package::Coordinates::of(module);
    let outcome = publish::git::publish(
        &target.repository,
        &publish::git::Release {
            subdir: target.subdir.as_deref(),
            tag_prefix: target.tag_prefix.as_deref(),
            version: &module.version,
            address: &coordinates.address(),
            files: &publish::package::module_files(module, files)?,
        },
    )?;
    let repo = target.repository.shown();
    let pushed = match target.repository {
        publish::git::Repository::WorkTree(_) => "not pushed: `git push --follow-tags` when ready",
        publish::git::Repository::Url(_) => "pushed with its branch",
    };
    ui::line(&match outcome {
        publish::git::Outcome::Tagged { tag, commit } => format!(
            "published {} {} to `{repo}`: tag {tag} on commit {commit} ({pushed})",
            coordinates.address(),
            module.version
        ),
        publish::git::Outcome::Unchanged { tag } => format!(
            "{} {} is already published in `{repo}` as tag {tag} with this content: nothing to do",
            coordinates.address(),
            module.version
        ),
    })
}

/// Pushes the module to an OCI repository, tagged with its version; prints `DIGEST  REF`.
fn publish_oci(
    module: &stack::ModuleSpec,
    files: &[File],
    target: &publish::oci::Target,
) -> Result<(), Error> {
    let coordinates = publish::package::Coordinates::of(module);
    let tag = publish::oci::tag_of(&module.version)?;
    let artifact = publish::oci::artifact(
        &coordinates,
        &publish::package::module_files(module, files)?,
    )?;
    let reference = target.reference(&tag);
    let digest = match publish::oci::publish(target, &tag, &artifact)? {
        publish::oci::Outcome::Pushed { digest } => {
            ui::line(&format!(
                "published {} {} to `{reference}` ({} files, manifest {digest})\n  roots use: source = \"{}\"",
                coordinates.address(),
                module.version,
                artifact.files,
                target.source(&tag)
            ))?;
            digest
        }
        publish::oci::Outcome::Unchanged { digest } => {
            ui::line(&format!(
                "{} {} is already published at `{reference}` with this content (manifest {digest}): nothing to do",
                coordinates.address(),
                module.version
            ))?;
            digest
        }
    };
    ui::out(&format!("{digest}  {reference}\n"))
}

/// Writes the module's package into `dir` (once per version), prints `SHA256  PATH` and
/// returns the path.
fn package_module(
    module: &stack::ModuleSpec,
    files: &[File],
    dir: &Path,
) -> Result<PathBuf, Error> {
    let package = publish::package::build(module, files)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create folder", dir, e))?;
    let path = dir.join(package.coordinates.file_name());
    let written = publish::package::write_once(&path, &package.bytes)
        .map_err(|e| Error::io("write", &path, e))?;
    let c = &package.coordinates;
    match written {
        publish::package::WriteOnce::Created => ui::line(&format!(
            "packaged {} {} ({} files)",
            c.address(),
            c.version,
            package.files.len()
        ))?,
        publish::package::WriteOnce::Unchanged => ui::line(&format!(
            "{} {} is already packaged with these bytes",
            c.address(),
            c.version
        ))?,
        publish::package::WriteOnce::Differs => {
            let existing = std::fs::read(&path).unwrap_or_default();
            return Err(Error::usage(
                format!(
                    "`{}` already holds version {} with different content (sha256 {}, the module now packages to {})",
                    path.display(),
                    c.version,
                    publish::package::hex_sha256(&existing),
                    package.sha256_hex()
                ),
                Some("raise `module.version` in `tapgen.toml`, such as to the next patch version: a released version never changes".to_owned()),
            ));
        }
    }
    ui::out(&format!("{}  {}\n", package.sha256_hex(), path.display()))?;
    Ok(path)
}

fn module_dir(name: &str) -> PathBuf {
    PathBuf::from(MODULES_DIR).join(name)
}

/// The package folder, whose files the roots share: one that no root references any more
/// is stale, the references of the declared roots not rendered now read from their
/// `main.tf` on disk (they are left as they are, so what they name stays).
fn shared_packages(loaded: &config::Loaded, rendered: &[&str]) -> output::Shared {
    output::Shared {
        dir: PathBuf::from(PACKAGES_DIR),
        referrers: stack::environments(&loaded.config)
            .into_iter()
            .filter(|env| !rendered.contains(&env.as_str()))
            .map(|env| PathBuf::from(ENVS_DIR).join(env).join("main.tf"))
            .collect(),
    }
}

fn group(dir: &str, declared: impl IntoIterator<Item = String>) -> Group {
    Group {
        dir: PathBuf::from(dir),
        declared: declared.into_iter().collect(),
    }
}

/// Renders the module and the roots of `resolved.stacks`, with where their stale files may
/// be: the folders those files own, and the folders of environments and modules the config
/// no longer declares (every declared environment is kept, rendered now or not). What
/// `tapgen terraform` writes under `root`. The Lambda packages are built first; rendering
/// itself reads nothing from disk.
pub fn render_terraform(
    loaded: &config::Loaded,
    resolved: &Resolved,
    root: &Path,
) -> Result<(Vec<File>, Owned), Error> {
    let module = &resolved.module;
    let packages = build_packages(loaded, resolved, root, true)?;
    let mut files = render::module::files(module, &resolved.project, &packages)?;
    for stack in &resolved.stacks {
        files.extend(render::root::files(stack, module, &packages)?);
    }
    files.extend(packages.files());
    let mut dirs = vec![module_dir(&module.name)];
    dirs.extend(
        resolved
            .stacks
            .iter()
            .map(|s| PathBuf::from(ENVS_DIR).join(&s.environment)),
    );
    let rendered: Vec<&str> = resolved
        .stacks
        .iter()
        .map(|s| s.environment.as_str())
        .collect();
    let owned = Owned {
        dirs,
        groups: vec![
            group(MODULES_DIR, [module.name.clone()]),
            group(ENVS_DIR, stack::environments(&loaded.config)),
        ],
        shared: vec![shared_packages(loaded, &rendered)],
    };
    Ok((files, owned))
}

/// What a Lambda package never holds, should the handler folder contain it: tapgen's output
/// under `root` (all of `envs/`, `modules/` and `packages/`, so that environments and modules no longer
/// in the config count too), module packages in `dist/`, the config file, the schema file
/// the README suggests, and the folders `[publish]` releases the module into.
pub fn package_exclusions(
    loaded: &config::Loaded,
    module: &stack::ModuleSpec,
    root: &Path,
) -> package::Exclusions {
    let mut paths = vec![
        root.join(ENVS_DIR),
        root.join(MODULES_DIR),
        root.join(PACKAGES_DIR),
    ];
    paths.push(loaded.base_dir.join(DIST_DIR));
    paths.extend(loaded.path.clone());
    paths.push(loaded.base_dir.join("tapgen.schema.json"));
    paths.extend(publish::local_folders(&module.publish, &loaded.base_dir));
    package::Exclusions::new(paths)
}

/// Builds the Lambda packages of the project (for the module's examples) and, with
/// `environments`, of each of `resolved.stacks`: for each environment's runtime and
/// architecture, with the dependencies its handler folder pins installed for them (in a
/// layer with `lambda.layer`), each distinct (folder, runtime, architecture, layer) once.
/// The one step before rendering that reads the disk (and may run the installer); the
/// folders it builds from are judged first ([`package::source`]), as config problems.
pub fn build_packages(
    loaded: &config::Loaded,
    resolved: &Resolved,
    root: &Path,
    environments: bool,
) -> Result<render::Packages, Error> {
    build_packages_with(
        loaded,
        resolved,
        root,
        environments,
        &package::Tools::from_env(),
    )
}

/// [`build_packages`] with the cache and installer given.
pub fn build_packages_with(
    loaded: &config::Loaded,
    resolved: &Resolved,
    root: &Path,
    environments: bool,
    tools: &package::Tools,
) -> Result<render::Packages, Error> {
    let built_stacks: &[stack::Stack] = if environments { &resolved.stacks } else { &[] };
    // The folders are judged first, as config problems at the keys that name them: the
    // checks of the resolved model read no files.
    package::source::check(loaded, &resolved.project, built_stacks)?;
    let exclusions = package_exclusions(loaded, &resolved.module, root);
    let stacks = std::iter::once(&resolved.project).chain(built_stacks);
    let mut built: HashMap<(PathBuf, package::Target, bool), render::Package> = HashMap::new();
    let mut packages = render::Packages::default();
    for stack in stacks {
        let key = render::PackageKey::of(stack);
        let dir = loaded.base_dir.join(&key.source_dir);
        // Validation has refused any other runtime or architecture; this is its guard.
        let target = package::Target::parse(&key.runtime, &key.architecture)?;
        // Keyed by the folder itself, so that `lambda` and `./lambda` are one package.
        let folder = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        let package = match built.entry((folder, target, key.layer)) {
            Entry::Occupied(entry) => entry.get().clone(),
            Entry::Vacant(entry) => {
                let options = package::Options {
                    target,
                    layer: key.layer,
                    tools,
                };
                let package::Built {
                    function, layer, ..
                } = package::build_for(&dir, &exclusions, &options)?;
                let mark = |zip| package::reserve_comment(zip, output::ZIP_MARK_LEN);
                let layer = layer.map(mark).transpose()?;
                entry.insert(packages.add(mark(function)?, layer)).clone()
            }
        };
        packages.insert(key, package);
    }
    Ok(packages)
}

/// The Lambda package of a source folder without dependencies, ready to be marked as
/// tapgen's in the file that carries it.
pub fn lambda_package(dir: &Path, exclusions: &package::Exclusions) -> Result<SharedBytes, Error> {
    let zip = package::reserve_comment(package::build(dir, exclusions)?, output::ZIP_MARK_LEN)?;
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
        report_foreign(&changes)?;
        if changes.is_clean() {
            ui::line(&format!(
                "{} generated files are up to date",
                changes.unchanged
            ))?;
            return Ok(exit::SUCCESS);
        }
        ui::out(&changes.diff)?;
        let stale = error::Stale {
            summary: summary(&changes),
            files: Vec::new(),
            validating: None,
        };
        ui::line(&stale.render())?;
        return Ok(exit::DRIFT);
    }
    let changes = output::write(&plan, args.force)?;
    report_foreign(&changes)?;
    ui::line(&format!(
        "{} in `{}`",
        summary(&changes),
        plan.root.display()
    ))?;
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

fn report_foreign(changes: &Changes) -> Result<(), Error> {
    for (path, why) in &changes.left_alone {
        ui::note(&format!("left `{}` alone: {why}", path.display()), None)?;
    }
    Ok(())
}
