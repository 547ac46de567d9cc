use std::path::PathBuf;

/// Failure of an advisory import. Every variant names the file, and the zip entry where there
/// is one, so the user can fix or remove it.
#[derive(Debug, thiserror::Error)]
pub enum AdvisoryError {
    #[error("failed to read {}: {source}; check that the path exists and is readable", path.display())]
    Read { path: PathBuf, source: std::io::Error },

    #[error("unsupported advisory file {}: expected a .json, .yaml or .yml OSV record or a .zip bundle of them", path.display())]
    UnsupportedFile { path: PathBuf },

    #[error("invalid OSV record in {location}: {reason}; fix or remove the file")]
    InvalidRecord { location: String, reason: String },

    #[error("invalid zip bundle {}: {source}; download the bundle again", path.display())]
    InvalidBundle { path: PathBuf, source: zip::result::ZipError },

    #[error("failed to read entry {entry} of bundle {}: {source}; download the bundle again", path.display())]
    BundleEntry { path: PathBuf, entry: String, source: std::io::Error },

    #[error(
        "entry {entry} of bundle {} is larger than {limit} bytes uncompressed; \
         the bundle is corrupt or not an OSV bundle, so remove it",
        path.display()
    )]
    EntryTooLarge { path: PathBuf, entry: String, limit: u64 },
}
