//! `GET /metrics`: the app's registry (metrics.rs) in the Prometheus text format, its gauges set
//! first — the queue, the body budget and the circuit from memory, the work waiting and the
//! applications and handoffs from the database (at most once a second, whatever the number of
//! scrapes).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// A gauge's value from a count (a count past `i64::MAX` cannot happen; it would read as the
/// largest).
fn gauge(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

pub async fn scrape(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    m.decode_waiting.set(gauge(state.decode_queue.waiting()));
    m.bodies_in_use.set(gauge(state.intake.in_use_bytes()));
    m.body_budget.set(gauge(state.intake.budget_bytes()));
    m.circuit_open.set(i64::from(state.upstream.circuit_open()));
    m.read_database(|| read_database(&state)).await;
    match m.encode() {
        Ok(text) => ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Sets the gauges that come from the database; `false` when a query failed (the gauges it
/// would have set keep their last values).
async fn read_database(state: &AppState) -> bool {
    let (m, db) = (&state.metrics, &state.db);
    let (work, applications, handoffs) =
        tokio::join!(db.work_counts(), db.applications_by_status(), db.handoffs_by_state());
    let mut ok = true;
    match work {
        Ok(w) => {
            m.jobs_pending.set(w.jobs);
            m.jobs_failed.set(w.jobs_failed);
            m.notifications_pending.set(w.events);
            m.notifications_failed.set(w.events_failed);
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: reading the work waiting failed");
            ok = false;
        }
    }
    match applications {
        Ok(counts) => m.set_applications(&counts),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: reading the applications by status failed");
            ok = false;
        }
    }
    match handoffs {
        Ok(counts) => m.set_handoffs(&counts),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: reading the handoffs by state failed");
            ok = false;
        }
    }
    ok
}
