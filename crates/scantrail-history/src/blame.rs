//! The origin of a package or vulnerability of an image: its layer, the image's source revision,
//! and the first image of the line that had it.

use scantrail_model::{Ecosystem, Finding, LayerRecord, Package, Scan};

use crate::line::{finding_has_id, layer_position, Line};

/// The kind of thing a blame query named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlameSubject {
    /// A vulnerability id, alias or advisory record id of a finding of the scan.
    Vulnerability,
    /// An installed package name, optionally with `@VERSION`.
    Package,
}

impl BlameSubject {
    pub fn as_str(self) -> &'static str {
        match self {
            BlameSubject::Vulnerability => "vulnerability",
            BlameSubject::Package => "package",
        }
    }
}

/// The result of one blame query on one scan.
#[derive(Clone, Debug)]
pub struct Blame<'a> {
    pub subject: BlameSubject,
    /// One entry per installed package the query names, in inventory order.
    pub packages: Vec<PackageBlame<'a>>,
}

/// The origin of one installed package.
#[derive(Clone, Debug)]
pub struct PackageBlame<'a> {
    pub package: &'a Package,
    /// The layer that last wrote the package's database entry, with its position from the base.
    pub layer: Option<(usize, &'a LayerRecord)>,
    /// The first scan of the line, in time order, whose inventory has this package at this version.
    pub first_with_version: Option<&'a Scan>,
    /// The scan's findings on this package: the queried vulnerability, or every finding when a
    /// package was queried.
    pub findings: Vec<FindingBlame<'a>>,
}

/// One finding of the blamed package and the first scan of the line that had it.
#[derive(Clone, Debug)]
pub struct FindingBlame<'a> {
    pub finding: &'a Finding,
    /// The first scan of the line, in time order, with a finding that shares an id with this
    /// one on a package of the same ecosystem and name.
    pub first_seen: Option<&'a Scan>,
}

/// Finds the origin of what `query` names in `scan`, with `line` the scan's image line.
///
/// The query is tried first as a vulnerability (an id, alias or advisory id of one of the scan's
/// findings), then as a package name (`NAME` or `NAME@VERSION`; PyPI names compare after PEP 503
/// normalization, others exactly). Returns `None` when it names neither.
pub fn blame<'a>(scan: &'a Scan, line: &Line<'a>, query: &str) -> Option<Blame<'a>> {
    let query = query.trim();
    let vulnerable: Vec<&'a Finding> = scan.findings.iter().filter(|f| finding_has_id(f, query)).collect();
    if !vulnerable.is_empty() {
        let mut packages: Vec<PackageBlame<'a>> = Vec::new();
        for finding in vulnerable {
            let findings = vec![FindingBlame { finding, first_seen: first_with_finding(line, finding) }];
            packages.push(package_blame(scan, line, &finding.package, findings));
        }
        return Some(Blame { subject: BlameSubject::Vulnerability, packages });
    }

    let (name, version) = match query.rsplit_once('@') {
        // A leading `@` belongs to an npm scope (`@babel/core`), not to a version.
        Some((name, version)) if !name.is_empty() => (name, Some(version)),
        _ => (query, None),
    };
    let packages: Vec<PackageBlame<'a>> = scan
        .inventory
        .packages
        .iter()
        .filter(|package| same_name(package.ecosystem, &package.name, name) && version.is_none_or(|v| v == package.version))
        .map(|package| {
            let findings = scan
                .findings
                .iter()
                .filter(|finding| finding.package == *package)
                .map(|finding| FindingBlame { finding, first_seen: first_with_finding(line, finding) })
                .collect();
            package_blame(scan, line, package, findings)
        })
        .collect();
    if packages.is_empty() {
        return None;
    }
    Some(Blame { subject: BlameSubject::Package, packages })
}

fn package_blame<'a>(scan: &'a Scan, line: &Line<'a>, package: &'a Package, findings: Vec<FindingBlame<'a>>) -> PackageBlame<'a> {
    let first_with_version = line.scans.iter().copied().find(|earlier| {
        earlier.inventory.packages.iter().any(|p| p.ecosystem == package.ecosystem && p.name == package.name && p.version == package.version)
    });
    PackageBlame {
        package,
        layer: package.layer.as_ref().and_then(|diff_id| layer_position(scan, diff_id)),
        first_with_version,
        findings,
    }
}

fn first_with_finding<'a>(line: &Line<'a>, finding: &Finding) -> Option<&'a Scan> {
    let ids: Vec<&str> = std::iter::once(finding.vulnerability_id.as_str())
        .chain(finding.aliases.iter().map(String::as_str))
        .chain(finding.advisory_ids.iter().map(String::as_str))
        .collect();
    line.scans.iter().copied().find(|scan| {
        scan.findings.iter().any(|other| {
            other.package.ecosystem == finding.package.ecosystem
                && other.package.name == finding.package.name
                && ids.iter().any(|id| finding_has_id(other, id))
        })
    })
}

fn same_name(ecosystem: Ecosystem, installed: &str, query: &str) -> bool {
    scantrail_matcher::normalize_name(ecosystem, installed) == scantrail_matcher::normalize_name(ecosystem, query)
}
