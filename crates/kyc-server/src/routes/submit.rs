//! `POST /v1/applications/{id}/submit`: documents present, reports attached, then
//! `merchantProcess`. Concurrent submits of one application reach upstream once.

use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::db::SessionRow;
use axum::{Extension, Json};
use kyc_domain::missing_documents;
use kyc_domain::photo::DocumentKind;
use reqwest::Method;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::reports::{self, REPORT_KINDS};
use crate::upstream::Payload;
use crate::{status, AppState};

pub async fn submit(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let app = super::applications::owned(&state, &sess, &id).await?;
    // One submit at a time per application; the others then see the outcome.
    let lock = state.submit_lock(&app.id);
    let _guard = lock.lock().await;
    let app = state.db.application(&app.id).await?.ok_or(ApiError::NotFound)?;
    if app.status != status::DRAFT {
        return Ok((StatusCode::ACCEPTED, Json(json!({"status": app.status}))));
    }
    let present: Vec<DocumentKind> =
        state.db.documents(&app.id).await?.iter().filter_map(|k| DocumentKind::parse(k)).collect();
    let missing = missing_documents(&present);
    if !missing.is_empty() {
        return Err(ApiError::Conflict {
            code: "documents_missing",
            message: "upload the front of the ID and a photo of the face first",
            fields: missing,
        });
    }
    for kind in REPORT_KINDS {
        let Some(pdf) =
            reports::load(&state, &app.id, &sess.external_user_id, kind).await.map_err(ApiError::Internal)?
        else {
            tracing::error!(event = "report_missing", kind, "no report available for submit");
            return Err(ApiError::Conflict {
                code: "reports_missing",
                message: "the partner has not provided the AML and IDV reports for this applicant yet",
                fields: vec![],
            });
        };
        state
            .upstream
            .call(
                Method::POST,
                "/open/api/kyc/share/fileUpload",
                &[],
                Payload::Upload { request_no: &app.request_no, kind, file: &pdf, media_type: "application/pdf" },
            )
            .await
            .map_err(|e| crate::upstream_failure(&e))?;
    }
    state
        .upstream
        .call(Method::GET, "/open/api/kyc/share/merchantProcess", &[("requestNo", &app.request_no)], Payload::Empty)
        .await
        .map_err(|e| crate::upstream_failure(&e))?;
    state.db.transition(&app.id, &[status::DRAFT], status::REVIEWING, crate::now_secs()).await?;
    state.db.delete_reports(&app.id).await?;
    tracing::info!(event = "application_submitted", "application submitted for review");
    Ok((StatusCode::ACCEPTED, Json(json!({"status": status::REVIEWING}))))
}
