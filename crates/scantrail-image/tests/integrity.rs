//! Digest, size and diff ID checks on every blob.

mod common;

use std::cell::RefCell;

use common::{oci, read};
use scantrail_image::{read_image, BlobRole, ImageError, ImageSource, Progress, ReadOptions};
use scantrail_model::Digest;
use scantrail_testkit::{corrupt_blob, edit_archive_members, truncate_blob, write_multi_platform_layout, BuiltImage, ImageBuilder, Layer};

fn sample(dir: &std::path::Path) -> BuiltImage {
    ImageBuilder::new()
        .layer(Layer::new().file("etc/os-release", "ID=debian\n"))
        .layer(Layer::new().file("var/lib/dpkg/status", "Package: base-files\n".repeat(50)))
        .write_oci_layout(dir, "t")
}

#[test]
fn corrupt_blob_is_digest_mismatch() {
    let roles = [BlobRole::Manifest, BlobRole::Config, BlobRole::Layer];
    for role in roles {
        let dir = tempfile::tempdir().unwrap();
        let built = sample(dir.path());
        let digest = match role {
            BlobRole::Manifest => built.manifest_digest.clone(),
            BlobRole::Config => built.config_digest.clone(),
            _ => built.layer_digests[1].clone(),
        };
        corrupt_blob(dir.path(), &digest);

        let error = read(&oci(dir.path(), "t")).unwrap_err();
        match &error {
            ImageError::DigestMismatch { role: found, expected, actual, .. } => {
                assert_eq!(*found, role);
                assert_eq!(expected, &digest);
                assert_ne!(actual, &digest);
            }
            other => panic!("{role}: expected DigestMismatch, got {other}"),
        }
        let message = error.to_string();
        assert!(message.contains(&digest.to_string()), "{message}");
        assert!(message.contains(&oci(dir.path(), "t")), "{message}");
    }
}

#[test]
fn corrupt_index_is_digest_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let image = ImageBuilder::new().layer(Layer::new().file("a", "a"));
    let (index_digest, _) = write_multi_platform_layout(dir.path(), "t", &[&image], false);
    corrupt_blob(dir.path(), &index_digest);
    let error = read(&oci(dir.path(), "t")).unwrap_err();
    assert!(matches!(&error, ImageError::DigestMismatch { role: BlobRole::Index, expected, .. } if *expected == index_digest), "{error}");
}

#[test]
fn diff_id_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let wrong = Digest::sha256_of(b"not this layer");
    let built = ImageBuilder::new()
        .layer(Layer::new().file("a", "a"))
        .diff_id_override(0, wrong.clone())
        .write_oci_layout(dir.path(), "t");
    let error = read(&oci(dir.path(), "t")).unwrap_err();
    match &error {
        ImageError::DiffIdMismatch { index, digest, expected, actual, .. } => {
            assert_eq!(*index, 0);
            assert_eq!(digest, &built.layer_digests[0]);
            assert_eq!(expected, &wrong);
            assert_eq!(actual, &built.diff_ids[0]);
        }
        other => panic!("expected DiffIdMismatch, got {other}"),
    }
}

#[test]
fn truncated_layer_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let built = sample(dir.path());
    truncate_blob(dir.path(), &built.layer_digests[1], 40);
    let error = read(&oci(dir.path(), "t")).unwrap_err();
    assert!(
        matches!(&error, ImageError::SizeMismatch { role: BlobRole::Layer, digest, actual: 40, .. } if *digest == built.layer_digests[1]),
        "{error}"
    );
}

#[test]
fn missing_blob_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let built = sample(dir.path());
    let blob = dir.path().join("blobs/sha256").join(built.layer_digests[0].hex());
    std::fs::remove_file(&blob).unwrap();
    let error = read(&oci(dir.path(), "t")).unwrap_err();
    match &error {
        ImageError::BlobMissing { role, digest, location, .. } => {
            assert_eq!(*role, BlobRole::Layer);
            assert_eq!(digest, &built.layer_digests[0]);
            assert_eq!(location, &blob.display().to_string());
        }
        other => panic!("expected BlobMissing, got {other}"),
    }
}

#[derive(Default)]
struct Recorder {
    started: RefCell<Vec<(usize, usize, Digest, u64)>>,
    bytes: RefCell<u64>,
    finished: RefCell<Vec<usize>>,
}

impl Progress for Recorder {
    fn layer_started(&self, index: usize, count: usize, digest: &Digest, size: u64) {
        self.started.borrow_mut().push((index, count, digest.clone(), size));
    }

    fn layer_bytes(&self, bytes: u64) {
        *self.bytes.borrow_mut() += bytes;
    }

    fn layer_finished(&self, index: usize) {
        self.finished.borrow_mut().push(index);
    }
}

#[test]
fn progress_reports_compressed_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let built = sample(dir.path());
    let recorder = Recorder::default();
    let source = ImageSource::parse(&oci(dir.path(), "t")).unwrap();
    let image = read_image(&source, &ReadOptions { progress: &recorder, ..ReadOptions::default() }).unwrap();

    let started = recorder.started.borrow();
    assert_eq!(started.len(), 2);
    assert_eq!(started[1].0, 1);
    assert_eq!(started[1].1, 2);
    assert_eq!(started[1].2, built.layer_digests[1]);
    let total: u64 = image.layers.iter().map(|l| l.size).sum();
    assert_eq!(*recorder.bytes.borrow(), total);
    assert_eq!(*recorder.finished.borrow(), [0, 1]);
}

fn legacy_archive(dir: &std::path::Path) -> (std::path::PathBuf, BuiltImage) {
    let file = dir.join("image.tar");
    let built = ImageBuilder::new()
        .layer(Layer::new().file("etc/os-release", "ID=alpine\n"))
        .write_docker_archive(&file, "demo:v1");
    (file, built)
}

#[test]
fn legacy_config_checked_against_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let (file, built) = legacy_archive(dir.path());
    let config_name = format!("{}.json", built.config_digest.hex());
    let edited = edit_archive_members(&file, |path| path == config_name, |bytes| bytes.push(b' '));
    assert_eq!(edited, 1);

    let error = read(&format!("docker-archive:{}", file.display())).unwrap_err();
    assert!(
        matches!(&error, ImageError::DigestMismatch { role: BlobRole::Config, expected, .. } if *expected == built.config_digest),
        "{error}"
    );
}

#[test]
fn legacy_layer_checked_against_diff_id() {
    let dir = tempfile::tempdir().unwrap();
    let (file, built) = legacy_archive(dir.path());
    // Flip a byte of the file content, which sits after the 512-byte tar header.
    let edited = edit_archive_members(&file, |path| path.ends_with("/layer.tar"), |bytes| bytes[512] ^= 0xff);
    assert_eq!(edited, 1);

    let error = read(&format!("docker-archive:{}", file.display())).unwrap_err();
    assert!(
        matches!(&error, ImageError::DiffIdMismatch { index: 0, expected, .. } if *expected == built.diff_ids[0]),
        "{error}"
    );
}

#[test]
fn legacy_truncated_layer_is_layer_read_error() {
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = legacy_archive(dir.path());
    let edited = edit_archive_members(&file, |path| path.ends_with("/layer.tar"), |bytes| bytes.truncate(600));
    assert_eq!(edited, 1);

    let error = read(&format!("docker-archive:{}", file.display())).unwrap_err();
    assert!(matches!(&error, ImageError::LayerRead { index: 0, .. }), "{error}");
    assert!(error.to_string().contains("truncated or corrupt"), "{error}");
}
