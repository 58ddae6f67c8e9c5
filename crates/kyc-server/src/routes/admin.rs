//! The partner's server, with the admin key: `PUT /v1/admin/applications/{id}/reports/{kind}`
//! pushes the AML / IDV report PDF (stored sealed with `KYC_DATA_KEY` until it is forwarded); `GET /v1/admin/applications?externalUserId=` and
//! `GET /v1/admin/applications/{id}` answer the application view with its status history and
//! its document check — the partner's own, trustworthy result channel (with the signed
//! notifications of work/notify.rs).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use kyc_domain::api::ErrorBody;
use kyc_domain::ApplicationStatus;
use serde::Deserialize;

use crate::error::ApiError;
use crate::reports::REPORT_KINDS;
use crate::state::AppState;
use crate::views::{AdminView, AdminViews};

/// The partner pushes a report
///
/// Sealed until the submit forwards it (unless `KYC_REPORTS_DIR` provides the reports).
#[utoipa::path(
    put,
    path = "/v1/admin/applications/{id}/reports/{kind}",
    operation_id = "putReport",
    tag = "partner",
    security(("adminKey" = [])),
    params(
        ("id" = String, Path, description = "The `applicationId`."),
        ("kind" = ReportKind, Path, description = "The report."),
    ),
    request_body(description = "The report: a PDF of at most 5,000,000 bytes.", content(("application/pdf"))),
    responses(
        (status = 204, description = "Stored, sealed."),
        (status = 400, description = "`bad_request`: the body could not be read.", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no or a wrong admin key (or none configured).", body = ErrorBody),
        (status = 404, description = "`not_found`: no such application or report kind.", body = ErrorBody),
        (status = 409, description = "`already_submitted`: the application is past `draft`.", body = ErrorBody),
        (status = 413, description = "`too_large`: more than 5,000,000 bytes.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not a PDF.", body = ErrorBody),
    )
)]
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

/// The report kinds ([`REPORT_KINDS`]), for the OpenAPI document.
pub(super) struct ReportKind;

impl utoipa::PartialSchema for ReportKind {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(REPORT_KINDS))
            .description(Some("A report the partner provides."))
            .into()
    }
}

impl utoipa::ToSchema for ReportKind {}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The partner's id of the person (as in `POST /v1/sessions`).
    #[param(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    external_user_id: String,
}

/// A user's applications
#[utoipa::path(
    get,
    path = "/v1/admin/applications",
    operation_id = "listApplications",
    tag = "partner",
    security(("adminKey" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "The user's applications (at most one), as application views.", body = AdminViews),
        (status = 400, description = "`bad_request`: not exactly one `externalUserId`, or one of another shape.", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no or a wrong admin key (or none configured).", body = ErrorBody),
    )
)]
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

/// An application, for the partner
///
/// Its status history and its document check: the partner's own result channel (no PII).
#[utoipa::path(
    get,
    path = "/v1/admin/applications/{id}",
    operation_id = "getApplicationView",
    tag = "partner",
    security(("adminKey" = [])),
    params(("id" = String, Path, description = "The `applicationId`.")),
    responses(
        (status = 200, description = "The application view.", body = AdminView),
        (status = 401, description = "`unauthorized`: no or a wrong admin key (or none configured).", body = ErrorBody),
        (status = 404, description = "`not_found`: no such application.", body = ErrorBody),
    )
)]
pub async fn one(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<AdminView>, ApiError> {
    let app = state
        .db
        .application(&id)
        .await?
        .filter(|a| a.status != ApplicationStatus::Creating)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(crate::views::admin_view(&state, &app).await?))
}
