//! The causes of findings introduced or fixed between two scans.
//!
//! Every scan keeps its inventory and the advisory snapshot it was matched against, so a change
//! can be split by re-matching. For a base scan A and a target scan B, a finding introduced in B
//! that A's inventory also gets under B's snapshot came from the advisory side: A's image would
//! have it too with today's advisories. Otherwise the image changed. Fixed findings are split the
//! same way with B's inventory under A's snapshot.
//!
//! When both sides changed (a package moved into a range that a new advisory introduced), the
//! image cause is reported, because A's image does not get the finding even under B's snapshot.
//!
//! An image cause is split once more when the os-release `ID` or `VERSION_ID` changed, because
//! distribution advisories apply per release (`Alpine:v3.10` and `Alpine:v3.11` are separate
//! advisory sets). A's packages are matched as if A had B's release, under B's snapshot. If they
//! get the finding, the release change brought it and the cause is `os_release_changed`.
//! Otherwise the package change did, and its direction (upgraded or downgraded) comes from
//! comparing the installed versions under the ecosystem's version scheme.

use std::collections::{BTreeMap, BTreeSet};

use scantrail_advisory::Snapshot;
use scantrail_matcher::AdvisoryIndex;
use scantrail_model::{Ecosystem, Finding, Inventory, OsRelease, Scan};
use serde::Serialize;

use crate::line::Line;
use crate::{Direction, FindingKey, ScanDiff};

/// The reason a finding appeared in or left an image between two scans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The package was not installed in the base image.
    PackageAdded,
    /// The package is not installed in the target image.
    PackageRemoved,
    /// The package's installed version went up under the ecosystem's version scheme. A fixed
    /// finding left the affected range. An introduced one entered a range that starts at a newer
    /// version, a regression in the newer release.
    PackageUpgraded,
    /// The package's installed version went down: into the affected range for an introduced
    /// finding, or below the version that introduced the vulnerability for a fixed one.
    PackageDowngraded,
    /// An advisory record that the base's snapshot lacks now matches.
    AdvisoryPublished,
    /// A record present in both snapshots changed its affected ranges, or records were grouped
    /// differently as aliases.
    AdvisoryChanged,
    /// Every advisory record of the finding is gone from the target's snapshot.
    AdvisoryWithdrawn,
    /// The image's os-release `ID` or `VERSION_ID` changed, so another release's advisories
    /// apply: the base's packages get the finding too when matched as the target's release
    /// (for a fixed finding, the target's packages as the base's release).
    OsReleaseChanged,
    /// Reserved for exceptions (accepted risks); not produced yet.
    ExceptionAdded,
    /// Reserved for exceptions that expired; not produced yet.
    ExceptionExpired,
    /// The inputs cannot tell. A snapshot needed for re-matching is not stored, or neither the
    /// package nor the advisories changed (the scans came from different matcher versions). Or the
    /// package changed without a direction: its versions compare equal, only the source package
    /// changed, or the version scheme rejects one of them.
    Unknown,
}

