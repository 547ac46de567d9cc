//! Bad input ends with exit status 2, an error naming the value, and an unchanged history store.

mod common;

use common::{stderr, TestEnv, REPO};
use scantrail_testkit::{corrupt_blob, truncate_blob};

/// Asserts exit status 2 and that stderr contains every expected fragment.
fn assert_error(output: &std::process::Output, fragments: &[&str]) {
    let message = stderr(output);
    assert_eq!(output.status.code(), Some(2), "expected exit 2, stderr:\n{message}");
    assert!(output.stdout.is_empty(), "an error prints no report on stdout");
    for fragment in fragments {
        assert!(message.contains(fragment), "stderr lacks {fragment:?}:\n{message}");
    }
    assert!(!message.contains("panicked"), "scantrail panicked:\n{message}");
}

/// A store with advisories and one scan of v1.0, plus a fresh layout with v1.1 to break.
fn store_with_one_scan() -> (TestEnv, std::path::PathBuf, scantrail_testkit::BuiltImage) {
    let env = TestEnv::new();
    env.import_advisories();
    let layout = env.example_layout();
    env.ok(&["scan", &format!("oci:{}:v1.0", layout.display()), "--tag", &format!("{REPO}:v1.0")]);
    let broken = env.path("broken");
    let built = common::example_image("v1.1").write_oci_layout(&broken, "v1.1");
    (env, broken, built)
}

#[test]
fn truncated_layer_is_rejected() {
    let (env, broken, built) = store_with_one_scan();
    let layer = &built.layer_digests[2];
    truncate_blob(&broken, layer, 40);

    let output = env.run(&["scan", &format!("oci:{}:v1.1", broken.display()), "--tag", &format!("{REPO}:v1.1")]);
    assert_error(&output, &[&layer.to_string()]);
    assert_eq!(env.scan_count(), 1, "the failed scan left no record");
}

#[test]
fn layer_with_wrong_digest_is_rejected() {
    let (env, broken, built) = store_with_one_scan();
    let layer = &built.layer_digests[1];
    corrupt_blob(&broken, layer);

    // The v1.0 scan cached this layer by digest, and a cached layer's blob is not read again.
    let source = format!("oci:{}:v1.1", broken.display());
    let output = env.run(&["scan", &source, "--tag", &format!("{REPO}:v1.1"), "--no-cache"]);
    assert_error(&output, &[&layer.to_string()]);
    assert_eq!(env.scan_count(), 1);
}

#[test]
fn corrupt_manifest_is_rejected() {
    let (env, broken, built) = store_with_one_scan();
    corrupt_blob(&broken, &built.manifest_digest);

    let output = env.run(&["scan", &format!("oci:{}:v1.1", broken.display()), "--tag", &format!("{REPO}:v1.1")]);
    assert_error(&output, &[&built.manifest_digest.to_string()]);
    assert_eq!(env.scan_count(), 1);
}

#[test]
fn manifest_that_is_not_json_is_rejected() {
    let (env, broken, built) = store_with_one_scan();
    // Replace the manifest with garbage under its own correct digest, so only parsing can fail.
    let garbage = b"this is not a manifest";
    let digest = scantrail_testkit::Digest::sha256_of(garbage);
    std::fs::write(broken.join("blobs/sha256").join(digest.hex()), garbage).unwrap();
    let index_path = broken.join("index.json");
    let index = std::fs::read_to_string(&index_path).unwrap();
    let index = index
        .replace(&built.manifest_digest.to_string(), &digest.to_string())
        .replace(&format!("\"size\":{}", manifest_size(&broken, &built)), &format!("\"size\":{}", garbage.len()));
    std::fs::write(&index_path, index).unwrap();

    let output = env.run(&["scan", &format!("oci:{}:v1.1", broken.display())]);
    assert_error(&output, &[&digest.to_string()]);
    assert_eq!(env.scan_count(), 1);
}

fn manifest_size(layout: &std::path::Path, built: &scantrail_testkit::BuiltImage) -> u64 {
    std::fs::metadata(layout.join("blobs/sha256").join(built.manifest_digest.hex())).unwrap().len()
}

#[test]
fn missing_tag_names_available_tags() {
    let (env, broken, _) = store_with_one_scan();
    let output = env.run(&["scan", &format!("oci:{}:v9.9", broken.display())]);
    assert_error(&output, &["v9.9", "v1.1"]);
    assert_eq!(env.scan_count(), 1);
}

