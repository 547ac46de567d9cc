//! Matching inventories against snapshots built in the tests.

use scantrail_advisory::{Advisory, Affected, Event, Range, RangeKind, SeverityScore, Snapshot};
use scantrail_matcher::{match_inventory, AdvisoryIndex};
use scantrail_model::{Digest, Ecosystem, Finding, FindingStatus, Inventory, OsRelease, Package, Severity};

const CRITICAL_VECTOR: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

fn introduced(v: &str) -> Event {
    Event::Introduced(v.to_string())
}
fn fixed(v: &str) -> Event {
    Event::Fixed(v.to_string())
}
fn last_affected(v: &str) -> Event {
    Event::LastAffected(v.to_string())
}
fn limit(v: &str) -> Event {
    Event::Limit(v.to_string())
}

fn range(kind: RangeKind, events: Vec<Event>) -> Range {
    Range { kind, events }
}

fn affected(ecosystem: &str, name: &str, ranges: Vec<Range>, versions: &[&str]) -> Affected {
    Affected {
        ecosystem: ecosystem.to_string(),
        name: name.to_string(),
        purl: None,
        ranges,
        versions: versions.iter().map(|v| v.to_string()).collect(),
        severity: Vec::new(),
        database_severity: None,
        vendor_status: None,
    }
}

fn advisory(id: &str, aliases: &[&str], affected: Vec<Affected>) -> Advisory {
    Advisory {
        id: id.to_string(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        published: None,
        modified: None,
        summary: None,
        severity: Vec::new(),
        database_severity: None,
        affected,
    }
}

fn package(ecosystem: Ecosystem, name: &str, version: &str) -> Package {
    Package {
        ecosystem,
        name: name.to_string(),
        version: version.to_string(),
        source_name: None,
        source_version: None,
        purl: format!("pkg:{}/{name}@{version}", ecosystem.as_str().to_lowercase()),
        path: format!("/app/{name}"),
        layer: None,
    }
}

fn inventory(version_id: Option<&str>, packages: Vec<Package>) -> Inventory {
    let os = version_id.map(|v| OsRelease { id: "debian".into(), version_id: Some(v.into()), ..Default::default() });
    Inventory { os, packages }
}

fn ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.vulnerability_id.as_str()).collect()
}

/// One range case: a record for `ecosystem` package `x` and the installed version to test.
struct Case {
    ecosystem: Ecosystem,
    ranges: Vec<Range>,
    versions: &'static [&'static str],
    installed: &'static str,
    /// `None` when the version must not be affected, else the expected fixed versions.
    expected: Option<&'static [&'static str]>,
}

