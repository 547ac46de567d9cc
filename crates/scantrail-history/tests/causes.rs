//! The cause of each introduced and fixed finding of a diff, found by re-matching.

mod common;

use common::{deb, debian_record, inventory, pypi, pypi_record, scan, snapshot};
use scantrail_history::{Attribution, Cause, DiffSnapshots, ExplainedDiff, Line};
use scantrail_model::Scan;

/// Returns the attribution of the introduced or fixed finding of `id` on `package`.
fn find<'a>(explained: &'a ExplainedDiff, introduced: bool, id: &str, package: &str) -> &'a Attribution {
    let (findings, attributions) = if introduced {
        (&explained.diff.introduced, &explained.introduced)
    } else {
        (&explained.diff.fixed, &explained.fixed)
    };
    let position = findings
        .iter()
        .position(|f| f.vulnerability_id == id && f.package.name == package)
        .unwrap_or_else(|| panic!("no {} finding {id} on {package}", if introduced { "introduced" } else { "fixed" }));
    &attributions[position]
}

fn explain(base: &Scan, target: &Scan, snapshots: Option<DiffSnapshots<'_>>) -> ExplainedDiff {
    ExplainedDiff::explain(base, target, snapshots, None)
}

fn pyyaml_records() -> Vec<String> {
    vec![
        pypi_record("PYSEC-2021-142", &["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"], "PyYAML", "5.4", "2021-02-09T00:00:00Z"),
        pypi_record("PYSEC-2020-96", &["CVE-2020-1747", "GHSA-6757-jp84-gxfx"], "PyYAML", "5.3.1", "2020-03-24T00:00:00Z"),
    ]
}

#[test]
fn package_added_and_removed() {
    let advisories = snapshot(&[debian_record("CVE-2024-22365", "pam", "1.5.2-6+deb12u1", "2024-01-18T00:00:00Z")]);
    let without = inventory(vec![deb("base-files", "12.4+deb12u5", None, 0)]);
    let with = inventory(vec![deb("base-files", "12.4+deb12u5", None, 0), deb("libpam0g", "1.5.2-6", Some("pam"), 2)]);
    let base = scan("v1", "one", &without, &advisories, 0);
    let target = scan("v2", "two", &with, &advisories, 1);

    let added = explain(&base, &target, None);
    let attribution = find(&added, true, "CVE-2024-22365", "libpam0g");
    assert_eq!(attribution.cause, Cause::PackageAdded);
    assert!(attribution.base_versions.is_empty());
    assert_eq!(attribution.target_versions, ["1.5.2-6"]);

    let removed = explain(&target, &base, None);
    assert_eq!(find(&removed, false, "CVE-2024-22365", "libpam0g").cause, Cause::PackageRemoved);
}

#[test]
fn package_upgraded_out_of_range() {
    let advisories = snapshot(&pyyaml_records());
    let base = scan("v1.1", "one", &inventory(vec![pypi("PyYAML", "5.3", 1)]), &advisories, 0);
    let target = scan("v1.2", "two", &inventory(vec![pypi("PyYAML", "5.4", 2)]), &advisories, 1);

    let explained = explain(&base, &target, None);

    assert_eq!(explained.diff.fixed.len(), 2, "5.4 fixes both");
    for id in ["CVE-2020-14343", "CVE-2020-1747"] {
        let attribution = find(&explained, false, id, "PyYAML");
        assert_eq!(attribution.cause, Cause::PackageUpgraded, "{id}");
        assert_eq!(attribution.base_versions, ["5.3"]);
        assert_eq!(attribution.target_versions, ["5.4"]);
    }
}

#[test]
fn package_downgraded_into_range() {
    let advisories = snapshot(&[debian_record("CVE-2024-5535", "openssl", "3.0.14-1~deb12u1", "2024-06-27T00:00:00Z")]);
    let fixed = inventory(vec![deb("libssl3", "3.0.14-1~deb12u1", Some("openssl"), 0)]);
    let regressed = inventory(vec![deb("libssl3", "3.0.11-1~deb12u2", Some("openssl"), 2)]);
    let base = scan("v1.1", "one", &fixed, &advisories, 0);
    let target = scan("v1.2", "two", &regressed, &advisories, 1);

    let explained = explain(&base, &target, None);
    let attribution = find(&explained, true, "CVE-2024-5535", "libssl3");
    assert_eq!(attribution.cause, Cause::PackageDowngraded);
    assert_eq!(attribution.base_versions, ["3.0.14-1~deb12u1"]);
    assert_eq!(attribution.target_versions, ["3.0.11-1~deb12u2"]);
    assert!(!explained.introduced[0].reintroduced, "no line given");
}

