//! Handoffs (STAGING.md): a user's link to continue on a phone, its bound device and the
//! phone's capability, as hashes.

use kyc_domain::HandoffState;

use super::staging::NOT_SUBMITTED;
use super::{sql, sql_list, Db, StateName};

/// A user's handoff. `Debug` shows no hashes.
#[derive(Clone, sqlx::FromRow)]
pub struct HandoffRow {
    pub external_user_id: String,
    pub token_hash: Vec<u8>,
    pub match_code: String,
    pub device_hash: Option<Vec<u8>>,
    pub capability_hash: Option<Vec<u8>>,
    #[sqlx(try_from = "StateName")]
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

/// How many handoffs are in one state ([`Db::handoffs_by_state`]).
#[derive(sqlx::FromRow)]
struct StateCount {
    #[sqlx(try_from = "StateName")]
    state: HandoffState,
    n: i64,
}

const HANDOFF_COLUMNS: &str = "external_user_id, token_hash, match_code, device_hash, capability_hash, state, \
                               created_at, expires_at, claimed_at";

impl Db {
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

    /// How many handoffs each state has (states without any are left out), for
    /// `GET /metrics`.
    pub async fn handoffs_by_state(&self) -> sqlx::Result<Vec<(HandoffState, i64)>> {
        let rows = sqlx::query_as::<_, StateCount>("SELECT state, COUNT(*) AS n FROM handoffs GROUP BY state")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| (r.state, r.n)).collect())
    }

    pub async fn handoff_of_user(&self, external_user_id: &str) -> sqlx::Result<Option<HandoffRow>> {
        let sql = format!("SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE external_user_id = $1");
        sqlx::query_as::<_, HandoffRow>(&sql).bind(external_user_id).fetch_optional(&self.pool).await
    }

    pub async fn handoff_by_token(&self, token_hash: &[u8]) -> sqlx::Result<Option<HandoffRow>> {
        let sql = format!("SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE token_hash = $1");
        sqlx::query_as::<_, HandoffRow>(&sql).bind(token_hash).fetch_optional(&self.pool).await
    }

    pub async fn handoff_by_capability(&self, capability_hash: &[u8]) -> sqlx::Result<Option<HandoffRow>> {
        let sql = format!("SELECT {HANDOFF_COLUMNS} FROM handoffs WHERE capability_hash = $1");
        sqlx::query_as::<_, HandoffRow>(&sql).bind(capability_hash).fetch_optional(&self.pool).await
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
}
