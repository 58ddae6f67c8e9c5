//! "Continue on a phone" (STAGING.md). The desktop, with its session token, makes a link
//! (`POST /v1/handoff`), follows it (`GET /v1/handoff`) and can end it (`DELETE /v1/handoff`).
//! The phone exchanges the link's one-time token, sent in a small JSON body (never a URL), for
//! a capability (`POST /v1/handoff/claim`) that can only add photos to that one user's staging
//! (`PUT /v1/handoff/photos/{kind}`) and say it is done (`POST /v1/handoff/done`): it reads
//! nothing back.
//!
//! The first claim binds the phone's device id; the same device claiming again gets a fresh
//! capability (the old one dies: a reloaded phone page goes on). Any other device is refused,
//! and as which of the two is the applicant's cannot be told, the handoff then ends (`taken`):
//! the link and the capability die, the photos staged through it are dropped, and the desktop
//! sees the state `taken`.
//! A new link replaces the user's handoff row, so every earlier link and capability dies.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::{Extension, Json};
use kyc_domain::photo::DocumentKind;
use kyc_domain::{HandoffState, HandoffView};
use serde::Deserialize;
use serde_json::Value;
use subtle::ConstantTimeEq;

use kyc_domain::api::{ErrorBody, HandoffClaimed, HandoffCreated, HandoffStatus};
use utoipa::ToSchema;

use crate::auth::Capability;
use crate::db::{HandoffRow, SessionRow};
use crate::error::ApiError;
use crate::photo_intake::receive_photo;
use crate::staging::{self as st, CAPABILITY_TTL_SECS};
use crate::staging::{listed_photos, not_submitted, open_draft, stage_photo};
use crate::state::AppState;
use crate::views::photo_list;

/// `POST /v1/handoff/claim` bodies are tiny: a token and a device id.
pub const CLAIM_LIMIT: usize = 1024;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewHandoff {
    /// The page the phone opens: an `http(s)` URL of an origin the backend allows (or of this
    /// request's own origin), at most 2,000 characters; its fragment is replaced.
    #[schema(format = "uri", max_length = 2000)]
    url: String,
}

