use std::io::Write;

use flate2::write::GzEncoder;
use scantrail_model::Digest;
use tar::{EntryType, Header};

use crate::media_type;

/// Compression of a layer blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

#[derive(Clone, Debug)]
enum Entry {
    File { path: String, content: Vec<u8>, mode: u32 },
    Dir { path: String },
    Symlink { path: String, target: String },
    Hardlink { path: String, target: String },
}

/// One layer: tar entries in the order they were added, so tests control entry order (an opaque
/// marker before or after its siblings, a hard link after its target).
#[derive(Clone, Debug)]
pub struct Layer {
    entries: Vec<Entry>,
    compression: Compression,
    created_by: Option<String>,
    media_type: Option<String>,
}

impl Default for Layer {
    fn default() -> Layer {
        Layer::new()
    }
}

impl Layer {
    /// Starts an empty gzip-compressed layer.
    pub fn new() -> Layer {
        Layer { entries: Vec::new(), compression: Compression::Gzip, created_by: None, media_type: None }
    }

    /// Adds a regular file with mode 0644. The path is written into the tar header as given,
    /// so tests can write `./etc/x`, `/etc/x` or `../escape`.
    pub fn file(self, path: &str, content: impl AsRef<[u8]>) -> Layer {
        self.file_mode(path, content, 0o644)
    }

    pub fn file_mode(mut self, path: &str, content: impl AsRef<[u8]>, mode: u32) -> Layer {
        self.entries.push(Entry::File { path: path.to_string(), content: content.as_ref().to_vec(), mode });
        self
    }

    pub fn dir(mut self, path: &str) -> Layer {
        self.entries.push(Entry::Dir { path: path.to_string() });
        self
    }

    pub fn symlink(mut self, path: &str, target: &str) -> Layer {
        self.entries.push(Entry::Symlink { path: path.to_string(), target: target.to_string() });
        self
    }

    pub fn hardlink(mut self, path: &str, target: &str) -> Layer {
        self.entries.push(Entry::Hardlink { path: path.to_string(), target: target.to_string() });
        self
    }

    /// Adds the whiteout file `DIR/.wh.NAME` that deletes `path` (`DIR/NAME`) from lower layers.
    pub fn whiteout(self, path: &str) -> Layer {
        let marker = match path.rsplit_once('/') {
            Some((dir, name)) => format!("{dir}/.wh.{name}"),
            None => format!(".wh.{path}"),
        };
        self.file(&marker, b"")
    }

    /// Adds the opaque marker `DIR/.wh..wh..opq` that hides every lower-layer child of `dir`.
    pub fn opaque(self, dir: &str) -> Layer {
        let dir = dir.trim_end_matches('/');
        self.file(&format!("{dir}/.wh..wh..opq"), b"")
    }

    pub fn compression(mut self, compression: Compression) -> Layer {
        self.compression = compression;
        self
    }

    /// Sets the config history's `created_by` for this layer.
    pub fn created_by(mut self, text: &str) -> Layer {
        self.created_by = Some(text.to_string());
        self
    }

    /// Writes `media_type` into the manifest descriptor instead of the one matching the
    /// compression, to test readers that must trust the blob's magic bytes.
    pub fn media_type(mut self, media_type: &str) -> Layer {
        self.media_type = Some(media_type.to_string());
        self
    }

    pub(crate) fn created_by_text(&self) -> Option<&str> {
        self.created_by.as_deref()
    }

    pub(crate) fn compression_kind(&self) -> Compression {
        self.compression
    }

    /// Returns the uncompressed tar stream of this layer.
    pub fn tar_bytes(&self) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for entry in &self.entries {
            append_entry(&mut builder, entry);
        }
        builder.into_inner().expect("finishing an in-memory tar cannot fail")
    }

    /// Builds the layer blob as stored with `compression`, its media type for an OCI or Docker
    /// manifest, and the diff ID (digest of the uncompressed tar).
    pub(crate) fn blob(&self, compression: Compression, docker_media_types: bool) -> LayerBlob {
        let tar = self.tar_bytes();
        let diff_id = Digest::sha256_of(&tar);
        let bytes = compress(&tar, compression);
        let media_type = self.media_type.clone().unwrap_or_else(|| {
            match (compression, docker_media_types) {
                (Compression::None, false) => media_type::OCI_LAYER,
                (Compression::Gzip, false) => media_type::OCI_LAYER_GZIP,
                (Compression::Zstd, false) => media_type::OCI_LAYER_ZSTD,
                (Compression::None, true) => media_type::DOCKER_LAYER,
                // Docker schema 2 has no zstd media type; registries accept the OCI one there.
                (Compression::Gzip, true) => media_type::DOCKER_LAYER_GZIP,
                (Compression::Zstd, true) => media_type::OCI_LAYER_ZSTD,
            }
            .to_string()
        });
        LayerBlob { digest: Digest::sha256_of(&bytes), diff_id, media_type, bytes }
    }
}

pub(crate) struct LayerBlob {
    pub digest: Digest,
    pub diff_id: Digest,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// Compresses `data`; both encoders are deterministic (the gzip header has mtime 0).
pub(crate) fn compress(data: &[u8], compression: Compression) -> Vec<u8> {
    match compression {
        Compression::None => data.to_vec(),
        Compression::Gzip => {
            let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(data).expect("writing to memory cannot fail");
            encoder.finish().expect("writing to memory cannot fail")
        }
        Compression::Zstd => zstd::encode_all(data, 3).expect("writing to memory cannot fail"),
    }
}

fn append_entry(builder: &mut tar::Builder<Vec<u8>>, entry: &Entry) {
    let (path, entry_type, mode, content, link): (&str, EntryType, u32, &[u8], Option<&str>) = match entry {
        Entry::File { path, content, mode } => (path, EntryType::Regular, *mode, content, None),
        Entry::Dir { path } => (path, EntryType::Directory, 0o755, &[], None),
        Entry::Symlink { path, target } => (path, EntryType::Symlink, 0o777, &[], Some(target)),
        Entry::Hardlink { path, target } => (path, EntryType::Link, 0o644, &[], Some(target)),
    };

    let mut header = Header::new_gnu();
    header.set_entry_type(entry_type);
    header.set_mode(mode);
    header.set_size(content.len() as u64);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);

    // Names are written byte for byte, without the tar crate's checks, so that tests can build
    // hostile layers (`../x`, absolute paths). Names too long for the header take the GNU
    // long-name extension, which only accepts well-formed paths.
    let long_name = path.len() > 100;
    if !long_name {
        header.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
    }
    if let Some(target) = link {
        if target.len() <= 100 {
            header.set_link_name_literal(target).expect("a link name of at most 100 bytes fits the header");
        }
    }

    match (long_name, link) {
        (false, Some(target)) if target.len() > 100 => {
            builder.append_link(&mut header, path, target).expect("appending to an in-memory tar")
        }
        (true, Some(target)) => builder.append_link(&mut header, path, target).expect("appending to an in-memory tar"),
        (true, None) => builder.append_data(&mut header, path, content).expect("appending to an in-memory tar"),
        (false, _) => {
            header.set_cksum();
            builder.append(&header, content).expect("appending to an in-memory tar")
        }
    }
}
