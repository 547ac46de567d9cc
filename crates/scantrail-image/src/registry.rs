//! A blocking client for the pull side of the OCI distribution API: manifests and blobs, with
//! the bearer-token and basic authentication flows and retries.
//!
//! This is a small client on `ureq` rather than the `oci-client` crate because the image reader
//! is synchronous and reads layers through `std::io::Read`. `oci-client` is async (tokio and
//! reqwest) and its blob API writes into an `AsyncWrite`, so streaming a blob into the layer
//! pipeline would need a runtime, a pipe and a second thread for each layer.

use std::cell::RefCell;
use std::io::Read;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use scantrail_model::Digest;

use crate::blob::{BlobRef, BlobSource, MAX_JSON_BLOB};
use crate::error::BlobRole;
use crate::credentials::{self, Credentials};
use crate::source::{Reference, DOCKER_HUB};
use crate::ImageError;

/// Media types accepted for a manifest request, so that the registry returns an index or a
/// schema 2 manifest instead of converting to Docker schema 1.
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.v2+json";

/// How to reach and authenticate to registries.
#[derive(Clone, Debug)]
pub struct RegistryOptions {
    /// Credentials for the registry of the image; when `None` they come from the Docker
    /// configuration, else access is anonymous.
    pub credentials: Option<Credentials>,
    /// Docker's configuration directory holding `config.json`; `None` means `$DOCKER_CONFIG`,
    /// else `~/.docker`.
    pub docker_config: Option<PathBuf>,
    /// Registries (`HOST` or `HOST:PORT`) reached over plain HTTP. Loopback registries
    /// (127.0.0.0/8, ::1, localhost) always are.
    pub insecure_registries: Vec<String>,
    /// Maximum attempts of one request that fails with HTTP 429, a 5xx status or a connection
    /// error. Waits between attempts double from `retry_delay`.
    pub max_attempts: u32,
    pub retry_delay: Duration,
    /// Maximum time to open a TCP connection to the registry (and its token endpoint).
    pub connect_timeout: Duration,
    /// Maximum wait for the next bytes of a layer blob. Layers get no total deadline, because a
    /// large layer on a slow link may take long while it still makes progress.
    pub idle_timeout: Duration,
    /// Maximum time of a whole request for a small JSON document (manifest, index, config or
    /// token), from connecting to the end of the body, so that a registry that sends such a
    /// document a byte at a time still fails.
    pub document_timeout: Duration,
}

impl RegistryOptions {
    /// No explicit credentials, the default Docker configuration, HTTPS except on loopback,
    /// 4 attempts starting 500 ms apart, and timeouts of 30 s to connect, 60 s without data on a
    /// layer, and 60 s for a whole JSON document.
    pub const fn new() -> RegistryOptions {
        RegistryOptions {
            credentials: None,
            docker_config: None,
            insecure_registries: Vec::new(),
            max_attempts: 4,
            retry_delay: Duration::from_millis(500),
            connect_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            document_timeout: Duration::from_secs(60),
        }
    }
}

impl Default for RegistryOptions {
    fn default() -> RegistryOptions {
        RegistryOptions::new()
    }
}

/// The authorization sent with requests, once a challenge asked for one.
#[derive(Clone)]
enum Authorization {
    Anonymous,
    Header(String),
}

/// A manifest or index as the registry returned it.
pub(crate) struct FetchedManifest {
    pub bytes: Vec<u8>,
    pub media_type: String,
    pub digest: Digest,
}

/// A connection to one repository of one registry.
pub(crate) struct RegistryClient {
    agent: ureq::Agent,
    /// `http://HOST` or `https://HOST`.
    base_url: String,
    reference: Reference,
    /// The source as the user wrote it, for messages.
    image: String,
    credentials: Option<Credentials>,
    authorization: RefCell<Authorization>,
    max_attempts: u32,
    retry_delay: Duration,
    connect_timeout: Duration,
    idle_timeout: Duration,
    document_timeout: Duration,
}

/// The failure of one attempt of a request.
enum Failure {
    /// Worth another attempt: HTTP 429, a 5xx status or a transport error.
    Transient(String),
    Status(u16, Box<ureq::Response>),
    Fatal(ImageError),
}

