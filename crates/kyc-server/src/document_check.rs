//! The document check: the backend reads the document photo it holds — the PDF417 barcode on
//! the back of a US or Canadian licence or ID card, else the machine-readable zone of a
//! passport's data page or an ID card's back (kyc-reader, the widget's own reader) — and
//! cross-checks the
//! applicant's draft against it (kyc-domain's `cross_check`). What it records, shows
//! (`documentCheck` of the application view, docs/api.md) and notifies
//! (`application.document_checked`, docs/notifications.md) is field paths and codes only: never
//! a value of the document or of the draft, in the database, an answer or a log line
//! (docs/security.md LG-1).
//!
//! When — the first document photo the backend has in hand, its back preferred:
//! - `POST /v1/applications`: the user's staged `idBack`, else `idFront` (the widget stages the
//!   photos before Review). With `KYC_DOCUMENT_MISMATCH=refuse`, a strong field that differs
//!   refuses the draft (422, nothing created): the person corrects it on Review and sends again.
//! - `PUT /v1/applications/{id}/documents/{kind}` (an API client uploading after create): the
//!   uploaded `idBack` or `idFront`, once forwarded — the backend keeps no uploaded photo, so its
//!   bytes are in hand only then. An `idFront` is read only while nothing was read yet, an
//!   `idBack` also after a photo from which nothing was read.
//! - The submit, after its claim (staging and uploads are closed then): the staged photos, when
//!   no document photo was read yet. In refuse mode a strong difference sends the application
//!   back to `draft` with the 422.
//!
//! Until a document was read the check stays open: the draft is kept on the application, sealed
//! with the data key like staging (`check_draft`), for a later photo; it is dropped once a
//! document was read, when the application is `reviewing`, and by retention 24 hours after the
//! application was created.
//!
//! Reading is CPU work (a decode, the barcode search and the zone's recognition, 50–400 ms): on the blocking pool,
//! under the photos' decode budget (photos.rs; docs/security.md UP-8).

use kyc_domain::idread::crosscheck::{cross_check, Strength, COMPARED};
use kyc_domain::idread::{DocumentData, ReadSource};
use kyc_domain::photo::DocumentKind;
use kyc_domain::{DraftDto, ErrorCode, Field, FieldError, Violation};
use serde::{Deserialize, Serialize};

use crate::clock::{now_secs, rfc3339};
use crate::config::DocumentMismatch;
use crate::db::{ApplicationRow, CheckRecord, CheckState};
use crate::error::ApiError;
use crate::photos::QueueError;
use crate::staging::check_draft_aad;
use crate::state::AppState;

/// What was read from the document photo: its barcode, its machine-readable zone, or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Read {
    Pdf417,
    Mrz,
    None,
}

impl Read {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pdf417 => "pdf417",
            Self::Mrz => "mrz",
            Self::None => "none",
        }
    }

    fn of(doc: &DocumentData) -> Self {
        match doc.source {
            ReadSource::Pdf417 => Self::Pdf417,
            ReadSource::Mrz => Self::Mrz,
        }
    }
}

/// A field of the draft that differs from the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Mismatch {
    #[schema(value_type = Field)]
    pub field: String,
    #[schema(value_type = ErrorCode)]
    pub code: String,
}

/// `documentCheck` of the application view and of the notification (docs/api.md): the field
/// paths that match and those that differ (strong and informational alike), never a value.
/// `read: "none"`: a document photo was held, nothing could be read from it (both lists empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentCheck {
    pub read: Read,
    /// The fields that match the document.
    #[schema(value_type = Vec<Field>)]
    pub matched: Vec<String>,
    /// Every field that differs from the document (strong and informational alike).
    pub mismatched: Vec<Mismatch>,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub at: String,
    /// `at` in unix seconds, for the notification (not stored: a stored check is not notified
    /// again).
    #[serde(skip)]
    secs: i64,
}

