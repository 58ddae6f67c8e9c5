//! The retention task (checklist DL-1): every few minutes, expired sessions, applications
//! never submitted and stored AML/IDV reports older than `KYC_RETENTION_SECS` (default 24 h)
//! are deleted, and so are staged data 24 hours (or `KYC_RETENTION_SECS`, if shorter) after
//! its first write and handoffs whose link and capability have both expired (STAGING.md). [`Db::purge`](crate::db::Db::purge) takes `now`, so tests run it on a fake clock.

use std::time::Duration;

use crate::AppState;

pub const INTERVAL: Duration = Duration::from_secs(300);

pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(INTERVAL);
        loop {
            tick.tick().await;
            run_once(&state, crate::now_secs()).await;
        }
    });
}

/// One pass at `now` (unix seconds).
pub async fn run_once(state: &AppState, now: i64) -> crate::db::Purged {
    match state.db.purge(now, state.config.retention_secs).await {
        Ok(p) => {
            if p != crate::db::Purged::default() {
                tracing::info!(
                    event = "retention_purged",
                    sessions = p.sessions,
                    drafts = p.drafts,
                    reports = p.reports,
                    staged = p.staged,
                    handoffs = p.handoffs,
                    "expired data purged"
                );
            }
            p
        }
        Err(e) => {
            tracing::error!(error = %e, "retention pass failed");
            crate::db::Purged::default()
        }
    }
}
