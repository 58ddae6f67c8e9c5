//! Persistence through sqlx, on the embedded SQLite default or on a PostgreSQL shared by any
//! number of `serve` instances (`DATABASE_URL=postgres://…`). Both run the same SQL (sqlx's
//! `Any` driver; `$N` parameters, which SQLite reads by number too); each has its migrations
//! (`migrations/sqlite`, `migrations/postgres`). PostgreSQL migrations take an advisory lock,
//! so instances starting together migrate one after the other.
//!
//! Stored: sessions (token hashes only), the application ↔ `requestNo` link with its owner
//! (`externalUserId`), status and status history, uploaded document kinds, the document check
//! (field paths and codes), partner notifications (ids and statuses), durable jobs and shared
//! counters, the widget's diagnostics traces (closed-vocabulary codes) — no applicant PII in
//! the clear. An applicant's unsubmitted data (STAGING.md), and the draft an open document
//! check still needs, are kept here only sealed with `KYC_DATA_KEY` (staging/seal.rs); handoff
//! secrets only as SHA-256.
//! Every write is one statement or one transaction committed before the HTTP answer, so a
//! kill -9 loses no acknowledged state. Nothing here relies on one process: every state change
//! is a conditional update, so two instances can never both win it.
//!
//! One file per aggregate, each an `impl Db` with its rows beside it: [`sessions`],
//! [`applications`] (status, history, documents, reports, the submit's claim and lease, upload
//! marks), [`staging`] (staged drafts and photos), [`handoffs`], [`queue`] (jobs and partner
//! notifications), [`counters`], [`diagnostics`] and [`retention`]. Rows are read by column
//! name (`sqlx::FromRow`); a stored state reads through [`StateName`], so an unknown one is a
//! decode error.

mod applications;
mod counters;
mod diagnostics;
mod handoffs;
mod queue;
mod retention;
mod sessions;
mod staging;

pub use applications::{
    ApplicationRow, CheckRecord, CheckState, Claim, DocumentCheckedBody, DocumentEntry, HistoryEntry,
    StatusChangedBody, Transition,
};
pub use diagnostics::DiagnosticsRow;
pub use handoffs::HandoffRow;
pub use queue::{Event, Job, WorkCounts};
pub use retention::Purged;
pub use sessions::SessionRow;
pub use staging::{StageOutcome, StagedPhoto};

use kyc_domain::{ApplicationStatus, HandoffState};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

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

/// A state column as read, before it is parsed: a row's state field reads through it
/// (`#[sqlx(try_from = "StateName")]`), so an unknown name is a decode error, not a panic.
#[derive(sqlx::Type)]
#[sqlx(transparent, no_pg_array)]
pub struct StateName(String);

/// A stored state name no state has.
#[derive(Debug, thiserror::Error)]
#[error("unknown state {0:?}")]
pub struct UnknownState(String);

impl TryFrom<StateName> for ApplicationStatus {
    type Error = UnknownState;
    fn try_from(name: StateName) -> Result<Self, UnknownState> {
        Self::from_stored(&name.0).ok_or(UnknownState(name.0))
    }
}

impl TryFrom<StateName> for HandoffState {
    type Error = UnknownState;
    fn try_from(name: StateName) -> Result<Self, UnknownState> {
        Self::from_stored(&name.0).ok_or(UnknownState(name.0))
    }
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

