//! Loading records from files, folders and zip bundles, and building snapshots from them.
//!
//! The records are trimmed copies of real advisories (GitHub advisory database, PyPA advisory
//! database, an OSV record for Debian 12) with the fields scantrail reads.

use std::io::Write;
use std::path::{Path, PathBuf};

use scantrail_advisory::{load_paths, AdvisoryError, Event, RangeKind, Snapshot, MAX_ENTRY_BYTES};
use scantrail_model::Severity;

/// PyYAML full_load code execution, rated by a CVSS 3.1 vector (base score 9.8).
const GHSA_PYYAML: &str = r#"{
  "schema_version": "1.4.0",
  "id": "GHSA-8q59-q68h-6hv4",
  "modified": "2021-09-28T19:04:49Z",
  "published": "2021-03-25T21:26:26Z",
  "aliases": ["CVE-2020-14343"],
  "summary": "Improper Input Validation in PyYAML",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{
    "package": {"ecosystem": "PyPI", "name": "PyYAML"},
    "ecosystem_specific": {"affected_functions": ["yaml.constructor.FullConstructor"]},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "5.4"}]}]
  }],
  "references": [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2020-14343"}],
  "database_specific": {"cwe_ids": ["CWE-20"], "severity": "CRITICAL", "github_reviewed": true}
}"#;

/// The PyPA record of the same vulnerability, in YAML, without any severity.
const PYSEC_PYYAML: &str = "id: PYSEC-2021-142
details: A vulnerability was discovered in the PyYAML library in versions before 5.4.
affected:
- package:
    name: pyyaml
    ecosystem: PyPI
    purl: pkg:pypi/pyyaml
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: '0'
    - fixed: '5.4'
  versions:
  - 5.3.1
  - '5.3'
references:
- type: ADVISORY
  url: https://github.com/advisories/GHSA-8q59-q68h-6hv4
aliases:
- CVE-2020-14343
- GHSA-8q59-q68h-6hv4
modified: '2021-11-16T03:58:56.464299Z'
published: '2021-02-09T21:15:00Z'
";

/// lodash ReDoS in toNumber, trim and trimEnd. The real record's CVSS vector is left out, so
/// only GitHub's `MODERATE` rates it.
const GHSA_LODASH_MODERATE: &str = r#"{
  "id": "GHSA-29mw-wpgm-hmr9",
  "modified": "2023-11-01T23:18:16Z",
  "published": "2022-01-06T20:30:46Z",
  "aliases": ["CVE-2020-28500"],
  "summary": "Regular Expression Denial of Service (ReDoS) in lodash",
  "affected": [
    {"package": {"ecosystem": "npm", "name": "lodash"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]},
    {"package": {"ecosystem": "npm", "name": "lodash-es"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}
  ],
  "database_specific": {"severity": "MODERATE", "github_reviewed": true}
}"#;

/// jsonwebtoken CVE-2022-23529, withdrawn by GitHub in January 2023.
const GHSA_JSONWEBTOKEN_WITHDRAWN: &str = r#"{
  "id": "GHSA-27h2-hvpr-p74q",
  "modified": "2023-01-29T05:02:00Z",
  "published": "2022-12-21T20:49:17Z",
  "withdrawn": "2023-01-27T21:51:55Z",
  "aliases": ["CVE-2022-23529"],
  "affected": [{"package": {"ecosystem": "npm", "name": "jsonwebtoken"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.0.0"}]}]}],
  "database_specific": {"severity": "HIGH"}
}"#;

/// systemd CVE-2019-3843 in Debian 12, fixed in the source package's 242-1.
const DEBIAN_SYSTEMD: &str = r#"{
  "id": "DEBIAN-CVE-2019-3843",
  "modified": "2019-05-07T23:33:56Z",
  "published": "2019-05-07T23:33:56Z",
  "aliases": ["CVE-2019-3843"],
  "affected": [{
    "package": {"ecosystem": "Debian:12", "name": "systemd", "purl": "pkg:deb/debian/systemd?arch=source&distro=bookworm"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "242-1"}]}]
  }]
}"#;

