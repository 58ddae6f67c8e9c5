-- The whole schema for PostgreSQL (the SQLite migrations 0001-0003 in one). No applicant PII
-- at rest: sessions (token hashes), the application <-> requestNo link, statuses and their
-- history, which documents were uploaded, partner notifications (ids and statuses), jobs and
-- counters.
CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,
    token_hash       BYTEA NOT NULL,
    external_user_id TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE applications (
    id               TEXT PRIMARY KEY,
    session_id       TEXT NOT NULL UNIQUE REFERENCES sessions(id),
    request_no       TEXT NOT NULL UNIQUE,
    -- creating | draft | submitting | reviewing | approved | rejected
    status           TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    draft_hash       TEXT,
    external_user_id TEXT NOT NULL DEFAULT '',
    reconciled_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX applications_status_created ON applications (status, created_at);
CREATE UNIQUE INDEX applications_user ON applications (external_user_id);

CREATE TABLE documents (
    application_id TEXT NOT NULL REFERENCES applications(id),
    kind           TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    uploaded_at    BIGINT NOT NULL,
    source         TEXT NOT NULL DEFAULT 'file',
    PRIMARY KEY (application_id, kind)
);

CREATE TABLE reports (
    application_id TEXT NOT NULL REFERENCES applications(id),
    kind           TEXT NOT NULL,
    bytes          BYTEA NOT NULL,
    created_at     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (application_id, kind)
);

CREATE TABLE status_history (
    id             BIGSERIAL PRIMARY KEY,
    application_id TEXT NOT NULL,
    status         TEXT NOT NULL,
    at             BIGINT NOT NULL,
    source         TEXT NOT NULL
);
CREATE INDEX status_history_app ON status_history (application_id, id);

CREATE TABLE events (
    id             BIGSERIAL PRIMARY KEY,
    event_id       TEXT NOT NULL UNIQUE,
    application_id TEXT NOT NULL,
    body           TEXT NOT NULL,
    attempts       BIGINT NOT NULL DEFAULT 0,
    next_at        BIGINT NOT NULL,
    locked_until   BIGINT NOT NULL DEFAULT 0,
    delivered_at   BIGINT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX events_pending ON events (delivered_at, next_at);
CREATE INDEX events_app ON events (application_id, id);

CREATE TABLE jobs (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL,
    target       TEXT NOT NULL,
    run_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    -- bumped when the same work is asked for again while it runs: it then runs once more
    gen          BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    UNIQUE (kind, target)
);
CREATE INDEX jobs_due ON jobs (run_at);

CREATE TABLE counters (
    key    TEXT NOT NULL,
    "window" BIGINT NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (key, "window")
);