impl RegistryClient {
    pub fn new(reference: &Reference, image: &str, options: &RegistryOptions) -> Result<RegistryClient, ImageError> {
        let plain_http = is_loopback(&reference.registry)
            || options.insecure_registries.iter().any(|host| host == &reference.registry || host == host_name(&reference.registry));
        let host = if reference.registry == DOCKER_HUB { "registry-1.docker.io" } else { reference.registry.as_str() };
        let base_url = format!("{}://{host}", if plain_http { "http" } else { "https" });

        let credentials = match &options.credentials {
            Some(credentials) => Some(credentials.clone()),
            None => match options.docker_config.clone().or_else(credentials::docker_config_dir) {
                Some(dir) => credentials::lookup(&dir, &reference.registry)?,
                None => None,
            },
        };

        let agent = ureq::AgentBuilder::new()
            .timeout_connect(options.connect_timeout)
            .timeout_read(options.idle_timeout)
            .user_agent(concat!("scantrail/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(RegistryClient {
            agent,
            base_url,
            reference: reference.clone(),
            image: image.to_string(),
            credentials,
            authorization: RefCell::new(Authorization::Anonymous),
            max_attempts: options.max_attempts.max(1),
            retry_delay: options.retry_delay,
            connect_timeout: options.connect_timeout,
            idle_timeout: options.idle_timeout,
            document_timeout: options.document_timeout,
        })
    }

    /// Fetches the manifest or index the reference names and checks it against the reference's
    /// digest, or against the `Docker-Content-Digest` header for a tag.
    pub fn fetch_manifest(&self) -> Result<FetchedManifest, ImageError> {
        let reference = self.reference.manifest_reference();
        let path = format!("/v2/{}/manifests/{reference}", self.reference.repository);
        let response = match self.get(&path, Some(MANIFEST_ACCEPT), Some(self.document_timeout)) {
            Err(Failure::Status(404, _)) => {
                return Err(ImageError::ManifestNotFound {
                    image: self.image.clone(),
                    reference,
                    repository: self.reference.name(),
                })
            }
            other => self.expect_ok(&path, other)?,
        };

        let media_type = response.content_type().to_string();
        let header_digest = response.header("docker-content-digest").and_then(|d| d.parse::<Digest>().ok());
        let mut bytes = Vec::new();
        response
            .into_reader()
            .take(MAX_JSON_BLOB + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::TimedOut => self.timed_out(&path, self.document_timeout, "to send the manifest"),
                _ => self.request_failed(&path, format!("failed to read the manifest: {e}")),
            })?;
        if bytes.len() as u64 > MAX_JSON_BLOB {
            return Err(ImageError::malformed(&self.image, format!("the manifest is larger than {MAX_JSON_BLOB} bytes")));
        }

        let actual = Digest::sha256_of(&bytes);
        if let Some(expected) = self.reference.digest.as_ref().or(header_digest.as_ref()) {
            if &actual != expected {
                return Err(ImageError::DigestMismatch {
                    role: crate::BlobRole::Manifest,
                    expected: expected.clone(),
                    actual,
                    image: self.image.clone(),
                });
            }
        }
        let media_type = if media_type.is_empty() || media_type == "application/json" || media_type == "text/plain" {
            embedded_media_type(&bytes).unwrap_or_default()
        } else {
            media_type
        };
        Ok(FetchedManifest { bytes, media_type, digest: actual })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn request_failed(&self, path: &str, reason: String) -> ImageError {
        ImageError::Registry { image: self.image.clone(), url: self.url(path), reason }
    }

    /// Returns the error for a request to `url` that passed `timeout`; `action` completes
    /// "the registry took longer than … ".
    fn timed_out_url(&self, url: &str, timeout: Duration, action: &str) -> ImageError {
        ImageError::RegistryTimeout { image: self.image.clone(), url: url.to_string(), timeout, action: action.to_string() }
    }

    fn timed_out(&self, path: &str, timeout: Duration, action: &str) -> ImageError {
        self.timed_out_url(&self.url(path), timeout, action)
    }

