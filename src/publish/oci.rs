//! `tapgen module publish --oci`: the module pushed to an OCI registry as an OpenTofu module
//! package, which roots install with `source = "oci://HOST/REPO?tag=VERSION"`.
//!
//! The artifact is what OpenTofu documents: an OCI image manifest whose `artifactType` is
//! `application/vnd.opentofu.modulepkg`, with the OCI 1.1 empty config (`{}`) and exactly one
//! layer of media type `archive/zip`: a zip of the module's files at its root, the same files
//! as `module package`'s archive. The zip is [`crate::package::Zip`]'s, so the same module
//! gives the same layer, and the manifest carries no date, so it has one digest too.
//!
//! A version never changes: the tag is read first, and an existing one holding another layer
//! is refused before anything is uploaded; holding the same layer, it is left as it is.

use crate::error::Error;
use crate::publish::package::Coordinates;
use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::{OciDescriptor, OciImageManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `artifactType` OpenTofu requires of a module package's manifest.
pub(crate) const ARTIFACT_TYPE: &str = "application/vnd.opentofu.modulepkg";
/// The media type of the one layer OpenTofu reads.
pub(crate) const LAYER_MEDIA_TYPE: &str = "archive/zip";
/// The OCI 1.1 empty descriptor: an artifact with no config of its own.
const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
const CONFIG: &[u8] = b"{}";
const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The annotation ORAS names a pulled layer's file by.
const TITLE: &str = "org.opencontainers.image.title";
/// Most clients refuse a longer `HOST/REPO` (the OCI distribution spec's note on names).
const MAX_NAME_LEN: usize = 255;

/// Where `--oci` pushes: a registry (`HOST` or `HOST:PORT`) and a repository inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub registry: String,
    pub repository: String,
}

impl Target {
    /// Reads `HOST[:PORT]/REPO`, refusing (exit 2) anything a registry would not take as one,
    /// with what to write instead.
    pub(crate) fn parse(text: &str) -> Result<Self, Error> {
        let refuse = |problem: String, help: String| {
            Error::usage(
                format!(
                    "`--oci {}` is not an OCI repository: {problem}",
                    crate::error::shown(text)
                ),
                Some(help),
            )
        };
        const SHAPE: &str =
            "write `HOST:PORT/REPOSITORY`, such as `registry.example.com:5000/acme/serverless-api`";
        // Checked first, so that every later message can quote parts of the value as they are.
        if let Some(bad) = text.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(refuse(
                format!("it holds {}", crate::error::quoted(&bad.to_string())),
                "a repository is ASCII letters, digits and `.`, `_`, `-`, `/`, `:` only".to_owned(),
            ));
        }
        if text.len() > MAX_NAME_LEN {
            return Err(refuse(
                format!("it is {} characters long", text.len()),
                format!("registries take at most {MAX_NAME_LEN} characters of `HOST/REPOSITORY`"),
            ));
        }
        if let Some((scheme, rest)) = text.split_once("://") {
            return Err(refuse(
                format!("it starts with `{scheme}://`"),
                format!(
                    "give the repository without a scheme: `{rest}` (tapgen always uses HTTPS)"
                ),
            ));
        }
        let Some((registry, repository)) = text.split_once('/') else {
            return Err(refuse(
                "it names no repository".to_owned(),
                SHAPE.to_owned(),
            ));
        };
        if let Some(problem) = host_problem(registry) {
            return Err(refuse(problem, SHAPE.to_owned()));
        }
        if let Some(at) = repository.find('@') {
            return Err(refuse(
                format!("it gives a digest (`{}`)", &repository[at..]),
                format!(
                    "give the repository alone, `{registry}/{}`: the manifest is tapgen's to make",
                    &repository[..at]
                ),
            ));
        }
        if let Some(colon) = repository.rfind(':') {
            return Err(refuse(
                format!("it gives a tag (`{}`)", &repository[colon..]),
                format!(
                    "give the repository alone, `{registry}/{}`: the tag is the module's version (`module.version` in tapgen.toml)",
                    &repository[..colon]
                ),
            ));
        }
        for component in repository.split('/') {
            if !is_path_component(component) {
                let lower = component.to_ascii_lowercase();
                let help = if lower != component && is_path_component(&lower) {
                    format!(
                        "repository names are lowercase: `{registry}/{}`",
                        repository.to_ascii_lowercase()
                    )
                } else {
                    "each part of a repository is lowercase letters and digits, joined by single `.` or `_`, by `__`, or by hyphens".to_owned()
                };
                let problem = if component.is_empty() {
                    "its repository has an empty part".to_owned()
                } else {
                    format!(
                        "`{}` is not a repository name part",
                        crate::error::shown(component)
                    )
                };
                return Err(refuse(problem, help));
            }
        }
        Ok(Self {
            registry: registry.to_owned(),
            repository: repository.to_owned(),
        })
    }

    /// `HOST/REPO:TAG`, as `oras` and `docker` name it.
    pub(crate) fn reference(&self, tag: &str) -> String {
        format!("{}/{}:{tag}", self.registry, self.repository)
    }

    /// The module source a root writes to install `tag`.
    pub(crate) fn source(&self, tag: &str) -> String {
        format!("oci://{}/{}?tag={tag}", self.registry, self.repository)
    }
}