impl DocumentCheck {
    /// The stored JSON as the view shows it; `None` (shown as `null`) for none or one that does
    /// not parse.
    pub fn from_stored(stored: Option<&str>) -> Option<Self> {
        serde_json::from_str(stored?).ok()
    }

    /// The strong fields (names, date of birth, document number, expiry) that differ.
    fn strong(&self) -> Vec<Field> {
        self.mismatched.iter().filter_map(|m| Field::from_path(&m.field)).filter(|f| is_strong(*f)).collect()
    }
}

fn is_strong(field: Field) -> bool {
    COMPARED.iter().any(|&(f, s)| f == field && s == Strength::Strong)
}

/// One check: the draft against what was read (`None`: nothing).
fn check(draft: &DraftDto, doc: Option<&DocumentData>, now: i64) -> DocumentCheck {
    let at = rfc3339(now);
    let Some(doc) = doc else {
        return DocumentCheck { read: Read::None, matched: vec![], mismatched: vec![], at, secs: now };
    };
    let c = cross_check(draft, doc);
    DocumentCheck {
        read: Read::of(doc),
        matched: c.matched().into_iter().map(|f| f.path().to_owned()).collect(),
        mismatched: c
            .field_errors()
            .into_iter()
            .map(|e| Mismatch { field: e.field.path().to_owned(), code: e.code.as_str().to_owned() })
            .collect(),
        at,
        secs: now,
    }
}

/// In refuse mode, `422 validation_failed` with `differs_from_document` on each strong field
/// that differs.
fn refuse(state: &AppState, c: &DocumentCheck) -> Result<(), ApiError> {
    let strong = c.strong();
    if state.config.document_mismatch != DocumentMismatch::Refuse || strong.is_empty() {
        return Ok(());
    }
    let paths: Vec<&str> = strong.iter().map(|f| f.path()).collect();
    tracing::info!(event = "document_mismatch_refused", fields = ?paths, "the draft differs from the document");
    Err(ApiError::Validation(
        strong.into_iter().map(|f| FieldError::new(f, Violation::new(ErrorCode::DiffersFromDocument))).collect(),
    ))
}

/// A read that could not have its turn in the decode budget: refuse mode answers `503 busy`
/// (nothing goes on unchecked); record mode goes on and the check stays open.
fn busy(state: &AppState, when: &'static str) -> Result<(), ApiError> {
    tracing::warn!(event = "document_read_skipped", when, "no room in the decode budget for the document check");
    if state.config.document_mismatch == DocumentMismatch::Refuse {
        return Err(ApiError::Busy);
    }
    Ok(())
}

/// Reads the document on `jpeg` (a cleaned photo: our own JPEG) on the blocking pool, under the
/// photos' decode budget, as the partner user `user`. `Ok(None)`: nothing read. Only the
/// outcome's code is logged.
async fn read(
    state: &AppState,
    user: &str,
    kind: DocumentKind,
    jpeg: Vec<u8>,
) -> Result<Option<DocumentData>, QueueError> {
    let outcome = match crate::photos::plan(&jpeg) {
        Ok(plan) => {
            // The decode, then the grey copy and the reader's scaled copies of it.
            let pixels = u64::from(plan.header.width) * u64::from(plan.header.height);
            let ticket = state.decode_queue.acquire(&format!("read:{user}"), plan.decode_bytes + 3 * pixels).await?;
            tokio::task::spawn_blocking(move || {
                let r = read_jpeg(&jpeg, plan.decode_bytes);
                drop(ticket);
                r
            })
            .await
            .unwrap_or(Err(kyc_reader::ReadError::BadImage))
        }
        Err(_) => Err(kyc_reader::ReadError::BadImage),
    };
    let code = outcome.as_ref().map_or_else(|e| e.code(), |doc| Read::of(doc).as_str());
    tracing::info!(event = "document_read", kind = kind.as_str(), outcome = code, "document photo read");
    Ok(outcome.ok())
}

