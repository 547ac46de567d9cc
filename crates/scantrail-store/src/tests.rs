use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::thread;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rusqlite::Connection;
use scantrail_model::{
    Digest, Ecosystem, Finding, FindingStatus, Inventory, LayerRecord, OsRelease, Package, Scan,
    ScanId, ScanKind, Severity,
};
use tempfile::TempDir;

use crate::{
    HistoryStore, NewSnapshot, SnapshotRecord, SnapshotSource, SqliteStore, StoreError,
    TagObservation,
};

const TABLES: [&str; 7] = [
    "blobs",
    "snapshots",
    "snapshot_records",
    "snapshot_sources",
    "settings",
    "scans",
    "tag_observations",
];

fn time(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + seconds, 123_456_789)
        .unwrap()
}

fn digest(seed: &str) -> Digest {
    Digest::sha256_of(seed.as_bytes())
}

fn package(name: &str, version: &str) -> Package {
    Package {
        ecosystem: Ecosystem::Debian,
        name: name.to_string(),
        version: version.to_string(),
        source_name: Some(format!("{name}-src")),
        source_version: None,
        purl: format!("pkg:deb/debian/{name}@{version}"),
        path: "/var/lib/dpkg/status".to_string(),
        layer: Some(digest("layer-1-diff")),
    }
}

fn inventory(openssl_version: &str) -> Inventory {
    Inventory {
        os: Some(OsRelease {
            id: "debian".to_string(),
            version_id: Some("12".to_string()),
            version_codename: Some("bookworm".to_string()),
            pretty_name: None,
        }),
        packages: vec![
            package("libc6", "2.36-9"),
            package("openssl", openssl_version),
        ],
    }
}

fn finding(openssl_version: &str) -> Finding {
    Finding {
        vulnerability_id: "CVE-2024-0001".to_string(),
        aliases: vec!["DSA-5000-1".to_string()],
        advisory_ids: vec!["DSA-5000-1".to_string()],
        package: package("openssl", openssl_version),
        fixed_versions: vec!["3.0.14-1".to_string()],
        severity: Severity::High,
        severity_source: Some("CVSS_V3".to_string()),
        cvss_v3_vector: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N".to_string()),
        severities: Vec::new(),
        status: FindingStatus::Fixed,
        layer: Some(digest("layer-1-diff")),
        summary: Some("example".to_string()),
    }
}

/// Builds a scan of `repository:tag` whose digests derive from `image`, with its id computed.
fn scan(repository: &str, tag: Option<&str>, image: &str, scanned_at: DateTime<Utc>) -> Scan {
    let mut scan = Scan {
        id: ScanId(String::new()),
        kind: ScanKind::Scan,
        reference: format!("{repository}:{}", tag.unwrap_or("latest")),
        repository: repository.to_string(),
        tag: tag.map(str::to_string),
        manifest_digest: digest(&format!("{image}-manifest")),
        index_digest: None,
        config_digest: digest(&format!("{image}-config")),
        platform: "linux/amd64".to_string(),
        labels: BTreeMap::new(),
        layers: Vec::new(),
        created: None,
        inventory: inventory("3.0.11-1"),
        advisory_snapshot: digest("snapshot-1"),
        scanner_version: "0.1.0".to_string(),
        findings: vec![finding("3.0.11-1")],
        scanned_at,
        rematch_of: None,
    };
    scan.id = scan.compute_id();
    scan
}

fn with_id(mut scan: Scan) -> Scan {
    scan.id = scan.compute_id();
    scan
}

fn open_store(dir: &TempDir) -> SqliteStore {
    SqliteStore::open_in(dir.path()).unwrap()
}

fn raw_connection(store: &SqliteStore) -> Connection {
    Connection::open(store.path()).unwrap()
}

fn row_counts(path: &Path) -> BTreeMap<&'static str, i64> {
    let connection = Connection::open(path).unwrap();
    TABLES
        .iter()
        .map(|table| {
            let count = connection
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                    row.get(0)
                })
                .unwrap();
            (*table, count)
        })
        .collect()
}

