//! Checking the scan chain: recomputes every scan's id and follows `parent_hash`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rusqlite::Connection;
use scantrail_model::ScanId;

use super::codec::{BlobReader, Context};
use super::scans::{ScanRow, SCAN_COLUMNS};
use crate::{LedgerProblem, LedgerProblemKind, LedgerReport, StoreError};

/// The chain columns of one scan row and the outcome of decoding its content.
struct ChainRow {
    id: String,
    repository: String,
    record_hash: Option<String>,
    parent_hash: Option<String>,
    /// The id computed from the decoded row and blobs, or why they do not decode.
    computed: Result<ScanId, StoreError>,
}

pub(super) fn verify(connection: &Connection, path: &Path, repository: Option<&str>) -> Result<LedgerReport, StoreError> {
    let rows = read_rows(connection, path, repository)?;
    let stored_ids = all_scan_ids(connection, path)?;

    let mut lines: BTreeMap<&str, Vec<&ChainRow>> = BTreeMap::new();
    for row in &rows {
        lines.entry(row.repository.as_str()).or_default().push(row);
    }

    let mut problems = Vec::new();
    let mut removed: BTreeSet<(String, String)> = BTreeSet::new();
    for (line, chain) in &lines {
        check_line(line, chain, &stored_ids, &mut problems, &mut removed);
    }
    check_tag_observations(connection, path, repository, &stored_ids, &mut problems, &mut removed)?;
    if repository.is_none() {
        check_insertion_numbers(connection, path, removed.len(), &mut problems)?;
    }

    let mut repositories: Vec<String> = lines.keys().map(|line| line.to_string()).collect();
    if let Some(repository) = repository {
        if repositories.is_empty() {
            repositories.push(repository.to_string());
        }
    }
    Ok(LedgerReport { repositories, scans_checked: rows.len(), problems })
}

/// Reads the scan rows of one repository or of all in insertion order, decoding each one.
fn read_rows(connection: &Connection, path: &Path, repository: Option<&str>) -> Result<Vec<ChainRow>, StoreError> {
    let sql = format!(
        "SELECT {SCAN_COLUMNS}, record_hash, parent_hash FROM scans \
         WHERE ?1 IS NULL OR repository = ?1 ORDER BY seq"
    );
    let mut statement = connection.prepare(&sql).context(path, "prepare the scan chain query")?;
    let rows = statement
        .query_map([repository], |row| {
            Ok((
                ScanRow::read(row),
                row.get::<_, String>(0)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(18)?,
                row.get::<_, Option<String>>(19)?,
            ))
        })
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .context(path, "read the scan chain")?;

    let mut blobs = BlobReader::new(connection, path);
    let mut chain = Vec::with_capacity(rows.len());
    for (scan_row, id, repository, record_hash, parent_hash) in rows {
        // A column of the wrong SQL type fails here, and is a changed row like any other.
        let computed = scan_row
            .map_err(|source| StoreError::Database { path: path.to_path_buf(), operation: format!("read scan {id}"), source })
            .and_then(|scan_row| scan_row.decode(path, &mut blobs))
            .map(|scan| scan.compute_id());
        chain.push(ChainRow { id, repository, record_hash, parent_hash, computed });
    }
    Ok(chain)
}

fn all_scan_ids(connection: &Connection, path: &Path) -> Result<BTreeSet<String>, StoreError> {
    let mut statement = connection.prepare("SELECT id FROM scans").context(path, "prepare the scan id query")?;
    let ids = statement
        .query_map([], |row| row.get::<_, String>(0))
        .and_then(Iterator::collect::<Result<BTreeSet<_>, _>>)
        .context(path, "read scan ids")?;
    Ok(ids)
}

