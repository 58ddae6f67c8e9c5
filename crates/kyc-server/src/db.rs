//! Persistence (SQLite through sqlx). Stores sessions (token hashes only), the application ↔
//! `requestNo` link, status, uploaded document kinds and timestamps — no applicant PII.
//! Every write is a single statement or a transaction committed before the HTTP answer, so a
//! kill -9 loses no acknowledged state (SQLite WAL, `synchronous = FULL`).

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::str::FromStr;

#[derive(Clone)]
pub struct Db {
    pool: SqlitePool,
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
    pub status: String,
    pub updated_at: i64,
}

/// Creates the SQLite file (and its WAL and shared-memory files, which SQLite creates with
/// the database file's mode) readable and writable by the owner only.
#[cfg(unix)]
fn owner_only(url: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = path.split('?').next().unwrap_or_default();
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

/// What one retention pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub drafts: u64,
    pub reports: u64,
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        owner_only(url)?;
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts).await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn insert_session(&self, s: &SessionRow, now: i64) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id, token_hash, external_user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
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
        let row = sqlx::query("SELECT id, token_hash, external_user_id, expires_at FROM sessions WHERE id = ?")
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

    fn app_from(r: &sqlx::sqlite::SqliteRow) -> ApplicationRow {
        ApplicationRow {
            id: r.get(0),
            session_id: r.get(1),
            request_no: r.get(2),
            status: r.get(3),
            updated_at: r.get(4),
        }
    }

    pub async fn application(&self, id: &str) -> sqlx::Result<Option<ApplicationRow>> {
        let r = sqlx::query("SELECT id, session_id, request_no, status, updated_at FROM applications WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.as_ref().map(Self::app_from))
    }

    pub async fn application_by_request_no(&self, rn: &str) -> sqlx::Result<Option<ApplicationRow>> {
        let r =
            sqlx::query("SELECT id, session_id, request_no, status, updated_at FROM applications WHERE request_no = ?")
                .bind(rn)
                .fetch_optional(&self.pool)
                .await?;
        Ok(r.as_ref().map(Self::app_from))
    }

    pub async fn application_of_session(&self, session_id: &str) -> sqlx::Result<Option<ApplicationRow>> {
        let r =
            sqlx::query("SELECT id, session_id, request_no, status, updated_at FROM applications WHERE session_id = ?")
                .bind(session_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(r.as_ref().map(Self::app_from))
    }

    /// Records the application before the upstream call (status `creating`), so a crash between
    /// the two leaves a row to resume with the same `requestNo`. Fails if the session has one.
    pub async fn insert_application(&self, a: &ApplicationRow, draft_hash: &str, now: i64) -> sqlx::Result<bool> {
        let r = sqlx::query(
            "INSERT INTO applications (id, session_id, request_no, status, created_at, updated_at, draft_hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(session_id) DO NOTHING",
        )
        .bind(&a.id)
        .bind(&a.session_id)
        .bind(&a.request_no)
        .bind(&a.status)
        .bind(now)
        .bind(now)
        .bind(draft_hash)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The hash of the draft a half-created application was created from.
    pub async fn draft_hash(&self, id: &str) -> sqlx::Result<Option<String>> {
        let r =
            sqlx::query("SELECT draft_hash FROM applications WHERE id = ?").bind(id).fetch_optional(&self.pool).await?;
        Ok(r.and_then(|r| r.get(0)))
    }

    /// Retention (checklist DL-1): removes expired sessions that no application needs,
    /// applications never submitted (`creating`, `draft`) created before `now - retention`
    /// with their documents and reports, and reports older than the retention time.
    pub async fn purge(&self, now: i64, retention_secs: i64) -> sqlx::Result<Purged> {
        let cutoff = now - retention_secs;
        let mut tx = self.pool.begin().await?;
        let abandoned = "SELECT id FROM applications WHERE status IN ('creating', 'draft') AND created_at <= ?";
        for sql in [
            format!("DELETE FROM documents WHERE application_id IN ({abandoned})"),
            format!("DELETE FROM reports WHERE application_id IN ({abandoned})"),
        ] {
            sqlx::query(&sql).bind(cutoff).execute(&mut *tx).await?;
        }
        let drafts = sqlx::query("DELETE FROM applications WHERE status IN ('creating', 'draft') AND created_at <= ?")
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let reports = sqlx::query("DELETE FROM reports WHERE created_at <= ?")
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let sessions = sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= ? AND id NOT IN (SELECT session_id FROM applications)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(Purged { sessions, drafts, reports })
    }

    pub async fn delete_application(&self, id: &str) -> sqlx::Result<()> {
        let mut tx = self.pool.begin().await?;
        for sql in [
            "DELETE FROM documents WHERE application_id = ?",
            "DELETE FROM reports WHERE application_id = ?",
            "DELETE FROM applications WHERE id = ?",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// Sets the status only when the current one is in `from` (final states stay final).
    pub async fn transition(&self, id: &str, from: &[&str], to: &str, now: i64) -> sqlx::Result<bool> {
        let placeholders = vec!["?"; from.len()].join(",");
        let sql =
            format!("UPDATE applications SET status = ?, updated_at = ? WHERE id = ? AND status IN ({placeholders})");
        let mut q = sqlx::query(&sql).bind(to).bind(now).bind(id);
        for f in from {
            q = q.bind(*f);
        }
        Ok(q.execute(&self.pool).await?.rows_affected() == 1)
    }

    pub async fn record_document(&self, app_id: &str, kind: &str, sha256: &str, now: i64) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO documents (application_id, kind, sha256, uploaded_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT(application_id, kind) DO UPDATE SET sha256 = excluded.sha256, uploaded_at = excluded.uploaded_at",
        )
        .bind(app_id)
        .bind(kind)
        .bind(sha256)
        .bind(now)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    pub async fn documents(&self, app_id: &str) -> sqlx::Result<Vec<String>> {
        let rows = sqlx::query("SELECT kind FROM documents WHERE application_id = ? ORDER BY kind")
            .bind(app_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    pub async fn put_report(&self, app_id: &str, kind: &str, bytes: &[u8], now: i64) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO reports (application_id, kind, bytes, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(application_id, kind) DO UPDATE SET bytes = excluded.bytes, created_at = excluded.created_at")
            .bind(app_id)
            .bind(kind)
            .bind(bytes)
            .bind(now)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn report(&self, app_id: &str, kind: &str) -> sqlx::Result<Option<Vec<u8>>> {
        let r = sqlx::query("SELECT bytes FROM reports WHERE application_id = ? AND kind = ?")
            .bind(app_id)
            .bind(kind)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(|r| r.get(0)))
    }

    pub async fn delete_reports(&self, app_id: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM reports WHERE application_id = ?").bind(app_id).execute(&self.pool).await.map(|_| ())
    }

    /// The raw pool, for tests that inspect what is at rest.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}
