//! Finding a stored scan from what a user typed: a scan id, a digest, REPO:TAG or REPO@DIGEST.

use anyhow::{bail, Result};
use scantrail_model::{Digest, RepositoryTag, Scan};
use scantrail_store::HistoryStore;

/// Finds the stored scan that `query` names.
///
/// Tried in order: a scan id or unique id prefix (4 to 64 hex digits), a manifest digest
/// (`sha256:…`), `REPO@DIGEST`, `REPO:TAG` (the newest scan of that tag) and `REPO` (the newest
/// scan of the line).
pub fn find_scan(store: &dyn HistoryStore, query: &str) -> Result<Scan> {
    let query = query.trim();
    if query.len() >= 4 && query.len() <= 64 && query.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Some(scan) = store.scan(&query.to_ascii_lowercase())? {
            return Ok(scan);
        }
    }
    if query.starts_with("sha256:") {
        let digest: Digest = query.parse()?;
        return match store.latest_scan_by_digest(&digest)? {
            Some(scan) => Ok(scan),
            None => bail!("no scan of an image with digest {digest} in the history store; scan the image first with `scantrail scan SOURCE`"),
        };
    }

    let reference = RepositoryTag::parse(query)?;
    let found = match (&reference.digest, &reference.tag) {
        (Some(digest), _) => store.latest_scan_by_digest(digest)?.filter(|s| s.repository == reference.repository),
        (None, Some(tag)) => store.latest_scan_by_tag(&reference.repository, tag)?,
        (None, None) => store.scans(&reference.repository)?.into_iter().next(),
    };
    match found {
        Some(scan) => Ok(scan),
        None => {
            let known = store.repositories()?;
            let hint = if known.iter().any(|r| r == &reference.repository) {
                format!("run `scantrail log {}` to list its scans", reference.repository)
            } else if known.is_empty() {
                "the history store has no scans yet; run `scantrail scan SOURCE --tag REPO:TAG` first".to_string()
            } else {
                format!("known repositories: {}", known.join(", "))
            };
            bail!("no scan found for {query:?}: not a scan id, digest or scanned REPO:TAG; {hint}")
        }
    }
}
