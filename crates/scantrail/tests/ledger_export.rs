//! `verify` against a store changed behind its back, and `export git`.

mod common;

use std::path::Path;

use common::{stderr, TestEnv, REPO};
use git2::{Repository, Sort};
use rusqlite::Connection;

fn store_connection(env: &TestEnv) -> Connection {
    let connection = Connection::open(env.home().join("history.db")).unwrap();
    // The bundled SQLite enforces foreign keys; someone editing the file turns them off.
    connection.pragma_update(None, "foreign_keys", false).unwrap();
    connection
}

/// Scan ids of `REPO`, oldest first.
fn scan_ids(env: &TestEnv) -> Vec<String> {
    let log = env.json(&["log", REPO]);
    let mut ids: Vec<String> = log["scans"].as_array().unwrap().iter().map(|scan| scan["id"].as_str().unwrap().to_string()).collect();
    ids.reverse();
    ids
}

fn verify_problems(env: &TestEnv) -> Vec<(String, String)> {
    let output = env.run(&["verify", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "verify finds the change: {}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["intact"], false);
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|problem| (problem["kind"].as_str().unwrap().to_string(), problem["scan_id"].as_str().unwrap_or("").to_string()))
        .collect()
}

#[test]
fn verify_intact_history() {
    let env = TestEnv::new();
    env.import_advisories();
    env.scan_both();
    let output = env.ok(&["verify", REPO]);
    assert_eq!(output, "Scan chain of registry.example.com/shop/app is intact: 2 scans checked\n");
    let report = env.json(&["verify"]);
    assert_eq!(report["schema"], "scantrail.verify/v1");
    assert_eq!(report["intact"], true);
    assert_eq!(report["scans_checked"], 2);
}

#[test]
fn verify_names_scan_with_edited_tag() {
    let env = TestEnv::new();
    env.import_advisories();
    env.scan_both();
    let ids = scan_ids(&env);
    store_connection(&env).execute("UPDATE scans SET tag = 'v1.0-hotfix' WHERE id = ?1", [&ids[0]]).unwrap();

    assert_eq!(verify_problems(&env), [("changed".to_string(), ids[0].clone())]);
    let table = String::from_utf8(env.run(&["verify", REPO]).stdout).unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex::escape(&ids[0]), "[scan-0]");
    settings.add_filter("[0-9a-f]{64}", "[hash]");
    settings.bind(|| insta::assert_snapshot!("verify_changed_tag", table));
}

#[test]
fn verify_names_scan_with_edited_findings() {
    let env = TestEnv::new();
    env.import_advisories();
    env.scan_both();
    let ids = scan_ids(&env);
    let connection = store_connection(&env);
    let digest: String = connection.query_row("SELECT findings_digest FROM scans WHERE id = ?1", [&ids[1]], |row| row.get(0)).unwrap();
    let forged = zstd_frame_of(b"[]");
    connection.execute("UPDATE blobs SET content = ?1 WHERE digest = ?2", rusqlite::params![forged, digest]).unwrap();

    assert_eq!(verify_problems(&env), [("changed".to_string(), ids[1].clone())]);
}

#[test]
fn verify_names_deleted_scan() {
    let env = TestEnv::new();
    env.import_advisories();
    env.scan_both();
    let layout = env.example_layout();
    env.ok(&["scan", &format!("oci:{}:v1.1", layout.display()), "--tag", &format!("{REPO}:latest")]);
    let ids = scan_ids(&env);
    assert_eq!(ids.len(), 3);
    store_connection(&env).execute("DELETE FROM scans WHERE id = ?1", [&ids[1]]).unwrap();

    assert_eq!(verify_problems(&env), [("removed".to_string(), ids[1].clone())]);
    let output = env.run(&["verify", REPO]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains(&ids[1]), "the table names the removed scan");
}

/// Builds a zstd frame of `bytes` stored raw (block type 0), so that the test needs no zstd
/// library.
fn zstd_frame_of(bytes: &[u8]) -> Vec<u8> {
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd];
    // Frame header: single segment, 1-byte content size.
    frame.push(0x20);
    frame.push(u8::try_from(bytes.len()).unwrap());
    // Last raw block: header = size << 3 | type 0 << 1 | last 1, three bytes little endian.
    let header = (u32::try_from(bytes.len()).unwrap() << 3) | 1;
    frame.extend_from_slice(&header.to_le_bytes()[..3]);
    frame.extend_from_slice(bytes);
    frame
}

/// Commits of the export's branch, oldest first: (commit time, subject, tree id).
fn exported_commits(dir: &Path) -> Vec<(i64, String, String)> {
    let repository = Repository::open(dir).unwrap();
    let mut walk = repository.revwalk().unwrap();
    walk.push_head().unwrap();
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE).unwrap();
    walk.map(|oid| {
        let commit = repository.find_commit(oid.unwrap()).unwrap();
        (commit.time().seconds(), commit.summary().unwrap().unwrap().to_string(), commit.tree_id().to_string())
    })
    .collect()
}

#[test]
fn export_git_twice_adds_new_scan() {
    let env = TestEnv::new();
    env.import_advisories();
    let layout = env.example_layout();
    env.ok(&["scan", &format!("oci:{}:v1.0", layout.display()), "--tag", &format!("{REPO}:v1.0")]);
    let export = env.path("export");
    let first = env.json(&["export", "git", export.to_str().unwrap()]);
    assert_eq!(first["schema"], "scantrail.export-git/v1");
    assert_eq!(first["commits"].as_array().unwrap().len(), 1);

    env.ok(&["scan", &format!("oci:{}:v1.1", layout.display()), "--tag", &format!("{REPO}:v1.1")]);
    let second = env.json(&["export", "git", export.to_str().unwrap(), "--repository", REPO]);
    assert_eq!(second["commits"].as_array().unwrap().len(), 1, "only the new scan");
    assert_eq!(second["already_exported"], 1);

    let commits = exported_commits(&export);
    assert_eq!(commits.len(), 2);
    assert_eq!(commits[0].1, "registry.example.com/shop/app:v1.0 +7 -0");
    assert_eq!(commits[1].1, "registry.example.com/shop/app:v1.1 +0 -4 (4 package_upgraded)");
    let log = env.json(&["log", REPO]);
    let scan_times: Vec<i64> = log["scans"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|scan| chrono::DateTime::parse_from_rfc3339(scan["scanned_at"].as_str().unwrap()).unwrap().timestamp())
        .collect();
    let commit_times: Vec<i64> = commits.iter().map(|commit| commit.0).collect();
    assert_eq!(commit_times, scan_times, "commit times are the scan times");

    let findings = std::fs::read_to_string(export.join(REPO).join("findings.json")).unwrap();
    let findings: serde_json::Value = serde_json::from_str(&findings).unwrap();
    assert_eq!(findings.as_array().unwrap().len(), 3, "the working tree shows v1.1");

    // The same store exported again elsewhere gives the same trees.
    let copy = env.path("copy");
    env.ok(&["export", "git", copy.to_str().unwrap()]);
    let trees = |commits: &[(i64, String, String)]| commits.iter().map(|commit| commit.2.clone()).collect::<Vec<_>>();
    assert_eq!(trees(&exported_commits(&copy)), trees(&commits));
}

#[test]
fn export_git_rejects_other_directory() {
    let env = TestEnv::new();
    env.import_advisories();
    env.scan_both();
    let dir = env.path("notes");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("todo.txt"), "not a repository").unwrap();
    let output = env.run(&["export", "git", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("neither an empty directory nor a Git repository"), "{}", stderr(&output));
}