#[test]
fn advisory_published_for_same_inventory() {
    let old = snapshot(&[debian_record("CVE-2023-45853", "zlib", "1:1.2.13.dfsg-1+deb12u1", "2023-10-14T00:00:00Z")]);
    let new = snapshot(&[
        debian_record("CVE-2023-45853", "zlib", "1:1.2.13.dfsg-1+deb12u1", "2023-10-14T00:00:00Z"),
        debian_record("CVE-2024-22365", "pam", "1.5.2-6+deb12u1", "2024-01-18T00:00:00Z"),
    ]);
    let packages = inventory(vec![deb("libpam0g", "1.5.2-6", Some("pam"), 0), deb("zlib1g", "1:1.2.13.dfsg-1", Some("zlib"), 0)]);
    let base = scan("v1", "one", &packages, &old, 0);
    let target = scan("v1", "one", &packages, &new, 1);

    let explained = explain(&base, &target, Some(DiffSnapshots { base: &old, target: &new }));

    assert!(explained.rematched);
    assert_eq!(common::ids(&explained.diff.introduced), ["CVE-2024-22365 libpam0g"]);
    let attribution = find(&explained, true, "CVE-2024-22365", "libpam0g");
    assert_eq!(attribution.cause, Cause::AdvisoryPublished);
    assert_eq!(attribution.advisory_ids, ["DEBIAN-CVE-2024-22365"]);
}

#[test]
fn advisory_published_beats_package_change() {
    // The base's openssl is also below the new fix, so the old image gets the finding under the
    // new snapshot: the advisory, not the upgrade, brought it.
    let old = snapshot(&[]);
    let new = snapshot(&[debian_record("CVE-2024-5535", "openssl", "3.0.14-1~deb12u1", "2024-06-27T00:00:00Z")]);
    let base = scan("v1", "one", &inventory(vec![deb("libssl3", "3.0.9-1", Some("openssl"), 0)]), &old, 0);
    let target = scan("v2", "two", &inventory(vec![deb("libssl3", "3.0.11-1~deb12u2", Some("openssl"), 0)]), &new, 1);

    let explained = explain(&base, &target, Some(DiffSnapshots { base: &old, target: &new }));
    assert_eq!(find(&explained, true, "CVE-2024-5535", "libssl3").cause, Cause::AdvisoryPublished);
}

#[test]
fn package_change_beats_new_advisory() {
    // The advisory is new, but the base's fixed openssl is outside its range: without the
    // downgrade the image would not have the finding.
    let old = snapshot(&[]);
    let new = snapshot(&[debian_record("CVE-2024-5535", "openssl", "3.0.14-1~deb12u1", "2024-06-27T00:00:00Z")]);
    let base = scan("v1", "one", &inventory(vec![deb("libssl3", "3.0.14-1~deb12u1", Some("openssl"), 0)]), &old, 0);
    let target = scan("v2", "two", &inventory(vec![deb("libssl3", "3.0.11-1~deb12u2", Some("openssl"), 0)]), &new, 1);

    let explained = explain(&base, &target, Some(DiffSnapshots { base: &old, target: &new }));
    assert_eq!(find(&explained, true, "CVE-2024-5535", "libssl3").cause, Cause::PackageDowngraded);
}

#[test]
fn advisory_changed_range() {
    // The first record names 1:1.2.13.dfsg-1 as the fix. The corrected one moves the fix up.
    let old = snapshot(&[debian_record("CVE-2023-45853", "zlib", "1:1.2.13.dfsg-1", "2023-10-14T00:00:00Z")]);
    let new = snapshot(&[debian_record("CVE-2023-45853", "zlib", "1:1.2.13.dfsg-1+deb12u1", "2023-10-14T00:00:00Z")]);
    let packages = inventory(vec![deb("zlib1g", "1:1.2.13.dfsg-1", Some("zlib"), 0)]);
    let base = scan("v1", "one", &packages, &old, 0);
    let target = scan("v1", "one", &packages, &new, 1);

    let widened = explain(&base, &target, Some(DiffSnapshots { base: &old, target: &new }));
    let attribution = find(&widened, true, "CVE-2023-45853", "zlib1g");
    assert_eq!(attribution.cause, Cause::AdvisoryChanged);
    assert_eq!(attribution.advisory_ids, ["DEBIAN-CVE-2023-45853"]);

    let narrowed = explain(&target, &base, Some(DiffSnapshots { base: &new, target: &old }));
    assert_eq!(find(&narrowed, false, "CVE-2023-45853", "zlib1g").cause, Cause::AdvisoryChanged);
}

