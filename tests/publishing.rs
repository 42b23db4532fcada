//! Publishing: `tapgen module package`, `tapgen registry add` and `tapgen registry serve`,
//! proven by the real OpenTofu and Terraform installing a pinned version, from tapgen's
//! server and from nginx serving the same folder.
//!
//! Certificates are made here (rcgen: a CA and a leaf for `IP:127.0.0.1`), trusted by the
//! tools through `SSL_CERT_FILE`. Servers listen on loopback ports chosen here and are
//! stopped when the test ends. Under `TAPGEN_REQUIRE_TOOLS=1` (the README's test command) a
//! missing tofu, terraform, nginx or provider mirror fails the test.

use crate::support::Project;
use std::io::{BufRead as _, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use tokio_rustls::rustls;

const NS: &str = "tap";
const NAME: &str = "serverless-api";

pub(crate) fn config(version: &str) -> String {
    format!(
        "[project]\nname = \"tap\"\n\n[module]\nnamespace = \"{NS}\"\nname = \"{NAME}\"\nversion = \"{version}\"\n"
    )
}

/// Runs `tapgen module package` in `project`; returns (sha256, archive path).
pub(crate) fn package(project: &Project) -> (String, PathBuf) {
    let output = project
        .tapgen()
        .args(["module", "package"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let (sha, path) = stdout.trim().split_once("  ").expect("`SHA256  PATH`");
    (sha.to_owned(), project.path().join(path))
}

fn packaged(version: &str) -> (Project, PathBuf) {
    let project = Project::with_config(&config(version));
    let (_, path) = package(&project);
    (project, path)
}

struct Entry {
    path: String,
    mtime: u64,
    uid: u64,
    gid: u64,
    mode: u32,
    kind: tar::EntryType,
}

fn entries(archive: &[u8]) -> Vec<Entry> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    tar.entries()
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let header = entry.header();
            Entry {
                path: entry.path().unwrap().to_string_lossy().into_owned(),
                mtime: header.mtime().unwrap(),
                uid: header.uid().unwrap(),
                gid: header.gid().unwrap(),
                mode: header.mode().unwrap(),
                kind: header.entry_type(),
            }
        })
        .collect()
}

