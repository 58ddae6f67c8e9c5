//! `POST /v1/webhooks/kyc/{secret}`: a doorbell, not a message (docs/security.md WH-*). The path
//! secret is checked before the body is read (`KYC_WEBHOOK_SECRET`, or during a rotation
//! `KYC_WEBHOOK_SECRET_PREVIOUS`); only `application/json` of at most 4 KiB is read; requests
//! are rate-limited per client (rate_limit.rs); a `(requestNo, kycStatus)` seen within
//! `DEDUP_WINDOW_SECS` (rate_limit.rs) is answered 200 and dropped; the rest becomes a job in the database
//! (one per `requestNo` while pending) that a worker on any instance claims, confirming the
//! status with a signed `queryMerchantKyc` before anything is stored. A full job table is a
//! 503, so the provider retries later.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde::Deserialize;
use utoipa::ToSchema;

use kyc_domain::api::ErrorBody;

use crate::auth::secret_matches;
use crate::error::ApiError;
use crate::state::AppState;

pub const MAX_BODY: usize = 4 * 1024;
/// Jobs waiting in the database beyond which a webhook is answered 503 (the provider retries).
pub const MAX_PENDING_JOBS: i64 = 10_000;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Notification {
    /// The application's number at the provider (1-64 characters).
    #[schema(min_length = 1, max_length = 64)]
    request_no: String,
    /// What the provider says (`init`, `reviewing`, `approved`, `rejected`): a hint only, the
    /// status is confirmed with the provider before anything is stored.
    #[serde(default)]
    kyc_status: Option<String>,
}

/// Guard of the webhook route: its path secret, checked before the body is read, as sent (not
/// percent-decoded). A wrong one is the JSON 404 of an unknown path.
pub async fn path_secret(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let secret = req.uri().path().rsplit_once('/').map_or("", |(_, s)| s);
    if !webhook_secret_ok(&state, secret) {
        tracing::warn!(event = "webhook_bad_secret", "webhook with a wrong path secret");
        return ApiError::NotFound.into_response();
    }
    next.run(req).await
}

/// The path secret, or the previous one while it is being rotated out.
fn webhook_secret_ok(state: &AppState, presented: &str) -> bool {
    let current = secret_matches(presented, state.config.webhook_secret.expose_secret());
    let previous =
        state.config.webhook_secret_previous.as_ref().is_some_and(|p| secret_matches(presented, p.expose_secret()));
    current | previous
}

/// The provider's notification
///
/// A doorbell, not a message: it is queued, and the status is confirmed with a signed query to
/// the provider before anything is stored. A repeat within 60 seconds is answered 200 and dropped.
#[utoipa::path(
    post,
    path = "/v1/webhooks/kyc/{secret}",
    operation_id = "kycWebhook",
    tag = "provider",
    params(("secret" = String, Path, description = "The webhook secret: `KYC_WEBHOOK_SECRET` (or, during a rotation, `KYC_WEBHOOK_SECRET_PREVIOUS`), as in the `callbackUrl` the backend gives the provider. It is the credential of this call, checked before the body is read: a wrong one is the 404 of an unknown path.")),
    request_body(content = Notification, description = "At most 4 KiB."),
    responses(
        (status = 200, description = "Queued (or a repeat, dropped)."),
        (status = 400, description = "`bad_request`: malformed JSON, or a `requestNo` missing or too long.", body = ErrorBody),
        (status = 404, description = "`not_found`: a wrong secret.", body = ErrorBody),
        (status = 413, description = "`too_large`: a body over 4 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not `application/json`.", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many webhooks from this client (a bucket of their own).", body = ErrorBody),
        (status = 503, description = "`busy`: the job queue is full; the provider retries later.", body = ErrorBody),
    )
)]
pub async fn receive(State(state): State<AppState>, h: HeaderMap, body: Bytes) -> Result<StatusCode, ApiError> {
    // The path secret was checked before the body was read (its route layer, routes/mod.rs).
    crate::body::require_json(&h)?;
    let n: Notification = crate::body::parse_json(&body)?;
    if n.request_no.is_empty() || n.request_no.len() > 64 {
        return Err(ApiError::BadRequest("requestNo is missing or too long"));
    }
    let status = n.kyc_status.unwrap_or_default();
    if !state.webhook_dedup.first_in_window(&n.request_no, &status, crate::clock::now_secs()) {
        tracing::info!(event = "webhook_duplicate", "duplicate webhook within the window dropped");
        return Ok(StatusCode::OK);
    }
    // Durable: the confirmation is a job in the database, claimed by a worker on any instance.
    let queued = async {
        if state.db.pending_jobs().await? >= MAX_PENDING_JOBS {
            return Ok::<bool, sqlx::Error>(false);
        }
        let now = crate::clock::now_secs();
        state.db.enqueue(crate::work::JOB_WEBHOOK, &n.request_no, now, now).await?;
        Ok(true)
    }
    .await;
    if !matches!(queued, Ok(true)) {
        state.webhook_dedup.forget(&n.request_no, &status);
        tracing::warn!(event = "webhook_queue_full", "webhook not queued: the provider will retry");
        return Err(ApiError::Busy);
    }
    state.work_signal.notify_one();
    Ok(StatusCode::OK)
}
