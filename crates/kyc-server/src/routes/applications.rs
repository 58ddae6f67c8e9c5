//! `POST /v1/applications` (validate, check against the staged document photo, sign, forward
//! `information`),
//! `GET /v1/applications/{id}` and `GET /v1/session` (where the session's user stands).
//!
//! An application belongs to the partner's user (`externalUserId`), not to the session that
//! created it: a new session for the same user continues it (docs/api.md). Creating is
//! limited per session and per user, so a session cannot probe which emails exist.

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use kyc_domain::api::{ApiCode, ApplicationCreated, ApplicationView, ErrorBody, SessionView};
use kyc_domain::wire::{codes, field_named_in, information_body_string, ServerFields};
use kyc_domain::{parse_draft, ApplicationStatus, DraftDto, ErrorCode, FieldError, Violation};
use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::Value;
use std::net::SocketAddr;

use crate::client_ip::client_ip_from;
use crate::db::{ApplicationRow, SessionRow};
use crate::error::ApiError;
use crate::state::AppState;
use crate::upstream::{Payload, UpstreamError};

/// Creates the user's application from the applicant draft
///
/// Validated with the widget's rulebook, checked against the user's staged document photo (the
/// document check), signed and forwarded to the provider.
#[utoipa::path(
    post,
    path = "/v1/applications",
    operation_id = "createApplication",
    tag = "applicant",
    security(("sessionToken" = [])),
    request_body = DraftDto,
    responses(
        (status = 201, description = "Created; its status is `draft`.", body = ApplicationCreated),
        (status = 400, description = "`bad_request`: malformed JSON or a field that is not accepted (the server-set ones included).", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no, a wrong or an expired session token.", body = ErrorBody),
        (status = 409, description = "`application_exists` (with `error.applicationId`): the user has one already; `draft_changed`: a half-created application is resumed only with the same draft.", body = ErrorBody),
        (status = 413, description = "`too_large`: a body over 64 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not `application/json`.", body = ErrorBody),
        (status = 422, description = "`validation_failed` with `fields`: the rulebook's codes, `already_used` / `rejected_by_provider` from the provider, and with `KYC_DOCUMENT_MISMATCH=refuse` `differs_from_document`.", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many attempts for this session or user, or requests from this client; `session_busy`: another body of this user is in flight.", body = ErrorBody),
        (status = 502, description = "`upstream_error` / `upstream_rejected`: the provider refused the credentials or the request.", body = ErrorBody),
        (status = 503, description = "`upstream_unavailable`: the provider did not answer (a retry resumes); `busy`: the server's budget for bodies or document reads is in use.", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<ApplicationCreated>), ApiError> {
    crate::body::require_json(&h)?;
    let draft: DraftDto = crate::body::parse_json(&body)?;
    // Creation attempts per session and per user (each can end in "email already used").
    let (session_key, user_key) =
        (format!("create:session:{}", sess.id), format!("create:user:{}", sess.external_user_id));
    let limits = [
        (session_key.as_str(), CREATE_PER_SESSION_PER_HOUR, 3600),
        (user_key.as_str(), CREATE_PER_USER_PER_DAY, 86_400),
    ];
    if crate::rate_limit::limit_hit(&state, &limits).await.is_err() {
        tracing::warn!(event = "create_limited", "too many application attempts");
        return Err(ApiError::RateLimited);
    }
    // The same rulebook as the widget (kyc-domain): the same fields, the same codes.
    let applicant = parse_draft(&draft, &state.rules()).map_err(|errs| {
        let codes: Vec<&str> = errs.iter().map(|e| e.code.as_str()).collect();
        tracing::info!(event = "validation_failed", fields = errs.len(), codes = ?codes, "draft refused");
        ApiError::Validation(errs)
    })?;
    // The draft against the document photo the user staged (document_check.rs). In refuse mode
    // a strong field that differs is refused here, before anything is created: the person
    // corrects it on Review and sends again.
    let checked = crate::document_check::at_create(&state, &sess.external_user_id, &draft).await?;
    // One application per user: try to insert it (the common case, one statement); when the
    // user already has one, continue it, never a second one.
    let now = crate::clock::now_secs();
    let fresh = ApplicationRow {
        id: crate::random::hex(16),
        session_id: sess.id.clone(),
        request_no: crate::random::hex(16), // ≥ 128 bits from the OS CSPRNG
        status: ApplicationStatus::Creating,
        updated_at: now,
        external_user_id: sess.external_user_id.clone(),
        created_at: now,
    };
    let row = if state.db.insert_application(&fresh, &draft_hash(&fresh.request_no, &draft), now).await? {
        fresh
    } else {
        match state.db.application_of_user(&sess.external_user_id).await? {
            // A crash or a lost upstream answer left a row: resume it with the same requestNo —
            // but only with the draft it was created from (resume safety).
            Some(row) if row.status == ApplicationStatus::Creating => {
                let same =
                    state.db.draft_hash(&row.id).await?.is_some_and(|h| h == draft_hash(&row.request_no, &draft));
                if !same {
                    tracing::warn!(
                        event = "resume_draft_changed",
                        "resume of a half-created application with another draft"
                    );
                    return Err(ApiError::Conflict {
                        code: ApiCode::DraftChanged,
                        message: "this application is being created from a different draft; send the same draft again",
                        fields: vec![],
                    });
                }
                row
            }
            Some(app) => return Err(ApiError::Exists { application_id: app.id }),
            // This session's application belongs to another user id (cannot happen: a session
            // has one user) or was deleted between the two statements.
            None => {
                return Err(ApiError::Conflict {
                    code: ApiCode::ApplicationExists,
                    message: "this session already has an application",
                    fields: vec![],
                })
            }
        }
    };
    let server = ServerFields {
        request_no: row.request_no.clone(),
        kyc_platform: state.config.platform.clone(),
        callback_url: format!(
            "{}/v1/webhooks/kyc/{}",
            state.config.public_base_url,
            state.config.webhook_secret.expose_secret()
        ),
        ip_address: client_ip_from(&state.config.trusted_proxies, peer, &h).to_string(),
    };
    let body = information_body_string(&applicant, &server, state.config.profile);
    match state.upstream.call(Method::POST, "/open/api/kyc/share/information", &[], Payload::Json(&body)).await {
        Ok(_) => {}
        // Our own earlier attempt already reached the upstream.
        Err(UpstreamError::Rejected { code: codes::DUPLICATE_REQUEST_NO, .. }) => {}
        Err(UpstreamError::Rejected { code, msg }) => {
            state.db.delete_application(&row.id).await?;
            return Err(rejected_fields(code, &msg));
        }
        Err(e) => {
            // Keep the `creating` row: a retry resumes with the same requestNo.
            return Err(ApiError::from(&e));
        }
    }
    crate::work::step(&state, &row.id, crate::work::CREATED, "widget").await?;
    tracing::info!(event = "application_created", "application forwarded upstream");
    // The application exists: a failure to record its check is logged, not answered (the
    // check stays open for a later photo only if its draft was kept).
    if let Err(e) = crate::document_check::created(&state, &row.id, &draft, checked.as_ref()).await {
        tracing::error!(event = "document_check_failed", error = %e, "the document check was not recorded");
    }
    Ok((
        StatusCode::CREATED,
        Json(ApplicationCreated { application_id: row.id, status: crate::work::CREATED.to.as_str().to_owned() }),
    ))
}

/// SHA-256 over the application's secret `requestNo` and the draft as parsed (field order
/// fixed by the type), so equal drafts hash equal and the hash alone reveals nothing.
fn draft_hash(request_no: &str, draft: &DraftDto) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(request_no.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(draft).unwrap_or_default());
    hex::encode(h.finalize())
}

/// Maps an upstream refusal back onto our field list when its `msg` names a field; otherwise
/// it is the provider's refusal (502), not a validation result without fields.
fn rejected_fields(code: i64, msg: &str) -> ApiError {
    let Some(field) = field_named_in(msg) else {
        return ApiError::from(&UpstreamError::Rejected { code, msg: String::new() });
    };
    tracing::warn!(event = "upstream_rejected", code, field = field.path(), "upstream refused a field");
    let code = if msg.contains("already used") { ErrorCode::AlreadyUsed } else { ErrorCode::RejectedByProvider };
    ApiError::Validation(vec![FieldError::new(field, Violation::new(code))])
}

/// Application attempts a session may make per hour, and a user per day.
pub const CREATE_PER_SESSION_PER_HOUR: u32 = 5;
pub const CREATE_PER_USER_PER_DAY: u32 = 10;

/// The application as the widget sees it
///
/// A `reviewing` one is re-confirmed with the provider when polled (webhooks can be lost).
#[utoipa::path(
    get,
    path = "/v1/applications/{id}",
    operation_id = "getApplication",
    tag = "applicant",
    security(("sessionToken" = [])),
    params(("id" = String, Path, description = "The `applicationId`.")),
    responses(
        (status = 200, description = "The application.", body = ApplicationView),
        (status = 401, description = "`unauthorized`: no, a wrong or an expired session token.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the application is another user's.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such application.", body = ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    Path(id): Path<String>,
) -> Result<Json<ApplicationView>, ApiError> {
    let mut app = crate::auth::owned(&state, &sess, &id).await?;
    // Webhooks can be lost, so a reviewing application is re-queried (at most every few
    // seconds, one query in flight) when the widget polls.
    if app.status == ApplicationStatus::Reviewing && crate::clock::now_secs() - app.updated_at >= 2 {
        if let Ok(Some(s)) = crate::work::confirm_status(&state, &app, "poll").await {
            app.status = s;
        }
    }
    Ok(Json(crate::views::widget_view(&state, &app).await?))
}

/// `GET /v1/session`: where this session's user stands — `application` is `null` before the
/// first application, else the widget's view of it, and `staged` what is staged of the
/// unsubmitted signup (STAGING.md) — so a reload, or a new token after the old one expired,
/// continues where the person was.
#[utoipa::path(
    get,
    path = "/v1/session",
    operation_id = "getSession",
    tag = "applicant",
    summary = "Where this session's user stands",
    description = "`application`: `null` before the first application; `staged`: what is staged of the unsubmitted signup (STAGING.md), `null` when nothing is. A reload, or a new token after the old one expired, continues from here.",
    security(("sessionToken" = [])),
    responses(
        (status = 200, description = "Where the user stands.", body = SessionView),
        (status = 401, description = "`unauthorized`: no, a wrong or an expired session token.", body = ErrorBody),
    )
)]
pub async fn session_view(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
) -> Result<Json<SessionView<Value>>, ApiError> {
    let app =
        state.db.application_of_user(&sess.external_user_id).await?.filter(|a| a.status != ApplicationStatus::Creating);
    let application = match &app {
        Some(a) => Some(crate::views::widget_view(&state, a).await?),
        None => None,
    };
    let staged = crate::views::staged_view(&state, &sess.external_user_id).await?;
    Ok(Json(SessionView { expires_at: crate::clock::rfc3339(sess.expires_at), application, staged }))
}
