//! The reflog of a repository's tags (`tags`).

use std::fmt::Write as _;

use comfy_table::Cell;
use scantrail_history::TagReflog;
use serde::Serialize;

use crate::log::format_time;
use crate::table::{new_table, trim_lines};
use crate::{to_json, Format, Style};

#[derive(Serialize)]
struct TagsDocument<'a> {
    schema: &'static str,
    repository: &'a str,
    tags: Vec<TagJson<'a>>,
}

#[derive(Serialize)]
struct TagJson<'a> {
    tag: &'a str,
    current_digest: String,
    immutable: bool,
    moves: usize,
    /// An immutable tag that pointed at more than one digest.
    immutable_moved: bool,
    observations: usize,
    first_observed_at: String,
    last_observed_at: String,
    reflog: Vec<MoveJson<'a>>,
}

#[derive(Serialize)]
struct MoveJson<'a> {
    observed_at: String,
    from: Option<String>,
    to: String,
    scan_id: Option<&'a str>,
    source: &'a str,
}

/// Warning lines for the immutable tags among `reflogs` that moved, one per tag.
pub fn immutable_tag_warnings(reflogs: &[TagReflog]) -> Vec<String> {
    reflogs
        .iter()
        .filter(|reflog| reflog.immutable_moved())
        .map(|reflog| {
            let digests: Vec<String> = reflog.entries.iter().map(|entry| entry.to.short().to_string()).collect();
            format!(
                "tag {} matches an immutable tag pattern but moved {} time(s): {}",
                reflog.tag,
                reflog.moves(),
                digests.join(" -> ")
            )
        })
        .collect()
}

/// Renders the reflog of each tag of `repository`.
pub fn render_tags(repository: &str, reflogs: &[TagReflog], style: Style) -> String {
    match style.format {
        Format::Json => to_json(&TagsDocument {
            schema: "scantrail.tags/v1",
            repository,
            tags: reflogs
                .iter()
                .map(|reflog| TagJson {
                    tag: &reflog.tag,
                    current_digest: reflog.current().to_string(),
                    immutable: reflog.immutable,
                    moves: reflog.moves(),
                    immutable_moved: reflog.immutable_moved(),
                    observations: reflog.observations,
                    first_observed_at: format_time(&reflog.first_observed_at),
                    last_observed_at: format_time(&reflog.last_observed_at),
                    reflog: reflog
                        .entries
                        .iter()
                        .map(|entry| MoveJson {
                            observed_at: format_time(&entry.observed_at),
                            from: entry.from.as_ref().map(ToString::to_string),
                            to: entry.to.to_string(),
                            scan_id: entry.scan_id.as_ref().map(|id| id.0.as_str()),
                            source: &entry.source,
                        })
                        .collect(),
                })
                .collect(),
        }),
        Format::Table => {
            let mut table = new_table(&["TAG", "TIME", "FROM", "TO", "SCAN", "NOTE"], style.color);
            for reflog in reflogs {
                for entry in &reflog.entries {
                    let note = match (&entry.from, reflog.immutable) {
                        (None, _) => "first seen",
                        (Some(_), true) => "moved (immutable tag)",
                        (Some(_), false) => "moved",
                    };
                    table.add_row(vec![
                        Cell::new(&reflog.tag),
                        Cell::new(format_time(&entry.observed_at)),
                        Cell::new(entry.from.as_ref().map_or("-", |digest| digest.short())),
                        Cell::new(entry.to.short()),
                        Cell::new(entry.scan_id.as_ref().map_or("-", |id| id.short())),
                        Cell::new(note),
                    ]);
                }
            }
            let mut out = format!("Repository {repository}\n\n{}", trim_lines(&table.to_string()));
            for warning in immutable_tag_warnings(reflogs) {
                let _ = writeln!(out, "warning: {warning}");
            }
            out
        }
    }
}
