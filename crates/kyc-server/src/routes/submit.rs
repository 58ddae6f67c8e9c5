//! `POST /v1/applications/{id}/submit`: a state machine in the database, so any number of
//! instances can take duplicate submits. Cheap checks first (every required photo uploaded or
//! staged, the reports there: `409 documents_missing` / `reports_missing`); then the caller
//! whose conditional update moves the application `draft → submitting` wins its lease
//! (work/submit.rs) — once no upload to it is in flight — and alone does the work: the document
//! check (document_check.rs), the user's staged photos (STAGING.md), the missing-documents
//! check, the reports, `merchantProcess`, then `reviewing`. Every other caller waits for that
//! outcome and answers it, or `409` if it does not come in time. An ambiguous upstream failure
//! (a timeout, a 5xx) is resolved by asking the provider before anything is retried; what
//! cannot be resolved now stays `submitting` and is finished by the reconciler
//! (work/workers.rs) once the lease is given back or runs out.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use kyc_domain::api::{ApiCode, ErrorBody, StatusView};
use kyc_domain::photo::DocumentKind;
use kyc_domain::{missing_documents, ApplicationStatus, FieldError};
use std::time::Duration;

use crate::db::{ApplicationRow, SessionRow};
use crate::error::ApiError;
use crate::reports::{self, REPORT_KINDS};
use crate::state::AppState;
use crate::upstream::UpstreamError;
use crate::work::{self, SubmitClaim, SubmitError, SubmitLease};

/// How long a duplicate submit waits for the one in flight.
pub const WAIT_FOR_OTHER: Duration = Duration::from_secs(15);
/// How long a submit waits for uploads in flight to the application before its claim: longer
/// than a dead instance's upload mark lasts, so it ends with the claim unless uploads keep
/// coming or one is stuck upstream.
pub const WAIT_FOR_UPLOADS: Duration = Duration::from_secs(work::UPLOAD_MARK_SECS as u64 + 2);

fn accepted(s: ApplicationStatus) -> (StatusCode, Json<StatusView>) {
    (StatusCode::ACCEPTED, Json(StatusView { status: crate::views::shown_status(s).to_owned() }))
}

/// Submits the application for review
///
/// Any number of duplicate submits, on any instance, answer the one outcome.
#[utoipa::path(
    post,
    path = "/v1/applications/{id}/submit",
    operation_id = "submitApplication",
    tag = "applicant",
    security(("sessionToken" = [])),
    params(("id" = String, Path, description = "The `applicationId`.")),
    responses(
        (status = 202, description = "Submitted: `reviewing` (or, submitted before, its status since).", body = StatusView),
        (status = 401, description = "`unauthorized`: no, a wrong or an expired session token.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the application is another user's, or the origin is not allowed.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such application.", body = ErrorBody),
        (status = 409, description = "`documents_missing` (with `fields`), `reports_missing`, `submit_failed` (try again), `submit_in_progress`.", body = ErrorBody),
        (status = 422, description = "`validation_failed` with `differs_from_document` (`KYC_DOCUMENT_MISMATCH=refuse`): the application stays `draft`.", body = ErrorBody),
        (status = 502, description = "`upstream_error` / `upstream_rejected`.", body = ErrorBody),
        (status = 503, description = "`upstream_unavailable` (the provider may have it: asked again later); `busy`.", body = ErrorBody),
    )
)]
pub async fn submit(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<StatusView>), ApiError> {
    let app = crate::auth::owned(&state, &sess, &id).await?;
    if app.status == ApplicationStatus::Draft {
        precheck(&state, &app).await?;
        if let Some(lease) = claim(&state, &app).await? {
            // The work runs in a task of its own: a caller going away (or a deadline) does not
            // cut it in half; it answers the same either way.
            let task = tokio::spawn(async move { run(&state, &app, lease).await });
            return task.await.map_err(|e| ApiError::Internal(e.into()))?;
        }
    }
    wait_for_outcome(&state, &app.id).await
}

/// What can be told before the claim (no history entry, nothing upstream): a required photo
/// neither uploaded nor staged, or a report the partner has not provided. The holder of the
/// lease checks again for real (a staged photo may not open).
async fn precheck(state: &AppState, app: &ApplicationRow) -> Result<(), ApiError> {
    let mut present: Vec<DocumentKind> =
        state.db.documents(&app.id).await?.iter().filter_map(|k| DocumentKind::parse(k)).collect();
    // Only staged photos sealed under a configured key count (one that cannot open is not there).
    let staged = crate::staging::listed_photos(state, &app.external_user_id).await?;
    present.extend(staged.iter().filter_map(|p| DocumentKind::parse(&p.kind)));
    let missing = missing_documents(&present);
    if !missing.is_empty() {
        return Err(documents_missing(missing));
    }
    for kind in REPORT_KINDS {
        if reports::load(state, &app.id, &app.external_user_id, kind).await.map_err(ApiError::Internal)?.is_none() {
            tracing::error!(event = "report_missing", kind, "no report available for submit");
            return Err(reports_missing());
        }
    }
    Ok(())
}

