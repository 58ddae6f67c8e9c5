//! Sessions: a token's hash, its partner user and its expiry.

use super::Db;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub token_hash: Vec<u8>,
    pub external_user_id: String,
    pub expires_at: i64,
}

impl Db {
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
        sqlx::query_as::<_, SessionRow>(
            "SELECT id, token_hash, external_user_id, expires_at FROM sessions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
    }
}
