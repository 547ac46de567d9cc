//! Evaluation of OSV affected ranges, following the algorithm of the OSV schema's "Evaluation"
//! section (<https://ossf.github.io/osv-schema/#evaluation>).

use std::cmp::Ordering;

use scantrail_advisory::{Affected, Event, Range, RangeKind};
use scantrail_version::VersionScheme;

/// Outcome of evaluating one affected entry against an installed version.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct AffectedMatch {
    /// Fixed versions of the matching ranges that are greater than the installed version.
    pub fixed: Vec<String>,
}

/// Checks whether `version` is affected by `affected`: listed in its `versions`, or inside one
/// of its ECOSYSTEM or SEMVER ranges. GIT ranges are ignored.
///
/// `scheme` is the ecosystem's version scheme, `None` when scantrail has none, in which case
/// only the explicit `versions` list can match. A range with a version that the scheme rejects
/// is skipped, and so are all ranges when the installed version itself is invalid.
pub(crate) fn evaluate_affected(
    affected: &Affected,
    version: &str,
    scheme: Option<&dyn VersionScheme>,
    semver: &dyn VersionScheme,
    advisory_id: &str,
) -> Option<AffectedMatch> {
    let mut listed = affected.versions.iter().any(|v| v == version);
    if !listed {
        if let Some(scheme) = scheme.filter(|s| s.validate(version).is_ok()) {
            listed = affected.versions.iter().any(|v| scheme.compare(v, version) == Ok(Ordering::Equal));
        }
    }

    let mut in_range = false;
    let mut fixed = Vec::new();
    for range in &affected.ranges {
        let range_scheme = match range.kind {
            RangeKind::Ecosystem => scheme,
            RangeKind::Semver => Some(semver),
            RangeKind::Git => None,
        };
        let Some(range_scheme) = range_scheme else { continue };
        if let Some(range_fixed) = evaluate_range(range, version, range_scheme, advisory_id) {
            in_range = true;
            fixed.extend(range_fixed);
        }
    }

    (listed || in_range).then_some(AffectedMatch { fixed })
}

/// Evaluates one range. Returns the range's fixed versions greater than `version` when
/// `version` is inside the range, and `None` when it is outside or the range is skipped.
fn evaluate_range(range: &Range, version: &str, scheme: &dyn VersionScheme, advisory_id: &str) -> Option<Vec<String>> {
    if let Err(error) = scheme.validate(version) {
        tracing::debug!(advisory = advisory_id, %error, "skipping range: installed version is invalid");
        return None;
    }
    for event in &range.events {
        if is_unbounded(event) {
            continue;
        }
        if let Err(error) = scheme.validate(event.version()) {
            tracing::debug!(advisory = advisory_id, %error, "skipping range with an invalid version");
            return None;
        }
    }

    // Every version was validated above, so a comparison error would be a bug in the scheme.
    // It is treated as `Equal`.
    let compare = |a: &str, b: &str| scheme.compare(a, b).unwrap_or(Ordering::Equal);

    // With limit events, a version is only inside the range when it is below one of them.
    let limits: Vec<&str> = range
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Limit(limit) => Some(limit.as_str()),
            _ => None,
        })
        .collect();
    if !limits.is_empty() && !limits.iter().any(|limit| *limit == "*" || compare(version, limit) == Ordering::Less) {
        return None;
    }

    // Events are evaluated in version order, whatever their order in the record. The sort is
    // stable, so events with equal versions keep the record's order.
    let mut events: Vec<&Event> = range.events.iter().filter(|e| !matches!(e, Event::Limit(_))).collect();
    events.sort_by(|a, b| match (is_unbounded(a), is_unbounded(b)) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => compare(a.version(), b.version()),
    });

    let mut affected = false;
    for event in events {
        match event {
            Event::Introduced(introduced) => {
                if introduced == "0" || compare(version, introduced) != Ordering::Less {
                    affected = true;
                }
            }
            Event::Fixed(fixed) => {
                if compare(version, fixed) != Ordering::Less {
                    affected = false;
                }
            }
            Event::LastAffected(last) => {
                if compare(version, last) == Ordering::Greater {
                    affected = false;
                }
            }
            Event::Limit(_) => {}
        }
    }
    if !affected {
        return None;
    }

    let fixed = range
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Fixed(fixed) if compare(fixed, version) == Ordering::Greater => Some(fixed.clone()),
            _ => None,
        })
        .collect();
    Some(fixed)
}

/// Whether the event's version is a sentinel rather than a version: introduced `0` (from the
/// first version on) or limit `*` (no limit).
fn is_unbounded(event: &Event) -> bool {
    match event {
        Event::Introduced(v) => v == "0",
        Event::Limit(v) => v == "*",
        _ => false,
    }
}
