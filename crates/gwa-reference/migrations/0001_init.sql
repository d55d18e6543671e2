-- gwa-reference schema version 1
CREATE TABLE gateways (
    id               TEXT PRIMARY KEY NOT NULL,
    vendor           TEXT,
    product          TEXT,
    firmware         TEXT,
    profile_json     TEXT,
    profile_revision INTEGER,
    wake_addr        TEXT,
    first_seen_ms    INTEGER NOT NULL,
    last_seen_ms     INTEGER,
    last_assessed_ms INTEGER,
    last_verdict     TEXT
);

CREATE TABLE assessments (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    gateway_id       TEXT NOT NULL REFERENCES gateways(id),
    started_ms       INTEGER NOT NULL,
    finished_ms      INTEGER NOT NULL,
    recommendation   TEXT NOT NULL,
    evaluation       TEXT NOT NULL,
    verdict          TEXT NOT NULL CHECK (verdict IN ('trusted', 'not_trusted', 'unknown', 'error')),
    reasons_json     TEXT NOT NULL,
    imv_json         TEXT NOT NULL,
    measurement_json TEXT NOT NULL,
    vendor           TEXT,
    product          TEXT,
    firmware         TEXT,
    peer_addr        TEXT,
    tls              TEXT
);
CREATE INDEX assessments_by_gateway ON assessments (gateway_id, started_ms);

CREATE TABLE logbook (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    assessment_id INTEGER REFERENCES assessments(id),
    gateway_id    TEXT,
    time_ms       INTEGER NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('info', 'warning', 'error')),
    event         TEXT NOT NULL,
    detail        TEXT NOT NULL
);
CREATE INDEX logbook_by_assessment ON logbook (assessment_id);

CREATE TABLE manufacturers (
    name           TEXT PRIMARY KEY NOT NULL,
    pen            INTEGER NOT NULL UNIQUE,
    public_key_pem TEXT NOT NULL,
    added_ms       INTEGER NOT NULL
);

CREATE TABLE firmware (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor           TEXT NOT NULL REFERENCES manufacturers(name),
    vendor_pen       INTEGER NOT NULL,
    product          TEXT NOT NULL,
    version          TEXT NOT NULL,
    algorithm        TEXT NOT NULL CHECK (algorithm IN ('sha256', 'sha384')),
    manifest_sha256  TEXT NOT NULL,
    imported_ms      INTEGER NOT NULL,
    UNIQUE (vendor_pen, product, version)
);

CREATE TABLE reference_values (
    firmware_id INTEGER NOT NULL REFERENCES firmware(id),
    path        TEXT NOT NULL,
    digest      BLOB NOT NULL,
    PRIMARY KEY (firmware_id, path)
);
