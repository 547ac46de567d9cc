//! The history commands end to end: diff causes, `history`, `blame`, `tags`, `rescan` and the
//! impact summary of `db import`, on small Debian and Python images built inside the test.

mod common;

use std::path::{Path, PathBuf};

use common::{stderr, TestEnv, REPO};
use scantrail_testkit::{ImageBuilder, Layer};
use serde_json::{json, Value};

const OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n";
const REVISION: &str = "3f6c2b1e9a4d7c8b0e5f1a2d3c4b5a69788f0e1d";
const SOURCE: &str = "https://git.example.com/shop/app";
/// libssl3 before the fix of CVE-2024-5535, as bookworm first shipped it.
const SSL_OLD: &str = "3.0.11-1~deb12u2";
/// libssl3 with the fix of CVE-2024-5535.
const SSL_FIXED: &str = "3.0.14-1~deb12u1";

fn dpkg_status(libssl3: &str) -> String {
    format!(
        "Package: libpam0g\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\nSource: pam\nVersion: 1.5.2-6\n\n\
         Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\nSource: openssl\nVersion: {libssl3}\n"
    )
}

fn python_metadata(version: &str) -> String {
    format!("Metadata-Version: 2.1\nName: PyYAML\nVersion: {version}\n")
}

/// Layer 0: Debian 12 with libpam0g and an unfixed libssl3, each with its dpkg file list.
fn base_layer() -> Layer {
    Layer::new()
        .file("etc/os-release", OS_RELEASE)
        .file("var/lib/dpkg/status", dpkg_status(SSL_OLD))
        .file("var/lib/dpkg/info/libpam0g:amd64.list", "/usr/lib/x86_64-linux-gnu/libpam.so.0\n")
        .file("var/lib/dpkg/info/libssl3:amd64.list", "/usr/lib/x86_64-linux-gnu/libssl.so.3\n")
        .created_by("debootstrap --variant=minbase bookworm")
}

/// Layer 1: PyYAML 5.3.
fn app_layer() -> Layer {
    Layer::new()
        .file("app/python/site-packages/PyYAML-5.3.dist-info/METADATA", python_metadata("5.3"))
        .created_by("pip install pyyaml==5.3")
}

/// Layer 2: libssl3 upgraded to the fix, PyYAML upgraded to 5.4.
fn update_layer() -> Layer {
    Layer::new()
        .file("var/lib/dpkg/status", dpkg_status(SSL_FIXED))
        .file("var/lib/dpkg/info/libssl3:amd64.list", "/usr/lib/x86_64-linux-gnu/libssl.so.3\n")
        .whiteout("app/python/site-packages/PyYAML-5.3.dist-info")
        .file("app/python/site-packages/PyYAML-5.4.dist-info/METADATA", python_metadata("5.4"))
        .created_by("apt-get upgrade && pip install pyyaml==5.4")
}

/// Layer 3: libssl3 downgraded below the fix again.
fn regress_layer() -> Layer {
    Layer::new()
        .file("var/lib/dpkg/status", dpkg_status(SSL_OLD))
        .file("var/lib/dpkg/info/libssl3:amd64.list", "/usr/lib/x86_64-linux-gnu/libssl.so.3\n")
        .created_by(&format!("apt-get install --allow-downgrades libssl3={SSL_OLD}"))
}

/// v1.0: base and app. v1.1: adds the update. v1.2: adds the regression and source labels.
fn image(version: &str) -> ImageBuilder {
    let mut image = ImageBuilder::new().created("2026-11-30T10:00:00Z").layer(base_layer()).layer(app_layer());
    if version != "v1.0" {
        image = image.layer(update_layer());
    }
    if version == "v1.2" {
        image = image
            .layer(regress_layer())
            .label("org.opencontainers.image.revision", REVISION)
            .label("org.opencontainers.image.source", SOURCE);
    }
    image
}

fn write_layout(env: &TestEnv) -> PathBuf {
    let layout = env.path("layout");
    for version in ["v1.0", "v1.1", "v1.2"] {
        image(version).write_oci_layout(&layout, version);
    }
    layout
}

