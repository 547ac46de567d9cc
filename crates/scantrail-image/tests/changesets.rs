//! Layer application: whiteouts, opaque directories, replacements, links and paths.

mod common;

use common::{kind, oci, paths, read, read_with, text};
use scantrail_image::{read_image, FileKind, ImageError, ImageSource, Limits, Platform, ReadOptions};
use scantrail_testkit::{ImageBuilder, Layer};

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

#[test]
fn whiteout_removes_lower_subtree() {
    let (_dir, source) = build(vec![
        Layer::new().dir("app").dir("app/old").file("app/old/a", "a").file("app/old/b", "b").file("app/keep", "k"),
        Layer::new().whiteout("app/old"),
    ]);
    let image = read(&source).unwrap();
    assert_eq!(paths(&image), ["app", "app/keep"]);
}

#[test]
fn whiteout_spares_same_layer_file() {
    let (_dir, source) = build(vec![
        Layer::new().file("x", "lower"),
        Layer::new().file("x", "upper").whiteout("x"),
    ]);
    let image = read(&source).unwrap();
    assert_eq!(text(&image, "x").as_deref(), Some("upper"));
}

#[test]
fn opaque_marker_in_either_position() {
    let lower = || {
        Layer::new()
            .dir("app")
            .dir("app/node")
            .file("app/node/lodash/package.json", "4.17.15")
            .file("app/node/minimist/package.json", "1.2.0")
            .file("app/other", "stays")
    };
    let marker_first = Layer::new().opaque("app/node").file("app/node/lodash/package.json", "4.17.21");
    let marker_last = Layer::new().file("app/node/lodash/package.json", "4.17.21").opaque("app/node");

    for (case, upper) in [("marker first", marker_first), ("marker last", marker_last)] {
        let (_dir, source) = build(vec![lower(), upper]);
        let image = read(&source).unwrap();
        assert_eq!(text(&image, "app/node/lodash/package.json").as_deref(), Some("4.17.21"), "{case}");
        assert!(image.files.get("app/node/minimist/package.json").is_none(), "{case}");
        assert!(image.files.get("app/node/minimist").is_none(), "{case}");
        assert_eq!(kind(&image, "app/node"), Some(FileKind::Directory), "{case}");
        assert_eq!(text(&image, "app/other").as_deref(), Some("stays"), "{case}");
    }
}

#[test]
fn directory_replaced_by_symlink() {
    let (_dir, source) = build(vec![
        Layer::new().dir("usr/share/doc/x").file("usr/share/doc/x/readme", "old"),
        Layer::new().symlink("usr/share/doc/x", "../other"),
    ]);
    let image = read(&source).unwrap();
    assert_eq!(kind(&image, "usr/share/doc/x"), Some(FileKind::Symlink("../other".to_string())));
    assert!(image.files.get("usr/share/doc/x/readme").is_none());
}

#[test]
fn directory_replaced_by_file() {
    let (_dir, source) = build(vec![Layer::new().dir("a/b").file("a/b/c", "c"), Layer::new().file("a/b", "file")]);
    let image = read(&source).unwrap();
    assert_eq!(paths(&image), ["a/b"]);
    assert_eq!(text(&image, "a/b").as_deref(), Some("file"));
}

#[test]
fn directory_over_directory_merges() {
    let (_dir, source) = build(vec![Layer::new().dir("etc").file("etc/a", "a"), Layer::new().dir("etc").file("etc/b", "b")]);
    let image = read(&source).unwrap();
    assert_eq!(paths(&image), ["etc", "etc/a", "etc/b"]);
}

#[test]
fn entry_under_symlinked_parent() {
    // Debian's merged /usr: `lib` is a symlink to `usr/lib` in the base layer.
    let (_dir, source) = build(vec![
        Layer::new().dir("usr/lib").symlink("lib", "usr/lib"),
        Layer::new().file("lib/apk/db/installed", "P:musl\n"),
    ]);
    let image = read(&source).unwrap();
    assert!(image.files.get("lib/apk/db/installed").is_none());
    assert!(image.files.get("usr/lib/apk/db/installed").is_some());
    assert_eq!(text(&image, "/lib/apk/db/installed").as_deref(), Some("P:musl\n"));
}

#[test]
fn capture_matches_path_before_resolution() {
    let dir = tempfile::tempdir().unwrap();
    ImageBuilder::new()
        .layer(Layer::new().dir("usr/lib").symlink("lib", "usr/lib"))
        .layer(Layer::new().file("lib/apk/db/installed", "P:musl\n").file("lib/other", "not captured"))
        .write_oci_layout(dir.path(), "t");
    let source = ImageSource::parse(&oci(dir.path(), "t")).unwrap();
    let capture = |path: &str| path == "lib/apk/db/installed";
    let image = read_image(&source, &ReadOptions { capture: &capture, ..ReadOptions::default() }).unwrap();

    assert_eq!(image.files.read("lib/apk/db/installed"), Some(&b"P:musl\n"[..]));
    let other = image.files.get("usr/lib/other").unwrap();
    assert_eq!(other.content, None);
    assert_eq!(other.size, 12);
}

