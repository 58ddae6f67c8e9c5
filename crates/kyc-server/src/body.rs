//! Request bodies as the routes read them: JSON only as `application/json` (the diagnostics
//! beacon also as `text/plain`), parsed without quoting input back, and any body read with a
//! hard cap.

use axum::body::Body;
use axum::http::{header, HeaderMap};
use http_body_util::BodyExt;

use crate::error::ApiError;

/// JSON bodies are small; photos and reports have their own cap (read with [`read_capped`]).
pub const JSON_LIMIT: usize = 64 * 1024;

/// JSON endpoints accept only `application/json` (docs/security.md IV-6).
pub fn require_json(h: &HeaderMap) -> Result<(), ApiError> {
    if media_type(h).is_some_and(|m| m.eq_ignore_ascii_case("application/json")) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType("send application/json"))
    }
}

/// The media type of a request (`Content-Type` without its parameters), if it has one.
fn media_type(h: &HeaderMap) -> Option<&str> {
    let ct = h.get(header::CONTENT_TYPE)?.to_str().ok()?;
    ct.split(';').next().map(str::trim)
}

/// `POST /v1/diagnostics` accepts `application/json`, and `text/plain` (with any charset):
/// what `navigator.sendBeacon` sends a string as, which keeps it a CORS "simple" request. The
/// body is JSON either way.
pub fn require_json_or_text(h: &HeaderMap) -> Result<(), ApiError> {
    match media_type(h) {
        Some(m) if m.eq_ignore_ascii_case("application/json") || m.eq_ignore_ascii_case("text/plain") => Ok(()),
        _ => Err(ApiError::UnsupportedMediaType("send application/json or text/plain")),
    }
}

/// Parses a JSON body into `T`; unknown fields and malformed JSON are a 400 whose message
/// names no value (serde's text can quote input, so it is not passed on).
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        if e.to_string().contains("unknown field") {
            ApiError::BadRequest("the body contains a field that is not accepted")
        } else {
            ApiError::BadRequest("the body is not valid JSON of the expected shape")
        }
    })
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
