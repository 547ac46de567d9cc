//! Comparing two scans: which findings were introduced, fixed or kept, and which packages were
//! added, removed or changed version.
//!
//! A finding is identified across scans by (vulnerability id, ecosystem, package name), so a
//! package upgraded to a version that is still affected keeps its finding as unchanged. A package
//! is identified by (ecosystem, name); several installed copies of one name (nested npm
//! packages) are compared as a set of versions.
//!
//! The other modules cover an image line's history. [`ExplainedDiff`] gives the cause of each
//! introduced and fixed finding, and [`vulnerability_history`] the images where a vulnerability
//! entered, left and came back. [`blame()`] finds where a package came from, [`reflogs`] how tags
//! moved, and [`plan_rescan`] and [`snapshot_impact`] what a new advisory snapshot changes.

mod blame;
mod cause;
mod line;
mod reflog;
mod rematch;
mod vulnerability;

pub use blame::{blame, Blame, BlameSubject, FindingBlame, PackageBlame};
pub use cause::{Attribution, Cause, DiffSnapshots, ExplainedDiff, OsReleaseChange};
pub use line::{finding_has_id, label, layer_position, Line, LineImage, REVISION_LABEL, SOURCE_LABEL};
pub use reflog::{reflogs, TagMove, TagReflog, TagSighting};
pub use rematch::{plan_rescan, rematch_scan, snapshot_impact, ImageImpact, RescanPlan};
pub use vulnerability::{fix_known_since, vulnerability_history, EventKind, FixKnown, LineEvent, VulnerabilityHistory};

use std::collections::{BTreeMap, BTreeSet};

use scantrail_model::{Ecosystem, Finding, Package, Scan};
use serde::Serialize;

pub use scantrail_model::FindingKey;

/// A package whose installed versions differ between two scans.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PackageChange {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub from: Vec<String>,
    pub to: Vec<String>,
    /// Whether the single installed version went up or down under the ecosystem's version scheme.
    pub direction: Direction,
}

/// The direction of a package's version change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Upgraded,
    Downgraded,
    /// Several installed copies on either side, versions that compare equal (`1.0` and `1.0.0`
    /// under PEP 440), or a version the ecosystem's scheme rejects.
    Changed,
}

impl Direction {
    /// Compares one installed version on each side under `ecosystem`'s version scheme.
    /// Sets of several versions give [`Direction::Changed`].
    pub fn between(ecosystem: Ecosystem, from: &[String], to: &[String]) -> Direction {
        match (from, to) {
            ([from], [to]) => Direction::of_versions(ecosystem, from, to),
            _ => Direction::Changed,
        }
    }

    /// Compares two versions under `ecosystem`'s version scheme.
    pub fn of_versions(ecosystem: Ecosystem, from: &str, to: &str) -> Direction {
        let Some(scheme) = scantrail_version::scheme_for(ecosystem) else {
            return Direction::Changed;
        };
        match scheme.compare(to, from) {
            Ok(std::cmp::Ordering::Greater) => Direction::Upgraded,
            Ok(std::cmp::Ordering::Less) => Direction::Downgraded,
            Ok(std::cmp::Ordering::Equal) | Err(_) => Direction::Changed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Upgraded => "upgraded",
            Direction::Downgraded => "downgraded",
            Direction::Changed => "changed",
        }
    }
}

/// The difference between a base scan and a target scan.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ScanDiff {
    /// Findings of the target that the base does not have.
    pub introduced: Vec<Finding>,
    /// Findings of the base that the target no longer has.
    pub fixed: Vec<Finding>,
    /// Findings present in both, as the target has them.
    pub unchanged: Vec<Finding>,
    pub packages_added: Vec<Package>,
    pub packages_removed: Vec<Package>,
    pub packages_changed: Vec<PackageChange>,
}

impl ScanDiff {
    /// Compares the findings and packages of `base` and `target`.
    pub fn between(base: &Scan, target: &Scan) -> ScanDiff {
        let (introduced, fixed, unchanged) = compare_findings(&base.findings, &target.findings);
        let (packages_added, packages_removed, packages_changed) =
            compare_packages(&base.inventory.packages, &target.inventory.packages);
        ScanDiff { introduced, fixed, unchanged, packages_added, packages_removed, packages_changed }
    }
}

