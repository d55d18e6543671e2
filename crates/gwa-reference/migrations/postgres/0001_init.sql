-- gwa-reference PostgreSQL schema version 1 (the same data model as SQLite schema version 2)
CREATE TABLE gateways (
    id                 TEXT PRIMARY KEY,
    vendor             TEXT,
    product            TEXT,
    firmware           TEXT,
    profile_json       TEXT,
    profile_revision   BIGINT,
    wake_addr          TEXT,
    first_seen_ms      BIGINT NOT NULL,
    last_seen_ms       BIGINT,
    last_assessed_ms   BIGINT,
    last_verdict       TEXT,
    last_assessment_id BIGINT
);
CREATE INDEX gateways_by_last_assessed ON gateways (last_assessed_ms);

CREATE TABLE assessments (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uid              TEXT NOT NULL UNIQUE,
    connection_id    TEXT,
    gateway_id       TEXT NOT NULL REFERENCES gateways (id),
    started_ms       BIGINT NOT NULL,
    finished_ms      BIGINT NOT NULL,
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
CREATE INDEX assessments_by_connection ON assessments (connection_id);

CREATE TABLE logbook (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assessment_id BIGINT REFERENCES assessments (id),
    gateway_id    TEXT,
    time_ms       BIGINT NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('info', 'warning', 'error')),
    event         TEXT NOT NULL,
    detail        TEXT NOT NULL
);
CREATE INDEX logbook_by_assessment ON logbook (assessment_id);
CREATE INDEX logbook_by_event ON logbook (event);

CREATE TABLE manufacturers (
    name           TEXT PRIMARY KEY,
    pen            BIGINT NOT NULL UNIQUE,
    public_key_pem TEXT NOT NULL,
    added_ms       BIGINT NOT NULL
);

CREATE TABLE firmware (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vendor          TEXT NOT NULL REFERENCES manufacturers (name),
    vendor_pen      BIGINT NOT NULL,
    product         TEXT NOT NULL,
    version         TEXT NOT NULL,
    algorithm       TEXT NOT NULL CHECK (algorithm IN ('sha256', 'sha384')),
    manifest_sha256 TEXT NOT NULL,
    imported_ms     BIGINT NOT NULL,
    UNIQUE (vendor_pen, product, version)
);

CREATE TABLE reference_values (
    firmware_id BIGINT NOT NULL REFERENCES firmware (id),
    path        TEXT NOT NULL,
    digest      BYTEA NOT NULL,
    PRIMARY KEY (firmware_id, path)
);
