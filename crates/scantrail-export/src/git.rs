//! Writing scans as commits with libgit2.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use git2::build::{CheckoutBuilder, TreeUpdateBuilder};
use git2::{ErrorCode, FileMode, Oid, Repository, RepositoryInitOptions, Signature, Status, StatusOptions, Time};
use scantrail_model::Scan;

use crate::canonical::{change, line_folder, scan_files};
use crate::error::GitContext;
use crate::{ExportError, REPOSITORY_TRAILER, SCAN_ID_TRAILER};

/// The author and committer of every export commit. A fixed identity keeps commit ids
/// reproducible.
const AUTHOR_NAME: &str = "scantrail";
const AUTHOR_EMAIL: &str = "scantrail@localhost";

/// The branch a new export repository starts on.
const INITIAL_BRANCH: &str = "main";

/// The scans of one image line.
pub struct LineHistory<'a> {
    pub repository: &'a str,
    /// The line's scans, oldest first, as `scantrail log` orders them (by `scanned_at`, then
    /// insertion order).
    pub scans: Vec<&'a Scan>,
}

/// One commit made by an export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportedCommit {
    pub commit: String,
    pub scan_id: String,
    pub repository: String,
    /// The first line of the commit message.
    pub subject: String,
}

/// The outcome of an export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportSummary {
    pub dir: PathBuf,
    /// The branch reference the commits were added to, for example `refs/heads/main`.
    pub branch: String,
    /// The commits made, oldest first.
    pub commits: Vec<ExportedCommit>,
    /// Scans skipped because an earlier export had committed them.
    pub already_exported: usize,
    /// The branch's commit after the export, `None` when nothing was ever exported.
    pub head: Option<String>,
}

