//! `PUT /v1/applications/{id}/documents/{kind}`: a raw JPEG/PNG body taken in by the photo
//! intake (photo_intake.rs: after the token was checked, with a hard 5,000,000-byte cap and the
//! body deadline, walked, queued for its share of the decode budget, cleaned), then forwarded
//! with `fileUpload` after the share was released; an ID photo is then read for the document
//! check (document_check.rs).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Extension;
use kyc_domain::photo::DocumentKind;
use kyc_domain::ApplicationStatus;
use sha2::{Digest, Sha256};

use crate::auth::owned;
use crate::db::SessionRow;
use crate::error::ApiError;
use crate::photo_intake::receive_photo;
use crate::state::AppState;

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