#[test]
fn package_is_byte_identical_from_two_checkouts_a_second_apart_and_holds_only_module_files() {
    let first = Project::with_config(&config("1.2.0"));
    let (first_sha, first_path) = package(&first);
    // A second checkout, later, with an environment rendered, state, a provider cache and
    // stray files in the module folder: none of it may reach the package.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = Project::with_config(&config("1.2.0"));
    second
        .tapgen()
        .args(["terraform", "--all"])
        .assert()
        .success();
    second.write("modules/serverless-api/terraform.tfstate", b"{}");
    second.write("modules/serverless-api/.terraform/x", b"x");
    second.write("modules/serverless-api/notes.txt", b"mine");
    let (second_sha, second_path) = package(&second);

    assert_eq!(
        first_path.file_name().unwrap(),
        "tap-serverless-api-aws-1.2.0.tar.gz"
    );
    assert_eq!(first_path.parent().unwrap(), first.path().join("dist"));
    let bytes = std::fs::read(&first_path).unwrap();
    assert_eq!(bytes, std::fs::read(&second_path).unwrap());
    assert_eq!(first_sha, second_sha);
    assert_eq!(first_sha, tapgen::hex_sha256(&bytes));

    // gzip header: no name, mtime 0, OS "unknown".
    assert_eq!(&bytes[..3], &[0x1f, 0x8b, 8]);
    assert_eq!(bytes[3] & 0x08, 0, "no file name in the gzip header");
    assert_eq!(&bytes[4..8], &[0, 0, 0, 0]);
    assert_eq!(bytes[9], 255);

    let entries = entries(&bytes);
    let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert!(entries.iter().all(|e| e.mtime == entries[0].mtime));
    assert!(entries.iter().all(|e| e.uid == 0 && e.gid == 0));
    for entry in &entries {
        let expected = if entry.kind.is_dir() { 0o755 } else { 0o644 };
        assert_eq!(entry.mode, expected, "{}", entry.path);
    }
    // Exactly the rendered module's files, at the archive's root.
    let loaded = tapgen::check::parse("t", config("1.2.0"), first.path().to_path_buf()).unwrap();
    let resolved = tapgen::stack::resolve(&loaded);
    let mut packages = tapgen::render::Packages::default();
    let package = packages.add(b"zip".to_vec(), None);
    packages.insert(tapgen::render::PackageKey::of(&resolved.project), package);
    let mut expected: Vec<String> =
        tapgen::render::module::files(&resolved.module, &resolved.project, &packages)
            .unwrap()
            .iter()
            .filter(|f| f.path.extension().is_none_or(|ext| ext != "zip"))
            .map(|f| {
                f.path
                    .strip_prefix("modules/serverless-api")
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
    let folders: std::collections::BTreeSet<String> = expected
        .iter()
        .flat_map(|path| {
            let parts: Vec<&str> = path.split('/').collect();
            (1..parts.len())
                .map(|n| format!("{}/", parts[..n].join("/")))
                .collect::<Vec<_>>()
        })
        .collect();
    expected.extend(folders);
    assert!(
        !expected.iter().any(|path| path.ends_with(".zip")),
        "no Lambda code in a module package"
    );
    expected.sort();
    assert_eq!(paths, expected);
    assert!(paths.contains(&"README.md") && paths.contains(&"examples/complete/main.tf"));
    assert!(
        !paths.iter().any(|path| path.ends_with(".zip")),
        "{paths:?}"
    );
}

#[test]
fn packaging_other_content_under_a_packaged_version_is_refused_and_the_same_is_a_no_op() {
    let project = Project::with_config(&config("1.2.0"));
    let (sha, path) = package(&project);
    let before = std::fs::read(&path).unwrap();

    // The same module again: exit 0, same line, same bytes.
    let (again, _) = package(&project);
    assert_eq!(again, sha);

    // A public API changes the module (its checkov notes) but not its version.
    project.write(
        "tapgen.toml",
        format!("{}\n[api]\nauthorization = \"NONE\"\n", config("1.2.0")).as_bytes(),
    );
    let output = project
        .tapgen()
        .args(["module", "package"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("already holds version 1.2.0 with different content"),
        "{stderr}"
    );
    assert!(stderr.contains("raise `module.version`"), "{stderr}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(project.path().join("dist"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn package_goes_into_dist_beside_the_config_file() {
    let project = Project::new();
    project.write("sub/tapgen.toml", config("0.2.0").as_bytes());
    std::fs::create_dir_all(project.path().join("sub/lambda")).unwrap();
    std::fs::copy(
        project.path().join("lambda/handler.py"),
        project.path().join("sub/lambda/handler.py"),
    )
    .unwrap();
    project
        .tapgen()
        .args(["--config", "sub/tapgen.toml", "module", "package"])
        .assert()
        .success();
    assert!(
        project
            .path()
            .join("sub/dist/tap-serverless-api-aws-0.2.0.tar.gz")
            .is_file()
    );
    assert!(!project.path().join("dist").exists());
}

#[test]
fn package_out_flag_chooses_the_folder() {
    let project = Project::with_config(&config("0.3.0"));
    let output = project
        .tapgen()
        .args(["module", "package", "--out", "release"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(
        project
            .path()
            .join("release/tap-serverless-api-aws-0.3.0.tar.gz")
            .is_file()
    );
}

// ---- registry folders ---------------------------------------------------------------------

fn tapgen(dir: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("tapgen").unwrap();
    command.current_dir(dir);
    command
}

fn site_with(archives: &[&Path]) -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    let mut command = tapgen(site.path());
    command.args(["registry", "add", "."]).args(archives);
    command.assert().success();
    site
}

pub(crate) fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn registry_add_lays_out_the_protocol_and_lists_every_version() {
    let (_a, v120) = packaged("1.2.0");
    let (_b, v130) = packaged("1.3.0");
    let site = site_with(&[&v130]);
    // A second run adds a version, and re-adding one already there is a no-op.
    tapgen(site.path())
        .args(["registry", "add", "."])
        .arg(&v120)
        .arg(&v130)
        .assert()
        .success();
    let root = site.path();
    assert_eq!(
        read_json(&root.join(".well-known/terraform.json")),
        serde_json::json!({"modules.v1": "/v1/modules/"})
    );
    let module = root.join("v1/modules/tap/serverless-api/aws");
    assert_eq!(
        read_json(&module.join("versions")),
        serde_json::json!({"modules": [{"versions": [{"version": "1.2.0"}, {"version": "1.3.0"}]}]})
    );
    assert_eq!(
        read_json(&module.join("1.2.0/download")),
        serde_json::json!({"location": "./module.tar.gz"})
    );
    assert_eq!(
        std::fs::read(module.join("1.2.0/module.tar.gz")).unwrap(),
        std::fs::read(&v120).unwrap()
    );
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

fn refused(site: &Path, archives: &[&Path], expect: &[&str]) {
    let before = snapshot(site);
    let output = tapgen(site)
        .args(["registry", "add", "."])
        .args(archives)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for text in expect {
        assert!(stderr.contains(text), "{text:?} not in: {stderr}");
    }
    assert_eq!(snapshot(site), before, "the site changed");
}

#[test]
fn registry_add_refuses_foreign_folders_foreign_archives_and_changed_versions() {
    let (project, v120) = packaged("1.2.0");

    // A folder someone else wrote.
    let foreign = tempfile::tempdir().unwrap();
    std::fs::write(foreign.path().join("index.html"), "<h1>mine</h1>").unwrap();
    refused(
        foreign.path(),
        &[&v120],
        &["is not a tapgen registry folder"],
    );

    // An archive that tapgen did not make, even one holding a module.
    let other = project.path().join("other.tar.gz");
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut header = tar::Header::new_gnu();
    header.set_size(13);
    header.set_mode(0o644);
    tar.append_data(&mut header, "versions.tf", &b"terraform {}\n"[..])
        .unwrap();
    std::fs::write(&other, tar.into_inner().unwrap().finish().unwrap()).unwrap();
    let site = site_with(&[&v120]);
    refused(
        site.path(),
        &[&other],
        &["is not a tapgen module package", "other.tar.gz"],
    );
    refused(
        site.path(),
        &[&project.path().join("tapgen.toml")],
        &["is not a tapgen module package"],
    );

    // Version 1.2.0 again with other content, even beside a valid new version: nothing is
    // written, not even the new one.
    let changed = Project::with_config(&format!(
        "{}\n[api]\nauthorization = \"NONE\"\n",
        config("1.2.0")
    ));
    let (_, changed_v120) = package(&changed);
    let (_c, v130) = packaged("1.3.0");
    refused(
        site.path(),
        &[&v130, &changed_v120],
        &["already holds tap/serverless-api/aws version 1.2.0 with different content"],
    );
}

#[test]
fn registry_add_that_fails_part_way_takes_back_what_it_wrote() {
    let (_a, v110) = packaged("1.1.0");
    let (_b, v120) = packaged("1.2.0");
    let (_c, v130) = packaged("1.3.0");
    let site = site_with(&[&v110]);
    // A folder where 1.3.0's download answer goes: found only after 1.2.0 and 1.3.0's
    // archive are written.
    std::fs::create_dir_all(
        site.path()
            .join("v1/modules/tap/serverless-api/aws/1.3.0/download"),
    )
    .unwrap();
    let before = snapshot(site.path());
    let output = tapgen(site.path())
        .args(["registry", "add", "."])
        .arg(&v120)
        .arg(&v130)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("1.3.0/download"), "{stderr}");
    assert_eq!(snapshot(site.path()), before, "files were left behind");
    assert_eq!(
        read_json(
            &site
                .path()
                .join("v1/modules/tap/serverless-api/aws/versions")
        ),
        serde_json::json!({"modules": [{"versions": [{"version": "1.1.0"}]}]})
    );
}

// ---- certificates, servers and a raw HTTPS client ------------------------------------------

pub(crate) struct Tls {
    dir: tempfile::TempDir,
    ca_der: Vec<u8>,
}

impl Tls {
    /// A CA, and a leaf for `IP:127.0.0.1` that it signed.
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "tapgen test CA");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let mut leaf_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        leaf_params.subject_alt_names = vec![rcgen::SanType::IpAddress(
            std::net::Ipv4Addr::LOCALHOST.into(),
        )];
        let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("cert.pem"), leaf.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), leaf_key.serialize_pem()).unwrap();
        Self {
            ca_der: ca.der().to_vec(),
            dir,
        }
    }

    pub(crate) fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
    pub(crate) fn cert(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }
    pub(crate) fn key(&self) -> PathBuf {
        self.dir.path().join("key.pem")
    }
}

/// A child process stopped with SIGTERM when dropped; its stderr lines are collected.
struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// `tapgen registry serve SITE` on a port the system picks, read from its first line.
    fn tapgen(site: &Path, tls: &Tls, token_file: Option<&Path>) -> Self {
        Self::tapgen_with(site, tls, token_file, &[])
    }

    fn tapgen_with(site: &Path, tls: &Tls, token_file: Option<&Path>, extra: &[&str]) -> Self {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("tapgen"));
        command
            .args(["registry", "serve"])
            .arg(site)
            .args(extra)
            .args(["--addr", "127.0.0.1:0", "--tls-cert"])
            .arg(tls.cert())
            .arg("--tls-key")
            .arg(tls.key());
        if let Some(token_file) = token_file {
            command.arg("--token-file").arg(token_file);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let first = lines.next().expect("a first line").unwrap();
        let port = first
            .split("https://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let reader = std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Self {
            child,
            port,
            log,
            reader: Some(reader),
        }
    }

    fn lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// SIGTERM, then the exit status once every line it wrote has been read.
    fn stop(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().unwrap();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        status
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.stop();
        }
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `METHOD PATH` exactly as written (no normalisation of `..`), over TLS that trusts
/// only the test CA.
fn request(port: u16, tls: &Tls, method: &str, path: &str, token: Option<&str>) -> Reply {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(tls.ca_der.clone().into()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into());
    let connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let socket = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut stream = rustls::StreamOwned::new(connection, socket);
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    match stream.read_to_end(&mut raw) {
        Ok(_) => {}
        // A peer that closes without close_notify; what came before is the whole reply.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {}
        Err(e) => panic!("reading the reply to {path}: {e}"),
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

#[test]
fn registry_serve_answers_the_protocol_refuses_path_tricks_and_tokens_and_stops_on_sigterm() {
    let (_a, v120) = packaged("1.2.0");
    let site = site_with(&[&v120]);
    // A secret outside the site, linked from inside it.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "SECRET-BYTES").unwrap();
    let leak = site.path().join("v1/modules/tap/leak/aws");
    std::fs::create_dir_all(&leak).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), leak.join("versions")).unwrap();
    std::os::unix::fs::symlink(outside.path(), site.path().join("v1/modules/out")).unwrap();
    std::fs::create_dir_all(outside.path().join("x/aws")).unwrap();
    std::fs::write(outside.path().join("x/aws/versions"), "SECRET-BYTES").unwrap();

    let tls = Tls::new();
    let token_file = outside.path().join("token");
    std::fs::write(&token_file, "s3cret-token\n").unwrap();
    let mut server = Server::tapgen(site.path(), &tls, Some(&token_file));
    let port = server.port;
    let token = Some("s3cret-token");
    let get = |path: &str, token: Option<&str>| request(port, &tls, "GET", path, token);

    let discovery = get("/.well-known/terraform.json", None);
    assert_eq!(discovery.status, 200);
    assert_eq!(discovery.text(), "{\"modules.v1\":\"/v1/modules/\"}\n");

    let versions = "/v1/modules/tap/serverless-api/aws/versions";
    for wrong in [None, Some("wrong"), Some("s3cret-token-and-more")] {
        let reply = get(versions, wrong);
        assert_eq!(reply.status, 401, "{wrong:?}");
        assert!(reply.text().contains("\"errors\""));
    }
    let reply = get(versions, token);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(reply.text().contains("\"1.2.0\""));

    let download = get("/v1/modules/tap/serverless-api/aws/1.2.0/download", token);
    assert_eq!(download.status, 204);
    // Neither tool sends the token for the archive: the answer grants that one archive.
    let location = download.header("x-terraform-get").unwrap().to_owned();
    let query = location
        .strip_prefix("./module.tar.gz?")
        .unwrap_or_else(|| panic!("{location}"));
    let v120_archive = "/v1/modules/tap/serverless-api/aws/1.2.0/module.tar.gz";
    let granted = get(&format!("{v120_archive}?{query}"), None);
    assert_eq!(granted.status, 200);
    assert_eq!(granted.body, std::fs::read(&v120).unwrap());
    let mut tampered = query.to_owned();
    let last = if tampered.ends_with('0') { "1" } else { "0" };
    tampered.replace_range(tampered.len() - 1.., last);
    let expired = query
        .split('&')
        .map(|kv| {
            if kv.starts_with("expires=") {
                "expires=1"
            } else {
                kv
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    for (path, why) in [
        (format!("{v120_archive}?{tampered}"), "tampered grant"),
        (format!("{v120_archive}?{expired}"), "expired grant"),
        (
            format!("/v1/modules/tap/serverless-api/aws/1.3.0/module.tar.gz?{query}"),
            "grant for another archive",
        ),
        (
            format!("{versions}?{query}"),
            "grant used for the versions list",
        ),
    ] {
        assert_eq!(get(&path, None).status, 401, "{why}");
    }
    let archive = get(
        "/v1/modules/tap/serverless-api/aws/1.2.0/module.tar.gz",
        token,
    );
    assert_eq!(archive.status, 200);
    assert_eq!(archive.body, std::fs::read(&v120).unwrap());
    let head = request(
        port,
        &tls,
        "HEAD",
        "/v1/modules/tap/serverless-api/aws/1.2.0/module.tar.gz",
        token,
    );
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());

    for unknown in [
        "/v1/modules/nobody/serverless-api/aws/versions",
        "/v1/modules/tap/nothing/aws/versions",
        "/v1/modules/tap/serverless-api/gcp/versions",
        "/v1/modules/tap/serverless-api/aws/9.9.9/download",
        "/v1/modules/tap/serverless-api/aws/9.9.9/module.tar.gz",
    ] {
        let reply = get(unknown, token);
        assert_eq!(reply.status, 404, "{unknown}");
        let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        assert!(body["errors"][0].is_string(), "{unknown}: {body}");
    }

    for trick in [
        "/v1/modules/../../../etc/passwd",
        "/v1/modules/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/v1/modules/tap/%2e%2e/aws/versions",
        "/v1/modules/tap/serverless-api/aws/1.2.0/%2e%2e%2f%2e%2e%2fversions",
        "/v1/modules/tap%2fserverless-api/aws/x/versions",
        "/v1/modules//etc/passwd/x/versions",
        "/v1/modules/tap/serverless-api/aws/..%2f..%2f..%2f..%2f..%2f.tapgen-registry/download",
        "//etc/passwd",
        "/.tapgen-registry",
        "/v1/modules/tap/leak/aws/versions",
        "/v1/modules/out/x/aws/versions",
        "/v1/modules/tap/serverless-api/aws/1.2.0/%2e%2e/download",
    ] {
        let reply = get(trick, token);
        assert_eq!(reply.status, 404, "{trick}: {}", reply.text());
        assert!(!reply.text().contains("SECRET"), "{trick}");
        assert!(!reply.text().contains("root:"), "{trick}");
    }
    assert_eq!(request(port, &tls, "POST", versions, token).status, 405);

    let status = server.stop();
    assert!(status.success(), "{status:?}");
    let lines = server.lines();
    let requests = lines.iter().filter(|l| l.contains(" HTTP/1.1\" ")).count();
    assert_eq!(requests, 4 + 1 + 1 + 1 + 4 + 2 + 5 + 12 + 1, "{lines:#?}");
    assert!(
        lines.iter().any(|l| l
            .contains("\"GET /v1/modules/tap/serverless-api/aws/1.2.0/download HTTP/1.1\" 204")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("stopping")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .all(|l| !l.contains("s3cret") && !l.contains("grant=")),
        "neither the token nor a grant is logged"
    );
}

#[test]
fn registry_serve_caps_connections_and_closes_one_that_never_speaks() {
    let (_a, v120) = packaged("1.2.0");
    let site = site_with(&[&v120]);
    let tls = Tls::new();
    let server = Server::tapgen_with(site.path(), &tls, None, &["--max-connections", "1"]);
    let port = server.port;
    // A client that connects and never starts TLS holds the only slot...
    let mut silent = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    silent
        .set_read_timeout(Some(std::time::Duration::from_secs(120)))
        .unwrap();
    std::thread::scope(|scope| {
        let (done, waiting) = std::sync::mpsc::channel();
        let tls = &tls;
        scope.spawn(move || {
            let reply = request(port, tls, "GET", "/.well-known/terraform.json", None);
            let _ = done.send(reply.status);
        });
        // ...so the next client is not served while it is open (this cannot pass by luck:
        // a server without the cap answers in well under the wait)...
        std::thread::sleep(std::time::Duration::from_millis(1500));
        assert_eq!(
            waiting.try_recv(),
            Err(std::sync::mpsc::TryRecvError::Empty),
            "served beyond --max-connections 1"
        );
        // ...until the server gives up on its handshake and closes it.
        let mut byte = [0u8; 1];
        // A signal to the test process (another test's child exiting) can interrupt the
        // wait; only the server's answer counts.
        let closed = loop {
            match silent.read(&mut byte) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match closed {
            Ok(0) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            other => panic!("the silent connection was not closed: {other:?}"),
        }
        let status = waiting
            .recv_timeout(std::time::Duration::from_secs(120))
            .expect("the waiting client is served once the slot is free");
        assert_eq!(status, 200);
    });
}

#[test]
fn registry_serve_refuses_a_folder_it_did_not_make_and_bad_certificates() {
    let tls = Tls::new();
    let foreign = tempfile::tempdir().unwrap();
    let serve = |site: &Path, cert: &Path, key: &Path| {
        tapgen(foreign.path())
            .args(["registry", "serve"])
            .arg(site)
            .args(["--addr", "127.0.0.1:0", "--tls-cert"])
            .arg(cert)
            .arg("--tls-key")
            .arg(key)
            .output()
            .unwrap()
    };
    let output = serve(foreign.path(), &tls.cert(), &tls.key());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("not a registry folder made by tapgen")
    );

    let (_a, v120) = packaged("1.2.0");
    let site = site_with(&[&v120]);
    let output = serve(site.path(), &tls.key(), &tls.key());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no usable PEM certificate"));
    let output = serve(site.path(), &tls.cert(), &tls.ca());
    assert_eq!(output.status.code(), Some(2));
}

// ---- the real tools ------------------------------------------------------------------------

fn required() -> bool {
    std::env::var_os("TAPGEN_REQUIRE_TOOLS").is_some_and(|v| v == "1")
}

pub(crate) fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A tool the test needs: found, or a skip, or (under `TAPGEN_REQUIRE_TOOLS=1`) a failure.
pub(crate) fn need(name: &str, found: Option<PathBuf>, hint: &str) -> Option<PathBuf> {
    match found {
        Some(path) => Some(path),
        None if required() => panic!("TAPGEN_REQUIRE_TOOLS=1 but no {name}: {hint}"),
        None => {
            eprintln!("skipped: no {name} ({hint})");
            None
        }
    }
}

struct Tools {
    /// (name, path) of tofu and terraform.
    tools: Vec<(&'static str, PathBuf)>,
    cli_config: PathBuf,
}

fn tools() -> Option<Tools> {
    let tofu = need(
        "tofu",
        std::env::var_os("TAPGEN_TOFU")
            .map(PathBuf::from)
            .or_else(|| on_path("tofu")),
        "set TAPGEN_TOFU; scripts/install-tofu.sh builds it",
    );
    let terraform = need("terraform", on_path("terraform"), "put terraform on PATH");
    let cli_config = need(
        "provider mirror",
        std::env::var_os("TAPGEN_TF_CLI_CONFIG")
            .map(PathBuf::from)
            .filter(|p| p.is_file()),
        "set TAPGEN_TF_CLI_CONFIG from scripts/tf-mirror.sh",
    )?;
    let mut tools = Vec::new();
    tools.extend(tofu.map(|p| ("tofu", p)));
    tools.extend(terraform.map(|p| ("terraform", p)));
    Some(Tools { tools, cli_config })
}

/// A root calling the module from `host` with `constraint`.
fn root(host: &str, constraint: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            "module \"api\" {{\n  source  = \"{host}/{NS}/{NAME}/aws\"\n  version = \"{constraint}\"\n\n  project             = \"orders\"\n  environment         = \"dev\"\n  lambda_package_path = \"${{path.module}}/lambda.zip\"\n}}\n"
        ),
    )
    .unwrap();
    dir
}

/// `init -backend=false` of `root` with `tool`; Ok(output) or Err(output).
fn init(
    tool: &Path,
    tools: &Tools,
    root: &Path,
    tls: &Tls,
    env: &[(String, String)],
) -> Result<String, String> {
    let mut command = Command::new(tool);
    command
        .args(["init", "-backend=false", "-input=false", "-no-color"])
        .current_dir(root)
        .env("SSL_CERT_FILE", tls.ca())
        .env("TF_CLI_CONFIG_FILE", &tools.cli_config)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env_remove("TF_CLI_ARGS")
        .env_remove("SSL_CERT_DIR");
    for (name, _) in std::env::vars() {
        if name.starts_with("TF_TOKEN_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    let output = command.output().unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

/// The version `.terraform/modules/modules.json` records for the module call `api`.
fn installed_version(root: &Path) -> String {
    let manifest = read_json(&root.join(".terraform/modules/modules.json"));
    let module = manifest["Modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["Key"] == "api")
        .unwrap_or_else(|| panic!("no module `api` in {manifest}"));
    assert!(
        root.join(module["Dir"].as_str().unwrap())
            .join("versions.tf")
            .is_file()
    );
    module["Version"].as_str().unwrap().to_owned()
}

/// `TF_TOKEN_<host>` for a host with a port: dots become `_`, and the `:PORT` stays as it is
/// (both tools turn the rest of the name back into a host name, port included).
fn token_variable(port: u16) -> String {
    format!("TF_TOKEN_127_0_0_1:{port}")
}

fn two_versions_site() -> (tempfile::TempDir, Vec<Project>) {
    let (a, v120) = packaged("1.2.0");
    let (b, v130) = packaged("1.3.0");
    (site_with(&[&v120, &v130]), vec![a, b])
}

#[test]
fn tofu_and_terraform_install_the_pinned_version_from_registry_serve_with_and_without_a_token() {
    let Some(tools) = tools() else { return };
    let (site, _projects) = two_versions_site();
    let tls = Tls::new();

    let open = Server::tapgen(site.path(), &tls, None);
    let host = format!("127.0.0.1:{}", open.port);
    for (name, tool) in &tools.tools {
        let pinned = root(&host, "~> 1.2.0");
        let output = init(tool, &tools, pinned.path(), &tls, &[])
            .unwrap_or_else(|e| panic!("{name} init failed:\n{e}"));
        assert_eq!(
            installed_version(pinned.path()),
            "1.2.0",
            "{name}: {output}"
        );

        let unknown = root(&host, "~> 9.0");
        let error = init(tool, &tools, unknown.path(), &tls, &[]).expect_err("no 9.x");
        assert!(
            error.contains("no available version") && error.contains("1.3.0"),
            "{name}: {error}"
        );
    }
    let lines = open.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("/1.2.0/module.tar.gz HTTP/1.1\" 200")),
        "{lines:#?}"
    );
    assert!(!lines.iter().any(|l| l.contains("/1.3.0/")), "{lines:#?}");
    drop(open);

    let secrets = tempfile::tempdir().unwrap();
    let token_file = secrets.path().join("token");
    std::fs::write(&token_file, "t0ken-for-tests\n").unwrap();
    let guarded = Server::tapgen(site.path(), &tls, Some(&token_file));
    let host = format!("127.0.0.1:{}", guarded.port);
    for (name, tool) in &tools.tools {
        let dir = root(&host, "~> 1.2.0");
        let error = init(tool, &tools, dir.path(), &tls, &[]).expect_err("no token");
        assert!(error.contains("401"), "{name}: {error}");
        let wrong = [(token_variable(guarded.port), "wrong".to_owned())];
        init(tool, &tools, dir.path(), &tls, &wrong).expect_err("wrong token");
        let right = [(token_variable(guarded.port), "t0ken-for-tests".to_owned())];
        init(tool, &tools, dir.path(), &tls, &right)
            .unwrap_or_else(|e| panic!("{name} init with the token failed:\n{e}"));
        assert_eq!(installed_version(dir.path()), "1.2.0", "{name}");
    }
}

/// nginx serving the folder, configured as the README tells static hosts.
struct Nginx {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(nginx: &Path, site: &Path, tls: &Tls) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let d = dir.path().display();
        let conf = format!(
            "daemon off;\nmaster_process off;\nerror_log {d}/error.log;\npid {d}/nginx.pid;\nevents {{ worker_connections 64; }}\nhttp {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  types {{ application/gzip gz; }}\n  server {{\n    listen 127.0.0.1:{port} ssl;\n    ssl_certificate {cert};\n    ssl_certificate_key {key};\n    root {site};\n{snippet}  }}\n}}\n",
            cert = tls.cert().display(),
            key = tls.key().display(),
            site = site.display(),
            snippet = README_NGINX_SNIPPET,
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let child = Command::new(nginx)
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .arg("-p")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut nginx = Self {
            child,
            port,
            _dir: dir,
        };
        // Ready when it accepts connections (bounded: 100 tries).
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return nginx;
            }
            if let Ok(Some(status)) = nginx.child.try_wait() {
                panic!("nginx exited: {status}");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = nginx.child.kill();
        panic!("nginx did not start listening on {port}");
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// The README's nginx lines for a registry folder, which this test runs verbatim.
const README_NGINX_SNIPPET: &str = "    # versions and download have no extension: JSON\n    default_type application/json;\n    location ~ ^/v1/modules/.+/download$ {\n      add_header X-Terraform-Get ./module.tar.gz;\n    }\n";

#[test]
fn readme_documents_the_nginx_lines_the_static_host_test_runs() {
    let readme = std::fs::read_to_string(crate::support::repo().join("README.md")).unwrap();
    assert!(
        readme.contains(README_NGINX_SNIPPET),
        "README.md must hold, verbatim:\n{README_NGINX_SNIPPET}"
    );
}

#[test]
fn tofu_and_terraform_install_the_pinned_version_from_the_folder_served_by_nginx() {
    let Some(tools) = tools() else { return };
    let Some(nginx) = need(
        "nginx",
        on_path("nginx").or_else(|| Some(PathBuf::from("/usr/sbin/nginx")).filter(|p| p.is_file())),
        "apt-get install nginx (scripts/test.sh does)",
    ) else {
        return;
    };
    let (site, _projects) = two_versions_site();
    let tls = Tls::new();
    let server = Nginx::start(&nginx, site.path(), &tls);
    let host = format!("127.0.0.1:{}", server.port);

    let download = request(
        server.port,
        &tls,
        "GET",
        "/v1/modules/tap/serverless-api/aws/1.2.0/download",
        None,
    );
    assert_eq!(download.status, 200);
    assert_eq!(download.header("x-terraform-get"), Some("./module.tar.gz"));
    assert_eq!(download.header("content-type"), Some("application/json"));

    for (name, tool) in &tools.tools {
        let dir = root(&host, "~> 1.2.0");
        let output = init(tool, &tools, dir.path(), &tls, &[])
            .unwrap_or_else(|e| panic!("{name} init from nginx failed:\n{e}"));
        assert_eq!(installed_version(dir.path()), "1.2.0", "{name}: {output}");
    }
}
