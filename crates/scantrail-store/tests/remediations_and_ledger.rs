//! Remediation records, the schema upgrade that added them, and the scan chain check, through
//! the public store API. Tampering goes behind the store's back with a second connection.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::Connection;
use scantrail_model::{Digest, Finding, Inventory, Package, RemediationAction, RemediationLink, Scan, ScanId, ScanKind};
use scantrail_store::{HistoryStore, LedgerProblemKind, NewRemediation, SqliteStore, SCHEMA_VERSION};
use tempfile::TempDir;

const REPO: &str = "registry.example.com/shop/app";

fn time(days: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + days * 86_400, 0).unwrap()
}

// Findings and packages are built from JSON so that fields added to the model later (with
// serde defaults) need no change here.
fn package(name: &str, version: &str) -> Package {
    serde_json::from_value(serde_json::json!({
        "ecosystem": "Debian",
        "name": name,
        "version": version,
        "purl": format!("pkg:deb/debian/{name}@{version}"),
        "path": "/var/lib/dpkg/status",
    }))
    .unwrap()
}

fn finding(id: &str, aliases: &[&str], name: &str) -> Finding {
    serde_json::from_value(serde_json::json!({
        "vulnerability_id": id,
        "aliases": aliases,
        "advisory_ids": aliases,
        "package": package(name, "1.0"),
        "fixed_versions": ["1.1"],
        "severity": "HIGH",
        "status": "fixed",
    }))
    .unwrap()
}

/// Builds a scan of `REPO:tag` at day `day` with the given findings, its id computed.
fn scan(tag: &str, day: i64, findings: Vec<Finding>) -> Scan {
    let mut scan = Scan {
        id: ScanId(String::new()),
        kind: ScanKind::Scan,
        reference: format!("{REPO}:{tag}"),
        repository: REPO.to_string(),
        tag: Some(tag.to_string()),
        manifest_digest: Digest::sha256_of(format!("manifest {tag}").as_bytes()),
        index_digest: None,
        config_digest: Digest::sha256_of(format!("config {tag}").as_bytes()),
        platform: "linux/amd64".to_string(),
        labels: BTreeMap::new(),
        layers: Vec::new(),
        created: None,
        inventory: Inventory { os: None, packages: vec![package("openssl", "1.0"), package("zlib", "1.0")] },
        advisory_snapshot: Digest::sha256_of(b"snapshot"),
        scanner_version: "scantrail test".to_string(),
        findings,
        scanned_at: time(day),
        rematch_of: None,
    };
    scan.id = scan.compute_id();
    scan
}

fn remediation(vulnerability_id: &str, aliases: &[&str], action: RemediationAction) -> NewRemediation {
    NewRemediation {
        repository: REPO.to_string(),
        vulnerability_id: vulnerability_id.to_string(),
        aliases: aliases.iter().map(|alias| alias.to_string()).collect(),
        requested_id: vulnerability_id.to_string(),
        action,
        note: "upgraded openssl".to_string(),
        ticket: Some("https://tracker.example.com/SEC-1".to_string()),
        by: "alice".to_string(),
        recorded_at: time(30),
    }
}

fn open(dir: &TempDir) -> SqliteStore {
    SqliteStore::open_in(dir.path()).unwrap()
}

fn raw(store: &SqliteStore) -> Connection {
    Connection::open(store.path()).unwrap()
}

fn user_version(path: &Path) -> i64 {
    Connection::open(path).unwrap().query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap()
}

fn table_exists(path: &Path, table: &str) -> bool {
    Connection::open(path)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [table], |row| row.get::<_, i64>(0))
        .unwrap()
        == 1
}

/// Records three scans: CVE-A in v1 and v2 but not in v3, and CVE-B in all three.
fn three_scans(store: &mut SqliteStore) -> [Scan; 3] {
    let scans = [
        scan("v1", 0, vec![finding("CVE-A", &["GHSA-aaaa"], "openssl"), finding("CVE-B", &[], "zlib")]),
        scan("v2", 10, vec![finding("CVE-A", &["GHSA-aaaa"], "openssl"), finding("CVE-B", &[], "zlib")]),
        scan("v3", 20, vec![finding("CVE-B", &[], "zlib")]),
    ];
    for recorded in &scans {
        store.record_scan(recorded).unwrap();
    }
    scans
}

#[test]
fn empty_v1_store_upgrades_in_place() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("history.db");
    let connection = Connection::open(&path).unwrap();
    connection.execute_batch(include_str!("../src/schema_v1.sql")).unwrap();
    connection.pragma_update(None, "user_version", 1).unwrap();
    drop(connection);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 2);
    assert!(table_exists(&path, "remediations"));
    assert_eq!(store.remediations(REPO, None).unwrap(), []);
}

