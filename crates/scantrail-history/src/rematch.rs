//! Matching stored inventories again against another advisory snapshot, without reading images.

use chrono::{DateTime, Utc};
use scantrail_matcher::AdvisoryIndex;
use scantrail_model::{Digest, Finding, Scan, ScanId, ScanKind};

use crate::compare_findings;
use crate::line::Line;

/// The work of `rescan` on the images of one line.
#[derive(Clone, Debug, Default)]
pub struct RescanPlan<'a> {
    /// The newest scan of each image that used another snapshot, in the order the images were
    /// first scanned, so that the newest image's re-match is recorded last.
    pub to_rematch: Vec<&'a Scan>,
    /// The newest scan of each image that already used the current snapshot.
    pub up_to_date: Vec<&'a Scan>,
    /// The newest scan of each image whose inventory is empty and came from another scanner's
    /// report (kind `import`): matching it again would drop every imported finding.
    pub not_rematchable: Vec<&'a Scan>,
}

/// Plans the re-match of every image of `line` against the snapshot `current`.
pub fn plan_rescan<'a>(line: &Line<'a>, current: &Digest) -> RescanPlan<'a> {
    let mut plan = RescanPlan::default();
    for image in &line.images {
        let newest = image.newest_scan();
        if &newest.advisory_snapshot == current {
            plan.up_to_date.push(newest);
        } else if newest.kind == ScanKind::Import && newest.inventory.packages.is_empty() {
            plan.not_rematchable.push(newest);
        } else {
            plan.to_rematch.push(newest);
        }
    }
    plan
}

/// Builds the re-match of `original` against the snapshot `index` was built from: a scan of kind
/// `rematch` with the original's image, tag, layers, labels and inventory, and new findings.
pub fn rematch_scan(original: &Scan, index: &AdvisoryIndex<'_>, scanner_version: &str, scanned_at: DateTime<Utc>) -> Scan {
    let mut scan = Scan {
        id: ScanId(String::new()),
        kind: ScanKind::Rematch,
        findings: index.match_inventory(&original.inventory),
        advisory_snapshot: index.snapshot().digest.clone(),
        scanner_version: scanner_version.to_string(),
        scanned_at,
        rematch_of: Some(original.id.clone()),
        ..original.clone()
    };
    scan.id = scan.compute_id();
    scan
}

/// The change a new advisory snapshot makes to the findings of one image of a line.
#[derive(Clone, Debug)]
pub struct ImageImpact<'a> {
    /// The image's newest scan, whose inventory was matched.
    pub scan: &'a Scan,
    /// Findings the new snapshot gives that the old one does not.
    pub added: Vec<Finding>,
    /// Findings the old snapshot gives that the new one does not.
    pub removed: Vec<Finding>,
}

/// Matches the newest scan of each image of `line` against the `old` and the `new` snapshot and
/// returns the images whose findings differ, in the order the images were first scanned.
/// Nothing is recorded.
pub fn snapshot_impact<'a>(line: &Line<'a>, old: &AdvisoryIndex<'_>, new: &AdvisoryIndex<'_>) -> Vec<ImageImpact<'a>> {
    line.images
        .iter()
        .map(|image| image.newest_scan())
        .filter(|scan| !(scan.kind == ScanKind::Import && scan.inventory.packages.is_empty()))
        .filter_map(|scan| {
            let before = old.match_inventory(&scan.inventory);
            let after = new.match_inventory(&scan.inventory);
            let (added, removed, _) = compare_findings(&before, &after);
            (!added.is_empty() || !removed.is_empty()).then_some(ImageImpact { scan, added, removed })
        })
        .collect()
}
