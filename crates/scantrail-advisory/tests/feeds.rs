//! Native distribution feeds: Alpine secdb documents, the Debian security tracker JSON and
//! Ubuntu's OSV records, converted to advisories and recognised by content.
//!
//! The documents are small hand-written copies of the real formats. The facts are real: Alpine
//! fixed CVE-2022-37434 in zlib 1.2.12-r2 on v3.15, Debian fixed CVE-2025-53603 in sope
//! 5.8.0-1+deb12u1 on bookworm, and Ubuntu rated CVE-2021-3782 (wayland) medium.

use std::path::{Path, PathBuf};

use scantrail_advisory::{load_paths, rank_severities, Advisory, Event, SEVERITY_KIND_VENDOR};
use scantrail_model::Severity;

const SECDB_JSON: &str = r#"{
  "apkurl": "{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk",
  "archs": ["x86_64"],
  "reponame": "main",
  "urlprefix": "https://dl-cdn.alpinelinux.org/alpine",
  "distroversion": "v3.15",
  "packages": [
    {"pkg": {"name": "zlib", "secfixes": {"1.2.12-r0": ["CVE-2018-25032"], "1.2.12-r2": ["CVE-2022-37434"]}}},
    {"pkg": {"name": "musl", "secfixes": {"0": ["CVE-2019-14697"], "1.1.20-r5": ["CVE-2019-14697 CVE-2020-28928"]}}}
  ]
}"#;

const SECDB_YAML: &str = "reponame: community
distroversion: v3.19
packages:
- pkg:
    name: zsh
    secfixes:
      5.8.1-r0:
      - CVE-2021-45444
";

const TRACKER_JSON: &str = r#"{
  "sope": {
    "CVE-2025-53603": {
      "description": "In Alinto SOPE, the server crashes on some requests.",
      "scope": "local",
      "releases": {
        "bookworm": {"status": "resolved", "repositories": {"bookworm": "5.8.0-1"}, "fixed_version": "5.8.0-1+deb12u1", "urgency": "not yet assigned"},
        "sid": {"status": "resolved", "repositories": {"sid": "5.12.1-2"}, "fixed_version": "5.12.1-2", "urgency": "not yet assigned"}
      }
    }
  },
  "chromium": {
    "CVE-2022-0456": {
      "releases": {
        "buster": {"status": "open", "repositories": {"buster": "89.0.4389.114-1~deb10u1"}, "urgency": "end-of-life"},
        "bookworm": {"status": "resolved", "fixed_version": "98.0.4758.80-1", "urgency": "high**"}
      }
    }
  },
  "prototypejs": {
    "CVE-2007-2383": {
      "releases": {
        "buster": {"status": "resolved", "fixed_version": "0", "urgency": "unimportant"}
      }
    }
  },
  "chromium-browser": {
    "CVE-2022-0358": {"releases": []}
  },
  "tiff": {
    "CVE-2023-3164": {
      "releases": {
        "bookworm": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "postponed"}
      }
    }
  }
}"#;

/// An Ubuntu CVE record: the CVE is `upstream`, not an alias, and the priority is a severity.
const UBUNTU_CVE: &str = r#"{
  "schema_version": "1.7.0",
  "id": "UBUNTU-CVE-2021-3782",
  "upstream": ["CVE-2021-3782"],
  "published": "2022-09-15T16:43:06Z",
  "modified": "2026-04-22T07:37:02Z",
  "severity": [
    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:H"},
    {"type": "Ubuntu", "score": "medium"}
  ],
  "affected": [{
    "package": {"ecosystem": "Ubuntu:22.04:LTS", "name": "wayland"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.20.0-1ubuntu0.1"}]}]
  }]
}"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn find<'a>(advisories: &'a [Advisory], id: &str) -> &'a Advisory {
    advisories.iter().find(|a| a.id == id).unwrap_or_else(|| panic!("no advisory {id}"))
}

#[test]
fn alpine_secdb_json_converts() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "v3.15-main.json", SECDB_JSON);
    let loaded = load_paths(&[path]).unwrap();

    let ids: Vec<&str> = loaded.advisories.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "ALPINE-v3.15-main-CVE-2018-25032",
            "ALPINE-v3.15-main-CVE-2019-14697",
            "ALPINE-v3.15-main-CVE-2020-28928",
            "ALPINE-v3.15-main-CVE-2022-37434"
        ]
    );
    assert_eq!(loaded.sources[0].records, 4);
    assert_eq!(loaded.sources[0].per_ecosystem.get("Alpine:v3.15"), Some(&4));

    let zlib = find(&loaded.advisories, "ALPINE-v3.15-main-CVE-2022-37434");
    assert_eq!(zlib.aliases, ["CVE-2022-37434"]);
    assert_eq!(zlib.affected.len(), 1);
    assert_eq!(zlib.affected[0].ecosystem, "Alpine:v3.15");
    assert_eq!(zlib.affected[0].name, "zlib");
    assert_eq!(zlib.affected[0].ranges[0].events, [Event::Introduced("0".into()), Event::Fixed("1.2.12-r2".into())]);
}

#[test]
fn alpine_fix_zero_is_not_affected() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load_paths(&[write(dir.path(), "v3.15-main.json", SECDB_JSON)]).unwrap();
    let musl = find(&loaded.advisories, "ALPINE-v3.15-main-CVE-2019-14697");

    assert_eq!(musl.affected.len(), 2, "one entry per listed version");
    let zero = musl.affected.iter().find(|a| a.ranges.is_empty()).expect("the `0` entry has no range");
    assert_eq!(zero.vendor_status.as_deref(), Some("not-affected"));
    assert!(zero.versions.is_empty());
    let fixed = musl.affected.iter().find(|a| !a.ranges.is_empty()).unwrap();
    assert_eq!(fixed.ranges[0].events[1], Event::Fixed("1.1.20-r5".into()));
}

