//! `scantrail db import` and `scantrail db status`: advisory snapshots. `db update` (in
//! `db_update.rs`) downloads feeds and stores them through [`commit_snapshot`] as well.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{bail, Context as _, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use scantrail_advisory::{Advisory, Snapshot, SourceSummary};
use scantrail_model::Digest;
use scantrail_report::{impact_json, render_impact, to_json, Format, ImpactJson};
use scantrail_store::{HistoryStore, NewSnapshot, SnapshotInfo, SnapshotRecord, SnapshotSource, SqliteStore};
use serde::Serialize;

use crate::cli::{Cli, DbImportArgs};
use crate::commands::print_report;
use crate::commands::rescan::{import_impact, SnapshotImpact};
use crate::commands::scan::load_current_snapshot;
use crate::context;
use crate::Outcome;

#[derive(Serialize)]
struct ImportDocument<'a> {
    schema: &'static str,
    snapshot: String,
    previous_snapshot: Option<String>,
    changed: bool,
    records: usize,
    sources: &'a [SnapshotSource],
}

/// Loads OSV records and makes a new current snapshot: the previous snapshot's records with
/// the imported ones added, a record with an id already present replacing the old one.
pub fn import(cli: &Cli, args: &DbImportArgs) -> Result<Outcome> {
    let mut store = context::open_store()?;
    // Sources are recorded by absolute path, so `db status` names them unambiguously later.
    let paths: Vec<_> = args.paths.iter().map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())).collect();
    let loaded = scantrail_advisory::load_paths(&paths)?;
    // An import that finds nothing is almost always a wrong path, which a CI job must not miss.
    if let Some(empty) = loaded.sources.iter().find(|s| s.records == 0 && s.withdrawn_skipped == 0) {
        bail!("no advisory records found in {}; expected OSV JSON or YAML files, zip bundles, an Alpine secdb or a Debian security tracker file", empty.path);
    }
    let now = Utc::now();
    let sources = loaded.sources.iter().map(|source| snapshot_source(source, source.path.clone(), now)).collect();

    let imported = commit_snapshot(&mut store, loaded.advisories, sources, now)?;
    let impact = import_impact(&store, &imported)?;
    let changes = impact.as_ref().map(SnapshotImpact::changes);
    let text = match context::style(cli).format {
        Format::Json => to_json(&ImportWithImpact {
            document: imported.document("scantrail.db-import/v1"),
            impact: imported.previous.as_ref().zip(changes.as_deref()).map(|(previous, lines)| impact_json(previous, lines)),
        }),
        Format::Table => {
            let mut text = imported.table();
            if let Some(lines) = &changes {
                text.push_str(&render_impact(lines));
            }
            text
        }
    };
    print_report(&text)?;
    Ok(Outcome::Success)
}

/// The `db import` document with what the new snapshot changes for stored images. `impact` is
/// `null` when there was no previous snapshot or the snapshot did not change.
#[derive(Serialize)]
struct ImportWithImpact<'a> {
    #[serde(flatten)]
    document: ImportDocument<'a>,
    impact: Option<ImpactJson<'a>>,
}

/// The outcome of merging newly loaded records into the current snapshot.
pub(crate) struct Imported {
    pub snapshot: Snapshot,
    pub previous: Option<Digest>,
    pub changed: bool,
    pub sources: Vec<SnapshotSource>,
}

