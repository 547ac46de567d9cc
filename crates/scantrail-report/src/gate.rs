//! The decision of a gate (`gate`).

use std::fmt::Write as _;

use scantrail_model::{Finding, Scan};
use scantrail_policy::{Decision, GateOutcome, SeverityGate};
use serde::Serialize;

use crate::scan::ScanHeader;
use crate::table::findings_table;
use crate::{to_json, Format, Style};

#[derive(Serialize)]
struct GateDocument<'a> {
    schema: &'static str,
    decision: Decision,
    policy: &'a SeverityGate,
    scan: ScanHeader<'a>,
    violations: &'a [Finding],
    ignored_unfixed: usize,
    /// Problems that do not change the decision, such as an immutable tag that moved.
    warnings: &'a [GateWarning],
}

/// A problem the gate reports without failing on it.
#[derive(Clone, Debug, Serialize)]
pub struct GateWarning {
    /// A stable name for scripts: `immutable_tag_moved`.
    pub code: &'static str,
    pub message: String,
}

/// Renders a gate decision with the findings that violate it and the warnings beside it.
pub fn render_gate(scan: &Scan, stored: bool, gate: &SeverityGate, outcome: &GateOutcome, warnings: &[GateWarning], style: Style) -> String {
    match style.format {
        Format::Json => to_json(&GateDocument {
            schema: "scantrail.gate/v1",
            decision: outcome.decision,
            policy: gate,
            scan: ScanHeader::of(scan, stored),
            violations: &outcome.violations,
            ignored_unfixed: outcome.ignored_unfixed,
            warnings,
        }),
        Format::Table => {
            let mut out = crate::scan::scan_header_lines(scan, stored);
            let unfixed = if gate.ignore_unfixed { ", unfixed findings ignored" } else { "" };
            let _ = writeln!(out, "Policy     fail on {} or higher{unfixed}", gate.fail_on);
            match outcome.decision {
                Decision::Passed => {
                    let _ = writeln!(out, "Gate       PASSED");
                }
                Decision::Failed => {
                    let _ = writeln!(out, "Gate       FAILED: {} finding(s) at or above {}", outcome.violations.len(), gate.fail_on);
                    out.push('\n');
                    out.push_str(&findings_table(&outcome.violations, style.color));
                }
            }
            if outcome.ignored_unfixed > 0 {
                let _ = writeln!(out, "({} finding(s) without a fix ignored)", outcome.ignored_unfixed);
            }
            for warning in warnings {
                let _ = writeln!(out, "warning: {}", warning.message);
            }
            out
        }
    }
}
