//! The origin of a package or vulnerability in one scanned image (`blame`).

use std::fmt::Write as _;

use comfy_table::Cell;
use scantrail_history::{label, Blame, FindingBlame, PackageBlame, REVISION_LABEL, SOURCE_LABEL};
use scantrail_model::{Package, Scan, Severity};
use serde::Serialize;

use crate::log::format_time;
use crate::provenance::{image_label, layer_label, LayerJson, ScanRefJson};
use crate::table::{new_table, severity_cell_with_source, trim_lines};
use crate::{to_json, Format, Style};

#[derive(Serialize)]
struct BlameDocument<'a> {
    schema: &'static str,
    query: &'a str,
    subject: &'static str,
    scan: ScanRefJson<'a>,
    revision: Option<&'a str>,
    source: Option<&'a str>,
    packages: Vec<PackageJson<'a>>,
}

#[derive(Serialize)]
struct PackageJson<'a> {
    package: &'a Package,
    layer: Option<LayerJson<'a>>,
    first_with_version: Option<ScanRefJson<'a>>,
    findings: Vec<FindingJson<'a>>,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    vulnerability_id: &'a str,
    aliases: &'a [String],
    severity: Severity,
    fixed_versions: &'a [String],
    first_seen: Option<ScanRefJson<'a>>,
}

fn package_json<'a>(entry: &PackageBlame<'a>) -> PackageJson<'a> {
    PackageJson {
        package: entry.package,
        layer: entry.layer.map(|(index, layer)| LayerJson::of(index, layer)),
        first_with_version: entry.first_with_version.map(ScanRefJson::of),
        findings: entry.findings.iter().map(finding_json).collect(),
    }
}

fn finding_json<'a>(entry: &FindingBlame<'a>) -> FindingJson<'a> {
    FindingJson {
        vulnerability_id: &entry.finding.vulnerability_id,
        aliases: &entry.finding.aliases,
        severity: entry.finding.severity,
        fixed_versions: &entry.finding.fixed_versions,
        first_seen: entry.first_seen.map(ScanRefJson::of),
    }
}

/// Renders where the packages `query` names in `scan` came from.
pub fn render_blame(scan: &Scan, query: &str, blame: &Blame<'_>, style: Style) -> String {
    match style.format {
        Format::Json => to_json(&BlameDocument {
            schema: "scantrail.blame/v1",
            query,
            subject: blame.subject.as_str(),
            scan: ScanRefJson::of(scan),
            revision: label(scan, REVISION_LABEL),
            source: label(scan, SOURCE_LABEL),
            packages: blame.packages.iter().map(package_json).collect(),
        }),
        Format::Table => render_table(scan, blame, style.color),
    }
}

/// `v1.0 eff4304f1bea, scan 022cd3153b3c at 2026-12-04T21:25:10Z`, or `-`.
fn first_scan_text(scan: Option<&Scan>) -> String {
    match scan {
        Some(scan) => format!("{}, scan {} at {}", image_label(scan), scan.id.short(), format_time(&scan.scanned_at)),
        None => "-".to_string(),
    }
}

fn render_table(scan: &Scan, blame: &Blame<'_>, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Image      {}:{} ({})", scan.repository, scan.tag.as_deref().unwrap_or("-"), scan.manifest_digest);
    let _ = writeln!(out, "Scan       {} {}", scan.id.short(), format_time(&scan.scanned_at));
    let _ = writeln!(out, "Revision   {}", label(scan, REVISION_LABEL).unwrap_or("- (no org.opencontainers.image.revision label)"));
    let _ = writeln!(out, "Source     {}", label(scan, SOURCE_LABEL).unwrap_or("- (no org.opencontainers.image.source label)"));

    for entry in &blame.packages {
        let package = entry.package;
        let _ = writeln!(out, "\n{} {} ({})", package.name, package.version, package.ecosystem);
        let layer = match entry.layer {
            Some((index, layer)) => format!("{} ({})", layer_label(index, layer), layer.diff_id),
            None => "- (the scan records no layer for this package)".to_string(),
        };
        let _ = writeln!(out, "  Layer             {layer}");
        let _ = writeln!(out, "  Path              {}", package.path);
        let _ = writeln!(out, "  First in line     {}", first_scan_text(entry.first_with_version));
        if entry.findings.is_empty() {
            let _ = writeln!(out, "  Findings          none");
            continue;
        }

        let mut table = new_table(&["SEVERITY", "VULNERABILITY", "FIXED", "FIRST SEEN"], color);
        for finding in &entry.findings {
            let fixed = &finding.finding.fixed_versions;
            table.add_row(vec![
                severity_cell_with_source(finding.finding.severity, finding.finding.severities.first().map(|s| s.source.as_str()), color),
                Cell::new(&finding.finding.vulnerability_id),
                Cell::new(if fixed.is_empty() { "-".to_string() } else { fixed.join(", ") }),
                Cell::new(first_scan_text(finding.first_seen)),
            ]);
        }
        out.push('\n');
        out.push_str(&trim_lines(&table.to_string()));
    }
    out
}
