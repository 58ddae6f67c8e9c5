//! Applications: the row and its status (conditional moves, recorded in the history and, when
//! asked, queued as a partner notification in the same transaction), uploaded documents,
//! partner reports, the document check, the submit's claim and lease, and uploads in flight.

use kyc_domain::ApplicationStatus;

use super::{sql, sql_list, Backend, Db, StateName};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: String,
    pub session_id: String,
    pub request_no: String,
    #[sqlx(try_from = "StateName")]
    pub status: ApplicationStatus,
    pub updated_at: i64,
    pub external_user_id: String,
    pub created_at: i64,
}

/// One entry of an application's status history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HistoryEntry {
    #[sqlx(try_from = "StateName")]
    pub status: ApplicationStatus,
    pub at: i64,
    pub source: String,
}

/// One uploaded document, as the admin view shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DocumentEntry {
    pub kind: String,
    pub source: String,
    pub uploaded_at: i64,
}

/// How many applications have one status ([`Db::applications_by_status`]).
#[derive(sqlx::FromRow)]
struct StatusCount {
    #[sqlx(try_from = "StateName")]
    status: ApplicationStatus,
    n: i64,
}

/// A document's hash as [`Db::document_hash`] reads it.
#[derive(sqlx::FromRow)]
struct DocumentHash {
    sha256: String,
    uploaded_at: i64,
}

/// What a submit's claim ([`Db::claim_submit`]) came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This caller moved the application `draft → submitting` and holds its lease.
    Won,
    /// The application is `draft` but could not be claimed just now (an upload to it is in
    /// flight, or was a moment ago): try again shortly.
    UploadsInFlight,
    /// Another caller claimed it, or it is not `draft`.
    Lost,
}

/// Builds the body of an `application.status_changed` partner notification
/// (docs/notifications.md) from the event id, the application id, its `externalUserId`, the
/// new status, the previous one as the partner saw it and the time (unix seconds). The work
/// layer provides it (`work::notify::status_changed_body`); this layer only stores the body.
pub type StatusChangedBody = fn(&str, &str, &str, ApplicationStatus, Option<ApplicationStatus>, i64) -> String;

/// Builds the body of an `application.document_checked` partner notification
/// (docs/notifications.md) from the event id, the application id, its `externalUserId`, the
/// `documentCheck` JSON and the time (unix seconds) (`work::notify::document_checked_body`).
pub type DocumentCheckedBody = fn(&str, &str, &str, &str, i64) -> String;

/// An application's document check as stored (document_check.rs): the `documentCheck` JSON,
/// and the draft sealed for a later check while it is still open.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct CheckState {
    pub document_check: Option<String>,
    pub check_draft: Option<Vec<u8>>,
}

/// A document check to record ([`Db::record_document_check`]).
pub struct CheckRecord<'a> {
    pub id: &'a str,
    /// The `documentCheck` JSON.
    pub check: &'a str,
    /// The check stored now (`None`: none yet): recorded only if it is still that one, so of two
    /// instances checking at once one records (and notifies).
    pub previous: Option<&'a str>,
    /// Keep the sealed draft for a later photo (nothing was read yet), or drop it.
    pub keep_draft: bool,
    pub now: i64,
    /// `Some` when the partner is to be notified (docs/notifications.md).
    pub notify: Option<DocumentCheckedBody>,
}

/// A status change to record (and to notify, when `notify` holds the body's builder).
pub struct Transition<'a> {
    pub id: &'a str,
    pub from: &'a [ApplicationStatus],
    pub to: ApplicationStatus,
    pub source: &'a str,
    pub now: i64,
    /// `Some` when the partner is to be notified (docs/notifications.md).
    pub notify: Option<StatusChangedBody>,
}

const APP_COLUMNS: &str = "id, session_id, request_no, status, updated_at, external_user_id, created_at";

impl Db {
    pub async fn application(&self, id: &str) -> sqlx::Result<Option<ApplicationRow>> {
        let sql = format!("SELECT {APP_COLUMNS} FROM applications WHERE id = $1");
        sqlx::query_as::<_, ApplicationRow>(&sql).bind(id).fetch_optional(&self.pool).await
    }

