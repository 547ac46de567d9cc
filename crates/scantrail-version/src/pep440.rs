//! Python package versions as PEP 440 defines them, parsed and ordered by `pep440_rs`.

use std::cmp::Ordering;
use std::str::FromStr;

use pep440_rs::Version;

use crate::{VersionError, VersionScheme};

/// PyPI package versions under PEP 440.
///
/// Parsing accepts every spelling that PEP 440 normalizes: any letter case, a leading `v`,
/// surrounding whitespace, `alpha`/`beta`/`c`/`pre`/`preview` for `a`/`b`/`rc`, `-`, `_` or `.`
/// separators, and `1.0-1` for `1.0.post1`. Release segments are zero padded, so `1.0 == 1.0.0`.
/// Local versions (`1.0+ubuntu.1`) sort after their public version, as the PEP requires.
///
/// NOTE: Versions that are not PEP 440 ("legacy" versions such as `2004d` or `1.0-SNAPSHOT`)
/// are rejected, although some old PyPI releases use them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pep440;

const NAME: &str = "pep440";

impl VersionScheme for Pep440 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        parse(version).map(|_| ())
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(parse(a)?.cmp(&parse(b)?))
    }
}

fn parse(version: &str) -> Result<Version, VersionError> {
    // pep440_rs 0.7 trims only ASCII whitespace. Trimming all Unicode whitespace first matches
    // the `packaging` library, which accepts a version wrapped in, for example, U+202F.
    let version_text = version.trim();
    Version::from_str(version_text)
        .map_err(|error| VersionError::invalid(NAME, version, error.to_string()))
}
