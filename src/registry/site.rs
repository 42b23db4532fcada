//! `tapgen registry add`: a folder laid out as the module registry protocol v1 in static
//! files, which any static host can serve as it is and `tapgen registry serve` serves too.
//!
//! ```text
//! SITE/.tapgen-registry                           marks the folder as tapgen's; the lock
//! SITE/.well-known/terraform.json                 {"modules.v1":"/v1/modules/"}
//! SITE/v1/modules/NS/NAME/SYSTEM/versions         {"modules":[{"versions":[{"version":"1.2.0"}]}]}
//! SITE/v1/modules/NS/NAME/SYSTEM/VERSION/download {"location":"./module.tar.gz"}
//! SITE/v1/modules/NS/NAME/SYSTEM/VERSION/module.tar.gz
//! ```
//!
//! Every archive has the same name inside its version's folder, so the one header a static
//! host must add for Terraform, `X-Terraform-Get: ./module.tar.gz` on `*/download`, is the
//! same constant for every module and version (a CloudFront response-headers policy cannot
//! compute it per path).

use crate::error::Error;
use crate::publish::package::{self, Coordinates, Package, WriteOnce};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The file that marks a registry folder as tapgen's, and that `add` locks.
pub(crate) const MARKER: &str = ".tapgen-registry";
const MARKER_CONTENT: &[u8] = b"tapgen-registry/1\nWritten by `tapgen registry add`; served by any static host or `tapgen registry serve`.\n";
pub(crate) const DISCOVERY_PATH: &str = ".well-known/terraform.json";
pub(crate) const DISCOVERY: &[u8] = b"{\"modules.v1\":\"/v1/modules/\"}\n";
/// The prefix of every module endpoint, as the discovery document names it.
pub(crate) const MODULES_PREFIX: &str = "v1/modules";
/// The archive's name inside its version's folder.
pub(crate) const ARCHIVE_NAME: &str = "module.tar.gz";
/// The download answer: where the archive is, relative to the download URL.
pub(crate) const DOWNLOAD_LOCATION: &str = "./module.tar.gz";

/// The folder of one module (all its versions) in a site.
pub(crate) fn module_dir(site: &Path, c: &Coordinates) -> PathBuf {
    site.join(MODULES_PREFIX)
        .join(&c.namespace)
        .join(&c.name)
        .join(&c.system)
}

fn version_dir(site: &Path, c: &Coordinates) -> PathBuf {
    module_dir(site, c).join(&c.version)
}

fn download_document() -> Vec<u8> {
    format!("{{\"location\":\"{DOWNLOAD_LOCATION}\"}}\n").into_bytes()
}

/// What `add` did with one archive.
#[derive(Debug)]
pub(crate) struct Added {
    pub coordinates: Coordinates,
    pub sha256: String,
    /// False where the site already held this exact archive.
    pub created: bool,
}