fn blob_count(store: &SqliteStore, kind: &str) -> i64 {
    raw_connection(store)
        .query_row(
            "SELECT COUNT(*) FROM blobs WHERE kind = ?1",
            [kind],
            |row| row.get(0),
        )
        .unwrap()
}

fn record(id: &str, body: &str) -> SnapshotRecord {
    let json = format!(r#"{{"id":"{id}","details":"{body}"}}"#).into_bytes();
    SnapshotRecord {
        id: id.to_string(),
        digest: Digest::sha256_of(&json),
        json,
    }
}

fn source(path: &str, imported_at: DateTime<Utc>, records: usize) -> SnapshotSource {
    SnapshotSource {
        path: path.to_string(),
        imported_at,
        records,
        withdrawn_skipped: 1,
        per_ecosystem: BTreeMap::from([("Debian".to_string(), records)]),
    }
}

fn snapshot(
    seed: &str,
    parent: Option<&Digest>,
    sources: Vec<SnapshotSource>,
    records: Vec<SnapshotRecord>,
) -> NewSnapshot {
    NewSnapshot {
        digest: digest(seed),
        created_at: time(0),
        parent: parent.cloned(),
        sources,
        per_ecosystem: BTreeMap::from([("Debian".to_string(), records.len())]),
        records,
    }
}

#[test]
fn scan_round_trips_all_fields() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    let base = scan(
        "registry.example.com/team/app",
        Some("v1.0"),
        "app-1",
        time(10),
    );
    store.record_scan(&base).unwrap();

    let mut full = base.clone();
    full.kind = ScanKind::Rematch;
    full.index_digest = Some(digest("app-1-index"));
    full.labels = BTreeMap::from([
        (
            "org.opencontainers.image.revision".to_string(),
            "abc123".to_string(),
        ),
        ("team".to_string(), "payments".to_string()),
    ]);
    full.layers = vec![LayerRecord {
        digest: digest("layer-1"),
        diff_id: digest("layer-1-diff"),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".to_string(),
        size: 1234,
        created_by: Some("RUN apt-get install openssl".to_string()),
    }];
    full.created = Some("2024-05-01T10:00:00Z".to_string());
    full.rematch_of = Some(base.id.clone());
    full.scanned_at = time(20);
    let full = with_id(full);
    store.record_scan(&full).unwrap();

    let read = store.scan(&full.id.0).unwrap().expect("the scan is stored");
    assert_eq!(read, full);
    assert_eq!(read.scanned_at.timestamp_subsec_nanos(), 123_456_789);
    assert_eq!(read.compute_id(), full.id);
}

#[test]
fn store_persists_across_reopen() {
    let dir = TempDir::new().unwrap();
    let home = dir.path().join("nested").join("scantrail");
    let recorded = scan("app", Some("v1"), "app-1", time(0));
    {
        let mut store = SqliteStore::open_in(&home).unwrap();
        store.record_scan(&recorded).unwrap();
    }

    let store = SqliteStore::open_in(&home).unwrap();
    assert_eq!(store.path(), home.join("history.db"));
    assert_eq!(store.scan(&recorded.id.0).unwrap(), Some(recorded));
}

#[test]
fn identical_content_stored_once() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    store
        .record_scan(&scan("app", Some("v1"), "app-1", time(0)))
        .unwrap();
    store
        .record_scan(&scan("app", Some("v1"), "app-1", time(60)))
        .unwrap();
    store
        .record_scan(&scan("other", None, "other-1", time(120)))
        .unwrap();

    assert_eq!(row_counts(store.path())["scans"], 3);
    assert_eq!(blob_count(&store, "inventory"), 1);
    assert_eq!(blob_count(&store, "findings"), 1);

    let mut changed = scan("app", Some("v2"), "app-2", time(180));
    changed.inventory = inventory("3.0.14-1");
    changed.findings = Vec::new();
    store.record_scan(&with_id(changed)).unwrap();
    assert_eq!(blob_count(&store, "inventory"), 2);
    assert_eq!(blob_count(&store, "findings"), 2);
}

