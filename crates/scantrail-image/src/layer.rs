//! Reading one layer blob and applying its changeset to the merged file tree.
//!
//! A layer is read in two passes over its entries. The first streams the blob, checks its
//! digest, size and diff ID, and keeps only metadata plus the captured file contents. The second
//! applies the entries to the tree, so a layer that fails a check changes nothing in the tree.
//!
//! Changeset rules follow the OCI image spec's "Image Layer Filesystem Changeset": `.wh.NAME`
//! deletes NAME from lower layers, `.wh..wh..opq` in directory D hides every lower-layer child of
//! D, and both apply to lower layers only, whatever their position in the tar.

use std::io::{self, BufReader, Read};

use scantrail_model::Digest;
use tar::EntryType;

use crate::archive::{read_up_to, Compression, Decoder};
use crate::blob::{BlobRef, HashingReader};
use crate::error::BlobRole;
use crate::files::{normalize, FileEntry, FileKind, FileTree};
use crate::{ImageError, Limits, ReadOptions, SNIFF_LENGTH};

const WHITEOUT_PREFIX: &str = ".wh.";
const OPAQUE_MARKER: &str = ".wh..wh..opq";
/// Names starting with this, other than the opaque marker, are aufs metadata.
const AUFS_METADATA_PREFIX: &str = ".wh..wh.";

/// A layer to read and what it must hash to.
pub(crate) struct LayerSpec<'a> {
    pub index: usize,
    /// The blob digest from the manifest; `None` for a legacy docker-archive, which has none.
    pub digest: Option<&'a Digest>,
    pub size: Option<u64>,
    pub media_type: &'a str,
    pub diff_id: &'a Digest,
    pub image: &'a str,
}

/// Facts about a layer blob learned while reading it.
#[derive(Debug)]
pub(crate) struct LayerBlobInfo {
    pub digest: Digest,
    pub size: u64,
    pub compression: Compression,
}

/// Running totals across the layers of one image, checked against [`Limits`].
#[derive(Default)]
pub(crate) struct Budget {
    pub entries: usize,
    /// Bytes of the files `ReadOptions::capture` selected.
    pub captured_bytes: u64,
    /// Bytes of the files `ReadOptions::capture_by_content` selected.
    pub optional_bytes: u64,
    /// Bytes of entry paths and link targets, counted against `Limits::max_path_bytes`.
    pub path_bytes: u64,
}

impl Budget {
    /// Counts one path or link target of a layer entry against the path limits.
    fn count_path(&mut self, path: &str, spec: &LayerSpec, limits: &Limits) -> Result<(), ImageError> {
        let digest = || spec.digest.cloned().unwrap_or_else(|| spec.diff_id.clone());
        if path.len() > limits.max_path_length {
            return Err(ImageError::PathTooLong {
                path: path.chars().take(100).collect(),
                index: spec.index,
                digest: digest(),
                image: spec.image.to_string(),
                length: path.len(),
                max: limits.max_path_length,
            });
        }
        self.path_bytes = self.path_bytes.saturating_add(path.len() as u64);
        if self.path_bytes > limits.max_path_bytes {
            return Err(ImageError::TooManyPathBytes {
                index: spec.index,
                digest: digest(),
                image: spec.image.to_string(),
                max: limits.max_path_bytes,
            });
        }
        Ok(())
    }

    /// Counts the paths a cached change holds, as reading the layer would have.
    fn count_change(&mut self, change: &Change, spec: &LayerSpec, limits: &Limits) -> Result<(), ImageError> {
        match change {
            Change::Add { path, kind: FileKind::Symlink(target), .. } | Change::Hardlink { path, target } => {
                self.count_path(path, spec, limits)?;
                self.count_path(target, spec, limits)
            }
            Change::Add { path, .. } | Change::Whiteout { path } => self.count_path(path, spec, limits),
            Change::Opaque { dir } => self.count_path(dir, spec, limits),
        }
    }
}

