//! RPM package versions: `[epoch:]version[-release]`, ordered by rpm's `rpmvercmp`
//! (`rpmio/rpmvercmp.c`, rpm 4.15 and later, which added the caret).

use std::cmp::Ordering;

use crate::{VersionError, VersionScheme};

/// RPM versions with epoch and release (EVR), as Red Hat, Rocky Linux, AlmaLinux and SUSE
/// advisories state them (`1:3.0.7-27.el9`, `2.34-100.el9_4.2`).
///
/// The epoch is compared first, as a number, and a missing epoch is 0. Version and release are
/// compared with `rpmvercmp`. A release is only compared when both sides have one, as rpm's
/// `rpmVersionCompare` does, so `1.0` matches every release of `1.0`.
///
/// `rpmvercmp` splits a string into runs of ASCII digits and runs of ASCII letters and skips
/// every other character. Digit runs compare as numbers and sort after letter runs. `~` sorts
/// before everything, even the end of the string (`1.0~rc1 < 1.0`). `^` sorts after the end
/// of the string but before any further run (`1.0 < 1.0^git1 < 1.0.1`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Rpm;

const NAME: &str = "rpm";

/// A parsed EVR that borrows its parts from the input.
#[derive(Debug, PartialEq, Eq)]
struct Evr<'a> {
    epoch: u64,
    version: &'a str,
    release: Option<&'a str>,
}

impl VersionScheme for Rpm {
    fn name(&self) -> &'static str {
        NAME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let a = parse(a)?;
        let b = parse(b)?;
        let mut ordering = a
            .epoch
            .cmp(&b.epoch)
            .then_with(|| rpmvercmp(a.version, b.version));
        if let (Some(a_release), Some(b_release)) = (a.release, b.release) {
            ordering = ordering.then_with(|| rpmvercmp(a_release, b_release));
        }
        Ok(ordering)
    }
}

/// Splits `epoch:version-release`. The epoch ends at the first colon and the release starts
/// after the last hyphen, because rpm forbids `-` in versions and releases.
fn parse(evr: &str) -> Result<Evr<'_>, VersionError> {
    let invalid = |reason: &str| VersionError::invalid(NAME, evr, reason);

    if evr.is_empty() {
        return Err(invalid("version string is empty"));
    }
    if evr.contains(char::is_whitespace) {
        return Err(invalid("version string contains whitespace"));
    }

    let (epoch, rest) = match evr.split_once(':') {
        Some((epoch, rest)) => {
            if epoch.is_empty() || !epoch.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err(invalid("epoch is not a non-negative integer"));
            }
            let epoch = epoch
                .parse::<u64>()
                .map_err(|_| invalid("epoch is too large"))?;
            (epoch, rest)
        }
        None => (0, evr),
    };
    if rest.contains(':') {
        return Err(invalid("version contains more than one ':'"));
    }

    let (version, release) = match rest.rsplit_once('-') {
        Some((version, release)) => (version, Some(release)),
        None => (rest, None),
    };
    if version.is_empty() {
        return Err(invalid("version is empty"));
    }
    if release == Some("") {
        return Err(invalid("release after '-' is empty"));
    }
    Ok(Evr {
        epoch,
        version,
        release,
    })
}

/// Compares two version or release strings as rpm's `rpmvercmp` does.
pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (mut one, mut two) = (a.as_bytes(), b.as_bytes());

    while !one.is_empty() || !two.is_empty() {
        one = skip_separators(one);
        two = skip_separators(two);

        // A tilde sorts before everything else, even the end of the string.
        if one.first() == Some(&b'~') || two.first() == Some(&b'~') {
            if one.first() != Some(&b'~') {
                return Ordering::Greater;
            }
            if two.first() != Some(&b'~') {
                return Ordering::Less;
            }
            one = &one[1..];
            two = &two[1..];
            continue;
        }

        // A caret sorts like a tilde, except that the end of the string sorts before it.
        if one.first() == Some(&b'^') || two.first() == Some(&b'^') {
            if one.is_empty() {
                return Ordering::Less;
            }
            if two.is_empty() {
                return Ordering::Greater;
            }
            if one.first() != Some(&b'^') {
                return Ordering::Greater;
            }
            if two.first() != Some(&b'^') {
                return Ordering::Less;
            }
            one = &one[1..];
            two = &two[1..];
            continue;
        }

        if one.is_empty() || two.is_empty() {
            break;
        }

        let is_number = one[0].is_ascii_digit();
        let in_segment = |byte: &u8| {
            if is_number {
                byte.is_ascii_digit()
            } else {
                byte.is_ascii_alphabetic()
            }
        };
        let one_length = one.iter().take_while(|byte| in_segment(byte)).count();
        let two_length = two.iter().take_while(|byte| in_segment(byte)).count();
        let (one_segment, one_rest) = one.split_at(one_length);
        let (two_segment, two_rest) = two.split_at(two_length);

        // Segments of different types: a number sorts after letters.
        if two_segment.is_empty() {
            return if is_number {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }

        let ordering = if is_number {
            let one_digits = trim_leading_zeros(one_segment);
            let two_digits = trim_leading_zeros(two_segment);
            one_digits
                .len()
                .cmp(&two_digits.len())
                .then_with(|| one_digits.cmp(two_digits))
        } else {
            one_segment.cmp(two_segment)
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
        one = one_rest;
        two = two_rest;
    }

    match (one.is_empty(), two.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

/// Skips the characters that `rpmvercmp` treats as separators: everything except ASCII letters,
/// digits, `~` and `^`.
fn skip_separators(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&byte| byte.is_ascii_alphanumeric() || byte == b'~' || byte == b'^')
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn trim_leading_zeros(digits: &[u8]) -> &[u8] {
    let start = digits
        .iter()
        .position(|&digit| digit != b'0')
        .unwrap_or(digits.len());
    &digits[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_splits_epoch_and_last_hyphen() {
        assert_eq!(
            parse("1:3.0.7-27.el9").unwrap(),
            Evr {
                epoch: 1,
                version: "3.0.7",
                release: Some("27.el9")
            }
        );
        assert_eq!(
            parse("2.34").unwrap(),
            Evr {
                epoch: 0,
                version: "2.34",
                release: None
            }
        );
    }

    #[test]
    fn parse_rejects_bad_epoch_and_empty_parts() {
        for evr in ["", "x:1.0", ":1.0", "1:", "1.0-", "1:2:3", "1.0 -1"] {
            assert!(parse(evr).is_err(), "{evr:?} should be invalid");
        }
    }
}
