//! Layer compressions, archive formats and source detection.

mod common;

use common::{read, text};
use scantrail_image::{ImageError, ImageSource};
use scantrail_testkit::{gzip_file, media_type, write_docker_archive_many, zstd_file, Compression, ImageBuilder, Layer};

fn sample() -> ImageBuilder {
    ImageBuilder::new()
        .label("version", "1")
        .layer(Layer::new().file("etc/os-release", "ID=alpine\n").created_by("ADD rootfs"))
        .layer(Layer::new().file("lib/apk/db/installed", "P:musl\n").whiteout("etc/motd").created_by("RUN apk add"))
}

#[test]
fn layer_compressions() {
    for compression in [Compression::None, Compression::Gzip, Compression::Zstd] {
        let dir = tempfile::tempdir().unwrap();
        ImageBuilder::new()
            .layer(Layer::new().file("etc/x", "content").compression(compression))
            .write_oci_layout(dir.path(), "t");
        let image = read(&format!("oci:{}:t", dir.path().display())).unwrap();
        assert_eq!(text(&image, "etc/x").as_deref(), Some("content"), "{compression:?}");
    }
}

#[test]
fn magic_bytes_win_over_media_type() {
    let cases = [
        ("gzip labelled plain", Compression::Gzip, media_type::OCI_LAYER),
        ("plain labelled gzip", Compression::None, media_type::OCI_LAYER_GZIP),
        ("zstd labelled docker gzip", Compression::Zstd, media_type::DOCKER_LAYER_GZIP),
    ];
    for (case, compression, label) in cases {
        let dir = tempfile::tempdir().unwrap();
        ImageBuilder::new()
            .layer(Layer::new().file("etc/x", "content").compression(compression).media_type(label))
            .write_oci_layout(dir.path(), "t");
        let image = read(&format!("oci:{}:t", dir.path().display())).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(text(&image, "etc/x").as_deref(), Some("content"), "{case}");
        assert_eq!(image.layers[0].media_type, label, "{case}: the record keeps the declared media type");
    }
}

#[test]
fn docker_media_types() {
    let dir = tempfile::tempdir().unwrap();
    let built = sample().docker_media_types().write_oci_layout(dir.path(), "t");
    let image = read(&format!("oci:{}:t", dir.path().display())).unwrap();
    assert_eq!(image.manifest_digest, built.manifest_digest);
    assert_eq!(image.layers[0].media_type, media_type::DOCKER_LAYER_GZIP);
}

#[test]
fn oci_archive() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("image.tar");
    let built = sample().write_oci_archive(&file, "v1");

    let image = read(&format!("oci-archive:{}:v1", file.display())).unwrap();
    assert_eq!(image.manifest_digest, built.manifest_digest);
    assert_eq!(image.ref_name.as_deref(), Some("v1"));
    assert_eq!(text(&image, "lib/apk/db/installed").as_deref(), Some("P:musl\n"));
}

#[test]
fn zstd_compressed_oci_archive() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("image.tar");
    let built = sample().write_oci_archive(&plain, "v1");
    let compressed = dir.path().join("image.tar.zst");
    zstd_file(&plain, &compressed);

    let image = read(&format!("oci-archive:{}", compressed.display())).unwrap();
    assert_eq!(image.manifest_digest, built.manifest_digest);
    assert_eq!(text(&image, "etc/os-release").as_deref(), Some("ID=alpine\n"));
}

#[test]
fn legacy_docker_archive() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("image.tar");
    let built = sample().write_docker_archive(&file, "localhost/demo:v1");

    let image = read(&format!("docker-archive:{}", file.display())).unwrap();
    assert_eq!(image.config_digest, built.config_digest);
    assert_eq!(image.ref_name.as_deref(), Some("localhost/demo:v1"));
    assert_eq!(image.index_digest, None);
    let layer_digests: Vec<_> = image.layers.iter().map(|l| l.digest.clone()).collect();
    assert_eq!(layer_digests, built.diff_ids, "uncompressed layer.tar blobs hash to their diff IDs");
    assert_eq!(image.layers[1].media_type, "application/vnd.docker.image.rootfs.diff.tar");
    assert_eq!(image.layers[1].created_by.as_deref(), Some("RUN apk add"));
    assert_eq!(image.labels.get("version").map(String::as_str), Some("1"));
    assert_eq!(text(&image, "lib/apk/db/installed").as_deref(), Some("P:musl\n"));

    // The archive has no manifest: the synthesized one is stable across reads and saves.
    assert_ne!(image.manifest_digest, built.manifest_digest);
    let again_file = dir.path().join("again.tar");
    sample().write_docker_archive(&again_file, "localhost/demo:v1");
    let again = read(&format!("docker-archive:{}", again_file.display())).unwrap();
    assert_eq!(again.manifest_digest, image.manifest_digest);
}

