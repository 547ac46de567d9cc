//! Reading container images: OCI layouts and archives, docker-archive files, digest checks,
//! layer application with whiteouts, and the merged filesystem that catalogers read.
//!
//! ```no_run
//! use scantrail_image::{read_image, ImageSource, ReadOptions};
//!
//! let source = ImageSource::parse("oci:demo-oci:v1.1")?;
//! let capture = |path: &str| path == "var/lib/dpkg/status" || path.ends_with("os-release");
//! let image = read_image(&source, &ReadOptions { capture: &capture, ..ReadOptions::default() })?;
//! println!("{} has {} layers", image.manifest_digest, image.layers.len());
//! let status = image.files.read("/var/lib/dpkg/status");
//! # Ok::<(), scantrail_image::ImageError>(())
//! ```
//!
//! Registry images (`docker://registry.example.com/team/app:1.2`) are read through the OCI
//! distribution API, streaming each blob through the same digest checks as a local layout.

mod archive;
mod blob;
mod cache;
mod config;
pub mod credentials;
mod docker;
mod error;
pub mod files;
mod layer;
mod oci;
mod read;
mod registry;
mod source;

use std::collections::BTreeMap;

use scantrail_model::{Digest, LayerRecord};

pub use cache::LayerCache;
pub use config::HistoryEntry;
pub use credentials::Credentials;
pub use registry::RegistryOptions;
pub use error::{BlobRole, ImageError};
pub use files::{FileEntry, FileKind, FileTree};
pub use read::read_image;
pub use source::{ImageSource, Platform, Reference};

/// Receives progress while layers are read. Every method has an empty default.
pub trait Progress {
    /// Layer `index` of `count` (counting from 0) starts; `size` is its blob size as stored.
    fn layer_started(&self, index: usize, count: usize, digest: &Digest, size: u64) {
        let _ = (index, count, digest, size);
    }

    /// `bytes` more bytes of the current layer blob (compressed, as stored) were read.
    fn layer_bytes(&self, bytes: u64) {
        let _ = bytes;
    }

    fn layer_finished(&self, index: usize) {
        let _ = index;
    }

    /// Layer `index` of `count` was taken from the layer cache, so its blob was not read.
    fn layer_cached(&self, index: usize, count: usize, digest: &Digest) {
        let _ = (index, count, digest);
    }
}

/// A [`Progress`] that ignores every report.
pub struct NoProgress;

impl Progress for NoProgress {}

/// Bounds on what reading one image may hold in memory, so that a hostile or broken image (a
/// decompression bomb, a layer of millions of entries) fails with an error instead of
/// exhausting memory. Exceeding a limit is an error that names the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum size in bytes of one captured file.
    pub max_captured_file: u64,
    /// Maximum bytes captured across all layers, counting copies that upper layers overwrite.
    /// Files that `ReadOptions::capture` selects fail the read once they alone pass it. Files
    /// that `ReadOptions::capture_by_content` selects are skipped with a log once both kinds
    /// together would pass it, so optional captures can double the memory held at most.
    pub max_captured_total: u64,
    /// Maximum number of tar entries across all layers.
    pub max_entries: usize,
    /// Maximum bytes of one entry path, symlink target or hard link target, as written in the
    /// tar header. Linux's `PATH_MAX` (4096 in `linux/limits.h`) bounds the paths that system
    /// calls accept, so the tools that build real images do not write longer ones.
    pub max_path_length: usize,
    /// Maximum bytes of entry paths and link targets across all layers, counting paths that
    /// upper layers overwrite or delete. It bounds the memory of the file tree, which
    /// `max_entries` alone does not when paths are long.
    pub max_path_bytes: u64,
}

impl Default for Limits {
    /// Defaults sized well above the package databases and manifests that catalogers capture.
    /// The path limits are guards that real images do not reach. By estimate, a large
    /// distribution image has about 100,000 paths of about 60 bytes, some 6 MiB of the 256 MiB
    /// allowed.
    fn default() -> Limits {
        Limits {
            max_captured_file: 256 * 1024 * 1024,
            max_captured_total: 1024 * 1024 * 1024,
            max_entries: 2_000_000,
            max_path_length: 4096,
            max_path_bytes: 256 * 1024 * 1024,
        }
    }
}

/// How to read an image.
pub struct ReadOptions<'a> {
    /// The platform chosen from a multi-platform image; ignored for single-platform images.
    pub platform: Platform,
    /// Decides whether to keep the content of the file at a normalized path (no leading `/`).
    /// It is called with the path as written in the layer, and also with the resolved path when
    /// a parent directory is a symlink. The content is kept when either call returns true.
    pub capture: &'a dyn Fn(&str) -> bool,
    /// Decides whether to keep the content of a regular file that `capture` rejected, from its
    /// normalized path and its first bytes (up to [`SNIFF_LENGTH`], fewer for a shorter file).
    /// Such an optional capture is skipped with a log, instead of failing the read, when it is
    /// larger than `limits.max_captured_file` or would pass `limits.max_captured_total`. It
    /// suits files that may be anywhere and large, such as executables and Java archives.
    pub capture_by_content: &'a dyn Fn(&str, &[u8]) -> bool,
    pub limits: Limits,
    pub progress: &'a dyn Progress,
    /// How to reach registries, for a registry source.
    pub registry: &'a RegistryOptions,
    /// Layer changeset cache, keyed by blob digest. `None` reads every layer from the source.
    pub cache: Option<&'a LayerCache>,
}

static DEFAULT_REGISTRY_OPTIONS: RegistryOptions = RegistryOptions::new();

/// How many leading bytes of a file `ReadOptions::capture_by_content` is shown.
pub const SNIFF_LENGTH: usize = 4096;

fn capture_nothing(_: &str) -> bool {
    false
}

fn capture_nothing_by_content(_: &str, _: &[u8]) -> bool {
    false
}

impl Default for ReadOptions<'static> {
    /// linux/amd64, no file content captured, default limits, no progress reports.
    fn default() -> ReadOptions<'static> {
        ReadOptions {
            platform: Platform::default(),
            capture: &capture_nothing,
            capture_by_content: &capture_nothing_by_content,
            limits: Limits::default(),
            progress: &NoProgress,
            registry: &DEFAULT_REGISTRY_OPTIONS,
            cache: None,
        }
    }
}

/// An image read from its source: identity, config and merged filesystem.
#[derive(Clone, Debug)]
pub struct Image {
    pub manifest_digest: Digest,
    /// The image index the manifest was chosen from, for a multi-platform image.
    pub index_digest: Option<Digest>,
    pub config_digest: Digest,
    /// The platform the config states.
    pub platform: Platform,
    /// Layers from the base up, with the `created_by` of their history entries.
    pub layers: Vec<LayerRecord>,
    pub labels: BTreeMap<String, String>,
    pub created: Option<String>,
    pub history: Vec<HistoryEntry>,
    /// The `org.opencontainers.image.ref.name` of the chosen manifest, or the docker-archive
    /// `RepoTags` entry chosen (the first one when the source named none).
    pub ref_name: Option<String>,
    pub files: FileTree,
    pub stats: ReadStats,
}

/// Counts of how the layers of an image were read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Layers whose blob was read and decompressed.
    pub layers_read: usize,
    /// Layers taken from the layer cache, whose blob was neither read nor decompressed.
    pub layers_from_cache: usize,
}
