//! scantrail's history store: scans, tag observations and advisory snapshots.
//!
//! [`HistoryStore`] is the interface the rest of scantrail uses, and [`SqliteStore`] is its
//! embedded implementation. The schema (`schema_v1.sql`, upgraded by `schema_v2.sql`) uses only
//! types and statements that a PostgreSQL implementation can reuse, so both can follow the same
//! model.
//!
//! Scans are append-only. Inventories, finding sets and advisory records are stored once per
//! distinct content (content-addressed by SHA-256), so scanning an unchanged image again adds a
//! scan row but no new inventory. The store does not parse advisories: it keeps each record as
//! the JSON bytes the caller gives it, keyed by advisory id and record digest.

mod error;
mod ledger;
mod sqlite;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use scantrail_model::{Digest, Remediation, RemediationAction, Scan, ScanId};
use serde::{Deserialize, Serialize};

pub use error::StoreError;
pub use ledger::{LedgerProblem, LedgerProblemKind, LedgerReport};
pub use sqlite::{SqliteStore, BUSY_TIMEOUT, SCHEMA_VERSION, STORE_FILE_NAME};

/// The history of scans, tags and advisory snapshots.
///
/// Every write runs in one transaction: it is stored completely or not at all.
pub trait HistoryStore {
    /// Stores an advisory snapshot and makes it the current snapshot.
    ///
    /// Each record's `digest` must be the SHA-256 of its `json`; records already stored under that
    /// digest are not stored again. A snapshot whose digest is already stored is only made
    /// current again. The parent, when given, must already be stored.
    fn put_snapshot(&mut self, snapshot: &NewSnapshot) -> Result<(), StoreError>;

    /// Returns the snapshot that the last [`put_snapshot`](HistoryStore::put_snapshot) made
    /// current, or `None` when no snapshot was ever stored.
    fn current_snapshot(&self) -> Result<Option<SnapshotInfo>, StoreError>;

    /// Returns the snapshot with `digest`, or `None` when it is not stored.
    fn snapshot_info(&self, digest: &Digest) -> Result<Option<SnapshotInfo>, StoreError>;

    /// Returns the JSON bytes of the snapshot's records, sorted by advisory id (byte order).
    ///
    /// Fails with [`StoreError::SnapshotNotFound`] when the snapshot is not stored.
    fn snapshot_records(&self, digest: &Digest) -> Result<Vec<Vec<u8>>, StoreError>;

    /// Appends a scan, with a tag observation when `scan.tag` is set.
    ///
    /// Rejects a scan whose id is not `scan.compute_id()`. Recording a scan whose id is already
    /// stored changes nothing, because equal ids mean equal content. A re-match
    /// ([`ScanKind::Rematch`](scantrail_model::ScanKind::Rematch)) adds no tag observation,
    /// because it did not look at the registry.
    fn record_scan(&mut self, scan: &Scan) -> Result<(), StoreError>;

    /// Returns the scan whose id is `id_or_prefix` or starts with it.
    ///
    /// The prefix needs at least 4 hex digits. Fails with [`StoreError::AmbiguousScanId`] when
    /// more than one scan matches.
    fn scan(&self, id_or_prefix: &str) -> Result<Option<Scan>, StoreError>;

    /// Returns the newest scan of `repository:tag` (by `scanned_at`, then insertion order).
    fn latest_scan_by_tag(&self, repository: &str, tag: &str) -> Result<Option<Scan>, StoreError>;

    /// Returns the newest scan of the image with this digest.
    ///
    /// The digest is matched against manifest digests first. When no scan has that manifest
    /// digest, it is matched against index digests (the digest a multi-platform tag points at),
    /// and then against config digests (the image id `docker images` shows).
    fn latest_scan_by_digest(&self, digest: &Digest) -> Result<Option<Scan>, StoreError>;

    /// Returns the scans of `repository`, newest first (by `scanned_at`, then insertion order).
    fn scans(&self, repository: &str) -> Result<Vec<Scan>, StoreError>;

    /// Returns the repositories that have at least one scan, sorted.
    fn repositories(&self) -> Result<Vec<String>, StoreError>;

    /// Appends a tag observation made without a scan, for example by polling a registry.
    ///
    /// `observation.scan_id`, when set, must name a stored scan.
    fn record_tag_observation(&mut self, observation: &TagObservation) -> Result<(), StoreError>;

