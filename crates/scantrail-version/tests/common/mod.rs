//! Assertions shared by the scheme tables.

// Each test binary compiles this module and uses only some of its helpers.
#![allow(dead_code)]

use std::cmp::Ordering;

use scantrail_version::VersionScheme;

/// Asserts that `versions` is strictly ascending under `scheme`, comparing every pair both ways
/// so that a table also checks that `compare` is antisymmetric.
pub fn assert_ascending(scheme: &dyn VersionScheme, versions: &[&str]) {
    for (i, a) in versions.iter().enumerate() {
        assert_eq!(scheme.compare(a, a), Ok(Ordering::Equal), "{a} == {a}");
        for b in &versions[i + 1..] {
            assert_eq!(scheme.compare(a, b), Ok(Ordering::Less), "{a} < {b}");
            assert_eq!(scheme.compare(b, a), Ok(Ordering::Greater), "{b} > {a}");
        }
    }
}

/// Asserts that `a` and `b` compare equal under `scheme` in both directions.
pub fn assert_equal(scheme: &dyn VersionScheme, a: &str, b: &str) {
    assert_eq!(scheme.compare(a, b), Ok(Ordering::Equal), "{a} == {b}");
    assert_eq!(scheme.compare(b, a), Ok(Ordering::Equal), "{b} == {a}");
}

/// Asserts that `compare(a, b)` returns `expected` and `compare(b, a)` returns its reverse.
pub fn assert_order(scheme: &dyn VersionScheme, a: &str, b: &str, expected: Ordering) {
    assert_eq!(scheme.compare(a, b), Ok(expected), "{a} vs {b}");
    assert_eq!(scheme.compare(b, a), Ok(expected.reverse()), "{b} vs {a}");
}

/// Asserts that `version` is rejected by both `validate` and `compare`, with an error that names
/// the scheme and the version.
pub fn assert_invalid(scheme: &dyn VersionScheme, version: &str) {
    let error = scheme
        .validate(version)
        .expect_err(&format!("{version:?} should be invalid"));
    let message = error.to_string();
    assert!(message.contains(scheme.name()), "{message}");
    assert!(message.contains(&format!("{version:?}")), "{message}");

    assert!(
        scheme.compare(version, "1").is_err(),
        "compare accepted {version:?}"
    );
}
