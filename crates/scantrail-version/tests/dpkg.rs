mod common;

use std::cmp::Ordering;

use common::{assert_ascending, assert_equal, assert_invalid, assert_order};
use scantrail_version::{Dpkg, VersionScheme};

/// The comparison table of dpkg's scripts/t/Dpkg_Version.t, as (a, b, a vs b).
/// The row `-0.6.5 0.9.1 -1` is left out because dpkg's C parser, which `Dpkg` follows,
/// rejects an empty upstream version (see `dpkg_rejects_invalid`).
const DPKG_VERSION_T: &[(&str, &str, Ordering)] = &[
    ("1.0-1", "2.0-2", Ordering::Less),
    ("2.2~rc-4", "2.2-1", Ordering::Less),
    ("2.2-1", "2.2~rc-4", Ordering::Greater),
    ("1.0000-1", "1.0-1", Ordering::Equal),
    ("1", "0:1", Ordering::Equal),
    ("0", "0:0-0", Ordering::Equal),
    ("2:2.5", "1:7.5", Ordering::Greater),
    ("1:0foo", "0foo", Ordering::Greater),
    ("0:0foo", "0foo", Ordering::Equal),
    ("0foo", "0foo", Ordering::Equal),
    ("0foo-", "0foo", Ordering::Equal),
    ("0foo-", "0foo-0", Ordering::Equal),
    ("0foo", "0fo", Ordering::Greater),
    ("0foo-", "0foo+", Ordering::Less),
    ("0foo~1", "0foo", Ordering::Less),
    ("0foo~foo+Bar", "0foo~foo+bar", Ordering::Less),
    ("0foo~~", "0foo~", Ordering::Less),
    ("1~", "1", Ordering::Less),
    (
        "12345+that-really-is-some-ver-0",
        "12345+that-really-is-some-ver-10",
        Ordering::Less,
    ),
    ("0foo-0", "0foo-01", Ordering::Less),
    ("0foo.bar", "0foobar", Ordering::Greater),
    ("0foo.bar", "0foo1bar", Ordering::Greater),
    ("0foo.bar", "0foo0bar", Ordering::Greater),
    ("0foo1bar-1", "0foobar-1", Ordering::Less),
    ("0foo2.0", "0foo2", Ordering::Greater),
    ("0foo2.0.0", "0foo2.10.0", Ordering::Less),
    ("0foo2.0", "0foo2.0.0", Ordering::Less),
    ("0foo2.0", "0foo2.10", Ordering::Less),
    ("0foo2.1", "0foo2.10", Ordering::Less),
    ("1.09", "1.9", Ordering::Equal),
    ("1.0.8+nmu1", "1.0.8", Ordering::Greater),
    ("3.11", "3.10+nmu1", Ordering::Greater),
    ("0.9j-20080306-4", "0.9i-20070324-2", Ordering::Greater),
    ("1.2.0~b7-1", "1.2.0~b6-1", Ordering::Greater),
    ("1.011-1", "1.06-2", Ordering::Greater),
    ("0.0.9+dfsg1-1", "0.0.8+dfsg1-3", Ordering::Greater),
    ("4.6.99+svn6582-1", "4.6.99+svn6496-1", Ordering::Greater),
    ("53", "52", Ordering::Greater),
    ("0.9.9~pre122-1", "0.9.9~pre111-1", Ordering::Greater),
    ("2:2.3.2-2+lenny2", "2:2.3.2-2", Ordering::Greater),
    ("1:3.8.1-1", "3.8.GA-1", Ordering::Greater),
    ("1.0.1+gpl-1", "1.0.1-2", Ordering::Greater),
    ("1a", "1000a", Ordering::Less),
];

#[test]
fn dpkg_version_t_table() {
    for &(a, b, expected) in DPKG_VERSION_T {
        assert_order(&Dpkg, a, b, expected);
    }
}

