//! Builders for history tests: packages, advisory snapshots loaded from OSV records written into
//! a temporary folder, and scans matched against them.

#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use scantrail_advisory::Snapshot;
use scantrail_model::{Digest, Ecosystem, Inventory, OsRelease, Package, Scan};
use serde_json::json;

/// Diff IDs of the test images' layers: 0 is the Debian base, 1 the Python layer, 2 an update.
pub fn layer(index: usize) -> Digest {
    Digest::sha256_of(format!("layer {index}").as_bytes())
}

/// Builds an installed Debian package from `source` (the binary name when `None`).
pub fn deb(name: &str, version: &str, source: Option<&str>, layer_index: usize) -> Package {
    Package {
        ecosystem: Ecosystem::Debian,
        name: name.to_string(),
        version: version.to_string(),
        source_name: source.map(str::to_string),
        source_version: None,
        purl: format!("pkg:deb/debian/{name}@{version}?distro=debian-12"),
        path: "/var/lib/dpkg/status".to_string(),
        layer: Some(layer(layer_index)),
    }
}

/// Builds an installed Python distribution.
pub fn pypi(name: &str, version: &str, layer_index: usize) -> Package {
    Package {
        ecosystem: Ecosystem::PyPI,
        name: name.to_string(),
        version: version.to_string(),
        source_name: None,
        source_version: None,
        purl: format!("pkg:pypi/{}@{version}", name.to_lowercase()),
        path: format!("/app/python/site-packages/{name}-{version}.dist-info/METADATA"),
        layer: Some(layer(layer_index)),
    }
}

/// Builds a Debian 12 inventory with these packages.
pub fn inventory(packages: Vec<Package>) -> Inventory {
    let mut inventory = Inventory {
        os: Some(OsRelease { id: "debian".to_string(), version_id: Some("12".to_string()), version_codename: Some("bookworm".to_string()), pretty_name: None }),
        packages,
    };
    inventory.normalize();
    inventory
}

/// Loads OSV records (JSON text) through the advisory crate's loader into a snapshot.
pub fn snapshot(records: &[String]) -> Snapshot {
    let dir = tempfile::tempdir().unwrap();
    for (i, record) in records.iter().enumerate() {
        std::fs::write(dir.path().join(format!("record-{i}.json")), record).unwrap();
    }
    let loaded = scantrail_advisory::load_paths(&[dir.path().to_path_buf()]).unwrap();
    Snapshot::new(loaded.advisories)
}

/// Writes a Debian record affecting source package `source` below `fixed`.
pub fn debian_record(cve: &str, source: &str, fixed: &str, published: &str) -> String {
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
    .to_string()
}

/// Writes a PyPI record with aliases affecting `name` below `fixed`.
pub fn pypi_record(id: &str, aliases: &[&str], name: &str, fixed: &str, published: &str) -> String {
    json!({
        "id": id,
        "aliases": aliases,
        "published": published,
        "modified": published,
        "affected": [{
            "package": {"ecosystem": "PyPI", "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }]
    })
    .to_string()
}

/// Returns the time of scan `n` of a test, `n` minutes after a fixed start.
pub fn time(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap() + Duration::minutes(n)
}

/// Builds a scan of `app:tag`, the image named by `image`, matched against `snapshot`.
///
/// Built through serde so that fields added to `Scan` with serde defaults need no change here.
pub fn scan(tag: &str, image: &str, inventory: &Inventory, snapshot: &Snapshot, minute: i64) -> Scan {
    let findings = scantrail_matcher::match_inventory(inventory, snapshot);
    let manifest = Digest::sha256_of(format!("manifest {image}").as_bytes());
    let mut scan: Scan = serde_json::from_value(json!({
        "id": "",
        "kind": "scan",
        "reference": format!("oci:/layout:{tag}"),
        "repository": "registry.example.com/shop/app",
        "tag": tag,
        "manifest_digest": manifest,
        "config_digest": Digest::sha256_of(format!("config {image}").as_bytes()),
        "platform": "linux/amd64",
        "labels": {
            "org.opencontainers.image.revision": format!("rev-{image}"),
            "org.opencontainers.image.source": "https://git.example.com/shop/app",
        },
        "layers": (0..3).map(|i| json!({
            "digest": Digest::sha256_of(format!("blob {i}").as_bytes()),
            "diff_id": layer(i),
            "media_type": "application/vnd.oci.image.layer.v1.tar+gzip",
            "size": 100,
            "created_by": format!("RUN step {i}"),
        })).collect::<Vec<_>>(),
        "inventory": inventory,
        "advisory_snapshot": snapshot.digest,
        "scanner_version": "scantrail test",
        "findings": findings,
        "scanned_at": time(minute),
    }))
    .unwrap();
    scan.id = scan.compute_id();
    scan
}

/// Lists `ID PACKAGE` of each finding, sorted.
pub fn ids(findings: &[scantrail_model::Finding]) -> Vec<String> {
    let mut ids: Vec<String> = findings.iter().map(|f| format!("{} {}", f.vulnerability_id, f.package.name)).collect();
    ids.sort();
    ids
}