/// Why `registry` is not `HOST` or `HOST:PORT`, if it is not. A host is a domain name with a
/// dot, an IPv4 address, `[IPv6]` or `localhost`, as container tools tell a registry from the
/// first part of a repository.
fn host_problem(registry: &str) -> Option<String> {
    let (host, port) = match registry.strip_prefix('[') {
        Some(_) => match registry.split_once(']') {
            Some((v6, rest)) => match rest.strip_prefix(':') {
                Some(port) => (&registry[..v6.len() + 1], Some(port)),
                None if rest.is_empty() => (registry, None),
                None => return Some(format!("`{}` is not a host", crate::error::shown(registry))),
            },
            None => return Some(format!("`{}` is not a host", crate::error::shown(registry))),
        },
        None => match registry.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (registry, None),
        },
    };
    if let Some(port) = port
        && !port.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return Some(format!("`{}` is not a port", crate::error::shown(port)));
    }
    if host.is_empty() {
        return Some("it names no registry host".to_owned());
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return match inner.parse::<std::net::Ipv6Addr>() {
            Ok(_) => None,
            Err(_) => Some(format!(
                "`{}` is not an IPv6 address",
                crate::error::shown(host)
            )),
        };
    }
    let is_label = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !host.split('.').all(is_label) {
        return Some(format!(
            "`{}` is not a host name",
            crate::error::shown(host)
        ));
    }
    if !host.contains('.') && host != "localhost" && port.is_none() {
        return Some(format!(
            "`{}` is not a registry host (a host has a dot or a port, or is `localhost`)",
            crate::error::shown(host)
        ));
    }
    None
}

/// One part of a repository name: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn is_path_component(part: &str) -> bool {
    let bytes = part.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let separator = &part[start..i];
        let hyphens = separator.bytes().all(|b| b == b'-');
        if !(matches!(separator, "." | "_" | "__") || hyphens) {
            return false;
        }
    }
    true
}

/// The tag of a module version: the version itself, with SemVer's `+` (which tags cannot
/// hold) written `_`, as Helm does for its OCI charts.
pub(crate) fn tag_of(version: &str) -> Result<String, Error> {
    let tag = version.replace('+', "_");
    let valid = tag.len() <= 128
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(tag)
    } else {
        Err(Error::usage(
            format!(
                "module version `{}` cannot be an OCI tag (at most 128 letters, digits, `.`, `_` and `-`)",
                crate::error::shown(version)
            ),
            Some("shorten `module.version` in tapgen.toml".to_owned()),
        ))
    }
}

/// The artifact of one release: the zip layer and the manifest that names it.
pub(crate) struct Artifact {
    pub zip: Vec<u8>,
    pub layer_digest: String,
    /// The manifest as pushed, and its digest (what a root may pin with `?digest=`).
    pub manifest: Vec<u8>,
    pub manifest_digest: String,
    pub files: usize,
}

fn digest(bytes: &[u8]) -> String {
    format!(
        "sha256:{}",
        crate::publish::package::hex(&Sha256::digest(bytes))
    )
}

