//! Remediation records and the scan each is linked to.

use std::path::Path;

use rusqlite::{params, Connection};
use scantrail_model::{matches_vulnerability, Finding, Remediation, RemediationLink, ScanId};

use super::codec::{corrupt, format_time, from_json, parse_digest, parse_time, to_json_text, BlobReader, Context};
use crate::{NewRemediation, StoreError};

/// Inserts a record, linked to the scan where its vulnerability left the line if there is one.
pub(super) fn insert(
    connection: &Connection,
    path: &Path,
    remediation: &NewRemediation,
) -> Result<Remediation, StoreError> {
    let line = line_findings(connection, path, &remediation.repository)?;
    let left_scan = departure(&line, &remediation.vulnerability_id, &remediation.aliases).cloned();
    let aliases_json = to_json_text("remediation aliases", &remediation.aliases)?;

    let seq: i64 = connection
        .query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM remediations", [], |row| row.get(0))
        .context(path, "number the remediation record")?;
    connection
        .execute(
            "INSERT INTO remediations (seq, repository, vulnerability_id, aliases_json, requested_id, action, \
                 note, ticket, remediated_by, recorded_at, left_scan) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                seq,
                remediation.repository,
                remediation.vulnerability_id,
                aliases_json,
                remediation.requested_id,
                remediation.action.as_str(),
                remediation.note,
                remediation.ticket,
                remediation.by,
                format_time(&remediation.recorded_at),
                left_scan.as_ref().map(|id| id.0.as_str()),
            ],
        )
        .context(path, "insert the remediation record")?;

    Ok(Remediation {
        id: u64::try_from(seq).unwrap_or_default(),
        repository: remediation.repository.clone(),
        vulnerability_id: remediation.vulnerability_id.clone(),
        aliases: remediation.aliases.clone(),
        requested_id: remediation.requested_id.clone(),
        action: remediation.action,
        note: remediation.note.clone(),
        ticket: remediation.ticket.clone(),
        by: remediation.by.clone(),
        recorded_at: remediation.recorded_at,
        link: if left_scan.is_some() { RemediationLink::Recorded } else { RemediationLink::Pending },
        left_scan,
    })
}

/// Reads the records of a repository, oldest first, and links the unlinked ones.
pub(super) fn of_repository(
    connection: &Connection,
    path: &Path,
    repository: &str,
    vulnerability_id: Option<&str>,
) -> Result<Vec<Remediation>, StoreError> {
    let mut statement = connection
        .prepare(
            "SELECT seq, vulnerability_id, aliases_json, requested_id, action, note, ticket, remediated_by, \
                 recorded_at, left_scan \
             FROM remediations WHERE repository = ?1 ORDER BY seq",
        )
        .context(path, "prepare the remediation query")?;
    let rows = statement
        .query_map([repository], |row| {
            Ok(RemediationRow {
                seq: row.get(0)?,
                vulnerability_id: row.get(1)?,
                aliases_json: row.get(2)?,
                requested_id: row.get(3)?,
                action: row.get(4)?,
                note: row.get(5)?,
                ticket: row.get(6)?,
                by: row.get(7)?,
                recorded_at: row.get(8)?,
                left_scan: row.get(9)?,
            })
        })
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .context(path, "read remediation records")?;

    let mut records = Vec::new();
    for row in rows {
        let record = row.decode(path, repository)?;
        if vulnerability_id.is_none_or(|id| record.has_id(id)) {
            records.push(record);
        }
    }

    // The line's findings are read only when a record still needs its scan.
    if records.iter().any(|record| record.left_scan.is_none()) {
        let line = line_findings(connection, path, repository)?;
        for record in records.iter_mut().filter(|record| record.left_scan.is_none()) {
            if let Some(scan) = departure(&line, &record.vulnerability_id, &record.aliases) {
                record.left_scan = Some(scan.clone());
                record.link = RemediationLink::Computed;
            }
        }
    }
    Ok(records)
}

struct RemediationRow {
    seq: i64,
    vulnerability_id: String,
    aliases_json: String,
    requested_id: String,
    action: String,
    note: String,
    ticket: Option<String>,
    by: String,
    recorded_at: String,
    left_scan: Option<String>,
}

impl RemediationRow {
    fn decode(self, path: &Path, repository: &str) -> Result<Remediation, StoreError> {
        let describe = |column: &str| format!("remediation record {} column {column}", self.seq);
        let action = self
            .action
            .parse()
            .map_err(|error: String| corrupt(path, format!("{}: {error}", describe("action"))))?;
        let id = u64::try_from(self.seq)
            .map_err(|_| corrupt(path, format!("{} is negative", describe("seq"))))?;
        Ok(Remediation {
            id,
            repository: repository.to_string(),
            aliases: from_json(path, &describe("aliases_json"), self.aliases_json.as_bytes())?,
            recorded_at: parse_time(path, &describe("recorded_at"), &self.recorded_at)?,
            link: if self.left_scan.is_some() { RemediationLink::Recorded } else { RemediationLink::Pending },
            left_scan: self.left_scan.map(ScanId),
            vulnerability_id: self.vulnerability_id,
            requested_id: self.requested_id,
            action,
            note: self.note,
            ticket: self.ticket,
            by: self.by,
        })
    }
}

/// Reads the findings of every scan of a line, oldest first (by `scanned_at`, then insertion order).
fn line_findings(connection: &Connection, path: &Path, repository: &str) -> Result<Vec<(ScanId, Vec<Finding>)>, StoreError> {
    let mut statement = connection
        .prepare("SELECT id, findings_digest FROM scans WHERE repository = ?1 ORDER BY scanned_at, seq")
        .context(path, "prepare the finding sets query")?;
    let rows = statement
        .query_map([repository], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .context(path, "read the finding sets of the line")?;

    let mut blobs = BlobReader::new(connection, path);
    rows.into_iter()
        .map(|(id, findings_digest)| {
            let digest = parse_digest(path, &format!("scan {id} column findings_digest"), &findings_digest)?;
            let findings: Vec<Finding> = blobs.read_json("finding set", &digest)?;
            Ok((ScanId(id), findings))
        })
        .collect()
}

/// Finds the first scan without the vulnerability after its last appearance. Returns `None`
/// when the newest scan still has it or no scan ever had it.
fn departure<'a>(line: &'a [(ScanId, Vec<Finding>)], vulnerability_id: &str, aliases: &[String]) -> Option<&'a ScanId> {
    let last_appearance = line
        .iter()
        .rposition(|(_, findings)| findings.iter().any(|finding| matches_vulnerability(vulnerability_id, aliases, finding)))?;
    line.get(last_appearance + 1).map(|(id, _)| id)
}
