//! Persistence through sqlx, on the embedded SQLite default or on a PostgreSQL shared by any
//! number of `serve` instances (`DATABASE_URL=postgres://…`). Both run the same SQL (sqlx's
//! `Any` driver; `$N` parameters, which SQLite reads by number too); each has its migrations
//! (`migrations/sqlite`, `migrations/postgres`). PostgreSQL migrations take an advisory lock,
//! so instances starting together migrate one after the other.
//!
//! Stored: sessions (token hashes only), the application ↔ `requestNo` link with its owner
//! (`externalUserId`), status and status history, uploaded document kinds, partner
//! notifications (ids and statuses), durable jobs and shared counters — no applicant PII in
//! the clear. An applicant's unsubmitted data (STAGING.md) is staged here only sealed with
//! `KYC_DATA_KEY` (staging.rs); handoff secrets only as SHA-256.
//! Every write is one statement or one transaction committed before the HTTP answer, so a
//! kill -9 loses no acknowledged state. Nothing here relies on one process: every state change
//! is a conditional update, so two instances can never both win it.

use kyc_domain::{ApplicationStatus, HandoffState};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use std::sync::LazyLock;

/// A state as stored: its name in SQL is [`Stored::stored`], the only place the names are
/// written (in kyc-domain's `as_str`).
pub trait Stored: Copy {
    fn stored(self) -> &'static str;
    fn from_stored(s: &str) -> Option<Self>;
}

impl Stored for ApplicationStatus {
    fn stored(self) -> &'static str {
        self.as_str()
    }
    fn from_stored(s: &str) -> Option<Self> {
        Self::parse(s)
    }
}

impl Stored for HandoffState {
    fn stored(self) -> &'static str {
        self.as_str()
    }
    fn from_stored(s: &str) -> Option<Self> {
        Self::parse(s)
    }
}

/// A state as a SQL literal: `'draft'`.
pub fn sql<T: Stored>(s: T) -> String {
    format!("'{}'", s.stored())
}

/// States as the inside of a SQL `IN (…)`: `'submitting', 'reviewing'`.
pub fn sql_list<T: Stored>(states: &[T]) -> String {
    states.iter().map(|s| sql(*s)).collect::<Vec<_>>().join(", ")
}

/// Reads a stored state; an unknown name is a decode error, not a panic.
fn state_at<T: Stored>(r: &AnyRow, i: usize) -> sqlx::Result<T> {
    let s: String = r.try_get(i)?;
    T::from_stored(&s).ok_or_else(|| sqlx::Error::Decode(format!("unknown state {s:?} in column {i}").into()))
}

/// Which database `DATABASE_URL` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// The SQLite file (empty in memory or on PostgreSQL).
    path: String,
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub token_hash: Vec<u8>,
    pub external_user_id: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone)]
pub struct ApplicationRow {
    pub id: String,
    pub session_id: String,
    pub request_no: String,
    pub status: ApplicationStatus,
    pub updated_at: i64,
    pub external_user_id: String,
    pub created_at: i64,
}

/// One entry of an application's status history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub status: ApplicationStatus,
    pub at: i64,
    pub source: String,
}

/// One uploaded document, as the admin view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentEntry {
    pub kind: String,
    pub source: String,
    pub uploaded_at: i64,
}

/// What one retention pass removed. Applications are never among it: from `creating` on the
/// provider may hold them (retention.rs).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Expired sessions no application refers to.
    pub sessions: u64,
    pub reports: u64,
    /// Staged drafts and photos (rows).
    pub staged: u64,
    pub handoffs: u64,
}

/// A staged photo as listed (its sealed bytes are read only when asked for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedPhoto {
    pub kind: String,
    pub source: String,
    pub uploaded_at: i64,
    /// The id of the key that sealed it (staging::sealed_key_id): a listing shows only photos
    /// a configured key opens. `None` for a value not in the sealed format.
    pub key_id: Option<String>,
}

/// A user's handoff. `Debug` shows no hashes.
#[derive(Clone)]
pub struct HandoffRow {
    pub external_user_id: String,
    pub token_hash: Vec<u8>,
    pub match_code: String,
    pub device_hash: Option<Vec<u8>>,
    pub capability_hash: Option<Vec<u8>>,
    pub state: HandoffState,
    pub created_at: i64,
    /// Until when the link can be claimed.
    pub expires_at: i64,
    pub claimed_at: Option<i64>,
}

impl std::fmt::Debug for HandoffRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandoffRow").field("state", &self.state).field("expires_at", &self.expires_at).finish()
    }
}

/// A [`StagedPhoto`] from `kind, source, uploaded_at, key_id`.
fn staged_photo_from(r: &AnyRow) -> StagedPhoto {
    StagedPhoto { kind: r.get(0), source: r.get(1), uploaded_at: r.get(2), key_id: r.get(3) }
}

