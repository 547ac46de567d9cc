//! Conversions between domain values and their column encodings, and the blob table.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use scantrail_model::Digest;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::StoreError;

/// zstd level for blobs: the library's default, a balance of speed and size.
const ZSTD_LEVEL: i32 = 3;

/// Adds the store path and the failed operation to a database error.
pub(super) trait Context<T> {
    fn context(self, path: &Path, operation: &str) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, rusqlite::Error> {
    fn context(self, path: &Path, operation: &str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Database {
            path: path.to_path_buf(),
            operation: operation.to_string(),
            source,
        })
    }
}

pub(super) fn corrupt(path: &Path, detail: String) -> StoreError {
    StoreError::Corrupt {
        path: path.to_path_buf(),
        detail,
    }
}

/// Formats a timestamp as RFC 3339 UTC with nine fractional digits. The fixed width makes text
/// order equal time order for years 0 to 9999.
pub(super) fn format_time(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

pub(super) fn parse_time(
    path: &Path,
    subject: &str,
    text: &str,
) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|error| {
            corrupt(
                path,
                format!("{subject} {text:?} is not an RFC 3339 timestamp: {error}"),
            )
        })
}

pub(super) fn parse_digest(path: &Path, subject: &str, text: &str) -> Result<Digest, StoreError> {
    text.parse()
        .map_err(|error| corrupt(path, format!("{subject}: {error}")))
}

pub(super) fn to_json<T: Serialize + ?Sized>(
    subject: &str,
    value: &T,
) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|source| StoreError::Encode {
        subject: subject.to_string(),
        source,
    })
}

pub(super) fn to_json_text<T: Serialize + ?Sized>(
    subject: &str,
    value: &T,
) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|source| StoreError::Encode {
        subject: subject.to_string(),
        source,
    })
}

pub(super) fn from_json<T: DeserializeOwned>(
    path: &Path,
    subject: &str,
    bytes: &[u8],
) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|error| corrupt(path, format!("{subject} is not valid JSON: {error}")))
}

pub(super) fn count_to_i64(count: usize) -> i64 {
    // usize is at most 64 bits on every platform Rust supports, and no count reaches 2^63.
    i64::try_from(count).unwrap_or(i64::MAX)
}

pub(super) fn count_from_i64(path: &Path, subject: &str, value: i64) -> Result<usize, StoreError> {
    usize::try_from(value)
        .map_err(|_| corrupt(path, format!("{subject} {value} is not a valid count")))
}

/// Stores `content` under `digest` (its SHA-256) unless a blob with that digest exists.
pub(super) fn put_blob(
    connection: &Connection,
    path: &Path,
    kind: &str,
    digest: &Digest,
    content: &[u8],
) -> Result<(), StoreError> {
    let key = digest.to_string();
    let exists = connection
        .query_row("SELECT 1 FROM blobs WHERE digest = ?1", [&key], |_| Ok(()))
        .optional()
        .context(path, "look up blob")?
        .is_some();
    if exists {
        return Ok(());
    }

    let compressed =
        zstd::encode_all(content, ZSTD_LEVEL).map_err(|source| StoreError::Compress {
            digest: digest.clone(),
            source,
        })?;
    connection
        .execute(
            "INSERT INTO blobs (digest, kind, size, content) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (digest) DO NOTHING",
            params![key, kind, count_to_i64(content.len()), compressed],
        )
        .context(path, "insert blob")?;
    Ok(())
}

/// Serializes `value` to JSON and stores it as a blob; returns the blob's digest.
pub(super) fn put_json_blob<T: Serialize + ?Sized>(
    connection: &Connection,
    path: &Path,
    kind: &str,
    value: &T,
) -> Result<Digest, StoreError> {
    let json = to_json(kind, value)?;
    let digest = Digest::sha256_of(&json);
    put_blob(connection, path, kind, &digest, &json)?;
    Ok(digest)
}

/// Decompresses a blob and checks it against its digest.
pub(super) fn decode_blob(
    path: &Path,
    digest: &Digest,
    compressed: &[u8],
) -> Result<Vec<u8>, StoreError> {
    let content = zstd::decode_all(compressed)
        .map_err(|error| corrupt(path, format!("blob {digest} does not decompress: {error}")))?;
    let actual = Digest::sha256_of(&content);
    if &actual != digest {
        return Err(corrupt(
            path,
            format!("blob {digest} has content with digest {actual}"),
        ));
    }
    Ok(content)
}

/// Reads blobs by digest, decoding each distinct blob once.
pub(super) struct BlobReader<'a> {
    connection: &'a Connection,
    path: &'a Path,
    cache: HashMap<Digest, Vec<u8>>,
}

impl<'a> BlobReader<'a> {
    pub(super) fn new(connection: &'a Connection, path: &'a Path) -> BlobReader<'a> {
        BlobReader {
            connection,
            path,
            cache: HashMap::new(),
        }
    }

    pub(super) fn read(&mut self, digest: &Digest) -> Result<&[u8], StoreError> {
        if !self.cache.contains_key(digest) {
            let compressed: Option<Vec<u8>> = self
                .connection
                .query_row(
                    "SELECT content FROM blobs WHERE digest = ?1",
                    [digest.to_string()],
                    |row| row.get(0),
                )
                .optional()
                .context(self.path, "read blob")?;
            let Some(compressed) = compressed else {
                return Err(corrupt(self.path, format!("blob {digest} is missing")));
            };
            let content = decode_blob(self.path, digest, &compressed)?;
            self.cache.insert(digest.clone(), content);
        }
        Ok(&self.cache[digest])
    }

    pub(super) fn read_json<T: DeserializeOwned>(
        &mut self,
        subject: &str,
        digest: &Digest,
    ) -> Result<T, StoreError> {
        let path = self.path;
        let bytes = self.read(digest)?;
        from_json(path, &format!("{subject} {digest}"), bytes)
    }
}