#[test]
fn v1_store_with_scans_upgrades_in_place() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let scans = three_scans(&mut store);
    let path = store.path().to_path_buf();
    drop(store);

    // Turn the file back into what version 1 wrote: no remediation table, and chain columns
    // that an early version 1 build may have left empty.
    let connection = Connection::open(&path).unwrap();
    connection.execute_batch("DROP TABLE remediations; UPDATE scans SET record_hash = NULL, parent_hash = NULL;").unwrap();
    connection.pragma_update(None, "user_version", 1).unwrap();
    drop(connection);
    assert!(!table_exists(&path, "remediations"));

    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(user_version(&path), 2);
    assert_eq!(store.scans(REPO).unwrap().len(), 3, "scans survive the upgrade");
    let chain: Vec<(Option<String>, Option<String>)> = raw(&store)
        .prepare("SELECT record_hash, parent_hash FROM scans ORDER BY seq")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(chain[0], (Some(scans[0].id.0.clone()), None));
    assert_eq!(chain[1], (Some(scans[1].id.0.clone()), Some(scans[0].id.0.clone())));
    assert_eq!(chain[2], (Some(scans[2].id.0.clone()), Some(scans[1].id.0.clone())));
    assert!(store.verify_ledger(None).unwrap().intact());

    let stored = store.record_remediation(&remediation("CVE-A", &["GHSA-aaaa"], RemediationAction::Patched)).unwrap();
    assert_eq!(stored.id, 1);
}

#[test]
fn remediation_links_scan_where_vulnerability_left() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let scans = three_scans(&mut store);

    let stored = store.record_remediation(&remediation("CVE-A", &["GHSA-aaaa"], RemediationAction::BaseUpgraded)).unwrap();
    assert_eq!(stored.left_scan.as_ref(), Some(&scans[2].id), "v3 is the first scan without CVE-A");
    assert_eq!(stored.link, RemediationLink::Recorded);

    let read = store.remediations(REPO, Some("ghsa-AAAA")).unwrap();
    assert_eq!(read, [stored.clone()], "an alias finds the record, case-insensitively");
    assert_eq!(read[0].action, RemediationAction::BaseUpgraded);
    assert_eq!(read[0].ticket.as_deref(), Some("https://tracker.example.com/SEC-1"));
    assert_eq!(store.remediations(REPO, Some("CVE-B")).unwrap(), []);
    assert_eq!(store.remediations("other/line", None).unwrap(), []);
}

#[test]
fn pending_remediation_is_linked_when_read_later() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    three_scans(&mut store);

    let stored = store.record_remediation(&remediation("CVE-B", &[], RemediationAction::Patched)).unwrap();
    assert_eq!(stored.left_scan, None, "v3 still has CVE-B");
    assert_eq!(stored.link, RemediationLink::Pending);

    let v4 = scan("v4", 25, vec![]);
    store.record_scan(&v4).unwrap();
    let read = store.remediations(REPO, Some("CVE-B")).unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].left_scan.as_ref(), Some(&v4.id));
    assert_eq!(read[0].link, RemediationLink::Computed);

    let stored_column: Option<String> =
        raw(&store).query_row("SELECT left_scan FROM remediations", [], |row| row.get(0)).unwrap();
    assert_eq!(stored_column, None, "records are append-only: the link is computed, not written back");
}

#[test]
fn remediation_links_after_last_appearance() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let scans = [
        scan("v1", 0, vec![finding("CVE-A", &[], "openssl")]),
        scan("v2", 1, vec![]),
        scan("v3", 2, vec![finding("CVE-A", &[], "openssl")]),
        scan("v4", 3, vec![]),
    ];
    for recorded in &scans {
        store.record_scan(recorded).unwrap();
    }
    let stored = store.record_remediation(&remediation("CVE-A", &[], RemediationAction::Rebuilt)).unwrap();
    assert_eq!(stored.left_scan.as_ref(), Some(&scans[3].id), "CVE-A came back in v3 and left in v4");
}

#[test]
fn remediation_follows_renamed_vulnerability() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    // The vulnerability first had only a GHSA id; a later advisory gave it a CVE id.
    let scans = [
        scan("v1", 0, vec![finding("GHSA-aaaa", &[], "openssl")]),
        scan("v2", 1, vec![finding("CVE-A", &["GHSA-aaaa"], "openssl")]),
        scan("v3", 2, vec![]),
    ];
    for recorded in &scans {
        store.record_scan(recorded).unwrap();
    }
    let stored = store.record_remediation(&remediation("GHSA-aaaa", &[], RemediationAction::Mitigated)).unwrap();
    assert_eq!(stored.left_scan.as_ref(), Some(&scans[2].id));
}

#[test]
fn shared_advisory_id_keeps_vulnerabilities_apart() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    // DSA-1 fixes both CVEs; CVE-A leaves in v2, CVE-B stays.
    let scans = [
        scan("v1", 0, vec![finding("CVE-A", &["DSA-1"], "openssl"), finding("CVE-B", &["DSA-1"], "zlib")]),
        scan("v2", 1, vec![finding("CVE-B", &["DSA-1"], "zlib")]),
    ];
    for recorded in &scans {
        store.record_scan(recorded).unwrap();
    }
    let stored = store.record_remediation(&remediation("CVE-A", &["DSA-1"], RemediationAction::Patched)).unwrap();
    assert_eq!(stored.left_scan.as_ref(), Some(&scans[1].id));
}

