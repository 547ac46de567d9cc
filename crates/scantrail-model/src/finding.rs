use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Digest, Ecosystem, Package};

/// The identity of a finding across the scans of a line: vulnerability id, ecosystem and
/// package name. `diff`, `log`, metrics and the Git export all compare findings by it.
pub type FindingKey = (String, Ecosystem, String);

/// Qualitative severity, ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Unknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "UNKNOWN",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    /// Parses a severity name case-insensitively; `MODERATE` (GitHub's word) means medium.
    fn from_str(s: &str) -> Result<Severity, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "UNKNOWN" | "NONE" => Ok(Severity::Unknown),
            "LOW" => Ok(Severity::Low),
            "MEDIUM" | "MODERATE" => Ok(Severity::Medium),
            "HIGH" | "IMPORTANT" => Ok(Severity::High),
            "CRITICAL" => Ok(Severity::Critical),
            _ => Err(format!("unknown severity {s:?}: expected critical, high, medium, low or unknown")),
        }
    }
}

/// One severity rating of a vulnerability and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SeveritySource {
    /// The database that published the rating: `nvd`, `ghsa`, `debian`, `ubuntu`, or the
    /// lowercase id prefix of the record for other databases (`pysec`, `rustsec`).
    pub source: String,
    /// `CVSS_V3`, `vendor` (a distribution's own priority or urgency) or `database_specific`.
    pub kind: String,
    /// The CVSS vector, or the rating word as the source wrote it (`medium`, `high**`).
    pub value: String,
    pub rating: Severity,
}

/// Whether a fix exists for a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    /// A fixed version is known.
    Fixed,
    /// The package is affected and no fixed version is known.
    Affected,
}

/// One vulnerability in one installed package of one image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The CVE id when the advisories name one, else the first advisory id.
    pub vulnerability_id: String,
    /// Every other id of the same vulnerability: advisory ids and their aliases, sorted.
    pub aliases: Vec<String>,
    /// Ids of the advisory records that matched, sorted: several when records that are aliases
    /// of one another (PYSEC and GHSA for one CVE) were merged into this finding.
    #[serde(default)]
    pub advisory_ids: Vec<String>,
    pub package: Package,
    pub fixed_versions: Vec<String>,
    pub severity: Severity,
    /// Source of the severity, for example `CVSS_V3` or `database_specific`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_v3_vector: Option<String>,
    /// Every severity the matched records give, each with the database it came from. The first
    /// entry is the one `severity` was taken from; empty when no record rates the vulnerability.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severities: Vec<SeveritySource>,
    pub status: FindingStatus,
    /// Diff ID of the layer that brought the package (copied from the package for convenience).
    #[serde(default)]
    pub layer: Option<Digest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

impl Finding {
    /// Returns the identity of a finding across scans: vulnerability, ecosystem, package name.
    /// The installed version is left out, so an upgrade that stays affected is the same finding.
    pub fn key(&self) -> FindingKey {
        (self.vulnerability_id.clone(), self.package.ecosystem, self.package.name.clone())
    }

    /// Returns whether any of the finding's ids (main id or alias) equals `id`, ignoring case.
    pub fn has_id(&self, id: &str) -> bool {
        self.vulnerability_id.eq_ignore_ascii_case(id) || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
    }
}
