//! Choosing one image manifest in an OCI image layout: by tag in `index.json`, then by platform
//! through image indexes.

use std::io::Read;

use oci_spec::image::{Descriptor, ImageIndex, ImageManifest};
use scantrail_model::Digest;

use crate::archive::Store;
use crate::blob::{parse_json, read_small_blob, BlobRef, BlobSource};
use crate::error::BlobRole;
use crate::{ImageError, Platform};

/// The annotation an OCI layout's `index.json` names tags with.
const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The annotation buildx puts on attestation manifests inside an image index.
const REFERENCE_TYPE: &str = "vnd.docker.reference.type";
/// Image indexes nested deeper than this are rejected as malformed.
const MAX_INDEX_DEPTH: usize = 4;

const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_SCHEMA1: [&str; 2] =
    ["application/vnd.docker.distribution.manifest.v1+json", "application/vnd.docker.distribution.manifest.v1+prettyjws"];

/// The manifest chosen for reading.
pub(crate) struct ChosenManifest {
    pub manifest: ImageManifest,
    pub manifest_digest: Digest,
    /// The outermost image index the manifest was chosen from through its digest.
    pub index_digest: Option<Digest>,
    pub ref_name: Option<String>,
}

/// Chooses the manifest tagged `tag` (or the only one) for `platform` from the layout's
/// `index.json`.
pub(crate) fn choose_from_layout(
    store: &Store,
    image: &str,
    tag: Option<&str>,
    platform: &Platform,
) -> Result<ChosenManifest, ImageError> {
    let index = read_layout_index(store, image)?;
    let entries: Vec<&Descriptor> = index.manifests().iter().filter(|d| !is_attestation(d)).collect();
    let candidates = select_by_tag(&entries, image, tag)?;
    let ref_name = candidates.first().and_then(|d| ref_name(d)).map(str::to_string);

    let chosen = if candidates.len() == 1 { candidates[0] } else { choose_platform(&candidates, image, platform)? };
    let mut result = resolve(store, chosen, image, platform, 0, None)?;
    result.ref_name = ref_name;
    Ok(result)
}

/// Reads `index.json`, which is not a blob and so has no digest to check.
fn read_layout_index(store: &Store, image: &str) -> Result<ImageIndex, ImageError> {
    let Some((mut reader, _)) = store.open("index.json")? else {
        return Err(ImageError::malformed(image, "it has no index.json, so it is not an OCI image layout"));
    };
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| ImageError::malformed(image, format!("failed to read index.json: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|source| ImageError::InvalidJson {
        role: BlobRole::Index,
        name: "index.json".to_string(),
        image: image.to_string(),
        source,
    })
}

fn ref_name(descriptor: &Descriptor) -> Option<&str> {
    descriptor.annotations().as_ref()?.get(REF_NAME).map(String::as_str)
}

/// Keeps the entries tagged `tag`. A tag also matches a full reference name ending in `:tag`,
/// as containerd writes (`docker.io/library/alpine:3.19`). Without a tag, all entries must carry
/// the same tag or none.
fn select_by_tag<'a>(entries: &[&'a Descriptor], image: &str, tag: Option<&str>) -> Result<Vec<&'a Descriptor>, ImageError> {
    let mut available: Vec<String> = entries.iter().filter_map(|d| ref_name(d)).map(str::to_string).collect();
    available.sort();
    available.dedup();

    let Some(tag) = tag else {
        if available.len() > 1 {
            let example = format!("{image}:{}", available[0]);
            return Err(ImageError::AmbiguousImage { image: image.to_string(), available, example });
        }
        if entries.is_empty() {
            return Err(ImageError::malformed(image, "its index.json lists no images"));
        }
        return Ok(entries.to_vec());
    };

    let exact: Vec<&Descriptor> = entries.iter().copied().filter(|d| ref_name(d) == Some(tag)).collect();
    if !exact.is_empty() {
        return Ok(exact);
    }
    let suffix = format!(":{tag}");
    let by_reference: Vec<&Descriptor> =
        entries.iter().copied().filter(|d| ref_name(d).is_some_and(|name| name.ends_with(&suffix))).collect();
    if !by_reference.is_empty() {
        return Ok(by_reference);
    }
    Err(ImageError::TagNotFound { image: image.to_string(), tag: tag.to_string(), available })
}

fn is_attestation(descriptor: &Descriptor) -> bool {
    let annotated = descriptor
        .annotations()
        .as_ref()
        .and_then(|a| a.get(REFERENCE_TYPE))
        .is_some_and(|kind| kind == "attestation-manifest");
    let unknown_platform = descriptor
        .platform()
        .as_ref()
        .is_some_and(|p| p.os().to_string() == "unknown" && p.architecture().to_string() == "unknown");
    annotated || unknown_platform
}

