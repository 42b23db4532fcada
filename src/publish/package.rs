//! `tapgen module package`: the rendered module as one versioned `.tar.gz`, byte-identical
//! from any checkout at any time, so that its SHA-256 names the release.
//!
//! Determinism: entries sorted by path (folders before what they hold), one fixed mtime,
//! owner and group 0 with no names, modes 0644 and 0755, a ustar header per entry and a gzip
//! header with no file name, mtime 0 and "unknown" OS. The gzip comment marks the archive
//! as a tapgen package and names its registry address and version, which is what
//! `tapgen registry add` reads back; the module itself gets no extra file.

use crate::error::Error;
use crate::output::File;
use crate::stack::ModuleSpec;
use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::path::{Component, Path};

/// The target system of every tapgen module: its resources are AWS resources, so registries
/// list it as `<namespace>/<name>/aws`.
pub(crate) const SYSTEM: &str = "aws";

/// The mtime of every entry: 1980-01-01T00:00:00Z, the date the Lambda zip uses too (the
/// earliest a zip can record), so both artifacts carry one date.
pub(crate) const MTIME: u64 = 315_532_800;

/// First word of the gzip comment of a tapgen package; the number is the format's version.
const MARK: &str = "tapgen-module-package/1";

/// Where a package belongs in a registry, and its version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Coordinates {
    pub namespace: String,
    pub name: String,
    pub system: String,
    pub version: String,
}

impl Coordinates {
    pub(crate) fn of(spec: &ModuleSpec) -> Self {
        Self {
            namespace: spec.namespace.clone(),
            name: spec.name.clone(),
            system: SYSTEM.to_owned(),
            version: spec.version.clone(),
        }
    }

    /// `<namespace>-<name>-<system>-<version>.tar.gz`
    pub(crate) fn file_name(&self) -> String {
        format!(
            "{}-{}-{}-{}.tar.gz",
            self.namespace, self.name, self.system, self.version
        )
    }

    /// `<namespace>/<name>/<system>`, as a module source names it after the host.
    pub(crate) fn address(&self) -> String {
        format!("{}/{}/{}", self.namespace, self.name, self.system)
    }

    fn comment(&self) -> String {
        format!("{MARK} {} {}", self.address(), self.version)
    }

    fn from_comment(comment: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(comment).ok()?;
        let mut words = text.split(' ');
        let (Some(MARK), Some(address), Some(version), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return None;
        };
        let mut parts = address.split('/');
        let (Some(namespace), Some(name), Some(system), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let coordinates = Self {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            system: system.to_owned(),
            version: version.to_owned(),
        };
        coordinates.is_valid().then_some(coordinates)
    }

    /// Each part is a registry name and the version is SemVer: what makes them safe as path
    /// segments of a registry folder and its URLs.
    pub(crate) fn is_valid(&self) -> bool {
        [&self.namespace, &self.name, &self.system]
            .iter()
            .all(|part| is_registry_name(part))
            && semver::Version::parse(&self.version).is_ok()
    }
}

/// Letters, digits, `-` and `_`, starting with a letter or digit, at most 64 characters:
/// the registry protocol's names.
pub(crate) fn is_registry_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// A built or read package.
#[derive(Debug, Clone)]
pub(crate) struct Package {
    pub coordinates: Coordinates,
    pub bytes: Vec<u8>,
    /// The module's files, paths relative to its root, sorted.
    pub files: Vec<String>,
}

impl Package {
    pub(crate) fn sha256_hex(&self) -> String {
        hex_sha256(&self.bytes)
    }
}

pub fn hex_sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex, two digits a byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// Packages the module's rendered files (`modules/<name>/...`, from
/// [`crate::render::module::files`]): they are the whole module, README and examples
/// included, and nothing from environment roots, state or the Lambda code can be among them.
pub(crate) fn build(spec: &ModuleSpec, files: &[File]) -> Result<Package, Error> {
    let entries = module_files(spec, files)?;
    let coordinates = Coordinates::of(spec);
    let bytes = archive(&coordinates, &entries)
        .map_err(|e| Error::io("build the package", coordinates.file_name(), e))?;
    Ok(Package {
        coordinates,
        bytes,
        files: entries.into_keys().collect(),
    })
}

/// The files a release of the module holds, by `/`-separated path inside the module: what
/// the package archives and what `module publish --git` commits.
pub(crate) fn module_files(
    spec: &ModuleSpec,
    files: &[File],
) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    let root = Path::new(crate::layout::MODULES_DIR).join(&spec.name);
    let mut entries = BTreeMap::new();
    for file in files {
        let Ok(relative) = file.path.strip_prefix(&root) else {
            continue;
        };
        // No Lambda code in a module package: the examples' `lambda.zip` is the project's
        // handler, which consumers of the module replace with their own.
        if relative.extension().is_some_and(|ext| ext == "zip") {
            continue;
        }
        let path = archive_path(relative).ok_or_else(|| {
            Error::internal(format!(
                "module file `{}` has no portable path inside the package",
                file.path.display()
            ))
        })?;
        entries.insert(path, file.bytes());
    }
    Ok(entries)
}

