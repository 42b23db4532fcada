//! Installing a lock's dependencies for a target: wheels only, for manylinux on the
//! function's architecture and CPython version, never for the machine tapgen runs on; once
//! per (lock, runtime, architecture), into a cache shared by every project of the user.
//!
//! The installer is uv, a pinned tool like OpenTofu: `$TAPGEN_PIP`, else the one
//! `scripts/install-uv.sh` installed under the tools folder. uv rather than pip because
//! pip evaluates environment markers (`; python_version < "3.12"`,
//! `; platform_machine == "aarch64"`) against the Python that runs it, even with
//! `--platform` and `--python-version`, so the installed set would depend on the machine;
//! uv evaluates them for `--python-platform` and `--python-version`. uv also reads
//! `uv.lock` itself (`uv export`), so no second lock reader lives here.
//!
//! A cache entry is written into a temporary folder beside it and renamed into place
//! whole, so a killed install never leaves half an entry; an entry whose files do not
//! match its manifest (sizes and SHA-256) is ignored and installed again.

use super::lock::{self, Lock, Pin, Source, hex, normalize_name};
use super::target::Target;
use crate::error::{Diagnostic, Error, Problem};
use crate::ui;
use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// The uv that `scripts/install-uv.sh` installs, and that tapgen looks for under the tools
/// folder; keep the two in step (a unit test checks).
pub const UV_VERSION: &str = "0.13.8";

/// Bumped whenever what an entry holds changes (normalization, layout), so that an older
/// tapgen's entries are never read as this one's.
const CACHE_FORMAT: &str = "deps-v1";
const MANIFEST: &str = "MANIFEST";
const MANIFEST_HEADER: &str = "tapgen dependency set v1";
const SITE: &str = "site";

/// Where dependency sets are cached and which installer makes them.
#[derive(Debug, Clone, Default)]
pub struct Tools {
    /// The cache folder; `None` where none can be found (no `HOME`).
    pub cache_dir: Option<PathBuf>,
    /// The folder the project's pinned tools are installed in.
    pub tools_dir: Option<PathBuf>,
    /// An installer chosen explicitly (`$TAPGEN_PIP`): used as it is, or an error.
    pub installer: Option<PathBuf>,
}

impl Tools {
    /// The cache is `$TAPGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/tapgen`, else
    /// `~/.cache/tapgen`; the tools folder `$TAPGEN_TOOLS_DIR`, else
    /// `~/.cache/tapgen-tools`; the installer `$TAPGEN_PIP`, else uv from the tools folder.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
        let home = var("HOME").map(PathBuf::from);
        let cache_dir = var("TAPGEN_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                // The XDG spec ignores a relative value.
                var("XDG_CACHE_HOME")
                    .map(PathBuf::from)
                    .filter(|path| path.is_absolute())
                    .map(|path| path.join("tapgen"))
            })
            .or_else(|| home.as_ref().map(|home| home.join(".cache/tapgen")));
        let tools_dir = var("TAPGEN_TOOLS_DIR")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|home| home.join(".cache/tapgen-tools")));
        Tools {
            cache_dir,
            tools_dir,
            installer: std::env::var_os("TAPGEN_PIP").map(PathBuf::from),
        }
    }

    fn cache_dir(&self) -> Result<&Path, Error> {
        self.cache_dir.as_deref().ok_or_else(|| Error::Tool {
        output: String::new(),
            message: "no folder to cache dependencies in: neither `TAPGEN_CACHE_DIR`, `XDG_CACHE_HOME` nor `HOME` is set".to_owned(),
            help: Some("set `TAPGEN_CACHE_DIR` to a folder tapgen may write".to_owned()),
        })
    }

    /// The installer, and where it was found, for messages.
    fn installer(&self, lock: &Path) -> Result<(PathBuf, String), Error> {
        if let Some(chosen) = &self.installer {
            let path = crate::tool::chosen_tool(
                "TAPGEN_PIP",
                chosen,
                "point `TAPGEN_PIP` at a `uv` binary, or unset it to use the one `scripts/install-uv.sh` installs",
            )?;
            return Ok((path, "from TAPGEN_PIP".to_owned()));
        }
        let installed = self
            .tools_dir
            .as_ref()
            .map(|dir| dir.join(format!("uv-{UV_VERSION}")));
        if let Some(venv) = &installed
            && venv.join(".tapgen-installed").is_file()
            && crate::tool::is_executable(&venv.join("bin/uv"))
        {
            return Ok((venv.join("bin/uv"), "installed by tapgen".to_owned()));
        }
        Err(Error::Tool {
            output: String::new(),
            message: format!(
                "`{}` lists dependencies, and tapgen has no installer for them: it installs them with uv {UV_VERSION}, and found none{}",
                lock.display(),
                installed
                    .map(|venv| format!(
                        " (not in `{}`, and `TAPGEN_PIP` is not set)",
                        venv.display()
                    ))
                    .unwrap_or_default()
            ),
            help: Some(format!(
                "run `scripts/install-uv.sh` from tapgen's repository, or `pip install uv=={UV_VERSION}` into a virtualenv and set `TAPGEN_PIP` to its `bin/uv`"
            )),
        })
    }
}

