//! The Debian security tracker's JSON export (<https://security-tracker.debian.org/tracker/data/json>):
//! source package → issue id (CVE or `TEMP-`) → description and per-release status.
//!
//! Each issue becomes one advisory `DEBIAN-TRACKER-<issue id>` with an affected entry per
//! (source package, release), ecosystem `Debian:<version>`. Per release:
//!
//! - `resolved` with a `fixed_version`: range introduced `0`, fixed at that version. A fixed
//!   version of `0` means the release was never affected: no range, vendor status
//!   `not-affected`.
//! - `open` and `undetermined`: range introduced `0` without a fix, so findings are `affected`.
//!
//! The urgency is kept as a `Debian` severity score of the entry. `no-dsa` (with its reason),
//! `end-of-life`, `unimportant` and `undetermined` are kept as the entry's vendor status.
//! Releases without a version number (`sid`, `experimental`) and unknown code names are skipped.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::advisory::{Advisory, Affected, Event, Range, RangeKind, SeverityScore, SEVERITY_SOURCE_DEBIAN};
use crate::osv::Parsed;

#[derive(Deserialize)]
struct TrackerIssue {
    description: Option<String>,
    #[serde(default, deserialize_with = "map_or_empty_list")]
    releases: BTreeMap<String, TrackerRelease>,
}

/// Reads a map that the tracker writes as `[]` when it is empty.
fn map_or_empty_list<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum MapOrList<V> {
        Map(BTreeMap<String, V>),
        List(Vec<serde::de::IgnoredAny>),
    }
    match MapOrList::deserialize(deserializer)? {
        MapOrList::Map(map) => Ok(map),
        MapOrList::List(list) if list.is_empty() => Ok(BTreeMap::new()),
        MapOrList::List(_) => Err(serde::de::Error::custom("expected an object of releases, found a non-empty list")),
    }
}

#[derive(Deserialize)]
struct TrackerRelease {
    status: String,
    fixed_version: Option<String>,
    urgency: Option<String>,
    /// Present when the fix goes to a point release instead of a Debian security advisory; the
    /// value is the reason (`Minor issue`), possibly empty.
    nodsa: Option<serde_json::Value>,
    nodsa_reason: Option<serde_json::Value>,
}

/// Debian release code names and their version numbers, as in `/etc/os-release` `VERSION_ID`.
const RELEASES: [(&str, &str); 9] = [
    ("squeeze", "6"),
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
];

/// Parses the tracker JSON into advisories.
pub(crate) fn parse(bytes: &[u8]) -> Result<Vec<Parsed>, String> {
    let tracker: BTreeMap<String, BTreeMap<String, TrackerIssue>> =
        serde_json::from_slice(bytes).map_err(|e| e.to_string())?;

    // Issue id to its description and affected entries.
    let mut issues: BTreeMap<String, (Option<String>, Vec<Affected>)> = BTreeMap::new();
    for (package, package_issues) in tracker {
        for (issue_id, issue) in package_issues {
            let slot = issues.entry(issue_id.clone()).or_insert_with(|| (None, Vec::new()));
            if slot.0.is_none() {
                slot.0 = issue.description.map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
            }
            for (codename, release) in issue.releases {
                let Some(version) = RELEASES.iter().find(|(name, _)| *name == codename).map(|(_, v)| *v) else {
                    tracing::trace!(issue = %issue_id, release = %codename, "skipping release without a version number");
                    continue;
                };
                if let Some(entry) = affected_entry(&package, version, &release) {
                    slot.1.push(entry);
                } else {
                    tracing::debug!(issue = %issue_id, package = %package, release = %codename, status = %release.status, "skipping release status");
                }
            }
        }
    }

    Ok(issues
        .into_iter()
        .filter(|(_, (_, affected))| !affected.is_empty())
        .map(|(issue_id, (summary, affected))| {
            Parsed::Advisory(Advisory {
                id: format!("DEBIAN-TRACKER-{issue_id}"),
                aliases: vec![issue_id],
                published: None,
                modified: None,
                summary,
                severity: Vec::new(),
                database_severity: None,
                affected,
            })
        })
        .collect())
}

/// Converts one release's status; `None` for a status that does not tell whether the release is affected.
fn affected_entry(package: &str, version: &str, release: &TrackerRelease) -> Option<Affected> {
    let urgency = release.urgency.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let mut statuses: Vec<String> = Vec::new();

    let introduced = Event::Introduced("0".to_string());
    let ranges = match (release.status.as_str(), release.fixed_version.as_deref().map(str::trim)) {
        ("resolved", Some("0")) => {
            statuses.push("not-affected".to_string());
            Vec::new()
        }
        ("resolved", Some(fixed)) if !fixed.is_empty() => vec![Event::Introduced("0".to_string()), Event::Fixed(fixed.to_string())],
        ("open", _) => vec![introduced],
        ("undetermined", _) => {
            statuses.push("undetermined".to_string());
            vec![introduced]
        }
        _ => return None,
    };

    if let Some(nodsa) = &release.nodsa {
        let reason = [Some(nodsa), release.nodsa_reason.as_ref()]
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        statuses.push(if reason.is_empty() { "no-dsa".to_string() } else { format!("no-dsa ({reason})") });
    }
    match urgency.map(|u| u.trim_end_matches('*')) {
        Some("end-of-life") => statuses.push("end-of-life".to_string()),
        Some("unimportant") => statuses.push("unimportant".to_string()),
        _ => {}
    }

    Some(Affected {
        ecosystem: format!("Debian:{version}"),
        name: package.to_string(),
        purl: None,
        ranges: if ranges.is_empty() { Vec::new() } else { vec![Range { kind: RangeKind::Ecosystem, events: ranges }] },
        versions: Vec::new(),
        severity: urgency
            .map(|u| vec![SeverityScore { kind: SEVERITY_SOURCE_DEBIAN.to_string(), score: u.to_string() }])
            .unwrap_or_default(),
        database_severity: None,
        vendor_status: (!statuses.is_empty()).then(|| statuses.join("; ")),
    })
}
