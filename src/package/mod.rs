//! The Lambda package: a zip of exactly the handler folder, byte-identical on every machine
//! and every run (sorted entries, a fixed timestamp, modes only 0755 or 0644), so its hash,
//! and so `source_code_hash`, never changes unless the code does.
//!
//! What goes in is the folder as the handler sees it, with three kinds of things left out:
//! tapgen's own files ([`Exclusions`]: the output folders and the config, which would
//! otherwise make the package grow with every render when the handler sits beside the
//! config), and, by name anywhere, dot-files (`.git`, `.terraform`, `.env`, `.pytest_cache`
//! and every other tool's cache), tests and Python caches (see [`is_excluded`]).
//!
//! The folder is walked once, before anything is read, and refused (exit 2, every problem
//! named relative to the folder) if it holds what a Lambda package cannot: a symlink that
//! leads out of the folder or into a folder that contains it (a loop), a name that is not
//! UTF-8, a FIFO, socket or device (never opened: opening a FIFO blocks), or more than Lambda
//! accepts. A symlink to a file or folder inside the folder is packaged as its target.

mod deps;
mod lock;
pub mod source;
pub mod target;

pub use deps::{Tools, UV_VERSION};
pub use target::{Architecture, Runtime, Target};

use crate::error::Error;
// A problem that makes the folder unpackageable, as one line and what to do about it.
use crate::error::Unpackageable as Problem;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::Metadata;
use std::io::{Cursor, Read as _, Write as _};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Lambda refuses a function whose code takes more than this once unzipped
/// ("Unzipped size must be smaller than 262144000 bytes"), layers included.
pub const MAX_UNZIPPED_BYTES: u64 = 262_144_000;

/// Lambda's limit for a zip uploaded directly, as `filename` does: 50 MiB, whose base64 is
/// the 69,905,067-byte request limit. Larger packages have to go through S3.
pub const MAX_ZIPPED_BYTES: u64 = 52_428_800;

/// At most this many problems are listed; the rest are counted.
const MAX_PROBLEMS_SHOWN: usize = 20;

/// Paths that are never packaged, wherever they lie inside the handler folder: tapgen's
/// own output and config. Paths that do not exist yet hold nothing to leave out.
#[derive(Debug, Clone, Default)]
pub struct Exclusions {
    paths: Vec<PathBuf>,
}

impl Exclusions {
    pub fn new(paths: impl IntoIterator<Item = PathBuf>) -> Self {
        Self {
            paths: paths.into_iter().collect(),
        }
    }

    /// The existing exclusions, as given and with symlinks resolved (comparable with the
    /// resolved paths met while walking).
    fn resolved(&self) -> Vec<(&Path, PathBuf)> {
        self.paths
            .iter()
            .filter_map(|path| Some((path.as_path(), std::fs::canonicalize(path).ok()?)))
            .collect()
    }

    /// The exclusions with only their folder resolved, comparable with the paths of entries
    /// met while walking: an excluded path that is itself a symlink is left out, not followed.
    fn located(&self) -> Vec<PathBuf> {
        self.paths
            .iter()
            .filter_map(|path| {
                let path = std::path::absolute(path).ok()?;
                let parent = std::fs::canonicalize(path.parent()?).ok()?;
                Some(parent.join(path.file_name()?))
            })
            .collect()
    }
}

/// Names left out of the package wherever they appear: dot-files (VCS folders, `.terraform`,
/// `.env`, tool caches), tests and their configuration, Python caches, and `node_modules`
/// (the runtime is Python, which cannot load it; it is JavaScript tooling such as
/// formatters, and often larger than Lambda allows).
fn is_excluded(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with(".pyc")
        || matches!(
            name,
            "tests"
                | "__pycache__"
                | "conftest.py"
                | "pytest.ini"
                | "requirements-dev.txt"
                | "node_modules"
        )
}

/// One file to package.
#[derive(Debug)]
struct Entry {
    /// The path inside the zip, with `/` separators.
    name: String,
    /// Where to read it: the file itself, or a symlink's resolved target.
    path: PathBuf,
    /// Its length when the folder was walked.
    len: u64,
}

/// The state of one walk of the handler folder.
struct Walk<'a> {
    /// The folder as the user named it, for messages.
    dir: &'a Path,
    /// The folder with symlinks resolved.
    root: PathBuf,
    /// Every name is packaged: an installed dependency set, not the handler folder.
    verbatim: bool,
    /// Excluded paths as entries are met ([`Exclusions::located`]): left out.
    excluded_at: Vec<PathBuf>,
    /// Excluded paths resolved ([`Exclusions::resolved`]): a symlink into one is refused.
    excluded: Vec<PathBuf>,
    /// The resolved folders being walked, outermost first: a symlink to one is a loop.
    walking: Vec<PathBuf>,
    /// Folders entered through a symlink (resolved), and the first link that did: each is
    /// entered through one link at most, which keeps the walk small where links to links
    /// would otherwise multiply it (two links to the next level, 30 levels: 2^30 copies).
    linked: BTreeMap<PathBuf, String>,
    files: Vec<Entry>,
    unzipped: u64,
    problems: Vec<Problem>,
}

