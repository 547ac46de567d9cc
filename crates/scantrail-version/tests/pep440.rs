mod common;

use common::{assert_ascending, assert_equal, assert_invalid};
use scantrail_version::{Pep440, VersionScheme};

/// The example list of PEP 440's "Summary of permitted suffixes and relative ordering" section.
const PEP_440_SUMMARY: &[&str] = &[
    "1.dev0",
    "1.0.dev456",
    "1.0a1",
    "1.0a2.dev456",
    "1.0a12.dev456",
    "1.0a12",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0rc1.dev456",
    "1.0rc1",
    "1.0",
    "1.0+abc.5",
    "1.0+abc.7",
    "1.0+5",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.0.15",
    "1.1.dev1",
];

/// The `VERSIONS` list of pypa/packaging's tests/test_version.py, which it keeps in sorting order.
const PACKAGING_VERSIONS: &[&str] = &[
    "1.0.dev0",
    "1.0.dev456",
    "1.0.dev456+local",
    "1.0a0",
    "1.0a0.post0.dev0",
    "1.0a0.post0",
    "1.0a1.dev1",
    "1.0a1.dev1+local",
    "1.0a1",
    "1.0a1+local",
    "1.0b0",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0b2-346",
    "1.0rc0",
    "1.0rc1.dev1",
    "1.0c1",
    "1.0rc2",
    "1.0",
    "1.0.post0.dev0",
    "1.0.post0",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.0.post456+local",
    "1.0.1.dev1",
    "1.0.1a1",
    "1.0.1",
    "1.0.1+local",
    "1.0.1.post1",
    "1.1.dev1",
    "1.2+a",
    "1.2+abc",
    "1.2+abcdef",
    "1.2+def",
    "1.2+0",
    "1.2+1",
    "1.2+1.abc",
    "1.2+1.1",
    "1.2+1.1.0",
    "1.2+2",
    "1.2+123",
    "1.2+123456",
    "1.2.r32+123456",
    "1.2.rev33+123456",
    "1!1.0.dev0",
    "1!1.0.dev456",
    "1!1.0.dev456+local",
    "1!1.0a0",
    "1!1.0a0.post0.dev0",
    "1!1.0a0.post0",
    "1!1.0a1.dev1",
    "1!1.0a1.dev1+local",
    "1!1.0a1",
    "1!1.0a1+local",
    "1!1.0b0",
    "1!1.0b1.dev456",
    "1!1.0b2",
    "1!1.0b2.post345.dev456",
    "1!1.0b2.post345",
    "1!1.0b2-346",
    "1!1.0rc0",
    "1!1.0rc1.dev1",
    "1!1.0c1",
    "1!1.0rc2",
    "1!1.0",
    "1!1.0.post0.dev0",
    "1!1.0.post0",
    "1!1.0.post456.dev34",
    "1!1.0.post456",
    "1!1.0.post456+local",
    "1!1.0.1.dev1",
    "1!1.0.1a1",
    "1!1.0.1",
    "1!1.0.1+local",
    "1!1.0.1.post1",
    "1!1.1.dev1",
    "1!1.2+a",
    "1!1.2+abc",
    "1!1.2+abcdef",
    "1!1.2+def",
    "1!1.2+0",
    "1!1.2+1",
    "1!1.2+1.abc",
    "1!1.2+1.1",
    "1!1.2+1.1.0",
    "1!1.2+2",
    "1!1.2+123",
    "1!1.2+123456",
    "1!1.2.r32+123456",
    "1!1.2.rev33+123456",
];