/// A dependency set installed for a target, normalized, ready to package.
#[derive(Debug, Clone)]
pub(super) struct Installed {
    /// The folder holding the packages, as Python's `sys.path` would hold it.
    pub site: PathBuf,
    /// `(name, version)` of each installed distribution, by name.
    pub packages: Vec<(String, String)>,
    /// Whether it came from the cache (no installer ran).
    pub from_cache: bool,
    /// The installer that ran, if one did.
    pub installer: Option<PathBuf>,
}

/// The dependency set of `lock` for `target`: from the cache when an intact entry is
/// there (no installer runs), else installed, normalized, checked and cached.
pub(super) fn install(lock: &Lock, target: Target, tools: &Tools) -> Result<Installed, Error> {
    // Absolute: the installer runs in a folder of its own, where a relative path would
    // name another place.
    let cache = absolute(tools.cache_dir()?)?;
    let cache = cache.as_path();
    let entries = cache.join(CACHE_FORMAT);
    let key = format!("{}-{}-{}", lock.sha256, target.runtime, target.architecture);
    let entry = entries.join(&key);
    match load(&entry) {
        Ok(Some(packages)) => {
            ui::line(&format!(
                "using the cached dependencies of `{}` for {} ({})",
                lock.file().display(),
                target.shown(),
                shown_packages(&packages)
            ))?;
            return Ok(Installed {
                site: entry.join(SITE),
                packages,
                from_cache: true,
                installer: None,
            });
        }
        Ok(None) => {}
        Err(why) => {
            ui::line(&format!(
                "note: the cached dependency set `{}` {why}: installing it again",
                entry.display()
            ))?;
            discard(&entries, &entry)?;
        }
    }
    let (uv, origin) = tools.installer(lock.file())?;
    let uv = absolute(&uv)?;
    let version = uv_version(&uv)?;
    ui::line(&format!(
        "installing the dependencies of `{}` for {} with {version} (`{}`, {origin})",
        lock.file().display(),
        target.shown(),
        uv.display()
    ))?;
    let started = Instant::now();
    std::fs::create_dir_all(&entries).map_err(|e| Error::io("create", &entries, e))?;
    sweep(&entries);
    let staging = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempdir_in(&entries)
        .map_err(|e| Error::io("create a folder in", &entries, e))?;
    let uv_cache = cache.join("uv");
    let pins = match &lock.source {
        Source::Requirements { pins, .. } => pins.clone(),
        Source::UvLock { project, lock } => export(&uv, project, lock, &uv_cache)?,
    };
    let requirements = staging.path().join("requirements.txt");
    std::fs::write(&requirements, lock::normalized(&pins))
        .map_err(|e| Error::io("write", &requirements, e))?;
    let site = staging.path().join(SITE);
    // There even where the target's markers exclude every pin and nothing is installed.
    std::fs::create_dir_all(&site).map_err(|e| Error::io("create", &site, e))?;
    let mut args: Vec<OsString> = vec!["pip".into(), "install".into(), "--target".into()];
    args.push(site.clone().into());
    for arg in [
        "--python-platform",
        &target.python_platform(),
        "--python-version",
        &target.runtime.python_version(),
        // Wheels only: never a source build, which would compile for this machine.
        "--no-build",
        // The entry owns its files: a hard link into uv's cache would let one change both.
        "--link-mode",
        "copy",
    ] {
        args.push(arg.into());
    }
    quiet_and_cached(&mut args, &uv_cache);
    if pins.iter().any(|pin| !pin.hashes.is_empty()) {
        // As pip does once any requirement has a hash: every package must have one.
        args.push("--require-hashes".into());
    }
    args.push("-r".into());
    args.push(requirements.into());
    let output = run(&uv, &args, staging.path())?;
    if !output.status.success() {
        return Err(install_failure(&output, &pins, lock, target));
    }
    normalize(&site)?;
    let packages = distributions(&site)?;
    check_pinned(&packages, &pins, lock)?;
    write_manifest(staging.path(), &packages)?;
    // Renamed whole: either the complete entry is there or none is.
    let staged = staging.keep();
    match std::fs::rename(&staged, &entry) {
        Ok(()) => {}
        Err(_) if entry.join(MANIFEST).is_file() => {
            // Another run cached the same set meanwhile; its entry is as good as ours.
            let _ = std::fs::remove_dir_all(&staged);
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(Error::io("move into place", &entry, e));
        }
    }
    ui::line(&format!(
        "installed {} in {:.1} s into `{}`",
        shown_packages(&packages),
        started.elapsed().as_secs_f64(),
        entry.display()
    ))?;
    Ok(Installed {
        site: entry.join(SITE),
        packages,
        from_cache: false,
        installer: Some(uv),
    })
}