impl Walk<'_> {
    /// Records a problem; messages name paths relative to the handler folder.
    fn problem(&mut self, message: String, help: &'static str) {
        self.problems.push(Problem { message, help });
    }

    /// A symlink target relative to the handler folder where it is inside, for messages.
    fn show(&self, target: &Path) -> String {
        match target.strip_prefix(&self.root) {
            Ok(inner) if inner.as_os_str().is_empty() => ".".to_owned(),
            Ok(inner) => inner.display().to_string(),
            Err(_) => target.display().to_string(),
        }
    }

    /// Walks `real` (a folder with symlinks resolved), whose entries are packaged under
    /// `prefix`. Entries are visited in name order, so problems are reported in the same
    /// order on every machine.
    fn folder(&mut self, real: &Path, prefix: &str) -> Result<(), Error> {
        self.walking.push(real.to_path_buf());
        let walked = self.entries(real, prefix);
        self.walking.pop();
        walked
    }

    /// The entries of one folder; see [`Walk::folder`].
    fn entries(&mut self, real: &Path, prefix: &str) -> Result<(), Error> {
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(real).map_err(|e| Error::io("read folder", real, e))? {
            let entry = entry.map_err(|e| Error::io("read folder", real, e))?;
            entries.push((entry.file_name(), entry));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (os_name, entry) in entries {
            let lossy = os_name.to_string_lossy();
            // Checked on the lossy name so that an excluded non-UTF-8 name (a dot-file,
            // say) is left out rather than refused.
            if !self.verbatim && is_excluded(&lossy) {
                continue;
            }
            let Some(name) = os_name.to_str() else {
                self.problem(
                    format!(
                        "`{prefix}{}` has a name that is not valid UTF-8 (the bytes that are not are shown as `\\xNN`)",
                        escape_non_utf8(&os_name)
                    ),
                    "rename it: zip entry names are UTF-8, and Lambda would see a different name",
                );
                continue;
            };
            let inner = format!("{prefix}{name}");
            let path = real.join(name);
            // Does not follow a symlink, and never opens the entry.
            let file_type = entry
                .file_type()
                .map_err(|e| Error::io("read the type of", &path, e))?;
            if self.excluded_at.contains(&path) {
                continue;
            } else if file_type.is_symlink() {
                self.symlink(&path, &inner)?;
            } else if file_type.is_dir() {
                self.folder(&path, &format!("{inner}/"))?;
            } else {
                let metadata = entry
                    .metadata()
                    .map_err(|e| Error::io("read the metadata of", &path, e))?;
                self.file(path, inner, &metadata);
            }
        }
        Ok(())
    }

    /// A symlink at `path`, packaged as `inner`.
    fn symlink(&mut self, path: &Path, inner: &str) -> Result<(), Error> {
        let shown_link = std::fs::read_link(path)
            .map(|target| target.display().to_string())
            .unwrap_or_default();
        let target = match std::fs::canonicalize(path) {
            Ok(target) => target,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.problem(
                    format!("`{inner}` is a symlink to `{shown_link}`, which does not exist"),
                    "remove the link, or create what it points to inside the folder",
                );
                return Ok(());
            }
            Err(e) if is_symlink_loop(&e) => {
                self.problem(
                    format!("`{inner}` is a symlink to `{shown_link}`, which leads around a loop of symlinks"),
                    "remove the link, or point it at a file or folder inside the folder",
                );
                return Ok(());
            }
            Err(e) => return Err(Error::io("resolve symlink", path, e)),
        };
        if !target.starts_with(&self.root) {
            self.problem(
                if Path::new(&shown_link) == target {
                    format!("`{inner}` is a symlink to `{shown_link}`, outside the folder")
                } else {
                    format!(
                        "`{inner}` is a symlink to `{shown_link}`, outside the folder (`{}`)",
                        target.display()
                    )
                },
                "copy what the handler needs into the folder, or remove the link: Lambda gets only what is inside the folder",
            );
            return Ok(());
        }
        if let Some(excluded) = self.excluded.iter().find(|e| target.starts_with(e)) {
            let excluded = self.show(excluded);
            self.problem(
                format!("`{inner}` is a symlink into `{excluded}`, tapgen's own output, which is never packaged"),
                "remove the link",
            );
            return Ok(());
        }
        // Follows the link, without opening the target.
        let metadata = std::fs::metadata(&target)
            .map_err(|e| Error::io("read the metadata of", &target, e))?;
        if !metadata.is_dir() {
            self.file(target, inner.to_owned(), &metadata);
            return Ok(());
        }
        if self
            .walking
            .iter()
            .any(|folder| folder.starts_with(&target))
        {
            let shown = match self.show(&target) {
                shown if shown == "." => "the handler folder itself".to_owned(),
                shown => format!("`{shown}`"),
            };
            self.problem(
                format!("`{inner}` is a symlink to `{shown_link}` ({shown}), which contains the link: the package would contain itself without end"),
                "remove the link: the folder it points to is packaged already",
            );
            return Ok(());
        }
        if let Some(first) = self.linked.get(&target) {
            let (shown, first) = (self.show(&target), first.clone());
            self.problem(
                format!("`{inner}` and `{first}` both lead to the folder `{shown}` through symlinks: the package would hold a copy for each"),
                "keep one symlink to each folder (or import it by its own path)",
            );
            return Ok(());
        }
        self.linked.insert(target.clone(), inner.to_owned());
        self.folder(&target, &format!("{inner}/"))
    }

    /// An entry that is not a folder (after following a symlink): a regular file is
    /// packaged, anything else refused by name.
    fn file(&mut self, path: PathBuf, inner: String, metadata: &Metadata) {
        if !metadata.is_file() {
            self.problem(
                format!("`{inner}` is {}", special_kind(metadata)),
                "move it out of the folder: a Lambda package holds only files and folders",
            );
            return;
        }
        self.unzipped = self.unzipped.saturating_add(metadata.len());
        self.files.push(Entry {
            name: inner,
            path,
            len: metadata.len(),
        });
    }
}

