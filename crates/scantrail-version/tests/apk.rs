mod common;

use std::cmp::Ordering;

use common::{assert_invalid, assert_order};
use scantrail_version::{Apk, VersionScheme};

/// Rows of apk-tools' `test/version.data` (apk-tools 2.14), as (a, b, a vs b). The file has
/// about 600 rows; these cover every token type: dotted numbers with leading zeros, letters,
/// every suffix with and without a number, several suffixes, and revisions. The two rows with
/// invalid versions (`1.0bc`, `23_foo`) are checked in `apk_rejects_invalid` instead, because
/// `Apk::compare` rejects invalid versions where apk-tools still orders them.
const VERSION_DATA: &[(&str, &str, Ordering)] = &[
    ("2.34", "0.1.0_alpha", Ordering::Greater),
    ("0.1.0_alpha", "0.1.0_alpha", Ordering::Equal),
    ("0.1.0_alpha", "0.1.3_alpha", Ordering::Less),
    ("0.1.0_alpha2", "0.1.0_alpha", Ordering::Greater),
    ("0.1.0_alpha", "2.2.39-r1", Ordering::Less),
    ("2.2.39-r1", "1.0.4-r3", Ordering::Greater),
    ("1.0.4-r3", "1.0.4-r4", Ordering::Less),
    ("1.0.4-r4", "1.6", Ordering::Less),
    ("1.1", "1.1_alpha1", Ordering::Greater),
    ("1.2.1", "1.2", Ordering::Greater),
    ("1.2", "1.3_alpha", Ordering::Less),
    ("1.3_alpha", "1.3_alpha2", Ordering::Less),
    ("0.7.0", "0.8_beta1", Ordering::Less),
    ("0.8_beta1", "0.8_beta2", Ordering::Less),
    ("3.10.18-r1", "2.3.0b-r1", Ordering::Greater),
    ("2.3.0b-r1", "2.3.0b-r2", Ordering::Less),
    ("0.12.3", "0.12", Ordering::Greater),
    ("0.12", "0.13_beta1", Ordering::Less),
    ("1.2.11", "1.2.12.1", Ordering::Less),
    ("0.2.0-r1", "0.2.0-r1", Ordering::Equal),
    ("0.2.0-r1", "3.1_p16", Ordering::Less),
    ("3.1_p16", "3.1_p17", Ordering::Less),
    ("1.06-r6", "006", Ordering::Less),
    ("006", "1.0.0", Ordering::Greater),
    ("1.2.2-r1", "1.2.2", Ordering::Greater),
    ("2.59", "20050718-r1", Ordering::Less),
    ("3.9.8-r5", "2.01.01_alpha10", Ordering::Greater),
    ("1.0", "0.99.3.20040818", Ordering::Greater),
    ("4.2.52_p2-r1", "4.2.52_p4-r2", Ordering::Less),
    ("2.18.3-r10", "1.05-r18", Ordering::Greater),
    ("20060720", "3.0.20060720", Ordering::Greater),
    ("3.0.20060720", "20060720", Ordering::Less),
    ("1.4.4-r1", "2.1.9.200602141850", Ordering::Less),
    ("2.5.1-r8", "2.5.1a-r1", Ordering::Less),
    ("1.3.5-r10", "1.3.5-r8", Ordering::Greater),
    ("20040401", "2.0.0_rc3-r1", Ordering::Greater),
    ("3.0.0-r2", "021109-r3", Ordering::Less),
    ("021109-r3", "20060512", Ordering::Less),
    ("0.9.16-r1", "3.9_pre20060124", Ordering::Less),
    ("1.1.7", "6b-r7", Ordering::Less),
    ("0.10.0-r1", "0.10.0", Ordering::Greater),
    ("0.10.0", "0.10.1_rc1", Ordering::Less),
    ("2.0.2", "1.1a", Ordering::Greater),
    ("1.1a", "1.3a", Ordering::Less),
    ("0.15.1b-r2", "0.15.1b", Ordering::Greater),
    ("22.7-r1", "22.7.3-r1", Ordering::Less),
    ("22.7", "2.1_pre20", Ordering::Greater),
    ("2.1_pre20", "2.1_pre26", Ordering::Less),
    ("2.10.1", "02.08.01b", Ordering::Greater),
    ("3.81", "1.6d", Ordering::Greater),
    ("1.6d", "1.2.07.8", Ordering::Greater),
    ("1.2.07.8", "1.2.12.04", Ordering::Less),
    ("1.07-r1", "1.07.5", Ordering::Less),
    ("20061003", "0.1_pre20060810", Ordering::Greater),
    ("3.3.17", "0.59s-r11", Ordering::Greater),
    ("4.20", "0.20070118", Ordering::Greater),
    ("0.20070118", "0.20070207_rc1", Ordering::Less),
    ("2.3.30-r2", "3.7_p1", Ordering::Less),
    ("4.5_p1-r1", "4.5_p1", Ordering::Greater),
    ("0.9.8c-r1", "0.9.8d", Ordering::Less),
    ("2.2.3-r2", "013", Ordering::Less),
    ("3.2.7", "0.3.1_rc8", Ordering::Greater),
    ("1.7", "1.7b", Ordering::Less),
    ("1.8.5", "1.8.5_p2", Ordering::Less),
    (
        "2.9.11_pre20051101-r3",
        "2.9.11_pre20051101",
        Ordering::Greater,
    ),
    (
        "2.9.11_pre20051101",
        "2.9.11_pre20061021-r1",
        Ordering::Less,
    ),
    ("1.6.8_p12-r1", "1.6.8_p9-r2", Ordering::Greater),
    ("0.9.28-r2", "0.9.28.1", Ordering::Less),
    ("0.9.28.1", "087-r1", Ordering::Less),
    ("104-r11", "104-r9", Ordering::Greater),
    ("5.52-r1", "1.2.5_rc2", Ordering::Greater),
    ("20040406-r1", "2.12r-r4", Ordering::Greater),
    ("2.12r-r4", "2.12r-r5", Ordering::Less),
    ("7.0.17", "7.0.174", Ordering::Less),
    ("1.1.1-r3", "0.3.4_pre20061029", Ordering::Greater),
    ("1.3-r0", "1.3.1-r0", Ordering::Less),
    ("1.3_pre1-r1", "1.3.2", Ordering::Less),
    ("1.0_p10-r0", "1.0_p9-r0", Ordering::Greater),
    ("0.1.0_alpha_pre2", "0.1.0_alpha", Ordering::Less),
    (
        "1.0.0_pre20191002222144-r0",
        "1.0.0_pre20210530193627-r0",
        Ordering::Less,
    ),
];

#[test]
fn apk_version_data() {
    for (a, b, expected) in VERSION_DATA {
        assert_order(&Apk, a, b, *expected);
    }
}

#[test]
fn apk_suffix_order() {
    let ascending = [
        "1.0_alpha",
        "1.0_beta",
        "1.0_pre",
        "1.0_rc",
        "1.0",
        "1.0-r1",
        "1.0_cvs",
        "1.0_svn",
        "1.0_git",
        "1.0_hg",
        "1.0_p",
    ];
    common::assert_ascending(&Apk, &ascending);
}

#[test]
fn apk_rejects_invalid() {
    for version in [
        "",
        "1.0bc",
        "23_foo",
        "abc",
        "1.0-1",
        "1.0_rc1-x1",
        "1.0 ",
        "1.0_x",
    ] {
        assert_invalid(&Apk, version);
    }
}

#[test]
fn apk_name() {
    assert_eq!(Apk.name(), "apk");
}