/// Builds the artifact of `files` (paths inside the module, from
/// [`crate::publish::package::module_files`]).
pub(crate) fn artifact(
    coordinates: &Coordinates,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<Artifact, Error> {
    let name = coordinates.file_name().replace(".tar.gz", ".zip");
    let zip_error = |e: zip::result::ZipError| Error::io("build", &name, std::io::Error::other(e));
    let mut zip = crate::package::Zip::new();
    for (path, bytes) in files {
        zip.add(path, false, bytes).map_err(zip_error)?;
    }
    let zip = zip.finish().map_err(zip_error)?;
    let layer_digest = digest(&zip);
    let size = |bytes: &[u8]| i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let manifest = OciImageManifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.to_owned()),
        config: OciDescriptor {
            media_type: CONFIG_MEDIA_TYPE.to_owned(),
            digest: digest(CONFIG),
            size: size(CONFIG),
            ..Default::default()
        },
        layers: vec![OciDescriptor {
            media_type: LAYER_MEDIA_TYPE.to_owned(),
            digest: layer_digest.clone(),
            size: size(&zip),
            annotations: Some(BTreeMap::from([(TITLE.to_owned(), name.clone())])),
            ..Default::default()
        }],
        subject: None,
        artifact_type: Some(ARTIFACT_TYPE.to_owned()),
        annotations: None,
    };
    let manifest = serde_json::to_vec(&manifest)
        .map_err(|e| Error::io("build the manifest of", &name, std::io::Error::other(e)))?;
    Ok(Artifact {
        manifest_digest: digest(&manifest),
        manifest,
        layer_digest,
        zip,
        files: files.len(),
    })
}

/// What [`publish`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The tag now names the artifact, whose manifest has this digest.
    Pushed { digest: String },
    /// The tag already named a module package with this layer: nothing was uploaded.
    Unchanged { digest: String },
}

/// Where credentials for a registry were looked for, and what was found.
struct Credentials {
    auth: RegistryAuth,
    /// The Docker/ORAS config file that was read (or would have been).
    file: PathBuf,
}

/// Pushes `artifact` to `target` under `tag`, unless the tag is there already.
pub(crate) fn publish(target: &Target, tag: &str, artifact: &Artifact) -> Result<Outcome, Error> {
    let credentials = credentials(&target.registry)?;
    let roots = extra_roots()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("start", "the network runtime", e))?;
    runtime.block_on(push(target, tag, artifact, &credentials, roots))
}

async fn push(
    target: &Target,
    tag: &str,
    artifact: &Artifact,
    credentials: &Credentials,
    roots: Vec<Certificate>,
) -> Result<Outcome, Error> {
    // One process-wide provider for rustls, the one `registry serve` uses; already
    // installed is fine.
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let client = Client::try_from(ClientConfig {
        protocol: ClientProtocol::Https,
        extra_root_certificates: roots,
        connect_timeout: Some(std::time::Duration::from_secs(30)),
        read_timeout: Some(std::time::Duration::from_secs(120)),
        user_agent: concat!("tapgen/", env!("CARGO_PKG_VERSION")),
        ..Default::default()
    })
    .map_err(|e| Error::Remote {
        message: format!("cannot set up an HTTPS client: {}", chain(&e)),
        help: None,
    })?;
    let reference = Reference::with_tag(
        target.registry.clone(),
        target.repository.clone(),
        tag.to_owned(),
    );
    let read = format!(
        "read the tag `{tag}` of `{}/{}`",
        target.registry, target.repository
    );
    let write = format!("push to `{}/{}`", target.registry, target.repository);
    let fail = |what: &str, e: OciDistributionError| remote_error(target, credentials, what, e);

    const ACCEPTED: &[&str] = &[
        MANIFEST_MEDIA_TYPE,
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ];
    match client
        .pull_manifest_raw(&reference, &credentials.auth, ACCEPTED)
        .await
    {
        Ok((existing, existing_digest)) => {
            return match packaged_layer(&existing) {
                Some(layer) if layer == artifact.layer_digest => Ok(Outcome::Unchanged {
                    digest: existing_digest,
                }),
                found => Err(Error::usage(
                    format!(
                        "tag `{tag}` of `{}/{}` already holds other content (manifest {existing_digest}, {}); the module now packages to the layer {}",
                        target.registry,
                        target.repository,
                        match found {
                            Some(layer) => format!("whose `{LAYER_MEDIA_TYPE}` layer is {layer}"),
                            None => "which is not an OpenTofu module package".to_owned(),
                        },
                        artifact.layer_digest
                    ),
                    Some("a released version never changes: raise `module.version` in tapgen.toml, such as to the next patch version".to_owned()),
                )),
            };
        }
        Err(e) if is_not_found(&e) => {}
        Err(e) => return Err(fail(&read, e)),
    }

    client
        .push_blob(&reference, artifact.zip.clone(), &artifact.layer_digest)
        .await
        .map_err(|e| fail(&write, e))?;
    client
        .push_blob(&reference, CONFIG, &digest(CONFIG))
        .await
        .map_err(|e| fail(&write, e))?;
    let content_type = http::HeaderValue::from_static(MANIFEST_MEDIA_TYPE);
    client
        .push_manifest_raw(&reference, artifact.manifest.clone(), content_type)
        .await
        .map_err(|e| fail(&write, e))?;
    Ok(Outcome::Pushed {
        digest: artifact.manifest_digest.clone(),
    })
}

