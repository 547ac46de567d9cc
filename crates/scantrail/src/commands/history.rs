//! `scantrail history`: when a vulnerability entered, left and came back in each image line.

use anyhow::{bail, Result};
use chrono::{DateTime, Utc};
use scantrail_advisory::Advisory;
use scantrail_history::{fix_known_since, vulnerability_history, Line};
use scantrail_model::{Digest, Scan};
use scantrail_report::{render_history, HistoryReport};
use scantrail_store::HistoryStore;

use crate::cli::{Cli, HistoryArgs};
use crate::commands::print_report;
use crate::context;
use crate::Outcome;

pub fn run(cli: &Cli, args: &HistoryArgs) -> Result<Outcome> {
    let store = context::open_store()?;
    let query = args.vulnerability.trim();
    let repositories = match &args.repository {
        Some(repository) => {
            let repository = repository.trim_end_matches('/').to_string();
            if !store.repositories()?.contains(&repository) {
                bail!("no scans of {repository:?} in the history store; run `scantrail log {repository}` to check the name");
            }
            vec![repository]
        }
        None => store.repositories()?,
    };

    let scans: Vec<(String, Vec<Scan>)> =
        repositories.into_iter().map(|repository| Ok((repository.clone(), store.scans(&repository)?))).collect::<Result<_>>()?;
    let lines: Vec<(&str, Line<'_>)> = scans.iter().map(|(repository, scans)| (repository.as_str(), Line::from_newest_first(scans))).collect();
    let mut histories = Vec::new();
    for (repository, line) in &lines {
        let Some(mut history) = vulnerability_history(line, query) else { continue };
        let upper_ids: Vec<String> = history.ids.iter().map(|id| id.to_ascii_uppercase()).collect();
        history.fix_known = fix_known_since(line, &history, |digest| records_naming(&store, digest, &upper_ids))?;
        histories.push((*repository, history));
    }

    let published = published_time(&store, query, histories.iter().flat_map(|(_, history)| history.ids.iter().map(String::as_str)))?;
    if histories.is_empty() && published.is_none() && !known_to_current_snapshot(&store, query)? {
        let scope = match &args.repository {
            Some(repository) => format!("scan of {repository}"),
            None => "scan".to_string(),
        };
        bail!(
            "unknown vulnerability {query:?}: no {scope} in the history store has a finding with that id, alias or advisory id, and the current advisory snapshot has no record of it; check the id, or import advisories with `scantrail db import` and run `scantrail rescan --all`"
        );
    }

    let report = HistoryReport { query, lines: histories, advisory_published: published };
    print_report(&render_history(&report, context::style(cli)))?;
    Ok(Outcome::Success)
}

/// Returns the earliest `published` time of the current snapshot's records whose id or alias is
/// `query` or one of `ids`.
fn published_time<'a>(store: &dyn HistoryStore, query: &str, ids: impl Iterator<Item = &'a str>) -> Result<Option<DateTime<Utc>>> {
    let mut requested: Vec<String> = ids.map(str::to_ascii_uppercase).collect();
    requested.push(query.to_ascii_uppercase());
    let records = current_records_naming(store, &requested)?;
    Ok(records.iter().filter_map(|advisory| advisory.published).min())
}

fn known_to_current_snapshot(store: &dyn HistoryStore, query: &str) -> Result<bool> {
    Ok(!current_records_naming(store, &[query.to_ascii_uppercase()])?.is_empty())
}

/// Returns the records of the current snapshot whose id or an alias is in `ids` (uppercase).
///
/// The store keeps records as JSON text, so only records whose text contains one of the ids are
/// parsed.
fn current_records_naming(store: &dyn HistoryStore, ids: &[String]) -> Result<Vec<Advisory>> {
    let Some(info) = store.current_snapshot()? else { return Ok(Vec::new()) };
    records_naming(store, &info.digest, ids)
}

/// Returns the records of snapshot `digest` whose id or an alias is in `ids` (uppercase). Returns
/// none when the snapshot is not stored, as for scans imported from other scanners.
fn records_naming(store: &dyn HistoryStore, digest: &Digest, ids: &[String]) -> Result<Vec<Advisory>> {
    if store.snapshot_info(digest)?.is_none() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for json in store.snapshot_records(digest)? {
        let text = String::from_utf8_lossy(&json).to_ascii_uppercase();
        if !ids.iter().any(|id| text.contains(id.as_str())) {
            continue;
        }
        let advisory: Advisory = match serde_json::from_slice(&json) {
            Ok(advisory) => advisory,
            Err(error) => {
                tracing::warn!(snapshot = %digest, "skipping an unreadable advisory record: {error}");
                continue;
            }
        };
        if advisory.ids().any(|id| ids.iter().any(|requested| requested.eq_ignore_ascii_case(id))) {
            found.push(advisory);
        }
    }
    Ok(found)
}