/// Makes a link for a phone
///
/// A new link replaces the user's handoff: every earlier link and capability dies.
#[utoipa::path(
    post,
    path = "/v1/handoff",
    operation_id = "createHandoff",
    tag = "applicant",
    security(("sessionToken" = [])),
    request_body = NewHandoff,
    responses(
        (status = 201, description = "The link (the one-time token only in its fragment), as a QR code too.", body = HandoffCreated),
        (status = 400, description = "`bad_request`: malformed JSON, or a `url` that is not a plain http(s) URL of an allowed origin.", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no, a wrong or an expired session token.", body = ErrorBody),
        (status = 409, description = "`already_submitted`: the user's application is past `draft`.", body = ErrorBody),
        (status = 413, description = "`too_large`: a body over 64 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not `application/json`.", body = ErrorBody),
        (status = 429, description = "`session_busy`: another body of this user is in flight; `rate_limited`.", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
    h: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<HandoffCreated>), ApiError> {
    crate::body::require_json(&h)?;
    let req: NewHandoff = crate::body::parse_json(&body)?;
    let (page, origin) = st::handoff_page(&req.url).map_err(ApiError::BadRequest)?;
    // The link must lead to a page of the partner's: an origin the backend allows, or the one
    // this request comes from (which the origin check already let through).
    let own = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()).is_some_and(|o| o.eq_ignore_ascii_case(&origin));
    if !own && !crate::cors::page_origin_allowed(&state, &origin) {
        tracing::warn!(event = "handoff_url_refused", "handoff link for an origin that is not allowed");
        return Err(ApiError::BadRequest("the url's origin is not one this backend allows"));
    }
    not_submitted(&state, &sess.external_user_id).await?;
    let (token, token_hash) = st::new_secret();
    let match_code = st::new_match_code();
    let link = format!("{page}#kyc-handoff={token}");
    let qr_svg =
        st::qr_svg(&link).ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the link does not fit a QR code")))?;
    let now = crate::clock::now_secs();
    let expires_at = now + state.config.handoff_ttl_secs;
    if !state.db.create_handoff(&sess.external_user_id, &token_hash, &match_code, now, expires_at).await? {
        return Err(ApiError::already_submitted());
    }
    tracing::info!(event = "handoff_created", "a link for a phone was made");
    Ok((
        StatusCode::CREATED,
        Json(HandoffCreated { link, qr_svg, match_code, expires_at: crate::clock::rfc3339(expires_at) }),
    ))
}

/// What the desktop sees: the state (`expired` computed from the times; `taken` when a second
/// device claimed the link), the match code, until when the link (waiting) or the capability
/// (connected, done) works, and every staged photo.
#[utoipa::path(
    get,
    path = "/v1/handoff",
    operation_id = "getHandoff",
    tag = "applicant",
    summary = "What the desktop sees of its handoff",
    description = "The state (`expired` computed from the times, `taken` when a second device claimed the link), the match code, until when the link or the capability works, and every staged photo.",
    security(("sessionToken" = [])),
    responses(
        (status = 200, description = "The handoff (`state: none` when there is none).", body = HandoffStatus),
        (status = 401, description = "`unauthorized`: no, a wrong or an expired session token.", body = ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
) -> Result<Json<HandoffStatus>, ApiError> {
    let photos = photo_list(&listed_photos(&state, &sess.external_user_id).await?);
    let Some(row) = state.db.handoff_of_user(&sess.external_user_id).await? else {
        return Ok(Json(HandoffStatus {
            state: HandoffView::None.as_str().to_owned(),
            match_code: None,
            expires_at: None,
            photos,
        }));
    };
    let (shown, expires_at) = visible(&row, crate::clock::now_secs());
    Ok(Json(HandoffStatus {
        state: shown.as_str().to_owned(),
        match_code: Some(row.match_code),
        expires_at: Some(crate::clock::rfc3339(expires_at)),
        photos,
    }))
}

/// The state shown and the expiry that matters in it.
fn visible(row: &HandoffRow, now: i64) -> (HandoffView, i64) {
    let capability_until = row.claimed_at.map_or(row.expires_at, |at| at + CAPABILITY_TTL_SECS);
    match row.state {
        HandoffState::Waiting if row.expires_at <= now => (HandoffView::Expired, row.expires_at),
        HandoffState::Connected if capability_until <= now => (HandoffView::Expired, capability_until),
        s @ (HandoffState::Connected | HandoffState::Done) => (s.into(), capability_until),
        s @ (HandoffState::Waiting | HandoffState::Taken | HandoffState::Cancelled) => (s.into(), row.expires_at),
    }
}

/// The link and the phone's capability stop working at once.
#[utoipa::path(
    delete,
    path = "/v1/handoff",
    operation_id = "cancelHandoff",
    tag = "applicant",
    summary = "Ends the handoff",
    security(("sessionToken" = [])),
    responses(
        (status = 204, description = "The link and the phone's capability stop working."),
        (status = 401, description = "`unauthorized`: no, a wrong or an expired session token.", body = ErrorBody),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(sess): Extension<SessionRow>,
) -> Result<StatusCode, ApiError> {
    state.db.cancel_handoff(&sess.external_user_id).await?;
    tracing::info!(event = "handoff_cancelled", "the link for a phone was ended");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Claim {
    /// The one-time token of the link's fragment (`#kyc-handoff=<token>`).
    token: String,
    /// The phone's device id: 32-64 hex characters it keeps.
    #[schema(pattern = "^[0-9A-Fa-f]{32,64}$")]
    device: String,
}

/// Whether a handoff's link can still be claimed at `now` (neither cancelled nor taken).
fn claimable(row: &HandoffRow, now: i64) -> bool {
    row.state.is_open() && row.expires_at > now
}

/// A phone claims its link
///
/// The first claim binds the device; the same device claiming again gets a fresh capability. Any
/// other device ends the handoff (`taken`).
#[utoipa::path(
    post,
    path = "/v1/handoff/claim",
    operation_id = "claimHandoff",
    tag = "phone",
    request_body(content = Claim, description = "At most 1 KiB; the token travels in the body, never in a URL."),
    responses(
        (status = 200, description = "The phone's capability and what it shows.", body = HandoffClaimed),
        (status = 400, description = "`bad_request`: malformed JSON, an unknown field, or a device id of another shape.", body = ErrorBody),
        (status = 404, description = "`handoff_invalid`: the link is unknown, cancelled, replaced or expired.", body = ErrorBody),
        (status = 409, description = "`handoff_other_device`: another device claimed the link; the handoff has ended.", body = ErrorBody),
        (status = 413, description = "`too_large`: a body over 1 KiB.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not `application/json`.", body = ErrorBody),
    )
)]
pub async fn claim(State(state): State<AppState>, h: HeaderMap, body: Body) -> Result<Json<HandoffClaimed>, ApiError> {
    crate::body::require_json(&h)?;
    // Nothing authorised this request yet: a declared length over the limit is refused before
    // a byte is read, and at most CLAIM_LIMIT bytes are ever read.
    let body = crate::body::read_capped(&h, body, CLAIM_LIMIT as u64).await?;
    let req: Claim = crate::body::parse_json(&body)?;
    let device = st::device_hash(&req.device).ok_or(ApiError::BadRequest("device must be 32-64 hex characters"))?;
    if !st::is_secret_shaped(&req.token) {
        return Err(ApiError::HandoffInvalid);
    }
    let token_hash = st::secret_hash(&req.token);
    let now = crate::clock::now_secs();
    // Looked up by its hash (timing can only tell about hashes), then compared in constant time.
    let found = state.db.handoff_by_token(&token_hash).await?;
    let row = found
        .filter(|r| bool::from(r.token_hash.as_slice().ct_eq(&token_hash)) && claimable(r, now))
        .ok_or(ApiError::HandoffInvalid)?;
    let (capability, capability_hash) = st::new_secret();
    let bound = row.device_hash.is_none() && state.db.bind_handoff(&token_hash, &device, &capability_hash, now).await?;
    if !bound {
        // Bound already, perhaps a moment ago by another phone: read it again.
        let row = state
            .db
            .handoff_by_token(&token_hash)
            .await?
            .filter(|r| claimable(r, now))
            .ok_or(ApiError::HandoffInvalid)?;
        let same = row.device_hash.as_deref().is_some_and(|d| bool::from(d.ct_eq(device.as_slice())));
        if !same {
            // Which of the two is the applicant's phone cannot be told (a link that leaked may
            // have been opened by a stranger first): the handoff ends for both, what its phone
            // staged is dropped, and the desktop is told to make a new link.
            let ended = state.db.take_handoff(&row.external_user_id, &token_hash).await?;
            tracing::warn!(event = "handoff_other_device", ended, "a link was claimed by a second device; ended");
            return Err(ApiError::handoff_other_device());
        }
        if !state.db.reclaim_handoff(&token_hash, &device, &capability_hash, now).await? {
            return Err(ApiError::HandoffInvalid);
        }
    }
    tracing::info!(event = "handoff_claimed", again = !bound, "a phone claimed its link");
    let user = &row.external_user_id;
    let photos: Vec<String> = listed_photos(&state, user).await?.into_iter().map(|p| p.kind).collect();
    Ok(Json(HandoffClaimed {
        capability,
        match_code: row.match_code.clone(),
        expires_at: crate::clock::rfc3339(now + CAPABILITY_TTL_SECS),
        shape: shape(open_draft(&state, user).await?.as_ref()).to_owned(),
        photos,
    }))
}

/// `passport` when the staged draft says the document is a passport (`idDocType` 2), else
/// `card`: the phone frames the document it will photograph.
fn shape(staged: Option<&Value>) -> &'static str {
    let doc_type = staged.map(|s| &s["draft"]["individualInfo"]["idDocType"]);
    let passport = doc_type.is_some_and(|t| t.as_str().map(str::trim) == Some("2") || t.as_i64() == Some(2));
    if passport {
        "passport"
    } else {
        "card"
    }
}

