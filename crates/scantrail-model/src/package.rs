use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Digest;

/// A package ecosystem, named as OSV names it (without a release suffix such as `:12`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ecosystem {
    Debian,
    Ubuntu,
    Alpine,
    RedHat,
    PyPI,
    Npm,
    Go,
    CratesIo,
    Maven,
    RockyLinux,
    AlmaLinux,
    Suse,
    OpenSuse,
}

impl Ecosystem {
    pub const ALL: [Ecosystem; 13] = [
        Ecosystem::Debian,
        Ecosystem::Ubuntu,
        Ecosystem::Alpine,
        Ecosystem::RedHat,
        Ecosystem::PyPI,
        Ecosystem::Npm,
        Ecosystem::Go,
        Ecosystem::CratesIo,
        Ecosystem::Maven,
        Ecosystem::RockyLinux,
        Ecosystem::AlmaLinux,
        Ecosystem::Suse,
        Ecosystem::OpenSuse,
    ];

    /// The OSV ecosystem name, for example `Debian`, `PyPI` or `npm`.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Debian => "Debian",
            Ecosystem::Ubuntu => "Ubuntu",
            Ecosystem::Alpine => "Alpine",
            Ecosystem::RedHat => "Red Hat",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Npm => "npm",
            Ecosystem::Go => "Go",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Maven => "Maven",
            Ecosystem::RockyLinux => "Rocky Linux",
            Ecosystem::AlmaLinux => "AlmaLinux",
            Ecosystem::Suse => "SUSE",
            Ecosystem::OpenSuse => "openSUSE",
        }
    }

    /// Whether packages of this ecosystem belong to the operating system distribution, so that
    /// advisories for them are scoped to a release (`Debian:12`).
    pub fn is_distribution(self) -> bool {
        matches!(
            self,
            Ecosystem::Debian
                | Ecosystem::Ubuntu
                | Ecosystem::Alpine
                | Ecosystem::RedHat
                | Ecosystem::RockyLinux
                | Ecosystem::AlmaLinux
                | Ecosystem::Suse
                | Ecosystem::OpenSuse
        )
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Ecosystem {
    type Err = String;

    /// Parses an OSV ecosystem name; a release suffix (`Debian:12`) is ignored.
    fn from_str(s: &str) -> Result<Ecosystem, String> {
        let base = s.split(':').next().unwrap_or(s);
        Ecosystem::ALL
            .into_iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(base))
            .ok_or_else(|| format!("unknown ecosystem {s:?}"))
    }
}

impl Serialize for Ecosystem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Ecosystem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Ecosystem, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One installed package found in an image.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Package {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    /// The source package, for distribution packages built from a differently named source
    /// (dpkg `Source:`). Advisories for distributions name source packages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// The source package's version where it differs from `version` (dpkg `Source: name (ver)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    pub purl: String,
    /// Absolute path, inside the image, of the file the package was read from.
    pub path: String,
    /// Diff ID of the layer that last wrote `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<Digest>,
}

impl Package {
    /// The name advisories use for this package: the source package for distributions.
    pub fn match_name(&self) -> &str {
        self.source_name.as_deref().unwrap_or(&self.name)
    }

    /// The version advisories compare against: the source version when one is given.
    pub fn match_version(&self) -> &str {
        self.source_version.as_deref().unwrap_or(&self.version)
    }
}

/// The operating system of an image, from `os-release`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsRelease {
    /// `ID`, for example `debian`.
    pub id: String,
    /// `VERSION_ID`, for example `12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_codename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
}

/// The packages found in an image, sorted, plus its operating system.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<OsRelease>,
    pub packages: Vec<Package>,
}

impl Inventory {
    /// Sorts and deduplicates packages so that equal inventories serialize identically.
    pub fn normalize(&mut self) {
        self.packages.sort();
        self.packages.dedup();
    }
}