fn debian_record(cve: &str, source: &str, fixed: &str, published: &str) -> Value {
    json!({
        "id": format!("DEBIAN-{cve}"),
        "aliases": [cve],
        "published": published,
        "modified": published,
        "affected": [{
            "package": {"ecosystem": "Debian:12", "name": source},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }]
    })
}

/// Returns the advisories of the first import: openssl's CVE-2024-5535 and PyYAML's CVE-2020-14343
/// (a PYSEC record with its CVE and GHSA aliases).
fn first_records() -> Vec<Value> {
    vec![
        debian_record("CVE-2024-5535", "openssl", SSL_FIXED, "2024-06-27T00:00:00Z"),
        json!({
            "id": "PYSEC-2021-142",
            "aliases": ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"],
            "published": "2021-02-09T21:15:00Z",
            "modified": "2021-02-09T21:15:00Z",
            "affected": [{
                "package": {"ecosystem": "PyPI", "name": "pyyaml"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "5.4"}]}]
            }]
        }),
    ]
}

/// Writes OSV records into a new folder of the test directory and imports them.
fn import(env: &TestEnv, folder: &str, records: &[Value]) -> Value {
    let dir = env.path(folder);
    std::fs::create_dir_all(&dir).unwrap();
    for record in records {
        std::fs::write(dir.join(format!("{}.json", record["id"].as_str().unwrap())), record.to_string()).unwrap();
    }
    env.json(&["db", "import", dir.to_str().unwrap()])
}

fn scan(env: &TestEnv, layout: &Path, version: &str, tag: &str) -> Value {
    env.json(&["scan", &format!("oci:{}:{version}", layout.display()), "--tag", &format!("{REPO}:{tag}")])
}

/// Imports the first advisories and scans v1.0, v1.1 and v1.2 under their own tags. Returns the
/// layout and the three scan ids.
fn three_versions(env: &TestEnv) -> (PathBuf, Vec<String>) {
    import(env, "advisories-first", &first_records());
    let layout = write_layout(env);
    let ids = ["v1.0", "v1.1", "v1.2"]
        .iter()
        .map(|version| scan(env, &layout, version, version)["scan"]["id"].as_str().unwrap().to_string())
        .collect();
    (layout, ids)
}

/// Insta settings that replace scan ids, times and the temporary directory.
fn settings(env: &TestEnv) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    let log = env.json(&["log", REPO]);
    let mut ids: Vec<String> = log["scans"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
    ids.reverse();
    for (i, id) in ids.iter().enumerate() {
        settings.add_filter(&regex_escape(id), format!("[scan-{i}]"));
        settings.add_filter(&regex_escape(&id[..12]), format!("[scan-{i}]"));
    }
    settings.add_filter(&regex_escape(&env.dir.path().display().to_string()), "[tmp]");
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[time]");
    // Advisory snapshot digests change whenever the stored record format gains a field.
    settings.add_filter(r"([Ss]napshot\s+)sha256:[0-9a-f]{64}", "${1}[snapshot]");
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars().flat_map(|c| if "\\.+*?()|[]{}^$".contains(c) { vec!['\\', c] } else { vec![c] }).collect()
}

/// Finds the introduced or fixed finding of `id` on `package` in a diff document.
fn diff_finding<'a>(diff: &'a Value, side: &str, id: &str, package: &str) -> &'a Value {
    diff["findings"][side]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["vulnerability_id"] == id && f["package"]["name"] == package)
        .unwrap_or_else(|| panic!("no {side} finding {id} on {package} in {diff:#}"))
}

