//! `scantrail blame`: the layer, source revision and first image behind a package or finding.

use anyhow::{bail, Context as _, Result};
use scantrail_history::{blame, Line};
use scantrail_report::render_blame;
use scantrail_store::HistoryStore;

use crate::cli::{BlameArgs, Cli};
use crate::commands::print_report;
use crate::context;
use crate::resolve::find_scan;
use crate::Outcome;

pub fn run(cli: &Cli, args: &BlameArgs) -> Result<Outcome> {
    let store = context::open_store()?;
    let scan = find_scan(&store, &args.image).context("cannot resolve the image to blame")?;
    let line_scans = store.scans(&scan.repository)?;
    let line = Line::from_newest_first(&line_scans);
    let query = args.subject.trim();

    let Some(found) = blame(&scan, &line, query) else {
        bail!(
            "{query:?} is neither a finding nor an installed package of {} (scan {}); give a vulnerability id, alias or advisory id from `scantrail show {}`, or a package name",
            args.image,
            scan.id.short(),
            scan.id.short()
        );
    };
    print_report(&render_blame(&scan, query, &found, context::style(cli)))?;
    Ok(Outcome::Success)
}
