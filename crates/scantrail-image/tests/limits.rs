//! Guards against hostile layers: path lengths, total path bytes, and oversized captured files,
//! on a fresh read and on a read from the layer cache.

mod common;

use common::oci;
use scantrail_image::{read_image, ImageError, ImageSource, LayerCache, Limits, ReadOptions};
use scantrail_testkit::{ImageBuilder, Layer};

fn capture_all(_: &str) -> bool {
    true
}

fn read(source: &str, limits: Limits, cache: Option<&LayerCache>) -> Result<scantrail_image::Image, ImageError> {
    let source = ImageSource::parse(source).unwrap();
    read_image(&source, &ReadOptions { capture: &capture_all, limits, cache, ..ReadOptions::default() })
}

/// Builds a layer of `count` empty files whose paths are each `length` bytes long.
fn long_paths_layer(count: usize, length: usize) -> Layer {
    let mut layer = Layer::new();
    for i in 0..count {
        let name = format!("deep/{i:04}-");
        let path = format!("{name}{}", "x".repeat(length - name.len()));
        layer = layer.file(&path, "");
    }
    layer
}

fn build(layers: Vec<Layer>) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = ImageBuilder::new();
    for layer in layers {
        builder = builder.layer(layer);
    }
    builder.write_oci_layout(dir.path(), "t");
    let source = oci(dir.path(), "t");
    (dir, source)
}

fn cache_files(cache: &LayerCache) -> Vec<String> {
    match std::fs::read_dir(cache.dir()) {
        Ok(entries) => entries.map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn path_bytes_limit_names_layer() {
    // 20 paths of 200 bytes in layer 1 pass a 3000-byte limit that layer 0 left room for.
    let (_dir, source) = build(vec![Layer::new().file("etc/os-release", "ID=test\n"), long_paths_layer(20, 200)]);
    let limits = Limits { max_path_bytes: 3000, ..Limits::default() };
    let error = read(&source, limits, None).unwrap_err();
    assert!(matches!(error, ImageError::TooManyPathBytes { index: 1, max: 3000, .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("layer 1"), "{message}");
    assert!(message.contains("3000 bytes"), "{message}");

    let roomy = Limits { max_path_bytes: 20 * 200 + 100, ..Limits::default() };
    assert!(read(&source, roomy, None).is_ok());
}

#[test]
fn failed_layer_writes_no_cache_file() {
    let (_dir, source) = build(vec![Layer::new().file("etc/os-release", "ID=test\n"), long_paths_layer(20, 200)]);
    let home = tempfile::tempdir().unwrap();
    let cache = LayerCache::new(home.path().join("layers"), "test-rules-1");
    let limits = Limits { max_path_bytes: 3000, ..Limits::default() };

    let error = read(&source, limits, Some(&cache)).unwrap_err();
    assert!(matches!(error, ImageError::TooManyPathBytes { index: 1, .. }), "{error}");
    assert_eq!(cache_files(&cache).len(), 1, "only layer 0 is cached: {:?}", cache_files(&cache));
}

#[test]
fn path_bytes_limit_applies_to_cached_layer() {
    let (_dir, source) = build(vec![long_paths_layer(20, 200)]);
    let home = tempfile::tempdir().unwrap();
    let cache = LayerCache::new(home.path().join("layers"), "test-rules-1");
    let warm = read(&source, Limits::default(), Some(&cache)).unwrap();
    assert_eq!(warm.stats.layers_read, 1);

    let limits = Limits { max_path_bytes: 3000, ..Limits::default() };
    let error = read(&source, limits, Some(&cache)).unwrap_err();
    assert!(matches!(error, ImageError::TooManyPathBytes { index: 0, .. }), "{error}");
}

#[test]
fn path_length_limit() {
    let limits = Limits { max_path_length: 300, ..Limits::default() };
    let cases = [
        ("file", Layer::new().file(&format!("a/{}", "x".repeat(400)), "")),
        ("symlink target", Layer::new().symlink("link", &format!("/{}", "y".repeat(400)))),
    ];
    for (case, layer) in cases {
        let (_dir, source) = build(vec![layer]);
        let error = read(&source, limits, None).expect_err(case);
        match &error {
            ImageError::PathTooLong { index, length, max, path, .. } => {
                assert_eq!(*index, 0, "{case}");
                assert!(*length > 400, "{case}: {length}");
                assert_eq!(*max, 300, "{case}");
                assert_eq!(path.len(), 100, "{case}: the message shows the start of the path only");
            }
            other => panic!("{case}: expected PathTooLong, got {other}"),
        }
    }
}

#[test]
fn path_length_default_is_path_max() {
    let (_dir, source) = build(vec![Layer::new().file(&format!("a/{}", "x".repeat(4094)), "")]);
    assert!(read(&source, Limits::default(), None).is_ok(), "a 4096-byte path is allowed");

    let (_dir, source) = build(vec![Layer::new().file(&format!("a/{}", "x".repeat(4095)), "")]);
    let error = read(&source, Limits::default(), None).unwrap_err();
    assert!(matches!(error, ImageError::PathTooLong { length: 4097, max: 4096, .. }), "{error}");
}
