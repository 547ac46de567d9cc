//! The result of checking the scan chain (`verify`).
//!
//! Each scan row stores `record_hash`, the SHA-256 of the scan's canonical JSON (its id), and
//! `parent_hash`, the `record_hash` of the previous scan recorded for the same repository. A
//! check reads every row and its blobs, recomputes each scan's id from the decoded content and
//! follows the chain in insertion order.

use scantrail_model::ScanId;
use serde::Serialize;

/// The kind of damage found in one scan of the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerProblemKind {
    /// The scan row or one of its blobs no longer has the content its id was computed from, or
    /// its chain columns were edited.
    Changed,
    /// A scan that the chain or a tag observation names is no longer stored.
    Removed,
}

/// One changed or removed scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerProblem {
    pub kind: LedgerProblemKind,
    pub repository: String,
    /// The changed or removed scan. `None` only for rows that left a gap in the insertion
    /// numbers but are named nowhere else.
    pub scan_id: Option<ScanId>,
    /// The check's finding, naming the columns and hashes involved.
    pub detail: String,
}

/// The outcome of a chain check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LedgerReport {
    /// The repositories whose chains were checked, sorted.
    pub repositories: Vec<String>,
    /// Scan rows read.
    pub scans_checked: usize,
    pub problems: Vec<LedgerProblem>,
}

impl LedgerReport {
    /// Returns whether no scan was changed or removed.
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}
