//! Matches an inventory (the JSON serialization of `scantrail_model::Inventory`) against
//! advisories and prints the findings as tab-separated lines, for checking the matcher by hand:
//! `cargo run -p scantrail-matcher --example match_inventory -- INVENTORY.json ADVISORY_PATH...`
//!
//! Columns: severity, vulnerability id, ecosystem, package, matched name, matched version,
//! fixed versions, advisory ids.

use std::path::PathBuf;
use std::time::Instant;

use scantrail_advisory::{load_paths, Snapshot};
use scantrail_matcher::AdvisoryIndex;
use scantrail_model::Inventory;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(inventory_path) = args.next().map(PathBuf::from) else {
        fail(&"usage: match_inventory INVENTORY.json ADVISORY_PATH...");
    };
    let advisory_paths: Vec<PathBuf> = args.map(PathBuf::from).collect();

    let shown = inventory_path.display();
    let text = std::fs::read(&inventory_path)
        .unwrap_or_else(|error| fail(&format!("failed to read inventory {shown}: {error}")));
    let inventory: Inventory = serde_json::from_slice(&text)
        .unwrap_or_else(|error| fail(&format!("invalid inventory JSON in {shown}: {error}")));

    let started = Instant::now();
    let loaded = load_paths(&advisory_paths).unwrap_or_else(|error| fail(&error));
    let snapshot = Snapshot::new(loaded.advisories);
    eprintln!("loaded {} advisories in {:.2?}", snapshot.advisories.len(), started.elapsed());

    let started = Instant::now();
    let index = AdvisoryIndex::new(&snapshot);
    let index_time = started.elapsed();
    let started = Instant::now();
    let findings = index.match_inventory(&inventory);
    eprintln!(
        "{} packages, {} findings; index built in {:.2?}, matched in {:.2?}",
        inventory.packages.len(),
        findings.len(),
        index_time,
        started.elapsed()
    );

    for finding in &findings {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            finding.severity,
            finding.vulnerability_id,
            finding.package.ecosystem,
            finding.package.name,
            finding.package.match_name(),
            finding.package.match_version(),
            finding.fixed_versions.join(","),
            finding.advisory_ids.join(","),
        );
    }
}

fn fail(error: &dyn std::fmt::Display) -> ! {
    eprintln!("error: {error}");
    std::process::exit(2);
}
