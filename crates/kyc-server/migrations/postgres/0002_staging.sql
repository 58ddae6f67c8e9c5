-- Staging and "continue on a phone" (STAGING.md), as sqlite/0004_staging.sql. An applicant's
-- unsubmitted data, keyed by the partner's user: every value is sealed with KYC_DATA_KEY
-- (AES-256-GCM, nonce || ciphertext + tag, bound to its row by associated data), so nothing
-- here is readable without the key. created_at is the first write: later writes do not extend
-- the 24-hour lifetime.
CREATE TABLE staged_drafts (
    external_user_id TEXT PRIMARY KEY,
    -- {"step", "noExpiry", "draft"} sealed with associated data draft:<externalUserId>
    sealed           BYTEA NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX staged_drafts_created ON staged_drafts (created_at);

CREATE TABLE staged_photos (
    external_user_id TEXT NOT NULL,
    -- idFront | idBack | face
    kind             TEXT NOT NULL,
    -- the cleaned JPEG sealed with associated data photo:<externalUserId>:<kind>
    sealed           BYTEA NOT NULL,
    -- camera | file
    source           TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    uploaded_at      BIGINT NOT NULL,
    PRIMARY KEY (external_user_id, kind)
);
CREATE INDEX staged_photos_created ON staged_photos (created_at);

-- One handoff per user (the primary key): a new one replaces the row, so every earlier link
-- and capability stops working. Only SHA-256 of the one-time token, of the phone's device id
-- and of the capability are kept.
CREATE TABLE handoffs (
    external_user_id TEXT PRIMARY KEY,
    token_hash       BYTEA NOT NULL UNIQUE,
    match_code       TEXT NOT NULL,
    device_hash      BYTEA,
    capability_hash  BYTEA UNIQUE,
    -- waiting | connected | done | cancelled (expired is computed from the times)
    state            TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    -- the link can be claimed until then
    expires_at       BIGINT NOT NULL,
    -- the capability lives 30 minutes from its claim
    claimed_at       BIGINT
);
CREATE INDEX handoffs_expires ON handoffs (expires_at);
