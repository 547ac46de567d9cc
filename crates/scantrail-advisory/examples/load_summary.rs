//! Loads advisory paths and prints what each contributed, for checking the loader by hand:
//! `cargo run -p scantrail-advisory --example load_summary -- PATH...`

use std::path::PathBuf;
use std::time::Instant;

use scantrail_advisory::{load_paths, Snapshot};

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();

    let started = Instant::now();
    let loaded = match load_paths(&paths) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(2);
        }
    };
    let load_time = started.elapsed();

    for source in &loaded.sources {
        println!("{}: {} records, {} withdrawn skipped", source.path, source.records, source.withdrawn_skipped);
        for (ecosystem, count) in &source.per_ecosystem {
            println!("  {ecosystem}\t{count}");
        }
    }

    let started = Instant::now();
    let snapshot = Snapshot::new(loaded.advisories);
    println!(
        "snapshot {}: {} advisories, loaded in {:.2?}, digest computed in {:.2?}",
        snapshot.digest,
        snapshot.advisories.len(),
        load_time,
        started.elapsed()
    );
}
