//! The signed client of the KYC Sharing API: rustls, connect and request timeouts, no
//! redirects; retries only on timeouts, 429, 502, 503, 504 with capped exponential backoff and
//! jitter — or the provider's `Retry-After` when it says so (a wait longer than
//! [`MAX_RETRY_AFTER`] is not waited for) — at most 3 attempts, each re-signed with a fresh
//! timestamp (docs/security.md OB-*). Answers are read with a size cap ([`MAX_RESPONSE_BYTES`]). A
//! provider that keeps failing opens a circuit for [`CIRCUIT_OPEN_FOR`]: calls fail at once
//! instead of hammering it, then one trial call decides (docs/security.md RE-7).

use kyc_domain::canonical_json;
use kyc_domain::signing::{self, headers, SignatureScheme};
use kyc_domain::wire::{codes, Envelope};
use rand::Rng;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::time::Duration;

pub const MAX_ATTEMPTS: u32 = 3;
/// The largest upstream answer read; anything longer is treated as unusable.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// Consecutive failed calls that open the circuit.
pub const CIRCUIT_THRESHOLD: u32 = 5;
/// How long an open circuit refuses calls before one trial call is let through.
pub const CIRCUIT_OPEN_FOR: Duration = Duration::from_secs(15);
/// A `Retry-After` up to this long is honoured; a longer one ends the retries.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Consecutive failures and, when open, until when.
#[derive(Debug, Default)]
struct Circuit {
    failures: u32,
    open_until: Option<std::time::Instant>,
}

/// What went wrong with a call. Neither `Display` nor `Debug` carries the provider's free text
/// (a refusal's `msg` may echo what the applicant typed): logs get codes and HTTP statuses only.
#[derive(thiserror::Error)]
pub enum UpstreamError {
    /// The upstream refused our signature, key or timestamp: an operator problem.
    #[error("upstream refused authentication (code {code})")]
    Auth { code: i64 },
    /// The upstream refused the request's content. `msg` is only read to map the refusal onto
    /// a field (`field_named_in`), never logged.
    #[error("upstream refused the request (code {code})")]
    Rejected { code: i64, msg: String },
    /// No usable answer after the retries: a reason built here from fixed words, HTTP status
    /// codes and the provider's numeric codes, never from an answer's body or a transport
    /// error's text.
    #[error("upstream unavailable: {0}")]
    Unavailable(String),
}

/// Written by hand so that `{:?}` (a job's failure log, `SubmitError`'s `Debug`) leaves out a
/// refusal's `msg`.
impl std::fmt::Debug for UpstreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Auth { code } => f.debug_struct("Auth").field("code", code).finish(),
            Self::Rejected { code, .. } => f.debug_struct("Rejected").field("code", code).finish_non_exhaustive(),
            Self::Unavailable(why) => f.debug_tuple("Unavailable").field(why).finish(),
        }
    }
}

/// A transport failure in fixed words: a `reqwest::Error`'s text (its source chain included)
/// is never passed on.
fn transport_failure(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "answer unreadable"
    } else {
        "request failed"
    }
}

#[derive(Clone)]
pub struct Upstream {
    http: reqwest::Client,
    base: String,
    app_key: String,
    app_secret: SecretString,
    scheme: SignatureScheme,
    backoff_base: Duration,
    circuit: std::sync::Arc<std::sync::Mutex<Circuit>>,
    /// Calls by endpoint and outcome, their durations and retries (`GET /metrics`).
    metrics: crate::metrics::UpstreamMetrics,
}

/// The KYC API's endpoints this client calls, by the names the metrics give them (a path may
/// carry a `requestNo`: it is never a label).
const ENDPOINTS: [&str; 4] = ["information", "fileUpload", "merchantProcess", "queryMerchantKyc"];

/// The endpoint a path calls, as one of [`ENDPOINTS`] (`other` for none of them).
fn endpoint_name(path: &str) -> &'static str {
    let name = path.strip_prefix("/open/api/kyc/share/").and_then(|rest| rest.split(['/', '?']).next());
    ENDPOINTS.into_iter().find(|e| Some(*e) == name).unwrap_or("other")
}

/// A call's outcome as the metrics name it.
fn outcome_name(r: &Result<Option<Value>, UpstreamError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(UpstreamError::Rejected { .. }) => "rejected",
        Err(UpstreamError::Auth { .. }) => "auth_refused",
        Err(UpstreamError::Unavailable(_)) => "unavailable",
    }
}

