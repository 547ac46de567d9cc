//! `scantrail remediate`: records what was done about a vulnerability of an image line.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};
use chrono::Utc;
use scantrail_model::{Finding, RemediationAction, Scan};
use scantrail_report::render_remediation;
use scantrail_store::{HistoryStore, NewRemediation};

use crate::cli::{Cli, RemediateArgs, RemediationActionArg};
use crate::commands::print_report;
use crate::context;
use crate::Outcome;

pub fn run(cli: &Cli, args: &RemediateArgs) -> Result<Outcome> {
    let mut store = context::open_store()?;
    let repository = args.repository.trim_end_matches('/');
    let note = args.note.trim();
    if note.is_empty() {
        bail!("--note is empty; say in a sentence what was changed and why");
    }
    if let Some(ticket) = &args.ticket {
        if !ticket.contains("://") {
            bail!("invalid --ticket {ticket:?}: expected a URL such as https://tracker.example.com/SEC-123");
        }
    }
    let by = match &args.by {
        Some(name) if !name.trim().is_empty() => name.trim().to_string(),
        Some(_) => bail!("--by is empty; give the name of the person or team that remediated it"),
        None => std::env::var("USER").ok().filter(|user| !user.is_empty()).unwrap_or_else(|| "unknown".to_string()),
    };

    // Newest first.
    let scans = store.scans(repository)?;
    if scans.is_empty() {
        let known = store.repositories()?;
        bail!("no scans of {repository:?} in the history store; known repositories: {}", list_or_none(&known));
    }
    let vulnerability = resolve_vulnerability(&scans, repository, &args.vuln_id)?;

    let record = store.record_remediation(&NewRemediation {
        repository: repository.to_string(),
        vulnerability_id: vulnerability.id,
        aliases: vulnerability.aliases,
        requested_id: args.vuln_id.clone(),
        action: action(args.action),
        note: note.to_string(),
        ticket: args.ticket.clone(),
        by,
        recorded_at: Utc::now(),
    })?;
    let left_scan = record.left_scan.as_ref().and_then(|id| scans.iter().find(|scan| &scan.id == id));
    print_report(&render_remediation(&record, left_scan, scans.first(), context::style(cli)))?;
    Ok(Outcome::Success)
}

