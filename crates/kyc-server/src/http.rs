//! The HTTP layer under the routes: the listener loop with its timeouts and bounded graceful
//! drain, the request id, the body deadline, and the one error shape for everything `/v1`
//! answers (docs/api.md) — unknown routes, wrong methods, extractor rejections, oversized or
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
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tracing::Instrument;

use kyc_domain::api::ApiCode;

use crate::error::ApiError;

/// Timeouts of the listener (docs/security.md RE-1: slow clients cannot pin connections or buffers).
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

/// Connection limits of the listener (issue 22 §3): a global cap below the process's file
/// descriptor limit, a cap per client IP, an idle and an age limit per connection, and HTTP/2
/// (h2c) only when configured.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// At most this many connections at once (`KYC_MAX_CONNECTIONS`, default
    /// [`DEFAULT_MAX_CONNECTIONS`]), and never more than [`RLIMIT_NOFILE`](fd_limit) less
    /// [`FD_RESERVE`], read at start.
    pub max_connections: Option<usize>,
    /// At most this many connections at once from one TCP peer address — IPv6: per /64, as the
    /// rate limit counts it (`KYC_CONNECTIONS_PER_IP`); peers in `exempt` (the trusted proxies)
    /// are counted only globally.
    pub per_ip: usize,
    pub exempt: Vec<ipnet::IpNet>,
    /// Serve HTTP/2 over cleartext (prior knowledge) too (`KYC_H2C=1`); HTTP/1.1 only otherwise.
    pub h2c: bool,
    /// A connection with no request in flight for this long is closed (HTTP/1.1 keep-alive
    /// connections are closed sooner, by the header timeout).
    pub idle: Duration,
    /// A connection is asked to close (gracefully) once it is this old, however busy.
    pub max_age: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: None,
            per_ip: DEFAULT_CONNECTIONS_PER_IP,
            exempt: Vec::new(),
            h2c: false,
            idle: Duration::from_secs(60),
            max_age: Duration::from_secs(600),
        }
    }
}

/// Connections one client IP may hold by default.
pub const DEFAULT_CONNECTIONS_PER_IP: usize = 256;
/// File descriptors kept out of the connection cap: the database pool, upstream and partner
/// connections, files, the listener, the runtime's own, and the health reserve.
pub const FD_RESERVE: usize = 128;
/// Connections over a cap may still ask `/healthz` and `/readyz`: this many at once, at most
/// [`HEALTH_SLOTS_PER_IP`] per address, each closed after one answer or a short header timeout.
pub const HEALTH_SLOTS: usize = 32;
pub const HEALTH_SLOTS_PER_IP: usize = 2;
const HEALTH_HEADER_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a connection closed for its age may finish what it has in flight (a photo upload's
/// body deadline is 60 s).
const AGE_GRACE: Duration = Duration::from_secs(75);
/// How long an idle connection asked to close may take to say goodbye.
const IDLE_GRACE: Duration = Duration::from_secs(2);

/// The soft `RLIMIT_NOFILE` of the process (raised to its hard limit first, as far as allowed).
pub fn fd_limit() -> usize {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut l = getrlimit(Resource::Nofile);
    if l.current < l.maximum {
        let raised = rustix::process::Rlimit { current: l.maximum, maximum: l.maximum };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            l = getrlimit(Resource::Nofile);
        }
    }
    l.current.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// The connection cap for a descriptor limit: the limit less the reserve, at least 16.
pub fn connection_cap(fd_limit: usize, configured: Option<usize>) -> usize {
    let from_fds = fd_limit.saturating_sub(FD_RESERVE).max(16);
    configured.unwrap_or(DEFAULT_MAX_CONNECTIONS).min(from_fds)
}

/// The connection cap unless configured: with each connection's read buffer capped at
/// [`READ_BUFFER`], half-sent request heads on every connection pin at most 64 MiB.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// The most a connection buffers of a request head (larger heads are answered 431).
pub const READ_BUFFER: usize = 16 * 1024;

/// Open connections: the total, per address, and the health reserve.
#[derive(Default)]
struct Counts {
    total: usize,
    per_ip: std::collections::HashMap<IpAddr, usize>,
    health: usize,
    health_per_ip: std::collections::HashMap<IpAddr, usize>,
}

/// A connection's place in [`Counts`], given back when the connection ends.
struct Slot {
    counts: Arc<(std::sync::Mutex<Counts>, tokio::sync::Notify)>,
    ip: IpAddr,
    health: bool,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let (m, done) = &*self.counts;
        let mut guard = m.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let c = &mut *guard;
        let (total, map) =
            if self.health { (&mut c.health, &mut c.health_per_ip) } else { (&mut c.total, &mut c.per_ip) };
        *total -= 1;
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
        if c.total == 0 && c.health == 0 {
            done.notify_waiters();
        }
    }
}

