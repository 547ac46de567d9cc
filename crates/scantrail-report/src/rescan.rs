//! Re-matching stored inventories against the current advisory snapshot (`rescan`), and what a
//! new snapshot changes for the stored images (`db import`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use comfy_table::Cell;
use scantrail_model::{Digest, Ecosystem, Finding, Scan};
use serde::Serialize;

use crate::table::{new_table, trim_lines};
use crate::{to_json, Format, Style};

/// The maximum number of finding ids a table line lists before it counts the rest.
const LISTED_IDS: usize = 8;

/// One image that `rescan` matched again, or whose findings a new snapshot changes.
pub struct ImageChange<'a> {
    /// The scan whose inventory was matched: the image's newest scan before the re-match.
    pub original: &'a Scan,
    /// The re-match scan that `rescan` recorded; `None` when nothing was recorded.
    pub rematch: Option<&'a Scan>,
    pub added: &'a [Finding],
    pub removed: &'a [Finding],
    /// Watched tags (`prod`) whose newest observation is this image.
    pub watched_tags: Vec<&'a str>,
}

/// The changes in one image line.
pub struct LineChange<'a> {
    pub repository: &'a str,
    pub images: Vec<ImageChange<'a>>,
    /// Images whose newest scan already used the snapshot, which `rescan` skipped.
    pub up_to_date: usize,
    /// Images left out because their scan was imported from another scanner's report and has no
    /// inventory to match.
    pub not_rematchable: usize,
}

#[derive(Serialize)]
struct RescanDocument<'a> {
    schema: &'static str,
    snapshot: String,
    lines: Vec<LineJson<'a>>,
}

/// The `impact` object of the `db import` document.
#[derive(Serialize)]
pub struct ImpactJson<'a> {
    previous_snapshot: String,
    lines: Vec<LineJson<'a>>,
    watched: Vec<WatchedJson<'a>>,
}

#[derive(Serialize)]
struct LineJson<'a> {
    repository: &'a str,
    rematched: usize,
    up_to_date: usize,
    not_rematchable: usize,
    /// Distinct findings (vulnerability, ecosystem, package) added over the line's images.
    findings_added: usize,
    findings_removed: usize,
    images: Vec<ImageJson<'a>>,
}

#[derive(Serialize)]
struct ImageJson<'a> {
    manifest_digest: String,
    tag: Option<&'a str>,
    scan_id: &'a str,
    rematch_id: Option<&'a str>,
    watched_tags: &'a [&'a str],
    added: Vec<&'a str>,
    removed: Vec<&'a str>,
}

#[derive(Serialize)]
struct WatchedJson<'a> {
    repository: &'a str,
    tag: &'a str,
    manifest_digest: String,
    added: &'a [Finding],
}

/// Counts distinct findings by vulnerability, ecosystem and package name.
fn distinct<'a>(findings: impl Iterator<Item = &'a Finding>) -> usize {
    let keys: BTreeSet<(&str, Ecosystem, &str)> =
        findings.map(|f| (f.vulnerability_id.as_str(), f.package.ecosystem, f.package.name.as_str())).collect();
    keys.len()
}

/// Lists the vulnerability id of each finding.
fn finding_labels(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.vulnerability_id.as_str()).collect()
}

fn line_json<'a>(line: &'a LineChange<'a>) -> LineJson<'a> {
    LineJson {
        repository: line.repository,
        rematched: line.images.iter().filter(|image| image.rematch.is_some()).count(),
        up_to_date: line.up_to_date,
        not_rematchable: line.not_rematchable,
        findings_added: distinct(line.images.iter().flat_map(|image| image.added)),
        findings_removed: distinct(line.images.iter().flat_map(|image| image.removed)),
        images: line
            .images
            .iter()
            .map(|image| ImageJson {
                manifest_digest: image.original.manifest_digest.to_string(),
                tag: image.original.tag.as_deref(),
                scan_id: &image.original.id.0,
                rematch_id: image.rematch.map(|scan| scan.id.0.as_str()),
                watched_tags: &image.watched_tags,
                added: finding_labels(image.added),
                removed: finding_labels(image.removed),
            })
            .collect(),
    }
}

