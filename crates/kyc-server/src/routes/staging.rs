//! Staging (STAGING.md), with the session token: `PUT /v1/draft` and `DELETE /v1/draft`,
//! `PUT /v1/photos/{kind}` and `GET /v1/photos/{kind}`, and what `GET /v1/session` shows as
//! `staged`. Everything staged is sealed with `KYC_DATA_KEY` before it reaches the database
//! (crate::staging) and belongs to the partner's user, so a new session for the same user —
//! a reload, a new token, a crashed tab — continues where the person was.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Extension;
use kyc_domain::photo::DocumentKind;
use kyc_domain::DraftDto;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::documents::{receive_photo, Received};
use crate::db::{SessionRow, Staged, StagedPhoto};
use crate::error::ApiError;
use crate::staging::{draft_aad, photo_aad};
use crate::AppState;

/// The step the person was on.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Step {
    Personal,
    Document,
    Address,
    Photos,
    Review,
}

/// The body of `PUT /v1/draft`, and what is sealed. The draft must have the shape of
/// `POST /v1/applications` with every field optional ([`DraftDto`]); unknown fields — the
/// server-set ones (`requestNo`, `callbackUrl`, …) included — are refused (a 400), so nothing
/// but the typed values is ever staged. No rulebook verdict: a partial draft is fine. It is
/// kept as the JSON that passed that check, so it comes back exactly as typed.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StagedDraft {
    step: Step,
    #[serde(default)]
    no_expiry: bool,
    draft: Value,
}

pub async fn put_draft(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    h: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    super::require_json(&h)?;
    let staged: StagedDraft = super::parse_json(&body)?;
    let draft = serde_json::to_vec(&staged.draft).map_err(|e| ApiError::Internal(e.into()))?;
    super::parse_json::<DraftDto>(&draft)?;
    // What is sealed is the body as parsed and checked, never the raw bytes.
    let plain = serde_json::to_vec(&staged).map_err(|e| ApiError::Internal(e.into()))?;
    let sealed = state.config.data_key.seal(&draft_aad(&sess.external_user_id), &plain);
    match state.db.stage_draft(&sess.external_user_id, &sealed, crate::now_secs()).await? {
        Staged::Written => Ok(StatusCode::NO_CONTENT),
        _ => Err(ApiError::already_submitted()),
    }
}

/// The person left: the draft, the staged photos and any handoff of the user are gone.
pub async fn delete_draft(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
) -> Result<StatusCode, ApiError> {
    state.db.delete_staging(&sess.external_user_id).await?;
    tracing::info!(event = "staging_deleted", "staged draft, photos and handoff deleted");
    Ok(StatusCode::NO_CONTENT)
}

pub async fn put_photo(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    Path(kind): Path<String>,
    h: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let kind = DocumentKind::parse(&kind).ok_or(ApiError::NotFound)?;
    // Refused before the body is read and decoded (the write checks again, atomically).
    not_submitted(&state, &sess.external_user_id).await?;
    let photo = receive_photo(&state, &sess.external_user_id, kind, &h, body).await?;
    stage_photo(&state, &sess.external_user_id, &photo, None).await?;
    photo.log("photo_staged", "photo cleaned and staged");
    Ok(StatusCode::NO_CONTENT)
}

/// The cleaned staged photo, for the widget's preview.
pub async fn get_photo(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    Path(kind): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let kind = DocumentKind::parse(&kind).ok_or(ApiError::NotFound)?;
    let (_, sealed) = state.db.staged_photo(&sess.external_user_id, kind.as_str()).await?.ok_or(ApiError::NotFound)?;
    let jpeg = open_photo(&state, &sess.external_user_id, kind.as_str(), &sealed).ok_or(ApiError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "no-store")], jpeg))
}

/// `409 already_submitted` when the user's application is past `draft`.
pub(crate) async fn not_submitted(state: &AppState, external_user_id: &str) -> Result<(), ApiError> {
    let app = state.db.application_of_user(external_user_id).await?;
    if app.is_some_and(|a| a.status.is_past_draft()) {
        return Err(ApiError::already_submitted());
    }
    Ok(())
}