/// Checks each row's content against its id and its `parent_hash` against the row before it.
fn check_line(
    line: &str,
    chain: &[&ChainRow],
    stored_ids: &BTreeSet<String>,
    problems: &mut Vec<LedgerProblem>,
    removed: &mut BTreeSet<(String, String)>,
) {
    let mut changed = |id: &str, detail: String| {
        problems.push(LedgerProblem {
            kind: LedgerProblemKind::Changed,
            repository: line.to_string(),
            scan_id: Some(ScanId(id.to_string())),
            detail,
        });
    };

    let mut previous: Option<&str> = None;
    let mut removals = Vec::new();
    for row in chain {
        match &row.computed {
            Err(error) => changed(&row.id, format!("its record no longer decodes: {error}")),
            Ok(computed) if computed.0 != row.id => {
                changed(&row.id, format!("its content now hashes to {computed}, not to its id"));
            }
            Ok(_) => {}
        }
        if row.record_hash.as_deref() != Some(row.id.as_str()) {
            let found = row.record_hash.as_deref().unwrap_or("NULL");
            changed(&row.id, format!("its record_hash is {found}, not its id"));
        }

        match (row.parent_hash.as_deref(), previous) {
            (parent, expected) if parent == expected => {}
            (Some(parent), _) if !stored_ids.contains(parent) => {
                let after = previous.map_or("the start of the line".to_string(), |id| format!("scan {id}"));
                removals.push((
                    parent.to_string(),
                    format!("scan {} names it as its parent, but it is missing between {after} and that scan", row.id),
                ));
            }
            (parent, expected) => {
                let found = parent.unwrap_or("NULL");
                let expected = expected.unwrap_or("NULL (the first scan of the line)");
                changed(&row.id, format!("its parent_hash is {found}, but the scan recorded before it in the line is {expected}"));
            }
        }
        // Following the stored id, not the stored hash, keeps one changed row from making its
        // successor look changed too.
        previous = Some(row.id.as_str());
    }

    for (id, detail) in removals {
        if removed.insert((line.to_string(), id.clone())) {
            problems.push(LedgerProblem {
                kind: LedgerProblemKind::Removed,
                repository: line.to_string(),
                scan_id: Some(ScanId(id)),
                detail,
            });
        }
    }
}

/// Names scans that a tag observation refers to but that are gone. This finds a removed newest
/// scan of a line, which no later scan names as its parent, when that scan recorded a tag.
fn check_tag_observations(
    connection: &Connection,
    path: &Path,
    repository: Option<&str>,
    stored_ids: &BTreeSet<String>,
    problems: &mut Vec<LedgerProblem>,
    removed: &mut BTreeSet<(String, String)>,
) -> Result<(), StoreError> {
    let mut statement = connection
        .prepare(
            "SELECT repository, tag, scan_id FROM tag_observations \
             WHERE scan_id IS NOT NULL AND (?1 IS NULL OR repository = ?1) ORDER BY seq",
        )
        .context(path, "prepare the tag observation query")?;
    let observations = statement
        .query_map([repository], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?)))
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .context(path, "read tag observations")?;

    for (line, tag, scan_id) in observations {
        if stored_ids.contains(&scan_id) || !removed.insert((line.clone(), scan_id.clone())) {
            continue;
        }
        problems.push(LedgerProblem {
            kind: LedgerProblemKind::Removed,
            detail: format!("the observation of tag {tag} made by scan {scan_id} remains, but the scan is missing"),
            repository: line,
            scan_id: Some(ScanId(scan_id)),
        });
    }
    Ok(())
}

/// Reports scan rows missing from the insertion numbers 1..=max that no chain or tag
/// observation accounted for. `named_removals` is how many removed scans were already named.
///
/// NOTE: removing the scan with the highest insertion number, when it is the newest of its line
/// and recorded no tag, leaves no trace in the store. Only a copy kept elsewhere (a Git export)
/// shows it.
fn check_insertion_numbers(
    connection: &Connection,
    path: &Path,
    named_removals: usize,
    problems: &mut Vec<LedgerProblem>,
) -> Result<(), StoreError> {
    let mut statement = connection.prepare("SELECT seq FROM scans ORDER BY seq").context(path, "prepare the insertion number query")?;
    let numbers = statement
        .query_map([], |row| row.get::<_, i64>(0))
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .context(path, "read insertion numbers")?;

    let mut missing = Vec::new();
    let mut expected = 1;
    for number in numbers {
        while expected < number {
            missing.push(expected);
            expected += 1;
        }
        expected = number + 1;
    }
    if missing.len() > named_removals {
        let list: Vec<String> = missing.iter().map(i64::to_string).collect();
        problems.push(LedgerProblem {
            kind: LedgerProblemKind::Removed,
            repository: "(unknown)".to_string(),
            scan_id: None,
            detail: format!(
                "scan rows with insertion numbers {} are missing and {} of them are named nowhere; \
                 the newest scan of a line was probably removed",
                list.join(", "),
                missing.len() - named_removals
            ),
        });
    }
    Ok(())
}
