//! Exports scantrail's history as a Git repository: one commit per scan.
//!
//! Each image line gets a folder named after its repository (`registry.example.com/shop/app/`)
//! with three files that describe the line's scan at that commit: `scan.json` (the scan header
//! and its finding counts), `findings.json` and `inventory.json`. The files are pretty-printed
//! JSON with sorted content, so the same scan always gives the same bytes, and `git diff`
//! between two commits shows what changed between two scans.
//!
//! Commits are made in scan order (by `scanned_at`), with the scan time as author and committer
//! time and a fixed author, so the same history exported twice gives the same commit ids. Each
//! commit message ends with the trailers `Scantrail-Scan-Id` and `Scantrail-Repository`. A later
//! export reads these trailers from the branch's history and adds only the scans not yet
//! exported.

mod canonical;
mod error;
mod git;

pub use error::ExportError;
pub use git::{export_git, export_git_with_causes, ExportSummary, ExportedCommit, LineHistory};

/// The trailer that names the scan a commit exports.
pub const SCAN_ID_TRAILER: &str = "Scantrail-Scan-Id";

/// The trailer that names the repository (image line) of the exported scan.
pub const REPOSITORY_TRAILER: &str = "Scantrail-Repository";
