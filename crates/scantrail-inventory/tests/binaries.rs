//! Go executables, Rust crates and Java archives found in images that scantrail-testkit builds
//! and the image reader reads with the inventory's capture rules, as `scantrail scan` does.

#[path = "../src/test_elf.rs"]
#[allow(dead_code)]
mod test_elf;

use std::io::{Cursor, Read, Write};
use std::path::Path;

use scantrail_image::{read_image, Image, ImageSource, Limits, ReadOptions};
use scantrail_inventory::{catalog, wants, wants_content};
use scantrail_model::{Digest, Ecosystem, Inventory};
use scantrail_testkit::{ImageBuilder, Layer};
use test_elf::ElfBuilder;

fn read(builder: &ImageBuilder, limits: Limits) -> (Image, Vec<Digest>) {
    let dir = tempfile::tempdir().unwrap();
    let built = builder.write_oci_layout(dir.path(), "t");
    let source = ImageSource::parse(&format!("oci:{}:t", dir.path().display())).unwrap();
    let options = ReadOptions { capture: &wants, capture_by_content: &wants_content, limits, ..ReadOptions::default() };
    (read_image(&source, &options).unwrap(), built.diff_ids)
}

/// Lists `(name, version, path, layer index)` of the packages of one ecosystem.
fn listed(inventory: &Inventory, ecosystem: Ecosystem, diff_ids: &[Digest]) -> Vec<(String, String, String, usize)> {
    let mut listed: Vec<_> = inventory
        .packages
        .iter()
        .filter(|package| package.ecosystem == ecosystem)
        .map(|package| {
            let layer = package.layer.as_ref().and_then(|layer| diff_ids.iter().position(|diff_id| diff_id == layer)).expect("a known layer");
            (package.name.clone(), package.version.clone(), package.path.clone(), layer)
        })
        .collect();
    listed.sort();
    listed
}

fn row(name: &str, version: &str, path: &str, layer: usize) -> (String, String, String, usize) {
    (name.to_string(), version.to_string(), path.to_string(), layer)
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(content).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn pom_properties(group: &str, artifact: &str, version: &str) -> Vec<u8> {
    format!("groupId={group}\nartifactId={artifact}\nversion={version}\n").into_bytes()
}

/// Returns `length` bytes of a xorshift sequence, which deflate cannot shrink.
fn incompressible(length: usize) -> Vec<u8> {
    let mut state: u32 = 0x9e37_79b9;
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

fn go_binary() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures-binaries/go-app.gz");
    let mut binary = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()).read_to_end(&mut binary).unwrap();
    binary
}