fn absolute(path: &Path) -> Result<PathBuf, Error> {
    std::path::absolute(path).map_err(|e| Error::io("resolve", path, e))
}

fn shown_packages(packages: &[(String, String)]) -> String {
    match packages.len() {
        0 => "no packages".to_owned(),
        _ => packages
            .iter()
            .map(|(name, version)| format!("{name} {version}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Removes what killed installs left: staging folders a day old (a running install's is
/// younger). Best effort: a folder that cannot be removed now is tried again next time.
fn sweep(entries: &Path) {
    const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
    let Ok(read) = std::fs::read_dir(entries) else {
        return;
    };
    for entry in read.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let left = name.starts_with(".tmp-") || name.starts_with(".stale-");
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age > DAY));
        if left && old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Removes a bad entry: renamed aside first, so that no run finds half of it.
fn discard(entries: &Path, entry: &Path) -> Result<(), Error> {
    let aside = tempfile::Builder::new()
        .prefix(".stale-")
        .tempdir_in(entries)
        .map_err(|e| Error::io("create a folder in", entries, e))?;
    let target = aside.path().join("entry");
    match std::fs::rename(entry, &target) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("remove", entry, e)),
    }
    // `aside` is removed, with the entry in it, when it is dropped here.
}

/// `uv --version`, which must say uv: another tool's arguments differ.
fn uv_version(uv: &Path) -> Result<String, Error> {
    let output = Command::new(uv)
        .arg("--version")
        .output()
        .map_err(|e| Error::io("run", uv, e))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().next().unwrap_or("").trim();
    match line.strip_prefix("uv ") {
        Some(version) if output.status.success() => {
            let version = version.split_whitespace().next().unwrap_or(version);
            Ok(format!("uv {version}"))
        }
        _ => Err(Error::Tool {
            // Where it failed, what it said; where it ran, the message quotes its line.
            output: if output.status.success() {
                String::new()
            } else {
                tool_output(&output)
            },
            message: format!(
                "`{}` is not uv: `--version` printed `{}`",
                uv.display(),
                crate::error::shown(line)
            ),
            help: Some(format!(
                "tapgen installs dependencies with uv (it selects wheels for the Lambda platform, markers included): point `TAPGEN_PIP` at a `uv` binary, such as the one `pip install uv=={UV_VERSION}` installs"
            )),
        }),
    }
}

fn run(uv: &Path, args: &[OsString], cwd: &Path) -> Result<Output, Error> {
    let mut command = Command::new(uv);
    command.args(args).current_dir(cwd);
    // The system's certificate store, where nothing else is configured: where an
    // interception proxy's CA is trusted, it is trusted there.
    let configured = ["SSL_CERT_FILE", "UV_SYSTEM_CERTS", "UV_NATIVE_TLS"]
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    if !configured {
        command.env("UV_SYSTEM_CERTS", "1");
    }
    command.output().map_err(|e| Error::io("run", uv, e))
}

/// What the installer printed, as it printed it: stderr, then stdout.
fn tool_output(output: &Output) -> String {
    let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stdout));
    text
}

