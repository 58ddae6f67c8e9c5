//! The job worker (webhook confirmations, reconciliations) and the reconciler that queues a
//! reconciliation for applications without news.

use kyc_domain::{ApplicationStatus, ProviderStatus};
use std::time::Duration;

use crate::clock::now_secs;
use crate::db::ApplicationRow;
use crate::state::AppState;
use ApplicationStatus::Submitting;

use super::provider::{apply_provider_status, confirm_status, provider_status};
use super::submit::{complete_submit, take_over_submit, SubmitLease};
use super::worker_loop::{worker_loop, Stop};
use super::{step, SubmitError, LEASE_SECS, SUBMIT_FAILED};

/// Job kinds.
pub const JOB_WEBHOOK: &str = "webhook";
pub const JOB_RECONCILE: &str = "reconcile";

/// Reconciles one application without news: asks the provider and applies the answer. A submit
/// left half-done (`submitting`, the provider still says `init`) is completed only by whoever
/// takes its lease over, which happens only once the lease ran out (its holder died or gave
/// it back): a submit under way, however slow, is never submitted a second time.
async fn reconcile(state: &AppState, app: &ApplicationRow) -> Result<(), SubmitError> {
    if app.status == Submitting {
        if let Some(lease) = take_over_submit(state, &app.id).await? {
            let r = reconcile_submit(state, app, &lease).await;
            lease.release(state).await;
            return r;
        }
    }
    if let Some(upstream) = provider_status(state, app).await.map_err(SubmitError::Upstream)? {
        apply_provider_status(state, app, upstream, "poll").await?;
    }
    Ok(())
}

/// The reconciler holds a half-done submit's lease: completes it if the provider never got it.
async fn reconcile_submit(state: &AppState, app: &ApplicationRow, lease: &SubmitLease) -> Result<(), SubmitError> {
    match provider_status(state, app).await.map_err(SubmitError::Upstream)? {
        Some(ProviderStatus::Init) => {}
        Some(upstream) => {
            apply_provider_status(state, app, upstream, "poll").await?;
            return Ok(());
        }
        // Missing or unknown: nothing is applied, nothing completed.
        None => return Ok(()),
    }
    tracing::warn!(event = "submit_completed_by_reconciler", "a submit left half-done is completed");
    match complete_submit(state, app, lease, "poll").await {
        Err(SubmitError::DocumentsMissing(_) | SubmitError::ReportsMissing) => {
            // It cannot go through as it stands: the person submits again.
            tracing::warn!(event = "submit_returned_to_draft", "a half-done submit lacks documents or reports");
            step(state, &app.id, SUBMIT_FAILED, "poll").await?;
            Ok(())
        }
        Err(SubmitError::LeaseLost) => Ok(()),
        r => r,
    }
}

async fn run_job(state: &AppState, kind: &str, target: &str) -> Result<(), SubmitError> {
    let app = match kind {
        JOB_WEBHOOK => state.db.application_by_request_no(target).await?,
        JOB_RECONCILE => state.db.application(target).await?,
        _ => None,
    };
    let Some(app) = app else {
        if kind == JOB_WEBHOOK {
            tracing::info!(event = "webhook_unknown_request", "webhook for an unknown application ignored");
        }
        return Ok(());
    };
    match kind {
        JOB_WEBHOOK => confirm_status(state, &app, "webhook").await.map(|_| ()).map_err(SubmitError::Upstream),
        _ => reconcile(state, &app).await,
    }
}

/// Seconds before the `attempts`-th retry: 2, 4, 8 … capped at 5 minutes.
fn job_backoff(attempts: i64) -> i64 {
    2i64.saturating_pow(u32::try_from(attempts.clamp(0, 20)).unwrap_or(20) + 1).min(300)
}

/// Every worker of this instance, until `stop`: the job worker, the reconciler, the partner
/// notifier (when a partner URL is configured) and retention. Started by [`crate::run`] beside
/// the HTTP task, under the same shutdown; returns once each has put down its item in hand.
pub async fn run(state: AppState, stop: Stop) {
    tokio::join!(
        job_worker(state.clone(), stop.clone()),
        reconciler(state.clone(), stop.clone()),
        super::notify::notifier(state.clone(), stop.clone()),
        crate::retention::run(state, stop),
    );
}

/// The job worker of this instance: one job at a time.
async fn job_worker(state: AppState, stop: Stop) {
    let claim = || state.db.claim_job(now_secs(), LEASE_SECS);
    let handle = |job: crate::db::Job| {
        let state = &state;
        async move {
            match run_job(state, &job.kind, &job.target).await {
                Ok(()) => {
                    let _ = state.db.finish_job(&job).await;
                }
                Err(e) => {
                    tracing::warn!(event = "job_failed", kind = job.kind.as_str(), attempts = job.attempts + 1, error = ?e, "job will be retried");
                    let _ = state.db.retry_job(&job, now_secs() + job_backoff(job.attempts)).await;
                }
            }
        }
    };
    worker_loop("jobs", stop, Some(&state.work_signal), claim, handle).await;
}

/// The reconciler: applications `submitting` or `reviewing` without news for
/// `KYC_RECONCILE_AFTER_SECS` get a reconcile job (one instance marks each).
async fn reconciler(state: AppState, mut stop: Stop) {
    let every = Duration::from_secs(u64::try_from(state.config.reconcile_after_secs / 2).unwrap_or(1).clamp(1, 10));
    while stop.pause(every, None).await {
        let now = now_secs();
        match state.db.stale_applications(now - state.config.reconcile_after_secs, now).await {
            Ok(ids) => {
                for id in ids {
                    if state.db.enqueue(JOB_RECONCILE, &id, now, now).await.is_ok() {
                        state.work_signal.notify_one();
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "reconciler scan failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoffs_start_small_and_are_capped() {
        assert_eq!((job_backoff(0), job_backoff(1)), (2, 4));
        assert_eq!(job_backoff(50), 300);
    }
}
