//! dpkg's database of installed packages: `var/lib/dpkg/status`, and the one-file-per-package
//! folder `var/lib/dpkg/status.d/` that distroless images carry instead.
//!
//! Both use the control-file syntax of deb822(5): paragraphs of `Field: value` lines separated
//! by blank lines, where a line starting with a space or tab continues the previous field.

use scantrail_image::FileTree;
use scantrail_model::{Ecosystem, Package};

use crate::os_release::OsReleaseFields;
use crate::purl::PackageUrl;
use crate::{captured_content, CatalogContext, Cataloger, InventoryError};

const STATUS_PATH: &str = "var/lib/dpkg/status";
/// dpkg's per-package file lists, `NAME.list` or `NAME:ARCH.list` for `Multi-Arch: same` packages.
const INFO_DIR: &str = "var/lib/dpkg/info";
const STATUS_DIR_PREFIX: &str = "var/lib/dpkg/status.d/";

/// The number of characters of an offending line quoted in an error message.
const QUOTED_LINE_CHARS: usize = 60;

pub(crate) struct DpkgCataloger;

impl Cataloger for DpkgCataloger {
    fn wants(&self, path: &str) -> bool {
        path == STATUS_PATH || is_status_dir_entry(path)
    }

    fn catalog(&self, files: &FileTree, context: &CatalogContext) -> Result<Vec<Package>, InventoryError> {
        let distro = Distro::new(context.os.as_ref());
        let mut packages = Vec::new();

        if let Some((path, entry)) = files.resolve(STATUS_PATH) {
            if let Some(content) = captured_content(&path, entry) {
                packages.extend(read_status_file(&path, content, &entry.layer, &distro, Some(files))?);
            }
        }

        let status_dir = STATUS_DIR_PREFIX.trim_end_matches('/');
        for (path, entry) in files.iter_under(status_dir).filter(|(path, _)| is_status_dir_entry(path)) {
            if let Some(content) = captured_content(path, entry) {
                packages.extend(read_status_file(path, content, &entry.layer, &distro, None)?);
            }
        }
        Ok(packages)
    }
}

/// Finds the layer that last wrote the package's file list in `var/lib/dpkg/info`.
///
/// Every dpkg run rewrites the whole status file, so its layer is the last layer that installed
/// or removed any package. dpkg writes a package's file list only when it unpacks that package,
/// so the list's layer is the one that installed this version. Only the list's metadata is read:
/// the image reader records every path's layer, captured or not.
fn info_list_layer<'a>(files: &'a FileTree, name: &str, architecture: &str) -> Option<&'a scantrail_model::Digest> {
    let plain = format!("{INFO_DIR}/{name}.list");
    let qualified = format!("{INFO_DIR}/{name}:{architecture}.list");
    files.get(&plain).or_else(|| files.get(&qualified)).map(|entry| &entry.layer)
}

/// Returns whether `path` is a package's file directly in `status.d/`. The folder also contains a
/// `NAME.md5sums` file per package, which lists file checksums and names no package.
fn is_status_dir_entry(path: &str) -> bool {
    match path.strip_prefix(STATUS_DIR_PREFIX) {
        Some(name) => !name.is_empty() && !name.contains('/') && !name.ends_with(".md5sums"),
        None => false,
    }
}

/// The distribution that the packages belong to, which sets their ecosystem and purl.
struct Distro {
    ecosystem: Ecosystem,
    /// The purl namespace, the distribution vendor (`debian`, `ubuntu`).
    namespace: &'static str,
    /// The purl `distro` qualifier from os-release: `ID-VERSION_ID` (`debian-12`), or
    /// `ID-VERSION_CODENAME` for releases without a version such as Debian testing and sid
    /// (`debian-trixie`).
    qualifier: Option<String>,
}

