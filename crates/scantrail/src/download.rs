//! Downloading advisory feeds for `db update`: conditional requests, resumable transfers and
//! checks on what arrives.
//!
//! Files live in `$SCANTRAIL_HOME/feeds`: `<name>.<ext>` is the last imported copy of a source,
//! `<name>.<ext>.part` an unfinished transfer, and `state.json` keeps per URL the `ETag` and
//! `Last-Modified` of the imported copy and of the unfinished transfer.
//!
//! NOTE: two `db update` runs at once would share these files; nothing locks them.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::config::{FeedSource, DEFAULT_MAX_FEED_BYTES};

/// Validators of one URL, as the server sent them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl Validators {
    fn from_response(response: &ureq::Response) -> Validators {
        Validators {
            etag: response.header("ETag").map(str::to_string),
            last_modified: response.header("Last-Modified").map(str::to_string),
        }
    }

    fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// The validators `state.json` keeps for one URL.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct UrlState {
    /// Validators of the copy that was last imported.
    #[serde(default)]
    imported: Validators,
    /// Validators of the response an unfinished `.part` file came from.
    #[serde(default)]
    partial: Validators,
}

/// The feed cache folder and its remembered validators.
pub struct FeedCache {
    dir: PathBuf,
    state: BTreeMap<String, UrlState>,
    agent: ureq::Agent,
}

/// The outcome of fetching one source.
pub enum Fetched {
    /// The server responded 304 Not Modified, so the imported copy is current.
    NotModified,
    /// A new copy, complete and checked, waiting to be imported and then committed.
    Downloaded(Download),
}

/// A complete download that has not been imported yet.
pub struct Download {
    /// The downloaded file, named with the extension the importer recognises.
    pub path: PathBuf,
    pub bytes: u64,
    /// Bytes that an earlier, interrupted run had already downloaded; 0 without a resume.
    pub resumed_from: u64,
    validators: Validators,
    final_path: PathBuf,
    url: String,
}