#[test]
fn diff_names_image_causes_and_reintroduced() {
    let env = TestEnv::new();
    let (_, ids) = three_versions(&env);

    let upgrade = env.json(&["diff", &ids[0], &ids[1]]);
    assert_eq!(diff_finding(&upgrade, "fixed", "CVE-2024-5535", "libssl3")["cause"], "package_upgraded");
    assert_eq!(diff_finding(&upgrade, "fixed", "CVE-2020-14343", "PyYAML")["cause"], "package_upgraded");
    assert_eq!(upgrade["summary"]["causes"]["package_upgraded"], 2);
    assert_eq!(upgrade["summary"]["fixed"], 2, "the existing summary fields stay");

    let regression = env.json(&["diff", &format!("{REPO}:v1.1"), &format!("{REPO}:v1.2")]);
    let finding = diff_finding(&regression, "introduced", "CVE-2024-5535", "libssl3");
    assert_eq!(finding["cause"], "package_downgraded");
    assert_eq!(finding["reintroduced"], true, "v1.0 had it and v1.1 fixed it");
    assert_eq!(finding["cause_detail"]["base_versions"], json!([SSL_FIXED]));
    assert_eq!(finding["cause_detail"]["target_versions"], json!([SSL_OLD]));
    assert_eq!(finding["package"]["version"], SSL_OLD, "finding fields stay at the top level");
    assert_eq!(regression["summary"]["causes"]["package_downgraded"], 1);
    assert_eq!(regression["summary"]["reintroduced"], 1);
    assert_eq!(regression["summary"]["causes"]["exception_added"], 0);
    assert_eq!(regression["summary"]["rematched"], true);

    let first = env.json(&["diff", &ids[1], &ids[0]]);
    let back = diff_finding(&first, "introduced", "CVE-2024-5535", "libssl3");
    assert_eq!(back["cause"], "package_downgraded");
    assert_eq!(back["reintroduced"], false, "no image before v1.0 had it");

    settings(&env).bind(|| {
        insta::assert_snapshot!("history_diff_regression", env.ok(&["diff", &format!("{REPO}:v1.1"), &format!("{REPO}:v1.2")]));
    });
}

#[test]
fn rescan_records_rematches_and_diff_finds_published() {
    let env = TestEnv::new();
    let (layout, ids) = three_versions(&env);
    scan(&env, &layout, "v1.2", "prod");

    let mut records = first_records();
    records.push(debian_record("CVE-2024-22365", "pam", "1.5.2-6+deb12u1", "2024-01-18T00:00:00Z"));
    let imported = import(&env, "advisories-second", &records);
    let line = &imported["impact"]["lines"][0];
    assert_eq!(line["repository"], REPO);
    assert_eq!(line["findings_added"], 1, "libpam0g gets CVE-2024-22365: {imported:#}");
    assert_eq!(line["images"].as_array().unwrap().len(), 3, "every image has libpam0g 1.5.2-6");
    let watched = &imported["impact"]["watched"];
    assert_eq!(watched.as_array().unwrap().len(), 1, "{watched:#}");
    assert_eq!(watched[0]["tag"], "prod");
    assert_eq!(watched[0]["added"][0]["vulnerability_id"], "CVE-2024-22365");
    assert_eq!(env.scan_count(), 4, "db import records nothing");

    let rescan = env.json(&["rescan", "--all"]);
    let line = &rescan["lines"][0];
    assert_eq!(line["rematched"], 3);
    assert_eq!(line["up_to_date"], 0);
    assert_eq!(line["findings_added"], 1);
    let images = line["images"].as_array().unwrap();
    assert_eq!(images[0]["scan_id"], ids[0].as_str(), "images in the order they were first scanned");
    assert_eq!(images[0]["added"], json!(["CVE-2024-22365"]));
    assert_eq!(images[2]["watched_tags"], json!(["prod"]));
    assert_eq!(env.scan_count(), 7);

    // A rematch row counts against the scan it re-matched: only the new advisory's finding.
    // Image scans count against the previous image scan, skipping rematch rows.
    let log = env.json(&["log", REPO]);
    let rows = log["scans"].as_array().unwrap();
    let row = |id: &str| rows.iter().find(|row| row["id"] == id).unwrap_or_else(|| panic!("no log row {id}: {log:#}"));
    for image in images {
        let rematch_row = row(image["rematch_id"].as_str().unwrap());
        assert_eq!(rematch_row["kind"], "rematch");
        assert_eq!(rematch_row["introduced"], 1, "{rematch_row:#}");
        assert_eq!(rematch_row["fixed"], 0, "{rematch_row:#}");
    }
    assert_eq!(row(&ids[0])["introduced"], Value::Null, "the first scan has nothing to compare with");
    assert_eq!(row(&ids[1])["introduced"], 0);
    assert_eq!(row(&ids[1])["fixed"], 2, "v1.1 fixes openssl and PyYAML");
    assert_eq!(row(&ids[2])["introduced"], 1, "v1.2 brings back CVE-2024-5535");
    assert_eq!(row(&ids[2])["fixed"], 0);

    let rematch_id = images[0]["rematch_id"].as_str().unwrap();
    let rematch = env.json(&["show", rematch_id]);
    assert_eq!(rematch["scan"]["kind"], "rematch");
    assert_eq!(rematch["scan"]["rematch_of"], ids[0].as_str());
    assert_eq!(rematch["scan"]["tag"], "v1.0");
    let original = env.json(&["show", &ids[0]]);
    for field in ["manifest_digest", "config_digest", "layers", "labels", "repository"] {
        assert_eq!(rematch["scan"][field], original["scan"][field], "{field} is copied");
    }
    assert_eq!(rematch["packages"], original["packages"], "the inventory is copied");
    assert_ne!(rematch["scan"]["advisory_snapshot"], original["scan"]["advisory_snapshot"]);

    let diff = env.json(&["diff", &ids[0], rematch_id]);
    let published = diff_finding(&diff, "introduced", "CVE-2024-22365", "libpam0g");
    assert_eq!(published["cause"], "advisory_published");
    assert_eq!(published["cause_detail"]["advisory_ids"], json!(["DEBIAN-CVE-2024-22365"]));

    let again = env.json(&["rescan", "--repository", REPO]);
    assert_eq!(again["lines"][0]["rematched"], 0, "every image already uses the current snapshot");
    assert_eq!(again["lines"][0]["up_to_date"], 3);
    assert_eq!(env.scan_count(), 7);

    settings(&env).bind(|| {
        insta::assert_snapshot!("history_rescan_up_to_date", env.ok(&["rescan", "--all"]));
    });
}

