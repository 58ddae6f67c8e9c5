//! The HTTP layer under the routes: the listener loop with its timeouts and bounded graceful
//! drain, the request id, the body deadline, and the one error shape for everything `/v1`
//! answers (contract.md §1) — unknown routes, wrong methods, extractor rejections, oversized or
//! late bodies and panics included.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tracing::Instrument;

use crate::error::ApiError;

/// Timeouts of the listener (checklist: slow clients cannot pin connections or buffers).
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// A request's headers must arrive within this time; it also closes idle keep-alive
    /// connections (the timer starts whenever the connection waits for a request head).
    pub header: Duration,
    /// A request body must be complete within this time after its headers.
    pub body: Duration,
    /// On shutdown, in-flight requests get this long; then the process exits anyway.
    pub drain: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { header: Duration::from_secs(10), body: Duration::from_secs(60), drain: Duration::from_secs(20) }
    }
}

tokio::task_local! {
    /// The id of the request being handled, for error bodies built deep in a handler.
    static REQUEST_ID: String;
}

/// The current request's id, when called inside a request.
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains in-flight requests for at
/// most `timeouts.drain`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    timeouts: Timeouts,
) -> std::io::Result<()> {
    let app = app.layer(axum::middleware::from_fn_with_state(timeouts.body, body_deadline));
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header)
        .max_buf_size(64 * 1024)
        .keep_alive(true);
    builder.http2().timer(TokioTimer::new()).max_concurrent_streams(32).keep_alive_interval(timeouts.header);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // EMFILE and friends: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let svc = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req.map(Body::new))
        });
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), svc).into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    tracing::info!(drain_secs = timeouts.drain.as_secs(), "shutting down: draining in-flight requests");
    if tokio::time::timeout(timeouts.drain, graceful.shutdown()).await.is_err() {
        tracing::warn!("drain time over: closing the remaining connections");
    }
    Ok(())
}

/// A request body that fails once its deadline has passed, however slowly it trickles in.
struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: Arc<AtomicBool>,
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
pub struct BodyTimeout;

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.deadline.as_mut().poll(cx).is_ready() {
            this.expired.store(true, Ordering::SeqCst);
            return Poll::Ready(Some(Err(Box::new(BodyTimeout))));
        }
        Pin::new(&mut this.inner).poll_frame(cx).map_err(Into::into)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Wraps every request body in its deadline; a handler that hit it answers 408.
async fn body_deadline(
    axum::extract::State(limit): axum::extract::State<Duration>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let expired = Arc::new(AtomicBool::new(false));
    let req = req.map(|inner| {
        Body::new(DeadlineBody { inner, deadline: Box::pin(tokio::time::sleep(limit)), expired: expired.clone() })
    });
    let resp = next.run(req).await;
    if expired.load(Ordering::SeqCst) {
        tracing::warn!(event = "body_timeout", "a request body did not arrive in time");
        let mut r = ApiError::BodyTimeout.into_response();
        r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        return r;
    }
    resp
}

/// Outermost layer: a fresh id for every request, in the log span, in the task-local that
/// error bodies read, and in the `X-Request-Id` answer header. A client's own id is not
/// trusted (it could forge log correlation).
pub async fn request_id_layer(req: Request<Body>, next: Next) -> Response {
    let id = kyc_sandbox::random_hex(8);
    let span = tracing::info_span!("request", request_id = %id);
    let mut resp = REQUEST_ID.scope(id.clone(), next.run(req).instrument(span)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// Every error `/v1` answers is the JSON shape: what a route, the router (404, 405) or an
/// extractor (400, 413, 415) answered as plain text is rewritten here.
pub async fn error_shape(req: Request<Body>, next: Next) -> Response {
    let is_v1 = req.uri().path().starts_with("/v1/") || req.uri().path() == "/v1";
    let resp = next.run(req).await;
    let status = resp.status();
    if !is_v1 || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "there is nothing at this address"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "this method is not allowed here"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "the request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "this content type is not accepted"),
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => ("bad_request", "the request is malformed"),
        StatusCode::REQUEST_TIMEOUT => ("body_timeout", "the request body did not arrive in time"),
        StatusCode::UNAUTHORIZED => ("unauthorized", "missing or expired credentials"),
        StatusCode::FORBIDDEN => ("forbidden", "this origin is not allowed"),
        StatusCode::TOO_MANY_REQUESTS => ("rate_limited", "too many requests; try again in a minute"),
        s if s.is_server_error() => ("internal_error", "internal error"),
        _ => ("bad_request", "the request was refused"),
    };
    let (mut parts, _) = resp.into_parts();
    let body = ApiError::body(code, message, &[]);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    let status = if status == StatusCode::UNPROCESSABLE_ENTITY { StatusCode::BAD_REQUEST } else { status };
    parts.status = status;
    Response::from_parts(parts, Body::from(body))
}

/// A handler panic answers the JSON 500 (the panic's text is not shown: it may quote data).
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!(event = "handler_panic", "a request handler panicked");
    ApiError::Panic.into_response()
}