const HANDOFF_COLUMNS: &str = "external_user_id, token_hash, match_code, device_hash, capability_hash, state, \
                               created_at, expires_at, claimed_at";

fn handoff_from(r: &AnyRow) -> sqlx::Result<HandoffRow> {
    Ok(HandoffRow {
        external_user_id: r.get(0),
        token_hash: r.get(1),
        match_code: r.get(2),
        device_hash: r.get(3),
        capability_hash: r.get(4),
        state: state_at(r, 5)?,
        created_at: r.get(6),
        expires_at: r.get(7),
        claimed_at: r.get(8),
    })
}

/// The condition under which a user may still stage: their application, if any, is not past
/// `draft` (a write racing a submit cannot land after it: the submit moves the application to
/// `submitting` before anything is forwarded). `$1` is the user.
static NOT_SUBMITTED: LazyLock<String> = LazyLock::new(|| {
    format!(
        "NOT EXISTS (SELECT 1 FROM applications WHERE external_user_id = $1 AND status IN ({}))",
        sql_list(&ApplicationStatus::PAST_DRAFT)
    )
});

/// What a staging write came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staged {
    Written,
    /// The user's application is past `draft`.
    AlreadySubmitted,
    /// The phone's capability died meanwhile (cancelled, replaced, expired).
    CapabilityDead,
}

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub target: String,
    pub attempts: i64,
    pub gen: i64,
}

/// A claimed partner notification.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: i64,
    pub event_id: String,
    pub application_id: String,
    pub body: String,
    pub attempts: i64,
}

/// What a submit's claim ([`Db::claim_submit`]) came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This caller moved the application `draft → submitting` and holds its lease.
    Won,
    /// The application is `draft` but an upload to it is in flight: try again shortly.
    UploadsInFlight,
    /// Another caller claimed it, or it is not `draft`.
    Lost,
}

/// A status change to record (and to notify, when `notify` holds the event's extra fields).
pub struct Transition<'a> {
    pub id: &'a str,
    pub from: &'a [ApplicationStatus],
    pub to: ApplicationStatus,
    pub source: &'a str,
    pub now: i64,
    /// `Some` when the partner is to be notified (docs/notifications.md).
    pub notify: bool,
}