#[test]
fn advisory_withdrawn() {
    let old = snapshot(&pyyaml_records());
    let new = snapshot(&pyyaml_records()[1..]);
    let packages = inventory(vec![pypi("PyYAML", "5.3", 1)]);
    let base = scan("v1", "one", &packages, &old, 0);
    let target = scan("v1", "one", &packages, &new, 1);

    let explained = explain(&base, &target, Some(DiffSnapshots { base: &old, target: &new }));
    assert_eq!(common::ids(&explained.diff.fixed), ["CVE-2020-14343 PyYAML"]);
    let attribution = find(&explained, false, "CVE-2020-14343", "PyYAML");
    assert_eq!(attribution.cause, Cause::AdvisoryWithdrawn);
    assert_eq!(attribution.advisory_ids, ["PYSEC-2021-142"]);
}

#[test]
fn missing_snapshots_give_unknown() {
    let old = snapshot(&[]);
    let new = snapshot(&pyyaml_records());
    let packages = inventory(vec![pypi("PyYAML", "5.3", 1)]);
    let base = scan("v1", "one", &packages, &old, 0);
    let target = scan("v1", "one", &packages, &new, 1);

    let explained = explain(&base, &target, None);
    assert!(!explained.rematched);
    assert_eq!(explained.introduced.len(), 2);
    assert!(explained.introduced.iter().all(|a| a.cause == Cause::Unknown), "{:?}", explained.introduced);
}

#[test]
fn cause_counts_cover_every_cause() {
    let advisories = snapshot(&pyyaml_records());
    let base = scan("v1", "one", &inventory(vec![pypi("PyYAML", "5.3", 1)]), &advisories, 0);
    let target = scan("v2", "two", &inventory(vec![pypi("PyYAML", "5.4", 1)]), &advisories, 1);

    let counts = explain(&base, &target, None).cause_counts();
    assert_eq!(counts.len(), Cause::ALL.len());
    assert_eq!(counts[&Cause::PackageUpgraded], 2);
    assert_eq!(counts[&Cause::ExceptionAdded], 0, "exceptions are not produced yet");
    assert_eq!(counts.values().sum::<usize>(), 2);
}

#[test]
fn reintroduced_after_leaving_line() {
    let advisories = snapshot(&pyyaml_records());
    let v1 = scan("v1", "one", &inventory(vec![pypi("PyYAML", "5.3", 1)]), &advisories, 0);
    let v2 = scan("v2", "two", &inventory(vec![pypi("PyYAML", "5.4", 1)]), &advisories, 1);
    let v3 = scan("v3", "three", &inventory(vec![pypi("PyYAML", "5.3", 2)]), &advisories, 2);
    let scans = [v3.clone(), v2.clone(), v1.clone()];
    let line = Line::from_newest_first(&scans);

    let back = ExplainedDiff::explain(&v2, &v3, None, Some(&line));
    assert_eq!(back.introduced.len(), 2);
    for attribution in &back.introduced {
        assert_eq!(attribution.cause, Cause::PackageDowngraded);
        assert!(attribution.reintroduced, "v1 had it and v2 lost it");
    }

    let left = ExplainedDiff::explain(&v1, &v2, None, Some(&line));
    assert!(left.fixed.iter().all(|a| !a.reintroduced));

    // In a line that contains only v1 and v3, the vulnerability never left, so it did not come back.
    let unbroken = ExplainedDiff::explain(&v2, &v3, None, Some(&Line::from_oldest_first(vec![&v1, &v3])));
    assert!(unbroken.introduced.iter().all(|a| !a.reintroduced), "without v2 the line never lost it");
}

/// Writes a Debian record of `release` affecting source package `source` from `introduced` up to `fixed`.
fn debian_range_record(cve: &str, release: &str, source: &str, introduced: &str, fixed: &str) -> String {
    serde_json::json!({
        "id": format!("DEBIAN-{cve}-{release}"),
        "aliases": [cve],
        "published": "2024-01-01T00:00:00Z",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [{
            "package": {"ecosystem": format!("Debian:{release}"), "name": source},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": introduced}, {"fixed": fixed}]}]
        }]
    })
    .to_string()
}

