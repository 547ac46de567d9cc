//! Scans and tag observations.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Row};
use scantrail_model::{Digest, Finding, Inventory, LayerRecord, Scan, ScanId, ScanKind};

use super::codec::{
    corrupt, format_time, from_json, parse_digest, parse_time, put_json_blob, to_json_text,
    BlobReader, Context,
};
use crate::{StoreError, TagObservation};

/// The shortest scan id prefix that [`by_prefix`] accepts.
const MIN_PREFIX_LEN: usize = 4;

pub(super) const SCAN_COLUMNS: &str = "id, kind, reference, repository, tag, manifest_digest, index_digest, config_digest, \
     platform, labels_json, layers_json, created, inventory_digest, findings_digest, snapshot_digest, \
     scanner_version, scanned_at, rematch_of";

/// Newest first. Equal `scanned_at` texts mean equal times because the format has a fixed width.
const NEWEST_FIRST: &str = "ORDER BY scanned_at DESC, seq DESC";

/// Inserts the scan row, its blobs and its tag observation, unless the scan is already stored.
pub(super) fn insert(connection: &Connection, path: &Path, scan: &Scan) -> Result<(), StoreError> {
    let id = scan.id.0.as_str();
    let exists = connection
        .query_row("SELECT 1 FROM scans WHERE id = ?1", [id], |_| Ok(()))
        .optional()
        .context(path, "look up the scan")?
        .is_some();
    if exists {
        tracing::debug!(scan = %scan.id, "the scan is already stored");
        return Ok(());
    }

    let inventory_digest = put_json_blob(connection, path, "inventory", &scan.inventory)?;
    let findings_digest = put_json_blob(connection, path, "findings", &scan.findings)?;
    let labels_json = to_json_text("scan labels", &scan.labels)?;
    let layers_json = to_json_text("scan layers", &scan.layers)?;

    // The chain links each scan to the scan recorded before it in the same repository.
    let parent_hash: Option<String> = connection
        .query_row(
            "SELECT id FROM scans WHERE repository = ?1 ORDER BY seq DESC LIMIT 1",
            [&scan.repository],
            |row| row.get(0),
        )
        .optional()
        .context(path, "look up the previous scan of the repository")?;

    connection
        .execute(
            "INSERT INTO scans (id, seq, kind, reference, repository, tag, manifest_digest, index_digest, \
                 config_digest, platform, labels_json, layers_json, created, inventory_digest, findings_digest, \
                 snapshot_digest, scanner_version, scanned_at, rematch_of, record_hash, parent_hash) \
             SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
                 ?15, ?16, ?17, ?18, ?19, ?20 FROM scans",
            params![
                id,
                scan.kind.as_str(),
                scan.reference,
                scan.repository,
                scan.tag,
                scan.manifest_digest.to_string(),
                scan.index_digest.as_ref().map(Digest::to_string),
                scan.config_digest.to_string(),
                scan.platform,
                labels_json,
                layers_json,
                scan.created,
                inventory_digest.to_string(),
                findings_digest.to_string(),
                scan.advisory_snapshot.to_string(),
                scan.scanner_version,
                format_time(&scan.scanned_at),
                scan.rematch_of.as_ref().map(|rematch_of| rematch_of.0.as_str()),
                id,
                parent_hash,
            ],
        )
        .context(path, "insert the scan")?;

    if let (Some(tag), true) = (&scan.tag, scan.kind != ScanKind::Rematch) {
        let observation = TagObservation {
            repository: scan.repository.clone(),
            tag: tag.clone(),
            // A multi-platform tag points at the index, not at the platform's manifest.
            digest: scan
                .index_digest
                .clone()
                .unwrap_or_else(|| scan.manifest_digest.clone()),
            observed_at: scan.scanned_at,
            scan_id: Some(scan.id.clone()),
            source: scan.kind.as_str().to_string(),
        };
        insert_tag_observation(connection, path, &observation)?;
    }
    Ok(())
}

pub(super) fn insert_tag_observation(
    connection: &Connection,
    path: &Path,
    observation: &TagObservation,
) -> Result<(), StoreError> {
    if let Some(scan_id) = &observation.scan_id {
        let exists = connection
            .query_row(
                "SELECT 1 FROM scans WHERE id = ?1",
                [&scan_id.0],
                |_| Ok(()),
            )
            .optional()
            .context(path, "look up the observing scan")?
            .is_some();
        if !exists {
            return Err(StoreError::ScanNotFound(scan_id.clone()));
        }
    }

    connection
        .execute(
            "INSERT INTO tag_observations (seq, repository, tag, digest, observed_at, scan_id, source) \
             SELECT COALESCE(MAX(seq), 0) + 1, ?1, ?2, ?3, ?4, ?5, ?6 FROM tag_observations",
            params![
                observation.repository,
                observation.tag,
                observation.digest.to_string(),
                format_time(&observation.observed_at),
                observation.scan_id.as_ref().map(|scan_id| scan_id.0.as_str()),
                observation.source,
            ],
        )
        .context(path, "insert the tag observation")?;
    Ok(())
}