    /// Returns the timeout error for a transport error caused by a timeout, `None` for others.
    /// `deadline` is the whole-request timeout of the request, if it had one.
    fn transport_timeout(&self, url: &str, transport: &ureq::Transport, deadline: Option<Duration>) -> Option<ImageError> {
        if !is_timeout(transport) {
            return None;
        }
        let error = match (transport.kind(), deadline) {
            (ureq::ErrorKind::ConnectionFailed, _) => self.timed_out_url(url, self.connect_timeout, "to accept the connection"),
            (_, Some(deadline)) => self.timed_out_url(url, deadline, "to respond"),
            (_, None) => self.timed_out_url(url, self.idle_timeout, "to send the response headers"),
        };
        Some(error)
    }

    /// Turns the outcome of [`RegistryClient::get`] into a response with status 2xx or an error.
    fn expect_ok(&self, path: &str, outcome: Result<ureq::Response, Failure>) -> Result<ureq::Response, ImageError> {
        match outcome {
            Ok(response) => Ok(response),
            Err(Failure::Fatal(error)) => Err(error),
            Err(Failure::Transient(reason)) => Err(self.request_failed(path, reason)),
            Err(Failure::Status(status, response)) => {
                let body = response.into_string().unwrap_or_default();
                let body: String = body.chars().take(300).collect();
                Err(self.request_failed(path, format!("HTTP {status}: {}", body.trim())))
            }
        }
    }

