//! rpm's SQLite database, `rpmdb.sqlite`: a table `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`
//! with one header blob per package (rpm's `lib/backend/sqlite.c`).

use std::io::Write;

use rusqlite::{Connection, OpenFlags};

/// Returns the header blob of every package, in `hnum` order.
///
/// SQLite reads only files, so the content is written to a temporary file first.
///
/// NOTE: a database in WAL mode whose last changes are still in `rpmdb.sqlite-wal` is read
/// without them, because the image reader captures only `rpmdb.sqlite`.
pub(crate) fn package_blobs(content: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut file = tempfile::NamedTempFile::new().map_err(|error| format!("failed to create a temporary file: {error}"))?;
    file.write_all(content).map_err(|error| format!("failed to write a temporary file: {error}"))?;
    file.flush().map_err(|error| format!("failed to write a temporary file: {error}"))?;

    let connection = Connection::open_with_flags(file.path(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|error| format!("not a SQLite database: {error}"))?;
    let mut statement = connection
        .prepare("SELECT blob FROM Packages ORDER BY hnum")
        .map_err(|error| format!("no Packages table with a blob column: {error}"))?;
    let rows = statement
        .query_map([], |row| row.get::<_, Vec<u8>>(0))
        .map_err(|error| format!("failed to read the Packages table: {error}"))?;
    rows.collect::<Result<Vec<_>, _>>().map_err(|error| format!("failed to read the Packages table: {error}"))
}

/// Writes `rpmdb.sqlite` databases for tests.
#[cfg(test)]
pub(crate) mod build {
    use rusqlite::Connection;

    /// Builds a database file with `blobs` as packages 1, 2, … and returns its bytes.
    pub(crate) fn sqlite_database(blobs: &[Vec<u8>]) -> Vec<u8> {
        let directory = tempfile::tempdir().expect("temporary folder");
        let path = directory.path().join("rpmdb.sqlite");
        {
            let connection = Connection::open(&path).expect("new database");
            connection.execute_batch("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);").expect("create table");
            for blob in blobs {
                connection.execute("INSERT INTO Packages (blob) VALUES (?1)", [blob]).expect("insert blob");
            }
        }
        std::fs::read(&path).expect("read the database")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_blobs_reads_table() {
        let file = build::sqlite_database(&[b"one".to_vec(), b"two".to_vec()]);
        assert_eq!(package_blobs(&file).expect("valid database"), vec![b"one".to_vec(), b"two".to_vec()]);
    }

    #[test]
    fn package_blobs_rejects_other_file() {
        assert!(package_blobs(b"not a database at all").is_err());
    }
}
