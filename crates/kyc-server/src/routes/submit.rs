//! `POST /v1/applications/{id}/submit`: the user's staged photos are forwarded first
//! (STAGING.md); then a state machine in the database, so any number of instances can take
//! duplicate submits. The caller whose conditional update moves the application
//! `draft → submitting` submits it (reports, then `merchantProcess`, then
//! `reviewing`); every other caller waits for that outcome and answers it, or `409` if it does
//! not come in time. An ambiguous upstream failure (a timeout, a 5xx) is resolved by asking the
//! provider before anything is retried; what cannot be resolved now stays `submitting` and is
//! finished by the reconciler (work.rs).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use kyc_domain::missing_documents;
use kyc_domain::photo::DocumentKind;
use serde_json::{json, Value};
use std::time::Duration;

use crate::db::SessionRow;
use crate::error::ApiError;
use crate::reports::{self, REPORT_KINDS};
use crate::upstream::UpstreamError;
use crate::work::{self, SubmitError};
use crate::{status, AppState};

/// How long a duplicate submit waits for the one in flight.
pub const WAIT_FOR_OTHER: Duration = Duration::from_secs(15);

fn accepted(s: &str) -> (StatusCode, Json<Value>) {
    let shown = if s == status::SUBMITTING { status::REVIEWING } else { s };
    (StatusCode::ACCEPTED, Json(json!({"status": shown})))
}

pub async fn submit(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let app = super::applications::owned(&state, &sess, &id).await?;
    if app.status == status::DRAFT {
        // Photos staged on either device that the application has not received go first, so
        // the missing-documents check sees them (STAGING.md).
        work::forward_staged_photos(&state, &app).await.map_err(|e| match e {
            SubmitError::Upstream(e) => crate::upstream_failure(&e),
            SubmitError::Database(e) => e.into(),
            SubmitError::ReportsMissing => reports_missing(),
            SubmitError::Other(e) => ApiError::Internal(e),
        })?;
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
            if reports::load(&state, &app.id, &app.external_user_id, kind).await.map_err(ApiError::Internal)?.is_none()
            {
                tracing::error!(event = "report_missing", kind, "no report available for submit");
                return Err(reports_missing());
            }
        }
        if work::transition(&state, &app.id, &[status::DRAFT], status::SUBMITTING, "widget").await? {
            return run(&state, &app).await;
        }
    }
    wait_for_outcome(&state, &app.id).await
}

fn reports_missing() -> ApiError {
    ApiError::Conflict {
        code: "reports_missing",
        message: "the partner has not provided the AML and IDV reports for this applicant yet",
        fields: vec![],
    }
}

/// This caller won `draft → submitting`: submit, and settle every failure.
async fn run(state: &AppState, app: &crate::db::ApplicationRow) -> Result<(StatusCode, Json<Value>), ApiError> {
    match work::perform_submit(state, app, "widget").await {
        Ok(()) => Ok(accepted(status::REVIEWING)),
        Err(SubmitError::ReportsMissing) => {
            work::transition(state, &app.id, &[status::SUBMITTING], status::DRAFT, "widget").await?;
            Err(reports_missing())
        }
        Err(SubmitError::Upstream(e @ UpstreamError::Unavailable(_))) => {
            // Ambiguous: the provider may have the submit. Ask before anything else.
            match work::provider_status(state, app).await {
                Ok(s) if matches!(s.as_str(), "reviewing" | "approved" | "rejected") => {
                    work::apply_provider_status(state, app, &s, "widget").await?;
                    let now = state.db.application(&app.id).await?.map(|a| a.status).unwrap_or(s);
                    Ok(accepted(&now))
                }
                Ok(_) => {
                    work::transition(state, &app.id, &[status::SUBMITTING], status::DRAFT, "widget").await?;
                    Err(crate::upstream_failure(&e))
                }
                // Still unknown: stays `submitting`; the reconciler settles it.
                Err(_) => Err(crate::upstream_failure(&e)),
            }
        }
        Err(SubmitError::Upstream(e)) => {
            work::transition(state, &app.id, &[status::SUBMITTING], status::DRAFT, "widget").await?;
            Err(crate::upstream_failure(&e))
        }
        Err(SubmitError::Database(e)) => Err(e.into()),
        Err(SubmitError::Other(e)) => Err(ApiError::Internal(e)),
    }
}

/// Another caller (on any instance) is submitting: answer its outcome.
async fn wait_for_outcome(state: &AppState, id: &str) -> Result<(StatusCode, Json<Value>), ApiError> {
    let deadline = tokio::time::Instant::now() + WAIT_FOR_OTHER;
    loop {
        let app = state.db.application(id).await?.ok_or(ApiError::NotFound)?;
        match app.status.as_str() {
            status::REVIEWING | status::APPROVED | status::REJECTED => return Ok(accepted(&app.status)),
            status::DRAFT => {
                return Err(ApiError::Conflict {
                    code: "submit_failed",
                    message: "the submit did not go through; try again",
                    fields: vec![],
                })
            }
            _ => {}
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ApiError::Conflict {
                code: "submit_in_progress",
                message: "this application is being submitted; check its status in a moment",
                fields: vec![],
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