#[test]
fn record_scan_twice_changes_nothing() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    let recorded = scan("app", Some("v1"), "app-1", time(0));
    store.record_scan(&recorded).unwrap();
    let before = row_counts(store.path());

    store.record_scan(&recorded).unwrap();
    assert_eq!(row_counts(store.path()), before);
}

#[test]
fn scan_lookup_by_prefix() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    let recorded = scan("app", Some("v1"), "app-1", time(0));
    store.record_scan(&recorded).unwrap();
    let id = recorded.id.0.as_str();

    assert_eq!(store.scan(id).unwrap().as_ref(), Some(&recorded));
    assert_eq!(store.scan(&id[..4]).unwrap().as_ref(), Some(&recorded));
    assert_eq!(
        store.scan(&id[..12].to_ascii_uppercase()).unwrap().as_ref(),
        Some(&recorded)
    );

    let absent = if id.starts_with("0000") {
        "ffff"
    } else {
        "0000"
    };
    assert_eq!(store.scan(absent).unwrap(), None);
}

#[test]
fn scan_lookup_rejects_bad_prefix() {
    let dir = TempDir::new().unwrap();
    let store = open_store(&dir);
    for bad in ["", "abc", "xyz1", "ab%d", "abcd_"] {
        let error = store.scan(bad).unwrap_err();
        assert!(
            matches!(error, StoreError::InvalidScanId(_)),
            "{bad:?}: {error}"
        );
    }
}

#[test]
fn scan_lookup_ambiguous_prefix() {
    // Find two scans whose ids share their first 4 hex digits. With 65,536 prefixes, a pair
    // turns up after a few hundred scans; the inputs are fixed, so the pair is too.
    let mut by_prefix: HashMap<String, Scan> = HashMap::new();
    let mut pair = None;
    for second in 0..20_000 {
        let candidate = scan("app", None, "app-1", time(second));
        let prefix = candidate.id.0[..4].to_string();
        if let Some(first) = by_prefix.remove(&prefix) {
            pair = Some((prefix, first, candidate));
            break;
        }
        by_prefix.insert(prefix, candidate);
    }
    let (prefix, first, second) = pair.expect("two of 20,000 scan ids share a 4-digit prefix");

    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    store.record_scan(&first).unwrap();
    store.record_scan(&second).unwrap();

    let error = store.scan(&prefix).unwrap_err();
    let StoreError::AmbiguousScanId { candidates, .. } = &error else {
        panic!("expected an ambiguous prefix error, got {error}");
    };
    let mut expected = vec![first.id.0.clone(), second.id.0.clone()];
    expected.sort();
    assert_eq!(candidates, &expected);
    assert!(error.to_string().contains(&first.id.0), "{error}");

    assert_eq!(store.scan(&first.id.0).unwrap(), Some(first));
}

#[test]
fn latest_scan_by_tag() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    let newer = scan("app", Some("v1"), "app-2", time(100));
    store.record_scan(&newer).unwrap();
    store
        .record_scan(&scan("app", Some("v1"), "app-1", time(50)))
        .unwrap();
    store
        .record_scan(&scan("app", Some("v2"), "app-3", time(200)))
        .unwrap();
    store
        .record_scan(&scan("other", Some("v1"), "other-1", time(300)))
        .unwrap();

    assert_eq!(store.latest_scan_by_tag("app", "v1").unwrap(), Some(newer));
    assert_eq!(store.latest_scan_by_tag("app", "v9").unwrap(), None);
    assert_eq!(store.latest_scan_by_tag("missing", "v1").unwrap(), None);
}

