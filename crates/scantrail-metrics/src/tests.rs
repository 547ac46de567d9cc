use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use scantrail_model::{Digest, Finding, Inventory, Remediation, RemediationAction, RemediationLink, Scan, ScanId, ScanKind, Severity};

use crate::{chart_bars, compute, episodes, AgeBuckets, BreachStatus, LineInput, MetricsOptions, SlaDays};

const REPO: &str = "registry.example.com/shop/app";
const DAY: i64 = 86_400;

fn day(days: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + days * DAY, 0).unwrap()
}

fn finding(id: &str, package: &str, severity: &str) -> Finding {
    serde_json::from_value(serde_json::json!({
        "vulnerability_id": id,
        "aliases": [],
        "package": {"ecosystem": "Debian", "name": package, "version": "1.0", "purl": format!("pkg:deb/debian/{package}@1.0"), "path": "/var/lib/dpkg/status"},
        "fixed_versions": [],
        "severity": severity,
        "status": "affected",
    }))
    .unwrap()
}

fn scan(tag: &str, at: DateTime<Utc>, kind: ScanKind, findings: Vec<Finding>) -> Scan {
    let mut scan = Scan {
        id: ScanId(String::new()),
        kind,
        reference: format!("{REPO}:{tag}"),
        repository: REPO.to_string(),
        tag: Some(tag.to_string()),
        manifest_digest: Digest::sha256_of(tag.as_bytes()),
        index_digest: None,
        config_digest: Digest::sha256_of(tag.as_bytes()),
        platform: "linux/amd64".to_string(),
        labels: BTreeMap::new(),
        layers: Vec::new(),
        created: None,
        inventory: Inventory::default(),
        advisory_snapshot: Digest::sha256_of(b"snapshot"),
        scanner_version: "test".to_string(),
        findings,
        scanned_at: at,
        rematch_of: None,
    };
    scan.id = scan.compute_id();
    scan
}

fn options(as_of: DateTime<Utc>) -> MetricsOptions {
    MetricsOptions { as_of, since: None, sla: SlaDays { critical: Some(7), high: Some(30), medium: Some(90), low: Some(180) } }
}

/// Returns the scans newest first, as the store lists them.
fn newest_first(mut scans: Vec<Scan>) -> Vec<Scan> {
    scans.reverse();
    scans
}

/// Builds a line where CVE-1 (CRITICAL) lives from day 0 to day 10, CVE-2 (HIGH) from day 0 to day 4,
/// CVE-3 (HIGH) from day 4 on, and CVE-4 (MEDIUM) from day 0 on.
fn example_line() -> Vec<Scan> {
    newest_first(vec![
        scan("v1", day(0), ScanKind::Scan, vec![finding("CVE-1", "openssl", "CRITICAL"), finding("CVE-2", "zlib", "HIGH"), finding("CVE-4", "pam", "MEDIUM")]),
        scan("v2", day(4), ScanKind::Scan, vec![finding("CVE-1", "openssl", "CRITICAL"), finding("CVE-3", "zlib", "HIGH"), finding("CVE-4", "pam", "MEDIUM")]),
        scan("v3", day(10), ScanKind::Scan, vec![finding("CVE-3", "zlib", "HIGH"), finding("CVE-4", "pam", "MEDIUM")]),
    ])
}

fn remediation(id: u64, vulnerability_id: &str, action: RemediationAction) -> Remediation {
    Remediation {
        id,
        repository: REPO.to_string(),
        vulnerability_id: vulnerability_id.to_string(),
        aliases: Vec::new(),
        requested_id: vulnerability_id.to_string(),
        action,
        note: String::new(),
        ticket: None,
        by: "alice".to_string(),
        recorded_at: day(11),
        left_scan: None,
        link: RemediationLink::Pending,
    }
}

#[test]
fn episodes_split_on_return() {
    let scans = vec![
        scan("v1", day(0), ScanKind::Scan, vec![finding("CVE-1", "openssl", "LOW")]),
        scan("v2", day(1), ScanKind::Scan, vec![]),
        scan("v3", day(2), ScanKind::Scan, vec![finding("CVE-1", "openssl", "HIGH")]),
    ];
    let ordered: Vec<&Scan> = scans.iter().collect();
    let found = episodes(&ordered);

    assert_eq!(found.len(), 2);
    assert_eq!(found[0].appeared.id, scans[0].id);
    assert_eq!(found[0].left.map(|scan| &scan.id), Some(&scans[1].id));
    assert_eq!(found[0].severity(), Severity::Low);
    assert_eq!(found[1].appeared.id, scans[2].id, "the regression starts a new clock");
    assert!(found[1].left.is_none());
    assert_eq!(found[1].severity(), Severity::High);
}

