//! The builders write what their results claim, and write it the same way every time.

use std::fs;

use scantrail_model::Digest;
use scantrail_testkit::{ImageBuilder, Layer};
use serde_json::Value;

fn sample() -> ImageBuilder {
    ImageBuilder::new()
        .created("2026-01-01T00:00:00Z")
        .layer(Layer::new().file("etc/os-release", "ID=debian\n").whiteout("etc/motd").opaque("app"))
}

#[test]
fn layout_blobs_match_digests() {
    let dir = tempfile::tempdir().unwrap();
    let built = sample().write_oci_layout(dir.path(), "v1");
    let mut digests = vec![built.manifest_digest.clone(), built.config_digest.clone()];
    digests.extend(built.layer_digests.iter().cloned());
    for digest in digests {
        let bytes = fs::read(dir.path().join("blobs/sha256").join(digest.hex())).unwrap();
        assert_eq!(Digest::sha256_of(&bytes), digest);
    }
}

#[test]
fn builds_are_deterministic() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    assert_eq!(sample().write_oci_layout(first.path(), "v1"), sample().write_oci_layout(second.path(), "v1"));
}

#[test]
fn layout_keeps_other_tags() {
    let dir = tempfile::tempdir().unwrap();
    sample().write_oci_layout(dir.path(), "v1");
    ImageBuilder::new().layer(Layer::new().file("a", "a")).write_oci_layout(dir.path(), "v2");
    let index: Value = serde_json::from_slice(&fs::read(dir.path().join("index.json")).unwrap()).unwrap();
    let tags: Vec<&str> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["annotations"]["org.opencontainers.image.ref.name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["v1", "v2"]);
}

#[test]
fn whiteout_and_opaque_names() {
    let layer = Layer::new().whiteout("etc/motd").whiteout("top").opaque("app/node/");
    let tar = layer.tar_bytes();
    let mut archive = tar::Archive::new(tar.as_slice());
    let names: Vec<String> =
        archive.entries().unwrap().map(|entry| entry.unwrap().path().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["etc/.wh.motd", ".wh.top", "app/node/.wh..wh..opq"]);
}
