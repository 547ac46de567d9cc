//! Reading an image from its source, layer by layer.

use scantrail_model::{Digest, LayerRecord};

use crate::archive::{Compression, Store};
use std::io::Read;

use crate::blob::{read_small_blob, read_small_file, BlobRef, BlobSource, MAX_JSON_BLOB};
use crate::config::ImageConfig;
use crate::docker::{self, DockerImage, LegacyImage};
use crate::error::BlobRole;
use crate::layer::{apply_cached, apply_changes, apply_layer, read_layer, Budget, LayerSpec};
use crate::oci::{self, to_digest, ChosenManifest};
use crate::registry::RegistryClient;
use crate::{FileTree, Image, ImageError, ImageSource, ReadOptions, ReadStats};

/// Reads the image at `source`: chooses its manifest, checks every blob against its digest and
/// applies its layers into one file tree, keeping the content of the files `options.capture`
/// selects.
pub fn read_image(source: &ImageSource, options: &ReadOptions) -> Result<Image, ImageError> {
    let image = source.to_string();
    match source {
        ImageSource::OciLayout { path, tag } => {
            let store = Store::directory(path)?;
            let chosen = oci::choose_from_layout(&store, &image, tag.as_deref(), &options.platform)?;
            read_oci_image(&store, &image, chosen, options)
        }
        ImageSource::OciArchive { path, tag } => {
            let store = Store::archive(path)?;
            let chosen = oci::choose_from_layout(&store, &image, tag.as_deref(), &options.platform)?;
            read_oci_image(&store, &image, chosen, options)
        }
        ImageSource::DockerArchive { path, reference } => {
            let store = Store::archive(path)?;
            match docker::choose_image(&store, &image, reference.as_deref())? {
                DockerImage::Oci(chosen) => read_oci_image(&store, &image, *chosen, options),
                DockerImage::Legacy(legacy) => read_legacy_image(&store, &image, legacy, options),
            }
        }
        ImageSource::Registry(reference) => {
            let client = RegistryClient::new(reference, &image, options.registry)?;
            let fetched = client.fetch_manifest()?;
            let chosen =
                oci::choose_from_fetched(&client, &fetched.media_type, fetched.digest, &fetched.bytes, &image, &options.platform)?;
            read_oci_image(&client, &image, chosen, options)
        }
    }
}

/// Reads an image whose manifest was found in an OCI layout or a registry.
fn read_oci_image(store: &dyn BlobSource, image: &str, chosen: ChosenManifest, options: &ReadOptions) -> Result<Image, ImageError> {
    let manifest = &chosen.manifest;
    let config_digest = to_digest(manifest.config().digest().as_ref(), image)?;
    let config_blob = BlobRef { role: BlobRole::Config, digest: &config_digest, size: Some(manifest.config().size()), image };
    let config = ImageConfig::parse(&read_small_blob(store, &config_blob)?, &config_blob)?;

    let descriptors = manifest.layers();
    if descriptors.len() != config.diff_ids.len() {
        return Err(ImageError::malformed(
            image,
            format!(
                "manifest {} lists {} layers but config {config_digest} lists {} diff IDs",
                chosen.manifest_digest,
                descriptors.len(),
                config.diff_ids.len()
            ),
        ));
    }

    let created_by = config.layer_created_by(descriptors.len());
    let mut stats = ReadStats::default();
    let mut files = FileTree::new();
    let mut budget = Budget::default();
    let mut layers = Vec::with_capacity(descriptors.len());
    for (index, descriptor) in descriptors.iter().enumerate() {
        let digest = to_digest(descriptor.digest().as_ref(), image)?;
        let media_type = descriptor.media_type().as_ref();
        let spec = LayerSpec {
            index,
            digest: Some(&digest),
            size: Some(descriptor.size()),
            media_type,
            diff_id: &config.diff_ids[index],
            image,
        };

        let diff_id = &config.diff_ids[index];
        let blob = BlobRef { role: BlobRole::Layer, digest: &digest, size: Some(descriptor.size()), image };
        if options.cache.is_some() {
            // A layer taken from the cache is not read, so a truncated or missing blob in a
            // local source would go unnoticed without this cheap check of its size.
            store.check_stored_size(&blob)?;
        }
        if read_cached_layer(&mut files, &digest, &spec, options, &mut budget)? {
            options.progress.layer_cached(index, descriptors.len(), &digest);
            stats.layers_from_cache += 1;
        } else {
            let reader = store.open_blob(&blob)?;
            options.progress.layer_started(index, descriptors.len(), &digest, descriptor.size());
            let (_, changes) = read_layer(&files, reader, &spec, options, &mut budget)?;
            options.progress.layer_finished(index);
            stats.layers_read += 1;
            if let Some(cache) = options.cache {
                if let Err(error) = cache.store(&digest, diff_id, &changes) {
                    tracing::warn!(layer = %digest, path = %cache.path_of(&digest).display(), "failed to write the layer cache: {error}");
                }
            }
            apply_changes(&mut files, changes, diff_id);
        }

        layers.push(LayerRecord {
            digest,
            diff_id: config.diff_ids[index].clone(),
            media_type: media_type.to_string(),
            size: descriptor.size(),
            created_by: created_by[index].clone(),
        });
    }

    Ok(Image {
        manifest_digest: chosen.manifest_digest,
        index_digest: chosen.index_digest,
        config_digest,
        platform: config.platform,
        layers,
        labels: config.labels,
        created: config.created,
        history: config.history,
        ref_name: chosen.ref_name,
        files,
        stats,
    })
}