/// The phone stages a photo
#[utoipa::path(
    put,
    path = "/v1/handoff/photos/{kind}",
    operation_id = "putHandoffPhoto",
    tag = "phone",
    description = "As `PUT /v1/photos/{kind}`, into the staging of the user whose link the phone claimed.",
    security(("handoffCapability" = [])),
    params(("kind" = DocumentKind, Path, description = "The photo slot."), crate::photo_intake::PhotoHeaders),
    request_body(
        description = "The photo's bytes: JPEG or PNG, at most 5,000,000 bytes.",
        content(("image/jpeg"), ("image/png")),
    ),
    responses(
        (status = 204, description = "Cleaned and staged."),
        (status = 400, description = "`bad_request`: the body could not be read.", body = ErrorBody),
        (status = 401, description = "`unauthorized`: no, a wrong or an expired or dead capability.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such photo slot.", body = ErrorBody),
        (status = 409, description = "`already_submitted`: the user's application is past `draft`.", body = ErrorBody),
        (status = 413, description = "`too_large`: more than 5,000,000 bytes.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not a JPEG or PNG.", body = ErrorBody),
        (status = 422, description = "`validation_failed`, field `documents.<kind>`: `unreadable_image`, `image_too_small`, `image_too_large`, `image_too_dark`, `image_too_blurry`, ….", body = ErrorBody),
        (status = 429, description = "`session_busy` / `uploads_busy`: another photo of this user, or too many from this network, in flight (`Retry-After`); `rate_limited`.", body = ErrorBody),
        (status = 503, description = "`busy`: the photo queue is full (`Retry-After`).", body = ErrorBody),
    )
)]
pub async fn put_photo(
    State(state): State<AppState>,
    Extension(cap): Extension<Capability>,
    Path(kind): Path<String>,
    h: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let kind = DocumentKind::parse(&kind).ok_or(ApiError::NotFound)?;
    not_submitted(&state, &cap.external_user_id).await?;
    // The phone shares its person's place in the decode queue (intake.rs, photos.rs).
    let photo = receive_photo(&state, &cap.external_user_id, kind, &h, body).await?;
    stage_photo(&state, &cap.external_user_id, &photo, Some(&cap.hash)).await?;
    photo.log("photo_staged", "photo from a phone cleaned and staged");
    Ok(StatusCode::NO_CONTENT)
}

