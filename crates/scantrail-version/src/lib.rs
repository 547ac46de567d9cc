//! Version comparison schemes, one per package ecosystem.
//!
//! Advisories state affected ranges as versions ("introduced 1.2.0, fixed 1.2.5"). Whether an
//! installed version falls inside such a range depends on its ecosystem's ordering:
//! `1.0~rc1 < 1.0` for dpkg, `1.0.dev1 < 1.0a1 < 1.0` for PEP 440, `1.0.0-rc.1 < 1.0.0` for
//! SemVer, `1.2_rc1 < 1.2 < 1.2-r1 < 1.2_p1` for apk, `1.0~rc1 < 1.0 < 1.0^git1` for rpm and
//! `1.0-SNAPSHOT < 1.0 < 1.0-sp1` for Maven. Each scheme implements [`VersionScheme`]; [`scheme_for`] picks the scheme of an
//! ecosystem and [`scheme_by_name`] picks one by its short name.

mod apk;
mod dpkg;
mod go;
mod maven;
mod pep440;
mod rpm;
mod semver;

use std::cmp::Ordering;

use scantrail_model::Ecosystem;

pub use crate::apk::Apk;
pub use crate::dpkg::Dpkg;
pub use crate::go::Go;
pub use crate::maven::Maven;
pub use crate::pep440::Pep440;
pub use crate::rpm::Rpm;
pub use crate::semver::Semver;

/// A version syntax and ordering, such as dpkg's or PEP 440's.
pub trait VersionScheme: Send + Sync {
    /// Short name: "apk", "dpkg", "go", "maven", "pep440", "rpm" or "semver".
    fn name(&self) -> &'static str;

    /// Checks that `version` is valid in this scheme.
    fn validate(&self, version: &str) -> Result<(), VersionError>;

    /// Compares two versions by this scheme's rules.
    ///
    /// Returns an error naming the first of `a`, `b` that is not valid in this scheme.
    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError>;
}

/// An error from parsing a version string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The version string does not follow the scheme's syntax.
    #[error("invalid {scheme} version {version:?}: {reason}")]
    Invalid {
        /// Short name of the scheme, as [`VersionScheme::name`] returns it.
        scheme: &'static str,
        /// The version string as the caller passed it.
        version: String,
        /// What is wrong with the version.
        reason: String,
    },
}

impl VersionError {
    pub(crate) fn invalid(scheme: &'static str, version: &str, reason: impl Into<String>) -> Self {
        VersionError::Invalid {
            scheme,
            version: version.to_owned(),
            reason: reason.into(),
        }
    }
}

/// Returns the version scheme of `ecosystem`, or `None` if scantrail has no scheme for it yet.
pub fn scheme_for(ecosystem: Ecosystem) -> Option<&'static dyn VersionScheme> {
    match ecosystem {
        Ecosystem::Debian | Ecosystem::Ubuntu => Some(&Dpkg),
        Ecosystem::PyPI => Some(&Pep440),
        Ecosystem::Npm => Some(&Semver),
        Ecosystem::Alpine => Some(&Apk),
        Ecosystem::RedHat
        | Ecosystem::RockyLinux
        | Ecosystem::AlmaLinux
        | Ecosystem::Suse
        | Ecosystem::OpenSuse => Some(&Rpm),
        Ecosystem::Maven => Some(&Maven),
        Ecosystem::Go => Some(&Go),
        // Cargo requires SemVer 2.0.0 versions, and RustSec ranges compare them by precedence.
        Ecosystem::CratesIo => Some(&Semver),
    }
}

/// Returns the scheme whose [`VersionScheme::name`] is `name`.
pub fn scheme_by_name(name: &str) -> Option<&'static dyn VersionScheme> {
    match name {
        "apk" => Some(&Apk),
        "dpkg" => Some(&Dpkg),
        "go" => Some(&Go),
        "maven" => Some(&Maven),
        "rpm" => Some(&Rpm),
        "pep440" => Some(&Pep440),
        "semver" => Some(&Semver),
        _ => None,
    }
}

/// Finds the greatest of `versions` under `scheme`.
///
/// Returns `Ok(None)` for an empty input, and an error for the first invalid version. Of versions
/// that compare equal (`1.0` and `1.0.0` under PEP 440), the first one wins.
pub fn max_version<'a, I>(
    scheme: &dyn VersionScheme,
    versions: I,
) -> Result<Option<&'a str>, VersionError>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut max: Option<&'a str> = None;
    for version in versions {
        scheme.validate(version)?;
        max = match max {
            Some(current) if scheme.compare(version, current)? != Ordering::Greater => {
                Some(current)
            }
            _ => Some(version),
        };
    }
    Ok(max)
}
