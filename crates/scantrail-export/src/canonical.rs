//! The files of an exported scan, byte for byte the same for the same scan.

use std::collections::{BTreeMap, BTreeSet};

use scantrail_model::{Finding, FindingKey, Inventory, LayerRecord, OsRelease, Scan, Severity};
use serde::Serialize;

use crate::ExportError;

/// Returns the folder of an image line: its repository with empty path components dropped, and
/// `.`, `..` and `.git` components prefixed with `_` so that Git accepts them.
pub(crate) fn line_folder(repository: &str) -> Result<String, ExportError> {
    let components: Vec<String> = repository
        .split('/')
        .filter(|component| !component.is_empty())
        .map(|component| match component {
            "." | ".." => format!("_{component}"),
            _ if component.eq_ignore_ascii_case(".git") => format!("_{component}"),
            _ => component.to_string(),
        })
        .collect();
    if components.is_empty() {
        return Err(ExportError::InvalidFolder { repository: repository.to_string() });
    }
    Ok(components.join("/"))
}

/// Finding counts of a scan per severity.
#[derive(Serialize)]
struct Counts {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    unknown: usize,
    total: usize,
}

impl Counts {
    fn of(findings: &[Finding]) -> Counts {
        let count = |severity: Severity| findings.iter().filter(|finding| finding.severity == severity).count();
        Counts {
            critical: count(Severity::Critical),
            high: count(Severity::High),
            medium: count(Severity::Medium),
            low: count(Severity::Low),
            unknown: count(Severity::Unknown),
            total: findings.len(),
        }
    }
}

/// `scan.json`: the scan without its inventory and findings.
#[derive(Serialize)]
struct ScanFile<'a> {
    id: &'a str,
    kind: &'static str,
    reference: &'a str,
    repository: &'a str,
    tag: Option<&'a str>,
    manifest_digest: String,
    index_digest: Option<String>,
    config_digest: String,
    platform: &'a str,
    os: Option<&'a OsRelease>,
    labels: &'a BTreeMap<String, String>,
    layers: &'a [LayerRecord],
    created: Option<&'a str>,
    advisory_snapshot: String,
    scanner_version: &'a str,
    scanned_at: String,
    rematch_of: Option<&'a str>,
    /// The scan before this one in the line, which `introduced` and `fixed` compare against.
    previous_scan: Option<&'a str>,
    counts: Counts,
    introduced: usize,
    fixed: usize,
}

/// Sorts findings by vulnerability id, ecosystem, package name, version and path.
fn sorted_findings(findings: &[Finding]) -> Vec<&Finding> {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.vulnerability_id, a.package.ecosystem.as_str(), &a.package.name, &a.package.version, &a.package.path).cmp(&(
            &b.vulnerability_id,
            b.package.ecosystem.as_str(),
            &b.package.name,
            &b.package.version,
            &b.package.path,
        ))
    });
    sorted
}

fn finding_keys(findings: &[Finding]) -> BTreeSet<FindingKey> {
    findings.iter().map(Finding::key).collect()
}

/// Returns the numbers of findings introduced and fixed since `previous`, or all findings as
/// introduced for the first scan of a line.
pub(crate) fn change(scan: &Scan, previous: Option<&Scan>) -> (usize, usize) {
    let current = finding_keys(&scan.findings);
    match previous {
        None => (current.len(), 0),
        Some(previous) => {
            let before = finding_keys(&previous.findings);
            (current.difference(&before).count(), before.difference(&current).count())
        }
    }
}

/// Renders the three files of a scan: (`scan.json`, `findings.json`, `inventory.json`).
pub(crate) fn scan_files(scan: &Scan, previous: Option<&Scan>) -> Result<[(&'static str, Vec<u8>); 3], ExportError> {
    let (introduced, fixed) = change(scan, previous);
    let header = ScanFile {
        id: &scan.id.0,
        kind: scan.kind.as_str(),
        reference: &scan.reference,
        repository: &scan.repository,
        tag: scan.tag.as_deref(),
        manifest_digest: scan.manifest_digest.to_string(),
        index_digest: scan.index_digest.as_ref().map(ToString::to_string),
        config_digest: scan.config_digest.to_string(),
        platform: &scan.platform,
        os: scan.inventory.os.as_ref(),
        labels: &scan.labels,
        layers: &scan.layers,
        created: scan.created.as_deref(),
        advisory_snapshot: scan.advisory_snapshot.to_string(),
        scanner_version: &scan.scanner_version,
        scanned_at: scan.scanned_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        rematch_of: scan.rematch_of.as_ref().map(|id| id.0.as_str()),
        previous_scan: previous.map(|previous| previous.id.0.as_str()),
        counts: Counts::of(&scan.findings),
        introduced,
        fixed,
    };

    let mut inventory: Inventory = scan.inventory.clone();
    inventory.packages.sort_by(|a, b| {
        (a.ecosystem.as_str(), &a.name, &a.version, &a.path, &a.purl).cmp(&(b.ecosystem.as_str(), &b.name, &b.version, &b.path, &b.purl))
    });

    Ok([
        ("scan.json", pretty(&header, "scan header", scan)?),
        ("findings.json", pretty(&sorted_findings(&scan.findings), "findings", scan)?),
        ("inventory.json", pretty(&inventory, "inventory", scan)?),
    ])
}

fn pretty<T: Serialize + ?Sized>(value: &T, subject: &'static str, scan: &Scan) -> Result<Vec<u8>, ExportError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|source| ExportError::Encode { subject, scan: scan.id.0.clone(), source })?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_keeps_registry_path() {
        assert_eq!(line_folder("registry.example.com/shop/app").unwrap(), "registry.example.com/shop/app");
        assert_eq!(line_folder("localhost:5000/app").unwrap(), "localhost:5000/app");
    }

    #[test]
    fn folder_of_layout_path() {
        assert_eq!(line_folder("/work/images/demo-oci").unwrap(), "work/images/demo-oci");
        assert_eq!(line_folder("../x/./.git").unwrap(), "_../x/_./_.git");
    }

    #[test]
    fn folder_rejects_empty_name() {
        assert!(line_folder("///").is_err());
    }
}
