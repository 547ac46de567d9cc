//! Catalogers that find the packages installed in an image's merged filesystem.
//!
//! The image reader calls [`wants`] for every tar entry and keeps the content of the paths it
//! accepts, then [`catalog`] runs every cataloger over the resulting [`FileTree`] and returns
//! the image's [`Inventory`]. Each package records the file it was read from and the layer that
//! last wrote that file.
//!
//! Supported package databases: dpkg (`var/lib/dpkg/status` and distroless
//! `var/lib/dpkg/status.d/`), apk (`lib/apk/db/installed`), rpm (`var/lib/rpm/Packages`,
//! `rpmdb.sqlite` and `Packages.db`), Python distributions (`*.dist-info/METADATA`,
//! `*.egg-info`) and npm packages (`node_modules/**/package.json`). Go modules come from Go
//! executables, Rust crates from `Cargo.lock` files and cargo-auditable executables, and Java
//! packages from Java archives and the archives nested in them.

mod apk;
mod dpkg;
mod executable;
mod golang;
mod java;
mod npm;
mod os_release;
mod purl;
mod python;
mod rpm;
mod rust;
#[cfg(test)]
mod test_elf;

use scantrail_image::{FileEntry, FileKind, FileTree};
use scantrail_model::{Inventory, Package};

pub use os_release::os_release;

/// An error that stops cataloging, because a package database exists but cannot be read.
///
/// Damaged files that real images commonly carry (a `package.json` that is not JSON inside a
/// test fixture folder) are logged with `tracing::warn!` and skipped instead.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("invalid dpkg status file /{path} at line {line}: {reason}")]
    InvalidDpkgStatus { path: String, line: usize, reason: String },
    #[error("invalid rpm database /{path}: {reason}; check that the image's rpm database is intact (`rpm --rebuilddb` repairs it)")]
    InvalidRpmDatabase { path: String, reason: String },
}

/// The facts about the image that catalogers share besides its files: its operating system.
#[derive(Clone, Debug, Default)]
pub(crate) struct CatalogContext {
    pub os: Option<os_release::OsReleaseFields>,
}

/// One package database format.
///
/// To add a format (apk, rpm, Go binaries, Cargo auditable binaries, Java archives), implement
/// this trait in a new module and add the cataloger to [`CATALOGERS`].
pub(crate) trait Cataloger: Sync {
    /// Returns whether the image reader must capture the content of `path` for this cataloger. Called
    /// for every tar entry, so it must not allocate.
    fn wants(&self, path: &str) -> bool;

    /// Returns whether the image reader must capture a file that [`Cataloger::wants`] rejected,
    /// from its path and first bytes, for files that may be anywhere and large (executables, Java
    /// archives). The reader skips such a file, instead of failing, when it passes its limits.
    fn wants_content(&self, path: &str, head: &[u8]) -> bool {
        let _ = (path, head);
        false
    }

    /// Finds the packages of this format in `files`.
    fn catalog(&self, files: &FileTree, context: &CatalogContext) -> Result<Vec<Package>, InventoryError>;
}

/// Every cataloger that [`catalog`] runs.
static CATALOGERS: &[&dyn Cataloger] = &[
    &dpkg::DpkgCataloger,
    &apk::ApkCataloger,
    &rpm::RpmCataloger,
    &python::PythonCataloger,
    &npm::NpmCataloger,
    &golang::GoBinaryCataloger,
    &rust::RustCataloger,
    &java::JavaCataloger,
];

/// Version of the capture rules of [`wants`] and [`wants_content`]. The image reader's layer
/// cache keys captured file contents by it, so change it whenever either function selects other
/// files, or cached layers keep lacking the newly selected contents.
pub const CAPTURE_RULES_VERSION: &str = "2";

/// Returns whether the image reader must capture the content of `path` (normalized, no leading
/// '/') for a cataloger or for [`os_release`].
pub fn wants(path: &str) -> bool {
    let path = path.strip_prefix('/').unwrap_or(path);
    os_release::wants(path) || CATALOGERS.iter().any(|cataloger| cataloger.wants(path))
}

/// Returns whether the image reader must capture the content of a file that [`wants`] rejected,
/// given its normalized path and first bytes (`scantrail_image::SNIFF_LENGTH` of them): ELF
/// executables for the Go and cargo-auditable catalogers, and Java archives. Pass it as
/// `ReadOptions::capture_by_content`.
///
/// NOTE: every ELF executable is held in memory until cataloging ends. For the 319 executables
/// of a Debian 12 minbase image that is 34 MB.
pub fn wants_content(path: &str, head: &[u8]) -> bool {
    let path = path.strip_prefix('/').unwrap_or(path);
    CATALOGERS.iter().any(|cataloger| cataloger.wants_content(path, head))
}

/// Runs every cataloger over the merged filesystem and returns the normalized inventory, with
/// the operating system from `os-release` when the image has one.
pub fn catalog(files: &FileTree) -> Result<Inventory, InventoryError> {
    let os = os_release::read_fields(files);
    let context = CatalogContext { os: os.clone() };

    let mut packages = Vec::new();
    for cataloger in CATALOGERS {
        packages.extend(cataloger.catalog(files, &context)?);
    }

    let mut inventory = Inventory { os: os.map(|fields| fields.release), packages };
    inventory.normalize();
    Ok(inventory)
}

/// Returns the content of a regular file that a cataloger reads, or `None` for other kinds of
/// entries. A regular file without content means the image reader did not capture a path that
/// [`wants`] accepted, so it is logged and skipped.
fn captured_content<'a>(path: &str, entry: &'a FileEntry) -> Option<&'a [u8]> {
    if entry.kind != FileKind::Regular {
        return None;
    }
    if entry.content.is_none() {
        tracing::warn!(path = %format!("/{path}"), "skipping a package file whose content the image reader did not capture");
    }
    entry.content.as_deref()
}