/// Pairs of (version, normalized form) from `test_normalized_versions` in pypa/packaging's
/// tests/test_version.py. A version and its normal form must compare equal.
const PACKAGING_NORMALIZED: &[(&str, &str)] = &[
    ("1.0dev", "1.0.dev0"),
    ("1.0.dev", "1.0.dev0"),
    ("1.0dev1", "1.0.dev1"),
    ("1.0-dev", "1.0.dev0"),
    ("1.0-dev1", "1.0.dev1"),
    ("1.0DEV", "1.0.dev0"),
    ("1.0.DEV", "1.0.dev0"),
    ("1.0DEV1", "1.0.dev1"),
    ("1.0.DEV1", "1.0.dev1"),
    ("1.0-DEV", "1.0.dev0"),
    ("1.0-DEV1", "1.0.dev1"),
    ("1.0a", "1.0a0"),
    ("1.0.a", "1.0a0"),
    ("1.0.a1", "1.0a1"),
    ("1.0-a", "1.0a0"),
    ("1.0-a1", "1.0a1"),
    ("1.0alpha", "1.0a0"),
    ("1.0.alpha", "1.0a0"),
    ("1.0.alpha1", "1.0a1"),
    ("1.0-alpha", "1.0a0"),
    ("1.0-alpha1", "1.0a1"),
    ("1.0A", "1.0a0"),
    ("1.0.A", "1.0a0"),
    ("1.0.A1", "1.0a1"),
    ("1.0-A", "1.0a0"),
    ("1.0-A1", "1.0a1"),
    ("1.0ALPHA", "1.0a0"),
    ("1.0.ALPHA", "1.0a0"),
    ("1.0.ALPHA1", "1.0a1"),
    ("1.0-ALPHA", "1.0a0"),
    ("1.0-ALPHA1", "1.0a1"),
    ("1.0b", "1.0b0"),
    ("1.0.b", "1.0b0"),
    ("1.0.b1", "1.0b1"),
    ("1.0-b", "1.0b0"),
    ("1.0-b1", "1.0b1"),
    ("1.0beta", "1.0b0"),
    ("1.0.beta", "1.0b0"),
    ("1.0.beta1", "1.0b1"),
    ("1.0-beta", "1.0b0"),
    ("1.0-beta1", "1.0b1"),
    ("1.0B", "1.0b0"),
    ("1.0.B", "1.0b0"),
    ("1.0.B1", "1.0b1"),
    ("1.0-B", "1.0b0"),
    ("1.0-B1", "1.0b1"),
    ("1.0BETA", "1.0b0"),
    ("1.0.BETA", "1.0b0"),
    ("1.0.BETA1", "1.0b1"),
    ("1.0-BETA", "1.0b0"),
    ("1.0-BETA1", "1.0b1"),
    ("1.0c", "1.0rc0"),
    ("1.0.c", "1.0rc0"),
    ("1.0.c1", "1.0rc1"),
    ("1.0-c", "1.0rc0"),
    ("1.0-c1", "1.0rc1"),
    ("1.0rc", "1.0rc0"),
    ("1.0.rc", "1.0rc0"),
    ("1.0.rc1", "1.0rc1"),
    ("1.0-rc", "1.0rc0"),
    ("1.0-rc1", "1.0rc1"),
    ("1.0C", "1.0rc0"),
    ("1.0.C", "1.0rc0"),
    ("1.0.C1", "1.0rc1"),
    ("1.0-C", "1.0rc0"),
    ("1.0-C1", "1.0rc1"),
    ("1.0RC", "1.0rc0"),
    ("1.0.RC", "1.0rc0"),
    ("1.0.RC1", "1.0rc1"),
    ("1.0-RC", "1.0rc0"),
    ("1.0-RC1", "1.0rc1"),
    ("1.0post", "1.0.post0"),
    ("1.0.post", "1.0.post0"),
    ("1.0post1", "1.0.post1"),
    ("1.0-post", "1.0.post0"),
    ("1.0-post1", "1.0.post1"),
    ("1.0POST", "1.0.post0"),
    ("1.0.POST", "1.0.post0"),
    ("1.0POST1", "1.0.post1"),
    ("1.0r", "1.0.post0"),
    ("1.0rev", "1.0.post0"),
    ("1.0.POST1", "1.0.post1"),
    ("1.0.r1", "1.0.post1"),
    ("1.0.rev1", "1.0.post1"),
    ("1.0-POST", "1.0.post0"),
    ("1.0-POST1", "1.0.post1"),
    ("1.0-5", "1.0.post5"),
    ("1.0-r5", "1.0.post5"),
    ("1.0-rev5", "1.0.post5"),
    ("1.0+AbC", "1.0+abc"),
    ("1.01", "1.1"),
    ("1.0a05", "1.0a5"),
    ("1.0b07", "1.0b7"),
    ("1.0c056", "1.0rc56"),
    ("1.0rc09", "1.0rc9"),
    ("1.0.post000", "1.0.post0"),
    ("1.1.dev09000", "1.1.dev9000"),
    ("00!1.2", "1.2"),
    ("0100!0.0", "100!0.0"),
    ("v1.0", "1.0"),
    ("   v1.0\t\n", "1.0"),
    ("\u{202F}1.0\t\u{2029}\n ", "1.0"),
];

