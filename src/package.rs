//! The Lambda package: a zip of the handler folder that is byte-identical on every machine
//! and every run (sorted entries, fixed timestamps and permissions), so its hash, and so
//! `source_code_hash`, never changes unless the code does.

use crate::error::Error;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::io::{Cursor, Write as _};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Names left out of the package wherever they appear: tests and their configuration,
/// caches and dot-files.
fn is_excluded(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with(".pyc")
        || matches!(
            name,
            "tests" | "__pycache__" | "conftest.py" | "pytest.ini" | "requirements-dev.txt"
        )
}

/// Files under `dir` to package, as (path inside the zip with `/` separators, path on disk),
/// sorted by their path inside the zip.
fn collect(dir: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
    let mut files = Vec::new();
    let mut pending = vec![(String::new(), dir.to_path_buf())];
    while let Some((prefix, folder)) = pending.pop() {
        let entries =
            std::fs::read_dir(&folder).map_err(|e| Error::io("read folder", &folder, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("read folder", &folder, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_excluded(&name) {
                continue;
            }
            let path = entry.path();
            let inner = format!("{prefix}{name}");
            // Follows symlinks, so a linked file is packaged by its content.
            if path.is_dir() {
                pending.push((format!("{inner}/"), path));
            } else if path.is_file() {
                files.push((inner, path));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Zips `dir` deterministically.
pub fn build(dir: &Path) -> Result<Vec<u8>, Error> {
    let files = collect(dir)?;
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::default())
        .system(zip::System::Unix)
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let zip_error = |e: zip::result::ZipError| {
        Error::io("build Lambda package from", dir, std::io::Error::other(e))
    };
    for (name, path) in files {
        let contents = std::fs::read(&path).map_err(|e| Error::io("read", &path, e))?;
        zip.start_file(name, options).map_err(zip_error)?;
        zip.write_all(&contents)
            .map_err(|e| Error::io("build Lambda package from", dir, e))?;
    }
    Ok(zip.finish().map_err(zip_error)?.into_inner())
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

        let one = build(first.path()).unwrap();
        let two = build(second.path()).unwrap();
        assert_eq!(one, two);
        let archive = zip::ZipArchive::new(Cursor::new(one)).unwrap();
        let names: Vec<String> = archive
            .file_names()
            .map(|name| name.unwrap().into_owned())
            .collect();
        assert_eq!(names, ["a.py", "b.py"]);
    }

    #[test]
    fn a_reserved_comment_makes_a_valid_archive_once_appended() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), "a = 1\n").unwrap();
        let mut zip = reserve_comment(build(dir.path()).unwrap(), 5).unwrap();
        zip.extend_from_slice(b"hello");
        let archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
        assert_eq!(archive.comment(), b"hello");
        assert_eq!(archive.len(), 1);
    }
}