/// Creates the SQLite file (and its WAL and shared-memory files, which SQLite creates with
/// the database file's mode) readable and writable by the owner only.
#[cfg(unix)]
fn owner_only(path: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    let path = std::path::Path::new(path);
    for p in [path.to_path_buf(), path.with_extension("db-wal"), path.with_extension("db-shm")] {
        if p.exists() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    Ok(())
}

#[cfg(not(unix))]
fn owner_only(_: &str) -> anyhow::Result<()> {
    Ok(())
}

const APP_COLUMNS: &str = "id, session_id, request_no, status, updated_at, external_user_id, created_at";

fn app_from(r: &AnyRow) -> sqlx::Result<ApplicationRow> {
    Ok(ApplicationRow {
        id: r.get(0),
        session_id: r.get(1),
        request_no: r.get(2),
        status: state_at(r, 3)?,
        updated_at: r.get(4),
        external_user_id: r.get(5),
        created_at: r.get(6),
    })
}

/// A SQLite URL with `mode=rwc` (create if missing) and the file path it names.
fn sqlite_url(url: &str) -> (String, String) {
    if url.contains(":memory:") {
        return (url.to_owned(), String::new());
    }
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = rest.split('?').next().unwrap_or_default().to_owned();
    let url = if rest.contains("mode=") {
        format!("sqlite://{rest}")
    } else if rest.contains('?') {
        format!("sqlite://{rest}&mode=rwc")
    } else {
        format!("sqlite://{rest}?mode=rwc")
    };
    (url, path)
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite:// or postgres://");
        };
        let mut file = String::new();
        let pool = match backend {
            Backend::Postgres => AnyPoolOptions::new().max_connections(16).connect(url).await?,
            Backend::Sqlite => {
                let (url, path) = sqlite_url(url);
                file.clone_from(&path);
                owner_only(&path)?;
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA busy_timeout = 5000").await?;
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            // WAL + NORMAL: a commit survives the process dying (kill -9, a
                            // panic, OOM) and the file is never corrupted; only a power cut or
                            // an OS crash may roll back the last commits (the reconciler then
                            // repairs what the provider already has). FULL fsyncs every commit
                            // and costs ~0.4 ms per write here; for machine-crash durability
                            // run on PostgreSQL (README, "Several instances").
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?
            }
        };
        let db = Self { pool, backend, path: file };
        db.migrate().await?;
        Ok(db)
    }

    /// Runs the migrations. PostgreSQL serialises instances with sqlx's advisory lock; for a
    /// SQLite file shared by processes started together, an exclusive lock on a file beside it
    /// does (sqlx takes no lock on SQLite), and a busy database is retried.
    async fn migrate(&self) -> anyhow::Result<()> {
        let _lock = if self.path.is_empty() {
            None
        } else {
            let lock_path = format!("{}.migrate-lock", self.path);
            Some(
                tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
                    let f = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path)?;
                    f.lock()?;
                    Ok(f)
                })
                .await??,
            )
        };
        let mut attempt = 0;
        loop {
            let r = match self.backend {
                Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&self.pool).await,
                Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&self.pool).await,
            };
            match r {
                Ok(()) => return Ok(()),
                Err(e) if attempt < 20 && e.to_string().contains("locked") => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100 * attempt)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    // -- sessions ----------------------------------------------------------------------------

    pub async fn insert_session(&self, s: &SessionRow, now: i64) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id, token_hash, external_user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.id)
        .bind(&s.token_hash)
        .bind(&s.external_user_id)
        .bind(now)
        .bind(s.expires_at)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    pub async fn session(&self, id: &str) -> sqlx::Result<Option<SessionRow>> {
        let row = sqlx::query("SELECT id, token_hash, external_user_id, expires_at FROM sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| SessionRow {
            id: r.get(0),
            token_hash: r.get(1),
            external_user_id: r.get(2),
            expires_at: r.get(3),
        }))
    }

    // -- applications ------------------------------------------------------------------------

    pub async fn application(&self, id: &str) -> sqlx::Result<Option<ApplicationRow>> {
        let sql = format!("SELECT {APP_COLUMNS} FROM applications WHERE id = $1");
        let r = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        r.as_ref().map(app_from).transpose()
    }

    pub async fn application_by_request_no(&self, rn: &str) -> sqlx::Result<Option<ApplicationRow>> {
        let sql = format!("SELECT {APP_COLUMNS} FROM applications WHERE request_no = $1");
        let r = sqlx::query(&sql).bind(rn).fetch_optional(&self.pool).await?;
        r.as_ref().map(app_from).transpose()
    }

    /// The application of a partner user (there is at most one).
    pub async fn application_of_user(&self, external_user_id: &str) -> sqlx::Result<Option<ApplicationRow>> {
        let sql =
            format!("SELECT {APP_COLUMNS} FROM applications WHERE external_user_id = $1 ORDER BY created_at LIMIT 1");
        let r = sqlx::query(&sql).bind(external_user_id).fetch_optional(&self.pool).await?;
        r.as_ref().map(app_from).transpose()
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
        let r = sqlx::query("SELECT draft_hash FROM applications WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.and_then(|r| r.get(0)))
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
        if let ([from], Backend::Postgres, false, false) = (t.from, self.backend, t.notify, submitted) {
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
        notify: bool,
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
            sqlx::query("SELECT status FROM status_history WHERE application_id = $1 ORDER BY id DESC LIMIT 1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.get(0))
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
        notify: bool,
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
        if notify && status.is_public() && Some(status) != previous {
            let user: String = sqlx::query("SELECT external_user_id FROM applications WHERE id = $1")
                .bind(id)
                .fetch_one(&mut **tx)
                .await?
                .get(0);
            let event_id = crate::random::hex(16);
            let previous = previous.map_or(serde_json::Value::Null, |p| p.as_str().into());
            let body = serde_json::json!({
                "eventId": event_id,
                "type": "application.status_changed",
                "applicationId": id,
                "externalUserId": user,
                "status": status.as_str(),
                "previousStatus": previous,
                "at": crate::rfc3339(now),
            })
            .to_string();
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

    pub async fn history(&self, app_id: &str) -> sqlx::Result<Vec<HistoryEntry>> {
        let rows = sqlx::query("SELECT status, at, source FROM status_history WHERE application_id = $1 ORDER BY id")
            .bind(app_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(HistoryEntry { status: state_at(r, 0)?, at: r.get(1), source: r.get(2) })).collect()
    }

    pub async fn applications_of_user(&self, external_user_id: &str) -> sqlx::Result<Vec<ApplicationRow>> {
        let sql = format!(
            "SELECT {APP_COLUMNS} FROM applications WHERE external_user_id = $1 AND status <> {} ORDER BY created_at",
            sql(ApplicationStatus::Creating)
        );
        let rows = sqlx::query(&sql).bind(external_user_id).fetch_all(&self.pool).await?;
        rows.iter().map(app_from).collect()
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
        let r = sqlx::query("SELECT sha256, uploaded_at FROM documents WHERE application_id = $1 AND kind = $2")
            .bind(app_id)
            .bind(kind)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|r| (r.get(0), r.get(1))))
    }

    pub async fn document_entries(&self, app_id: &str) -> sqlx::Result<Vec<DocumentEntry>> {
        let rows =
            sqlx::query("SELECT kind, source, uploaded_at FROM documents WHERE application_id = $1 ORDER BY kind")
                .bind(app_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.iter().map(|r| DocumentEntry { kind: r.get(0), source: r.get(1), uploaded_at: r.get(2) }).collect())
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
        let r = sqlx::query("SELECT bytes FROM reports WHERE application_id = $1 AND kind = $2")
            .bind(app_id)
            .bind(kind)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|r| r.get(0)))
    }

    pub async fn delete_reports(&self, app_id: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM reports WHERE application_id = $1").bind(app_id).execute(&self.pool).await.map(|_| ())
    }

    // -- retention ---------------------------------------------------------------------------

    /// Retention (docs/security.md DL-1): removes staged data and handoffs past their lifetime,
    /// reports older than the retention time, expired sessions that no application refers to,
    /// delivered notifications and old counters. Applications are never removed, whatever
    /// their age: from `creating` on (the row is written right before `information`) the
    /// provider may hold the requestNo and the person's email, so removing one would leave the
    /// person `already_used` for good; a new session for the same user continues it instead
    /// (docs/api.md).
    pub async fn purge(&self, now: i64, retention_secs: i64) -> sqlx::Result<Purged> {
        let cutoff = now - retention_secs;
        let mut tx = self.pool.begin().await?;
        // Staging (STAGING.md): a user's staged data lives at most 24 hours (or the retention
        // time, if shorter) from its first write — the oldest row decides for all of them.
        let staged_cutoff = now - retention_secs.min(crate::staging::STAGED_TTL_SECS);
        let expired_users = "SELECT external_user_id FROM staged_drafts WHERE created_at <= $1 \
                             UNION SELECT external_user_id FROM staged_photos WHERE created_at <= $1";
        let mut staged = 0;
        for table in ["staged_photos", "staged_drafts"] {
            let sql = format!("DELETE FROM {table} WHERE external_user_id IN ({expired_users})");
            staged += sqlx::query(&sql).bind(staged_cutoff).execute(&mut *tx).await?.rows_affected();
        }
        // Handoffs neither whose link nor whose capability can work any more, and any older than
        // the staging they feed.
        let handoffs = sqlx::query(
            "DELETE FROM handoffs WHERE (expires_at <= $1 AND (claimed_at IS NULL OR claimed_at <= $2)) \
             OR created_at <= $3",
        )
        .bind(now)
        .bind(now - crate::staging::CAPABILITY_TTL_SECS)
        .bind(staged_cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let reports = sqlx::query("DELETE FROM reports WHERE created_at <= $1")
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let sessions = sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= $1 AND id NOT IN (SELECT session_id FROM applications)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("DELETE FROM events WHERE delivered_at IS NOT NULL AND delivered_at <= $1")
            .bind(cutoff)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM counters WHERE \"window\" < $1").bind(now - 2 * 86_400).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Purged { sessions, reports, staged, handoffs })
    }

    // -- staging (STAGING.md) -----------------------------------------------------------------

    /// Stages a user's sealed draft; `created_at` stays that of the first write.
    pub async fn stage_draft(&self, external_user_id: &str, sealed: &[u8], now: i64) -> sqlx::Result<Staged> {
        let not_submitted = NOT_SUBMITTED.as_str();
        let sql = format!(
            "INSERT INTO staged_drafts (external_user_id, sealed, created_at, updated_at) \
             SELECT $1, $2, $3, $3 WHERE {not_submitted} \
             ON CONFLICT (external_user_id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at"
        );
        let r = sqlx::query(&sql).bind(external_user_id).bind(sealed).bind(now).execute(&self.pool).await?;
        Ok(if r.rows_affected() == 0 { Staged::AlreadySubmitted } else { Staged::Written })
    }

    pub async fn staged_draft(&self, external_user_id: &str) -> sqlx::Result<Option<Vec<u8>>> {
        let r = sqlx::query("SELECT sealed FROM staged_drafts WHERE external_user_id = $1")
            .bind(external_user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|r| r.get(0)))
    }

    /// Stages a user's sealed photo of `kind`, replacing an earlier one. With `capability`
    /// (the SHA-256 of a phone's), only while that capability is alive at `now`, checked in the
    /// same statement: a phone cancelled while its upload was in flight does not stage it. A
    /// phone's photo records the handoff it came through (`via_handoff`, its link's token hash)
    /// so that [`Db::take_handoff`] can drop it; the desktop's records none.
    pub async fn stage_photo(
        &self,
        external_user_id: &str,
        kind: &str,
        sealed: &[u8],
        source: &str,
        now: i64,
        capability: Option<&[u8]>,
    ) -> sqlx::Result<Staged> {
        let upsert = "ON CONFLICT (external_user_id, kind) DO UPDATE SET sealed = excluded.sealed, \
                      source = excluded.source, uploaded_at = excluded.uploaded_at, via_handoff = excluded.via_handoff";
        let sql = if capability.is_some() {
            format!(
                "INSERT INTO staged_photos (external_user_id, kind, sealed, source, created_at, uploaded_at, via_handoff) \
                 SELECT $1, $2, $3, $4, $5, $5, token_hash FROM handoffs WHERE external_user_id = $1 \
                 AND capability_hash = $6 AND state IN ({claimed}) AND claimed_at > $7 \
                 AND {not_submitted} {upsert}",
                claimed = sql_list(&HandoffState::CLAIMED),
                not_submitted = NOT_SUBMITTED.as_str(),
            )
        } else {
            format!(
                "INSERT INTO staged_photos (external_user_id, kind, sealed, source, created_at, uploaded_at) \
                 SELECT $1, $2, $3, $4, $5, $5 WHERE {} {upsert}",
                NOT_SUBMITTED.as_str()
            )
        };
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            // The user's application row is held (shared) until the photo is in: a submit's
            // claim (`draft → submitting`) either comes first — and this write sees it and is
            // refused — or waits for it, and then forwards this photo with the others. On
            // SQLite the one statement below is atomic against every other writer.
            sqlx::query("SELECT 1 FROM applications WHERE external_user_id = $1 FOR SHARE")
                .bind(external_user_id)
                .fetch_all(&mut *tx)
                .await?;
        }
        let mut q = sqlx::query(&sql).bind(external_user_id).bind(kind).bind(sealed).bind(source).bind(now);
        if let Some(c) = capability {
            // The handoff's row is held until the photo is in (SQLite: the write lock), so a
            // handoff ended meanwhile either comes first (nothing is staged) or waits and then
            // drops this photo with the others (PostgreSQL reads each statement afresh).
            sqlx::query("UPDATE handoffs SET claimed_at = claimed_at WHERE capability_hash = $1")
                .bind(c)
                .execute(&mut *tx)
                .await?;
            q = q.bind(c).bind(now - crate::staging::CAPABILITY_TTL_SECS);
        }
        let written = q.execute(&mut *tx).await?.rows_affected() == 1;
        if written {
            // The id of the key that sealed it, as the value's header says (STAGING.md).
            sqlx::query("UPDATE staged_photos SET key_id = $1 WHERE external_user_id = $2 AND kind = $3")
                .bind(crate::staging::sealed_key_id(sealed))
                .bind(external_user_id)
                .bind(kind)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        if written {
            return Ok(Staged::Written);
        }
        let submitted = sqlx::query(&format!("SELECT 1 WHERE NOT ({})", NOT_SUBMITTED.as_str()))
            .bind(external_user_id)
            .fetch_optional(&self.pool)
            .await?
            .is_some();
        Ok(if submitted { Staged::AlreadySubmitted } else { Staged::CapabilityDead })
    }

    /// The user's staged photos, without their bytes (whatever key sealed them: a listing
    /// shown to anyone keeps only those whose `key_id` the data key knows).
    pub async fn staged_photos(&self, external_user_id: &str) -> sqlx::Result<Vec<StagedPhoto>> {
        let rows = sqlx::query(
            "SELECT kind, source, uploaded_at, key_id FROM staged_photos WHERE external_user_id = $1 ORDER BY kind",
        )
        .bind(external_user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(staged_photo_from).collect())
    }

    /// A staged photo: the listing and the sealed bytes.
    pub async fn staged_photo(
        &self,
        external_user_id: &str,
        kind: &str,
    ) -> sqlx::Result<Option<(StagedPhoto, Vec<u8>)>> {
        let r = sqlx::query(
            "SELECT kind, source, uploaded_at, key_id, sealed FROM staged_photos \
             WHERE external_user_id = $1 AND kind = $2",
        )
        .bind(external_user_id)
        .bind(kind)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.map(|r| (staged_photo_from(&r), r.get(4))))
    }

    /// Deletes everything staged for a user: draft, photos and handoff. The handoff goes first:
    /// a phone's photo being staged holds its handoff's row (see [`Db::stage_photo`]), so it
    /// lands before this (and is deleted with the rest) or not at all, and the two take their
    /// locks in the same order.
    pub async fn delete_staging(&self, external_user_id: &str) -> sqlx::Result<()> {
        let mut tx = self.pool.begin().await?;
        for sql in [
            "DELETE FROM handoffs WHERE external_user_id = $1",
            "DELETE FROM staged_drafts WHERE external_user_id = $1",
            "DELETE FROM staged_photos WHERE external_user_id = $1",
        ] {
            sqlx::query(sql).bind(external_user_id).execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    // -- handoffs ----------------------------------------------------------------------------

    /// A new handoff for the user, replacing any earlier one (its link and capability stop
    /// working with it). `false` when the user's application is past `draft`.
    pub async fn create_handoff(
        &self,
        external_user_id: &str,
        token_hash: &[u8],
        match_code: &str,
        now: i64,
        expires_at: i64,
    ) -> sqlx::Result<bool> {
        let (waiting, not_submitted) = (sql(HandoffState::Waiting), NOT_SUBMITTED.as_str());
        let sql = format!(
            "INSERT INTO handoffs (external_user_id, token_hash, match_code, state, created_at, expires_at) \
             SELECT $1, $2, $3, {waiting}, $4, $5 WHERE {not_submitted} \
             ON CONFLICT (external_user_id) DO UPDATE SET token_hash = excluded.token_hash, \
             match_code = excluded.match_code, device_hash = NULL, capability_hash = NULL, state = {waiting}, \
             created_at = excluded.created_at, expires_at = excluded.expires_at, claimed_at = NULL"
        );
        let r = sqlx::query(&sql)
            .bind(external_user_id)
            .bind(token_hash)
            .bind(match_code)
            .bind(now)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn handoff_of_user(&self, external_user_id: &str) -> sqlx::Result<Option<HandoffRow>> {
        let sql = format!("SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE external_user_id = $1");
        let r = sqlx::query(&sql).bind(external_user_id).fetch_optional(&self.pool).await?;
        r.as_ref().map(handoff_from).transpose()
    }

    pub async fn handoff_by_token(&self, token_hash: &[u8]) -> sqlx::Result<Option<HandoffRow>> {
        let sql = format!("SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE token_hash = $1");
        let r = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await?;
        r.as_ref().map(handoff_from).transpose()
    }

    pub async fn handoff_by_capability(&self, capability_hash: &[u8]) -> sqlx::Result<Option<HandoffRow>> {
        let sql = format!("SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE capability_hash = $1");
        let r = sqlx::query(&sql).bind(capability_hash).fetch_optional(&self.pool).await?;
        r.as_ref().map(handoff_from).transpose()
    }

    /// The first claim: binds the device and sets the capability, if the link is still
    /// waiting, unbound and unexpired (a conditional update: of two phones, one wins).
    pub async fn bind_handoff(
        &self,
        token_hash: &[u8],
        device_hash: &[u8],
        capability_hash: &[u8],
        now: i64,
    ) -> sqlx::Result<bool> {
        let sql = format!(
            "UPDATE handoffs SET device_hash = $1, capability_hash = $2, claimed_at = $3, state = {} \
             WHERE token_hash = $4 AND state = {} AND device_hash IS NULL AND expires_at > $3",
            sql(HandoffState::Connected),
            sql(HandoffState::Waiting)
        );
        let r = sqlx::query(&sql)
            .bind(device_hash)
            .bind(capability_hash)
            .bind(now)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// A claim again by the bound device: a fresh capability replaces the old one.
    pub async fn reclaim_handoff(
        &self,
        token_hash: &[u8],
        device_hash: &[u8],
        capability_hash: &[u8],
        now: i64,
    ) -> sqlx::Result<bool> {
        let sql = format!(
            "UPDATE handoffs SET capability_hash = $1, claimed_at = $2 \
             WHERE token_hash = $3 AND device_hash = $4 AND state IN ({}) AND expires_at > $2",
            sql_list(&HandoffState::CLAIMED)
        );
        let r = sqlx::query(&sql)
            .bind(capability_hash)
            .bind(now)
            .bind(token_hash)
            .bind(device_hash)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The phone is done (while its capability is alive).
    pub async fn handoff_done(&self, capability_hash: &[u8], now: i64) -> sqlx::Result<bool> {
        let sql = format!(
            "UPDATE handoffs SET state = {} WHERE capability_hash = $1 AND state IN ({}) AND claimed_at > $2",
            sql(HandoffState::Done),
            sql_list(&HandoffState::CLAIMED)
        );
        let r = sqlx::query(&sql)
            .bind(capability_hash)
            .bind(now - crate::staging::CAPABILITY_TTL_SECS)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// A second device claimed the link (STAGING.md): the handoff ends as `taken` — the link
    /// and the capability stop working — and the photos its phone staged are dropped (which of
    /// the two devices is the applicant's cannot be told; the desktop's own photos stay), in one
    /// transaction. `false` when it was no longer connected or done (ended or replaced already).
    pub async fn take_handoff(&self, external_user_id: &str, token_hash: &[u8]) -> sqlx::Result<bool> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "UPDATE handoffs SET state = {}, capability_hash = NULL \
             WHERE external_user_id = $1 AND token_hash = $2 AND state IN ({})",
            sql(HandoffState::Taken),
            sql_list(&HandoffState::CLAIMED)
        );
        let taken =
            sqlx::query(&sql).bind(external_user_id).bind(token_hash).execute(&mut *tx).await?.rows_affected() == 1;
        if taken {
            sqlx::query("DELETE FROM staged_photos WHERE external_user_id = $1 AND via_handoff = $2")
                .bind(external_user_id)
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(taken)
    }

    /// Ends the user's handoff at once: the link and the capability stop working.
    pub async fn cancel_handoff(&self, external_user_id: &str) -> sqlx::Result<()> {
        let sql = format!(
            "UPDATE handoffs SET state = {}, capability_hash = NULL WHERE external_user_id = $1",
            sql(HandoffState::Cancelled)
        );
        sqlx::query(&sql).bind(external_user_id).execute(&self.pool).await.map(|_| ())
    }

    // -- counters ----------------------------------------------------------------------------

    /// Counts one more hit of `key` in the fixed window starting at `window`, across every
    /// instance, and answers the count so far.
    pub async fn hit(&self, key: &str, window: i64) -> sqlx::Result<i64> {
        let r = sqlx::query(
            "INSERT INTO counters (key, \"window\", count) VALUES ($1, $2, 1) \
             ON CONFLICT (key, \"window\") DO UPDATE SET count = counters.count + 1 RETURNING count",
        )
        .bind(key)
        .bind(window)
        .fetch_one(&self.pool)
        .await?;
        Ok(r.get(0))
    }

    /// [`Db::hit`] for several keys in one statement; the counts in the order given.
    pub async fn hit_all(&self, keys: &[(&str, i64)]) -> sqlx::Result<Vec<i64>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let values: Vec<String> = (0..keys.len()).map(|i| format!("(${}, ${}, 1)", 2 * i + 1, 2 * i + 2)).collect();
        let sql = format!(
            "INSERT INTO counters (key, \"window\", count) VALUES {} \
             ON CONFLICT (key, \"window\") DO UPDATE SET count = counters.count + 1 RETURNING key, count",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (k, w) in keys {
            q = q.bind(*k).bind(*w);
        }
        let rows = q.fetch_all(&self.pool).await?;
        Ok(keys
            .iter()
            .map(|(k, _)| rows.iter().find(|r| r.get::<String, _>(0) == *k).map_or(0, |r| r.get::<i64, _>(1)))
            .collect())
    }

    // -- jobs --------------------------------------------------------------------------------

    /// Queues `kind` work on `target` due at `run_at`. Asking again for work already queued
    /// keeps one row; asking while it runs makes it run once more afterwards.
    pub async fn enqueue(&self, kind: &str, target: &str, run_at: i64, now: i64) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO jobs (kind, target, run_at, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kind, target) DO UPDATE SET gen = jobs.gen + 1, \
             run_at = CASE WHEN jobs.run_at < excluded.run_at THEN jobs.run_at ELSE excluded.run_at END",
        )
        .bind(kind)
        .bind(target)
        .bind(run_at)
        .bind(now)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    pub async fn pending_jobs(&self) -> sqlx::Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM jobs").fetch_one(&self.pool).await?.get(0))
    }

    /// Wins one row for this instance among several trying: `sql` is a conditional update
    /// `UPDATE … SET <mark> = $1 WHERE id = $2 AND <mark> <= $3 …`; `true` when this call moved it.
    async fn win<'q, T>(&self, sql: &'q str, mark: i64, id: T, free_up_to: i64) -> sqlx::Result<bool>
    where
        T: 'q + Send + sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        let r = sqlx::query(sql).bind(mark).bind(id).bind(free_up_to).execute(&self.pool).await?;
        Ok(r.rows_affected() == 1)
    }

    /// Claims one due job for `lease_secs` (a conditional update: one instance wins it).
    pub async fn claim_job(&self, now: i64, lease_secs: i64) -> sqlx::Result<Option<Job>> {
        let rows = sqlx::query(
            "SELECT id, kind, target, attempts, gen FROM jobs WHERE run_at <= $1 AND locked_until <= $1 ORDER BY run_at, id LIMIT 8",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let job = Job { id: r.get(0), kind: r.get(1), target: r.get(2), attempts: r.get(3), gen: r.get(4) };
            let lease = "UPDATE jobs SET locked_until = $1 WHERE id = $2 AND locked_until <= $3";
            if self.win(lease, now + lease_secs, job.id, now).await? {
                return Ok(Some(job));
            }
        }
        Ok(None)
    }

    /// Done: removed, unless it was asked for again meanwhile (then it runs once more).
    pub async fn finish_job(&self, job: &Job) -> sqlx::Result<()> {
        let r = sqlx::query("DELETE FROM jobs WHERE id = $1 AND gen = $2")
            .bind(job.id)
            .bind(job.gen)
            .execute(&self.pool)
            .await?;
        if r.rows_affected() == 0 {
            sqlx::query("UPDATE jobs SET locked_until = 0 WHERE id = $1").bind(job.id).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Failed: tried again at `run_at`.
    pub async fn retry_job(&self, job: &Job, run_at: i64) -> sqlx::Result<()> {
        sqlx::query("UPDATE jobs SET attempts = attempts + 1, run_at = $1, locked_until = 0 WHERE id = $2")
            .bind(run_at)
            .bind(job.id)
            .execute(&self.pool)
            .await
            .map(|_| ())
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
        let rows = sqlx::query(&sql).bind(stale_before).fetch_all(&self.pool).await?;
        let mut won = Vec::new();
        for r in rows {
            let id: String = r.get(0);
            let mark = "UPDATE applications SET reconciled_at = $1 WHERE id = $2 AND reconciled_at <= $3";
            if self.win(mark, now, id.as_str(), stale_before).await? {
                won.push(id);
            }
        }
        Ok(won)
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
        notify: bool,
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
        let busy = format!(
            "SELECT 1 FROM applications WHERE id = $1 AND status = {} AND uploads > 0 AND uploads_until > $2",
            sql(Draft)
        );
        let busy = sqlx::query(&busy).bind(id).bind(now).fetch_optional(&self.pool).await?.is_some();
        Ok(if busy { Claim::UploadsInFlight } else { Claim::Lost })
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

    // -- partner notifications ---------------------------------------------------------------

    /// Claims the next deliverable notification: due, not leased, and the earliest undelivered
    /// one of its application (so each application's events arrive in order).
    pub async fn claim_event(&self, now: i64, lease_secs: i64) -> sqlx::Result<Option<Event>> {
        let rows = sqlx::query(
            "SELECT e.id, e.event_id, e.application_id, e.body, e.attempts FROM events e \
             WHERE e.delivered_at IS NULL AND e.next_at <= $1 AND e.locked_until <= $1 \
             AND NOT EXISTS (SELECT 1 FROM events p WHERE p.application_id = e.application_id AND p.delivered_at IS NULL AND p.id < e.id) \
             ORDER BY e.id LIMIT 8",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let ev = Event {
                id: r.get(0),
                event_id: r.get(1),
                application_id: r.get(2),
                body: r.get(3),
                attempts: r.get(4),
            };
            let lease =
                "UPDATE events SET locked_until = $1 WHERE id = $2 AND locked_until <= $3 AND delivered_at IS NULL";
            if self.win(lease, now + lease_secs, ev.id, now).await? {
                return Ok(Some(ev));
            }
        }
        Ok(None)
    }

    pub async fn event_delivered(&self, id: i64, now: i64) -> sqlx::Result<()> {
        sqlx::query("UPDATE events SET delivered_at = $1, attempts = attempts + 1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn event_failed(&self, id: i64, next_at: i64) -> sqlx::Result<()> {
        sqlx::query("UPDATE events SET attempts = attempts + 1, next_at = $1, locked_until = 0 WHERE id = $2")
            .bind(next_at)
            .bind(id)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// Undelivered notifications (tests, readiness).
    pub async fn undelivered_events(&self) -> sqlx::Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM events WHERE delivered_at IS NULL").fetch_one(&self.pool).await?.get(0))
    }

    /// The raw pool, for tests that inspect what is at rest.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HandoffState::{Cancelled, Connected, Done, Taken, Waiting};

    /// The handoff state changes the statements above make, as (from any of, to):
    /// `create_handoff`, `bind_handoff`, `handoff_done`, `take_handoff`, `cancel_handoff`.
    const HANDOFF_MOVES: &[(&[HandoffState], HandoffState)] = &[
        (&HandoffState::ALL, Waiting),
        (&[Waiting], Connected),
        (&HandoffState::CLAIMED, Done),
        (&HandoffState::CLAIMED, Taken),
        (&HandoffState::ALL, Cancelled),
    ];

    #[test]
    fn every_handoff_move_is_in_the_table() {
        for &(from, to) in HANDOFF_MOVES {
            for &f in from.iter().filter(|f| **f != to) {
                assert!(HandoffState::allowed(f, to), "{f} → {to} is not in HANDOFF_TRANSITIONS");
            }
        }
    }

    #[test]
    fn states_in_sql_come_from_the_enums() {
        assert_eq!(sql(ApplicationStatus::Draft), "'draft'");
        assert_eq!(
            sql_list(&[ApplicationStatus::Submitting, ApplicationStatus::Reviewing]),
            "'submitting', 'reviewing'"
        );
        assert!(NOT_SUBMITTED.ends_with("status IN ('submitting', 'reviewing', 'approved', 'rejected'))"));
        assert_eq!(sql_list(&HandoffState::CLAIMED), "'connected', 'done'");
    }
}
