//! `scantrail show`: one stored scan.

use anyhow::Result;
use scantrail_report::{render_scan, ScanReport};

use crate::cli::{Cli, ShowArgs};
use crate::commands::print_report;
use crate::context;
use crate::resolve::find_scan;
use crate::Outcome;

pub fn run(cli: &Cli, args: &ShowArgs) -> Result<Outcome> {
    let store = context::open_store()?;
    let scan = find_scan(&store, &args.scan)?;
    print_report(&render_scan(&ScanReport { scan: &scan, stored: true }, context::style(cli)))?;
    Ok(Outcome::Success)
}