/// The digest of the one `archive/zip` layer of an OpenTofu module package manifest, or
/// None for anything else.
fn packaged_layer(manifest: &[u8]) -> Option<String> {
    let manifest: serde_json::Value = serde_json::from_slice(manifest).ok()?;
    if manifest["artifactType"] != ARTIFACT_TYPE {
        return None;
    }
    let layers = manifest["layers"].as_array()?;
    let mut zips = layers.iter().filter(|l| l["mediaType"] == LAYER_MEDIA_TYPE);
    match (zips.next(), zips.next()) {
        (Some(layer), None) => layer["digest"].as_str().map(str::to_owned),
        _ => None,
    }
}

/// A 404 for the tag: nothing is published under it yet (the repository itself may be new).
fn is_not_found(error: &OciDistributionError) -> bool {
    match error {
        OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| {
            matches!(
                e.code,
                OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown
            )
        }),
        OciDistributionError::ServerError { code, .. } => *code == 404,
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        _ => false,
    }
}

fn is_unauthorized(error: &OciDistributionError) -> bool {
    match error {
        OciDistributionError::UnauthorizedError { .. }
        | OciDistributionError::AuthenticationFailure(_) => true,
        OciDistributionError::RegistryError { envelope, .. } => envelope
            .errors
            .iter()
            .any(|e| matches!(e.code, OciErrorCode::Unauthorized)),
        OciDistributionError::ServerError { code, .. } => *code == 401,
        _ => false,
    }
}

fn is_denied(error: &OciDistributionError) -> bool {
    match error {
        OciDistributionError::RegistryError { envelope, .. } => envelope
            .errors
            .iter()
            .any(|e| matches!(e.code, OciErrorCode::Denied)),
        OciDistributionError::ServerError { code, .. } => *code == 403,
        _ => false,
    }
}

/// An error and every cause under it, as one line.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(error) = next {
        let text = error.to_string();
        // Wrappers often repeat their cause's text: show each once.
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text.clone());
        }
        next = error.source().or_else(|| {
            // `io::Error::source` skips the error it wraps: look at that one too.
            error
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .map(|inner| inner as &(dyn std::error::Error + 'static))
                .filter(|inner| inner.to_string() != text)
        });
    }
    parts.join(": ")
}

/// Whether a certificate the server sent was not trusted, somewhere in `error`'s causes.
fn is_certificate_problem(error: &(dyn std::error::Error + 'static)) -> bool {
    use tokio_rustls::rustls;
    let mut next = Some(error);
    while let Some(error) = next {
        let inner = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static));
        for candidate in [Some(error), inner].into_iter().flatten() {
            if let Some(
                rustls::Error::InvalidCertificate(_) | rustls::Error::InvalidCertRevocationList(_),
            ) = candidate.downcast_ref::<rustls::Error>()
            {
                return true;
            }
        }
        next = error.source().or(inner);
    }
    false
}

