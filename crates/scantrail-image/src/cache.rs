//! A cache of layer changesets by layer blob digest, so that a rescan, or the scan of a new
//! version sharing base layers, reads only the layers it has not seen.
//!
//! A cache file contains what the first pass over a layer kept: entries, kinds, sizes, symlink and
//! hard link targets, whiteouts and opaque markers, and the captured file contents. Its layout,
//! all integers big-endian:
//!
//! ```text
//! MAGIC, u32 FORMAT_VERSION, str capture_version, str diff_id, u64 change count, changes...,
//! then the SHA-256 of everything before it (32 bytes)
//! str   = u32 length, UTF-8 bytes
//! bytes = u64 length, bytes
//! change = u8 tag: 0 Add(str path, u8 kind [2: + str symlink target], u64 size, u8 has content [bytes]),
//!                  1 Hardlink(str path, str target), 2 Whiteout(str path), 3 Opaque(str dir)
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use scantrail_model::Digest;

use crate::files::FileKind;
use crate::layer::Change;

const MAGIC: &[u8] = b"scantrail layer changeset\n";
/// Version of the file layout above; files of another version are ignored and rewritten.
const FORMAT_VERSION: u32 = 1;
const CHECKSUM_LENGTH: usize = 32;

/// A directory of cached layer changesets, one file per layer blob digest.
#[derive(Clone, Debug)]
pub struct LayerCache {
    dir: PathBuf,
    capture_version: String,
}

/// A changeset read back from the cache.
pub(crate) struct CachedLayer {
    pub diff_id: Digest,
    pub changes: Vec<Change>,
}

impl LayerCache {
    /// Uses `dir` (created on the first write). `capture_version` names the capture rules: a
    /// cached changeset written under another version is ignored, because its captured contents
    /// may lack files the current rules select.
    pub fn new(dir: impl Into<PathBuf>, capture_version: impl Into<String>) -> LayerCache {
        LayerCache { dir: dir.into(), capture_version: capture_version.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Returns the cache file of a layer blob.
    pub fn path_of(&self, layer: &Digest) -> PathBuf {
        self.dir.join(format!("{}-{}", layer.algorithm(), layer.hex()))
    }

    /// Loads the changeset of `layer`. Returns `Ok(None)` when there is none for the current
    /// format and capture rules, and an error message when the file is corrupt.
    pub(crate) fn load(&self, layer: &Digest) -> Result<Option<CachedLayer>, String> {
        let path = self.path_of(layer);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("failed to read {}: {e}", path.display())),
        };
        if bytes.len() < CHECKSUM_LENGTH {
            return Err(format!("{} is truncated", path.display()));
        }
        let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LENGTH);
        if Digest::sha256_of(body).hex() != hex::encode(checksum) {
            return Err(format!("{} does not match its checksum", path.display()));
        }

        let mut decoder = Decoder { bytes: body };
        let corrupt = |reason: &str| format!("{} is corrupt: {reason}", path.display());
        if decoder.take(MAGIC.len()).ok_or_else(|| corrupt("too short"))? != MAGIC {
            return Err(corrupt("it is not a scantrail layer cache file"));
        }
        if decoder.u32().ok_or_else(|| corrupt("too short"))? != FORMAT_VERSION {
            return Ok(None);
        }
        if decoder.string().ok_or_else(|| corrupt("too short"))? != self.capture_version {
            return Ok(None);
        }
        decode_changes(&mut decoder).map(Some).ok_or_else(|| corrupt("a change record is malformed"))
    }

    /// Writes the changeset of `layer` atomically: to a temporary file in the cache directory,
    /// then renamed over the final name. The file is not fsynced, because a file torn by a crash
    /// fails its checksum on load and the layer is then read from the source again.
    pub(crate) fn store(&self, layer: &Digest, diff_id: &Digest, changes: &[Change]) -> std::io::Result<()> {
        let mut body = Vec::new();
        body.extend_from_slice(MAGIC);
        body.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
        put_string(&mut body, &self.capture_version);
        put_string(&mut body, &diff_id.to_string());
        body.extend_from_slice(&(changes.len() as u64).to_be_bytes());
        for change in changes {
            encode_change(&mut body, change);
        }
        let checksum = hex::decode(Digest::sha256_of(&body).hex()).unwrap_or_default();

        std::fs::create_dir_all(&self.dir)?;
        let final_path = self.path_of(layer);
        let temporary = self.dir.join(format!(".{}-{}.tmp", layer.hex(), std::process::id()));
        let written = (|| {
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(&body)?;
            file.write_all(&checksum)?;
            std::fs::rename(&temporary, &final_path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written
    }
}

fn put_string(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&(text.len() as u32).to_be_bytes());
    out.extend_from_slice(text.as_bytes());
}

fn encode_change(out: &mut Vec<u8>, change: &Change) {
    match change {
        Change::Add { path, kind, size, content } => {
            out.push(0);
            put_string(out, path);
            match kind {
                FileKind::Regular => out.push(0),
                FileKind::Directory => out.push(1),
                FileKind::Symlink(target) => {
                    out.push(2);
                    put_string(out, target);
                }
                FileKind::Other => out.push(3),
            }
            out.extend_from_slice(&size.to_be_bytes());
            match content {
                Some(content) => {
                    out.push(1);
                    out.extend_from_slice(&(content.len() as u64).to_be_bytes());
                    out.extend_from_slice(content);
                }
                None => out.push(0),
            }
        }
        Change::Hardlink { path, target } => {
            out.push(1);
            put_string(out, path);
            put_string(out, target);
        }
        Change::Whiteout { path } => {
            out.push(2);
            put_string(out, path);
        }
        Change::Opaque { dir } => {
            out.push(3);
            put_string(out, dir);
        }
    }
}

/// Reads the fields of a cache file in order; every method returns `None` past the end.
struct Decoder<'a> {
    bytes: &'a [u8],
}

