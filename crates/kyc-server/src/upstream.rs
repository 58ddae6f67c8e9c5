//! The signed client of the KYC Sharing API: rustls, connect and request timeouts, no
//! redirects; retries only on timeouts, 429, 502, 503, 504 with capped exponential backoff and
//! jitter, at most 3 attempts, each re-signed with a fresh timestamp (checklist OB-*).

use kyc_domain::canonical_json;
use kyc_domain::signing::{self, headers, SignatureScheme};
use kyc_domain::wire::{codes, Envelope};
use rand::Rng;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::time::Duration;

pub const MAX_ATTEMPTS: u32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The upstream refused our signature, key or timestamp: an operator problem.
    #[error("upstream refused authentication (code {code})")]
    Auth { code: i64 },
    /// The upstream refused the request's content.
    #[error("upstream refused the request (code {code})")]
    Rejected { code: i64, msg: String },
    /// No usable answer after the retries.
    #[error("upstream unavailable: {0}")]
    Unavailable(String),
}

#[derive(Clone)]
pub struct Upstream {
    http: reqwest::Client,
    base: String,
    app_key: String,
    app_secret: SecretString,
    scheme: SignatureScheme,
    backoff_base: Duration,
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
        }
    }

    /// Shortens the retry backoff (tests).
    #[must_use]
    pub fn with_backoff_base(mut self, base: Duration) -> Self {
        self.backoff_base = base;
        self
    }

    fn sign(&self, method: &Method, request_path: &str, body: &str) -> Vec<(&'static str, String)> {
        let ts = crate::now_ms().to_string();
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

    /// Sends one signed call with retries, and returns the envelope's `model` on success.
    pub async fn call(
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
                    // Server-built file name (checklist UP-6); the client's name never travels.
                    let part = reqwest::multipart::Part::bytes(file.to_vec())
                        .file_name(format!("{request_no}-{kind}.{ext}"))
                        .mime_str(media_type)
                        .map_err(|e| UpstreamError::Unavailable(e.to_string()))?;
                    let form = reqwest::multipart::Form::new()
                        .text("requestNo", (*request_no).to_owned())
                        .text("type", (*kind).to_owned())
                        .part("file", part);
                    req.multipart(form)
                }
            };
            let retryable = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    if matches!(
                        status,
                        StatusCode::TOO_MANY_REQUESTS
                            | StatusCode::BAD_GATEWAY
                            | StatusCode::SERVICE_UNAVAILABLE
                            | StatusCode::GATEWAY_TIMEOUT
                    ) {
                        last = format!("HTTP {status}");
                        true
                    } else {
                        let text = resp.text().await.map_err(|e| UpstreamError::Unavailable(e.to_string()))?;
                        return interpret(status, &text);
                    }
                }
                Err(e) if e.is_timeout() => {
                    last = "timeout".into();
                    true
                }
                Err(e) => return Err(UpstreamError::Unavailable(format!("connection failed: {}", e.without_url()))),
            };
            if retryable && attempt < MAX_ATTEMPTS {
                tracing::warn!(attempt, reason = %last, path, "upstream call will be retried");
                tokio::time::sleep(self.retry_wait(attempt)).await;
            }
        }
        Err(UpstreamError::Unavailable(format!("{last} after {MAX_ATTEMPTS} attempts")))
    }
}

fn interpret(status: StatusCode, text: &str) -> Result<Option<Value>, UpstreamError> {
    let env: Envelope = match serde_json::from_str(text) {
        Ok(env) => env,
        // A refusal we cannot read is still a refusal; a 5xx is trouble on their side.
        Err(_) if status.is_client_error() => return Err(UpstreamError::Rejected { code: 0, msg: String::new() }),
        Err(_) => return Err(UpstreamError::Unavailable(format!("HTTP {status} with an unreadable body"))),
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