pub(super) fn by_prefix(
    connection: &Connection,
    path: &Path,
    id_or_prefix: &str,
) -> Result<Option<Scan>, StoreError> {
    let prefix = id_or_prefix.trim().to_ascii_lowercase();
    if prefix.len() < MIN_PREFIX_LEN || !prefix.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(StoreError::InvalidScanId(id_or_prefix.to_string()));
    }

    // The prefix is hex only, so it contains no LIKE wildcard.
    let mut statement = connection
        .prepare("SELECT id FROM scans WHERE id LIKE ?1 ORDER BY id")
        .context(path, "prepare the scan id lookup")?;
    let candidates = statement
        .query_map([format!("{prefix}%")], |row| row.get::<_, String>(0))
        .and_then(Iterator::collect::<Result<Vec<String>, _>>)
        .context(path, "look up scans by id prefix")?;

    match candidates.as_slice() {
        [] => Ok(None),
        [id] => load_one(connection, path, "id = ?1", &[id]),
        _ => Err(StoreError::AmbiguousScanId { prefix, candidates }),
    }
}

pub(super) fn latest_by_tag(
    connection: &Connection,
    path: &Path,
    repository: &str,
    tag: &str,
) -> Result<Option<Scan>, StoreError> {
    load_one(
        connection,
        path,
        "repository = ?1 AND tag = ?2",
        &[repository, tag],
    )
}

pub(super) fn latest_by_digest(
    connection: &Connection,
    path: &Path,
    digest: &Digest,
) -> Result<Option<Scan>, StoreError> {
    let digest = digest.to_string();
    for column in ["manifest_digest", "index_digest", "config_digest"] {
        let scan = load_one(connection, path, &format!("{column} = ?1"), &[&digest])?;
        if scan.is_some() {
            return Ok(scan);
        }
    }
    Ok(None)
}

pub(super) fn of_repository(
    connection: &Connection,
    path: &Path,
    repository: &str,
) -> Result<Vec<Scan>, StoreError> {
    // NOTE: this decodes every scan's inventory and findings; a listing that only needs the
    // scan rows would be cheaper for lines with thousands of scans.
    load(connection, path, "repository = ?1", &[repository], None)
}

pub(super) fn repositories(
    connection: &Connection,
    path: &Path,
) -> Result<Vec<String>, StoreError> {
    let mut statement = connection
        .prepare("SELECT DISTINCT repository FROM scans")
        .context(path, "prepare the repository list")?;
    let mut repositories = statement
        .query_map([], |row| row.get::<_, String>(0))
        .and_then(Iterator::collect::<Result<Vec<String>, _>>)
        .context(path, "list repositories")?;
    // Sorted here, not in SQL, so that the order is byte order whatever a server's collation is.
    repositories.sort();
    Ok(repositories)
}

pub(super) fn tag_observations(
    connection: &Connection,
    path: &Path,
    repository: &str,
    tag: Option<&str>,
) -> Result<Vec<TagObservation>, StoreError> {
    let mut statement = connection
        .prepare(
            "SELECT repository, tag, digest, observed_at, scan_id, source FROM tag_observations \
             WHERE repository = ?1 AND (?2 IS NULL OR tag = ?2) ORDER BY observed_at, seq",
        )
        .context(path, "prepare the tag observation query")?;
    let rows = statement
        .query_map(params![repository, tag], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, String>(5)?,
            ))
        })
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .context(path, "read tag observations")?;

    rows.into_iter()
        .map(|(repository, tag, digest, observed_at, scan_id, source)| {
            Ok(TagObservation {
                digest: parse_digest(path, "tag observation digest", &digest)?,
                observed_at: parse_time(path, "tag observation time", &observed_at)?,
                scan_id: scan_id.map(ScanId),
                repository,
                tag,
                source,
            })
        })
        .collect()
}

fn load_one(
    connection: &Connection,
    path: &Path,
    filter: &str,
    arguments: &[&str],
) -> Result<Option<Scan>, StoreError> {
    Ok(load(connection, path, filter, arguments, Some(1))?
        .into_iter()
        .next())
}

