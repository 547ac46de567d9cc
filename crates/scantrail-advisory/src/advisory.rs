use std::str::FromStr;

use chrono::{DateTime, Utc};
use scantrail_model::{Digest, Severity, SeveritySource};
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
    /// The OSV severity type: `CVSS_V2`, `CVSS_V3`, `CVSS_V4` or `Ubuntu`, or `Debian` for a
    /// Debian security tracker urgency.
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
    /// The distribution's own status of this package in this release where it is more than
    /// affected or fixed: `not-affected`, `no-dsa` (a fix goes to a point release, not a Debian
    /// security advisory), `end-of-life`, `unimportant`, `undetermined`. Only the Debian security
    /// tracker and Alpine secdb conversions set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_status: Option<String>,
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
/// Label of the severity source when the rating comes from a Debian security tracker urgency.
pub const SEVERITY_SOURCE_DEBIAN: &str = "Debian";

/// `kind` of a [`SeveritySource`] that is a distribution's own rating.
pub const SEVERITY_KIND_VENDOR: &str = "vendor";

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

    /// Lists every rating of the record-level scores and of `affected` entries, with sources.
    ///
    /// Pass the entries that matched a package to leave out other packages' ratings, or
    /// `self.affected.iter()` for all. Scores that give no rating (CVSS v2 and v4 vectors, invalid
    /// vectors, the Debian urgency `not yet assigned`) are left out, and so are duplicates.
    pub fn severities<'a>(&'a self, affected: impl Iterator<Item = &'a Affected>) -> Vec<SeveritySource> {
        let entries: Vec<&Affected> = affected.collect();
        let scores = self.severity.iter().chain(entries.iter().flat_map(|a| &a.severity));
        let mut list: Vec<SeveritySource> = Vec::new();
        for score in scores {
            let rated = match score.kind.as_str() {
                "CVSS_V3" => cvss_v3_rating(&self.id, &score.score)
                    .map(|rating| (record_source(&self.id), SEVERITY_SOURCE_CVSS_V3, rating)),
                SEVERITY_SOURCE_UBUNTU => ubuntu_rating(&score.score).map(|rating| ("ubuntu".to_string(), SEVERITY_KIND_VENDOR, rating)),
                SEVERITY_SOURCE_DEBIAN => debian_rating(&score.score).map(|rating| ("debian".to_string(), SEVERITY_KIND_VENDOR, rating)),
                _ => None,
            };
            if let Some((source, kind, rating)) = rated {
                list.push(SeveritySource { source, kind: kind.to_string(), value: score.score.clone(), rating });
            }
        }

        let words = self.database_severity.iter().chain(entries.iter().filter_map(|a| a.database_severity.as_ref()));
        for word in words {
            if let Ok(rating) = Severity::from_str(word) {
                if rating != Severity::Unknown {
                    list.push(SeveritySource {
                        source: record_source(&self.id),
                        kind: SEVERITY_SOURCE_DATABASE.to_string(),
                        value: word.clone(),
                        rating,
                    });
                }
            }
        }

        let mut unique = Vec::with_capacity(list.len());
        for entry in list {
            if !unique.contains(&entry) {
                unique.push(entry);
            }
        }
        unique
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

/// Orders `severities` by the rule that picks a finding's severity; the first entry is the one
/// used.
///
/// For a distribution package (`distribution` true) the distribution's own rating comes first,
/// as Trivy does, because it weighs how the distribution builds and ships the package. Then
/// come CVSS v3 ratings, then `database_specific` ratings, and for other packages the vendor
/// ratings last. Within one kind the most severe rating comes first, and ties keep their order.
pub fn rank_severities(severities: &mut [SeveritySource], distribution: bool) {
    let class = |entry: &SeveritySource| match (entry.kind.as_str(), distribution) {
        (SEVERITY_KIND_VENDOR, true) => 0,
        (SEVERITY_SOURCE_CVSS_V3, _) => 1,
        (SEVERITY_SOURCE_DATABASE, _) => 2,
        _ => 3,
    };
    severities.sort_by(|a, b| class(a).cmp(&class(b)).then_with(|| b.rating.cmp(&a.rating)));
}

/// Names the database that published a record, from its id prefix.
fn record_source(id: &str) -> String {
    let prefix = id.split('-').next().unwrap_or(id).to_ascii_uppercase();
    match prefix.as_str() {
        "CVE" => "nvd".to_string(),
        "GHSA" => "ghsa".to_string(),
        "UBUNTU" | "USN" => "ubuntu".to_string(),
        "DEBIAN" | "DSA" | "DLA" | "DTSA" => "debian".to_string(),
        _ => prefix.to_ascii_lowercase(),
    }
}

/// Maps a Debian security tracker urgency to a rating. A trailing `*` or `**` (urgency not yet
/// confirmed) is ignored. `unimportant` rates low, as in Trivy. `not yet assigned` and
/// `end-of-life` are not ratings.
fn debian_rating(urgency: &str) -> Option<Severity> {
    match urgency.trim().trim_end_matches('*').to_ascii_lowercase().as_str() {
        "unimportant" | "low" => Some(Severity::Low),
        "medium" => Some(Severity::Medium),
        "high" => Some(Severity::High),
        _ => None,
    }
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
