//! The SQLite implementation of [`HistoryStore`].

mod codec;
mod ledger;
mod remediations;
mod scans;
mod snapshots;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, TransactionBehavior};
use scantrail_model::{Digest, Scan};

use scantrail_model::Remediation;

use crate::{
    HistoryStore, LedgerReport, NewRemediation, NewSnapshot, SnapshotInfo, StoreError,
    TagObservation,
};
use codec::Context;

/// The schema version this build writes, stored in `PRAGMA user_version`.
pub const SCHEMA_VERSION: i64 = 2;

/// How long a write waits for another process's write to finish before it fails.
///
/// NOTE: an estimate, not measured: long enough to wait out another process storing a large
/// advisory snapshot.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// `MIGRATIONS[n]` upgrades a store from schema version `n` to `n + 1`.
const MIGRATIONS: [&str; SCHEMA_VERSION as usize] =
    [include_str!("../schema_v1.sql"), include_str!("../schema_v2.sql")];

/// The history store file inside a scantrail home directory.
pub const STORE_FILE_NAME: &str = "history.db";

/// A history store in one SQLite database file.
///
/// Several stores, in one process or in many, may open the same file: SQLite's WAL mode lets
/// readers run beside one writer, and a writer waits up to [`BUSY_TIMEOUT`] for another.
pub struct SqliteStore {
    connection: Connection,
    path: PathBuf,
    /// Makes the next write fail just before its commit, to test that it leaves nothing behind.
    #[cfg(test)]
    pub(crate) fail_before_commit: bool,
}

impl SqliteStore {
    /// Opens the store in `home_dir`/history.db, creating the directory and the file as needed.
    pub fn open_in(home_dir: &Path) -> Result<SqliteStore, StoreError> {
        fs::create_dir_all(home_dir).map_err(|source| StoreError::CreateDirectory {
            path: home_dir.to_path_buf(),
            source,
        })?;
        SqliteStore::open(&home_dir.join(STORE_FILE_NAME))
    }

    /// Opens the store at `path`, creating the file when it does not exist and upgrading an
    /// older schema.
    ///
    /// Fails with [`StoreError::NotAStore`] when the file is not an SQLite database or is another
    /// program's database, and with [`StoreError::NewerSchema`] when a newer scantrail wrote it.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let mut connection = Connection::open(path).map_err(|source| open_error(path, source))?;
        configure(&connection, path).map_err(|source| open_error(path, source))?;
        migrate(&mut connection, path)?;
        Ok(SqliteStore {
            connection,
            path: path.to_path_buf(),
            #[cfg(test)]
            fail_before_commit: false,
        })
    }

    /// Returns the path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock at once, so a busy
    /// store makes the write wait here up to [`BUSY_TIMEOUT`], instead of failing later when a
    /// read transaction cannot be upgraded.
    fn write_transaction(&mut self) -> Result<rusqlite::Transaction<'_>, StoreError> {
        self.connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context(&self.path, "start a write transaction")
    }
}

fn configure(connection: &Connection, path: &Path) -> Result<(), rusqlite::Error> {
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection.pragma_update(None, "foreign_keys", true)?;
    // The first statement that reads the file: a file that is not a database fails here.
    let mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        // NOTE: SQLite keeps the old journal mode when it cannot use WAL, for example on a VFS
        // without shared memory. The store still works, but readers and the writer then block
        // each other.
        tracing::warn!(path = %path.display(), journal_mode = %mode, "the history store is not in WAL mode, so readers wait for writers");
    }
    Ok(())
}

fn open_error(path: &Path, source: rusqlite::Error) -> StoreError {
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::NotAStore {
            path: path.to_path_buf(),
            reason: source.to_string(),
        },
        _ => StoreError::Open {
            path: path.to_path_buf(),
            source,
        },
    }
}

fn user_version(connection: &Connection) -> Result<i64, rusqlite::Error> {
    connection.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Applies the migrations from the file's schema version up to [`SCHEMA_VERSION`] in one
/// transaction.
fn migrate(connection: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let found = user_version(connection).map_err(|source| open_error(path, source))?;
    check_not_newer(path, found)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }

    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .context(path, "start the schema migration")?;

    // Another process may have migrated the file while this one waited for the write lock.
    let found = user_version(&transaction).context(path, "read the schema version")?;
    check_not_newer(path, found)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    if found == 0 {
        let tables: i64 = transaction
            .query_row("SELECT COUNT(*) FROM sqlite_master", [], |row| row.get(0))
            .context(path, "list the tables")?;
        if tables > 0 {
            return Err(StoreError::NotAStore {
                path: path.to_path_buf(),
                reason: "the file is an SQLite database of another program".to_string(),
            });
        }
    }

    let start = usize::try_from(found).unwrap_or(usize::MAX);
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(start) {
        let target = index + 1;
        transaction
            .execute_batch(sql)
            .context(path, &format!("upgrade the schema to version {target}"))?;
    }
    transaction
        .pragma_update(None, "user_version", SCHEMA_VERSION)
        .context(path, "set the schema version")?;
    transaction
        .commit()
        .context(path, "commit the schema migration")?;
    tracing::debug!(path = %path.display(), from = found, to = SCHEMA_VERSION, "migrated the history store");
    Ok(())
}

