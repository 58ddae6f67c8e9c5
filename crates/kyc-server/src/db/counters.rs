//! Counters shared by every instance: hits of a key in a fixed window (rate limits).

use super::Db;

/// A counter as [`Db::hit_all`] reads it back.
#[derive(sqlx::FromRow)]
struct Hit {
    key: String,
    count: i64,
}

impl Db {
    /// Counts one more hit of `key` in the fixed window starting at `window`, across every
    /// instance, and answers the count so far.
    pub async fn hit(&self, key: &str, window: i64) -> sqlx::Result<i64> {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO counters (key, \"window\", count) VALUES ($1, $2, 1) \
             ON CONFLICT (key, \"window\") DO UPDATE SET count = counters.count + 1 RETURNING count",
        )
        .bind(key)
        .bind(window)
        .fetch_one(&self.pool)
        .await
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
        let mut q = sqlx::query_as::<_, Hit>(&sql);
        for (k, w) in keys {
            q = q.bind(*k).bind(*w);
        }
        let rows = q.fetch_all(&self.pool).await?;
        Ok(keys.iter().map(|(k, _)| rows.iter().find(|r| r.key == *k).map_or(0, |r| r.count)).collect())
    }
}
