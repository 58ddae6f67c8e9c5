//! # kyc-server — the partner backend
//!
//! The trust boundary between the browser and the KYC Sharing API. It mints session tokens,
//! re-validates every draft with `kyc-domain` (the same code as the widget), sets the
//! server-only fields, cleans photos, signs and forwards requests, and learns outcomes from
//! webhooks it confirms with a signed query.
//!
//! ## Layout
//! - [`config`]: `serve` configuration (env / TOML, secrets wrapped) and `demo` defaults.
//! - [`db`]: SQLite persistence — sessions, application ↔ `requestNo`, status; no PII at rest.
//! - [`security`]: session tokens, origin checks and CORS, security headers, client IP.
//! - [`upstream`]: the signed, retrying client of the KYC API.
//! - [`photos`]: header check, bounded decode, orientation, re-encode.
//! - [`reports`]: where `amlReport` / `idvReport` come from.
//! - `routes`: the `/v1` handlers, one file per resource.
//! - [`error`]: the one `/v1` error type and its JSON shape.
//!
//! Binaries are thin: [`serve`] takes a bound listener and a shutdown future, so tests run the
//! real app on port 0.

pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod photos;
pub mod reports;
pub mod retention;
mod routes;
pub mod security;
pub mod upstream;

use axum::Router;
use kyc_domain::{Date, Rules};
use reqwest::Method;
use serde_json::json;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

use config::Config;
use db::{ApplicationRow, Db};
use error::ApiError;
use upstream::{Payload, Upstream, UpstreamError};

/// Application statuses as stored and as answered (`creating` is internal).
pub mod status {
    pub const CREATING: &str = "creating";
    pub const DRAFT: &str = "draft";
    pub const REVIEWING: &str = "reviewing";
    pub const APPROVED: &str = "approved";
    pub const REJECTED: &str = "rejected";
}

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub upstream: Upstream,
    /// Photo decodes share one memory budget, fairly (checklist UP-8; photos.rs).
    pub decode_queue: Arc<photos::DecodeQueue>,
    pub rate_limiter: Arc<security::RateLimiter>,
    submit_locks: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    /// One status query per application in flight; the others wait for its answer.
    status_flights: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<i64>>>>>,
    pub webhook_dedup: Arc<routes::WebhookDedup>,
    pub webhook_tx: tokio::sync::mpsc::Sender<String>,
}

impl AppState {
    pub async fn new(config: Config) -> anyhow::Result<Self> {
        let db = Db::connect(&config.database_url).await?;
        let upstream =
            Upstream::new(&config.upstream_base_url, &config.app_key, config.app_secret.clone(), config.signature);
        let (webhook_tx, webhook_rx) = tokio::sync::mpsc::channel(routes::WEBHOOK_QUEUE);
        let state = Self {
            config: Arc::new(config),
            db,
            upstream,
            decode_queue: photos::DecodeQueue::new(photos::DECODE_BUDGET_MIB, photos::MAX_WAITING, photos::QUEUE_WAIT),
            rate_limiter: Arc::default(),
            submit_locks: Arc::default(),
            status_flights: Arc::default(),
            webhook_dedup: Arc::default(),
            webhook_tx,
        };
        routes::spawn_webhook_worker(state.clone(), webhook_rx);
        retention::spawn(state.clone());
        Ok(state)
    }

    /// The rulebook's view of today (UTC) and the configured minimum age.
    pub fn rules(&self) -> Rules {
        let today = Date::from_unix_millis(now_ms()).expect("the clock is within the calendar");
        Rules { today, min_age: self.config.min_age }
    }

    fn submit_lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut m = self.submit_locks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        m.entry(id.to_owned()).or_default().clone()
    }
}

/// The whole HTTP app: `/v1`, health, and in demo the sandbox and the widget's files.
/// Layers, outermost first: request id → security headers → the JSON error shape → CORS and
/// origin → rate limit → authorisation (before any body byte) → a caught panic → the route.
pub fn app(state: AppState, sandbox: Option<kyc_sandbox::Sandbox>) -> Router {
    let mut router = routes::v1().with_state(state.clone());
    if let Some(sb) = sandbox {
        router = router.merge(sb.router());
    }
    if let Some(dir) = &state.config.widget_dir {
        router = router.fallback_service(tower_http::services::ServeDir::new(dir));
    }
    layered(router, state)
}