/// What the accept loop does with a new connection.
enum Admit {
    Serve(Slot),
    /// Over a cap: only `/healthz` and `/readyz`, one request.
    HealthOnly(Slot),
    Refuse,
}

/// The key of a peer in the per-address counts: an IPv4 address, or the /64 of an IPv6 one (a
/// subscriber usually holds a whole /64: per address, one client could take the global cap).
fn per_ip_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        v4 => v4,
    }
}

fn admit(
    counts: &Arc<(std::sync::Mutex<Counts>, tokio::sync::Notify)>,
    ip: IpAddr,
    cap: usize,
    l: &ConnectionLimits,
) -> Admit {
    let mut c = counts.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let exempt = l.exempt.iter().any(|n| n.contains(&ip));
    let ip = per_ip_key(ip);
    let here = c.per_ip.get(&ip).copied().unwrap_or(0);
    if c.total < cap && (exempt || here < l.per_ip) {
        c.total += 1;
        *c.per_ip.entry(ip).or_default() += 1;
        return Admit::Serve(Slot { counts: counts.clone(), ip, health: false });
    }
    let health_here = c.health_per_ip.get(&ip).copied().unwrap_or(0);
    if c.health < HEALTH_SLOTS && health_here < HEALTH_SLOTS_PER_IP {
        c.health += 1;
        *c.health_per_ip.entry(ip).or_default() += 1;
        return Admit::HealthOnly(Slot { counts: counts.clone(), ip, health: true });
    }
    Admit::Refuse
}

/// When a connection last finished a request, and how many it has in flight.
#[derive(Default)]
struct Activity {
    in_flight: AtomicUsize,
    last_ms: std::sync::atomic::AtomicU64,
}

impl Activity {
    fn touch(&self, started: &tokio::time::Instant) {
        let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::SeqCst);
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains in-flight requests for at
/// most `timeouts.drain`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    timeouts: Timeouts,
) -> std::io::Result<()> {
    serve_limited(listener, app, shutdown, timeouts, ConnectionLimits::default()).await
}