fn write(dir: &Path, relative: &str, text: &str) -> PathBuf {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn write_zip(path: &Path, entries: &[(&str, &[u8])]) {
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap();
}

fn ids(advisories: &[scantrail_advisory::Advisory]) -> Vec<&str> {
    advisories.iter().map(|a| a.id.as_str()).collect()
}

#[test]
fn load_json_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "GHSA-8q59-q68h-6hv4.json", GHSA_PYYAML);

    let loaded = load_paths(&[path]).unwrap();

    assert_eq!(ids(&loaded.advisories), ["GHSA-8q59-q68h-6hv4"]);
    let advisory = &loaded.advisories[0];
    assert_eq!(advisory.aliases, ["CVE-2020-14343"]);
    assert_eq!(advisory.summary.as_deref(), Some("Improper Input Validation in PyYAML"));
    assert_eq!(advisory.database_severity.as_deref(), Some("CRITICAL"));
    assert_eq!(advisory.modified.unwrap().to_rfc3339(), "2021-09-28T19:04:49+00:00");
    let affected = &advisory.affected[0];
    assert_eq!(affected.ecosystem, "PyPI");
    assert_eq!(affected.name, "PyYAML");
    assert_eq!(affected.ranges[0].kind, RangeKind::Ecosystem);
    assert_eq!(affected.ranges[0].events, [Event::Introduced("0".into()), Event::Fixed("5.4".into())]);
}

#[test]
fn load_yaml_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "PYSEC-2021-142.yaml", PYSEC_PYYAML);

    let loaded = load_paths(&[path]).unwrap();

    let advisory = &loaded.advisories[0];
    assert_eq!(advisory.id, "PYSEC-2021-142");
    assert_eq!(advisory.aliases, ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"]);
    assert_eq!(advisory.affected[0].purl.as_deref(), Some("pkg:pypi/pyyaml"));
    assert_eq!(advisory.affected[0].versions, ["5.3.1", "5.3"]);
    assert_eq!(advisory.summary, None);
}

#[test]
fn load_folder_skips_hidden_and_other_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pypi/pyyaml/PYSEC-2021-142.yml", PYSEC_PYYAML);
    write(dir.path(), "pypi/ghsa/GHSA-8q59-q68h-6hv4.json", GHSA_PYYAML);
    write(dir.path(), "npm/GHSA-29mw-wpgm-hmr9.json", GHSA_LODASH_MODERATE);
    write(dir.path(), "npm/GHSA-27h2-hvpr-p74q.json", GHSA_JSONWEBTOKEN_WITHDRAWN);
    write(dir.path(), "README.md", "# not an advisory\n");
    write(dir.path(), "npm/MANIFEST.tsv", "origin\tsha256\n");
    write(dir.path(), ".git/config.json", "not json at all");
    write(dir.path(), "pypi/.id-allocator.yaml", ": not yaml");

    let loaded = load_paths(&[dir.path().to_path_buf()]).unwrap();

    assert_eq!(ids(&loaded.advisories), ["GHSA-29mw-wpgm-hmr9", "GHSA-8q59-q68h-6hv4", "PYSEC-2021-142"]);
    let summary = &loaded.sources[0];
    assert_eq!(summary.path, dir.path().display().to_string());
    assert_eq!(summary.records, 3);
    assert_eq!(summary.withdrawn_skipped, 1);
    assert_eq!(summary.per_ecosystem.get("PyPI"), Some(&2));
    assert_eq!(summary.per_ecosystem.get("npm"), Some(&1), "a record with two npm packages counts once");
}

#[test]
fn load_zip_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("all.zip");
    write_zip(
        &bundle,
        &[
            ("GHSA-8q59-q68h-6hv4.json", GHSA_PYYAML.as_bytes()),
            ("DEBIAN-CVE-2019-3843.json", DEBIAN_SYSTEMD.as_bytes()),
            ("GHSA-27h2-hvpr-p74q.json", GHSA_JSONWEBTOKEN_WITHDRAWN.as_bytes()),
            ("LICENSE", b"CC-BY-4.0"),
        ],
    );

    let loaded = load_paths(&[bundle.clone()]).unwrap();

    assert_eq!(ids(&loaded.advisories), ["DEBIAN-CVE-2019-3843", "GHSA-8q59-q68h-6hv4"]);
    let summary = &loaded.sources[0];
    assert_eq!(summary.path, bundle.display().to_string());
    assert_eq!(summary.records, 2);
    assert_eq!(summary.withdrawn_skipped, 1);
    assert_eq!(summary.per_ecosystem.get("Debian:12"), Some(&1));
}