/// `draft → submitting` with the lease, waiting for uploads in flight to the application;
/// `None` when another caller has it (or it is past `draft`).
async fn claim(state: &AppState, app: &ApplicationRow) -> Result<Option<SubmitLease>, ApiError> {
    let deadline = tokio::time::Instant::now() + WAIT_FOR_UPLOADS;
    loop {
        match work::claim_submit(state, &app.id, "widget").await? {
            SubmitClaim::Won(lease) => return Ok(Some(lease)),
            SubmitClaim::Lost => return Ok(None),
            SubmitClaim::UploadsInFlight if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            SubmitClaim::UploadsInFlight => {
                tracing::warn!(event = "submit_waited_for_uploads", "uploads in flight held the submit back too long");
                return Err(submit_failed());
            }
        }
    }
}

fn documents_missing(fields: Vec<FieldError>) -> ApiError {
    ApiError::Conflict {
        code: ApiCode::DocumentsMissing,
        message: "upload the front of the ID and a photo of the face first",
        fields,
    }
}

fn reports_missing() -> ApiError {
    ApiError::Conflict {
        code: ApiCode::ReportsMissing,
        message: "the partner has not provided the AML and IDV reports for this applicant yet",
        fields: vec![],
    }
}

fn submit_failed() -> ApiError {
    ApiError::Conflict {
        code: ApiCode::SubmitFailed,
        message: "the submit did not go through; try again",
        fields: vec![],
    }
}

/// This caller holds the lease: submit, settle every failure, give the lease back.
async fn run(
    state: &AppState,
    app: &ApplicationRow,
    lease: SubmitLease,
) -> Result<(StatusCode, Json<StatusView>), ApiError> {
    // The document check (document_check.rs), now that staging and uploads are closed: a
    // document photo not read yet is read, and in refuse mode a strong field that differs sends
    // the application back to `draft` with a 422. The widget's person met that at create
    // already and corrected the draft on Review; an API client that uploaded a mismatching
    // photo after create cannot change its draft and stays refused — accepted: the partner
    // sees why in the application's `documentCheck`.
    if let Err(e) = crate::document_check::at_submit(state, app).await {
        let back = work::step(state, &app.id, work::SUBMIT_FAILED, "widget").await;
        lease.release(state).await;
        back?;
        return Err(e);
    }
    let outcome = work::complete_submit(state, app, &lease, "widget").await;
    if matches!(outcome, Err(SubmitError::LeaseLost)) {
        // Another holder took it over (this one stalled past its lease): answer its outcome.
        lease.release(state).await;
        return wait_for_outcome(state, &app.id).await;
    }
    let answer = settle(state, app, outcome).await;
    lease.release(state).await;
    answer
}

async fn settle(
    state: &AppState,
    app: &ApplicationRow,
    outcome: Result<(), SubmitError>,
) -> Result<(StatusCode, Json<StatusView>), ApiError> {
    let back_to_draft = || work::step(state, &app.id, work::SUBMIT_FAILED, "widget");
    match outcome {
        Ok(()) => Ok(accepted(work::SUBMITTED.to)),
        Err(SubmitError::DocumentsMissing(fields)) => {
            back_to_draft().await?;
            Err(documents_missing(fields))
        }
        Err(SubmitError::ReportsMissing) => {
            back_to_draft().await?;
            Err(reports_missing())
        }
        Err(SubmitError::Upstream(e @ UpstreamError::Unavailable(_))) => {
            // Ambiguous: the provider may have the submit. Ask before anything else.
            match work::provider_status(state, app).await {
                Ok(Some(s)) if s.application_status().is_some_and(ApplicationStatus::is_submitted) => {
                    work::apply_provider_status(state, app, s, "widget").await?;
                    let now = state.db.application(&app.id).await?.map(|a| a.status);
                    Ok(accepted(now.or(s.application_status()).unwrap_or(ApplicationStatus::Reviewing)))
                }
                Ok(_) => {
                    back_to_draft().await?;
                    Err(ApiError::from(&e))
                }
                // Still unknown: stays `submitting`; the reconciler settles it.
                Err(_) => Err(ApiError::from(&e)),
            }
        }
        Err(SubmitError::Upstream(e)) => {
            back_to_draft().await?;
            Err(ApiError::from(&e))
        }
        Err(SubmitError::LeaseLost) => wait_for_outcome(state, &app.id).await,
        Err(SubmitError::Database(e)) => Err(e.into()),
        Err(SubmitError::Other(e)) => Err(ApiError::Internal(e)),
    }
}

/// Another caller (on any instance) is submitting: answer its outcome.
async fn wait_for_outcome(state: &AppState, id: &str) -> Result<(StatusCode, Json<StatusView>), ApiError> {
    let deadline = tokio::time::Instant::now() + WAIT_FOR_OTHER;
    loop {
        let app = state.db.application(id).await?.ok_or(ApiError::NotFound)?;
        match app.status {
            s if s.is_submitted() => return Ok(accepted(s)),
            ApplicationStatus::Draft => return Err(submit_failed()),
            _ => {}
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ApiError::Conflict {
                code: ApiCode::SubmitInProgress,
                message: "this application is being submitted; check its status in a moment",
                fields: vec![],
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