#[test]
fn latest_scan_by_digest() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    let older = scan("app", Some("v1"), "app-1", time(0));
    let newer = scan("app", Some("v1"), "app-1", time(60));
    let mut indexed = scan("app", Some("v2"), "app-2", time(120));
    indexed.index_digest = Some(digest("app-2-index"));
    let indexed = with_id(indexed);
    for recorded in [&newer, &older, &indexed] {
        store.record_scan(recorded).unwrap();
    }

    assert_eq!(
        store
            .latest_scan_by_digest(&older.manifest_digest)
            .unwrap()
            .as_ref(),
        Some(&newer)
    );
    assert_eq!(
        store
            .latest_scan_by_digest(&older.config_digest)
            .unwrap()
            .as_ref(),
        Some(&newer)
    );
    assert_eq!(
        store
            .latest_scan_by_digest(&digest("app-2-index"))
            .unwrap()
            .as_ref(),
        Some(&indexed)
    );
    assert_eq!(
        store.latest_scan_by_digest(&digest("unknown")).unwrap(),
        None
    );
}

#[test]
fn scans_newest_first() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    let middle = scan("app", Some("v1"), "app-1", time(100));
    let oldest = scan("app", Some("v1"), "app-0", time(0));
    let newest_first_inserted = scan("app", Some("v2"), "app-2", time(200));
    let newest_last_inserted = scan("app", Some("v3"), "app-3", time(200));
    for recorded in [
        &middle,
        &oldest,
        &newest_first_inserted,
        &newest_last_inserted,
    ] {
        store.record_scan(recorded).unwrap();
    }
    store
        .record_scan(&scan("other", None, "other-1", time(150)))
        .unwrap();

    let ids: Vec<ScanId> = store
        .scans("app")
        .unwrap()
        .into_iter()
        .map(|scan| scan.id)
        .collect();
    let expected = vec![
        newest_last_inserted.id,
        newest_first_inserted.id,
        middle.id,
        oldest.id,
    ];
    assert_eq!(ids, expected);
    assert!(store.scans("missing").unwrap().is_empty());
}

#[test]
fn repositories_sorted() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    assert!(store.repositories().unwrap().is_empty());
    for (repository, second) in [("b/app", 0), ("a/app", 1), ("b/app", 2), ("B/app", 3)] {
        store
            .record_scan(&scan(repository, None, repository, time(second)))
            .unwrap();
    }
    assert_eq!(
        store.repositories().unwrap(),
        vec!["B/app", "a/app", "b/app"]
    );
}

#[test]
fn tag_observations_oldest_first() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    let v1_second = scan("app", Some("v1"), "app-2", time(100));
    let v1_first = scan("app", Some("v1"), "app-1", time(0));
    let untagged = scan("app", None, "app-3", time(150));
    let mut multi_platform = scan("app", Some("prod"), "app-4", time(200));
    multi_platform.index_digest = Some(digest("app-4-index"));
    let multi_platform = with_id(multi_platform);
    for recorded in [&v1_second, &v1_first, &untagged, &multi_platform] {
        store.record_scan(recorded).unwrap();
    }

    let mut rematch = scan("app", Some("v1"), "app-2", time(300));
    rematch.kind = ScanKind::Rematch;
    rematch.rematch_of = Some(v1_second.id.clone());
    store.record_scan(&with_id(rematch)).unwrap();

    let polled = TagObservation {
        repository: "app".to_string(),
        tag: "v1".to_string(),
        digest: digest("app-9-manifest"),
        observed_at: time(50),
        scan_id: None,
        source: "registry".to_string(),
    };
    store.record_tag_observation(&polled).unwrap();

    let v1 = store.tag_observations("app", Some("v1")).unwrap();
    let digests: Vec<&Digest> = v1.iter().map(|observation| &observation.digest).collect();
    assert_eq!(
        digests,
        vec![
            &v1_first.manifest_digest,
            &polled.digest,
            &v1_second.manifest_digest
        ]
    );
    assert_eq!(v1[0].scan_id.as_ref(), Some(&v1_first.id));
    assert_eq!(v1[0].source, "scan");
    assert_eq!(v1[0].observed_at, v1_first.scanned_at);
    assert_eq!(v1[1], polled);

    let all = store.tag_observations("app", None).unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[3].tag, "prod");
    assert_eq!(all[3].digest, digest("app-4-index"));

    assert!(store.tag_observations("other", None).unwrap().is_empty());
}