/// One tar entry kept between the two passes, and what the layer cache stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    Add { path: String, kind: FileKind, size: u64, content: Option<Vec<u8>> },
    Hardlink { path: String, target: String },
    Whiteout { path: String },
    Opaque { dir: String },
}

/// Reads the layer blob from `reader`, checks it and applies it to `tree`.
pub(crate) fn apply_layer(
    tree: &mut FileTree,
    reader: impl Read,
    spec: &LayerSpec,
    options: &ReadOptions,
    budget: &mut Budget,
) -> Result<LayerBlobInfo, ImageError> {
    let (info, changes) = read_layer(tree, reader, spec, options, budget)?;
    apply_changes(tree, changes, spec.diff_id);
    Ok(info)
}

/// Applies a changeset from the layer cache, counting it against the limits as a read would.
/// Returns `false`, leaving `tree` unchanged, when the changeset lacks the content of a file
/// that the capture rules select on top of the current tree. That happens when a lower layer
/// makes a parent directory a symlink into a captured location, which the reader that wrote the
/// cache entry, on top of other lower layers, did not see.
pub(crate) fn apply_cached(
    tree: &mut FileTree,
    changes: Vec<Change>,
    spec: &LayerSpec,
    options: &ReadOptions,
    budget: &mut Budget,
) -> Result<bool, ImageError> {
    let mut kept = Vec::with_capacity(changes.len());
    for change in changes {
        budget.entries += 1;
        if budget.entries > options.limits.max_entries {
            return Err(ImageError::TooManyEntries { image: spec.image.to_string(), max_entries: options.limits.max_entries });
        }
        budget.count_change(&change, spec, &options.limits)?;
        let Change::Add { path, kind: FileKind::Regular, size, content } = change else {
            kept.push(change);
            continue;
        };
        let wanted = (options.capture)(&path) || tree.resolve_parent(&path).is_some_and(|resolved| (options.capture)(&resolved));
        if wanted && content.is_none() {
            return Ok(false);
        }
        if !wanted {
            // A file that only `capture_by_content` selected keeps its content while it still
            // fits the limits, as `read_optional_capture` decides on a read.
            let content = content.filter(|content| keeps_optional_capture(&path, content, options, budget));
            kept.push(Change::Add { path, kind: FileKind::Regular, size, content });
            continue;
        }
        if let Some(content) = &content {
            let exceeded = |limit: &'static str, value: u64| ImageError::LimitExceeded {
                path: path.clone(),
                index: spec.index,
                digest: spec.digest.cloned().unwrap_or_else(|| spec.diff_id.clone()),
                image: spec.image.to_string(),
                limit,
                value,
            };
            if content.len() as u64 > options.limits.max_captured_file {
                return Err(ImageError::CapturedFileTooLarge {
                    path: path.clone(),
                    index: spec.index,
                    digest: spec.digest.cloned().unwrap_or_else(|| spec.diff_id.clone()),
                    image: spec.image.to_string(),
                    size: content.len() as u64,
                    max: options.limits.max_captured_file,
                });
            }
            budget.captured_bytes += content.len() as u64;
            if budget.captured_bytes > options.limits.max_captured_total {
                return Err(exceeded("Limits::max_captured_total", options.limits.max_captured_total));
            }
        }
        kept.push(Change::Add { path, kind: FileKind::Regular, size, content });
    }
    apply_changes(tree, kept, spec.diff_id);
    Ok(true)
}

/// Decides whether a cached optional capture is kept, and counts it when it is.
fn keeps_optional_capture(path: &str, content: &[u8], options: &ReadOptions, budget: &mut Budget) -> bool {
    let head = &content[..content.len().min(SNIFF_LENGTH)];
    let length = content.len() as u64;
    let held = budget.captured_bytes.saturating_add(budget.optional_bytes);
    let fits = length <= options.limits.max_captured_file && held.saturating_add(length) <= options.limits.max_captured_total;
    let kept = fits && (options.capture_by_content)(path, head);
    if kept {
        budget.optional_bytes += length;
    }
    kept
}