/// Loads the scans that match `filter`, newest first.
fn load(
    connection: &Connection,
    path: &Path,
    filter: &str,
    arguments: &[&str],
    limit: Option<usize>,
) -> Result<Vec<Scan>, StoreError> {
    let limit = limit
        .map(|limit| format!(" LIMIT {limit}"))
        .unwrap_or_default();
    let sql = format!("SELECT {SCAN_COLUMNS} FROM scans WHERE {filter} {NEWEST_FIRST}{limit}");
    let mut statement = connection
        .prepare(&sql)
        .context(path, "prepare the scan query")?;
    let rows = statement
        .query_map(rusqlite::params_from_iter(arguments), ScanRow::read)
        .and_then(Iterator::collect::<Result<Vec<ScanRow>, _>>)
        .context(path, "read scans")?;

    let mut blobs = BlobReader::new(connection, path);
    rows.into_iter()
        .map(|row| row.decode(path, &mut blobs))
        .collect()
}

/// One `scans` row as stored, before its columns are parsed.
pub(super) struct ScanRow {
    id: String,
    kind: String,
    reference: String,
    repository: String,
    tag: Option<String>,
    manifest_digest: String,
    index_digest: Option<String>,
    config_digest: String,
    platform: String,
    labels_json: String,
    layers_json: String,
    created: Option<String>,
    inventory_digest: String,
    findings_digest: String,
    snapshot_digest: String,
    scanner_version: String,
    scanned_at: String,
    rematch_of: Option<String>,
}

impl ScanRow {
    /// Reads the columns in [`SCAN_COLUMNS`] order.
    pub(super) fn read(row: &Row<'_>) -> rusqlite::Result<ScanRow> {
        Ok(ScanRow {
            id: row.get(0)?,
            kind: row.get(1)?,
            reference: row.get(2)?,
            repository: row.get(3)?,
            tag: row.get(4)?,
            manifest_digest: row.get(5)?,
            index_digest: row.get(6)?,
            config_digest: row.get(7)?,
            platform: row.get(8)?,
            labels_json: row.get(9)?,
            layers_json: row.get(10)?,
            created: row.get(11)?,
            inventory_digest: row.get(12)?,
            findings_digest: row.get(13)?,
            snapshot_digest: row.get(14)?,
            scanner_version: row.get(15)?,
            scanned_at: row.get(16)?,
            rematch_of: row.get(17)?,
        })
    }

    pub(super) fn decode(self, path: &Path, blobs: &mut BlobReader<'_>) -> Result<Scan, StoreError> {
        let id = self.id;
        let describe = |column: &str| format!("scan {id} column {column}");

        let kind = match self.kind.as_str() {
            "scan" => ScanKind::Scan,
            "rematch" => ScanKind::Rematch,
            "import" => ScanKind::Import,
            other => {
                return Err(corrupt(
                    path,
                    format!("{} has unknown scan kind {other:?}", describe("kind")),
                ))
            }
        };
        let index_digest = match &self.index_digest {
            Some(text) => Some(parse_digest(path, &describe("index_digest"), text)?),
            None => None,
        };
        let labels: BTreeMap<String, String> =
            from_json(path, &describe("labels_json"), self.labels_json.as_bytes())?;
        let layers: Vec<LayerRecord> =
            from_json(path, &describe("layers_json"), self.layers_json.as_bytes())?;
        let inventory_digest =
            parse_digest(path, &describe("inventory_digest"), &self.inventory_digest)?;
        let findings_digest =
            parse_digest(path, &describe("findings_digest"), &self.findings_digest)?;
        let inventory: Inventory = blobs.read_json("inventory", &inventory_digest)?;
        let findings: Vec<Finding> = blobs.read_json("finding set", &findings_digest)?;

        Ok(Scan {
            kind,
            reference: self.reference,
            repository: self.repository,
            tag: self.tag,
            manifest_digest: parse_digest(
                path,
                &describe("manifest_digest"),
                &self.manifest_digest,
            )?,
            index_digest,
            config_digest: parse_digest(path, &describe("config_digest"), &self.config_digest)?,
            platform: self.platform,
            labels,
            layers,
            created: self.created,
            inventory,
            advisory_snapshot: parse_digest(
                path,
                &describe("snapshot_digest"),
                &self.snapshot_digest,
            )?,
            scanner_version: self.scanner_version,
            findings,
            scanned_at: parse_time(path, &describe("scanned_at"), &self.scanned_at)?,
            rematch_of: self.rematch_of.map(ScanId),
            id: ScanId(id),
        })
    }
}
