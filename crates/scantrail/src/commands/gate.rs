//! `scantrail gate`: pass or fail a scan on the severity of its findings.

use anyhow::Result;
use scantrail_image::ImageSource;
use scantrail_model::Severity;
use scantrail_policy::{Decision, SeverityGate};
use scantrail_report::{render_gate, GateWarning};

use crate::cli::{Cli, FailOn, GateArgs};
use crate::commands::tags::moved_immutable_tag;
use crate::commands::{print_report, scan};
use crate::config::Config;
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

    // The decision stays severity-based: a moved immutable tag is reported, not failed on.
    let config = Config::load(&context::home_dir()?)?;
    let mut warnings = Vec::new();
    if let Some(reflog) = moved_immutable_tag(&store, &config, &scan, stored)? {
        let digests: Vec<String> = reflog.entries.iter().map(|entry| entry.to.to_string()).collect();
        warnings.push(GateWarning {
            code: "immutable_tag_moved",
            message: format!(
                "tag {} matches an immutable tag pattern but moved {} time(s): {}",
                reflog.tag,
                reflog.moves(),
                digests.join(" -> ")
            ),
        });
    }
    print_report(&render_gate(&scan, stored, &gate, &outcome, &warnings, context::style(cli)))?;
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
