//! The `/v1` API's answers as types (docs/api.md), written by the server's handlers and read by
//! the widget's client: one description of the contract instead of one per side.
//!
//! Statuses and states travel as their wire strings (`ApplicationStatus::as_str`, …): a newer
//! backend may add one, and the reader decides what an unknown one means. Every field a reader
//! may do without is read forgivingly ([`forgiving`]: absent, `null` or of another shape, it is
//! its default), so an answer the widget can use is never refused for a field it does not need. Every `error.code` a `/v1` answer can carry is an [`ApiCode`].

use serde::{Deserialize, Serialize};

/// Every `error.code` of docs/api.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    /// A handoff link that is unknown, cancelled, replaced or expired.
    HandoffInvalid,
    /// The link was claimed by another phone.
    HandoffOtherDevice,
    /// The user already has an application (`error.applicationId`).
    ApplicationExists,
    /// The application is past `draft`: nothing can be changed or staged.
    AlreadySubmitted,
    /// The same `POST /v1/applications` was sent again with other values.
    DraftChanged,
    DocumentsMissing,
    ReportsMissing,
    SubmitFailed,
    SubmitInProgress,
    TooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    /// The provider refused our credentials.
    UpstreamError,
    UpstreamUnavailable,
    UpstreamRejected,
    Busy,
    RateLimited,
    SessionBusy,
    UploadsBusy,
    BodyTimeout,
    MethodNotAllowed,
    InternalError,
}

impl ApiCode {
    pub const ALL: [Self; 26] = [
        Self::BadRequest,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::HandoffInvalid,
        Self::HandoffOtherDevice,
        Self::ApplicationExists,
        Self::AlreadySubmitted,
        Self::DraftChanged,
        Self::DocumentsMissing,
        Self::ReportsMissing,
        Self::SubmitFailed,
        Self::SubmitInProgress,
        Self::TooLarge,
        Self::UnsupportedMediaType,
        Self::ValidationFailed,
        Self::UpstreamError,
        Self::UpstreamUnavailable,
        Self::UpstreamRejected,
        Self::Busy,
        Self::RateLimited,
        Self::SessionBusy,
        Self::UploadsBusy,
        Self::BodyTimeout,
        Self::MethodNotAllowed,
        Self::InternalError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::HandoffInvalid => "handoff_invalid",
            Self::HandoffOtherDevice => "handoff_other_device",
            Self::ApplicationExists => "application_exists",
            Self::AlreadySubmitted => "already_submitted",
            Self::DraftChanged => "draft_changed",
            Self::DocumentsMissing => "documents_missing",
            Self::ReportsMissing => "reports_missing",
            Self::SubmitFailed => "submit_failed",
            Self::SubmitInProgress => "submit_in_progress",
            Self::TooLarge => "too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::ValidationFailed => "validation_failed",
            Self::UpstreamError => "upstream_error",
            Self::UpstreamUnavailable => "upstream_unavailable",
            Self::UpstreamRejected => "upstream_rejected",
            Self::Busy => "busy",
            Self::RateLimited => "rate_limited",
            Self::SessionBusy => "session_busy",
            Self::UploadsBusy => "uploads_busy",
            Self::BodyTimeout => "body_timeout",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::InternalError => "internal_error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for ApiCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `201` of `POST /v1/sessions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionCreated {
    /// The applicant's `Authorization: Bearer` token, bound to this session.
    pub session_token: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub expires_at: String,
}

/// `201` of `POST /v1/applications` (its status is always `draft`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApplicationCreated {
    pub application_id: String,
    #[serde(default, deserialize_with = "forgiving")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::ApplicationStatus, required = true))]
    pub status: String,
}

/// An application as the widget sees it (`GET /v1/applications/{id}`, and in `GET /v1/session`):
/// `submitting` is shown as `reviewing`; `documents` are the photo kinds the backend has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApplicationView {
    pub application_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::ApplicationStatus))]
    pub status: String,
    #[serde(default, deserialize_with = "forgiving")]
    #[cfg_attr(feature = "openapi", schema(format = DateTime, required = true))]
    pub updated_at: String,
    #[serde(default, deserialize_with = "forgiving")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::DocumentKind>, required = true))]
    pub documents: Vec<String>,
}