#[test]
fn episodes_take_newest_severity() {
    let scans = vec![
        scan("v1", day(0), ScanKind::Scan, vec![finding("CVE-1", "openssl", "LOW")]),
        scan("v2", day(1), ScanKind::Scan, vec![finding("CVE-1", "openssl", "CRITICAL"), finding("CVE-1", "openssl", "MEDIUM")]),
    ];
    let ordered: Vec<&Scan> = scans.iter().collect();
    let found = episodes(&ordered);
    assert_eq!(found.len(), 1, "two copies of one package make one episode");
    assert_eq!(found[0].severity(), Severity::Critical);
    assert_eq!(found[0].last_seen.id, scans[1].id);
}

#[test]
fn time_to_remediate_mean_and_median() {
    let scans = example_line();
    let line = LineInput { repository: REPO, scans: &scans, remediations: &[] };
    let metrics = compute(&[line], &options(day(12)));

    let critical = &metrics.severities[0].measures;
    assert_eq!(metrics.severities[0].severity, Severity::Critical);
    assert_eq!(critical.remediated, 1);
    assert_eq!(critical.mean_seconds, Some(10 * DAY));
    assert_eq!(critical.median_seconds, Some(10 * DAY));

    let high = &metrics.severities[1].measures;
    assert_eq!(high.remediated, 1, "CVE-2 left on day 4");
    assert_eq!(high.mean_seconds, Some(4 * DAY));
    assert_eq!(high.open, 1, "CVE-3 is open");

    assert_eq!(metrics.total.remediated, 2);
    assert_eq!(metrics.total.mean_seconds, Some(7 * DAY));
    assert_eq!(metrics.total.median_seconds, Some(7 * DAY), "the mean of the two middle values");
    assert_eq!(metrics.total.open, 2);
}

#[test]
fn open_findings_by_age() {
    let scans = example_line();
    let line = LineInput { repository: REPO, scans: &scans, remediations: &[] };
    let metrics = compute(&[line], &options(day(40)));
    // At day 40, CVE-3 is 36 days old and CVE-4 is 40 days old.
    assert_eq!(metrics.total.open_by_age, AgeBuckets { days_0_7: 0, days_8_30: 0, days_31_90: 2, days_over_90: 0 });

    let line = LineInput { repository: REPO, scans: &scans, remediations: &[] };
    let metrics = compute(&[line], &options(day(12)));
    assert_eq!(metrics.total.open_by_age, AgeBuckets { days_0_7: 0, days_8_30: 2, days_31_90: 0, days_over_90: 0 });

    let line = LineInput { repository: REPO, scans: &scans, remediations: &[] };
    let metrics = compute(&[line], &options(day(94)));
    assert_eq!(metrics.total.open_by_age.days_over_90, 1, "CVE-4 is 94 days old");
    assert_eq!(metrics.total.open_by_age.days_31_90, 1, "CVE-3 is 90 days old, the bucket's upper bound");
}

#[test]
fn sla_breaches_open_and_late() {
    let scans = example_line();
    let remediations = [remediation(1, "CVE-3", RemediationAction::Mitigated), remediation(2, "CVE-3", RemediationAction::Accepted)];
    let line = LineInput { repository: REPO, scans: &scans, remediations: &remediations };
    let metrics = compute(&[line], &options(day(40)));

    assert_eq!(metrics.severities[0].measures.remediated_late, 1, "CVE-1 took 10 days against 7");
    assert_eq!(metrics.severities[1].measures.open_past_sla, 1, "CVE-3 is 36 days old against 30");
    assert_eq!(metrics.severities[2].measures.open_past_sla, 0, "CVE-4 is 40 days old against 90");
    assert_eq!(metrics.total.open_past_sla, 1);
    assert_eq!(metrics.total.remediated_late, 1);

    assert_eq!(metrics.breaches.len(), 2);
    let open = &metrics.breaches[0];
    assert_eq!(open.status, BreachStatus::Open);
    assert_eq!(open.vulnerability_id, "CVE-3");
    assert_eq!(open.elapsed_seconds, 36 * DAY);
    assert_eq!(open.sla_days, 30);
    assert_eq!(open.remediation, Some(RemediationAction::Accepted), "the newest record wins");
    let late = &metrics.breaches[1];
    assert_eq!(late.status, BreachStatus::RemediatedLate);
    assert_eq!(late.vulnerability_id, "CVE-1");
    assert_eq!(late.remediated_in.as_ref(), Some(&scans[0].id), "v3 is first in the newest-first list");
    assert_eq!(late.remediation, None);
}

