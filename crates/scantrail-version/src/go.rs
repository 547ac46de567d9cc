//! Go module versions, parsed and ordered as `golang.org/x/mod/semver` does.

use std::cmp::Ordering;

use crate::{VersionError, VersionScheme};

/// Go module versions: SemVer 2.0.0 with a `v` prefix (`v1.2.3`, `v2.0.0+incompatible`).
///
/// Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`) are SemVer pre-releases, so they
/// order by their timestamp and before the release they precede. Build metadata, including
/// `+incompatible`, is ignored for ordering. As in `golang.org/x/mod/semver`, the shorthands
/// `v1` and `v1.2` mean `v1.0.0` and `v1.2.0`, but only without a pre-release or build suffix.
///
/// The `v` is optional here, because OSV records for the Go ecosystem write versions without it
/// (`1.2.3`, `0.0.0-20220314234659-1baeb1ce4c0b`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Go;

const NAME: &str = "go";

/// A parsed Go version that borrows its parts from the input.
#[derive(Debug, PartialEq, Eq)]
struct GoVersion<'a> {
    major: &'a str,
    minor: &'a str,
    patch: &'a str,
    /// Dot-separated pre-release identifiers without the leading `-`; empty for a release.
    prerelease: &'a str,
}

impl VersionScheme for Go {
    fn name(&self) -> &'static str {
        NAME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let a = parse(a)?;
        let b = parse(b)?;
        Ok(compare_number(a.major, b.major)
            .then_with(|| compare_number(a.minor, b.minor))
            .then_with(|| compare_number(a.patch, b.patch))
            .then_with(|| compare_prerelease(a.prerelease, b.prerelease)))
    }
}

fn parse(version: &str) -> Result<GoVersion<'_>, VersionError> {
    let invalid = |reason: &str| VersionError::invalid(NAME, version, reason);
    let rest = version.strip_prefix('v').unwrap_or(version);
    if rest.is_empty() {
        return Err(invalid("version string is empty"));
    }

    let (rest, build) = match rest.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (rest, None),
    };
    let (core, prerelease) = match rest.split_once('-') {
        Some((core, prerelease)) => (core, Some(prerelease)),
        None => (rest, None),
    };

    let numbers: Vec<&str> = core.split('.').collect();
    if numbers.len() > 3 {
        return Err(invalid("expected at most three numbers: major.minor.patch"));
    }
    for number in &numbers {
        check_number(number).map_err(invalid)?;
    }
    if numbers.len() < 3 && (prerelease.is_some() || build.is_some()) {
        return Err(invalid(
            "a pre-release or build suffix needs all of major.minor.patch",
        ));
    }

    if let Some(prerelease) = prerelease {
        check_identifiers(prerelease, true)
            .map_err(|reason| invalid(&format!("pre-release: {reason}")))?;
    }
    if let Some(build) = build {
        check_identifiers(build, false)
            .map_err(|reason| invalid(&format!("build metadata: {reason}")))?;
    }

    Ok(GoVersion {
        major: numbers[0],
        minor: numbers.get(1).copied().unwrap_or("0"),
        patch: numbers.get(2).copied().unwrap_or("0"),
        prerelease: prerelease.unwrap_or(""),
    })
}

fn check_number(number: &str) -> Result<(), &'static str> {
    if number.is_empty() || !number.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err("major, minor and patch must be decimal numbers");
    }
    if number.len() > 1 && number.starts_with('0') {
        return Err("major, minor and patch must not have leading zeros");
    }
    Ok(())
}

/// Checks dot-separated identifiers of `[0-9A-Za-z-]`. Numeric pre-release identifiers must not
/// have leading zeros.
fn check_identifiers(identifiers: &str, is_prerelease: bool) -> Result<(), &'static str> {
    for identifier in identifiers.split('.') {
        if identifier.is_empty() {
            return Err("empty identifier");
        }
        if !identifier
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
        {
            return Err("identifiers may only contain ASCII letters, digits and '-'");
        }
        let is_numeric = identifier.bytes().all(|byte| byte.is_ascii_digit());
        if is_prerelease && is_numeric && identifier.len() > 1 && identifier.starts_with('0') {
            return Err("numeric identifiers must not have leading zeros");
        }
    }
    Ok(())
}

/// Compares two decimal numbers without leading zeros, of any length.
fn compare_number(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Compares pre-releases by SemVer 2.0.0 precedence: a release (empty) sorts after every
/// pre-release, numeric identifiers compare as numbers and sort before alphanumeric ones, and a
/// shorter list of equal identifiers sorts first.
fn compare_prerelease(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(l), Some(r)) => {
                let l_numeric = l.bytes().all(|byte| byte.is_ascii_digit());
                let r_numeric = r.bytes().all(|byte| byte.is_ascii_digit());
                let ordering = match (l_numeric, r_numeric) {
                    (true, true) => compare_number(l, r),
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => l.cmp(r),
                };
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
        }
    }
}
