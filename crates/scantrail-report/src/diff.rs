//! The difference between two scans (`diff`).

use std::fmt::Write as _;

use comfy_table::Cell;
use scantrail_history::{PackageChange, ScanDiff};
use scantrail_model::{Finding, Package, Scan};
use serde::Serialize;

use crate::table::{findings_table, new_table, trim_lines, CountsJson};
use crate::{to_json, Format, Style};

#[derive(Serialize)]
struct DiffDocument<'a> {
    schema: &'static str,
    base: DiffSide<'a>,
    target: DiffSide<'a>,
    summary: DiffSummary,
    findings: DiffFindings<'a>,
    packages: DiffPackages<'a>,
}

#[derive(Serialize)]
struct DiffSide<'a> {
    scan_id: &'a str,
    repository: &'a str,
    tag: Option<&'a str>,
    manifest_digest: String,
    advisory_snapshot: String,
    counts: CountsJson,
}

#[derive(Serialize)]
struct DiffSummary {
    introduced: usize,
    fixed: usize,
    unchanged: usize,
    packages_added: usize,
    packages_removed: usize,
    packages_changed: usize,
}

#[derive(Serialize)]
struct DiffFindings<'a> {
    introduced: &'a [Finding],
    fixed: &'a [Finding],
    unchanged: &'a [Finding],
}

#[derive(Serialize)]
struct DiffPackages<'a> {
    added: &'a [Package],
    removed: &'a [Package],
    changed: &'a [PackageChange],
}

fn side(scan: &Scan) -> DiffSide<'_> {
    DiffSide {
        scan_id: &scan.id.0,
        repository: &scan.repository,
        tag: scan.tag.as_deref(),
        manifest_digest: scan.manifest_digest.to_string(),
        advisory_snapshot: scan.advisory_snapshot.to_string(),
        counts: CountsJson::of(&scan.findings),
    }
}

fn label(scan: &Scan) -> String {
    match &scan.tag {
        Some(tag) => format!("{}:{tag} ({})", scan.repository, scan.id.short()),
        None => format!("{}@{} ({})", scan.repository, scan.manifest_digest.short(), scan.id.short()),
    }
}

/// Renders the difference from `base` to `target`.
pub fn render_diff(base: &Scan, target: &Scan, diff: &ScanDiff, style: Style) -> String {
    match style.format {
        Format::Json => to_json(&DiffDocument {
            schema: "scantrail.diff/v1",
            base: side(base),
            target: side(target),
            summary: DiffSummary {
                introduced: diff.introduced.len(),
                fixed: diff.fixed.len(),
                unchanged: diff.unchanged.len(),
                packages_added: diff.packages_added.len(),
                packages_removed: diff.packages_removed.len(),
                packages_changed: diff.packages_changed.len(),
            },
            findings: DiffFindings { introduced: &diff.introduced, fixed: &diff.fixed, unchanged: &diff.unchanged },
            packages: DiffPackages {
                added: &diff.packages_added,
                removed: &diff.packages_removed,
                changed: &diff.packages_changed,
            },
        }),
        Format::Table => render_table(base, target, diff, style.color),
    }
}

fn render_table(base: &Scan, target: &Scan, diff: &ScanDiff, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Base       {}", label(base));
    let _ = writeln!(out, "Target     {}", label(target));
    let _ = writeln!(
        out,
        "Findings   +{} introduced, -{} fixed, {} unchanged",
        diff.introduced.len(),
        diff.fixed.len(),
        diff.unchanged.len()
    );
    let _ = writeln!(
        out,
        "Packages   +{} added, -{} removed, {} changed",
        diff.packages_added.len(),
        diff.packages_removed.len(),
        diff.packages_changed.len()
    );

    for (title, findings) in [("Introduced findings", &diff.introduced), ("Fixed findings", &diff.fixed)] {
        if !findings.is_empty() {
            let _ = write!(out, "\n{title}\n{}", findings_table(findings, color));
        }
    }

    if !(diff.packages_added.is_empty() && diff.packages_removed.is_empty() && diff.packages_changed.is_empty()) {
        let mut table = new_table(&["CHANGE", "PACKAGE", "ECOSYSTEM", "FROM", "TO"], color);
        for package in &diff.packages_added {
            table.add_row(vec![Cell::new("added"), Cell::new(&package.name), Cell::new(package.ecosystem), Cell::new("-"), Cell::new(&package.version)]);
        }
        for package in &diff.packages_removed {
            table.add_row(vec![Cell::new("removed"), Cell::new(&package.name), Cell::new(package.ecosystem), Cell::new(&package.version), Cell::new("-")]);
        }
        for change in &diff.packages_changed {
            table.add_row(vec![
                Cell::new("changed"),
                Cell::new(&change.name),
                Cell::new(change.ecosystem),
                Cell::new(change.from.join(", ")),
                Cell::new(change.to.join(", ")),
            ]);
        }
        let _ = write!(out, "\nPackage changes\n{}", trim_lines(&table.to_string()));
    }
    out
}