fn check_not_newer(path: &Path, found: i64) -> Result<(), StoreError> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found < 0 {
        return Err(StoreError::NotAStore {
            path: path.to_path_buf(),
            reason: format!("schema version {found} is negative"),
        });
    }
    Ok(())
}

impl HistoryStore for SqliteStore {
    fn put_snapshot(&mut self, snapshot: &NewSnapshot) -> Result<(), StoreError> {
        snapshots::validate(snapshot)?;
        #[cfg(test)]
        let fail_before_commit = self.fail_before_commit;
        let path = self.path.clone();
        let transaction = self.write_transaction()?;
        snapshots::insert(&transaction, &path, snapshot)?;
        #[cfg(test)]
        if fail_before_commit {
            return Err(injected_failure(&path));
        }
        transaction
            .commit()
            .context(&path, "commit the advisory snapshot")
    }

    fn current_snapshot(&self) -> Result<Option<SnapshotInfo>, StoreError> {
        snapshots::current(&self.connection, &self.path)
    }

    fn snapshot_info(&self, digest: &Digest) -> Result<Option<SnapshotInfo>, StoreError> {
        snapshots::info(&self.connection, &self.path, digest)
    }

    fn snapshot_records(&self, digest: &Digest) -> Result<Vec<Vec<u8>>, StoreError> {
        snapshots::records(&self.connection, &self.path, digest)
    }

    fn record_scan(&mut self, scan: &Scan) -> Result<(), StoreError> {
        let computed = scan.compute_id();
        if computed != scan.id {
            return Err(StoreError::ScanIdMismatch {
                id: scan.id.clone(),
                computed,
            });
        }

        #[cfg(test)]
        let fail_before_commit = self.fail_before_commit;
        let path = self.path.clone();
        let transaction = self.write_transaction()?;
        scans::insert(&transaction, &path, scan)?;
        #[cfg(test)]
        if fail_before_commit {
            return Err(injected_failure(&path));
        }
        transaction.commit().context(&path, "commit the scan")
    }

    fn scan(&self, id_or_prefix: &str) -> Result<Option<Scan>, StoreError> {
        scans::by_prefix(&self.connection, &self.path, id_or_prefix)
    }

    fn latest_scan_by_tag(&self, repository: &str, tag: &str) -> Result<Option<Scan>, StoreError> {
        scans::latest_by_tag(&self.connection, &self.path, repository, tag)
    }

    fn latest_scan_by_digest(&self, digest: &Digest) -> Result<Option<Scan>, StoreError> {
        scans::latest_by_digest(&self.connection, &self.path, digest)
    }

    fn scans(&self, repository: &str) -> Result<Vec<Scan>, StoreError> {
        scans::of_repository(&self.connection, &self.path, repository)
    }

    fn repositories(&self) -> Result<Vec<String>, StoreError> {
        scans::repositories(&self.connection, &self.path)
    }

    fn record_tag_observation(&mut self, observation: &TagObservation) -> Result<(), StoreError> {
        let path = self.path.clone();
        let transaction = self.write_transaction()?;
        scans::insert_tag_observation(&transaction, &path, observation)?;
        transaction
            .commit()
            .context(&path, "commit the tag observation")
    }

    fn tag_observations(
        &self,
        repository: &str,
        tag: Option<&str>,
    ) -> Result<Vec<TagObservation>, StoreError> {
        scans::tag_observations(&self.connection, &self.path, repository, tag)
    }

    fn record_remediation(&mut self, remediation: &NewRemediation) -> Result<Remediation, StoreError> {
        #[cfg(test)]
        let fail_before_commit = self.fail_before_commit;
        let path = self.path.clone();
        let transaction = self.write_transaction()?;
        let stored = remediations::insert(&transaction, &path, remediation)?;
        #[cfg(test)]
        if fail_before_commit {
            return Err(injected_failure(&path));
        }
        transaction
            .commit()
            .context(&path, "commit the remediation record")?;
        Ok(stored)
    }

    fn remediations(
        &self,
        repository: &str,
        vulnerability_id: Option<&str>,
    ) -> Result<Vec<Remediation>, StoreError> {
        remediations::of_repository(&self.connection, &self.path, repository, vulnerability_id)
    }

    fn verify_ledger(&self, repository: Option<&str>) -> Result<LedgerReport, StoreError> {
        // One read transaction, so that a scan recorded meanwhile cannot look like a gap.
        let transaction = self
            .connection
            .unchecked_transaction()
            .context(&self.path, "start a read transaction")?;
        ledger::verify(&transaction, &self.path, repository)
    }
}

#[cfg(test)]
fn injected_failure(path: &Path) -> StoreError {
    StoreError::Database {
        path: path.to_path_buf(),
        operation: "commit (a test injected this failure)".to_string(),
        source: rusqlite::Error::InvalidQuery,
    }
}

#[cfg(test)]
pub(crate) fn format_time_for_tests(time: &chrono::DateTime<chrono::Utc>) -> String {
    codec::format_time(time)
}
