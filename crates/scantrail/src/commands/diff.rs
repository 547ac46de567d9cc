//! `scantrail diff`: what changed between two scans, and why.

use anyhow::{Context as _, Result};
use scantrail_advisory::Snapshot;
use scantrail_history::{DiffSnapshots, ExplainedDiff, Line};
use scantrail_model::{Digest, Scan};
use scantrail_report::render_diff;
use scantrail_store::HistoryStore;

use crate::cli::{Cli, DiffArgs};
use crate::commands::print_report;
use crate::commands::scan::load_snapshot;
use crate::context;
use crate::resolve::find_scan;
use crate::Outcome;

pub fn run(cli: &Cli, args: &DiffArgs) -> Result<Outcome> {
    let store = context::open_store()?;
    let base = find_scan(&store, &args.base).context("cannot resolve the base of the diff")?;
    let target = find_scan(&store, &args.target).context("cannot resolve the target of the diff")?;

    // A changed os-release is checked by re-matching across releases, which needs the snapshot
    // even when both scans share it.
    let release_changed = os_release_identity(&base) != os_release_identity(&target);
    let snapshots = load_snapshot_pair(&store, &base.advisory_snapshot, &target.advisory_snapshot, release_changed)?;
    let line_scans = store.scans(&target.repository)?;
    let line = Line::from_newest_first(&line_scans);
    let explained = ExplainedDiff::explain(
        &base,
        &target,
        snapshots.as_ref().map(|(base, target)| DiffSnapshots { base, target }),
        Some(&line),
    );
    print_report(&render_diff(&base, &target, &explained, context::style(cli)))?;
    Ok(Outcome::Success)
}

/// Returns the os-release `ID` and `VERSION_ID` of a scan's image, which decide the
/// distribution advisories that apply.
pub fn os_release_identity(scan: &Scan) -> Option<(&str, Option<&str>)> {
    scan.inventory.os.as_ref().map(|os| (os.id.as_str(), os.version_id.as_deref()))
}

/// Loads both scans' advisory snapshots for re-matching. Returns `None` when one of them is not
/// stored, as for scans imported from other scanners, and when the scans used the same snapshot
/// unless `load_shared` is set (re-matching across snapshots would change nothing).
pub fn load_snapshot_pair(store: &dyn HistoryStore, base: &Digest, target: &Digest, load_shared: bool) -> Result<Option<(Snapshot, Snapshot)>> {
    if base == target {
        if !load_shared || store.snapshot_info(base)?.is_none() {
            return Ok(None);
        }
        let snapshot = load_snapshot(store, base)?;
        return Ok(Some((snapshot.clone(), snapshot)));
    }
    for digest in [base, target] {
        if store.snapshot_info(digest)?.is_none() {
            tracing::warn!(snapshot = %digest, "advisory snapshot is not in the history store; changes that come from advisories show as unknown");
            return Ok(None);
        }
    }
    Ok(Some((load_snapshot(store, base)?, load_snapshot(store, target)?)))
}
