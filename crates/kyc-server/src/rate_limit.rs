//! Rate limits: the per-client flood brake of this instance (a layer over every `/v1`
//! request, with buckets for the provider's webhooks and for the partner's admin key), and the
//! limits counted in the database that hold across instances.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use crate::auth::{admin_authorized, PartnerKey};
use crate::client_ip::{client_ip_from, rate_key};
use crate::error::ApiError;
use crate::state::AppState;

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
    let now = crate::clock::now_secs();
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

/// Diagnostics traces one session may send per [`DIAGNOSTICS_WINDOW_SECS`]
/// (`POST /v1/diagnostics`; the widget sends one on a notable event and one as the page goes).
pub const DIAGNOSTICS_PER_WINDOW: u32 = 30;
/// The window of [`DIAGNOSTICS_PER_WINDOW`]: ten minutes (a fixed window, counted in the
/// database by [`limit_hit`]).
pub const DIAGNOSTICS_WINDOW_SECS: i64 = 600;

/// Every `/v1` request counts — status polls included — except CORS preflights; webhooks have
/// a bucket of their own, so a webhook flood cannot lock applicants out and vice versa, and so
/// do requests that carry a valid admin key (the partner's server, `admin_rate_limit_per_minute`).
/// `/metrics` on this listener is behind the admin key too, so its key is checked (and marked)
/// here as well; like `/healthz` it is in no bucket.
pub async fn rate_limit(State(state): State<AppState>, mut req: Request<Body>, next: Next) -> Response {
    let path = req.uri().path();
    let partner = ((path.starts_with("/v1/") && !path.starts_with("/v1/webhooks/")) || path == "/metrics")
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
            let key =
                format!("{name}:{}", rate_key(client_ip_from(&state.config.trusted_proxies, peer, req.headers())));
            if let Err(retry) = state.rate_limiter.check(&key, limit, crate::clock::now_secs()) {
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

/// A webhook `(requestNo, kycStatus)` seen again within this many seconds is dropped.
pub const DEDUP_WINDOW_SECS: i64 = 60;

/// `(requestNo, kycStatus)` → when it was last accepted.
#[derive(Default)]
pub struct WebhookDedup(Mutex<HashMap<(String, String), i64>>);

impl WebhookDedup {
    /// `true` when this pair was not seen within the window (and records it).
    pub fn first_in_window(&self, request_no: &str, status: &str, now: i64) -> bool {
        let mut m = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if m.len() > 10_000 {
            m.retain(|_, at| now - *at < DEDUP_WINDOW_SECS);
        }
        let key = (request_no.to_owned(), status.to_owned());
        match m.get(&key) {
            Some(at) if now - *at < DEDUP_WINDOW_SECS => false,
            _ => {
                m.insert(key, now);
                true
            }
        }
    }

    /// Forgets a pair, so the provider's retry of a webhook we could not take is not dropped.
    pub fn forget(&self, request_no: &str, status: &str) {
        let mut m = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        m.remove(&(request_no.to_owned(), status.to_owned()));
    }
}
