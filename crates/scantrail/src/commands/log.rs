//! `scantrail log`: the scans of an image line, newest first.

use anyhow::{bail, Result};
use scantrail_model::Scan;
use scantrail_report::{render_log_with_remediations, LogEntry};
use scantrail_store::HistoryStore;

use crate::cli::{Cli, LogArgs};
use crate::commands::print_report;
use crate::commands::tags::scans_that_moved_immutable_tags;
use crate::config::Config;
use crate::context;
use crate::Outcome;

pub fn run(cli: &Cli, args: &LogArgs) -> Result<Outcome> {
    let store = context::open_store()?;
    let repository = args.repository.trim_end_matches('/');
    let scans = store.scans(repository)?;
    if scans.is_empty() {
        let known = store.repositories()?;
        if known.is_empty() {
            bail!("no scans of {repository:?} in the history store, which has no scans yet; record one with `scantrail scan SOURCE --tag {repository}:TAG`");
        }
        bail!("no scans of {repository:?} in the history store; known repositories: {}", known.join(", "));
    }

    let config = Config::load(&context::home_dir()?)?;
    let moved_tags = scans_that_moved_immutable_tags(&store, &config, repository)?;

    let entries: Vec<LogEntry<'_>> = scans
        .iter()
        .enumerate()
        .map(|(i, scan)| LogEntry {
            scan,
            change: change_base(&scans, i).map(|base| scantrail_history::count_changes(&base.findings, &scan.findings)),
            tag_moved: moved_tags.contains(&scan.id),
        })
        .collect();
    let remediations = store.remediations(repository, None)?;
    print_report(&render_log_with_remediations(repository, &entries, &remediations, context::style(cli)))?;
    Ok(Outcome::Success)
}

/// Finds the scan that entry `i` of `scans` (newest first) is compared with for its change
/// counts. A rematch is compared with the scan it re-matched, so its counts show only what the
/// new advisories changed. Any other scan is compared with the previous scan that is not a
/// rematch, so that a rematch row in between does not split an image change in two.
fn change_base(scans: &[Scan], i: usize) -> Option<&Scan> {
    let scan = &scans[i];
    match &scan.rematch_of {
        Some(original) => scans.iter().find(|candidate| &candidate.id == original),
        None => scans[i + 1..].iter().find(|previous| previous.rematch_of.is_none()),
    }
}