impl Imported {
    fn document(&self, schema: &'static str) -> ImportDocument<'_> {
        ImportDocument {
            schema,
            snapshot: self.snapshot.digest.to_string(),
            previous_snapshot: self.previous.as_ref().map(|p| p.to_string()),
            changed: self.changed,
            records: self.snapshot.advisories.len(),
            sources: &self.sources,
        }
    }

    pub(crate) fn table(&self) -> String {
        let mut out = String::new();
        for source in &self.sources {
            let _ = writeln!(
                out,
                "Imported {} records from {} ({}), skipped {} withdrawn",
                source.records,
                source.path,
                ecosystem_list(&source.per_ecosystem),
                source.withdrawn_skipped
            );
        }
        if self.changed {
            let _ = writeln!(out, "Advisory snapshot {} ({} records) is now current", self.snapshot.digest, self.snapshot.advisories.len());
        } else {
            let _ = writeln!(out, "Advisory snapshot {} is unchanged: every record was already present", self.snapshot.digest);
        }
        out
    }
}

/// Describes one loaded source for the snapshot record; `path` is a file path or a URL.
pub(crate) fn snapshot_source(summary: &SourceSummary, path: String, imported_at: DateTime<Utc>) -> SnapshotSource {
    SnapshotSource {
        path,
        imported_at,
        records: summary.records,
        withdrawn_skipped: summary.withdrawn_skipped,
        per_ecosystem: summary.per_ecosystem.clone(),
    }
}

/// Merges `advisories` into the current snapshot and stores the result as the new current
/// snapshot, unless it equals the current one. Shared by `db import` and `db update`.
pub(crate) fn commit_snapshot(
    store: &mut SqliteStore,
    advisories: Vec<Advisory>,
    sources: Vec<SnapshotSource>,
    now: DateTime<Utc>,
) -> Result<Imported> {
    let previous = match store.current_snapshot()? {
        Some(_) => Some(load_current_snapshot(&*store)?),
        None => None,
    };
    let snapshot = match &previous {
        Some(previous) => previous.merged(advisories),
        None => Snapshot::new(advisories),
    };

    let changed = previous.as_ref().map_or(true, |p| p.digest != snapshot.digest);
    if changed {
        let records = snapshot
            .advisories
            .iter()
            .map(|advisory| {
                let json = serde_json::to_vec(advisory).context("failed to serialize an advisory record")?;
                Ok(SnapshotRecord { id: advisory.id.clone(), digest: advisory.record_digest(), json })
            })
            .collect::<Result<Vec<_>>>()?;
        store
            .put_snapshot(&NewSnapshot {
                digest: snapshot.digest.clone(),
                created_at: now,
                parent: previous.as_ref().map(|p| p.digest.clone()),
                sources: sources.clone(),
                per_ecosystem: snapshot.per_ecosystem(),
                records,
            })
            .context("failed to store the advisory snapshot")?;
    }
    Ok(Imported { previous: previous.map(|p| p.digest), snapshot, changed, sources })
}

#[derive(Serialize)]
struct StatusDocument<'a> {
    schema: &'static str,
    snapshot: Option<StatusSnapshot<'a>>,
}

#[derive(Serialize)]
struct StatusSnapshot<'a> {
    digest: String,
    created_at: String,
    age_seconds: i64,
    records: usize,
    per_ecosystem: &'a BTreeMap<String, usize>,
    sources: &'a [SnapshotSource],
}

/// Shows the current advisory snapshot.
pub fn status(cli: &Cli) -> Result<Outcome> {
    let store = context::open_store()?;
    let info = store.current_snapshot()?;
    let now = Utc::now();
    let style = context::style(cli);
    let text = match style.format {
        Format::Json => to_json(&StatusDocument {
            schema: "scantrail.db-status/v1",
            snapshot: info.as_ref().map(|info| StatusSnapshot {
                digest: info.digest.to_string(),
                created_at: time(&info.created_at),
                age_seconds: (now - info.created_at).num_seconds(),
                records: info.record_count,
                per_ecosystem: &info.per_ecosystem,
                sources: &info.sources,
            }),
        }),
        Format::Table => match &info {
            None => "No advisory data. Import OSV records with `scantrail db import PATH...`.\n".to_string(),
            Some(info) => status_table(info, now),
        },
    };
    print_report(&text)?;
    Ok(Outcome::Success)
}

fn status_table(info: &SnapshotInfo, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Snapshot   {}", info.digest);
    let _ = writeln!(out, "Created    {} ({} ago)", time(&info.created_at), age(now - info.created_at));
    let _ = writeln!(out, "Records    {}", info.record_count);
    for (ecosystem, count) in &info.per_ecosystem {
        let _ = writeln!(out, "  {ecosystem:<20} {count}");
    }
    let _ = writeln!(out, "Sources");
    for source in &info.sources {
        let _ = writeln!(
            out,
            "  {}  {} records, {} withdrawn skipped, imported {}",
            source.path,
            source.records,
            source.withdrawn_skipped,
            time(&source.imported_at)
        );
    }
    out
}

fn ecosystem_list(per_ecosystem: &BTreeMap<String, usize>) -> String {
    if per_ecosystem.is_empty() {
        return "no records".to_string();
    }
    per_ecosystem.iter().map(|(e, n)| format!("{e}: {n}")).collect::<Vec<_>>().join(", ")
}

fn time(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Formats a duration coarsely, in seconds, minutes, hours or days.
fn age(duration: chrono::Duration) -> String {
    let seconds = duration.num_seconds().max(0);
    match seconds {
        0..=119 => format!("{seconds}s"),
        120..=7199 => format!("{}m", seconds / 60),
        7200..=172_799 => format!("{}h", seconds / 3600),
        _ => format!("{}d", seconds / 86_400),
    }
}

