//! Who may call what. Each route group of `routes/mod.rs` carries one of the guards below as
//! its `route_layer`, so the route table is the authorisation table, and every guard runs
//! before a single body byte is read (the body budget of intake.rs runs under it):
//! - [`partner`]: the admin key (`POST /v1/sessions`; any caller in `demo`, which has none);
//! - [`admin`]: the admin key, which must be configured (`/v1/admin/*`, and `/metrics` unless it
//!   has a listener of its own);
//! - [`session_token`]: an applicant's session token, handed to the handler as a [`SessionRow`];
//! - [`session_token_or_body`]: the same token, from the header or else from the small body
//!   (`POST /v1/diagnostics`, also sent as a beacon);
//! - [`handoff_capability`]: a phone's handoff capability, handed on as a [`Capability`].
//!
//! The provider's webhook is guarded by its path secret (routes/webhook.rs), and
//! `/v1/handoff/claim` by the one-time token in its small body. A token-less
//! `POST /v1/diagnostics` is the one request whose body (at most 8 KiB, under the body budget)
//! is read before its credential is known.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::db::{ApplicationRow, SessionRow};
use crate::error::ApiError;
use crate::state::AppState;
use kyc_domain::ApplicationStatus;

/// Session tokens live at most this long (docs/api.md: ≤ 60 minutes).
pub const SESSION_TTL_SECS: i64 = 30 * 60;

/// A new token `<session id>.<secret>`: 128-bit id and 256-bit secret from the OS CSPRNG.
/// Only SHA-256 of the secret is stored.
pub fn new_token() -> (String, String, Vec<u8>) {
    let id = crate::random::hex(16);
    let secret = crate::random::hex(32);
    let hash = Sha256::digest(secret.as_bytes()).to_vec();
    (format!("{id}.{secret}"), id, hash)
}

/// The `Authorization: Bearer` credential, if the request carries one.
pub fn bearer(h: &HeaderMap) -> Option<&str> {
    h.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// Resolves the `Authorization: Bearer` session token (constant-time compare, expiry).
pub async fn session(state: &AppState, h: &HeaderMap) -> Result<SessionRow, ApiError> {
    session_of_token(state, bearer(h).ok_or(ApiError::Unauthorized)?).await
}

/// Resolves a session token however it came — the header ([`session`]) or, for
/// `POST /v1/diagnostics` sent as a beacon, its body: constant-time compare of the secret's
/// SHA-256, expiry. Every failure is the same 401.
pub async fn session_of_token(state: &AppState, token: &str) -> Result<SessionRow, ApiError> {
    let (id, secret) = token.split_once('.').ok_or(ApiError::Unauthorized)?;
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::Unauthorized);
    }
    let row = state.db.session(id).await?.ok_or(ApiError::Unauthorized)?;
    let presented = Sha256::digest(secret.as_bytes());
    if !bool::from(presented.as_slice().ct_eq(&row.token_hash)) {
        return Err(ApiError::Unauthorized);
    }
    if row.expires_at <= crate::clock::now_secs() {
        return Err(ApiError::Unauthorized);
    }
    Ok(row)
}

/// A phone's handoff capability, resolved (STAGING.md): it can add photos to this one user's
/// staging and say it is done — nothing else, and it reads nothing back. `Debug` shows no
/// values.
#[derive(Clone)]
pub struct Capability {
    pub external_user_id: String,
    /// SHA-256 of the capability: later writes check it is still alive.
    pub hash: Vec<u8>,
}

impl std::fmt::Debug for Capability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Capability([REDACTED])")
    }
}

/// Resolves the `Authorization: Bearer` handoff capability: known (by its SHA-256, compared in
/// constant time), of a handoff neither cancelled nor replaced, at most 30 minutes after its
/// claim. Every failure is the same 401.
pub async fn capability(state: &AppState, h: &HeaderMap) -> Result<Capability, ApiError> {
    let presented = bearer(h).ok_or(ApiError::Unauthorized)?;
    if !crate::staging::is_secret_shaped(presented) {
        return Err(ApiError::Unauthorized);
    }
    let hash = crate::staging::secret_hash(presented);
    // Looked up by its hash: timing can only tell about hashes, which reveal nothing of a secret.
    let row = state.db.handoff_by_capability(&hash).await?.ok_or(ApiError::Unauthorized)?;
    let stored = row.capability_hash.as_deref().unwrap_or_default();
    if !bool::from(hash.as_slice().ct_eq(stored)) || !row.state.is_claimed() {
        return Err(ApiError::Unauthorized);
    }
    if row.claimed_at.is_none_or(|at| at + crate::staging::CAPABILITY_TTL_SECS <= crate::clock::now_secs()) {
        return Err(ApiError::Unauthorized);
    }
    Ok(Capability { external_user_id: row.external_user_id, hash })
}

