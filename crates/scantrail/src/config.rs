//! The user's settings: `$SCANTRAIL_HOME/config.toml`, every key optional.
//!
//! ```toml
//! [tags]
//! # Tags that must never move; a tag matching one of these regular expressions that points at a
//! # new digest is flagged in `log`, `tags` and `gate`.
//! immutable = ['^v?\d+(\.\d+){1,2}([-+].*)?$']
//! # Tags whose current digest `db import` and `rescan` report new findings for.
//! watched = ["prod"]
//!
//! [sla]
//! # Days allowed to remediate a finding, counted from its first appearance in the line.
//! critical = 7
//! high = 30
//! medium = 90
//! low = 180
//!
//! # Advisory feeds that `db update` downloads. Without any [[sources]] entry the defaults of
//! # `default_sources` are used; with one, only the listed sources are.
//! [[sources]]
//! name = "alpine-v3.19-main"          # file name in $SCANTRAIL_HOME/feeds: letters, digits, . _ -
//! url = "https://secdb.alpinelinux.org/v3.19/main.json"
//! format = "alpine-secdb"             # osv-zip, osv-json, alpine-secdb or debian-tracker
//! sha256 = "…"                        # optional: expected SHA-256 of the file, 64 hex digits
//! max_bytes = 1073741824              # optional: largest accepted download, in bytes
//! ```

use std::path::Path;

use anyhow::{Context as _, Result};
use regex::Regex;
use serde::Deserialize;

/// Tags that look like versions (`v1.2.3`, `1.2`, `2.0.1-rc1`) are immutable by default.
pub const DEFAULT_IMMUTABLE_TAG_PATTERN: &str = r"^v?\d+(\.\d+){1,2}([-+][0-9A-Za-z.-]+)?$";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    tags: TagsSection,
    #[serde(default)]
    sla: SlaDays,
    sources: Option<Vec<FeedSource>>,
}

/// Largest download `db update` accepts from a source without a `max_bytes` setting: 2 GiB.
/// NOTE: a guard against runaway downloads, not measured against the current feed sizes.
pub const DEFAULT_MAX_FEED_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// One advisory feed that `db update` downloads.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FeedSource {
    /// Names the downloaded file in `$SCANTRAIL_HOME/feeds`.
    pub name: String,
    /// An `https://` URL, or `http://` on a loopback address.
    pub url: String,
    pub format: FeedFormat,
    /// Expected SHA-256 of the downloaded file, as 64 hex digits.
    pub sha256: Option<String>,
    /// Largest accepted download in bytes; [`DEFAULT_MAX_FEED_BYTES`] when unset.
    pub max_bytes: Option<u64>,
}

/// The document format a feed serves. It sets the downloaded file's extension. The importer
/// then tells OSV, secdb and tracker documents apart by content.
///
/// NOTE: a feed whose content does not match its declared format (an OSV record configured as
/// `debian-tracker`) is imported as what it contains, without an error.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FeedFormat {
    /// A zip bundle of OSV records, as osv.dev's per-ecosystem `all.zip`.
    OsvZip,
    /// One OSV record in JSON.
    OsvJson,
    /// An Alpine secdb document in JSON.
    AlpineSecdb,
    /// The Debian security tracker's JSON export.
    DebianTracker,
}

impl FeedFormat {
    /// The file extension `db import` recognises the downloaded file by.
    pub fn extension(self) -> &'static str {
        match self {
            FeedFormat::OsvZip => "zip",
            FeedFormat::OsvJson | FeedFormat::AlpineSecdb | FeedFormat::DebianTracker => "json",
        }
    }
}

/// The public feeds `db update` downloads when the config file lists no sources: osv.dev's
/// bundles for the ecosystems scantrail catalogs, the Debian security tracker, and the Alpine
/// secdb of the supported branches.
pub fn default_sources() -> Vec<FeedSource> {
    let osv = |ecosystem: &str| FeedSource {
        name: format!("osv-{}", ecosystem.to_ascii_lowercase().replace('.', "-")),
        url: format!("https://osv-vulnerabilities.storage.googleapis.com/{ecosystem}/all.zip"),
        format: FeedFormat::OsvZip,
        sha256: None,
        max_bytes: None,
    };
    let mut sources: Vec<FeedSource> =
        ["Debian", "Ubuntu", "PyPI", "npm", "Go", "crates.io", "Maven"].iter().map(|e| osv(e)).collect();
    sources.push(FeedSource {
        name: "debian-tracker".to_string(),
        url: "https://security-tracker.debian.org/tracker/data/json".to_string(),
        format: FeedFormat::DebianTracker,
        sha256: None,
        max_bytes: None,
    });
    // NOTE: the branch list is fixed here; newer Alpine branches need a [[sources]] entry.
    for branch in ["v3.18", "v3.19", "v3.20", "v3.21"] {
        for repository in ["main", "community"] {
            sources.push(FeedSource {
                name: format!("alpine-{branch}-{repository}"),
                url: format!("https://secdb.alpinelinux.org/{branch}/{repository}.json"),
                format: FeedFormat::AlpineSecdb,
                sha256: None,
                max_bytes: None,
            });
        }
    }
    sources
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TagsSection {
    immutable: Option<Vec<String>>,
    watched: Option<Vec<String>>,
}

/// Days allowed to remediate a finding, per severity.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct SlaDays {
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
}

