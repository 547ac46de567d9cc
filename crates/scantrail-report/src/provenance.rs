//! Pieces shared by the history reports (`history`, `blame`, `tags`, `rescan`): a short reference
//! to a scan and a layer with its build step.

use scantrail_history::layer_position;
use scantrail_model::{Digest, LayerRecord, Scan};
use serde::Serialize;

use crate::log::format_time;

/// The longest `created_by` a table shows; longer ones end in `…`.
const CREATED_BY_CHARS: usize = 60;

/// A scan as the history reports name it.
#[derive(Serialize)]
pub(crate) struct ScanRefJson<'a> {
    scan_id: &'a str,
    kind: &'static str,
    repository: &'a str,
    tag: Option<&'a str>,
    manifest_digest: String,
    scanned_at: String,
}

impl<'a> ScanRefJson<'a> {
    pub(crate) fn of(scan: &'a Scan) -> ScanRefJson<'a> {
        ScanRefJson {
            scan_id: &scan.id.0,
            kind: scan.kind.as_str(),
            repository: &scan.repository,
            tag: scan.tag.as_deref(),
            manifest_digest: scan.manifest_digest.to_string(),
            scanned_at: format_time(&scan.scanned_at),
        }
    }
}

/// A layer of an image with its position from the base (0).
#[derive(Serialize)]
pub(crate) struct LayerJson<'a> {
    index: usize,
    diff_id: String,
    digest: String,
    created_by: Option<&'a str>,
}

impl<'a> LayerJson<'a> {
    pub(crate) fn of(index: usize, layer: &'a LayerRecord) -> LayerJson<'a> {
        LayerJson { index, diff_id: layer.diff_id.to_string(), digest: layer.digest.to_string(), created_by: layer.created_by.as_deref() }
    }

    /// Finds the layer of `scan` with diff ID `diff_id`.
    pub(crate) fn find(scan: &'a Scan, diff_id: Option<&Digest>) -> Option<LayerJson<'a>> {
        let (index, layer) = layer_position(scan, diff_id?)?;
        Some(LayerJson::of(index, layer))
    }
}

/// `v1.2 5e163366faed`: a scan's tag (or `-`) and short manifest digest.
pub(crate) fn image_label(scan: &Scan) -> String {
    format!("{} {}", scan.tag.as_deref().unwrap_or("-"), scan.manifest_digest.short())
}

/// `#3 apt-get install …`: a layer's position and build step, shortened for a table.
pub(crate) fn layer_label(index: usize, layer: &LayerRecord) -> String {
    match layer.created_by.as_deref() {
        Some(created_by) => format!("#{index} {}", shorten(created_by.trim(), CREATED_BY_CHARS)),
        None => format!("#{index} {}", layer.diff_id.short()),
    }
}

/// Returns the first 12 characters of a source revision, the width of short digests in tables.
pub(crate) fn short_revision(revision: &str) -> &str {
    revision.char_indices().nth(12).map_or(revision, |(end, _)| &revision[..end])
}

/// Cuts `text` to at most `max_chars` characters, ending a cut text in `…`.
pub(crate) fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
