//! Staging (STAGING.md), with the session token: `PUT /v1/draft` and `DELETE /v1/draft`,
//! `PUT /v1/photos/{kind}` and `GET /v1/photos/{kind}`, and what `GET /v1/session` shows as
//! `staged`. Everything staged is sealed with `KYC_DATA_KEY` before it reaches the database
//! (crate::staging) and belongs to the partner's user, so a new session for the same user —
//! a reload, a new token, a crashed tab — continues where the person was.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Extension;
use kyc_domain::photo::DocumentKind;
use kyc_domain::DraftDto;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::body::{parse_json, require_json};
use crate::db::{SessionRow, StageOutcome};
use crate::error::ApiError;
use crate::photo_intake::receive_photo;
use crate::staging::draft_aad;
use crate::staging::{not_submitted, open_photo, stage_photo};
use crate::state::AppState;

/// The step the person was on.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Step {
    Personal,
    Document,
    Address,
    Photos,
    Review,
}

/// The body of `PUT /v1/draft`, and what is sealed. The draft must have the shape of
/// `POST /v1/applications` with every field optional ([`DraftDto`]); unknown fields — the
/// server-set ones (`requestNo`, `callbackUrl`, …) included — are refused (a 400), so nothing
/// but the typed values is ever staged. No rulebook verdict: a partial draft is fine. It is
/// kept as the JSON that passed that check, so it comes back exactly as typed.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StagedDraft {
    step: Step,
    #[serde(default)]
    no_expiry: bool,
    draft: Value,
}

pub async fn put_draft(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    h: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    require_json(&h)?;
    let staged: StagedDraft = parse_json(&body)?;
    let draft = serde_json::to_vec(&staged.draft).map_err(|e| ApiError::Internal(e.into()))?;
    parse_json::<DraftDto>(&draft)?;
    // What is sealed is the body as parsed and checked, never the raw bytes.
    let plain = serde_json::to_vec(&staged).map_err(|e| ApiError::Internal(e.into()))?;
    let sealed = state.config.data_key.seal(&draft_aad(&sess.external_user_id), &plain);
    match state.db.stage_draft(&sess.external_user_id, &sealed, crate::clock::now_secs()).await? {
        StageOutcome::Written => Ok(StatusCode::NO_CONTENT),
        _ => Err(ApiError::already_submitted()),
    }
}

/// The person left: the draft, the staged photos and any handoff of the user are gone.
pub async fn delete_draft(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
) -> Result<StatusCode, ApiError> {
    state.db.delete_staging(&sess.external_user_id).await?;
    tracing::info!(event = "staging_deleted", "staged draft, photos and handoff deleted");
    Ok(StatusCode::NO_CONTENT)
}

pub async fn put_photo(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    Path(kind): Path<String>,
    h: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let kind = DocumentKind::parse(&kind).ok_or(ApiError::NotFound)?;
    // Refused before the body is read and decoded (the write checks again, atomically).
    not_submitted(&state, &sess.external_user_id).await?;
    let photo = receive_photo(&state, &sess.external_user_id, kind, &h, body).await?;
    stage_photo(&state, &sess.external_user_id, &photo, None).await?;
    photo.log("photo_staged", "photo cleaned and staged");
    Ok(StatusCode::NO_CONTENT)
}

/// The cleaned staged photo, for the widget's preview.
pub async fn get_photo(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    Path(kind): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let kind = DocumentKind::parse(&kind).ok_or(ApiError::NotFound)?;
    let (_, sealed) = state.db.staged_photo(&sess.external_user_id, kind.as_str()).await?.ok_or(ApiError::NotFound)?;
    let jpeg = open_photo(&state, &sess.external_user_id, kind.as_str(), &sealed).ok_or(ApiError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "no-store")], jpeg))
}
