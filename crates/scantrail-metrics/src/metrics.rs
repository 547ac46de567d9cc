//! Remediation metrics of image lines.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use scantrail_model::{Ecosystem, Remediation, RemediationAction, Scan, ScanId, Severity};
use serde::Serialize;

use crate::lifecycle::{episodes, Episode};

const SECONDS_PER_DAY: i64 = 86_400;

/// Days allowed to remediate a finding, per severity. `None` sets no deadline, and findings of
/// unknown severity never have one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SlaDays {
    pub critical: Option<u32>,
    pub high: Option<u32>,
    pub medium: Option<u32>,
    pub low: Option<u32>,
}

impl SlaDays {
    pub fn for_severity(&self, severity: Severity) -> Option<u32> {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Unknown => None,
        }
    }
}

/// The time window and deadlines of a metrics computation.
#[derive(Clone, Copy, Debug)]
pub struct MetricsOptions {
    /// The time the metrics describe: scans after it are left out, and ages are measured at it.
    pub as_of: DateTime<Utc>,
    /// When set, only findings remediated at or after this time count as remediated, and the
    /// chart starts here. Open findings are counted whatever their age.
    pub since: Option<DateTime<Utc>>,
    pub sla: SlaDays,
}

/// The scans and remediation records of one image line.
pub struct LineInput<'a> {
    pub repository: &'a str,
    /// Every scan of the line, in any order.
    pub scans: &'a [Scan],
    pub remediations: &'a [Remediation],
}

/// Counts of open findings by age in whole days (rounded down).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AgeBuckets {
    pub days_0_7: usize,
    pub days_8_30: usize,
    pub days_31_90: usize,
    pub days_over_90: usize,
}

impl AgeBuckets {
    fn add(&mut self, age: TimeDelta) {
        match age.num_seconds().div_euclid(SECONDS_PER_DAY) {
            ..=7 => self.days_0_7 += 1,
            8..=30 => self.days_8_30 += 1,
            31..=90 => self.days_31_90 += 1,
            _ => self.days_over_90 += 1,
        }
    }

    fn merge(&mut self, other: &AgeBuckets) {
        self.days_0_7 += other.days_0_7;
        self.days_8_30 += other.days_8_30;
        self.days_31_90 += other.days_31_90;
        self.days_over_90 += other.days_over_90;
    }
}

/// Remediation measures of one group of findings (one severity, or all).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Measures {
    /// Findings that left their line in the window.
    pub remediated: usize,
    /// Mean time to remediate, in whole seconds (rounded down); `None` when nothing was
    /// remediated.
    pub mean_seconds: Option<i64>,
    /// Median time to remediate, in whole seconds; the mean of the two middle values, rounded
    /// down, for an even count.
    pub median_seconds: Option<i64>,
    /// Findings in the newest scan of their line.
    pub open: usize,
    pub open_by_age: AgeBuckets,
    /// Open findings older than their deadline.
    pub open_past_sla: usize,
    /// Remediated findings whose time to remediate exceeded their deadline.
    pub remediated_late: usize,
    /// Times to remediate in seconds, kept to merge groups exactly.
    #[serde(skip)]
    samples: Vec<i64>,
}

impl Measures {
    fn add_remediated(&mut self, time_to_remediate: TimeDelta, late: bool) {
        self.remediated += 1;
        self.samples.push(time_to_remediate.num_seconds());
        self.remediated_late += usize::from(late);
        self.update_statistics();
    }

    fn add_open(&mut self, age: TimeDelta, past_sla: bool) {
        self.open += 1;
        self.open_by_age.add(age);
        self.open_past_sla += usize::from(past_sla);
    }

    fn merge(&mut self, other: &Measures) {
        self.remediated += other.remediated;
        self.samples.extend_from_slice(&other.samples);
        self.open += other.open;
        self.open_by_age.merge(&other.open_by_age);
        self.open_past_sla += other.open_past_sla;
        self.remediated_late += other.remediated_late;
        self.update_statistics();
    }

    fn update_statistics(&mut self) {
        self.samples.sort_unstable();
        let count = self.samples.len();
        if count == 0 {
            self.mean_seconds = None;
            self.median_seconds = None;
            return;
        }
        let sum: i128 = self.samples.iter().map(|&seconds| i128::from(seconds)).sum();
        self.mean_seconds = i64::try_from(sum.div_euclid(count as i128)).ok();
        self.median_seconds = Some(if count % 2 == 1 {
            self.samples[count / 2]
        } else {
            let (low, high) = (i128::from(self.samples[count / 2 - 1]), i128::from(self.samples[count / 2]));
            i64::try_from((low + high).div_euclid(2)).unwrap_or(i64::MAX)
        });
    }
}