/// The body of a request, as signed.
pub enum Payload<'a> {
    Empty,
    Json(&'a str),
    /// `fileUpload`: the non-file fields (signed as their canonical JSON) and the file.
    Upload {
        request_no: &'a str,
        kind: &'a str,
        file: &'a [u8],
        media_type: &'a str,
    },
}

impl Upstream {
    pub fn new(base: &str, app_key: &str, app_secret: SecretString, scheme: SignatureScheme) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()
            .expect("reqwest client");
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            app_key: app_key.to_owned(),
            app_secret,
            scheme,
            backoff_base: Duration::from_millis(200),
            circuit: std::sync::Arc::default(),
            metrics: crate::metrics::UpstreamMetrics::default(),
        }
    }

    /// The client's numbers, for the registry of `GET /metrics` (metrics.rs).
    pub fn metrics(&self) -> &crate::metrics::UpstreamMetrics {
        &self.metrics
    }

    /// Shortens the retry backoff (tests).
    #[must_use]
    pub fn with_backoff_base(mut self, base: Duration) -> Self {
        self.backoff_base = base;
        self
    }

    fn sign(&self, method: &Method, request_path: &str, body: &str) -> Vec<(&'static str, String)> {
        let ts = crate::clock::now_ms().to_string();
        match self.scheme {
            SignatureScheme::HmacSha256 => {
                let pre = signing::prehash(&ts, method.as_str(), request_path, body);
                let sign = signing::hmac_sha256_sign(self.app_secret.expose_secret().as_bytes(), &pre);
                vec![
                    (headers::ACCESS_KEY, self.app_key.clone()),
                    (headers::ACCESS_TIMESTAMP, ts),
                    (headers::ACCESS_SIGN, sign),
                ]
            }
            SignatureScheme::Sha1 => {
                let sign = signing::sha1_sign(&self.app_key, self.app_secret.expose_secret(), &ts);
                vec![
                    (headers::SHA1_APP_ID, self.app_key.clone()),
                    (headers::SHA1_TIMESTAMP, ts),
                    (headers::SHA1_SIGN, sign),
                ]
            }
        }
    }

    fn retry_wait(&self, attempt: u32) -> Duration {
        let exp = self.backoff_base.saturating_mul(1 << (attempt - 1)).min(Duration::from_secs(2));
        let jitter = rand::thread_rng().gen_range(0..=exp.as_millis() as u64 / 2 + 1);
        exp + Duration::from_millis(jitter)
    }

    fn circuit(&self) -> std::sync::MutexGuard<'_, Circuit> {
        self.circuit.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether a call may go out now (closed circuit, or an open one whose time is over).
    fn circuit_allows(&self) -> bool {
        let mut c = self.circuit();
        match c.open_until {
            Some(until) if std::time::Instant::now() < until => false,
            Some(_) => {
                // Half-open: this call is the trial; others wait for its outcome by the clock.
                c.open_until = Some(std::time::Instant::now() + CIRCUIT_OPEN_FOR);
                true
            }
            None => true,
        }
    }

    fn record(&self, ok: bool) {
        let mut c = self.circuit();
        if ok {
            if c.open_until.is_some() {
                tracing::info!(event = "circuit_closed", "the KYC API answers again: circuit closed");
            }
            *c = Circuit::default();
            return;
        }
        c.failures += 1;
        if c.failures >= CIRCUIT_THRESHOLD {
            if c.open_until.is_none() {
                tracing::warn!(
                    event = "circuit_open",
                    failures = c.failures,
                    "the KYC API keeps failing: circuit open"
                );
            }
            c.open_until = Some(std::time::Instant::now() + CIRCUIT_OPEN_FOR);
        }
    }

    /// Whether the circuit is open right now (for tests and readiness).
    pub fn circuit_open(&self) -> bool {
        self.circuit().open_until.is_some_and(|u| std::time::Instant::now() < u)
    }

    /// `fileUpload`: one file of an application (a cleaned photo or a report PDF).
    pub async fn upload(
        &self,
        request_no: &str,
        kind: &str,
        file: &[u8],
        media_type: &str,
    ) -> Result<(), UpstreamError> {
        let payload = Payload::Upload { request_no, kind, file, media_type };
        self.call(Method::POST, "/open/api/kyc/share/fileUpload", &[], payload).await.map(|_| ())
    }

    /// Sends one signed call with retries, and returns the envelope's `model` on success.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        payload: Payload<'_>,
    ) -> Result<Option<Value>, UpstreamError> {
        let endpoint = endpoint_name(path);
        let started = std::time::Instant::now();
        if !self.circuit_allows() {
            self.metrics.call(endpoint, "circuit_open", started.elapsed());
            return Err(UpstreamError::Unavailable("circuit open after repeated failures".into()));
        }
        let r = self.call_with_retries(method, path, query, payload).await;
        // Only the provider's unavailability counts; a refusal is an answer.
        self.record(!matches!(r, Err(UpstreamError::Unavailable(_))));
        self.metrics.call(endpoint, outcome_name(&r), started.elapsed());
        r
    }

    async fn call_with_retries(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        payload: Payload<'_>,
    ) -> Result<Option<Value>, UpstreamError> {
        let request_path = signing::request_path(path, query);
        let signed_body = match &payload {
            Payload::Empty => String::new(),
            Payload::Json(s) => (*s).to_owned(),
            Payload::Upload { request_no, kind, .. } => canonical_json(&json!({"requestNo": request_no, "type": kind})),
        };
        let mut last = String::new();
        for attempt in 1..=MAX_ATTEMPTS {
            let mut req = self.http.request(method.clone(), format!("{}{}", self.base, request_path));
            for (k, v) in self.sign(&method, &request_path, &signed_body) {
                req = req.header(k, v);
            }
            req = match &payload {
                Payload::Empty => req,
                Payload::Json(s) => req.header("content-type", "application/json").body((*s).to_owned()),
                Payload::Upload { request_no, kind, file, media_type } => {
                    let ext = if *media_type == "image/png" {
                        "png"
                    } else if *media_type == "application/pdf" {
                        "pdf"
                    } else {
                        "jpg"
                    };
                    // Server-built file name (docs/security.md UP-6); the client's name never travels.
                    let part = reqwest::multipart::Part::bytes(file.to_vec())
                        .file_name(format!("{request_no}-{kind}.{ext}"))
                        .mime_str(media_type)
                        .map_err(|_| UpstreamError::Unavailable("unusable media type".into()))?;
                    let form = reqwest::multipart::Form::new()
                        .text("requestNo", (*request_no).to_owned())
                        .text("type", (*kind).to_owned())
                        .part("file", part);
                    req.multipart(form)
                }
            };
            let mut retry_after: Option<Duration> = None;
            let retryable = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    retry_after = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    if matches!(
                        status,
                        StatusCode::TOO_MANY_REQUESTS
                            | StatusCode::BAD_GATEWAY
                            | StatusCode::SERVICE_UNAVAILABLE
                            | StatusCode::GATEWAY_TIMEOUT
                    ) {
                        last = format!("HTTP {}", status.as_u16());
                        true
                    } else {
                        let text = read_capped(resp).await?;
                        return interpret(status, &text);
                    }
                }
                Err(e) if e.is_timeout() => {
                    last = "timeout".into();
                    true
                }
                Err(e) => return Err(UpstreamError::Unavailable(transport_failure(&e).into())),
            };
            if retryable && attempt < MAX_ATTEMPTS {
                let wait = match retry_after {
                    Some(d) if d > MAX_RETRY_AFTER => {
                        tracing::warn!(reason = %last, "the KYC API asked to wait longer than we hold a request");
                        return Err(UpstreamError::Unavailable(format!("{last} with Retry-After {}s", d.as_secs())));
                    }
                    Some(d) => d.max(self.retry_wait(attempt)),
                    None => self.retry_wait(attempt),
                };
                tracing::warn!(attempt, reason = %last, "upstream call will be retried");
                self.metrics.retry(endpoint_name(path));
                tokio::time::sleep(wait).await;
            }
        }
        Err(UpstreamError::Unavailable(format!("{last} after {MAX_ATTEMPTS} attempts")))
    }
}