/// Seals a received photo and stages it for the user (replacing one of that kind); a phone
/// passes its capability's hash, so a capability that died meanwhile stages nothing (401).
pub(crate) async fn stage_photo(
    state: &AppState,
    external_user_id: &str,
    photo: &Received,
    capability: Option<&[u8]>,
) -> Result<(), ApiError> {
    let kind = photo.kind.as_str();
    let sealed = state.config.data_key.seal(&photo_aad(external_user_id, kind), &photo.cleaned.jpeg);
    let now = crate::now_secs();
    match state.db.stage_photo(external_user_id, kind, &sealed, photo.source, now, capability).await? {
        Staged::Written => Ok(()),
        Staged::AlreadySubmitted => Err(ApiError::already_submitted()),
        Staged::CapabilityDead => Err(ApiError::Unauthorized),
    }
}

/// Opens a staged photo. One that does not open (the data key was changed, the row was moved
/// or altered) is treated as absent; the event is logged without any value.
pub(crate) fn open_photo(state: &AppState, external_user_id: &str, kind: &str, sealed: &[u8]) -> Option<Vec<u8>> {
    let jpeg = state.config.data_key.open(&photo_aad(external_user_id, kind), sealed);
    if jpeg.is_none() {
        tracing::warn!(
            event = "staged_unreadable",
            what = "photo",
            kind,
            "a staged photo does not open with the data key"
        );
    }
    jpeg
}

/// The user's staged draft as staged (`{"step", "noExpiry", "draft"}`), if there is one that opens.
pub(crate) async fn open_draft(state: &AppState, external_user_id: &str) -> Result<Option<Value>, ApiError> {
    let Some(sealed) = state.db.staged_draft(external_user_id).await? else { return Ok(None) };
    let opened = state.config.data_key.open(&draft_aad(external_user_id), &sealed);
    let parsed = opened.and_then(|plain| serde_json::from_slice::<Value>(&plain).ok());
    if parsed.is_none() {
        tracing::warn!(event = "staged_unreadable", what = "draft", "a staged draft does not open with the data key");
    }
    Ok(parsed)
}

/// The user's staged photos a configured data key opens, by the key id stored beside each
/// (`KYC_DATA_KEY`, or `KYC_DATA_KEY_PREVIOUS` during a rotation): one sealed under a key no
/// longer configured is neither listed nor counted, as it could not be shown nor forwarded.
/// The event is logged without any value.
pub(crate) async fn listed_photos(state: &AppState, external_user_id: &str) -> Result<Vec<StagedPhoto>, ApiError> {
    let mut photos = state.db.staged_photos(external_user_id).await?;
    photos.retain(|p| {
        let opens = p.key_id.as_deref().is_some_and(|id| state.config.data_key.knows(id));
        if !opens {
            tracing::warn!(
                event = "staged_unreadable",
                what = "photo",
                kind = p.kind.as_str(),
                "a staged photo was sealed with a key that is not configured; not listed"
            );
        }
        opens
    });
    Ok(photos)
}

/// `[{"kind", "source", "uploadedAt"}]`.
pub(crate) fn photo_list(photos: &[StagedPhoto]) -> Vec<Value> {
    photos
        .iter()
        .map(|p| json!({"kind": p.kind, "source": p.source, "uploadedAt": crate::rfc3339(p.uploaded_at)}))
        .collect()
}

/// `staged` of `GET /v1/session`: `null` when nothing is staged, else the step, `noExpiry`, the
/// draft as typed and the staged photos. Photos staged without a draft (a phone was quicker
/// than the first save) answer `step: null` and an empty draft. Only what opens counts: a
/// draft or photo sealed under a key no longer configured neither shows nor makes `staged`
/// non-null.
pub(crate) async fn staged_view(state: &AppState, external_user_id: &str) -> Result<Value, ApiError> {
    let photos = listed_photos(state, external_user_id).await?;
    let draft = open_draft(state, external_user_id).await?;
    if draft.is_none() && photos.is_empty() {
        return Ok(Value::Null);
    }
    let (step, no_expiry, draft) = match draft {
        Some(mut d) => (d["step"].take(), d["noExpiry"].take(), d["draft"].take()),
        None => (Value::Null, json!(false), json!({})),
    };
    Ok(json!({"step": step, "noExpiry": no_expiry, "draft": draft, "photos": photo_list(&photos)}))
}
