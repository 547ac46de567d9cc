//! Each ecosystem's packages are found in an image and matched with its own version rules:
//! apk for Alpine, Go module versions, Maven's ordering and SemVer for crates.io.

mod common;

use std::io::{Read, Write};

use common::{stderr, TestEnv};
use scantrail_testkit::{Compression, ImageBuilder, Layer};
use serde_json::{json, Value};

const INSTALLED: &str = "\
C:Q1placeholderchecksum=
P:libcrypto3
V:3.1.4-r0
A:x86_64
S:1700000
I:4000000
T:Crypto library from openssl
o:openssl
m:Natanael Copa <ncopa@alpinelinux.org>

C:Q1otherchecksum=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:400000
I:600000
T:the musl c library (libc) implementation
o:musl

";

const OS_RELEASE: &str = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n";

const CARGO_LOCK: &str = r#"version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["smallvec"]

[[package]]
name = "smallvec"
version = "1.6.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "fe0f37c9e8f3c5a4a66ad655a93c74daac4ad00c441533bf5c6e7990bb42604e"
"#;

/// The Go 1.19.8 executable that the inventory crate's tests carry, decompressed.
fn go_binary() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scantrail-inventory/tests/fixtures-binaries/go-app.gz");
    let mut binary = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()).read_to_end(&mut binary).unwrap();
    binary
}

fn snakeyaml_jar() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("META-INF/maven/org.yaml/snakeyaml/pom.properties", options).unwrap();
    writer.write_all(b"groupId=org.yaml\nartifactId=snakeyaml\nversion=1.33\n").unwrap();
    writer.start_file("org/yaml/snakeyaml/Yaml.class", options).unwrap();
    writer.write_all(b"\xca\xfe\xba\xbe").unwrap();
    writer.finish().unwrap().into_inner()
}

fn record(id: &str, alias: &str, ecosystem: &str, name: &str, range_type: &str, events: Value) -> Value {
    json!({
        "id": id, "aliases": [alias], "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": ecosystem, "name": name}, "ranges": [{"type": range_type, "events": events}]}]
    })
}

#[test]
fn every_ecosystem_matches_with_its_own_rules() {
    let env = TestEnv::new();
    let advisories = env.path("advisories");
    std::fs::create_dir_all(&advisories).unwrap();
    let records = [
        // Fixed in 3.1.4-r1: apk orders the -r revision after the version, so 3.1.4-r0 is affected.
        record("ALPINE-CVE-2023-5678", "CVE-2023-5678", "Alpine:v3.19", "openssl", "ECOSYSTEM", json!([{"introduced": "0"}, {"fixed": "3.1.4-r1"}])),
        // musl 1.2.4_git… sorts after 1.2.4, so a fix in 1.2.4 does not apply to it.
        record("ALPINE-CVE-2000-0001", "CVE-2000-0001", "Alpine:v3.19", "musl", "ECOSYSTEM", json!([{"introduced": "0"}, {"fixed": "1.2.4"}])),
        // A record for another Alpine branch must not match.
        record("ALPINE-CVE-2000-0002", "CVE-2000-0002", "Alpine:v3.18", "openssl", "ECOSYSTEM", json!([{"introduced": "0"}, {"fixed": "9.9.9-r0"}])),
        // Go: the toolchain is the package stdlib; OSV writes Go versions without the v.
        record("GO-2023-1752", "CVE-2023-24537", "Go", "stdlib", "SEMVER", json!([{"introduced": "0"}, {"fixed": "1.19.9"}])),
        record("GO-2000-0001", "CVE-2000-0003", "Go", "stdlib", "SEMVER", json!([{"introduced": "0"}, {"fixed": "1.19.8"}])),
        // Maven: 1.33 < 2.0 by ComparableVersion.
        record("GHSA-mjmj-j48q-9wg2", "CVE-2022-1471", "Maven", "org.yaml:snakeyaml", "ECOSYSTEM", json!([{"introduced": "0"}, {"fixed": "2.0"}])),
        // crates.io: smallvec 1.6.0 is in [1.6.0, 1.6.1).
        record("RUSTSEC-2021-0003", "CVE-2021-25900", "crates.io", "smallvec", "SEMVER", json!([{"introduced": "1.6.0"}, {"fixed": "1.6.1"}])),
    ];
    for record in &records {
        std::fs::write(advisories.join(format!("{}.json", record["id"].as_str().unwrap())), record.to_string()).unwrap();
    }
    env.ok(&["db", "import", advisories.to_str().unwrap()]);

    let layout = env.path("layout");
    ImageBuilder::new()
        .layer(
            Layer::new()
                .file("etc/os-release", OS_RELEASE)
                .file("lib/apk/db/installed", INSTALLED)
                .compression(Compression::Gzip),
        )
        .layer(
            Layer::new()
                .file_mode("usr/local/bin/app", go_binary(), 0o755)
                .file("opt/app/lib/snakeyaml-1.33.jar", snakeyaml_jar())
                .file("src/app/Cargo.lock", CARGO_LOCK)
                .compression(Compression::Zstd),
        )
        .write_oci_layout(&layout, "v1");

    let output = env.run(&["scan", &format!("oci:{}:v1", layout.display()), "--no-store", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();

    let mut found: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["vulnerability_id"].as_str().unwrap().to_string(),
                f["package"]["ecosystem"].as_str().unwrap().to_string(),
                f["package"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    let expected = [
        ("CVE-2021-25900", "crates.io", "smallvec"),
        ("CVE-2022-1471", "Maven", "org.yaml:snakeyaml"),
        ("CVE-2023-24537", "Go", "stdlib"),
        ("CVE-2023-5678", "Alpine", "libcrypto3"),
    ];
    let expected: Vec<(String, String, String)> = expected.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    assert_eq!(found, expected);

    let layers = report["scan"]["layers"].as_array().unwrap();
    for finding in report["findings"].as_array().unwrap() {
        let expected_layer = if finding["package"]["ecosystem"] == "Alpine" { 0 } else { 1 };
        assert_eq!(finding["layer"], layers[expected_layer]["diff_id"], "layer of {}", finding["vulnerability_id"]);
    }
}