/// The barcode, else the zone (whose birth date's century today decides); only the fields the
/// zone's check digits vouch for are in the document.
fn read_jpeg(jpeg: &[u8], max_alloc: u64) -> Result<DocumentData, kyc_reader::ReadError> {
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(max_alloc);
    let mut reader = image::ImageReader::new(std::io::Cursor::new(jpeg));
    reader.set_format(image::ImageFormat::Jpeg);
    reader.limits(limits);
    let grey = reader.decode().map_err(|_| kyc_reader::ReadError::BadImage)?.into_luma8();
    let today =
        kyc_domain::Date::from_unix_millis(now_secs().saturating_mul(1000)).ok_or(kyc_reader::ReadError::BadImage)?;
    kyc_reader::read_document_luma(grey.as_raw(), grey.width(), grey.height(), today).map(|found| found.doc)
}

/// Reads the user's staged document photos, `idBack` first, until one holds a document.
/// `None`: no document photo is staged; `Some(None)`: one is, and nothing was read.
async fn read_staged(state: &AppState, user: &str) -> Result<Option<Option<DocumentData>>, ApiError> {
    let mut held = false;
    for kind in [DocumentKind::IdBack, DocumentKind::IdFront] {
        let Some((_, sealed)) = state.db.staged_photo(user, kind.as_str()).await? else { continue };
        let Some(jpeg) = crate::staging::open_photo(state, user, kind.as_str(), &sealed) else { continue };
        held = true;
        if let Some(doc) = read(state, user, kind, jpeg).await.map_err(|_| ApiError::Busy)? {
            return Ok(Some(Some(doc)));
        }
    }
    Ok(held.then_some(None))
}

/// The draft an open check keeps, opened; `None` (logged, no value) when it does not open.
fn open_draft(state: &AppState, app_id: &str, sealed: &[u8]) -> Option<DraftDto> {
    let draft =
        state.config.data_key.open(&check_draft_aad(app_id), sealed).and_then(|d| serde_json::from_slice(&d).ok());
    if draft.is_none() {
        tracing::warn!(
            event = "staged_unreadable",
            what = "check_draft",
            "a kept draft does not open with the data key"
        );
    }
    draft
}

/// Records `c` if the stored check is still `previous`, with its notification; the draft is kept
/// while nothing was read.
async fn record(state: &AppState, app_id: &str, c: &DocumentCheck, previous: Option<&str>) -> sqlx::Result<bool> {
    let json = serde_json::to_string(c).unwrap_or_default();
    let recorded = state
        .db
        .record_document_check(&CheckRecord {
            id: app_id,
            check: &json,
            previous,
            keep_draft: c.read == Read::None,
            now: c.secs,
            notify: crate::work::notify_document_checked(state),
        })
        .await?;
    if recorded {
        tracing::info!(
            event = "document_checked",
            read = c.read.as_str(),
            matched = c.matched.len(),
            mismatched = c.mismatched.len(),
            "document check recorded"
        );
    }
    Ok(recorded)
}

/// `POST /v1/applications`, before anything is created: the check of `draft` against the
/// user's staged document photo, when one is staged. In refuse mode a strong field that differs
/// is `422 validation_failed` (`differs_from_document` on each).
pub async fn at_create(state: &AppState, user: &str, draft: &DraftDto) -> Result<Option<DocumentCheck>, ApiError> {
    let doc = match read_staged(state, user).await {
        Ok(Some(doc)) => doc,
        Ok(None) => return Ok(None),
        Err(ApiError::Busy) => return busy(state, "create").map(|()| None),
        Err(e) => return Err(e),
    };
    let c = check(draft, doc.as_ref(), now_secs());
    refuse(state, &c)?;
    Ok(Some(c))
}

/// Once `POST /v1/applications` created the application: records the check made before (and
/// notifies it, after the application's first status), and keeps the draft sealed while no
/// barcode was read.
pub async fn created(state: &AppState, app_id: &str, draft: &DraftDto, c: Option<&DocumentCheck>) -> sqlx::Result<()> {
    if c.is_none_or(|c| c.read == Read::None) {
        let plain = serde_json::to_vec(draft).unwrap_or_default();
        state.db.keep_check_draft(app_id, &state.config.data_key.seal(&check_draft_aad(app_id), &plain)).await?;
    }
    if let Some(c) = c {
        record(state, app_id, c, None).await?;
    }
    Ok(())
}

