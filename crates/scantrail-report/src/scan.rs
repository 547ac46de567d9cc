//! The report of one scan (`scan`, `show`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use scantrail_model::{Finding, Package, Scan};
use serde::Serialize;

use crate::table::{counts_sentence, findings_table, CountsJson};
use crate::{to_json, Format, Style};

/// A scan and whether it was written to the history store.
pub struct ScanReport<'a> {
    pub scan: &'a Scan,
    pub stored: bool,
}

#[derive(Serialize)]
struct ScanDocument<'a> {
    schema: &'static str,
    scan: ScanHeader<'a>,
    summary: CountsJson,
    packages: &'a [Package],
    findings: &'a [Finding],
}

/// The scan's identity and provenance, shared by the `scan`, `show` and `gate` documents.
#[derive(Serialize)]
pub(crate) struct ScanHeader<'a> {
    id: &'a str,
    stored: bool,
    kind: &'static str,
    reference: &'a str,
    repository: &'a str,
    tag: Option<&'a str>,
    manifest_digest: String,
    index_digest: Option<String>,
    config_digest: String,
    platform: &'a str,
    os: Option<&'a scantrail_model::OsRelease>,
    labels: &'a BTreeMap<String, String>,
    created: Option<&'a str>,
    layers: &'a [scantrail_model::LayerRecord],
    advisory_snapshot: String,
    scanner_version: &'a str,
    scanned_at: String,
    rematch_of: Option<&'a str>,
}

impl<'a> ScanHeader<'a> {
    pub(crate) fn of(scan: &'a Scan, stored: bool) -> ScanHeader<'a> {
        ScanHeader {
            id: &scan.id.0,
            stored,
            kind: scan.kind.as_str(),
            reference: &scan.reference,
            repository: &scan.repository,
            tag: scan.tag.as_deref(),
            manifest_digest: scan.manifest_digest.to_string(),
            index_digest: scan.index_digest.as_ref().map(ToString::to_string),
            config_digest: scan.config_digest.to_string(),
            platform: &scan.platform,
            os: scan.inventory.os.as_ref(),
            labels: &scan.labels,
            created: scan.created.as_deref(),
            layers: &scan.layers,
            advisory_snapshot: scan.advisory_snapshot.to_string(),
            scanner_version: &scan.scanner_version,
            scanned_at: crate::log::format_time(&scan.scanned_at),
            rematch_of: scan.rematch_of.as_ref().map(|id| id.0.as_str()),
        }
    }
}

/// Renders a scan report.
pub fn render_scan(report: &ScanReport<'_>, style: Style) -> String {
    let scan = report.scan;
    match style.format {
        Format::Json => to_json(&ScanDocument {
            schema: "scantrail.scan/v1",
            scan: ScanHeader::of(scan, report.stored),
            summary: CountsJson::of(&scan.findings),
            packages: &scan.inventory.packages,
            findings: &scan.findings,
        }),
        Format::Table => {
            let mut out = scan_header_lines(scan, report.stored);
            out.push('\n');
            if !scan.findings.is_empty() {
                out.push_str(&findings_table(&scan.findings, style.color));
            }
            out
        }
    }
}

/// Renders the key–value lines shown above a findings table.
pub(crate) fn scan_header_lines(scan: &Scan, stored: bool) -> String {
    let mut out = String::new();
    let image = match &scan.tag {
        Some(tag) => format!("{}:{tag}", scan.repository),
        None => scan.repository.clone(),
    };
    let _ = writeln!(out, "Image      {image}");
    let _ = writeln!(out, "Manifest   {}", scan.manifest_digest);
    if let Some(index) = &scan.index_digest {
        let _ = writeln!(out, "Index      {index}");
    }
    let _ = writeln!(out, "Platform   {}", scan.platform);
    let stored_note = if stored { "" } else { " (not stored)" };
    let _ = writeln!(out, "Scan       {} {}{stored_note}", scan.id.short(), crate::log::format_time(&scan.scanned_at));
    if let Some(os) = &scan.inventory.os {
        let name = os.pretty_name.clone().unwrap_or_else(|| format!("{} {}", os.id, os.version_id.as_deref().unwrap_or("")));
        let _ = writeln!(out, "OS         {}", name.trim());
    }
    let _ = writeln!(out, "Packages   {}", package_counts(&scan.inventory.packages));
    let _ = writeln!(out, "Snapshot   {}", scan.advisory_snapshot.short());
    let _ = writeln!(out, "Findings   {}: {}", scan.findings.len(), counts_sentence(&scan.findings));
    out
}

fn package_counts(packages: &[Package]) -> String {
    let mut per_ecosystem: BTreeMap<&str, usize> = BTreeMap::new();
    for package in packages {
        *per_ecosystem.entry(package.ecosystem.as_str()).or_insert(0) += 1;
    }
    let parts: Vec<String> = per_ecosystem.iter().map(|(e, n)| format!("{e} {n}")).collect();
    if parts.is_empty() {
        "0".to_string()
    } else {
        format!("{} ({})", packages.len(), parts.join(", "))
    }
}
