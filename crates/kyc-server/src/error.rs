//! The one error type of the `/v1` boundary. Its JSON is docs/api.md's shape; its text never
//! contains PII or internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kyc_domain::api::{ApiCode, ErrorBody, ErrorInfo};
use kyc_domain::FieldError;

use crate::upstream::UpstreamError;

tokio::task_local! {
    /// The id of the request being handled (set by http.rs's request-id layer), for error
    /// bodies built deep in a handler.
    pub static REQUEST_ID: String;
}

/// The current request's id, when called inside a request.
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

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
    Conflict { code: ApiCode, message: &'static str, fields: Vec<FieldError> },
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
    fn parts(&self) -> (StatusCode, ApiCode) {
        use ApiCode as C;
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, C::BadRequest),
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, C::Unauthorized),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, C::Forbidden),
            Self::NotFound => (StatusCode::NOT_FOUND, C::NotFound),
            Self::HandoffInvalid => (StatusCode::NOT_FOUND, C::HandoffInvalid),
            Self::Conflict { code, .. } => (StatusCode::CONFLICT, *code),
            Self::Exists { .. } => (StatusCode::CONFLICT, C::ApplicationExists),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, C::TooLarge),
            Self::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, C::UnsupportedMediaType),
            Self::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, C::ValidationFailed),
            Self::UpstreamAuth => (StatusCode::BAD_GATEWAY, C::UpstreamError),
            Self::UpstreamUnavailable => (StatusCode::SERVICE_UNAVAILABLE, C::UpstreamUnavailable),
            Self::UpstreamRejected => (StatusCode::BAD_GATEWAY, C::UpstreamRejected),
            Self::Busy => (StatusCode::SERVICE_UNAVAILABLE, C::Busy),
            Self::RateLimited => (StatusCode::TOO_MANY_REQUESTS, C::RateLimited),
            Self::SessionBusy => (StatusCode::TOO_MANY_REQUESTS, C::SessionBusy),
            Self::UploadsBusy => (StatusCode::TOO_MANY_REQUESTS, C::UploadsBusy),
            Self::BodyTimeout => (StatusCode::REQUEST_TIMEOUT, C::BodyTimeout),
            Self::Panic => (StatusCode::INTERNAL_SERVER_ERROR, C::InternalError),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, C::InternalError),
        }
    }
}

impl ApiError {
    /// The stable code of the error's JSON (`error.code`).
    pub fn code(&self) -> &'static str {
        self.parts().1.as_str()
    }

    /// `409 already_submitted`: the application is past `draft`, nothing can be changed or staged.
    pub fn already_submitted() -> Self {
        Self::Conflict {
            code: ApiCode::AlreadySubmitted,
            message: "the application was already submitted",
            fields: vec![],
        }
    }

    /// `409 handoff_other_device`: the link was claimed by another phone.
    pub fn handoff_other_device() -> Self {
        Self::Conflict {
            code: ApiCode::HandoffOtherDevice,
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

/// How an upstream failure reaches the widget (and the operator's log).
impl From<&UpstreamError> for ApiError {
    fn from(e: &UpstreamError) -> Self {
        match e {
            UpstreamError::Auth { code } => {
                tracing::error!(event = "upstream_auth_failed", code, "the KYC API refused our signature or timestamp: check KYC_APP_KEY, KYC_APP_SECRET, KYC_SIGNATURE and the clock");
                ApiError::UpstreamAuth
            }
            UpstreamError::Unavailable(why) => {
                tracing::error!(event = "upstream_unavailable", reason = %why, "the KYC API is unavailable");
                ApiError::UpstreamUnavailable
            }
            UpstreamError::Rejected { code, .. } => {
                tracing::error!(event = "upstream_rejected", code, "the KYC API refused a request");
                ApiError::UpstreamRejected
            }
        }
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
        let application_id = match &self {
            Self::Exists { application_id } => Some(application_id.clone()),
            _ => None,
        };
        let body = Self::error_body(code, &self.to_string(), fields.to_vec(), application_id);
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
    pub fn body(code: ApiCode, message: &str) -> String {
        Self::error_body(code, message, Vec::new(), None)
    }

    fn error_body(code: ApiCode, message: &str, fields: Vec<FieldError>, application_id: Option<String>) -> String {
        let error = ErrorInfo {
            code: code.as_str().to_owned(),
            message: message.to_owned(),
            fields,
            request_id: request_id(),
            application_id,
        };
        serde_json::to_string(&ErrorBody { error }).unwrap_or_default()
    }
}
