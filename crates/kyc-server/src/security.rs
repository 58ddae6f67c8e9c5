//! The browser-facing boundary: session tokens, origin checks, CORS, security headers and the
//! trustworthy client IP.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};
use subtle::ConstantTimeEq;

use crate::db::SessionRow;
use crate::error::ApiError;
use crate::AppState;

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

fn bearer(h: &HeaderMap) -> Option<&str> {
    h.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// Resolves the `Authorization: Bearer` session token (constant-time compare, expiry).
pub async fn session(state: &AppState, h: &HeaderMap) -> Result<SessionRow, ApiError> {
    let token = bearer(h).ok_or(ApiError::Unauthorized)?;
    let (id, secret) = token.split_once('.').ok_or(ApiError::Unauthorized)?;
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::Unauthorized);
    }
    let row = state.db.session(id).await?.ok_or(ApiError::Unauthorized)?;
    let presented = Sha256::digest(secret.as_bytes());
    if !bool::from(presented.as_slice().ct_eq(&row.token_hash)) {
        return Err(ApiError::Unauthorized);
    }
    if row.expires_at <= crate::now_secs() {
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
    if row.claimed_at.is_none_or(|at| at + crate::staging::CAPABILITY_TTL_SECS <= crate::now_secs()) {
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

/// Authorisation before a single body byte is read (issue "holds under attack", point 2): the
/// admin key for `POST /v1/sessions` and `/v1/admin/*`, the session token for
/// `/v1/applications…`, `/v1/session`, `/v1/draft`, `/v1/photos/…` and `/v1/handoff` (the
/// resolved session is handed to the handler as an extension), a phone's handoff capability
/// for `/v1/handoff/photos/…` and `/v1/handoff/done` (handed on as a [`Capability`]), and the
/// path secret for the provider's webhook. `/v1/handoff/claim` carries its one-time token in
/// its small body and is authorised by its handler. Handlers read bodies only after this passed.
pub async fn auth_first(State(state): State<AppState>, mut req: Request<Body>, next: Next) -> Response {
    let path = req.uri().path();
    if req.method() == Method::OPTIONS {
        return next.run(req).await;
    }
    if path == "/v1/sessions" {
        if !admin_authorized(&state, req.headers()) {
            tracing::warn!(event = "admin_key_rejected", "session request without a valid admin key");
            return ApiError::Unauthorized.into_response();
        }
    } else if path.starts_with("/v1/admin/") {
        if state.config.admin_key.is_none() || !admin_authorized(&state, req.headers()) {
            tracing::warn!(event = "admin_key_rejected", "admin request without a valid admin key");
            return ApiError::Unauthorized.into_response();
        }
    } else if path == "/v1/applications"
        || path.starts_with("/v1/applications/")
        || path == "/v1/session"
        || path == "/v1/draft"
        || path.starts_with("/v1/photos/")
        || path == "/v1/handoff"
    {
        match session(&state, req.headers()).await {
            Ok(s) => {
                req.extensions_mut().insert(s);
            }
            Err(e) => return e.into_response(),
        }
    } else if path.starts_with("/v1/handoff/photos/") || path == "/v1/handoff/done" {
        match capability(&state, req.headers()).await {
            Ok(c) => {
                req.extensions_mut().insert(c);
            }
            Err(e) => return e.into_response(),
        }
    } else if let Some(secret) = path.strip_prefix("/v1/webhooks/kyc/") {
        if !crate::routes::webhook_secret_ok(&state, secret) {
            tracing::warn!(event = "webhook_bad_secret", "webhook with a wrong path secret");
            return ApiError::NotFound.into_response();
        }
    }
    next.run(req).await
}

/// The origin of a URL (`scheme://host[:port]`).
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

pub fn origin_allowed(state: &AppState, origin: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    origin == origin_of(&state.config.public_base_url) || state.config.allowed_origins.iter().any(|o| o == origin)
}

/// Whether a page origin (`scheme://host[:port]`, as staging::handoff_page makes it) is one the
/// backend allows — the configured partner origins or its own public one — ignoring case, as
/// URLs do for the scheme and host.
pub fn page_origin_allowed(state: &AppState, origin: &str) -> bool {
    let own = origin_of(&state.config.public_base_url);
    std::iter::once(own)
        .chain(state.config.allowed_origins.iter().map(String::as_str))
        .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

/// CORS for allow-listed origins only (never `*`), and 403 for a state-changing request from
/// any other origin (docs/security.md WB-2, WB-3). Also answers preflights.
pub async fn cors_and_origin(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let allowed = origin.as_deref().is_some_and(|o| origin_allowed(&state, o));
    let is_v1 = req.uri().path().starts_with("/v1/") && !req.uri().path().starts_with("/v1/webhooks/");
    if req.method() == Method::OPTIONS && is_v1 {
        let mut resp = if allowed {
            axum::http::StatusCode::NO_CONTENT.into_response()
        } else {
            tracing::warn!(event = "cors_rejected", "preflight from an origin that is not allowed");
            axum::http::StatusCode::FORBIDDEN.into_response()
        };
        if allowed {
            let h = resp.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, DELETE"));
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type, x-photo-source, x-photo-metrics"),
            );
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        }
        add_cors(resp.headers_mut(), origin.as_deref().filter(|_| allowed));
        return resp;
    }
    let state_changing = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if is_v1 && state_changing && origin.is_some() && !allowed {
        tracing::warn!(event = "origin_rejected", "state-changing request from an origin that is not allowed");
        let mut resp = ApiError::Forbidden("this origin is not allowed").into_response();
        add_cors(resp.headers_mut(), None);
        return resp;
    }
    let mut resp = next.run(req).await;
    if is_v1 {
        add_cors(resp.headers_mut(), origin.as_deref().filter(|_| allowed));
    }
    resp
}

fn add_cors(h: &mut HeaderMap, origin: Option<&str>) {
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(v) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
}

/// API responses: not cached, not sniffed, not framed, no referrer (docs/security.md WB-4, WB-5).
pub async fn api_headers(req: Request<Body>, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/v1/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if is_api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    resp
}

/// The end user's IP: the TCP peer, or — only when the peer is a configured trusted proxy —
/// the right-most `X-Forwarded-For` address that is not itself a trusted proxy. Every
/// `X-Forwarded-For` header line counts, joined in order (RFC 9110 §5.3), so a client cannot
/// hide behind a second header line. Lines are read as raw bytes: a hop that is not ASCII (or
/// not an address) is garbage, and garbage to the left of the right-most untrusted hop does not
/// matter; garbage reached while walking left through trusted proxies ends the walk there
/// (it is where trust ends).
pub fn client_ip_addr(state: &AppState, peer: SocketAddr, h: &HeaderMap) -> IpAddr {
    client_ip_from(&state.config.trusted_proxies, peer, h)
}

/// [`client_ip_addr`] for a list of trusted proxies.
pub fn client_ip_from(trusted: &[ipnet::IpNet], peer: SocketAddr, h: &HeaderMap) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    let peer_ip = canonical(peer.ip());
    if !is_trusted(&peer_ip) {
        return peer_ip;
    }
    let lines: Vec<&[u8]> = h.get_all("x-forwarded-for").iter().map(HeaderValue::as_bytes).collect();
    let mut client = peer_ip;
    for hop in lines.iter().rev().flat_map(|l| l.split(|b| *b == b',').rev()) {
        let hop = hop.trim_ascii();
        if hop.is_empty() {
            continue;
        }
        let Some(ip) = std::str::from_utf8(hop).ok().and_then(parse_hop) else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// An `X-Forwarded-For` hop: an IP, possibly `[v6]` or with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    hop.parse::<SocketAddr>().ok().map(|s| canonical(s.ip()))
}

/// IPv4-mapped IPv6 addresses are the IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

pub fn client_ip(state: &AppState, peer: SocketAddr, h: &HeaderMap) -> String {
    client_ip_addr(state, peer, h).to_string()
}

/// The rate-limit key of a client: its IPv4 address, or the /64 of its IPv6 address (one
/// subscriber usually holds a whole /64).
pub fn rate_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// Sessions one partner user may be given per hour (`POST /v1/sessions`, counted in the
/// database so it holds across instances).
pub const SESSIONS_PER_USER_PER_HOUR: u32 = 60;

/// Webhook requests per client per minute (the provider's retries included).
pub const WEBHOOK_RATE_PER_MINUTE: u32 = 600;

/// Counts a hit of each `(key, limit, window_secs)` in its current fixed window — in the
/// database, in one statement, so the limits hold across every instance behind the load
/// balancer — and answers the seconds until a window resets when a limit is exceeded. A database error lets the request
/// through (it will meet the same database in its handler and fail there).
pub async fn limit_hit(state: &AppState, limits: &[(&str, u32, i64)]) -> Result<(), i64> {
    let now = crate::now_secs();
    let keys: Vec<(&str, i64)> = limits.iter().map(|(k, _, w)| (*k, now - now.rem_euclid(*w))).collect();
    match state.db.hit_all(&keys).await {
        Ok(counts) => {
            for ((_, limit, window_secs), ((_, window), n)) in limits.iter().zip(keys.iter().zip(counts)) {
                if n > i64::from(*limit) {
                    return Err(window + window_secs - now);
                }
            }
            Ok(())
        }
        Err(e) => {
            tracing::error!(error = %e, "rate-limit counter unavailable");
            Ok(())
        }
    }
}

/// A fixed one-minute window per client in this instance's memory: the per-client flood brake.
/// It is per instance by choice — a database write on every request cost about a millisecond
/// of the 2 ms overhead budget — so behind N instances a client gets at most N × the configured
/// limit (documented in the README). The limits that guard costly or sensitive work —
/// application attempts per session and per user — are counted in the database and hold
/// exactly across instances (`limit_hit`).
#[derive(Default)]
pub struct RateLimiter {
    windows: std::sync::Mutex<std::collections::HashMap<String, (i64, u32)>>,
}

impl RateLimiter {
    /// `Ok` or the seconds until the window resets.
    pub fn check(&self, key: &str, limit: u32, now_secs: i64) -> Result<(), i64> {
        let minute = now_secs / 60;
        let mut w = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if w.len() > 100_000 {
            w.retain(|_, (m, _)| *m == minute);
        }
        let entry = w.entry(key.to_owned()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        if entry.1 > limit {
            return Err(60 - now_secs % 60);
        }
        Ok(())
    }
}

/// Every `/v1` request counts — status polls included — except CORS preflights; webhooks have
/// a bucket of their own, so a webhook flood cannot lock applicants out and vice versa, and so
/// do requests that carry a valid admin key (the partner's server, `admin_rate_limit_per_minute`).
pub async fn rate_limit(State(state): State<AppState>, mut req: Request<Body>, next: Next) -> Response {
    let path = req.uri().path();
    let partner = path.starts_with("/v1/")
        && !path.starts_with("/v1/webhooks/")
        && state.config.admin_key.is_some()
        && admin_authorized(&state, req.headers());
    let bucket = if !path.starts_with("/v1/") || req.method() == Method::OPTIONS {
        None
    } else if path.starts_with("/v1/webhooks/") {
        Some(("webhook", WEBHOOK_RATE_PER_MINUTE))
    } else if partner {
        // The partner's own server is authenticated first and counted in its own, much larger
        // bucket: visitors behind the same egress IP cannot block session creation.
        Some(("admin", state.config.admin_rate_limit_per_minute))
    } else {
        Some(("api", state.config.rate_limit_per_minute))
    };
    if let Some((name, limit)) = bucket {
        let peer = req.extensions().get::<axum::extract::ConnectInfo<SocketAddr>>().map(|c| c.0);
        if let Some(peer) = peer {
            let key = format!("{name}:{}", rate_key(client_ip_addr(&state, peer, req.headers())));
            if let Err(retry) = state.rate_limiter.check(&key, limit, crate::now_secs()) {
                tracing::warn!(event = "rate_limited", bucket = name, "too many requests from one client");
                let mut resp = ApiError::RateLimited.into_response();
                if let Ok(v) = HeaderValue::from_str(&retry.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return resp;
            }
        }
    }
    if partner {
        req.extensions_mut().insert(PartnerKey);
    }
    next.run(req).await
}

/// Set on a `/v1` request by [`rate_limit`] when it carries a valid admin key (`serve` only):
/// the layers under it read this rather than hash the key again.
#[derive(Clone, Copy, Debug)]
pub struct PartnerKey;

/// `demo` answers only requests whose `Host` names its loopback address or `localhost`
/// (docs/api.md "The programs"): a DNS-rebinding page cannot reach the demo or its sandbox console.
#[derive(Clone)]
pub struct LoopbackHosts {
    port: u16,
    ip: IpAddr,
}

impl LoopbackHosts {
    pub fn new(bound: SocketAddr) -> Self {
        Self { port: bound.port(), ip: bound.ip() }
    }

    pub fn allows(&self, host: &str) -> bool {
        let (name, port) = match host.rsplit_once(':') {
            // `[::1]:8080`, `127.0.0.1:8080`, `localhost:8080`
            Some((n, p)) if !n.is_empty() && (n.ends_with(']') || !n.contains(':')) => (n, Some(p)),
            _ => (host, None),
        };
        if port.is_some_and(|p| p.parse::<u16>().ok() != Some(self.port)) {
            return false;
        }
        let name = name.trim_start_matches('[').trim_end_matches(']');
        name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip == self.ip)
    }
}

pub async fn loopback_host_only(State(hosts): State<LoopbackHosts>, req: Request<Body>, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()));
    if !host.as_deref().is_some_and(|h| hosts.allows(h)) {
        tracing::warn!(event = "host_rejected", "demo request for a host that is not its loopback address");
        return ApiError::Forbidden("the demo answers only its loopback address or localhost").into_response();
    }
    next.run(req).await
}
