//! Git exports of scans built in the test, read back with git2.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use git2::{Oid, Repository, Sort};
use scantrail_export::{export_git, export_git_with_causes, ExportError, LineHistory};
use scantrail_model::{Digest, Finding, Inventory, Package, Scan, ScanId, ScanKind};
use tempfile::TempDir;

const REPO: &str = "registry.example.com/shop/app";

fn time(minutes: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + minutes * 60, 250_000_000).unwrap()
}

fn package(name: &str, version: &str) -> Package {
    serde_json::from_value(serde_json::json!({
        "ecosystem": "npm", "name": name, "version": version,
        "purl": format!("pkg:npm/{name}@{version}"), "path": format!("/app/node_modules/{name}/package.json"),
    }))
    .unwrap()
}

fn finding(id: &str, name: &str, version: &str) -> Finding {
    serde_json::from_value(serde_json::json!({
        "vulnerability_id": id, "aliases": [], "package": package(name, version),
        "fixed_versions": ["9.9.9"], "severity": "HIGH", "status": "fixed",
    }))
    .unwrap()
}

fn scan(repository: &str, tag: &str, minutes: i64, findings: Vec<Finding>) -> Scan {
    let mut scan = Scan {
        id: ScanId(String::new()),
        kind: ScanKind::Scan,
        reference: format!("{repository}:{tag}"),
        repository: repository.to_string(),
        tag: Some(tag.to_string()),
        manifest_digest: Digest::sha256_of(tag.as_bytes()),
        index_digest: None,
        config_digest: Digest::sha256_of(tag.as_bytes()),
        platform: "linux/amd64".to_string(),
        labels: BTreeMap::new(),
        layers: Vec::new(),
        created: None,
        inventory: Inventory { os: None, packages: vec![package("lodash", "4.17.15"), package("express", "4.0.0")] },
        advisory_snapshot: Digest::sha256_of(b"snapshot"),
        scanner_version: "scantrail test".to_string(),
        findings,
        scanned_at: time(minutes),
        rematch_of: None,
    };
    scan.id = scan.compute_id();
    scan
}

/// Two scans of the app line and one of another line.
fn history() -> Vec<Scan> {
    vec![
        scan(REPO, "v1.0", 0, vec![finding("CVE-2", "lodash", "4.17.15"), finding("CVE-1", "express", "4.0.0")]),
        scan("registry.example.com/shop/api", "v1", 5, vec![]),
        scan(REPO, "v1.1", 10, vec![finding("CVE-1", "express", "4.0.0")]),
    ]
}

fn lines(scans: &[Scan]) -> Vec<LineHistory<'_>> {
    let mut by_line: BTreeMap<&str, Vec<&Scan>> = BTreeMap::new();
    for scan in scans {
        by_line.entry(scan.repository.as_str()).or_default().push(scan);
    }
    by_line.into_iter().map(|(repository, scans)| LineHistory { repository, scans }).collect()
}

/// Commits of the branch, oldest first.
fn commits(dir: &Path) -> Vec<(Oid, i64, String, Oid)> {
    let repository = Repository::open(dir).unwrap();
    let mut walk = repository.revwalk().unwrap();
    walk.push_head().unwrap();
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE).unwrap();
    walk.map(|oid| {
        let commit = repository.find_commit(oid.unwrap()).unwrap();
        (commit.id(), commit.time().seconds(), commit.message().unwrap().to_string(), commit.tree_id())
    })
    .collect()
}

#[test]
fn export_one_commit_per_scan() {
    let dir = TempDir::new().unwrap();
    let target = dir.path().join("export");
    let scans = history();
    let summary = export_git(&target, &lines(&scans)).unwrap();
    assert_eq!(summary.commits.len(), 3);
    assert_eq!(summary.branch, "refs/heads/main");

    let recorded = commits(&target);
    assert_eq!(recorded.len(), 3);
    let order: Vec<&str> = recorded.iter().map(|(_, _, message, _)| message.lines().next().unwrap()).collect();
    assert_eq!(
        order,
        ["registry.example.com/shop/app:v1.0 +2 -0", "registry.example.com/shop/api:v1 +0 -0", "registry.example.com/shop/app:v1.1 +0 -1"]
    );
    for ((_, seconds, message, _), scan) in recorded.iter().zip([&scans[0], &scans[1], &scans[2]]) {
        assert_eq!(*seconds, scan.scanned_at.timestamp(), "commit time is the scan time");
        assert!(message.contains(&format!("Scantrail-Scan-Id: {}", scan.id)), "{message}");
    }
}