#[test]
fn tag_observation_rejects_unknown_scan() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    let observation = TagObservation {
        repository: "app".to_string(),
        tag: "v1".to_string(),
        digest: digest("app-1-manifest"),
        observed_at: time(0),
        scan_id: Some(ScanId("ab".repeat(32))),
        source: "scan".to_string(),
    };
    let error = store.record_tag_observation(&observation).unwrap_err();
    assert!(matches!(error, StoreError::ScanNotFound(_)), "{error}");
    assert_eq!(row_counts(store.path())["tag_observations"], 0);
}

#[test]
fn scans_chain_to_previous_scan() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    let first = scan("app", None, "app-1", time(100));
    let other = scan("other", None, "other-1", time(150));
    // Recorded after `first` but scanned earlier: the chain follows recording order.
    let second = scan("app", None, "app-2", time(0));
    for recorded in [&first, &other, &second] {
        store.record_scan(recorded).unwrap();
    }

    let connection = raw_connection(&store);
    let hashes = |id: &ScanId| -> (Option<String>, Option<String>) {
        connection
            .query_row(
                "SELECT record_hash, parent_hash FROM scans WHERE id = ?1",
                [&id.0],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap()
    };
    assert_eq!(hashes(&first.id), (Some(first.id.0.clone()), None));
    assert_eq!(hashes(&other.id), (Some(other.id.0.clone()), None));
    assert_eq!(
        hashes(&second.id),
        (Some(second.id.0.clone()), Some(first.id.0.clone()))
    );
}

#[test]
fn snapshot_put_and_read() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    assert_eq!(store.current_snapshot().unwrap(), None);

    let shared = record("CVE-2024-0002", "shared");
    let first_sources = vec![source("debian.json", time(0), 2)];
    let first = snapshot(
        "snapshot-1",
        None,
        first_sources.clone(),
        vec![shared.clone(), record("CVE-2024-0001", "a")],
    );
    store.put_snapshot(&first).unwrap();

    let info = store
        .current_snapshot()
        .unwrap()
        .expect("a current snapshot");
    assert_eq!(info.digest, first.digest);
    assert_eq!(info.created_at, first.created_at);
    assert_eq!(info.parent, None);
    assert_eq!(info.record_count, 2);
    assert_eq!(info.per_ecosystem, first.per_ecosystem);
    assert_eq!(info.sources, first_sources);
    assert_eq!(
        store.snapshot_records(&first.digest).unwrap(),
        vec![record("CVE-2024-0001", "a").json, shared.json.clone()]
    );
    assert_eq!(blob_count(&store, "advisory"), 2);

    // The second snapshot repeats the first's source, which must not appear twice.
    let second_sources = vec![
        source("debian.json", time(0), 2),
        source("pypi.json", time(60), 2),
    ];
    let second_records = vec![
        record("PYSEC-2024-1", "b"),
        shared.clone(),
        record("GHSA-xxxx", "c"),
    ];
    let second = snapshot(
        "snapshot-2",
        Some(&first.digest),
        second_sources,
        second_records,
    );
    store.put_snapshot(&second).unwrap();

    assert_eq!(blob_count(&store, "advisory"), 4);
    let info = store
        .current_snapshot()
        .unwrap()
        .expect("a current snapshot");
    assert_eq!(info.digest, second.digest);
    assert_eq!(info.parent.as_ref(), Some(&first.digest));
    let paths: Vec<&str> = info
        .sources
        .iter()
        .map(|source| source.path.as_str())
        .collect();
    assert_eq!(paths, vec!["debian.json", "pypi.json"]);
    let ids: Vec<serde_json::Value> = store
        .snapshot_records(&second.digest)
        .unwrap()
        .iter()
        .map(|json| serde_json::from_slice::<serde_json::Value>(json).unwrap()["id"].clone())
        .collect();
    assert_eq!(ids, vec!["CVE-2024-0002", "GHSA-xxxx", "PYSEC-2024-1"]);

    assert_eq!(
        store
            .snapshot_info(&first.digest)
            .unwrap()
            .map(|info| info.record_count),
        Some(2)
    );
    assert_eq!(store.snapshot_info(&digest("unknown")).unwrap(), None);
    let error = store.snapshot_records(&digest("unknown")).unwrap_err();
    assert!(matches!(error, StoreError::SnapshotNotFound(_)), "{error}");
}