/// Reads the layer blob from `reader` and checks it, returning its changeset without applying
/// it. `tree` contains the lower layers, which decide captures through symlinked directories.
pub(crate) fn read_layer(
    tree: &FileTree,
    reader: impl Read,
    spec: &LayerSpec,
    options: &ReadOptions,
    budget: &mut Budget,
) -> Result<(LayerBlobInfo, Vec<Change>), ImageError> {
    let report = |bytes| options.progress.layer_bytes(bytes);
    let (mut raw, raw_hash) = HashingReader::new(reader, &report);

    let layer_error = |source: io::Error| {
        let digest = spec.digest.cloned().unwrap_or_else(|| spec.diff_id.clone());
        let image = spec.image.to_string();
        // A timeout comes from a stalled registry, not from a truncated or corrupt layer.
        match source.kind() {
            io::ErrorKind::TimedOut => ImageError::BlobRead { digest, image, source },
            _ => ImageError::LayerRead { index: spec.index, digest, image, source },
        }
    };
    let mut magic = [0u8; 4];
    let magic_length = read_up_to(&mut raw, &mut magic).map_err(layer_error)?;
    let compression = detect_compression(&magic[..magic_length], spec);
    let raw = BufReader::new(io::Cursor::new(magic[..magic_length].to_vec()).chain(raw));

    let decoder = Decoder::new(raw, compression).map_err(layer_error)?;
    let ignore = |_| {};
    let (uncompressed, diff_hash) = HashingReader::new(decoder, &ignore);
    let mut archive = tar::Archive::new(uncompressed);

    let collected = collect_changes(&mut archive, tree, spec, options, budget);
    // The uncompressed stream is read past the tar end marker so its hash covers all of it.
    let mut uncompressed = archive.into_inner();
    let drained = match &collected {
        Ok(_) => drain(&mut uncompressed),
        Err(_) => Ok(0),
    };
    let decoder = uncompressed.into_inner();

    // The blob is read to its end even after a failure, so that a corrupt blob is reported as
    // a digest mismatch, the cause, not as the decompression error it led to.
    let mut raw = decoder.into_inner();
    let raw_drained = drain(&mut raw);
    let blob_digest = raw_hash.borrow().digest();
    if let (Some(expected), Ok(_)) = (spec.digest, &raw_drained) {
        let blob = BlobRef { role: BlobRole::Layer, digest: expected, size: spec.size, image: spec.image };
        blob.verify(&raw_hash.borrow())?;
    }

    // A stalled registry fails the raw read with a timeout, which the tar and decompression
    // errors it causes upstream may no longer carry, so it is reported first.
    if let Err(error) = &raw_drained {
        if error.kind() == io::ErrorKind::TimedOut {
            return Err(layer_error(io::Error::new(io::ErrorKind::TimedOut, error.to_string())));
        }
    }
    let changes = match collected {
        Ok(changes) => changes,
        Err(ChangeError::Image(error)) => return Err(error),
        Err(ChangeError::Io(source)) => return Err(layer_error(source)),
    };
    drained.map_err(layer_error)?;
    raw_drained.map_err(layer_error)?;

    let actual_diff_id = diff_hash.borrow().digest();
    if &actual_diff_id != spec.diff_id {
        return Err(ImageError::DiffIdMismatch {
            index: spec.index,
            digest: blob_digest,
            expected: spec.diff_id.clone(),
            actual: actual_diff_id,
            image: spec.image.to_string(),
        });
    }

    let size = raw_hash.borrow().bytes();
    Ok((LayerBlobInfo { digest: blob_digest, size, compression }, changes))
}

fn drain(reader: &mut impl Read) -> io::Result<u64> {
    io::copy(reader, &mut io::sink())
}

