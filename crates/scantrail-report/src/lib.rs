//! Rendering of scantrail's reports: human tables and versioned JSON documents.
//!
//! Every JSON document starts with a `schema` field (`scantrail.scan/v1`, …) that names its
//! shape; docs/json-schema.md describes each field. A new field may be added within a version; a
//! field is never renamed or removed without bumping the version.

mod blame;
mod chart;
mod diff;
mod gate;
mod log;
mod metrics;
mod provenance;
mod remediation;
mod rescan;
mod scan;
mod table;
mod tags;
mod verify;
mod vulnerability;

use std::str::FromStr;

pub use blame::render_blame;
pub use diff::render_diff;
pub use gate::{render_gate, GateWarning};
pub use chart::render_chart;
pub use log::{render_log, render_log_with_remediations, LogEntry};
pub use metrics::{format_duration, render_metrics, render_metrics_csv};
pub use remediation::render_remediation;
pub use verify::render_verify;
pub use rescan::{impact_json, render_impact, render_rescan, ImageChange, ImpactJson, LineChange};
pub use scan::{render_scan, ScanReport};
pub use tags::{immutable_tag_warnings, render_tags};
pub use vulnerability::{render_history, HistoryReport};

/// Output format chosen with `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            other => Err(format!("unknown format {other:?}: expected table or json")),
        }
    }
}

/// How to render: format and whether tables may use color.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub format: Format,
    pub color: bool,
}

/// Serializes a JSON document with a trailing newline.
pub fn to_json<T: serde::Serialize>(document: &T) -> String {
    let mut text = serde_json::to_string_pretty(document).expect("report documents always serialize");
    text.push('\n');
    text
}
