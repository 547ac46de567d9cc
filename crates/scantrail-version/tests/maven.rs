mod common;

use std::cmp::Ordering;

use common::{assert_ascending, assert_equal, assert_order};
use scantrail_version::{Maven, VersionScheme};

/// `VERSIONS_QUALIFIER` of Maven's `ComparableVersionTest.java`, ascending.
const VERSIONS_QUALIFIER: &[&str] = &[
    "1-alpha2snapshot",
    "1-alpha2",
    "1-alpha-123",
    "1-beta-2",
    "1-beta123",
    "1-m2",
    "1-m11",
    "1-rc",
    "1-cr2",
    "1-rc123",
    "1-SNAPSHOT",
    "1",
    "1-sp",
    "1-sp2",
    "1-sp123",
    "1-abc",
    "1-def",
    "1-pom-1",
    "1-1-snapshot",
    "1-1",
    "1-2",
    "1-123",
];

/// `VERSIONS_NUMBER` of `ComparableVersionTest.java` as Maven 3.8 has it, ascending. Maven 3.9
/// moved `2.0.a` before `2-1` and dropped `2.0.0.a` (MNG-7644), which this scheme does not follow.
const VERSIONS_NUMBER: &[&str] = &[
    "2.0", "2-1", "2.0.a", "2.0.0.a", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c",
    "2.1-1", "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11",
    "11", "11.a", "11b", "11c", "11m",
];

/// The pairs of `testVersionsEqual` and `testVersionsHaveSameOrderButAreNotEqual`.
const EQUAL: &[(&str, &str)] = &[
    ("1", "1"),
    ("1", "1.0"),
    ("1", "1.0.0"),
    ("1.0", "1.0.0"),
    ("1", "1-0"),
    ("1", "1.0-0"),
    ("1.0", "1.0-0"),
    ("1a", "1-a"),
    ("1a", "1.0-a"),
    ("1a", "1.0.0-a"),
    ("1.0a", "1-a"),
    ("1.0.0a", "1-a"),
    ("1x", "1-x"),
    ("1x", "1.0-x"),
    ("1x", "1.0.0-x"),
    ("1.0x", "1-x"),
    ("1.0.0x", "1-x"),
    ("1cr", "1rc"),
    ("1a1", "1-alpha-1"),
    ("1b2", "1-beta-2"),
    ("1m3", "1-milestone-3"),
    ("1X", "1x"),
    ("1A", "1a"),
    ("1B", "1b"),
    ("1M", "1m"),
    ("1Cr", "1Rc"),
    ("1cR", "1rC"),
    ("1m3", "1Milestone3"),
    ("1m3", "1MileStone3"),
    ("1m3", "1MILESTONE3"),
    ("1ga", "1"),
    ("1release", "1"),
    ("1final", "1"),
    ("1Ga", "1"),
    ("1GA", "1"),
    ("1RELEASE", "1"),
    ("1RELeaSE", "1"),
    ("1Final", "1"),
    ("1FinaL", "1"),
    ("1FINAL", "1"),
    (
        "1-abcdefghijklmnopqrstuvwxyz",
        "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    ),
    ("1.0.0-alpha1", "1.0.0-ALPHA1"),
    ("1.a", "1.A"),
];

/// The pairs of `testVersionComparing`, `testLeadingZeroes` and the MNG-5568, MNG-6572 and
/// MNG-6964 tests, each as (lower, higher).
const ORDERED: &[(&str, &str)] = &[
    ("1", "2"),
    ("1.5", "2"),
    ("1", "2.5"),
    ("1.0", "1.1"),
    ("1.1", "1.2"),
    ("1.0.0", "1.1"),
    ("1.0.1", "1.1"),
    ("1.1", "1.2.0"),
    ("1.0-alpha-1", "1.0"),
    ("1.0-alpha-1", "1.0-alpha-2"),
    ("1.0-alpha-1", "1.0-beta-1"),
    ("1.0-beta-1", "1.0-SNAPSHOT"),
    ("1.0-SNAPSHOT", "1.0"),
    ("1.0-alpha-1-SNAPSHOT", "1.0-alpha-1"),
    ("1.0", "1.0-1"),
    ("1.0-1", "1.0-2"),
    ("1.0.0", "1.0-1"),
    ("2.0-1", "2.0.1"),
    ("2.0.1-klm", "2.0.1-lmn"),
    ("2.0.1", "2.0.1-xyz"),
    ("2.0.1", "2.0.1-123"),
    ("2.0.1-xyz", "2.0.1-123"),
    ("0.7", "2"),
    ("0.2", "1.0.7"),
    ("6.1.0rc3", "6.1.0"),
    ("6.1.0rc3", "6.1H.5-beta"),
    ("6.1.0", "6.1H.5-beta"),
    ("20190126.230843", "1234567890.12345"),
    ("1234567890.12345", "123456789012345.1H.5-beta"),
    (
        "123456789012345.1H.5-beta",
        "12345678901234567890.1H.5-beta",
    ),
    ("1-0.alpha", "1"),
    ("1-0.beta", "1"),
    ("1-0.alpha", "1-0.beta"),
    ("aardvark", "zebra"),
    ("J", "7"),
    ("c", "7"),
];

#[test]
fn maven_versions_qualifier() {
    assert_ascending(&Maven, VERSIONS_QUALIFIER);
}

#[test]
fn maven_versions_number() {
    assert_ascending(&Maven, VERSIONS_NUMBER);
}

#[test]
fn maven_versions_equal() {
    for (a, b) in EQUAL {
        assert_equal(&Maven, a, b);
    }
}

#[test]
fn maven_versions_ordered() {
    for (lower, higher) in ORDERED {
        assert_order(&Maven, lower, higher, Ordering::Less);
    }
}

#[test]
fn maven_leading_zeroes_equal() {
    let ones: Vec<String> = (0..19)
        .map(|zeros| format!("{}1", "0".repeat(zeros)))
        .collect();
    let zeros: Vec<String> = (1..20).map(|length| "0".repeat(length)).collect();
    for group in [&ones, &zeros] {
        for a in group {
            assert_equal(&Maven, a, &group[0]);
        }
    }
}

#[test]
fn maven_vendor_suffixes() {
    assert_equal(&Maven, "5.3.39.RELEASE", "5.3.39");
    assert_order(&Maven, "5.3.39.RELEASE", "5.3.40", Ordering::Less);
    assert_order(&Maven, "32.1.3-jre", "32.1.3-android", Ordering::Greater);
    assert_order(&Maven, "32.1.2-jre", "32.1.3-jre", Ordering::Less);
    assert_order(&Maven, "2.17.1", "2.17.1-SNAPSHOT", Ordering::Greater);
}

#[test]
fn maven_rejects_empty() {
    assert!(Maven.validate("").is_err());
    assert!(Maven.validate("  ").is_err());
    assert_eq!(Maven.name(), "maven");
}
