use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Digest, Finding, Inventory};

/// A scan's identity: the SHA-256 of its canonical record, shown as its first 12 hex digits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScanId(pub String);

impl ScanId {
    pub fn short(&self) -> &str {
        &self.0[..self.0.len().min(12)]
    }
}

impl fmt::Display for ScanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a scan's findings were produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanKind {
    /// The image was read and matched.
    Scan,
    /// A stored inventory was matched again against a newer advisory snapshot.
    Rematch,
    /// Findings imported from another scanner's report.
    Import,
}

impl ScanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanKind::Scan => "scan",
            ScanKind::Rematch => "rematch",
            ScanKind::Import => "import",
        }
    }
}

/// One layer of a scanned image, in order from the base.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRecord {
    /// Digest of the layer blob as stored (compressed).
    pub digest: Digest,
    /// Digest of the uncompressed layer tar, as listed in the config's `rootfs.diff_ids`.
    pub diff_id: Digest,
    pub media_type: String,
    pub size: u64,
    /// The config history's `created_by` for this layer, when the image has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// One immutable scan record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scan {
    pub id: ScanId,
    pub kind: ScanKind,
    /// The image reference as the user gave it.
    pub reference: String,
    pub repository: String,
    #[serde(default)]
    pub tag: Option<String>,
    pub manifest_digest: Digest,
    /// Digest of the image index the manifest was chosen from, for multi-platform images.
    #[serde(default)]
    pub index_digest: Option<Digest>,
    pub config_digest: Digest,
    /// `os/arch[/variant]`.
    pub platform: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub layers: Vec<LayerRecord>,
    #[serde(default)]
    pub created: Option<String>,
    pub inventory: Inventory,
    pub advisory_snapshot: Digest,
    pub scanner_version: String,
    pub findings: Vec<Finding>,
    pub scanned_at: DateTime<Utc>,
    /// For a re-match, the scan whose inventory was matched again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rematch_of: Option<ScanId>,
}

impl Scan {
    /// The layer record whose diff ID is `diff_id`.
    pub fn layer(&self, diff_id: &Digest) -> Option<&LayerRecord> {
        self.layers.iter().find(|layer| &layer.diff_id == diff_id)
    }

    /// Counts of findings per severity, most severe first.
    pub fn severity_counts(&self) -> BTreeMap<crate::Severity, usize> {
        let mut counts = BTreeMap::new();
        for finding in &self.findings {
            *counts.entry(finding.severity).or_insert(0) += 1;
        }
        counts
    }
}

impl Scan {
    /// Computes the scan's id: the SHA-256 of its JSON serialization with an empty id.
    ///
    /// serde_json writes struct fields in declaration order and maps sorted (`BTreeMap`), so the
    /// serialization of equal scans is byte-identical.
    pub fn compute_id(&self) -> ScanId {
        let mut copy = self.clone();
        copy.id = ScanId(String::new());
        let bytes = serde_json::to_vec(&copy).expect("a scan always serializes to JSON");
        ScanId(Digest::sha256_of(&bytes).hex().to_string())
    }
}