/// The measures of one severity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeverityMeasures {
    pub severity: Severity,
    pub sla_days: Option<u32>,
    #[serde(flatten)]
    pub measures: Measures,
}

/// Whether a breach is still open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreachStatus {
    /// In the newest scan and older than its deadline.
    Open,
    /// Left the line after its deadline.
    RemediatedLate,
}

/// A finding that is or was past its deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Breach {
    pub repository: String,
    pub vulnerability_id: String,
    pub ecosystem: Ecosystem,
    pub package: String,
    /// The installed version in the newest scan that had the finding.
    pub version: String,
    pub severity: Severity,
    pub status: BreachStatus,
    pub first_seen: DateTime<Utc>,
    /// The scan where the finding appeared.
    pub appeared_in: ScanId,
    pub remediated_at: Option<DateTime<Utc>>,
    /// The first scan without the finding.
    pub remediated_in: Option<ScanId>,
    /// Age of an open finding at `as_of`, or time to remediate, in whole seconds.
    pub elapsed_seconds: i64,
    pub sla_days: u32,
    /// The action of the newest remediation record of the vulnerability in this line.
    pub remediation: Option<RemediationAction>,
}

/// The metrics of one image line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineMetrics {
    pub repository: String,
    /// Scans of the line up to `as_of`.
    pub scans: usize,
    /// The newest scan up to `as_of`, whose findings are the open ones.
    pub newest_scan: Option<ScanId>,
    pub newest_tag: Option<String>,
    pub newest_scanned_at: Option<DateTime<Utc>>,
    pub severities: Vec<SeverityMeasures>,
    pub total: Measures,
}

/// Metrics of one or more image lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Metrics {
    pub lines: Vec<LineMetrics>,
    /// Every line's findings, per severity, most severe first.
    pub severities: Vec<SeverityMeasures>,
    pub total: Measures,
    /// Open breaches first (oldest first), then late remediations (latest first).
    pub breaches: Vec<Breach>,
}

/// Computes the metrics of `lines`.
pub fn compute(lines: &[LineInput<'_>], options: &MetricsOptions) -> Metrics {
    let mut all_lines = Vec::new();
    let mut breaches = Vec::new();
    for line in lines {
        let (metrics, line_breaches) = compute_line(line, options);
        all_lines.push(metrics);
        breaches.extend(line_breaches);
    }

    let mut severities = empty_severities(&options.sla);
    for line in &all_lines {
        for (merged, measures) in severities.iter_mut().zip(&line.severities) {
            merged.measures.merge(&measures.measures);
        }
    }
    let total = sum(&severities);

    breaches.sort_by(|a, b| {
        let open_first = (a.status != BreachStatus::Open).cmp(&(b.status != BreachStatus::Open));
        let by_time = match a.status {
            BreachStatus::Open => a.first_seen.cmp(&b.first_seen),
            BreachStatus::RemediatedLate => b.remediated_at.cmp(&a.remediated_at),
        };
        open_first.then(by_time).then_with(|| (&a.repository, &a.vulnerability_id, &a.package).cmp(&(&b.repository, &b.vulnerability_id, &b.package)))
    });
    Metrics { lines: all_lines, severities, total, breaches }
}

fn empty_severities(sla: &SlaDays) -> Vec<SeverityMeasures> {
    Severity::ALL
        .iter()
        .map(|&severity| SeverityMeasures { severity, sla_days: sla.for_severity(severity), measures: Measures::default() })
        .collect()
}

fn sum(severities: &[SeverityMeasures]) -> Measures {
    let mut total = Measures::default();
    for severity in severities {
        total.merge(&severity.measures);
    }
    total
}

/// Returns the scans of a line up to `as_of`, oldest first (by `scanned_at`, then the order
/// given, which for the store's newest-first list is reversed insertion order).
pub fn line_scans<'a>(scans: &'a [Scan], as_of: DateTime<Utc>) -> Vec<&'a Scan> {
    let mut selected: Vec<(usize, &Scan)> = scans.iter().enumerate().filter(|(_, scan)| scan.scanned_at <= as_of).collect();
    // The store lists scans newest first, so a higher index is an older scan at equal times.
    selected.sort_by(|(a_index, a), (b_index, b)| a.scanned_at.cmp(&b.scanned_at).then(b_index.cmp(a_index)));
    selected.into_iter().map(|(_, scan)| scan).collect()
}