/// [`serve`] with explicit connection limits.
pub async fn serve_limited(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    timeouts: Timeouts,
    limits: ConnectionLimits,
) -> std::io::Result<()> {
    let app = app.layer(axum::middleware::from_fn_with_state(timeouts.body, body_deadline));
    let cap = connection_cap(fd_limit(), limits.max_connections);
    tracing::info!(max_connections = cap, per_ip = limits.per_ip, h2c = limits.h2c, "listener limits");
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header)
        .max_buf_size(READ_BUFFER)
        .keep_alive(true);
    builder.http2().timer(TokioTimer::new()).max_concurrent_streams(32).keep_alive_interval(timeouts.header);
    let builder = if limits.h2c { builder } else { builder.http1_only() };
    let mut health = Builder::new(TokioExecutor::new()).http1_only();
    health.http1().timer(TokioTimer::new()).header_read_timeout(HEALTH_HEADER_TIMEOUT).keep_alive(false);
    let counts: Arc<(std::sync::Mutex<Counts>, tokio::sync::Notify)> = Arc::default();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut refused: u64 = 0;
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
        let ip = crate::client_ip::canonical(peer.ip());
        let (slot, health_only) = match admit(&counts, ip, cap, &limits) {
            Admit::Serve(s) => (s, false),
            Admit::HealthOnly(s) => (s, true),
            Admit::Refuse => {
                refused += 1;
                if refused.is_power_of_two() {
                    tracing::warn!(event = "connection_refused", refused, "connection over the caps closed at once");
                }
                drop(stream);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let activity = Arc::new(Activity::default());
        let born = tokio::time::Instant::now();
        let act = activity.clone();
        let svc = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            let act = act.clone();
            act.in_flight.fetch_add(1, Ordering::SeqCst);
            async move {
                let allowed = !health_only || matches!(req.uri().path(), "/healthz" | "/readyz");
                let resp = if allowed {
                    app.oneshot(req.map(Body::new)).await
                } else {
                    let mut r = ApiError::Busy.into_response();
                    r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                    Ok(r)
                };
                act.in_flight.fetch_sub(1, Ordering::SeqCst);
                act.touch(&born);
                resp
            }
        });
        let mut stop = stop_rx.clone();
        let (idle, max_age) = (limits.idle, limits.max_age);
        let b = if health_only { &health } else { &builder };
        let conn = b.serve_connection(TokioIo::new(stream), svc).into_owned();
        let drain = timeouts.drain;
        tokio::spawn(async move {
            let _slot = slot;
            let mut conn = std::pin::pin!(conn);
            let age = tokio::time::sleep(max_age);
            tokio::pin!(age);
            let mut tick = tokio::time::interval(Duration::from_secs(1).min(idle));
            // Once asked to close, a connection gets this long to finish; then it is dropped
            // (an HTTP/2 client that keeps sending PINGs after GOAWAY does not keep it).
            let mut grace: Option<Pin<Box<tokio::time::Sleep>>> = None;
            loop {
                tokio::select! {
                    _ = conn.as_mut() => break,
                    () = async { grace.as_mut().expect("guarded").await }, if grace.is_some() => break,
                    _ = stop.changed(), if grace.is_none() => {
                        conn.as_mut().graceful_shutdown();
                        grace = Some(Box::pin(tokio::time::sleep(drain)));
                    }
                    () = &mut age, if grace.is_none() => {
                        conn.as_mut().graceful_shutdown();
                        grace = Some(Box::pin(tokio::time::sleep(AGE_GRACE)));
                    }
                    _ = tick.tick(), if grace.is_none() => {
                        let last = Duration::from_millis(activity.last_ms.load(Ordering::SeqCst));
                        let quiet = born.elapsed().saturating_sub(last);
                        if activity.in_flight.load(Ordering::SeqCst) == 0 && quiet >= idle {
                            conn.as_mut().graceful_shutdown();
                            grace = Some(Box::pin(tokio::time::sleep(IDLE_GRACE)));
                        }
                    }
                }
            }
        });
    }
    drop(listener);
    tracing::info!(drain_secs = timeouts.drain.as_secs(), "shutting down: draining in-flight requests");
    let _ = stop_tx.send(true);
    let drained = async {
        loop {
            let done = counts.1.notified();
            {
                let c = counts.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if c.total == 0 && c.health == 0 {
                    return;
                }
            }
            done.await;
        }
    };
    if tokio::time::timeout(timeouts.drain, drained).await.is_err() {
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
    let id = crate::random::hex(8);
    let span = tracing::info_span!("request", request_id = %id);
    let mut resp = crate::error::REQUEST_ID.scope(id.clone(), next.run(req).instrument(span)).await;
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
        StatusCode::NOT_FOUND => (ApiCode::NotFound, "there is nothing at this address"),
        StatusCode::METHOD_NOT_ALLOWED => (ApiCode::MethodNotAllowed, "this method is not allowed here"),
        StatusCode::PAYLOAD_TOO_LARGE => (ApiCode::TooLarge, "the request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (ApiCode::UnsupportedMediaType, "this content type is not accepted"),
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => (ApiCode::BadRequest, "the request is malformed"),
        StatusCode::REQUEST_TIMEOUT => (ApiCode::BodyTimeout, "the request body did not arrive in time"),
        StatusCode::UNAUTHORIZED => (ApiCode::Unauthorized, "missing or expired credentials"),
        StatusCode::FORBIDDEN => (ApiCode::Forbidden, "this origin is not allowed"),
        StatusCode::TOO_MANY_REQUESTS => (ApiCode::RateLimited, "too many requests; try again in a minute"),
        s if s.is_server_error() => (ApiCode::InternalError, "internal error"),
        _ => (ApiCode::BadRequest, "the request was refused"),
    };
    let (mut parts, _) = resp.into_parts();
    let body = ApiError::body(code, message);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_counted_per_64() {
        let counts: Arc<(std::sync::Mutex<Counts>, tokio::sync::Notify)> = Arc::default();
        let l = ConnectionLimits { per_ip: 2, ..Default::default() };
        let admit = |ip: &str| admit(&counts, ip.parse().unwrap(), 100, &l);
        let a = admit("2001:db8:1:2::1");
        let b = admit("2001:db8:1:2:ffff:ffff:ffff:fffe");
        assert!(matches!((&a, &b), (Admit::Serve(_), Admit::Serve(_))));
        assert!(matches!(admit("2001:db8:1:2::3"), Admit::HealthOnly(_)), "a third from the same /64");
        assert!(matches!(admit("2001:db8:1:3::1"), Admit::Serve(_)), "another /64 is another client");
        assert!(matches!(admit("192.0.2.1"), Admit::Serve(_)));
        drop((a, b));
        let c = counts.0.lock().unwrap();
        assert_eq!((c.total, c.health), (0, 0));
        assert!(c.per_ip.is_empty() && c.health_per_ip.is_empty(), "every slot came back");
    }
}
