//! `PUT /v1/applications/{id}/documents/{kind}`: a raw JPEG/PNG body, read (after the token
//! was checked) with a hard 5,000,000-byte cap and the body deadline, walked, queued for its
//! share of the decode budget, cleaned, and forwarded with `fileUpload` after the share was
//! released. [`receive_photo`] is that intake, shared with the staging routes (staging.rs).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Extension;
use http_body_util::BodyExt;
use kyc_domain::photo::{DocumentKind, MAX_PHOTO_BYTES};
use kyc_domain::{ApplicationStatus, FieldError};
use sha2::{Digest, Sha256};

use crate::db::SessionRow;
use crate::error::ApiError;
use crate::photos::{PhotoError, QueueError};
use crate::AppState;

fn photo_error(kind: DocumentKind, e: PhotoError) -> ApiError {
    match e {
        PhotoError::Unsupported => ApiError::UnsupportedMediaType("photos must be JPEG or PNG"),
        PhotoError::Invalid(v) => {
            tracing::info!(event = "photo_refused", kind = kind.as_str(), code = v.code.as_str(), "photo refused");
            ApiError::Validation(vec![FieldError::new(kind.field(), v)])
        }
    }
}

/// Reads a body of at most `limit` bytes (413 beyond, whatever the framing; a declared length
/// over the limit is refused before reading anything). A body error that is not the size —
/// the deadline, a broken connection — is a 400; the deadline layer turns its own into 408.
pub async fn read_capped(h: &HeaderMap, body: Body, limit: u64) -> Result<bytes::Bytes, ApiError> {
    let declared = h.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::TooLarge(limit));
    }
    match http_body_util::Limited::new(body, usize::try_from(limit).unwrap_or(usize::MAX)).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::TooLarge(limit)),
        Err(_) => Err(ApiError::BadRequest("the request body could not be read")),
    }
}

pub async fn put(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    Path((id, kind)): Path<(String, String)>,
    h: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let kind = DocumentKind::parse(&kind).ok_or(ApiError::NotFound)?;
    let app = super::applications::owned(&state, &sess, &id).await?;
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
        // for this one (its claim respects the mark; work.rs).
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
                .map_err(|e| crate::upstream_failure(&e))?;
            state.db.record_document(&app.id, kind.as_str(), &sha, photo.source, crate::now_secs()).await?;
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

/// A photo as every photo route takes it: read, checked and cleaned.
pub(crate) struct Received {
    pub kind: DocumentKind,
    /// `camera` or `file`, as the widget says.
    pub source: &'static str,
    pub cleaned: crate::photos::CleanPhoto,
}

impl Received {
    /// The capture record of a photo taken in (numbers only, no PII).
    pub fn log(&self, event: &'static str, message: &'static str) {
        let m = self.cleaned.metrics;
        tracing::info!(
            event,
            kind = self.kind.as_str(),
            width = self.cleaned.width,
            height = self.cleaned.height,
            source = self.source,
            brightness = m.brightness,
            sharpness = m.sharpness,
            glare = m.glare,
            "{message}"
        );
    }
}

/// How the photo was obtained, as the widget says (`X-Photo-Source: camera | file`).
fn photo_source(h: &HeaderMap) -> &'static str {
    match h.get("x-photo-source").and_then(|v| v.to_str().ok()) {
        Some("camera") => "camera",
        _ => "file",
    }
}

/// The one way a photo body is taken in — `PUT /v1/applications/{id}/documents/{kind}` and the
/// staging routes (`PUT /v1/photos/{kind}`, `PUT /v1/handoff/photos/{kind}`) alike: read with
/// the hard cap and the body deadline (413), walked (415 / 422 on `documents.<kind>`), queued
/// for its share of the decode budget as the partner user `user` (one place per person, whatever
/// the number of their tokens or devices — the upload places of intake.rs already hold one
/// upload per person and a few per client IP; a full queue: 503), cleaned — its body's share of
/// the body budget given back then — and its measures compared with the widget's
/// `X-Photo-Metrics`. The caller authorised the request before the body was touched.
pub(crate) async fn receive_photo(
    state: &AppState,
    user: &str,
    kind: DocumentKind,
    h: &HeaderMap,
    body: Body,
) -> Result<Received, ApiError> {
    let source = photo_source(h);
    let bytes = read_capped(h, body, MAX_PHOTO_BYTES).await?;
    // The walk: cheap, and it says what the decode will cost before anything is decoded.
    let plan = crate::photos::plan(&bytes).map_err(|e| photo_error(kind, e))?;
    let ticket = state.decode_queue.acquire(&format!("user:{user}"), plan.decode_bytes).await.map_err(|e| match e {
        QueueError::Busy => {
            tracing::warn!(event = "decode_queue_full", "photo decode queue full or wait timed out");
            ApiError::Busy
        }
        QueueError::SessionBusy => ApiError::SessionBusy,
    })?;
    let cleaned = tokio::task::spawn_blocking(move || {
        let r = crate::photos::clean(&bytes, &plan);
        drop(ticket); // the decode budget is released before the upstream call or the staging write
        r
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()));
    // The body's bytes are gone with the decode: its share of the body budget goes back now,
    // not when the upstream call or the staging write is done.
    crate::intake::release_body();
    let cleaned = cleaned?.map_err(|e| photo_error(kind, e))?;
    // The capture record: how the photo was obtained and what the widget measured. The server
    // measured the bytes it received itself; a disagreement is logged (numbers only, no PII).
    let m = cleaned.metrics;
    if let Some(claimed) = h.get("x-photo-metrics").and_then(|v| v.to_str().ok()).and_then(parse_metrics) {
        let (db, ds) = ((claimed.0 - m.brightness).abs(), (claimed.1 - m.sharpness).abs());
        if db > 25.0 || ds > 25.0 {
            tracing::warn!(
                event = "photo_metrics_mismatch",
                kind = kind.as_str(),
                source,
                widget_brightness = claimed.0,
                server_brightness = m.brightness,
                widget_sharpness = claimed.1,
                server_sharpness = m.sharpness,
                "the widget's photo measures differ from the server's"
            );
        }
    }
    Ok(Received { kind, source, cleaned })
}

/// `X-Photo-Metrics: b=<brightness 0–255>,s=<sharpness>,g=<glare ‰>,p=<placement ‰>` → (b, s).
fn parse_metrics(v: &str) -> Option<(f64, f64)> {
    let (mut b, mut s) = (None, None);
    for part in v.split(',').take(8) {
        match part.trim().split_once('=') {
            Some(("b", x)) => b = x.parse::<f64>().ok().filter(|f| f.is_finite()),
            Some(("s", x)) => s = x.parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => {}
        }
    }
    Some((b?, s?))
}
