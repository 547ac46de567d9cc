//! `remediate`, the remediations in `log`, and `metrics`, run as a user would.

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use common::{stderr, TestEnv, REPO};
use scantrail_model::{Digest, Finding, Inventory, Scan, ScanId, ScanKind};
use scantrail_store::{HistoryStore, SqliteStore};
use serde_json::Value;

/// Insta settings that replace scan ids, temp paths and times of day that change per run.
fn settings(env: &TestEnv, scan_ids: &[String]) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for (i, id) in scan_ids.iter().enumerate() {
        settings.add_filter(&regex::escape(id), format!("[scan-{i}]"));
        settings.add_filter(&regex::escape(&id[..12]), format!("[scan-{i}]"));
    }
    settings.add_filter(&regex::escape(&env.dir.path().display().to_string()), "[tmp]");
    settings
}

fn settings_with_times(env: &TestEnv, scan_ids: &[String]) -> insta::Settings {
    let mut settings = settings(env, scan_ids);
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[time]");
    settings
}

/// Scan ids of `REPO`, oldest first.
fn scan_ids(env: &TestEnv) -> Vec<String> {
    let log = env.json(&["log", REPO]);
    let mut ids: Vec<String> = log["scans"].as_array().unwrap().iter().map(|scan| scan["id"].as_str().unwrap().to_string()).collect();
    ids.reverse();
    ids
}

#[test]
fn remediate_links_scan_and_log_shows_it() {
    let env = TestEnv::new();
    env.import_advisories();
    env.scan_both();
    let ids = scan_ids(&env);

    // requests 2.19.1 in v1.0 has CVE-2018-18074 (GHSA-x84v-xcm2-53pg); v1.1 upgraded it.
    let fixed = env.json(&[
        "remediate", REPO, "GHSA-x84v-xcm2-53pg", "--action", "patched", "--note", "Upgraded requests to 2.20.0",
        "--ticket", "https://tracker.example.com/SEC-1", "--by", "alice",
    ]);
    assert_eq!(fixed["schema"], "scantrail.remediation/v1");
    let record = &fixed["remediation"];
    assert_eq!(record["vulnerability_id"], "CVE-2018-18074", "the alias resolves to the line's id");
    assert_eq!(record["requested_id"], "GHSA-x84v-xcm2-53pg");
    assert_eq!(record["action"], "patched");
    assert_eq!(record["left_scan"], ids[1].as_str(), "v1.1 is the first scan without it");
    assert_eq!(record["link"], "recorded");
    assert_eq!(record["by"], "alice");

    // CVE-2023-32681 (requests < 2.31.0) is still in v1.1.
    let pending = env.ok(&["remediate", REPO, "CVE-2023-32681", "--action", "accepted", "--note", "Only internal hosts", "--by", "bob"]);
    settings_with_times(&env, &ids).bind(|| {
        insta::assert_snapshot!("remediate_pending", pending);
        insta::assert_snapshot!("log_with_remediations", env.ok(&["log", REPO]));
    });

    let log = env.json(&["log", REPO]);
    assert_eq!(log["scans"][0]["remediations"][0]["vulnerability_id"], "CVE-2018-18074");
    assert_eq!(log["scans"][1]["remediations"], serde_json::json!([]));
    assert_eq!(log["pending_remediations"][0]["vulnerability_id"], "CVE-2023-32681");
    assert_eq!(log["pending_remediations"][0]["link"], "pending");
}

