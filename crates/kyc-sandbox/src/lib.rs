//! # kyc-sandbox — an offline KYC Sharing API
//!
//! A faithful simulator of the upstream described in `docs/upstream.md`: every endpoint at its
//! documented path, both signature profiles, the documented validation and error codes, the
//! approval state machine with deterministic outcomes, real webhooks with retries, and an
//! inspection API plus an HTML console under `/__sandbox/` (never mounted by `serve`).
//!
//! ## Layout
//! - [`auth`]: signature verification (`hmac-sha256`, `sha1`) and the timestamp window.
//! - [`validate`]: the documented body rules, answering `200001` / `200002` naming the field.
//! - [`store`]: in-memory applications, files and webhook attempts behind one mutex.
//! - `api` (private): the `/open/api/...` handlers.
//! - `inspect` (private): `/__sandbox/...` JSON endpoints and the console page.
//! - `webhook` (private): delivery with capped exponential backoff.
//!
//! ## Documented choices (docs/upstream.md "What the provider's docs do not say")
//! - Business errors answer HTTP 200 with the error envelope; only unexpected faults use 500.
//! - Webhooks: `POST {"requestNo","kycStatus"}` on every status change; any answer but 200 is
//!   retried after 1 s, 2 s, 4 s … capped at 30 s, at most 8 attempts; every attempt is recorded.
//! - `requestNo` is not idempotent: a second `information` with the same one is `300001`.
//! - Outcome after `merchantProcess` + the review delay: last name `Reject` → `rejected`,
//!   `Review` → stays `reviewing`, anything else → `approved`. No rejection reasons.

mod api;
pub mod auth;
mod inspect;
pub mod store;
pub mod validate;
mod webhook;

use axum::Router;
use kyc_domain::signing::SignatureScheme;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use store::ProviderStatus;

/// How a sandbox instance behaves.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub app_key: String,
    pub app_secret: String,
    pub scheme: SignatureScheme,
    /// Time from `merchantProcess` to the final status (`KYC_SANDBOX_REVIEW_DELAY_MS`).
    pub review_delay: Duration,
    /// First webhook retry delay; doubles each attempt, capped at 30 s.
    pub webhook_backoff: Duration,
    pub webhook_max_attempts: u32,
    /// Fault injection for tests: calls whose path contains `delay_path` wait `delay_before`
    /// before they are processed and `delay_after` after (`KYC_SANDBOX_DELAY_PATH`,
    /// `KYC_SANDBOX_DELAY_BEFORE_MS`, `KYC_SANDBOX_DELAY_AFTER_MS`). A client that gives up
    /// during the first never reaches the sandbox; during the second, its answer is lost.
    pub delay_path: Option<String>,
    pub delay_before: Duration,
    pub delay_after: Duration,
}

impl SandboxConfig {
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<String>) -> Self {
        Self {
            app_key: app_key.into(),
            app_secret: app_secret.into(),
            scheme: SignatureScheme::HmacSha256,
            review_delay: Duration::from_millis(3000),
            webhook_backoff: Duration::from_secs(1),
            webhook_max_attempts: 8,
            delay_path: None,
            delay_before: Duration::ZERO,
            delay_after: Duration::ZERO,
        }
    }

    /// Reads `KYC_SANDBOX_APP_KEY`, `KYC_SANDBOX_APP_SECRET`, `KYC_SIGNATURE`,
    /// `KYC_SANDBOX_REVIEW_DELAY_MS`, `KYC_SANDBOX_WEBHOOK_BACKOFF_MS`; missing credentials
    /// default to fresh random ones (printed by the caller, never logged here).
    pub fn from_env() -> Result<Self, String> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut c = Self::new(
            env("KYC_SANDBOX_APP_KEY").unwrap_or_else(|| random_hex(8)),
            env("KYC_SANDBOX_APP_SECRET").unwrap_or_else(|| random_hex(32)),
        );
        if let Some(s) = env("KYC_SIGNATURE") {
            c.scheme = SignatureScheme::parse(&s)
                .ok_or_else(|| format!("KYC_SIGNATURE must be hmac-sha256 or sha1, not {s:?}"))?;
        }
        if let Some(ms) = env("KYC_SANDBOX_REVIEW_DELAY_MS") {
            c.review_delay = Duration::from_millis(
                ms.parse().map_err(|_| "KYC_SANDBOX_REVIEW_DELAY_MS must be a number of milliseconds".to_owned())?,
            );
        }
        c.delay_path = env("KYC_SANDBOX_DELAY_PATH");
        for (key, slot) in
            [("KYC_SANDBOX_DELAY_BEFORE_MS", &mut c.delay_before), ("KYC_SANDBOX_DELAY_AFTER_MS", &mut c.delay_after)]
        {
            if let Some(ms) = env(key) {
                *slot =
                    Duration::from_millis(ms.parse().map_err(|_| format!("{key} must be a number of milliseconds"))?);
            }
        }
        if let Some(ms) = env("KYC_SANDBOX_WEBHOOK_BACKOFF_MS") {
            c.webhook_backoff = Duration::from_millis(
                ms.parse().map_err(|_| "KYC_SANDBOX_WEBHOOK_BACKOFF_MS must be a number of milliseconds".to_owned())?,
            );
        }
        Ok(c)
    }
}

/// A running sandbox's shared state; cheap to clone.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    config: SandboxConfig,
    store: Mutex<store::Store>,
    http: reqwest::Client,
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("reqwest client");
        Self { inner: Arc::new(Inner { config, store: Mutex::new(store::Store::default()), http }) }
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    /// The upstream API (`/open/api/...`) and the inspection endpoints (`/__sandbox/...`).
    pub fn router(&self) -> Router {
        let api = api::routes(self.clone())
            .layer(axum::middleware::from_fn_with_state(self.inner.config.clone(), injected_delay));
        api.merge(inspect::routes(self.clone()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, store::Store> {
        // A panic while holding the lock cannot leave the map half-updated in a way that
        // matters more than refusing all further requests would.
        self.inner.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn injected_delay(
    axum::extract::State(c): axum::extract::State<SandboxConfig>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let hit = c.delay_path.as_deref().is_some_and(|p| req.uri().path().contains(p));
    if hit && !c.delay_before.is_zero() {
        tokio::time::sleep(c.delay_before).await;
    }
    // Processed to the end even if the client is gone meanwhile: the answer is what is lost.
    let resp = tokio::spawn(next.run(req)).await.expect("sandbox handler");
    if hit && !c.delay_after.is_zero() {
        tokio::time::sleep(c.delay_after).await;
    }
    resp
}

/// `n` random bytes as lower-case hex.
pub fn random_hex(n: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

pub(crate) fn now_ms() -> i64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
