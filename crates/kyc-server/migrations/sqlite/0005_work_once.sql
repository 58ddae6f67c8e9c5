-- Work once (issue 22). A submit holds a lease on its application while it forwards the staged
-- photos and the reports and calls merchantProcess: lease_until is renewed by the holder
-- (lease_owner, a random id per claim) while it works, so the reconciler completes a submit
-- only once the lease ran out (its instance died). An upload to the application counts as in
-- flight (uploads, marked only while the application is draft, with uploads_until renewed by
-- the upload) and the submit's claim waits for it; a crashed upload's mark runs out.
ALTER TABLE applications ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN uploads INTEGER NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN uploads_until INTEGER NOT NULL DEFAULT 0;
