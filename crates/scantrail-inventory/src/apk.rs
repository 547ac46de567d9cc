//! apk's database of installed packages, `lib/apk/db/installed`, as Alpine Linux carries it.
//!
//! The file is a list of package records separated by blank lines. Each line is `X:value` with a
//! one-letter field name: `P` name, `V` version, `A` architecture, `o` origin (the source
//! package), and per-file lines (`F`, `R`, `Z`, `a`, `M`) that are skipped here.

use scantrail_image::FileTree;
use scantrail_model::{Digest, Ecosystem, Package};

use crate::purl::PackageUrl;
use crate::{captured_content, CatalogContext, Cataloger, InventoryError};

const INSTALLED_PATH: &str = "lib/apk/db/installed";

pub(crate) struct ApkCataloger;

impl Cataloger for ApkCataloger {
    fn wants(&self, path: &str) -> bool {
        path == INSTALLED_PATH
    }

    fn catalog(&self, files: &FileTree, context: &CatalogContext) -> Result<Vec<Package>, InventoryError> {
        let Some((path, entry)) = files.resolve(INSTALLED_PATH) else {
            return Ok(Vec::new());
        };
        let Some(content) = captured_content(&path, entry) else {
            return Ok(Vec::new());
        };

        // The purl `distro` qualifier is `ID-VERSION_ID` from os-release (`alpine-3.19.1`).
        let distro = context.os.as_ref().and_then(|os| {
            let version_id = os.release.version_id.as_ref()?;
            Some(format!("{}-{version_id}", os.release.id))
        });
        // NOTE: other apk distributions (Wolfi, `ID=wolfi`) keep their ID as purl namespace but
        // are matched as Alpine packages, against `Alpine:v<VERSION_ID>` records that do not exist
        // for their release numbers, so they get no findings.
        let namespace = match &context.os {
            Some(os) if os.release.id != "linux" => os.release.id.clone(),
            _ => "alpine".to_string(),
        };
        Ok(read_installed(&path, content, &entry.layer, &namespace, distro.as_deref()))
    }
}

/// Reads the installed packages of the database at `path` (normalized) that `layer` wrote.
/// Records without a name or version are logged and skipped.
fn read_installed(path: &str, content: &[u8], layer: &Digest, namespace: &str, distro: Option<&str>) -> Vec<Package> {
    let text = String::from_utf8_lossy(content);
    let mut packages = Vec::new();

    for record in parse_records(&text) {
        let (Some(name), Some(version)) = (record.name, record.version) else {
            tracing::warn!(path = %format!("/{path}"), line = record.line, "skipping an apk record without P: or V:");
            continue;
        };
        packages.push(to_package(&record, name, version, path, layer, namespace, distro));
    }
    packages
}

fn to_package(
    record: &Record<'_>,
    name: &str,
    version: &str,
    path: &str,
    layer: &Digest,
    namespace: &str,
    distro: Option<&str>,
) -> Package {
    // The origin is stored only when it differs from the name, because `Package::match_name`
    // falls back to the package name. Subpackages (`libcrypto3` of `openssl`) share the
    // version of their origin, so no source version is stored.
    let source_name = record.origin.filter(|origin| *origin != name).map(str::to_string);

    let mut qualifiers = vec![("arch", record.architecture.unwrap_or_default())];
    if let Some(distro) = distro {
        qualifiers.push(("distro", distro));
    }
    if let Some(origin) = &source_name {
        qualifiers.push(("upstream", origin));
    }
    let purl = PackageUrl { package_type: "apk", namespace: Some(namespace), name, version, qualifiers }.to_canonical();

    Package {
        ecosystem: Ecosystem::Alpine,
        name: name.to_string(),
        version: version.to_string(),
        source_name,
        source_version: None,
        purl,
        path: format!("/{path}"),
        layer: Some(layer.clone()),
    }
}

/// The fields of one package record that the cataloger uses.
#[derive(Debug, Default, PartialEq, Eq)]
struct Record<'a> {
    /// 1-based line number of the record's first line.
    line: usize,
    name: Option<&'a str>,
    version: Option<&'a str>,
    architecture: Option<&'a str>,
    origin: Option<&'a str>,
}

/// Splits the database into records. Lines that are not `X:value` are ignored, as apk-tools
/// ignores unknown fields.
fn parse_records(text: &str) -> Vec<Record<'_>> {
    let mut records = Vec::new();
    let mut current: Option<Record<'_>> = None;

    for (index, raw_line) in text.lines().enumerate() {
        let line = raw_line.trim_end_matches('\r');
        if line.is_empty() {
            records.extend(current.take());
            continue;
        }

        let record = current.get_or_insert_with(|| Record { line: index + 1, ..Record::default() });
        let Some((field, value)) = line.split_once(':') else { continue };
        let value = Some(value.trim()).filter(|value| !value.is_empty());
        match field {
            "P" => record.name = value,
            "V" => record.version = value,
            "A" => record.architecture = value,
            "o" => record.origin = value,
            _ => {}
        }
    }

    records.extend(current);
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_records_splits_on_blank_lines() {
        let text = "P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\nF:lib\nR:libc.so\n\n\nP:libcrypto3\r\nV:3.1.4-r5\r\no:openssl\r\n";
        let records = parse_records(text);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].name, Some("musl"));
        assert_eq!(records[0].architecture, Some("x86_64"));
        assert_eq!(records[1].line, 9);
        assert_eq!(records[1].origin, Some("openssl"));
        assert_eq!(records[1].architecture, None);
    }

    #[test]
    fn parse_records_ignores_lines_without_colon() {
        let records = parse_records("P:a\ngarbage\nV:1-r0\n");
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].version, Some("1-r0"));
    }

    #[test]
    fn read_installed_skips_record_without_version() {
        let layer = Digest::sha256_of(b"layer");
        let packages = read_installed(INSTALLED_PATH, b"P:noversion\n\nP:zlib\nV:1.3.1-r0\n", &layer, "alpine", None);
        assert_eq!(packages.len(), 1);
        assert_eq!(packages[0].purl, "pkg:apk/alpine/zlib@1.3.1-r0");
    }
}
