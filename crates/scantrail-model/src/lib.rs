//! Domain types shared by every scantrail crate.
//!
//! The types follow the data flow: an image has an [`Inventory`] of [`Package`]s, matching it
//! against an advisory snapshot yields [`Finding`]s, and a [`Scan`] records both with the image's
//! identity and provenance.

mod digest;
mod package;
mod finding;
mod reference;
mod remediation;
mod scan;

pub use digest::{Digest, DigestError};
pub use finding::{Finding, FindingKey, FindingStatus, Severity, SeveritySource};
pub use package::{Ecosystem, Inventory, OsRelease, Package};
pub use reference::{RepositoryTag, ReferenceError};
pub use remediation::{matches_vulnerability, Remediation, RemediationAction, RemediationLink};
pub use scan::{LayerRecord, Scan, ScanId, ScanKind};