/// `a/b/c` with `/` separators, for a relative path of plain UTF-8 components.
fn archive_path(relative: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The tar.gz of `files` (path → bytes), with a folder entry before the first file in it.
fn archive(
    coordinates: &Coordinates,
    files: &BTreeMap<String, Vec<u8>>,
) -> std::io::Result<Vec<u8>> {
    // Folders end in `/`, so sorting puts each right before its contents.
    let mut entries: BTreeMap<String, Option<&[u8]>> = BTreeMap::new();
    for (path, bytes) in files {
        let mut folder = String::new();
        for part in path
            .split('/')
            .rev()
            .skip(1)
            .collect::<Vec<_>>()
            .iter()
            .rev()
        {
            folder.push_str(part);
            folder.push('/');
            entries.insert(folder.clone(), None);
        }
        entries.insert(path.clone(), Some(bytes));
    }
    let gzip = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .comment(coordinates.comment())
        .write(Vec::new(), Compression::new(9));
    let mut tar = tar::Builder::new(gzip);
    for (path, bytes) in entries {
        let mut header = tar::Header::new_ustar();
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(MTIME);
        match bytes {
            Some(bytes) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(0o644);
                header.set_size(bytes.len() as u64);
                tar.append_data(&mut header, &path, bytes)?;
            }
            None => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                header.set_size(0);
                tar.append_data(&mut header, &path, std::io::empty())?;
            }
        }
    }
    tar.into_inner()?.finish()
}

/// Reads an archive back and checks that it is a tapgen package: the gzip comment names its
/// address and version, every entry is a plain file or folder at a relative path, and the
/// module has its `versions.tf`. The error says what is wrong.
pub(crate) fn inspect(bytes: &[u8]) -> Result<Package, String> {
    // The bufread decoder parses the header as it is made.
    let gzip = flate2::bufread::GzDecoder::new(bytes);
    let Some(header) = gzip.header() else {
        return Err("it is not a gzip file".to_owned());
    };
    let comment = header.comment().unwrap_or_default();
    let coordinates = Coordinates::from_comment(comment).ok_or_else(|| {
        "its gzip header does not carry tapgen's package mark (`tapgen module package` writes it)"
            .to_owned()
    })?;
    let mut tar = tar::Archive::new(gzip);
    let mut files = Vec::new();
    for entry in tar
        .entries()
        .map_err(|e| format!("it is not a tar archive ({e})"))?
    {
        let mut entry = entry.map_err(|e| format!("it is not a readable tar archive ({e})"))?;
        let path = entry
            .path()
            .map_err(|e| format!("an entry has an unreadable path ({e})"))?
            .into_owned();
        let name = archive_path(&path)
            .ok_or_else(|| format!("entry `{}` is not a plain relative path", path.display()))?;
        std::io::copy(&mut entry, &mut std::io::sink())
            .map_err(|e| format!("entry `{name}` cannot be read ({e})"))?;
        match entry.header().entry_type() {
            tar::EntryType::Regular => files.push(name),
            tar::EntryType::Directory => {}
            other => {
                return Err(format!(
                    "entry `{name}` is a {other:?}, not a plain file or folder"
                ));
            }
        }
    }
    // Reading to the end checks the gzip trailer's CRC and length.
    let mut rest = Vec::new();
    tar.into_inner()
        .read_to_end(&mut rest)
        .map_err(|e| format!("it is truncated or corrupt ({e})"))?;
    if !files.iter().any(|f| f == "versions.tf") {
        return Err("it holds no `versions.tf` at its root, so it is not a module".to_owned());
    }
    files.sort();
    Ok(Package {
        coordinates,
        bytes: bytes.to_vec(),
        files,
    })
}

