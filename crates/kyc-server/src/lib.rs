//! # kyc-server — the partner backend
//!
//! The trust boundary between the browser and the KYC Sharing API. It mints session tokens,
//! re-validates every draft with `kyc-domain` (the same code as the widget), sets the
//! server-only fields, cleans photos, signs and forwards requests, and learns outcomes from
//! webhooks it confirms with a signed query.
//!
//! ## Layout
//! - [`config`]: `serve` configuration (env / TOML, secrets wrapped) and `demo` defaults.
//! - [`db`]: SQLite / PostgreSQL persistence — sessions, application ↔ `requestNo`, status,
//!   staged data (sealed only); no PII in the clear at rest.
//! - [`security`]: session tokens, origin checks and CORS, security headers, client IP.
//! - [`upstream`]: the signed, retrying client of the KYC API.
//! - [`photos`]: header check, bounded decode, orientation, re-encode.
//! - [`intake`]: the byte budget of request bodies in flight and the upload places per person
//!   and per client IP.
//! - [`random`]: the server's own randomness (ids, tokens, secrets), from the OS CSPRNG.
//! - [`reports`]: where `amlReport` / `idvReport` come from.
//! - [`staging`]: an applicant's unsubmitted data sealed at rest, and the phone handoff's
//!   secrets, match code and QR code (STAGING.md).
//! - `routes`: the `/v1` handlers, one file per resource.
//! - [`error`]: the one `/v1` error type and its JSON shape.
//!
//! Binaries are thin: [`serve`] takes a bound listener and a shutdown future, so tests run the
//! real app on port 0.

// A panic in a handler is caught and answered 500 (http.rs): the server must unwind. The
// workspace's release profile aborts (it is the browser's size profile); the server is built
// with the `server` profile. Built with `panic = "abort"`, it does not compile at all.
#[cfg(panic = "abort")]
compile_error!("kyc-server must be built with panic = \"unwind\" (use `--profile server`, not `--release`)");

pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod intake;
pub mod photos;
pub mod random;
pub mod reports;
pub mod retention;
mod routes;
pub mod security;
pub mod staging;
pub mod upstream;
pub mod work;

use axum::Router;
use kyc_domain::{Date, Rules};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

use config::Config;
use db::Db;
use error::ApiError;
use upstream::{Upstream, UpstreamError};

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub upstream: Upstream,
    /// Photo decodes share one memory budget, fairly (docs/security.md UP-8; photos.rs).
    pub decode_queue: Arc<photos::DecodeQueue>,
    /// The server-wide budget of request bodies in flight and the upload places (intake.rs).
    pub intake: Arc<intake::Intake>,
    /// The per-client flood brake of this instance (security.rs).
    pub rate_limiter: Arc<security::RateLimiter>,
    /// One status query per application in flight on this instance; the others wait for its
    /// answer (an optimisation: correctness never depends on it).
    status_flights: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<i64>>>>>,
    /// Drops repeated webhooks before they reach the database (the job table dedupes too).
    pub webhook_dedup: Arc<routes::WebhookDedup>,
    /// Wakes this instance's job worker when it queued work itself.
    pub work_signal: Arc<tokio::sync::Notify>,
}

impl AppState {
    pub async fn new(config: Config) -> anyhow::Result<Self> {
        let db = Db::connect(&config.database_url).await?;
        let upstream =
            Upstream::new(&config.upstream_base_url, &config.app_key, config.app_secret.clone(), config.signature);
        let intake = intake::Intake::new(config.body_budget_mib, config.uploads_per_ip);
        let state = Self {
            config: Arc::new(config),
            db,
            upstream,
            decode_queue: photos::DecodeQueue::new(photos::DECODE_BUDGET_MIB, photos::MAX_WAITING, photos::QUEUE_WAIT),
            rate_limiter: Arc::default(),
            intake,
            status_flights: Arc::default(),
            webhook_dedup: Arc::default(),
            work_signal: Arc::default(),
        };
        work::workers::spawn_job_worker(state.clone());
        work::workers::spawn_reconciler(state.clone());
        work::notify::spawn_notifier(state.clone());
        retention::spawn(state.clone());
        Ok(state)
    }

    /// The rulebook's view of today (UTC) and the configured minimum age.
    pub fn rules(&self) -> Rules {
        let today = Date::from_unix_millis(now_ms()).expect("the clock is within the calendar");
        Rules { today, min_age: self.config.min_age }
    }

    pub(crate) fn status_flight(&self, id: &str) -> Arc<tokio::sync::Mutex<i64>> {
        let mut m = self.status_flights.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if m.len() > 10_000 {
            m.retain(|_, f| Arc::strong_count(f) > 1);
        }
        m.entry(id.to_owned()).or_default().clone()
    }
}

/// The whole HTTP app: `/v1`, health, and in demo the sandbox and the widget's files.
/// Layers, outermost first: request id → security headers → the JSON error shape → CORS and
/// origin → rate limit → authorisation (before any body byte) → the body budget and upload
/// places (intake.rs, still before any body byte) → a caught panic → the route.
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
        .layer(axum::middleware::from_fn_with_state(state.clone(), intake::bodies_in_flight))
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

pub use http::{serve as serve_with, serve_limited};

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
