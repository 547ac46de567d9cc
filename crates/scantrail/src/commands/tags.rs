//! `scantrail tags`: the reflog of a repository's tags, and the tag checks other commands share:
//! immutable tags that moved (`log`, `gate`) and the note on scans of mutable tags (`scan`).

use std::collections::BTreeSet;

use anyhow::{bail, Result};
use scantrail_history::{reflogs, TagReflog, TagSighting};
use scantrail_model::{Digest, Scan, ScanId, ScanKind};
use scantrail_report::render_tags;
use scantrail_store::HistoryStore;

use crate::cli::{Cli, TagsArgs};
use crate::commands::print_report;
use crate::config::Config;
use crate::context;
use crate::Outcome;

pub fn run(cli: &Cli, args: &TagsArgs) -> Result<Outcome> {
    let store = context::open_store()?;
    let config = Config::load(&context::home_dir()?)?;
    let repository = args.repository.trim_end_matches('/');

    let logs = tag_reflogs(&store, &config, repository, args.tag.as_deref())?;
    if logs.is_empty() {
        let known = store.repositories()?;
        match &args.tag {
            Some(tag) => bail!("no observation of tag {tag:?} of {repository:?} in the history store; run `scantrail tags {repository}` to list its tags"),
            None if known.is_empty() => bail!("no tag of {repository:?} in the history store, which has no scans yet; record one with `scantrail scan SOURCE --tag {repository}:TAG`"),
            None => bail!("no tag of {repository:?} in the history store; known repositories: {}", known.join(", ")),
        }
    }
    print_report(&render_tags(repository, &logs, context::style(cli)))?;
    Ok(Outcome::Success)
}

/// Reads the tag observations of `repository` (one tag or all) and builds each tag's reflog.
pub fn tag_reflogs(store: &dyn HistoryStore, config: &Config, repository: &str, tag: Option<&str>) -> Result<Vec<TagReflog>> {
    let sightings: Vec<TagSighting> = store
        .tag_observations(repository, tag)?
        .into_iter()
        .map(|observation| TagSighting {
            tag: observation.tag,
            digest: observation.digest,
            observed_at: observation.observed_at,
            scan_id: observation.scan_id,
            source: observation.source,
        })
        .collect();
    Ok(reflogs(&sightings, |tag| config.is_immutable_tag(tag)))
}

/// Returns the ids of the scans that saw an immutable tag of `repository` at a new digest.
pub fn scans_that_moved_immutable_tags(store: &dyn HistoryStore, config: &Config, repository: &str) -> Result<BTreeSet<ScanId>> {
    let logs = tag_reflogs(store, config, repository, None)?;
    Ok(logs
        .iter()
        .filter(|reflog| reflog.immutable)
        .flat_map(|reflog| reflog.entries.iter().filter(|entry| entry.from.is_some()).filter_map(|entry| entry.scan_id.clone()))
        .collect())
}

/// Returns the reflog of `scan`'s tag when the tag is immutable and has pointed at more than one
/// digest. A scan that was not stored counts as one more observation of its tag.
pub fn moved_immutable_tag(store: &dyn HistoryStore, config: &Config, scan: &Scan, stored: bool) -> Result<Option<TagReflog>> {
    let Some(tag) = scan.tag.as_deref() else { return Ok(None) };
    if !config.is_immutable_tag(tag) {
        return Ok(None);
    }
    let mut sightings: Vec<TagSighting> = store
        .tag_observations(&scan.repository, Some(tag))?
        .into_iter()
        .map(|observation| TagSighting {
            tag: observation.tag,
            digest: observation.digest,
            observed_at: observation.observed_at,
            scan_id: observation.scan_id,
            source: observation.source,
        })
        .collect();
    if !stored {
        sightings.push(TagSighting {
            tag: tag.to_string(),
            digest: observed_digest(scan).clone(),
            observed_at: scan.scanned_at,
            scan_id: None,
            source: "scan".to_string(),
        });
    }
    let reflog = reflogs(&sightings, |_| true).into_iter().next();
    Ok(reflog.filter(TagReflog::immutable_moved))
}

/// Prints a note on stderr when a stored scan was recorded under a mutable tag (`latest`, `prod`),
/// because that tag can name another image tomorrow while the history keeps this digest.
pub fn note_mutable_tag(cli: &Cli, scan: &Scan) {
    let Some(tag) = scan.tag.as_deref() else { return };
    if cli.quiet || scan.kind != ScanKind::Scan {
        return;
    }
    let config = match context::home_dir().and_then(|home| Config::load(&home)) {
        Ok(config) => config,
        Err(error) => {
            tracing::warn!("cannot read the tag settings, so mutable tags are not pointed out: {error:#}");
            return;
        }
    };
    if !config.is_immutable_tag(tag) {
        eprintln!("note: tag {tag} is mutable; this scan is recorded under digest {}", observed_digest(scan));
    }
}

/// Returns the digest a tag observation of `scan` records: the index of a multi-platform image, else the
/// manifest.
fn observed_digest(scan: &Scan) -> &Digest {
    scan.index_digest.as_ref().unwrap_or(&scan.manifest_digest)
}
