//! `PUT /v1/applications/{id}/documents/{kind}`: a raw JPEG/PNG body taken in by the photo
//! intake (photo_intake.rs: after the token was checked, with a hard 5,000,000-byte cap and the
//! body deadline, walked, queued for its share of the decode budget, cleaned), then forwarded
//! with `fileUpload` after the share was released; an ID photo is then read for the document
//! check (document_check.rs).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Extension;
use kyc_domain::api::ErrorBody;
use kyc_domain::photo::DocumentKind;
use kyc_domain::ApplicationStatus;
use sha2::{Digest, Sha256};

use crate::auth::owned;
use crate::db::SessionRow;
use crate::error::ApiError;
use crate::photo_intake::receive_photo;
use crate::state::AppState;

/// Uploads a photo of the application
///
/// Cleaned (decoded, re-encoded as JPEG, metadata dropped) and forwarded to the provider; an ID
/// photo is then read for the document check.
#[utoipa::path(
    put,
    path = "/v1/applications/{id}/documents/{kind}",
    operation_id = "putDocument",
    tag = "applicant",
    security(("sessionToken" = [])),
    params(
        ("id" = String, Path, description = "The `applicationId`."),
        ("kind" = DocumentKind, Path, description = "The photo slot."),
        crate::photo_intake::PhotoHeaders,
    ),
    request_body(
        description = "The photo's bytes: JPEG or PNG, at most 5,000,000 bytes.",
        content(("image/jpeg"), ("image/png")),
    ),
    responses(
        (status = 204, description = "Cleaned and forwarded."),
        (status = 400, description = "`bad_request`: the body could not be read.", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no, a wrong or an expired session token.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the application is another user's, or the origin is not allowed.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such application or photo slot.", body = ErrorBody),
        (status = 409, description = "`already_submitted`: the application is past `draft`.", body = ErrorBody),
        (status = 413, description = "`too_large`: more than 5,000,000 bytes.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not a JPEG or PNG.", body = ErrorBody),
        (status = 422, description = "`validation_failed`, field `documents.<kind>`: `unreadable_image`, `image_too_small`, `image_too_large`, `image_too_dark`, `image_too_blurry`, ….", body = ErrorBody),
        (status = 429, description = "`session_busy` / `uploads_busy`: another photo of this user, or too many from this network, in flight (`Retry-After`); `rate_limited`.", body = ErrorBody),
        (status = 502, description = "`upstream_error` / `upstream_rejected`: the provider refused it.", body = ErrorBody),
        (status = 503, description = "`busy`: the photo queue is full (`Retry-After`); `upstream_unavailable`.", body = ErrorBody),
    )
)]
pub async fn put(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    Path((id, kind)): Path<(String, String)>,
    h: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let kind = DocumentKind::parse(&kind).ok_or(ApiError::NotFound)?;
    let app = owned(&state, &sess, &id).await?;
    if app.status != ApplicationStatus::Draft {
        return Err(ApiError::already_submitted());
    }
    let photo = receive_photo(&state, &sess.external_user_id, kind, &h, body).await?;
    // Forwarded in a task of its own, so a caller going away does not leave its upload marked
    // as in flight.
    let forward = tokio::spawn(async move {
        // Right before `fileUpload`, a conditional statement: the upload is marked in flight
        // only while the application is still `draft`. A submit that began meanwhile wins — this
        // upload is refused and nothing goes out after it — and a submit arriving now waits
        // for this one (its claim respects the mark; work/submit.rs).
        let Some(mark) = crate::work::UploadMark::begin(&state, &app.id).await? else {
            tracing::info!(event = "upload_after_submit", kind = kind.as_str(), "upload refused: the submit began");
            return Err(ApiError::already_submitted());
        };
        let sha = hex::encode(Sha256::digest(&photo.cleaned.jpeg));
        let forwarded = async {
            state
                .upstream
                .upload(&app.request_no, kind.as_str(), &photo.cleaned.jpeg, "image/jpeg")
                .await
                .map_err(|e| ApiError::from(&e))?;
            state.db.record_document(&app.id, kind.as_str(), &sha, photo.source, crate::clock::now_secs()).await?;
            // Its bytes are in hand only now: the document check reads an ID photo here
            // (document_check.rs), still marked in flight, so a submit's claim waits for it.
            crate::document_check::after_upload(&state, &app, kind, &photo.cleaned.jpeg).await;
            Ok::<_, ApiError>(())
        }
        .await;
        mark.end(&state).await;
        forwarded.map(|()| photo)
    });
    let photo = forward.await.map_err(|e| ApiError::Internal(e.into()))??;
    photo.log("document_uploaded", "photo cleaned and forwarded");
    Ok(StatusCode::NO_CONTENT)
}
