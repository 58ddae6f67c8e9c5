//! The one error type of the `/v1` boundary. Its JSON is contract.md §1's shape; its text never
//! contains PII or internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
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
            Self::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            Self::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            Self::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            Self::UpstreamAuth => (StatusCode::BAD_GATEWAY, "upstream_error"),
            Self::UpstreamUnavailable => (StatusCode::SERVICE_UNAVAILABLE, "upstream_unavailable"),
            Self::UpstreamRejected => (StatusCode::BAD_GATEWAY, "upstream_rejected"),
            Self::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            Self::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
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
            Self::Validation(f) | Self::Conflict { fields: f, .. } => f.clone(),
            _ => Vec::new(),
        };
        let mut body = json!({"error": {"code": code, "message": self.to_string()}});
        if !fields.is_empty() {
            body["error"]["fields"] = json!(fields);
        }
        (status, Json(body)).into_response()
    }
}
