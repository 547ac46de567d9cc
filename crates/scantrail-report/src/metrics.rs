//! Remediation metrics (`metrics`): table, JSON and CSV.

use std::fmt::Write as _;

use comfy_table::Cell;
use scantrail_metrics::{Breach, BreachStatus, LineMetrics, Measures, Metrics, MetricsOptions, SeverityMeasures, SlaDays};
use serde::Serialize;

use crate::log::format_time;
use crate::table::{new_table, trim_lines};
use crate::{to_json, Format, Style};

const SECONDS_PER_DAY: f64 = 86_400.0;

#[derive(Serialize)]
struct MetricsDocument<'a> {
    schema: &'static str,
    as_of: String,
    since: Option<String>,
    sla_days: &'a SlaDays,
    lines: Vec<LineJson<'a>>,
    severities: &'a [SeverityMeasures],
    total: &'a Measures,
    breaches: Vec<BreachJson<'a>>,
}

#[derive(Serialize)]
struct LineJson<'a> {
    repository: &'a str,
    scans: usize,
    newest_scan: Option<&'a str>,
    newest_tag: Option<&'a str>,
    newest_scanned_at: Option<String>,
    severities: &'a [SeverityMeasures],
    total: &'a Measures,
}

#[derive(Serialize)]
struct BreachJson<'a> {
    #[serde(flatten)]
    breach: &'a Breach,
    first_seen: String,
    remediated_at: Option<String>,
}

/// Renders metrics as a table or a `scantrail.metrics/v1` JSON document.
pub fn render_metrics(metrics: &Metrics, options: &MetricsOptions, style: Style) -> String {
    match style.format {
        Format::Json => to_json(&MetricsDocument {
            schema: "scantrail.metrics/v1",
            as_of: format_time(&options.as_of),
            since: options.since.as_ref().map(format_time),
            sla_days: &options.sla,
            lines: metrics.lines.iter().map(line_json).collect(),
            severities: &metrics.severities,
            total: &metrics.total,
            breaches: metrics
                .breaches
                .iter()
                .map(|breach| BreachJson {
                    breach,
                    first_seen: format_time(&breach.first_seen),
                    remediated_at: breach.remediated_at.as_ref().map(format_time),
                })
                .collect(),
        }),
        Format::Table => render_table(metrics, options, style.color),
    }
}

fn line_json(line: &LineMetrics) -> LineJson<'_> {
    LineJson {
        repository: &line.repository,
        scans: line.scans,
        newest_scan: line.newest_scan.as_ref().map(|id| id.0.as_str()),
        newest_tag: line.newest_tag.as_deref(),
        newest_scanned_at: line.newest_scanned_at.as_ref().map(format_time),
        severities: &line.severities,
        total: &line.total,
    }
}

fn render_table(metrics: &Metrics, options: &MetricsOptions, color: bool) -> String {
    let mut out = String::new();
    let lines = match metrics.lines.len() {
        1 => format!("image line {}", metrics.lines[0].repository),
        count => format!("{count} image lines"),
    };
    let _ = write!(out, "Metrics of {lines} as of {}", format_time(&options.as_of));
    if let Some(since) = &options.since {
        let _ = write!(out, ", remediations since {}", format_time(since));
    }
    let _ = writeln!(out, "\nSLA        {}\n", sla_sentence(&options.sla));

    let mut table = new_table(
        &["SEVERITY", "REMEDIATED", "MEAN TTR", "MEDIAN TTR", "OPEN", "0-7D", "8-30D", "31-90D", ">90D", "SLA", "OPEN PAST SLA", "FIXED LATE"],
        color,
    );
    for severity in &metrics.severities {
        table.add_row(measure_row(Cell::new(severity.severity.as_str()), severity.sla_days, &severity.measures));
    }
    table.add_row(measure_row(Cell::new("TOTAL"), None, &metrics.total));
    out.push_str(&trim_lines(&table.to_string()));

    if metrics.lines.len() > 1 {
        let mut table = new_table(&["REPOSITORY", "SCANS", "NEWEST", "OPEN", "OPEN PAST SLA", "REMEDIATED", "FIXED LATE"], color);
        for line in &metrics.lines {
            table.add_row(vec![
                Cell::new(&line.repository),
                Cell::new(line.scans),
                Cell::new(newest_label(line)),
                Cell::new(line.total.open),
                Cell::new(line.total.open_past_sla),
                Cell::new(line.total.remediated),
                Cell::new(line.total.remediated_late),
            ]);
        }
        let _ = write!(out, "\nImage lines\n{}", trim_lines(&table.to_string()));
    }

    if metrics.breaches.is_empty() {
        out.push_str("\nNo SLA breaches.\n");
    } else {
        let mut table = new_table(
            &["STATUS", "SEVERITY", "VULNERABILITY", "PACKAGE", "REPOSITORY", "FIRST SEEN", "DAYS", "SLA", "REMEDIATION"],
            color,
        );
        for breach in &metrics.breaches {
            table.add_row(vec![
                Cell::new(match breach.status {
                    BreachStatus::Open => "open",
                    BreachStatus::RemediatedLate => "fixed late",
                }),
                Cell::new(breach.severity.as_str()),
                Cell::new(&breach.vulnerability_id),
                Cell::new(format!("{} {} ({})", breach.package, breach.version, breach.ecosystem)),
                Cell::new(&breach.repository),
                Cell::new(format_time(&breach.first_seen)),
                Cell::new(format!("{:.1}", breach.elapsed_seconds as f64 / SECONDS_PER_DAY)),
                Cell::new(breach.sla_days),
                Cell::new(breach.remediation.map_or("-", |action| action.as_str())),
            ]);
        }
        let _ = write!(out, "\nSLA breaches\n{}", trim_lines(&table.to_string()));
    }
    out
}

