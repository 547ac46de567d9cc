use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Finding, ScanId};

/// The action taken on a vulnerability of an image line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemediationAction {
    /// The affected package was upgraded to a fixed version.
    Patched,
    /// The image was rebuilt, picking up fixed packages.
    Rebuilt,
    /// The base image was upgraded.
    BaseUpgraded,
    /// The vulnerability stays but cannot be exploited (configuration, network policy, …).
    Mitigated,
    /// The risk was accepted and nothing will be changed.
    Accepted,
}

impl RemediationAction {
    pub const ALL: [RemediationAction; 5] = [
        RemediationAction::Patched,
        RemediationAction::Rebuilt,
        RemediationAction::BaseUpgraded,
        RemediationAction::Mitigated,
        RemediationAction::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RemediationAction::Patched => "patched",
            RemediationAction::Rebuilt => "rebuilt",
            RemediationAction::BaseUpgraded => "base-upgraded",
            RemediationAction::Mitigated => "mitigated",
            RemediationAction::Accepted => "accepted",
        }
    }
}

impl fmt::Display for RemediationAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RemediationAction {
    type Err = String;

    fn from_str(s: &str) -> Result<RemediationAction, String> {
        RemediationAction::ALL
            .into_iter()
            .find(|action| action.as_str() == s)
            .ok_or_else(|| format!("unknown remediation action {s:?}: expected patched, rebuilt, base-upgraded, mitigated or accepted"))
    }
}

/// The source of a remediation record's link to the scan where its vulnerability left the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemediationLink {
    /// The vulnerability had already left the line when the record was stored, and the record
    /// stores that scan.
    Recorded,
    /// The vulnerability left the line after the record was stored; the scan was found when the
    /// record was read.
    Computed,
    /// The newest scan of the line still has the vulnerability.
    Pending,
}

/// A statement that a vulnerability of an image line was dealt with, stored append-only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remediation {
    /// Insertion order in the history store, starting at 1.
    pub id: u64,
    pub repository: String,
    /// The vulnerability's id in the line: the `vulnerability_id` of its newest finding when the
    /// record was stored.
    pub vulnerability_id: String,
    /// Every other id the vulnerability's findings in the line carried (vulnerability ids,
    /// aliases, advisory ids), sorted.
    pub aliases: Vec<String>,
    /// The id as the user gave it.
    pub requested_id: String,
    pub action: RemediationAction,
    pub note: String,
    pub ticket: Option<String>,
    /// The person or team that remediated it.
    pub by: String,
    pub recorded_at: DateTime<Utc>,
    /// The first scan of the line without the vulnerability after its last appearance.
    pub left_scan: Option<ScanId>,
    pub link: RemediationLink,
}

impl Remediation {
    /// Returns whether `finding` is a finding of this record's vulnerability.
    ///
    /// True when the finding's vulnerability id is the record's id or one of its aliases, or
    /// when the finding lists the record's id among its aliases (a later advisory gave the
    /// vulnerability a new main id). An advisory id that several vulnerabilities share (a DSA
    /// fixing two CVEs) does not make their findings match each other.
    pub fn matches(&self, finding: &Finding) -> bool {
        matches_vulnerability(&self.vulnerability_id, &self.aliases, finding)
    }

    /// Returns whether `id` names this record's vulnerability: its id or one of its aliases,
    /// case-insensitively.
    pub fn has_id(&self, id: &str) -> bool {
        self.vulnerability_id.eq_ignore_ascii_case(id) || self.aliases.iter().any(|alias| alias.eq_ignore_ascii_case(id))
    }
}

/// Applies the rule of [`Remediation::matches`] to a vulnerability not yet stored as a record.
pub fn matches_vulnerability(vulnerability_id: &str, aliases: &[String], finding: &Finding) -> bool {
    finding.vulnerability_id.eq_ignore_ascii_case(vulnerability_id)
        || aliases.iter().any(|alias| alias.eq_ignore_ascii_case(&finding.vulnerability_id))
        || finding.aliases.iter().any(|alias| alias.eq_ignore_ascii_case(vulnerability_id))
}