/// Adds each archive to `site` (creating it if missing). Everything is checked before
/// anything is written; the versions list of a module is replaced last, in one rename, and
/// names only versions whose archive and download answer are in place.
pub(crate) fn add(site: &Path, archives: &[PathBuf]) -> Result<Vec<Added>, Error> {
    let packages = read_packages(archives)?;
    let _lock = open_site(site)?;

    // Refuse before writing: a version never changes.
    let mut plan = Vec::new();
    for package in packages.values() {
        let dir = version_dir(site, &package.coordinates);
        let archive = dir.join(ARCHIVE_NAME);
        match std::fs::read(&archive) {
            Ok(existing) if existing == package.bytes => plan.push((package, false)),
            Ok(existing) => {
                return Err(Error::usage(
                    format!(
                        "registry `{}` already holds {} version {} with different content (sha256 {}, not {})",
                        site.display(),
                        package.coordinates.address(),
                        package.coordinates.version,
                        package::hex_sha256(&existing),
                        package.sha256_hex()
                    ),
                    Some("raise `module.version` in `tapgen.toml`, package again and add that archive: a published version never changes".to_owned()),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => plan.push((package, true)),
            Err(e) => return Err(Error::io("read", archive, e)),
        }
    }

    let mut created: Vec<PathBuf> = Vec::new();
    let modules = match write_files(site, &plan, &mut created) {
        Ok(modules) => modules,
        Err(error) => {
            // No versions list names these yet: take them back, so that a failed run
            // leaves the site as it found it.
            for path in created.iter().rev() {
                let _ = std::fs::remove_file(path);
            }
            return Err(error);
        }
    };
    // From here on the files stay: each list is derived from complete versions on disk,
    // so a failure part-way leaves every list true, and running again finishes the job.
    for module in &modules {
        write_list(site, module)?;
    }
    Ok(plan
        .into_iter()
        .map(|(package, created)| Added {
            coordinates: package.coordinates.clone(),
            sha256: package.sha256_hex(),
            created,
        })
        .collect())
}

/// Reads and checks every archive, one per version (the same archive given twice is fine).
fn read_packages(archives: &[PathBuf]) -> Result<BTreeMap<Coordinates, Package>, Error> {
    let mut packages: BTreeMap<Coordinates, Package> = BTreeMap::new();
    for path in archives {
        let bytes = std::fs::read(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::usage(
                    format!("archive `{}` does not exist", path.display()),
                    Some(
                        "give the path that `tapgen module package` printed: it writes archives into `dist/`"
                            .to_owned(),
                    ),
                )
            } else {
                Error::io("read", path, e)
            }
        })?;
        let package = package::inspect(&bytes).map_err(|why| {
            Error::usage(
                format!("`{}` is not a tapgen module package: {why}", path.display()),
                Some("add only archives that `tapgen module package` wrote".to_owned()),
            )
        })?;
        if let Some(other) = packages.get(&package.coordinates)
            && other.bytes != package.bytes
        {
            return Err(Error::usage(
                format!(
                    "two different archives are {} version {}; `{}` is one of them",
                    package.coordinates.address(),
                    package.coordinates.version,
                    path.display()
                ),
                Some("add one archive per version".to_owned()),
            ));
        }
        packages.insert(package.coordinates.clone(), package);
    }
    Ok(packages)
}

/// Creates the site or checks that it is tapgen's, writes the discovery document, and
/// returns the locked marker file (the lock lasts as long as it is open).
fn open_site(site: &Path) -> Result<std::fs::File, Error> {
    let foreign = |why: String| {
        Error::usage(
            format!(
                "`{}` is not a tapgen registry folder: {why}",
                site.display()
            ),
            Some(format!(
                "give an empty or new folder, or one that `tapgen registry add` made (it holds `{MARKER}`)"
            )),
        )
    };
    match std::fs::symlink_metadata(site) {
        Ok(meta) if !meta.is_dir() => return Err(foreign("it is not a folder".to_owned())),
        Ok(_) => {
            let marker = site.join(MARKER);
            if !marker.exists() {
                let mut entries =
                    std::fs::read_dir(site).map_err(|e| Error::io("read folder", site, e))?;
                if entries.next().is_some() {
                    return Err(foreign(format!("it holds files but no `{MARKER}`")));
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(site).map_err(|e| Error::io("create folder", site, e))?;
        }
        Err(e) => return Err(Error::io("read", site, e)),
    }
    let marker_path = site.join(MARKER);
    let write = |path: &Path, bytes: &[u8]| -> Result<(), Error> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create folder", parent, e))?;
        }
        match package::write_once(path, bytes).map_err(|e| Error::io("write", path, e))? {
            WriteOnce::Created | WriteOnce::Unchanged => Ok(()),
            WriteOnce::Differs => Err(foreign(format!(
                "`{}` was not written by tapgen",
                path.display()
            ))),
        }
    };
    write(&marker_path, MARKER_CONTENT)?;
    let marker =
        std::fs::File::open(&marker_path).map_err(|e| Error::io("open", &marker_path, e))?;
    // Two `add`s at once would each rebuild a versions list from what it saw; one waits.
    marker
        .lock()
        .map_err(|e| Error::io("lock", &marker_path, e))?;
    write(&site.join(DISCOVERY_PATH), DISCOVERY)?;
    Ok(marker)
}

/// Writes each version's archive and download answer; returns the modules they belong to.
fn write_files(
    site: &Path,
    plan: &[(&Package, bool)],
    created: &mut Vec<PathBuf>,
) -> Result<BTreeSet<Coordinates>, Error> {
    let mut modules = BTreeSet::new();
    for (package, _) in plan {
        let c = &package.coordinates;
        let dir = version_dir(site, c);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("create folder", &dir, e))?;
        for (name, bytes) in [
            (ARCHIVE_NAME, package.bytes.clone()),
            ("download", download_document()),
        ] {
            let path = dir.join(name);
            match package::write_once(&path, &bytes).map_err(|e| Error::io("write", &path, e))? {
                WriteOnce::Created => created.push(path),
                WriteOnce::Unchanged => {}
                WriteOnce::Differs => {
                    return Err(Error::usage(
                        format!("`{}` was not written by tapgen", path.display()),
                        Some("remove it, or add to a registry folder that tapgen made".to_owned()),
                    ));
                }
            }
        }
        modules.insert(Coordinates {
            version: String::new(),
            ..c.clone()
        });
    }
    Ok(modules)
}

/// Replaces the versions list of `module` (its version is ignored) in one rename.
fn write_list(site: &Path, module: &Coordinates) -> Result<(), Error> {
    let dir = module_dir(site, module);
    let versions = versions_on_disk(&dir)?;
    let document = serde_json::json!({
        "modules": [{
            "versions": versions
                .iter()
                .map(|v| serde_json::json!({ "version": v.to_string() }))
                .collect::<Vec<_>>()
        }]
    });
    let path = dir.join("versions");
    package::replace(&path, format!("{document}\n").as_bytes())
        .map_err(|e| Error::io("write", &path, e))
}

/// The versions of one module whose archive and download answer are both in place, oldest
/// first: the list is derived from the files, so it cannot name a missing archive.
fn versions_on_disk(dir: &Path) -> Result<Vec<semver::Version>, Error> {
    let mut versions = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io("read folder", dir, e))? {
        let entry = entry.map_err(|e| Error::io("read folder", dir, e))?;
        let Some(version) = entry
            .file_name()
            .to_str()
            .and_then(|name| semver::Version::parse(name).ok())
        else {
            continue;
        };
        let path = entry.path();
        if path.join(ARCHIVE_NAME).is_file() && path.join("download").is_file() {
            versions.push(version);
        }
    }
    versions.sort();
    Ok(versions)
}
