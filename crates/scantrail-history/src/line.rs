//! An image line's scans grouped by image, and lookups shared by the history questions.

use scantrail_model::{Digest, Finding, LayerRecord, Scan};

/// The label that names the source revision an image was built from.
pub const REVISION_LABEL: &str = "org.opencontainers.image.revision";
/// The label that names the source repository an image was built from.
pub const SOURCE_LABEL: &str = "org.opencontainers.image.source";

/// The scans of one image line, and the same scans grouped by image.
///
/// An image is a manifest digest. Images are ordered by their first scan, so an image scanned
/// again later (a re-match, or a rollback of a tag to an old digest) keeps its first position.
#[derive(Clone, Debug)]
pub struct Line<'a> {
    /// Every scan of the line, oldest first.
    pub scans: Vec<&'a Scan>,
    /// The images of the line in the order they were first scanned.
    pub images: Vec<LineImage<'a>>,
}

/// The scans of one image of a line, oldest first. Never empty.
#[derive(Clone, Debug)]
pub struct LineImage<'a> {
    pub manifest_digest: &'a Digest,
    pub scans: Vec<&'a Scan>,
}

impl<'a> Line<'a> {
    /// Groups the scans of one line, given newest first as `HistoryStore::scans` returns them
    /// (by `scanned_at`, then insertion order).
    pub fn from_newest_first(scans: &'a [Scan]) -> Line<'a> {
        Line::from_oldest_first(scans.iter().rev().collect())
    }

    /// Groups the scans of one line, given oldest first.
    pub fn from_oldest_first(scans: Vec<&'a Scan>) -> Line<'a> {
        let mut images: Vec<LineImage<'a>> = Vec::new();
        for scan in &scans {
            match images.iter_mut().find(|image| image.manifest_digest == &scan.manifest_digest) {
                Some(image) => image.scans.push(scan),
                None => images.push(LineImage { manifest_digest: &scan.manifest_digest, scans: vec![scan] }),
            }
        }
        Line { scans, images }
    }

    /// Returns the position of the image with `digest` in [`images`](Line::images).
    pub fn image_position(&self, digest: &Digest) -> Option<usize> {
        self.images.iter().position(|image| image.manifest_digest == digest)
    }

    /// Returns the image whose first scan is the newest: the newest build of the line.
    pub fn newest_image(&self) -> Option<&LineImage<'a>> {
        self.images.last()
    }
}

impl<'a> LineImage<'a> {
    pub fn first_scan(&self) -> &'a Scan {
        self.scans[0]
    }

    pub fn newest_scan(&self) -> &'a Scan {
        self.scans[self.scans.len() - 1]
    }

    /// Lists the tags the image was scanned under, in the order they were first used.
    pub fn tags(&self) -> Vec<&'a str> {
        let mut tags: Vec<&'a str> = Vec::new();
        for scan in &self.scans {
            if let Some(tag) = scan.tag.as_deref() {
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
        }
        tags
    }
}

/// Whether `finding` is the vulnerability that `id` names: its main id, one of its aliases or one
/// of the advisory records that matched, compared case-insensitively.
pub fn finding_has_id(finding: &Finding, id: &str) -> bool {
    finding.has_id(id) || finding.advisory_ids.iter().any(|advisory| advisory.eq_ignore_ascii_case(id))
}

/// Finds the layer of `scan` whose diff ID is `diff_id`, with its position from the base (0).
///
/// When the image has the same layer twice, the upper one is returned, because a package
/// attributed to that diff ID was last written by it.
pub fn layer_position<'s>(scan: &'s Scan, diff_id: &Digest) -> Option<(usize, &'s LayerRecord)> {
    scan.layers.iter().enumerate().rev().find(|(_, layer)| &layer.diff_id == diff_id)
}

/// Returns a config label of the scanned image.
pub fn label<'s>(scan: &'s Scan, key: &str) -> Option<&'s str> {
    scan.labels.get(key).map(String::as_str)
}