/// A file name with the bytes that are not UTF-8 escaped as `\xNN`, for messages.
fn escape_non_utf8(name: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for byte in chunk.invalid() {
                out.push_str(&format!("\\x{byte:02X}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

/// What a special file is, with its article, for messages.
fn special_kind(metadata: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        let file_type = metadata.file_type();
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        } else if file_type.is_socket() {
            return "a socket";
        } else if file_type.is_block_device() {
            return "a block device";
        } else if file_type.is_char_device() {
            return "a character device";
        }
    }
    let _ = metadata;
    "neither a file nor a folder"
}

fn is_symlink_loop(error: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        error.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = error;
        false
    }
}

/// The limits a package must keep to.
#[derive(Debug, Clone, Copy)]
struct Limits {
    unzipped: u64,
    zipped: u64,
}

const LAMBDA_LIMITS: Limits = Limits {
    unzipped: MAX_UNZIPPED_BYTES,
    zipped: MAX_ZIPPED_BYTES,
};

/// Sizes for messages, in the units of Lambda's documentation (its "250 MB" is
/// 262,144,000 bytes, so 1 MB is 2^20 bytes).
fn show_size(bytes: u64) -> String {
    // Precision is irrelevant in a message; limits show their exact byte count too.
    let float = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if bytes < 1 << 20 {
        format!("{:.1} KB", float / 1024.0)
    } else {
        format!("{:.1} MB", float / 1_048_576.0)
    }
}

/// A limit for messages: its size and exact byte count.
fn show_limit(bytes: u64) -> String {
    format!("{} ({bytes} bytes)", show_size(bytes))
}

fn refuse(dir: &Path, mut problems: Vec<Problem>) -> Error {
    let count = problems.len();
    problems.truncate(MAX_PROBLEMS_SHOWN);
    Error::Unpackageable {
        dir: dir.to_path_buf(),
        problems,
        count,
    }
}

/// Walks `dir`, packaged under `prefix`: the handler folder with its rules (tapgen's
/// output left out, dot-files, tests and caches too), or, `verbatim`, an installed
/// dependency set, every file of which is packaged (a wheel's `.libs` folder is code).
/// Problems are recorded in the walk, not returned, so that all are reported at once.
fn walk<'a>(
    dir: &'a Path,
    exclusions: &Exclusions,
    verbatim: bool,
    prefix: &str,
) -> Result<Walk<'a>, Error> {
    let root =
        std::fs::canonicalize(dir).map_err(|e| Error::io("read Lambda source folder", dir, e))?;
    let excluded_at = exclusions.located();
    let excluded = exclusions.resolved();
    if let Some((output, _)) = excluded.iter().find(|(_, e)| root.starts_with(e)) {
        return Err(Error::usage(
            format!(
                "the Lambda source folder `{}` is inside `{}`, which tapgen writes: its own output would be packaged",
                dir.display(),
                output.display()
            ),
            Some("move the handler out of tapgen's output folders and point `lambda.source_dir` at it".to_owned()),
        ));
    }
    let mut walk = Walk {
        dir,
        root: root.clone(),
        verbatim,
        excluded_at,
        excluded: excluded.into_iter().map(|(_, e)| e).collect(),
        walking: Vec::new(),
        linked: BTreeMap::new(),
        files: Vec::new(),
        unzipped: 0,
        problems: Vec::new(),
    };
    walk.folder(&root, prefix)?;
    Ok(walk)
}

/// The problem of files that take more than `limit` unzipped, naming the largest three.
fn too_large(files: &[&Entry], unzipped: u64, limit: u64, help: &'static str) -> Option<Problem> {
    if unzipped <= limit {
        return None;
    }
    let mut largest: Vec<(u64, &str)> = files
        .iter()
        .map(|entry| (entry.len, entry.name.as_str()))
        .collect();
    largest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let largest: Vec<String> = largest
        .iter()
        .take(3)
        .map(|(len, name)| format!("`{name}` ({})", show_size(*len)))
        .collect();
    Some(Problem {
        message: format!(
            "the files take {} ({} bytes) unzipped, over the {} Lambda accepts; the largest: {}",
            show_size(unzipped),
            unzipped,
            show_limit(limit),
            largest.join(", ")
        ),
        help,
    })
}