/// The installer's error as lines under a message of tapgen's: from its `error:` line on
/// (what comes before is progress, such as the interpreter it found), blank lines left out.
fn error_lines(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|line| line.starts_with("error:"))
        .unwrap_or(0);
    lines[start..]
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.trim_end().to_owned())
        .collect()
}

/// What every uv command here takes: no Python download, no progress or colour in the
/// output tapgen shows, and tapgen's own cache.
fn quiet_and_cached(args: &mut Vec<OsString>, uv_cache: &Path) {
    for arg in ["--no-python-downloads", "--no-progress", "--color", "never"] {
        args.push(arg.into());
    }
    args.push("--cache-dir".into());
    args.push(uv_cache.into());
}

/// The pins of a `uv.lock`, as `uv export` writes them for the project's own dependencies
/// (no dev groups, not the project itself). `--locked` refuses a lock that no longer
/// matches `pyproject.toml`; `--offline`: exporting a lock needs no download.
fn export(uv: &Path, project: &Path, lock_file: &Path, uv_cache: &Path) -> Result<Vec<Pin>, Error> {
    let dir = absolute(project.parent().unwrap_or(Path::new(".")))?;
    let dir = dir.as_path();
    let mut args: Vec<OsString> = vec!["export".into(), "--project".into(), dir.into()];
    for arg in [
        "--locked",
        "--offline",
        "--format",
        "requirements.txt",
        "--no-header",
        "--no-annotate",
        "--no-default-groups",
        "--no-emit-project",
    ] {
        args.push(arg.into());
    }
    quiet_and_cached(&mut args, uv_cache);
    let output = run(uv, &args, dir)?;
    if !output.status.success() {
        let text = tool_output(&output);
        // Offline, a lock that still matches the project needs nothing; one that does not
        // makes uv resolve again, which it cannot without the network.
        if text.contains("needs to be updated") || text.contains("network was disabled") {
            return Err(Error::usage_listing(
                format!(
                    "`{}` does not match `{}`: the lock is out of date; uv says:",
                    lock_file.display(),
                    project.display()
                ),
                error_lines(&text),
                format!(
                    "run `uv lock` in `{}` and keep the new `uv.lock`",
                    dir.display()
                ),
            ));
        }
        return Err(Error::Tool {
            message: format!("`uv export` failed on `{}`:", lock_file.display()),
            output: text,
            help: Some(format!(
                "the output above is uv's own: fix what it reports, or check the lock with `uv lock --check` in `{}`",
                dir.display()
            )),
        });
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let pins = lock::parse_requirements(&text, lock_file).map_err(|error| match error {
        Error::Config { diagnostics, .. } => Error::usage_listing(
            format!(
                "`{}` locks what tapgen cannot install as pinned wheels:",
                lock_file.display()
            ),
            diagnostics.iter().map(|d| d.problem.message()).collect(),
            "depend on packages from the index, pinned: local and URL sources cannot be reproduced",
        ),
        other => other,
    })?;
    // Their places are lines of uv's export, not of a file the user wrote.
    Ok(pins
        .into_iter()
        .map(|pin| Pin { at: None, ..pin })
        .collect())
}

/// The installer's failure as tapgen's error: a requirement the platform has no wheel
/// for, or that the index does not have, is the user's to fix (exit 2), at its line in
/// `requirements.txt`; so are pins that conflict and hashes that do not match, with uv's
/// reasons listed. Anything else (the network, the index) is the tool's (exit 3).
fn install_failure(output: &Output, pins: &[Pin], lock: &Lock, target: Target) -> Error {
    let text = tool_output(output);
    let file = lock.file().display().to_string();
    // At the pin uv names, where the file is one the user wrote; uv normalizes names.
    let located = |problem: Problem, name: &str| {
        let name = normalize_name(name);
        let at = pins
            .iter()
            .find(|pin| pin.name == name)
            .and_then(|pin| pin.at.clone());
        Error::Config {
            file: file.clone(),
            diagnostics: vec![Diagnostic::in_file(problem, file.clone()).at(at)],
        }
    };
    // The groups of the first match of `pattern`, where `NAME` is a package name.
    let captures = |pattern: &str| {
        let pattern = pattern.replace("NAME", r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?");
        let re = regex::Regex::new(&pattern).ok()?;
        let found = re.captures(&text)?;
        Some(
            found
                .iter()
                .skip(1)
                .map(|group| group.map_or(String::new(), |g| g.as_str().to_owned()))
                .collect::<Vec<_>>(),
        )
    };
    if let Some(found) =
        captures(r"Because (?:only )?NAME==(\S+?) has no (?:usable wheels|wheels with a matching)")
    {
        let problem = Problem::NoWheel {
            name: found[0].clone(),
            version: found[1].clone(),
            target,
        };
        return located(problem, &found[0]);
    }
    if let Some(found) = captures(r"Because there is no version of NAME==(\S+?)[ ,]") {
        let problem = Problem::UnknownVersion {
            name: found[0].clone(),
            version: found[1].clone(),
        };
        return located(problem, &found[0]);
    }
    if let Some(found) = captures(r"Because NAME was not found in the package registry") {
        let problem = Problem::UnknownPackage {
            name: found[0].clone(),
        };
        return located(problem, &found[0]);
    }
    if text.contains("No solution found") || text.contains("is not available") {
        let named: Vec<String> = pins
            .iter()
            .filter(|pin| text.contains(&format!("{}==", pin.name)))
            .map(|pin| format!("`{}=={}`", pin.name, pin.version))
            .collect();
        let which = if named.is_empty() {
            String::new()
        } else {
            format!(" ({})", named.join(", "))
        };
        return Error::usage_listing(
            format!(
                "the pins of `{file}`{which} cannot be installed together for {}; uv says:",
                target.shown()
            ),
            error_lines(&text),
            "pin versions that exist in the package index and agree with each other's requirements (`uv pip compile` finds them)",
        );
    }
    if [
        "Hash mismatch",
        "Hash-checking is required",
        "--require-hashes",
    ]
    .iter()
    .any(|sign| text.contains(sign))
    {
        return Error::usage_listing(
            format!("the hashes of `{file}` do not check out; uv says:"),
            error_lines(&text),
            "once one requirement has a hash, every package must have one that matches: regenerate them (`uv pip compile --generate-hashes`)",
        );
    }
    Error::Tool {
        message: format!(
            "uv failed to install the dependencies of `{file}` for {}:",
            target.shown()
        ),
        output: text,
        help: Some("the output above is uv's own: check the network and the package index settings (uv reads `UV_INDEX_URL` and `uv.toml`)".to_owned()),
    }
}

/// Removes what the installer adds that depends on the machine, the install folder or the
/// installer: byte code, console scripts (their shebang names this machine's Python),
/// `INSTALLER`, `REQUESTED`, `direct_url.json`, and `RECORD` lines of removed files. Then
/// refuses any file that still holds the install folder's path.
fn normalize(site: &Path) -> Result<(), Error> {
    for noise in [".lock", "bin"] {
        remove(&site.join(noise))?;
    }
    prune(site)?;
    let dist_infos = dist_info_dirs(site)?;
    for dist_info in &dist_infos {
        for noise in ["INSTALLER", "REQUESTED", "direct_url.json"] {
            remove(&dist_info.join(noise))?;
        }
    }
    for dist_info in &dist_infos {
        rewrite_record(site, dist_info)?;
    }
    // The folder as the installer was given it and with links resolved: either may be
    // what it wrote. Both end in the staging folder's random name, so no file holds
    // either by chance.
    let given = absolute(site)?;
    let resolved = std::fs::canonicalize(site).map_err(|e| Error::io("read", site, e))?;
    let needles = [given, resolved].map(|path| path.to_string_lossy().into_owned());
    let pattern = regex::bytes::Regex::new(
        &needles
            .iter()
            .map(|n| regex::escape(n))
            .collect::<Vec<_>>()
            .join("|"),
    )
    .map_err(|e| Error::io("search", site, std::io::Error::other(e)))?;
    for (name, path) in files_under(site)? {
        let bytes = std::fs::read(&path).map_err(|e| Error::io("read", &path, e))?;
        if pattern.is_match(&bytes) {
            return Err(Error::Tool {
                output: String::new(),
                message: format!(
                    "the installed file `{name}` holds the folder it was installed into (`{}`): a package built from it would differ on every machine",
                    needles[0]
                ),
                help: Some(
                    "report this to tapgen: the installer wrote a path tapgen does not remove"
                        .to_owned(),
                ),
            });
        }
    }
    Ok(())
}

fn remove(path: &Path) -> Result<(), Error> {
    let result = match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    };
    result.map_err(|e| Error::io("remove", path, e))
}

/// Removes `__pycache__` folders and byte code below `dir`.
fn prune(dir: &Path) -> Result<(), Error> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io("read folder", dir, e))? {
        let entry = entry.map_err(|e| Error::io("read folder", dir, e))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let file_type = entry
            .file_type()
            .map_err(|e| Error::io("read the type of", &path, e))?;
        if file_type.is_dir() {
            if name == "__pycache__" {
                remove(&path)?;
            } else {
                prune(&path)?;
            }
        } else if name.ends_with(".pyc") || name.ends_with(".pyo") {
            remove(&path)?;
        }
    }
    Ok(())
}