#[test]
fn export_writes_sorted_reports() {
    let dir = TempDir::new().unwrap();
    let scans = history();
    export_git(dir.path(), &lines(&scans)).unwrap();

    let folder = dir.path().join(REPO);
    let findings: serde_json::Value = serde_json::from_slice(&std::fs::read(folder.join("findings.json")).unwrap()).unwrap();
    assert_eq!(findings.as_array().unwrap().len(), 1, "the working tree shows the newest scan, v1.1");
    let scan_file: serde_json::Value = serde_json::from_slice(&std::fs::read(folder.join("scan.json")).unwrap()).unwrap();
    assert_eq!(scan_file["id"], scans[2].id.0);
    assert_eq!(scan_file["previous_scan"], scans[0].id.0);
    assert_eq!(scan_file["fixed"], 1);
    let inventory: serde_json::Value = serde_json::from_slice(&std::fs::read(folder.join("inventory.json")).unwrap()).unwrap();
    let names: Vec<&str> = inventory["packages"].as_array().unwrap().iter().map(|package| package["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["express", "lodash"], "packages are sorted");

    // v1.0's findings, as committed, are sorted by vulnerability id.
    let repository = Repository::open(dir.path()).unwrap();
    let first = commits(dir.path())[0].0;
    let tree = repository.find_commit(first).unwrap().tree().unwrap();
    let entry = tree.get_path(&Path::new(REPO).join("findings.json")).unwrap();
    let blob = repository.find_blob(entry.id()).unwrap();
    let committed: serde_json::Value = serde_json::from_slice(blob.content()).unwrap();
    let ids: Vec<&str> = committed.as_array().unwrap().iter().map(|finding| finding["vulnerability_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["CVE-1", "CVE-2"]);
    assert!(blob.content().ends_with(b"}\n]\n"), "pretty JSON with a final newline");
}

#[test]
fn second_export_adds_only_new_scans() {
    let dir = TempDir::new().unwrap();
    let mut scans = history();
    export_git(dir.path(), &lines(&scans)).unwrap();
    let before = commits(dir.path());

    scans.push(scan(REPO, "v1.2", 20, vec![]));
    let summary = export_git(dir.path(), &lines(&scans)).unwrap();
    assert_eq!(summary.commits.len(), 1);
    assert_eq!(summary.already_exported, 3);
    let after = commits(dir.path());
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(&after[..3], &before[..], "earlier commits are kept");
    assert_eq!(after[3].1, scans[3].scanned_at.timestamp());
    assert!(after[3].2.starts_with("registry.example.com/shop/app:v1.2 +0 -1\n"), "{}", after[3].2);

    let again = export_git(dir.path(), &lines(&scans)).unwrap();
    assert!(again.commits.is_empty(), "nothing new to export");
    assert_eq!(commits(dir.path()).len(), 4);
}

#[test]
fn same_history_gives_same_trees() {
    let scans = history();
    let first = TempDir::new().unwrap();
    let second = TempDir::new().unwrap();
    export_git(first.path(), &lines(&scans)).unwrap();
    export_git(second.path(), &lines(&scans)).unwrap();

    let trees = |dir: &Path| commits(dir).into_iter().map(|(_, _, _, tree)| tree).collect::<Vec<_>>();
    assert_eq!(trees(first.path()), trees(second.path()));
    let ids = |dir: &Path| commits(dir).into_iter().map(|(id, _, _, _)| id).collect::<Vec<_>>();
    assert_eq!(ids(first.path()), ids(second.path()), "fixed author and scan times make commit ids reproducible");
}

#[test]
fn export_rejects_uncommitted_changes() {
    let dir = TempDir::new().unwrap();
    let scans = history();
    export_git(dir.path(), &lines(&scans)[..1]).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "local edit").unwrap();

    let error = export_git(dir.path(), &lines(&scans)).unwrap_err();
    assert!(matches!(error, ExportError::UncommittedChanges { .. }), "{error}");
    assert!(error.to_string().contains("notes.txt"), "{error}");
}

#[test]
fn export_rejects_directory_with_other_files() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("report.txt"), "not a repository").unwrap();
    let error = export_git(dir.path(), &lines(&history())).unwrap_err();
    assert!(matches!(error, ExportError::NotARepository { .. }), "{error}");
}

#[test]
fn export_appends_causes_to_subject() {
    let dir = TempDir::new().unwrap();
    let scans = history();
    let causes = |scan: &Scan, previous: Option<&Scan>| previous.map(|_| format!("{} package_upgraded", scan.findings.len()));
    export_git_with_causes(dir.path(), &lines(&scans), &causes).unwrap();

    let subjects: Vec<String> = commits(dir.path()).into_iter().map(|(_, _, message, _)| message.lines().next().unwrap().to_string()).collect();
    assert_eq!(subjects[0], "registry.example.com/shop/app:v1.0 +2 -0", "a first scan has nothing to compare");
    assert_eq!(subjects[2], "registry.example.com/shop/app:v1.1 +0 -1 (1 package_upgraded)");
}