#[test]
fn ledger_intact_after_normal_use() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    three_scans(&mut store);
    let report = store.verify_ledger(None).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.scans_checked, 3);
    assert_eq!(report.repositories, [REPO]);
}

#[test]
fn ledger_names_scan_with_changed_tag() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let scans = three_scans(&mut store);
    raw(&store).execute("UPDATE scans SET tag = 'v9' WHERE id = ?1", [&scans[1].id.0]).unwrap();

    let report = store.verify_ledger(Some(REPO)).unwrap();
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].kind, LedgerProblemKind::Changed);
    assert_eq!(report.problems[0].scan_id.as_ref(), Some(&scans[1].id));
}

#[test]
fn ledger_names_scans_sharing_changed_findings_blob() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let scans = three_scans(&mut store);
    // v1 and v2 have equal findings, so they share one blob.
    let digest: String =
        raw(&store).query_row("SELECT findings_digest FROM scans WHERE id = ?1", [&scans[0].id.0], |row| row.get(0)).unwrap();
    let forged = zstd::encode_all(&b"[]"[..], 3).unwrap();
    raw(&store).execute("UPDATE blobs SET content = ?1 WHERE digest = ?2", rusqlite::params![forged, digest]).unwrap();

    let report = store.verify_ledger(None).unwrap();
    let named: Vec<&ScanId> = report.problems.iter().filter_map(|problem| problem.scan_id.as_ref()).collect();
    assert_eq!(named, [&scans[0].id, &scans[1].id], "{report:?}");
    assert!(report.problems.iter().all(|problem| problem.kind == LedgerProblemKind::Changed));
}

#[test]
fn ledger_names_scan_with_swapped_findings() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let scans = three_scans(&mut store);
    // Point v2 at v3's valid blob: every blob still matches its digest, but v2's content changed.
    raw(&store)
        .execute(
            "UPDATE scans SET findings_digest = (SELECT findings_digest FROM scans WHERE id = ?1) WHERE id = ?2",
            [&scans[2].id.0, &scans[1].id.0],
        )
        .unwrap();

    let report = store.verify_ledger(None).unwrap();
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].scan_id.as_ref(), Some(&scans[1].id));
    assert!(report.problems[0].detail.contains("hashes to"), "{}", report.problems[0].detail);
}

#[test]
fn ledger_names_deleted_middle_scan() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let scans = three_scans(&mut store);
    let connection = raw(&store);
    connection.execute("DELETE FROM tag_observations WHERE scan_id = ?1", [&scans[1].id.0]).unwrap();
    connection.execute("DELETE FROM scans WHERE id = ?1", [&scans[1].id.0]).unwrap();

    let report = store.verify_ledger(Some(REPO)).unwrap();
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].kind, LedgerProblemKind::Removed);
    assert_eq!(report.problems[0].scan_id.as_ref(), Some(&scans[1].id));
    assert_eq!(report.scans_checked, 2);
}

#[test]
fn ledger_names_deleted_newest_scan_by_its_tag() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let scans = three_scans(&mut store);
    // The bundled SQLite enforces foreign keys by default; a tamperer turns that off first.
    let connection = raw(&store);
    connection.pragma_update(None, "foreign_keys", false).unwrap();
    connection.execute("DELETE FROM scans WHERE id = ?1", [&scans[2].id.0]).unwrap();

    let report = store.verify_ledger(None).unwrap();
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].kind, LedgerProblemKind::Removed);
    assert_eq!(report.problems[0].scan_id.as_ref(), Some(&scans[2].id));
}

#[test]
fn ledger_counts_untraced_gap() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let scans = three_scans(&mut store);
    let mut other_line = scan("v1", 30, vec![]);
    other_line.repository = "registry.example.com/shop/other".to_string();
    other_line.id = other_line.compute_id();
    store.record_scan(&other_line).unwrap();
    // Remove v3 and every trace of it but the gap in insertion numbers.
    let connection = raw(&store);
    connection.execute("DELETE FROM tag_observations WHERE scan_id = ?1", [&scans[2].id.0]).unwrap();
    connection.execute("DELETE FROM scans WHERE id = ?1", [&scans[2].id.0]).unwrap();

    let report = store.verify_ledger(None).unwrap();
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].scan_id, None);
    assert!(report.problems[0].detail.contains("insertion numbers 3"), "{}", report.problems[0].detail);
}

#[test]
fn ledger_names_scan_with_edited_parent_hash() {
    let dir = TempDir::new().unwrap();
    let mut store = open(&dir);
    let scans = three_scans(&mut store);
    raw(&store).execute("UPDATE scans SET parent_hash = ?1 WHERE id = ?2", [&scans[0].id.0, &scans[2].id.0]).unwrap();

    let report = store.verify_ledger(None).unwrap();
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].kind, LedgerProblemKind::Changed);
    assert_eq!(report.problems[0].scan_id.as_ref(), Some(&scans[2].id));
}