fn case(ecosystem: Ecosystem, events: Vec<Event>, installed: &'static str, expected: Option<&'static [&'static str]>) -> Case {
    Case { ecosystem, ranges: vec![range(RangeKind::Ecosystem, events)], versions: &[], installed, expected }
}

#[test]
fn range_cases_per_scheme() {
    use Ecosystem::{Debian, Npm, PyPI};
    let two_branches = || vec![introduced("1.0.0"), fixed("1.2.5"), introduced("2.0.0"), fixed("2.1.3")];
    let two_branches_unsorted = || vec![fixed("2.1.3"), introduced("2.0.0"), fixed("1.2.5"), introduced("1.0.0")];
    let cases = vec![
        // dpkg: `~` sorts before the end of a version (242~rc1 < 242), and no epoch is epoch 0.
        case(Debian, vec![introduced("0"), fixed("242-1")], "241-5", Some(&["242-1"])),
        case(Debian, vec![introduced("0"), fixed("242-1")], "242-1", None),
        case(Debian, vec![introduced("0"), fixed("242-1")], "242~rc1-1", Some(&["242-1"])),
        case(Debian, vec![introduced("0"), fixed("242-1")], "252.39-1~deb12u2", None),
        case(Debian, vec![introduced("0"), fixed("1:2.0-1")], "2.5-1", Some(&["1:2.0-1"])),
        case(Debian, vec![introduced("0"), fixed("3.0.13-1~deb12u1")], "3.0.13-1", None),
        // PEP 440: pre-releases precede the release, and 5.4.0 equals 5.4.
        case(PyPI, vec![introduced("0"), fixed("5.4")], "5.3.1", Some(&["5.4"])),
        case(PyPI, vec![introduced("0"), fixed("5.4")], "5.4b1", Some(&["5.4"])),
        case(PyPI, vec![introduced("0"), fixed("5.4")], "5.4.0", None),
        case(PyPI, vec![introduced("5.1"), fixed("5.2b1")], "5.0", None),
        case(PyPI, vec![introduced("5.1"), fixed("5.2b1")], "5.1.2", Some(&["5.2b1"])),
        case(PyPI, vec![introduced("0"), last_affected("2.0")], "2.0", Some(&[])),
        case(PyPI, vec![introduced("0"), last_affected("2.0")], "2.0.post1", None),
        // SemVer: a pre-release between introduced and fixed is affected.
        case(Npm, vec![introduced("1.0.0"), fixed("1.2.0")], "1.2.0-rc.1", Some(&["1.2.0"])),
        case(Npm, vec![introduced("1.0.0"), fixed("1.2.0")], "1.0.0-rc.1", None),
        case(Npm, vec![introduced("0"), fixed("4.17.21")], "4.17.15", Some(&["4.17.21"])),
        case(Npm, vec![introduced("0"), fixed("4.17.21")], "4.17.21", None),
        // Two affected intervals in one range. Fixes below the installed version are not listed.
        case(Npm, two_branches(), "0.9.0", None),
        case(Npm, two_branches(), "1.1.0", Some(&["1.2.5", "2.1.3"])),
        case(Npm, two_branches(), "1.5.0", None),
        case(Npm, two_branches(), "2.1.0", Some(&["2.1.3"])),
        case(Npm, two_branches_unsorted(), "1.5.0", None),
        case(Npm, two_branches_unsorted(), "2.1.0", Some(&["2.1.3"])),
        // A limit bounds the range from above without being a fix.
        case(Npm, vec![introduced("0"), limit("2.0.0")], "1.9.9", Some(&[])),
        case(Npm, vec![introduced("0"), limit("2.0.0")], "2.0.0", None),
        case(Npm, vec![introduced("0"), limit("*")], "9.0.0", Some(&[])),
        // node-fetch's real GHSA record states introduced 3.0.0 and fixed 1.0.0. Evaluated in
        // version order, that range affects 3.0.0 and later.
        case(Npm, vec![introduced("3.0.0"), fixed("1.0.0")], "2.6.0", None),
        case(Npm, vec![introduced("3.0.0"), fixed("1.0.0")], "3.1.0", Some(&[])),
        // A range with an invalid version is skipped instead of failing the scan.
        case(Npm, vec![introduced("0"), fixed("not-a-version")], "1.0.0", None),
        case(PyPI, vec![introduced("0"), fixed("5.4")], "not a version!", None),
        Case {
            ecosystem: Npm,
            ranges: vec![range(RangeKind::Ecosystem, vec![introduced("0"), fixed("1.0.5")]), range(RangeKind::Ecosystem, vec![introduced("2.0.0"), fixed("2.0.3")])],
            versions: &[],
            installed: "2.0.1",
            expected: Some(&["2.0.3"]),
        },
        Case {
            ecosystem: PyPI,
            ranges: vec![range(RangeKind::Semver, vec![introduced("0"), fixed("1.4.0")])],
            versions: &[],
            installed: "1.3.0",
            expected: Some(&["1.4.0"]),
        },
        // Explicit versions: listed ones match (also when equal under the scheme), others do not.
        Case { ecosystem: PyPI, ranges: vec![], versions: &["5.3", "5.1.2"], installed: "5.3", expected: Some(&[]) },
        Case { ecosystem: PyPI, ranges: vec![], versions: &["5.3", "5.1.2"], installed: "5.3.0", expected: Some(&[]) },
        Case { ecosystem: PyPI, ranges: vec![], versions: &["5.3", "5.1.2"], installed: "5.3.1", expected: None },
        Case { ecosystem: PyPI, ranges: vec![], versions: &["2004d"], installed: "2004d", expected: Some(&[]) },
        // GIT ranges name commits, which installed packages do not have.
        Case {
            ecosystem: Npm,
            ranges: vec![range(RangeKind::Git, vec![introduced("0"), fixed("a001f2782501ad2d24986959f0239a354675f9dc")])],
            versions: &[],
            installed: "1.0.0",
            expected: None,
        },
    ];

    for (index, case) in cases.into_iter().enumerate() {
        let ecosystem = match case.ecosystem {
            Ecosystem::Debian => "Debian:12",
            other => other.as_str(),
        };
        let record = advisory("TEST-1", &[], vec![affected(ecosystem, "x", case.ranges, case.versions)]);
        let snapshot = Snapshot::new(vec![record]);
        let findings = match_inventory(&inventory(Some("12"), vec![package(case.ecosystem, "x", case.installed)]), &snapshot);

        let label = format!("case {index}: {} {}", case.ecosystem, case.installed);
        match case.expected {
            None => assert!(findings.is_empty(), "{label}: expected no finding, got {findings:?}"),
            Some(expected_fixed) => {
                assert_eq!(findings.len(), 1, "{label}: expected one finding");
                assert_eq!(findings[0].fixed_versions, expected_fixed, "{label}: fixed versions");
                let status = if expected_fixed.is_empty() { FindingStatus::Affected } else { FindingStatus::Fixed };
                assert_eq!(findings[0].status, status, "{label}: status");
            }
        }
    }
}

/// openssl CVE-2023-5678, fixed in Debian 12 in 3.0.13-1~deb12u1.
fn openssl_debian12() -> Advisory {
    advisory(
        "DEBIAN-CVE-2023-5678",
        &["CVE-2023-5678"],
        vec![affected("Debian:12", "openssl", vec![range(RangeKind::Ecosystem, vec![introduced("0"), fixed("3.0.13-1~deb12u1")])], &[])],
    )
}

/// A Debian 11 record for openssl with a made-up fix version above every installed version, so
/// only the release check keeps it from matching a Debian 12 image.
fn openssl_debian11() -> Advisory {
    advisory(
        "DEBIAN-TEST-11",
        &[],
        vec![affected("Debian:11", "openssl", vec![range(RangeKind::Ecosystem, vec![introduced("0"), fixed("9.9.9-1")])], &[])],
    )
}

fn libssl3(version: &str) -> Package {
    let mut libssl3 = package(Ecosystem::Debian, "libssl3", version);
    libssl3.source_name = Some("openssl".into());
    libssl3.layer = Some(Digest::sha256_of(b"layer"));
    libssl3
}

#[test]
fn debian_matches_source_package_of_release() {
    let snapshot = Snapshot::new(vec![openssl_debian12(), openssl_debian11()]);

    let findings = match_inventory(&inventory(Some("12"), vec![libssl3("3.0.11-1~deb12u2")]), &snapshot);

    assert_eq!(ids(&findings), ["CVE-2023-5678"]);
    let finding = &findings[0];
    assert_eq!(finding.package.name, "libssl3");
    assert_eq!(finding.aliases, ["DEBIAN-CVE-2023-5678"]);
    assert_eq!(finding.advisory_ids, ["DEBIAN-CVE-2023-5678"]);
    assert_eq!(finding.fixed_versions, ["3.0.13-1~deb12u1"]);
    assert_eq!(finding.status, FindingStatus::Fixed);
    assert_eq!(finding.layer, Some(Digest::sha256_of(b"layer")));
}

#[test]
fn debian_compares_source_version() {
    let snapshot = Snapshot::new(vec![openssl_debian12()]);
    // A binary rebuilt with its own version (binNMU) keeps the source version it was built from.
    let mut rebuilt = libssl3("3.0.13-1~deb12u1+b1");
    rebuilt.source_version = Some("3.0.11-1~deb12u2".into());

    let findings = match_inventory(&inventory(Some("12"), vec![rebuilt]), &snapshot);

    assert_eq!(ids(&findings), ["CVE-2023-5678"]);
}

#[test]
fn debian_release_11_matches_only_its_records() {
    let snapshot = Snapshot::new(vec![openssl_debian12(), openssl_debian11()]);
    let findings = match_inventory(&inventory(Some("11"), vec![libssl3("1.1.1w-0+deb11u1")]), &snapshot);
    assert_eq!(ids(&findings), ["DEBIAN-TEST-11"]);
}

#[test]
fn debian_without_os_release_is_not_matched() {
    let snapshot = Snapshot::new(vec![openssl_debian12()]);
    let findings = match_inventory(&inventory(None, vec![libssl3("3.0.11-1~deb12u2")]), &snapshot);
    assert!(findings.is_empty(), "{findings:?}");
}

/// PyYAML CVE-2020-14343 as the PyPA database (PYSEC, no severity) and GitHub (GHSA, CVSS 3.1
/// vector rated critical) publish it.
fn pyyaml_records() -> Vec<Advisory> {
    let ranges = || vec![range(RangeKind::Ecosystem, vec![introduced("0"), fixed("5.4")])];
    let pysec = advisory("PYSEC-2021-142", &["CVE-2020-14343"], vec![affected("PyPI", "pyyaml", ranges(), &["5.3.1"])]);
    let mut ghsa = advisory("GHSA-8q59-q68h-6hv4", &["CVE-2020-14343"], vec![affected("PyPI", "PyYAML", ranges(), &[])]);
    ghsa.summary = Some("Improper Input Validation in PyYAML".into());
    ghsa.severity = vec![SeverityScore { kind: "CVSS_V3".into(), score: CRITICAL_VECTOR.into() }];
    vec![pysec, ghsa]
}

#[test]
fn pypi_aliases_merge_into_one_finding() {
    let snapshot = Snapshot::new(pyyaml_records());

    let findings = match_inventory(&inventory(None, vec![package(Ecosystem::PyPI, "PyYAML", "5.3")]), &snapshot);

    assert_eq!(findings.len(), 1, "{findings:?}");
    let finding = &findings[0];
    assert_eq!(finding.vulnerability_id, "CVE-2020-14343");
    assert_eq!(finding.aliases, ["GHSA-8q59-q68h-6hv4", "PYSEC-2021-142"]);
    assert_eq!(finding.advisory_ids, ["GHSA-8q59-q68h-6hv4", "PYSEC-2021-142"]);
    assert_eq!(finding.fixed_versions, ["5.4"]);
    assert_eq!(finding.status, FindingStatus::Fixed);
    assert_eq!(finding.severity, Severity::Critical);
    assert_eq!(finding.severity_source.as_deref(), Some("CVSS_V3"));
    assert_eq!(finding.cvss_v3_vector.as_deref(), Some(CRITICAL_VECTOR));
    assert_eq!(finding.summary.as_deref(), Some("Improper Input Validation in PyYAML"));
}

#[test]
fn pypi_names_are_pep503_normalized() {
    let snapshot = Snapshot::new(pyyaml_records());
    let packages = vec![
        package(Ecosystem::PyPI, "pyyaml", "5.3"),
        package(Ecosystem::PyPI, "PyYAML", "5.3"),
        package(Ecosystem::PyPI, "py_yaml", "5.3"),
    ];

    let findings = match_inventory(&inventory(None, packages), &snapshot);

    let names: Vec<&str> = findings.iter().map(|f| f.package.name.as_str()).collect();
    assert_eq!(names, ["PyYAML", "pyyaml"], "py_yaml normalizes to py-yaml, another project");
}

#[test]
fn npm_names_compare_exactly() {
    let record = advisory(
        "GHSA-35jh-r3h4-6jhm",
        &["CVE-2021-23337"],
        vec![affected("npm", "lodash", vec![range(RangeKind::Ecosystem, vec![introduced("0"), fixed("4.17.21")])], &[])],
    );
    let snapshot = Snapshot::new(vec![record]);
    let packages = vec![package(Ecosystem::Npm, "lodash", "4.17.15"), package(Ecosystem::Npm, "Lodash", "4.17.15")];

    let findings = match_inventory(&inventory(None, packages), &snapshot);

    let names: Vec<&str> = findings.iter().map(|f| f.package.name.as_str()).collect();
    assert_eq!(names, ["lodash"]);
}

#[test]
fn aliases_merge_transitively() {
    let ranges = || vec![range(RangeKind::Ecosystem, vec![introduced("0"), fixed("2.0.0")])];
    // A and B share no id; C names both, so all three are one vulnerability.
    let snapshot = Snapshot::new(vec![
        advisory("TEST-A", &["OTHER-1"], vec![affected("npm", "x", ranges(), &[])]),
        advisory("TEST-B", &["OTHER-2"], vec![affected("npm", "x", ranges(), &[])]),
        advisory("TEST-C", &["OTHER-1", "OTHER-2"], vec![affected("npm", "x", ranges(), &[])]),
        advisory("TEST-D", &[], vec![affected("npm", "x", ranges(), &[])]),
    ]);

    let findings = match_inventory(&inventory(None, vec![package(Ecosystem::Npm, "x", "1.0.0")]), &snapshot);

    assert_eq!(ids(&findings), ["TEST-A", "TEST-D"]);
    assert_eq!(findings[0].aliases, ["OTHER-1", "OTHER-2", "TEST-B", "TEST-C"]);
    assert_eq!(findings[0].advisory_ids, ["TEST-A", "TEST-B", "TEST-C"]);
}

#[test]
fn two_cves_use_smallest_advisory_id() {
    let ranges = || vec![range(RangeKind::Ecosystem, vec![introduced("0"), fixed("2.0.0")])];
    let snapshot = Snapshot::new(vec![advisory(
        "GHSA-test-0002",
        &["CVE-2020-0001", "CVE-2020-0002"],
        vec![affected("npm", "x", ranges(), &[])],
    )]);

    let findings = match_inventory(&inventory(None, vec![package(Ecosystem::Npm, "x", "1.0.0")]), &snapshot);

    assert_eq!(ids(&findings), ["GHSA-test-0002"]);
    assert_eq!(findings[0].aliases, ["CVE-2020-0001", "CVE-2020-0002"]);
}

#[test]
fn findings_sorted_by_severity_then_id() {
    let ranges = || vec![range(RangeKind::Ecosystem, vec![introduced("0"), fixed("2.0.0")])];
    let mut high = advisory("TEST-B", &[], vec![affected("npm", "x", ranges(), &[])]);
    high.database_severity = Some("HIGH".into());
    let mut low = advisory("TEST-A", &[], vec![affected("npm", "x", ranges(), &[])]);
    low.database_severity = Some("LOW".into());
    let unknown = advisory("TEST-0", &[], vec![affected("npm", "x", ranges(), &[])]);
    let mut moderate = advisory("TEST-C", &[], vec![affected("npm", "y", ranges(), &[])]);
    moderate.database_severity = Some("MODERATE".into());
    let snapshot = Snapshot::new(vec![unknown, low, high, moderate]);
    let packages = vec![package(Ecosystem::Npm, "y", "1.0.0"), package(Ecosystem::Npm, "x", "1.0.0")];

    let findings = match_inventory(&inventory(None, packages), &snapshot);

    assert_eq!(ids(&findings), ["TEST-B", "TEST-C", "TEST-A", "TEST-0"]);
    assert_eq!(findings[1].severity, Severity::Medium);
}

#[test]
fn withdrawn_record_never_matches() {
    let dir = tempfile::tempdir().unwrap();
    let record = r#"{"id": "GHSA-27h2-hvpr-p74q", "withdrawn": "2023-01-27T21:51:55Z", "aliases": ["CVE-2022-23529"],
        "affected": [{"package": {"ecosystem": "npm", "name": "jsonwebtoken"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.0.0"}]}]}]}"#;
    std::fs::write(dir.path().join("GHSA-27h2-hvpr-p74q.json"), record).unwrap();
    let loaded = scantrail_advisory::load_paths(&[dir.path().to_path_buf()]).unwrap();
    let snapshot = Snapshot::new(loaded.advisories);

    let findings = match_inventory(&inventory(None, vec![package(Ecosystem::Npm, "jsonwebtoken", "8.5.1")]), &snapshot);

    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn index_reused_across_inventories() {
    let snapshot = Snapshot::new(pyyaml_records());
    let index = AdvisoryIndex::new(&snapshot);

    let old = index.match_inventory(&inventory(None, vec![package(Ecosystem::PyPI, "PyYAML", "5.3")]));
    let new = index.match_inventory(&inventory(None, vec![package(Ecosystem::PyPI, "PyYAML", "5.4")]));

    assert_eq!(ids(&old), ["CVE-2020-14343"]);
    assert!(new.is_empty(), "{new:?}");
    assert_eq!(index.snapshot().digest, snapshot.digest);
}

/// A Debian security tracker `open` entry: affected from the first version on, no fix yet,
/// urgency low, with an NVD-style CVSS record for the same CVE rated critical.
fn tiff_open_records() -> Vec<Advisory> {
    let mut tracker = advisory(
        "DEBIAN-TRACKER-CVE-2023-3164",
        &["CVE-2023-3164"],
        vec![affected("Debian:12", "tiff", vec![range(RangeKind::Ecosystem, vec![introduced("0")])], &[])],
    );
    tracker.affected[0].severity = vec![SeverityScore { kind: "Debian".into(), score: "low".into() }];
    tracker.affected[0].vendor_status = Some("no-dsa (Minor issue)".into());
    let mut nvd = advisory("CVE-2023-3164", &[], vec![]);
    nvd.severity = vec![SeverityScore { kind: "CVSS_V3".into(), score: CRITICAL_VECTOR.into() }];
    vec![tracker, nvd]
}

#[test]
fn open_entry_is_affected_without_fix() {
    let snapshot = Snapshot::new(tiff_open_records());
    let mut libtiff6 = package(Ecosystem::Debian, "libtiff6", "4.5.0-6+deb12u1");
    libtiff6.source_name = Some("tiff".into());

    let findings = match_inventory(&inventory(Some("12"), vec![libtiff6]), &snapshot);

    assert_eq!(ids(&findings), ["CVE-2023-3164"]);
    assert_eq!(findings[0].status, FindingStatus::Affected);
    assert!(findings[0].fixed_versions.is_empty());
}

#[test]
fn distribution_prefers_vendor_severity() {
    let snapshot = Snapshot::new(tiff_open_records());
    let mut libtiff6 = package(Ecosystem::Debian, "libtiff6", "4.5.0-6+deb12u1");
    libtiff6.source_name = Some("tiff".into());

    let findings = match_inventory(&inventory(Some("12"), vec![libtiff6]), &snapshot);

    // The NVD record has no affected entry, so it does not match on its own. Only the tracker
    // record matched, and it carries only its own urgency.
    let finding = &findings[0];
    assert_eq!(finding.severity, Severity::Low);
    assert_eq!(finding.severity_source.as_deref(), Some("Debian"));
    assert_eq!(finding.severities.len(), 1);
    assert_eq!(finding.severities[0].source, "debian");
    assert_eq!(finding.severities[0].kind, "vendor");
    assert_eq!(finding.cvss_v3_vector, None);
}

#[test]
fn vendor_severity_ranks_before_cvss_for_distribution() {
    let mut record = tiff_open_records().remove(0);
    record.severity = vec![SeverityScore { kind: "CVSS_V3".into(), score: CRITICAL_VECTOR.into() }];
    let snapshot = Snapshot::new(vec![record]);
    let mut libtiff6 = package(Ecosystem::Debian, "libtiff6", "4.5.0-6+deb12u1");
    libtiff6.source_name = Some("tiff".into());

    let findings = match_inventory(&inventory(Some("12"), vec![libtiff6]), &snapshot);

    let finding = &findings[0];
    assert_eq!(finding.severity, Severity::Low);
    assert_eq!(finding.severities.len(), 2);
    assert_eq!(finding.severities[0].kind, "vendor");
    assert_eq!(finding.severities[1].kind, "CVSS_V3");
    assert_eq!(finding.severities[1].source, "debian", "the record's database published the vector");
    assert_eq!(finding.severities[1].rating, Severity::Critical);
}

#[test]
fn language_package_prefers_cvss() {
    let mut record = advisory(
        "GHSA-test-0001",
        &["CVE-2099-0001"],
        vec![affected("npm", "left-pad", vec![range(RangeKind::Ecosystem, vec![introduced("0"), fixed("1.3.0")])], &[])],
    );
    record.severity = vec![
        SeverityScore { kind: "Ubuntu".into(), score: "low".into() },
        SeverityScore { kind: "CVSS_V3".into(), score: CRITICAL_VECTOR.into() },
    ];
    let snapshot = Snapshot::new(vec![record]);

    let findings = match_inventory(&inventory(None, vec![package(Ecosystem::Npm, "left-pad", "1.1.0")]), &snapshot);

    let finding = &findings[0];
    assert_eq!(finding.severity, Severity::Critical);
    assert_eq!(finding.severity_source.as_deref(), Some("CVSS_V3"));
    assert_eq!(finding.severities[0].source, "ghsa");
    assert_eq!(finding.cvss_v3_vector.as_deref(), Some(CRITICAL_VECTOR));
}

fn source_package(ecosystem: Ecosystem, name: &str, source: &str, version: &str) -> Package {
    let mut package = package(ecosystem, name, version);
    package.source_name = Some(source.into());
    package
}

fn fixed_record(id: &str, ecosystem: &str, name: &str, fixed_version: &str) -> Advisory {
    advisory(id, &[], vec![affected(ecosystem, name, vec![range(RangeKind::Ecosystem, vec![introduced("0"), fixed(fixed_version)])], &[])])
}

#[test]
fn alpine_matches_origin_of_minor_release() {
    let snapshot = Snapshot::new(vec![
        fixed_record("ALPINE-CVE-2024-0727", "Alpine:v3.19", "openssl", "3.1.4-r5"),
        fixed_record("ALPINE-OTHER-RELEASE", "Alpine:v3.18", "openssl", "3.1.4-r5"),
    ]);
    let installed = |version: &'static str| {
        let os = OsRelease { id: "alpine".into(), version_id: Some("3.19.1".into()), ..Default::default() };
        Inventory { os: Some(os), packages: vec![source_package(Ecosystem::Alpine, "libcrypto3", "openssl", version)] }
    };

    assert_eq!(ids(&match_inventory(&installed("3.1.4-r4"), &snapshot)), ["ALPINE-CVE-2024-0727"]);
    assert!(match_inventory(&installed("3.1.4-r5"), &snapshot).is_empty());
    assert_eq!(ids(&match_inventory(&installed("3.1.4_rc1-r0"), &snapshot)), ["ALPINE-CVE-2024-0727"]);
}

#[test]
fn red_hat_matches_enterprise_linux_stream() {
    let snapshot = Snapshot::new(vec![
        fixed_record("RHSA-2024:0001", "Red Hat:enterprise_linux:9::baseos", "openssl", "1:3.0.7-25.el9_3"),
        fixed_record("RHSA-2024:0002", "Red Hat:enterprise_linux:8::baseos", "openssl", "1:1.1.1k-12.el8_9"),
        fixed_record("RHSA-2024:0003", "Red Hat:rhel_eus:9.2::baseos", "openssl", "1:3.0.7-99.el9_2"),
    ]);
    let installed = |version: &'static str| {
        let os = OsRelease { id: "rhel".into(), version_id: Some("9.3".into()), ..Default::default() };
        Inventory { os: Some(os), packages: vec![source_package(Ecosystem::RedHat, "openssl-libs", "openssl", version)] }
    };

    assert_eq!(ids(&match_inventory(&installed("1:3.0.7-24.el9"), &snapshot)), ["RHSA-2024:0001"]);
    assert!(match_inventory(&installed("1:3.0.7-25.el9_3"), &snapshot).is_empty());
    // Without an epoch the installed version sorts below every epoch-1 fix.
    assert_eq!(ids(&match_inventory(&installed("3.0.7-27.el9"), &snapshot)), ["RHSA-2024:0001"]);
}

#[test]
fn rocky_linux_matches_major_release() {
    let snapshot = Snapshot::new(vec![fixed_record("RLSA-2024:0001", "Rocky Linux:8", "bash", "4.4.20-5.el8")]);
    let os = OsRelease { id: "rocky".into(), version_id: Some("8.9".into()), ..Default::default() };
    let inventory = Inventory { os: Some(os), packages: vec![package(Ecosystem::RockyLinux, "bash", "4.4.20-4.el8_6")] };

    assert_eq!(ids(&match_inventory(&inventory, &snapshot)), ["RLSA-2024:0001"]);
}