#[test]
fn missing_source_path_is_named() {
    let env = TestEnv::new();
    env.import_advisories();
    let output = env.run(&["scan", "oci:/nonexistent/layout:v1"]);
    assert_error(&output, &["/nonexistent/layout"]);
}

#[test]
fn corrupt_advisory_file_leaves_snapshot_unchanged() {
    let env = TestEnv::new();
    env.import_advisories();
    let before = env.json(&["db", "status"]);

    let advisories = env.path("bad-advisories");
    std::fs::create_dir_all(&advisories).unwrap();
    std::fs::write(advisories.join("GHSA-good-0000-0000.json"), r#"{"id":"GHSA-good-0000-0000","modified":"2024-01-01T00:00:00Z"}"#).unwrap();
    std::fs::write(advisories.join("GHSA-bad.json"), "{\"id\": \"GHSA-bad\", \"affected\": [").unwrap();
    let output = env.run(&["db", "import", advisories.to_str().unwrap()]);
    assert_error(&output, &["GHSA-bad.json"]);

    assert_eq!(env.json(&["db", "status"]), before, "a failed import changes nothing");
}

#[test]
fn scan_without_advisories_says_to_import() {
    let env = TestEnv::new();
    let layout = env.example_layout();
    let output = env.run(&["scan", &format!("oci:{}:v1.0", layout.display()), "--offline"]);
    assert_error(&output, &["db import", "db update"]);
}

#[test]
fn unreadable_store_is_named() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.home()).unwrap();
    let database = env.home().join("history.db");
    std::fs::write(&database, b"this file is not an SQLite database, it is plain text padded out to be long enough").unwrap();

    let output = env.run(&["db", "status"]);
    assert_error(&output, &[&database.display().to_string(), "SCANTRAIL_HOME"]);
    assert_eq!(
        std::fs::read(&database).unwrap(),
        b"this file is not an SQLite database, it is plain text padded out to be long enough",
        "the file is left as it was"
    );
}

#[test]
fn unknown_scan_reference_is_an_error() {
    let (env, _, _) = store_with_one_scan();
    assert_error(&env.run(&["show", &format!("{REPO}:v9")]), &["v9", "scantrail log"]);
    assert_error(&env.run(&["diff", &format!("{REPO}:v1.0"), "nosuch/repo:v1"]), &["nosuch/repo:v1"]);
    assert_error(&env.run(&["gate", &format!("{REPO}:v9"), "--fail-on", "low"]), &["v9"]);
    assert_error(&env.run(&["log", "nosuch/repo"]), &["nosuch/repo", REPO]);
}

#[test]
fn invalid_arguments_exit_2() {
    let env = TestEnv::new();
    assert_eq!(env.run(&["gate", "x"]).status.code(), Some(2), "--fail-on is required");
    assert_eq!(env.run(&["gate", "x", "--fail-on", "severe"]).status.code(), Some(2));
    assert_eq!(env.run(&["scan", "oci:x", "--tag", "app:"]).status.code(), Some(2));
    assert_eq!(env.run(&["scan", "oci:x", "--platform", "linux"]).status.code(), Some(2));
}

#[test]
fn import_of_empty_folder_is_an_error() {
    let env = TestEnv::new();
    let empty = env.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let output = env.run(&["db", "import", empty.to_str().unwrap()]);
    assert_error(&output, &["no advisory records found", "empty"]);
    let status = env.json(&["db", "status"]);
    assert!(status["snapshot"].is_null(), "no snapshot was made: {status}");
}

#[test]
fn tag_with_invalid_repository_is_rejected() {
    let env = TestEnv::new();
    env.import_advisories();
    let layout = env.example_layout();
    for tag in ["UPPER/App:v1", "reg//app:v1", "https://reg/app:v1", "../../etc/passwd:v1"] {
        let output = env.run(&["scan", &format!("oci:{}:v1.0", layout.display()), "--tag", tag]);
        assert_error(&output, &["invalid --tag"]);
    }
    assert_eq!(env.scan_count(), 0);
}

#[test]
fn distribution_packages_without_os_release_warn() {
    let env = TestEnv::new();
    env.import_advisories();
    let status = std::fs::read(common::examples_dir().join("layers/base/var/lib/dpkg/status")).unwrap();
    let layout = env.path("no-os");
    scantrail_testkit::ImageBuilder::new()
        .layer(scantrail_testkit::Layer::new().file("var/lib/dpkg/status", status))
        .write_oci_layout(&layout, "v1");
    let output = env.run(&["scan", &format!("oci:{}:v1", layout.display()), "--no-store"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("no readable os-release"), "{}", stderr(&output));
}