#[test]
fn import_summary_names_watched_tags() {
    let env = TestEnv::new();
    let (layout, _) = three_versions(&env);
    scan(&env, &layout, "v1.1", "prod");
    let mut records = first_records();
    records.push(debian_record("CVE-2024-22365", "pam", "1.5.2-6+deb12u1", "2024-01-18T00:00:00Z"));
    let dir = env.path("advisories-second");
    std::fs::create_dir_all(&dir).unwrap();
    for record in &records {
        std::fs::write(dir.join(format!("{}.json", record["id"].as_str().unwrap())), record.to_string()).unwrap();
    }

    let text = env.ok(&["db", "import", dir.to_str().unwrap()]);
    settings(&env).bind(|| insta::assert_snapshot!("history_import_impact", text));
}

#[test]
fn history_follows_aliases() {
    let env = TestEnv::new();
    let (_, ids) = three_versions(&env);

    let mut documents = Vec::new();
    for query in ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4", "pysec-2021-142"] {
        let history = env.json(&["history", query]);
        assert_eq!(history["schema"], "scantrail.history/v1");
        assert_eq!(history["ids"], json!(["CVE-2020-14343", "GHSA-8q59-q68h-6hv4", "PYSEC-2021-142"]), "{query}");
        assert_eq!(history["advisory_published"], "2021-02-09T21:15:00Z");
        documents.push(history["lines"].clone());
    }
    assert_eq!(documents[0], documents[1]);
    assert_eq!(documents[0], documents[2]);

    let line = &documents[0][0];
    assert_eq!(line["repository"], REPO);
    assert_eq!(line["open"], false, "v1.2 keeps PyYAML 5.4");
    let events: Vec<&str> = line["events"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["introduced", "fixed"]);
    assert_eq!(line["events"][0]["scan"]["scan_id"], ids[0].as_str());
    assert_eq!(line["events"][0]["packages"][0]["layer"]["index"], 1);
    assert_eq!(line["events"][0]["packages"][0]["layer"]["created_by"], "pip install pyyaml==5.3");
    assert_eq!(line["events"][1]["scan"]["tag"], "v1.1");
    assert_eq!(line["fix_available_since"]["scan"]["scan_id"], ids[0].as_str());
    assert_eq!(line["fix_available_since"]["fixed_versions"], json!(["5.4"]));
    assert_eq!(line["fix_available_since"]["since"], "2021-02-09T21:15:00Z", "the record's time is before every scan");
    assert_eq!(line["fix_available_since"]["since_source"], "advisory_record");
    assert_eq!(line["fix_available_since"]["advisory_id"], "PYSEC-2021-142");
    assert_eq!(line["fix_available_since"]["snapshot_scan"]["scan_id"], ids[0].as_str());

    let openssl = env.json(&["history", "DEBIAN-CVE-2024-5535", "--repository", REPO]);
    let line = &openssl["lines"][0];
    let events: Vec<&str> = line["events"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["introduced", "fixed", "reintroduced"]);
    assert_eq!(line["open"], true);
    assert_eq!(line["events"][2]["revision"], REVISION);
    assert_eq!(line["events"][2]["packages"][0]["layer"]["index"], 3, "the downgrade layer brought it back");

    settings(&env).bind(|| {
        insta::assert_snapshot!("history_openssl", env.ok(&["history", "CVE-2024-5535"]));
    });
}

