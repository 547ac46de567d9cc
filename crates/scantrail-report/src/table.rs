//! Shared pieces of the table format.

use std::collections::BTreeMap;

use comfy_table::{presets, Attribute, Cell, Color, ContentArrangement, Table};
use scantrail_model::{Digest, Finding, Severity};

/// A table with scantrail's look: no vertical borders, a rule under the header, no wrapping.
pub fn new_table(header: &[&str], color: bool) -> Table {
    let mut table = Table::new();
    table.load_preset(presets::NOTHING).set_content_arrangement(ContentArrangement::Disabled);
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table.set_header(header.iter().map(|h| Cell::new(h).add_attribute(Attribute::Bold)));
    table
}

/// Builds a severity cell that names the database the rating came from: `HIGH (debian)`.
pub fn severity_cell_with_source(severity: Severity, source: Option<&str>, color: bool) -> Cell {
    let cell = match source {
        Some(source) => Cell::new(format!("{} ({source})", severity.as_str())),
        None => Cell::new(severity.as_str()),
    };
    if !color {
        return cell;
    }
    match severity {
        Severity::Critical => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Severity::High => cell.fg(Color::Red),
        Severity::Medium => cell.fg(Color::Yellow),
        Severity::Low => cell.fg(Color::Blue),
        Severity::Unknown => cell,
    }
}

/// Renders the findings table: severity, id, package, installed and fixed version, layer.
pub fn findings_table(findings: &[Finding], color: bool) -> String {
    let mut table = new_table(&["SEVERITY", "VULNERABILITY", "PACKAGE", "INSTALLED", "FIXED", "LAYER"], color);
    for finding in findings {
        table.add_row(vec![
            severity_cell_with_source(finding.severity, finding.severities.first().map(|s| s.source.as_str()), color),
            Cell::new(&finding.vulnerability_id),
            Cell::new(format!("{} ({})", finding.package.name, finding.package.ecosystem)),
            Cell::new(&finding.package.version),
            Cell::new(if finding.fixed_versions.is_empty() { "-".to_string() } else { finding.fixed_versions.join(", ") }),
            Cell::new(finding.layer.as_ref().map(Digest::short).unwrap_or("-")),
        ]);
    }
    trim_lines(&table.to_string())
}

/// Counts findings per severity, every severity present, most severe first.
pub fn severity_counts(findings: &[Finding]) -> BTreeMap<Severity, usize> {
    let mut counts: BTreeMap<Severity, usize> = Severity::ALL.iter().map(|s| (*s, 0)).collect();
    for finding in findings {
        *counts.entry(finding.severity).or_insert(0) += 1;
    }
    counts
}

/// `3 CRITICAL, 10 HIGH, …` for the non-zero counts, or `none`.
pub fn counts_sentence(findings: &[Finding]) -> String {
    let parts: Vec<String> = severity_counts(findings)
        .into_iter()
        .rev()
        .filter(|(_, n)| *n > 0)
        .map(|(severity, n)| format!("{n} {severity}"))
        .collect();
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

/// Removes the padding comfy-table leaves at line ends, so output diffs cleanly.
pub fn trim_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Severity counts as a JSON object with lowercase keys and a total.
#[derive(serde::Serialize)]
pub struct CountsJson {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub unknown: usize,
    pub total: usize,
}

impl CountsJson {
    pub fn of(findings: &[Finding]) -> CountsJson {
        let counts = severity_counts(findings);
        CountsJson {
            critical: counts[&Severity::Critical],
            high: counts[&Severity::High],
            medium: counts[&Severity::Medium],
            low: counts[&Severity::Low],
            unknown: counts[&Severity::Unknown],
            total: findings.len(),
        }
    }
}