impl Cause {
    pub const ALL: [Cause; 11] = [
        Cause::PackageAdded,
        Cause::PackageRemoved,
        Cause::PackageUpgraded,
        Cause::PackageDowngraded,
        Cause::AdvisoryPublished,
        Cause::AdvisoryChanged,
        Cause::AdvisoryWithdrawn,
        Cause::OsReleaseChanged,
        Cause::ExceptionAdded,
        Cause::ExceptionExpired,
        Cause::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Cause::PackageAdded => "package_added",
            Cause::PackageRemoved => "package_removed",
            Cause::PackageUpgraded => "package_upgraded",
            Cause::PackageDowngraded => "package_downgraded",
            Cause::AdvisoryPublished => "advisory_published",
            Cause::AdvisoryChanged => "advisory_changed",
            Cause::AdvisoryWithdrawn => "advisory_withdrawn",
            Cause::OsReleaseChanged => "os_release_changed",
            Cause::ExceptionAdded => "exception_added",
            Cause::ExceptionExpired => "exception_expired",
            Cause::Unknown => "unknown",
        }
    }

    /// Returns whether the cause lies in the advisory data rather than in the image.
    pub fn is_advisory(self) -> bool {
        matches!(self, Cause::AdvisoryPublished | Cause::AdvisoryChanged | Cause::AdvisoryWithdrawn)
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The cause of one introduced or fixed finding, with the facts it was decided on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attribution {
    pub cause: Cause,
    /// For an introduced finding: an earlier image of the target's line had it and a later one
    /// lost it again, so it came back. Always `false` for fixed findings.
    pub reintroduced: bool,
    /// Installed versions of the finding's package (ecosystem and name) in the base image, sorted;
    /// empty when the base does not have the package.
    pub base_versions: Vec<String>,
    /// Installed versions of the package in the target image, sorted.
    pub target_versions: Vec<String>,
    /// For advisory causes: the records that were published, withdrawn or changed.
    pub advisory_ids: Vec<String>,
}

/// A diff whose introduced and fixed findings carry their causes.
#[derive(Clone, Debug)]
pub struct ExplainedDiff {
    pub diff: ScanDiff,
    /// `introduced[i]` explains `diff.introduced[i]`.
    pub introduced: Vec<Attribution>,
    /// `fixed[i]` explains `diff.fixed[i]`.
    pub fixed: Vec<Attribution>,
    /// Whether re-matching could separate advisory causes from image causes. `false` when the scans used
    /// different snapshots and one of them is not stored.
    pub rematched: bool,
    /// The os-release change from base to target, `None` when `ID` and `VERSION_ID` are equal.
    pub os_release_change: Option<OsReleaseChange>,
}

/// An image's operating system release on each side of a diff, as `ID VERSION_ID`
/// (`alpine 3.11.5`), `None` for an image without an os-release file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OsReleaseChange {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl OsReleaseChange {
    fn between(base: Option<&OsRelease>, target: Option<&OsRelease>) -> Option<OsReleaseChange> {
        let identity = |os: Option<&OsRelease>| os.map(|os| (os.id.clone(), os.version_id.clone()));
        if identity(base) == identity(target) {
            return None;
        }
        let describe = |os: Option<&OsRelease>| {
            os.map(|os| match &os.version_id {
                Some(version_id) => format!("{} {version_id}", os.id),
                None => os.id.clone(),
            })
        };
        Some(OsReleaseChange { from: describe(base), to: describe(target) })
    }
}

/// The two scans' advisory snapshots, loaded from the history store.
#[derive(Clone, Copy, Debug)]
pub struct DiffSnapshots<'a> {
    pub base: &'a Snapshot,
    pub target: &'a Snapshot,
}

impl ExplainedDiff {
    /// Compares `base` with `target` and finds the cause of every introduced and fixed finding.
    ///
    /// `snapshots` must be the scans' own snapshots (`None` when one is not stored). They are
    /// read when the scans used different snapshots or the os-release changed. Scans that share
    /// one snapshot should pass it as both sides, so that `os_release_changed` can be told apart
    /// from package causes. `line` is the target's image line, used to mark findings that came back; without it
    /// nothing is marked reintroduced.
    pub fn explain(base: &Scan, target: &Scan, snapshots: Option<DiffSnapshots<'_>>, line: Option<&Line<'_>>) -> ExplainedDiff {
        let diff = ScanDiff::between(base, target);
        let same_snapshot = base.advisory_snapshot == target.advisory_snapshot;
        let cross = match snapshots {
            Some(snapshots) if !same_snapshot => Some(CrossMatch::new(base, target, snapshots)),
            _ => None,
        };
        let os_release_change = OsReleaseChange::between(base.inventory.os.as_ref(), target.inventory.os.as_ref());
        let release = match snapshots {
            Some(snapshots) if os_release_change.is_some() => ReleaseMatch::Rematched(ReleaseRematch::new(base, target, snapshots)),
            _ if os_release_change.is_some() => ReleaseMatch::NotRematched,
            _ => ReleaseMatch::Unchanged,
        };
        let packages = PackageVersions::new(&base.inventory, &target.inventory);
        let earlier = line.map(|line| EarlierImages::new(line, target)).unwrap_or_default();

        let introduced = diff
            .introduced
            .iter()
            .map(|finding| {
                let mut attribution = explain_introduced(finding, cross.as_ref(), &release, &packages);
                attribution.reintroduced = earlier.had_and_lost(&finding.key());
                attribution
            })
            .collect();
        let fixed = diff.fixed.iter().map(|finding| explain_fixed(finding, cross.as_ref(), &release, &packages)).collect();
        ExplainedDiff { diff, introduced, fixed, rematched: same_snapshot || cross.is_some(), os_release_change }
    }

