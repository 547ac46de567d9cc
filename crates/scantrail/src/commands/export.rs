//! `scantrail export git`: one Git commit per scan, with canonical reports per image line.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;

use anyhow::{bail, Context as _, Result};
use scantrail_advisory::Snapshot;
use scantrail_export::{export_git_with_causes, LineHistory};
use scantrail_history::{DiffSnapshots, ExplainedDiff};
use scantrail_model::{Digest, Scan};
use scantrail_store::HistoryStore;
use serde::Serialize;

use crate::cli::{Cli, ExportGitArgs, OutputFormat};
use crate::commands::print_report;
use crate::commands::diff::os_release_identity;
use crate::commands::scan::load_snapshot;
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

    let snapshots = SnapshotCache { store: &store, loaded: RefCell::new(HashMap::new()) };
    let causes = |scan: &Scan, previous: Option<&Scan>| previous.map(|previous| snapshots.cause_summary(previous, scan));
    let summary = export_git_with_causes(&args.dir, &lines, &causes)
        .with_context(|| format!("failed to export the history to {}", args.dir.display()))?;

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

/// Advisory snapshots loaded from the store for re-matching, each loaded once. `None` marks a
/// snapshot that is not stored or does not load.
struct SnapshotCache<'a> {
    store: &'a dyn HistoryStore,
    loaded: RefCell<HashMap<Digest, Option<std::rc::Rc<Snapshot>>>>,
}

impl SnapshotCache<'_> {
    fn get(&self, digest: &Digest) -> Option<std::rc::Rc<Snapshot>> {
        if let Some(loaded) = self.loaded.borrow().get(digest) {
            return loaded.clone();
        }
        let loaded = match self.store.snapshot_info(digest) {
            Ok(Some(_)) => match load_snapshot(self.store, digest) {
                Ok(snapshot) => Some(std::rc::Rc::new(snapshot)),
                Err(error) => {
                    tracing::warn!(snapshot = %digest, error = format!("{error:#}"), "failed to load the advisory snapshot; causes that come from advisories show as unknown");
                    None
                }
            },
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(snapshot = %digest, error = %error, "failed to look up the advisory snapshot; causes that come from advisories show as unknown");
                None
            }
        };
        self.loaded.borrow_mut().insert(digest.clone(), loaded.clone());
        loaded
    }

    /// Counts the causes of the findings introduced and fixed from `base` to `target`:
    /// `72 package_downgraded, 2 package_upgraded`.
    fn cause_summary(&self, base: &Scan, target: &Scan) -> String {
        let pair = if base.advisory_snapshot == target.advisory_snapshot {
            // The shared snapshot is only needed to re-match across a changed os-release.
            if os_release_identity(base) != os_release_identity(target) {
                self.get(&base.advisory_snapshot).map(|snapshot| (snapshot.clone(), snapshot))
            } else {
                None
            }
        } else {
            self.get(&base.advisory_snapshot).zip(self.get(&target.advisory_snapshot))
        };
        let snapshots = pair.as_ref().map(|(base, target)| DiffSnapshots { base, target });
        let explained = ExplainedDiff::explain(base, target, snapshots, None);
        let counts: Vec<String> = explained
            .cause_counts()
            .into_iter()
            .filter(|(_, count)| *count > 0)
            .map(|(cause, count)| format!("{count} {cause}"))
            .collect();
        counts.join(", ")
    }
}
