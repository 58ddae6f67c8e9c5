-- Many instances, one database (issue "at scale"): the application belongs to the partner's
-- user, not to the session that created it; the submit is a state machine in the database;
-- status history, partner notifications, durable jobs and the shared rate limit live here.
ALTER TABLE applications ADD COLUMN external_user_id TEXT NOT NULL DEFAULT '';
UPDATE applications SET external_user_id = (SELECT s.external_user_id FROM sessions s WHERE s.id = applications.session_id);
CREATE INDEX applications_user ON applications (external_user_id);
ALTER TABLE applications ADD COLUMN reconciled_at INTEGER NOT NULL DEFAULT 0;

ALTER TABLE documents ADD COLUMN source TEXT NOT NULL DEFAULT 'file';

CREATE TABLE status_history (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT NOT NULL,
    status         TEXT NOT NULL,
    at             INTEGER NOT NULL,
    source         TEXT NOT NULL
);
CREATE INDEX status_history_app ON status_history (application_id, id);

-- Partner notifications (contract.md §1a): one row per status change, delivered in id order
-- per application, at least once, with the same event_id on every attempt.
CREATE TABLE events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT NOT NULL UNIQUE,
    application_id TEXT NOT NULL,
    body           TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_at        INTEGER NOT NULL,
    locked_until   INTEGER NOT NULL DEFAULT 0,
    delivered_at   INTEGER,
    created_at     INTEGER NOT NULL
);
CREATE INDEX events_pending ON events (delivered_at, next_at);
CREATE INDEX events_app ON events (application_id, id);

-- Durable work: webhook confirmations and reconciliations, claimed by any instance.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    target       TEXT NOT NULL,
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    -- bumped when the same work is asked for again while it runs: it then runs once more
    gen          INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    UNIQUE (kind, target)
);
CREATE INDEX jobs_due ON jobs (run_at);

-- Fixed-window counters shared by every instance (rate limits, creation limits).
CREATE TABLE counters (
    key    TEXT NOT NULL,
    "window" INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (key, "window")
);
