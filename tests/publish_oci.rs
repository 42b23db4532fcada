//! `tapgen module publish --oci`: the module pushed to a real OCI registry (distribution v3,
//! started here over TLS on a loopback port, with and without htpasswd auth); real OpenTofu
//! installs it from an `oci://` source, and oras, an independent client, pulls it back. Under
//! `TAPGEN_REQUIRE_TOOLS=1` a missing registry, oras, tofu or provider mirror fails the test.

use crate::publish_git::{package_files, tofu_installs_with};
use crate::publishing::{Tls, config, free_port, need, on_path};
use crate::support::Project;
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const REPO: &str = "acme/serverless-api";
const USER: &str = "publisher";
const PASSWORD: &str = "s3cret-pass";

fn registry_binary() -> Option<PathBuf> {
    need(
        "OCI registry (distribution)",
        std::env::var_os("TAPGEN_OCI_REGISTRY")
            .map(PathBuf::from)
            .filter(|p| p.is_file()),
        "set TAPGEN_OCI_REGISTRY; scripts/install-go-tool.sh distribution builds it",
    )
}

fn oras_binary() -> Option<PathBuf> {
    need(
        "oras",
        std::env::var_os("TAPGEN_ORAS")
            .map(PathBuf::from)
            .filter(|p| p.is_file())
            .or_else(|| on_path("oras")),
        "set TAPGEN_ORAS; scripts/install-go-tool.sh oras builds it",
    )
}

/// A distribution registry serving TLS on a loopback port, its storage in a temporary
/// folder; stopped with SIGTERM when dropped.
struct Registry {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Registry {
    fn start(binary: &Path, tls: &Tls, htpasswd: Option<&Path>) -> Self {
        Self::start_with(binary, &tls.cert(), &tls.key(), htpasswd)
    }

    fn start_with(binary: &Path, cert: &Path, key: &Path, htpasswd: Option<&Path>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let auth = htpasswd
            .map(|path| {
                format!(
                    "auth:\n  htpasswd:\n    realm: tapgen-test\n    path: \"{}\"\n",
                    path.display()
                )
            })
            .unwrap_or_default();
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: \"{storage}\"\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: tapgen-test-secret\n  tls:\n    certificate: \"{cert}\"\n    key: \"{key}\"\n{auth}",
            storage = dir.path().join("storage").display(),
            cert = cert.display(),
            key = key.display(),
        );
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut registry = Self { child, port, dir };
        // Ready when it accepts connections (bounded: 200 tries).
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return registry;
            }
            if let Ok(Some(status)) = registry.child.try_wait() {
                panic!("the registry exited ({status}):\n{}", registry.log());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the registry did not listen on {port}:\n{}", registry.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn repository(&self) -> String {
        format!("{}/{REPO}", self.host())
    }