    /// Introduced and fixed findings per cause, every cause listed, in [`Cause::ALL`] order.
    pub fn cause_counts(&self) -> BTreeMap<Cause, usize> {
        let mut counts: BTreeMap<Cause, usize> = Cause::ALL.iter().map(|cause| (*cause, 0)).collect();
        for attribution in self.introduced.iter().chain(&self.fixed) {
            *counts.entry(attribution.cause).or_insert(0) += 1;
        }
        counts
    }
}

/// The results of matching each scan's inventory against the other scan's snapshot.
struct CrossMatch<'a> {
    /// Keys of the findings the base's inventory gets under the target's snapshot.
    base_under_target: BTreeSet<FindingKey>,
    /// Keys of the findings the target's inventory gets under the base's snapshot.
    target_under_base: BTreeSet<FindingKey>,
    snapshots: DiffSnapshots<'a>,
}

impl<'a> CrossMatch<'a> {
    fn new(base: &Scan, target: &Scan, snapshots: DiffSnapshots<'a>) -> CrossMatch<'a> {
        let keys = |findings: Vec<Finding>| findings.iter().map(Finding::key).collect::<BTreeSet<_>>();
        CrossMatch {
            base_under_target: keys(AdvisoryIndex::new(snapshots.target).match_inventory(&base.inventory)),
            target_under_base: keys(AdvisoryIndex::new(snapshots.base).match_inventory(&target.inventory)),
            snapshots,
        }
    }
}

/// Whether the os-release changed between the scans, and if so what re-matching across it found.
enum ReleaseMatch {
    Unchanged,
    /// The release changed but a snapshot was not available for re-matching.
    NotRematched,
    Rematched(ReleaseRematch),
}

/// The results of matching each scan's packages as if the image had the other scan's os-release.
struct ReleaseRematch {
    /// Keys of the findings the base's packages get as the target's release, under the target's snapshot.
    base_as_target_release: BTreeSet<FindingKey>,
    /// Keys of the findings the target's packages get as the base's release, under the base's snapshot.
    target_as_base_release: BTreeSet<FindingKey>,
}

impl ReleaseRematch {
    fn new(base: &Scan, target: &Scan, snapshots: DiffSnapshots<'_>) -> ReleaseRematch {
        let rematch = |packages: &Inventory, os: &Inventory, snapshot: &Snapshot| {
            let inventory = Inventory { os: os.os.clone(), packages: packages.packages.clone() };
            AdvisoryIndex::new(snapshot).match_inventory(&inventory).iter().map(Finding::key).collect::<BTreeSet<_>>()
        };
        ReleaseRematch {
            base_as_target_release: rematch(&base.inventory, &target.inventory, snapshots.target),
            target_as_base_release: rematch(&target.inventory, &base.inventory, snapshots.base),
        }
    }
}

/// Installed versions per package (ecosystem and name) in the base and the target.
struct PackageVersions {
    base: BTreeMap<(Ecosystem, String), BTreeSet<VersionFacts>>,
    target: BTreeMap<(Ecosystem, String), BTreeSet<VersionFacts>>,
}

/// The facts matching reads from one installed copy of a package: version and source package.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct VersionFacts {
    version: String,
    source_name: Option<String>,
    source_version: Option<String>,
}

