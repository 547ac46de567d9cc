//! Choosing the image by tag and platform.

mod common;

use common::{oci, read, read_with, text};
use scantrail_image::{ImageError, Limits, Platform};
use scantrail_testkit::{write_multi_platform_layout, ImageBuilder, Layer};

fn image_for(architecture: &str) -> ImageBuilder {
    ImageBuilder::new().platform("linux", architecture).layer(Layer::new().file("arch", architecture))
}

#[test]
fn multi_platform_index_with_attestations() {
    let dir = tempfile::tempdir().unwrap();
    let amd64 = image_for("amd64");
    let arm64 = image_for("arm64");
    let (index_digest, built) = write_multi_platform_layout(dir.path(), "v1", &[&amd64, &arm64], true);
    let source = oci(dir.path(), "v1");

    let cases = [("linux/amd64", 0), ("linux/arm64", 1), ("linux/arm64/v8", 1)];
    for (platform, expected) in cases {
        let image = read_with(&source, platform.parse().unwrap(), Limits::default()).unwrap();
        assert_eq!(image.manifest_digest, built[expected].manifest_digest, "{platform}");
        assert_eq!(image.index_digest.as_ref(), Some(&index_digest), "{platform}");
        assert_eq!(image.ref_name.as_deref(), Some("v1"), "{platform}");
        assert_eq!(text(&image, "arch").as_deref(), Some(platform.split('/').nth(1).unwrap()), "{platform}");
    }

    let error = read_with(&source, "linux/s390x".parse().unwrap(), Limits::default()).unwrap_err();
    match &error {
        ImageError::PlatformNotFound { platform, available, .. } => {
            assert_eq!(platform, "linux/s390x");
            assert_eq!(available, &["linux/amd64", "linux/arm64"], "attestations are not offered");
        }
        other => panic!("expected PlatformNotFound, got {other}"),
    }
    assert!(error.to_string().contains("--platform"), "{error}");
}

#[test]
fn default_platform_is_linux_amd64() {
    let dir = tempfile::tempdir().unwrap();
    let arm64 = image_for("arm64");
    let amd64 = image_for("amd64");
    let (_, built) = write_multi_platform_layout(dir.path(), "v1", &[&arm64, &amd64], false);
    let image = read_with(&oci(dir.path(), "v1"), Platform::default(), Limits::default()).unwrap();
    assert_eq!(image.manifest_digest, built[1].manifest_digest);
}

#[test]
fn single_platform_image_ignores_platform() {
    let dir = tempfile::tempdir().unwrap();
    image_for("arm64").write_oci_layout(dir.path(), "v1");
    let image = read_with(&oci(dir.path(), "v1"), Platform::default(), Limits::default()).unwrap();
    assert_eq!(image.platform.to_string(), "linux/arm64");
}

#[test]
fn tag_selection_in_layout() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = image_for("amd64").write_oci_layout(dir.path(), "v1");
    let v2 = ImageBuilder::new().layer(Layer::new().file("version", "2")).write_oci_layout(dir.path(), "v2");

    assert_eq!(read(&oci(dir.path(), "v1")).unwrap().manifest_digest, v1.manifest_digest);
    assert_eq!(read(&oci(dir.path(), "v2")).unwrap().manifest_digest, v2.manifest_digest);

    let error = read(&oci(dir.path(), "v3")).unwrap_err();
    match &error {
        ImageError::TagNotFound { tag, available, .. } => {
            assert_eq!(tag, "v3");
            assert_eq!(available, &["v1", "v2"]);
        }
        other => panic!("expected TagNotFound, got {other}"),
    }
    assert!(error.to_string().contains("v1, v2"), "{error}");

    let error = read(&format!("oci:{}", dir.path().display())).unwrap_err();
    match &error {
        ImageError::AmbiguousImage { available, example, .. } => {
            assert_eq!(available, &["v1", "v2"]);
            assert!(example.ends_with(":v1"), "{example}");
        }
        other => panic!("expected AmbiguousImage, got {other}"),
    }
}

#[test]
fn retagging_replaces_layout_entry() {
    let dir = tempfile::tempdir().unwrap();
    image_for("amd64").write_oci_layout(dir.path(), "v1");
    let newer = ImageBuilder::new().layer(Layer::new().file("new", "yes")).write_oci_layout(dir.path(), "v1");
    let image = read(&format!("oci:{}", dir.path().display())).unwrap();
    assert_eq!(image.manifest_digest, newer.manifest_digest);
}
