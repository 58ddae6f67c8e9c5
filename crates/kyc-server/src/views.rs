//! What the widget and the partner see (docs/api.md): an application as the widget polls it,
//! as the partner's admin endpoints show it, and what is staged of an unsubmitted signup.
//! No PII beyond what the caller typed or owns.

use kyc_domain::api::{AdminApplication, ApplicationView, HistoryEntry, PhotoView, StagedView};
use kyc_domain::diagnostics::Diagnostics;
use kyc_domain::ApplicationStatus;
use serde::Serialize;
use serde_json::Value;

use crate::clock::rfc3339;
use crate::db::{ApplicationRow, DiagnosticsRow, StagedPhoto};
use crate::document_check::DocumentCheck;
use crate::error::ApiError;
use crate::staging::{listed_photos, open_draft};
use crate::state::AppState;

/// What the widget sees of an application: `submitting` is shown as `reviewing` (the submit
/// is under way), and which photos the backend already has.
pub async fn widget_view(state: &AppState, app: &ApplicationRow) -> Result<ApplicationView, ApiError> {
    let documents = state.db.documents(&app.id).await?;
    Ok(ApplicationView {
        application_id: app.id.clone(),
        status: shown_status(app.status).to_owned(),
        updated_at: rfc3339(app.updated_at),
        documents,
    })
}

/// An application's status as the widget and the partner see it: the internal `submitting` (a
/// submit under way) is `reviewing`.
pub fn shown_status(s: ApplicationStatus) -> &'static str {
    s.for_widget().unwrap_or(s).as_str()
}

/// The application view of the partner's admin endpoints (docs/api.md): kyc-domain's
/// [`AdminApplication`], the document check (document_check.rs) — `null` until a document
/// photo was read; field paths and codes only — and the widget's diagnostics: the user's most
/// recently updated trace (`POST /v1/diagnostics`), `null` when none; codes only.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(
    description = "The application view of the partner's admin endpoints (no PII): its status history, its photos and its document check."
)]
pub struct AdminView {
    #[serde(flatten)]
    pub application: AdminApplication,
    /// `null` until a document photo was read.
    #[schema(required = true)]
    pub document_check: Option<DocumentCheck>,
    pub diagnostics: Option<Diagnostics>,
}

/// `GET /v1/admin/applications?externalUserId=…`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AdminViews {
    pub applications: Vec<AdminView>,
}

/// The application view of docs/api.md (no PII), for the partner's admin endpoints. Only
/// `draft`, `reviewing`, `approved` and `rejected` are shown: `submitting` (a submit in flight)
/// is `reviewing` in `status`, and the history leaves out the internal `creating` and
/// `submitting` entries, a repeat of the same status in a row (a failed submit's way back to
/// `draft`) shown once, at its first time.
pub async fn admin_view(state: &AppState, app: &ApplicationRow) -> Result<AdminView, ApiError> {
    let mut entries = state.db.history(&app.id).await?;
    entries.retain(|h| h.status.is_public());
    entries.dedup_by(|later, earlier| later.status == earlier.status);
    let history = entries
        .into_iter()
        .map(|h| HistoryEntry { status: h.status.as_str().to_owned(), at: rfc3339(h.at), source: h.source })
        .collect();
    let documents = state
        .db
        .document_entries(&app.id)
        .await?
        .into_iter()
        .map(|d| PhotoView { kind: d.kind, source: d.source, uploaded_at: rfc3339(d.uploaded_at) })
        .collect();
    let document_check = DocumentCheck::from_stored(state.db.document_check(&app.id).await?.as_deref());
    let application = AdminApplication {
        application_id: app.id.clone(),
        external_user_id: app.external_user_id.clone(),
        status: shown_status(app.status).to_owned(),
        created_at: rfc3339(app.created_at),
        updated_at: rfc3339(app.updated_at),
        history,
        documents,
    };
    let diagnostics = stored_trace(state.db.latest_diagnostics(&app.external_user_id).await?.as_deref());
    Ok(AdminView { application, document_check, diagnostics })
}

/// A stored trace, read back: it was checked before it was stored; one that no longer parses
/// or passes (a vocabulary narrowed since) is not shown.
fn stored_trace(body: Option<&str>) -> Option<Diagnostics> {
    body.and_then(|b| serde_json::from_str::<Diagnostics>(b).ok()).filter(|d| d.check().is_ok())
}

/// One session's trace in `GET /v1/admin/diagnostics`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticsSession {
    /// When the session sent its first trace (RFC 3339).
    pub created_at: String,
    /// Its latest trace.
    pub diagnostics: Diagnostics,
}

/// `GET /v1/admin/diagnostics?externalUserId=…`: the user's sessions' traces, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DiagnosticsSessions {
    pub sessions: Vec<DiagnosticsSession>,
}

impl DiagnosticsSessions {
    pub fn from_rows(rows: Vec<DiagnosticsRow>) -> Self {
        let sessions = rows
            .into_iter()
            .filter_map(|r| {
                let diagnostics = stored_trace(Some(&r.body))?;
                Some(DiagnosticsSession { created_at: rfc3339(r.created_at), diagnostics })
            })
            .collect();
        Self { sessions }
    }
}

/// The staged photos as the widget and the desktop see them.
pub fn photo_list(photos: &[StagedPhoto]) -> Vec<PhotoView> {
    photos
        .iter()
        .map(|p| PhotoView { kind: p.kind.clone(), source: p.source.clone(), uploaded_at: rfc3339(p.uploaded_at) })
        .collect()
}

/// `staged` of `GET /v1/session`: `None` (`null`) when nothing is staged, else the step,
/// `noExpiry`, the draft as typed and the staged photos. Photos staged without a draft (a phone
/// was quicker than the first save) answer `step: null` and an empty draft. Only what opens
/// counts: a draft or photo sealed under a key no longer configured neither shows nor makes
/// `staged` non-null.
pub async fn staged_view(state: &AppState, external_user_id: &str) -> Result<Option<StagedView<Value>>, ApiError> {
    let photos = listed_photos(state, external_user_id).await?;
    let draft = open_draft(state, external_user_id).await?;
    if draft.is_none() && photos.is_empty() {
        return Ok(None);
    }
    let (step, no_expiry, draft) = match draft {
        // As staged by `PUT /v1/draft` (routes/staging.rs), which checked its shape.
        Some(mut d) => {
            (d["step"].as_str().map(str::to_owned), d["noExpiry"].as_bool().unwrap_or(false), d["draft"].take())
        }
        None => (None, false, Value::Object(serde_json::Map::new())),
    };
    Ok(Some(StagedView { step, no_expiry, draft, photos: photo_list(&photos) }))
}