const HANDLER_TOO_LARGE: &str =
    "leave out what the handler does not need: dot-files, `tests/` and caches are left out already";

/// Files under `dir` to package, sorted by their name inside the zip, or every reason the
/// folder cannot be packaged.
fn collect(dir: &Path, exclusions: &Exclusions, limits: Limits) -> Result<Vec<Entry>, Error> {
    let mut walk = walk(dir, exclusions, false, "")?;
    let files: Vec<&Entry> = walk.files.iter().collect();
    if let Some(problem) = too_large(&files, walk.unzipped, limits.unzipped, HANDLER_TOO_LARGE) {
        walk.problems.push(problem);
    }
    if !walk.problems.is_empty() {
        return Err(refuse(walk.dir, walk.problems));
    }
    let mut files = walk.files;
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// Whether `metadata` is executable by anyone; such files are packaged 0755, others 0644.
fn is_executable(metadata: &Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        metadata.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        false
    }
}

/// Zips `dir` deterministically, leaving out `exclusions`; refuses (exit 2) a folder that
/// cannot be packaged as it is, naming each problem.
pub fn build(dir: &Path, exclusions: &Exclusions) -> Result<Vec<u8>, Error> {
    build_within(dir, exclusions, LAMBDA_LIMITS)
}

fn build_within(dir: &Path, exclusions: &Exclusions, limits: Limits) -> Result<Vec<u8>, Error> {
    let files = collect(dir, exclusions, limits)?;
    zip_files(dir, files, limits)
}

/// Zips `files` (sorted by name) deterministically; `dir` names the folder in messages.
fn zip_files(dir: &Path, files: Vec<Entry>, limits: Limits) -> Result<Vec<u8>, Error> {
    let mut zip = Zip::new();
    let zip_error = |e: zip::result::ZipError| {
        Error::io("build Lambda package from", dir, std::io::Error::other(e))
    };
    let mut unzipped: u64 = 0;
    for entry in files {
        // Not following a link, not blocking: a file swapped for a FIFO since the walk is
        // refused, not left to block the render.
        let file = crate::output::disk::open_regular(&entry.path)
            .map_err(|e| Error::io("read", &entry.path, e))?;
        let metadata = file
            .metadata()
            .map_err(|e| Error::io("read", &entry.path, e))?;
        let executable = is_executable(&metadata);
        // Read whole, then compressed in one call (see `Zip::add`): reads may come back
        // short (network file systems), so streaming could give different bytes on another
        // machine. Bounded: a file that grew since
        // the walk cannot take more memory than the limit allows.
        let remaining = limits.unzipped.saturating_sub(unzipped);
        let mut contents = Vec::with_capacity(usize::try_from(entry.len).unwrap_or(0));
        file.take(remaining.saturating_add(1))
            .read_to_end(&mut contents)
            .map_err(|e| Error::io("read", &entry.path, e))?;
        let copied = u64::try_from(contents.len()).unwrap_or(u64::MAX);
        unzipped = unzipped.saturating_add(copied);
        if unzipped > limits.unzipped {
            return Err(refuse(
                dir,
                vec![Problem {
                    message: format!(
                        "the files grew while tapgen was packaging them, past the {} Lambda accepts unzipped (at `{}`)",
                        show_limit(limits.unzipped),
                        entry.name
                    ),
                    help: "package again once nothing is writing into the folder",
                }],
            ));
        }
        zip.add(&entry.name, executable, &contents)
            .map_err(zip_error)?;
    }
    let bytes = zip.finish().map_err(zip_error)?;
    let zipped = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if zipped > limits.zipped {
        return Err(refuse(
            dir,
            vec![Problem {
                message: format!(
                    "the package is {} ({zipped} bytes) zipped, over the {} Lambda accepts in a direct upload",
                    show_size(zipped),
                    show_limit(limits.zipped)
                ),
                help: "leave out what the handler does not need (large data belongs in S3): tapgen uploads the package directly",
            }],
        ));
    }
    Ok(bytes)
}

/// How to build a package for a function: what it runs on, where its dependencies go,
/// and where they are cached and installed from.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    pub target: Target,
    /// Dependencies go into a layer of their own (under `python/`, where Lambda's Python
    /// looks), and the function package holds the handler folder only.
    pub layer: bool,
    pub tools: &'a Tools,
}

/// A function package, and its layer where the dependencies have one.
#[derive(Debug, Clone)]
pub struct Built {
    /// The function's zip: the handler folder, and its dependencies unless in `layer`.
    pub function: Vec<u8>,
    /// The layer's zip (dependencies under `python/`), with [`Options::layer`] and a lock.
    pub layer: Option<Vec<u8>>,
    /// The handler's dependencies, where it has a lock.
    pub dependencies: Option<Dependencies>,
}

/// What was installed for a package, for the caller to report.
#[derive(Debug, Clone)]
pub struct Dependencies {
    /// `requirements.txt` or `uv.lock`.
    pub lock: PathBuf,
    /// The lock's digest, part of the cache key with the runtime and architecture.
    pub lock_sha256: String,
    /// `(name, version)` of each installed distribution, by name.
    pub packages: Vec<(String, String)>,
    /// Whether the set came from the cache, so that no installer ran.
    pub from_cache: bool,
    /// The installer that ran, if one did.
    pub installer: Option<PathBuf>,
}

