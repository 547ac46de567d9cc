use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use scantrail_advisory::{Advisory, Affected, Snapshot};
use scantrail_model::{Ecosystem, Finding, Inventory, OsRelease, Package};
use scantrail_version::{scheme_for, Semver, VersionScheme};

use crate::finding::{build_findings, sort_findings, MatchedRecord};
use crate::range::evaluate_affected;

/// The lookup key of an affected entry and of an installed package.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct PackageKey {
    ecosystem: Ecosystem,
    /// The distribution release (`12` for `Debian:12`); `None` for language ecosystems.
    release: Option<String>,
    /// The package name, normalized where the ecosystem compares names loosely (PyPI).
    name: String,
}

/// Position of one affected entry in the snapshot.
#[derive(Clone, Copy, Debug)]
struct EntryRef {
    advisory: usize,
    affected: usize,
}

/// A snapshot's affected entries indexed by ecosystem, release and package name, so that many
/// inventories can be matched against one snapshot without scanning every advisory.
pub struct AdvisoryIndex<'a> {
    snapshot: &'a Snapshot,
    entries: HashMap<PackageKey, Vec<EntryRef>>,
}

impl<'a> AdvisoryIndex<'a> {
    /// Indexes every affected entry of `snapshot` whose ecosystem is an [`Ecosystem`] variant.
    /// Entries of other ecosystems (NuGet, RubyGems) are left out because no inventory contains
    /// them.
    pub fn new(snapshot: &'a Snapshot) -> AdvisoryIndex<'a> {
        let mut entries: HashMap<PackageKey, Vec<EntryRef>> = HashMap::new();
        for (advisory_index, advisory) in snapshot.advisories.iter().enumerate() {
            for (affected_index, affected) in advisory.affected.iter().enumerate() {
                if let Some(key) = affected_key(affected) {
                    entries.entry(key).or_default().push(EntryRef { advisory: advisory_index, affected: affected_index });
                }
            }
        }
        AdvisoryIndex { snapshot, entries }
    }

    /// The snapshot this index was built from.
    pub fn snapshot(&self) -> &'a Snapshot {
        self.snapshot
    }

    /// Matches every package of `inventory`, returning findings sorted by severity (most severe
    /// first), vulnerability id, package name, version and path.
    pub fn match_inventory(&self, inventory: &Inventory) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut distribution_packages_without_release = 0usize;

        for package in &inventory.packages {
            let Some(key) = package_key(package, inventory.os.as_ref()) else {
                distribution_packages_without_release += 1;
                continue;
            };
            findings.extend(self.match_package(package, &key));
        }

        if distribution_packages_without_release > 0 {
            tracing::debug!(
                packages = distribution_packages_without_release,
                "distribution packages not matched: the image has no os-release VERSION_ID"
            );
        }
        sort_findings(&mut findings);
        findings
    }

    fn match_package(&self, package: &Package, key: &PackageKey) -> Vec<Finding> {
        let Some(entries) = self.entries.get(key) else { return Vec::new() };
        let scheme = scheme_for(package.ecosystem);
        let semver: &dyn VersionScheme = &Semver;
        let version = package.match_version();

        // An advisory may list the same package in several affected entries, so the matches
        // of one advisory are merged.
        let mut matched: BTreeMap<usize, MatchedRecord<'a>> = BTreeMap::new();
        for entry in entries {
            let advisory: &'a Advisory = &self.snapshot.advisories[entry.advisory];
            let affected = &advisory.affected[entry.affected];
            if let Some(found) = evaluate_affected(affected, version, scheme, semver, &advisory.id) {
                let record = matched
                    .entry(entry.advisory)
                    .or_insert_with(|| MatchedRecord { advisory, fixed: Vec::new(), affected: Vec::new() });
                record.fixed.extend(found.fixed);
                record.affected.push(affected);
            }
        }

        build_findings(package, matched.into_values().collect(), scheme)
    }
}

/// The key of an affected entry; `None` when its ecosystem is unknown to scantrail.
fn affected_key(affected: &Affected) -> Option<PackageKey> {
    let (base, suffix) = match affected.ecosystem.split_once(':') {
        Some((base, suffix)) => (base, Some(suffix)),
        None => (affected.ecosystem.as_str(), None),
    };
    let ecosystem = Ecosystem::from_str(base).ok()?;
    let release = if ecosystem.is_distribution() { suffix.and_then(|suffix| normalize_advisory_release(ecosystem, suffix)) } else { None };
    if ecosystem.is_distribution() && release.is_none() {
        // A distribution record without a release cannot be scoped to an image's release.
        return None;
    }
    Some(PackageKey { ecosystem, release, name: normalize_name(ecosystem, &affected.name) })
}

/// The key of an installed package. A distribution package of an image without an os-release
/// `VERSION_ID` has none, because distribution advisories are scoped to a release.
fn package_key(package: &Package, os: Option<&OsRelease>) -> Option<PackageKey> {
    let release = if package.ecosystem.is_distribution() {
        let version_id = os?.version_id.as_deref()?;
        Some(normalize_image_release(package.ecosystem, version_id))
    } else {
        None
    };
    Some(PackageKey { ecosystem: package.ecosystem, release, name: normalize_name(package.ecosystem, package.match_name()) })
}