impl Distro {
    /// Chooses Ubuntu for Ubuntu and the distributions that name it in `ID_LIKE`, and Debian
    /// for everything else, including images without an os-release file.
    ///
    /// NOTE: a derivative such as Raspbian gets the purl namespace `debian` and the ecosystem
    /// Debian, so its own package versions are matched against Debian advisories.
    fn new(os: Option<&OsReleaseFields>) -> Distro {
        let Some(os) = os else {
            return Distro { ecosystem: Ecosystem::Debian, namespace: "debian", qualifier: None };
        };

        let (ecosystem, namespace) =
            if os.is_like("ubuntu") { (Ecosystem::Ubuntu, "ubuntu") } else { (Ecosystem::Debian, "debian") };
        let release = os.release.version_id.as_ref().or(os.release.version_codename.as_ref());
        let qualifier = release.map(|release| format!("{}-{release}", os.release.id));
        Distro { ecosystem, namespace, qualifier }
    }
}

/// Reads the installed packages of one status file at `path` (normalized) that `layer` wrote.
///
/// With `info`, the merged file tree of a `var/lib/dpkg/status` image, a package whose file list
/// is in `var/lib/dpkg/info` gets the layer of that list instead of `layer`.
fn read_status_file(
    path: &str,
    content: &[u8],
    layer: &scantrail_model::Digest,
    distro: &Distro,
    info: Option<&FileTree>,
) -> Result<Vec<Package>, InventoryError> {
    let text = String::from_utf8_lossy(content);
    let paragraphs = parse_paragraphs(&text).map_err(|(line, reason)| InventoryError::InvalidDpkgStatus {
        path: path.to_string(),
        line,
        reason,
    })?;

    let mut packages = Vec::new();
    for paragraph in &paragraphs {
        if !paragraph.is_installed() {
            continue;
        }
        let (Some(name), Some(version)) = (paragraph.field("Package"), paragraph.field("Version")) else {
            tracing::warn!(path = %format!("/{path}"), line = paragraph.line, "skipping a dpkg paragraph without Package or Version");
            continue;
        };
        let architecture = paragraph.field("Architecture").unwrap_or_default();
        let layer = info.and_then(|files| info_list_layer(files, name, architecture)).unwrap_or(layer);
        packages.push(to_package(paragraph, name, version, path, layer, distro));
    }
    Ok(packages)
}

fn to_package(
    paragraph: &Paragraph<'_>,
    name: &str,
    version: &str,
    path: &str,
    layer: &scantrail_model::Digest,
    distro: &Distro,
) -> Package {
    let architecture = paragraph.field("Architecture").unwrap_or_default();
    let source = paragraph.field("Source").map(parse_source);

    // The source name is stored only when it differs from the package name, and the source
    // version only when it differs from the package version, because `Package::match_name`
    // and `match_version` fall back to the package's own name and version.
    let source_name = source.and_then(|(source_name, _)| (source_name != name).then(|| source_name.to_string()));
    let source_version = source
        .and_then(|(_, source_version)| source_version)
        .filter(|source_version| *source_version != version)
        .map(str::to_string);

    let mut qualifiers = vec![("arch", architecture)];
    if let Some(qualifier) = &distro.qualifier {
        qualifiers.push(("distro", qualifier));
    }
    if let Some(source_name) = &source_name {
        qualifiers.push(("upstream", source_name));
    }
    let purl = PackageUrl { package_type: "deb", namespace: Some(distro.namespace), name, version, qualifiers }.to_canonical();

    Package {
        ecosystem: distro.ecosystem,
        name: name.to_string(),
        version: version.to_string(),
        source_name,
        source_version,
        purl,
        path: format!("/{path}"),
        layer: Some(layer.clone()),
    }
}

/// Splits a `Source:` value, `name` or `name (version)`, into its name and version.
fn parse_source(value: &str) -> (&str, Option<&str>) {
    match value.split_once('(') {
        Some((name, rest)) => {
            let version = rest.split(')').next().unwrap_or_default().trim();
            (name.trim(), Some(version).filter(|version| !version.is_empty()))
        }
        None => (value.trim(), None),
    }
}

/// One deb822 paragraph: its fields with the value of their first line.
struct Paragraph<'a> {
    /// 1-based line number of the paragraph's first field.
    line: usize,
    fields: Vec<(&'a str, &'a str)>,
}

