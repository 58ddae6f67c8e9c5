//! Diagnostics (`POST /v1/diagnostics`): the PII-free trace a session's widget sent last, as
//! `kyc_domain::diagnostics::Diagnostics` JSON that passed its check — one row per session, the
//! latest replacing the previous — read back by its partner user.

use super::Db;

/// A stored trace as read back: its JSON and when its session sent its first one.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DiagnosticsRow {
    pub created_at: i64,
    pub updated_at: i64,
    /// The checked trace, re-serialised (never the bytes received).
    pub body: String,
}

impl Db {
    /// Stores a session's trace, replacing its earlier one (`created_at` stays that of the
    /// first) unless `replaces(earlier)` says no (a beacon that arrives after a later trace of
    /// the same page); answers whether it was stored. The read and the write are two statements: of
    /// two traces of one session at the same moment, the later write wins, and what the
    /// metrics count as new may be off by that race — nothing else depends on it.
    pub async fn store_diagnostics(
        &self,
        session_id: &str,
        external_user_id: &str,
        body: &str,
        now: i64,
        replaces: impl FnOnce(&str) -> bool,
    ) -> sqlx::Result<bool> {
        let previous = sqlx::query_scalar::<_, String>("SELECT body FROM diagnostics WHERE session_id = $1")
            .bind(session_id)
            .fetch_optional(&self.pool)
            .await?;
        if previous.as_deref().is_some_and(|p| !replaces(p)) {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO diagnostics (session_id, external_user_id, created_at, updated_at, body) \
             VALUES ($1, $2, $3, $3, $4) \
             ON CONFLICT (session_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(session_id)
        .bind(external_user_id)
        .bind(now)
        .bind(body)
        .execute(&self.pool)
        .await?;
        Ok(true)
    }

    /// The user's traces, one per session, the newest session first, at most `limit`.
    pub async fn diagnostics_of_user(&self, external_user_id: &str, limit: i64) -> sqlx::Result<Vec<DiagnosticsRow>> {
        sqlx::query_as::<_, DiagnosticsRow>(
            "SELECT created_at, updated_at, body FROM diagnostics WHERE external_user_id = $1 \
             ORDER BY created_at DESC, updated_at DESC, session_id DESC LIMIT $2",
        )
        .bind(external_user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    /// The user's most recently updated trace, if any (the application view's `diagnostics`).
    pub async fn latest_diagnostics(&self, external_user_id: &str) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar::<_, String>(
            "SELECT body FROM diagnostics WHERE external_user_id = $1 \
             ORDER BY updated_at DESC, created_at DESC, session_id DESC LIMIT 1",
        )
        .bind(external_user_id)
        .fetch_optional(&self.pool)
        .await
    }
}
