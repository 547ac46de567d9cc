//! `docker save` archives: choosing an image in `manifest.json`, and finding its real manifest
//! when the archive embeds an OCI layout (docker 25 and later).

use std::io::Read;

use oci_spec::image::{ImageIndex, ImageManifest};
use scantrail_model::Digest;
use serde::{Deserialize, Serialize};

use crate::archive::Store;
use crate::blob::{blob_path, parse_json, read_small_blob, BlobRef};
use crate::error::BlobRole;
use crate::oci::{to_digest, ChosenManifest};
use crate::ImageError;

/// Image indexes in an embedded layout nested deeper than this are not searched.
const MAX_INDEX_DEPTH: usize = 4;

/// One image of `manifest.json`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

/// How to read the chosen image of a docker-archive.
pub(crate) enum DockerImage {
    /// The archive embeds an OCI layout holding the image's manifest.
    Oci(Box<ChosenManifest>),
    Legacy(LegacyImage),
}

/// An image of a legacy archive: a config file and layer tars, with no manifest.
pub(crate) struct LegacyImage {
    pub config_path: String,
    /// The config's digest, known when its file is named by it (`<hex>.json`).
    pub config_digest: Option<Digest>,
    pub layer_paths: Vec<String>,
    pub ref_name: Option<String>,
}

/// Chooses the image tagged `reference` (or the only image) in the archive's `manifest.json`.
pub(crate) fn choose_image(store: &Store, image: &str, reference: Option<&str>) -> Result<DockerImage, ImageError> {
    let entries = read_manifest_json(store, image)?;
    let (entry, ref_name) = select_entry(&entries, image, reference)?;
    let config_digest = digest_from_name(&entry.config);

    if let Some(config_digest) = &config_digest {
        if store.contains("index.json") {
            if let Some(mut chosen) = find_embedded_manifest(store, image, config_digest)? {
                chosen.ref_name = ref_name;
                return Ok(DockerImage::Oci(Box::new(chosen)));
            }
        }
    }
    Ok(DockerImage::Legacy(LegacyImage {
        config_path: entry.config.clone(),
        config_digest,
        layer_paths: entry.layers.clone(),
        ref_name,
    }))
}

fn read_manifest_json(store: &Store, image: &str) -> Result<Vec<ManifestEntry>, ImageError> {
    let Some((mut reader, _)) = store.open("manifest.json")? else {
        return Err(ImageError::malformed(image, "it has no manifest.json, so it is not a docker-archive"));
    };
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| ImageError::malformed(image, format!("failed to read manifest.json: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|source| ImageError::InvalidJson {
        role: BlobRole::Manifest,
        name: "manifest.json".to_string(),
        image: image.to_string(),
        source,
    })
}

/// Picks the entry whose `RepoTags` contain `reference`; `name` alone means `name:latest`.
fn select_entry<'a>(
    entries: &'a [ManifestEntry],
    image: &str,
    reference: Option<&str>,
) -> Result<(&'a ManifestEntry, Option<String>), ImageError> {
    let tags = |entry: &'a ManifestEntry| entry.repo_tags.as_deref().unwrap_or_default();
    let mut available: Vec<String> = entries.iter().flat_map(tags).cloned().collect();
    available.sort();
    available.dedup();

    let Some(reference) = reference else {
        return match entries {
            [only] => Ok((only, tags(only).first().cloned())),
            [] => Err(ImageError::malformed(image, "its manifest.json lists no images")),
            _ => {
                let example = match available.first() {
                    Some(tag) => format!("{image}:{tag}"),
                    None => format!("{image}:REPOSITORY:TAG"),
                };
                Err(ImageError::AmbiguousImage { image: image.to_string(), available, example })
            }
        };
    };

    let last_segment = reference.rsplit('/').next().unwrap_or(reference);
    let with_tag = if last_segment.contains(':') { reference.to_string() } else { format!("{reference}:latest") };
    entries
        .iter()
        .find(|entry| tags(entry).contains(&with_tag))
        .map(|entry| (entry, Some(with_tag.clone())))
        .ok_or_else(|| ImageError::TagNotFound { image: image.to_string(), tag: reference.to_string(), available })
}

/// Returns the digest a config file is named by: `<hex>.json` (legacy) or `blobs/sha256/<hex>`.
fn digest_from_name(path: &str) -> Option<Digest> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let hex = name.strip_suffix(".json").unwrap_or(name);
    Digest::from_hex(hex).ok()
}

