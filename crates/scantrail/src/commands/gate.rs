//! `scantrail gate`: pass or fail a scan on the severity of its findings.

use anyhow::Result;
use scantrail_image::ImageSource;
use scantrail_model::Severity;
use scantrail_policy::{Decision, SeverityGate};
use scantrail_report::render_gate;

use crate::cli::{Cli, FailOn, GateArgs};
use crate::commands::{print_report, scan};
use crate::context;
use crate::resolve::find_scan;
use crate::Outcome;

pub fn run(cli: &Cli, args: &GateArgs) -> Result<Outcome> {
    let mut store = context::open_store()?;
    let (scan, stored) = if looks_like_source(&args.target) {
        (scan::scan_source(cli, &mut store, &args.target, &args.image)?, !args.image.no_store)
    } else {
        (find_scan(&store, &args.target)?, true)
    };

    let gate = SeverityGate { fail_on: severity(args.fail_on), ignore_unfixed: args.ignore_unfixed };
    let outcome = gate.evaluate(&scan);
    print_report(&render_gate(&scan, stored, &gate, &outcome, context::style(cli)))?;
    Ok(match outcome.decision {
        Decision::Passed => Outcome::Success,
        Decision::Failed => Outcome::PolicyFailed,
    })
}

/// Returns whether the gate target is an image source to scan rather than a stored scan, because
/// it names a transport (`oci:`, `oci-archive:`, `docker-archive:`, `docker://`) or an existing
/// path. A bare registry reference such as `app:1.2` reads as a stored scan.
fn looks_like_source(target: &str) -> bool {
    ["oci:", "oci-archive:", "docker-archive:", "docker://"].iter().any(|prefix| target.starts_with(prefix))
        || (std::path::Path::new(target).exists() && ImageSource::parse(target).is_ok())
}

fn severity(fail_on: FailOn) -> Severity {
    match fail_on {
        FailOn::Critical => Severity::Critical,
        FailOn::High => Severity::High,
        FailOn::Medium => Severity::Medium,
        FailOn::Low => Severity::Low,
        FailOn::Unknown => Severity::Unknown,
    }
}
