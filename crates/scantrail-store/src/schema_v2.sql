-- scantrail history store, schema version 2: remediation records and the settled scan chain.
--
-- Applied to a version 1 store in place, inside the migration transaction.

-- Remediation records, append-only: "vulnerability `vulnerability_id` of line `repository` was
-- dealt with by `action`". `seq` is the insertion order, assigned like `scans.seq`.
-- `aliases_json` is a JSON array of the vulnerability's other ids. `left_scan` is the first scan
-- of the line without the vulnerability after its last appearance, when one existed as the
-- record was stored. It has no foreign key, like `scans.rematch_of`, so that records survive a
-- copy of the store without that scan. Readers compute the scan when `left_scan` is NULL.
CREATE TABLE remediations (
    seq              BIGINT NOT NULL PRIMARY KEY,
    repository       TEXT   NOT NULL,
    vulnerability_id TEXT   NOT NULL,
    aliases_json     TEXT   NOT NULL,
    requested_id     TEXT   NOT NULL,
    action           TEXT   NOT NULL,
    note             TEXT   NOT NULL,
    ticket           TEXT,
    remediated_by    TEXT   NOT NULL,
    recorded_at      TEXT   NOT NULL,
    left_scan        TEXT
);

CREATE INDEX remediations_repository ON remediations (repository, vulnerability_id);

-- The scan chain: `record_hash` is the scan id, that is the SHA-256 of the scan's canonical JSON
-- (`Scan::compute_id`), and `parent_hash` is the `record_hash` of the previous scan recorded for
-- the same repository (by `seq`), NULL for the first. Version 1 wrote the same values; this fills
-- them in for rows that lack them.
UPDATE scans SET record_hash = id WHERE record_hash IS NULL;
UPDATE scans SET parent_hash = (
    SELECT previous.id FROM scans AS previous
    WHERE previous.repository = scans.repository AND previous.seq < scans.seq
    ORDER BY previous.seq DESC LIMIT 1
) WHERE parent_hash IS NULL;