/// The layer stack of [`app`] around any router (tests put a panicking route under it).
pub fn layered(router: Router, state: AppState) -> Router {
    router
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(http::panic_response))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::auth_first))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::rate_limit))
        .layer(axum::middleware::from_fn_with_state(state, security::cors_and_origin))
        .layer(axum::middleware::from_fn(http::error_shape))
        .layer(axum::middleware::from_fn(security::api_headers))
        .layer(axum::middleware::from_fn(http::request_id_layer))
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains in-flight requests for at
/// most the configured drain time (http.rs).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, app, shutdown, http::Timeouts::default()).await
}

pub use http::serve as serve_with;

/// Confirms an application's status with a signed `queryMerchantKyc` and stores it
/// (final states are sticky). Returns the status now stored.
///
/// Single flight: one query per application is in flight at a time. A caller that arrives
/// while another's query is in flight waits for it and takes its answer (the stored status)
/// instead of asking again; a caller that finds no query in flight asks.
pub async fn confirm_status(state: &AppState, app: &ApplicationRow) -> Result<Option<String>, UpstreamError> {
    let flight = {
        let mut m = state.status_flights.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if m.len() > 10_000 {
            m.retain(|_, f| Arc::strong_count(f) > 1);
        }
        m.entry(app.id.clone()).or_default().clone()
    };
    let arrived = now_ms();
    let mut last_answered = match flight.try_lock() {
        Ok(g) => g,
        Err(_) => {
            let g = flight.lock().await;
            if *g >= arrived {
                // The query we waited for was answered after we arrived: its answer is ours.
                return Ok(state.db.application(&app.id).await.ok().flatten().map(|a| a.status));
            }
            g
        }
    };
    let r = query_status(state, app).await;
    *last_answered = now_ms();
    r
}

async fn query_status(state: &AppState, app: &ApplicationRow) -> Result<Option<String>, UpstreamError> {
    let path = format!("/open/api/kyc/share/queryMerchantKyc/{}", app.request_no);
    let body = kyc_domain::canonical_json(&json!({"requestNo": app.request_no}));
    let model = state.upstream.call(Method::POST, &path, &[], Payload::Json(&body)).await?;
    let upstream_status = model.as_ref().and_then(|m| m.get("kycStatus")).and_then(|s| s.as_str()).unwrap_or_default();
    let to = match upstream_status {
        "reviewing" => status::REVIEWING,
        "approved" => status::APPROVED,
        "rejected" => status::REJECTED,
        _ => return Ok(Some(app.status.clone())),
    };
    let changed = state
        .db
        .transition(&app.id, &[status::DRAFT, status::REVIEWING], to, now_secs())
        .await
        .map_err(|e| UpstreamError::Unavailable(format!("database: {e}")))?;
    if changed {
        tracing::info!(event = "status_changed", status = to, "application status confirmed upstream");
    }
    let stored = state.db.application(&app.id).await.ok().flatten().map(|a| a.status);
    Ok(stored)
}

/// How an upstream failure reaches the widget (and the operator's log).
pub fn upstream_failure(e: &UpstreamError) -> ApiError {
    match e {
        UpstreamError::Auth { code } => {
            tracing::error!(event = "upstream_auth_failed", code, "the KYC API refused our signature or timestamp: check KYC_APP_KEY, KYC_APP_SECRET, KYC_SIGNATURE and the clock");
            ApiError::UpstreamAuth
        }
        UpstreamError::Unavailable(why) => {
            tracing::error!(event = "upstream_unavailable", reason = %why, "the KYC API is unavailable");
            ApiError::UpstreamUnavailable
        }
        UpstreamError::Rejected { code, .. } => {
            tracing::error!(event = "upstream_rejected", code, "the KYC API refused a request");
            ApiError::UpstreamRejected
        }
    }
}

pub fn now_ms() -> i64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

pub fn now_secs() -> i64 {
    now_ms() / 1000
}

pub fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

/// Logging: JSON in `serve`, human-readable otherwise. Never PII: handlers log events and
/// codes, not values.
pub fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { b.json().try_init() } else { b.try_init() };
}
