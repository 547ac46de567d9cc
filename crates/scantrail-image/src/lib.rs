//! Reading container images: OCI layouts and archives, docker-archive files, digest checks,
//! layer application with whiteouts, and the merged filesystem that catalogers read.

pub mod files;

pub use files::{FileEntry, FileKind, FileTree};
