mod common;

use std::cmp::Ordering;

use common::{assert_ascending, assert_equal, assert_invalid, assert_order};
use scantrail_version::{Semver, VersionScheme};

/// The precedence examples of SemVer 2.0.0, item 11 (semver.org).
#[test]
fn semver_spec_precedence_ascending() {
    assert_ascending(&Semver, &["1.0.0", "2.0.0", "2.1.0", "2.1.1"]);
    assert_ascending(
        &Semver,
        &[
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ],
    );
}

/// Pairs (greater, smaller) from npm/node-semver's test/fixtures/comparisons.js. The rows that
/// node-semver only accepts in loose mode are included because `Semver` strips the same prefixes.
const NODE_SEMVER_COMPARISONS: &[(&str, &str)] = &[
    ("0.0.0", "0.0.0-foo"),
    ("0.0.1", "0.0.0"),
    ("1.0.0", "0.9.9"),
    ("0.10.0", "0.9.0"),
    ("0.99.0", "0.10.0"),
    ("2.0.0", "1.2.3"),
    ("v0.0.0", "0.0.0-foo"),
    ("v0.0.1", "0.0.0"),
    ("v1.0.0", "0.9.9"),
    ("v0.10.0", "0.9.0"),
    ("v0.99.0", "0.10.0"),
    ("v2.0.0", "1.2.3"),
    ("0.0.0", "v0.0.0-foo"),
    ("0.0.1", "v0.0.0"),
    ("1.0.0", "v0.9.9"),
    ("0.10.0", "v0.9.0"),
    ("0.99.0", "v0.10.0"),
    ("2.0.0", "v1.2.3"),
    ("1.2.3", "1.2.3-asdf"),
    ("1.2.3", "1.2.3-4"),
    ("1.2.3", "1.2.3-4-foo"),
    ("1.2.3-5-foo", "1.2.3-5"),
    ("1.2.3-5", "1.2.3-4"),
    ("1.2.3-5-foo", "1.2.3-5-Foo"),
    ("3.0.0", "2.7.2+asdf"),
    ("1.2.3-a.10", "1.2.3-a.5"),
    ("1.2.3-a.b", "1.2.3-a.5"),
    ("1.2.3-a.b", "1.2.3-a"),
    ("1.2.3-a.b.c.10.d.5", "1.2.3-a.b.c.5.d.100"),
    ("1.2.3-r2", "1.2.3-r100"),
    ("1.2.3-r100", "1.2.3-R2"),
];

#[test]
fn semver_node_comparisons() {
    for &(greater, smaller) in NODE_SEMVER_COMPARISONS {
        assert_order(&Semver, greater, smaller, Ordering::Greater);
    }
}

/// Pairs from npm/node-semver's test/fixtures/equality.js: `v` and `=` prefixes, spaces around
/// them, and build metadata that precedence ignores.
const NODE_SEMVER_EQUALITY: &[(&str, &str)] = &[
    ("1.2.3", "v1.2.3"),
    ("1.2.3", "=1.2.3"),
    ("1.2.3", "v 1.2.3"),
    ("1.2.3", "= 1.2.3"),
    ("1.2.3", " v1.2.3"),
    ("1.2.3", " =1.2.3"),
    ("1.2.3", " v 1.2.3"),
    ("1.2.3", " = 1.2.3"),
    ("1.2.3-0", "v1.2.3-0"),
    ("1.2.3-0", "=1.2.3-0"),
    ("1.2.3-0", "v 1.2.3-0"),
    ("1.2.3-0", "= 1.2.3-0"),
    ("1.2.3-0", " v1.2.3-0"),
    ("1.2.3-0", " =1.2.3-0"),
    ("1.2.3-0", " v 1.2.3-0"),
    ("1.2.3-0", " = 1.2.3-0"),
    ("1.2.3-1", "v1.2.3-1"),
    ("1.2.3-1", "=1.2.3-1"),
    ("1.2.3-1", "v 1.2.3-1"),
    ("1.2.3-1", "= 1.2.3-1"),
    ("1.2.3-1", " v1.2.3-1"),
    ("1.2.3-1", " =1.2.3-1"),
    ("1.2.3-1", " v 1.2.3-1"),
    ("1.2.3-1", " = 1.2.3-1"),
    ("1.2.3-beta", "v1.2.3-beta"),
    ("1.2.3-beta", "=1.2.3-beta"),
    ("1.2.3-beta", "v 1.2.3-beta"),
    ("1.2.3-beta", "= 1.2.3-beta"),
    ("1.2.3-beta", " v1.2.3-beta"),
    ("1.2.3-beta", " =1.2.3-beta"),
    ("1.2.3-beta", " v 1.2.3-beta"),
    ("1.2.3-beta", " = 1.2.3-beta"),
    ("1.2.3-beta+build", " = 1.2.3-beta+otherbuild"),
    ("1.2.3+build", " = 1.2.3+otherbuild"),
    ("1.2.3-beta+build", "1.2.3-beta+otherbuild"),
    ("1.2.3+build", "1.2.3+otherbuild"),
    ("  v1.2.3+build", "1.2.3+otherbuild"),
];

#[test]
fn semver_node_equality() {
    for &(a, b) in NODE_SEMVER_EQUALITY {
        assert_equal(&Semver, a, b);
    }
}

/// Pre-releases take part in ordering like any other version. npm's range rule that hides them
/// does not apply to `compare`.
#[test]
fn semver_prerelease_between_releases() {
    assert_ascending(
        &Semver,
        &["1.0.0", "1.0.1-alpha", "1.0.1-rc.1", "1.0.1", "1.1.0-0"],
    );
}

/// Invalid inputs: junk from node-semver's test/fixtures/invalid-versions.js, and forms that
/// SemVer 2.0.0 forbids (missing parts, leading zeros, empty identifiers).
#[test]
fn semver_rejects_invalid() {
    let invalid = [
        "",
        "   ",
        "v",
        "hello, world",
        "xyz",
        "1.2",
        "1",
        "01.2.3",
        "1.02.3",
        "1.2.3-01",
        "1.2.3-",
        "1.2.3-a..b",
        "1.2.3+",
        "1.2.3.4",
        "1.2.3 4",
    ];
    for version in invalid {
        assert_invalid(&Semver, version);
    }
}

#[test]
fn semver_validate_accepts_npm_prefixes() {
    for version in ["v1.2.3", "=1.2.3", " =v1.2.3 ", "1.2.3-rc.1+build.5"] {
        assert_eq!(Semver.validate(version), Ok(()), "{version:?}");
    }
}