impl<'a> Decoder<'a> {
    fn take(&mut self, length: usize) -> Option<&'a [u8]> {
        if length > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(length);
        self.bytes = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_be_bytes(b.try_into().unwrap_or_default()))
    }

    fn u64(&mut self) -> Option<u64> {
        self.take(8).map(|b| u64::from_be_bytes(b.try_into().unwrap_or_default()))
    }

    fn string(&mut self) -> Option<String> {
        let length = self.u32()? as usize;
        String::from_utf8(self.take(length)?.to_vec()).ok()
    }
}

fn decode_changes(decoder: &mut Decoder) -> Option<CachedLayer> {
    let diff_id = decoder.string()?.parse::<Digest>().ok()?;
    let count = decoder.u64()?;
    let mut changes = Vec::new();
    for _ in 0..count {
        let change = match decoder.u8()? {
            0 => {
                let path = decoder.string()?;
                let kind = match decoder.u8()? {
                    0 => FileKind::Regular,
                    1 => FileKind::Directory,
                    2 => FileKind::Symlink(decoder.string()?),
                    3 => FileKind::Other,
                    _ => return None,
                };
                let size = decoder.u64()?;
                let content = match decoder.u8()? {
                    0 => None,
                    1 => {
                        let length = usize::try_from(decoder.u64()?).ok()?;
                        Some(decoder.take(length)?.to_vec())
                    }
                    _ => return None,
                };
                Change::Add { path, kind, size, content }
            }
            1 => Change::Hardlink { path: decoder.string()?, target: decoder.string()? },
            2 => Change::Whiteout { path: decoder.string()? },
            3 => Change::Opaque { dir: decoder.string()? },
            _ => return None,
        };
        changes.push(change);
    }
    if !decoder.bytes.is_empty() {
        return None;
    }
    Some(CachedLayer { diff_id, changes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Change> {
        vec![
            Change::Opaque { dir: "var/cache".into() },
            Change::Whiteout { path: "etc/old".into() },
            Change::Add { path: "etc".into(), kind: FileKind::Directory, size: 0, content: None },
            Change::Add { path: "etc/os-release".into(), kind: FileKind::Regular, size: 3, content: Some(b"ID=".to_vec()) },
            Change::Add { path: "bin/sh".into(), kind: FileKind::Symlink("busybox".into()), size: 0, content: None },
            Change::Hardlink { path: "bin/ls".into(), target: "bin/busybox".into() },
        ]
    }

    #[test]
    fn store_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::new(dir.path(), "rules-1");
        let layer = Digest::sha256_of(b"layer");
        let diff_id = Digest::sha256_of(b"diff");
        cache.store(&layer, &diff_id, &sample()).unwrap();

        let loaded = cache.load(&layer).unwrap().unwrap();
        assert_eq!(loaded.diff_id, diff_id);
        assert_eq!(loaded.changes, sample());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");
    }

    #[test]
    fn other_capture_rules_miss() {
        let dir = tempfile::tempdir().unwrap();
        let layer = Digest::sha256_of(b"layer");
        LayerCache::new(dir.path(), "rules-1").store(&layer, &layer, &sample()).unwrap();
        assert!(LayerCache::new(dir.path(), "rules-2").load(&layer).unwrap().is_none());
    }

    #[test]
    fn corrupt_file_is_error() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::new(dir.path(), "rules-1");
        let layer = Digest::sha256_of(b"layer");
        cache.store(&layer, &layer, &sample()).unwrap();
        let path = cache.path_of(&layer);

        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let error = cache.load(&layer).err().expect("a flipped byte is detected");
        assert!(error.contains("checksum"), "{error}");

        std::fs::write(&path, b"short").unwrap();
        assert!(cache.load(&layer).is_err());
    }
}
