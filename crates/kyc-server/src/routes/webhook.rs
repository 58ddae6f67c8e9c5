//! `POST /v1/webhooks/kyc/{secret}`: a doorbell, not a message (checklist WH-*). Answers 200
//! at once; the status is confirmed with a signed `queryMerchantKyc` before anything is stored.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::security::secret_matches;
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    request_no: String,
}

pub async fn receive(State(state): State<AppState>, Path(secret): Path<String>, body: Bytes) -> StatusCode {
    if !secret_matches(&secret, state.config.webhook_secret.expose_secret()) {
        tracing::warn!(event = "webhook_bad_secret", "webhook with a wrong path secret");
        return StatusCode::NOT_FOUND;
    }
    let Ok(n) = serde_json::from_slice::<Notification>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    tokio::spawn(async move {
        match state.db.application_by_request_no(&n.request_no).await {
            Ok(Some(app)) => {
                if let Err(e) = crate::confirm_status(&state, &app).await {
                    tracing::warn!(event = "webhook_confirm_failed", error = %e, "could not confirm a webhook");
                }
            }
            // Unknown requestNo: ignored, and answered like any other (no oracle).
            Ok(None) => tracing::info!(event = "webhook_unknown_request", "webhook for an unknown application ignored"),
            Err(e) => tracing::error!(error = %e, "webhook lookup failed"),
        }
    });
    StatusCode::OK
}