    /// Returns the tag observations of `repository`, of one tag or of all, oldest first (by
    /// `observed_at`, then insertion order).
    fn tag_observations(
        &self,
        repository: &str,
        tag: Option<&str>,
    ) -> Result<Vec<TagObservation>, StoreError>;

    /// Appends a remediation record and returns it as stored.
    ///
    /// The record is linked to the scan where the vulnerability left the line (the first scan
    /// without it after its last appearance, in `scanned_at` then insertion order) when such a
    /// scan exists now. The caller resolves the vulnerability: the store does not check that
    /// the line ever had it.
    fn record_remediation(&mut self, remediation: &NewRemediation) -> Result<Remediation, StoreError>;

    /// Returns the remediation records of `repository`, oldest first, of every vulnerability or
    /// of the one that `vulnerability_id` names (its id or an alias, case-insensitively).
    ///
    /// A record stored before its vulnerability left the line gets its scan here, computed from
    /// the line's current scans ([`Computed`](scantrail_model::RemediationLink::Computed)), or
    /// stays [`Pending`](scantrail_model::RemediationLink::Pending) while the newest scan still has the vulnerability.
    fn remediations(
        &self,
        repository: &str,
        vulnerability_id: Option<&str>,
    ) -> Result<Vec<Remediation>, StoreError>;

    /// Recomputes the scan chain of one repository or of all, and reports every scan whose
    /// record was changed or removed.
    ///
    /// Fails only when the store cannot be read at all; damaged scans are findings of the
    /// report, not errors.
    fn verify_ledger(&self, repository: Option<&str>) -> Result<LedgerReport, StoreError>;
}

/// A remediation record to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRemediation {
    pub repository: String,
    /// The vulnerability's id in the line, resolved by the caller.
    pub vulnerability_id: String,
    /// The vulnerability's other ids, sorted.
    pub aliases: Vec<String>,
    /// The id as the user gave it.
    pub requested_id: String,
    pub action: RemediationAction,
    pub note: String,
    pub ticket: Option<String>,
    pub by: String,
    pub recorded_at: DateTime<Utc>,
}

/// An advisory snapshot to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSnapshot {
    pub digest: Digest,
    pub created_at: DateTime<Utc>,
    /// The snapshot this one was merged over, which must already be stored.
    pub parent: Option<Digest>,
    /// The advisory files imported into this snapshot. Sources of the parent are found through
    /// the parent and need not be repeated.
    pub sources: Vec<SnapshotSource>,
    /// Record counts per ecosystem, computed by the caller and stored as given.
    pub per_ecosystem: BTreeMap<String, usize>,
    pub records: Vec<SnapshotRecord>,
}

/// One advisory record of a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotRecord {
    /// The advisory id, unique within a snapshot.
    pub id: String,
    /// SHA-256 of `json`.
    pub digest: Digest,
    /// The record's JSON, stored and returned byte for byte.
    pub json: Vec<u8>,
}

/// One advisory file imported into a snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotSource {
    /// Path or URL of the imported file, as the user gave it.
    pub path: String,
    pub imported_at: DateTime<Utc>,
    /// Records taken from the file.
    pub records: usize,
    /// Withdrawn records left out of the snapshot.
    pub withdrawn_skipped: usize,
    pub per_ecosystem: BTreeMap<String, usize>,
}

/// A stored advisory snapshot, without its records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    pub digest: Digest,
    pub created_at: DateTime<Utc>,
    pub parent: Option<Digest>,
    pub record_count: usize,
    pub per_ecosystem: BTreeMap<String, usize>,
    /// The sources of the oldest ancestor first and this snapshot's own sources last. A source
    /// that an ancestor and a descendant both list (same path and import time) appears once.
    pub sources: Vec<SnapshotSource>,
}

/// "Tag `tag` of `repository` pointed at `digest`, seen at `observed_at` by `source`".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagObservation {
    pub repository: String,
    pub tag: String,
    /// The manifest digest (or index digest) the tag resolved to.
    pub digest: Digest,
    pub observed_at: DateTime<Utc>,
    /// The scan that made the observation, if a scan made it.
    pub scan_id: Option<ScanId>,
    /// Name of the observer: `scan` or `import` for scans, or a name the caller chooses.
    pub source: String,
}