#[test]
fn alpine_secdb_yaml_converts() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load_paths(&[write(dir.path(), "v3.19-community.yaml", SECDB_YAML)]).unwrap();
    assert_eq!(loaded.advisories.len(), 1);
    let zsh = &loaded.advisories[0];
    assert_eq!(zsh.id, "ALPINE-v3.19-community-CVE-2021-45444");
    assert_eq!(zsh.affected[0].ecosystem, "Alpine:v3.19");
}

#[test]
fn debian_tracker_converts_per_release() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load_paths(&[write(dir.path(), "tracker.json", TRACKER_JSON)]).unwrap();

    let sope = find(&loaded.advisories, "DEBIAN-TRACKER-CVE-2025-53603");
    assert_eq!(sope.aliases, ["CVE-2025-53603"]);
    assert_eq!(sope.summary.as_deref(), Some("In Alinto SOPE, the server crashes on some requests."));
    assert_eq!(sope.affected.len(), 1, "sid has no version number and is skipped");
    assert_eq!(sope.affected[0].ecosystem, "Debian:12");
    assert_eq!(sope.affected[0].name, "sope");
    assert_eq!(sope.affected[0].ranges[0].events, [Event::Introduced("0".into()), Event::Fixed("5.8.0-1+deb12u1".into())]);
    assert!(sope.severities(sope.affected.iter()).is_empty(), "`not yet assigned` is no rating");
}

#[test]
fn debian_tracker_open_has_no_fix() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load_paths(&[write(dir.path(), "tracker.json", TRACKER_JSON)]).unwrap();

    let tiff = find(&loaded.advisories, "DEBIAN-TRACKER-CVE-2023-3164");
    let entry = &tiff.affected[0];
    assert_eq!(entry.ecosystem, "Debian:12");
    assert_eq!(entry.ranges[0].events, [Event::Introduced("0".into())]);
    assert_eq!(entry.vendor_status.as_deref(), Some("no-dsa (Minor issue, postponed)"));

    let chromium = find(&loaded.advisories, "DEBIAN-TRACKER-CVE-2022-0456");
    let buster = chromium.affected.iter().find(|a| a.ecosystem == "Debian:10").unwrap();
    assert_eq!(buster.ranges[0].events, [Event::Introduced("0".into())]);
    assert_eq!(buster.vendor_status.as_deref(), Some("end-of-life"));
}

#[test]
fn debian_tracker_fix_zero_is_not_affected() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load_paths(&[write(dir.path(), "tracker.json", TRACKER_JSON)]).unwrap();
    let prototype = find(&loaded.advisories, "DEBIAN-TRACKER-CVE-2007-2383");
    let entry = &prototype.affected[0];
    assert_eq!(entry.ecosystem, "Debian:10");
    assert!(entry.ranges.is_empty());
    assert_eq!(entry.vendor_status.as_deref(), Some("not-affected; unimportant"));
}

#[test]
fn debian_urgency_is_vendor_severity() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load_paths(&[write(dir.path(), "tracker.json", TRACKER_JSON)]).unwrap();
    let chromium = find(&loaded.advisories, "DEBIAN-TRACKER-CVE-2022-0456");
    let bookworm: Vec<_> = chromium.affected.iter().filter(|a| a.ecosystem == "Debian:12").collect();
    let severities = chromium.severities(bookworm.into_iter());

    assert_eq!(severities.len(), 1);
    assert_eq!(severities[0].source, "debian");
    assert_eq!(severities[0].kind, SEVERITY_KIND_VENDOR);
    assert_eq!(severities[0].value, "high**");
    assert_eq!(severities[0].rating, Severity::High);
}

#[test]
fn ubuntu_upstream_and_priority_kept() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load_paths(&[write(dir.path(), "UBUNTU-CVE-2021-3782.json", UBUNTU_CVE)]).unwrap();
    let advisory = &loaded.advisories[0];
    assert_eq!(advisory.aliases, ["CVE-2021-3782"]);

    let mut severities = advisory.severities(advisory.affected.iter());
    assert_eq!(severities.len(), 2);
    rank_severities(&mut severities, true);
    assert_eq!((severities[0].source.as_str(), severities[0].kind.as_str()), ("ubuntu", "vendor"));
    assert_eq!(severities[0].rating, Severity::Medium);
    rank_severities(&mut severities, false);
    assert_eq!((severities[0].source.as_str(), severities[0].kind.as_str()), ("ubuntu", "CVSS_V3"));
    assert_eq!(severities[0].rating, Severity::Medium);
}

#[test]
fn folder_mixes_formats() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "secdb.json", SECDB_JSON);
    write(dir.path(), "tracker.json", TRACKER_JSON);
    write(dir.path(), "ubuntu.json", UBUNTU_CVE);
    let loaded = load_paths(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(loaded.sources[0].records, 4 + 4 + 1);
}

#[test]
fn invalid_secdb_names_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.json", r#"{"distroversion": "v3.15", "packages": [{"pkg": {"secfixes": {}}}]}"#);
    let error = load_paths(&[path]).unwrap_err().to_string();
    assert!(error.contains("Alpine secdb document"), "{error}");
    assert!(error.contains("bad.json"), "{error}");
}
