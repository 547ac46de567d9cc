//! `scantrail verify`: recomputes the scan chain and names changed or removed scans.

use anyhow::{bail, Result};
use scantrail_report::render_verify;
use scantrail_store::HistoryStore;

use crate::cli::{Cli, VerifyArgs};
use crate::commands::print_report;
use crate::context;
use crate::Outcome;

pub fn run(cli: &Cli, args: &VerifyArgs) -> Result<Outcome> {
    let store = context::open_store()?;
    let repository = args.repository.as_deref().map(|repository| repository.trim_end_matches('/'));
    let report = store.verify_ledger(repository)?;
    if let Some(repository) = repository {
        if report.scans_checked == 0 && report.intact() {
            bail!(
                "no scans of {repository:?} in the history store; known repositories: {}",
                store.repositories()?.join(", ")
            );
        }
    }

    print_report(&render_verify(&report, context::style(cli)))?;
    Ok(if report.intact() { Outcome::Success } else { Outcome::PolicyFailed })
}