impl PackageVersions {
    fn new(base: &Inventory, target: &Inventory) -> PackageVersions {
        let group = |inventory: &Inventory| {
            let mut groups: BTreeMap<(Ecosystem, String), BTreeSet<VersionFacts>> = BTreeMap::new();
            for package in &inventory.packages {
                groups.entry((package.ecosystem, package.name.clone())).or_default().insert(VersionFacts {
                    version: package.version.clone(),
                    source_name: package.source_name.clone(),
                    source_version: package.source_version.clone(),
                });
            }
            groups
        };
        PackageVersions { base: group(base), target: group(target) }
    }

    /// Returns the installed copies of the finding's package in the base and in the target.
    fn versions(&self, finding: &Finding) -> (Option<&BTreeSet<VersionFacts>>, Option<&BTreeSet<VersionFacts>>) {
        let key = (finding.package.ecosystem, finding.package.name.clone());
        (self.base.get(&key), self.target.get(&key))
    }
}

fn version_list(facts: Option<&BTreeSet<VersionFacts>>) -> Vec<String> {
    let versions: BTreeSet<&str> = facts.into_iter().flatten().map(|f| f.version.as_str()).collect();
    versions.into_iter().map(str::to_string).collect()
}

fn attribution(cause: Cause, packages: &PackageVersions, finding: &Finding, advisory_ids: Vec<String>) -> Attribution {
    let (base, target) = packages.versions(finding);
    Attribution {
        cause,
        reintroduced: false,
        base_versions: version_list(base),
        target_versions: version_list(target),
        advisory_ids,
    }
}

/// Returns the direction from the `from` copies to the `to` copies of a package. Several copies
/// are reduced to their greatest version under the ecosystem's scheme.
fn package_direction(ecosystem: Ecosystem, from: &BTreeSet<VersionFacts>, to: &BTreeSet<VersionFacts>) -> Direction {
    let Some(scheme) = scantrail_version::scheme_for(ecosystem) else {
        return Direction::Changed;
    };
    let greatest = |facts: &BTreeSet<VersionFacts>| {
        scantrail_version::max_version(scheme, facts.iter().map(|f| f.version.as_str())).ok().flatten().map(str::to_string)
    };
    match (greatest(from), greatest(to)) {
        (Some(from), Some(to)) => Direction::of_versions(ecosystem, &from, &to),
        _ => Direction::Changed,
    }
}

/// Returns the cause of a finding whose package's copies changed from `from` to `to`.
fn package_change_cause(ecosystem: Ecosystem, from: &BTreeSet<VersionFacts>, to: &BTreeSet<VersionFacts>) -> Cause {
    match package_direction(ecosystem, from, to) {
        Direction::Upgraded => Cause::PackageUpgraded,
        Direction::Downgraded => Cause::PackageDowngraded,
        Direction::Changed => Cause::Unknown,
    }
}

fn explain_introduced(
    finding: &Finding,
    cross: Option<&CrossMatch<'_>>,
    release: &ReleaseMatch,
    packages: &PackageVersions,
) -> Attribution {
    if let Some(cross) = cross {
        if cross.base_under_target.contains(&finding.key()) {
            let missing = ids_missing_from(finding, cross.snapshots.base);
            return if missing.is_empty() {
                attribution(Cause::AdvisoryChanged, packages, finding, changed_ids(finding, cross.snapshots))
            } else {
                attribution(Cause::AdvisoryPublished, packages, finding, missing)
            };
        }
    }

    if let ReleaseMatch::Rematched(rematch) = release {
        if rematch.base_as_target_release.contains(&finding.key()) {
            return attribution(Cause::OsReleaseChanged, packages, finding, Vec::new());
        }
    }

    let (base, target) = packages.versions(finding);
    let cause = match (base, target) {
        (None, _) => Cause::PackageAdded,
        (Some(base), Some(target)) if base != target => package_change_cause(finding.package.ecosystem, base, target),
        // NOTE: without a snapshot to re-match, a release change is assumed to be the cause only
        // when the package itself did not change.
        _ if matches!(release, ReleaseMatch::NotRematched) => Cause::OsReleaseChanged,
        // Same package facts on both sides: the advisories changed but a snapshot was missing
        // for re-matching, or the scans came from different matcher versions.
        _ => Cause::Unknown,
    };
    attribution(cause, packages, finding, Vec::new())
}

