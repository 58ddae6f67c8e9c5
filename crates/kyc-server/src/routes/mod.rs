//! The `/v1` API of docs/api.md, one file per resource.

mod admin;
mod applications;
mod documents;
mod handoff;
mod sessions;
mod staging;
mod submit;
mod webhook;

pub(crate) use documents::read_capped;
pub(crate) use handoff::CLAIM_LIMIT;
pub(crate) use webhook::MAX_BODY as WEBHOOK_MAX_BODY;
pub use webhook::{webhook_secret_ok, Dedup as WebhookDedup};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use axum::Router;

use crate::error::ApiError;
use crate::AppState;

/// JSON bodies are small; photos have their own limit (documents.rs).
pub(crate) const JSON_LIMIT: usize = 64 * 1024;

pub fn v1() -> Router<AppState> {
    Router::new()
        .route("/v1/sessions", post(sessions::create))
        .route("/v1/applications", post(applications::create))
        .route("/v1/applications/{id}", get(applications::get))
        .route("/v1/session", get(applications::session_view))
        .route("/v1/admin/applications", get(admin::list))
        .route("/v1/admin/applications/{id}", get(admin::one))
        .route(
            "/v1/applications/{id}/documents/{kind}",
            // The handler reads the body itself with a hard 5,000,000-byte cap (413 beyond).
            put(documents::put).layer(DefaultBodyLimit::disable()),
        )
        .route("/v1/applications/{id}/submit", post(submit::submit))
        // Staging and "continue on a phone" (STAGING.md). Photo bodies are read by the shared
        // photo intake with the same 5,000,000-byte cap as documents (documents::receive_photo).
        .route("/v1/draft", put(staging::put_draft).delete(staging::delete_draft))
        .route("/v1/photos/{kind}", put(staging::put_photo).layer(DefaultBodyLimit::disable()).get(staging::get_photo))
        .route("/v1/handoff", post(handoff::create).get(handoff::get).delete(handoff::cancel))
        // Unauthenticated until its handler reads the token from a body of at most 1 KiB.
        .route("/v1/handoff/claim", post(handoff::claim).layer(DefaultBodyLimit::max(handoff::CLAIM_LIMIT)))
        .route("/v1/handoff/photos/{kind}", put(handoff::put_photo).layer(DefaultBodyLimit::disable()))
        .route("/v1/handoff/done", post(handoff::done))
        .route(
            "/v1/admin/applications/{id}/reports/{kind}",
            // Read by the handler after the admin key was checked, capped at 5,000,000 bytes.
            put(admin::put_report).layer(DefaultBodyLimit::disable()),
        )
        .route("/v1/webhooks/kyc/{secret}", post(webhook::receive).layer(DefaultBodyLimit::max(webhook::MAX_BODY)))
        .route("/v1", axum::routing::any(not_found))
        .route("/v1/{*rest}", axum::routing::any(not_found))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
}

/// Unknown `/v1` paths, whatever the method: the JSON 404.
async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn ready(State(state): State<AppState>) -> StatusCode {
    if state.db.ping().await {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// JSON endpoints accept only `application/json` (docs/security.md IV-6).
pub(crate) fn require_json(h: &HeaderMap) -> Result<(), ApiError> {
    let ct = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if ct.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType("send application/json"))
    }
}

/// Parses a JSON body into `T`; unknown fields and malformed JSON are a 400 whose message
/// names no value (serde's text can quote input, so it is not passed on).
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        if e.to_string().contains("unknown field") {
            ApiError::BadRequest("the body contains a field that is not accepted")
        } else {
            ApiError::BadRequest("the body is not valid JSON of the expected shape")
        }
    })
}
