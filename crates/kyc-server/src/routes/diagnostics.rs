//! The widget's diagnostics (issue 26, "silent failures made visible"): `POST /v1/diagnostics`
//! stores the PII-free trace of `kyc_domain::diagnostics` — checked by the same
//! `Diagnostics::check` as in the browser — one per session, the latest replacing the previous;
//! `GET /v1/admin/diagnostics?externalUserId=…` lists a user's, also for people who never
//! created an application, and the application view shows the latest (views.rs).
//!
//! The widget sends a trace with `fetch` (`Authorization: Bearer <session token>`,
//! `application/json`) and, as the page goes, with `navigator.sendBeacon`, which can set no
//! header and must stay a CORS "simple" request: then the body is `text/plain` and carries the
//! token as one more top-level field, `sessionToken`. So the route's guard
//! (`auth::session_token_or_body`) resolves a header token before the body, and the handler
//! reads the small body (at most `MAX_BYTES`, 413 beyond) and resolves the token in it when
//! there was none. The token is never stored or logged; the trace is stored as re-serialised
//! from its checked value, never as the bytes received.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use kyc_domain::diagnostics::{Diagnostics, DiagnosticsError, MAX_BYTES};
use serde::Deserialize;
use serde_json::Value;

use crate::auth::{bearer, session_of_token};
use crate::body::{parse_json, read_capped, require_json_or_text};
use crate::db::SessionRow;
use crate::error::ApiError;
use crate::rate_limit::{DIAGNOSTICS_PER_WINDOW, DIAGNOSTICS_WINDOW_SECS};
use crate::state::AppState;
use crate::views::DiagnosticsSessions;
use kyc_domain::api::ErrorBody;

/// The body's field that carries the session token in the beacon form.
const TOKEN_FIELD: &str = "sessionToken";

/// At most this many sessions' traces in the admin listing.
pub const LISTED: i64 = 20;

/// Why a trace was refused, without the value.
fn refusal(e: DiagnosticsError) -> ApiError {
    ApiError::BadRequest(match e {
        DiagnosticsError::TooManyEvents => "the trace has too many events",
        DiagnosticsError::UnknownStep => "the trace names a step that is not in the vocabulary",
        DiagnosticsError::UnknownKind => "the trace names an event kind that is not in the vocabulary",
        DiagnosticsError::BadCode => "the trace has an event code that is not in the vocabulary",
        DiagnosticsError::BadEnvironment => "the trace's environment is not in the vocabulary",
    })
}

