//! Remediation speed of image lines.
//!
//! A finding's clock starts at the first scan of its line that has it and stops at the first
//! later scan without it (see [`Episode`]). From these episodes come the mean and median time to
//! remediate per severity, the ages of the findings still open in the newest scan, and the
//! findings that exceeded their severity's deadline (SLA).
//!
//! The scans of a line are ordered by `scanned_at`, like `scantrail log`. Re-matches belong to the
//! line like any scan: a finding that a re-match brought in (a new advisory for an unchanged
//! image) appeared then, and a finding that a re-match no longer has (a withdrawn or corrected
//! advisory) left then.

mod lifecycle;
mod metrics;

pub use lifecycle::{episodes, Episode, FindingKey};
pub use metrics::{
    chart_bars, compute, line_scans, AgeBuckets, Breach, BreachStatus, ChartBar, LineInput, LineMetrics, Measures, Metrics,
    MetricsOptions, SeverityMeasures, SlaDays,
};

#[cfg(test)]
mod tests;
