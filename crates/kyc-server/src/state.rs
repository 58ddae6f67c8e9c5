//! [`AppState`]: everything a handler or a worker needs, cheap to clone. Building it connects
//! the database and starts nothing: the workers are started by [`crate::run`], beside the HTTP
//! task and under the same shutdown.

use kyc_domain::{Date, Rules};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::clock::now_ms;
use crate::config::Config;
use crate::db::Db;
use crate::upstream::Upstream;
use crate::{intake, metrics, photos, rate_limit};

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
    /// The per-client flood brake of this instance (rate_limit.rs).
    pub rate_limiter: Arc<rate_limit::RateLimiter>,
    /// One status query per application in flight on this instance; the others wait for its
    /// answer (an optimisation: correctness never depends on it).
    status_flights: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<i64>>>>>,
    /// Drops repeated webhooks before they reach the database (the job table dedupes too).
    pub webhook_dedup: Arc<rate_limit::WebhookDedup>,
    /// Wakes this instance's job worker when it queued work itself.
    pub work_signal: Arc<tokio::sync::Notify>,
    /// This app's own registry for `GET /metrics` (metrics.rs): never a process-wide one.
    pub metrics: Arc<metrics::Metrics>,
}

impl AppState {
    pub async fn new(config: Config) -> anyhow::Result<Self> {
        let db = Db::connect(&config.database_url).await?;
        let upstream =
            Upstream::new(&config.upstream_base_url, &config.app_key, config.app_secret.clone(), config.signature);
        let intake = intake::Intake::new(config.body_budget_mib, config.uploads_per_ip);
        let decode_queue = photos::DecodeQueue::new(photos::DECODE_BUDGET_MIB, photos::MAX_WAITING, photos::QUEUE_WAIT);
        let metrics = Arc::new(metrics::Metrics::new(decode_queue.metrics(), upstream.metrics()));
        let state = Self {
            config: Arc::new(config),
            db,
            upstream,
            decode_queue,
            rate_limiter: Arc::default(),
            intake,
            status_flights: Arc::default(),
            webhook_dedup: Arc::default(),
            work_signal: Arc::default(),
            metrics,
        };
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
