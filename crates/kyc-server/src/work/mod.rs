//! Durable work shared by every instance (issue "at scale"): the submit as a state machine,
//! status confirmation with the provider, the job worker (webhook confirmations,
//! reconciliations), the reconciler that asks the provider about applications without news,
//! and the partner notifier. All of it lives in the database: any instance claims any job,
//! a kill -9 loses nothing (a claimed job's lease runs out and another instance takes it).
//!
//! Work once (issue 22): a submit's upstream work (staged photos, reports, `merchantProcess`)
//! is done only by the holder of the application's lease ([`SubmitLease`], renewed while it
//! works, however slow the provider); the reconciler completes a half-done submit only after
//! taking that lease over once it ran out. An upload marks itself in flight
//! ([`UploadMark`]) only while the application is `draft`, and the submit's claim waits for it.
//!
//! - [`submit`]: the submit's claim, its lease, upload marks and the submit's upstream work;
//! - [`provider`]: the provider's view of an application and how it moves ours;
//! - [`workers`]: the job worker and the reconciler, and [`workers::run`] which runs every
//!   worker; [`worker_loop`]: how a worker loops and stops;
//! - [`notify`]: the partner notifications (docs/notifications.md): status changes and
//!   document checks.

pub mod notify;
pub mod provider;
pub mod submit;
pub mod worker_loop;
pub mod workers;

pub use provider::{apply_provider_status, confirm_status, provider_status, POLL_FRESH_MS};
pub use submit::{
    claim_submit, complete_submit, SubmitClaim, SubmitLease, UploadMark, SUBMIT_LEASE_SECS, UPLOAD_MARK_SECS,
};
pub use workers::{JOB_RECONCILE, JOB_WEBHOOK};

use kyc_domain::{ApplicationStatus, FieldError};
use std::time::Duration;

use crate::clock::now_secs;
use crate::db::{DocumentCheckedBody, StatusChangedBody, Transition};
use crate::state::AppState;
use crate::upstream::UpstreamError;
use ApplicationStatus::{Creating, Draft, Reviewing, Submitting};

/// How long a claimed job or notification is leased before another instance may take it.
pub const LEASE_SECS: i64 = 60;
/// The job worker and the notifier look for due work this often.
pub const POLL: Duration = Duration::from_millis(250);
/// Why a submit did not reach `reviewing`.
#[derive(Debug)]
pub enum SubmitError {
    /// A required photo is neither uploaded nor forwardable from staging
    /// (`409 documents_missing` with these fields).
    DocumentsMissing(Vec<FieldError>),
    /// The partner has not provided a report yet (`409 reports_missing`).
    ReportsMissing,
    /// The submit's lease is not this holder's any more (it stalled past it, or lost the
    /// database for that long): whoever took it over goes on, this one calls the provider no
    /// more.
    LeaseLost,
    Upstream(UpstreamError),
    Database(sqlx::Error),
    Other(anyhow::Error),
}

impl From<sqlx::Error> for SubmitError {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(e)
    }
}

/// Whether status changes are queued as partner notifications (a partner URL is configured),
/// and if so, how their body is written ([`notify::status_changed_body`]).
pub(crate) fn notify(state: &AppState) -> Option<StatusChangedBody> {
    state.config.partner_webhook_url.is_some().then_some(notify::status_changed_body as StatusChangedBody)
}

/// Whether document checks are queued as partner notifications, and how their body is written
/// ([`notify::document_checked_body`]).
pub(crate) fn notify_document_checked(state: &AppState) -> Option<DocumentCheckedBody> {
    state.config.partner_webhook_url.is_some().then_some(notify::document_checked_body as DocumentCheckedBody)
}

/// A status change the server asks for: from any of `from` to `to`. Every one is in
/// kyc-domain's `APPLICATION_TRANSITIONS` (asserted by [`transition`] and by a test).
#[derive(Debug, Clone, Copy)]
pub struct Move {
    pub from: &'static [ApplicationStatus],
    pub to: ApplicationStatus,
}

/// The provider accepted the applicant's data (routes/applications.rs).
pub const CREATED: Move = Move { from: &[Creating], to: Draft };
/// A submit's claim ([`claim_submit`], one conditional update in `Db::claim_submit`).
pub const CLAIMED: Move = Move { from: &[Draft], to: Submitting };
/// `merchantProcess` went through ([`complete_submit`]).
pub const SUBMITTED: Move = Move { from: &[Submitting], to: Reviewing };
/// A submit that did not go through: the person submits again.
pub const SUBMIT_FAILED: Move = Move { from: &[Submitting], to: Draft };
/// Moves `app` to `to` from one of `from`, recording `source`; `true` when it moved.
pub async fn transition(
    state: &AppState,
    app_id: &str,
    from: &[ApplicationStatus],
    to: ApplicationStatus,
    source: &str,
) -> sqlx::Result<bool> {
    let t = Transition { id: app_id, from, to, source, now: now_secs(), notify: notify(state) };
    let moved = state.db.transition(&t).await?;
    if let Some(previous) = moved {
        tracing::info!(
            event = "status_changed",
            from = previous.as_str(),
            to = to.as_str(),
            source,
            "application status changed"
        );
    }
    Ok(moved.is_some())
}

/// [`transition`] along `m`.
pub async fn step(state: &AppState, app_id: &str, m: Move, source: &str) -> sqlx::Result<bool> {
    transition(state, app_id, m.from, m.to, source).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_move_the_server_makes_is_in_the_table() {
        let provider: Vec<Move> =
            kyc_domain::ProviderStatus::ALL.into_iter().filter_map(provider::provider_move).collect();
        assert_eq!(provider.len(), 3);
        for m in [CREATED, CLAIMED, SUBMITTED, SUBMIT_FAILED].into_iter().chain(provider) {
            for &from in m.from {
                assert!(ApplicationStatus::allowed(from, m.to), "{from} → {} is not in the table", m.to);
            }
        }
    }
}