    /// Wins one row for this instance among several trying: `sql` is a conditional update
    /// `UPDATE … SET <mark> = $1 WHERE id = $2 AND <mark> <= $3 …`; `true` when this call moved it.
    async fn win<'q, T>(&self, sql: &'q str, mark: i64, id: T, free_up_to: i64) -> sqlx::Result<bool>
    where
        T: 'q + Send + sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        let r = sqlx::query(sql).bind(mark).bind(id).bind(free_up_to).execute(&self.pool).await?;
        Ok(r.rows_affected() == 1)
    }

    /// The raw pool, for tests that inspect what is at rest.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_in_sql_come_from_the_enums() {
        assert_eq!(sql(ApplicationStatus::Draft), "'draft'");
        assert_eq!(
            sql_list(&[ApplicationStatus::Submitting, ApplicationStatus::Reviewing]),
            "'submitting', 'reviewing'"
        );
        assert!(staging::NOT_SUBMITTED.ends_with("status IN ('submitting', 'reviewing', 'approved', 'rejected'))"));
        assert_eq!(sql_list(&HandoffState::CLAIMED), "'connected', 'done'");
    }

    /// A fresh database on each backend: a SQLite file, and a PostgreSQL database when
    /// `KYC_TEST_POSTGRES_URL` names a server (`cargo xtask test-postgres`).
    async fn databases() -> Vec<(tempfile::TempDir, Db)> {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let mut dbs = vec![(dir, Db::connect(&url).await.unwrap())];
        if let Ok(admin) = std::env::var("KYC_TEST_POSTGRES_URL") {
            if !admin.is_empty() {
                use sqlx::Connection;
                let name = format!("kyc_db_{}", crate::random::hex(8));
                let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await.unwrap();
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_owned();
                dbs.push((tempfile::tempdir().unwrap(), Db::connect(&format!("{base}/{name}")).await.unwrap()));
            }
        }
        dbs
    }

    fn body(
        event_id: &str,
        app: &str,
        user: &str,
        s: ApplicationStatus,
        p: Option<ApplicationStatus>,
        at: i64,
    ) -> String {
        format!("{} {app} {user} {} {} {at}", event_id.len(), s.as_str(), p.map_or("-", ApplicationStatus::as_str))
    }

    #[tokio::test]
    async fn rows_are_read_by_column_name_on_each_backend() {
        use ApplicationStatus::{Creating, Draft};
        for (_dir, db) in databases().await {
            let backend = db.backend();
            let s =
                SessionRow { id: "s1".into(), token_hash: vec![1, 2], external_user_id: "u1".into(), expires_at: 99 };
            db.insert_session(&s, 1).await.unwrap();
            let got = db.session("s1").await.unwrap().unwrap();
            assert_eq!(
                (got.id, got.token_hash, got.external_user_id, got.expires_at),
                (s.id, s.token_hash, s.external_user_id, 99)
            );

            let a = ApplicationRow {
                id: "a1".into(),
                session_id: "s1".into(),
                request_no: "r1".into(),
                status: Creating,
                updated_at: 0,
                external_user_id: "u1".into(),
                created_at: 0,
            };
            assert!(db.insert_application(&a, "h1", 5).await.unwrap());
            let got = db.application("a1").await.unwrap().unwrap();
            assert_eq!(
                (got.id.as_str(), got.session_id.as_str(), got.request_no.as_str(), got.status),
                ("a1", "s1", "r1", Creating)
            );
            assert_eq!((got.external_user_id.as_str(), got.created_at, got.updated_at), ("u1", 5, 5));
            assert_eq!(db.draft_hash("a1").await.unwrap().as_deref(), Some("h1"));

            let t = Transition { id: "a1", from: &[Creating], to: Draft, source: "test", now: 7, notify: Some(body) };
            assert_eq!(db.transition(&t).await.unwrap(), Some(Creating), "{backend:?}");
            assert_eq!(db.history("a1").await.unwrap(), [HistoryEntry { status: Draft, at: 7, source: "test".into() }]);
            assert_eq!(db.undelivered_events().await.unwrap(), 1);
            let ev = db.claim_event(100, 60).await.unwrap().unwrap();
            assert_eq!((ev.application_id.as_str(), ev.body.as_str(), ev.attempts), ("a1", "32 a1 u1 draft - 7", 0));
            assert_eq!(ev.event_id.len(), 32);

            db.record_document("a1", "front", "abc", "desktop", 8).await.unwrap();
            assert_eq!(db.document_hash("a1", "front").await.unwrap(), Some(("abc".into(), 8)));
            let doc = DocumentEntry { kind: "front".into(), source: "desktop".into(), uploaded_at: 8 };
            assert_eq!(db.document_entries("a1").await.unwrap(), [doc]);

            assert_eq!(
                db.stage_photo("u1", "back", b"sealed", "desktop", 9, None).await.unwrap(),
                StageOutcome::Written
            );
            let (photo, bytes) = db.staged_photo("u1", "back").await.unwrap().unwrap();
            assert_eq!((photo.kind.as_str(), photo.source.as_str(), photo.uploaded_at), ("back", "desktop", 9));
            assert_eq!((photo.key_id, bytes.as_slice()), (None, b"sealed".as_slice()));

            assert!(db.create_handoff("u1", b"tok", "1234", 10, 20).await.unwrap());
            let h = db.handoff_of_user("u1").await.unwrap().unwrap();
            assert_eq!(
                (h.external_user_id.as_str(), h.token_hash.as_slice(), h.match_code.as_str()),
                ("u1", b"tok".as_slice(), "1234")
            );
            assert_eq!((h.device_hash, h.capability_hash, h.state), (None, None, HandoffState::Waiting));
            assert_eq!((h.created_at, h.expires_at, h.claimed_at), (10, 20, None));

            assert_eq!(db.hit_all(&[("k1", 1), ("k2", 1)]).await.unwrap(), [1, 1]);
            assert_eq!(db.hit_all(&[("k2", 1), ("k1", 1)]).await.unwrap(), [2, 2]);
            assert_eq!(db.hit("k1", 1).await.unwrap(), 3);
            db.enqueue("reconcile", "a1", 0, 0).await.unwrap();
            assert_eq!(db.pending_jobs().await.unwrap(), 1);
            let job = db.claim_job(1, 60).await.unwrap().unwrap();
            assert_eq!((job.kind.as_str(), job.target.as_str(), job.attempts, job.gen), ("reconcile", "a1", 0, 0));
            db.retry_job(&job, 0).await.unwrap();
            let counts = WorkCounts { jobs: 1, jobs_failed: 1, events: 1, events_failed: 0 };
            assert_eq!(db.work_counts().await.unwrap(), counts, "{backend:?}");
            assert_eq!(db.applications_by_status().await.unwrap(), [(Draft, 1)]);
            assert_eq!(db.handoffs_by_state().await.unwrap(), [(HandoffState::Waiting, 1)]);

            // A state no enum has is a decode error, not a panic and not a default.
            for sql in ["UPDATE applications SET status = 'bogus'", "UPDATE handoffs SET state = 'bogus'"] {
                sqlx::query(sql).execute(db.pool()).await.unwrap();
            }
            let e = db.application("a1").await.unwrap_err();
            assert!(matches!(&e, sqlx::Error::ColumnDecode { index, .. } if index == "status"), "{e}");
            let e = db.handoff_of_user("u1").await.unwrap_err();
            assert!(matches!(&e, sqlx::Error::ColumnDecode { index, .. } if index == "state"), "{e}");
        }
    }

    #[test]
    fn a_state_name_parses_and_an_unknown_one_is_an_error() {
        assert_eq!(ApplicationStatus::try_from(StateName("draft".into())).ok(), Some(ApplicationStatus::Draft));
        assert_eq!(HandoffState::try_from(StateName("done".into())).ok(), Some(HandoffState::Done));
        assert!(ApplicationStatus::try_from(StateName("nonsense".into())).is_err());
        assert!(HandoffState::try_from(StateName("draft".into())).is_err());
    }
}