/// Exports the scans of `lines` that `dir` does not have yet, one commit per scan.
///
/// `dir` is created and initialized (branch `main`) when it is missing or empty. An existing
/// repository must have a working tree without uncommitted changes, because the export checks
/// out its last commit there.
pub fn export_git(dir: &Path, lines: &[LineHistory<'_>]) -> Result<ExportSummary, ExportError> {
    export_git_with_causes(dir, lines, &|_, _| None)
}

/// Exports like [`export_git`], appending to each commit subject the text that `causes`
/// returns for the scan and the previous scan of its line, for example
/// `74 package_downgraded`.
pub fn export_git_with_causes(
    dir: &Path,
    lines: &[LineHistory<'_>],
    causes: &dyn Fn(&Scan, Option<&Scan>) -> Option<String>,
) -> Result<ExportSummary, ExportError> {
    let repository = open_or_init(dir)?;
    check_clean(&repository, dir)?;

    let folders = line_folders(lines)?;
    let branch = head_branch(&repository, dir)?;
    let parent = match repository.head() {
        Ok(head) => Some(head.peel_to_commit().context(dir, "read the HEAD commit")?),
        Err(error) if error.code() == ErrorCode::UnbornBranch => None,
        Err(error) => return Err(ExportError::Git { path: dir.to_path_buf(), operation: "read HEAD".to_string(), source: error }),
    };
    let exported = exported_scan_ids(&repository, dir, parent.is_some())?;

    // Every line's new scans, merged in time order. Ties keep each line's own order.
    let mut pending: Vec<(&Scan, Option<&Scan>, usize)> = Vec::new();
    let mut already_exported = 0;
    for line in lines {
        for (position, scan) in line.scans.iter().enumerate() {
            if exported.contains(&scan.id.0) {
                already_exported += 1;
                continue;
            }
            let previous = position.checked_sub(1).map(|index| line.scans[index]);
            pending.push((scan, previous, position));
        }
    }
    pending.sort_by(|(a, _, a_position), (b, _, b_position)| {
        a.scanned_at.cmp(&b.scanned_at).then_with(|| a.repository.cmp(&b.repository)).then(a_position.cmp(b_position))
    });

    let mut tree_id = match &parent {
        Some(commit) => commit.tree_id(),
        None => repository.treebuilder(None).and_then(|builder| builder.write()).context(dir, "write the empty tree")?,
    };
    let mut head = parent.as_ref().map(|commit| commit.id());
    let mut commits = Vec::new();
    for (scan, previous, _) in pending {
        let folder = &folders[scan.repository.as_str()];
        tree_id = write_scan_tree(&repository, dir, tree_id, folder, scan, previous)?;
        let subject = subject(scan, previous, causes(scan, previous));
        let message = format!("{subject}\n\n{}", body(scan, previous));
        let commit = write_commit(&repository, dir, tree_id, head, scan, &message)?;
        tracing::debug!(commit = %commit, scan = %scan.id, "exported a scan");
        commits.push(ExportedCommit {
            commit: commit.to_string(),
            scan_id: scan.id.0.clone(),
            repository: scan.repository.clone(),
            subject,
        });
        head = Some(commit);
    }

    if let (Some(last), false) = (head, commits.is_empty()) {
        let tree = repository.find_tree(tree_id).context(dir, "read the exported tree")?;
        // Checked out before the branch moves: a failed checkout leaves the branch as it was.
        repository
            .checkout_tree(tree.as_object(), Some(CheckoutBuilder::new().safe()))
            .context(dir, "check out the exported files")?;
        repository
            .reference(&branch, last, true, "scantrail export git")
            .context(dir, &format!("move {branch} to the last exported commit"))?;
    }

    Ok(ExportSummary {
        dir: dir.to_path_buf(),
        branch,
        commits,
        already_exported,
        head: head.map(|oid| oid.to_string()),
    })
}

fn open_or_init(dir: &Path) -> Result<Repository, ExportError> {
    let empty = match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|source| ExportError::CreateDirectory { path: dir.to_path_buf(), source })?;
            true
        }
        Err(source) => return Err(ExportError::CreateDirectory { path: dir.to_path_buf(), source }),
    };
    if empty {
        let mut options = RepositoryInitOptions::new();
        options.initial_head(INITIAL_BRANCH);
        return Repository::init_opts(dir, &options).context(dir, "initialize the repository");
    }

    // `open`, not `discover`: a directory inside another repository must not write into it.
    let repository = match Repository::open(dir) {
        Ok(repository) => repository,
        Err(error) if error.code() == ErrorCode::NotFound => return Err(ExportError::NotARepository { path: dir.to_path_buf() }),
        Err(error) => return Err(ExportError::Git { path: dir.to_path_buf(), operation: "open the repository".to_string(), source: error }),
    };
    if repository.is_bare() {
        return Err(ExportError::BareRepository { path: dir.to_path_buf() });
    }
    Ok(repository)
}

fn check_clean(repository: &Repository, dir: &Path) -> Result<(), ExportError> {
    let mut options = StatusOptions::new();
    options.include_untracked(true).include_ignored(false);
    let statuses = repository.statuses(Some(&mut options)).context(dir, "read the working tree status")?;
    let files: Vec<String> = statuses
        .iter()
        .filter(|entry| entry.status() != Status::CURRENT && !entry.status().contains(Status::IGNORED))
        .map(|entry| entry.path().unwrap_or("(a path that is not UTF-8)").to_string())
        .collect();
    if files.is_empty() {
        Ok(())
    } else {
        Err(ExportError::UncommittedChanges { path: dir.to_path_buf(), files })
    }
}

/// Maps each repository to its folder and rejects two lines that would share one.
fn line_folders<'a>(lines: &[LineHistory<'a>]) -> Result<BTreeMap<&'a str, String>, ExportError> {
    let mut folders = BTreeMap::new();
    let mut owners: BTreeMap<String, &str> = BTreeMap::new();
    for line in lines {
        let folder = line_folder(line.repository)?;
        if let Some(first) = owners.insert(folder.clone(), line.repository) {
            return Err(ExportError::FolderCollision { first: first.to_string(), second: line.repository.to_string(), folder });
        }
        folders.insert(line.repository, folder);
    }
    Ok(folders)
}

