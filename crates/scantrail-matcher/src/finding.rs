use std::cmp::Ordering;
use std::collections::BTreeSet;

use scantrail_advisory::{rank_severities, Advisory, Affected, SEVERITY_KIND_VENDOR, SEVERITY_SOURCE_CVSS_V3};
use scantrail_model::{Finding, FindingStatus, Package, Severity};
use scantrail_version::VersionScheme;

/// An advisory that matched one installed package, with the fixed versions of its matching
/// ranges.
pub(crate) struct MatchedRecord<'a> {
    pub advisory: &'a Advisory,
    pub fixed: Vec<String>,
    /// The affected entries of the advisory that matched the package.
    pub affected: Vec<&'a Affected>,
}

/// Matched records whose ids overlap, directly or through other records of the group.
struct AliasGroup<'a> {
    ids: BTreeSet<&'a str>,
    records: Vec<MatchedRecord<'a>>,
}

/// Builds one finding per vulnerability from the records that matched `package`.
///
/// Records that are aliases of one another (their ids and aliases overlap, possibly through a
/// third record) describe one vulnerability and become one finding.
pub(crate) fn build_findings(
    package: &Package,
    records: Vec<MatchedRecord<'_>>,
    scheme: Option<&dyn VersionScheme>,
) -> Vec<Finding> {
    group_aliases(records).into_iter().map(|group| group_finding(package, group, scheme)).collect()
}

fn group_aliases(records: Vec<MatchedRecord<'_>>) -> Vec<AliasGroup<'_>> {
    let mut groups: Vec<AliasGroup<'_>> = Vec::new();
    for record in records {
        let mut merged = AliasGroup { ids: record.advisory.ids().collect(), records: vec![record] };
        let (overlapping, separate): (Vec<_>, Vec<_>) =
            groups.into_iter().partition(|group| !group.ids.is_disjoint(&merged.ids));
        for group in overlapping {
            merged.ids.extend(group.ids);
            merged.records.extend(group.records);
        }
        groups = separate;
        groups.push(merged);
    }
    groups
}

fn group_finding(package: &Package, mut group: AliasGroup<'_>, scheme: Option<&dyn VersionScheme>) -> Finding {
    group.records.sort_by(|a, b| a.advisory.id.cmp(&b.advisory.id));
    let advisory_ids: Vec<String> = group.records.iter().map(|r| r.advisory.id.clone()).collect();

    let cve_ids: Vec<&str> = group.ids.iter().copied().filter(|id| id.starts_with("CVE-")).collect();
    let vulnerability_id = match cve_ids.as_slice() {
        [cve] => cve.to_string(),
        // Records are sorted by id, so the first is the smallest advisory id.
        _ => advisory_ids[0].clone(),
    };
    let aliases: Vec<String> =
        group.ids.iter().filter(|id| **id != vulnerability_id).map(|id| id.to_string()).collect();

    let mut severities = Vec::new();
    for record in &group.records {
        for entry in record.advisory.severities(record.affected.iter().copied()) {
            if !severities.contains(&entry) {
                severities.push(entry);
            }
        }
    }
    rank_severities(&mut severities, package.ecosystem.is_distribution());
    let (severity, severity_source, cvss_v3_vector) = match severities.first() {
        None => (Severity::Unknown, None, None),
        Some(chosen) if chosen.kind == SEVERITY_KIND_VENDOR => {
            // The label names the distribution, as `Ubuntu` did before vendor ratings had sources.
            let mut label = chosen.source.clone();
            if let Some(first) = label.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            (chosen.rating, Some(label), None)
        }
        Some(chosen) => {
            let vector = (chosen.kind == SEVERITY_SOURCE_CVSS_V3).then(|| chosen.value.clone());
            (chosen.rating, Some(chosen.kind.clone()), vector)
        }
    };

    let fixed_versions = sort_versions(group.records.iter().flat_map(|r| r.fixed.iter().cloned()).collect(), scheme);
    let status = if fixed_versions.is_empty() { FindingStatus::Affected } else { FindingStatus::Fixed };
    let summary = group.records.iter().find_map(|r| r.advisory.summary.clone());

    Finding {
        vulnerability_id,
        aliases,
        advisory_ids,
        package: package.clone(),
        fixed_versions,
        severity,
        severity_source,
        cvss_v3_vector,
        severities,
        status,
        layer: package.layer.clone(),
        summary,
    }
}

/// Sorts versions by `scheme` and drops duplicates, including versions that the scheme
/// considers equal (`5.4` and `5.4.0` under PEP 440). Versions the scheme rejects, which a
/// SEMVER range of a record in another ecosystem can give, follow in text order.
fn sort_versions(mut versions: Vec<String>, scheme: Option<&dyn VersionScheme>) -> Vec<String> {
    versions.sort();
    versions.dedup();
    let Some(scheme) = scheme else { return versions };

    let (mut valid, invalid): (Vec<String>, Vec<String>) =
        versions.into_iter().partition(|v| scheme.validate(v).is_ok());
    valid.sort_by(|a, b| scheme.compare(a, b).unwrap_or(Ordering::Equal).then_with(|| a.cmp(b)));
    valid.dedup_by(|later, earlier| scheme.compare(later, earlier) == Ok(Ordering::Equal));
    valid.extend(invalid);
    valid
}

/// Sorts findings by severity (most severe first), vulnerability id, then package name,
/// version and path, so that equal inputs give byte-identical output.
pub(crate) fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.vulnerability_id.cmp(&b.vulnerability_id))
            .then_with(|| a.package.name.cmp(&b.package.name))
            .then_with(|| a.package.version.cmp(&b.package.version))
            .then_with(|| a.package.path.cmp(&b.package.path))
    });
}
