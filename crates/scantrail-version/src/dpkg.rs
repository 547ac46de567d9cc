//! Debian package versions, `[epoch:]upstream_version[-debian_revision]` (Debian Policy 5.6.12).
//!
//! The parser and comparison are written here because the `debversion` crate (0.5) fails
//! dpkg's own test vectors. It reads `0foo-` (an empty revision) as the upstream version `0foo-`,
//! so `0foo-` sorts after `0foo` where dpkg finds them equal. It sorts a missing digit run
//! before `0`, where dpkg reads both as zero. It also accepts `0:0-0:0` and `foo5.2`, which dpkg
//! rejects.

use std::cmp::Ordering;

use crate::{VersionError, VersionScheme};

/// Debian and Ubuntu package versions as dpkg parses and orders them.
///
/// Validation follows dpkg's `parseversion` and its tests: leading and trailing whitespace is
/// ignored, and an empty revision after a trailing `-` is allowed. Two cases that dpkg only
/// warns about are rejected here: an upstream version that does not start with a digit, and a
/// character outside `[A-Za-z0-9.+~-:]` (upstream) or `[A-Za-z0-9.+~]` (revision).
#[derive(Debug, Clone, Copy, Default)]
pub struct Dpkg;

const NAME: &str = "dpkg";

/// The largest epoch dpkg's `parseversion` accepts (`INT_MAX` of a 32-bit C `int`).
const MAX_EPOCH: u32 = i32::MAX as u32;

/// A parsed dpkg version that borrows its parts from the input string.
#[derive(Debug, PartialEq, Eq)]
struct DpkgVersion<'a> {
    epoch: u32,
    upstream: &'a str,
    /// The part after the last `-`, or `""` when there is none. dpkg orders `""` like `"0"`.
    revision: &'a str,
}

impl VersionScheme for Dpkg {
    fn name(&self) -> &'static str {
        NAME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let a = parse(a)?;
        let b = parse(b)?;
        Ok(a.epoch
            .cmp(&b.epoch)
            .then_with(|| compare_part(a.upstream, b.upstream))
            .then_with(|| compare_part(a.revision, b.revision)))
    }
}

fn parse(version: &str) -> Result<DpkgVersion<'_>, VersionError> {
    let invalid = |reason: &str| VersionError::invalid(NAME, version, reason);

    let trimmed = version.trim_matches(|c: char| c.is_ascii_whitespace());
    if trimmed.is_empty() {
        return Err(invalid("version string is empty"));
    }
    if trimmed.contains(|c: char| c.is_whitespace()) {
        return Err(invalid("version string contains whitespace"));
    }

    // The epoch ends at the first colon, so an upstream version can contain colons only when
    // an epoch is present.
    let (epoch, rest) = match trimmed.split_once(':') {
        Some((epoch, rest)) => (parse_epoch(epoch).map_err(invalid)?, rest),
        None => (0, trimmed),
    };

    // The revision starts after the last hyphen, so an upstream version can contain hyphens
    // only when a revision is present.
    let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, ""));

    if upstream.is_empty() {
        return Err(invalid("upstream version is empty"));
    }
    if !upstream.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(invalid("upstream version does not start with a digit"));
    }
    if let Some(c) = upstream.chars().find(|&c| !is_upstream_char(c)) {
        return Err(invalid(&format!(
            "upstream version contains {c:?}; only letters, digits and . + ~ - : are allowed"
        )));
    }
    if let Some(c) = revision.chars().find(|&c| !is_revision_char(c)) {
        return Err(invalid(&format!(
            "revision contains {c:?}; only letters, digits and . + ~ are allowed"
        )));
    }

    Ok(DpkgVersion {
        epoch,
        upstream,
        revision,
    })
}

fn parse_epoch(epoch: &str) -> Result<u32, &'static str> {
    if epoch.is_empty() {
        return Err("epoch is empty");
    }
    if !epoch.bytes().all(|b| b.is_ascii_digit()) {
        return Err("epoch is not a non-negative integer");
    }
    match epoch.parse::<u32>() {
        Ok(value) if value <= MAX_EPOCH => Ok(value),
        _ => Err("epoch is greater than 2147483647"),
    }
}

