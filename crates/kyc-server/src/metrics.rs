//! The numbers `GET /metrics` shows, in the Prometheus text format (version 0.0.4): what the
//! HTTP layer answered and how long it took, the photo decode queue, the body budget, the
//! calls to the KYC API and its circuit, the widget's diagnostics traces and their events, and
//! — read from the database when scraped — the work waiting and the applications and handoffs
//! by state.
//!
//! Each [`crate::AppState`] has its own [`Metrics`] (its own registry, not a process-wide
//! one): tests run many apps in one process, and each app's numbers must be its own. The
//! lower modules hold only their own handles ([`DecodeMetrics`] in the decode queue,
//! [`UpstreamMetrics`] in the upstream client), which [`Metrics::new`] registers.
//!
//! No label carries a user id, a token, an address, an application id or anything an applicant
//! typed: a request is labelled by its route's template (`/v1/applications/{id}`, never the
//! path it came with), a request no route matched by [`UNMATCHED`], an upstream call by the name
//! of its endpoint, a diagnostics event by its kind and code (closed vocabularies of
//! `kyc_domain::diagnostics`), and the rest by fixed words. Label values come from fixed sets
//! only, so no client can grow the number of series.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

/// Request durations, in seconds: fine below 10 ms, where the backend's own overhead is
/// budgeted (2 ms at the median), and up to the photo routes' upstream calls.
const HTTP_BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
/// Waits for the decode budget, in seconds, up to the queue's 30 s limit (photos.rs).
const DECODE_WAIT_BUCKETS: [f64; 10] = [0.001, 0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
/// Upstream calls with their retries, in seconds, up to the client's 20 s timeout and beyond.
const UPSTREAM_BUCKETS: [f64; 12] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 60.0];

/// The gauges read from the database are read at most this often, however often `/metrics` is
/// asked (the separate listener has no key: a flood of scrapes must not become a flood of
/// queries).
pub const DATABASE_READ_EVERY: Duration = Duration::from_secs(1);
/// A database read that takes longer is given up; the gauges keep their last values and
/// `kyc_database_up` says 0.
pub const DATABASE_READ_TIMEOUT: Duration = Duration::from_secs(5);

type Histograms<S> = Family<S, Histogram, fn() -> Histogram>;

fn http_histogram() -> Histogram {
    Histogram::new(HTTP_BUCKETS)
}