#[test]
fn invalid_zip_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("all.zip");
    write_zip(&bundle, &[("GHSA-8q59-q68h-6hv4.json", GHSA_PYYAML.as_bytes()), ("GHSA-bad.json", br#"{"summary": "x"}"#)]);

    let error = load_paths(&[bundle]).unwrap_err();

    let message = error.to_string();
    assert!(matches!(error, AdvisoryError::InvalidRecord { .. }), "{message}");
    assert!(message.contains("entry GHSA-bad.json of bundle"), "{message}");
    assert!(message.contains("all.zip"), "{message}");
    assert!(message.contains("missing field `id`"), "{message}");
}

#[test]
fn oversized_zip_entry_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bomb.zip");
    // Repeated bytes deflate about a thousand to one, so the bundle stays small on disk.
    let zeros = vec![b' '; (MAX_ENTRY_BYTES + 1) as usize];
    write_zip(&bundle, &[("GHSA-huge.json", &zeros)]);

    let error = load_paths(&[bundle]).unwrap_err();

    let message = error.to_string();
    assert!(matches!(error, AdvisoryError::EntryTooLarge { .. }), "{message}");
    assert!(message.contains("GHSA-huge.json"), "{message}");
}

#[test]
fn corrupt_file_fails_whole_import() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "GHSA-8q59-q68h-6hv4.json", GHSA_PYYAML);
    let corrupt = write(dir.path(), "GHSA-29mw-wpgm-hmr9.json", &GHSA_LODASH_MODERATE[..120]);

    let error = load_paths(&[dir.path().to_path_buf()]).unwrap_err();

    let message = error.to_string();
    assert!(matches!(error, AdvisoryError::InvalidRecord { .. }), "{message}");
    assert!(message.contains(&corrupt.display().to_string()), "{message}");
    assert!(message.contains("fix or remove the file"), "{message}");
}

#[test]
fn missing_path_is_read_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = load_paths(&[dir.path().join("absent")]).unwrap_err();
    assert!(matches!(error, AdvisoryError::Read { .. }), "{error}");
    assert!(error.to_string().contains("absent"), "{error}");
}

#[test]
fn unsupported_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "advisories.csv", "id\n");
    let error = load_paths(&[path]).unwrap_err();
    assert!(matches!(error, AdvisoryError::UnsupportedFile { .. }), "{error}");
}

#[test]
fn duplicate_id_keeps_latest_modified() {
    let dir = tempfile::tempdir().unwrap();
    let newer = GHSA_PYYAML.replace("2021-09-28T19:04:49Z", "2024-01-01T00:00:00Z").replace("Improper Input", "Newer");
    // The newer record is read first, so file order alone would keep the older one.
    write(dir.path(), "a/GHSA-8q59-q68h-6hv4.json", &newer);
    write(dir.path(), "b/GHSA-8q59-q68h-6hv4.json", GHSA_PYYAML);

    let loaded = load_paths(&[dir.path().to_path_buf()]).unwrap();

    assert_eq!(loaded.advisories.len(), 1);
    assert_eq!(loaded.advisories[0].summary.as_deref(), Some("Newer Validation in PyYAML"));
    assert_eq!(loaded.sources[0].records, 2);
}

fn parse(text: &str, name: &str) -> scantrail_advisory::Advisory {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), name, text);
    load_paths(&[path]).unwrap().advisories.remove(0)
}

#[test]
fn snapshot_digest_ignores_input_order() {
    let pyyaml = parse(GHSA_PYYAML, "a.json");
    let lodash = parse(GHSA_LODASH_MODERATE, "b.json");
    let systemd = parse(DEBIAN_SYSTEMD, "c.json");

    let forward = Snapshot::new(vec![pyyaml.clone(), lodash.clone(), systemd.clone()]);
    let backward = Snapshot::new(vec![systemd, lodash, pyyaml]);

    assert_eq!(forward.digest, backward.digest);
    assert_eq!(ids(&forward.advisories), ["DEBIAN-CVE-2019-3843", "GHSA-29mw-wpgm-hmr9", "GHSA-8q59-q68h-6hv4"]);
}

