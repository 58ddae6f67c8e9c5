//! `POST /v1/webhooks/kyc/{secret}`: a doorbell, not a message (checklist WH-*). The path
//! secret is checked before the body is read (`KYC_WEBHOOK_SECRET`, or during a rotation
//! `KYC_WEBHOOK_SECRET_PREVIOUS`); only `application/json` of at most 4 KiB is read; requests
//! are rate-limited per client (security.rs); a `(requestNo, kycStatus)` seen within
//! [`DEDUP_WINDOW_SECS`] is answered 200 and dropped; the rest goes to a bounded queue that one
//! worker drains, confirming each status with a signed `queryMerchantKyc` before anything is
//! stored. A full queue is a 503, so the provider retries later.

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
/// Webhooks waiting for the worker.
pub const QUEUE: usize = 256;

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

/// The worker: one confirmation at a time, whatever the flood.
pub fn spawn_worker(state: AppState, mut rx: tokio::sync::mpsc::Receiver<String>) {
    tokio::spawn(async move {
        while let Some(request_no) = rx.recv().await {
            match state.db.application_by_request_no(&request_no).await {
                Ok(Some(app)) => {
                    if let Err(e) = crate::confirm_status(&state, &app).await {
                        tracing::warn!(event = "webhook_confirm_failed", error = %e, "could not confirm a webhook");
                    }
                }
                // Unknown requestNo: ignored, and answered like any other (no oracle).
                Ok(None) => {
                    tracing::info!(event = "webhook_unknown_request", "webhook for an unknown application ignored");
                }
                Err(e) => tracing::error!(error = %e, "webhook lookup failed"),
            }
        }
    });
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
    if state.webhook_tx.try_send(n.request_no.clone()).is_err() {
        state.webhook_dedup.forget(&n.request_no, &status);
        tracing::warn!(event = "webhook_queue_full", "webhook queue full: the provider will retry");
        return Err(ApiError::Busy);
    }
    Ok(StatusCode::OK)
}
