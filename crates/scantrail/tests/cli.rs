//! End-to-end tests of the scantrail command on images built inside the test.

mod common;

use common::{stderr, TestEnv, REPO};
use serde_json::Value;

/// Insta settings that replace what changes from run to run: times, scan ids, temp paths.
fn settings(env: &TestEnv, scan_ids: &[String]) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for (i, id) in scan_ids.iter().enumerate() {
        settings.add_filter(&regex_escape(id), format!("[scan-{i}]"));
        settings.add_filter(&regex_escape(&id[..12]), format!("[scan-{i}]"));
    }
    settings.add_filter(&regex_escape(&env.dir.path().display().to_string()), "[tmp]");
    let examples = std::fs::canonicalize(common::examples_dir()).unwrap();
    settings.add_filter(&regex_escape(&examples.display().to_string()), "[examples]");
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[time]");
    settings.add_filter(r"\(\d+[smhd] ago\)", "([age] ago)");
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| if "\\.+*?()|[]{}^$".contains(c) { vec!['\\', c] } else { vec![c] })
        .collect()
}

fn scan_ids(env: &TestEnv) -> Vec<String> {
    let log = env.json(&["log", REPO]);
    let mut ids: Vec<String> = log["scans"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
    ids.reverse();
    ids
}

#[test]
fn scan_log_diff_gate_on_example_image() {
    let env = TestEnv::new();
    env.import_advisories();
    env.scan_both();
    let ids = scan_ids(&env);
    assert_eq!(ids.len(), 2);

    settings(&env, &ids).bind(|| {
        insta::assert_snapshot!("show_v1_0", env.ok(&["show", &format!("{REPO}:v1.0")]));
        insta::assert_snapshot!("log", env.ok(&["log", REPO]));
        insta::assert_snapshot!("diff", env.ok(&["diff", &format!("{REPO}:v1.0"), &format!("{REPO}:v1.1")]));
        insta::assert_snapshot!("db_status", env.ok(&["db", "status"]));
    });

    let failed = env.run(&["gate", &format!("{REPO}:v1.0"), "--fail-on", "high"]);
    assert_eq!(failed.status.code(), Some(1), "lodash 4.17.15 has HIGH findings: {}", stderr(&failed));
    settings(&env, &ids).bind(|| {
        insta::assert_snapshot!("gate_failed", String::from_utf8_lossy(&failed.stdout));
    });
    let passed = env.run(&["gate", &format!("{REPO}:v1.1"), "--fail-on", "high"]);
    assert_eq!(passed.status.code(), Some(0), "v1.1 fixed every HIGH finding");
}

#[test]
fn scan_json_carries_finding_contract() {
    let env = TestEnv::new();
    env.import_advisories();
    let layout = env.example_layout();
    let report = env.json(&["scan", &format!("oci:{}:v1.0", layout.display()), "--tag", &format!("{REPO}:v1.0")]);

    assert_eq!(report["schema"], "scantrail.scan/v1");
    assert_eq!(report["scan"]["repository"], REPO);
    assert_eq!(report["scan"]["tag"], "v1.0");
    assert_eq!(report["scan"]["stored"], true);
    assert_eq!(report["scan"]["os"]["version_id"], "12");
    assert_eq!(report["packages"].as_array().unwrap().len(), 6, "4 installed dpkg packages, requests, lodash");

    let findings = report["findings"].as_array().unwrap();
    let ids: Vec<&str> = findings.iter().map(|f| f["vulnerability_id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["CVE-2018-18074", "CVE-2020-8203", "CVE-2021-23337", "CVE-2023-32681", "CVE-2024-22365", "CVE-2026-124851", "CVE-2026-27171"]
    );

    for finding in findings {
        for field in ["vulnerability_id", "aliases", "fixed_versions", "severity", "layer", "status", "advisory_ids"] {
            assert!(finding.get(field).is_some(), "finding lacks {field}: {finding}");
        }
        for field in ["ecosystem", "name", "version", "purl", "path"] {
            assert!(finding["package"].get(field).is_some(), "finding package lacks {field}: {finding}");
        }
    }

    let requests = findings.iter().find(|f| f["vulnerability_id"] == "CVE-2018-18074").unwrap();
    assert_eq!(requests["advisory_ids"], serde_json::json!(["GHSA-x84v-xcm2-53pg", "PYSEC-2018-28"]), "alias records merge");
    assert_eq!(requests["aliases"], serde_json::json!(["GHSA-x84v-xcm2-53pg", "PYSEC-2018-28"]));
    assert_eq!(requests["fixed_versions"], serde_json::json!(["2.20.0"]));
    assert_eq!(requests["severity"], "HIGH");
    assert_eq!(requests["package"]["purl"], "pkg:pypi/requests@2.19.1");

    let pam = findings.iter().find(|f| f["vulnerability_id"] == "CVE-2024-22365").unwrap();
    assert_eq!(pam["package"]["name"], "libpam0g");
    assert_eq!(pam["package"]["source_name"], "pam");
    assert_eq!(pam["severity"], "MEDIUM", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H scores 5.5");
    let zstd = findings.iter().find(|f| f["vulnerability_id"] == "CVE-2026-124851").unwrap();
    assert_eq!(zstd["severity"], "UNKNOWN", "the record has no severity");

    let layers = report["scan"]["layers"].as_array().unwrap();
    assert_eq!(pam["layer"], layers[0]["diff_id"], "dpkg status comes from the base layer");
    assert_eq!(requests["layer"], layers[1]["diff_id"], "requests comes from the app layer");
    assert_eq!(layers[1]["created_by"], "COPY app /");
}

#[test]
fn diff_json_splits_introduced_and_fixed() {
    let env = TestEnv::new();
    env.import_advisories();
    env.scan_both();
    let diff = env.json(&["diff", &format!("{REPO}:v1.0"), &format!("{REPO}:v1.1")]);

    let ids = |key: &str| -> Vec<String> {
        let mut ids: Vec<String> =
            diff["findings"][key].as_array().unwrap().iter().map(|f| f["vulnerability_id"].as_str().unwrap().to_string()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids("introduced"), Vec::<String>::new());
    assert_eq!(ids("fixed"), ["CVE-2018-18074", "CVE-2020-8203", "CVE-2021-23337", "CVE-2026-27171"]);
    assert_eq!(ids("unchanged"), ["CVE-2023-32681", "CVE-2024-22365", "CVE-2026-124851"], "requests 2.20.0 is still below 2.31.0");
    let mut changed: Vec<&str> = diff["packages"]["changed"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    changed.sort();
    assert_eq!(changed, ["lodash", "requests", "zlib1g"]);
}

#[test]
fn gate_scans_a_source_directly() {
    let env = TestEnv::new();
    env.import_advisories();
    let layout = env.example_layout();
    let output = env.run(&["gate", &format!("oci:{}:v1.0", layout.display()), "--fail-on", "critical", "--no-store"]);
    assert_eq!(output.status.code(), Some(0), "no CRITICAL finding in v1.0: {}", stderr(&output));
    let output = env.run(&["gate", &format!("oci:{}:v1.0", layout.display()), "--fail-on", "medium", "--no-store"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(env.scan_count(), 0, "--no-store leaves the history empty");
}

#[test]
fn gate_ignore_unfixed_drops_findings_without_fix() {
    let env = TestEnv::new();
    let advisories = env.path("unfixed");
    std::fs::create_dir_all(&advisories).unwrap();
    std::fs::write(
        advisories.join("DEBIAN-CVE-2026-0001.json"),
        r#"{"id":"DEBIAN-CVE-2026-0001","aliases":["CVE-2026-0001"],"modified":"2026-01-01T00:00:00Z",
            "database_specific":{"severity":"CRITICAL"},
            "affected":[{"package":{"ecosystem":"Debian:12","name":"base-files"},
                         "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#,
    )
    .unwrap();
    env.ok(&["db", "import", advisories.to_str().unwrap()]);
    env.scan_both();

    let strict = env.run(&["gate", &format!("{REPO}:v1.1"), "--fail-on", "critical"]);
    assert_eq!(strict.status.code(), Some(1));
    let report = env.json(&["show", &format!("{REPO}:v1.1")]);
    let finding = &report["findings"][0];
    assert_eq!(finding["status"], "affected");
    assert_eq!(finding["fixed_versions"], serde_json::json!([]));
    let lenient = env.run(&["gate", &format!("{REPO}:v1.1"), "--fail-on", "critical", "--ignore-unfixed"]);
    assert_eq!(lenient.status.code(), Some(0), "{}", stderr(&lenient));
}

#[test]
fn stdout_stays_json_with_verbose_logs() {
    let env = TestEnv::new();
    env.import_advisories();
    let layout = env.example_layout();
    let output = env.run(&["-vv", "scan", &format!("oci:{}:v1.1", layout.display()), "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("stdout holds only the JSON report");
    assert_eq!(report["scan"]["tag"], "v1.1");
    assert!(report["scan"]["repository"].as_str().unwrap().ends_with("layout"), "without --tag the layout path is the repository");
    assert!(!stderr(&output).is_empty(), "-vv logs on stderr");
}

#[test]
fn docker_archive_records_repo_tag() {
    let env = TestEnv::new();
    env.import_advisories();
    let archive = env.path("app.tar");
    common::example_image("v1.1").write_docker_archive(&archive, "localhost/shop/app:v1.1");
    let report = env.json(&["scan", &format!("docker-archive:{}", archive.display())]);
    assert_eq!(report["scan"]["repository"], "localhost/shop/app");
    assert_eq!(report["scan"]["tag"], "v1.1");

    let bare = env.json(&["scan", archive.to_str().unwrap(), "--no-store"]);
    assert_eq!(bare["findings"], report["findings"], "a bare path is recognized as a docker archive");
}

#[test]
fn same_findings_from_every_source_format() {
    let env = TestEnv::new();
    env.import_advisories();
    let layout = env.example_layout();
    let image = common::example_image("v1.1");
    image.write_oci_archive(&env.path("app.oci.tar"), "v1.1");
    image.write_docker_archive_oci(&env.path("app.docker.tar"), "shop/app:v1.1");

    let findings = |source: String| env.json(&["scan", &source, "--no-store"])["findings"].clone();
    let reference = findings(format!("oci:{}:v1.1", layout.display()));
    assert_eq!(findings(format!("oci-archive:{}:v1.1", env.path("app.oci.tar").display())), reference);
    assert_eq!(findings(format!("docker-archive:{}", env.path("app.docker.tar").display())), reference);
}

#[test]
fn help_lists_commands() {
    let env = TestEnv::new();
    insta::assert_snapshot!("help", env.ok(&["--help"]));
}