/// Detects the layer's compression from its magic bytes, which win over the media type because
/// legacy docker-archive layers have no media type and a mislabelled layer is still readable.
fn detect_compression(magic: &[u8], spec: &LayerSpec) -> Compression {
    let from_magic = Compression::from_magic(magic);
    if let Some(declared) = declared_compression(spec.media_type) {
        if declared != from_magic && !magic.is_empty() {
            tracing::warn!(
                "layer {} of {} has media type {} but its content is {:?}; reading it as {:?}",
                spec.index,
                spec.image,
                spec.media_type,
                from_magic,
                from_magic,
            );
        }
    }
    from_magic
}

/// Returns the compression a layer media type declares, or `None` for an unknown or absent one.
fn declared_compression(media_type: &str) -> Option<Compression> {
    match media_type {
        "" => None,
        m if m.ends_with("+gzip") || m.ends_with(".tar.gzip") => Some(Compression::Gzip),
        m if m.ends_with("+zstd") => Some(Compression::Zstd),
        m if m.ends_with(".tar") => Some(Compression::None),
        _ => None,
    }
}

enum ChangeError {
    Image(ImageError),
    Io(io::Error),
}

impl From<io::Error> for ChangeError {
    fn from(error: io::Error) -> ChangeError {
        ChangeError::Io(error)
    }
}

/// First pass: reads every tar entry, keeping metadata and the captured contents.
fn collect_changes<R: Read>(
    archive: &mut tar::Archive<R>,
    tree: &FileTree,
    spec: &LayerSpec,
    options: &ReadOptions,
    budget: &mut Budget,
) -> Result<Vec<Change>, ChangeError> {
    let limits = &options.limits;
    let capture = options.capture;
    let mut changes = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        budget.entries += 1;
        if budget.entries > limits.max_entries {
            return Err(ChangeError::Image(ImageError::TooManyEntries {
                image: spec.image.to_string(),
                max_entries: limits.max_entries,
            }));
        }

        let raw_path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        budget.count_path(&raw_path, spec, limits).map_err(ChangeError::Image)?;
        let path = checked_path(&raw_path, spec).map_err(ChangeError::Image)?;
        if path.is_empty() {
            // The root directory itself (`./`).
            continue;
        }

        let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
        if name == OPAQUE_MARKER {
            changes.push(Change::Opaque { dir: dir.to_string() });
            continue;
        }
        if path.split('/').any(|component| component.starts_with(AUFS_METADATA_PREFIX)) {
            // aufs bookkeeping such as `.wh..wh.plnk/`, not part of the filesystem.
            continue;
        }
        if let Some(hidden) = name.strip_prefix(WHITEOUT_PREFIX) {
            let hidden = if dir.is_empty() { hidden.to_string() } else { format!("{dir}/{hidden}") };
            changes.push(Change::Whiteout { path: hidden });
            continue;
        }

        let entry_type = entry.header().entry_type();
        let change = match entry_type {
            EntryType::Link => {
                let target = String::from_utf8_lossy(&entry.link_name_bytes().unwrap_or_default()).into_owned();
                budget.count_path(&target, spec, limits).map_err(ChangeError::Image)?;
                Change::Hardlink { path, target: checked_path(&target, spec).map_err(ChangeError::Image)? }
            }
            EntryType::Symlink => {
                let target = String::from_utf8_lossy(&entry.link_name_bytes().unwrap_or_default()).into_owned();
                budget.count_path(&target, spec, limits).map_err(ChangeError::Image)?;
                Change::Add { path, kind: FileKind::Symlink(target), size: 0, content: None }
            }
            EntryType::Directory => Change::Add { path, kind: FileKind::Directory, size: 0, content: None },
            t if t.is_file() || t == EntryType::Continuous || t == EntryType::GNUSparse => {
                let size = entry.size();
                let wanted = capture(&path) || tree.resolve_parent(&path).is_some_and(|resolved| capture(&resolved));
                let content = if wanted {
                    Some(read_captured(&mut entry, &path, size, spec, limits, budget)?)
                } else {
                    read_optional_capture(&mut entry, &path, size, options, budget)?
                };
                Change::Add { path, kind: FileKind::Regular, size, content }
            }
            _ => Change::Add { path, kind: FileKind::Other, size: 0, content: None },
        };
        changes.push(change);
    }
    Ok(changes)
}