/// Renders the result of `rescan` against `snapshot`.
pub fn render_rescan(snapshot: &Digest, lines: &[LineChange<'_>], style: Style) -> String {
    match style.format {
        Format::Json => to_json(&RescanDocument { schema: "scantrail.rescan/v1", snapshot: snapshot.to_string(), lines: lines.iter().map(line_json).collect() }),
        Format::Table => {
            let mut out = format!("Snapshot   {snapshot}\n");
            if lines.is_empty() {
                out.push_str("No scans in the history store.\n");
                return out;
            }
            let mut table = new_table(&["REPOSITORY", "REMATCHED", "UP TO DATE", "ADDED", "REMOVED"], style.color);
            for line in lines {
                let json = line_json(line);
                table.add_row(vec![
                    Cell::new(line.repository),
                    Cell::new(json.rematched),
                    Cell::new(line.up_to_date),
                    Cell::new(format!("+{}", json.findings_added)),
                    Cell::new(format!("-{}", json.findings_removed)),
                ]);
            }
            out.push('\n');
            out.push_str(&trim_lines(&table.to_string()));
            out.push_str(&images_table(lines, style.color));
            out
        }
    }
}

/// Lists every re-matched image with its change, or nothing when no image was re-matched.
fn images_table(lines: &[LineChange<'_>], color: bool) -> String {
    let mut table = new_table(&["REPOSITORY", "TAG", "DIGEST", "REMATCH OF", "NEW SCAN", "CHANGE", "WATCHED"], color);
    let mut rows = 0;
    for line in lines {
        for image in &line.images {
            table.add_row(vec![
                Cell::new(line.repository),
                Cell::new(image.original.tag.as_deref().unwrap_or("-")),
                Cell::new(image.original.manifest_digest.short()),
                Cell::new(image.original.id.short()),
                Cell::new(image.rematch.map_or("-", |scan| scan.id.short())),
                Cell::new(format!("+{} -{}", image.added.len(), image.removed.len())),
                Cell::new(if image.watched_tags.is_empty() { "-".to_string() } else { image.watched_tags.join(", ") }),
            ]);
            rows += 1;
        }
    }
    if rows == 0 {
        return String::new();
    }
    format!("\n{}", trim_lines(&table.to_string()))
}

/// Builds the `impact` object of the `db import` document: what `new_snapshot` adds to and
/// removes from the newest scan of each image, compared with `previous`.
pub fn impact_json<'a>(previous: &Digest, lines: &'a [LineChange<'a>]) -> ImpactJson<'a> {
    ImpactJson {
        previous_snapshot: previous.to_string(),
        lines: lines.iter().map(line_json).collect(),
        watched: lines
            .iter()
            .flat_map(|line| {
                line.images.iter().flat_map(move |image| {
                    image.watched_tags.iter().map(move |tag| WatchedJson {
                        repository: line.repository,
                        tag,
                        manifest_digest: image.original.manifest_digest.to_string(),
                        added: image.added,
                    })
                })
            })
            .filter(|watched| !watched.added.is_empty())
            .collect(),
    }
}

/// Renders the lines `db import` prints about the new findings a snapshot brings.
pub fn render_impact(lines: &[LineChange<'_>]) -> String {
    let mut out = String::new();
    let affected: Vec<&LineChange<'_>> = lines.iter().filter(|line| line.images.iter().any(|image| !image.added.is_empty())).collect();
    if affected.is_empty() {
        let _ = writeln!(out, "No stored image gets new findings from this snapshot.");
    }
    for line in affected {
        let images = line.images.iter().filter(|image| !image.added.is_empty()).count();
        let _ = writeln!(
            out,
            "New findings: {} in {} ({images} image(s)); run `scantrail rescan --repository {}` to record them",
            distinct(line.images.iter().flat_map(|image| image.added)),
            line.repository,
            line.repository
        );
        for image in &line.images {
            for tag in &image.watched_tags {
                if image.added.is_empty() {
                    continue;
                }
                let mut ids: Vec<&str> = finding_labels(image.added);
                ids.sort_unstable();
                ids.dedup();
                let listed = ids.len().min(LISTED_IDS);
                let more = if ids.len() > listed { format!(" and {} more", ids.len() - listed) } else { String::new() };
                let _ = writeln!(
                    out,
                    "  watched tag {tag} ({}) gets {} new finding(s) for {}{more}",
                    image.original.manifest_digest.short(),
                    image.added.len(),
                    ids[..listed].join(", ")
                );
            }
        }
    }
    out
}