#[test]
fn unknown_severity_has_no_deadline() {
    let scans = newest_first(vec![scan("v1", day(0), ScanKind::Scan, vec![finding("CVE-9", "zstd", "UNKNOWN")])]);
    let line = LineInput { repository: REPO, scans: &scans, remediations: &[] };
    let metrics = compute(&[line], &options(day(1000)));
    assert_eq!(metrics.total.open, 1);
    assert_eq!(metrics.total.open_past_sla, 0);
    assert!(metrics.breaches.is_empty());
}

#[test]
fn since_limits_remediations() {
    let scans = example_line();
    let mut window = options(day(12));
    window.since = Some(day(5));
    let line = LineInput { repository: REPO, scans: &scans, remediations: &[] };
    let metrics = compute(&[line], &window);
    assert_eq!(metrics.total.remediated, 1, "CVE-2 left on day 4, before the window");
    assert_eq!(metrics.severities[0].measures.remediated, 1, "CVE-1 left on day 10");
    assert_eq!(metrics.total.open, 2, "open findings do not depend on --since");
}

#[test]
fn as_of_ignores_later_scans() {
    let scans = example_line();
    let line = LineInput { repository: REPO, scans: &scans, remediations: &[] };
    let metrics = compute(&[line], &options(day(5)));
    assert_eq!(metrics.lines[0].scans, 2);
    assert_eq!(metrics.lines[0].newest_tag.as_deref(), Some("v2"));
    assert_eq!(metrics.total.open, 3, "CVE-1, CVE-3 and CVE-4 are in v2");
    assert_eq!(metrics.total.remediated, 1);
}

#[test]
fn rematch_starts_the_clock() {
    let scans = newest_first(vec![
        scan("v1", day(0), ScanKind::Scan, vec![]),
        scan("v1", day(20), ScanKind::Rematch, vec![finding("CVE-5", "openssl", "HIGH")]),
        scan("v2", day(25), ScanKind::Scan, vec![]),
    ]);
    let line = LineInput { repository: REPO, scans: &scans, remediations: &[] };
    let metrics = compute(&[line], &options(day(30)));
    assert_eq!(metrics.total.remediated, 1);
    assert_eq!(metrics.total.mean_seconds, Some(5 * DAY), "counted from the re-match on day 20");
}

#[test]
fn lines_merge_into_totals() {
    let first = example_line();
    let mut other = scan("v1", day(0), ScanKind::Scan, vec![finding("CVE-1", "openssl", "CRITICAL")]);
    other.repository = "registry.example.com/shop/other".to_string();
    other.id = other.compute_id();
    let mut other_fixed = scan("v2", day(2), ScanKind::Scan, vec![]);
    other_fixed.repository = other.repository.clone();
    other_fixed.id = other_fixed.compute_id();
    let second = newest_first(vec![other, other_fixed]);

    let lines = [
        LineInput { repository: REPO, scans: &first, remediations: &[] },
        LineInput { repository: "registry.example.com/shop/other", scans: &second, remediations: &[] },
    ];
    let metrics = compute(&lines, &options(day(12)));
    assert_eq!(metrics.lines.len(), 2);
    let critical = &metrics.severities[0].measures;
    assert_eq!(critical.remediated, 2);
    assert_eq!(critical.mean_seconds, Some(6 * DAY), "10 and 2 days");
    assert_eq!(critical.median_seconds, Some(6 * DAY));
}

#[test]
fn chart_bars_count_each_scan() {
    let scans = example_line();
    let bars = chart_bars(&scans, &options(day(12)));
    let labels: Vec<&str> = bars.iter().map(|bar| bar.label.as_str()).collect();
    assert_eq!(labels, ["v1", "v2", "v3"]);
    assert_eq!(bars[0].counts[&Severity::Critical], 1);
    assert_eq!(bars[0].counts[&Severity::High], 1);
    assert_eq!(bars[2].counts[&Severity::Critical], 0);
    assert_eq!(bars[2].counts[&Severity::Medium], 1);

    let mut window = options(day(12));
    window.since = Some(day(4));
    assert_eq!(chart_bars(&scans, &window).len(), 2);
}