    /// Sends GET `path`. It handles one authentication challenge and retries transient failures
    /// with exponential backoff.
    /// A request that passes a timeout fails at once, because another attempt would likely wait
    /// as long again. `deadline` bounds the whole request including its body.
    fn get(&self, path: &str, accept: Option<&str>, deadline: Option<Duration>) -> Result<ureq::Response, Failure> {
        let url = self.url(path);
        let mut challenged = false;
        let mut attempt = 1;
        loop {
            let outcome = self.send_once(&url, accept, deadline);
            match outcome {
                Err(Failure::Status(401, response)) if !challenged => {
                    challenged = true;
                    let challenge = response.header("www-authenticate").unwrap_or_default().to_string();
                    self.authenticate(&challenge, &url).map_err(Failure::Fatal)?;
                }
                Err(Failure::Status(401, _)) => return Err(Failure::Fatal(self.unauthorized())),
                Err(Failure::Transient(reason)) if attempt < self.max_attempts => {
                    let delay = self.retry_delay * 2u32.saturating_pow(attempt - 1);
                    tracing::warn!(url = %url, attempt, max_attempts = self.max_attempts, "registry request failed: {reason}; retrying in {delay:?}");
                    std::thread::sleep(delay);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn send_once(&self, url: &str, accept: Option<&str>, deadline: Option<Duration>) -> Result<ureq::Response, Failure> {
        let mut request = self.agent.get(url);
        if let Some(deadline) = deadline {
            request = request.timeout(deadline);
        }
        if let Some(accept) = accept {
            request = request.set("Accept", accept);
        }
        if let Authorization::Header(value) = &*self.authorization.borrow() {
            request = request.set("Authorization", value);
        }
        match request.call() {
            Ok(response) => Ok(response),
            Err(ureq::Error::Status(status, response)) if status == 429 || status >= 500 => {
                Err(Failure::Transient(format!("HTTP {status} {}", response.status_text())))
            }
            Err(ureq::Error::Status(status, response)) => Err(Failure::Status(status, Box::new(response))),
            Err(ureq::Error::Transport(transport)) => match self.transport_timeout(url, &transport, deadline) {
                Some(timed_out) => Err(Failure::Fatal(timed_out)),
                None => Err(Failure::Transient(transport.to_string())),
            },
        }
    }

    fn unauthorized(&self) -> ImageError {
        ImageError::RegistryUnauthorized {
            image: self.image.clone(),
            registry: self.reference.registry.clone(),
            with_credentials: self.credentials.is_some(),
        }
    }

    /// Handles a `WWW-Authenticate` challenge: `Basic` sends the credentials, `Bearer` fetches a
    /// token for pulling the repository from the realm, with the credentials when there are any.
    fn authenticate(&self, challenge: &str, url: &str) -> Result<(), ImageError> {
        let (scheme, parameters) = challenge.split_once(' ').unwrap_or((challenge, ""));
        let basic = self.credentials.as_ref().map(|c| {
            let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", c.username, c.password));
            format!("Basic {encoded}")
        });

        if scheme.eq_ignore_ascii_case("basic") {
            let header = basic.ok_or_else(|| self.unauthorized())?;
            *self.authorization.borrow_mut() = Authorization::Header(header);
            return Ok(());
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ImageError::Registry {
                image: self.image.clone(),
                url: url.to_string(),
                reason: format!("HTTP 401 with an unsupported authentication challenge {challenge:?}"),
            });
        }

        let parameters = parse_challenge(parameters);
        let Some(realm) = parameters.iter().find(|(key, _)| key == "realm").map(|(_, value)| value.clone()) else {
            return Err(ImageError::Registry {
                image: self.image.clone(),
                url: url.to_string(),
                reason: format!("HTTP 401 with a Bearer challenge without a realm: {challenge:?}"),
            });
        };
        let mut request = self.agent.get(&realm).timeout(self.document_timeout);
        if let Some((_, service)) = parameters.iter().find(|(key, _)| key == "service") {
            request = request.query("service", service);
        }
        let scope = match parameters.iter().find(|(key, _)| key == "scope") {
            Some((_, scope)) => scope.clone(),
            None => format!("repository:{}:pull", self.reference.repository),
        };
        request = request.query("scope", &scope);
        if let Some(header) = &basic {
            request = request.set("Authorization", header);
        }

        let token_failed = |reason: String| ImageError::Registry { image: self.image.clone(), url: realm.clone(), reason };
        let response = match request.call() {
            Ok(response) => response,
            Err(ureq::Error::Status(401 | 403, _)) => return Err(self.unauthorized()),
            Err(ureq::Error::Status(status, _)) => return Err(token_failed(format!("the token endpoint returned HTTP {status}"))),
            Err(ureq::Error::Transport(transport)) => {
                return Err(match self.transport_timeout(&realm, &transport, Some(self.document_timeout)) {
                    Some(timed_out) => timed_out,
                    None => token_failed(format!("failed to fetch a token: {transport}")),
                })
            }
        };
        let body: serde_json::Value = serde_json::from_reader(response.into_reader().take(MAX_JSON_BLOB)).map_err(|e| {
            match e.io_error_kind() {
                Some(std::io::ErrorKind::TimedOut) => self.timed_out_url(&realm, self.document_timeout, "to send a token"),
                _ => token_failed(format!("the token endpoint returned invalid JSON: {e}")),
            }
        })?;
        let token = body.get("token").or_else(|| body.get("access_token")).and_then(|t| t.as_str());
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(token_failed("the token endpoint's response has no token".to_string()));
        };
        *self.authorization.borrow_mut() = Authorization::Header(format!("Bearer {token}"));
        Ok(())
    }
}

impl BlobSource for RegistryClient {
    fn open_blob(&self, blob: &BlobRef) -> Result<Box<dyn Read + '_>, ImageError> {
        let path = format!("/v2/{}/blobs/{}", self.reference.repository, blob.digest);
        // A layer may be large, so only the idle timeout applies to it. Config blobs are small
        // JSON documents and get the whole-request timeout.
        // NOTE: a registry that sends a layer a few bytes at a time, each within the idle
        // timeout, is not stopped: there is no minimum transfer rate.
        let url = self.url(&path);
        let (deadline, timed_out) = match blob.role {
            BlobRole::Layer => (None, format!("timed out: {url} sent no data for {} s; check that the registry is reachable and retry", self.idle_timeout.as_secs_f64())),
            _ => (
                Some(self.document_timeout),
                format!(
                    "timed out: {url} did not send the whole blob within {} s; check that the registry is reachable and retry",
                    self.document_timeout.as_secs_f64()
                ),
            ),
        };
        match self.get(&path, None, deadline) {
            Err(Failure::Status(404, _)) => Err(ImageError::BlobMissing {
                role: blob.role,
                digest: blob.digest.clone(),
                image: self.image.clone(),
                location: self.url(&path),
            }),
            // NOTE: a connection that breaks after the response started is not resumed with a
            // range request; it fails the layer as a read error.
            other => {
                let reader = self.expect_ok(&path, other)?.into_reader();
                Ok(Box::new(TimeoutNamingReader { inner: reader, timed_out }))
            }
        }
    }
}

/// Passes on a blob's body, replacing the message of a timeout error with `timed_out`, which
/// names the URL and the timeout, because the blob and layer read errors name neither.
struct TimeoutNamingReader<R> {
    inner: R,
    timed_out: String,
}

impl<R: Read> Read for TimeoutNamingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|error| match error.kind() {
            std::io::ErrorKind::TimedOut => std::io::Error::new(std::io::ErrorKind::TimedOut, self.timed_out.clone()),
            _ => error,
        })
    }
}

