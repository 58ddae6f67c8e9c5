//! The retention task (docs/security.md DL-1): every few minutes, staged data 24 hours (or
//! `KYC_RETENTION_SECS`, if shorter) after its first write (and as long after an application's
//! creation, the draft an open document check keeps sealed), handoffs whose link and capability
//! have both expired (STAGING.md), stored AML/IDV reports and the widget's diagnostics traces
//! older than `KYC_RETENTION_SECS` (default 24 h), and expired sessions that no application
//! refers to are deleted.
//!
//! Applications are never deleted, however long they wait: from `creating` on (the row is
//! written right before `information`) the provider may hold the requestNo and the person's
//! email, so deleting one would leave the person `already_used` on their email for good.
//! Instead a new session for the same `externalUserId` continues it (docs/api.md): it sees
//! the application in `GET /v1/session` and can upload and submit it (a `creating` one is
//! resumed by creating it again with the same draft). An application holds no applicant PII
//! (db/mod.rs), and its session row is kept with it.
//!
//! [`Db::purge`](crate::db::Db::purge) takes `now`, so tests run it on a fake clock.

use std::time::Duration;

use crate::state::AppState;

pub const INTERVAL: Duration = Duration::from_secs(300);

pub async fn run(state: AppState, mut stop: crate::work::worker_loop::Stop) {
    let mut tick = tokio::time::interval(INTERVAL);
    loop {
        tokio::select! {
            () = stop.wait() => return,
            _ = tick.tick() => {}
        }
        run_once(&state, crate::clock::now_secs()).await;
    }
}

/// One pass at `now` (unix seconds).
pub async fn run_once(state: &AppState, now: i64) -> crate::db::Purged {
    match state.db.purge(now, state.config.retention_secs).await {
        Ok(p) => {
            if p != crate::db::Purged::default() {
                tracing::info!(
                    event = "retention_purged",
                    sessions = p.sessions,
                    reports = p.reports,
                    staged = p.staged,
                    check_drafts = p.check_drafts,
                    handoffs = p.handoffs,
                    diagnostics = p.diagnostics,
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