/// Reads a captured file's content, enforcing the per-file and per-image limits. A file whose
/// header `size` passes the per-file limit fails before any of it is read.
fn read_captured(
    entry: &mut impl Read,
    path: &str,
    size: u64,
    spec: &LayerSpec,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<Vec<u8>, ChangeError> {
    let exceeded = |limit: &'static str, value: u64| {
        ChangeError::Image(ImageError::LimitExceeded {
            path: path.to_string(),
            index: spec.index,
            digest: spec.digest.cloned().unwrap_or_else(|| spec.diff_id.clone()),
            image: spec.image.to_string(),
            limit,
            value,
        })
    };

    let too_large = |size: u64| {
        ChangeError::Image(ImageError::CapturedFileTooLarge {
            path: path.to_string(),
            index: spec.index,
            digest: spec.digest.cloned().unwrap_or_else(|| spec.diff_id.clone()),
            image: spec.image.to_string(),
            size,
            max: limits.max_captured_file,
        })
    };
    if size > limits.max_captured_file {
        return Err(too_large(size));
    }

    // The content is still read through a bound, because a sparse file can hold more data than
    // its header size states.
    let mut content = Vec::new();
    entry.take(limits.max_captured_file.saturating_add(1)).read_to_end(&mut content)?;
    let length = content.len() as u64;
    if length > limits.max_captured_file {
        return Err(too_large(length));
    }
    budget.captured_bytes += length;
    if budget.captured_bytes > limits.max_captured_total {
        return Err(exceeded("Limits::max_captured_total", limits.max_captured_total));
    }
    Ok(content)
}

/// Reads the first [`SNIFF_LENGTH`] bytes of a file that `capture` rejected and, when
/// `capture_by_content` selects it, the rest. A selected file that does not fit the limits is
/// skipped with a log and returns `None`, so only an I/O error fails the read.
fn read_optional_capture(
    entry: &mut impl Read,
    path: &str,
    size: u64,
    options: &ReadOptions,
    budget: &mut Budget,
) -> Result<Option<Vec<u8>>, ChangeError> {
    if size == 0 {
        return Ok(None);
    }
    let mut head = [0u8; SNIFF_LENGTH];
    let head_length = read_up_to(entry, &mut head)?;
    if !(options.capture_by_content)(path, &head[..head_length]) {
        return Ok(None);
    }

    let limits = &options.limits;
    if size > limits.max_captured_file {
        tracing::debug!(path = %format!("/{path}"), size, max = limits.max_captured_file, "skipping a file larger than Limits::max_captured_file");
        return Ok(None);
    }
    let held = budget.captured_bytes.saturating_add(budget.optional_bytes);
    if held.saturating_add(size) > limits.max_captured_total {
        tracing::warn!(path = %format!("/{path}"), size, max = limits.max_captured_total, "skipping a file that would pass Limits::max_captured_total");
        return Ok(None);
    }

    let mut content = Vec::with_capacity(size as usize);
    content.extend_from_slice(&head[..head_length]);
    let remaining = limits.max_captured_file.saturating_add(1).saturating_sub(head_length as u64);
    entry.take(remaining).read_to_end(&mut content)?;
    let length = content.len() as u64;
    if length > limits.max_captured_file || held.saturating_add(length) > limits.max_captured_total {
        // A sparse file can hold more data than its header size states.
        tracing::debug!(path = %format!("/{path}"), length, "skipping a file whose content passes the capture limits");
        return Ok(None);
    }
    budget.optional_bytes += length;
    Ok(Some(content))
}