impl<'a> Paragraph<'a> {
    /// Returns the first-line value of `name`, compared without case as deb822(5) requires, or `None`
    /// when the field is missing or empty.
    fn field(&self, name: &str) -> Option<&'a str> {
        self.fields
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
            .filter(|value| !value.is_empty())
    }

    /// Returns whether dpkg's `Status:` (want, error flag, state) shows the package's files on disk:
    /// the state is `installed`, whatever the want is, so `hold ok installed` and
    /// `deinstall ok installed` count and `deinstall ok config-files` does not. The files in
    /// distroless `status.d/` carry no Status and are all installed.
    fn is_installed(&self) -> bool {
        match self.field("Status") {
            Some(status) => status.split_whitespace().nth(2) == Some("installed"),
            None => true,
        }
    }
}

/// Splits deb822 text into paragraphs. Returns the 1-based line number and a description of
/// the first line that is neither a field, a continuation line nor blank.
fn parse_paragraphs(text: &str) -> Result<Vec<Paragraph<'_>>, (usize, String)> {
    let mut paragraphs = Vec::new();
    let mut current: Option<Paragraph<'_>> = None;

    for (index, raw_line) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw_line.trim_end_matches('\r');

        if line.trim().is_empty() {
            paragraphs.extend(current.take());
            continue;
        }

        if line.starts_with([' ', '\t']) {
            if current.is_none() {
                return Err((number, format!("continuation line {} outside a field", quote(line))));
            }
            continue;
        }

        let Some((name, value)) = line.split_once(':') else {
            return Err((number, format!("expected a `Field: value` line, found {}", quote(line))));
        };
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err((number, format!("invalid field name in {}", quote(line))));
        }
        current.get_or_insert_with(|| Paragraph { line: number, fields: Vec::new() }).fields.push((name, value.trim()));
    }

    paragraphs.extend(current);
    Ok(paragraphs)
}

/// Quotes the start of `line` for an error message.
fn quote(line: &str) -> String {
    let shortened: String = line.chars().take(QUOTED_LINE_CHARS).collect();
    if shortened.len() < line.len() {
        format!("{shortened:?}…")
    } else {
        format!("{shortened:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_source_with_and_without_version() {
        assert_eq!(parse_source("openssl"), ("openssl", None));
        assert_eq!(parse_source("util-linux (2.38.1-5+deb12u3)"), ("util-linux", Some("2.38.1-5+deb12u3")));
        assert_eq!(parse_source("bash (5.2.15-2"), ("bash", Some("5.2.15-2")));
    }

    #[test]
    fn parse_paragraphs_joins_continuations() {
        let text = "Package: a\nDescription: short\n long line\n .\n\n\nPackage: b\r\nVersion: 1\r\n";
        let paragraphs = parse_paragraphs(text).expect("valid deb822");
        assert_eq!(paragraphs.len(), 2);
        assert_eq!(paragraphs[0].field("Description"), Some("short"));
        assert_eq!(paragraphs[1].line, 7);
        assert_eq!(paragraphs[1].field("version"), Some("1"));
    }

    #[test]
    fn parse_paragraphs_rejects_line_without_colon() {
        let error = parse_paragraphs("Package: a\nthis is not a field\n").err().expect("an error");
        assert_eq!(error.0, 2);
        assert!(error.1.contains("this is not a field"), "{}", error.1);
    }

    #[test]
    fn parse_paragraphs_rejects_leading_continuation() {
        let error = parse_paragraphs("\n continued\nPackage: a\n").err().expect("an error");
        assert_eq!(error.0, 2);
    }

    #[test]
    fn status_dir_entry_skips_md5sums_and_subfolders() {
        assert!(is_status_dir_entry("var/lib/dpkg/status.d/base-files"));
        assert!(!is_status_dir_entry("var/lib/dpkg/status.d/base-files.md5sums"));
        assert!(!is_status_dir_entry("var/lib/dpkg/status.d/"));
        assert!(!is_status_dir_entry("var/lib/dpkg/status.d/x/y"));
    }
}