#[test]
fn docker_archive_with_embedded_oci_layout() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("image.tar");
    let built = sample().write_docker_archive_oci(&file, "demo:v2");

    let image = read(&format!("docker-archive:{}", file.display())).unwrap();
    assert_eq!(image.manifest_digest, built.manifest_digest, "the real manifest digest is kept");
    assert_eq!(image.config_digest, built.config_digest);
    assert_eq!(image.ref_name.as_deref(), Some("demo:v2"));
    assert_eq!(text(&image, "etc/os-release").as_deref(), Some("ID=alpine\n"));
}

#[test]
fn gzip_compressed_docker_archive() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("image.tar");
    sample().write_docker_archive(&plain, "demo:v1");
    let compressed = dir.path().join("image.tar.gz");
    gzip_file(&plain, &compressed);

    let from_plain = read(&format!("docker-archive:{}", plain.display())).unwrap();
    let from_gzip = read(&format!("docker-archive:{}", compressed.display())).unwrap();
    assert_eq!(from_gzip.manifest_digest, from_plain.manifest_digest);
    assert_eq!(text(&from_gzip, "lib/apk/db/installed").as_deref(), Some("P:musl\n"));
}

#[test]
fn docker_archive_image_selection() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("two.tar");
    let base = Layer::new().file("etc/os-release", "ID=alpine\n");
    let first = ImageBuilder::new().layer(base.clone()).layer(Layer::new().file("app", "one"));
    let second = ImageBuilder::new().layer(base).layer(Layer::new().file("app", "two"));
    let built = write_docker_archive_many(&file, &[(&first, "demo:one"), (&second, "demo:latest")]);
    let archive = format!("docker-archive:{}", file.display());

    let error = read(&archive).unwrap_err();
    match &error {
        ImageError::AmbiguousImage { available, .. } => assert_eq!(available, &["demo:latest", "demo:one"]),
        other => panic!("expected AmbiguousImage, got {other}"),
    }

    let one = read(&format!("{archive}:demo:one")).unwrap();
    assert_eq!(one.config_digest, built[0].config_digest);
    assert_eq!(text(&one, "app").as_deref(), Some("one"));

    // The second image's base layer is a symlink to the first one's layer.tar.
    let latest = read(&format!("{archive}:demo")).unwrap();
    assert_eq!(latest.config_digest, built[1].config_digest);
    assert_eq!(latest.ref_name.as_deref(), Some("demo:latest"));
    assert_eq!(text(&latest, "etc/os-release").as_deref(), Some("ID=alpine\n"));

    let error = read(&format!("{archive}:demo:three")).unwrap_err();
    assert!(matches!(&error, ImageError::TagNotFound { tag, .. } if tag == "demo:three"), "{error}");
}

#[test]
fn bare_path_detection() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    sample().write_oci_layout(&layout, "v1");
    let oci_archive = dir.path().join("oci.tar");
    sample().write_oci_archive(&oci_archive, "v1");
    let docker = dir.path().join("docker.tar");
    sample().write_docker_archive(&docker, "demo:v1");
    let docker_gz = dir.path().join("docker.tar.gz");
    gzip_file(&docker, &docker_gz);
    let docker_oci = dir.path().join("docker-oci.tar");
    sample().write_docker_archive_oci(&docker_oci, "demo:v1");

    let cases = [
        (&layout, "oci"),
        (&oci_archive, "oci-archive"),
        (&docker, "docker-archive"),
        (&docker_gz, "docker-archive"),
        (&docker_oci, "docker-archive"),
    ];
    for (path, transport) in cases {
        let source = ImageSource::parse(path.to_str().unwrap()).unwrap();
        assert_eq!(source.to_string(), format!("{transport}:{}", path.display()));
        assert!(read(path.to_str().unwrap()).is_ok(), "{}", path.display());
    }

    let not_image = dir.path().join("notes.txt");
    std::fs::write(&not_image, "hello").unwrap();
    let error = ImageSource::parse(not_image.to_str().unwrap()).unwrap_err();
    assert!(matches!(error, ImageError::UnrecognizedSource { .. }), "{error}");
    let error = ImageSource::parse(dir.path().to_str().unwrap()).unwrap_err();
    assert!(matches!(error, ImageError::UnrecognizedSource { .. }), "{error}");
}
