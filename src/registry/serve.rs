//! `tapgen registry serve`: a registry folder (see [`super::site`]) over HTTPS.
//!
//! Only the protocol's paths are routes, and each path segment must be a registry name or a
//! SemVer version after percent-decoding, so `..`, `%2e%2e`, `/` inside a segment or an
//! absolute path never reach the file system; the file found is then resolved (symlinks
//! included) and served only if it is still inside the site. Everything else is a 404 with
//! a JSON `errors` body, as the registry protocol answers.
//!
//! Bounds: a cap on open connections (the next one waits in the kernel's backlog), a time
//! limit on the TLS handshake, on reading request headers (which also closes idle
//! keep-alive connections) and on a connection's whole life, and 16 KiB of headers.

use super::site::{ARCHIVE_NAME, DISCOVERY_PATH, DOWNLOAD_LOCATION, MARKER, MODULES_PREFIX};
use crate::error::Error;
use crate::publish::package::is_registry_name;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_rustls::rustls;

/// `tapgen registry serve` options.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub site: PathBuf,
    pub addr: String,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    pub token_file: Option<PathBuf>,
    pub max_connections: usize,
}

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECTION_LIFETIME: Duration = Duration::from_secs(120);
/// How long open connections get to finish after SIGTERM or Ctrl-C.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// How long the archive URL that a download answer hands out stays valid.
const GRANT_LIFETIME: Duration = Duration::from_secs(300);

struct Context {
    /// Canonical: every file served must resolve below it.
    site: PathBuf,
    /// SHA-256 of the bearer token, compared digest to digest so that the comparison's
    /// time says nothing about the token. Also the key of archive grants.
    token_digest: Option<[u8; 32]>,
}

/// Serves until SIGTERM or Ctrl-C, then lets open requests finish.
pub(crate) fn serve(options: &Options) -> Result<(), Error> {
    let context = Arc::new(Context {
        site: site(&options.site)?,
        token_digest: options.token_file.as_deref().map(token).transpose()?,
    });
    let tls = Arc::new(tls_config(&options.tls_cert, &options.tls_key)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Error::io("start", "the server's runtime", e))?;
    runtime.block_on(run(options, context, tls))
}

fn site(path: &Path) -> Result<PathBuf, Error> {
    let site = std::fs::canonicalize(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::usage(
                format!("registry folder `{}` does not exist", path.display()),
                Some("make one with `tapgen registry add SITE ARCHIVE...`".to_owned()),
            )
        } else {
            Error::io("open", path, e)
        }
    })?;
    if !site.join(MARKER).is_file() {
        return Err(Error::usage(
            format!(
                "`{}` is not a registry folder made by tapgen (it has no `{MARKER}`)",
                path.display()
            ),
            Some("make one with `tapgen registry add SITE ARCHIVE...`".to_owned()),
        ));
    }
    Ok(site)
}

fn token(path: &Path) -> Result<[u8; 32], Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("read token file", path, e))?;
    let token = text.trim();
    if token.is_empty() || token.contains(char::is_whitespace) {
        return Err(Error::usage(
            format!(
                "token file `{}` must hold one token: no spaces, not empty",
                path.display()
            ),
            Some(
                "write the token alone on one line, such as `openssl rand -hex 32 > token`"
                    .to_owned(),
            ),
        ));
    }
    Ok(Sha256::digest(token.as_bytes()).into())
}