#[test]
fn jars_found_with_their_layers() {
    let library = zip_of(&[("META-INF/maven/org.yaml/snakeyaml/pom.properties", &pom_properties("org.yaml", "snakeyaml", "1.33"))]);
    let war = zip_of(&[
        ("META-INF/maven/com.example/shop/pom.properties", &pom_properties("com.example", "shop", "2.0.0")),
        ("WEB-INF/lib/snakeyaml-1.33.jar", &library),
    ]);
    let builder = ImageBuilder::new()
        .layer(Layer::new().file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"))
        .layer(Layer::new().file("opt/lib/snakeyaml-1.33.jar", &library).file("opt/lib/readme.txt", "not a jar"))
        .layer(Layer::new().file("srv/shop.war", &war));
    let (image, diff_ids) = read(&builder, Limits::default());
    let inventory = catalog(&image.files).unwrap();

    assert_eq!(
        listed(&inventory, Ecosystem::Maven, &diff_ids),
        [
            row("com.example:shop", "2.0.0", "/srv/shop.war", 2),
            row("org.yaml:snakeyaml", "1.33", "/opt/lib/snakeyaml-1.33.jar", 1),
            row("org.yaml:snakeyaml", "1.33", "/srv/shop.war!/WEB-INF/lib/snakeyaml-1.33.jar", 2),
        ]
    );
    assert_eq!(image.files.get("opt/lib/readme.txt").unwrap().content, None);
}

#[test]
fn replaced_jar_takes_upper_layer() {
    let old = zip_of(&[("META-INF/maven/g/a/pom.properties", &pom_properties("g", "a", "1.0"))]);
    let new = zip_of(&[("META-INF/maven/g/a/pom.properties", &pom_properties("g", "a", "1.1"))]);
    let builder = ImageBuilder::new().layer(Layer::new().file("app/a.jar", &old)).layer(Layer::new().file("app/a.jar", &new));
    let (image, diff_ids) = read(&builder, Limits::default());
    let inventory = catalog(&image.files).unwrap();
    assert_eq!(listed(&inventory, Ecosystem::Maven, &diff_ids), [row("g:a", "1.1", "/app/a.jar", 1)]);
}

#[test]
fn oversized_jar_is_skipped_not_fatal() {
    let small = zip_of(&[("META-INF/maven/g/small/pom.properties", &pom_properties("g", "small", "1"))]);
    let large = zip_of(&[
        ("META-INF/maven/g/large/pom.properties", &pom_properties("g", "large", "1")),
        ("padding.bin", &incompressible(64 * 1024)),
    ]);
    assert!(small.len() < 16 * 1024);
    assert!(large.len() > 16 * 1024);
    let builder = ImageBuilder::new().layer(Layer::new().file("app/small.jar", &small).file("app/large.jar", &large));
    let (image, diff_ids) = read(&builder, Limits { max_captured_file: 16 * 1024, ..Limits::default() });
    let inventory = catalog(&image.files).unwrap();
    assert_eq!(listed(&inventory, Ecosystem::Maven, &diff_ids), [row("g:small", "1", "/app/small.jar", 0)]);
}

#[test]
fn go_binary_found_with_its_layer() {
    let builder = ImageBuilder::new()
        .layer(Layer::new().file("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n"))
        .layer(Layer::new().file_mode("usr/local/bin/app", go_binary(), 0o755));
    let (image, diff_ids) = read(&builder, Limits::default());
    let inventory = catalog(&image.files).unwrap();

    let path = "/usr/local/bin/app";
    assert_eq!(
        listed(&inventory, Ecosystem::Go, &diff_ids),
        [row("example.com/greet", "v1.2.3", path, 1), row("example.com/quote", "v0.4.1", path, 1), row("stdlib", "v1.19.8", path, 1)]
    );
    let stdlib = inventory.packages.iter().find(|package| package.name == "stdlib").unwrap();
    assert_eq!(stdlib.purl, "pkg:golang/stdlib@v1.19.8");
    assert!(inventory.packages.iter().all(|package| package.ecosystem == Ecosystem::Go), "the Go binary has no cargo-auditable section");
}

#[test]
fn cargo_lock_and_auditable_binary() {
    let lock = "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"regex\"\nversion = \"1.5.4\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    let json = br#"{"packages":[{"name":"app","version":"0.1.0","source":"local","root":true},{"name":"smallvec","version":"1.6.0","source":"crates.io"}]}"#;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(json).unwrap();
    let binary = ElfBuilder::new().section(".dep-v0", 0x600000, &encoder.finish().unwrap()).build();

    let builder = ImageBuilder::new()
        .layer(Layer::new().file("src/app/Cargo.lock", lock))
        .layer(Layer::new().file_mode("usr/bin/app", &binary, 0o755));
    let (image, diff_ids) = read(&builder, Limits::default());
    let inventory = catalog(&image.files).unwrap();

    assert_eq!(
        listed(&inventory, Ecosystem::CratesIo, &diff_ids),
        [row("regex", "1.5.4", "/src/app/Cargo.lock", 0), row("smallvec", "1.6.0", "/usr/bin/app", 1)]
    );
    let smallvec = inventory.packages.iter().find(|package| package.name == "smallvec").unwrap();
    assert_eq!(smallvec.purl, "pkg:cargo/smallvec@1.6.0");
}

#[test]
fn wants_content_selects_executables_and_archives() {
    let executable = ElfBuilder::new().section(".data", 0x600000, b"x").build();
    let mut library = executable.clone();
    library[16..18].copy_from_slice(&3u16.to_le_bytes()); // ET_DYN
    library[24..32].copy_from_slice(&0u64.to_le_bytes()); // no entry point

    assert!(wants_content("usr/bin/app", &executable));
    assert!(!wants_content("usr/lib/libz.so.1", &library));
    assert!(wants_content("/opt/app.jar", b"#!/bin/bash\n# a launch script before the zip data"));
    assert!(!wants_content("etc/passwd", b"root:x:0:0"));
}
