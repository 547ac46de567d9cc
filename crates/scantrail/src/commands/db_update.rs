//! `scantrail db update`: downloads the configured advisory feeds and imports what changed.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result};
use chrono::Utc;
use scantrail_report::{to_json, Format};
use serde::Serialize;

use crate::cli::Cli;
use crate::commands::db::{commit_snapshot, snapshot_source, Imported};
use crate::commands::print_report;
use crate::config::Config;
use crate::context;
use crate::download::{Download, FeedCache, Fetched};
use crate::Outcome;

#[derive(Serialize)]
struct UpdateDocument<'a> {
    schema: &'static str,
    sources: Vec<SourceOutcome<'a>>,
    /// `false` when every source was up to date, so no snapshot was made.
    imported: bool,
    snapshot: Option<String>,
    previous_snapshot: Option<String>,
    changed: bool,
    records: Option<usize>,
}

#[derive(Serialize)]
pub(crate) struct SourceOutcome<'a> {
    name: &'a str,
    url: &'a str,
    /// `downloaded` or `not_modified`.
    status: &'static str,
    bytes: Option<u64>,
    resumed_from: Option<u64>,
}

/// Runs `db update` and prints its report.
pub fn run(cli: &Cli) -> Result<Outcome> {
    let home = context::home_dir()?;
    let config = Config::load(&home)?;
    let (outcomes, imported) = update_feeds(&home, &config)?;

    let text = match context::style(cli).format {
        Format::Json => to_json(&UpdateDocument {
            schema: "scantrail.db-update/v1",
            imported: imported.is_some(),
            snapshot: imported.as_ref().map(|i| i.snapshot.digest.to_string()),
            previous_snapshot: imported.as_ref().and_then(|i| i.previous.as_ref().map(|p| p.to_string())),
            changed: imported.as_ref().is_some_and(|i| i.changed),
            records: imported.as_ref().map(|i| i.snapshot.advisories.len()),
            sources: outcomes,
        }),
        Format::Table => table(&outcomes, imported.as_ref()),
    };
    print_report(&text)?;
    Ok(Outcome::Success)
}

/// Fetches every configured source, then imports the new downloads into one new snapshot.
/// Returns what happened to each source, and the import when anything was downloaded.
///
/// Nothing is stored unless every source was fetched and every download loaded: a failure
/// leaves the store and the remembered validators as they were and names the source's URL.
pub(crate) fn update_feeds<'a>(home: &Path, config: &'a Config) -> Result<(Vec<SourceOutcome<'a>>, Option<Imported>)> {
    let mut cache = FeedCache::open(&home.join("feeds"))?;

    let mut outcomes = Vec::with_capacity(config.sources.len());
    let mut downloads: Vec<Download> = Vec::new();
    for source in &config.sources {
        tracing::info!(source = %source.name, url = %source.url, "fetching advisory feed");
        let fetched = match cache.fetch(source) {
            Ok(fetched) => fetched,
            Err(error) => {
                discard_all(&mut cache, downloads);
                return Err(error.context(format!("failed to update source {:?}", source.name)));
            }
        };
        let outcome = match &fetched {
            Fetched::NotModified => SourceOutcome { name: &source.name, url: &source.url, status: "not_modified", bytes: None, resumed_from: None },
            Fetched::Downloaded(download) => SourceOutcome {
                name: &source.name,
                url: &source.url,
                status: "downloaded",
                bytes: Some(download.bytes),
                resumed_from: Some(download.resumed_from),
            },
        };
        outcomes.push(outcome);
        if let Fetched::Downloaded(download) = fetched {
            downloads.push(download);
        }
    }

    let imported = if downloads.is_empty() {
        None
    } else {
        match import_downloads(&downloads) {
            Ok(imported) => {
                for download in downloads {
                    cache.commit(download)?;
                }
                Some(imported)
            }
            Err(error) => {
                discard_all(&mut cache, downloads);
                return Err(error);
            }
        }
    };
    Ok((outcomes, imported))
}

/// Loads every download and stores the merged snapshot. An error names the source's URL.
fn import_downloads(downloads: &[Download]) -> Result<Imported> {
    let mut store = context::open_store()?;
    let now = Utc::now();
    let mut advisories = Vec::new();
    let mut sources = Vec::with_capacity(downloads.len());
    for download in downloads {
        let url = download.url().to_string();
        let loaded = scantrail_advisory::load_paths(std::slice::from_ref(&download.path))
            .with_context(|| format!("the download of {url} is not a valid advisory feed; the store is unchanged"))?;
        for summary in &loaded.sources {
            sources.push(snapshot_source(summary, url.clone(), now));
        }
        advisories.extend(loaded.advisories);
    }
    commit_snapshot(&mut store, advisories, sources, now)
}

fn discard_all(cache: &mut FeedCache, downloads: Vec<Download>) {
    for download in downloads {
        if let Err(error) = cache.discard(download) {
            tracing::warn!(error = format!("{error:#}"), "failed to delete a download that was not imported");
        }
    }
}

fn table(outcomes: &[SourceOutcome<'_>], imported: Option<&Imported>) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        match outcome.status {
            "downloaded" => {
                let resumed = match outcome.resumed_from {
                    Some(from) if from > 0 => format!(", resumed at byte {from}"),
                    _ => String::new(),
                };
                let _ = writeln!(out, "{}: downloaded {} bytes from {}{resumed}", outcome.name, outcome.bytes.unwrap_or(0), outcome.url);
            }
            _ => {
                let _ = writeln!(out, "{}: up to date ({})", outcome.name, outcome.url);
            }
        }
    }
    match imported {
        Some(imported) => out.push_str(&imported.table()),
        None => out.push_str("Every source is up to date; no new advisory snapshot\n"),
    }
    out
}