#[test]
fn remediate_rejects_unknown_vulnerability() {
    let env = TestEnv::new();
    env.import_advisories();
    env.scan_both();
    let output = env.run(&["remediate", REPO, "CVE-1999-0001", "--action", "patched", "--note", "n/a"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("CVE-1999-0001 is not in any of the 2 scans"), "{}", stderr(&output));

    let output = env.run(&["remediate", "registry.example.com/shop/none", "CVE-2018-18074", "--action", "patched", "--note", "n/a"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("known repositories: registry.example.com/shop/app"), "{}", stderr(&output));

    let output = env.run(&["remediate", REPO, "CVE-2018-18074", "--action", "patched", "--note", "x", "--ticket", "SEC-1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("expected a URL"), "{}", stderr(&output));
}

#[test]
fn csv_rejected_outside_metrics() {
    let env = TestEnv::new();
    let output = env.run(&["db", "status", "--format", "csv"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("only by `scantrail metrics`"), "{}", stderr(&output));
}

fn day(days: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap() + chrono::TimeDelta::days(days)
}

fn finding(id: &str, package: &str, severity: &str) -> Finding {
    serde_json::from_value(serde_json::json!({
        "vulnerability_id": id,
        "aliases": [],
        "package": {"ecosystem": "Debian", "name": package, "version": "1.0", "purl": format!("pkg:deb/debian/{package}@1.0"), "path": "/var/lib/dpkg/status"},
        "fixed_versions": ["1.1"],
        "severity": severity,
        "status": "fixed",
    }))
    .unwrap()
}

fn scan(tag: &str, at: DateTime<Utc>, findings: Vec<Finding>) -> Scan {
    let mut scan = Scan {
        id: ScanId(String::new()),
        kind: ScanKind::Scan,
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
        scanner_version: "scantrail test".to_string(),
        findings,
        scanned_at: at,
        rematch_of: None,
    };
    scan.id = scan.compute_id();
    scan
}

/// Records a line with known dates: CVE-A (CRITICAL) from day 0 to day 10, CVE-B (HIGH) from day
/// 0 to day 20, CVE-C (HIGH) from day 10 on, CVE-D (MEDIUM) from day 0 on. Returns scan ids,
/// oldest first.
fn record_dated_line(env: &TestEnv) -> Vec<String> {
    let scans = [
        scan("v1", day(0), vec![finding("CVE-A", "openssl", "CRITICAL"), finding("CVE-B", "zlib", "HIGH"), finding("CVE-D", "pam", "MEDIUM")]),
        scan("v2", day(10), vec![finding("CVE-B", "zlib", "HIGH"), finding("CVE-C", "curl", "HIGH"), finding("CVE-D", "pam", "MEDIUM")]),
        scan("v3", day(20), vec![finding("CVE-C", "curl", "HIGH"), finding("CVE-D", "pam", "MEDIUM")]),
    ];
    let mut store = SqliteStore::open_in(&env.home()).unwrap();
    for recorded in &scans {
        store.record_scan(recorded).unwrap();
    }
    scans.iter().map(|scan| scan.id.0.clone()).collect()
}

#[test]
fn metrics_of_dated_line() {
    let env = TestEnv::new();
    let ids = record_dated_line(&env);
    env.ok(&["remediate", REPO, "CVE-C", "--action", "mitigated", "--note", "curl only reaches the mirror", "--by", "carol"]);

    // At day 45: CVE-A took 10 days (SLA 7), CVE-B 20 days (SLA 30); CVE-C is 35 days old (SLA
    // 30), CVE-D 45 days (SLA 90).
    let as_of = "2026-02-15T12:00:00Z";
    settings(&env, &ids).bind(|| {
        insta::assert_snapshot!("metrics_table", env.ok(&["metrics", REPO, "--as-of", as_of]));
        insta::assert_snapshot!("metrics_csv", env.ok(&["metrics", "--as-of", as_of, "--format", "csv"]));
    });

    let metrics = env.json(&["metrics", REPO, "--as-of", as_of]);
    assert_eq!(metrics["schema"], "scantrail.metrics/v1");
    assert_eq!(metrics["total"]["remediated"], 2);
    assert_eq!(metrics["total"]["mean_seconds"], 15 * 86_400);
    assert_eq!(metrics["total"]["median_seconds"], 15 * 86_400);
    assert_eq!(metrics["total"]["open"], 2);
    assert_eq!(metrics["total"]["open_by_age"]["days_31_90"], 2);
    assert_eq!(metrics["total"]["open_past_sla"], 1);
    assert_eq!(metrics["total"]["remediated_late"], 1);
    let breaches: Vec<(&str, &str)> = metrics["breaches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|breach| (breach["vulnerability_id"].as_str().unwrap(), breach["status"].as_str().unwrap()))
        .collect();
    assert_eq!(breaches, [("CVE-C", "open"), ("CVE-A", "remediated_late")]);
    assert_eq!(metrics["breaches"][0]["remediation"], "mitigated");

    let csv = env.ok(&["metrics", REPO, "--as-of", as_of, "--format", "csv"]);
    assert!(csv.ends_with("1,1\r\n"), "CSV lines end in CRLF (RFC 4180): {csv:?}");

    let since = env.json(&["metrics", REPO, "--as-of", as_of, "--since", "2026-01-15"]);
    assert_eq!(since["total"]["remediated"], 1, "CVE-A left on day 10, before --since");
}

#[test]
fn metrics_follow_configured_sla() {
    let env = TestEnv::new();
    record_dated_line(&env);
    std::fs::write(env.home().join("config.toml"), "[sla]\ncritical = 14\nhigh = 60\n").unwrap();

    let metrics = env.json(&["metrics", REPO, "--as-of", "2026-02-15T12:00:00Z"]);
    assert_eq!(metrics["sla_days"]["critical"], 14);
    assert_eq!(metrics["sla_days"]["medium"], 90, "unset keys keep their default");
    assert_eq!(metrics["total"]["open_past_sla"], 0);
    assert_eq!(metrics["total"]["remediated_late"], 0);
    assert_eq!(metrics["breaches"], serde_json::json!([]));
}

#[test]
fn metrics_chart_draws_each_scan() {
    let env = TestEnv::new();
    record_dated_line(&env);
    let chart = env.path("chart.svg");
    env.ok(&["metrics", REPO, "--as-of", "2026-02-15", "--chart", chart.to_str().unwrap()]);

    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
    for label in ["v1", "v2", "v3", "critical", "high", "medium", "findings", REPO] {
        assert!(svg.contains(&format!(">{label}<")), "the chart shows {label}");
    }
    // v1 has three findings of three severities, v2 three of two, v3 two of two: seven bar parts.
    let parts = svg.matches("<rect x=").count() - 5;
    assert_eq!(parts, 7, "stacked parts, not counting the five legend boxes");
}

#[test]
fn metrics_without_scans_fails() {
    let env = TestEnv::new();
    let output = env.run(&["metrics"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("has no scans yet"), "{}", stderr(&output));

    record_dated_line(&env);
    let output = env.run(&["metrics", REPO, "--since", "yesterday"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("expected YYYY-MM-DD"), "{}", stderr(&output));
}

#[test]
fn metrics_json_lists_lines() {
    let env = TestEnv::new();
    record_dated_line(&env);
    let metrics: Value = env.json(&["metrics", "--as-of", "2026-02-15"]);
    assert_eq!(metrics["lines"].as_array().unwrap().len(), 1);
    assert_eq!(metrics["lines"][0]["repository"], REPO);
    assert_eq!(metrics["lines"][0]["newest_tag"], "v3");
    assert_eq!(metrics["lines"][0]["scans"], 3);
}
