mod common;

use common::{oci, read, text};
use scantrail_testkit::{ImageBuilder, Layer};

#[test]
fn oci_layout_reads_identity_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let built = ImageBuilder::new()
        .label("org.opencontainers.image.version", "1.0")
        .created("2026-01-02T03:04:05Z")
        .layer(Layer::new().dir("etc").file("etc/os-release", "ID=debian\n").created_by("debootstrap"))
        .empty_layer_history("ENV A=b")
        .layer(Layer::new().file("app/main.py", "print()\n").created_by("COPY app /app"))
        .write_oci_layout(dir.path(), "v1");

    let image = read(&oci(dir.path(), "v1")).unwrap();

    assert_eq!(image.manifest_digest, built.manifest_digest);
    assert_eq!(image.config_digest, built.config_digest);
    assert_eq!(image.index_digest, None);
    assert_eq!(image.ref_name.as_deref(), Some("v1"));
    assert_eq!(image.platform.to_string(), "linux/amd64");
    assert_eq!(image.created.as_deref(), Some("2026-01-02T03:04:05Z"));
    assert_eq!(image.labels.get("org.opencontainers.image.version").map(String::as_str), Some("1.0"));
    assert_eq!(image.history.len(), 3);
    let layer_digests: Vec<_> = image.layers.iter().map(|l| l.digest.clone()).collect();
    assert_eq!(layer_digests, built.layer_digests);
    let diff_ids: Vec<_> = image.layers.iter().map(|l| l.diff_id.clone()).collect();
    assert_eq!(diff_ids, built.diff_ids);
    let created_by: Vec<_> = image.layers.iter().map(|l| l.created_by.as_deref()).collect();
    assert_eq!(created_by, [Some("debootstrap"), Some("COPY app /app")]);
    assert_eq!(text(&image, "/etc/os-release").as_deref(), Some("ID=debian\n"));
    assert_eq!(image.files.get("app/main.py").map(|e| &e.layer), Some(&built.diff_ids[1]));
}
