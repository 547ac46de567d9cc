mod common;

use std::cmp::Ordering;

use common::{assert_ascending, assert_equal, assert_invalid, assert_order};
use scantrail_version::{Go, VersionScheme};

/// The `tests` table of `golang.org/x/mod/semver/semver_test.go`, as (input, canonical form).
/// An empty canonical form marks an invalid version. The Go test compares every pair: equal
/// canonical forms compare equal, otherwise the row order is the version order.
const SEMVER_TEST: &[(&str, &str)] = &[
    ("bad", ""),
    ("v1-alpha.beta.gamma", ""),
    ("v1-pre", ""),
    ("v1+meta", ""),
    ("v1-pre+meta", ""),
    ("v1.2-pre", ""),
    ("v1.2+meta", ""),
    ("v1.2-pre+meta", ""),
    ("v1.0.0-alpha", "v1.0.0-alpha"),
    ("v1.0.0-alpha.1", "v1.0.0-alpha.1"),
    ("v1.0.0-alpha.beta", "v1.0.0-alpha.beta"),
    ("v1.0.0-beta", "v1.0.0-beta"),
    ("v1.0.0-beta.2", "v1.0.0-beta.2"),
    ("v1.0.0-beta.11", "v1.0.0-beta.11"),
    ("v1.0.0-rc.1", "v1.0.0-rc.1"),
    ("v1", "v1.0.0"),
    ("v1.0", "v1.0.0"),
    ("v1.0.0", "v1.0.0"),
    ("v1.2", "v1.2.0"),
    ("v1.2.0", "v1.2.0"),
    ("v1.2.3-456", "v1.2.3-456"),
    ("v1.2.3-456.789", "v1.2.3-456.789"),
    ("v1.2.3-456-789", "v1.2.3-456-789"),
    ("v1.2.3-456a", "v1.2.3-456a"),
    ("v1.2.3-pre", "v1.2.3-pre"),
    ("v1.2.3-pre+meta", "v1.2.3-pre"),
    ("v1.2.3-pre.1", "v1.2.3-pre.1"),
    ("v1.2.3-zzz", "v1.2.3-zzz"),
    ("v1.2.3", "v1.2.3"),
    ("v1.2.3+meta", "v1.2.3"),
    ("v1.2.3+meta-pre", "v1.2.3"),
    ("v1.2.3+meta-pre.sha.256a", "v1.2.3"),
];

#[test]
fn go_semver_test_table() {
    let valid: Vec<(usize, &str, &str)> = SEMVER_TEST
        .iter()
        .enumerate()
        .filter(|(_, (_, canonical))| !canonical.is_empty())
        .map(|(index, (input, canonical))| (index, *input, *canonical))
        .collect();

    for (input, canonical) in SEMVER_TEST {
        if canonical.is_empty() {
            assert_invalid(&Go, input);
        }
    }
    for (i, a, a_canonical) in &valid {
        for (j, b, b_canonical) in &valid {
            let expected = if a_canonical == b_canonical {
                Ordering::Equal
            } else {
                i.cmp(j)
            };
            assert_eq!(Go.compare(a, b), Ok(expected), "{a} vs {b}");
        }
    }
}

#[test]
fn go_semver_test_extra_compare() {
    assert_order(&Go, "v1", "v1", Ordering::Equal);
    assert_order(&Go, "v2", "v1", Ordering::Greater);
    assert_order(&Go, "v1.19", "v1.2", Ordering::Greater);
}

#[test]
fn go_pseudo_versions_order_by_time() {
    assert_ascending(
        &Go,
        &[
            "v0.0.0-20191109021931-daa7c04131f5",
            "v0.0.0-20200101000000-aaaaaaaaaaaa",
            "v0.1.0",
            "v1.2.3",
            "v1.2.4-0.20191109021931-daa7c04131f5",
            "v1.2.4",
        ],
    );
}

#[test]
fn go_ignores_incompatible_and_optional_v() {
    assert_equal(&Go, "v2.0.0+incompatible", "v2.0.0");
    assert_equal(&Go, "1.2.3", "v1.2.3");
    assert_order(
        &Go,
        "0.0.0-20220314234659-1baeb1ce4c0b",
        "v0.0.0-20220315000000-000000000000",
        Ordering::Less,
    );
}

#[test]
fn go_rejects_invalid() {
    for version in [
        "",
        "v",
        "v01.2.3",
        "v1.2.3.4",
        "v1.2.3-01",
        "v1.2.3-",
        "v1.2.3+",
        "v1.2.x",
    ] {
        assert_invalid(&Go, version);
    }
    assert_eq!(Go.name(), "go");
}
