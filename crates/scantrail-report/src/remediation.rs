//! Remediation records (`remediate`, and the remediations column of `log`).

use std::fmt::Write as _;

use scantrail_model::{Remediation, RemediationLink, Scan};
use serde::Serialize;

use crate::log::format_time;
use crate::{to_json, Format, Style};

/// A remediation record as JSON documents show it.
#[derive(Serialize)]
pub(crate) struct RemediationJson<'a> {
    id: u64,
    repository: &'a str,
    vulnerability_id: &'a str,
    aliases: &'a [String],
    requested_id: &'a str,
    action: &'static str,
    note: &'a str,
    ticket: Option<&'a str>,
    by: &'a str,
    recorded_at: String,
    left_scan: Option<&'a str>,
    link: RemediationLink,
}

impl<'a> RemediationJson<'a> {
    pub(crate) fn of(record: &'a Remediation) -> RemediationJson<'a> {
        RemediationJson {
            id: record.id,
            repository: &record.repository,
            vulnerability_id: &record.vulnerability_id,
            aliases: &record.aliases,
            requested_id: &record.requested_id,
            action: record.action.as_str(),
            note: &record.note,
            ticket: record.ticket.as_deref(),
            by: &record.by,
            recorded_at: format_time(&record.recorded_at),
            left_scan: record.left_scan.as_ref().map(|id| id.0.as_str()),
            link: record.link,
        }
    }
}

#[derive(Serialize)]
struct RemediationDocument<'a> {
    schema: &'static str,
    remediation: RemediationJson<'a>,
}

/// Renders a stored remediation record. `left_scan` is the scan the record is linked to, and
/// `newest` the newest scan of the line, which still has the vulnerability when the record is
/// pending.
pub fn render_remediation(record: &Remediation, left_scan: Option<&Scan>, newest: Option<&Scan>, style: Style) -> String {
    match style.format {
        Format::Json => to_json(&RemediationDocument { schema: "scantrail.remediation/v1", remediation: RemediationJson::of(record) }),
        Format::Table => {
            let mut out = String::new();
            let _ = writeln!(out, "Recorded remediation {} of {} in {}", record.id, record.vulnerability_id, record.repository);
            if !record.requested_id.eq_ignore_ascii_case(&record.vulnerability_id) {
                let _ = writeln!(out, "Requested  {} (an alias)", record.requested_id);
            }
            let _ = writeln!(out, "Action     {}", record.action);
            let _ = writeln!(out, "Note       {}", record.note);
            if let Some(ticket) = &record.ticket {
                let _ = writeln!(out, "Ticket     {ticket}");
            }
            let _ = writeln!(out, "By         {}", record.by);
            let _ = writeln!(out, "Recorded   {}", format_time(&record.recorded_at));
            match (left_scan, newest) {
                (Some(scan), _) => {
                    let _ = writeln!(out, "Left in    scan {} ({}, {})", scan.id.short(), scan_label(scan), format_time(&scan.scanned_at));
                }
                (None, Some(scan)) => {
                    let _ = writeln!(
                        out,
                        "Left in    not yet: the newest scan {} ({}) still has it; the record will be linked to the first scan without it",
                        scan.id.short(),
                        scan_label(scan)
                    );
                }
                (None, None) => {
                    let _ = writeln!(out, "Left in    not yet");
                }
            }
            out
        }
    }
}

fn scan_label(scan: &Scan) -> String {
    match &scan.tag {
        Some(tag) => format!("{}:{tag}", scan.repository),
        None => format!("{}@{}", scan.repository, scan.manifest_digest.short()),
    }
}
