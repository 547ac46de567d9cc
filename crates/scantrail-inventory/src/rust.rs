//! Rust crates, read from `Cargo.lock` files and from executables built with cargo-auditable,
//! which embeds the dependency tree in the ELF section `.dep-v0` as zlib-compressed JSON.

use std::io::Read;

use object::{Object, ObjectSection};
use scantrail_image::{FileKind, FileTree};
use scantrail_model::{Digest, Ecosystem, Package};
use serde::Deserialize;

use crate::executable::{is_elf, is_elf_executable};
use crate::purl::PackageUrl;
use crate::{captured_content, CatalogContext, Cataloger, InventoryError};

const AUDITABLE_SECTION: &str = ".dep-v0";
/// Maximum size of the decompressed `.dep-v0` JSON. cargo-auditable's own reader defaults to
/// 8 MiB, far above the few hundred bytes per crate it records.
const MAX_AUDITABLE_JSON: u64 = 8 * 1024 * 1024;

pub(crate) struct RustCataloger;

impl Cataloger for RustCataloger {
    fn wants(&self, path: &str) -> bool {
        is_cargo_lock(path)
    }

    fn wants_content(&self, _path: &str, head: &[u8]) -> bool {
        is_elf_executable(head)
    }

    fn catalog(&self, files: &FileTree, _context: &CatalogContext) -> Result<Vec<Package>, InventoryError> {
        let mut packages = Vec::new();
        for (path, entry) in files.iter() {
            if is_cargo_lock(path) {
                if let Some(content) = captured_content(path, entry) {
                    packages.extend(read_cargo_lock(path, content, &entry.layer));
                }
                continue;
            }
            let Some(content) = entry.content.as_deref().filter(|content| entry.kind == FileKind::Regular && is_elf(content)) else {
                continue;
            };
            if let Some(json) = auditable_json(path, content) {
                packages.extend(read_auditable_json(path, &json, &entry.layer));
            }
        }
        Ok(packages)
    }
}

fn is_cargo_lock(path: &str) -> bool {
    path == "Cargo.lock" || path.ends_with("/Cargo.lock")
}

#[derive(Deserialize)]
struct CargoLock {
    #[serde(default, rename = "package")]
    packages: Vec<LockedPackage>,
}

/// One `[[package]]` table. Every lock file version (1 to 4) has these three keys.
#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
    /// `registry+URL`, `sparse+URL` or `git+URL#COMMIT`; absent for path dependencies and
    /// workspace members.
    source: Option<String>,
}

/// Reads the packages of a `Cargo.lock`, leaving out path dependencies and workspace members,
/// which have no `source`. A file that is not valid TOML is logged and skipped.
fn read_cargo_lock(path: &str, content: &[u8], layer: &Digest) -> Vec<Package> {
    let text = String::from_utf8_lossy(content);
    let lock: CargoLock = match toml::from_str(&text) {
        Ok(lock) => lock,
        Err(error) => {
            tracing::warn!(path = %format!("/{path}"), %error, "skipping Cargo.lock that is not valid");
            return Vec::new();
        }
    };
    lock.packages
        .iter()
        .filter(|package| package.source.is_some())
        .map(|package| to_package(&package.name, &package.version, path, layer))
        .collect()
}

/// Returns the decompressed `.dep-v0` section of an ELF file, or `None` when it has none or it
/// cannot be read.
fn auditable_json(path: &str, content: &[u8]) -> Option<Vec<u8>> {
    let file = object::File::parse(content).ok()?;
    let section = file.section_by_name(AUDITABLE_SECTION)?;
    let compressed = section.data().ok()?;

    let mut json = Vec::new();
    let decoder = flate2::read::ZlibDecoder::new(compressed);
    if let Err(error) = decoder.take(MAX_AUDITABLE_JSON + 1).read_to_end(&mut json) {
        tracing::warn!(path = %format!("/{path}"), %error, "skipping a .dep-v0 section that is not valid zlib data");
        return None;
    }
    if json.len() as u64 > MAX_AUDITABLE_JSON {
        tracing::warn!(path = %format!("/{path}"), max = MAX_AUDITABLE_JSON, "skipping a .dep-v0 section that decompresses to more than the maximum");
        return None;
    }
    Some(json)
}

#[derive(Deserialize)]
struct AuditableInfo {
    packages: Vec<AuditablePackage>,
}

#[derive(Deserialize)]
struct AuditablePackage {
    name: String,
    version: String,
    /// `crates.io`, `local`, `git`, `registry` or `other`.
    source: String,
    /// `runtime` (the default) or `build`.
    #[serde(default)]
    kind: Option<String>,
}

/// Reads the crates that cargo-auditable recorded, leaving out `local` crates (the workspace
/// itself) and `build` dependencies (build scripts, procedural macros), whose code does not
/// ship in the executable.
fn read_auditable_json(path: &str, json: &[u8], layer: &Digest) -> Vec<Package> {
    let info: AuditableInfo = match serde_json::from_slice(json) {
        Ok(info) => info,
        Err(error) => {
            tracing::warn!(path = %format!("/{path}"), %error, "skipping a .dep-v0 section that is not the JSON cargo-auditable writes");
            return Vec::new();
        }
    };
    info.packages
        .iter()
        .filter(|package| package.source != "local" && package.kind.as_deref() != Some("build"))
        .map(|package| to_package(&package.name, &package.version, path, layer))
        .collect()
}