/// Normalizes an entry or hard link path, rejecting one whose `..` climbs above the root.
fn checked_path(raw: &str, spec: &LayerSpec) -> Result<String, ImageError> {
    let mut depth: usize = 0;
    for component in raw.split('/').filter(|c| !c.is_empty() && *c != ".") {
        if component == ".." {
            depth = depth.checked_sub(1).ok_or_else(|| ImageError::PathEscapesRoot {
                path: raw.to_string(),
                index: spec.index,
                digest: spec.digest.cloned().unwrap_or_else(|| spec.diff_id.clone()),
                image: spec.image.to_string(),
            })?;
        } else {
            depth += 1;
        }
    }
    Ok(normalize(raw))
}

/// Second pass: deletions first (they apply to lower layers only), then additions in tar order.
pub(crate) fn apply_changes(tree: &mut FileTree, changes: Vec<Change>, layer: &Digest) {
    for change in &changes {
        match change {
            Change::Opaque { dir } => {
                let dir = resolve_parent_of_child(tree, dir);
                tree.remove_children(&dir);
            }
            Change::Whiteout { path } => {
                let path = tree.resolve_parent(path).unwrap_or_else(|| path.clone());
                tree.remove_tree(&path);
            }
            _ => {}
        }
    }

    for change in changes {
        match change {
            Change::Add { path, kind, size, content } => {
                let path = tree.resolve_parent(&path).unwrap_or(path);
                put(tree, &path, FileEntry { kind, layer: layer.clone(), size, content });
            }
            Change::Hardlink { path, target } => {
                // NOTE: the link carries content only when its target's path was captured, because
                // the first pass decides capture per entry before it reads the links to it.
                let path = tree.resolve_parent(&path).unwrap_or(path);
                let target_path = tree.resolve_parent(&target).unwrap_or_else(|| target.clone());
                let entry = match tree.get(&target_path) {
                    Some(found) => FileEntry { layer: layer.clone(), ..found.clone() },
                    None => {
                        tracing::warn!(path, target, "hard link target is missing; keeping the link as an empty file");
                        FileEntry { kind: FileKind::Regular, layer: layer.clone(), size: 0, content: None }
                    }
                };
                put(tree, &path, entry);
            }
            Change::Opaque { .. } | Change::Whiteout { .. } => {}
        }
    }
}

/// Returns the directory `dir` with symlinks in it resolved, where its children are placed.
fn resolve_parent_of_child(tree: &FileTree, dir: &str) -> String {
    if dir.is_empty() {
        return String::new();
    }
    let child = format!("{dir}/{OPAQUE_MARKER}");
    match tree.resolve_parent(&child) {
        Some(resolved) => resolved.rsplit_once('/').map_or(String::new(), |(parent, _)| parent.to_string()),
        None => dir.to_string(),
    }
}

/// Writes one entry: a directory over a directory merges, anything else replaces the old entry
/// and everything below it.
fn put(tree: &mut FileTree, path: &str, entry: FileEntry) {
    let merges = entry.kind == FileKind::Directory
        && tree.get(path).is_some_and(|existing| existing.kind == FileKind::Directory);
    if !merges {
        tree.remove_tree(path);
    }
    tree.insert(path, entry);
}

#[cfg(test)]
mod tests {
    use scantrail_testkit::Layer;

    use super::*;
    use crate::files::FileTree;

