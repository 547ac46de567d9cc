//! npm packages installed in `node_modules` folders, read from each package's `package.json`.

use scantrail_image::FileTree;
use scantrail_model::{Digest, Ecosystem, Package};

use crate::purl::PackageUrl;
use crate::{captured_content, CatalogContext, Cataloger, InventoryError};

pub(crate) struct NpmCataloger;

impl Cataloger for NpmCataloger {
    fn wants(&self, path: &str) -> bool {
        is_package_manifest(path)
    }

    fn catalog(&self, files: &FileTree, _context: &CatalogContext) -> Result<Vec<Package>, InventoryError> {
        let mut packages = Vec::new();
        for (path, entry) in files.iter().filter(|(path, _)| is_package_manifest(path)) {
            if let Some(content) = captured_content(path, entry) {
                packages.extend(read_manifest(path, content, &entry.layer));
            }
        }
        Ok(packages)
    }
}

/// Returns whether `path` is the `package.json` at the root of a package folder:
/// `node_modules/NAME/package.json` or `node_modules/@SCOPE/NAME/package.json`, at any depth of
/// nesting. Files deeper inside a package (`node_modules/x/lib/package.json`) are not package
/// roots and often are test fixtures.
fn is_package_manifest(path: &str) -> bool {
    let Some(package_dir) = path.strip_suffix("/package.json") else {
        return false;
    };
    let (parent, name) = package_dir.rsplit_once('/').unwrap_or(("", package_dir));
    if name.is_empty() || name.starts_with(['@', '.']) {
        return false;
    }
    if is_node_modules(parent) {
        return true;
    }

    let (grandparent, scope) = parent.rsplit_once('/').unwrap_or(("", parent));
    scope.len() > 1 && scope.starts_with('@') && is_node_modules(grandparent)
}

/// Returns whether the last component of `dir` is `node_modules`.
fn is_node_modules(dir: &str) -> bool {
    dir == "node_modules" || dir.ends_with("/node_modules")
}

/// Reads the package that the manifest at `path` describes. A manifest that is not JSON is
/// logged and skipped, because real images carry broken manifests in test fixture folders.
fn read_manifest(path: &str, content: &[u8], layer: &Digest) -> Option<Package> {
    let content = content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(content);
    let manifest: serde_json::Value = match serde_json::from_slice(content) {
        Ok(manifest) => manifest,
        Err(error) => {
            tracing::warn!(path = %format!("/{path}"), %error, "skipping package.json that is not valid JSON");
            return None;
        }
    };

    let name = manifest.get("name").and_then(|name| name.as_str()).filter(|name| !name.is_empty());
    let version = manifest.get("version").and_then(|version| version.as_str()).filter(|version| !version.is_empty());
    let (Some(name), Some(version)) = (name, version) else {
        tracing::debug!(path = %format!("/{path}"), "skipping package.json without a string name and version");
        return None;
    };

    Some(Package {
        ecosystem: Ecosystem::Npm,
        name: name.to_string(),
        version: version.to_string(),
        source_name: None,
        source_version: None,
        purl: purl(name, version),
        path: format!("/{path}"),
        layer: Some(layer.clone()),
    })
}

/// Builds the purl of an npm package. A scoped name `@scope/name` becomes the namespace `@scope`,
/// written `%40scope`, and both parts are lower-cased as the purl `npm` type requires.
fn purl(name: &str, version: &str) -> String {
    let name = name.to_lowercase();
    let (namespace, name) = match name.split_once('/') {
        Some((scope, name)) if scope.starts_with('@') => (Some(scope), name),
        _ => (None, name.as_str()),
    };
    PackageUrl { package_type: "npm", namespace, name, version, qualifiers: Vec::new() }.to_canonical()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_of_scoped_and_plain_names() {
        assert_eq!(purl("@babel/core", "7.24.0"), "pkg:npm/%40babel/core@7.24.0");
        assert_eq!(purl("JSONStream", "1.3.5"), "pkg:npm/jsonstream@1.3.5");
        assert_eq!(purl("semver", "7.6.0+build.1"), "pkg:npm/semver@7.6.0%2Bbuild.1");
    }

    #[test]
    fn read_manifest_skips_invalid_json_and_missing_fields() {
        let layer = Digest::sha256_of(b"layer");
        assert!(read_manifest("node_modules/a/package.json", b"{ not json", &layer).is_none());
        assert!(read_manifest("node_modules/a/package.json", br#"{"name": "a"}"#, &layer).is_none());
        assert!(read_manifest("node_modules/a/package.json", br#"{"name": "a", "version": 1}"#, &layer).is_none());
        assert!(read_manifest("node_modules/a/package.json", br#"["a"]"#, &layer).is_none());
    }

    #[test]
    fn read_manifest_accepts_byte_order_mark() {
        let layer = Digest::sha256_of(b"layer");
        let package = read_manifest("node_modules/a/package.json", b"\xEF\xBB\xBF{\"name\": \"a\", \"version\": \"1.0.0\"}", &layer);
        assert_eq!(package.map(|package| package.version), Some("1.0.0".to_string()));
    }
}