fn action(arg: RemediationActionArg) -> RemediationAction {
    match arg {
        RemediationActionArg::Patched => RemediationAction::Patched,
        RemediationActionArg::Rebuilt => RemediationAction::Rebuilt,
        RemediationActionArg::BaseUpgraded => RemediationAction::BaseUpgraded,
        RemediationActionArg::Mitigated => RemediationAction::Mitigated,
        RemediationActionArg::Accepted => RemediationAction::Accepted,
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

/// A vulnerability of a line: its id in the newest scan that has it, and its other ids.
#[derive(Debug, PartialEq, Eq)]
struct ResolvedVulnerability {
    id: String,
    aliases: Vec<String>,
}

fn finding_names(finding: &Finding, id: &str) -> bool {
    finding.has_id(id) || finding.advisory_ids.iter().any(|advisory| advisory.eq_ignore_ascii_case(id))
}

/// Resolves `requested` through the findings of a line (scans newest first) to one
/// vulnerability.
///
/// Findings whose vulnerability id, aliases or advisory ids contain `requested` are candidates.
/// Candidates with different vulnerability ids are one vulnerability when one lists the other's
/// id among its aliases (a GHSA record that later got a CVE id). Otherwise the id is ambiguous,
/// as a DSA that fixes two CVEs is.
fn resolve_vulnerability(scans: &[Scan], repository: &str, requested: &str) -> Result<ResolvedVulnerability> {
    let requested = requested.trim();
    let candidates: Vec<&Finding> = scans
        .iter()
        .flat_map(|scan| scan.findings.iter())
        .filter(|finding| finding_names(finding, requested))
        .collect();
    let Some(newest) = candidates.first() else {
        bail!(
            "vulnerability {requested} is not in any of the {} scans of {repository}; \
             `scantrail show {repository}:TAG` lists the findings of a scan",
            scans.len()
        );
    };

    // Group the candidates' vulnerability ids: two ids belong together when a finding of one
    // lists the other as an alias.
    let ids: BTreeSet<&str> = candidates.iter().map(|finding| finding.vulnerability_id.as_str()).collect();
    let mut group: BTreeMap<&str, &str> = ids.iter().map(|id| (*id, *id)).collect();
    for finding in &candidates {
        for other in &ids {
            if finding.aliases.iter().any(|alias| alias.eq_ignore_ascii_case(other)) {
                let (a, b) = (root(&group, &finding.vulnerability_id), root(&group, other));
                if a != b {
                    group.insert(a, b);
                }
            }
        }
    }
    let groups: BTreeSet<&str> = ids.iter().map(|id| root(&group, id)).collect();
    if groups.len() > 1 {
        let names: Vec<&str> = ids.into_iter().collect();
        bail!(
            "{requested} names {} different vulnerabilities in {repository}: {}; give one of these ids",
            groups.len(),
            names.join(", ")
        );
    }

    let id = newest.vulnerability_id.clone();
    let mut aliases = BTreeSet::new();
    for finding in &candidates {
        aliases.insert(finding.vulnerability_id.clone());
        aliases.extend(finding.aliases.iter().cloned());
        aliases.extend(finding.advisory_ids.iter().cloned());
    }
    let aliases = aliases.into_iter().filter(|alias| !alias.eq_ignore_ascii_case(&id)).collect();
    Ok(ResolvedVulnerability { id, aliases })
}

/// Follows `group` links to the representative of an id's group.
fn root<'a>(group: &BTreeMap<&'a str, &'a str>, id: &str) -> &'a str {
    let mut current = *group.get_key_value(id).map(|(key, _)| key).expect("every candidate id has a group entry");
    while let Some(&parent) = group.get(current) {
        if parent == current {
            break;
        }
        current = parent;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use scantrail_model::{Digest, Inventory, ScanId, ScanKind};

    fn finding(id: &str, aliases: &[&str], package: &str) -> Finding {
        serde_json::from_value(serde_json::json!({
            "vulnerability_id": id,
            "aliases": aliases,
            "advisory_ids": [],
            "package": {"ecosystem": "Debian", "name": package, "version": "1", "purl": "pkg:deb/debian/x@1", "path": "/"},
            "fixed_versions": [],
            "severity": "HIGH",
            "status": "affected",
        }))
        .unwrap()
    }

    fn scan(findings: Vec<Finding>) -> Scan {
        Scan {
            id: ScanId("0".repeat(64)),
            kind: ScanKind::Scan,
            reference: "app".to_string(),
            repository: "app".to_string(),
            tag: None,
            manifest_digest: Digest::sha256_of(b"m"),
            index_digest: None,
            config_digest: Digest::sha256_of(b"c"),
            platform: "linux/amd64".to_string(),
            labels: Default::default(),
            layers: Vec::new(),
            created: None,
            inventory: Inventory::default(),
            advisory_snapshot: Digest::sha256_of(b"s"),
            scanner_version: "test".to_string(),
            findings,
            scanned_at: Utc::now(),
            rematch_of: None,
        }
    }

    #[test]
    fn resolve_alias_to_newest_id() {
        // Newest first: the vulnerability was renamed from its GHSA id to a CVE id.
        let scans = [scan(vec![finding("CVE-1", &["GHSA-1"], "a")]), scan(vec![finding("GHSA-1", &[], "a")])];
        let resolved = resolve_vulnerability(&scans, "app", "ghsa-1").unwrap();
        assert_eq!(resolved.id, "CVE-1");
        assert_eq!(resolved.aliases, ["GHSA-1"]);
    }

    #[test]
    fn resolve_rejects_shared_advisory_id() {
        let scans = [scan(vec![finding("CVE-1", &["DSA-1"], "a"), finding("CVE-2", &["DSA-1"], "b")])];
        let error = resolve_vulnerability(&scans, "app", "DSA-1").unwrap_err().to_string();
        assert!(error.contains("CVE-1, CVE-2"), "{error}");
    }

    #[test]
    fn resolve_unknown_id_fails() {
        let scans = [scan(vec![finding("CVE-1", &[], "a")])];
        let error = resolve_vulnerability(&scans, "app", "CVE-9").unwrap_err().to_string();
        assert!(error.contains("CVE-9"), "{error}");
    }
}
