-- gwa-reference schema version 2: fleet deployments
-- idempotency key of an assessment (a repeated commit after a lost acknowledgement finds it),
-- the TLS connection that produced it (SHA-256 of the channel binding, the same on both sides),
-- the gateway summary's source assessment, and indexes for the metrics' fleet counts
ALTER TABLE assessments ADD COLUMN uid TEXT;
ALTER TABLE assessments ADD COLUMN connection_id TEXT;
CREATE UNIQUE INDEX assessments_by_uid ON assessments (uid);
CREATE INDEX assessments_by_connection ON assessments (connection_id);
ALTER TABLE gateways ADD COLUMN last_assessment_id INTEGER;
CREATE INDEX gateways_by_last_assessed ON gateways (last_assessed_ms);
CREATE INDEX logbook_by_event ON logbook (event);