/// Applies layer `digest` from the layer cache when it contains a usable changeset. A corrupt
/// cache file, or one recorded under a different diff ID, is ignored with a warning.
fn read_cached_layer(
    files: &mut FileTree,
    digest: &Digest,
    spec: &LayerSpec,
    options: &ReadOptions,
    budget: &mut Budget,
) -> Result<bool, ImageError> {
    let Some(cache) = options.cache else { return Ok(false) };
    let cached = match cache.load(digest) {
        Ok(Some(cached)) => cached,
        Ok(None) => return Ok(false),
        Err(reason) => {
            tracing::warn!(layer = %digest, "ignoring the layer cache entry and reading the layer again: {reason}");
            return Ok(false);
        }
    };
    if &cached.diff_id != spec.diff_id {
        tracing::warn!(
            layer = %digest,
            cached = %cached.diff_id,
            expected = %spec.diff_id,
            "ignoring the layer cache entry because its diff ID differs from the config's; reading the layer again"
        );
        return Ok(false);
    }
    let applied = apply_cached(files, cached.changes, spec, options, budget)?;
    if !applied {
        tracing::debug!(layer = %digest, "the cached changeset lacks a file the capture rules select here; reading the layer");
    }
    Ok(applied)
}

/// Reads an image of a legacy docker-archive, which has a config and layer tars but no manifest.
fn read_legacy_image(store: &Store, image: &str, legacy: LegacyImage, options: &ReadOptions) -> Result<Image, ImageError> {
    let config_bytes = match &legacy.config_digest {
        Some(digest) => {
            let blob = BlobRef { role: BlobRole::Config, digest, size: None, image };
            read_small_file(store, &legacy.config_path, &blob)?
        }
        None => read_unnamed_config(store, image, &legacy.config_path)?,
    };
    let config_digest = legacy.config_digest.clone().unwrap_or_else(|| Digest::sha256_of(&config_bytes));
    let config_blob = BlobRef { role: BlobRole::Config, digest: &config_digest, size: None, image };
    let config = ImageConfig::parse(&config_bytes, &config_blob)?;

    if legacy.layer_paths.len() != config.diff_ids.len() {
        return Err(ImageError::malformed(
            image,
            format!(
                "manifest.json lists {} layers but config {config_digest} lists {} diff IDs",
                legacy.layer_paths.len(),
                config.diff_ids.len()
            ),
        ));
    }

    let created_by = config.layer_created_by(legacy.layer_paths.len());
    let mut files = FileTree::new();
    let mut budget = Budget::default();
    let mut layers = Vec::with_capacity(legacy.layer_paths.len());
    for (index, path) in legacy.layer_paths.iter().enumerate() {
        let diff_id = &config.diff_ids[index];
        let Some((reader, size)) = store.open(path)? else {
            let reason = format!("manifest.json names layer {index} as {path}, which the archive lacks; save the image again");
            return Err(ImageError::malformed(image, reason));
        };
        let spec = LayerSpec { index, digest: None, size: None, media_type: "", diff_id, image };
        options.progress.layer_started(index, legacy.layer_paths.len(), diff_id, size);
        let blob = apply_layer(&mut files, reader, &spec, options, &mut budget)?;
        options.progress.layer_finished(index);

        let media_type = match blob.compression {
            Compression::None => "application/vnd.docker.image.rootfs.diff.tar",
            Compression::Gzip => "application/vnd.docker.image.rootfs.diff.tar.gzip",
            Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        };
        layers.push(LayerRecord {
            digest: blob.digest,
            diff_id: diff_id.clone(),
            media_type: media_type.to_string(),
            size: blob.size,
            created_by: created_by[index].clone(),
        });
    }

    // NOTE: legacy docker-archive layers bypass the layer cache because their blob digest is
    // known only after reading them.
    let layer_count = layers.len();
    let layer_descriptors: Vec<(String, u64, Digest)> =
        layers.iter().map(|layer| (layer.media_type.clone(), layer.size, layer.digest.clone())).collect();
    let manifest_digest =
        docker::synthesized_manifest_digest(&config_digest, config_bytes.len() as u64, &layer_descriptors);

    Ok(Image {
        manifest_digest,
        index_digest: None,
        config_digest,
        platform: config.platform,
        layers,
        labels: config.labels,
        created: config.created,
        history: config.history,
        ref_name: legacy.ref_name,
        files,
        stats: ReadStats { layers_read: layer_count, layers_from_cache: 0 },
    })
}

/// Reads a config file that is not named by its digest, so there is nothing to check it against.
fn read_unnamed_config(store: &Store, image: &str, path: &str) -> Result<Vec<u8>, ImageError> {
    let Some((reader, size)) = store.open(path)? else {
        return Err(ImageError::malformed(image, format!("manifest.json names the config {path}, which the archive lacks")));
    };
    if size > MAX_JSON_BLOB {
        return Err(ImageError::malformed(image, format!("config {path} is {size} bytes, more than the {MAX_JSON_BLOB} a JSON blob may have")));
    }
    let mut bytes = Vec::new();
    let mut reader = reader;
    reader
        .read_to_end(&mut bytes)
        .map_err(|source| ImageError::malformed(image, format!("failed to read config {path}: {source}")))?;
    Ok(bytes)
}