fn dist_info_dirs(site: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(site).map_err(|e| Error::io("read folder", site, e))? {
        let entry = entry.map_err(|e| Error::io("read folder", site, e))?;
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && entry.file_name().to_string_lossy().ends_with(".dist-info") {
            dirs.push(entry.path());
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// `RECORD` keeps the lines of files still there, by paths relative to the site folder;
/// lines of removed files (byte code, scripts, `INSTALLER`) and any path that leaves the
/// folder are dropped. The file is replaced, not written in place.
fn rewrite_record(site: &Path, dist_info: &Path) -> Result<(), Error> {
    let record = dist_info.join("RECORD");
    let Ok(text) = std::fs::read_to_string(&record) else {
        return Ok(());
    };
    let Some(dist_info_name) = dist_info
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
    else {
        return Ok(());
    };
    let own = format!("{dist_info_name}/RECORD");
    let mut kept = String::new();
    for line in text.lines() {
        let path = record_path(line);
        let inside = !path.is_empty()
            && !path.starts_with('/')
            && !Path::new(&path)
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)));
        if inside && (path == own || site.join(&path).is_file()) {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    let staged = dist_info.join("RECORD.tapgen");
    std::fs::write(&staged, kept).map_err(|e| Error::io("write", &staged, e))?;
    std::fs::rename(&staged, &record).map_err(|e| Error::io("write", &record, e))
}

/// The path field of a `RECORD` line (CSV: quoted where it holds a comma or a quote).
fn record_path(line: &str) -> String {
    if let Some(rest) = line.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    out.push('"');
                } else {
                    break;
                }
            } else {
                out.push(c);
            }
        }
        out
    } else {
        line.split(',').next().unwrap_or("").to_owned()
    }
}

