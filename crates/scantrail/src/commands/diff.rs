//! `scantrail diff`: what changed between two scans.

use anyhow::{Context as _, Result};
use scantrail_history::ScanDiff;
use scantrail_report::render_diff;

use crate::cli::{Cli, DiffArgs};
use crate::commands::print_report;
use crate::context;
use crate::resolve::find_scan;
use crate::Outcome;

pub fn run(cli: &Cli, args: &DiffArgs) -> Result<Outcome> {
    let store = context::open_store()?;
    let base = find_scan(&store, &args.base).context("cannot resolve the base of the diff")?;
    let target = find_scan(&store, &args.target).context("cannot resolve the target of the diff")?;
    let diff = ScanDiff::between(&base, &target);
    print_report(&render_diff(&base, &target, &diff, context::style(cli)))?;
    Ok(Outcome::Success)
}
