//! Advisory snapshots.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use scantrail_model::Digest;

use super::codec::{
    corrupt, count_from_i64, count_to_i64, decode_blob, format_time, from_json, parse_digest,
    parse_time, put_blob, to_json_text, Context,
};
use crate::{NewSnapshot, SnapshotInfo, SnapshotSource, StoreError};

/// The `settings` key whose value is the current snapshot's digest.
const CURRENT_SNAPSHOT_KEY: &str = "current_snapshot";

/// Checks the snapshot without the database: unique advisory ids, and record digests
/// that match the records' JSON.
pub(super) fn validate(snapshot: &NewSnapshot) -> Result<(), StoreError> {
    let invalid = |reason: String| StoreError::InvalidSnapshot {
        snapshot: snapshot.digest.clone(),
        reason,
    };

    if snapshot.parent.as_ref() == Some(&snapshot.digest) {
        return Err(invalid(
            "the snapshot names itself as its parent".to_string(),
        ));
    }
    let mut ids = HashSet::with_capacity(snapshot.records.len());
    for record in &snapshot.records {
        if !ids.insert(record.id.as_str()) {
            return Err(invalid(format!(
                "advisory {} appears more than once",
                record.id
            )));
        }
        let actual = Digest::sha256_of(&record.json);
        if actual != record.digest {
            return Err(invalid(format!(
                "record {} has digest {} but its JSON has digest {actual}",
                record.id, record.digest
            )));
        }
    }
    Ok(())
}

/// Inserts the snapshot, unless it is already stored, and makes it current.
pub(super) fn insert(
    connection: &Connection,
    path: &Path,
    snapshot: &NewSnapshot,
) -> Result<(), StoreError> {
    let digest = snapshot.digest.to_string();
    if exists(connection, path, &snapshot.digest)? {
        tracing::debug!(snapshot = %digest, "the advisory snapshot is already stored");
    } else {
        insert_new(connection, path, snapshot)?;
    }

    connection
        .execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![CURRENT_SNAPSHOT_KEY, digest],
        )
        .context(path, "set the current advisory snapshot")?;
    Ok(())
}

fn insert_new(
    connection: &Connection,
    path: &Path,
    snapshot: &NewSnapshot,
) -> Result<(), StoreError> {
    let digest = snapshot.digest.to_string();

    for record in &snapshot.records {
        put_blob(connection, path, "advisory", &record.digest, &record.json)?;
    }

    // Checked after the records were written, so a test can see that a failure here rolls
    // back the blobs too.
    if let Some(parent) = &snapshot.parent {
        if !exists(connection, path, parent)? {
            return Err(StoreError::InvalidSnapshot {
                snapshot: snapshot.digest.clone(),
                reason: format!("its parent snapshot {parent} is not in the history store; store the parent first"),
            });
        }
    }

    connection
        .execute(
            "INSERT INTO snapshots (digest, created_at, parent, record_count, per_ecosystem_json) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                digest,
                format_time(&snapshot.created_at),
                snapshot.parent.as_ref().map(Digest::to_string),
                count_to_i64(snapshot.records.len()),
                to_json_text("per-ecosystem counts", &snapshot.per_ecosystem)?,
            ],
        )
        .context(path, "insert the advisory snapshot")?;

    let mut insert_record = connection
        .prepare("INSERT INTO snapshot_records (snapshot, advisory_id, record_digest) VALUES (?1, ?2, ?3)")
        .context(path, "prepare the snapshot record insert")?;
    for record in &snapshot.records {
        insert_record
            .execute(params![digest, record.id, record.digest.to_string()])
            .context(path, "insert a snapshot record")?;
    }

    for (position, source) in snapshot.sources.iter().enumerate() {
        connection
            .execute(
                "INSERT INTO snapshot_sources (snapshot, position, path, imported_at, record_count, \
                     withdrawn_skipped, per_ecosystem_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    digest,
                    count_to_i64(position),
                    source.path,
                    format_time(&source.imported_at),
                    count_to_i64(source.records),
                    count_to_i64(source.withdrawn_skipped),
                    to_json_text("per-ecosystem counts", &source.per_ecosystem)?,
                ],
            )
            .context(path, "insert a snapshot source")?;
    }
    Ok(())
}

fn exists(connection: &Connection, path: &Path, digest: &Digest) -> Result<bool, StoreError> {
    let found = connection
        .query_row(
            "SELECT 1 FROM snapshots WHERE digest = ?1",
            [digest.to_string()],
            |_| Ok(()),
        )
        .optional()
        .context(path, "look up the advisory snapshot")?;
    Ok(found.is_some())
}

pub(super) fn current(
    connection: &Connection,
    path: &Path,
) -> Result<Option<SnapshotInfo>, StoreError> {
    let value: Option<String> = connection
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [CURRENT_SNAPSHOT_KEY],
            |row| row.get(0),
        )
        .optional()
        .context(path, "read the current advisory snapshot")?;
    let Some(value) = value else {
        return Ok(None);
    };

    let digest = parse_digest(path, "current advisory snapshot", &value)?;
    match info(connection, path, &digest)? {
        Some(info) => Ok(Some(info)),
        None => Err(corrupt(
            path,
            format!("the current advisory snapshot {digest} is missing"),
        )),
    }
}