/// Returns whether a transport error, or an error it wraps, is an I/O timeout.
fn is_timeout(transport: &ureq::Transport) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(transport);
    while let Some(error) = source {
        if error.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut) {
            return true;
        }
        source = error.source();
    }
    false
}

/// Returns the `mediaType` field of a manifest, for registries that send a generic content type.
fn embedded_media_type(bytes: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    value.get("mediaType")?.as_str().map(str::to_string)
}

/// Parses the `key="value", key=value` parameters of a challenge.
fn parse_challenge(text: &str) -> Vec<(String, String)> {
    let mut parameters = Vec::new();
    let mut rest = text.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let (value, remainder) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.split_once('"') {
                Some((value, remainder)) => (value.to_string(), remainder),
                None => (quoted.to_string(), ""),
            }
        } else {
            match after.split_once(',') {
                Some((value, remainder)) => (value.trim().to_string(), remainder),
                None => (after.trim().to_string(), ""),
            }
        };
        parameters.push((key, value));
        rest = remainder.trim_start_matches([',', ' ']);
    }
    parameters
}

/// Returns the host of `HOST[:PORT]`, without brackets for an IPv6 address.
fn host_name(registry: &str) -> &str {
    if let Some(bracketed) = registry.strip_prefix('[') {
        return bracketed.split(']').next().unwrap_or(bracketed);
    }
    registry.rsplit_once(':').map_or(registry, |(host, _)| host)
}

/// Returns whether a registry is on this machine: localhost, 127.0.0.0/8 or ::1.
fn is_loopback(registry: &str) -> bool {
    let host = host_name(registry);
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_parameters() {
        let parsed = parse_challenge(r#"realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#);
        assert_eq!(parsed[0], ("realm".to_string(), "https://auth.docker.io/token".to_string()));
        assert_eq!(parsed[1], ("service".to_string(), "registry.docker.io".to_string()));
        assert_eq!(parsed[2], ("scope".to_string(), "repository:library/alpine:pull".to_string()));
        assert_eq!(parse_challenge(r#"realm="Registry Realm""#), [("realm".to_string(), "Registry Realm".to_string())]);
    }

    #[test]
    fn loopback_registries() {
        for host in ["127.0.0.1:5000", "127.3.2.1", "localhost:5000", "localhost", "[::1]:5000"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["registry.example.com", "10.0.0.1:5000", "localhost.example.com"] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn plain_http_only_for_loopback_and_insecure() {
        let options = RegistryOptions { insecure_registries: vec!["registry.internal".to_string()], ..RegistryOptions::new() };
        let url_of = |text: &str| {
            let reference = Reference::parse(text).unwrap();
            RegistryClient::new(&reference, text, &RegistryOptions { docker_config: Some("/nonexistent".into()), ..options.clone() })
                .unwrap()
                .base_url
        };
        assert_eq!(url_of("127.0.0.1:5000/app:1"), "http://127.0.0.1:5000");
        assert_eq!(url_of("registry.internal:5000/app:1"), "http://registry.internal:5000");
        assert_eq!(url_of("registry.example.com/app:1"), "https://registry.example.com");
        assert_eq!(url_of("alpine:3.19"), "https://registry-1.docker.io");
    }
}
