//! SemVer 2.0.0 precedence, parsed by the `semver` crate, with npm's tolerance of prefixes.

use std::cmp::Ordering;

use ::semver::Version;

use crate::{VersionError, VersionScheme};

/// npm package versions ordered by SemVer 2.0.0 precedence.
///
/// Pre-releases are ordered among all other versions (`1.0.0-rc.1 < 1.0.0 < 1.0.1-alpha`), as
/// advisory ranges need. npm's range rule that hides pre-releases from ranges such as `>=1.0.0`
/// is a matching rule, not an ordering rule, and does not apply here. Build metadata is ignored,
/// so `1.0.0+a` and `1.0.0+b` compare equal.
///
/// Leading `v`, `=` and whitespace in any order, and trailing whitespace, are ignored. This
/// covers the forms node-semver accepts in loose mode, such as `v 1.2.3` and ` = 1.2.3`.
/// The version itself must be strict SemVer 2.0.0: three numeric parts without leading zeros.
#[derive(Debug, Clone, Copy, Default)]
pub struct Semver;

const NAME: &str = "semver";

impl VersionScheme for Semver {
    fn name(&self) -> &'static str {
        NAME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        // `Version`'s `Ord` also orders build metadata, which SemVer precedence must ignore.
        Ok(parse(a)?.cmp_precedence(&parse(b)?))
    }
}

fn parse(version: &str) -> Result<Version, VersionError> {
    let stripped = version
        .trim_start_matches(|c: char| c == 'v' || c == '=' || c.is_whitespace())
        .trim_end();
    if stripped.is_empty() {
        return Err(VersionError::invalid(
            NAME,
            version,
            "version string is empty",
        ));
    }
    Version::parse(stripped)
        .map_err(|error| VersionError::invalid(NAME, version, error.to_string()))
}