/// Finds, in the embedded OCI layout, the image manifest whose config is `config_digest`.
fn find_embedded_manifest(store: &Store, image: &str, config_digest: &Digest) -> Result<Option<ChosenManifest>, ImageError> {
    let Some((mut reader, _)) = store.open("index.json")? else { return Ok(None) };
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| ImageError::malformed(image, format!("failed to read index.json: {e}")))?;
    let Ok(index) = serde_json::from_slice::<ImageIndex>(&bytes) else {
        tracing::warn!(image, "index.json of the docker-archive is not an OCI index; reading the legacy layout");
        return Ok(None);
    };
    search_index(store, image, &index, config_digest, None, 0)
}

fn search_index(
    store: &Store,
    image: &str,
    index: &ImageIndex,
    config_digest: &Digest,
    index_digest: Option<&Digest>,
    depth: usize,
) -> Result<Option<ChosenManifest>, ImageError> {
    for descriptor in index.manifests() {
        let digest = to_digest(descriptor.digest().as_ref(), image)?;
        if !store.contains(&blob_path(&digest)) {
            continue;
        }
        let media_type = descriptor.media_type().as_ref();
        if media_type.ends_with("image.index.v1+json") || media_type.ends_with("manifest.list.v2+json") {
            if depth >= MAX_INDEX_DEPTH {
                continue;
            }
            let blob = BlobRef { role: BlobRole::Index, digest: &digest, size: Some(descriptor.size()), image };
            let nested: ImageIndex = parse_json(&read_small_blob(store, &blob)?, &blob)?;
            let outer = index_digest.unwrap_or(&digest);
            if let Some(found) = search_index(store, image, &nested, config_digest, Some(outer), depth + 1)? {
                return Ok(Some(found));
            }
        } else if media_type.ends_with("image.manifest.v1+json") || media_type.ends_with("manifest.v2+json") {
            let blob = BlobRef { role: BlobRole::Manifest, digest: &digest, size: Some(descriptor.size()), image };
            let manifest: ImageManifest = parse_json(&read_small_blob(store, &blob)?, &blob)?;
            if descriptor_digest_is(manifest.config().digest().as_ref(), config_digest) {
                return Ok(Some(ChosenManifest {
                    manifest,
                    manifest_digest: digest,
                    index_digest: index_digest.cloned(),
                    ref_name: None,
                }));
            }
        }
    }
    Ok(None)
}

fn descriptor_digest_is(text: &str, digest: &Digest) -> bool {
    text.parse::<Digest>().is_ok_and(|parsed| &parsed == digest)
}

/// A Docker schema 2 manifest built for a legacy archive, which has none.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SynthesizedManifest<'a> {
    schema_version: u32,
    media_type: &'static str,
    config: SynthesizedDescriptor<'a>,
    layers: Vec<SynthesizedDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SynthesizedDescriptor<'a> {
    media_type: &'a str,
    size: u64,
    digest: String,
}

/// The digest of a deterministic Docker schema 2 manifest for a legacy archive's image.
///
/// A legacy `docker save` archive contains no manifest, so the image has no manifest digest of its
/// own. scantrail uses the digest of the compact JSON manifest that lists the config and the
/// layer blobs exactly as stored in the archive (usually uncompressed, so layer digests equal
/// the diff IDs). Saving the same image twice gives the same digest; it differs from the digest
/// the image has in a registry, where layers are compressed.
pub(crate) fn synthesized_manifest_digest(
    config_digest: &Digest,
    config_size: u64,
    layers: &[(String, u64, Digest)],
) -> Digest {
    let manifest = SynthesizedManifest {
        schema_version: 2,
        media_type: "application/vnd.docker.distribution.manifest.v2+json",
        config: SynthesizedDescriptor {
            media_type: "application/vnd.docker.container.image.v1+json",
            size: config_size,
            digest: config_digest.to_string(),
        },
        layers: layers
            .iter()
            .map(|(media_type, size, digest)| SynthesizedDescriptor { media_type, size: *size, digest: digest.to_string() })
            .collect(),
    };
    let bytes = serde_json::to_vec(&manifest).expect("a struct of strings and numbers serializes to JSON");
    Digest::sha256_of(&bytes)
}
