//! Retention (docs/security.md DL-1): what outlived its lifetime is removed.

use super::Db;

/// What one retention pass removed. Applications are never among it: from `creating` on the
/// provider may hold them (retention.rs).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Expired sessions no application refers to.
    pub sessions: u64,
    pub reports: u64,
    /// Staged drafts and photos (rows).
    pub staged: u64,
    /// Drafts kept sealed for a document check (document_check.rs).
    pub check_drafts: u64,
    pub handoffs: u64,
    /// Diagnostics traces not updated for the retention time.
    pub diagnostics: u64,
}

impl Db {
    /// Retention (docs/security.md DL-1): removes staged data and handoffs past their lifetime,
    /// reports and diagnostics traces older than the retention time, expired sessions that no
    /// application refers to, delivered notifications and old counters. Applications are never
    /// removed, whatever their age: from `creating` on (the row is written right before
    /// `information`) the provider may hold the requestNo and the person's email, so removing
    /// one would leave the person `already_used` for good; a new session for the same user
    /// continues it instead (docs/api.md).
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
        // The draft an open document check keeps (document_check.rs) lives as long as staging.
        let check_drafts = sqlx::query(
            "UPDATE applications SET check_draft = NULL WHERE check_draft IS NOT NULL AND created_at <= $1",
        )
        .bind(staged_cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
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
        let diagnostics = sqlx::query("DELETE FROM diagnostics WHERE updated_at <= $1")
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
        Ok(Purged { sessions, reports, staged, check_drafts, handoffs, diagnostics })
    }
}
