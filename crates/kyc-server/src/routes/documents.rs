//! `PUT /v1/applications/{id}/documents/{kind}`: a raw JPEG/PNG body, read with a hard
//! 5,000,000-byte cap, checked, cleaned and forwarded with `fileUpload`.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use http_body_util::BodyExt;
use kyc_domain::photo::{DocumentKind, MAX_PHOTO_BYTES};
use kyc_domain::FieldError;
use reqwest::Method;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::photos::{clean, PhotoError};
use crate::security::session;
use crate::upstream::Payload;
use crate::{status, AppState};

pub async fn put(
    State(state): State<AppState>,
    Path((id, kind)): Path<(String, String)>,
    h: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let sess = session(&state, &h).await?;
    let kind = DocumentKind::parse(&kind).ok_or(ApiError::NotFound)?;
    let app = super::applications::owned(&state, &sess, &id).await?;
    if app.status != status::DRAFT {
        return Err(ApiError::Conflict {
            code: "already_submitted",
            message: "the application was already submitted",
            fields: vec![],
        });
    }
    // A declared length over the limit is refused before reading anything.
    let declared = h.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_PHOTO_BYTES) {
        return Err(ApiError::TooLarge(MAX_PHOTO_BYTES));
    }
    // Streamed read that stops at the limit, whatever the framing (chunked included).
    let bytes = http_body_util::Limited::new(body, MAX_PHOTO_BYTES as usize)
        .collect()
        .await
        .map_err(|_| ApiError::TooLarge(MAX_PHOTO_BYTES))?
        .to_bytes();
    let _permit = state.photo_permits.clone().try_acquire_owned().map_err(|_| ApiError::Busy)?;
    let cleaned = tokio::task::spawn_blocking(move || clean(&bytes))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| match e {
        PhotoError::Unsupported => ApiError::UnsupportedMediaType("photos must be JPEG or PNG"),
        PhotoError::Invalid(v) => ApiError::Validation(vec![FieldError::new(kind.field(), v)]),
    })?;
    let sha = hex::encode(Sha256::digest(&cleaned.jpeg));
    state
        .upstream
        .call(
            Method::POST,
            "/open/api/kyc/share/fileUpload",
            &[],
            Payload::Upload {
                request_no: &app.request_no,
                kind: kind.as_str(),
                file: &cleaned.jpeg,
                media_type: "image/jpeg",
            },
        )
        .await
        .map_err(|e| crate::upstream_failure(&e))?;
    state.db.record_document(&app.id, kind.as_str(), &sha, crate::now_secs()).await?;
    tracing::info!(
        event = "document_uploaded",
        kind = kind.as_str(),
        width = cleaned.width,
        height = cleaned.height,
        "photo cleaned and forwarded"
    );
    Ok(StatusCode::NO_CONTENT)
}
