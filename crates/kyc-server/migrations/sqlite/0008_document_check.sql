-- The document check (src/document_check.rs): what reading the document photo found, as the
-- application view's `documentCheck` JSON (field paths and codes only, never a value); NULL
-- until a document photo was read. While no barcode was read, the draft is kept for a later
-- photo, sealed with KYC_DATA_KEY like staging (check_draft); dropped once a barcode was read,
-- when the application is `reviewing`, and by retention after 24 hours.
ALTER TABLE applications ADD COLUMN document_check TEXT;
ALTER TABLE applications ADD COLUMN check_draft BLOB;
-- Retention finds the drafts to drop without reading every application.
CREATE INDEX applications_check_draft ON applications (created_at) WHERE check_draft IS NOT NULL;
