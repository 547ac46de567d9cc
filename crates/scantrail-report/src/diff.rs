//! The difference between two scans (`diff`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use comfy_table::Cell;
use scantrail_history::{Attribution, Cause, ExplainedDiff, OsReleaseChange, PackageChange, ScanDiff};
use scantrail_model::{Digest, Finding, Package, Scan};
use serde::Serialize;

use crate::table::{new_table, severity_cell_with_source, trim_lines, CountsJson};
use crate::{to_json, Format, Style};

#[derive(Serialize)]
struct DiffDocument<'a> {
    schema: &'static str,
    base: DiffSide<'a>,
    target: DiffSide<'a>,
    summary: DiffSummary<'a>,
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
struct DiffSummary<'a> {
    introduced: usize,
    fixed: usize,
    unchanged: usize,
    packages_added: usize,
    packages_removed: usize,
    packages_changed: usize,
    /// Introduced and fixed findings per cause, every cause listed.
    causes: BTreeMap<&'static str, usize>,
    /// Introduced findings that an earlier image of the line had and a later one lost.
    reintroduced: usize,
    /// Whether advisory causes could be separated by re-matching.
    rematched: bool,
    /// The os-release change (`ID VERSION_ID` on each side), omitted when the release is equal.
    #[serde(skip_serializing_if = "Option::is_none")]
    os_release_change: Option<&'a OsReleaseChange>,
}

#[derive(Serialize)]
struct DiffFindings<'a> {
    introduced: Vec<ExplainedFinding<'a>>,
    fixed: Vec<ExplainedFinding<'a>>,
    unchanged: &'a [Finding],
}

/// A finding of the diff with its cause; the finding's own fields come first.
#[derive(Serialize)]
struct ExplainedFinding<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    cause: Cause,
    reintroduced: bool,
    cause_detail: CauseDetail<'a>,
}

#[derive(Serialize)]
struct CauseDetail<'a> {
    base_versions: &'a [String],
    target_versions: &'a [String],
    advisory_ids: &'a [String],
}

fn explained<'a>(findings: &'a [Finding], attributions: &'a [Attribution]) -> Vec<ExplainedFinding<'a>> {
    findings
        .iter()
        .zip(attributions)
        .map(|(finding, attribution)| ExplainedFinding {
            finding,
            cause: attribution.cause,
            reintroduced: attribution.reintroduced,
            cause_detail: CauseDetail {
                base_versions: &attribution.base_versions,
                target_versions: &attribution.target_versions,
                advisory_ids: &attribution.advisory_ids,
            },
        })
        .collect()
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

/// Renders the difference from `base` to `target` with the cause of each introduced and fixed
/// finding.
pub fn render_diff(base: &Scan, target: &Scan, explained_diff: &ExplainedDiff, style: Style) -> String {
    let diff = &explained_diff.diff;
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
                causes: explained_diff.cause_counts().into_iter().map(|(cause, count)| (cause.as_str(), count)).collect(),
                reintroduced: explained_diff.introduced.iter().filter(|a| a.reintroduced).count(),
                rematched: explained_diff.rematched,
                os_release_change: explained_diff.os_release_change.as_ref(),
            },
            findings: DiffFindings {
                introduced: explained(&diff.introduced, &explained_diff.introduced),
                fixed: explained(&diff.fixed, &explained_diff.fixed),
                unchanged: &diff.unchanged,
            },
            packages: DiffPackages {
                added: &diff.packages_added,
                removed: &diff.packages_removed,
                changed: &diff.packages_changed,
            },
        }),
        Format::Table => render_table(base, target, explained_diff, style.color),
    }
}

fn render_table(base: &Scan, target: &Scan, explained_diff: &ExplainedDiff, color: bool) -> String {
    let diff: &ScanDiff = &explained_diff.diff;
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

    let causes: Vec<String> = explained_diff
        .cause_counts()
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(cause, count)| format!("{count} {cause}"))
        .collect();
    if !causes.is_empty() {
        let _ = writeln!(out, "Causes     {}", causes.join(", "));
    }
    if let Some(change) = &explained_diff.os_release_change {
        let _ = writeln!(
            out,
            "OS release {} -> {} (advisories of another release apply)",
            change.from.as_deref().unwrap_or("none"),
            change.to.as_deref().unwrap_or("none")
        );
    }
    if !explained_diff.rematched {
        let _ = writeln!(
            out,
            "Note       advisory snapshot {} or {} is not in the history store, so changes that come from advisories show as unknown",
            base.advisory_snapshot.short(),
            target.advisory_snapshot.short()
        );
    }

    let sections = [
        ("Introduced findings", &diff.introduced, &explained_diff.introduced),
        ("Fixed findings", &diff.fixed, &explained_diff.fixed),
    ];
    for (title, findings, attributions) in sections {
        if !findings.is_empty() {
            let _ = write!(out, "\n{title}\n{}", caused_findings_table(findings, attributions, color));
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
                Cell::new(change.direction.as_str()),
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

/// Renders findings with their causes: severity, id, package, installed and fixed version, layer,
/// cause. A finding that came back after leaving the line is marked `(reintroduced)`.
fn caused_findings_table(findings: &[Finding], attributions: &[Attribution], color: bool) -> String {
    let mut table = new_table(&["SEVERITY", "VULNERABILITY", "PACKAGE", "INSTALLED", "FIXED", "LAYER", "CAUSE"], color);
    for (finding, attribution) in findings.iter().zip(attributions) {
        let mut cause = attribution.cause.as_str().to_string();
        if attribution.reintroduced {
            cause.push_str(" (reintroduced)");
        }
        table.add_row(vec![
            severity_cell_with_source(finding.severity, finding.severities.first().map(|s| s.source.as_str()), color),
            Cell::new(&finding.vulnerability_id),
            Cell::new(format!("{} ({})", finding.package.name, finding.package.ecosystem)),
            Cell::new(&finding.package.version),
            Cell::new(if finding.fixed_versions.is_empty() { "-".to_string() } else { finding.fixed_versions.join(", ") }),
            Cell::new(finding.layer.as_ref().map(Digest::short).unwrap_or("-")),
            Cell::new(cause),
        ]);
    }
    trim_lines(&table.to_string())
}