/// Normalizes the release suffix of an OSV distribution ecosystem. Ubuntu's long-term support
/// suffix is dropped (`Ubuntu:22.04:LTS` is release `22.04`).
///
/// Red Hat records name a product stream as a CPE fragment (`enterprise_linux:9::baseos`), and
/// only the `enterprise_linux` streams apply to a RHEL image, as release `9`. Records of other
/// streams (`rhel_eus:9.4::baseos`, add-on products) return `None`.
///
/// NOTE: Ubuntu Pro records (`Ubuntu:Pro:18.04:LTS`) keep their `Pro:` prefix and so match no
/// image, because whether an image receives Ubuntu Pro updates is not known from its packages.
fn normalize_advisory_release(ecosystem: Ecosystem, suffix: &str) -> Option<String> {
    if ecosystem == Ecosystem::RedHat {
        let mut parts = suffix.split(':');
        return match (parts.next(), parts.next()) {
            (Some("enterprise_linux"), Some(version)) => Some(major(version).to_string()),
            _ => None,
        };
    }
    Some(suffix.strip_suffix(":LTS").unwrap_or(suffix).to_string())
}

/// Returns the major version of a `major[.minor…]` version.
fn major(version: &str) -> &str {
    version.split('.').next().unwrap_or(version)
}

/// Converts an os-release `VERSION_ID` to the release OSV names. Alpine records name the minor
/// release with a `v` (`3.18.4` is `v3.18`). Red Hat, Rocky Linux and AlmaLinux records name
/// the major release (`9.3` is `9`). openSUSE records name the Leap release (`15.6` is
/// `Leap 15.6`). Other distributions use `VERSION_ID` as it is.
///
/// NOTE: SUSE Linux Enterprise records name the product and service pack
/// (`SUSE:Linux Enterprise Server 15 SP6`), which os-release does not state in that form, so
/// SUSE images are compared with the bare `VERSION_ID` and rarely match.
fn normalize_image_release(ecosystem: Ecosystem, version_id: &str) -> String {
    match ecosystem {
        Ecosystem::Alpine => {
            let minor: Vec<&str> = version_id.split('.').take(2).collect();
            format!("v{}", minor.join("."))
        }
        Ecosystem::RedHat | Ecosystem::RockyLinux | Ecosystem::AlmaLinux => major(version_id).to_string(),
        Ecosystem::OpenSuse => format!("Leap {version_id}"),
        _ => version_id.to_string(),
    }
}

/// Normalizes a package name for comparison. PyPI names follow PEP 503: lowercase, with runs of
/// `-`, `_` and `.` replaced by one `-`. Other ecosystems compare names exactly.
pub fn normalize_name(ecosystem: Ecosystem, name: &str) -> String {
    if ecosystem != Ecosystem::PyPI {
        return name.to_string();
    }
    let mut normalized = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator_run {
                normalized.push('-');
            }
            in_separator_run = true;
        } else {
            normalized.push(c.to_ascii_lowercase());
            in_separator_run = false;
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_normalization() {
        let cases = [
            ("PyYAML", "pyyaml"),
            ("zope.interface", "zope-interface"),
            ("Foo__Bar-.baz", "foo-bar-baz"),
            ("jinja2", "jinja2"),
        ];
        for (name, expected) in cases {
            assert_eq!(normalize_name(Ecosystem::PyPI, name), expected, "name {name}");
        }
    }

    #[test]
    fn npm_names_compare_exactly() {
        assert_eq!(normalize_name(Ecosystem::Npm, "JSONStream"), "JSONStream");
    }

    #[test]
    fn release_normalization() {
        assert_eq!(normalize_advisory_release(Ecosystem::Ubuntu, "22.04:LTS").as_deref(), Some("22.04"));
        assert_eq!(normalize_advisory_release(Ecosystem::Debian, "12").as_deref(), Some("12"));
        assert_eq!(normalize_advisory_release(Ecosystem::RedHat, "enterprise_linux:9::baseos").as_deref(), Some("9"));
        assert_eq!(normalize_advisory_release(Ecosystem::RedHat, "enterprise_linux:8::appstream").as_deref(), Some("8"));
        assert_eq!(normalize_advisory_release(Ecosystem::RedHat, "rhel_eus:9.4::baseos"), None);
        assert_eq!(normalize_advisory_release(Ecosystem::RockyLinux, "9").as_deref(), Some("9"));
        assert_eq!(normalize_image_release(Ecosystem::RedHat, "9.3"), "9");
        assert_eq!(normalize_image_release(Ecosystem::RockyLinux, "8.9"), "8");
        assert_eq!(normalize_image_release(Ecosystem::AlmaLinux, "9"), "9");
        assert_eq!(normalize_image_release(Ecosystem::OpenSuse, "15.6"), "Leap 15.6");
        assert_eq!(normalize_image_release(Ecosystem::Alpine, "3.18.4"), "v3.18");
        assert_eq!(normalize_image_release(Ecosystem::Debian, "12"), "12");
    }
}
