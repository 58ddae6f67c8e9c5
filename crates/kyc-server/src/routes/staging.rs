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
use utoipa::ToSchema;

use kyc_domain::api::ErrorBody;

use crate::body::{parse_json, require_json};
use crate::db::{SessionRow, StageOutcome};
use crate::error::ApiError;
use crate::photo_intake::receive_photo;
use crate::staging::draft_aad;
use crate::staging::{not_submitted, open_photo, stage_photo};
use crate::state::AppState;

/// The step the person was on (in the OpenAPI document: kyc-domain's `DraftStep`, which the
/// test below holds to these).
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
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(
    description = "The unsubmitted signup as the person left it. Unknown fields are refused (400), in the draft too."
)]
struct StagedDraft {
    #[schema(value_type = kyc_domain::openapi::DraftStep)]
    step: Step,
    /// The person ticked "the document does not expire".
    #[serde(default)]
    no_expiry: bool,
    /// The draft so far: the shape of `POST /v1/applications`, every field optional.
    #[schema(value_type = DraftDto)]
    draft: Value,
}

/// Stages the unsubmitted draft
///
/// Sealed at rest; no rulebook verdict (a partial draft is fine). Comes back in `GET /v1/session`.
#[utoipa::path(
    put,
    path = "/v1/draft",
    operation_id = "stageDraft",
    tag = "applicant",
    security(("sessionToken" = [])),
    request_body = StagedDraft,
    responses(
        (status = 204, description = "Staged."),
        (status = 400, description = "`bad_request`: malformed JSON, or a field that is not accepted (the server-set ones included).", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no, a wrong or an expired session token.", body = ErrorBody),
        (status = 409, description = "`already_submitted`: the user's application is past `draft`.", body = ErrorBody),
        (status = 413, description = "`too_large`: a body over 64 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not `application/json`.", body = ErrorBody),
        (status = 429, description = "`session_busy`: another body of this user is in flight; `rate_limited`.", body = ErrorBody),
    )
)]
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
#[utoipa::path(
    delete,
    path = "/v1/draft",
    operation_id = "deleteStaging",
    tag = "applicant",
    summary = "Drops what is staged",
    security(("sessionToken" = [])),
    responses(
        (status = 204, description = "The staged draft, photos and handoff are gone."),
        (status = 401, description = "`unauthorized`: no, a wrong or an expired session token.", body = ErrorBody),
    )
)]
pub async fn delete_draft(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
) -> Result<StatusCode, ApiError> {
    state.db.delete_staging(&sess.external_user_id).await?;
    tracing::info!(event = "staging_deleted", "staged draft, photos and handoff deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Stages a photo
///
/// Cleaned like an application's photo and sealed at rest; it goes with the application at submit.
#[utoipa::path(
    put,
    path = "/v1/photos/{kind}",
    operation_id = "stagePhoto",
    tag = "applicant",
    security(("sessionToken" = [])),
    params(("kind" = DocumentKind, Path, description = "The photo slot."), crate::photo_intake::PhotoHeaders),
    request_body(
        description = "The photo's bytes: JPEG or PNG, at most 5,000,000 bytes.",
        content(("image/jpeg"), ("image/png")),
    ),
    responses(
        (status = 204, description = "Cleaned and staged."),
        (status = 400, description = "`bad_request`: the body could not be read.", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no, a wrong or an expired session token.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such photo slot.", body = ErrorBody),
        (status = 409, description = "`already_submitted`: the user's application is past `draft`.", body = ErrorBody),
        (status = 413, description = "`too_large`: more than 5,000,000 bytes.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not a JPEG or PNG.", body = ErrorBody),
        (status = 422, description = "`validation_failed`, field `documents.<kind>`: `unreadable_image`, `image_too_small`, `image_too_large`, `image_too_dark`, `image_too_blurry`, ….", body = ErrorBody),
        (status = 429, description = "`session_busy` / `uploads_busy`: another photo of this user, or too many from this network, in flight (`Retry-After`); `rate_limited`.", body = ErrorBody),
        (status = 503, description = "`busy`: the photo queue is full (`Retry-After`).", body = ErrorBody),
    )
)]
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
#[utoipa::path(
    get,
    path = "/v1/photos/{kind}",
    operation_id = "getStagedPhoto",
    tag = "applicant",
    summary = "The cleaned staged photo",
    security(("sessionToken" = [])),
    params(("kind" = DocumentKind, Path, description = "The photo slot.")),
    responses(
        (status = 200, description = "The photo as cleaned (JPEG, no metadata).", content(("image/jpeg"))),
        (status = 401, description = "`unauthorized`: no, a wrong or an expired session token.", body = ErrorBody),
        (status = 404, description = "`not_found`: nothing staged in this slot (or no such slot).", body = ErrorBody),
    )
)]
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

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::PartialSchema;

    #[test]
    fn the_documents_draft_step_lists_every_step() {
        // A new step fails to compile here until it is added to the list below.
        let steps = [Step::Personal, Step::Document, Step::Address, Step::Photos, Step::Review];
        for s in steps {
            match s {
                Step::Personal | Step::Document | Step::Address | Step::Photos | Step::Review => {}
            }
        }
        let sent: Vec<Value> = steps.iter().map(|s| serde_json::to_value(s).unwrap()).collect();
        let listed = serde_json::to_value(kyc_domain::openapi::DraftStep::schema()).unwrap();
        assert_eq!(listed["enum"], Value::Array(sent));
    }
}