/// What [`write_once`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum WriteOnce {
    Created,
    /// The file was there with the same bytes: nothing to do.
    Unchanged,
    /// The file was there with other bytes; it was left as it was.
    Differs,
}

/// Writes `bytes` at `path` unless a file is there: released artifacts never change. The
/// bytes are staged beside `path` and linked into place only if `path` is still free, so a
/// reader sees the whole file or none, and two writers cannot both win.
pub(crate) fn write_once(path: &Path, bytes: &[u8]) -> std::io::Result<WriteOnce> {
    let compare = |existing: Vec<u8>| {
        if existing == bytes {
            WriteOnce::Unchanged
        } else {
            WriteOnce::Differs
        }
    };
    match std::fs::read(path) {
        Ok(existing) => return Ok(compare(existing)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let staged = stage(path, bytes)?;
    match staged.persist_noclobber(path) {
        Ok(_) => Ok(WriteOnce::Created),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(compare(std::fs::read(path)?))
        }
        Err(e) => Err(e.error),
    }
}

/// Replaces `path` with `bytes` in one rename.
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    stage(path, bytes)?.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A synced temporary file beside `path` holding `bytes`, readable by everyone (a static
/// host's server runs as another user).
fn stage(path: &Path, bytes: &[u8]) -> std::io::Result<tempfile::NamedTempFile> {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut staged = tempfile::Builder::new()
        .prefix(".tapgen-")
        .tempfile_in(dir)?;
    staged.write_all(bytes)?;
    staged
        .as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    staged.as_file().sync_all()?;
    Ok(staged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coordinates() -> Coordinates {
        Coordinates {
            namespace: "acme".into(),
            name: "api".into(),
            system: "aws".into(),
            version: "1.2.0".into(),
        }
    }

    #[test]
    fn archive_reads_back_with_its_mark_and_sorted_files() {
        let files = BTreeMap::from([
            ("versions.tf".to_owned(), b"terraform {}\n".to_vec()),
            ("examples/complete/main.tf".to_owned(), b"# x\n".to_vec()),
            ("README.md".to_owned(), b"# api\n".to_vec()),
        ]);
        let bytes = archive(&coordinates(), &files).unwrap();
        let package = inspect(&bytes).unwrap();
        assert_eq!(package.coordinates, coordinates());
        assert_eq!(
            package.files,
            ["README.md", "examples/complete/main.tf", "versions.tf"]
        );
        assert_eq!(archive(&coordinates(), &files).unwrap(), bytes);
    }

    #[test]
    fn inspect_refuses_archives_without_the_mark_or_with_links() {
        let mut plain = tar::Builder::new(GzBuilder::new().write(Vec::new(), Compression::fast()));
        let mut header = tar::Header::new_ustar();
        header.set_size(0);
        plain
            .append_data(&mut header, "versions.tf", std::io::empty())
            .unwrap();
        let bytes = plain.into_inner().unwrap().finish().unwrap();
        assert!(inspect(&bytes).unwrap_err().contains("package mark"));

        let mut linked = tar::Builder::new(
            GzBuilder::new()
                .comment(coordinates().comment())
                .write(Vec::new(), Compression::fast()),
        );
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        linked
            .append_link(&mut header, "versions.tf", "/etc/passwd")
            .unwrap();
        let bytes = linked.into_inner().unwrap().finish().unwrap();
        assert!(inspect(&bytes).unwrap_err().contains("not a plain file"));

        assert!(inspect(b"not gzip").is_err());
    }

    #[test]
    fn comments_with_unsafe_parts_are_not_marks() {
        for comment in [
            "tapgen-module-package/1 ../x/aws 1.0.0",
            "tapgen-module-package/1 a/b/aws 1.0",
            "tapgen-module-package/1 a/b/aws 1.0.0 extra",
            "tapgen-module-package/2 a/b/aws 1.0.0",
        ] {
            assert_eq!(
                Coordinates::from_comment(comment.as_bytes()),
                None,
                "{comment}"
            );
        }
    }
}
