-- Resume safety: a half-created application resumes only with the draft it was created from
-- (SHA-256 over its secret requestNo and the draft, so the hash reveals nothing on its own).
ALTER TABLE applications ADD COLUMN draft_hash TEXT;
-- Retention: reports pushed by the partner are purged after the retention time.
ALTER TABLE reports ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX applications_status_created ON applications (status, created_at);
CREATE INDEX sessions_expires ON sessions (expires_at);