#[test]
fn snapshot_digest_changes_with_record() {
    let pyyaml = parse(GHSA_PYYAML, "a.json");
    let before = Snapshot::new(vec![pyyaml.clone()]);

    let mut changed = pyyaml;
    changed.affected[0].ranges[0].events[1] = Event::Fixed("5.4.1".into());
    let after = Snapshot::new(vec![changed]);

    assert_ne!(before.digest, after.digest);
}

#[test]
fn snapshot_merge_replaces_same_id() {
    let pyyaml = parse(GHSA_PYYAML, "a.json");
    let lodash = parse(GHSA_LODASH_MODERATE, "b.json");
    let base = Snapshot::new(vec![pyyaml.clone(), lodash]);

    let mut updated = pyyaml;
    updated.summary = Some("updated".into());
    let systemd = parse(DEBIAN_SYSTEMD, "c.json");
    let merged = base.merged(vec![updated.clone(), systemd]);

    assert_eq!(ids(&merged.advisories), ["DEBIAN-CVE-2019-3843", "GHSA-29mw-wpgm-hmr9", "GHSA-8q59-q68h-6hv4"]);
    assert_eq!(merged.advisories[2], updated);
    assert_ne!(merged.digest, base.digest);
    assert_eq!(merged.per_ecosystem().get("npm"), Some(&1));
    assert_eq!(merged.per_ecosystem().get("Debian:12"), Some(&1));
}

#[test]
fn advisory_round_trips_through_json() {
    let advisory = parse(PYSEC_PYYAML, "a.yaml");
    let text = serde_json::to_string(&advisory).unwrap();
    let back: scantrail_advisory::Advisory = serde_json::from_str(&text).unwrap();
    assert_eq!(back, advisory);
    assert_eq!(back.record_digest(), advisory.record_digest());
}

#[test]
fn severity_from_cvss_v31_vector() {
    let advisory = parse(GHSA_PYYAML, "a.json");
    let (severity, source, vector) = advisory.severity_rating();
    assert_eq!(severity, Severity::Critical);
    assert_eq!(source.as_deref(), Some("CVSS_V3"));
    assert_eq!(vector.as_deref(), Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
}

#[test]
fn severity_from_cvss_v30_vector_in_affected() {
    // CVE-2020-28500's vector rated at the affected level and written as CVSS 3.0: base 5.3.
    let text = GHSA_LODASH_MODERATE.replacen(
        r#""package": {"ecosystem": "npm", "name": "lodash"},"#,
        r#""package": {"ecosystem": "npm", "name": "lodash"}, "severity": [{"type": "CVSS_V3", "score": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}],"#,
        1,
    );
    let advisory = parse(&text, "a.json");
    let (severity, source, vector) = advisory.severity_rating();
    assert_eq!(severity, Severity::Medium);
    assert_eq!(source.as_deref(), Some("CVSS_V3"));
    assert_eq!(vector.as_deref(), Some("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"));
}

#[test]
fn severity_from_ghsa_moderate() {
    let advisory = parse(GHSA_LODASH_MODERATE, "a.json");
    let (severity, source, vector) = advisory.severity_rating();
    assert_eq!(severity, Severity::Medium);
    assert_eq!(source.as_deref(), Some("database_specific"));
    assert_eq!(vector, None);
}

#[test]
fn severity_unknown_without_scores() {
    let advisory = parse(PYSEC_PYYAML, "a.yaml");
    assert_eq!(advisory.severity_rating(), (Severity::Unknown, None, None));
}

#[test]
fn severity_skips_invalid_vector() {
    let text = GHSA_PYYAML.replace("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:X");
    let advisory = parse(&text, "a.json");
    let (severity, source, _) = advisory.severity_rating();
    assert_eq!(severity, Severity::Critical);
    assert_eq!(source.as_deref(), Some("database_specific"));
}
