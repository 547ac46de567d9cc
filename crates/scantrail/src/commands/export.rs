//! `scantrail export git`: one Git commit per scan, with canonical reports per image line.

use std::fmt::Write as _;

use anyhow::{bail, Context as _, Result};
use scantrail_export::{export_git, LineHistory};
use scantrail_model::Scan;
use scantrail_store::HistoryStore;
use serde::Serialize;

use crate::cli::{Cli, ExportGitArgs, OutputFormat};
use crate::commands::print_report;
use crate::context;
use crate::Outcome;

#[derive(Serialize)]
struct ExportDocument<'a> {
    schema: &'static str,
    dir: String,
    branch: &'a str,
    head: Option<&'a str>,
    already_exported: usize,
    commits: Vec<CommitJson<'a>>,
}

#[derive(Serialize)]
struct CommitJson<'a> {
    commit: &'a str,
    scan_id: &'a str,
    repository: &'a str,
    subject: &'a str,
}

pub fn git(cli: &Cli, args: &ExportGitArgs) -> Result<Outcome> {
    let store = context::open_store()?;
    let repositories = match &args.repository {
        Some(repository) => vec![repository.trim_end_matches('/').to_string()],
        None => store.repositories()?,
    };

    // The store lists scans newest first; the export wants each line oldest first.
    let mut histories: Vec<(String, Vec<Scan>)> = Vec::new();
    for repository in repositories {
        let mut scans = store.scans(&repository)?;
        if scans.is_empty() {
            bail!("no scans of {repository:?} in the history store; known repositories: {}", store.repositories()?.join(", "));
        }
        scans.reverse();
        histories.push((repository, scans));
    }
    let lines: Vec<LineHistory<'_>> = histories
        .iter()
        .map(|(repository, scans)| LineHistory { repository, scans: scans.iter().collect() })
        .collect();

    let summary = export_git(&args.dir, &lines).with_context(|| format!("failed to export the history to {}", args.dir.display()))?;

    let report = match cli.format {
        OutputFormat::Json => {
            let document = ExportDocument {
                schema: "scantrail.export-git/v1",
                dir: summary.dir.display().to_string(),
                branch: &summary.branch,
                head: summary.head.as_deref(),
                already_exported: summary.already_exported,
                commits: summary
                    .commits
                    .iter()
                    .map(|commit| CommitJson {
                        commit: &commit.commit,
                        scan_id: &commit.scan_id,
                        repository: &commit.repository,
                        subject: &commit.subject,
                    })
                    .collect(),
            };
            let mut text = serde_json::to_string_pretty(&document)?;
            text.push('\n');
            text
        }
        _ => {
            let mut out = format!(
                "Exported {} new scans to {} ({}); {} scans were already exported\n",
                summary.commits.len(),
                summary.dir.display(),
                summary.branch,
                summary.already_exported
            );
            for commit in &summary.commits {
                let _ = writeln!(out, "{} {}", &commit.commit[..12.min(commit.commit.len())], commit.subject);
            }
            out
        }
    };
    print_report(&report)?;
    Ok(Outcome::Success)
}
