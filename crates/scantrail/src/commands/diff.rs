//! `scantrail diff`: what changed between two scans, and why.

use anyhow::{Context as _, Result};
use scantrail_advisory::Snapshot;
use scantrail_history::{DiffSnapshots, ExplainedDiff, Line};
use scantrail_model::Digest;
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

    let snapshots = load_snapshot_pair(&store, &base.advisory_snapshot, &target.advisory_snapshot)?;
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

/// Loads both scans' advisory snapshots for re-matching. Returns `None` when the scans used the
/// same snapshot (re-matching would change nothing) or when one of them is not stored, as for
/// scans imported from other scanners.
pub fn load_snapshot_pair(store: &dyn HistoryStore, base: &Digest, target: &Digest) -> Result<Option<(Snapshot, Snapshot)>> {
    if base == target {
        return Ok(None);
    }
    for digest in [base, target] {
        if store.snapshot_info(digest)?.is_none() {
            tracing::warn!(snapshot = %digest, "advisory snapshot is not in the history store; changes that come from advisories show as unknown");
            return Ok(None);
        }
    }
    Ok(Some((load_snapshot(store, base)?, load_snapshot(store, target)?)))
}
