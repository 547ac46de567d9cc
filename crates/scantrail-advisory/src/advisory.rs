use std::str::FromStr;

use chrono::{DateTime, Utc};
use scantrail_model::{Digest, Severity};
use serde::{Deserialize, Serialize};

/// One vulnerability record in OSV shape, as kept in an advisory snapshot.
///
/// Only the fields that matching and reporting use are kept; references, details and the
/// free-form `database_specific` objects are dropped on import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    pub id: String,
    pub aliases: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    pub modified: Option<DateTime<Utc>>,
    pub summary: Option<String>,
    /// Record-level severity scores (`severity[]` of the OSV record).
    pub severity: Vec<SeverityScore>,
    /// `database_specific.severity` of the record, a rating word such as `MODERATE`.
    pub database_severity: Option<String>,
    pub affected: Vec<Affected>,
}

/// One entry of an OSV `severity` list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityScore {
    /// The OSV severity type: `CVSS_V2`, `CVSS_V3`, `CVSS_V4` or `Ubuntu`.
    pub kind: String,
    /// A CVSS vector for the CVSS types, a rating word for `Ubuntu`.
    pub score: String,
}

/// One package that an advisory affects, with the versions it affects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// The OSV ecosystem as written in the record, release suffix included (`Debian:12`).
    pub ecosystem: String,
    pub name: String,
    pub purl: Option<String>,
    pub ranges: Vec<Range>,
    /// Versions listed explicitly as affected.
    pub versions: Vec<String>,
    pub severity: Vec<SeverityScore>,
    /// `database_specific.severity` of this affected entry.
    pub database_severity: Option<String>,
}

/// An affected version range: events that open and close affected intervals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub kind: RangeKind,
    pub events: Vec<Event>,
}

/// Comparison rule for the versions in a range's events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RangeKind {
    /// Versions compared with the ecosystem's own scheme (dpkg, PEP 440, ...).
    Ecosystem,
    /// Versions compared as SemVer 2.0.
    Semver,
    /// Commit hashes of a Git repository; matching installed packages ignores these.
    Git,
}

/// One event of an OSV range; serialized as in OSV, for example `{"fixed": "1.2.3"}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Versions from this one on are affected; `0` means every version from the start.
    Introduced(String),
    /// This version and later ones are not affected.
    Fixed(String),
    /// This version is the last affected one.
    LastAffected(String),
    /// An upper bound of the range that is not a fix.
    Limit(String),
}

impl Event {
    /// The version the event names.
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

/// Label of the severity source when the rating comes from a CVSS v3 vector.
pub const SEVERITY_SOURCE_CVSS_V3: &str = "CVSS_V3";
/// Label of the severity source when the rating comes from `database_specific.severity`.
pub const SEVERITY_SOURCE_DATABASE: &str = "database_specific";
/// Label of the severity source when the rating comes from an Ubuntu priority.
pub const SEVERITY_SOURCE_UBUNTU: &str = "Ubuntu";

impl Advisory {
    /// Rates the advisory's severity for findings.
    ///
    /// The first CVSS v3.0 or v3.1 vector that parses (record level, then affected entries in
    /// order) gives the rating of its base score. Without one, `database_specific.severity`
    /// (record level, then affected entries) is used, with GitHub's `MODERATE` meaning medium,
    /// then an Ubuntu priority. Otherwise the rating is unknown.
    ///
    /// Affected-level scores of every package count, not only those of the package a finding
    /// is about. NOTE: CVSS v2 and v4 vectors are not rated, so a record that only has those is
    /// rated from `database_specific.severity` or is unknown.
    ///
    /// Returns the rating, the label of its source and the CVSS v3 vector it came from.
    pub fn severity_rating(&self) -> (Severity, Option<String>, Option<String>) {
        let scores = self.severity.iter().chain(self.affected.iter().flat_map(|a| &a.severity));
        for score in scores.clone().filter(|s| s.kind == "CVSS_V3") {
            if let Some(severity) = cvss_v3_rating(&self.id, &score.score) {
                return (severity, Some(SEVERITY_SOURCE_CVSS_V3.to_string()), Some(score.score.clone()));
            }
        }

        let words = self.database_severity.iter().chain(self.affected.iter().filter_map(|a| a.database_severity.as_ref()));
        for word in words {
            match Severity::from_str(word) {
                Ok(severity) if severity != Severity::Unknown => {
                    return (severity, Some(SEVERITY_SOURCE_DATABASE.to_string()), None);
                }
                Ok(_) => {}
                Err(_) => tracing::debug!(advisory = %self.id, severity = %word, "ignoring unknown database_specific.severity"),
            }
        }

        for score in scores.filter(|s| s.kind == "Ubuntu") {
            if let Some(severity) = ubuntu_rating(&score.score) {
                return (severity, Some(SEVERITY_SOURCE_UBUNTU.to_string()), None);
            }
        }

        (Severity::Unknown, None, None)
    }

    /// Computes the SHA-256 of the record's canonical JSON, the serde_json serialization of this
    /// type (fields in declaration order, no maps), so equal records have equal digests.
    pub fn record_digest(&self) -> Digest {
        let bytes = serde_json::to_vec(self).expect("an advisory has only string keys and always serializes to JSON");
        Digest::sha256_of(&bytes)
    }

    /// Every id of the record: its own id followed by its aliases.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// Rates a CVSS v3.0 or v3.1 vector by its base score; `None` when the vector does not parse.
fn cvss_v3_rating(advisory_id: &str, vector: &str) -> Option<Severity> {
    let base = match cvss::v3::Base::from_str(vector.trim()) {
        Ok(base) => base,
        Err(error) => {
            tracing::debug!(advisory = %advisory_id, vector, %error, "ignoring invalid CVSS v3 vector");
            return None;
        }
    };
    let severity = match base.score().severity() {
        cvss::Severity::None => Severity::Unknown,
        cvss::Severity::Low => Severity::Low,
        cvss::Severity::Medium => Severity::Medium,
        cvss::Severity::High => Severity::High,
        cvss::Severity::Critical => Severity::Critical,
    };
    Some(severity)
}

/// Maps an Ubuntu priority (`negligible`, `low`, `medium`, `high`, `critical`) to a rating.
fn ubuntu_rating(priority: &str) -> Option<Severity> {
    match priority.trim().to_ascii_lowercase().as_str() {
        "negligible" | "low" => Some(Severity::Low),
        "medium" => Some(Severity::Medium),
        "high" => Some(Severity::High),
        "critical" => Some(Severity::Critical),
        _ => None,
    }
}