/// Invalid versions from `test_invalid_versions` in pypa/packaging's tests/test_version.py.
const PACKAGING_INVALID: &[&str] = &[
    "french toast",
    "1.0+a+",
    "1.0++",
    "1.0+_foobar",
    "1.0+foo&asd",
    "1.0+1+1",
    "1. 0",
    "1 .0",
    "1. 0a1",
    "1 .0a1",
    "1.0 a1",
    "1.0a 1",
    "٠١٢.٣٤٥.٦٧٨٩",
    ".",
    "..",
    "1..0",
    "1.0.",
    ".1.0",
    "1..2.3",
    "1.0+\u{130}",
];

#[test]
fn pep440_summary_ascending() {
    assert_ascending(&Pep440, PEP_440_SUMMARY);
}

#[test]
fn pep440_packaging_versions_ascending() {
    assert_ascending(&Pep440, PACKAGING_VERSIONS);
}

/// The ordering chain that pep440_rs documents on its `Ord for Version`, with the `c` spelling
/// of release candidates placed between `rc` versions.
#[test]
fn pep440_c_spelling_ascending() {
    assert_ascending(
        &Pep440,
        &[
            "1.0b2.post345",
            "1.0c1.dev456",
            "1.0c1",
            "1.0rc2",
            "1.0c3",
            "1.0",
        ],
    );
}

#[test]
fn pep440_epoch_outranks_release() {
    assert_ascending(&Pep440, &["2.0", "1!1.0"]);
}

#[test]
fn pep440_normalized_forms_equal() {
    for &(version, normalized) in PACKAGING_NORMALIZED {
        assert_equal(&Pep440, version, normalized);
    }
}

/// Zero padding of the release segment (PEP 440, "Summary of permitted suffixes and relative
/// ordering"), `c` equal to `rc` (packaging's `test_version_rc_and_c_equals`) and the `pre` and
/// `preview` spellings of `rc` (PEP 440, "Pre-release spelling").
#[test]
fn pep440_padding_and_rc_equal() {
    assert_equal(&Pep440, "1.0", "1.0.0");
    assert_equal(&Pep440, "1", "1.0.0.0");
    assert_equal(&Pep440, "1.0a1", "1.0.0a1");
    assert_equal(&Pep440, "1.0rc1", "1.0c1");
    assert_equal(&Pep440, "1.0pre1", "1.0rc1");
    assert_equal(&Pep440, "1.0preview2", "1.0rc2");
    assert_equal(&Pep440, "1.0-1", "1.0.post1");
    assert_equal(&Pep440, "V1.0", "1.0");
}

#[test]
fn pep440_rejects_invalid() {
    for version in PACKAGING_INVALID {
        assert_invalid(&Pep440, version);
    }
    assert_invalid(&Pep440, "");
}

#[test]
fn pep440_error_names_value() {
    let error = Pep440.validate("french toast").unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("invalid pep440 version \"french toast\": "),
        "{message}"
    );
}
