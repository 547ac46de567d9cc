//! Optional captures chosen by `ReadOptions::capture_by_content` from a file's first bytes.

mod common;

use std::cell::RefCell;

use common::oci;
use scantrail_image::{read_image, Image, ImageSource, Limits, ReadOptions, SNIFF_LENGTH};
use scantrail_testkit::{ImageBuilder, Layer};

const ELF_MAGIC: &[u8] = b"\x7fELF";

fn elf_file(length: usize) -> Vec<u8> {
    let mut content = ELF_MAGIC.to_vec();
    content.extend((0..length - ELF_MAGIC.len()).map(|index| (index % 251) as u8));
    content
}

fn is_elf(_: &str, head: &[u8]) -> bool {
    head.starts_with(ELF_MAGIC)
}

fn read_sniffing(layers: Vec<Layer>, capture: &dyn Fn(&str) -> bool, limits: Limits) -> Image {
    let dir = tempfile::tempdir().unwrap();
    let mut builder = ImageBuilder::new();
    for layer in layers {
        builder = builder.layer(layer);
    }
    builder.write_oci_layout(dir.path(), "t");
    let source = ImageSource::parse(&oci(dir.path(), "t")).unwrap();
    let options = ReadOptions { capture, capture_by_content: &is_elf, limits, ..ReadOptions::default() };
    read_image(&source, &options).unwrap()
}

#[test]
fn sniffed_file_is_captured_whole() {
    let binary = elf_file(SNIFF_LENGTH * 3 + 7);
    let layers = vec![Layer::new().file("usr/bin/tool", &binary).file("usr/bin/script", "#!/bin/sh\n")];
    let image = read_sniffing(layers, &|_| false, Limits::default());

    assert_eq!(image.files.read("usr/bin/tool"), Some(binary.as_slice()));
    assert_eq!(image.files.get("usr/bin/script").unwrap().content, None);
}

#[test]
fn hook_sees_path_and_head_only() {
    let seen = RefCell::new(Vec::new());
    let record = |path: &str, head: &[u8]| {
        seen.borrow_mut().push((path.to_string(), head.len()));
        false
    };
    let dir = tempfile::tempdir().unwrap();
    ImageBuilder::new()
        .layer(Layer::new().file("big", elf_file(SNIFF_LENGTH + 100)).file("small", "abc").file("empty", "").file("etc/wanted", "w"))
        .write_oci_layout(dir.path(), "t");
    let source = ImageSource::parse(&oci(dir.path(), "t")).unwrap();
    let capture = |path: &str| path == "etc/wanted";
    let image = read_image(&source, &ReadOptions { capture: &capture, capture_by_content: &record, ..ReadOptions::default() }).unwrap();

    // Empty files and files that `capture` selected never reach the hook.
    assert_eq!(*seen.borrow(), [("big".to_string(), SNIFF_LENGTH), ("small".to_string(), 3)]);
    assert_eq!(image.files.read("etc/wanted"), Some(&b"w"[..]));
}

#[test]
fn oversized_sniffed_file_is_skipped() {
    let layers = vec![Layer::new().file("bin/large", elf_file(64)).file("bin/small", elf_file(16)).file("etc/status", "0123456789ABCDEF")];
    let capture = |path: &str| path == "etc/status";
    let image = read_sniffing(layers, &capture, Limits { max_captured_file: 32, ..Limits::default() });

    let large = image.files.get("bin/large").unwrap();
    assert_eq!(large.content, None);
    assert_eq!(large.size, 64);
    assert_eq!(image.files.read("bin/small").map(<[u8]>::len), Some(16));
    assert_eq!(image.files.read("etc/status"), Some(&b"0123456789ABCDEF"[..]));
}

#[test]
fn sniffed_files_share_total_without_failing() {
    let layers = vec![
        Layer::new().file("bin/a", elf_file(40)).file("bin/b", elf_file(40)),
        Layer::new().file("etc/status", "x".repeat(50)),
    ];
    let capture = |path: &str| path == "etc/status";
    let image = read_sniffing(layers, &capture, Limits { max_captured_total: 70, ..Limits::default() });

    assert!(image.files.read("bin/a").is_some());
    assert_eq!(image.files.get("bin/b").unwrap().content, None, "a second binary would pass the total");
    assert_eq!(image.files.read("etc/status").map(<[u8]>::len), Some(50), "required captures count only themselves");
}
