//! The history of an image line (`log`).

use chrono::{DateTime, SecondsFormat, Utc};
use comfy_table::Cell;
use scantrail_model::{Remediation, Scan};
use serde::Serialize;

use crate::remediation::RemediationJson;
use crate::table::{new_table, trim_lines, CountsJson};
use crate::{to_json, Format, Style};

/// One scan of the line and its change against the previous scan of the line.
pub struct LogEntry<'a> {
    pub scan: &'a Scan,
    /// Findings introduced and fixed since the previous scan, `None` for the first scan.
    pub change: Option<(usize, usize)>,
    /// Whether this scan saw its tag, an immutable one, at a new digest.
    pub tag_moved: bool,
}

#[derive(Serialize)]
struct LogDocument<'a> {
    schema: &'static str,
    repository: &'a str,
    scans: Vec<LogScan<'a>>,
}

#[derive(Serialize)]
struct LogScan<'a> {
    id: &'a str,
    kind: &'static str,
    scanned_at: String,
    tag: Option<&'a str>,
    manifest_digest: String,
    advisory_snapshot: String,
    counts: CountsJson,
    introduced: Option<usize>,
    fixed: Option<usize>,
    tag_moved: bool,
    /// Remediation records linked to this scan, where their vulnerability left the line.
    remediations: Vec<RemediationJson<'a>>,
}

#[derive(Serialize)]
struct LogDocumentWithPending<'a> {
    #[serde(flatten)]
    log: LogDocument<'a>,
    /// Remediation records whose vulnerability the newest scan still has.
    pending_remediations: Vec<RemediationJson<'a>>,
}

/// Formats the scan's tag, marked `(moved)` when this scan saw an immutable tag at a new digest.
fn tag_cell(entry: &LogEntry<'_>) -> String {
    let tag = entry.scan.tag.as_deref().unwrap_or("-");
    if entry.tag_moved {
        format!("{tag} (moved)")
    } else {
        tag.to_string()
    }
}

pub(crate) fn format_time(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Renders the scans of a line, newest first as given.
pub fn render_log(repository: &str, entries: &[LogEntry<'_>], style: Style) -> String {
    render_log_with_remediations(repository, entries, &[], style)
}

/// Renders the scans of a line with the line's remediation records: each linked record on the
/// scan where its vulnerability left the line, and the pending ones after the table.
pub fn render_log_with_remediations(repository: &str, entries: &[LogEntry<'_>], remediations: &[Remediation], style: Style) -> String {
    let linked_to = |scan: &Scan| -> Vec<&Remediation> {
        remediations.iter().filter(|record| record.left_scan.as_ref() == Some(&scan.id)).collect()
    };
    let pending: Vec<&Remediation> = remediations.iter().filter(|record| record.left_scan.is_none()).collect();
    match style.format {
        Format::Json => to_json(&LogDocumentWithPending {
            pending_remediations: pending.iter().map(|record| RemediationJson::of(record)).collect(),
            log: LogDocument {
            schema: "scantrail.log/v1",
            repository,
            scans: entries
                .iter()
                .map(|entry| LogScan {
                    id: &entry.scan.id.0,
                    kind: entry.scan.kind.as_str(),
                    scanned_at: format_time(&entry.scan.scanned_at),
                    tag: entry.scan.tag.as_deref(),
                    manifest_digest: entry.scan.manifest_digest.to_string(),
                    advisory_snapshot: entry.scan.advisory_snapshot.to_string(),
                    counts: CountsJson::of(&entry.scan.findings),
                    introduced: entry.change.map(|c| c.0),
                    fixed: entry.change.map(|c| c.1),
                    tag_moved: entry.tag_moved,
                    remediations: linked_to(entry.scan).into_iter().map(RemediationJson::of).collect(),
                })
                .collect(),
            },
        }),
        Format::Table => {
            // The column appears only for lines that have remediation records, so that the
            // table stays narrow for the others.
            let mut header = vec!["SCAN", "TIME", "TAG", "DIGEST", "KIND", "CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN", "CHANGE"];
            if !remediations.is_empty() {
                header.push("REMEDIATED");
            }
            let mut table = new_table(&header, style.color);
            for entry in entries {
                let counts = CountsJson::of(&entry.scan.findings);
                let change = match entry.change {
                    Some((introduced, fixed)) => format!("+{introduced} -{fixed}"),
                    None => "first".to_string(),
                };
                let mut cells = vec![
                    Cell::new(entry.scan.id.short()),
                    Cell::new(format_time(&entry.scan.scanned_at)),
                    Cell::new(tag_cell(entry)),
                    Cell::new(entry.scan.manifest_digest.short()),
                    Cell::new(entry.scan.kind.as_str()),
                    Cell::new(counts.critical),
                    Cell::new(counts.high),
                    Cell::new(counts.medium),
                    Cell::new(counts.low),
                    Cell::new(counts.unknown),
                    Cell::new(change),
                ];
                if !remediations.is_empty() {
                    let linked = linked_to(entry.scan);
                    cells.push(Cell::new(if linked.is_empty() { String::new() } else { format!("{} remediated", linked.len()) }));
                }
                table.add_row(cells);
            }
            let mut out = format!("Repository {repository}\n\n{}", trim_lines(&table.to_string()));
            let mut moved: Vec<&str> = entries.iter().filter(|entry| entry.tag_moved).filter_map(|entry| entry.scan.tag.as_deref()).collect();
            moved.dedup();
            for tag in moved {
                out.push_str(&format!(
                    "warning: immutable tag {tag} moved to another digest; run `scantrail tags {repository} {tag}` for its reflog\n"
                ));
            }
            if !pending.is_empty() {
                let ids: Vec<String> = pending.iter().map(|record| format!("{} ({})", record.vulnerability_id, record.action)).collect();
                out.push_str(&format!("\nPending remediations (the newest scan still has the vulnerability): {}\n", ids.join(", ")));
            }
            out
        }
    }
}