/// Splits findings into (introduced, fixed, unchanged) by finding key.
pub fn compare_findings(base: &[Finding], target: &[Finding]) -> (Vec<Finding>, Vec<Finding>, Vec<Finding>) {
    let base_keys: BTreeSet<FindingKey> = base.iter().map(Finding::key).collect();
    let target_keys: BTreeSet<FindingKey> = target.iter().map(Finding::key).collect();

    let introduced = target.iter().filter(|f| !base_keys.contains(&f.key())).cloned().collect();
    let fixed = base.iter().filter(|f| !target_keys.contains(&f.key())).cloned().collect();
    let unchanged = target.iter().filter(|f| base_keys.contains(&f.key())).cloned().collect();
    (introduced, fixed, unchanged)
}

/// Counts of (introduced, fixed) findings between two finding lists.
pub fn count_changes(base: &[Finding], target: &[Finding]) -> (usize, usize) {
    let base_keys: BTreeSet<FindingKey> = base.iter().map(Finding::key).collect();
    let target_keys: BTreeSet<FindingKey> = target.iter().map(Finding::key).collect();
    (target_keys.difference(&base_keys).count(), base_keys.difference(&target_keys).count())
}

fn compare_packages(base: &[Package], target: &[Package]) -> (Vec<Package>, Vec<Package>, Vec<PackageChange>) {
    let group = |packages: &[Package]| {
        let mut groups: BTreeMap<(Ecosystem, String), Vec<Package>> = BTreeMap::new();
        for package in packages {
            groups.entry((package.ecosystem, package.name.clone())).or_default().push(package.clone());
        }
        groups
    };
    let base_groups = group(base);
    let target_groups = group(target);

    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut changed = Vec::new();
    for (key, target_packages) in &target_groups {
        match base_groups.get(key) {
            None => added.extend(target_packages.iter().cloned()),
            Some(base_packages) => {
                let from = sorted_versions(base_packages);
                let to = sorted_versions(target_packages);
                if from != to {
                    let direction = Direction::between(key.0, &from, &to);
                    changed.push(PackageChange { ecosystem: key.0, name: key.1.clone(), from, to, direction });
                }
            }
        }
    }
    for (key, base_packages) in &base_groups {
        if !target_groups.contains_key(key) {
            removed.extend(base_packages.iter().cloned());
        }
    }
    (added, removed, changed)
}

