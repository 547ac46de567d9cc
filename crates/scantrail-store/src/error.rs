use std::io;
use std::path::PathBuf;

use scantrail_model::{Digest, ScanId};

/// A failed history store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create directory {path} for the history store: {source}")]
    CreateDirectory { path: PathBuf, source: io::Error },

    #[error("cannot open history store {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },

    /// The file exists but is not an SQLite database, or not a scantrail one.
    #[error("cannot open history store {path}: {reason}; move it aside or set SCANTRAIL_HOME to another directory")]
    NotAStore { path: PathBuf, reason: String },

    #[error(
        "history store {path} has schema version {found}, but this scantrail supports versions up to {supported}; \
         upgrade scantrail"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("history store {path}: failed to {operation}: {source}")]
    Database {
        path: PathBuf,
        operation: String,
        source: rusqlite::Error,
    },

    /// Stored data that does not decode or does not match its digest.
    #[error(
        "history store {path} is damaged: {detail}; restore it from a backup or move it aside"
    )]
    Corrupt { path: PathBuf, detail: String },

    #[error("failed to compress blob {digest}: {source}")]
    Compress { digest: Digest, source: io::Error },

    #[error("failed to encode {subject} as JSON: {source}")]
    Encode {
        subject: String,
        source: serde_json::Error,
    },

    #[error(
        "scan id {id} does not match the scan's content, whose id is {computed}; \
         set the id with Scan::compute_id after the last change to the scan"
    )]
    ScanIdMismatch { id: ScanId, computed: ScanId },

    #[error("invalid scan id {0:?}: expected at least 4 hex digits")]
    InvalidScanId(String),

    #[error("scan id prefix {prefix} is ambiguous: it matches scans {}; give more digits", .candidates.join(", "))]
    AmbiguousScanId {
        prefix: String,
        candidates: Vec<String>,
    },

    #[error("scan {0} is not in the history store")]
    ScanNotFound(ScanId),

    #[error("advisory snapshot {0} is not in the history store; import advisories first")]
    SnapshotNotFound(Digest),

    #[error("invalid advisory snapshot {snapshot}: {reason}")]
    InvalidSnapshot { snapshot: Digest, reason: String },
}
