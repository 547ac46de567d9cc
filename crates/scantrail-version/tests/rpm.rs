mod common;

use std::cmp::Ordering;

use common::{assert_invalid, assert_order};
use scantrail_version::{Rpm, VersionScheme};

/// Every active row of rpm's `tests/rpmvercmp.at` (rpm 4.15 and later, which added the caret
/// rows), as (a, b, a vs b). The rows that the file itself comments out as oddities are left out.
const RPMVERCMP_AT: &[(&str, &str, Ordering)] = &[
    ("1.0", "1.0", Ordering::Equal),
    ("1.0", "2.0", Ordering::Less),
    ("2.0", "1.0", Ordering::Greater),
    ("2.0.1", "2.0.1", Ordering::Equal),
    ("2.0", "2.0.1", Ordering::Less),
    ("2.0.1", "2.0", Ordering::Greater),
    ("2.0.1a", "2.0.1a", Ordering::Equal),
    ("2.0.1a", "2.0.1", Ordering::Greater),
    ("2.0.1", "2.0.1a", Ordering::Less),
    ("5.5p1", "5.5p1", Ordering::Equal),
    ("5.5p1", "5.5p2", Ordering::Less),
    ("5.5p2", "5.5p1", Ordering::Greater),
    ("5.5p10", "5.5p10", Ordering::Equal),
    ("5.5p1", "5.5p10", Ordering::Less),
    ("5.5p10", "5.5p1", Ordering::Greater),
    ("10xyz", "10.1xyz", Ordering::Less),
    ("10.1xyz", "10xyz", Ordering::Greater),
    ("xyz10", "xyz10", Ordering::Equal),
    ("xyz10", "xyz10.1", Ordering::Less),
    ("xyz10.1", "xyz10", Ordering::Greater),
    ("xyz.4", "xyz.4", Ordering::Equal),
    ("xyz.4", "8", Ordering::Less),
    ("8", "xyz.4", Ordering::Greater),
    ("xyz.4", "2", Ordering::Less),
    ("2", "xyz.4", Ordering::Greater),
    ("5.5p2", "5.6p1", Ordering::Less),
    ("5.6p1", "5.5p2", Ordering::Greater),
    ("5.6p1", "6.5p1", Ordering::Less),
    ("6.5p1", "5.6p1", Ordering::Greater),
    ("6.0.rc1", "6.0", Ordering::Greater),
    ("6.0", "6.0.rc1", Ordering::Less),
    ("10b2", "10a1", Ordering::Greater),
    ("10a2", "10b2", Ordering::Less),
    ("1.0aa", "1.0aa", Ordering::Equal),
    ("1.0a", "1.0aa", Ordering::Less),
    ("1.0aa", "1.0a", Ordering::Greater),
    ("10.0001", "10.0001", Ordering::Equal),
    ("10.0001", "10.1", Ordering::Equal),
    ("10.1", "10.0001", Ordering::Equal),
    ("10.0001", "10.0039", Ordering::Less),
    ("10.0039", "10.0001", Ordering::Greater),
    ("4.999.9", "5.0", Ordering::Less),
    ("5.0", "4.999.9", Ordering::Greater),
    ("20101121", "20101121", Ordering::Equal),
    ("20101121", "20101122", Ordering::Less),
    ("20101122", "20101121", Ordering::Greater),
    ("2_0", "2_0", Ordering::Equal),
    ("2.0", "2_0", Ordering::Equal),
    ("2_0", "2.0", Ordering::Equal),
    ("a", "a", Ordering::Equal),
    ("a+", "a+", Ordering::Equal),
    ("a+", "a_", Ordering::Equal),
    ("a_", "a+", Ordering::Equal),
    ("+a", "+a", Ordering::Equal),
    ("+a", "_a", Ordering::Equal),
    ("_a", "+a", Ordering::Equal),
    ("+_", "+_", Ordering::Equal),
    ("_+", "+_", Ordering::Equal),
    ("_+", "_+", Ordering::Equal),
    ("+", "_", Ordering::Equal),
    ("_", "+", Ordering::Equal),
    ("1.0~rc1", "1.0~rc1", Ordering::Equal),
    ("1.0~rc1", "1.0", Ordering::Less),
    ("1.0", "1.0~rc1", Ordering::Greater),
    ("1.0~rc1", "1.0~rc2", Ordering::Less),
    ("1.0~rc2", "1.0~rc1", Ordering::Greater),
    ("1.0~rc1~git123", "1.0~rc1~git123", Ordering::Equal),
    ("1.0~rc1~git123", "1.0~rc1", Ordering::Less),
    ("1.0~rc1", "1.0~rc1~git123", Ordering::Greater),
    ("1.0^", "1.0^", Ordering::Equal),
    ("1.0^", "1.0", Ordering::Greater),
    ("1.0", "1.0^", Ordering::Less),
    ("1.0^git1", "1.0^git1", Ordering::Equal),
    ("1.0^git1", "1.0", Ordering::Greater),
    ("1.0", "1.0^git1", Ordering::Less),
    ("1.0^git1", "1.0^git2", Ordering::Less),
    ("1.0^git2", "1.0^git1", Ordering::Greater),
    ("1.0^git1", "1.01", Ordering::Less),
    ("1.01", "1.0^git1", Ordering::Greater),
    ("1.0^20160101", "1.0^20160101", Ordering::Equal),
    ("1.0^20160101", "1.0.1", Ordering::Less),
    ("1.0.1", "1.0^20160101", Ordering::Greater),
    ("1.0^20160101^git1", "1.0^20160101^git1", Ordering::Equal),
    ("1.0^20160102", "1.0^20160101^git1", Ordering::Greater),
    ("1.0^20160101^git1", "1.0^20160102", Ordering::Less),
    ("1.0~rc1^git1", "1.0~rc1^git1", Ordering::Equal),
    ("1.0~rc1^git1", "1.0~rc1", Ordering::Greater),
    ("1.0~rc1", "1.0~rc1^git1", Ordering::Less),
    ("1.0^git1~pre", "1.0^git1~pre", Ordering::Equal),
    ("1.0^git1", "1.0^git1~pre", Ordering::Greater),
    ("1.0^git1~pre", "1.0^git1", Ordering::Less),
];

#[test]
fn rpmvercmp_table() {
    for (a, b, expected) in RPMVERCMP_AT {
        assert_eq!(Rpm.compare(a, b), Ok(*expected), "{a} vs {b}");
    }
}

#[test]
fn rpm_epoch_decides_first() {
    assert_order(&Rpm, "1:1.0-1", "2.0-1", Ordering::Greater);
    assert_order(&Rpm, "0:1.0-1", "1.0-1", Ordering::Equal);
    assert_order(&Rpm, "1:3.0.7-24.el9", "1:3.0.7-25.el9_3", Ordering::Less);
    assert_order(&Rpm, "2:1.0", "10:0.1", Ordering::Less);
}

#[test]
fn rpm_release_compared_when_both_have_one() {
    assert_order(&Rpm, "2.34-100.el9", "2.34-100.el9_4.2", Ordering::Less);
    assert_order(&Rpm, "2.34-83.el9.7", "2.34-100.el9", Ordering::Less);
    assert_order(&Rpm, "2.34", "2.34-100.el9", Ordering::Equal);
    assert_order(&Rpm, "1.0~rc1-5", "1.0-1", Ordering::Less);
}

#[test]
fn rpm_rejects_invalid() {
    for version in ["", "x:1.0", ":1.0", "1:", "1.0-", "1:2:3-4", "1.0 -1"] {
        assert_invalid(&Rpm, version);
    }
}