fn newest_label(line: &LineMetrics) -> String {
    match (&line.newest_scanned_at, &line.newest_tag, &line.newest_scan) {
        (Some(time), Some(tag), _) => format!("{tag} {}", format_time(time)),
        (Some(time), None, Some(id)) => format!("{} {}", id.short(), format_time(time)),
        _ => "-".to_string(),
    }
}

fn measure_row(first: Cell, sla_days: Option<u32>, measures: &Measures) -> Vec<Cell> {
    let duration = |seconds: Option<i64>| seconds.map_or("-".to_string(), format_duration);
    vec![
        first,
        Cell::new(measures.remediated),
        Cell::new(duration(measures.mean_seconds)),
        Cell::new(duration(measures.median_seconds)),
        Cell::new(measures.open),
        Cell::new(measures.open_by_age.days_0_7),
        Cell::new(measures.open_by_age.days_8_30),
        Cell::new(measures.open_by_age.days_31_90),
        Cell::new(measures.open_by_age.days_over_90),
        Cell::new(sla_days.map_or("-".to_string(), |days| format!("{days}d"))),
        Cell::new(measures.open_past_sla),
        Cell::new(measures.remediated_late),
    ]
}

fn sla_sentence(sla: &SlaDays) -> String {
    let days = |value: Option<u32>| value.map_or("none".to_string(), |days| format!("{days} days"));
    format!(
        "critical {}, high {}, medium {}, low {}, unknown none",
        days(sla.critical),
        days(sla.high),
        days(sla.medium),
        days(sla.low)
    )
}

/// Formats a duration for a table: seconds below a minute, minutes below an hour, hours below a
/// day, else days.
pub fn format_duration(seconds: i64) -> String {
    let seconds = seconds.max(0) as f64;
    if seconds < 60.0 {
        format!("{seconds:.0}s")
    } else if seconds < 3600.0 {
        format!("{:.0}m", seconds / 60.0)
    } else if seconds < SECONDS_PER_DAY {
        format!("{:.1}h", seconds / 3600.0)
    } else {
        format!("{:.1}d", seconds / SECONDS_PER_DAY)
    }
}

/// Renders metrics as CSV (RFC 4180): one row per line and severity, a `TOTAL` row per line,
/// and, for several lines, rows of every line together under the repository `*`.
pub fn render_metrics_csv(metrics: &Metrics) -> String {
    let mut out = String::from(
        "repository,severity,sla_days,remediated,mean_ttr_days,median_ttr_days,open,open_0_7d,open_8_30d,open_31_90d,open_over_90d,open_past_sla,remediated_late\r\n",
    );
    for line in &metrics.lines {
        write_csv_rows(&mut out, &line.repository, &line.severities, &line.total);
    }
    if metrics.lines.len() > 1 {
        write_csv_rows(&mut out, "*", &metrics.severities, &metrics.total);
    }
    out
}

fn write_csv_rows(out: &mut String, repository: &str, severities: &[SeverityMeasures], total: &Measures) {
    for severity in severities {
        write_csv_row(out, repository, severity.severity.as_str(), severity.sla_days, &severity.measures);
    }
    write_csv_row(out, repository, "TOTAL", None, total);
}

fn write_csv_row(out: &mut String, repository: &str, severity: &str, sla_days: Option<u32>, measures: &Measures) {
    let days = |seconds: Option<i64>| seconds.map_or(String::new(), |seconds| format!("{:.2}", seconds as f64 / SECONDS_PER_DAY));
    let fields = [
        csv_field(repository),
        severity.to_string(),
        sla_days.map_or(String::new(), |days| days.to_string()),
        measures.remediated.to_string(),
        days(measures.mean_seconds),
        days(measures.median_seconds),
        measures.open.to_string(),
        measures.open_by_age.days_0_7.to_string(),
        measures.open_by_age.days_8_30.to_string(),
        measures.open_by_age.days_31_90.to_string(),
        measures.open_by_age.days_over_90.to_string(),
        measures.open_past_sla.to_string(),
        measures.remediated_late.to_string(),
    ];
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

/// Quotes a field that contains a comma, a quote or a line break, doubling its quotes.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_field_quotes_separators() {
        assert_eq!(csv_field("registry.example.com/app"), "registry.example.com/app");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn duration_units() {
        assert_eq!(format_duration(42), "42s");
        assert_eq!(format_duration(600), "10m");
        assert_eq!(format_duration(5400), "1.5h");
        assert_eq!(format_duration(3 * 86_400), "3.0d");
    }
}
