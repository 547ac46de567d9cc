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
        Ok(Config { immutable_tags, watched_tags: file.tags.watched.unwrap_or_else(|| vec!["prod".to_string()]), sla: file.sla })
    }

    /// Returns whether `tag` matches an immutable tag pattern, so it is expected never to move.
    pub fn is_immutable_tag(&self, tag: &str) -> bool {
        self.immutable_tags.iter().any(|pattern| pattern.is_match(tag))
    }
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
    fn invalid_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "[tags]\nimmutable = ['(']\n").unwrap();
        let error = format!("{:#}", Config::load(dir.path()).unwrap_err());
        assert!(error.contains("config.toml"), "{error}");
    }
}
