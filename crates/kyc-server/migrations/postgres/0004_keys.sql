-- Data key rotation (KYC_DATA_KEY_PREVIOUS; STAGING.md, "Encryption at rest"), as
-- sqlite/0006_keys.sql. A sealed value is now `version || key id || nonce || ciphertext+tag`,
-- the key id being the first 4 bytes of the SHA-256 of the key that sealed it, so after a
-- rotation the previous key still opens what it sealed. A staged photo keeps that key id (8 hex
-- characters) beside its sealed bytes: the listings (GET /v1/session, GET /v1/handoff, the
-- claim) show only photos a configured key opens, without reading them.
ALTER TABLE staged_photos ADD COLUMN key_id TEXT;

-- Reports pushed by the partner are now sealed with the data key until they are forwarded
-- (associated data report:<applicationId>:<kind>). Those stored before were in the clear, and
-- what was staged before is in the format without a key id, which no longer opens: both are
-- removed (staged data lives at most 24 hours; a report is pushed again).
DELETE FROM reports;
DELETE FROM staged_drafts;
DELETE FROM staged_photos;