fn tls_config(cert: &Path, key: &Path) -> Result<rustls::ServerConfig, Error> {
    let bad_pem = |path: &Path, what: &str, e: rustls_pki_types::pem::Error| match e {
        rustls_pki_types::pem::Error::Io(e) => Error::io("read", path, e),
        other => Error::usage(
            format!("`{}` holds no usable PEM {what}: {other}", path.display()),
            Some(
                "pass the PEM certificate chain to `--tls-cert` and its private key to `--tls-key`"
                    .to_owned(),
            ),
        ),
    };
    let certs = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad_pem(cert, "certificate", e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad_pem(cert, "certificate", e))?;
    if certs.is_empty() {
        return Err(bad_pem(
            cert,
            "certificate",
            rustls_pki_types::pem::Error::NoItemsFound,
        ));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| bad_pem(key, "private key", e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder
                .with_no_client_auth()
                .with_single_cert(certs, key_der)
        })
        .map_err(|e| {
            Error::usage(
                format!(
                    "certificate `{}` and key `{}` cannot be used together: {e}",
                    cert.display(),
                    key.display()
                ),
                Some("pass the key that belongs to the certificate".to_owned()),
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

async fn run(
    options: &Options,
    context: Arc<Context>,
    tls: Arc<rustls::ServerConfig>,
) -> Result<(), Error> {
    let listener = tokio::net::TcpListener::bind(&options.addr)
        .await
        .map_err(|e| Error::io("listen on", &options.addr, e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::io("listen on", &options.addr, e))?;
    // Tests and scripts read the port from this line when they asked for port 0.
    crate::ui::line(&format!(
        "serving `{}` on https://{local}/ (Ctrl-C or SIGTERM stops)",
        context.site.display()
    ))?;
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let connections = Arc::new(tokio::sync::Semaphore::new(options.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown_signal());
    loop {
        // A permit first: at the cap, new connections wait in the backlog instead of
        // costing a task and a handshake each.
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: pause instead of spinning.
                    log(&format!("accept failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let acceptor = acceptor.clone();
        let context = context.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _permit = permit;
            let _ = stream.set_nodelay(true);
            let Ok(Ok(tls)) =
                tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
            else {
                return;
            };
            let service = hyper::service::service_fn(move |request| {
                let context = context.clone();
                async move { Ok::<_, std::convert::Infallible>(handle(&context, peer, &request)) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_HEADER_BYTES)
                .serve_connection(TokioIo::new(tls), service);
            let _ = tokio::time::timeout(CONNECTION_LIFETIME, watcher.watch(connection)).await;
        });
    }
    drop(listener);
    log("stopping: letting open connections finish");
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(DRAIN_TIMEOUT) => {
            log(&format!("stopped with connections still open after {DRAIN_TIMEOUT:?}"));
        },
    }
    Ok(())
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminated = async {
        match term.as_mut() {
            Some(term) => {
                term.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        () = terminated => {},
    }
}

type Answer = Response<Full<Bytes>>;

/// Answers one request and logs it: one line on stderr.
fn handle(context: &Context, peer: std::net::SocketAddr, request: &Request<Incoming>) -> Answer {
    let started = Instant::now();
    let answer = route(context, request);
    let size = hyper::body::Body::size_hint(answer.body())
        .exact()
        .unwrap_or_default();
    log(&format!(
        "{peer} \"{} {} {:?}\" {} {size} {:.1}ms",
        request.method(),
        request.uri().path(),
        request.version(),
        answer.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    ));
    answer
}

/// The request log is best effort: a server keeps answering when its log cannot be written.
fn log(text: &str) {
    let _ = crate::ui::line(text);
}

fn route(context: &Context, request: &Request<Incoming>) -> Answer {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let mut answer = errors(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!("method {} is not served here", request.method()),
        );
        answer
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return answer;
    }
    let path = request.uri().path();
    if path == format!("/{DISCOVERY_PATH}") {
        return file(context, DISCOVERY_PATH, "application/json")
            .unwrap_or_else(|| not_found("no discovery document"));
    }
    let Some(rest) = path.strip_prefix(&format!("/{MODULES_PREFIX}/")) else {
        return not_found(&format!("no such path: {path}"));
    };
    if !authorized(context, request) && !granted(context, request) {
        let mut answer = errors(
            StatusCode::UNAUTHORIZED,
            "this registry needs a token: set TF_TOKEN_<host> or a `credentials` block",
        );
        answer
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return answer;
    }
    let Some(segments) = segments(rest) else {
        return not_found(&format!("no such path: {path}"));
    };
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match segments.as_slice() {
        [namespace, name, system, "versions"]
            if [namespace, name, system]
                .iter()
                .all(|s| is_registry_name(s)) =>
        {
            let module = format!("{MODULES_PREFIX}/{namespace}/{name}/{system}");
            file(context, &format!("{module}/versions"), "application/json").unwrap_or_else(|| {
                not_found(&format!(
                    "module {namespace}/{name}/{system} is not in this registry"
                ))
            })
        }
        [
            namespace,
            name,
            system,
            version,
            last @ ("download" | ARCHIVE_NAME),
        ] if [namespace, name, system]
            .iter()
            .all(|s| is_registry_name(s))
            && is_version(version) =>
        {
            let dir = format!("{MODULES_PREFIX}/{namespace}/{name}/{system}/{version}");
            let missing = || {
                not_found(&format!(
                    "module {namespace}/{name}/{system} has no version {version} in this registry"
                ))
            };
            if *last == ARCHIVE_NAME {
                return file(
                    context,
                    &format!("{dir}/{ARCHIVE_NAME}"),
                    "application/gzip",
                )
                .unwrap_or_else(missing);
            }
            if resolve(context, &format!("{dir}/{ARCHIVE_NAME}")).is_none() {
                return missing();
            }
            // The protocol's answer; both Terraform and OpenTofu follow the header.
            let location = match &context.token_digest {
                // Neither tool sends the token for the archive itself (measured: 401 on
                // it), so the answer carries a short-lived grant for that one archive,
                // as registries hand out pre-signed URLs.
                Some(key) => {
                    let expires = unix_now() + GRANT_LIFETIME.as_secs();
                    let archive = format!("/{dir}/{ARCHIVE_NAME}");
                    format!(
                        "{DOWNLOAD_LOCATION}?expires={expires}&grant={}",
                        grant(key, &archive, expires)
                    )
                }
                None => DOWNLOAD_LOCATION.to_owned(),
            };
            let mut answer = Response::new(Full::new(Bytes::new()));
            *answer.status_mut() = StatusCode::NO_CONTENT;
            if let Ok(value) = HeaderValue::from_str(&location) {
                answer.headers_mut().insert("x-terraform-get", value);
            }
            answer
        }
        _ => not_found(&format!("no such path: {path}")),
    }
}

/// The path's segments, percent-decoded; `None` for an empty segment or one that does not
/// decode to UTF-8.
fn segments(rest: &str) -> Option<Vec<String>> {
    rest.split('/')
        .map(|segment| {
            let decoded = percent_encoding::percent_decode_str(segment)
                .decode_utf8()
                .ok()?;
            (!decoded.is_empty()).then(|| decoded.into_owned())
        })
        .collect()
}

fn is_version(text: &str) -> bool {
    semver::Version::parse(text).is_ok_and(|v| v.to_string() == text)
}

fn authorized(context: &Context, request: &Request<Incoming>) -> bool {
    let Some(expected) = &context.token_digest else {
        return true;
    };
    let Some(given) = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let given: [u8; 32] = Sha256::digest(given.trim().as_bytes()).into();
    // Equal-length digests, every byte compared.
    given
        .iter()
        .zip(expected.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// HMAC-SHA256 of the archive's path and expiry, keyed by the token's digest, in hex.
fn grant(key: &[u8; 32], archive: &str, expires: u64) -> String {
    use hmac::{KeyInit as _, Mac as _};
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(format!("{archive}\n{expires}").as_bytes());
    crate::publish::package::hex(&mac.finalize().into_bytes())
}

/// A request for an archive with an unexpired grant for exactly its path.
fn granted(context: &Context, request: &Request<Incoming>) -> bool {
    let (Some(key), Some(query)) = (&context.token_digest, request.uri().query()) else {
        return false;
    };
    let path = request.uri().path();
    if !path.ends_with(&format!("/{ARCHIVE_NAME}")) {
        return false;
    }
    let mut expires = None;
    let mut given = None;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("expires", value)) => expires = value.parse::<u64>().ok(),
            Some(("grant", value)) => given = Some(value),
            _ => {}
        }
    }
    let (Some(expires), Some(given)) = (expires, given) else {
        return false;
    };
    let expected = grant(key, path, expires);
    expires >= unix_now()
        && given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The file at `relative` (segments already checked), resolved with symlinks, if it is a
/// file inside the site.
fn resolve(context: &Context, relative: &str) -> Option<PathBuf> {
    let path = std::fs::canonicalize(context.site.join(relative)).ok()?;
    (path.starts_with(&context.site) && path.is_file()).then_some(path)
}

fn file(context: &Context, relative: &str, content_type: &'static str) -> Option<Answer> {
    let bytes = std::fs::read(resolve(context, relative)?).ok()?;
    let mut answer = Response::new(Full::new(Bytes::from(bytes)));
    answer
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Some(answer)
}

fn not_found(message: &str) -> Answer {
    errors(StatusCode::NOT_FOUND, message)
}

/// The registry protocol's error form: `{"errors": ["..."]}`.
fn errors(status: StatusCode, message: &str) -> Answer {
    let body = serde_json::json!({ "errors": [message] }).to_string();
    let mut answer = Response::new(Full::new(Bytes::from(body)));
    *answer.status_mut() = status;
    answer.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_decode_and_refuse_empty_or_invalid_parts() {
        assert_eq!(
            segments("a/%2e%2e/b").unwrap(),
            ["a", "..", "b"].map(String::from)
        );
        assert_eq!(segments("a//b"), None);
        assert_eq!(segments("a/%ff"), None);
        assert!(!is_registry_name(".."));
        assert!(!is_registry_name("a%2fb"));
        assert!(!is_version("1.2.0/../x"));
        assert!(!is_version(" 1.2.0"));
        assert!(is_version("1.2.0-rc.1"));
    }
}
