//! Startup: the whole HTTP app and its layer stack, and [`run`], which serves it with the
//! workers beside it under one shutdown ([`run_with_metrics`]: and the metrics listener).

use axum::Router;
use std::future::Future;
use tokio::net::TcpListener;

use crate::state::AppState;
use crate::{cors, http, metrics, rate_limit, routes, work};

/// The whole HTTP app: `/v1`, health, `/metrics` (unless it has a listener of its own), and in
/// demo the sandbox and the widget's files. Layers, outermost first: the HTTP metrics (they
/// count every answer, a rate limit's and a panic's included) → request id → security headers
/// → the JSON error shape → CORS and origin → rate limit → a caught panic → (per route group,
/// routes/mod.rs) its guard and its body layer, both before any body byte → the route.
pub fn app(state: AppState, sandbox: Option<kyc_sandbox::Sandbox>) -> Router {
    let mut router = routes::v1(&state).with_state(state.clone());
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
    let counted = state.metrics.clone();
    router
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(http::panic_response))
        .layer(axum::middleware::from_fn_with_state(state.clone(), rate_limit::rate_limit))
        .layer(axum::middleware::from_fn_with_state(state, cors::cors_and_origin))
        .layer(axum::middleware::from_fn(http::error_shape))
        .layer(axum::middleware::from_fn(cors::api_headers))
        .layer(axum::middleware::from_fn(http::request_id_layer))
        .layer(axum::middleware::from_fn_with_state(counted, metrics::track_http))
}

/// Serves `app` on `listener` and runs `state`'s workers (work/workers.rs) beside it, until
/// `shutdown` resolves: then the HTTP side drains in-flight requests for at most the drain time
/// (http.rs) while the workers finish the item in hand, for at most the same time.
pub async fn run(
    listener: TcpListener,
    app: Router,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    timeouts: http::Timeouts,
    limits: http::ConnectionLimits,
) -> std::io::Result<()> {
    run_with_metrics(listener, None, app, state, shutdown, timeouts, limits).await
}

/// [`run`], and `GET /metrics` alone on `metrics_listener` when there is one (bound to
/// `KYC_METRICS_ADDR`: no key there, so only a private network should reach it; routes/mod.rs
/// then leaves `/metrics` off the main listener). Both listeners and the workers stop with
/// `shutdown`.
pub async fn run_with_metrics(
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    app: Router,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    timeouts: http::Timeouts,
    limits: http::ConnectionLimits,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let metrics_server = metrics_listener.map(|l| {
        let mut stopped = stop.subscribe();
        // Told with the shutdown, or by the stop's sender going away if serving failed.
        let shutdown = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        tokio::spawn(http::serve(l, routes::metrics_only(&state), shutdown, timeouts))
    });
    let workers = tokio::spawn(work::workers::run(state, work::worker_loop::Stop::new(stopped)));
    let shutdown = async move {
        shutdown.await;
        let _ = stop.send(true);
    };
    let served = http::serve_limited(listener, app, shutdown, timeouts, limits).await;
    // Told with the shutdown (or by the stop's sender going away if serving failed).
    if tokio::time::timeout(timeouts.drain, workers).await.is_err() {
        tracing::warn!(event = "workers_not_stopped", "a worker did not finish its item within the drain time");
    }
    if let Some(m) = metrics_server {
        match tokio::time::timeout(timeouts.drain, m).await {
            Ok(Ok(Err(e))) => tracing::warn!(error = %e, "the metrics listener failed"),
            Ok(_) => {}
            Err(_) => tracing::warn!("the metrics listener did not stop within the drain time"),
        }
    }
    served
}

/// Serves `app` on `listener` — HTTP only, no workers (see [`run`]) — until `shutdown`
/// resolves, then drains in-flight requests for at most the configured drain time (http.rs).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, app, shutdown, http::Timeouts::default()).await
}

pub use http::{serve as serve_with, serve_limited};

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