    /// The blobs the registry stores: none may appear when a push is refused.
    fn blobs(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut pending = vec![self.dir.path().join("storage/docker/registry/v2/blobs")];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    found.push(path);
                }
            }
        }
        found.sort();
        found
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// A folder for `DOCKER_CONFIG`, with `config.json` if given: the tests never read the
/// credentials of the user running them.
fn docker_config(json: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    if let Some(json) = json {
        std::fs::write(dir.path().join("config.json"), json).unwrap();
    }
    dir
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

/// `tapgen module publish --oci REFERENCE` trusting `ca`, with credentials from `docker`.
fn publish_with(
    project: &Project,
    reference: &str,
    ca: &Path,
    docker: &Path,
    env: &[(&str, &std::ffi::OsStr)],
) -> Output {
    project
        .tapgen()
        .args(["module", "publish", "--oci", reference])
        .env("SSL_CERT_FILE", ca)
        .env_remove("SSL_CERT_DIR")
        .env("DOCKER_CONFIG", docker)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// A publish that must succeed: (stdout, stderr).
fn published(output: Output) -> (String, String) {
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    (stdout, stderr)
}

/// The manifest digest from stdout's `DIGEST  REFERENCE`, checking the reference.
fn printed_digest(stdout: &str, reference: &str) -> String {
    let (digest, printed) = stdout.trim().split_once("  ").expect("`DIGEST  REFERENCE`");
    assert_eq!(printed, reference);
    assert!(
        digest.starts_with("sha256:") && digest.len() == 71,
        "{digest}"
    );
    digest.to_owned()
}

/// Runs oras, trusting the test CA; its stdout, or a panic with its stderr.
fn oras(oras: &Path, tls: &Tls, args: &[&str], cwd: &Path) -> Vec<u8> {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(oras)
        .args(args)
        .arg("--ca-file")
        .arg(tls.ca())
        .current_dir(cwd)
        .env("DOCKER_CONFIG", home.path())
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "oras {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The digest of the manifest `reference` names, as oras resolves it.
fn oras_digest(binary: &Path, tls: &Tls, reference: &str, login: &[&str]) -> String {
    let mut args = vec!["manifest", "fetch", "--descriptor", reference];
    args.extend_from_slice(login);
    let descriptor: serde_json::Value =
        serde_json::from_slice(&oras(binary, tls, &args, Path::new("."))).unwrap();
    descriptor["digest"].as_str().unwrap().to_owned()
}

/// Every regular file below `dir`, by `/`-separated path inside it.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let inside = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(inside, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn publish_oci_pushes_a_module_package_that_tofu_installs_and_oras_pulls_back() {
    let (Some(registry), Some(oras_bin)) = (registry_binary(), oras_binary()) else {
        return;
    };
    let tls = Tls::new();
    let registry = Registry::start(&registry, &tls, None);
    let project = Project::with_config(&config("1.2.0"));
    let docker = docker_config(None);
    let reference = format!("{}:1.2.0", registry.repository());

    let (stdout, stderr) = published(publish_with(
        &project,
        &registry.repository(),
        &tls.ca(),
        docker.path(),
        &[],
    ));
    let digest = printed_digest(&stdout, &reference);
    let source = format!("oci://{}?tag=1.2.0", registry.repository());
    assert!(
        stderr.contains(&format!(
            "published tap/serverless-api/aws 1.2.0 to `{reference}`"
        )) && stderr.contains(&source),
        "{stderr}"
    );

    // The manifest, as an independent client reads it: OpenTofu's artifact type, the empty
    // config, exactly one archive/zip layer; its digest is the one printed.
    let raw = oras(
        &oras_bin,
        &tls,
        &["manifest", "fetch", &reference],
        Path::new("."),
    );
    assert_eq!(format!("sha256:{}", tapgen::hex_sha256(&raw)), digest);
    assert_eq!(oras_digest(&oras_bin, &tls, &reference, &[]), digest);
    let manifest: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(
        manifest["artifactType"],
        "application/vnd.opentofu.modulepkg"
    );
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    assert_eq!(manifest["config"]["size"], 2);
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{manifest}");
    assert_eq!(layers[0]["mediaType"], "archive/zip");
    assert!(manifest.get("annotations").is_none(), "no date: {manifest}");

    // The zip oras pulls holds exactly the files of `module package`'s archive, at its root,
    // sorted, with one date and mode 0644.
    let pulled = tempfile::tempdir().unwrap();
    oras(
        &oras_bin,
        &tls,
        &["pull", &reference, "-o", "."],
        pulled.path(),
    );
    let zip_path = pulled.path().join("tap-serverless-api-aws-1.2.0.zip");
    let zip_bytes = std::fs::read(&zip_path).unwrap();
    assert_eq!(
        format!("sha256:{}", tapgen::hex_sha256(&zip_bytes)),
        layers[0]["digest"].as_str().unwrap()
    );
    let expected = package_files(&project);
    assert!(
        expected.contains_key("README.md") && expected.contains_key("examples/complete/main.tf")
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let mut unzipped = BTreeMap::new();
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        assert_eq!(
            entry.last_modified(),
            Some(zip::DateTime::default()),
            "{name}"
        );
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o644), "{name}");
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        names.push(name.clone());
        unzipped.insert(name, bytes);
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(unzipped, expected);
    assert!(
        !unzipped.keys().any(|name| name.ends_with(".zip")),
        "no Lambda code in a module package: {names:?}"
    );

    // Real OpenTofu installs it from the `oci://` source, and gets the same files.
    let empty = docker_config(None);
    let ca = tls.ca();
    if let Some((_root, installed)) = tofu_installs_with(
        &source,
        &[
            ("SSL_CERT_FILE", ca.as_os_str()),
            ("DOCKER_CONFIG", empty.path().as_os_str()),
        ],
    ) {
        assert_eq!(tree(&installed), expected);
    }
}

#[test]
fn publish_oci_again_is_a_no_op_and_other_content_under_the_version_is_refused() {
    let (Some(registry), Some(oras_bin)) = (registry_binary(), oras_binary()) else {
        return;
    };
    let tls = Tls::new();
    let registry = Registry::start(&registry, &tls, None);
    let docker = docker_config(None);
    let reference = format!("{}:1.2.0", registry.repository());
    let publish = |project: &Project| {
        publish_with(
            project,
            &registry.repository(),
            &tls.ca(),
            docker.path(),
            &[],
        )
    };

    let first = Project::with_config(&config("1.2.0"));
    let (stdout, _) = published(publish(&first));
    let digest = printed_digest(&stdout, &reference);
    let blobs = registry.blobs();
    assert_eq!(blobs.len(), 3, "layer, config and manifest: {blobs:?}");

    // The same module from a second checkout: the same bytes, so exit 0 and nothing new.
    let second = Project::with_config(&config("1.2.0"));
    let (stdout, stderr) = published(publish(&second));
    assert_eq!(printed_digest(&stdout, &reference), digest);
    assert!(
        stderr.contains(&format!(
            "is already published at `{reference}` with this content"
        )) && stderr.contains("nothing to do"),
        "{stderr}"
    );
    assert_eq!(registry.blobs(), blobs);

    // Other content under the same version: exit 2 naming the tag, nothing uploaded, the
    // tag still names the first manifest.
    second.write(
        "tapgen.toml",
        format!("{}\n[api]\nauthorization = \"NONE\"\n", config("1.2.0")).as_bytes(),
    );
    let output = publish(&second);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "tag `1.2.0` of `{}` already holds other content (manifest {digest}",
            registry.repository()
        )) && stderr.contains("raise `module.version`"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    assert_eq!(oras_digest(&oras_bin, &tls, &reference, &[]), digest);
    assert_eq!(registry.blobs(), blobs);

    // The next version is a new tag beside it.
    second.write(
        "tapgen.toml",
        format!("{}\n[api]\nauthorization = \"NONE\"\n", config("1.2.1")).as_bytes(),
    );
    let (stdout, _) = published(publish(&second));
    let next = printed_digest(&stdout, &format!("{}:1.2.1", registry.repository()));
    assert_ne!(next, digest);
    assert_eq!(oras_digest(&oras_bin, &tls, &reference, &[]), digest);

    // A tag that another tool filled with something that is no module package (a zip
    // layer, but not OpenTofu's artifact type) is refused the same way, and stays as it was.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("notes.txt"), "not a module\n").unwrap();
    let foreign = format!("{}:2.0.0", registry.repository());
    oras(
        &oras_bin,
        &tls,
        &["push", &foreign, "notes.txt:archive/zip"],
        other.path(),
    );
    let pushed = oras_digest(&oras_bin, &tls, &foreign, &[]);
    second.write("tapgen.toml", config("2.0.0").as_bytes());
    let output = publish(&second);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("tag `2.0.0`")
            && stderr.contains("which is not an OpenTofu module package"),
        "{stderr}"
    );
    assert_eq!(oras_digest(&oras_bin, &tls, &foreign, &[]), pushed);
}

