//! Small real container images for tests: layers built from in-memory files, written as an OCI
//! layout, an oci-archive, or a `docker save` archive in the legacy or the OCI-embedded layout.
//!
//! Everything is deterministic (tar mtimes are 0, gzip headers carry no time), so the same builder
//! always yields the same digests. The builders panic on I/O failure because they only run inside
//! tests, where a panic is the failure report.

mod layer;
mod layout;
mod registry;

pub use layer::{Compression, Layer};
pub use layout::{
    corrupt_blob, edit_archive_members, gzip_file, truncate_blob, write_docker_archive_many, write_multi_platform_layout, zstd_file, BuiltImage,
    ImageBuilder,
};

pub use registry::{TestRegistry, REGISTRY_BINARY};
pub use scantrail_model::Digest;

/// Media types written into manifests and indexes.
pub mod media_type {
    pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
    pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
    pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
    pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
    pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
    pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
    pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
    pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    pub const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar";
    pub const IN_TOTO: &str = "application/vnd.in-toto+json";
}