/// Equal pairs from dpkg's lib/dpkg/t/t-version.c (`test_version_compare` and
/// `test_version_parse`), written as version strings.
#[test]
fn dpkg_t_version_c_equal() {
    let pairs = [
        ("0:0-00", "0:00-0"),
        ("1:2-3", "1:2-3"),
        ("0", "0:0"),
        ("0", "0:0-"),
        ("0:0-0", "0-0"),
        ("0:0.0-0.0", "0.0-0.0"),
        ("1:0", "1:0-"),
        ("  \t0:0-1", "0:0-1"),
        ("0:0-1\t  ", "0:0-1"),
        ("\t  0:0-1  \t", "0:0-1"),
    ];
    for (a, b) in pairs {
        assert_equal(&Dpkg, a, b);
    }
}

/// Ordered pairs from dpkg's lib/dpkg/t/t-version.c `test_version_compare`.
#[test]
fn dpkg_t_version_c_order() {
    assert_order(&Dpkg, "1:1-1", "2:1-1", Ordering::Less);
    assert_order(&Dpkg, "0:1-1", "0:2-1", Ordering::Less);
    assert_order(&Dpkg, "0:1-1", "0:1-2", Ordering::Less);
    assert_order(&Dpkg, "0:0-0", "1:0-0", Ordering::Less);
    assert_order(&Dpkg, "0:0a-0", "0:0b-0", Ordering::Less);
    assert_order(&Dpkg, "0:0-a", "0:0-b", Ordering::Less);
}

/// Versions that dpkg's lib/dpkg/t/t-version.c `test_version_parse` accepts and splits into
/// (epoch, upstream, revision). Here they only need to be valid and equal to themselves.
#[test]
fn dpkg_accepts_t_version_c_valid() {
    let versions = [
        "0:0-0-0",
        "0:0-0-0-0",
        "0:0:0-0",
        "0:0:0:0-0",
        "0:0:0-0-0",
        "0:0-0:0-0",
        "0:09azAZ.-+~:-0",
        "0:0-azAZ09.+~",
        "5:1",
    ];
    for version in versions {
        assert_eq!(Dpkg.validate(version), Ok(()), "{version}");
        assert_equal(&Dpkg, version, version);
    }
}

/// Invalid versions from dpkg's lib/dpkg/t/t-version.c `test_version_parse` and the validity
/// checks of scripts/t/Dpkg_Version.t.
#[test]
fn dpkg_rejects_invalid() {
    let invalid = [
        "",
        "  ",
        "0:",
        "0:0 0-1",
        "-1:0-1",
        "999999999999999999999999:0-1",
        "2147483648:0",
        "a:0-0",
        "A:0-0",
        ":1.0",
        "-0",
        "0:-0",
        "0:abc3-0",
        "foo5.2",
        "0:foo5.2",
        "10a:5.2",
        "5.2@3-2",
        "0:0-0:0",
        "-0.6.5",
    ];
    for version in invalid {
        assert_invalid(&Dpkg, version);
    }
}

/// The characters that t-version.c puts into an upstream version (`0:0?-0`) and a revision
/// (`0:0-?`) to check that each is rejected.
#[test]
fn dpkg_rejects_invalid_characters() {
    for c in "!#@$%&/|\\<>()[]{};,_=*^'".chars() {
        assert_invalid(&Dpkg, &format!("0:0{c}-0"));
    }
    for c in "!#@$%&/|\\<>()[]{}:;,_=*^'".chars() {
        assert_invalid(&Dpkg, &format!("0:0-{c}"));
    }
}

/// dpkg's ordering rules in one chain: `~` sorts before everything, the epoch outranks the rest,
/// the revision is compared last, and letters sort before other characters.
#[test]
fn dpkg_policy_ascending() {
    assert_ascending(
        &Dpkg,
        &[
            "1.0~~", "1.0~~a", "1.0~", "1.0~rc1", "1.0", "1.0-1", "1.0-1.1", "1.0-2", "1.0a",
            "1.0+dfsg", "1.0.1", "2.0", "1:0.1",
        ],
    );
}

#[test]
fn dpkg_error_names_value() {
    let error = Dpkg.validate("0:abc3-0").unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid dpkg version \"0:abc3-0\": upstream version does not start with a digit"
    );
}
