//! Reading blobs with their digests and sizes checked.

use std::cell::RefCell;
use std::io::{self, Read};
use std::rc::Rc;

use scantrail_model::Digest;
use sha2::{Digest as _, Sha256};

use crate::archive::Store;
use crate::error::BlobRole;
use crate::ImageError;

/// Maximum size of a manifest, index or config blob. Registries reject manifests over 4 MiB;
/// configs of images with very long histories run to a few MiB.
pub(crate) const MAX_JSON_BLOB: u64 = 32 * 1024 * 1024;

/// The running hash and byte count of a stream.
#[derive(Default)]
pub(crate) struct StreamHash {
    hasher: Sha256,
    bytes: u64,
}

impl StreamHash {
    pub fn digest(&self) -> Digest {
        Digest::from_hasher(self.hasher.clone())
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

/// A reader that hashes and counts every byte it passes on, and reports the count to `on_read`.
pub(crate) struct HashingReader<'a, R> {
    inner: R,
    state: Rc<RefCell<StreamHash>>,
    on_read: &'a dyn Fn(u64),
}

impl<'a, R: Read> HashingReader<'a, R> {
    pub fn new(inner: R, on_read: &'a dyn Fn(u64)) -> (HashingReader<'a, R>, Rc<RefCell<StreamHash>>) {
        let state = Rc::new(RefCell::new(StreamHash::default()));
        (HashingReader { inner, state: Rc::clone(&state), on_read }, state)
    }
}

impl<R> HashingReader<'_, R> {
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut state = self.state.borrow_mut();
        state.hasher.update(&buf[..n]);
        state.bytes += n as u64;
        (self.on_read)(n as u64);
        Ok(n)
    }
}

/// Identity of a blob being read, for checks and messages.
pub(crate) struct BlobRef<'a> {
    pub role: BlobRole,
    pub digest: &'a Digest,
    /// The size the descriptor states, when there is a descriptor.
    pub size: Option<u64>,
    pub image: &'a str,
}

impl BlobRef<'_> {
    /// Checks the hash and size of a blob that was read to its end.
    pub fn verify(&self, hash: &StreamHash) -> Result<(), ImageError> {
        if let Some(expected) = self.size {
            if hash.bytes() != expected {
                return Err(ImageError::SizeMismatch {
                    role: self.role,
                    digest: self.digest.clone(),
                    expected,
                    actual: hash.bytes(),
                    image: self.image.to_string(),
                });
            }
        }
        let actual = hash.digest();
        if &actual != self.digest {
            return Err(ImageError::DigestMismatch {
                role: self.role,
                expected: self.digest.clone(),
                actual,
                image: self.image.to_string(),
            });
        }
        Ok(())
    }

    pub fn missing(&self, store: &Store, name: &str) -> ImageError {
        ImageError::BlobMissing {
            role: self.role,
            digest: self.digest.clone(),
            image: self.image.to_string(),
            location: store.location(name),
        }
    }
}

/// A store of blobs addressed by digest: an OCI layout or archive, or a registry.
pub(crate) trait BlobSource {
    /// Opens the blob `blob.digest` for streaming; the caller checks its digest. A missing blob
    /// is an error.
    fn open_blob(&self, blob: &BlobRef) -> Result<Box<dyn Read + '_>, ImageError>;

    /// Checks, without reading the blob, that it exists and has the size its descriptor states.
    /// Sources where that check costs a request (registries) skip it.
    fn check_stored_size(&self, blob: &BlobRef) -> Result<(), ImageError> {
        let _ = blob;
        Ok(())
    }
}

impl BlobSource for Store {
    fn open_blob(&self, blob: &BlobRef) -> Result<Box<dyn Read + '_>, ImageError> {
        let name = blob_path(blob.digest);
        match self.open(&name)? {
            Some((reader, _)) => Ok(reader),
            None => Err(blob.missing(self, &name)),
        }
    }

    fn check_stored_size(&self, blob: &BlobRef) -> Result<(), ImageError> {
        let name = blob_path(blob.digest);
        let Some(actual) = self.size(&name)? else {
            return Err(blob.missing(self, &name));
        };
        match blob.size {
            Some(expected) if expected != actual => Err(ImageError::SizeMismatch {
                role: blob.role,
                digest: blob.digest.clone(),
                expected,
                actual,
                image: blob.image.to_string(),
            }),
            _ => Ok(()),
        }
    }
}

/// Returns the path of a blob inside an OCI layout.
pub(crate) fn blob_path(digest: &Digest) -> String {
    format!("blobs/sha256/{}", digest.hex())
}

/// Reads a whole JSON blob (manifest, index or config) and checks it.
pub(crate) fn read_small_blob(source: &dyn BlobSource, blob: &BlobRef) -> Result<Vec<u8>, ImageError> {
    let too_large = |size: u64| {
        ImageError::malformed(
            blob.image,
            format!("{} blob {} is {size} bytes, more than the {MAX_JSON_BLOB} a JSON blob may have", blob.role, blob.digest),
        )
    };
    if let Some(size) = blob.size.filter(|size| *size > MAX_JSON_BLOB) {
        return Err(too_large(size));
    }

    let reader = source.open_blob(blob)?;
    let ignore_progress = |_| {};
    let (reader, hash) = HashingReader::new(reader, &ignore_progress);
    let mut bytes = Vec::new();
    reader
        .take(MAX_JSON_BLOB + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ImageError::BlobRead { digest: blob.digest.clone(), image: blob.image.to_string(), source })?;
    if bytes.len() as u64 > MAX_JSON_BLOB {
        return Err(too_large(bytes.len() as u64));
    }
    blob.verify(&hash.borrow())?;
    Ok(bytes)
}

/// Reads the file `name` of the store and checks it against `blob`.
pub(crate) fn read_small_file(store: &Store, name: &str, blob: &BlobRef) -> Result<Vec<u8>, ImageError> {
    let Some((reader, stored_size)) = store.open(name)? else {
        return Err(blob.missing(store, name));
    };
    if stored_size > MAX_JSON_BLOB {
        return Err(ImageError::malformed(
            blob.image,
            format!("{} blob {} is {stored_size} bytes, more than the {MAX_JSON_BLOB} a JSON blob may have", blob.role, blob.digest),
        ));
    }

    let ignore_progress = |_| {};
    let (mut reader, hash) = HashingReader::new(reader, &ignore_progress);
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|source| ImageError::BlobRead { digest: blob.digest.clone(), image: blob.image.to_string(), source })?;
    blob.verify(&hash.borrow())?;
    Ok(bytes)
}

/// Parses a JSON blob, naming the blob when it is invalid.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8], blob: &BlobRef) -> Result<T, ImageError> {
    serde_json::from_slice(bytes).map_err(|source| ImageError::InvalidJson {
        role: blob.role,
        name: blob.digest.to_string(),
        image: blob.image.to_string(),
        source,
    })
}
