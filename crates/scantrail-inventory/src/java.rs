//! Java packages in Java archives (jar, war, ear and Jenkins plugin files), including archives
//! nested inside them (`WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`, ear modules and `lib/`), and
//! in `pom.properties` files of exploded archives.
//!
//! An archive's packages come from its `META-INF/maven/GROUP/ARTIFACT/pom.properties` files,
//! which Maven writes into every artifact it builds, one per artifact a shaded jar includes.
//! An archive without them falls back to the main section of `META-INF/MANIFEST.MF`, and then to
//! the file name (`commons-io-2.16.1.jar`). A nested archive's package path is the outer path
//! followed by `!/` and the entry name, as in `/app/app.war!/WEB-INF/lib/x.jar`.

use std::io::{Cursor, Read};

use scantrail_image::{FileKind, FileTree};
use scantrail_model::{Digest, Ecosystem, Package};

use crate::purl::PackageUrl;
use crate::{captured_content, CatalogContext, Cataloger, InventoryError};

/// File name extensions of the archives read, compared without case.
const ARCHIVE_EXTENSIONS: [&str; 5] = [".jar", ".war", ".ear", ".jpi", ".hpi"];
/// Maximum depth of archives inside archives; the archive in the image is depth 0.
const MAX_NESTING_DEPTH: usize = 4;
/// Maximum entries in the central directory of one archive. Large Spring Boot applications have
/// tens of thousands.
const MAX_ARCHIVE_ENTRIES: usize = 100_000;
/// Maximum bytes decompressed while reading one archive in the image and everything nested in
/// it, against archives that expand to far more than they store.
const MAX_EXPANDED_BYTES: u64 = 512 * 1024 * 1024;
/// Maximum size of one decompressed `pom.properties` or `MANIFEST.MF`.
const MAX_METADATA_FILE: u64 = 1024 * 1024;
const MANIFEST_PATH: &str = "META-INF/MANIFEST.MF";

pub(crate) struct JavaCataloger;

impl Cataloger for JavaCataloger {
    fn wants(&self, path: &str) -> bool {
        is_exploded_pom_properties(path)
    }

    /// Captures archives by name alone: an executable Spring Boot jar starts with a shell script,
    /// not with the zip magic.
    fn wants_content(&self, path: &str, _head: &[u8]) -> bool {
        is_java_archive(path)
    }

    fn catalog(&self, files: &FileTree, _context: &CatalogContext) -> Result<Vec<Package>, InventoryError> {
        let mut packages = Vec::new();
        for (path, entry) in files.iter() {
            if is_exploded_pom_properties(path) {
                if let Some(content) = captured_content(path, entry) {
                    packages.extend(package_from_pom_properties(&read_properties(content), &format!("/{path}"), &entry.layer));
                }
                continue;
            }
            if entry.kind != FileKind::Regular || !is_java_archive(path) {
                continue;
            }
            let Some(content) = entry.content.as_deref() else {
                tracing::debug!(path = %format!("/{path}"), size = entry.size, "skipping a Java archive whose content the image reader did not capture");
                continue;
            };
            let mut reader = ArchiveReader::new(&entry.layer, MAX_EXPANDED_BYTES);
            reader.read_archive(&format!("/{path}"), content, 0);
            packages.extend(reader.packages);
        }
        Ok(packages)
    }
}

fn is_java_archive(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.len() > 4 && ARCHIVE_EXTENSIONS.iter().any(|extension| name[name.len() - 4..].eq_ignore_ascii_case(extension))
}

/// Returns whether `path` is a `META-INF/maven/GROUP/ARTIFACT/pom.properties` outside an
/// archive, as in an exploded war (`WEB-INF/classes/META-INF/maven/…`).
fn is_exploded_pom_properties(path: &str) -> bool {
    path.ends_with("/pom.properties") && (path.starts_with("META-INF/maven/") || path.contains("/META-INF/maven/"))
}

/// Returns whether an entry name inside an archive is `META-INF/maven/GROUP/ARTIFACT/pom.properties`.
fn is_pom_properties_entry(name: &str) -> bool {
    let mut components = name.split('/');
    components.next() == Some("META-INF")
        && components.next() == Some("maven")
        && components.next().is_some_and(|group| !group.is_empty())
        && components.next().is_some_and(|artifact| !artifact.is_empty())
        && components.next() == Some("pom.properties")
        && components.next().is_none()
}

