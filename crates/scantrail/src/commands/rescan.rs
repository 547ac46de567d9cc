//! `scantrail rescan`: match stored inventories again against the current advisory snapshot, and
//! the same comparison without recording for `db import`.

use std::collections::BTreeMap;

use anyhow::{bail, Context as _, Result};
use chrono::Utc;
use scantrail_advisory::Snapshot;
use scantrail_history::{compare_findings, plan_rescan, rematch_scan, snapshot_impact, Line};
use scantrail_matcher::AdvisoryIndex;
use scantrail_model::{Digest, Finding, Scan};
use scantrail_report::{render_rescan, ImageChange, LineChange};
use scantrail_store::HistoryStore;

use crate::cli::{Cli, RescanArgs};
use crate::commands::print_report;
use crate::commands::db::Imported;
use crate::commands::scan::{load_current_snapshot, load_snapshot, scanner_version};
use crate::config::Config;
use crate::context;
use crate::Outcome;

pub fn run(cli: &Cli, args: &RescanArgs) -> Result<Outcome> {
    let mut store = context::open_store()?;
    let config = Config::load(&context::home_dir()?)?;
    let snapshot = load_current_snapshot(&store)?;
    let index = AdvisoryIndex::new(&snapshot);

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

    let mut results: Vec<LineResult> = Vec::new();
    for repository in repositories {
        let scans = store.scans(&repository)?;
        let line = Line::from_newest_first(&scans);
        let plan = plan_rescan(&line, &snapshot.digest);
        let watched = watched_digests(&store, &config, &repository)?;

        let mut images = Vec::new();
        for original in &plan.to_rematch {
            let rematch = rematch_scan(original, &index, &scanner_version(), Utc::now());
            store
                .record_scan(&rematch)
                .with_context(|| format!("failed to record the re-match of scan {} in the history store", original.id.short()))?;
            tracing::info!(scan = %rematch.id.short(), rematch_of = %original.id.short(), repository = %repository, "recorded re-match");
            let (added, removed, _) = compare_findings(&original.findings, &rematch.findings);
            let watched_tags = watched_tags_of(&watched, original);
            images.push(RematchedImage { original: (*original).clone(), rematch, added, removed, watched_tags });
        }
        results.push(LineResult { repository, up_to_date: plan.up_to_date.len(), not_rematchable: plan.not_rematchable.len(), images });
    }

    let lines: Vec<LineChange<'_>> = results.iter().map(LineResult::change).collect();
    print_report(&render_rescan(&snapshot.digest, &lines, context::style(cli)))?;
    Ok(Outcome::Success)
}

struct RematchedImage {
    original: Scan,
    rematch: Scan,
    added: Vec<Finding>,
    removed: Vec<Finding>,
    watched_tags: Vec<String>,
}

struct LineResult {
    repository: String,
    up_to_date: usize,
    not_rematchable: usize,
    images: Vec<RematchedImage>,
}

impl LineResult {
    fn change(&self) -> LineChange<'_> {
        LineChange {
            repository: &self.repository,
            images: self
                .images
                .iter()
                .map(|image| ImageChange {
                    original: &image.original,
                    rematch: Some(&image.rematch),
                    added: &image.added,
                    removed: &image.removed,
                    watched_tags: image.watched_tags.iter().map(String::as_str).collect(),
                })
                .collect(),
            up_to_date: self.up_to_date,
            not_rematchable: self.not_rematchable,
        }
    }
}

/// Maps each digest that a watched tag of `repository` points at now (its newest observation) to
/// those tags.
pub fn watched_digests(store: &dyn HistoryStore, config: &Config, repository: &str) -> Result<BTreeMap<Digest, Vec<String>>> {
    let mut digests: BTreeMap<Digest, Vec<String>> = BTreeMap::new();
    for tag in &config.watched_tags {
        if let Some(newest) = store.tag_observations(repository, Some(tag))?.pop() {
            digests.entry(newest.digest).or_default().push(tag.clone());
        }
    }
    Ok(digests)
}

/// Returns the watched tags that point at `scan`'s image, by manifest or by index digest.
fn watched_tags_of(watched: &BTreeMap<Digest, Vec<String>>, scan: &Scan) -> Vec<String> {
    let by_index = scan.index_digest.as_ref().and_then(|index| watched.get(index));
    watched.get(&scan.manifest_digest).or(by_index).cloned().unwrap_or_default()
}

/// Computes what the snapshot that `imported` made current changes for the newest scan of every
/// stored image. Returns `None` when there was no previous snapshot or the snapshot did not change.
///
/// NOTE: only `db import` reports this; `db update` stores its snapshot without calling it yet.
pub fn import_impact(store: &dyn HistoryStore, imported: &Imported) -> Result<Option<SnapshotImpact>> {
    let Some(previous) = imported.previous.as_ref().filter(|_| imported.changed) else { return Ok(None) };
    let config = Config::load(&context::home_dir()?)?;
    let old = load_snapshot(store, previous)?;
    Ok(Some(SnapshotImpact::compute(store, &config, &old, &imported.snapshot)?))
}

/// The findings a new snapshot adds to and removes from the newest scan of each stored image,
/// computed without recording anything.
pub struct SnapshotImpact {
    lines: Vec<(String, Vec<ImpactImage>)>,
}

struct ImpactImage {
    scan: Scan,
    added: Vec<Finding>,
    removed: Vec<Finding>,
    watched_tags: Vec<String>,
}

impl SnapshotImpact {
    /// Matches the newest scan of every image in the store against `old` and `new`.
    pub fn compute(store: &dyn HistoryStore, config: &Config, old: &Snapshot, new: &Snapshot) -> Result<SnapshotImpact> {
        let (old_index, new_index) = (AdvisoryIndex::new(old), AdvisoryIndex::new(new));
        let mut lines = Vec::new();
        for repository in store.repositories()? {
            let scans = store.scans(&repository)?;
            let line = Line::from_newest_first(&scans);
            let watched = watched_digests(store, config, &repository)?;
            let images: Vec<ImpactImage> = snapshot_impact(&line, &old_index, &new_index)
                .into_iter()
                .map(|impact| {
                    let watched_tags = watched_tags_of(&watched, impact.scan);
                    ImpactImage { scan: impact.scan.clone(), added: impact.added, removed: impact.removed, watched_tags }
                })
                .collect();
            lines.push((repository, images));
        }
        Ok(SnapshotImpact { lines })
    }

    /// Returns the impact per line in the report's shape.
    pub fn changes(&self) -> Vec<LineChange<'_>> {
        self.lines
            .iter()
            .map(|(repository, images)| LineChange {
                repository,
                images: images
                    .iter()
                    .map(|image| ImageChange {
                        original: &image.scan,
                        rematch: None,
                        added: &image.added,
                        removed: &image.removed,
                        watched_tags: image.watched_tags.iter().map(String::as_str).collect(),
                    })
                    .collect(),
                up_to_date: 0,
                not_rematchable: 0,
            })
            .collect()
    }
}
