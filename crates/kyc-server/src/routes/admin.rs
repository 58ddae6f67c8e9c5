//! `PUT /v1/admin/applications/{id}/reports/{kind}`: the partner's server pushes the AML / IDV
//! report PDF for an application (admin key).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};

use crate::error::ApiError;
use crate::reports::REPORT_KINDS;
use crate::{status, AppState};

pub async fn put_report(
    State(state): State<AppState>,
    Path((id, kind)): Path<(String, String)>,
    h: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    // The admin key was checked before the body (security::auth_first).
    if !REPORT_KINDS.contains(&kind.as_str()) {
        return Err(ApiError::NotFound);
    }
    let app = state.db.application(&id).await?.ok_or(ApiError::NotFound)?;
    if app.status != status::DRAFT {
        return Err(ApiError::Conflict {
            code: "already_submitted",
            message: "the application was already submitted",
            fields: vec![],
        });
    }
    let body = super::read_capped(&h, body, kyc_domain::photo::MAX_PHOTO_BYTES).await?;
    if !body.starts_with(b"%PDF-") {
        return Err(ApiError::UnsupportedMediaType("reports must be PDF files"));
    }
    state.db.put_report(&app.id, &kind, &body, crate::now_secs()).await?;
    Ok(StatusCode::NO_CONTENT)
}
