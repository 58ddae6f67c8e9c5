//! The one way a photo body is taken in — `PUT /v1/applications/{id}/documents/{kind}`,
//! `PUT /v1/photos/{kind}` and `PUT /v1/handoff/photos/{kind}` alike ([`receive_photo`]): read
//! with the hard cap, walked, queued for its share of the decode budget, cleaned, and its
//! measures compared with the widget's.

use axum::body::Body;
use axum::http::HeaderMap;
use kyc_domain::photo::{DocumentKind, MAX_PHOTO_BYTES};
use kyc_domain::FieldError;

use crate::body::read_capped;
use crate::error::ApiError;
use crate::photos::{PhotoError, QueueError};
use crate::state::AppState;

fn photo_error(kind: DocumentKind, e: PhotoError) -> ApiError {
    match e {
        PhotoError::Unsupported => ApiError::UnsupportedMediaType("photos must be JPEG or PNG"),
        PhotoError::Invalid(v) => {
            tracing::info!(event = "photo_refused", kind = kind.as_str(), code = v.code.as_str(), "photo refused");
            ApiError::Validation(vec![FieldError::new(kind.field(), v)])
        }
    }
}

/// The headers a photo upload may carry (for the OpenAPI document: [`receive_photo`] reads them).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct PhotoHeaders {
    /// `camera` or `file`: how the photo was obtained (a hint shown to the partner, not verified;
    /// anything else is `file`).
    #[param(rename = "X-Photo-Source", value_type = String, required = false)]
    source: Option<String>,
    /// `b=<brightness 0-255>,s=<sharpness>,g=<glare ‰>,p=<placement ‰>`: the widget's measures
    /// of the photo, compared with the server's (a disagreement is logged).
    #[param(rename = "X-Photo-Metrics", value_type = String, required = false)]
    metrics: Option<String>,
}

/// A photo as every photo route takes it: read, checked and cleaned.
pub struct Received {
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
pub async fn receive_photo(
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