fn sorted_versions(packages: &[Package]) -> Vec<String> {
    let versions: BTreeSet<&str> = packages.iter().map(|p| p.version.as_str()).collect();
    versions.into_iter().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use scantrail_model::{Digest, FindingStatus, Inventory, ScanId, ScanKind, Severity};

    fn package(ecosystem: Ecosystem, name: &str, version: &str) -> Package {
        Package {
            ecosystem,
            name: name.to_string(),
            version: version.to_string(),
            source_name: None,
            source_version: None,
            purl: format!("pkg:generic/{name}@{version}"),
            path: "/var/lib/dpkg/status".to_string(),
            layer: None,
        }
    }

    fn finding(id: &str, package: &Package) -> Finding {
        Finding {
            vulnerability_id: id.to_string(),
            aliases: vec![],
            advisory_ids: vec![id.to_string()],
            package: package.clone(),
            fixed_versions: vec![],
            severity: Severity::High,
            severity_source: None,
            cvss_v3_vector: None,
            severities: Vec::new(),
            status: FindingStatus::Affected,
            layer: None,
            summary: None,
        }
    }

    fn scan(packages: Vec<Package>, findings: Vec<Finding>) -> Scan {
        let digest = Digest::sha256_of(b"x");
        Scan {
            id: ScanId(String::new()),
            kind: ScanKind::Scan,
            reference: "app".to_string(),
            repository: "app".to_string(),
            tag: None,
            manifest_digest: digest.clone(),
            index_digest: None,
            config_digest: digest.clone(),
            platform: "linux/amd64".to_string(),
            labels: BTreeMap::new(),
            layers: vec![],
            created: None,
            inventory: Inventory { os: None, packages },
            advisory_snapshot: digest,
            scanner_version: "test".to_string(),
            findings,
            scanned_at: Default::default(),
            rematch_of: None,
        }
    }

    #[test]
    fn diff_splits_findings_by_key() {
        let old_ssl = package(Ecosystem::Debian, "openssl", "3.0.11-1~deb12u2");
        let new_ssl = package(Ecosystem::Debian, "openssl", "3.0.17-1~deb12u2");
        let zlib = package(Ecosystem::Debian, "zlib1g", "1:1.2.13.dfsg-1");
        let base = scan(
            vec![old_ssl.clone(), zlib.clone()],
            vec![finding("CVE-1", &old_ssl), finding("CVE-2", &old_ssl), finding("CVE-3", &zlib)],
        );
        let target = scan(vec![new_ssl.clone()], vec![finding("CVE-2", &new_ssl), finding("CVE-4", &new_ssl)]);

        let diff = ScanDiff::between(&base, &target);

        let ids = |findings: &[Finding]| findings.iter().map(|f| f.vulnerability_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&diff.introduced), ["CVE-4"]);
        assert_eq!(ids(&diff.fixed), ["CVE-1", "CVE-3"]);
        assert_eq!(ids(&diff.unchanged), ["CVE-2"]);
        assert_eq!(diff.unchanged[0].package.version, "3.0.17-1~deb12u2", "unchanged findings show the target's package");
        assert_eq!(diff.packages_removed, vec![zlib]);
        assert!(diff.packages_added.is_empty());
        assert_eq!(
            diff.packages_changed,
            vec![PackageChange {
                ecosystem: Ecosystem::Debian,
                name: "openssl".to_string(),
                from: vec!["3.0.11-1~deb12u2".to_string()],
                to: vec!["3.0.17-1~deb12u2".to_string()],
                direction: Direction::Upgraded,
            }]
        );
        assert_eq!(count_changes(&base.findings, &target.findings), (1, 2));
    }

    #[test]
    fn diff_compares_copies_as_version_sets() {
        let lodash_a = package(Ecosystem::Npm, "lodash", "4.17.15");
        let lodash_b = package(Ecosystem::Npm, "lodash", "4.17.21");
        let base = scan(vec![lodash_a.clone(), lodash_b.clone()], vec![]);
        let same = scan(vec![lodash_b.clone(), lodash_a.clone()], vec![]);
        let upgraded = scan(vec![lodash_b.clone()], vec![]);

        assert!(ScanDiff::between(&base, &same).packages_changed.is_empty());
        let change = &ScanDiff::between(&base, &upgraded).packages_changed[0];
        assert_eq!(change.from, ["4.17.15", "4.17.21"]);
        assert_eq!(change.to, ["4.17.21"]);
        assert_eq!(change.direction, Direction::Changed, "two copies have no single direction");
    }

    #[test]
    fn package_change_direction_uses_scheme() {
        // Compared as strings, "1.10" < "1.9" and "3.0.14-1~deb12u1" > "3.0.14-1".
        let cases = [
            (Ecosystem::PyPI, "1.9", "1.10", Direction::Upgraded),
            (Ecosystem::PyPI, "1.10", "1.9", Direction::Downgraded),
            (Ecosystem::Debian, "3.0.14-1", "3.0.14-1~deb12u1", Direction::Downgraded),
            (Ecosystem::Alpine, "1.30.1-r3", "1.31.1-r9", Direction::Upgraded),
            (Ecosystem::PyPI, "1.0", "1.0.0", Direction::Changed),
            (Ecosystem::Npm, "not a version", "1.0.0", Direction::Changed),
        ];
        for (ecosystem, from, to, expected) in cases {
            let base = scan(vec![package(ecosystem, "p", from)], vec![]);
            let target = scan(vec![package(ecosystem, "p", to)], vec![]);
            let changes = ScanDiff::between(&base, &target).packages_changed;
            assert_eq!(changes.len(), 1, "{from} -> {to}");
            assert_eq!(changes[0].direction, expected, "{ecosystem:?} {from} -> {to}");
        }
    }

    #[test]
    fn diff_of_scan_with_itself_is_empty() {
        let zlib = package(Ecosystem::Debian, "zlib1g", "1:1.2.13.dfsg-1");
        let base = scan(vec![zlib.clone()], vec![finding("CVE-3", &zlib)]);
        let diff = ScanDiff::between(&base, &base);
        assert!(diff.introduced.is_empty());
        assert!(diff.fixed.is_empty());
        assert_eq!(diff.unchanged.len(), 1);
        assert!(diff.packages_added.is_empty());
        assert!(diff.packages_removed.is_empty());
        assert!(diff.packages_changed.is_empty());
    }
}