impl Default for SlaDays {
    fn default() -> SlaDays {
        SlaDays { critical: 7, high: 30, medium: 90, low: 180 }
    }
}

/// Settings read from the config file, with defaults for what it leaves out.
#[derive(Debug)]
pub struct Config {
    pub immutable_tags: Vec<Regex>,
    pub watched_tags: Vec<String>,
    pub sla: SlaDays,
    /// Feeds for `db update`: the config file's `[[sources]]`, else [`default_sources`].
    pub sources: Vec<FeedSource>,
}

impl Config {
    /// Reads `config.toml` from the scantrail home directory; a missing file gives the defaults.
    pub fn load(home: &Path) -> Result<Config> {
        let path = home.join("config.toml");
        let file: ConfigFile = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).with_context(|| format!("invalid config file {}; fix it or move it aside", path.display()))?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => ConfigFile::default(),
            Err(error) => return Err(error).with_context(|| format!("cannot read config file {}", path.display())),
        };
        let patterns = file.tags.immutable.unwrap_or_else(|| vec![DEFAULT_IMMUTABLE_TAG_PATTERN.to_string()]);
        let immutable_tags = patterns
            .iter()
            .map(|p| Regex::new(p).with_context(|| format!("invalid regular expression {p:?} in tags.immutable of {}", path.display())))
            .collect::<Result<Vec<_>>>()?;
        let sources = file.sources.unwrap_or_else(default_sources);
        check_sources(&sources).with_context(|| format!("invalid [[sources]] in {}", path.display()))?;
        Ok(Config {
            immutable_tags,
            watched_tags: file.tags.watched.unwrap_or_else(|| vec!["prod".to_string()]),
            sla: file.sla,
            sources,
        })
    }

    /// Returns whether `tag` matches an immutable tag pattern, so it is expected never to move.
    pub fn is_immutable_tag(&self, tag: &str) -> bool {
        self.immutable_tags.iter().any(|pattern| pattern.is_match(tag))
    }
}

/// Checks that source names are usable as file names and unique, and that checksums are hex.
fn check_sources(sources: &[FeedSource]) -> Result<()> {
    let mut names = std::collections::BTreeSet::new();
    for source in sources {
        let valid_name = !source.name.is_empty()
            && !source.name.starts_with('.')
            && source.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !valid_name {
            anyhow::bail!("source name {:?} must be letters, digits, '.', '_' or '-', not starting with '.'", source.name);
        }
        if !names.insert(source.name.as_str()) {
            anyhow::bail!("source name {:?} is used twice; give each source its own name", source.name);
        }
        if let Some(sha256) = &source.sha256 {
            if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
                anyhow::bail!("sha256 {sha256:?} of source {:?} must be 64 hex digits", source.name);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::load(dir.path()).unwrap();
        assert_eq!(config.sla, SlaDays::default());
        assert_eq!(config.watched_tags, ["prod"]);
        for tag in ["v1.2.3", "1.2", "2.0.1-rc1", "v10.4"] {
            assert!(config.is_immutable_tag(tag), "{tag} looks like a version");
        }
        for tag in ["latest", "prod", "main", "1", "v1"] {
            assert!(!config.is_immutable_tag(tag), "{tag} is mutable");
        }
    }

    #[test]
    fn file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "[tags]\nimmutable = ['^release-']\nwatched = ['prod', 'staging']\n[sla]\ncritical = 3\n").unwrap();
        let config = Config::load(dir.path()).unwrap();
        assert!(config.is_immutable_tag("release-7"));
        assert!(!config.is_immutable_tag("v1.2.3"));
        assert_eq!(config.watched_tags, ["prod", "staging"]);
        assert_eq!(config.sla, SlaDays { critical: 3, ..SlaDays::default() });
    }

    #[test]
    fn sources_default_and_override() {
        let dir = tempfile::tempdir().unwrap();
        let defaults = Config::load(dir.path()).unwrap().sources;
        assert!(defaults.iter().any(|s| s.url == "https://osv-vulnerabilities.storage.googleapis.com/Debian/all.zip"));
        assert!(defaults.iter().all(|s| s.url.starts_with("https://")));

        let text = "[[sources]]\nname = 'local'\nurl = 'http://127.0.0.1:8080/all.zip'\nformat = 'osv-zip'\nsha256 = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'\n";
        std::fs::write(dir.path().join("config.toml"), text).unwrap();
        let sources = Config::load(dir.path()).unwrap().sources;
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].format, FeedFormat::OsvZip);
        assert_eq!(sources[0].max_bytes, None);
    }

    #[test]
    fn source_name_must_be_file_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "[[sources]]\nname = '../x'\nurl = 'https://example.org/x.json'\nformat = 'osv-json'\n").unwrap();
        let error = format!("{:#}", Config::load(dir.path()).unwrap_err());
        assert!(error.contains("\"../x\""), "{error}");
    }

    #[test]
    fn invalid_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "[tags]\nimmutable = ['(']\n").unwrap();
        let error = format!("{:#}", Config::load(dir.path()).unwrap_err());
        assert!(error.contains("config.toml"), "{error}");
    }
}