/// Every file below `root`, by its `/`-separated path relative to it, sorted. The
/// installer writes only files and folders; anything else is refused.
fn files_under(root: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
    let mut files = Vec::new();
    let mut pending = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = pending.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| Error::io("read folder", &dir, e))? {
            let entry = entry.map_err(|e| Error::io("read folder", &dir, e))?;
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                return Err(Error::io(
                    "read",
                    &path,
                    std::io::Error::other("the name is not UTF-8"),
                ));
            };
            let file_type = entry
                .file_type()
                .map_err(|e| Error::io("read the type of", &path, e))?;
            if file_type.is_dir() {
                pending.push((path, format!("{prefix}{name}/")));
            } else if file_type.is_file() && !name.contains('\n') {
                files.push((format!("{prefix}{name}"), path));
            } else {
                return Err(Error::io(
                    "read",
                    &path,
                    std::io::Error::other("neither a file nor a folder"),
                ));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// `(name, version)` of each distribution installed in `site`, from its `METADATA`.
fn distributions(site: &Path) -> Result<Vec<(String, String)>, Error> {
    let mut packages = Vec::new();
    for dist_info in dist_info_dirs(site)? {
        let metadata = dist_info.join("METADATA");
        let text =
            std::fs::read_to_string(&metadata).map_err(|e| Error::io("read", &metadata, e))?;
        let header = |field: &str| {
            text.lines()
                .take_while(|line| !line.is_empty())
                .find_map(|line| line.strip_prefix(field))
                .map(|value| value.trim().to_owned())
        };
        if let (Some(name), Some(version)) = (header("Name:"), header("Version:")) {
            packages.push((normalize_name(&name), version));
        }
    }
    packages.sort();
    Ok(packages)
}

/// Every installed distribution must be pinned: a dependency the installer chose itself
/// could be another version tomorrow.
fn check_pinned(packages: &[(String, String)], pins: &[Pin], lock: &Lock) -> Result<(), Error> {
    let unpinned: Vec<String> = packages
        .iter()
        .filter(|(name, _)| !pins.iter().any(|pin| &pin.name == name))
        .map(|(name, version)| format!("{name}=={version}"))
        .collect();
    if unpinned.is_empty() {
        return Ok(());
    }
    let file = lock.file().display().to_string();
    let problem = Problem::UnpinnedDependencies {
        pins: unpinned,
        file: lock
            .file()
            .file_name()
            .map_or_else(|| file.clone(), |name| name.to_string_lossy().into_owned()),
    };
    Err(Error::Config {
        file: file.clone(),
        diagnostics: vec![Diagnostic::in_file(problem, file)],
    })
}

/// The manifest of a staged entry: the packages, then each file's digest, size and path.
fn write_manifest(entry: &Path, packages: &[(String, String)]) -> Result<(), Error> {
    let mut text = format!("{MANIFEST_HEADER}\n");
    for (name, version) in packages {
        text.push_str(&format!("package {name} {version}\n"));
    }
    for (name, path) in files_under(&entry.join(SITE))? {
        let bytes = std::fs::read(&path).map_err(|e| Error::io("read", &path, e))?;
        text.push_str(&format!(
            "file {} {} {name}\n",
            hex(&Sha256::digest(&bytes)),
            bytes.len()
        ));
    }
    let path = entry.join(MANIFEST);
    std::fs::write(&path, text).map_err(|e| Error::io("write", &path, e))
}

/// The packages of an intact entry; `Ok(None)` where there is none; `Err` (why) where
/// there is one that does not match its manifest.
fn load(entry: &Path) -> Result<Option<Vec<(String, String)>>, String> {
    let manifest = entry.join(MANIFEST);
    let text = match std::fs::read_to_string(&manifest) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !entry.exists() => return Ok(None),
        Err(e) => return Err(format!("has no readable manifest ({e})")),
    };
    let mut lines = text.lines();
    if lines.next() != Some(MANIFEST_HEADER) {
        return Err("has a manifest tapgen does not know".to_owned());
    }
    let mut packages = Vec::new();
    let mut expected = Vec::new();
    for line in lines {
        if let Some(rest) = line.strip_prefix("package ") {
            let (name, version) = rest.split_once(' ').ok_or("has a damaged manifest")?;
            packages.push((name.to_owned(), version.to_owned()));
        } else if let Some(rest) = line.strip_prefix("file ") {
            let mut fields = rest.splitn(3, ' ');
            match (fields.next(), fields.next(), fields.next()) {
                (Some(digest), Some(len), Some(name)) => {
                    expected.push((name.to_owned(), len.to_owned(), digest.to_owned()))
                }
                _ => return Err("has a damaged manifest".to_owned()),
            }
        } else {
            return Err("has a damaged manifest".to_owned());
        }
    }
    let files = files_under(&entry.join(SITE)).map_err(|e| format!("cannot be read ({e})"))?;
    if files.len() != expected.len() {
        return Err(format!(
            "holds {} files where its manifest lists {}",
            files.len(),
            expected.len()
        ));
    }
    for ((name, path), (expected_name, len, digest)) in files.iter().zip(&expected) {
        if name != expected_name {
            return Err(format!(
                "holds `{name}` where its manifest lists `{expected_name}`"
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("cannot be read ({e})"))?;
        if bytes.len().to_string() != *len || hex(&Sha256::digest(&bytes)) != *digest {
            return Err(format!("holds a `{name}` that differs from its manifest"));
        }
    }
    Ok(Some(packages))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pinned_uv_is_the_one_the_install_script_installs() {
        let script = include_str!("../../scripts/install-uv.sh");
        assert!(
            script.contains(&format!("\nUV_VERSION={UV_VERSION}\n")),
            "scripts/install-uv.sh must pin uv {UV_VERSION}"
        );
    }

    /// A site folder as an installer leaves it, with every kind of noise.
    fn installed_site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path();
        let write = |name: &str, text: &str| {
            let path = site.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(".lock", "");
        write("bin/tool", "#!/somewhere/bin/python\n");
        write("pkg/__init__.py", "x = 1\n");
        write("pkg/__pycache__/__init__.cpython-312.pyc", "junk");
        write("pkg/old.pyc", "junk");
        write(
            "pkg-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: Pkg\nVersion: 1.0\n\nName: not-this\n",
        );
        write("pkg-1.0.dist-info/INSTALLER", "uv\n");
        write("pkg-1.0.dist-info/REQUESTED", "");
        write(
            "pkg-1.0.dist-info/direct_url.json",
            "{\"url\": \"file:///tmp/x.whl\"}",
        );
        write(
            "pkg-1.0.dist-info/RECORD",
            concat!(
                "pkg/__init__.py,sha256=abc,6\n",
                "pkg/__pycache__/__init__.cpython-312.pyc,,\n",
                "../../bin/tool,sha256=def,20\n",
                "/abs/path,,\n",
                "pkg-1.0.dist-info/INSTALLER,sha256=ghi,3\n",
                "pkg-1.0.dist-info/METADATA,sha256=jkl,60\n",
                "pkg-1.0.dist-info/RECORD,,\n",
            ),
        );
        dir
    }

    #[test]
    fn normalization_removes_installer_noise_and_keeps_record_lines_of_kept_files() {
        let site = installed_site();
        normalize(site.path()).unwrap();
        let names: Vec<String> = files_under(site.path())
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names,
            [
                "pkg-1.0.dist-info/METADATA",
                "pkg-1.0.dist-info/RECORD",
                "pkg/__init__.py"
            ]
        );
        assert_eq!(
            std::fs::read_to_string(site.path().join("pkg-1.0.dist-info/RECORD")).unwrap(),
            "pkg/__init__.py,sha256=abc,6\npkg-1.0.dist-info/METADATA,sha256=jkl,60\npkg-1.0.dist-info/RECORD,,\n"
        );
        assert_eq!(
            distributions(site.path()).unwrap(),
            [("pkg".to_owned(), "1.0".to_owned())]
        );
    }

    #[test]
    fn a_file_holding_the_install_folder_is_refused_by_name() {
        let site = installed_site();
        let path = std::fs::canonicalize(site.path()).unwrap();
        std::fs::write(
            site.path().join("pkg/paths.pth"),
            format!("{}/pkg\n", path.display()),
        )
        .unwrap();
        let error = normalize(site.path()).unwrap_err().to_string();
        assert!(
            error.contains("`pkg/paths.pth` holds the folder"),
            "{error}"
        );
    }

    #[test]
    fn record_paths_are_read_as_csv() {
        assert_eq!(record_path("a/b.py,sha256=x,1"), "a/b.py");
        assert_eq!(record_path("\"a,\"\"b\"\".py\",sha256=x,1"), "a,\"b\".py");
    }

    fn cached_entry() -> (tempfile::TempDir, PathBuf) {
        let cache = tempfile::tempdir().unwrap();
        let entry = cache.path().join("entry");
        std::fs::create_dir_all(entry.join("site/pkg")).unwrap();
        std::fs::write(entry.join("site/pkg/__init__.py"), "x = 1\n").unwrap();
        write_manifest(&entry, &[("pkg".to_owned(), "1.0".to_owned())]).unwrap();
        (cache, entry)
    }

    #[test]
    fn an_intact_entry_loads_with_its_packages() {
        let (_cache, entry) = cached_entry();
        assert_eq!(
            load(&entry).unwrap(),
            Some(vec![("pkg".to_owned(), "1.0".to_owned())])
        );
        assert_eq!(load(&entry.with_file_name("absent")).unwrap(), None);
    }

    #[test]
    fn an_entry_with_a_changed_missing_or_extra_file_is_not_used() {
        let (_cache, entry) = cached_entry();
        std::fs::write(entry.join("site/pkg/__init__.py"), "x = 2\n").unwrap();
        assert!(
            load(&entry)
                .unwrap_err()
                .contains("differs from its manifest")
        );

        let (_cache, entry) = cached_entry();
        std::fs::write(entry.join("site/pkg/extra.py"), "").unwrap();
        assert!(load(&entry).unwrap_err().contains("holds 2 files"));

        let (_cache, entry) = cached_entry();
        std::fs::remove_file(entry.join("site/pkg/__init__.py")).unwrap();
        assert!(load(&entry).unwrap_err().contains("holds 0 files"));

        let (_cache, entry) = cached_entry();
        std::fs::remove_file(entry.join(MANIFEST)).unwrap();
        assert!(load(&entry).unwrap_err().contains("no readable manifest"));
    }
}