/// Constant-time check of a configured secret (admin key, webhook path secret).
pub fn secret_matches(presented: &str, expected: &str) -> bool {
    let (a, b) = (Sha256::digest(presented.as_bytes()), Sha256::digest(expected.as_bytes()));
    bool::from(a.as_slice().ct_eq(b.as_slice()))
}

pub fn admin_authorized(state: &AppState, h: &HeaderMap) -> bool {
    use secrecy::ExposeSecret;
    match &state.config.admin_key {
        None => true, // demo mode only
        Some(k) => bearer(h).is_some_and(|t| secret_matches(t, k.expose_secret())),
    }
}

/// Set on a `/v1` request (or `/metrics`) by [`crate::rate_limit::rate_limit`] when it carries a
/// valid admin key (`serve` only): the layers under it — the guards [`partner`] and [`admin`],
/// the body budget — read this rather than hash the key again.
#[derive(Clone, Copy, Debug)]
pub struct PartnerKey;

/// Whether the rate-limit layer (over every route group) found a valid admin key on `req`: the
/// key is checked once per request. Without that layer nothing carries the mark, so a guard
/// that reads it refuses.
fn has_partner_key(req: &Request<Body>) -> bool {
    req.extensions().get::<PartnerKey>().is_some()
}

/// Guard of `POST /v1/sessions`: the partner's server, by its admin key (in `demo`, which has
/// no admin key, anyone on the loopback address).
pub async fn partner(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    if state.config.admin_key.is_some() && !has_partner_key(&req) {
        tracing::warn!(event = "admin_key_rejected", "session request without a valid admin key");
        return ApiError::Unauthorized.into_response();
    }
    next.run(req).await
}

/// Guard of `/v1/admin/*` and `/metrics`: the admin key, which must be configured (never open,
/// not even in `demo`).
pub async fn admin(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    if state.config.admin_key.is_none() || !has_partner_key(&req) {
        tracing::warn!(event = "admin_key_rejected", "admin request without a valid admin key");
        return ApiError::Unauthorized.into_response();
    }
    next.run(req).await
}

/// Guard of an applicant's routes: the session token, resolved and handed to the handler (and
/// to the body budget) as a [`SessionRow`] extension.
pub async fn session_token(State(state): State<AppState>, mut req: Request<Body>, next: Next) -> Response {
    match session(&state, req.headers()).await {
        Ok(s) => {
            req.extensions_mut().insert(s);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

/// Guard of `POST /v1/diagnostics`, whose token may also ride in its body (a
/// `navigator.sendBeacon` cannot set a header): a header token is resolved here, before the
/// body, exactly as [`session_token`] does (401 when it does not resolve) and handed on as a
/// [`SessionRow`]; a request without one goes on to the handler, which reads the small body
/// (at most `kyc_domain::diagnostics::MAX_BYTES`) and resolves the token in it
/// ([`session_of_token`]) or answers 401.
pub async fn session_token_or_body(State(state): State<AppState>, mut req: Request<Body>, next: Next) -> Response {
    if req.headers().contains_key(header::AUTHORIZATION) {
        match session(&state, req.headers()).await {
            Ok(s) => {
                req.extensions_mut().insert(s);
            }
            Err(e) => return e.into_response(),
        }
    }
    next.run(req).await
}

/// Guard of a phone's routes: the handoff capability, resolved and handed on as a [`Capability`].
pub async fn handoff_capability(State(state): State<AppState>, mut req: Request<Body>, next: Next) -> Response {
    match capability(&state, req.headers()).await {
        Ok(c) => {
            req.extensions_mut().insert(c);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

/// Loads an application and checks it belongs to the caller's user (403 otherwise).
pub async fn owned(state: &AppState, sess: &SessionRow, id: &str) -> Result<ApplicationRow, ApiError> {
    let app = state.db.application(id).await?.ok_or(ApiError::NotFound)?;
    if app.external_user_id != sess.external_user_id {
        return Err(ApiError::Forbidden("this application belongs to another user"));
    }
    if app.status == ApplicationStatus::Creating {
        return Err(ApiError::NotFound);
    }
    Ok(app)
}