/// Builds an inventory of Debian `release` with these packages.
fn release_inventory(release: &str, packages: Vec<scantrail_model::Package>) -> scantrail_model::Inventory {
    let mut inventory = inventory(packages);
    inventory.os.as_mut().unwrap().version_id = Some(release.to_string());
    inventory
}

#[test]
fn package_upgraded_into_range() {
    // 1.36.0 introduced the vulnerability, so the upgrade from 1.35.0 is the regression.
    let advisories = snapshot(&[debian_range_record("CVE-2024-0001", "12", "busybox", "1:1.36.0", "1:1.36.1-3")]);
    let old = inventory(vec![deb("busybox", "1:1.35.0-4", None, 0)]);
    let new = inventory(vec![deb("busybox", "1:1.36.1-1", None, 2)]);
    let base = scan("v1", "one", &old, &advisories, 0);
    let target = scan("v2", "two", &new, &advisories, 1);

    let upgraded = explain(&base, &target, None);
    let attribution = find(&upgraded, true, "CVE-2024-0001", "busybox");
    assert_eq!(attribution.cause, Cause::PackageUpgraded);
    assert_eq!(attribution.base_versions, ["1:1.35.0-4"]);
    assert_eq!(attribution.target_versions, ["1:1.36.1-1"]);

    // Going back below the introducing version fixes it by a downgrade.
    let downgraded = explain(&target, &base, None);
    assert_eq!(find(&downgraded, false, "CVE-2024-0001", "busybox").cause, Cause::PackageDowngraded);
}

#[test]
fn os_release_change_beats_package_upgrade() {
    // Debian 11's record lists busybox as fixed before either version; Debian 12's record
    // affects both. The upgrade did not bring the finding, the release change did.
    let advisories = snapshot(&[
        debian_range_record("CVE-2024-0002", "11", "busybox", "0", "1:1.30.0-1"),
        debian_range_record("CVE-2024-0002", "12", "busybox", "0", "1:1.36.1-9"),
    ]);
    let old = release_inventory("11", vec![deb("busybox", "1:1.30.1-6", None, 0)]);
    let new = release_inventory("12", vec![deb("busybox", "1:1.35.0-4", None, 0)]);
    let base = scan("v1", "one", &old, &advisories, 0);
    let target = scan("v2", "two", &new, &advisories, 1);
    let both = Some(DiffSnapshots { base: &advisories, target: &advisories });

    let forward = explain(&base, &target, both);
    let change = forward.os_release_change.as_ref().expect("release changed");
    assert_eq!(change.from.as_deref(), Some("debian 11"));
    assert_eq!(change.to.as_deref(), Some("debian 12"));
    let attribution = find(&forward, true, "CVE-2024-0002", "busybox");
    assert_eq!(attribution.cause, Cause::OsReleaseChanged);

    let backward = explain(&target, &base, both);
    assert_eq!(find(&backward, false, "CVE-2024-0002", "busybox").cause, Cause::OsReleaseChanged);

    // Without a snapshot to re-match, the package change is all the diff can see.
    assert_eq!(find(&explain(&base, &target, None), true, "CVE-2024-0002", "busybox").cause, Cause::PackageUpgraded);
}

#[test]
fn package_upgrade_beats_os_release_change() {
    // Both releases' records affect only 1.36 and later: 1.35 is fine under either release.
    let advisories = snapshot(&[
        debian_range_record("CVE-2024-0003", "11", "busybox", "1:1.36.0", "1:1.36.1-9"),
        debian_range_record("CVE-2024-0003", "12", "busybox", "1:1.36.0", "1:1.36.1-9"),
    ]);
    let old = release_inventory("11", vec![deb("busybox", "1:1.35.0-4", None, 0)]);
    let new = release_inventory("12", vec![deb("busybox", "1:1.36.1-1", None, 0)]);
    let base = scan("v1", "one", &old, &advisories, 0);
    let target = scan("v2", "two", &new, &advisories, 1);

    let explained = explain(&base, &target, Some(DiffSnapshots { base: &advisories, target: &advisories }));
    assert!(explained.os_release_change.is_some());
    assert_eq!(find(&explained, true, "CVE-2024-0003", "busybox").cause, Cause::PackageUpgraded);
}