/// Reads one archive in the image and the archives nested in it, sharing one budget of
/// decompressed bytes.
struct ArchiveReader<'a> {
    layer: &'a Digest,
    /// Maximum bytes to decompress: [`MAX_EXPANDED_BYTES`], or less in tests.
    max_expanded_bytes: u64,
    expanded_bytes: u64,
    packages: Vec<Package>,
}

impl<'a> ArchiveReader<'a> {
    fn new(layer: &'a Digest, max_expanded_bytes: u64) -> ArchiveReader<'a> {
        ArchiveReader { layer, max_expanded_bytes, expanded_bytes: 0, packages: Vec::new() }
    }

    fn read_archive(&mut self, display_path: &str, content: &[u8], depth: usize) {
        // The central directory is counted before the zip crate reads it into memory.
        if let Some(entries) = declared_entry_count(content).filter(|entries| *entries > MAX_ARCHIVE_ENTRIES as u64) {
            tracing::warn!(path = display_path, entries, max = MAX_ARCHIVE_ENTRIES, "skipping a Java archive with too many entries");
            return;
        }
        let mut archive = match zip::ZipArchive::new(Cursor::new(content)) {
            Ok(archive) => archive,
            Err(error) => {
                tracing::warn!(path = display_path, %error, "skipping a Java archive that is not a valid zip file");
                return;
            }
        };
        if archive.len() > MAX_ARCHIVE_ENTRIES {
            tracing::warn!(path = display_path, entries = archive.len(), max = MAX_ARCHIVE_ENTRIES, "skipping a Java archive with too many entries");
            return;
        }

        let mut pom_properties = Vec::new();
        let mut manifest = None;
        let mut nested = Vec::new();
        for index in 0..archive.len() {
            let Ok(file) = archive.by_index_raw(index) else {
                continue;
            };
            let name = file.name().to_string();
            if file.is_dir() {
                continue;
            }
            if is_pom_properties_entry(&name) {
                pom_properties.push(index);
            } else if name == MANIFEST_PATH {
                manifest = Some(index);
            } else if is_java_archive(&name) {
                nested.push(index);
            }
        }

        let mut found = false;
        for index in pom_properties {
            if let Some(content) = self.read_entry(&mut archive, index, MAX_METADATA_FILE, display_path) {
                let package = package_from_pom_properties(&read_properties(&content), display_path, self.layer);
                found |= package.is_some();
                self.packages.extend(package);
            }
        }
        if !found {
            let manifest = manifest.and_then(|index| self.read_entry(&mut archive, index, MAX_METADATA_FILE, display_path));
            let fields = manifest.as_deref().map(read_manifest).unwrap_or_default();
            self.packages.extend(package_from_manifest(&fields, display_path, self.layer));
        }

        if nested.is_empty() {
            return;
        }
        if depth >= MAX_NESTING_DEPTH {
            tracing::warn!(path = display_path, max = MAX_NESTING_DEPTH, "skipping archives nested deeper than the maximum");
            return;
        }
        for index in nested {
            let remaining = self.max_expanded_bytes.saturating_sub(self.expanded_bytes);
            let Some(content) = self.read_entry(&mut archive, index, remaining, display_path) else {
                continue;
            };
            let name = archive.by_index_raw(index).map(|file| file.name().to_string()).unwrap_or_default();
            self.read_archive(&format!("{display_path}!/{name}"), &content, depth + 1);
        }
    }

    /// Decompresses entry `index` when it fits in `max_length` and the remaining budget, and
    /// counts it against the budget. Skipped and damaged entries are logged.
    fn read_entry(&mut self, archive: &mut zip::ZipArchive<Cursor<&[u8]>>, index: usize, max_length: u64, display_path: &str) -> Option<Vec<u8>> {
        let max_length = max_length.min(self.max_expanded_bytes.saturating_sub(self.expanded_bytes));
        let file = match archive.by_index(index) {
            Ok(file) => file,
            Err(error) => {
                tracing::warn!(path = display_path, index, %error, "skipping a Java archive entry that cannot be read");
                return None;
            }
        };
        let name = file.name().to_string();
        if file.size() > max_length {
            tracing::warn!(path = display_path, entry = name, size = file.size(), max_length, "skipping a Java archive entry larger than the decompression budget");
            return None;
        }

        // The declared size is not trusted: reading stops one byte past the budget.
        let mut content = Vec::new();
        let result = file.take(max_length + 1).read_to_end(&mut content);
        self.expanded_bytes += content.len() as u64;
        if let Err(error) = result {
            tracing::warn!(path = display_path, entry = name, %error, "skipping a Java archive entry that fails to decompress");
            return None;
        }
        if content.len() as u64 > max_length {
            tracing::warn!(path = display_path, entry = name, max_length, "skipping a Java archive entry that decompresses past its declared size and the budget");
            return None;
        }
        Some(content)
    }
}

/// Returns the entry count that the end of central directory record of a zip file declares,
/// reading the zip64 record when the 16-bit count is saturated, or `None` when the records are
/// not found.
fn declared_entry_count(content: &[u8]) -> Option<u64> {
    const END_RECORD: &[u8] = b"PK\x05\x06";
    const END_RECORD_LENGTH: usize = 22;
    const ZIP64_LOCATOR: &[u8] = b"PK\x06\x07";
    const ZIP64_LOCATOR_LENGTH: usize = 20;
    const ZIP64_END_RECORD: &[u8] = b"PK\x06\x06";
    // The record ends the file, followed only by a comment of up to 65535 bytes.
    let search_start = content.len().saturating_sub(END_RECORD_LENGTH + usize::from(u16::MAX));
    let end = search_start + content[search_start..].windows(4).rposition(|window| window == END_RECORD)?;
    let record = content.get(end..end + END_RECORD_LENGTH)?;
    let entries = u16::from_le_bytes([record[10], record[11]]);
    if entries != u16::MAX {
        return Some(u64::from(entries));
    }

    let locator = content.get(end.checked_sub(ZIP64_LOCATOR_LENGTH)?..end)?;
    if !locator.starts_with(ZIP64_LOCATOR) {
        return None;
    }
    let zip64_offset = usize::try_from(u64::from_le_bytes(locator[8..16].try_into().ok()?)).ok()?;
    let zip64_record = content.get(zip64_offset..zip64_offset.checked_add(40)?)?;
    if !zip64_record.starts_with(ZIP64_END_RECORD) {
        // NOTE: an archive with data prepended (an executable jar) shifts the zip64 record, and
        // its count is then left to the zip crate's own parsing.
        return None;
    }
    Some(u64::from_le_bytes(zip64_record[32..40].try_into().ok()?))
}

/// Parses a Java properties file into key-value pairs: `key=value` or `key: value` lines, with
/// `#` and `!` comments. Escapes and continuation lines are not decoded, which `pom.properties`
/// written by Maven does not need.
fn read_properties(content: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(content);
    let mut properties = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', '!']) {
            continue;
        }
        let Some(separator) = line.find(['=', ':']) else {
            continue;
        };
        properties.push((line[..separator].trim().to_string(), line[separator + 1..].trim().to_string()));
    }
    properties
}