fn to_package(name: &str, version: &str, path: &str, layer: &Digest) -> Package {
    let purl = PackageUrl { package_type: "cargo", namespace: None, name, version, qualifiers: Vec::new() }.to_canonical();
    Package {
        ecosystem: Ecosystem::CratesIo,
        name: name.to_string(),
        version: version.to_string(),
        source_name: None,
        source_version: None,
        purl,
        path: format!("/{path}"),
        layer: Some(layer.clone()),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::test_elf::ElfBuilder;

    fn layer() -> Digest {
        Digest::sha256_of(b"layer")
    }

    fn names_and_versions(packages: &[Package]) -> Vec<(&str, &str)> {
        packages.iter().map(|package| (package.name.as_str(), package.version.as_str())).collect()
    }

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn cargo_lock_v1_with_metadata() {
        let lock = r#"
[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "smallvec 0.6.10 (registry+https://github.com/rust-lang/crates.io-index)",
]

[[package]]
name = "smallvec"
version = "0.6.10"
source = "registry+https://github.com/rust-lang/crates.io-index"

[metadata]
"checksum smallvec 0.6.10 (registry+https://github.com/rust-lang/crates.io-index)" = "ab606a9c5e214920bb66c458cd7be8ef094f813f20fe77a54cc7dbfff220d4b7"
"#;
        let packages = read_cargo_lock("src/app/Cargo.lock", lock.as_bytes(), &layer());
        assert_eq!(names_and_versions(&packages), [("smallvec", "0.6.10")]);
        assert_eq!(packages[0].purl, "pkg:cargo/smallvec@0.6.10");
        assert_eq!(packages[0].path, "/src/app/Cargo.lock");
    }

    #[test]
    fn cargo_lock_v4_skips_members_and_path_dependencies() {
        let lock = r#"# This file is automatically @generated by Cargo.
version = 4

[[package]]
name = "member"
version = "0.2.0"
dependencies = ["time", "helper"]

[[package]]
name = "helper"
version = "0.1.0"

[[package]]
name = "time"
version = "0.3.36"
source = "sparse+https://index.crates.io/"
checksum = "5dfd88e563464686c916c7e46e623e520ddc6d79fa6641390f2e3fa86e83e885"

[[package]]
name = "forked"
version = "1.0.0"
source = "git+https://example.com/forked.git#0123456789abcdef"
"#;
        let packages = read_cargo_lock("Cargo.lock", lock.as_bytes(), &layer());
        assert_eq!(names_and_versions(&packages), [("time", "0.3.36"), ("forked", "1.0.0")]);
    }

    #[test]
    fn invalid_cargo_lock_is_skipped() {
        assert!(read_cargo_lock("Cargo.lock", b"[[package]\nname=", &layer()).is_empty());
        assert!(read_cargo_lock("Cargo.lock", b"[[package]]\nname = \"x\"\n", &layer()).is_empty());
    }

    #[test]
    fn auditable_section_is_read() {
        let json = br#"{"packages":[
            {"name":"app","version":"0.1.0","source":"local","dependencies":[1,2],"root":true},
            {"name":"serde","version":"1.0.200","source":"crates.io"},
            {"name":"cc","version":"1.0.90","source":"crates.io","kind":"build"},
            {"name":"gitdep","version":"0.3.0","source":"git","kind":"runtime"}
        ]}"#;
        let elf = ElfBuilder::new().section(".data", 0x500000, b"data").section(AUDITABLE_SECTION, 0x600000, &zlib(json)).build();

        let decompressed = auditable_json("usr/bin/app", &elf).expect(".dep-v0 section");
        let packages = read_auditable_json("usr/bin/app", &decompressed, &layer());
        assert_eq!(names_and_versions(&packages), [("serde", "1.0.200"), ("gitdep", "0.3.0")]);
        assert_eq!(packages[0].purl, "pkg:cargo/serde@1.0.200");
        assert_eq!(packages[0].ecosystem, Ecosystem::CratesIo);
    }

    #[test]
    fn auditable_bomb_and_garbage_are_skipped() {
        let bomb = zlib(&vec![b' '; MAX_AUDITABLE_JSON as usize + 10]);
        let elf = ElfBuilder::new().section(AUDITABLE_SECTION, 0x600000, &bomb).build();
        assert_eq!(auditable_json("bin/bomb", &elf), None);

        let elf = ElfBuilder::new().section(AUDITABLE_SECTION, 0x600000, b"not zlib").build();
        assert_eq!(auditable_json("bin/garbage", &elf), None);

        assert!(read_auditable_json("bin/x", br#"{"packages": "no"}"#, &layer()).is_empty());
    }

    #[test]
    fn elf_without_section_has_no_crates() {
        let elf = ElfBuilder::new().section(".data", 0x600000, b"data").build();
        assert_eq!(auditable_json("bin/plain", &elf), None);
    }
}
