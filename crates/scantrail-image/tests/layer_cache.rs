//! The layer cache with local sources: a layer taken from the cache is not read, but its blob
//! must still exist with the size its descriptor states.

mod common;

use common::oci;
use scantrail_image::{read_image, BlobRole, Image, ImageError, ImageSource, LayerCache, ReadOptions};
use scantrail_testkit::{truncate_blob, ImageBuilder, Layer};

fn capture_all(_: &str) -> bool {
    true
}

fn read_cached(source: &str, cache: &LayerCache) -> Result<Image, ImageError> {
    let source = ImageSource::parse(source).unwrap();
    read_image(&source, &ReadOptions { capture: &capture_all, cache: Some(cache), ..ReadOptions::default() })
}

#[test]
fn truncated_blob_fails_cached_read() {
    let dir = tempfile::tempdir().unwrap();
    let built = ImageBuilder::new()
        .layer(Layer::new().file("etc/os-release", "ID=test\n"))
        .layer(Layer::new().file("app/data", "x".repeat(4096)))
        .write_oci_layout(dir.path(), "t");
    let source = oci(dir.path(), "t");
    let home = tempfile::tempdir().unwrap();
    let cache = LayerCache::new(home.path().join("layers"), "test-rules-1");

    let cold = read_cached(&source, &cache).unwrap();
    assert_eq!(cold.stats.layers_read, 2);
    let warm = read_cached(&source, &cache).unwrap();
    assert_eq!(warm.stats.layers_from_cache, 2, "both layers come from the cache");

    let layer = &built.layer_digests[1];
    let stored = cold.layers[1].size;
    truncate_blob(dir.path(), layer, 40);
    let error = read_cached(&source, &cache).unwrap_err();
    match &error {
        ImageError::SizeMismatch { role, digest, expected, actual, .. } => {
            assert_eq!(*role, BlobRole::Layer);
            assert_eq!(digest, layer);
            assert_eq!(*expected, stored);
            assert_eq!(*actual, 40);
        }
        other => panic!("expected SizeMismatch, got {other}"),
    }
}

#[test]
fn missing_blob_fails_cached_read() {
    let dir = tempfile::tempdir().unwrap();
    let built = ImageBuilder::new().layer(Layer::new().file("etc/os-release", "ID=test\n")).write_oci_layout(dir.path(), "t");
    let source = oci(dir.path(), "t");
    let home = tempfile::tempdir().unwrap();
    let cache = LayerCache::new(home.path().join("layers"), "test-rules-1");
    read_cached(&source, &cache).unwrap();

    let blob = dir.path().join("blobs/sha256").join(built.layer_digests[0].hex());
    std::fs::remove_file(&blob).unwrap();
    let error = read_cached(&source, &cache).unwrap_err();
    assert!(matches!(&error, ImageError::BlobMissing { digest, .. } if digest == &built.layer_digests[0]), "{error}");
}