/// A failure to talk to the registry (exit 3), saying what to check.
fn remote_error(
    target: &Target,
    credentials: &Credentials,
    what: &str,
    error: OciDistributionError,
) -> Error {
    let registry = &target.registry;
    let file = credentials.file.display();
    if is_unauthorized(&error) {
        return match credentials.auth {
            RegistryAuth::Anonymous => Error::Remote {
                message: format!(
                    "registry `{registry}` asks for credentials to {what} (401 Unauthorized), and `{file}` holds none for `{registry}`"
                ),
                help: Some(format!(
                    "log in with `oras login {registry}` or `docker login {registry}`, which store them there, or add `{{\"auths\": {{\"{registry}\": {{\"auth\": \"BASE64 OF USER:PASSWORD\"}}}}}}` to `{file}` (`DOCKER_CONFIG` names another folder for it)"
                )),
            },
            _ => Error::Remote {
                message: format!(
                    "registry `{registry}` refused the credentials for `{registry}` in `{file}` to {what} (401 Unauthorized)"
                ),
                help: Some(format!(
                    "check the user name and password: log in again with `oras login {registry}`"
                )),
            },
        };
    }
    if is_denied(&error) {
        return Error::Remote {
            message: format!(
                "registry `{registry}` denied the request to {what} (403 Forbidden): {}",
                chain(&error)
            ),
            help: Some(format!(
                "the credentials for `{registry}` in `{file}` need permission to push to `{}`",
                target.repository
            )),
        };
    }
    if let OciDistributionError::RequestError(request) = &error {
        let cause = chain(request);
        if is_certificate_problem(request) {
            // webpki's name for a self-signed certificate that is its own CA, which Go's
            // TLS (OpenTofu's) accepts and rustls does not.
            let help = if cause.contains("CaUsedAsEndEntity") {
                "the registry serves a CA certificate as its own: give it a certificate that a CA signed (the CA in `SSL_CERT_FILE`)"
            } else {
                "for a registry whose certificate a private CA signed, set `SSL_CERT_FILE` to a PEM file holding that CA (OpenTofu reads it too)"
            };
            return Error::Remote {
                message: format!(
                    "cannot {what}: the registry's TLS certificate is not trusted: {cause}"
                ),
                help: Some(help.to_owned()),
            };
        }
        return Error::Remote {
            message: format!("cannot {what}: {cause}"),
            help: Some(format!(
                "check that a registry serves HTTPS at `{registry}` (host and port) and can be reached from here"
            )),
        };
    }
    Error::Remote {
        message: format!("registry `{registry}` failed to {what}: {}", chain(&error)),
        help: None,
    }
}

/// The roots in `SSL_CERT_FILE`, trusted besides the system's, as OpenTofu trusts them.
/// rustls-platform-verifier reads the variable too (through rustls-native-certs); reading it
/// here as well makes a file that is missing or holds no certificate an error that names it,
/// rather than a TLS failure later, and keeps trust from hanging on that crate's choice.
fn extra_roots() -> Result<Vec<Certificate>, Error> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject as _;
    let Some(path) = std::env::var_os("SSL_CERT_FILE").filter(|p| !p.is_empty()) else {
        return Ok(Vec::new());
    };
    let path = PathBuf::from(path);
    let bytes = std::fs::read(&path).map_err(|e| Error::io("read SSL_CERT_FILE", &path, e))?;
    let mut roots = Vec::new();
    for cert in CertificateDer::pem_slice_iter(&bytes) {
        let cert = cert.map_err(|e| {
            Error::usage(
                format!(
                    "`SSL_CERT_FILE` `{}` is not a PEM file: {e}",
                    path.display()
                ),
                Some("point it at a file of `-----BEGIN CERTIFICATE-----` blocks".to_owned()),
            )
        })?;
        roots.push(Certificate {
            encoding: CertificateEncoding::Der,
            data: cert.to_vec(),
        });
    }
    if roots.is_empty() {
        return Err(Error::usage(
            format!(
                "`SSL_CERT_FILE` `{}` holds no PEM certificate",
                path.display()
            ),
            Some("point it at a file of `-----BEGIN CERTIFICATE-----` blocks".to_owned()),
        ));
    }
    Ok(roots)
}

/// The Docker/ORAS config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
fn config_file() -> PathBuf {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Path::new(&dir).join("config.json");
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(home) => Path::new(&home).join(".docker/config.json"),
        None => PathBuf::from("~/.docker/config.json"),
    }
}

