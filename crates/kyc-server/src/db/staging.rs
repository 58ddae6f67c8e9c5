//! Staging (STAGING.md): a user's sealed draft and photos before the submit.

use kyc_domain::{ApplicationStatus, HandoffState};
use std::sync::LazyLock;

use super::{sql_list, Backend, Db};

/// A staged photo as listed (its sealed bytes are read only when asked for).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StagedPhoto {
    pub kind: String,
    pub source: String,
    pub uploaded_at: i64,
    /// The id of the key that sealed it (staging::sealed_key_id): a listing shows only photos
    /// a configured key opens. `None` for a value not in the sealed format.
    pub key_id: Option<String>,
}

/// A staged photo with its sealed bytes, as [`Db::staged_photo`] reads it.
#[derive(sqlx::FromRow)]
struct StagedPhotoBytes {
    #[sqlx(flatten)]
    photo: StagedPhoto,
    sealed: Vec<u8>,
}

/// The condition under which a user may still stage: their application, if any, is not past
/// `draft` (a write racing a submit cannot land after it: the submit moves the application to
/// `submitting` before anything is forwarded). `$1` is the user.
pub(super) static NOT_SUBMITTED: LazyLock<String> = LazyLock::new(|| {
    format!(
        "NOT EXISTS (SELECT 1 FROM applications WHERE external_user_id = $1 AND status IN ({}))",
        sql_list(&ApplicationStatus::PAST_DRAFT)
    )
});

/// What a staging write came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageOutcome {
    Written,
    /// The user's application is past `draft`.
    AlreadySubmitted,
    /// The phone's capability died meanwhile (cancelled, replaced, expired).
    CapabilityDead,
}

impl Db {
    /// Stages a user's sealed draft; `created_at` stays that of the first write.
    pub async fn stage_draft(&self, external_user_id: &str, sealed: &[u8], now: i64) -> sqlx::Result<StageOutcome> {
        let not_submitted = NOT_SUBMITTED.as_str();
        let sql = format!(
            "INSERT INTO staged_drafts (external_user_id, sealed, created_at, updated_at) \
             SELECT $1, $2, $3, $3 WHERE {not_submitted} \
             ON CONFLICT (external_user_id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at"
        );
        let r = sqlx::query(&sql).bind(external_user_id).bind(sealed).bind(now).execute(&self.pool).await?;
        Ok(if r.rows_affected() == 0 { StageOutcome::AlreadySubmitted } else { StageOutcome::Written })
    }

    pub async fn staged_draft(&self, external_user_id: &str) -> sqlx::Result<Option<Vec<u8>>> {
        sqlx::query_scalar::<_, Vec<u8>>("SELECT sealed FROM staged_drafts WHERE external_user_id = $1")
            .bind(external_user_id)
            .fetch_optional(&self.pool)
            .await
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
    ) -> sqlx::Result<StageOutcome> {
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
            return Ok(StageOutcome::Written);
        }
        let submitted = sqlx::query(&format!("SELECT 1 WHERE NOT ({})", NOT_SUBMITTED.as_str()))
            .bind(external_user_id)
            .fetch_optional(&self.pool)
            .await?
            .is_some();
        Ok(if submitted { StageOutcome::AlreadySubmitted } else { StageOutcome::CapabilityDead })
    }

    /// The user's staged photos, without their bytes (whatever key sealed them: a listing
    /// shown to anyone keeps only those whose `key_id` the data key knows).
    pub async fn staged_photos(&self, external_user_id: &str) -> sqlx::Result<Vec<StagedPhoto>> {
        sqlx::query_as::<_, StagedPhoto>(
            "SELECT kind, source, uploaded_at, key_id FROM staged_photos WHERE external_user_id = $1 ORDER BY kind",
        )
        .bind(external_user_id)
        .fetch_all(&self.pool)
        .await
    }

    /// A staged photo: the listing and the sealed bytes.
    pub async fn staged_photo(
        &self,
        external_user_id: &str,
        kind: &str,
    ) -> sqlx::Result<Option<(StagedPhoto, Vec<u8>)>> {
        let r = sqlx::query_as::<_, StagedPhotoBytes>(
            "SELECT kind, source, uploaded_at, key_id, sealed FROM staged_photos \
             WHERE external_user_id = $1 AND kind = $2",
        )
        .bind(external_user_id)
        .bind(kind)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.map(|r| (r.photo, r.sealed)))
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
}
