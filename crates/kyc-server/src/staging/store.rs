//! Staging as the routes use it (with IO): whether a user's staging is still open, staging a
//! received photo, and opening what is staged — only what a configured data key opens counts.

use serde_json::Value;

use super::{draft_aad, photo_aad};
use crate::db::{StageOutcome, StagedPhoto};
use crate::error::ApiError;
use crate::photo_intake::Received;
use crate::state::AppState;

/// `409 already_submitted` when the user's application is past `draft`.
pub async fn not_submitted(state: &AppState, external_user_id: &str) -> Result<(), ApiError> {
    let app = state.db.application_of_user(external_user_id).await?;
    if app.is_some_and(|a| a.status.is_past_draft()) {
        return Err(ApiError::already_submitted());
    }
    Ok(())
}

/// Seals a received photo and stages it for the user (replacing one of that kind); a phone
/// passes its capability's hash, so a capability that died meanwhile stages nothing (401).
pub async fn stage_photo(
    state: &AppState,
    external_user_id: &str,
    photo: &Received,
    capability: Option<&[u8]>,
) -> Result<(), ApiError> {
    let kind = photo.kind.as_str();
    let sealed = state.config.data_key.seal(&photo_aad(external_user_id, kind), &photo.cleaned.jpeg);
    let now = crate::clock::now_secs();
    match state.db.stage_photo(external_user_id, kind, &sealed, photo.source, now, capability).await? {
        StageOutcome::Written => Ok(()),
        StageOutcome::AlreadySubmitted => Err(ApiError::already_submitted()),
        StageOutcome::CapabilityDead => Err(ApiError::Unauthorized),
    }
}

/// Opens a staged photo. One that does not open (the data key was changed, the row was moved
/// or altered) is treated as absent; the event is logged without any value.
pub fn open_photo(state: &AppState, external_user_id: &str, kind: &str, sealed: &[u8]) -> Option<Vec<u8>> {
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
pub async fn open_draft(state: &AppState, external_user_id: &str) -> Result<Option<Value>, ApiError> {
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
pub async fn listed_photos(state: &AppState, external_user_id: &str) -> Result<Vec<StagedPhoto>, ApiError> {
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
