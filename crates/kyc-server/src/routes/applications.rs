//! `POST /v1/applications` (validate, sign, forward `information`) and
//! `GET /v1/applications/{id}`.

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use kyc_domain::wire::{codes, field_named_in, information_body_string, ServerFields};
use kyc_domain::{parse_draft, DraftDto, ErrorCode, FieldError, Violation};
use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use std::net::SocketAddr;

use crate::db::{ApplicationRow, SessionRow};
use crate::error::ApiError;
use crate::security::client_ip;
use crate::upstream::{Payload, UpstreamError};
use crate::{status, AppState};

pub async fn create(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    h: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    super::require_json(&h)?;
    let draft: DraftDto = super::parse_json(&body)?;
    // The same rulebook as the widget (kyc-domain): the same fields, the same codes.
    let applicant = parse_draft(&draft, &state.rules()).map_err(|errs| {
        let codes: Vec<&str> = errs.iter().map(|e| e.code.as_str()).collect();
        tracing::info!(event = "validation_failed", fields = errs.len(), codes = ?codes, "draft refused");
        ApiError::Validation(errs)
    })?;
    let existing = state.db.application_of_session(&sess.id).await?;
    let row = match existing {
        // A crash or a lost upstream answer left a row: resume it with the same requestNo —
        // but only with the draft it was created from (resume safety).
        Some(row) if row.status == status::CREATING => {
            let same = state.db.draft_hash(&row.id).await?.is_some_and(|h| h == draft_hash(&row.request_no, &draft));
            if !same {
                tracing::warn!(
                    event = "resume_draft_changed",
                    "resume of a half-created application with another draft"
                );
                return Err(ApiError::Conflict {
                    code: "draft_changed",
                    message: "this application is being created from a different draft; send the same draft again",
                    fields: vec![],
                });
            }
            row
        }
        Some(_) => {
            return Err(ApiError::Conflict {
                code: "application_exists",
                message: "this session already has an application",
                fields: vec![],
            })
        }
        None => {
            let row = ApplicationRow {
                id: kyc_sandbox::random_hex(16),
                session_id: sess.id.clone(),
                request_no: kyc_sandbox::random_hex(16), // ≥ 128 bits from the OS CSPRNG
                status: status::CREATING.into(),
                updated_at: crate::now_secs(),
            };
            let hash = draft_hash(&row.request_no, &draft);
            if !state.db.insert_application(&row, &hash, crate::now_secs()).await? {
                return Err(ApiError::Conflict {
                    code: "application_exists",
                    message: "this session already has an application",
                    fields: vec![],
                });
            }
            row
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
        ip_address: client_ip(&state, peer, &h),
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
            return Err(crate::upstream_failure(&e));
        }
    }
    state.db.transition(&row.id, &[status::CREATING], status::DRAFT, crate::now_secs()).await?;
    tracing::info!(event = "application_created", "application forwarded upstream");
    Ok((StatusCode::CREATED, Json(json!({"applicationId": row.id, "status": "draft"}))))
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
        return crate::upstream_failure(&UpstreamError::Rejected { code, msg: String::new() });
    };
    tracing::warn!(event = "upstream_rejected", code, field = field.path(), "upstream refused a field");
    let code = if msg.contains("already used") { ErrorCode::AlreadyUsed } else { ErrorCode::RejectedByProvider };
    ApiError::Validation(vec![FieldError::new(field, Violation::new(code))])
}

/// Loads an application and checks it belongs to the caller's session (403 otherwise).
pub async fn owned(state: &AppState, sess: &SessionRow, id: &str) -> Result<ApplicationRow, ApiError> {
    let app = state.db.application(id).await?.ok_or(ApiError::NotFound)?;
    if app.session_id != sess.id {
        return Err(ApiError::Forbidden("this application belongs to another session"));
    }
    if app.status == status::CREATING {
        return Err(ApiError::NotFound);
    }
    Ok(app)
}

pub async fn get(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut app = owned(&state, &sess, &id).await?;
    // Reconciliation: webhooks can be lost, so a reviewing application is re-queried (at most
    // every few seconds) when the widget polls.
    if app.status == status::REVIEWING && crate::now_secs() - app.updated_at >= 2 {
        if let Ok(Some(s)) = crate::confirm_status(&state, &app).await {
            app.status = s;
        }
    }
    Ok(Json(json!({
        "applicationId": app.id,
        "status": app.status,
        "updatedAt": crate::rfc3339(app.updated_at),
    })))
}
