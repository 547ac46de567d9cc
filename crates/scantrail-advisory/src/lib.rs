//! Loading OSV advisories into digest-identified advisory snapshots.
//!
//! [`load_paths`] reads OSV records (JSON or YAML, one per file), folders of them and osv.dev
//! style zip bundles into [`Advisory`] values. [`Snapshot`] turns a set of advisories into an
//! immutable snapshot whose digest identifies its content, so a scan can name exactly which
//! advisories it was matched against.

mod advisory;
mod error;
mod load;
mod osv;
mod snapshot;

pub use advisory::{
    Advisory, Affected, Event, Range, RangeKind, SeverityScore, SEVERITY_SOURCE_CVSS_V3, SEVERITY_SOURCE_DATABASE,
    SEVERITY_SOURCE_UBUNTU,
};
pub use error::AdvisoryError;
pub use load::{load_paths, Loaded, SourceSummary, MAX_ENTRY_BYTES};
pub use snapshot::Snapshot;