#[test]
fn publish_oci_to_a_registry_that_asks_for_credentials_reads_them_from_the_docker_config() {
    let (Some(registry), Some(oras_bin)) = (registry_binary(), oras_binary()) else {
        return;
    };
    let tls = Tls::new();
    let secrets = tempfile::tempdir().unwrap();
    let htpasswd = secrets.path().join("htpasswd");
    std::fs::write(
        &htpasswd,
        format!("{USER}:{}\n", bcrypt::hash(PASSWORD, 4).unwrap()),
    )
    .unwrap();
    let registry = Registry::start(&registry, &tls, Some(&htpasswd));
    let host = registry.host();
    let project = Project::with_config(&config("1.2.0"));
    let publish = |docker: &Path, env: &[(&str, &std::ffi::OsStr)]| {
        publish_with(&project, &registry.repository(), &tls.ca(), docker, env)
    };

    // None in the config file: exit 3, saying which file to put them in and how.
    let empty = docker_config(None);
    let output = publish(empty.path(), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!("registry `{host}` asks for credentials"))
            && stderr.contains(&format!(
                "`{}` holds none for `{host}`",
                empty.path().join("config.json").display()
            ))
            && stderr.contains(&format!("oras login {host}")),
        "{stderr}"
    );

    // Wrong ones: exit 3, saying they were refused.
    let wrong = docker_config(Some(&format!(
        r#"{{"auths": {{"{host}": {{"auth": "{}"}}}}}}"#,
        basic(USER, "wrong")
    )));
    let output = publish(wrong.path(), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("refused the credentials"), "{stderr}");
    assert!(registry.blobs().is_empty());

    // `auth` (base64 of USER:PASSWORD), as `docker login` and `oras login` write it.
    let right = docker_config(Some(&format!(
        r#"{{"auths": {{"https://{host}/v1/": {{"auth": "{}"}}}}}}"#,
        basic(USER, PASSWORD)
    )));
    let (stdout, _) = published(publish(right.path(), &[]));
    let reference = format!("{}:1.2.0", registry.repository());
    let digest = printed_digest(&stdout, &reference);
    assert_eq!(
        oras_digest(&oras_bin, &tls, &reference, &["-u", USER, "-p", PASSWORD]),
        digest
    );

    // `username` and `password`: reading the tag needs them too.
    let plain = docker_config(Some(&format!(
        r#"{{"auths": {{"{host}": {{"username": "{USER}", "password": "{PASSWORD}"}}}}}}"#
    )));
    let (_, stderr) = published(publish(plain.path(), &[]));
    assert!(stderr.contains("nothing to do"), "{stderr}");

    // A credential helper (`credsStore`), asked for this registry.
    let helpers = tempfile::tempdir().unwrap();
    let asked = helpers.path().join("asked");
    let script = helpers.path().join("docker-credential-tapgentest");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread -r server\nprintf '%s' \"$server\" > '{}'\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$server\"\n",
            asked.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = docker_config(Some(r#"{"auths": {}, "credsStore": "tapgentest"}"#));
    let path = std::env::join_paths(std::iter::once(helpers.path().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let (_, stderr) = published(publish(store.path(), &[("PATH", path.as_os_str())]));
    assert!(stderr.contains("nothing to do"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&asked).unwrap(), host);
}

#[test]
fn publish_oci_to_a_registry_whose_certificate_is_not_trusted_exits_3_saying_what_to_trust_or_serve()
 {
    let Some(binary) = registry_binary() else {
        return;
    };
    let tls = Tls::new();
    let registry = Registry::start(&binary, &tls, None);
    let project = Project::with_config(&config("1.2.0"));
    let docker = docker_config(None);
    // Another CA than the one that signed the registry's certificate.
    let other = Tls::new();
    let output = publish_with(
        &project,
        &registry.repository(),
        &other.ca(),
        docker.path(),
        &[],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&registry.repository())
            && stderr.contains("TLS certificate is not trusted")
            && stderr.contains("SSL_CERT_FILE"),
        "{stderr}"
    );
    assert!(registry.blobs().is_empty());

    // A self-signed certificate that is its own CA, which Go's TLS takes and rustls does
    // not: the hint says what to serve instead.
    let own = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.subject_alt_names = vec![rcgen::SanType::IpAddress(
        std::net::Ipv4Addr::LOCALHOST.into(),
    )];
    let cert = params.self_signed(&key).unwrap();
    std::fs::write(own.path().join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(own.path().join("key.pem"), key.serialize_pem()).unwrap();
    let registry = Registry::start_with(
        &binary,
        &own.path().join("cert.pem"),
        &own.path().join("key.pem"),
        None,
    );
    let output = publish_with(
        &project,
        &registry.repository(),
        &own.path().join("cert.pem"),
        docker.path(),
        &[],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("serves a CA certificate as its own"),
        "{stderr}"
    );
}

#[test]
fn publish_oci_to_a_port_nothing_listens_on_exits_3_naming_the_registry_and_the_cause() {
    let project = Project::with_config(&config("1.2.0"));
    let docker = docker_config(None);
    let tls = Tls::new();
    let port = free_port();
    let output = publish_with(
        &project,
        &format!("127.0.0.1:{port}/{REPO}"),
        &tls.ca(),
        docker.path(),
        &[],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot read the tag `1.2.0` of `127.0.0.1:{port}/{REPO}`: "
        )) && stderr.to_lowercase().contains("connection refused")
            && stderr.contains(&format!("a registry serves HTTPS at `127.0.0.1:{port}`")),
        "{stderr}"
    );
}

#[test]
fn publish_oci_refuses_bad_references_and_bad_local_settings_with_exit_2_writing_nothing() {
    let project = Project::with_config(&config("1.2.0"));
    let before = project.snapshot();
    let docker = docker_config(None);
    let tls = Tls::new();
    for (reference, expected) in [
        ("acme/serverless-api", "`acme` is not a registry host"),
        ("serverless-api", "it names no repository"),
        (
            "127.0.0.1:5000/Acme/serverless-api",
            "repository names are lowercase: `127.0.0.1:5000/acme/serverless-api`",
        ),
        (
            "127.0.0.1:5000/acme/serverless-api:1.2.0",
            "the tag is the module's version",
        ),
        (
            "oci://127.0.0.1:5000/acme/serverless-api",
            "without a scheme: `127.0.0.1:5000/acme/serverless-api`",
        ),
        ("127.0.0.1:0/acme", "`0` is not a port"),
    ] {
        let output = publish_with(&project, reference, &tls.ca(), docker.path(), &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{reference}: {stderr}");
        assert!(
            stderr.contains(&format!("`--oci {reference}` is not an OCI repository"))
                && stderr.contains(expected),
            "{reference}: {stderr}"
        );
    }

    // Neither target, or git's options with --oci.
    let output = project
        .tapgen()
        .args(["module", "publish"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`--git REPO`") && stderr.contains("`--oci HOST:PORT/REPO`"),
        "{stderr}"
    );
    let output = project
        .tapgen()
        .args([
            "module",
            "publish",
            "--oci",
            "127.0.0.1:5000/a",
            "--path",
            "x",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));

    // A config file that is not JSON, and an SSL_CERT_FILE without a certificate: exit 2
    // naming the file, before any connection (nothing listens on the port).
    let reference = format!("127.0.0.1:{}/{REPO}", free_port());
    let broken = docker_config(Some("{\"auths\": {\n  \"x\": }\n"));
    let output = publish_with(&project, &reference, &tls.ca(), broken.path(), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let file = broken.path().join("config.json");
    assert!(
        stderr.contains(&format!(
            "`{}` is not a usable Docker config file",
            file.display()
        )) && stderr.contains(&format!("{}:2:8", file.display())),
        "{stderr}"
    );
    let output = publish_with(
        &project,
        &reference,
        &project.path().join("tapgen.toml"),
        docker.path(),
        &[],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("holds no PEM certificate"), "{stderr}");

    assert_eq!(project.snapshot(), before);
}