/// Zips `dir` for `options.target`, with the dependencies its `requirements.txt` (or
/// `pyproject.toml` and `uv.lock`) pins installed for that target. Without a lock the
/// function package is the same bytes [`build`] makes. Refuses (exit 2) what [`build`]
/// refuses, a compiled library the target cannot load, and unpinned or uninstallable
/// dependencies; an installer that cannot run is exit 3.
pub fn build_for(dir: &Path, exclusions: &Exclusions, options: &Options) -> Result<Built, Error> {
    build_for_within(dir, exclusions, options, LAMBDA_LIMITS)
}

fn build_for_within(
    dir: &Path,
    exclusions: &Exclusions,
    options: &Options,
    limits: Limits,
) -> Result<Built, Error> {
    // The handler is checked before anything is installed: its problems cost no download.
    let mut handler = walk(dir, exclusions, false, "")?;
    check_libraries(&mut handler, options.target)?;
    let files: Vec<&Entry> = handler.files.iter().collect();
    if let Some(problem) = too_large(&files, handler.unzipped, limits.unzipped, HANDLER_TOO_LARGE) {
        handler.problems.push(problem);
    }
    if !handler.problems.is_empty() {
        return Err(refuse(dir, handler.problems));
    }
    let handler_unzipped = handler.unzipped;
    let handler_files = handler.files;
    let Some(lock) = lock::find(dir)? else {
        return Ok(Built {
            function: assemble(
                dir,
                handler_files,
                handler_unzipped,
                None,
                options.layer,
                limits,
            )?
            .0,
            layer: None,
            dependencies: None,
        });
    };
    let installed = deps::install(&lock, options.target, options.tools)?;
    let (function, layer) = assemble(
        dir,
        handler_files,
        handler_unzipped,
        Some(&installed.site),
        options.layer,
        limits,
    )?;
    Ok(Built {
        function,
        layer,
        dependencies: Some(Dependencies {
            lock: lock.file().to_path_buf(),
            lock_sha256: lock.sha256.clone(),
            packages: installed.packages,
            from_cache: installed.from_cache,
            installer: installed.installer,
        }),
    })
}

/// Refuses each shared library in the handler folder that the target cannot load: tagged
/// for another interpreter, or built for another machine.
fn check_libraries(walk: &mut Walk, target: Target) -> Result<(), Error> {
    let mut problems = Vec::new();
    for entry in walk
        .files
        .iter()
        .filter(|e| target::is_shared_library(&e.name))
    {
        let file = crate::output::disk::open_regular(&entry.path)
            .map_err(|e| Error::io("read", &entry.path, e))?;
        let mut head = Vec::with_capacity(20);
        file.take(20)
            .read_to_end(&mut head)
            .map_err(|e| Error::io("read", &entry.path, e))?;
        if let Some(why) = target.foreign_library(&entry.name, &head) {
            problems.push(Problem {
                message: format!("`{}` {why}", entry.name),
                help: "rebuild it for the function's runtime and architecture, or remove it and pin its package in `requirements.txt`: tapgen installs the package's wheel for the function's platform",
            });
        }
    }
    walk.problems.extend(problems);
    Ok(())
}

const WITH_DEPENDENCIES_TOO_LARGE: &str =
    "depend on fewer or smaller packages, or leave out what the handler does not need";

/// The function zip and, with `layer` and dependencies, the layer zip: the handler's
/// `files` and the dependency set in `site` (every file of it), sorted as one.
fn assemble(
    dir: &Path,
    mut files: Vec<Entry>,
    unzipped: u64,
    site: Option<&Path>,
    layer: bool,
    limits: Limits,
) -> Result<(Vec<u8>, Option<Vec<u8>>), Error> {
    let Some(site) = site else {
        files.sort_by(|a, b| a.name.cmp(&b.name));
        return Ok((zip_files(dir, files, limits)?, None));
    };
    let prefix = if layer { "python/" } else { "" };
    let deps = walk(site, &Exclusions::default(), true, prefix)?;
    let mut problems = deps.problems;
    if !layer {
        let names: std::collections::BTreeSet<&str> =
            files.iter().map(|entry| entry.name.as_str()).collect();
        for entry in deps
            .files
            .iter()
            .filter(|e| names.contains(e.name.as_str()))
        {
            problems.push(Problem {
                message: format!(
                    "`{}` is in the handler folder and also installed by a dependency: the package would hold two files of one name",
                    entry.name
                ),
                help: "rename or remove the handler's copy (the dependency's is the pinned one)",
            });
        }
    }
    // Lambda's limit counts the function and its layers together.
    let all: Vec<&Entry> = files.iter().chain(&deps.files).collect();
    if let Some(problem) = too_large(
        &all,
        unzipped.saturating_add(deps.unzipped),
        limits.unzipped,
        WITH_DEPENDENCIES_TOO_LARGE,
    ) {
        problems.push(problem);
    }
    if !problems.is_empty() {
        return Err(refuse(dir, problems));
    }
    let mut dependencies = deps.files;
    if layer {
        files.sort_by(|a, b| a.name.cmp(&b.name));
        dependencies.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((
            zip_files(dir, files, limits)?,
            Some(zip_files(site, dependencies, limits)?),
        ))
    } else {
        files.append(&mut dependencies);
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((zip_files(dir, files, limits)?, None))
    }
}

