use std::collections::{BTreeMap, BTreeSet};

use scantrail_model::Digest;
use sha2::{Digest as _, Sha256};

use crate::advisory::Advisory;

/// An immutable set of advisories identified by a digest of its content.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// SHA-256 over the lines `"<id> <record digest>\n"` of every advisory in id order, where the
    /// record digest is [`Advisory::record_digest`] written as `sha256:<hex>`.
    pub digest: Digest,
    /// Sorted by id, with unique ids.
    pub advisories: Vec<Advisory>,
}

impl Snapshot {
    /// Builds a snapshot. Of several advisories with the same id, the one with the latest
    /// `modified` is kept, so the digest does not depend on the input order.
    pub fn new(advisories: Vec<Advisory>) -> Snapshot {
        let advisories = keep_newest(advisories);
        let mut hasher = Sha256::new();
        for advisory in &advisories {
            hasher.update(format!("{} {}\n", advisory.id, advisory.record_digest()).as_bytes());
        }
        Snapshot { digest: Digest::from_hasher(hasher), advisories }
    }

    /// Builds the snapshot that results from importing `newer` on top of this one: a record of
    /// `newer` replaces the record with the same id whatever their `modified` times.
    pub fn merged(&self, newer: Vec<Advisory>) -> Snapshot {
        let newer = keep_newest(newer);
        let replaced: BTreeSet<&str> = newer.iter().map(|a| a.id.as_str()).collect();
        let mut advisories: Vec<Advisory> =
            self.advisories.iter().filter(|a| !replaced.contains(a.id.as_str())).cloned().collect();
        advisories.extend(newer);
        Snapshot::new(advisories)
    }

    /// Number of advisories per affected ecosystem as written (`Debian:12`, `PyPI`). An advisory
    /// that affects packages of two ecosystems counts once in each.
    pub fn per_ecosystem(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for advisory in &self.advisories {
            let ecosystems: BTreeSet<&str> = advisory.affected.iter().map(|a| a.ecosystem.as_str()).collect();
            for ecosystem in ecosystems {
                *counts.entry(ecosystem.to_string()).or_insert(0) += 1;
            }
        }
        counts
    }
}

/// Sorts advisories by id and keeps one per id: the one with the latest `modified`.
///
/// A record without `modified` counts as older than any with one. Between records that tie, the
/// one whose canonical JSON sorts last is kept, so the result does not depend on input order.
pub(crate) fn keep_newest(mut advisories: Vec<Advisory>) -> Vec<Advisory> {
    advisories.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.modified.cmp(&b.modified)));
    let mut unique: Vec<Advisory> = Vec::with_capacity(advisories.len());
    for advisory in advisories {
        match unique.last_mut() {
            Some(last) if last.id == advisory.id => {
                let newer = advisory.modified > last.modified
                    || (advisory.modified == last.modified && canonical_json(&advisory) > canonical_json(last));
                tracing::debug!(advisory = %advisory.id, "several records share one id; keeping the most recently modified");
                if newer {
                    *last = advisory;
                }
            }
            _ => unique.push(advisory),
        }
    }
    unique
}

fn canonical_json(advisory: &Advisory) -> Vec<u8> {
    serde_json::to_vec(advisory).expect("an advisory has only string keys and always serializes to JSON")
}