fn explain_fixed(
    finding: &Finding,
    cross: Option<&CrossMatch<'_>>,
    release: &ReleaseMatch,
    packages: &PackageVersions,
) -> Attribution {
    if let Some(cross) = cross {
        if cross.target_under_base.contains(&finding.key()) {
            let missing = ids_missing_from(finding, cross.snapshots.target);
            return if missing.len() == finding.advisory_ids.len() && !missing.is_empty() {
                attribution(Cause::AdvisoryWithdrawn, packages, finding, missing)
            } else {
                attribution(Cause::AdvisoryChanged, packages, finding, changed_ids(finding, cross.snapshots))
            };
        }
    }

    if let ReleaseMatch::Rematched(rematch) = release {
        if rematch.target_as_base_release.contains(&finding.key()) {
            return attribution(Cause::OsReleaseChanged, packages, finding, Vec::new());
        }
    }

    let (base, target) = packages.versions(finding);
    let cause = match (base, target) {
        (_, None) => Cause::PackageRemoved,
        (Some(base), Some(target)) if base != target => package_change_cause(finding.package.ecosystem, base, target),
        _ if matches!(release, ReleaseMatch::NotRematched) => Cause::OsReleaseChanged,
        _ => Cause::Unknown,
    };
    attribution(cause, packages, finding, Vec::new())
}

/// Returns the finding's advisory ids that `snapshot` has no record for.
fn ids_missing_from(finding: &Finding, snapshot: &Snapshot) -> Vec<String> {
    finding.advisory_ids.iter().filter(|id| record_digest(snapshot, id).is_none()).cloned().collect()
}

/// Returns the finding's advisory ids whose records differ between the snapshots, or every id
/// when the records are equal and only their grouping as aliases changed.
fn changed_ids(finding: &Finding, snapshots: DiffSnapshots<'_>) -> Vec<String> {
    let changed: Vec<String> = finding
        .advisory_ids
        .iter()
        .filter(|id| record_digest(snapshots.base, id) != record_digest(snapshots.target, id))
        .cloned()
        .collect();
    if changed.is_empty() {
        finding.advisory_ids.clone()
    } else {
        changed
    }
}

/// Looks up the record digest of advisory `id` in `snapshot`, whose advisories are sorted by id.
fn record_digest(snapshot: &Snapshot, id: &str) -> Option<scantrail_model::Digest> {
    snapshot
        .advisories
        .binary_search_by(|advisory| advisory.id.as_str().cmp(id))
        .ok()
        .map(|position| snapshot.advisories[position].record_digest())
}

/// For each finding key, whether the images of the line before the target's image had it and
/// then lost it, judged by each image's newest scan.
#[derive(Default)]
struct EarlierImages {
    /// Per earlier image, oldest first: the keys of its newest scan's findings.
    states: Vec<BTreeSet<FindingKey>>,
}

impl EarlierImages {
    fn new(line: &Line<'_>, target: &Scan) -> EarlierImages {
        // An image not in the line (a diff across repositories) is compared with every image
        // first scanned before it.
        let end = line
            .image_position(&target.manifest_digest)
            .unwrap_or_else(|| line.images.iter().take_while(|image| image.first_scan().scanned_at < target.scanned_at).count());
        let states = line.images[..end]
            .iter()
            .map(|image| image.newest_scan().findings.iter().map(Finding::key).collect())
            .collect();
        EarlierImages { states }
    }

    fn had_and_lost(&self, key: &FindingKey) -> bool {
        let mut had = false;
        for state in &self.states {
            if state.contains(key) {
                had = true;
            } else if had {
                return true;
            }
        }
        false
    }
}
