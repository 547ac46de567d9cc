//! The reflog of a tag: every digest it pointed at, from its tag observations.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use scantrail_model::{Digest, ScanId};

/// "Tag `tag` pointed at `digest` at `observed_at`", as the history store records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagSighting {
    pub tag: String,
    pub digest: Digest,
    pub observed_at: DateTime<Utc>,
    pub scan_id: Option<ScanId>,
    /// The observer: `scan`, `import`, or a name the caller chose.
    pub source: String,
}

/// A change of a tag's digest. The first entry of a reflog has no `from`: it is when the tag was
/// first seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagMove {
    pub observed_at: DateTime<Utc>,
    pub from: Option<Digest>,
    pub to: Digest,
    pub scan_id: Option<ScanId>,
    pub source: String,
}

/// The history of one tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagReflog {
    pub tag: String,
    /// Whether the tag matches an immutable tag pattern.
    pub immutable: bool,
    /// Oldest first; never empty. Consecutive observations of one digest make one entry.
    pub entries: Vec<TagMove>,
    pub observations: usize,
    pub first_observed_at: DateTime<Utc>,
    pub last_observed_at: DateTime<Utc>,
}

impl TagReflog {
    /// Returns the digest the tag pointed at when it was last observed.
    pub fn current(&self) -> &Digest {
        &self.entries[self.entries.len() - 1].to
    }

    /// Counts the times the tag pointed at a new digest.
    pub fn moves(&self) -> usize {
        self.entries.len() - 1
    }

    /// Returns whether an immutable tag pointed at more than one digest.
    pub fn immutable_moved(&self) -> bool {
        self.immutable && self.moves() > 0
    }
}

/// Builds the reflog of every tag in `sightings` (oldest first, as the store returns them),
/// sorted by tag name. `is_immutable` returns
/// whether a tag must never move.
pub fn reflogs(sightings: &[TagSighting], is_immutable: impl Fn(&str) -> bool) -> Vec<TagReflog> {
    let mut by_tag: BTreeMap<&str, Vec<&TagSighting>> = BTreeMap::new();
    for sighting in sightings {
        by_tag.entry(sighting.tag.as_str()).or_default().push(sighting);
    }

    by_tag
        .into_iter()
        .map(|(tag, sightings)| {
            let mut entries: Vec<TagMove> = Vec::new();
            for sighting in &sightings {
                let previous = entries.last().map(|entry| &entry.to);
                if previous != Some(&sighting.digest) {
                    entries.push(TagMove {
                        observed_at: sighting.observed_at,
                        from: previous.cloned(),
                        to: sighting.digest.clone(),
                        scan_id: sighting.scan_id.clone(),
                        source: sighting.source.clone(),
                    });
                }
            }
            TagReflog {
                tag: tag.to_string(),
                immutable: is_immutable(tag),
                entries,
                observations: sightings.len(),
                first_observed_at: sightings[0].observed_at,
                last_observed_at: sightings[sightings.len() - 1].observed_at,
            }
        })
        .collect()
}