fn descriptor_platform(descriptor: &Descriptor) -> Option<Platform> {
    let platform = descriptor.platform().as_ref()?;
    Some(Platform {
        os: platform.os().to_string(),
        architecture: platform.architecture().to_string(),
        variant: platform.variant().clone().filter(|v| !v.is_empty()),
    })
}

/// Chooses the entry for `platform` among index entries, skipping attestations. A single entry
/// without a platform is taken as it is.
fn choose_platform<'a>(entries: &[&'a Descriptor], image: &str, platform: &Platform) -> Result<&'a Descriptor, ImageError> {
    let images: Vec<&Descriptor> = entries.iter().copied().filter(|d| !is_attestation(d)).collect();
    if let [only] = images.as_slice() {
        if only.platform().is_none() {
            return Ok(only);
        }
    }
    if let Some(found) = images.iter().find(|d| descriptor_platform(d).is_some_and(|p| platform.matches(&p))) {
        return Ok(found);
    }
    let available = images
        .iter()
        .map(|d| descriptor_platform(d).map_or_else(|| format!("{} (no platform)", d.digest()), |p| p.to_string()))
        .collect();
    Err(ImageError::PlatformNotFound { image: image.to_string(), platform: platform.to_string(), available })
}

/// Chooses the manifest for `platform` starting from a manifest or index fetched by reference,
/// as from a registry. `bytes` were already checked against `digest`.
pub(crate) fn choose_from_fetched(
    source: &dyn BlobSource,
    media_type: &str,
    digest: Digest,
    bytes: &[u8],
    image: &str,
    platform: &Platform,
) -> Result<ChosenManifest, ImageError> {
    interpret(source, media_type, digest, bytes, image, platform, 0, None)
}

/// Follows `descriptor` through image indexes down to an image manifest.
fn resolve(
    source: &dyn BlobSource,
    descriptor: &Descriptor,
    image: &str,
    platform: &Platform,
    depth: usize,
    index_digest: Option<Digest>,
) -> Result<ChosenManifest, ImageError> {
    let digest = to_digest(descriptor.digest().as_ref(), image)?;
    let media_type = descriptor.media_type().as_ref().to_string();
    let role = match media_type.as_str() {
        OCI_INDEX | DOCKER_MANIFEST_LIST => BlobRole::Index,
        OCI_MANIFEST | DOCKER_MANIFEST => BlobRole::Manifest,
        other => return Err(unsupported_manifest(other, digest, image)),
    };
    let blob = BlobRef { role, digest: &digest, size: Some(descriptor.size()), image };
    let bytes = read_small_blob(source, &blob)?;
    interpret(source, &media_type, digest, &bytes, image, platform, depth, index_digest)
}

/// Parses a manifest or index that was read and checked, and follows an index further down.
#[allow(clippy::too_many_arguments)]
fn interpret(
    source: &dyn BlobSource,
    media_type: &str,
    digest: Digest,
    bytes: &[u8],
    image: &str,
    platform: &Platform,
    depth: usize,
    index_digest: Option<Digest>,
) -> Result<ChosenManifest, ImageError> {
    match media_type {
        OCI_INDEX | DOCKER_MANIFEST_LIST => {
            if depth >= MAX_INDEX_DEPTH {
                return Err(ImageError::malformed(image, format!("image indexes are nested more than {MAX_INDEX_DEPTH} deep")));
            }
            let blob = BlobRef { role: BlobRole::Index, digest: &digest, size: None, image };
            let index: ImageIndex = parse_json(bytes, &blob)?;
            let entries: Vec<&Descriptor> = index.manifests().iter().collect();
            let chosen = choose_platform(&entries, image, platform)?;
            resolve(source, chosen, image, platform, depth + 1, index_digest.or(Some(digest)))
        }
        OCI_MANIFEST | DOCKER_MANIFEST => {
            let blob = BlobRef { role: BlobRole::Manifest, digest: &digest, size: None, image };
            let manifest: ImageManifest = parse_json(bytes, &blob)?;
            Ok(ChosenManifest { manifest, manifest_digest: digest, index_digest, ref_name: None })
        }
        other => Err(unsupported_manifest(other, digest, image)),
    }
}

fn unsupported_manifest(media_type: &str, digest: Digest, image: &str) -> ImageError {
    let hint = if DOCKER_SCHEMA1.contains(&media_type) {
        " (Docker schema 1 is deprecated: pull and save the image again with a current tool)"
    } else {
        " (expected an OCI or Docker schema 2 image manifest or index)"
    };
    ImageError::UnsupportedMediaType {
        role: BlobRole::Manifest,
        digest,
        media_type: media_type.to_string(),
        image: image.to_string(),
        hint,
    }
}

/// Converts a digest from a descriptor; only sha256 is supported.
pub(crate) fn to_digest(text: &str, image: &str) -> Result<Digest, ImageError> {
    text.parse::<Digest>().map_err(|e| ImageError::malformed(image, e.to_string()))
}