fn property<'a>(properties: &'a [(String, String)], key: &str) -> Option<&'a str> {
    properties.iter().find(|(name, _)| name == key).map(|(_, value)| value.as_str()).filter(|value| !value.is_empty())
}

fn package_from_pom_properties(properties: &[(String, String)], display_path: &str, layer: &Digest) -> Option<Package> {
    let group = property(properties, "groupId");
    let artifact = property(properties, "artifactId");
    let version = property(properties, "version");
    let (Some(group), Some(artifact), Some(version)) = (group, artifact, version) else {
        tracing::debug!(path = display_path, "skipping pom.properties without groupId, artifactId and version");
        return None;
    };
    Some(to_package(Some(group), artifact, version, display_path, layer))
}

/// Reads the main section of a manifest, which ends at the first blank line. A line that starts
/// with a space continues the previous value.
fn read_manifest(content: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(content);
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if let Some(continuation) = line.strip_prefix(' ') {
            if let Some((_, value)) = fields.last_mut() {
                value.push_str(continuation);
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            fields.push((key.trim().to_string(), value.trim().to_string()));
        }
    }
    fields
}

/// Builds the package of an archive without `pom.properties` from its manifest and file name.
/// The name is the first of `Implementation-Title`, `Bundle-SymbolicName` (without its
/// directives) and the file name's artifact part that contains no whitespace. The version is
/// the first of `Implementation-Version`, `Bundle-Version` and the file name's version part.
fn package_from_manifest(fields: &[(String, String)], display_path: &str, layer: &Digest) -> Option<Package> {
    let file_name = display_path.rsplit(['/', '!']).next().unwrap_or(display_path);
    let (file_artifact, file_version) = split_file_name(file_name);

    let symbolic_name = property(fields, "Bundle-SymbolicName").map(|name| name.split(';').next().unwrap_or(name).trim());
    let name = [property(fields, "Implementation-Title"), symbolic_name, Some(file_artifact)]
        .into_iter()
        .flatten()
        .find(|name| !name.is_empty() && !name.contains(char::is_whitespace));
    let version = [property(fields, "Implementation-Version"), property(fields, "Bundle-Version"), file_version]
        .into_iter()
        .flatten()
        .find(|version| !version.is_empty() && !version.contains(char::is_whitespace));

    let (Some(name), Some(version)) = (name, version) else {
        tracing::debug!(path = display_path, "skipping a Java archive without Maven metadata, manifest version or versioned file name");
        return None;
    };
    Some(to_package(None, name, version, display_path, layer))
}