/// `PUT /v1/applications/{id}/documents/{kind}`, once the photo was forwarded (the upload still
/// marked in flight, so a submit's claim waits for it): an `idBack` is read while the check is
/// open, an `idFront` only while nothing was read. Never fails the upload (logged).
pub async fn after_upload(state: &AppState, app: &ApplicationRow, kind: DocumentKind, jpeg: &[u8]) {
    if !matches!(kind, DocumentKind::IdBack | DocumentKind::IdFront) {
        return;
    }
    if let Err(e) = upload_check(state, app, kind, jpeg).await {
        tracing::error!(event = "document_check_failed", error = %e, "the document check of an upload failed");
    }
}

async fn upload_check(state: &AppState, app: &ApplicationRow, kind: DocumentKind, jpeg: &[u8]) -> sqlx::Result<()> {
    let CheckState { document_check: previous, check_draft: Some(sealed) } = state.db.check_state(&app.id).await?
    else {
        return Ok(());
    };
    if kind == DocumentKind::IdFront && previous.is_some() {
        return Ok(());
    }
    let Some(draft) = open_draft(state, &app.id, &sealed) else { return Ok(()) };
    let Ok(doc) = read(state, &app.external_user_id, kind, jpeg.to_vec()).await else {
        // Left open: a later photo, or the submit, reads again.
        tracing::warn!(event = "document_read_skipped", when = "upload", "no room in the decode budget");
        return Ok(());
    };
    if doc.is_none() && previous.is_some() {
        return Ok(()); // still nothing read: no news
    }
    record(state, &app.id, &check(&draft, doc.as_ref(), now_secs()), previous.as_deref()).await.map(|_| ())
}

/// The submit, after its claim (staging and uploads are closed): when no document photo was read
/// yet and one is staged now, it is read and checked; then, in refuse mode, a recorded check
/// with a strong difference is `422` (the caller sends the application back to `draft`).
pub async fn at_submit(state: &AppState, app: &ApplicationRow) -> Result<(), ApiError> {
    let CheckState { mut document_check, check_draft } = state.db.check_state(&app.id).await?;
    if let (None, Some(sealed)) = (&document_check, &check_draft) {
        if let Some(draft) = open_draft(state, &app.id, sealed) {
            match read_staged(state, &app.external_user_id).await {
                Ok(Some(doc)) => {
                    let c = check(&draft, doc.as_ref(), now_secs());
                    record(state, &app.id, &c, None).await?;
                    document_check = Some(serde_json::to_string(&c).unwrap_or_default());
                }
                Ok(None) => {}
                Err(ApiError::Busy) => busy(state, "submit")?,
                Err(e) => return Err(e),
            }
        }
    }
    match DocumentCheck::from_stored(document_check.as_deref()) {
        Some(c) => refuse(state, &c),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_fields_are_the_rulebooks() {
        let strong: Vec<&str> = Field::ALL.into_iter().filter(|f| is_strong(*f)).map(Field::path).collect();
        assert_eq!(
            strong,
            [
                "individualInfo.firstName",
                "individualInfo.lastName",
                "individualInfo.dob",
                "individualInfo.number",
                "individualInfo.validUntil"
            ]
        );
    }

    #[test]
    fn nothing_read_is_an_empty_check_and_the_stored_json_reads_back() {
        let c = check(&DraftDto::default(), None, 0);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, r#"{"read":"none","matched":[],"mismatched":[],"at":"1970-01-01T00:00:00Z"}"#);
        assert_eq!(DocumentCheck::from_stored(Some(&json)), Some(c));
        assert_eq!(DocumentCheck::from_stored(Some("{")), None);
    }
}
