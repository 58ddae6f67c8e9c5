-- A link claimed by a second device (STAGING.md), as sqlite/0007_handoff.sql: the handoff ends as
-- `taken` (the link and the capability stop working) and the photos its phone staged are
-- dropped, as which of the two devices is the applicant's cannot be told. A staged photo
-- remembers the handoff it came through: the SHA-256 of that link's one-time token (unique per
-- link); NULL when the desktop staged it (a later photo of that kind from the desktop resets it).
ALTER TABLE staged_photos ADD COLUMN via_handoff BYTEA;
