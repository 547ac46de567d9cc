-- scantrail history store, schema version 1.
--
-- Types are limited to TEXT, BIGINT and BLOB so that a PostgreSQL store can use the same tables
-- (BLOB becomes BYTEA there). Timestamps are RFC 3339 UTC text with exactly nine fractional
-- digits, for example 2024-05-01T12:00:00.000000000Z: the fixed width makes text order equal
-- time order, and it keeps chrono's nanoseconds, which scan ids are computed over.
-- Digests are `sha256:<64 hex>` text. Scan ids are 64 lowercase hex digits.

-- Content-addressed storage for inventories, finding sets and advisory records. `digest` is the
-- SHA-256 of the uncompressed content, so equal content is stored once; `content` is that content
-- compressed with zstd. `kind` is 'inventory', 'findings' or 'advisory'.
CREATE TABLE blobs (
    digest  TEXT   NOT NULL PRIMARY KEY,
    kind    TEXT   NOT NULL,
    size    BIGINT NOT NULL,
    content BLOB   NOT NULL
);

-- Advisory snapshots: immutable, digest-identified sets of advisory records. `parent` is the
-- snapshot this one was merged over. `per_ecosystem_json` is a JSON object from ecosystem name
-- to record count, computed by the caller.
CREATE TABLE snapshots (
    digest             TEXT   NOT NULL PRIMARY KEY,
    created_at         TEXT   NOT NULL,
    parent             TEXT   REFERENCES snapshots (digest),
    record_count       BIGINT NOT NULL,
    per_ecosystem_json TEXT   NOT NULL
);

-- The records of each snapshot: advisory id and the digest of its JSON in `blobs`.
CREATE TABLE snapshot_records (
    snapshot      TEXT NOT NULL REFERENCES snapshots (digest),
    advisory_id   TEXT NOT NULL,
    record_digest TEXT NOT NULL REFERENCES blobs (digest),
    PRIMARY KEY (snapshot, advisory_id)
);

-- The advisory files imported into each snapshot, in import order (`position`). Sources of the
-- snapshots it was merged over are found through `snapshots.parent`.
CREATE TABLE snapshot_sources (
    snapshot           TEXT   NOT NULL REFERENCES snapshots (digest),
    position           BIGINT NOT NULL,
    path               TEXT   NOT NULL,
    imported_at        TEXT   NOT NULL,
    record_count       BIGINT NOT NULL,
    withdrawn_skipped  BIGINT NOT NULL,
    per_ecosystem_json TEXT   NOT NULL,
    PRIMARY KEY (snapshot, position)
);

-- Store-wide values. Key 'current_snapshot' contains the digest of the current advisory snapshot.
CREATE TABLE settings (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

-- Scans, append-only: rows are inserted and never updated or deleted.
-- `seq` is the insertion order, 1, 2, 3, …, assigned inside the inserting transaction
-- (PostgreSQL: take it from a sequence). `inventory_digest` and `findings_digest` point into
-- `blobs`. `snapshot_digest` has no foreign key because imported scans name snapshots that this
-- store may not hold, and `rematch_of` has none so that a scan can be copied without its origin.
-- `labels_json` is a JSON object, `layers_json` a JSON array of layer records.
-- `record_hash` and `parent_hash` prepare a tamper-evident chain: `record_hash` is the scan id
-- and `parent_hash` the id of the previous scan recorded for the same repository (by `seq`),
-- NULL for the first. schema_v2.sql keeps this format and fills in rows that lack the columns.
CREATE TABLE scans (
    id               TEXT   NOT NULL PRIMARY KEY,
    seq              BIGINT NOT NULL UNIQUE,
    kind             TEXT   NOT NULL,
    reference        TEXT   NOT NULL,
    repository       TEXT   NOT NULL,
    tag              TEXT,
    manifest_digest  TEXT   NOT NULL,
    index_digest     TEXT,
    config_digest    TEXT   NOT NULL,
    platform         TEXT   NOT NULL,
    labels_json      TEXT   NOT NULL,
    layers_json      TEXT   NOT NULL,
    created          TEXT,
    inventory_digest TEXT   NOT NULL REFERENCES blobs (digest),
    findings_digest  TEXT   NOT NULL REFERENCES blobs (digest),
    snapshot_digest  TEXT   NOT NULL,
    scanner_version  TEXT   NOT NULL,
    scanned_at       TEXT   NOT NULL,
    rematch_of       TEXT,
    record_hash      TEXT,
    parent_hash      TEXT
);

CREATE INDEX scans_repository_seq ON scans (repository, seq);
CREATE INDEX scans_repository_tag ON scans (repository, tag);
CREATE INDEX scans_manifest_digest ON scans (manifest_digest);
CREATE INDEX scans_index_digest ON scans (index_digest);
CREATE INDEX scans_config_digest ON scans (config_digest);

-- Tag observations, the reflog of each tag: tag `tag` of `repository` pointed at `digest` when
-- `source` looked at `observed_at`. `scan_id` is set when a scan made the observation. `seq` is
-- the insertion order, assigned like `scans.seq`.
CREATE TABLE tag_observations (
    seq         BIGINT NOT NULL PRIMARY KEY,
    repository  TEXT   NOT NULL,
    tag         TEXT   NOT NULL,
    digest      TEXT   NOT NULL,
    observed_at TEXT   NOT NULL,
    scan_id     TEXT   REFERENCES scans (id),
    source      TEXT   NOT NULL
);

CREATE INDEX tag_observations_repository_tag ON tag_observations (repository, tag, observed_at);