    pub async fn application_by_request_no(&self, rn: &str) -> sqlx::Result<Option<ApplicationRow>> {
        let sql = format!("SELECT {APP_COLUMNS} FROM applications WHERE request_no = $1");
        sqlx::query_as::<_, ApplicationRow>(&sql).bind(rn).fetch_optional(&self.pool).await
    }

    /// The application of a partner user (there is at most one).
    pub async fn application_of_user(&self, external_user_id: &str) -> sqlx::Result<Option<ApplicationRow>> {
        let sql =
            format!("SELECT {APP_COLUMNS} FROM applications WHERE external_user_id = $1 ORDER BY created_at LIMIT 1");
        sqlx::query_as::<_, ApplicationRow>(&sql).bind(external_user_id).fetch_optional(&self.pool).await
    }

    /// Records the application before the upstream call (status `creating`), so a crash between
    /// the two leaves a row to resume with the same `requestNo`. `false` when the user already
    /// has an application (one per `externalUserId`, whichever instance tries).
    pub async fn insert_application(&self, a: &ApplicationRow, draft_hash: &str, now: i64) -> sqlx::Result<bool> {
        let r = sqlx::query(
            "INSERT INTO applications (id, session_id, request_no, status, created_at, updated_at, draft_hash, external_user_id) \
             SELECT $1, $2, $3, $4, $5, $5, $6, $7 \
             WHERE NOT EXISTS (SELECT 1 FROM applications WHERE external_user_id = $7 OR session_id = $2)",
        )
        .bind(&a.id)
        .bind(&a.session_id)
        .bind(&a.request_no)
        .bind(a.status.as_str())
        .bind(now)
        .bind(draft_hash)
        .bind(&a.external_user_id)
        .execute(&self.pool)
        .await;
        match r {
            Ok(r) => Ok(r.rows_affected() == 1),
            // PostgreSQL: a concurrent insert for the same user lost on the unique index.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The hash of the draft a half-created application was created from.
    pub async fn draft_hash(&self, id: &str) -> sqlx::Result<Option<String>> {
        let r = sqlx::query_scalar::<_, Option<String>>("SELECT draft_hash FROM applications WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.flatten())
    }

    pub async fn delete_application(&self, id: &str) -> sqlx::Result<()> {
        let mut tx = self.pool.begin().await?;
        for sql in [
            "DELETE FROM documents WHERE application_id = $1",
            "DELETE FROM reports WHERE application_id = $1",
            "DELETE FROM status_history WHERE application_id = $1",
            "DELETE FROM applications WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// Moves an application from one of `t.from` to `t.to` with a conditional update (so of two
    /// instances only one can win), records the change in its history and, when asked, queues
    /// the partner notification — all in one transaction. Returns the status it moved from.
    pub async fn transition(&self, t: &Transition<'_>) -> sqlx::Result<Option<ApplicationStatus>> {
        debug_assert!(
            t.from.iter().all(|&from| ApplicationStatus::allowed(from, t.to)),
            "{:?} → {} is not in APPLICATION_TRANSITIONS",
            t.from,
            t.to
        );
        let submitted = t.to.is_submitted();
        if let ([from], Backend::Postgres, None, false) = (t.from, self.backend, t.notify, submitted) {
            // One round trip instead of four (BEGIN, UPDATE, INSERT, COMMIT) where nothing but
            // the history follows the move — the create path's `creating → draft` among them:
            // the update and its history entry are one statement, atomic as the transaction.
            let moved = sqlx::query(
                "WITH moved AS (UPDATE applications SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4 \
                 RETURNING id) \
                 INSERT INTO status_history (application_id, status, at, source) SELECT id, $1, $2, $5 FROM moved \
                 RETURNING application_id",
            )
            .bind(t.to.as_str())
            .bind(t.now)
            .bind(t.id)
            .bind(from.as_str())
            .bind(t.source)
            .fetch_optional(&self.pool)
            .await?;
            return Ok(moved.map(|_| *from));
        }
        let mut tx = self.pool.begin().await?;
        let mut moved_from = None;
        for from in t.from {
            let r = sqlx::query("UPDATE applications SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
                .bind(t.to.as_str())
                .bind(t.now)
                .bind(t.id)
                .bind(from.as_str())
                .execute(&mut *tx)
                .await?;
            if r.rows_affected() == 1 {
                moved_from = Some(*from);
                break;
            }
        }
        let Some(previous) = moved_from else {
            tx.rollback().await?;
            return Ok(None);
        };
        Self::record(&mut tx, t.id, t.to, previous, t.source, t.now, t.notify).await?;
        if submitted {
            // Submitted: the user's staged draft, photos and handoff are not needed any more
            // (STAGING.md). In the same transaction, so no path to `reviewing` — the submit,
            // the reconciler, a webhook — leaves them behind.
            let user = "SELECT external_user_id FROM applications WHERE id = $1";
            // Handoffs first: the order Db::take_handoff locks them in (no deadlock).
            for table in ["handoffs", "staged_photos", "staged_drafts"] {
                let sql = format!("DELETE FROM {table} WHERE external_user_id IN ({user})");
                sqlx::query(&sql).bind(t.id).execute(&mut *tx).await?;
            }
            // The draft kept sealed for a document check goes with them.
            sqlx::query("UPDATE applications SET check_draft = NULL WHERE id = $1")
                .bind(t.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(previous))
    }

    /// Records a status the provider reports without moving a final status (a reversal after
    /// `approved` / `rejected`): history and notification only, once — nothing is recorded when
    /// the last history entry already is `status` (a replay, a second webhook). `true` when it
    /// was recorded. The application row is written first, so the check and the record are one
    /// step for every instance: on PostgreSQL the update locks the row until the commit (a
    /// concurrent call waits, then sees this one's entry); on SQLite the first write takes the
    /// database's write lock.
    pub async fn record_reversal(
        &self,
        id: &str,
        status: ApplicationStatus,
        current: ApplicationStatus,
        source: &str,
        now: i64,
        notify: Option<StatusChangedBody>,
    ) -> sqlx::Result<bool> {
        let mut tx = self.pool.begin().await?;
        let locked = sqlx::query("UPDATE applications SET updated_at = $1 WHERE id = $2 AND status = $3")
            .bind(now)
            .bind(id)
            .bind(current.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        let last: Option<String> = if locked {
            sqlx::query_scalar::<_, String>(
                "SELECT status FROM status_history WHERE application_id = $1 ORDER BY id DESC LIMIT 1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        } else {
            None
        };
        if !locked || last.as_deref() == Some(status.as_str()) {
            tx.rollback().await?;
            return Ok(false);
        }
        Self::record(&mut tx, id, status, current, source, now, notify).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn record(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        id: &str,
        status: ApplicationStatus,
        previous: ApplicationStatus,
        source: &str,
        now: i64,
        notify: Option<StatusChangedBody>,
    ) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO status_history (application_id, status, at, source) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(status.as_str())
            .bind(now)
            .bind(source)
            .execute(&mut **tx)
            .await?;
        // The partner hears public statuses only: `creating` and `submitting` are ours (a submit
        // under way is `draft` until it is `reviewing`; a failed one going back to `draft` is no
        // change at all).
        let previous = previous.for_partner();
        if let Some(body_of) = notify.filter(|_| status.is_public() && Some(status) != previous) {
            let user = sqlx::query_scalar::<_, String>("SELECT external_user_id FROM applications WHERE id = $1")
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
            let event_id = crate::random::hex(16);
            let body = body_of(&event_id, id, &user, status, previous, now);
            sqlx::query(
                "INSERT INTO events (event_id, application_id, body, next_at, created_at) VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(&event_id)
            .bind(id)
            .bind(body)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// How many applications each status has (statuses without any are left out), for
    /// `GET /metrics`: one pass over the status index.
    pub async fn applications_by_status(&self) -> sqlx::Result<Vec<(ApplicationStatus, i64)>> {
        let rows = sqlx::query_as::<_, StatusCount>("SELECT status, COUNT(*) AS n FROM applications GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| (r.status, r.n)).collect())
    }

    pub async fn history(&self, app_id: &str) -> sqlx::Result<Vec<HistoryEntry>> {
        sqlx::query_as::<_, HistoryEntry>(
            "SELECT status, at, source FROM status_history WHERE application_id = $1 ORDER BY id",
        )
        .bind(app_id)
        .fetch_all(&self.pool)
        .await
    }

    pub async fn applications_of_user(&self, external_user_id: &str) -> sqlx::Result<Vec<ApplicationRow>> {
        let sql = format!(
            "SELECT {APP_COLUMNS} FROM applications WHERE external_user_id = $1 AND status <> {} ORDER BY created_at",
            sql(ApplicationStatus::Creating)
        );
        sqlx::query_as::<_, ApplicationRow>(&sql).bind(external_user_id).fetch_all(&self.pool).await
    }

    /// Applications `submitting` or `reviewing` without news since `stale_before`, not
    /// reconciled since then either; each is marked reconciled now (by one instance). A
    /// `submitting` one is only asked about: it is submitted again only by whoever wins its
    /// lease once that ran out ([`Db::take_submit_lease`], work.rs).
    pub async fn stale_applications(&self, stale_before: i64, now: i64) -> sqlx::Result<Vec<String>> {
        let sql = format!(
            "SELECT id FROM applications WHERE status IN ({}) AND updated_at <= $1 AND reconciled_at <= $1 LIMIT 100",
            sql_list(&[ApplicationStatus::Submitting, ApplicationStatus::Reviewing])
        );
        let ids = sqlx::query_scalar::<_, String>(&sql).bind(stale_before).fetch_all(&self.pool).await?;
        let mut won = Vec::new();
        for id in ids {
            let mark = "UPDATE applications SET reconciled_at = $1 WHERE id = $2 AND reconciled_at <= $3";
            if self.win(mark, now, id.as_str(), stale_before).await? {
                won.push(id);
            }
        }
        Ok(won)
    }

    // -- documents and reports ---------------------------------------------------------------

    pub async fn record_document(
        &self,
        app_id: &str,
        kind: &str,
        sha256: &str,
        source: &str,
        now: i64,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO documents (application_id, kind, sha256, uploaded_at, source) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (application_id, kind) DO UPDATE SET sha256 = excluded.sha256, uploaded_at = excluded.uploaded_at, source = excluded.source",
        )
        .bind(app_id)
        .bind(kind)
        .bind(sha256)
        .bind(now)
        .bind(source)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    pub async fn documents(&self, app_id: &str) -> sqlx::Result<Vec<String>> {
        Ok(self.document_entries(app_id).await?.into_iter().map(|d| d.kind).collect())
    }

    /// The SHA-256 (hex) and upload time of the document of `kind`, if the application has one.
    pub async fn document_hash(&self, app_id: &str, kind: &str) -> sqlx::Result<Option<(String, i64)>> {
        let r = sqlx::query_as::<_, DocumentHash>(
            "SELECT sha256, uploaded_at FROM documents WHERE application_id = $1 AND kind = $2",
        )
        .bind(app_id)
        .bind(kind)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.map(|d| (d.sha256, d.uploaded_at)))
    }

    pub async fn document_entries(&self, app_id: &str) -> sqlx::Result<Vec<DocumentEntry>> {
        sqlx::query_as::<_, DocumentEntry>(
            "SELECT kind, source, uploaded_at FROM documents WHERE application_id = $1 ORDER BY kind",
        )
        .bind(app_id)
        .fetch_all(&self.pool)
        .await
    }

    /// Stores a report pushed by the partner, `sealed` with the data key (reports.rs), replacing
    /// one of that kind.
    pub async fn put_report(&self, app_id: &str, kind: &str, sealed: &[u8], now: i64) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO reports (application_id, kind, bytes, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (application_id, kind) DO UPDATE SET bytes = excluded.bytes, created_at = excluded.created_at")
            .bind(app_id)
            .bind(kind)
            .bind(sealed)
            .bind(now)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// A stored report as sealed (reports::load opens it).
    pub async fn report(&self, app_id: &str, kind: &str) -> sqlx::Result<Option<Vec<u8>>> {
        sqlx::query_scalar::<_, Vec<u8>>("SELECT bytes FROM reports WHERE application_id = $1 AND kind = $2")
            .bind(app_id)
            .bind(kind)
            .fetch_optional(&self.pool)
            .await
    }

    pub async fn delete_reports(&self, app_id: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM reports WHERE application_id = $1").bind(app_id).execute(&self.pool).await.map(|_| ())
    }

    // -- the document check -------------------------------------------------------------------

    /// The stored document check and the sealed draft kept for it (all `None` for no such
    /// application).
    pub async fn check_state(&self, id: &str) -> sqlx::Result<CheckState> {
        let r = sqlx::query_as::<_, CheckState>("SELECT document_check, check_draft FROM applications WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.unwrap_or_default())
    }

    /// The stored `documentCheck` JSON of an application, if a document photo was read.
    pub async fn document_check(&self, id: &str) -> sqlx::Result<Option<String>> {
        let r = sqlx::query_scalar::<_, Option<String>>("SELECT document_check FROM applications WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.flatten())
    }

    /// Keeps the applicant's draft, `sealed` with the data key, for a document check to come.
    pub async fn keep_check_draft(&self, id: &str, sealed: &[u8]) -> sqlx::Result<()> {
        sqlx::query("UPDATE applications SET check_draft = $1 WHERE id = $2")
            .bind(sealed)
            .bind(id)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// Records a document check — only if the stored one is still `r.previous` — and, when
    /// asked, queues its partner notification in the same transaction (after the application's
    /// earlier events: they arrive in order). `true` when it was recorded.
    pub async fn record_document_check(&self, r: &CheckRecord<'_>) -> sqlx::Result<bool> {
        let draft = if r.keep_draft { "check_draft" } else { "NULL" };
        let sql = format!(
            "UPDATE applications SET document_check = $1, check_draft = {draft} \
             WHERE id = $2 AND COALESCE(document_check, '') = $3"
        );
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(&sql)
            .bind(r.check)
            .bind(r.id)
            .bind(r.previous.unwrap_or_default())
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if !moved {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Some(body_of) = r.notify {
            let user = sqlx::query_scalar::<_, String>("SELECT external_user_id FROM applications WHERE id = $1")
                .bind(r.id)
                .fetch_one(&mut *tx)
                .await?;
            let event_id = crate::random::hex(16);
            let body = body_of(&event_id, r.id, &user, r.check, r.now);
            sqlx::query(
                "INSERT INTO events (event_id, application_id, body, next_at, created_at) VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(&event_id)
            .bind(r.id)
            .bind(body)
            .bind(r.now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    // -- work once: the submit's lease and uploads in flight ------------------------------------

    /// The submit's claim: moves the application `draft → submitting` and gives `owner` its
    /// lease until `lease_until`, in one conditional update (of any number of callers on any
    /// instances one wins), unless an upload to it is in flight (marked by
    /// [`Db::begin_upload`] and not run out at `now`). The change is recorded in the history,
    /// in the same transaction, like [`Db::transition`].
    pub async fn claim_submit(
        &self,
        id: &str,
        owner: &str,
        now: i64,
        lease_until: i64,
        source: &str,
        notify: Option<StatusChangedBody>,
    ) -> sqlx::Result<Claim> {
        use ApplicationStatus::{Draft, Submitting};
        debug_assert!(ApplicationStatus::allowed(Draft, Submitting));
        let mut tx = self.pool.begin().await?;
        let claim = format!(
            "UPDATE applications SET status = {}, updated_at = $1, lease_until = $2, lease_owner = $3, \
             uploads = 0 WHERE id = $4 AND status = {} AND (uploads <= 0 OR uploads_until <= $1)",
            sql(Submitting),
            sql(Draft)
        );
        let r = sqlx::query(&claim).bind(now).bind(lease_until).bind(owner).bind(id).execute(&mut *tx).await?;
        if r.rows_affected() == 1 {
            Self::record(&mut tx, id, Submitting, Draft, source, now, notify).await?;
            tx.commit().await?;
            return Ok(Claim::Won);
        }
        tx.rollback().await?;
        // Still `draft`: an upload held it back — or held it back a moment ago and has ended
        // since the update (asking "is an upload in flight?" here would race with that end and
        // call a winnable claim lost). Either way the caller tries again.
        let still_draft = format!("SELECT 1 FROM applications WHERE id = $1 AND status = {}", sql(Draft));
        let still_draft = sqlx::query(&still_draft).bind(id).fetch_optional(&self.pool).await?.is_some();
        Ok(if still_draft { Claim::UploadsInFlight } else { Claim::Lost })
    }

    /// Takes over the lease of a submit left half-done: only while the application is
    /// `submitting` and its lease ran out at `now` (its holder died or gave it back).
    pub async fn take_submit_lease(&self, id: &str, owner: &str, now: i64, lease_until: i64) -> sqlx::Result<bool> {
        let sql = format!(
            "UPDATE applications SET lease_until = $1, lease_owner = $2 \
             WHERE id = $3 AND status = {} AND lease_until <= $4",
            sql(ApplicationStatus::Submitting)
        );
        let r = sqlx::query(&sql).bind(lease_until).bind(owner).bind(id).bind(now).execute(&self.pool).await?;
        Ok(r.rows_affected() == 1)
    }

    /// Extends `owner`'s lease; `false` when it is not theirs any more.
    pub async fn renew_submit_lease(&self, id: &str, owner: &str, lease_until: i64) -> sqlx::Result<bool> {
        let r = sqlx::query("UPDATE applications SET lease_until = $1 WHERE id = $2 AND lease_owner = $3")
            .bind(lease_until)
            .bind(id)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Gives `owner`'s lease back (the reconciler may then take a submit still `submitting`).
    pub async fn release_submit_lease(&self, id: &str, owner: &str) -> sqlx::Result<()> {
        sqlx::query("UPDATE applications SET lease_until = 0 WHERE id = $1 AND lease_owner = $2")
            .bind(id)
            .bind(owner)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// Marks one more upload in flight until `until`, only while the application is `draft`
    /// (`false`: a submit began; the upload must not go out). Marks that ran out at `now` (an
    /// instance died mid-upload) no longer count.
    pub async fn begin_upload(&self, id: &str, now: i64, until: i64) -> sqlx::Result<bool> {
        let sql = format!(
            "UPDATE applications SET uploads = CASE WHEN uploads_until <= $1 THEN 1 ELSE uploads + 1 END, \
             uploads_until = $2 WHERE id = $3 AND status = {}",
            sql(ApplicationStatus::Draft)
        );
        let r = sqlx::query(&sql).bind(now).bind(until).bind(id).execute(&self.pool).await?;
        Ok(r.rows_affected() == 1)
    }

    /// Keeps the uploads in flight marked until at least `until`.
    pub async fn renew_upload(&self, id: &str, until: i64) -> sqlx::Result<()> {
        let sql = format!(
            "UPDATE applications SET uploads_until = $1 WHERE id = $2 AND status = {} AND uploads_until < $1",
            sql(ApplicationStatus::Draft)
        );
        sqlx::query(&sql).bind(until).bind(id).execute(&self.pool).await.map(|_| ())
    }

    /// One upload in flight is over.
    pub async fn end_upload(&self, id: &str) -> sqlx::Result<()> {
        sqlx::query("UPDATE applications SET uploads = uploads - 1 WHERE id = $1 AND uploads > 0")
            .bind(id)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}