#[test]
fn hard_link_copies_target() {
    let (_dir, source) = build(vec![
        Layer::new().file("usr/bin/perl5.36", "#!perl"),
        Layer::new().hardlink("usr/bin/perl", "usr/bin/perl5.36").file("b", "b").hardlink("c", "b"),
    ]);
    let image = read(&source).unwrap();
    let link = image.files.get("usr/bin/perl").unwrap();
    assert_eq!(link.kind, FileKind::Regular);
    assert_eq!(link.size, 6);
    assert_eq!(link.content.as_deref(), Some(&b"#!perl"[..]));
    assert_eq!(text(&image, "c").as_deref(), Some("b"));
    assert_eq!(link.layer, image.layers[1].diff_id);
}

#[test]
fn os_release_symlink_resolves() {
    let (_dir, source) = build(vec![Layer::new()
        .file("usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
        .symlink("etc/os-release", "../usr/lib/os-release")]);
    let image = read(&source).unwrap();
    assert_eq!(text(&image, "etc/os-release").as_deref(), Some("ID=debian\nVERSION_ID=\"12\"\n"));
}

#[test]
fn upper_layer_owns_overwritten_file() {
    let (_dir, source) = build(vec![Layer::new().file("etc/x", "1"), Layer::new().file("etc/x", "2")]);
    let image = read(&source).unwrap();
    assert_eq!(image.files.get("etc/x").unwrap().layer, image.layers[1].diff_id);
    assert_eq!(text(&image, "etc/x").as_deref(), Some("2"));
}

#[test]
fn entry_paths_are_normalized() {
    let (_dir, source) = build(vec![Layer::new().file("./etc/dot", "d").file("/etc/abs", "a").file("etc/x/../inside", "i")]);
    let image = read(&source).unwrap();
    assert_eq!(paths(&image), ["etc/abs", "etc/dot", "etc/inside"]);
}

#[test]
fn escaping_path_is_rejected() {
    let cases = [
        ("entry", Layer::new().file("../../etc/evil", "x")),
        ("nested entry", Layer::new().file("a/../../evil", "x")),
        ("hard link target", Layer::new().hardlink("link", "../../etc/shadow")),
    ];
    for (case, layer) in cases {
        let (_dir, source) = build(vec![layer]);
        let error = read(&source).expect_err(case);
        assert!(matches!(error, ImageError::PathEscapesRoot { index: 0, .. }), "{case}: {error}");
    }
}

#[test]
fn captured_file_limit() {
    let (_dir, source) = build(vec![Layer::new().file("ten", "0123456789").file("eleven", "0123456789X")]);
    let limits = Limits { max_captured_file: 10, ..Limits::default() };
    let error = read_with(&source, Platform::default(), limits).unwrap_err();
    match &error {
        ImageError::CapturedFileTooLarge { path, size, max, .. } => {
            assert_eq!(path, "eleven");
            assert_eq!(*size, 11);
            assert_eq!(*max, 10);
        }
        other => panic!("expected CapturedFileTooLarge, got {other}"),
    }
    let message = error.to_string();
    assert!(message.contains("/eleven"), "{message}");
    assert!(message.contains("corrupt or hostile"), "{message}");
    assert!(!message.contains("Limits::"), "no Rust names in the message: {message}");
}

#[test]
fn captured_total_limit() {
    let (_dir, source) = build(vec![Layer::new().file("a", "12345"), Layer::new().file("b", "12345")]);
    let limits = Limits { max_captured_total: 9, ..Limits::default() };
    let error = read_with(&source, Platform::default(), limits).unwrap_err();
    assert!(
        matches!(&error, ImageError::LimitExceeded { path, limit: "Limits::max_captured_total", index: 1, .. } if path == "b"),
        "{error}"
    );
}

#[test]
fn entry_count_limit() {
    let (_dir, source) = build(vec![Layer::new().file("a", ""), Layer::new().file("b", "").file("c", "")]);
    let limits = Limits { max_entries: 2, ..Limits::default() };
    let error = read_with(&source, Platform::default(), limits).unwrap_err();
    assert!(matches!(error, ImageError::TooManyEntries { max_entries: 2, .. }), "{error}");
    assert!(read_with(&source, Platform::default(), Limits { max_entries: 3, ..Limits::default() }).is_ok());
}