    fn spec<'a>(diff_id: &'a Digest, digest: Option<&'a Digest>) -> LayerSpec<'a> {
        LayerSpec { index: 0, digest, size: None, media_type: "", diff_id, image: "oci:test:t" }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut encoder, bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn truncated_gzip_is_layer_read_error() {
        let tar = Layer::new().file("etc/a", "x".repeat(4096)).tar_bytes();
        let diff_id = Digest::sha256_of(&tar);
        let mut blob = gzip(&tar);
        blob.truncate(blob.len() / 2);

        let mut tree = FileTree::new();
        let error = apply_layer(&mut tree, blob.as_slice(), &spec(&diff_id, None), &ReadOptions::default(), &mut Budget::default())
            .unwrap_err();
        assert!(matches!(error, ImageError::LayerRead { index: 0, .. }), "{error}");
        assert!(tree.is_empty(), "a failed layer changes nothing");
    }

    #[test]
    fn oversized_header_fails_before_read() {
        // The header claims 20 GiB, but only one block of content follows: the read must fail on
        // the header size alone, without reading toward the limit.
        let claimed: u64 = 20 * 1024 * 1024 * 1024;
        let mut header = tar::Header::new_gnu();
        header.set_path("var/lib/dpkg/status").unwrap();
        header.set_size(claimed);
        header.set_entry_type(EntryType::Regular);
        header.set_cksum();
        let mut tar = header.as_bytes().to_vec();
        tar.extend_from_slice(&[b'x'; 512]);
        let diff_id = Digest::sha256_of(&tar);

        let capture_all = |_: &str| true;
        let options = ReadOptions { capture: &capture_all, ..ReadOptions::default() };
        let mut tree = FileTree::new();
        let error = apply_layer(&mut tree, tar.as_slice(), &spec(&diff_id, None), &options, &mut Budget::default()).unwrap_err();
        match &error {
            ImageError::CapturedFileTooLarge { path, size, max, .. } => {
                assert_eq!(path, "var/lib/dpkg/status");
                assert_eq!(*size, claimed);
                assert_eq!(*max, Limits::default().max_captured_file);
            }
            other => panic!("expected CapturedFileTooLarge, got {other}"),
        }
        let message = error.to_string();
        assert!(message.contains("/var/lib/dpkg/status"), "{message}");
        assert!(message.contains(&format!("is {claimed} bytes")), "{message}");
    }

    #[test]
    fn failed_check_leaves_tree_unchanged() {
        let tar = Layer::new().file("etc/a", "a").tar_bytes();
        let wrong = Digest::sha256_of(b"other");
        let mut tree = FileTree::new();
        let result = apply_layer(&mut tree, tar.as_slice(), &spec(&wrong, None), &ReadOptions::default(), &mut Budget::default());
        assert!(matches!(result, Err(ImageError::DiffIdMismatch { .. })));
        assert!(tree.is_empty());
    }

    #[test]
    fn aufs_metadata_is_ignored() {
        let tar = Layer::new().file(".wh..wh.plnk/12.345", "").file(".wh..wh.aufs", "").file("etc/a", "a").tar_bytes();
        let diff_id = Digest::sha256_of(&tar);
        let mut tree = FileTree::new();
        let blob = apply_layer(&mut tree, tar.as_slice(), &spec(&diff_id, None), &ReadOptions::default(), &mut Budget::default())
            .unwrap();
        assert_eq!(blob.digest, diff_id);
        assert_eq!(blob.compression, Compression::None);
        let paths: Vec<&str> = tree.iter().map(|(path, _)| path).collect();
        assert_eq!(paths, ["etc/a"]);
    }

    #[test]
    fn declared_compression_by_media_type() {
        let cases = [
            ("application/vnd.oci.image.layer.v1.tar", Some(Compression::None)),
            ("application/vnd.oci.image.layer.v1.tar+gzip", Some(Compression::Gzip)),
            ("application/vnd.oci.image.layer.v1.tar+zstd", Some(Compression::Zstd)),
            ("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", Some(Compression::Gzip)),
            ("application/vnd.docker.image.rootfs.diff.tar.gzip", Some(Compression::Gzip)),
            ("application/vnd.docker.image.rootfs.diff.tar", Some(Compression::None)),
            ("application/vnd.in-toto+json", None),
            ("", None),
        ];
        for (media_type, expected) in cases {
            assert_eq!(declared_compression(media_type), expected, "{media_type}");
        }
    }
}
