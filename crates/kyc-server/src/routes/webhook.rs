//! `POST /v1/webhooks/kyc/{secret}`: a doorbell, not a message (docs/security.md WH-*). The path
//! secret is checked before the body is read (`KYC_WEBHOOK_SECRET`, or during a rotation
//! `KYC_WEBHOOK_SECRET_PREVIOUS`); only `application/json` of at most 4 KiB is read; requests
//! are rate-limited per client (security.rs); a `(requestNo, kycStatus)` seen within
//! [`DEDUP_WINDOW_SECS`] is answered 200 and dropped; the rest becomes a job in the database
//! (one per `requestNo` while pending) that a worker on any instance claims, confirming the
//! status with a signed `queryMerchantKyc` before anything is stored. A full job table is a
//! 503, so the provider retries later.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use secrecy::ExposeSecret;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::ApiError;
use crate::security::secret_matches;
use crate::AppState;

pub const MAX_BODY: usize = 4 * 1024;
pub const DEDUP_WINDOW_SECS: i64 = 60;
/// Jobs waiting in the database beyond which a webhook is answered 503 (the provider retries).
pub const MAX_PENDING_JOBS: i64 = 10_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    request_no: String,
    #[serde(default)]
    kyc_status: Option<String>,
}

/// The path secret, or the previous one while it is being rotated out.
pub fn webhook_secret_ok(state: &AppState, presented: &str) -> bool {
    let current = secret_matches(presented, state.config.webhook_secret.expose_secret());
    let previous =
        state.config.webhook_secret_previous.as_ref().is_some_and(|p| secret_matches(presented, p.expose_secret()));
    current | previous
}

/// `(requestNo, kycStatus)` → when it was last accepted.
#[derive(Default)]
pub struct Dedup(Mutex<HashMap<(String, String), i64>>);

impl Dedup {
    /// `true` when this pair was not seen within the window (and records it).
    pub fn first_in_window(&self, request_no: &str, status: &str, now: i64) -> bool {
        let mut m = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if m.len() > 10_000 {
            m.retain(|_, at| now - *at < DEDUP_WINDOW_SECS);
        }
        let key = (request_no.to_owned(), status.to_owned());
        match m.get(&key) {
            Some(at) if now - *at < DEDUP_WINDOW_SECS => false,
            _ => {
                m.insert(key, now);
                true
            }
        }
    }
}

impl Dedup {
    /// Forgets a pair, so the provider's retry of a webhook we could not take is not dropped.
    pub fn forget(&self, request_no: &str, status: &str) {
        let mut m = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        m.remove(&(request_no.to_owned(), status.to_owned()));
    }
}

pub async fn receive(State(state): State<AppState>, h: HeaderMap, body: Bytes) -> Result<StatusCode, ApiError> {
    // The path secret was checked before the body was read (security::auth_first).
    super::require_json(&h)?;
    let n: Notification = super::parse_json(&body)?;
    if n.request_no.is_empty() || n.request_no.len() > 64 {
        return Err(ApiError::BadRequest("requestNo is missing or too long"));
    }
    let status = n.kyc_status.unwrap_or_default();
    if !state.webhook_dedup.first_in_window(&n.request_no, &status, crate::now_secs()) {
        tracing::info!(event = "webhook_duplicate", "duplicate webhook within the window dropped");
        return Ok(StatusCode::OK);
    }
    // Durable: the confirmation is a job in the database, claimed by a worker on any instance.
    let queued = async {
        if state.db.pending_jobs().await? >= MAX_PENDING_JOBS {
            return Ok::<bool, sqlx::Error>(false);
        }
        let now = crate::now_secs();
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
