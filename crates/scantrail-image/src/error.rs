use std::io;
use std::path::PathBuf;

use scantrail_model::Digest;

/// Role of a blob in an image, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobRole {
    Index,
    Manifest,
    Config,
    Layer,
}

impl std::fmt::Display for BlobRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BlobRole::Index => "index",
            BlobRole::Manifest => "manifest",
            BlobRole::Config => "config",
            BlobRole::Layer => "layer",
        })
    }
}

/// Errors of reading an image. `image` fields hold the image source as the user wrote it
/// (`oci:demo:v1.1`), so every message names the image that failed.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("invalid image source {text:?}: {reason}; use oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF], docker://REFERENCE, a reference such as registry.example.com/team/app:1.2, or the path of a layout or archive")]
    InvalidSource { text: String, reason: String },

    #[error("invalid platform {text:?}: expected OS/ARCHITECTURE[/VARIANT], for example linux/amd64 or linux/arm64/v8")]
    InvalidPlatform { text: String },

    #[error("{path} is not an image layout or archive: {reason}")]
    UnrecognizedSource { path: PathBuf, reason: String },

    #[error("failed to read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{role} blob {digest} of {image} is missing ({location}); the image is incomplete: copy or export it again")]
    BlobMissing { role: BlobRole, digest: Digest, image: String, location: String },

    #[error("{role} blob {expected} of {image} does not match its digest: its content hashes to {actual}; the blob is corrupt: re-pull or re-export the image")]
    DigestMismatch { role: BlobRole, expected: Digest, actual: Digest, image: String },

    #[error("{role} blob {digest} of {image} is {actual} bytes but its descriptor says {expected}; re-pull or re-export the image")]
    SizeMismatch { role: BlobRole, digest: Digest, expected: u64, actual: u64, image: String },

    #[error("layer {index} ({digest}) of {image} uncompresses to {actual}, but the config lists diff ID {expected}; the layer or the config is corrupt: re-pull or re-export the image")]
    DiffIdMismatch { index: usize, digest: Digest, expected: Digest, actual: Digest, image: String },

    #[error("failed to read layer {index} ({digest}) of {image}: {source}; the layer is truncated or corrupt: re-pull or re-export the image")]
    LayerRead {
        index: usize,
        digest: Digest,
        image: String,
        #[source]
        source: io::Error,
    },

    #[error("failed to read blob {digest} of {image}: {source}")]
    BlobRead {
        digest: Digest,
        image: String,
        #[source]
        source: io::Error,
    },

    /// `name` is the blob digest, or the file name for `index.json` and `manifest.json`.
    #[error("invalid {role} {name} of {image}: {source}")]
    InvalidJson {
        role: BlobRole,
        name: String,
        image: String,
        #[source]
        source: serde_json::Error,
    },

    #[error("{image} is malformed: {reason}")]
    Malformed { image: String, reason: String },

    #[error("{image} has no image tagged {tag:?}; available: {}", list(available))]
    TagNotFound { image: String, tag: String, available: Vec<String> },

    #[error("{image} contains several images ({}); name one, for example {example}", list(available))]
    AmbiguousImage { image: String, available: Vec<String>, example: String },

    #[error("{image} has no image for platform {platform}; available: {}; choose one with --platform", list(available))]
    PlatformNotFound { image: String, platform: String, available: Vec<String> },

    #[error("{role} {digest} of {image} has media type {media_type}, which scantrail cannot read{hint}")]
    UnsupportedMediaType { role: BlobRole, digest: Digest, media_type: String, image: String, hint: &'static str },

    #[error("{image}: repository {repository} has no manifest {reference}; check the tag or digest, for example with `skopeo list-tags docker://{repository}`")]
    ManifestNotFound { image: String, reference: String, repository: String },

    #[error("{image}: registry {registry} {}", unauthorized_hint(registry, *with_credentials))]
    RegistryUnauthorized { image: String, registry: String, with_credentials: bool },

    #[error("{image}: request to {url} failed: {reason}")]
    Registry { image: String, url: String, reason: String },

    /// `action` completes "the registry took longer than TIMEOUT", for example "to respond".
    #[error("{image}: request to {url} timed out: the registry took longer than {} s {action}; check that the registry is reachable and retry", timeout.as_secs_f64())]
    RegistryTimeout { image: String, url: String, timeout: std::time::Duration, action: String },

    #[error("failed to read the credentials for registry {registry} from {path}: {reason}")]
    Credentials { path: PathBuf, registry: String, reason: String },

    #[error("entry {path:?} in layer {index} ({digest}) of {image} points outside the image root; the layer is malformed or hostile and was not applied")]
    PathEscapesRoot { path: String, index: usize, digest: Digest, image: String },

    /// `path` is normalized, without the leading `/`.
    #[error("file /{path} in layer {index} ({digest}) of {image} is {size} bytes, more than the {max} bytes scantrail reads from a file it catalogs; no real package database or manifest is this large, so the image is likely corrupt or hostile")]
    CapturedFileTooLarge { path: String, index: usize, digest: Digest, image: String, size: u64, max: u64 },

    /// `limit` names the [`crate::Limits`] field passed and `value` is its value. Only
    /// `Limits::max_captured_total` is reported this way.
    #[error("file /{path} in layer {index} ({digest}) of {image} brings the file contents scantrail captures to more than {value} bytes; real images have far less package data, so the image is likely corrupt or hostile")]
    LimitExceeded { path: String, index: usize, digest: Digest, image: String, limit: &'static str, value: u64 },

    #[error("{image} has more than {max_entries} filesystem entries (Limits::max_entries); raise the limit if the image is expected to be this large")]
    TooManyEntries { image: String, max_entries: usize },

    /// `path` contains the first 100 characters of the path or link target.
    #[error("entry {path:?}... in layer {index} ({digest}) of {image} has a path or link target of {length} bytes, longer than the {max} bytes a Linux path may have (PATH_MAX); the layer is malformed or hostile")]
    PathTooLong { path: String, index: usize, digest: Digest, image: String, length: usize, max: usize },

    #[error("layer {index} ({digest}) of {image} brings the entry paths of the image to more than {max} bytes, far more than real images hold; the image is likely malformed or hostile")]
    TooManyPathBytes { index: usize, digest: Digest, image: String, max: u64 },
}

fn unauthorized_hint(registry: &str, with_credentials: bool) -> String {
    if with_credentials {
        format!("rejected the credentials (HTTP 401); check the user name and password, or log in again with `docker login {registry}`")
    } else {
        format!("requires authentication (HTTP 401); log in with `docker login {registry}`, or pass --username NAME and the password on stdin with --password-stdin")
    }
}

fn list(values: &[String]) -> String {
    if values.is_empty() {
        "none".to_string()
    } else {
        values.join(", ")
    }
}

impl ImageError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> ImageError {
        ImageError::Io { path: path.into(), source }
    }

    pub(crate) fn malformed(image: &str, reason: impl Into<String>) -> ImageError {
        ImageError::Malformed { image: image.to_string(), reason: reason.into() }
    }
}