#[test]
fn snapshot_put_again_makes_current() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    let first = snapshot(
        "snapshot-1",
        None,
        vec![source("a.json", time(0), 1)],
        vec![record("A-1", "a")],
    );
    let second = snapshot(
        "snapshot-2",
        None,
        vec![source("b.json", time(1), 1)],
        vec![record("B-1", "b")],
    );
    store.put_snapshot(&first).unwrap();
    store.put_snapshot(&second).unwrap();
    let before = row_counts(store.path());

    store.put_snapshot(&first).unwrap();
    assert_eq!(row_counts(store.path()), before);
    assert_eq!(
        store.current_snapshot().unwrap().map(|info| info.digest),
        Some(first.digest)
    );
}

#[test]
fn snapshot_rejects_bad_records() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);

    let mut wrong_digest = record("CVE-2024-0001", "a");
    wrong_digest.digest = digest("something else");
    let duplicate = vec![record("CVE-2024-0001", "a"), record("CVE-2024-0001", "b")];
    let cases = [
        (
            "wrong digest",
            snapshot("s1", None, Vec::new(), vec![wrong_digest]),
        ),
        ("duplicate id", snapshot("s2", None, Vec::new(), duplicate)),
        (
            "own parent",
            snapshot("s3", Some(&digest("s3")), Vec::new(), Vec::new()),
        ),
        (
            "missing parent",
            snapshot(
                "s4",
                Some(&digest("s0")),
                Vec::new(),
                vec![record("A-1", "a")],
            ),
        ),
    ];
    for (case, snapshot) in cases {
        let error = store.put_snapshot(&snapshot).unwrap_err();
        assert!(
            matches!(error, StoreError::InvalidSnapshot { .. }),
            "{case}: {error}"
        );
    }

    for (table, count) in row_counts(store.path()) {
        assert_eq!(count, 0, "rows left in {table}");
    }
}

#[test]
fn failed_writes_leave_no_rows() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    store
        .put_snapshot(&snapshot(
            "snapshot-1",
            None,
            vec![source("a.json", time(0), 1)],
            vec![record("A-1", "a")],
        ))
        .unwrap();
    store
        .record_scan(&scan("app", Some("v1"), "app-1", time(0)))
        .unwrap();
    let before = row_counts(store.path());

    let mut mismatched = scan("app", Some("v2"), "app-2", time(60));
    mismatched.platform = "linux/arm64".to_string();
    let error = store.record_scan(&mismatched).unwrap_err();
    assert!(
        matches!(error, StoreError::ScanIdMismatch { .. }),
        "{error}"
    );
    assert_eq!(row_counts(store.path()), before);

    store.fail_before_commit = true;
    let mut new_content = scan("app", Some("v2"), "app-2", time(60));
    new_content.inventory = inventory("3.0.14-1");
    let error = store.record_scan(&with_id(new_content)).unwrap_err();
    assert!(matches!(error, StoreError::Database { .. }), "{error}");
    assert_eq!(row_counts(store.path()), before);

    let next = snapshot(
        "snapshot-2",
        Some(&digest("snapshot-1")),
        vec![source("b.json", time(1), 1)],
        vec![record("B-1", "b")],
    );
    let error = store.put_snapshot(&next).unwrap_err();
    assert!(matches!(error, StoreError::Database { .. }), "{error}");
    assert_eq!(row_counts(store.path()), before);
    assert_eq!(
        store.current_snapshot().unwrap().map(|info| info.digest),
        Some(digest("snapshot-1"))
    );

    store.fail_before_commit = false;
    store.put_snapshot(&next).unwrap();
    assert_eq!(
        row_counts(store.path())["snapshots"],
        before["snapshots"] + 1
    );
}

