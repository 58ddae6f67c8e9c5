-- No applicant PII at rest: sessions, the application <-> requestNo link, status, which
-- documents were uploaded, and timestamps only.
CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,
    token_hash       BLOB NOT NULL,
    external_user_id TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
);

CREATE TABLE applications (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL UNIQUE REFERENCES sessions(id),
    request_no  TEXT NOT NULL UNIQUE,
    -- creating | draft | reviewing | approved | rejected
    status      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE documents (
    application_id TEXT NOT NULL REFERENCES applications(id),
    kind           TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    uploaded_at    INTEGER NOT NULL,
    PRIMARY KEY (application_id, kind)
);

-- AML / IDV reports pushed by the partner's server, held only until submit forwards them.
CREATE TABLE reports (
    application_id TEXT NOT NULL REFERENCES applications(id),
    kind           TEXT NOT NULL,
    bytes          BLOB NOT NULL,
    PRIMARY KEY (application_id, kind)
);
