-- The document check, as sqlite/0008_document_check.sql: the application view's
-- `documentCheck` JSON (field paths and codes only, never a value; NULL until a document photo
-- was read), and the draft kept sealed with KYC_DATA_KEY for a later photo while no barcode was
-- read (dropped once one was, when the application is `reviewing`, and by retention after 24 h).
ALTER TABLE applications ADD COLUMN document_check TEXT;
ALTER TABLE applications ADD COLUMN check_draft BYTEA;
-- Retention finds the drafts to drop without reading every application.
CREATE INDEX applications_check_draft ON applications (created_at) WHERE check_draft IS NOT NULL;