#[test]
fn open_rejects_file_that_is_not_a_database() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("history.db");
    std::fs::write(
        &path,
        b"this is not an SQLite database, it is plain text that is long enough",
    )
    .unwrap();

    let error = SqliteStore::open(&path)
        .err()
        .expect("opening a text file fails");
    assert!(matches!(error, StoreError::NotAStore { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("move it aside"), "{message}");
}

#[test]
fn open_rejects_other_programs_database() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("history.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE contacts (name TEXT)")
        .unwrap();

    let error = SqliteStore::open(&path)
        .err()
        .expect("opening a foreign database fails");
    assert!(matches!(error, StoreError::NotAStore { .. }), "{error}");
}

#[test]
fn open_rejects_directory() {
    let dir = TempDir::new().unwrap();
    let error = SqliteStore::open(dir.path())
        .err()
        .expect("opening a directory fails");
    assert!(matches!(error, StoreError::Open { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains(&dir.path().display().to_string()),
        "{error}"
    );
}

#[test]
fn open_rejects_newer_schema() {
    let dir = TempDir::new().unwrap();
    let path = open_store(&dir).path().to_path_buf();
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", crate::SCHEMA_VERSION + 1)
        .unwrap();

    let error = SqliteStore::open(&path)
        .err()
        .expect("opening a newer store fails");
    assert!(matches!(error, StoreError::NewerSchema { .. }), "{error}");
    assert!(error.to_string().contains("upgrade scantrail"), "{error}");
}

#[test]
fn damaged_blob_is_reported() {
    let dir = TempDir::new().unwrap();
    let mut store = open_store(&dir);
    let recorded = scan("app", Some("v1"), "app-1", time(0));
    store.record_scan(&recorded).unwrap();

    let other = zstd::encode_all(&b"{\"packages\":[]}"[..], 3).unwrap();
    raw_connection(&store)
        .execute(
            "UPDATE blobs SET content = ?1 WHERE kind = 'inventory'",
            [other],
        )
        .unwrap();

    let error = store.scan(&recorded.id.0).unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error}");
}

#[test]
fn concurrent_writers_both_succeed() {
    const SCANS_PER_WRITER: i64 = 25;
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("history.db");

    let writers: Vec<_> = ["app", "other"]
        .into_iter()
        .map(|repository| {
            let path = path.clone();
            thread::spawn(move || -> Result<(), StoreError> {
                let mut store = SqliteStore::open(&path)?;
                for second in 0..SCANS_PER_WRITER {
                    let image = format!("{repository}-{second}");
                    store.record_scan(&scan(repository, Some("latest"), &image, time(second)))?;
                }
                let records = vec![record(&format!("{repository}-advisory"), repository)];
                store.put_snapshot(&snapshot(repository, None, Vec::new(), records))
            })
        })
        .collect();
    for writer in writers {
        writer
            .join()
            .expect("the writer thread does not panic")
            .unwrap();
    }

    let counts = row_counts(&path);
    assert_eq!(counts["scans"], 2 * SCANS_PER_WRITER);
    assert_eq!(counts["tag_observations"], 2 * SCANS_PER_WRITER);
    assert_eq!(counts["snapshots"], 2);
    let max_seq: i64 = Connection::open(&path)
        .unwrap()
        .query_row("SELECT MAX(seq) FROM scans", [], |row| row.get(0))
        .unwrap();
    assert_eq!(max_seq, 2 * SCANS_PER_WRITER);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.scans("app").unwrap().len() as i64, SCANS_PER_WRITER);
}

#[test]
fn timestamps_sort_as_text() {
    let early =
        crate::sqlite::format_time_for_tests(&(time(0) - Duration::nanoseconds(123_456_789)));
    let late = crate::sqlite::format_time_for_tests(&time(0));
    assert_eq!(early, "2023-11-14T22:13:20.000000000Z");
    assert_eq!(late, "2023-11-14T22:13:20.123456789Z");
    assert!(early < late);
}