/// `GET /v1/session`: where the session's user stands. Each part is read as well as it can be
/// ([`forgiving`]): a broken one does not take the others with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(description = "`GET /v1/session`: where the session's user stands."))]
#[serde(rename_all = "camelCase", bound(deserialize = "D: Deserialize<'de> + Default"))]
pub struct SessionView<D: Default = crate::DraftDto> {
    #[serde(default, deserialize_with = "forgiving")]
    #[cfg_attr(feature = "openapi", schema(format = DateTime, required = true))]
    pub expires_at: String,
    /// `null` before the user's first application.
    #[serde(default, deserialize_with = "forgiving")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub application: Option<ApplicationView>,
    /// `null` when nothing is staged.
    #[serde(default, deserialize_with = "forgiving")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<StagedView>, required = true))]
    pub staged: Option<StagedView<D>>,
}

/// What is staged of an unsubmitted signup: the step the person was on (`null` when only photos
/// are staged: a phone was quicker than the first save), the draft as typed, the staged photos.
/// `D`: the draft as the reader takes it (the server passes on the JSON as typed; the widget
/// reads a [`crate::DraftDto`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(
        description = "What is staged of an unsubmitted signup: the step the person was on (`null` when only photos are staged: a phone was quicker than the first save), the draft as typed, the staged photos."
    )
)]
#[serde(rename_all = "camelCase", bound(deserialize = "D: Deserialize<'de> + Default"))]
pub struct StagedView<D: Default = crate::DraftDto> {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::DraftStep>, required = true))]
    pub step: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub no_expiry: bool,
    /// The draft as it was staged (`PUT /v1/draft`); `{}` when only photos are staged.
    #[serde(default, deserialize_with = "forgiving")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DraftDto, required = true))]
    pub draft: D,
    #[serde(default, deserialize_with = "forgiving")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub photos: Vec<PhotoView>,
}

/// A photo the backend has (staged, or received as a document): its kind, how it was obtained
/// (`camera` or `file`) and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PhotoView {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DocumentKind))]
    pub kind: String,
    #[serde(default, deserialize_with = "forgiving")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::PhotoSource, required = true))]
    pub source: String,
    #[serde(default, deserialize_with = "forgiving")]
    #[cfg_attr(feature = "openapi", schema(format = DateTime, required = true))]
    pub uploaded_at: String,
}

/// An application's status (`202` of `POST …/submit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusView {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::ApplicationStatus))]
    pub status: String,
}

/// An application as the partner's admin endpoints show it (no PII).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AdminApplication {
    pub application_id: String,
    pub external_user_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::ApplicationStatus))]
    pub status: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub updated_at: String,
    pub history: Vec<HistoryEntry>,
    pub documents: Vec<PhotoView>,
}

/// `GET /v1/admin/applications?externalUserId=…`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminApplications {
    pub applications: Vec<AdminApplication>,
}

/// A public status an application had, when, and who said so (`widget`, `webhook`, `poll`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::ApplicationStatus))]
    pub status: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub at: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::HistorySource))]
    pub source: String,
}

/// `201` of `POST /v1/handoff`: the link for the phone, as a QR code too, and the match code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HandoffCreated {
    /// `<url>#kyc-handoff=<one-time token>`.
    #[cfg_attr(feature = "openapi", schema(format = "uri"))]
    pub link: String,
    /// The link as a QR code, an SVG document.
    pub qr_svg: String,
    /// The code the desktop and the phone both show (`ABC-234`).
    pub match_code: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub expires_at: String,
}

/// `GET /v1/handoff`: what the desktop sees of its handoff (`state` is a `HandoffView`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HandoffStatus {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::HandoffView))]
    pub state: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub match_code: Option<String>,
    /// Until when the link (`waiting`) or the phone's capability (`connected`, `done`) works.
    #[cfg_attr(feature = "openapi", schema(format = DateTime, required = true))]
    pub expires_at: Option<String>,
    pub photos: Vec<PhotoView>,
}

