//! The one error type of the `/v1` boundary. Its JSON is docs/api.md's shape; its text never
//! contains PII or internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kyc_domain::FieldError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(&'static str),
    #[error("missing or expired session token")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    /// A handoff link that is unknown, cancelled, replaced or expired (STAGING.md).
    #[error("this link does not work any more; make a new one on the computer")]
    HandoffInvalid,
    #[error("this user already has an application; continue it")]
    Exists { application_id: String },
    #[error("{message}")]
    Conflict { code: &'static str, message: &'static str, fields: Vec<FieldError> },
    #[error("the request body is larger than {0} bytes")]
    TooLarge(u64),
    #[error("{0}")]
    UnsupportedMediaType(&'static str),
    #[error("some fields are not valid")]
    Validation(Vec<FieldError>),
    #[error("the KYC provider refused our credentials; an operator must check the configuration")]
    UpstreamAuth,
    #[error("the KYC provider is unavailable; try again shortly")]
    UpstreamUnavailable,
    #[error("the KYC provider refused the request")]
    UpstreamRejected,
    #[error("the server is busy; try again shortly")]
    Busy,
    #[error("too many requests; try again in a minute")]
    RateLimited,
    #[error("another photo of this session is being processed; try again in a moment")]
    SessionBusy,
    /// Too many photo uploads in flight from this client (intake.rs).
    #[error("too many photos are being uploaded from this network; try again in a moment")]
    UploadsBusy,
    #[error("the request body did not arrive in time")]
    BodyTimeout,
    #[error("internal error")]
    Panic,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Self::HandoffInvalid => (StatusCode::NOT_FOUND, "handoff_invalid"),
            Self::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            Self::Exists { .. } => (StatusCode::CONFLICT, "application_exists"),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            Self::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            Self::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            Self::UpstreamAuth => (StatusCode::BAD_GATEWAY, "upstream_error"),
            Self::UpstreamUnavailable => (StatusCode::SERVICE_UNAVAILABLE, "upstream_unavailable"),
            Self::UpstreamRejected => (StatusCode::BAD_GATEWAY, "upstream_rejected"),
            Self::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            Self::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::SessionBusy => (StatusCode::TOO_MANY_REQUESTS, "session_busy"),
            Self::UploadsBusy => (StatusCode::TOO_MANY_REQUESTS, "uploads_busy"),
            Self::BodyTimeout => (StatusCode::REQUEST_TIMEOUT, "body_timeout"),
            Self::Panic => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }
}

impl ApiError {
    /// The stable code of the error's JSON (`error.code`).
    pub fn code(&self) -> &'static str {
        self.parts().1
    }

    /// `409 already_submitted`: the application is past `draft`, nothing can be changed or staged.
    pub fn already_submitted() -> Self {
        Self::Conflict { code: "already_submitted", message: "the application was already submitted", fields: vec![] }
    }

    /// `409 handoff_other_device`: the link was claimed by another phone.
    pub fn handoff_other_device() -> Self {
        Self::Conflict {
            code: "handoff_other_device",
            message: "this link is already in use on another device; make a new one on the computer",
            fields: vec![],
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        if let Self::Internal(e) = &self {
            // Causes are ours (database, IO), never request data.
            tracing::error!(error = %format!("{e:#}"), "request failed");
        }
        let fields = match &self {
            Self::Validation(f) | Self::Conflict { fields: f, .. } => f.as_slice(),
            _ => &[],
        };
        let mut body = Self::body(code, &self.to_string(), fields);
        if let Self::Exists { application_id } = &self {
            if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&body) {
                v["error"]["applicationId"] = json!(application_id);
                body = v.to_string();
            }
        }
        let mut resp = (status, [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response();
        let retry = match self {
            Self::Busy => Some("5"),
            Self::SessionBusy => Some("1"),
            Self::UploadsBusy => Some("2"),
            _ => None,
        };
        if let Some(r) = retry {
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static(r));
        }
        resp
    }
}

impl ApiError {
    /// The JSON error shape of docs/api.md, with the request's id (the one in the
    /// `X-Request-Id` header and in the server's log lines) as `error.requestId`.
    pub fn body(code: &str, message: &str, fields: &[FieldError]) -> String {
        let mut body = json!({"error": {"code": code, "message": message}});
        if !fields.is_empty() {
            body["error"]["fields"] = json!(fields);
        }
        if let Some(id) = crate::http::request_id() {
            body["error"]["requestId"] = json!(id);
        }
        body.to_string()
    }
}