/// A zip archive that comes out byte-identical for the same files added in the same order:
/// every entry deflated at one level, dated 1980-01-01 00:00 (the earliest a zip records),
/// marked as made on Unix with mode 0755 or 0644 only, and no extra fields. Used for the
/// Lambda package and for the module package of `module publish --oci`.
pub struct Zip {
    writer: ZipWriter<Cursor<Vec<u8>>>,
}

impl Default for Zip {
    fn default() -> Self {
        Self::new()
    }
}

impl Zip {
    pub fn new() -> Self {
        Self {
            writer: ZipWriter::new(Cursor::new(Vec::new())),
        }
    }

    /// Adds one file, given whole and so compressed in one call: deflate's output depends on
    /// how its input is split. Callers add files sorted by name.
    pub fn add(
        &mut self,
        name: &str,
        executable: bool,
        bytes: &[u8],
    ) -> zip::result::ZipResult<()> {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(6))
            .last_modified_time(DateTime::default())
            .system(zip::System::Unix)
            .unix_permissions(if executable { 0o755 } else { 0o644 });
        self.writer.start_file(name, options)?;
        self.writer.write_all(bytes)?;
        Ok(())
    }

    pub fn finish(self) -> zip::result::ZipResult<Vec<u8>> {
        Ok(self.writer.finish()?.into_inner())
    }
}

/// Makes room for an archive comment of `len` bytes at the end of a package built by
/// [`build`]: the result is the package up to its comment, to which each copy appends its
/// own comment of exactly `len` bytes. Every copy shares all the bytes before the comment.
pub fn reserve_comment(mut zip: Vec<u8>, len: u16) -> Result<Vec<u8>, Error> {
    // The end-of-central-directory record closes the archive: 22 bytes with the comment
    // length last, then the comment, empty as `build` writes it.
    const RECORD: usize = 22;
    let start = zip.len().checked_sub(RECORD);
    match start {
        Some(start) if zip[start..start + 4] == *b"PK\x05\x06" && zip[start + 20..] == [0, 0] => {
            zip.truncate(start + 20);
            zip.extend_from_slice(&len.to_le_bytes());
            Ok(zip)
        }
        _ => Err(Error::io(
            "finish",
            "the Lambda package",
            std::io::Error::other("the archive does not end with an empty comment"),
        )),
    }
}

