//! The history of an image line (`log`).

use chrono::{DateTime, SecondsFormat, Utc};
use comfy_table::Cell;
use scantrail_model::Scan;
use serde::Serialize;

use crate::table::{new_table, trim_lines, CountsJson};
use crate::{to_json, Format, Style};

/// One scan of the line and its change against the previous scan of the line.
pub struct LogEntry<'a> {
    pub scan: &'a Scan,
    /// Findings introduced and fixed since the previous scan, `None` for the first scan.
    pub change: Option<(usize, usize)>,
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
}

pub(crate) fn format_time(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Renders the scans of a line, newest first as given.
pub fn render_log(repository: &str, entries: &[LogEntry<'_>], style: Style) -> String {
    match style.format {
        Format::Json => to_json(&LogDocument {
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
                })
                .collect(),
        }),
        Format::Table => {
            let mut table = new_table(
                &["SCAN", "TIME", "TAG", "DIGEST", "KIND", "CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN", "CHANGE"],
                style.color,
            );
            for entry in entries {
                let counts = CountsJson::of(&entry.scan.findings);
                let change = match entry.change {
                    Some((introduced, fixed)) => format!("+{introduced} -{fixed}"),
                    None => "first".to_string(),
                };
                table.add_row(vec![
                    Cell::new(entry.scan.id.short()),
                    Cell::new(format_time(&entry.scan.scanned_at)),
                    Cell::new(entry.scan.tag.as_deref().unwrap_or("-")),
                    Cell::new(entry.scan.manifest_digest.short()),
                    Cell::new(entry.scan.kind.as_str()),
                    Cell::new(counts.critical),
                    Cell::new(counts.high),
                    Cell::new(counts.medium),
                    Cell::new(counts.low),
                    Cell::new(counts.unknown),
                    Cell::new(change),
                ]);
            }
            format!("Repository {repository}\n\n{}", trim_lines(&table.to_string()))
        }
    }
}