/// The phone is done: the desktop sees `state: "done"`.
#[utoipa::path(
    post,
    path = "/v1/handoff/done",
    operation_id = "finishHandoff",
    tag = "phone",
    summary = "The phone is done",
    security(("handoffCapability" = [])),
    responses(
        (status = 204, description = "The desktop now sees `state: done`."),
        (status = 401, description = "`unauthorized`: no, a wrong or a dead capability.", body = ErrorBody),
    )
)]
pub async fn done(
    State(state): State<AppState>,
    Extension(cap): Extension<Capability>,
) -> Result<StatusCode, ApiError> {
    if !state.db.handoff_done(&cap.hash, crate::clock::now_secs()).await? {
        return Err(ApiError::Unauthorized);
    }
    tracing::info!(event = "handoff_done", "the phone is done");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(state: HandoffState, expires_at: i64, claimed_at: Option<i64>) -> HandoffRow {
        HandoffRow {
            external_user_id: "u".into(),
            token_hash: vec![],
            match_code: "ABC-234".into(),
            device_hash: None,
            capability_hash: None,
            state,
            created_at: 0,
            expires_at,
            claimed_at,
        }
    }

    #[test]
    fn expiry_is_shown_from_the_times() {
        assert_eq!(visible(&row(HandoffState::Waiting, 100, None), 99), (HandoffView::Waiting, 100));
        assert_eq!(visible(&row(HandoffState::Waiting, 100, None), 100), (HandoffView::Expired, 100));
        assert_eq!(
            visible(&row(HandoffState::Connected, 100, Some(50)), 500),
            (HandoffView::Connected, 50 + CAPABILITY_TTL_SECS)
        );
        assert_eq!(
            visible(&row(HandoffState::Connected, 100, Some(50)), 50 + CAPABILITY_TTL_SECS).0,
            HandoffView::Expired
        );
        assert_eq!(visible(&row(HandoffState::Done, 100, Some(50)), 10_000).0, HandoffView::Done);
        assert_eq!(visible(&row(HandoffState::Cancelled, 100, None), 0).0, HandoffView::Cancelled);
        assert_eq!(visible(&row(HandoffState::Taken, 100, Some(50)), 60).0, HandoffView::Taken);
        assert_eq!(visible(&row(HandoffState::Taken, 100, Some(50)), 10_000).0, HandoffView::Taken);
    }

    #[test]
    fn the_phone_frames_a_passport_only_when_the_draft_says_so() {
        let staged = |t: Value| json!({"draft": {"individualInfo": {"idDocType": t}}});
        assert_eq!(shape(Some(&staged(json!("2")))), "passport");
        assert_eq!(shape(Some(&staged(json!(2)))), "passport");
        assert_eq!(shape(Some(&staged(json!("1")))), "card");
        assert_eq!(shape(Some(&json!({"draft": {}}))), "card");
        assert_eq!(shape(None), "card");
    }
}
