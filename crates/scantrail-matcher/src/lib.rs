//! Matching an image's inventory against an advisory snapshot.
//!
//! A package is affected by an advisory when an affected entry names its ecosystem and package
//! and the installed version is inside the entry. It is inside when the entry's `versions` list
//! it or one of its ECOSYSTEM or SEMVER ranges contains it, evaluated as the OSV schema
//! describes. Distribution packages
//! (Debian, Ubuntu) are matched by source package and source version against records for the
//! image's release (`Debian:12` for an os-release `VERSION_ID` of `12`), as Debian's own
//! advisories name source packages. PyPI names are compared after PEP 503 normalization.
//!
//! Records that are aliases of one another (a PYSEC and a GHSA record for one CVE) become one
//! finding that lists every id.
//!
//! A finding keeps every severity rating of the entries that matched, with its source. Its
//! `severity` is the first by `scantrail_advisory::rank_severities`: for distribution packages the
//! distribution's own rating before CVSS v3 and `database_specific`, for other packages CVSS v3
//! first.

mod finding;
mod index;
mod range;

use scantrail_advisory::Snapshot;
use scantrail_model::{Finding, Inventory};

pub use index::{normalize_name, AdvisoryIndex};

/// Matches every package of `inventory` against `snapshot`, returning findings sorted by
/// severity (most severe first), vulnerability id, package name, version and path.
///
/// To match several inventories against one snapshot, build an [`AdvisoryIndex`] once instead.
pub fn match_inventory(inventory: &Inventory, snapshot: &Snapshot) -> Vec<Finding> {
    AdvisoryIndex::new(snapshot).match_inventory(inventory)
}
