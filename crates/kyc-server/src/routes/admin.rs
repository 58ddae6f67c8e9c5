//! The partner's server, with the admin key: `PUT /v1/admin/applications/{id}/reports/{kind}`
//! pushes the AML / IDV report PDF (stored sealed with `KYC_DATA_KEY` until it is forwarded); `GET /v1/admin/applications?externalUserId=` and
//! `GET /v1/admin/applications/{id}` answer the application view with its status history and
//! its document check — the partner's own, trustworthy result channel (with the signed
//! notifications of work/notify.rs).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use kyc_domain::ApplicationStatus;
use serde::Deserialize;

use crate::error::ApiError;
use crate::reports::REPORT_KINDS;
use crate::state::AppState;
use crate::views::{AdminView, AdminViews};

pub async fn put_report(
    State(state): State<AppState>,
    Path((id, kind)): Path<(String, String)>,
    h: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    // The admin key was checked before the body (its route layer, auth::admin).
    if !REPORT_KINDS.contains(&kind.as_str()) {
        return Err(ApiError::NotFound);
    }
    let app = state.db.application(&id).await?.ok_or(ApiError::NotFound)?;
    if app.status != ApplicationStatus::Draft {
        return Err(ApiError::already_submitted());
    }
    let body = crate::body::read_capped(&h, body, kyc_domain::photo::MAX_PHOTO_BYTES).await?;
    if !body.starts_with(b"%PDF-") {
        return Err(ApiError::UnsupportedMediaType("reports must be PDF files"));
    }
    // Sealed with the data key, bound to its application and kind, until submit forwards it.
    let sealed = state.config.data_key.seal(&crate::staging::report_aad(&app.id, &kind), &body);
    state.db.put_report(&app.id, &kind, &sealed, crate::clock::now_secs()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListQuery {
    external_user_id: String,
}

pub async fn list(
    State(state): State<AppState>,
    q: Result<axum::extract::Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AdminViews>, ApiError> {
    let axum::extract::Query(q) = q.map_err(|_| ApiError::BadRequest("give exactly one externalUserId"))?;
    if !crate::reports::safe_segment(&q.external_user_id) {
        return Err(ApiError::BadRequest("externalUserId must be 1-64 of letters, digits, '.', '_' or '-'"));
    }
    let mut out = Vec::new();
    for app in state.db.applications_of_user(&q.external_user_id).await? {
        out.push(crate::views::admin_view(&state, &app).await?);
    }
    Ok(Json(AdminViews { applications: out }))
}

pub async fn one(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<AdminView>, ApiError> {
    let app = state
        .db
        .application(&id)
        .await?
        .filter(|a| a.status != ApplicationStatus::Creating)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(crate::views::admin_view(&state, &app).await?))
}