/// Splits an archive file name such as `commons-io-2.16.1.jar` at the last `-` that a digit
/// follows, into the artifact `commons-io` and the version `2.16.1`.
fn split_file_name(file_name: &str) -> (&str, Option<&str>) {
    let stem = file_name.get(..file_name.len().saturating_sub(4)).unwrap_or(file_name);
    let split = stem.match_indices('-').map(|(index, _)| index).filter(|index| stem[index + 1..].starts_with(|c: char| c.is_ascii_digit())).last();
    match split {
        Some(index) => (&stem[..index], Some(&stem[index + 1..])),
        None => (stem, None),
    }
}

/// Builds a package named `GROUP:ARTIFACT`, the form Maven advisories use, or the bare artifact
/// name when the group is unknown.
fn to_package(group: Option<&str>, artifact: &str, version: &str, display_path: &str, layer: &Digest) -> Package {
    let name = match group {
        Some(group) => format!("{group}:{artifact}"),
        None => artifact.to_string(),
    };
    let purl = PackageUrl { package_type: "maven", namespace: group, name: artifact, version, qualifiers: Vec::new() }.to_canonical();
    Package {
        ecosystem: Ecosystem::Maven,
        name,
        version: version.to_string(),
        source_name: None,
        source_version: None,
        purl,
        path: display_path.to_string(),
        layer: Some(layer.clone()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use super::*;

    /// Builds a zip archive of `(name, content)` entries, compressed with deflate.
    pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    pub(crate) fn pom_properties(group: &str, artifact: &str, version: &str) -> Vec<u8> {
        format!("#Created by Apache Maven 3.9.6\ngroupId={group}\nartifactId={artifact}\nversion={version}\n").into_bytes()
    }

    fn read(path: &str, content: &[u8]) -> Vec<Package> {
        read_with_budget(path, content, MAX_EXPANDED_BYTES)
    }

    fn read_with_budget(path: &str, content: &[u8], max_expanded_bytes: u64) -> Vec<Package> {
        let layer = Digest::sha256_of(b"layer");
        let mut reader = ArchiveReader::new(&layer, max_expanded_bytes);
        reader.read_archive(path, content, 0);
        reader.packages
    }

    fn listed(packages: &[Package]) -> Vec<(&str, &str, &str)> {
        packages.iter().map(|package| (package.name.as_str(), package.version.as_str(), package.path.as_str())).collect()
    }

    #[test]
    fn pom_properties_give_group_and_artifact() {
        let jar = zip_of(&[
            ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\nImplementation-Title: ignored\nImplementation-Version: 0\n"),
            ("META-INF/maven/org.apache.commons/commons-lang3/pom.properties", &pom_properties("org.apache.commons", "commons-lang3", "3.12.0")),
            ("META-INF/maven/org.apache.commons/commons-lang3/pom.xml", b"<project/>"),
        ]);
        let packages = read("/app/lib/commons-lang3-3.12.0.jar", &jar);
        assert_eq!(listed(&packages), [("org.apache.commons:commons-lang3", "3.12.0", "/app/lib/commons-lang3-3.12.0.jar")]);
        assert_eq!(packages[0].purl, "pkg:maven/org.apache.commons/commons-lang3@3.12.0");
        assert_eq!(packages[0].ecosystem, Ecosystem::Maven);
    }

    #[test]
    fn shaded_jar_lists_every_pom_properties() {
        let jar = zip_of(&[
            ("META-INF/maven/com.example/app/pom.properties", &pom_properties("com.example", "app", "1.0.0")),
            ("META-INF/maven/com.google.guava/guava/pom.properties", &pom_properties("com.google.guava", "guava", "31.1-jre")),
            ("META-INF/maven/com.example/app/extra/pom.properties", &pom_properties("x", "y", "1")),
        ]);
        let names: Vec<String> = read("/app.jar", &jar).into_iter().map(|package| package.name).collect();
        assert_eq!(names, ["com.example:app", "com.google.guava:guava"]);
    }

    #[test]
    fn nested_archives_get_bang_paths() {
        let library = zip_of(&[("META-INF/maven/org.yaml/snakeyaml/pom.properties", &pom_properties("org.yaml", "snakeyaml", "1.33"))]);
        let war = zip_of(&[
            ("WEB-INF/web.xml", b"<web-app/>"),
            ("WEB-INF/lib/snakeyaml-1.33.jar", &library),
            ("META-INF/maven/com.example/shop/pom.properties", &pom_properties("com.example", "shop", "2.0.0")),
        ]);
        let ear = zip_of(&[("shop.war", &war), ("lib/", b""), ("lib/plain-4.1.jar", &zip_of(&[("a.class", b"")]))]);

        let packages = read("/opt/app.ear", &ear);
        assert_eq!(
            listed(&packages),
            [
                ("com.example:shop", "2.0.0", "/opt/app.ear!/shop.war"),
                ("org.yaml:snakeyaml", "1.33", "/opt/app.ear!/shop.war!/WEB-INF/lib/snakeyaml-1.33.jar"),
                ("plain", "4.1", "/opt/app.ear!/lib/plain-4.1.jar"),
            ]
        );
    }

    #[test]
    fn nesting_stops_at_maximum_depth() {
        let mut archive = zip_of(&[("META-INF/maven/g/deepest/pom.properties", &pom_properties("g", "deepest", "1"))]);
        for depth in 0..=MAX_NESTING_DEPTH {
            let pom = pom_properties("g", &format!("level{depth}"), "1");
            archive = zip_of(&[("inner.jar", &archive), (&format!("META-INF/maven/g/level{depth}/pom.properties"), &pom)]);
        }
        let names: Vec<String> = read("/outer.jar", &archive).into_iter().map(|package| package.name).collect();
        assert_eq!(names.len(), MAX_NESTING_DEPTH + 1, "{names:?}");
        assert!(!names.contains(&"g:deepest".to_string()));
    }

    #[test]
    fn expansion_budget_skips_bomb_entries() {
        let bomb = vec![0u8; 4 * 1024 * 1024];
        let fits = zip_of(&[("META-INF/maven/g/fits/pom.properties", &pom_properties("g", "fits", "1"))]);
        let archive = zip_of(&[
            ("META-INF/maven/g/a/pom.properties", &pom_properties("g", "a", "1")),
            ("bomb.jar", &bomb),
            ("fits.jar", &fits),
        ]);
        assert!(archive.len() < 64 * 1024, "zeros deflate to a small archive");

        let names: Vec<String> = read_with_budget("/bomb.jar", &archive, 1024 * 1024).into_iter().map(|package| package.name).collect();
        assert_eq!(names, ["g:a", "g:fits"]);
    }

    #[test]
    fn manifest_and_file_name_fallbacks() {
        let cases: [(&str, &[u8], Option<(&str, &str)>); 5] = [
            ("/x/guava-31.1-jre.jar", b"Manifest-Version: 1.0\r\nBundle-SymbolicName: com.google.guava;singleton:=true\r\nBundle-Version: 31.1.0.jre\r\n", Some(("com.google.guava", "31.1.0.jre"))),
            ("/x/a.jar", b"Implementation-Title: my-lib\nImplementation-Version: 2.\n 5.1\n\nName: other\nImplementation-Version: 9\n", Some(("my-lib", "2.5.1"))),
            ("/x/commons-io-2.16.1.jar", b"Implementation-Title: Apache Commons IO\n", Some(("commons-io", "2.16.1"))),
            ("/x/spring-core-5.3.9.RELEASE.jar", b"", Some(("spring-core", "5.3.9.RELEASE"))),
            ("/x/tools.jar", b"Manifest-Version: 1.0\n", None),
        ];
        for (path, manifest, expected) in cases {
            let jar = zip_of(&[("META-INF/MANIFEST.MF", manifest)]);
            let packages = read(path, &jar);
            let found = packages.first().map(|package| (package.name.as_str(), package.version.as_str()));
            assert_eq!(found, expected, "{path}");
        }
    }

    #[test]
    fn entry_count_is_read_before_parsing() {
        let entries: Vec<(String, Vec<u8>)> = (0..3).map(|index| (format!("f{index}"), Vec::new())).collect();
        let borrowed: Vec<(&str, &[u8])> = entries.iter().map(|(name, content)| (name.as_str(), content.as_slice())).collect();
        assert_eq!(declared_entry_count(&zip_of(&borrowed)), Some(3));
        assert_eq!(declared_entry_count(b"no zip here"), None);

        let mut many = zip_of(&[("a", b"")]);
        let end = many.len() - 22;
        many[end + 10..end + 12].copy_from_slice(&u16::MAX.to_le_bytes());
        assert_eq!(declared_entry_count(&many), None, "a saturated count without zip64 records");
    }

    #[test]
    fn zip64_entry_count_is_checked() {
        // More than 65535 entries make the zip crate write zip64 end records.
        let pom = pom_properties("g", "many", "1");
        let mut entries: Vec<(String, &[u8])> = (0..70_000).map(|index| (format!("d/{index}"), &b""[..])).collect();
        entries.push(("META-INF/maven/g/many/pom.properties".to_string(), &pom));
        let borrowed: Vec<(&str, &[u8])> = entries.iter().map(|(name, content)| (name.as_str(), *content)).collect();
        let mut archive = zip_of(&borrowed);
        assert_eq!(declared_entry_count(&archive), Some(70_001));
        assert_eq!(read("/many.jar", &archive).len(), 1);

        // Claiming more entries than the maximum skips the archive before the zip crate reads it.
        let record = archive.windows(4).rposition(|window| window == b"PK\x06\x06").unwrap();
        archive[record + 32..record + 40].copy_from_slice(&(MAX_ARCHIVE_ENTRIES as u64 + 1).to_le_bytes());
        assert_eq!(declared_entry_count(&archive), Some(MAX_ARCHIVE_ENTRIES as u64 + 1));
        assert!(read("/many.jar", &archive).is_empty());
    }

    #[test]
    fn launch_script_before_zip_is_allowed() {
        // `spring-boot-maven-plugin` with `executable` set writes a shell script before the zip.
        let mut jar = b"#!/bin/bash\n# launch script\nexec java -jar \"$0\" \"$@\"\n".to_vec();
        jar.extend(zip_of(&[("META-INF/maven/com.example/boot/pom.properties", &pom_properties("com.example", "boot", "3.2.0"))]));
        let names: Vec<String> = read("/app/boot.jar", &jar).into_iter().map(|package| package.name).collect();
        assert_eq!(names, ["com.example:boot"]);
    }

    #[test]
    fn invalid_archive_is_skipped() {
        assert!(read("/broken.jar", b"PK\x03\x04 not really").is_empty());
    }

    #[test]
    fn archive_names() {
        assert!(is_java_archive("app/app.jar"));
        assert!(is_java_archive("app/APP.WAR"));
        assert!(is_java_archive("var/jenkins_home/plugins/git.jpi"));
        assert!(!is_java_archive("app/.jar"));
        assert!(!is_java_archive("app/jar"));
        assert!(!is_java_archive("app/x.jarx"));
    }

    #[test]
    fn exploded_pom_properties_paths() {
        assert!(is_exploded_pom_properties("srv/app/WEB-INF/classes/META-INF/maven/g/a/pom.properties"));
        assert!(is_exploded_pom_properties("META-INF/maven/g/a/pom.properties"));
        assert!(!is_exploded_pom_properties("srv/pom.properties"));
    }
}