#[test]
fn history_of_unknown_id_fails() {
    let env = TestEnv::new();
    three_versions(&env);

    let output = env.run(&["history", "CVE-1999-0001"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(stderr(&output).contains("unknown vulnerability \"CVE-1999-0001\""), "{}", stderr(&output));

    let other_line = env.run(&["history", "CVE-2024-5535", "--repository", "registry.example.com/shop/other"]);
    assert_eq!(other_line.status.code(), Some(2));
    assert!(stderr(&other_line).contains("registry.example.com/shop/other"), "{}", stderr(&other_line));
}

#[test]
fn blame_names_layer_revision_and_first_image() {
    let env = TestEnv::new();
    let (_, ids) = three_versions(&env);

    let blame = env.json(&["blame", &format!("{REPO}:v1.2"), "libssl3"]);
    assert_eq!(blame["schema"], "scantrail.blame/v1");
    assert_eq!(blame["subject"], "package");
    assert_eq!(blame["revision"], REVISION);
    assert_eq!(blame["source"], SOURCE);
    let package = &blame["packages"][0];
    assert_eq!(package["package"]["version"], SSL_OLD);
    assert_eq!(package["layer"]["index"], 3, "the file list was written by the downgrade");
    assert_eq!(package["layer"]["created_by"], format!("apt-get install --allow-downgrades libssl3={SSL_OLD}"));
    assert_eq!(package["first_with_version"]["scan_id"], ids[0].as_str(), "v1.0 had this version first");
    assert_eq!(package["findings"][0]["vulnerability_id"], "CVE-2024-5535");
    assert_eq!(package["findings"][0]["first_seen"]["tag"], "v1.0");

    let pam = env.json(&["blame", &format!("{REPO}:v1.2"), "libpam0g"]);
    assert_eq!(pam["packages"][0]["layer"]["index"], 0, "the status file was rewritten later, the file list was not");

    let by_alias = env.json(&["blame", &format!("{REPO}:v1.2"), "DEBIAN-CVE-2024-5535"]);
    assert_eq!(by_alias["subject"], "vulnerability");
    assert_eq!(by_alias["packages"][0]["package"]["name"], "libssl3");

    let missing = env.run(&["blame", &format!("{REPO}:v1.2"), "CVE-2020-14343"]);
    assert_eq!(missing.status.code(), Some(2), "v1.2 has PyYAML 5.4");
    assert!(stderr(&missing).contains("neither a finding nor an installed package"), "{}", stderr(&missing));

    settings(&env).bind(|| {
        insta::assert_snapshot!("history_blame", env.ok(&["blame", &format!("{REPO}:v1.2"), "libssl3"]));
    });
}

#[test]
fn moved_immutable_tag_is_flagged() {
    let env = TestEnv::new();
    import(&env, "advisories-first", &first_records());
    let layout = write_layout(&env);
    scan(&env, &layout, "v1.0", "v1.0");
    scan(&env, &layout, "v1.0", "v1.0");
    let moved = scan(&env, &layout, "v1.1", "v1.0");

    let tags = env.json(&["tags", REPO]);
    let tag = &tags["tags"][0];
    assert_eq!(tag["tag"], "v1.0");
    assert_eq!(tag["immutable"], true);
    assert_eq!(tag["observations"], 3);
    assert_eq!(tag["moves"], 1, "the repeated observation is no move");
    assert_eq!(tag["immutable_moved"], true);
    assert_eq!(tag["reflog"][1]["scan_id"], moved["scan"]["id"]);
    assert_eq!(tag["current_digest"], moved["scan"]["manifest_digest"]);

    let log = env.json(&["log", REPO]);
    let flags: Vec<bool> = log["scans"].as_array().unwrap().iter().map(|s| s["tag_moved"].as_bool().unwrap()).collect();
    assert_eq!(flags, [true, false, false], "only the scan that saw the move");
    assert!(env.ok(&["log", REPO]).contains("v1.0 (moved)"));

    let gate = env.run(&["gate", &format!("{REPO}:v1.0"), "--fail-on", "critical", "--format", "json"]);
    assert_eq!(gate.status.code(), Some(0), "the decision stays severity-based: {}", stderr(&gate));
    let document: Value = serde_json::from_slice(&gate.stdout).unwrap();
    assert_eq!(document["warnings"][0]["code"], "immutable_tag_moved");
    let gate_table = env.ok(&["gate", &format!("{REPO}:v1.0"), "--fail-on", "critical"]);
    assert!(gate_table.contains("warning: tag v1.0 matches an immutable tag pattern but moved 1 time(s)"), "{gate_table}");

    settings(&env).bind(|| {
        insta::assert_snapshot!("history_tags_moved", env.ok(&["tags", REPO, "v1.0"]));
    });
}

#[test]
fn mutable_tag_scan_prints_note() {
    let env = TestEnv::new();
    import(&env, "advisories-first", &first_records());
    let layout = write_layout(&env);

    let latest = env.run(&["scan", &format!("oci:{}:v1.1", layout.display()), "--tag", &format!("{REPO}:latest")]);
    assert_eq!(latest.status.code(), Some(0), "{}", stderr(&latest));
    let digest = image("v1.1").write_oci_layout(&env.path("again"), "v1.1").manifest_digest;
    assert!(
        stderr(&latest).contains(&format!("note: tag latest is mutable; this scan is recorded under digest {digest}")),
        "{}",
        stderr(&latest)
    );

    let version = env.run(&["scan", &format!("oci:{}:v1.1", layout.display()), "--tag", &format!("{REPO}:v1.1")]);
    assert!(!stderr(&version).contains("note:"), "v1.1 is immutable: {}", stderr(&version));

    let gate = env.run(&["gate", &format!("{REPO}:latest"), "--fail-on", "critical", "--format", "json"]);
    let document: Value = serde_json::from_slice(&gate.stdout).unwrap();
    assert_eq!(document["warnings"], json!([]), "latest may move");
}

/// An image with only busybox `version` installed, on Debian `release` (os-release `VERSION_ID`).
fn busybox_image(release: &str, version: &str) -> ImageBuilder {
    let os_release = format!("NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"{release}\"\nID=debian\n");
    let status = format!("Package: busybox\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\n");
    let layer = Layer::new()
        .file("etc/os-release", os_release)
        .file("var/lib/dpkg/status", status)
        .file("var/lib/dpkg/info/busybox.list", "/bin/busybox\n")
        .created_by("debootstrap");
    ImageBuilder::new().created("2026-11-30T10:00:00Z").layer(layer)
}

/// Writes a Debian record with one range per release: `(release, introduced, fixed)`.
fn busybox_record(cve: &str, ranges: &[(&str, &str, &str)]) -> Value {
    let affected: Vec<Value> = ranges
        .iter()
        .map(|(release, introduced, fixed)| {
            json!({
                "package": {"ecosystem": format!("Debian:{release}"), "name": "busybox"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": introduced}, {"fixed": fixed}]}]
            })
        })
        .collect();
    json!({
        "id": format!("DEBIAN-{cve}"),
        "aliases": [cve],
        "published": "2024-01-01T00:00:00Z",
        "modified": "2024-01-01T00:00:00Z",
        "affected": affected,
    })
}

#[test]
fn diff_causes_follow_version_order_and_release() {
    let env = TestEnv::new();
    // CVE-2024-0001 affects only 1.36 and later on Debian 12. CVE-2024-0002 was fixed in
    // Debian 11 before 1.30.1 shipped, but affects Debian 12 below 1.35.0-9.
    import(
        &env,
        "advisories",
        &[
            busybox_record("CVE-2024-0001", &[("12", "1:1.36.0", "1:1.36.1-9")]),
            busybox_record("CVE-2024-0002", &[("11", "0", "1:1.30.0-1"), ("12", "0", "1:1.35.0-9")]),
        ],
    );
    let layout = env.path("layout");
    busybox_image("11", "1:1.30.1-6").write_oci_layout(&layout, "bullseye");
    busybox_image("12", "1:1.35.0-4").write_oci_layout(&layout, "bookworm");
    busybox_image("12", "1:1.36.1-1").write_oci_layout(&layout, "bookworm-new");
    for tag in ["bullseye", "bookworm", "bookworm-new"] {
        scan(&env, &layout, tag, tag);
    }
    let tag = |tag: &str| format!("{REPO}:{tag}");

    // 11 -> 12 with an upgrade: the same busybox gets CVE-2024-0002 under Debian 12's advisories.
    let release = env.json(&["diff", &tag("bullseye"), &tag("bookworm")]);
    assert_eq!(diff_finding(&release, "introduced", "CVE-2024-0002", "busybox")["cause"], "os_release_changed");
    assert_eq!(release["summary"]["causes"]["os_release_changed"], 1);
    assert_eq!(release["summary"]["os_release_change"], json!({"from": "debian 11", "to": "debian 12"}));
    assert_eq!(release["packages"]["changed"][0]["direction"], "upgraded");
    let back = env.json(&["diff", &tag("bookworm"), &tag("bullseye")]);
    assert_eq!(diff_finding(&back, "fixed", "CVE-2024-0002", "busybox")["cause"], "os_release_changed");
    assert_eq!(back["packages"]["changed"][0]["direction"], "downgraded");
    let release_table = env.ok(&["diff", &tag("bullseye"), &tag("bookworm")]);
    assert!(release_table.contains("OS release debian 11 -> debian 12"), "{release_table}");

    // Same release, upgrade: CVE-2024-0001 enters with the newer version, CVE-2024-0002 leaves.
    let upgrade = env.json(&["diff", &tag("bookworm"), &tag("bookworm-new")]);
    assert_eq!(diff_finding(&upgrade, "introduced", "CVE-2024-0001", "busybox")["cause"], "package_upgraded");
    assert_eq!(diff_finding(&upgrade, "fixed", "CVE-2024-0002", "busybox")["cause"], "package_upgraded");
    assert!(upgrade["summary"].get("os_release_change").is_none(), "same release: {upgrade:#}");
    assert_eq!(upgrade["packages"]["changed"][0]["direction"], "upgraded");

    // The reverse is a downgrade on both findings.
    let downgrade = env.json(&["diff", &tag("bookworm-new"), &tag("bookworm")]);
    assert_eq!(diff_finding(&downgrade, "fixed", "CVE-2024-0001", "busybox")["cause"], "package_downgraded");
    assert_eq!(diff_finding(&downgrade, "introduced", "CVE-2024-0002", "busybox")["cause"], "package_downgraded");
    let downgrade_table = env.ok(&["diff", &tag("bookworm-new"), &tag("bookworm")]);
    assert!(downgrade_table.contains(" downgraded  busybox"), "{downgrade_table}");
}