/// The answer's body, at most [`MAX_RESPONSE_BYTES`] (read chunk by chunk; a longer or
/// broken answer is unusable).
async fn read_capped(mut resp: reqwest::Response) -> Result<String, UpstreamError> {
    if resp.content_length().is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
        return Err(UpstreamError::Unavailable("answer larger than the cap".into()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| UpstreamError::Unavailable(transport_failure(&e).into()))? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(UpstreamError::Unavailable("answer larger than the cap".into()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

fn interpret(status: StatusCode, text: &str) -> Result<Option<Value>, UpstreamError> {
    let env: Envelope = match serde_json::from_str(text) {
        Ok(env) => env,
        // A refusal we cannot read is still a refusal; a 5xx is trouble on their side.
        Err(_) if status.is_client_error() => return Err(UpstreamError::Rejected { code: 0, msg: String::new() }),
        Err(_) => return Err(UpstreamError::Unavailable(format!("HTTP {} with an unreadable body", status.as_u16()))),
    };
    if env.is_success() {
        return Ok(env.model);
    }
    match env.code {
        codes::SIGNATURE_ERROR | codes::TIMESTAMP_OUT_OF_WINDOW => Err(UpstreamError::Auth { code: env.code }),
        codes::MISSING_PARAMETER if env.msg.contains("signature") => Err(UpstreamError::Auth { code: env.code }),
        codes::SYSTEM_ERROR => Err(UpstreamError::Unavailable(format!("upstream system error (code {})", env.code))),
        code => Err(UpstreamError::Rejected { code, msg: env.msg }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The provider's free text, as a refusal may echo it.
    const ECHO: &str = "Pprovidertext Jane Doe 123-45-6789";

    fn shown(e: &UpstreamError) -> String {
        format!("{e} | {e:?} | {e:#?}")
    }

    #[test]
    fn the_providers_free_text_is_in_neither_display_nor_debug_of_an_error() {
        let msg = serde_json::to_string(ECHO).unwrap();
        let answers = [
            (StatusCode::OK, format!(r#"{{"code":400123,"msg":{msg}}}"#)),
            (StatusCode::BAD_REQUEST, format!(r#"{{"code":400123,"msg":{msg}}}"#)),
            (StatusCode::OK, format!(r#"{{"code":{},"msg":{msg}}}"#, codes::SYSTEM_ERROR)),
            (StatusCode::OK, format!(r#"{{"code":{},"msg":{msg}}}"#, codes::SIGNATURE_ERROR)),
            (StatusCode::INTERNAL_SERVER_ERROR, format!("<html>{ECHO}</html>")),
            (StatusCode::BAD_REQUEST, ECHO.to_owned()),
        ];
        for (status, body) in answers {
            let e = interpret(status, &body).expect_err(&body);
            let text = shown(&e);
            assert!(!text.contains("Pprovidertext") && !text.contains("Jane"), "{text}");
        }
        // A refusal keeps its text for the field mapping, its code for the log.
        let e = interpret(StatusCode::OK, &format!(r#"{{"code":400123,"msg":{msg}}}"#)).unwrap_err();
        assert_eq!(
            format!("{e} | {e:?}"),
            "upstream refused the request (code 400123) | Rejected { code: 400123, .. }"
        );
        let UpstreamError::Rejected { msg, .. } = e else { panic!("not a refusal: {e:?}") };
        assert_eq!(msg, ECHO);
        let e = interpret(StatusCode::INTERNAL_SERVER_ERROR, ECHO).unwrap_err();
        assert_eq!(e.to_string(), "upstream unavailable: HTTP 500 with an unreadable body");
    }

    #[test]
    fn endpoints_are_named_without_what_their_paths_carry() {
        assert_eq!(endpoint_name("/open/api/kyc/share/information"), "information");
        assert_eq!(endpoint_name("/open/api/kyc/share/queryMerchantKyc/0123abcd"), "queryMerchantKyc");
        assert_eq!(endpoint_name("/open/api/kyc/share/merchantProcess?requestNo=0123abcd"), "merchantProcess");
        assert_eq!(endpoint_name("/open/api/kyc/share/somethingNew"), "other");
        assert_eq!(endpoint_name("/elsewhere/information"), "other");
    }

    #[tokio::test]
    async fn a_transport_failure_is_named_in_fixed_words() {
        // A port nothing listens on: connection refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let e = reqwest::Client::new().get(format!("http://127.0.0.1:{port}/x?secret=1")).send().await.unwrap_err();
        assert_eq!(transport_failure(&e), "connection failed");
        let upstream = Upstream::new(
            &format!("http://127.0.0.1:{port}"),
            "key",
            SecretString::from("s".repeat(32)),
            SignatureScheme::HmacSha256,
        );
        let e = upstream.call(Method::POST, "/open/api/kyc/share/information", &[], Payload::Json("{}")).await;
        assert_eq!(format!("{:?}", e.unwrap_err()), r#"Unavailable("connection failed")"#);
    }
}