/// Returns the branch HEAD points at, born or not.
fn head_branch(repository: &Repository, dir: &Path) -> Result<String, ExportError> {
    let head = repository.find_reference("HEAD").context(dir, "read HEAD")?;
    match head.symbolic_target().context(dir, "read the branch of HEAD")? {
        Some(target) => Ok(target.to_string()),
        None => Err(ExportError::Git {
            path: dir.to_path_buf(),
            operation: "find the branch of HEAD".to_string(),
            source: git2::Error::from_str("HEAD is detached; check out a branch first"),
        }),
    }
}

/// Collects the scan ids named by the trailers of every commit reachable from HEAD.
fn exported_scan_ids(repository: &Repository, dir: &Path, has_head: bool) -> Result<BTreeSet<String>, ExportError> {
    let mut ids = BTreeSet::new();
    if !has_head {
        return Ok(ids);
    }
    let mut walk = repository.revwalk().context(dir, "walk the history")?;
    walk.push_head().context(dir, "walk the history from HEAD")?;
    for oid in walk {
        let oid = oid.context(dir, "walk the history")?;
        let commit = repository.find_commit(oid).context(dir, &format!("read commit {oid}"))?;
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        let prefix = format!("{SCAN_ID_TRAILER}:");
        for line in message.lines() {
            if let Some(id) = line.strip_prefix(&prefix) {
                ids.insert(id.trim().to_string());
            }
        }
    }
    Ok(ids)
}

fn write_scan_tree(
    repository: &Repository,
    dir: &Path,
    base: Oid,
    folder: &str,
    scan: &Scan,
    previous: Option<&Scan>,
) -> Result<Oid, ExportError> {
    let base = repository.find_tree(base).context(dir, "read the previous tree")?;
    let mut update = TreeUpdateBuilder::new();
    for (name, bytes) in scan_files(scan, previous)? {
        let blob = repository.blob(&bytes).context(dir, &format!("write {folder}/{name}"))?;
        update.upsert(format!("{folder}/{name}"), blob, FileMode::Blob);
    }
    update.create_updated(repository, &base).context(dir, &format!("write the tree of scan {}", scan.id))
}

fn write_commit(repository: &Repository, dir: &Path, tree: Oid, parent: Option<Oid>, scan: &Scan, message: &str) -> Result<Oid, ExportError> {
    let time = Time::new(scan.scanned_at.timestamp(), 0);
    let signature = Signature::new(AUTHOR_NAME, AUTHOR_EMAIL, &time).context(dir, "build the commit signature")?;
    let tree = repository.find_tree(tree).context(dir, "read the scan's tree")?;
    let parent = match parent {
        Some(oid) => Some(repository.find_commit(oid).context(dir, "read the parent commit")?),
        None => None,
    };
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    repository
        .commit(None, &signature, &signature, message, &tree, &parents)
        .context(dir, &format!("commit scan {}", scan.id))
}

/// Formats `registry.example.com/shop/app:v1.2 +74 -2 (74 package_downgraded)`: the scan's
/// reference, its change against the previous scan of the line, and the causes when given.
fn subject(scan: &Scan, previous: Option<&Scan>, causes: Option<String>) -> String {
    let name = match &scan.tag {
        Some(tag) => format!("{}:{tag}", scan.repository),
        None => format!("{}@{}", scan.repository, scan.manifest_digest),
    };
    let (introduced, fixed) = change(scan, previous);
    let mut subject = format!("{name} +{introduced} -{fixed}");
    if let Some(causes) = causes.filter(|causes| !causes.is_empty()) {
        subject.push_str(&format!(" ({causes})"));
    }
    if scan.kind.as_str() != "scan" {
        subject.push_str(&format!(" [{}]", scan.kind.as_str()));
    }
    subject
}

fn body(scan: &Scan, previous: Option<&Scan>) -> String {
    let mut body = format!(
        "Scanned at {} against advisory snapshot {}.\nImage {}, {} packages, {} findings.\n",
        scan.scanned_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        scan.advisory_snapshot,
        scan.manifest_digest,
        scan.inventory.packages.len(),
        scan.findings.len(),
    );
    if let Some(previous) = previous {
        body.push_str(&format!("Compared with scan {}.\n", previous.id));
    }
    body.push_str(&format!("\n{SCAN_ID_TRAILER}: {}\n{REPOSITORY_TRAILER}: {}\n", scan.id, scan.repository));
    body
}
