//! The image configuration: platform, labels, history and the layers' diff IDs.
//!
//! Parsed with private types instead of oci-spec's `ImageConfiguration`, because Docker configs
//! written by older tools carry `null` where oci-spec expects a list or map. Only the fields
//! scantrail uses are read, and unknown fields are ignored.

use std::collections::BTreeMap;

use scantrail_model::Digest;
use serde::Deserialize;

use crate::blob::{parse_json, BlobRef};
use crate::{ImageError, Platform};

#[derive(Deserialize)]
struct ConfigWire {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    config: Option<ContainerConfigWire>,
    rootfs: RootFsWire,
    #[serde(default)]
    history: Option<Vec<HistoryWire>>,
}

#[derive(Deserialize)]
struct ContainerConfigWire {
    #[serde(default, rename = "Labels")]
    labels: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct RootFsWire {
    #[serde(default)]
    diff_ids: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct HistoryWire {
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    empty_layer: Option<bool>,
    #[serde(default)]
    comment: Option<String>,
}

/// One step of the build history in the image config.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryEntry {
    pub created: Option<String>,
    /// The instruction that made the step, such as `RUN apt-get install -y curl`.
    pub created_by: Option<String>,
    /// Whether the step made no layer (`ENV`, `LABEL`, ...).
    pub empty_layer: bool,
    pub comment: Option<String>,
}

/// The parts of an image config that scantrail uses.
pub(crate) struct ImageConfig {
    pub platform: Platform,
    pub created: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub diff_ids: Vec<Digest>,
    pub history: Vec<HistoryEntry>,
}

impl ImageConfig {
    pub fn parse(bytes: &[u8], blob: &BlobRef) -> Result<ImageConfig, ImageError> {
        let wire: ConfigWire = parse_json(bytes, blob)?;

        let mut diff_ids = Vec::new();
        for text in wire.rootfs.diff_ids.unwrap_or_default() {
            let digest = text.parse::<Digest>().map_err(|e| {
                ImageError::malformed(blob.image, format!("config {} lists an invalid diff ID: {e}", blob.digest))
            })?;
            diff_ids.push(digest);
        }

        let history = wire
            .history
            .unwrap_or_default()
            .into_iter()
            .map(|entry| HistoryEntry {
                created: entry.created,
                created_by: entry.created_by,
                empty_layer: entry.empty_layer.unwrap_or(false),
                comment: entry.comment,
            })
            .collect();

        Ok(ImageConfig {
            platform: Platform {
                os: wire.os,
                architecture: wire.architecture,
                variant: wire.variant.filter(|v| !v.is_empty()),
            },
            created: wire.created,
            labels: wire.config.and_then(|c| c.labels).unwrap_or_default(),
            diff_ids,
            history,
        })
    }

    /// Returns the `created_by` of each layer, in layer order: history entries that made no layer are
    /// skipped. Returns `None` for layers past the end of the history.
    pub fn layer_created_by(&self, layer_count: usize) -> Vec<Option<String>> {
        let mut created_by: Vec<Option<String>> =
            self.history.iter().filter(|entry| !entry.empty_layer).map(|entry| entry.created_by.clone()).collect();
        created_by.resize(layer_count, None);
        created_by
    }
}
