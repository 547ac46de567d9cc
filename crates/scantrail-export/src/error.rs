use std::path::PathBuf;

/// A failed export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("failed to {operation} in Git repository {path}: {source}")]
    Git {
        path: PathBuf,
        operation: String,
        source: git2::Error,
    },

    #[error("{path} is neither an empty directory nor a Git repository; export into a new directory")]
    NotARepository { path: PathBuf },

    #[error("Git repository {path} is bare; export into a repository with a working tree")]
    BareRepository { path: PathBuf },

    #[error(
        "Git repository {path} has uncommitted changes ({}); commit or remove them before exporting",
        .files.join(", ")
    )]
    UncommittedChanges { path: PathBuf, files: Vec<String> },

    #[error("cannot create directory {path}: {source}")]
    CreateDirectory { path: PathBuf, source: std::io::Error },

    #[error("image lines {first:?} and {second:?} would both be exported to folder {folder:?}; export them with --repository into separate Git repositories")]
    FolderCollision { first: String, second: String, folder: String },

    #[error("image line {repository:?} has no usable folder name; export it with a repository name that has a path component")]
    InvalidFolder { repository: String },

    #[error("failed to encode {subject} of scan {scan} as JSON: {source}")]
    Encode {
        subject: &'static str,
        scan: String,
        source: serde_json::Error,
    },
}

/// Adds the repository path and the failed operation to a libgit2 error.
pub(crate) trait GitContext<T> {
    fn context(self, path: &std::path::Path, operation: &str) -> Result<T, ExportError>;
}

impl<T> GitContext<T> for Result<T, git2::Error> {
    fn context(self, path: &std::path::Path, operation: &str) -> Result<T, ExportError> {
        self.map_err(|source| ExportError::Git {
            path: path.to_path_buf(),
            operation: operation.to_string(),
            source,
        })
    }
}
