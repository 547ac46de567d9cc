//! Loading OSV advisories into digest-identified advisory snapshots.
//!
//! [`load_paths`] reads OSV records (JSON or YAML, one per file), Alpine secdb documents, the
//! Debian security tracker's JSON, folders of them and osv.dev style zip bundles into
//! [`Advisory`] values; the format of each document is recognised by its content. [`Snapshot`] turns a set of advisories into an
//! immutable snapshot whose digest identifies its content, so a scan can name exactly which
//! advisories it was matched against.

mod advisory;
mod alpine;
mod debian_tracker;
mod document;
mod error;
mod load;
mod osv;
mod snapshot;

pub use advisory::{
    rank_severities, Advisory, Affected, Event, Range, RangeKind, SeverityScore, SEVERITY_KIND_VENDOR, SEVERITY_SOURCE_CVSS_V3,
    SEVERITY_SOURCE_DATABASE, SEVERITY_SOURCE_DEBIAN, SEVERITY_SOURCE_UBUNTU,
};
pub use scantrail_model::SeveritySource;
pub use error::AdvisoryError;
pub use load::{load_paths, Loaded, SourceSummary, MAX_ENTRY_BYTES};
pub use snapshot::Snapshot;
