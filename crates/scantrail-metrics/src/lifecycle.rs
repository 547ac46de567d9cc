//! Finding lifecycles: when each finding entered an image line and when it left.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use scantrail_model::{Finding, Scan, Severity};

pub use scantrail_model::FindingKey;

/// One unbroken presence of a finding in a line: from the scan where it appeared to the first
/// scan without it.
///
/// A finding that leaves and comes back has one episode per presence, so the clock of a
/// regression starts when it came back.
#[derive(Clone, Debug)]
pub struct Episode<'a> {
    pub key: FindingKey,
    /// The first scan of this presence. A re-match counts: a finding that a re-match brought in
    /// appeared when the re-match ran, because nobody could fix it before the advisory existed.
    pub appeared: &'a Scan,
    /// The newest scan of this presence.
    pub last_seen: &'a Scan,
    /// The finding as the newest scan of this presence has it, which gives its severity.
    pub finding: &'a Finding,
    /// The first scan of the line without the finding, `None` while it is open.
    pub left: Option<&'a Scan>,
}

impl Episode<'_> {
    pub fn severity(&self) -> Severity {
        self.finding.severity
    }

    pub fn first_seen(&self) -> DateTime<Utc> {
        self.appeared.scanned_at
    }

    pub fn remediated_at(&self) -> Option<DateTime<Utc>> {
        self.left.map(|scan| scan.scanned_at)
    }

    /// The time from appearance to the first scan without the finding.
    pub fn time_to_remediate(&self) -> Option<TimeDelta> {
        self.remediated_at().map(|left| left - self.first_seen())
    }
}

/// Splits the findings of a line's scans, given oldest first, into episodes.
///
/// Episodes are sorted by appearance (scan order), then by finding key. Several findings with
/// one key in a scan (two installed copies of an npm package) make one episode, which keeps the
/// most severe of them.
pub fn episodes<'a>(scans: &[&'a Scan]) -> Vec<Episode<'a>> {
    let mut open: BTreeMap<FindingKey, (usize, Episode<'a>)> = BTreeMap::new();
    let mut finished: Vec<(usize, Episode<'a>)> = Vec::new();

    for (position, scan) in scans.iter().enumerate() {
        let mut present: BTreeMap<FindingKey, &'a Finding> = BTreeMap::new();
        for finding in &scan.findings {
            let entry = present.entry(finding.key()).or_insert(finding);
            if finding.severity > entry.severity {
                *entry = finding;
            }
        }

        let gone: Vec<FindingKey> = open.keys().filter(|key| !present.contains_key(*key)).cloned().collect();
        for key in gone {
            if let Some((appeared_at, mut episode)) = open.remove(&key) {
                episode.left = Some(scan);
                finished.push((appeared_at, episode));
            }
        }

        for (key, finding) in present {
            match open.get_mut(&key) {
                Some((_, episode)) => {
                    episode.last_seen = scan;
                    episode.finding = finding;
                }
                None => {
                    let episode = Episode { key: key.clone(), appeared: scan, last_seen: scan, finding, left: None };
                    open.insert(key, (position, episode));
                }
            }
        }
    }

    finished.extend(open.into_values());
    finished.sort_by(|(a_position, a), (b_position, b)| a_position.cmp(b_position).then_with(|| a.key.cmp(&b.key)));
    finished.into_iter().map(|(_, episode)| episode).collect()
}