/// The `snapshots` row of one snapshot, parsed.
struct SnapshotRow {
    created_at: chrono::DateTime<chrono::Utc>,
    parent: Option<Digest>,
    record_count: usize,
    per_ecosystem: BTreeMap<String, usize>,
}

fn read_row(
    connection: &Connection,
    path: &Path,
    digest: &Digest,
) -> Result<Option<SnapshotRow>, StoreError> {
    let row: Option<(String, Option<String>, i64, String)> = connection
        .query_row(
            "SELECT created_at, parent, record_count, per_ecosystem_json FROM snapshots WHERE digest = ?1",
            [digest.to_string()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()
        .context(path, "read the advisory snapshot")?;
    let Some((created_at, parent, record_count, per_ecosystem)) = row else {
        return Ok(None);
    };

    let describe = |column: &str| format!("snapshot {digest} column {column}");
    let parent = match parent {
        Some(text) => Some(parse_digest(path, &describe("parent"), &text)?),
        None => None,
    };
    Ok(Some(SnapshotRow {
        created_at: parse_time(path, &describe("created_at"), &created_at)?,
        parent,
        record_count: count_from_i64(path, &describe("record_count"), record_count)?,
        per_ecosystem: from_json(
            path,
            &describe("per_ecosystem_json"),
            per_ecosystem.as_bytes(),
        )?,
    }))
}

pub(super) fn info(
    connection: &Connection,
    path: &Path,
    digest: &Digest,
) -> Result<Option<SnapshotInfo>, StoreError> {
    let Some(row) = read_row(connection, path, digest)? else {
        return Ok(None);
    };

    // Walk up to the oldest ancestor, then collect sources from there down to this snapshot.
    let mut lineage = vec![digest.clone()];
    let mut visited = BTreeSet::from([digest.clone()]);
    let mut next = row.parent.clone();
    while let Some(ancestor) = next {
        if !visited.insert(ancestor.clone()) {
            return Err(corrupt(
                path,
                format!("the parents of snapshot {digest} form a cycle at {ancestor}"),
            ));
        }
        let Some(ancestor_row) = read_row(connection, path, &ancestor)? else {
            return Err(corrupt(
                path,
                format!("snapshot {digest} has a missing ancestor {ancestor}"),
            ));
        };
        next = ancestor_row.parent;
        lineage.push(ancestor);
    }

    let mut sources = Vec::new();
    let mut seen = HashSet::new();
    for snapshot in lineage.iter().rev() {
        for source in own_sources(connection, path, snapshot)? {
            if seen.insert((source.path.clone(), source.imported_at)) {
                sources.push(source);
            }
        }
    }

    Ok(Some(SnapshotInfo {
        digest: digest.clone(),
        created_at: row.created_at,
        parent: row.parent,
        record_count: row.record_count,
        per_ecosystem: row.per_ecosystem,
        sources,
    }))
}

/// Reads the sources stored with one snapshot, in import order.
fn own_sources(
    connection: &Connection,
    path: &Path,
    digest: &Digest,
) -> Result<Vec<SnapshotSource>, StoreError> {
    let mut statement = connection
        .prepare(
            "SELECT path, imported_at, record_count, withdrawn_skipped, per_ecosystem_json \
             FROM snapshot_sources WHERE snapshot = ?1 ORDER BY position",
        )
        .context(path, "prepare the snapshot source query")?;
    let rows = statement
        .query_map([digest.to_string()], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, String>(4)?,
            ))
        })
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .context(path, "read snapshot sources")?;

    let describe = |column: &str| format!("a source of snapshot {digest}, column {column}");
    rows.into_iter()
        .map(
            |(source_path, imported_at, records, withdrawn_skipped, per_ecosystem)| {
                Ok(SnapshotSource {
                    imported_at: parse_time(path, &describe("imported_at"), &imported_at)?,
                    records: count_from_i64(path, &describe("record_count"), records)?,
                    withdrawn_skipped: count_from_i64(
                        path,
                        &describe("withdrawn_skipped"),
                        withdrawn_skipped,
                    )?,
                    per_ecosystem: from_json(
                        path,
                        &describe("per_ecosystem_json"),
                        per_ecosystem.as_bytes(),
                    )?,
                    path: source_path,
                })
            },
        )
        .collect()
}

pub(super) fn records(
    connection: &Connection,
    path: &Path,
    digest: &Digest,
) -> Result<Vec<Vec<u8>>, StoreError> {
    if !exists(connection, path, digest)? {
        return Err(StoreError::SnapshotNotFound(digest.clone()));
    }

    let mut statement = connection
        .prepare(
            "SELECT r.advisory_id, r.record_digest, b.content FROM snapshot_records r \
             JOIN blobs b ON b.digest = r.record_digest WHERE r.snapshot = ?1",
        )
        .context(path, "prepare the snapshot record query")?;
    let mut rows = statement
        .query_map([digest.to_string()], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Vec<u8>>(2)?,
            ))
        })
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .context(path, "read snapshot records")?;
    // Sorted here, not in SQL, so that the order is byte order whatever a server's collation is.
    rows.sort_by(|left, right| left.0.cmp(&right.0));

    rows.into_iter()
        .map(|(_, record_digest, compressed)| {
            let record_digest = parse_digest(
                path,
                &format!("a record of snapshot {digest}"),
                &record_digest,
            )?;
            decode_blob(path, &record_digest, &compressed)
        })
        .collect()
}
