//! `scantrail metrics`: time to remediate, open finding ages and SLA breaches.

use anyhow::{bail, Context as _, Result};
use chrono::Utc;
use scantrail_metrics::{chart_bars, compute, LineInput, MetricsOptions, SlaDays};
use scantrail_model::{Remediation, Scan};
use scantrail_report::{render_chart, render_metrics, render_metrics_csv};
use scantrail_store::HistoryStore;

use crate::cli::{Cli, MetricsArgs, OutputFormat};
use crate::commands::print_report;
use crate::config::Config;
use crate::context;
use crate::Outcome;

pub fn run(cli: &Cli, args: &MetricsArgs) -> Result<Outcome> {
    let config = Config::load(&context::home_dir()?)?;
    let store = context::open_store()?;

    let repositories = match &args.repository {
        Some(repository) => {
            let repository = repository.trim_end_matches('/').to_string();
            if store.scans(&repository)?.is_empty() {
                bail!(
                    "no scans of {repository:?} in the history store; known repositories: {}",
                    store.repositories()?.join(", ")
                );
            }
            vec![repository]
        }
        None => store.repositories()?,
    };
    if repositories.is_empty() {
        bail!("the history store has no scans yet; record one with `scantrail scan SOURCE --tag REPO:TAG`");
    }
    if args.chart.is_some() && repositories.len() > 1 {
        bail!(
            "--chart draws one image line, but the store has {}; name one: scantrail metrics REPOSITORY --chart FILE",
            repositories.len()
        );
    }

    let options = MetricsOptions {
        as_of: args.as_of.unwrap_or_else(Utc::now),
        since: args.since,
        sla: SlaDays {
            critical: Some(config.sla.critical),
            high: Some(config.sla.high),
            medium: Some(config.sla.medium),
            low: Some(config.sla.low),
        },
    };
    if let Some(since) = options.since {
        if since > options.as_of {
            bail!("--since {since} is after --as-of {}; choose an earlier --since", options.as_of);
        }
    }

    let mut history: Vec<(String, Vec<Scan>, Vec<Remediation>)> = Vec::new();
    for repository in repositories {
        let scans = store.scans(&repository)?;
        let remediations = store.remediations(&repository, None)?;
        history.push((repository, scans, remediations));
    }
    let lines: Vec<LineInput<'_>> = history
        .iter()
        .map(|(repository, scans, remediations)| LineInput { repository, scans, remediations })
        .collect();
    let metrics = compute(&lines, &options);

    if let Some(path) = &args.chart {
        let (repository, scans, _) = &history[0];
        let svg = render_chart(repository, &chart_bars(scans, &options));
        std::fs::write(path, svg).with_context(|| format!("failed to write the chart to {}", path.display()))?;
        tracing::info!(path = %path.display(), "wrote the chart");
    }

    let report = match cli.format {
        OutputFormat::Csv => render_metrics_csv(&metrics),
        _ => render_metrics(&metrics, &options, context::style(cli)),
    };
    print_report(&report)?;
    Ok(Outcome::Success)
}