/// The base64 SHA-256 that `filebase64sha256()` gives for the package.
pub fn base64_sha256(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{PermissionsExt as _, symlink};

    fn names(bytes: Vec<u8>) -> Vec<String> {
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        archive
            .file_names()
            .map(|name| name.unwrap().into_owned())
            .collect()
    }

    fn refusal(dir: &Path) -> String {
        build(dir, &Exclusions::default()).unwrap_err().to_string()
    }

    #[test]
    fn same_bytes_whatever_the_timestamps_and_creation_order() {
        let first = tempfile::tempdir().unwrap();
        std::fs::write(first.path().join("b.py"), "b = 1\n").unwrap();
        std::fs::write(first.path().join("a.py"), "a = 1\n").unwrap();
        std::fs::create_dir(first.path().join("tests")).unwrap();
        std::fs::write(first.path().join("tests/test_a.py"), "").unwrap();
        std::fs::write(first.path().join(".env"), "SECRET=1").unwrap();

        let second = tempfile::tempdir().unwrap();
        std::fs::write(second.path().join("a.py"), "a = 1\n").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(second.path().join("b.py"), "b = 1\n").unwrap();

        let one = build(first.path(), &Exclusions::default()).unwrap();
        let two = build(second.path(), &Exclusions::default()).unwrap();
        assert_eq!(one, two);
        assert_eq!(names(one), ["a.py", "b.py"]);
    }

    #[test]
    fn same_bytes_whatever_the_umask_gave_the_files() {
        let make = |file_mode: u32, tool_mode: u32| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("a.py"), "a = 1\n").unwrap();
            std::fs::write(dir.path().join("tool"), "#!/bin/sh\n").unwrap();
            let set = |name: &str, mode: u32| {
                std::fs::set_permissions(
                    dir.path().join(name),
                    std::fs::Permissions::from_mode(mode),
                )
                .unwrap();
            };
            set("a.py", file_mode);
            set("tool", tool_mode);
            build(dir.path(), &Exclusions::default()).unwrap()
        };
        assert_eq!(make(0o600, 0o700), make(0o664, 0o775));
        assert_ne!(make(0o644, 0o644), make(0o644, 0o755));
    }

    #[test]
    fn sorted_by_full_name_as_bytes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/x.py"), "").unwrap();
        std::fs::write(dir.path().join("a.py"), "").unwrap();
        std::fs::write(dir.path().join("B.py"), "").unwrap();
        let bytes = build(dir.path(), &Exclusions::default()).unwrap();
        assert_eq!(names(bytes), ["B.py", "a.py", "a/x.py"]);
    }

    #[test]
    fn excluded_paths_are_left_out_wherever_they_are_and_however_they_are_spelled() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("handler.py"), "").unwrap();
        std::fs::create_dir_all(dir.path().join("out/envs/dev")).unwrap();
        std::fs::write(dir.path().join("out/envs/dev/main.tf"), "").unwrap();
        std::fs::write(dir.path().join("out/keep.py"), "").unwrap();
        std::fs::write(dir.path().join("tapgen.toml"), "").unwrap();
        let exclusions = Exclusions::new([
            dir.path().join("out/../out/envs"),
            dir.path().join("./tapgen.toml"),
            dir.path().join("not-yet/modules"),
        ]);
        let bytes = build(dir.path(), &exclusions).unwrap();
        assert_eq!(names(bytes), ["handler.py", "out/keep.py"]);
    }

    #[test]
    fn a_link_into_excluded_output_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("envs/dev")).unwrap();
        std::fs::write(dir.path().join("envs/dev/lambda.zip"), "").unwrap();
        symlink("envs/dev", dir.path().join("previous")).unwrap();
        let error = build(dir.path(), &Exclusions::new([dir.path().join("envs")]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`previous` is a symlink into `envs`"),
            "{error}"
        );
    }

    #[test]
    fn mutual_symlink_loops_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::create_dir(dir.path().join("c")).unwrap();
        symlink("../c", dir.path().join("a/b")).unwrap();
        symlink("../a", dir.path().join("c/d")).unwrap();
        let error = refusal(dir.path());
        assert!(
            error.contains("`a/b/d` is a symlink to `../a` (`a`), which contains the link"),
            "{error}"
        );
    }

    #[test]
    fn a_loop_of_symlinks_to_symlinks_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        symlink("y", dir.path().join("x")).unwrap();
        symlink("x", dir.path().join("y")).unwrap();
        let error = refusal(dir.path());
        assert!(
            error.contains("`x` is a symlink to `y`, which leads around a loop"),
            "{error}"
        );
    }

    #[test]
    fn links_to_links_to_folders_cannot_multiply_the_package() {
        // Each level links twice to the next: followed naively, 2^depth copies of `leaf`.
        let dir = tempfile::tempdir().unwrap();
        let depth = 24;
        for level in 0..depth {
            let folder = dir.path().join(format!("d{level}"));
            std::fs::create_dir(&folder).unwrap();
            if level + 1 < depth {
                for link in ["x", "y"] {
                    symlink(format!("../d{}", level + 1), folder.join(link)).unwrap();
                }
            }
        }
        std::fs::write(dir.path().join(format!("d{}/leaf", depth - 1)), "").unwrap();
        let error = refusal(dir.path());
        assert!(error.contains("both lead to the folder"), "{error}");
    }

    #[test]
    fn every_problem_is_listed_at_once() {
        let dir = tempfile::tempdir().unwrap();
        symlink("/", dir.path().join("root")).unwrap();
        symlink(".", dir.path().join("self")).unwrap();
        symlink("missing", dir.path().join("dangling")).unwrap();
        let error = refusal(dir.path());
        assert!(error.contains("3 problems"), "{error}");
        for name in ["`root`", "`self`", "`dangling`"] {
            assert!(error.contains(name), "{name}: {error}");
        }
    }

    #[test]
    fn a_package_over_the_zipped_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        // Incompressible bytes, from a fixed seed.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let noise: Vec<u8> = (0..8192)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect();
        std::fs::write(dir.path().join("blob.bin"), noise).unwrap();
        let limits = Limits {
            unzipped: 1 << 20,
            zipped: 4096,
        };
        let error = build_within(dir.path(), &Exclusions::default(), limits)
            .unwrap_err()
            .to_string();
        assert!(error.contains("zipped, over the"), "{error}");
        let roomy = Limits {
            unzipped: 1 << 20,
            zipped: 1 << 20,
        };
        assert!(build_within(dir.path(), &Exclusions::default(), roomy).is_ok());
    }

    #[test]
    fn a_package_at_the_unzipped_limit_is_accepted_and_one_byte_over_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), vec![b'a'; 100]).unwrap();
        let at = Limits {
            unzipped: 100,
            zipped: 1 << 20,
        };
        assert!(build_within(dir.path(), &Exclusions::default(), at).is_ok());
        let under = Limits {
            unzipped: 99,
            zipped: 1 << 20,
        };
        let error = build_within(dir.path(), &Exclusions::default(), under)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("100 bytes) unzipped, over the 99 bytes (99 bytes)"),
            "{error}"
        );
        assert!(error.contains("the largest: `a` (100 bytes)"), "{error}");
    }

    #[test]
    fn a_reserved_comment_makes_a_valid_archive_once_appended() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), "a = 1\n").unwrap();
        let mut zip =
            reserve_comment(build(dir.path(), &Exclusions::default()).unwrap(), 5).unwrap();
        zip.extend_from_slice(b"hello");
        let archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
        assert_eq!(archive.comment(), b"hello");
        assert_eq!(archive.len(), 1);
    }

    fn tools() -> Tools {
        // No cache and no installer: a test that reaches either fails.
        Tools::default()
    }

    fn options(tools: &Tools, layer: bool) -> Options<'_> {
        Options {
            target: Target::parse("python3.12", "x86_64").unwrap(),
            layer,
            tools,
        }
    }

    fn handler_and_site() -> (tempfile::TempDir, tempfile::TempDir) {
        let handler = tempfile::tempdir().unwrap();
        std::fs::write(handler.path().join("handler.py"), "import six\n").unwrap();
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("six-1.0.dist-info")).unwrap();
        std::fs::write(
            site.path().join("six-1.0.dist-info/METADATA"),
            "Name: six\n",
        )
        .unwrap();
        std::fs::write(site.path().join("six.py"), "x = 1\n").unwrap();
        // A wheel's vendored libraries may sit in a dot-folder: they are code, not noise.
        std::fs::create_dir_all(site.path().join("pkg/.libs")).unwrap();
        std::fs::write(site.path().join("pkg/.libs/libz.so.1"), "").unwrap();
        (handler, site)
    }

    fn assembled(
        handler: &Path,
        site: &Path,
        layer: bool,
        limits: Limits,
    ) -> Result<(Vec<u8>, Option<Vec<u8>>), Error> {
        let walk = walk(handler, &Exclusions::default(), false, "").unwrap();
        let unzipped = walk.unzipped;
        assemble(handler, walk.files, unzipped, Some(site), layer, limits)
    }

    #[test]
    fn without_a_lock_the_function_package_is_the_handler_alone_and_needs_no_tools() {
        let (handler, _) = handler_and_site();
        let tools = tools();
        for layer in [false, true] {
            let built = build_for(
                handler.path(),
                &Exclusions::default(),
                &options(&tools, layer),
            )
            .unwrap();
            assert_eq!(
                built.function,
                build(handler.path(), &Exclusions::default()).unwrap()
            );
            assert!(built.layer.is_none() && built.dependencies.is_none());
        }
    }

    #[test]
    fn dependencies_join_the_handler_sorted_as_one_with_every_file_kept() {
        let (handler, site) = handler_and_site();
        let (function, layer) =
            assembled(handler.path(), site.path(), false, LAMBDA_LIMITS).unwrap();
        assert!(layer.is_none());
        assert_eq!(
            names(function),
            [
                "handler.py",
                "pkg/.libs/libz.so.1",
                "six-1.0.dist-info/METADATA",
                "six.py"
            ]
        );
    }

    #[test]
    fn in_a_layer_dependencies_go_under_python_and_the_function_is_the_handler() {
        let (handler, site) = handler_and_site();
        let (function, layer) =
            assembled(handler.path(), site.path(), true, LAMBDA_LIMITS).unwrap();
        assert_eq!(
            function,
            build(handler.path(), &Exclusions::default()).unwrap()
        );
        assert_eq!(
            names(layer.unwrap()),
            [
                "python/pkg/.libs/libz.so.1",
                "python/six-1.0.dist-info/METADATA",
                "python/six.py"
            ]
        );
    }

    #[test]
    fn a_handler_file_that_a_dependency_also_installs_is_refused_by_name() {
        let (handler, site) = handler_and_site();
        std::fs::write(handler.path().join("six.py"), "mine = 1\n").unwrap();
        let error = assembled(handler.path(), site.path(), false, LAMBDA_LIMITS)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`six.py` is in the handler folder and also installed by a dependency"),
            "{error}"
        );
        // In a layer the two never meet.
        assert!(assembled(handler.path(), site.path(), true, LAMBDA_LIMITS).is_ok());
    }

    #[test]
    fn the_unzipped_limit_counts_the_handler_and_its_dependencies_together() {
        let (handler, site) = handler_and_site();
        std::fs::write(site.path().join("big.bin"), vec![b'x'; 100]).unwrap();
        let limits = Limits {
            unzipped: 100,
            zipped: 1 << 20,
        };
        for layer in [false, true] {
            let error = assembled(handler.path(), site.path(), layer, limits)
                .unwrap_err()
                .to_string();
            let big = if layer {
                "`python/big.bin`"
            } else {
                "`big.bin`"
            };
            assert!(
                error.contains("unzipped, over the 100 bytes") && error.contains(big),
                "{error}"
            );
        }
    }

    #[test]
    fn a_foreign_compiled_extension_in_the_handler_is_refused_before_any_install() {
        let (handler, _) = handler_and_site();
        std::fs::write(
            handler
                .path()
                .join("_fast.cpython-312-aarch64-linux-gnu.so"),
            b"\x7fELF\x02\x01\x01",
        )
        .unwrap();
        std::fs::write(handler.path().join("requirements.txt"), "six==1.16.0\n").unwrap();
        let tools = tools();
        let error = build_for(
            handler.path(),
            &Exclusions::default(),
            &options(&tools, false),
        )
        .unwrap_err();
        assert_eq!(error.exit_code(), crate::error::exit::USAGE);
        let error = error.to_string();
        assert!(
            error.contains("`_fast.cpython-312-aarch64-linux-gnu.so` is a compiled extension tagged `cpython-312-aarch64-linux-gnu`"),
            "{error}"
        );
    }
}