#[utoipa::path(
    post,
    path = "/v1/diagnostics",
    operation_id = "postDiagnostics",
    tag = "applicant",
    summary = "The widget's PII-free trace",
    description = "The environment class and a short list of events, every word from a closed vocabulary (kyc_domain::diagnostics). The session token comes in the `Authorization` header, or — for `navigator.sendBeacon`, which sends no header — as a top-level `sessionToken` field of a `text/plain` body. One trace per session: a later one replaces it.",
    security(("sessionToken" = []), ()),
    request_body(content = Diagnostics, description = "At most 8 KiB; `application/json`, or `text/plain` with `sessionToken` in the body.", content_type = "application/json"),
    responses(
        (status = 204, description = "Stored."),
        (status = 400, description = "`bad_request`: not a trace, or a word outside the vocabulary.", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no, a wrong or an expired session token, or two different ones.", body = ErrorBody),
        (status = 413, description = "`too_large`: over 8 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: neither JSON nor plain text.", body = ErrorBody),
    )
)]
pub async fn post(
    State(state): State<AppState>,
    header_session: Option<Extension<SessionRow>>,
    h: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    require_json_or_text(&h)?;
    let bytes = read_capped(&h, body, MAX_BYTES as u64).await?;
    // The token of the beacon form is taken out before the trace is parsed (the trace has no
    // such field). A body that is not a JSON object has none.
    let mut fields = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    };
    let body_token = fields.as_mut().and_then(|m| m.remove(TOKEN_FIELD));
    let body_token = match body_token {
        None => None,
        Some(Value::String(t)) => Some(t),
        // Something that cannot be a token.
        Some(_) => return Err(ApiError::Unauthorized),
    };
    let sess = match (header_session, body_token) {
        // The guard resolved the header's token; one in the body must be the same.
        (Some(_), Some(t)) if bearer(&h) != Some(t.as_str()) => return Err(ApiError::Unauthorized),
        (Some(Extension(s)), _) => s,
        (None, Some(t)) => session_of_token(&state, &t).await?,
        (None, None) => return Err(ApiError::Unauthorized),
    };
    let now = crate::clock::now_secs();
    // Counted in the database (rate_limit::limit_hit), like every limit on stored work: it holds
    // across instances.
    let key = format!("diagnostics:session:{}", sess.id);
    let limit = [(key.as_str(), DIAGNOSTICS_PER_WINDOW, DIAGNOSTICS_WINDOW_SECS)];
    if let Err(retry) = crate::rate_limit::limit_hit(&state, &limit).await {
        tracing::warn!(event = "rate_limited", bucket = "diagnostics", "too many diagnostics traces from one session");
        let mut resp = ApiError::RateLimited.into_response();
        if let Ok(v) = HeaderValue::from_str(&retry.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(resp);
    }
    let Some(fields) = fields else {
        return Err(ApiError::BadRequest("the body is not valid JSON of the expected shape"));
    };
    let plain = serde_json::to_vec(&Value::Object(fields)).map_err(|e| ApiError::Internal(e.into()))?;
    let trace: Diagnostics = parse_json(&plain)?;
    trace.check().map_err(refusal)?;
    // What is stored is the checked value, re-serialised.
    let stored = serde_json::to_string(&trace).map_err(|e| ApiError::Internal(e.into()))?;
    // Traces of one page carry their events' times since the page started: one whose last event
    // is older than the stored one's is a beacon overtaken on the way, not news.
    let last_at = |d: &Diagnostics| d.events.last().map_or(0, |e| e.at);
    // The earlier trace is read once: for this comparison and for the metrics' count of new events.
    let mut previous: Option<Diagnostics> = None;
    let newer = |p: &str| {
        previous = serde_json::from_str(p).ok();
        previous.as_ref().is_none_or(|p| last_at(&trace) >= last_at(p))
    };
    if !state.db.store_diagnostics(&sess.id, &sess.external_user_id, &stored, now, newer).await? {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    state.metrics.diagnostics(&trace, previous.as_ref());
    tracing::info!(
        event = "diagnostics_stored",
        events = trace.events.len(),
        last_step = %trace.last_step,
        "diagnostics trace stored"
    );
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    external_user_id: String,
}

/// `GET /v1/admin/diagnostics?externalUserId=…` (admin key): the user's sessions' traces, the
/// newest session first, at most [`LISTED`]; an unknown user has none.
#[utoipa::path(
    get,
    path = "/v1/admin/diagnostics",
    operation_id = "listDiagnostics",
    tag = "partner",
    security(("adminKey" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "The user's sessions' traces, newest first (at most 20); none for an unknown user.", body = DiagnosticsSessions),
        (status = 400, description = "`bad_request`: not exactly one `externalUserId`, or one of another shape.", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no or a wrong admin key (or none configured).", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<DiagnosticsSessions>, ApiError> {
    let Query(q) = q.map_err(|_| ApiError::BadRequest("give exactly one externalUserId"))?;
    if !crate::reports::safe_segment(&q.external_user_id) {
        return Err(ApiError::BadRequest("externalUserId must be 1-64 of letters, digits, '.', '_' or '-'"));
    }
    let rows = state.db.diagnostics_of_user(&q.external_user_id, LISTED).await?;
    Ok(Json(DiagnosticsSessions::from_rows(rows)))
}
