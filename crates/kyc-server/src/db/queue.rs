//! Durable work: jobs (webhook confirmations, reconciliations) and partner notifications, each
//! claimed by one instance at a time under a lease.

use super::Db;

/// A claimed job.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub target: String,
    pub attempts: i64,
    pub gen: i64,
}

/// The work waiting, as `GET /metrics` shows it ([`Db::work_counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct WorkCounts {
    /// Jobs queued or running.
    pub jobs: i64,
    /// Of those, the ones whose last attempt failed (they are retried).
    pub jobs_failed: i64,
    /// Partner notifications not delivered yet.
    pub events: i64,
    /// Of those, the ones that failed at least once.
    pub events_failed: i64,
}

/// A claimed partner notification.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Event {
    pub id: i64,
    pub event_id: String,
    pub application_id: String,
    pub body: String,
    pub attempts: i64,
}

impl Db {
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
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM jobs").fetch_one(&self.pool).await
    }

    /// Claims one due job for `lease_secs` (a conditional update: one instance wins it).
    pub async fn claim_job(&self, now: i64, lease_secs: i64) -> sqlx::Result<Option<Job>> {
        let jobs = sqlx::query_as::<_, Job>(
            "SELECT id, kind, target, attempts, gen FROM jobs WHERE run_at <= $1 AND locked_until <= $1 ORDER BY run_at, id LIMIT 8",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        for job in jobs {
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

    // -- partner notifications ---------------------------------------------------------------

    /// Claims the next deliverable notification: due, not leased, and the earliest undelivered
    /// one of its application (so each application's events arrive in order).
    pub async fn claim_event(&self, now: i64, lease_secs: i64) -> sqlx::Result<Option<Event>> {
        let events = sqlx::query_as::<_, Event>(
            "SELECT e.id, e.event_id, e.application_id, e.body, e.attempts FROM events e \
             WHERE e.delivered_at IS NULL AND e.next_at <= $1 AND e.locked_until <= $1 \
             AND NOT EXISTS (SELECT 1 FROM events p WHERE p.application_id = e.application_id AND p.delivered_at IS NULL AND p.id < e.id) \
             ORDER BY e.id LIMIT 8",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        for ev in events {
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

    /// The jobs and partner notifications waiting, and how many of each failed before: four
    /// counts in one round trip (`GET /metrics`).
    pub async fn work_counts(&self) -> sqlx::Result<WorkCounts> {
        sqlx::query_as::<_, WorkCounts>(
            "SELECT (SELECT COUNT(*) FROM jobs) AS jobs, \
             (SELECT COUNT(*) FROM jobs WHERE attempts > 0) AS jobs_failed, \
             (SELECT COUNT(*) FROM events WHERE delivered_at IS NULL) AS events, \
             (SELECT COUNT(*) FROM events WHERE delivered_at IS NULL AND attempts > 0) AS events_failed",
        )
        .fetch_one(&self.pool)
        .await
    }

    /// Undelivered notifications (tests, readiness).
    pub async fn undelivered_events(&self) -> sqlx::Result<i64> {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM events WHERE delivered_at IS NULL")
            .fetch_one(&self.pool)
            .await
    }
}