/// `200` of `POST /v1/handoff/claim`: the phone's capability, and what it needs to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HandoffClaimed {
    /// The phone's `Authorization: Bearer` capability.
    pub capability: String,
    pub match_code: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub expires_at: String,
    /// `passport` or `card`: the outline the phone's camera shows.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::PhoneShape))]
    pub shape: String,
    /// The photo kinds already staged.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::DocumentKind>))]
    pub photos: Vec<String>,
}

/// Every error answer: `{"error": {…}}`. `F`: a field error as the reader takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(description = "Every error answer of `/v1`: `{\"error\": {…}}`."))]
#[serde(bound(deserialize = "F: Deserialize<'de>"))]
pub struct ErrorBody<F = crate::FieldError> {
    #[cfg_attr(feature = "openapi", schema(value_type = ErrorInfo))]
    pub error: ErrorInfo<F>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", bound(deserialize = "F: Deserialize<'de>"))]
pub struct ErrorInfo<F = crate::FieldError> {
    /// The stable reason, an `ApiCode` (as a string: a newer backend may add codes).
    #[cfg_attr(feature = "openapi", schema(value_type = ApiCode))]
    pub code: String,
    /// Human readable, no PII.
    #[serde(default, deserialize_with = "forgiving")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub message: String,
    /// The fields at fault (`validation_failed`, `documents_missing`).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "forgiving")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::FieldError>))]
    pub fields: Vec<F>,
    /// The request's id, as in the `X-Request-Id` header and the server's log lines.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "forgiving")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub request_id: Option<String>,
    /// With `application_exists`: the user's application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub application_id: Option<String>,
}

/// A value read as well as it can be: `null`, or a value of the wrong shape, counts as absent
/// (the type's default) instead of failing the whole answer around it. (The widget reads with
/// serde-wasm-bindgen, which reads each value on its own, so a failed one leaves the rest of
/// the answer intact.)
pub fn forgiving<'de, D: serde::Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(T::deserialize(d).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back() {
        for c in ApiCode::ALL {
            assert_eq!(ApiCode::parse(c.as_str()), Some(c));
        }
        assert_eq!(ApiCode::parse("no_such_code"), None);
    }

    #[test]
    fn a_field_the_reader_does_without_never_fails_the_answer() {
        // Read as the widget reads (serde-wasm-bindgen reads each value on its own, as a
        // `serde_json::Value` does; a streaming reader could not skip the broken value).
        fn read<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, serde_json::Error> {
            serde_json::from_value(serde_json::from_str(json)?)
        }
        let c: ApplicationCreated = read(r#"{"applicationId":"a","status":null}"#).unwrap();
        assert_eq!((c.application_id.as_str(), c.status.as_str()), ("a", ""));
        let v: ApplicationView =
            read(r#"{"applicationId":"a","status":"draft","updatedAt":5,"documents":"x"}"#).unwrap();
        assert_eq!((v.updated_at.as_str(), v.documents.len()), ("", 0));
        let p: PhotoView = read(r#"{"kind":"face","source":1,"uploadedAt":[]}"#).unwrap();
        assert_eq!(p.kind, "face");
        let e: ErrorBody = read(r#"{"error":{"code":"busy","message":7,"requestId":{}}}"#).unwrap();
        assert_eq!((e.error.code.as_str(), e.error.request_id), ("busy", None));
        // What the widget needs is still required.
        assert!(read::<ApplicationCreated>(r#"{"status":"draft"}"#).is_err());
    }

    #[test]
    fn an_error_body_has_the_documented_shape() {
        let body = ErrorBody::<crate::FieldError> {
            error: ErrorInfo {
                code: ApiCode::Busy.as_str().into(),
                message: "m".into(),
                fields: vec![],
                request_id: None,
                application_id: None,
            },
        };
        assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"error":{"code":"busy","message":"m"}}"#);
    }
}
