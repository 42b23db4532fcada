//! The file system as tapgen may touch it inside the folders it owns: links are never
//! followed (entries are told apart by `lstat`, files are opened with `O_NOFOLLOW`), and
//! special files are never opened (`O_NONBLOCK` and a check of the opened file's type, so
//! that a named pipe put in place after the check cannot block a read either).

use crate::error::Error;
use std::fs::FileType;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

/// What is at a path, without following a link there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Missing,
    File,
    Folder,
    Link,
    /// A named pipe, socket or device, by name.
    Special(&'static str),
}

impl Kind {
    fn of(file_type: FileType) -> Self {
        if file_type.is_symlink() {
            Kind::Link
        } else if file_type.is_dir() {
            Kind::Folder
        } else if file_type.is_file() {
            Kind::File
        } else {
            Kind::Special(special_name(file_type))
        }
    }

    /// The kind in a user's words, as in "`x` is a symbolic link".
    pub(crate) fn described(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::File => "a file",
            Kind::Folder => "a folder",
            Kind::Link => "a symbolic link",
            Kind::Special(name) => name,
        }
    }
}

#[cfg(unix)]
fn special_name(file_type: FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if file_type.is_fifo() {
        "a named pipe"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_name(_: FileType) -> &'static str {
    "a special file"
}

/// What is at `path`, not following a link.
pub(crate) fn kind(path: &Path) -> io::Result<Kind> {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) => Ok(Kind::of(metadata.file_type())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Kind::Missing),
        Err(e) => Err(e),
    }
}

/// Opens a regular file for reading, refusing a link or a special file even if one took
/// the file's place since it was looked at.
pub(crate) fn open_regular(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC,
    );
    let file = options.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return not_regular(Kind::Link);
        }
        e
    })?;
    let file_type = file.metadata()?.file_type();
    if !file_type.is_file() {
        return Err(not_regular(Kind::of(file_type)));
    }
    Ok(file)
}

fn not_regular(kind: Kind) -> io::Error {
    io::Error::other(format!(
        "it became {} while tapgen was reading it",
        kind.described()
    ))
}

/// The bytes of a regular file (see [`open_regular`]).
pub(crate) fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Temporary files tapgen makes beside their targets start with this; one found outside a
/// run is a leftover of a run that was killed.
pub(crate) const TEMP_PREFIX: &str = ".tapgen-";

/// One entry found below a folder, its path relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub path: PathBuf,
    pub kind: Kind,
    /// A regular file named like tapgen's temporary files.
    pub leftover: bool,
    /// A dot-file (`.terraform.lock.hcl`, `.terraform-docs.yml`): tool state unless it
    /// carries tapgen's mark, so it is never reported.
    pub hidden: bool,
}

/// Everything below `root/dir`, not following links: files, links and special files (never
/// folders), sorted. Dot-folders (`.terraform/`) are tool state and skipped; dot-files are
/// listed as hidden, since tapgen writes some (`.terraform-docs.yml`) and must find them
/// when they go stale.
pub(crate) fn walk(root: &Path, dir: &Path) -> Result<Vec<Entry>, Error> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let absolute = root.join(&folder);
        // Read whole and closed before going deeper: one open folder at a time.
        let entries: Vec<_> = std::fs::read_dir(&absolute)
            .and_then(|entries| entries.collect::<io::Result<Vec<_>>>())
            .map_err(|e| Error::io("read folder", &absolute, e))?;
        for entry in entries {
            let name = entry.file_name();
            let path = folder.join(&name);
            let kind = entry
                .file_type()
                .map(Kind::of)
                .map_err(|e| Error::io("read folder", root.join(&path), e))?;
            let name = name.to_string_lossy();
            if name.starts_with(TEMP_PREFIX) && kind != Kind::Folder {
                found.push(Entry {
                    path,
                    kind,
                    leftover: kind == Kind::File,
                    hidden: false,
                });
            } else if name.starts_with('.') {
                if kind == Kind::File {
                    found.push(Entry {
                        path,
                        kind,
                        leftover: false,
                        hidden: true,
                    });
                }
            } else if kind == Kind::Folder {
                pending.push(path);
            } else {
                found.push(Entry {
                    path,
                    kind,
                    leftover: false,
                    hidden: false,
                });
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

/// The sub-folders of `root/dir` and the other entries there, not following links.
pub(crate) fn children(root: &Path, dir: &Path) -> Result<Vec<(String, Kind)>, Error> {
    let absolute = root.join(dir);
    if kind(&absolute).map_err(|e| Error::io("read folder", &absolute, e))? != Kind::Folder {
        return Ok(Vec::new());
    }
    let mut children = Vec::new();
    for entry in std::fs::read_dir(&absolute).map_err(|e| Error::io("read folder", &absolute, e))? {
        let entry = entry.map_err(|e| Error::io("read folder", &absolute, e))?;
        let kind = entry
            .file_type()
            .map(Kind::of)
            .map_err(|e| Error::io("read folder", entry.path(), e))?;
        // A name that is not UTF-8 is no environment or module tapgen could have written.
        if let Some(name) = entry.file_name().to_str()
            && !name.starts_with('.')
        {
            children.push((name.to_owned(), kind));
        }
    }
    children.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(children)
}
