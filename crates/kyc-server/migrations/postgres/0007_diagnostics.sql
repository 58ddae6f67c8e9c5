-- Diagnostics (POST /v1/diagnostics), as sqlite/0009_diagnostics.sql: the PII-free trace a
-- session's widget sent last — the kyc_domain::diagnostics::Diagnostics JSON that passed its
-- check (closed-vocabulary codes only, re-serialised, never the bytes received). One row per
-- session: a later trace replaces it. Deleted by retention once not updated for the retention
-- time.
CREATE TABLE diagnostics (
    session_id       TEXT PRIMARY KEY,
    external_user_id TEXT NOT NULL,
    -- the session's first trace
    created_at       BIGINT NOT NULL,
    -- its latest trace
    updated_at       BIGINT NOT NULL,
    body             TEXT NOT NULL
);
CREATE INDEX diagnostics_user ON diagnostics (external_user_id);
CREATE INDEX diagnostics_updated ON diagnostics (updated_at);