fn is_upstream_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~' | '-' | ':')
}

fn is_revision_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~')
}

/// Compares two upstream versions or two revisions as dpkg's `verrevcmp` does.
///
/// Both strings are split into alternating non-digit and digit runs. Non-digit runs are
/// compared character by character with [`non_digit_weight`]; digit runs are compared as
/// integers, and a missing digit run counts as zero.
fn compare_part(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());

    while !a.is_empty() || !b.is_empty() {
        let (a_text, a_rest) = split_run(a, |byte| !byte.is_ascii_digit());
        let (b_text, b_rest) = split_run(b, |byte| !byte.is_ascii_digit());
        let ordering = compare_non_digits(a_text, b_text);
        if ordering != Ordering::Equal {
            return ordering;
        }

        let (a_digits, a_rest) = split_run(a_rest, |byte| byte.is_ascii_digit());
        let (b_digits, b_rest) = split_run(b_rest, |byte| byte.is_ascii_digit());
        let ordering = compare_digits(a_digits, b_digits);
        if ordering != Ordering::Equal {
            return ordering;
        }

        a = a_rest;
        b = b_rest;
    }
    Ordering::Equal
}

fn split_run(bytes: &[u8], in_run: impl Fn(u8) -> bool) -> (&[u8], &[u8]) {
    let end = bytes
        .iter()
        .position(|&byte| !in_run(byte))
        .unwrap_or(bytes.len());
    bytes.split_at(end)
}

/// Compares two non-digit runs; the end of the shorter run weighs as much as a digit.
fn compare_non_digits(a: &[u8], b: &[u8]) -> Ordering {
    let length = a.len().max(b.len());
    (0..length)
        .map(|i| non_digit_weight(a.get(i).copied()).cmp(&non_digit_weight(b.get(i).copied())))
        .find(|ordering| *ordering != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

/// Sort weight of one character of a non-digit run (`None` is the end of the run).
///
/// `~` sorts before everything, even the end of the run, so `1.0~rc1 < 1.0`. Letters sort
/// before all other characters, so `1.0a < 1.0+`.
fn non_digit_weight(byte: Option<u8>) -> i32 {
    match byte {
        None => 0,
        Some(b'~') => -1,
        Some(byte) if byte.is_ascii_alphabetic() => i32::from(byte),
        Some(byte) => i32::from(byte) + 256,
    }
}

/// Compares two digit runs as unbounded integers, so any length works without overflow.
fn compare_digits(a: &[u8], b: &[u8]) -> Ordering {
    let a = trim_leading_zeros(a);
    let b = trim_leading_zeros(b);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn trim_leading_zeros(digits: &[u8]) -> &[u8] {
    let start = digits
        .iter()
        .position(|&d| d != b'0')
        .unwrap_or(digits.len());
    &digits[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_splits_epoch_and_last_hyphen() {
        let version = parse("1:2.0-3-4").unwrap();
        assert_eq!(
            version,
            DpkgVersion {
                epoch: 1,
                upstream: "2.0-3",
                revision: "4"
            }
        );
    }

    #[test]
    fn parse_keeps_colons_after_epoch() {
        let version = parse("0:0:0-0").unwrap();
        assert_eq!(version.upstream, "0:0");
    }

    #[test]
    fn non_digit_weight_orders_tilde_end_letter_other() {
        assert!(non_digit_weight(Some(b'~')) < non_digit_weight(None));
        assert!(non_digit_weight(None) < non_digit_weight(Some(b'A')));
        assert!(non_digit_weight(Some(b'Z')) < non_digit_weight(Some(b'a')));
        assert!(non_digit_weight(Some(b'z')) < non_digit_weight(Some(b'+')));
        assert!(non_digit_weight(Some(b'+')) < non_digit_weight(Some(b'.')));
    }

    #[test]
    fn compare_digits_ignores_leading_zeros() {
        assert_eq!(compare_digits(b"0010", b"10"), Ordering::Equal);
        assert_eq!(compare_digits(b"", b"0"), Ordering::Equal);
        assert_eq!(
            compare_digits(b"99999999999999999999999", b"100000000000000000000000"),
            Ordering::Less
        );
    }
}