/// The credentials the config file gives for `registry`: an `auths` entry (`auth`, the
/// base64 of `USER:PASSWORD`, or `username` and `password`), else a credential helper
/// (`credHelpers`, then `credsStore`), else none.
fn credentials(registry: &str) -> Result<Credentials, Error> {
    let file = config_file();
    let anonymous = |file: PathBuf| Credentials {
        auth: RegistryAuth::Anonymous,
        file,
    };
    let text = match std::fs::read(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(anonymous(file)),
        Err(e) => return Err(Error::io("read", &file, e)),
    };
    let bad = |problem: String| {
        Error::usage(
            format!(
                "`{}` is not a usable Docker config file: {problem}",
                file.display()
            ),
            Some(
                "fix it, or log in again with `oras login HOST` or `docker login HOST`".to_owned(),
            ),
        )
    };
    let config: serde_json::Value = serde_json::from_slice(&text).map_err(|e| {
        bad(format!(
            "{e} (at {}:{}:{})",
            file.display(),
            e.line(),
            e.column()
        ))
    })?;
    let entry = config["auths"].as_object().and_then(|auths| {
        auths
            .iter()
            .find(|(key, _)| auth_key_host(key) == registry)
            .map(|(_, entry)| entry)
    });
    if let Some(entry) = entry {
        if let Some(auth) = entry["auth"].as_str().filter(|a| !a.is_empty()) {
            use base64::Engine as _;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            let Some((user, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
                return Err(bad(format!(
                    "`auths.\"{registry}\".auth` is not the base64 of `USER:PASSWORD`"
                )));
            };
            return Ok(Credentials {
                auth: RegistryAuth::Basic(user.to_owned(), password.to_owned()),
                file,
            });
        }
        if let (Some(user), Some(password)) =
            (entry["username"].as_str(), entry["password"].as_str())
        {
            return Ok(Credentials {
                auth: RegistryAuth::Basic(user.to_owned(), password.to_owned()),
                file,
            });
        }
    }
    let helper = config["credHelpers"][registry]
        .as_str()
        .or_else(|| config["credsStore"].as_str())
        .filter(|h| !h.is_empty());
    match helper {
        Some(helper) => Ok(Credentials {
            auth: from_helper(helper, registry, &file)?,
            file,
        }),
        None => Ok(anonymous(file)),
    }
}

/// `https://HOST:PORT/v1/` or `HOST:PORT` as an `auths` key names it: the `HOST:PORT`.
fn auth_key_host(key: &str) -> &str {
    let rest = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    rest.split('/').next().unwrap_or(rest)
}

/// Asks `docker-credential-HELPER get` for `registry`'s credentials; none is anonymous.
fn from_helper(helper: &str, registry: &str, file: &Path) -> Result<RegistryAuth, Error> {
    use std::io::Write as _;
    let program = format!("docker-credential-{helper}");
    let failed = |detail: String| Error::Tool {
        message: format!(
            "`{program} get`, the credential helper `{}` names for `{registry}`, failed: {detail}",
            file.display()
        ),
        output: String::new(),
        help: Some(format!(
            "install `{program}` on PATH, or remove it from `{}` and put the credentials in `auths`",
            file.display()
        )),
    };
    let mut child = std::process::Command::new(&program)
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| failed(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(registry.as_bytes())
            .map_err(|e| failed(e.to_string()))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| failed(e.to_string()))?;
    if !output.status.success() {
        let said = [&output.stdout, &output.stderr]
            .map(|bytes| String::from_utf8_lossy(bytes).trim().to_owned())
            .into_iter()
            .filter(|text| !text.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        // The helper's protocol: this message means it holds nothing for the registry.
        if said.contains("credentials not found") {
            return Ok(RegistryAuth::Anonymous);
        }
        return Err(failed(said));
    }
    let reply: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| failed(e.to_string()))?;
    match (reply["Username"].as_str(), reply["Secret"].as_str()) {
        (Some(user), Some(secret)) if !secret.is_empty() => {
            Ok(RegistryAuth::Basic(user.to_owned(), secret.to_owned()))
        }
        _ => Ok(RegistryAuth::Anonymous),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_host_and_repository() {
        for (text, registry, repository) in [
            (
                "127.0.0.1:5000/acme/serverless-api",
                "127.0.0.1:5000",
                "acme/serverless-api",
            ),
            ("registry.example.com/a", "registry.example.com", "a"),
            ("localhost/a.b_c__d--e/f", "localhost", "a.b_c__d--e/f"),
            ("[::1]:5000/x", "[::1]:5000", "x"),
            ("registry:5000/x", "registry:5000", "x"),
        ] {
            let target = Target::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(
                (target.registry.as_str(), target.repository.as_str()),
                (registry, repository)
            );
        }
    }

    #[test]
    fn bad_targets_are_refused_saying_why() {
        for (text, expected) in [
            ("acme/serverless-api", "`acme` is not a registry host"),
            ("serverless-api", "names no repository"),
            ("/acme/x", "names no registry host"),
            (
                "127.0.0.1:5000/Acme/x",
                "repository names are lowercase: `127.0.0.1:5000/acme/x`",
            ),
            ("127.0.0.1:5000/acme/x:1.2.0", "it gives a tag (`:1.2.0`)"),
            ("127.0.0.1:5000/acme/x@sha256:00", "it gives a digest"),
            (
                "oci://127.0.0.1:5000/acme/x",
                "give the repository without a scheme: `127.0.0.1:5000/acme/x`",
            ),
            ("127.0.0.1:99999/x", "`99999` is not a port"),
            ("127.0.0.1:5000/a//b", "empty part"),
            ("127.0.0.1:5000/a-", "`a-` is not a repository name part"),
            (
                "127.0.0.1:5000/a..b",
                "`a..b` is not a repository name part",
            ),
            ("bad_host.com/x", "is not a host name"),
            ("127.0.0.1:5000/a b", "it holds \" \""),
            ("127.0.0.1:5000/a\nb", "it holds \"\\u000A\""),
            ("127.0.0.1:5000/é", "it holds \"\\u00E9\""),
        ] {
            let error = Target::parse(text).expect_err(text).to_string();
            assert!(error.contains(expected), "{text}: {error}");
            assert_eq!(Target::parse(text).unwrap_err().exit_code(), 2);
        }
        let long = format!("127.0.0.1:5000/{}", "a".repeat(300));
        assert!(
            Target::parse(&long)
                .unwrap_err()
                .to_string()
                .contains("characters long")
        );
    }

    #[test]
    fn tags_are_the_version_with_build_metadata_joined_by_underscore() {
        assert_eq!(tag_of("1.2.0").unwrap(), "1.2.0");
        assert_eq!(tag_of("1.3.0-rc.1+build.5").unwrap(), "1.3.0-rc.1_build.5");
        assert!(tag_of(&format!("1.0.0-{}", "a".repeat(130))).is_err());
    }

    #[test]
    fn the_artifact_is_the_same_bytes_for_the_same_files_and_changes_with_them() {
        let coordinates = Coordinates {
            namespace: "acme".into(),
            name: "api".into(),
            system: "aws".into(),
            version: "1.2.0".into(),
        };
        let files = BTreeMap::from([
            ("versions.tf".to_owned(), b"terraform {}\n".to_vec()),
            ("examples/minimal/main.tf".to_owned(), b"# x\n".to_vec()),
        ]);
        let one = artifact(&coordinates, &files).unwrap();
        let two = artifact(&coordinates, &files).unwrap();
        assert_eq!(one.zip, two.zip);
        assert_eq!(one.manifest_digest, two.manifest_digest);
        assert_eq!(
            packaged_layer(&one.manifest),
            Some(one.layer_digest.clone())
        );
        let manifest: serde_json::Value = serde_json::from_slice(&one.manifest).unwrap();
        assert_eq!(manifest["artifactType"], ARTIFACT_TYPE);
        assert_eq!(manifest["config"]["mediaType"], CONFIG_MEDIA_TYPE);
        assert_eq!(
            manifest["layers"][0]["annotations"][TITLE],
            "acme-api-aws-1.2.0.zip"
        );

        let mut changed = files.clone();
        changed.insert("main.tf".to_owned(), b"# new\n".to_vec());
        assert_ne!(
            artifact(&coordinates, &changed).unwrap().layer_digest,
            one.layer_digest
        );
    }

    #[test]
    fn auths_keys_name_their_host_with_or_without_a_scheme() {
        assert_eq!(
            auth_key_host("https://127.0.0.1:5000/v1/"),
            "127.0.0.1:5000"
        );
        assert_eq!(auth_key_host("127.0.0.1:5000"), "127.0.0.1:5000");
    }
}
