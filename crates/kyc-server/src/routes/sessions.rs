//! `POST /v1/sessions`: the partner's server (or the demo page) mints a session token.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use kyc_domain::api::{ErrorBody, SessionCreated};

use crate::auth::{new_token, SESSION_TTL_SECS};
use crate::db::SessionRow;
use crate::error::ApiError;
use crate::reports::safe_segment;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewSession {
    /// The partner's own id of the person: 1-64 of letters, digits, `.`, `_` or `-` (not `.` or
    /// `..`). A user has at most one application; a new session continues it.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    external_user_id: String,
}

/// A session token for one of the partner's users
#[utoipa::path(
    post,
    path = "/v1/sessions",
    operation_id = "createSession",
    tag = "partner",
    security(("adminKey" = [])),
    request_body = NewSession,
    responses(
        (status = 201, description = "The session: its token lives at most 60 minutes.", body = SessionCreated),
        (status = 400, description = "`bad_request`: malformed JSON, an unknown field, or an `externalUserId` of another shape.", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no or a wrong admin key.", body = ErrorBody),
        (status = 413, description = "`too_large`: a body over 64 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not `application/json`.", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many sessions for this user this hour, or too many requests from this client.", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    h: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    crate::body::require_json(&h)?;
    let req: NewSession = crate::body::parse_json(&body)?;
    if !safe_segment(&req.external_user_id) {
        return Err(ApiError::BadRequest("externalUserId must be 1-64 of letters, digits, '.', '_' or '-'"));
    }
    // Sessions per partner user (across instances): one person reloading the signup page gets
    // plenty; thirty tokens for one person do not buy thirty people's share of anything.
    let key = format!("sessions:user:{}", req.external_user_id);
    if crate::rate_limit::limit_hit(&state, &[(key.as_str(), crate::rate_limit::SESSIONS_PER_USER_PER_HOUR, 3600)])
        .await
        .is_err()
    {
        tracing::warn!(event = "sessions_limited", "too many sessions for one user");
        return Err(ApiError::RateLimited);
    }
    let (token, id, token_hash) = new_token();
    let now = crate::clock::now_secs();
    let row = SessionRow { id, token_hash, external_user_id: req.external_user_id, expires_at: now + SESSION_TTL_SECS };
    state.db.insert_session(&row, now).await?;
    tracing::info!(event = "session_created", "session created");
    Ok((
        StatusCode::CREATED,
        Json(SessionCreated { session_token: token, expires_at: crate::clock::rfc3339(row.expires_at) }),
    ))
}
