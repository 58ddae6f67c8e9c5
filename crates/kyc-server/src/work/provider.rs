//! The provider's view of an application (`queryMerchantKyc`) and how it moves ours.

use kyc_domain::{ApplicationStatus, ProviderStatus};
use reqwest::Method;
use serde_json::json;

use crate::clock::now_secs;
use crate::db::ApplicationRow;
use crate::state::AppState;
use crate::upstream::{Payload, UpstreamError};
use ApplicationStatus::{Approved, Draft, Rejected, Reviewing, Submitting};

use super::{notify, step, Move};

/// The provider says `reviewing` (webhook or poll).
const PROVIDER_REVIEWING: Move = Move { from: &[Draft, Submitting], to: Reviewing };
/// The provider's decision (webhook or poll).
const PROVIDER_APPROVED: Move = Move { from: &[Draft, Submitting, Reviewing], to: Approved };
const PROVIDER_REJECTED: Move = Move { from: &[Draft, Submitting, Reviewing], to: Rejected };

/// What the provider's status moves ours to (`init` moves nothing).
pub(super) fn provider_move(upstream: ProviderStatus) -> Option<Move> {
    match upstream {
        ProviderStatus::Init => None,
        ProviderStatus::Reviewing => Some(PROVIDER_REVIEWING),
        ProviderStatus::Approved => Some(PROVIDER_APPROVED),
        ProviderStatus::Rejected => Some(PROVIDER_REJECTED),
    }
}

/// The provider's view of an application (`queryMerchantKyc`): `init`, `reviewing`,
/// `approved` or `rejected` (`None`: missing or unknown).
pub async fn provider_status(state: &AppState, app: &ApplicationRow) -> Result<Option<ProviderStatus>, UpstreamError> {
    let path = format!("/open/api/kyc/share/queryMerchantKyc/{}", app.request_no);
    let body = kyc_domain::canonical_json(&json!({"requestNo": app.request_no}));
    let model = state.upstream.call(Method::POST, &path, &[], Payload::Json(&body)).await?;
    Ok(model.as_ref().and_then(|m| m.get("kycStatus")).and_then(|s| s.as_str()).and_then(ProviderStatus::parse))
}

/// Applies what the provider says to our record. Final states stay final: a provider reversal
/// after `approved` / `rejected` is recorded in the history, notified and logged as a security
/// event, but the status stays.
pub async fn apply_provider_status(
    state: &AppState,
    app: &ApplicationRow,
    upstream: ProviderStatus,
    source: &str,
) -> sqlx::Result<()> {
    let Some(m) = provider_move(upstream) else { return Ok(()) };
    let current = state.db.application(&app.id).await?.map(|a| a.status);
    if let Some(current) = current.filter(|c| c.is_final()) {
        // Recorded once, in order, however many webhooks and polls bring it at once: the
        // "already the last entry" check runs in the recording transaction (Db::record_reversal).
        if m.to.is_final()
            && m.to != current
            && state.db.record_reversal(&app.id, m.to, current, source, now_secs(), notify(state)).await?
        {
            tracing::warn!(
                event = "security_provider_reversal",
                from = current.as_str(),
                to = m.to.as_str(),
                "the provider reversed a final decision; the recorded status stays"
            );
        }
        return Ok(());
    }
    step(state, &app.id, m, source).await?;
    Ok(())
}

/// A widget poll re-uses a provider answer this recent.
pub const POLL_FRESH_MS: i64 = 2_000;

/// Confirms an application's status with the provider and stores it; single flight per
/// application on this instance (the provider is asked once for callers that arrive while a
/// query is in flight). Returns the status now stored.
pub async fn confirm_status(
    state: &AppState,
    app: &ApplicationRow,
    source: &str,
) -> Result<Option<ApplicationStatus>, UpstreamError> {
    let flight = state.status_flight(&app.id);
    let arrived = crate::clock::now_ms();
    let mut last_answered = match flight.try_lock() {
        Ok(g) => g,
        Err(_) => flight.lock().await,
    };
    // A query answered after this caller arrived is its answer too; a widget poll also takes
    // one answered within the last POLL_FRESH_MS (a webhook is news: it always asks).
    let fresh_since = if source == "poll" { arrived - POLL_FRESH_MS } else { arrived };
    if *last_answered >= fresh_since {
        return Ok(state.db.application(&app.id).await.ok().flatten().map(|a| a.status));
    }
    let r = provider_status(state, app).await;
    *last_answered = crate::clock::now_ms();
    let Some(upstream) = r? else {
        return Ok(state.db.application(&app.id).await.ok().flatten().map(|a| a.status));
    };
    apply_provider_status(state, app, upstream, source)
        .await
        .map_err(|e| UpstreamError::Unavailable(format!("database: {e}")))?;
    Ok(state.db.application(&app.id).await.ok().flatten().map(|a| a.status))
}
