//! The `/v1` API of docs/api.md, one file per resource. The route table below is also the
//! authorisation table and the body table: each group of routes carries its guard (auth.rs)
//! and what its bodies may be (intake.rs) as `route_layer`s, both run before a single body
//! byte is read (but for the two routes whose credential may ride in a small body:
//! `POST /v1/handoff/claim`, 1 KiB, and `POST /v1/diagnostics`, 8 KiB). A route file is a
//! leaf: what several routes share lives below them (photo_intake.rs, staging/, views.rs,
//! body.rs, auth.rs). Each handler carries its `#[utoipa::path]`: openapi.rs gathers them into
//! the OpenAPI document of `/v1`, served by the public `GET /v1/openapi.json`.

mod admin;
mod applications;
mod diagnostics;
mod documents;
mod handoff;
mod metrics;
pub(crate) mod openapi;
mod sessions;
mod staging;
mod submit;
mod webhook;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{from_fn_with_state, Next};
use axum::response::Response;
use axum::routing::{any, get, post, put};
use axum::Router;
use std::future::Future;

use crate::auth;
use crate::body::JSON_LIMIT;
use crate::error::ApiError;
use crate::intake::{bodies_in_flight, Bodies};
use crate::state::AppState;

/// `group` with its bodies' kind: the body budget and the upload places (intake.rs).
fn bodies(group: Router<AppState>, state: &AppState, kind: Bodies) -> Router<AppState> {
    group.route_layer(from_fn_with_state((state.clone(), kind), bodies_in_flight))
}

/// `group` behind `guard` (auth.rs), which runs before the group's body layer.
fn guarded<F, Fut>(group: Router<AppState>, state: &AppState, guard: F) -> Router<AppState>
where
    F: Fn(State<AppState>, Request, Next) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    group.route_layer(from_fn_with_state(state.clone(), guard))
}

pub fn v1(state: &AppState) -> Router<AppState> {
    let json = Bodies::Json(JSON_LIMIT);
    // The partner's server, by its admin key.
    let partner = bodies(Router::new().route("/v1/sessions", post(sessions::create)), state, json);
    let admin = Router::new()
        .merge(bodies(
            Router::new()
                .route("/v1/admin/applications", get(admin::list))
                .route("/v1/admin/applications/{id}", get(admin::one))
                .route("/v1/admin/diagnostics", get(diagnostics::list)),
            state,
            json,
        ))
        .merge(bodies(
            // Read by the handler with a hard 5,000,000-byte cap.
            Router::new().route(
                "/v1/admin/applications/{id}/reports/{kind}",
                put(admin::put_report).layer(DefaultBodyLimit::disable()),
            ),
            state,
            Bodies::Report,
        ));
    // The applicant's browser, by its session token.
    let applicant = Router::new()
        .merge(bodies(
            Router::new()
                .route("/v1/applications", post(applications::create))
                .route("/v1/applications/{id}", get(applications::get))
                .route("/v1/session", get(applications::session_view))
                .route("/v1/applications/{id}/submit", post(submit::submit))
                // Staging and "continue on a phone" (STAGING.md).
                .route("/v1/draft", put(staging::put_draft).delete(staging::delete_draft))
                .route("/v1/handoff", post(handoff::create).get(handoff::get).delete(handoff::cancel)),
            state,
            json,
        ))
        .merge(bodies(
            // Photo bodies are read by the photo intake (photo_intake.rs) with a hard
            // 5,000,000-byte cap.
            Router::new()
                .route("/v1/applications/{id}/documents/{kind}", put(documents::put).layer(DefaultBodyLimit::disable()))
                .route(
                    "/v1/photos/{kind}",
                    put(staging::put_photo).layer(DefaultBodyLimit::disable()).get(staging::get_photo),
                ),
            state,
            Bodies::Photo,
        ));
    // The applicant's browser, by its session token in the header or — a beacon, which can
    // set no header — in its small body: the guard resolves a header token before the body, the
    // handler one in the body (routes/diagnostics.rs).
    let diagnostics = bodies(
        Router::new().route("/v1/diagnostics", post(diagnostics::post)),
        state,
        Bodies::Json(kyc_domain::diagnostics::MAX_BYTES),
    );
    // A phone, by the handoff capability it claimed.
    let phone = Router::new()
        .merge(bodies(
            Router::new()
                .route("/v1/handoff/photos/{kind}", put(handoff::put_photo).layer(DefaultBodyLimit::disable())),
            state,
            Bodies::Photo,
        ))
        .merge(bodies(Router::new().route("/v1/handoff/done", post(handoff::done)), state, json));
    // The provider, by the path secret.
    let provider = bodies(
        Router::new()
            .route("/v1/webhooks/kyc/{secret}", post(webhook::receive).layer(DefaultBodyLimit::max(webhook::MAX_BODY))),
        state,
        Bodies::Json(webhook::MAX_BODY),
    );
    // Anyone: the claim carries its one-time token in its body of at most 1 KiB; the OpenAPI
    // document; unknown `/v1` paths are the JSON 404; health.
    let public = Router::new()
        .merge(bodies(
            Router::new()
                .route("/v1/handoff/claim", post(handoff::claim).layer(DefaultBodyLimit::max(handoff::CLAIM_LIMIT))),
            state,
            Bodies::Json(handoff::CLAIM_LIMIT),
        ))
        .merge(bodies(
            Router::new()
                .route("/v1/openapi.json", get(openapi::document))
                .route("/v1", any(not_found))
                .route("/v1/{*rest}", any(not_found)),
            state,
            json,
        ))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready));
    // Operators: the metrics, behind the admin key — unless they have a listener of their own
    // (`KYC_METRICS_ADDR`, [`metrics_only`]); then this listener has no `/metrics` (404).
    let operators = match state.config.metrics_addr {
        None => guarded(Router::new().route("/metrics", get(metrics::scrape)), state, auth::admin),
        Some(_) => Router::new(),
    };
    Router::new()
        .merge(guarded(partner, state, auth::partner))
        .merge(guarded(admin, state, auth::admin))
        .merge(operators)
        .merge(guarded(applicant, state, auth::session_token))
        .merge(guarded(diagnostics, state, auth::session_token_or_body))
        .merge(guarded(phone, state, auth::handoff_capability))
        .merge(guarded(provider, state, webhook::path_secret))
        .merge(public)
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
}

/// The app of the metrics listener (`KYC_METRICS_ADDR`): `GET /metrics` without a key, nothing
/// else. Its requests are not counted in the HTTP metrics (scrapes are not traffic).
pub fn metrics_only(state: &AppState) -> Router {
    Router::new().route("/metrics", get(metrics::scrape)).with_state(state.clone())
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