fn compute_line(line: &LineInput<'_>, options: &MetricsOptions) -> (LineMetrics, Vec<Breach>) {
    let scans = line_scans(line.scans, options.as_of);
    let mut severities = empty_severities(&options.sla);
    let mut breaches = Vec::new();

    for episode in episodes(&scans) {
        let severity = episode.severity();
        let sla_days = options.sla.for_severity(severity);
        let deadline = sla_days.map(|days| TimeDelta::seconds(i64::from(days) * SECONDS_PER_DAY));
        let measures = &mut severities
            .iter_mut()
            .find(|measures| measures.severity == severity)
            .expect("every severity has an entry")
            .measures;

        let (elapsed, status) = match (episode.time_to_remediate(), episode.remediated_at()) {
            (Some(time_to_remediate), Some(remediated_at)) => {
                if options.since.is_some_and(|since| remediated_at < since) {
                    continue;
                }
                let late = deadline.is_some_and(|deadline| time_to_remediate > deadline);
                measures.add_remediated(time_to_remediate, late);
                (time_to_remediate, BreachStatus::RemediatedLate)
            }
            _ => {
                let age = options.as_of - episode.first_seen();
                let past_sla = deadline.is_some_and(|deadline| age > deadline);
                measures.add_open(age, past_sla);
                (age, BreachStatus::Open)
            }
        };

        if let (Some(sla_days), Some(deadline)) = (sla_days, deadline) {
            if elapsed > deadline {
                breaches.push(breach(line, &episode, status, elapsed, sla_days));
            }
        }
    }

    let newest = scans.last();
    let total = sum(&severities);
    let metrics = LineMetrics {
        repository: line.repository.to_string(),
        scans: scans.len(),
        newest_scan: newest.map(|scan| scan.id.clone()),
        newest_tag: newest.and_then(|scan| scan.tag.clone()),
        newest_scanned_at: newest.map(|scan| scan.scanned_at),
        severities,
        total,
    };
    (metrics, breaches)
}

fn breach(line: &LineInput<'_>, episode: &Episode<'_>, status: BreachStatus, elapsed: TimeDelta, sla_days: u32) -> Breach {
    let remediation = line
        .remediations
        .iter()
        .filter(|record| record.matches(episode.finding))
        .max_by_key(|record| record.id)
        .map(|record| record.action);
    Breach {
        repository: line.repository.to_string(),
        vulnerability_id: episode.finding.vulnerability_id.clone(),
        ecosystem: episode.finding.package.ecosystem,
        package: episode.finding.package.name.clone(),
        version: episode.finding.package.version.clone(),
        severity: episode.severity(),
        status,
        first_seen: episode.first_seen(),
        appeared_in: episode.appeared.id.clone(),
        remediated_at: episode.remediated_at(),
        remediated_in: episode.left.map(|scan| scan.id.clone()),
        elapsed_seconds: elapsed.num_seconds(),
        sla_days,
        remediation,
    }
}

/// Open findings per severity in one scan of a line: one bar of the chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChartBar {
    pub scan_id: ScanId,
    /// The scan's tag, else the first 12 digits of its id.
    pub label: String,
    pub scanned_at: DateTime<Utc>,
    pub counts: BTreeMap<Severity, usize>,
}

/// Returns one bar per scan of a line in the window of `options`, oldest first.
pub fn chart_bars(scans: &[Scan], options: &MetricsOptions) -> Vec<ChartBar> {
    line_scans(scans, options.as_of)
        .into_iter()
        .filter(|scan| options.since.is_none_or(|since| scan.scanned_at >= since))
        .map(|scan| {
            let mut counts: BTreeMap<Severity, usize> = Severity::ALL.iter().map(|&severity| (severity, 0)).collect();
            for finding in &scan.findings {
                *counts.entry(finding.severity).or_insert(0) += 1;
            }
            ChartBar {
                scan_id: scan.id.clone(),
                label: scan.tag.clone().unwrap_or_else(|| scan.id.short().to_string()),
                scanned_at: scan.scanned_at,
                counts,
            }
        })
        .collect()
}