impl Download {
    /// Returns the URL the file was downloaded from.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl FeedCache {
    /// Opens the cache in `dir`, creating it when missing.
    pub fn open(dir: &Path) -> Result<FeedCache> {
        std::fs::create_dir_all(dir).with_context(|| format!("failed to create the feed folder {}", dir.display()))?;
        let state_path = dir.join("state.json");
        let state = match std::fs::read(&state_path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("invalid feed state {}; delete it to download every feed again", state_path.display()))?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(error) => return Err(error).with_context(|| format!("failed to read {}", state_path.display())),
        };
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(30))
            .timeout_read(Duration::from_secs(120))
            .user_agent(concat!("scantrail/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(FeedCache { dir: dir.to_path_buf(), state, agent })
    }

    /// Downloads `source` unless the server reports the imported copy as current.
    ///
    /// An unfinished `.part` file from an interrupted run is continued with a Range request
    /// when the server still serves the same representation (`If-Range`). Otherwise the
    /// transfer starts over. A transfer that breaks off keeps its `.part` file for the next run.
    pub fn fetch(&mut self, source: &FeedSource) -> Result<Fetched> {
        check_url(&source.url)?;
        let extension = source.format.extension();
        let final_path = self.dir.join(format!("{}.{extension}", source.name));
        let part_path = self.dir.join(format!("{}.{extension}.part", source.name));
        let new_path = self.dir.join(format!("{}.new.{extension}", source.name));
        let max_bytes = source.max_bytes.unwrap_or(DEFAULT_MAX_FEED_BYTES);
        let state = self.state.get(&source.url).cloned().unwrap_or_default();

        let mut offset = std::fs::metadata(&part_path).map(|m| m.len()).unwrap_or(0);
        if offset > 0 && state.partial.is_empty() {
            tracing::info!(url = %source.url, "discarding an unfinished download that cannot be resumed without an ETag or Last-Modified");
            offset = 0;
        }

        let mut request = self.agent.get(&source.url);
        let conditional = offset == 0 && final_path.exists() && !state.imported.is_empty();
        if offset > 0 {
            let if_range = state.partial.etag.as_deref().or(state.partial.last_modified.as_deref()).unwrap_or_default();
            request = request.set("Range", &format!("bytes={offset}-")).set("If-Range", if_range);
        } else if conditional {
            if let Some(etag) = &state.imported.etag {
                request = request.set("If-None-Match", etag);
            }
            if let Some(last_modified) = &state.imported.last_modified {
                request = request.set("If-Modified-Since", last_modified);
            }
        }

        let response = match request.call() {
            Ok(response) => response,
            Err(ureq::Error::Status(416, _)) if offset > 0 => {
                // The unfinished file does not fit the current representation: start over.
                tracing::info!(url = %source.url, "server rejected the resume range; downloading from the start");
                remove_if_present(&part_path)?;
                self.forget_partial(&source.url)?;
                return self.fetch(source);
            }
            Err(ureq::Error::Status(code, response)) => {
                bail!("GET {} failed with HTTP {code} {}; check the URL in config.toml", source.url, response.status_text())
            }
            Err(error) => return Err(error).with_context(|| format!("GET {} failed; check the network and the URL", source.url)),
        };

        let status = response.status();
        if status == 304 {
            if !conditional {
                bail!("GET {} returned 304 Not Modified to a request that was not conditional", source.url);
            }
            return Ok(Fetched::NotModified);
        }
        let validators = Validators::from_response(&response);
        let append = match status {
            200 => false,
            206 => {
                let start = response.header("Content-Range").and_then(content_range_start);
                if start != Some(offset) {
                    bail!(
                        "GET {} returned Content-Range {:?} to a request for bytes {offset}-; run `scantrail db update` again to start over",
                        source.url,
                        response.header("Content-Range").unwrap_or("(missing)")
                    );
                }
                true
            }
            other => bail!("GET {} failed with HTTP {other} {}", source.url, response.status_text()),
        };
        let resumed_from = if append { offset } else { 0 };

        if let Some(length) = response.header("Content-Length").and_then(|l| l.parse::<u64>().ok()) {
            if resumed_from + length > max_bytes {
                bail!("{} is {} bytes, more than the limit of {max_bytes}; raise max_bytes of source {:?} if that is expected", source.url, resumed_from + length, source.name);
            }
        }

        // The validators of the response are remembered before the body arrives, so that an
        // interrupted transfer can be resumed by the next run.
        self.state.entry(source.url.clone()).or_default().partial = validators.clone();
        self.save_state()?;

        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(&part_path)
            .with_context(|| format!("failed to open {}", part_path.display()))?;
        let mut reader = response.into_reader();
        let mut total = resumed_from;
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    file.flush().ok();
                    return Err(error).with_context(|| {
                        format!(
                            "download of {} was interrupted after {total} bytes; run `scantrail db update` again to resume it",
                            source.url
                        )
                    });
                }
            };
            total += read as u64;
            if total > max_bytes {
                drop(file);
                remove_if_present(&part_path)?;
                self.forget_partial(&source.url)?;
                bail!("{} is larger than the limit of {max_bytes} bytes; raise max_bytes of source {:?} if that is expected", source.url, source.name);
            }
            file.write_all(&buffer[..read]).with_context(|| format!("failed to write {}", part_path.display()))?;
        }
        file.sync_all().with_context(|| format!("failed to write {}", part_path.display()))?;
        drop(file);

        if let Some(expected) = &source.sha256 {
            let actual = sha256_file(&part_path)?;
            if !actual.eq_ignore_ascii_case(expected) {
                remove_if_present(&part_path)?;
                self.forget_partial(&source.url)?;
                bail!(
                    "{} has SHA-256 {actual}, but config.toml expects {expected}; the download is corrupt or the feed changed, so check the source and update sha256",
                    source.url
                );
            }
        }

        std::fs::rename(&part_path, &new_path).with_context(|| format!("failed to rename {} to {}", part_path.display(), new_path.display()))?;
        self.forget_partial(&source.url)?;
        Ok(Fetched::Downloaded(Download { path: new_path, bytes: total, resumed_from, validators, final_path, url: source.url.clone() }))
    }

    /// Keeps an imported download as the current copy and remembers its validators, so the next
    /// run sends a conditional request.
    pub fn commit(&mut self, download: Download) -> Result<()> {
        std::fs::rename(&download.path, &download.final_path)
            .with_context(|| format!("failed to rename {} to {}", download.path.display(), download.final_path.display()))?;
        self.state.entry(download.url.clone()).or_default().imported = download.validators;
        self.save_state()
    }

    /// Deletes a download that failed to import.
    pub fn discard(&mut self, download: Download) -> Result<()> {
        remove_if_present(&download.path)
    }

    fn forget_partial(&mut self, url: &str) -> Result<()> {
        if let Some(state) = self.state.get_mut(url) {
            state.partial = Validators::default();
        }
        self.save_state()
    }

    /// Writes `state.json` through a temporary file, so a killed process leaves the old one.
    fn save_state(&self) -> Result<()> {
        let path = self.dir.join("state.json");
        let temporary = self.dir.join("state.json.tmp");
        let text = serde_json::to_vec_pretty(&self.state).context("failed to serialize the feed state")?;
        std::fs::write(&temporary, text).with_context(|| format!("failed to write {}", temporary.display()))?;
        std::fs::rename(&temporary, &path).with_context(|| format!("failed to write {}", path.display()))
    }
}

/// Accepts `https://` URLs, and `http://` only for loopback hosts (tests and local mirrors).
pub fn check_url(url: &str) -> Result<()> {
    if url.starts_with("https://") {
        return Ok(());
    }
    if let Some(rest) = url.strip_prefix("http://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = match authority.strip_prefix('[') {
            Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
            None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
        };
        let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if loopback {
            return Ok(());
        }
    }
    bail!("source URL {url} must use https:// (plain http:// is accepted only for loopback addresses)")
}

/// Parses the first byte position of a `Content-Range: bytes START-END/TOTAL` header.
fn content_range_start(header: &str) -> Option<u64> {
    let range = header.trim().strip_prefix("bytes ")?;
    range.split('-').next()?.trim().parse().ok()
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut file = File::open(path).with_context(|| format!("failed to read {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).with_context(|| format!("failed to read {}", path.display()))?;
    Ok(hex_string(&hasher.finalize()))
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error).with_context(|| format!("failed to delete {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_scheme_rules() {
        assert!(check_url("https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip").is_ok());
        assert!(check_url("http://127.0.0.1:8080/all.zip").is_ok());
        assert!(check_url("http://[::1]:8080/all.zip").is_ok());
        assert!(check_url("http://localhost/x.json").is_ok());
        assert!(check_url("http://example.org/all.zip").is_err());
        assert!(check_url("http://127.0.0.1.example.org/all.zip").is_err());
        assert!(check_url("ftp://127.0.0.1/all.zip").is_err());
    }

    #[test]
    fn content_range_parses() {
        assert_eq!(content_range_start("bytes 100-199/200"), Some(100));
        assert_eq!(content_range_start("bytes */200"), None);
    }
}
