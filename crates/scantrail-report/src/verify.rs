//! The scan chain check (`verify`).

use std::fmt::Write as _;

use comfy_table::Cell;
use scantrail_store::{LedgerProblemKind, LedgerReport};
use serde::Serialize;

use crate::table::{new_table, trim_lines};
use crate::{to_json, Format, Style};

#[derive(Serialize)]
struct VerifyDocument<'a> {
    schema: &'static str,
    intact: bool,
    #[serde(flatten)]
    report: &'a LedgerReport,
}

/// Renders the outcome of a chain check.
pub fn render_verify(report: &LedgerReport, style: Style) -> String {
    match style.format {
        Format::Json => to_json(&VerifyDocument { schema: "scantrail.verify/v1", intact: report.intact(), report }),
        Format::Table => {
            let mut out = String::new();
            let scope = match report.repositories.as_slice() {
                [] => "the history store (no scans)".to_string(),
                [one] => one.clone(),
                many => format!("{} repositories", many.len()),
            };
            if report.intact() {
                let _ = writeln!(out, "Scan chain of {scope} is intact: {} scans checked", report.scans_checked);
                return out;
            }

            let count = |kind: LedgerProblemKind| report.problems.iter().filter(|problem| problem.kind == kind).count();
            let _ = writeln!(
                out,
                "Scan chain of {scope} is broken: {} changed, {} removed ({} scans checked)\n",
                count(LedgerProblemKind::Changed),
                count(LedgerProblemKind::Removed),
                report.scans_checked
            );
            let mut table = new_table(&["STATUS", "SCAN", "REPOSITORY", "DETAIL"], style.color);
            for problem in &report.problems {
                table.add_row(vec![
                    Cell::new(match problem.kind {
                        LedgerProblemKind::Changed => "changed",
                        LedgerProblemKind::Removed => "removed",
                    }),
                    Cell::new(problem.scan_id.as_ref().map_or("(unknown)", |id| id.0.as_str())),
                    Cell::new(&problem.repository),
                    Cell::new(&problem.detail),
                ]);
            }
            out.push_str(&trim_lines(&table.to_string()));
            out
        }
    }
}