fn upstream_histogram() -> Histogram {
    Histogram::new(UPSTREAM_BUCKETS)
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    /// The matched route's template, or [`UNMATCHED`].
    route: String,
    method: &'static str,
    /// `2xx`, `4xx`, …
    status_class: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamLabels {
    endpoint: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabel {
    endpoint: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    /// One of `kyc_domain::diagnostics::KINDS`.
    kind: &'static str,
    /// One of `kyc_domain::diagnostics::CODES`.
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

/// A method as a label: the methods the API knows, anything else `other` (a client may send
/// any token as a method).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

fn status_class(s: StatusCode) -> &'static str {
    match s.as_u16() / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// The decode queue's own numbers (photos.rs): how long a decode — a photo's cleaning, a
/// document read — waited for its share of the decode budget, and the decodes refused a place.
/// Clones share the numbers.
#[derive(Clone, Debug)]
pub struct DecodeMetrics {
    waits: Histogram,
    refusals: Family<ReasonLabel, Counter>,
}

impl Default for DecodeMetrics {
    fn default() -> Self {
        Self { waits: Histogram::new(DECODE_WAIT_BUCKETS), refusals: Family::default() }
    }
}

impl DecodeMetrics {
    /// A decode waited `d` for the budget: it got its share, or the wait ran out.
    pub fn waited(&self, d: Duration) {
        self.waits.observe(d.as_secs_f64());
    }

    /// A decode was refused its place, `reason` being the answer's code (`busy`, `session_busy`).
    pub fn refused(&self, reason: &'static str) {
        self.refusals.get_or_create(&ReasonLabel { reason }).inc();
    }
}

/// The upstream client's own numbers (upstream.rs): calls by endpoint and outcome, their
/// durations, and the retries. `endpoint` is a name from a fixed set, never a path (paths
/// carry a `requestNo`). Clones share the numbers.
#[derive(Clone, Debug)]
pub struct UpstreamMetrics {
    calls: Family<UpstreamLabels, Counter>,
    durations: Histograms<EndpointLabel>,
    retries: Family<EndpointLabel, Counter>,
}

impl Default for UpstreamMetrics {
    fn default() -> Self {
        Self {
            calls: Family::default(),
            durations: Family::new_with_constructor(upstream_histogram),
            retries: Family::default(),
        }
    }
}

impl UpstreamMetrics {
    /// A call to `endpoint` ended with `outcome` after `took` (its retries included).
    pub fn call(&self, endpoint: &'static str, outcome: &'static str, took: Duration) {
        self.calls.get_or_create(&UpstreamLabels { endpoint, outcome }).inc();
        self.durations.get_or_create(&EndpointLabel { endpoint }).observe(took.as_secs_f64());
    }

    /// An attempt at `endpoint` is about to be made again.
    pub fn retry(&self, endpoint: &'static str) {
        self.retries.get_or_create(&EndpointLabel { endpoint }).inc();
    }
}

/// An app's registry and every metric in it. The gauges are set when `/metrics` is read
/// (routes/metrics.rs); the counters and histograms as things happen.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_durations: Histograms<RouteLabel>,
    pub decode_waiting: Gauge,
    pub bodies_in_use: Gauge,
    pub body_budget: Gauge,
    pub circuit_open: Gauge,
    pub jobs_pending: Gauge,
    pub jobs_failed: Gauge,
    pub notifications_pending: Gauge,
    pub notifications_failed: Gauge,
    applications: Family<StatusLabel, Gauge>,
    handoffs: Family<StateLabel, Gauge>,
    pub database_up: Gauge,
    diagnostics_reports: Counter,
    diagnostics_events: Family<EventLabels, Counter>,
    /// When the database gauges were last read; held while they are read, so concurrent
    /// scrapes wait for one read instead of each making their own.
    database_read: tokio::sync::Mutex<Option<Instant>>,
}

impl Metrics {
    /// A registry with every metric, `decode`'s and `upstream`'s included.
    pub fn new(decode: &DecodeMetrics, upstream: &UpstreamMetrics) -> Self {
        let mut r = Registry::with_prefix("kyc");
        let m = Self {
            registry: Registry::default(),
            http_requests: Family::default(),
            http_durations: Family::new_with_constructor(http_histogram),
            decode_waiting: Gauge::default(),
            bodies_in_use: Gauge::default(),
            body_budget: Gauge::default(),
            circuit_open: Gauge::default(),
            jobs_pending: Gauge::default(),
            jobs_failed: Gauge::default(),
            notifications_pending: Gauge::default(),
            notifications_failed: Gauge::default(),
            applications: Family::default(),
            handoffs: Family::default(),
            database_up: Gauge::default(),
            diagnostics_reports: Counter::default(),
            diagnostics_events: Family::default(),
            database_read: tokio::sync::Mutex::new(None),
        };
        r.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status class",
            m.http_requests.clone(),
        );
        r.register_with_unit(
            "http_request_duration",
            "Time from a request's arrival to its answer's head, by route template",
            Unit::Seconds,
            m.http_durations.clone(),
        );
        r.register(
            "photo_decode_queue_waiting",
            "Decodes (a photo's cleaning, a document read) waiting now for their share of the decode budget",
            m.decode_waiting.clone(),
        );
        r.register_with_unit(
            "photo_decode_queue_wait",
            "How long a decode waited for its share of the decode budget (granted or timed out)",
            Unit::Seconds,
            decode.waits.clone(),
        );
        r.register(
            "photo_decode_queue_refusals",
            "Decodes refused a place in the decode queue, by the answer's code (busy: queue full or wait over; session_busy: the user already has one in it)",
            decode.refusals.clone(),
        );
        r.register_with_unit(
            "request_bodies_in_use",
            "Bytes of the request body budget held now by bodies in flight",
            Unit::Bytes,
            m.bodies_in_use.clone(),
        );
        r.register_with_unit(
            "request_body_budget",
            "Bytes of request bodies that may be in flight at once (KYC_BODY_BUDGET_MIB)",
            Unit::Bytes,
            m.body_budget.clone(),
        );
        r.register(
            "upstream_calls",
            "Calls to the KYC API by endpoint and outcome (ok, rejected, auth_refused, unavailable, circuit_open), retries included in one call",
            upstream.calls.clone(),
        );
        r.register_with_unit(
            "upstream_call_duration",
            "Time a call to the KYC API took, retries and their waits included, by endpoint",
            Unit::Seconds,
            upstream.durations.clone(),
        );
        r.register("upstream_retries", "Attempts at the KYC API made again, by endpoint", upstream.retries.clone());
        r.register(
            "upstream_circuit_open",
            "1 while the circuit to the KYC API is open (calls fail at once), 0 otherwise",
            m.circuit_open.clone(),
        );
        r.register(
            "jobs_pending",
            "Jobs queued or running (webhook confirmations, reconciliations)",
            m.jobs_pending.clone(),
        );
        r.register("jobs_failed", "Jobs queued whose last attempt failed (they are retried)", m.jobs_failed.clone());
        r.register(
            "partner_notifications_pending",
            "Partner notifications not delivered yet",
            m.notifications_pending.clone(),
        );
        r.register(
            "partner_notifications_failed",
            "Partner notifications not delivered yet that failed at least once (they are retried)",
            m.notifications_failed.clone(),
        );
        r.register("applications", "Applications by status", m.applications.clone());
        r.register("handoffs", "Phone handoffs by state", m.handoffs.clone());
        r.register(
            "database_up",
            "1 when the last read of the database gauges succeeded, 0 when it failed or timed out",
            m.database_up.clone(),
        );
        r.register(
            "diagnostics_reports",
            "Diagnostics traces the widget sent and the backend stored (POST /v1/diagnostics)",
            m.diagnostics_reports.clone(),
        );
        r.register(
            "diagnostics_events",
            "Events of the stored diagnostics traces, by kind and code, each counted once (those newer than its session's previous trace)",
            m.diagnostics_events.clone(),
        );
        Self { registry: r, ..m }
    }

    /// A diagnostics trace was stored: one report, and each of its events newer than the
    /// session's `previous` trace (by `at`; all of them when there was none). The labels are
    /// the vocabulary's own words (the trace passed `Diagnostics::check`); an event with a word
    /// outside it is not counted.
    pub fn diagnostics(
        &self,
        trace: &kyc_domain::diagnostics::Diagnostics,
        previous: Option<&kyc_domain::diagnostics::Diagnostics>,
    ) {
        use kyc_domain::diagnostics::{CODES, KINDS};
        self.diagnostics_reports.inc();
        let seen = previous.and_then(|p| p.events.iter().map(|e| e.at).max());
        for ev in trace.events.iter().filter(|e| seen.is_none_or(|at| e.at > at)) {
            let kind = KINDS.iter().find(|k| **k == ev.kind);
            let code = CODES.iter().find(|c| **c == ev.code);
            if let (Some(kind), Some(code)) = (kind, code) {
                self.diagnostics_events.get_or_create(&EventLabels { kind, code }).inc();
            }
        }
    }

    /// One request answered: counted by its route template (`None`: no route matched), method
    /// and status class, and its duration recorded by route template.
    pub fn request(&self, route: Option<&str>, method: &Method, status: StatusCode, took: Duration) {
        let route = route.unwrap_or(UNMATCHED).to_owned();
        self.http_durations.get_or_create(&RouteLabel { route: route.clone() }).observe(took.as_secs_f64());
        let labels = HttpLabels { route, method: method_label(method), status_class: status_class(status) };
        self.http_requests.get_or_create(&labels).inc();
    }

    /// Sets the applications gauge of every status: `counts` as read, 0 for the others.
    pub fn set_applications(&self, counts: &[(kyc_domain::ApplicationStatus, i64)]) {
        for s in kyc_domain::ApplicationStatus::ALL {
            let n = counts.iter().find(|(c, _)| *c == s).map_or(0, |(_, n)| *n);
            self.applications.get_or_create(&StatusLabel { status: s.as_str() }).set(n);
        }
    }

    /// Sets the handoffs gauge of every state: `counts` as read, 0 for the others.
    pub fn set_handoffs(&self, counts: &[(kyc_domain::HandoffState, i64)]) {
        for s in kyc_domain::HandoffState::ALL {
            let n = counts.iter().find(|(c, _)| *c == s).map_or(0, |(_, n)| *n);
            self.handoffs.get_or_create(&StateLabel { state: s.as_str() }).set(n);
        }
    }

    /// Runs `read` — the read of the database gauges, `true` when it succeeded — unless it ran
    /// less than [`DATABASE_READ_EVERY`] ago, within [`DATABASE_READ_TIMEOUT`], and sets
    /// `kyc_database_up` from its outcome.
    pub async fn read_database<F, Fut>(&self, read: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = bool>,
    {
        let mut last = self.database_read.lock().await;
        if last.is_some_and(|at| at.elapsed() < DATABASE_READ_EVERY) {
            return;
        }
        let ok = tokio::time::timeout(DATABASE_READ_TIMEOUT, read()).await.unwrap_or(false);
        self.database_up.set(i64::from(ok));
        *last = Some(Instant::now());
    }

    /// The whole registry in the Prometheus text format (version 0.0.4; [`CONTENT_TYPE`]).
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::with_capacity(16 * 1024);
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// The outermost layer of the app (startup.rs): every request is counted by the template of
/// the route it matched — the router has set [`MatchedPath`] by the time a route's layers run —
/// and timed to its answer's head. Two map look-ups under read locks and two small allocations
/// (the route label) per request: well under a microsecond.
pub async fn track_http(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let resp = next.run(req).await;
    metrics.request(route.as_ref().map(MatchedPath::as_str), &method, resp.status(), started.elapsed());
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_fixed_sets() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(status_class(StatusCode::NO_CONTENT), "2xx");
        assert_eq!(status_class(StatusCode::TOO_MANY_REQUESTS), "4xx");
        assert_eq!(status_class(StatusCode::BAD_GATEWAY), "5xx");
    }

    #[test]
    fn each_app_counts_its_own_requests() {
        let (a, b) = (
            Metrics::new(&DecodeMetrics::default(), &UpstreamMetrics::default()),
            Metrics::new(&DecodeMetrics::default(), &UpstreamMetrics::default()),
        );
        a.request(Some("/v1/applications/{id}"), &Method::GET, StatusCode::OK, Duration::from_millis(3));
        a.request(None, &Method::GET, StatusCode::NOT_FOUND, Duration::from_millis(1));
        let text = a.encode().unwrap();
        assert!(text
            .contains(r#"kyc_http_requests_total{route="/v1/applications/{id}",method="GET",status_class="2xx"} 1"#));
        assert!(text.contains(r#"kyc_http_requests_total{route="unmatched",method="GET",status_class="4xx"} 1"#));
        assert!(text.contains("# TYPE kyc_http_request_duration_seconds histogram"), "{text}");
        assert!(text.contains(r#"kyc_http_request_duration_seconds_bucket{route="unmatched",le="+Inf"} 1"#));
        assert!(!b.encode().unwrap().contains("kyc_http_requests_total{"), "the other app saw nothing");
    }

    #[test]
    fn diagnostics_events_are_counted_once_by_kind_and_code() {
        use kyc_domain::diagnostics::{Diagnostics, Environment};
        let m = Metrics::new(&DecodeMetrics::default(), &UpstreamMetrics::default());
        let mut first = Diagnostics {
            environment: Environment::classify("Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0", true, true),
            events: vec![],
            last_step: "photos".into(),
        };
        first.push(10, "personal", "step", "entered");
        first.push(20, "photos", "camera", "denied");
        m.diagnostics(&first, None);
        let mut second = first.clone();
        second.push(30, "photos", "camera", "denied");
        m.diagnostics(&second, Some(&first));
        let text = m.encode().unwrap();
        assert!(text.contains("kyc_diagnostics_reports_total 2"), "{text}");
        assert!(text.contains(r#"kyc_diagnostics_events_total{kind="camera",code="denied"} 2"#), "{text}");
        assert!(text.contains(r#"kyc_diagnostics_events_total{kind="step",code="entered"} 1"#), "{text}");
    }
}
