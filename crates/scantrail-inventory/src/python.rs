//! Installed Python distributions, read from their core metadata: `METADATA` in a
//! `*.dist-info` folder (wheels), `PKG-INFO` in a `*.egg-info` or `*.egg/EGG-INFO` folder, or a
//! `*.egg-info` file that is itself PKG-INFO (distutils).

use scantrail_image::FileTree;
use scantrail_model::{Digest, Ecosystem, Package};

use crate::purl::PackageUrl;
use crate::{captured_content, CatalogContext, Cataloger, InventoryError};

pub(crate) struct PythonCataloger;

impl Cataloger for PythonCataloger {
    fn wants(&self, path: &str) -> bool {
        path.ends_with(".dist-info/METADATA")
            || path.ends_with(".egg-info/PKG-INFO")
            || path.ends_with(".egg-info")
            || path.ends_with(".egg/EGG-INFO/PKG-INFO")
    }

    fn catalog(&self, files: &FileTree, _context: &CatalogContext) -> Result<Vec<Package>, InventoryError> {
        let mut packages = Vec::new();
        for (path, entry) in files.iter().filter(|(path, _)| self.wants(path)) {
            let Some(content) = captured_content(path, entry) else {
                continue;
            };
            match read_metadata(&String::from_utf8_lossy(content)) {
                Some((name, version)) => packages.push(to_package(name, version, path, &entry.layer)),
                None => tracing::warn!(path = %format!("/{path}"), "skipping Python metadata without Name or Version"),
            }
        }
        Ok(packages)
    }
}

/// Reads the `Name` and `Version` headers of a core metadata file. The headers use the email
/// format of RFC 822 and end at the first blank line, after which the description follows.
fn read_metadata(text: &str) -> Option<(&str, &str)> {
    let mut name = None;
    let mut version = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        let Some((header, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if header.eq_ignore_ascii_case("Name") && name.is_none() {
            name = Some(value);
        } else if header.eq_ignore_ascii_case("Version") && version.is_none() {
            version = Some(value);
        }
    }
    Some((name.filter(|name| !name.is_empty())?, version.filter(|version| !version.is_empty())?))
}

fn to_package(name: &str, version: &str, path: &str, layer: &Digest) -> Package {
    let purl_name = purl_name(name);
    let purl = PackageUrl { package_type: "pypi", namespace: None, name: &purl_name, version, qualifiers: Vec::new() }.to_canonical();
    Package {
        ecosystem: Ecosystem::PyPI,
        name: name.to_string(),
        version: version.to_string(),
        source_name: None,
        source_version: None,
        purl,
        path: format!("/{path}"),
        layer: Some(layer.clone()),
    }
}

/// Converts a distribution name to the form the purl `pypi` type requires: lower-case, with `_` replaced by `-`. Dots are
/// kept (`zope.interface`), unlike the full PEP 503 normalization.
fn purl_name(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_metadata_stops_at_blank_line() {
        let text = "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n\nName: not-a-header\n";
        assert_eq!(read_metadata(text), Some(("six", "1.16.0")));
    }

    #[test]
    fn read_metadata_requires_name_and_version() {
        assert_eq!(read_metadata("Metadata-Version: 2.1\nName: six\n"), None);
        assert_eq!(read_metadata("\nName: six\nVersion: 1.16.0\n"), None);
    }

    #[test]
    fn purl_name_lowercases_and_replaces_underscore() {
        assert_eq!(purl_name("PyYAML"), "pyyaml");
        assert_eq!(purl_name("typing_extensions"), "typing-extensions");
        assert_eq!(purl_name("zope.interface"), "zope.interface");
    }
}
