use scantrail_model::Ecosystem;
use scantrail_version::{max_version, scheme_by_name, scheme_for, Pep440, Semver, VersionError};

#[test]
fn scheme_for_known_ecosystems() {
    let expected = [
        (Ecosystem::Debian, "dpkg"),
        (Ecosystem::Ubuntu, "dpkg"),
        (Ecosystem::PyPI, "pep440"),
        (Ecosystem::Npm, "semver"),
        (Ecosystem::Alpine, "apk"),
        (Ecosystem::RedHat, "rpm"),
        (Ecosystem::RockyLinux, "rpm"),
        (Ecosystem::AlmaLinux, "rpm"),
        (Ecosystem::Suse, "rpm"),
        (Ecosystem::OpenSuse, "rpm"),
        (Ecosystem::Maven, "maven"),
        (Ecosystem::Go, "go"),
        (Ecosystem::CratesIo, "semver"),
    ];
    for (ecosystem, name) in expected {
        let scheme = scheme_for(ecosystem).expect("scheme for a supported ecosystem");
        assert_eq!(scheme.name(), name, "{ecosystem:?}");
    }
}

#[test]
fn crates_io_versions_order_by_precedence() {
    // Versions from RustSec advisories for the openssl crate and a pre-release of tokio.
    let scheme = scheme_for(Ecosystem::CratesIo).unwrap();
    let ordered = ["0.10.9", "0.10.38", "0.10.55", "0.10.60", "1.0.0-alpha.1", "1.0.0"];
    for pair in ordered.windows(2) {
        assert_eq!(scheme.compare(pair[0], pair[1]), Ok(std::cmp::Ordering::Less), "{pair:?}");
    }
}

#[test]
fn scheme_by_name_round_trips() {
    for name in ["apk", "dpkg", "go", "maven", "pep440", "rpm", "semver"] {
        let scheme = scheme_by_name(name).expect("scheme for a known name");
        assert_eq!(scheme.name(), name);
    }
    assert!(scheme_by_name("cargo").is_none());
    assert!(scheme_by_name("DPKG").is_none());
}

#[test]
fn max_version_picks_greatest() {
    let versions = ["1.0.0-rc.1", "1.0.0", "0.9.9", "1.0.0+build"];
    assert_eq!(max_version(&Semver, versions), Ok(Some("1.0.0")));

    let versions = ["1.0", "1.0.post1", "1!0.1", "2.0"];
    assert_eq!(max_version(&Pep440, versions), Ok(Some("1!0.1")));
}

#[test]
fn max_version_empty_is_none() {
    assert_eq!(max_version(&Semver, []), Ok(None));
}

#[test]
fn max_version_rejects_invalid() {
    let result = max_version(&Semver, ["1.0.0", "not-a-version"]);
    let Err(VersionError::Invalid {
        scheme, version, ..
    }) = result
    else {
        panic!("expected an invalid-version error, got {result:?}");
    };
    assert_eq!(scheme, "semver");
    assert_eq!(version, "not-a-version");
}
