//! `spawn_app()`: the real backend on port 0 against the real sandbox on its own port, both
//! over real HTTP on 127.0.0.1, with a SQLite file in a temp dir — or, when
//! `KYC_TEST_POSTGRES_URL` names a PostgreSQL server (the test command starts a throwaway one),
//! a fresh database of its own on that server. The whole suite runs once on each.
#![allow(dead_code)]

pub mod served;

use kyc_sandbox::{Sandbox, SandboxConfig};
use kyc_server::config::{Config, ReportSource};
use kyc_server::{app, AppState};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::net::TcpListener;

/// Whether a `KYC-Signature` header (`t=<unix seconds>,v1=<hex>`) signs `body` with `secret`,
/// its time within five minutes: what a partner's verifier checks (docs/notifications.md).
pub fn partner_signature_ok(secret: &str, header: &str, body: &str) -> bool {
    use hmac::{Hmac, Mac};
    let (mut t, mut v1) = (None, None);
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", x)) => t = Some(x.to_owned()),
            Some(("v1", x)) => v1 = Some(x.to_owned()),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else { return false };
    let fresh = t.parse::<i64>().is_ok_and(|t| (kyc_server::now_secs() - t).abs() < 300);
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    fresh && hex::decode(v1).is_ok_and(|sig| mac.verify_slice(&sig).is_ok())
}

pub struct TestApp {
    pub base: String,
    pub sandbox_base: String,
    pub http: reqwest::Client,
    pub state: AppState,
    pub sandbox: Sandbox,
    pub admin_key: Option<String>,
    pub dir: tempfile::TempDir,
}

/// The `KYC_DATA_KEY` of every test backend (in process or a `serve` process): the same for
/// all, so instances sharing a database open each other's staged data.
pub const TEST_DATA_KEY: &str = "5e11f00d5e11f00d5e11f00d5e11f00d5e11f00d5e11f00d5e11f00d5e11f00d";

pub struct Options {
    /// The secret the backend signs with (the sandbox always uses "sandbox-secret").
    pub app_secret: String,
    pub review_delay: Duration,
    pub upstream_override: Option<String>,
    /// `Some` makes it behave like `serve`: sessions need this admin key.
    pub admin_key: Option<String>,
    pub reports: Option<ReportSource>,
    pub rate_limit_per_minute: Option<u32>,
    pub allowed_origins: Vec<String>,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub timeouts: kyc_server::http::Timeouts,
    /// Extra routes under the same layer stack (a panicking handler, say).
    pub extra_routes: Option<axum::Router>,
    pub retention_secs: Option<i64>,
    /// Share this database URL (a second instance on the first one's database).
    pub database_url: Option<String>,
    pub partner_webhook: Option<(String, String)>,
    pub reconcile_after_secs: Option<i64>,
    /// `KYC_HANDOFF_TTL_SECS` (default 900).
    pub handoff_ttl_secs: Option<i64>,
    /// Sandbox fault injection: calls whose path contains this wait `sandbox_delay_before`
    /// before the sandbox processes them and `sandbox_delay_after` after
    /// (`SandboxConfig::delay_path`).
    pub sandbox_delay_path: Option<String>,
    pub sandbox_delay_before: Duration,
    pub sandbox_delay_after: Duration,
    /// The listener's connection limits (default: `ConnectionLimits::default()`).
    pub connections: Option<kyc_server::http::ConnectionLimits>,
    /// `KYC_DOCUMENT_MISMATCH` (default `record`).
    pub document_mismatch: Option<kyc_server::config::DocumentMismatch>,
    /// Serve `/metrics` on a listener of its own, as `KYC_METRICS_ADDR` does (on 127.0.0.1, a
    /// free port: `state.config.metrics_addr` says which).
    pub metrics_listener: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            app_secret: "sandbox-secret".into(),
            review_delay: Duration::from_millis(300),
            upstream_override: None,
            admin_key: None,
            reports: None,
            rate_limit_per_minute: None,
            allowed_origins: vec![],
            trusted_proxies: vec![],
            timeouts: kyc_server::http::Timeouts::default(),
            extra_routes: None,
            retention_secs: None,
            database_url: None,
            partner_webhook: None,
            reconcile_after_secs: None,
            handoff_ttl_secs: None,
            sandbox_delay_path: None,
            sandbox_delay_before: Duration::ZERO,
            sandbox_delay_after: Duration::ZERO,
            connections: None,
            document_mismatch: None,
            metrics_listener: false,
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(o: Options) -> TestApp {
    let mut sc = SandboxConfig::new("sandbox-key", "sandbox-secret");
    sc.review_delay = o.review_delay;
    sc.webhook_backoff = Duration::from_millis(50);
    sc.delay_path = o.sandbox_delay_path.clone();
    sc.delay_before = o.sandbox_delay_before;
    sc.delay_after = o.sandbox_delay_after;
    let sandbox = Sandbox::new(sc);
    let sl = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox_base = format!("http://{}", sl.local_addr().unwrap());
    let router = sandbox.router();
    tokio::spawn(async move { axum::serve(sl, router).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let base = format!("http://{addr}");
    let mut config = Config::for_demo(addr, &base, dir.path(), "sandbox-key".into(), o.app_secret);
    config.upstream_base_url = o.upstream_override.unwrap_or_else(|| sandbox_base.clone());
    config.admin_key = o.admin_key.clone().map(secrecy::SecretString::from);
    if let Some(r) = o.reports {
        config.reports = r;
    }
    if let Some(n) = o.rate_limit_per_minute {
        config.rate_limit_per_minute = n;
    }
    config.allowed_origins.extend(o.allowed_origins);
    config.trusted_proxies = o.trusted_proxies.into_iter().map(ipnet::IpNet::from).collect();
    if let Some(r) = o.retention_secs {
        config.retention_secs = r;
    }
    config.database_url = match o.database_url {
        Some(u) => u,
        None => test_database_url(dir.path()).await,
    };
    if let Some((url, secret)) = o.partner_webhook {
        config.partner_webhook_url = Some(url);
        config.partner_webhook_secret = Some(secrecy::SecretString::from(secret));
    }
    if let Some(r) = o.reconcile_after_secs {
        config.reconcile_after_secs = r;
    }
    config.data_key = kyc_server::staging::DataKey::from_hex(TEST_DATA_KEY).unwrap();
    if let Some(t) = o.handoff_ttl_secs {
        config.handoff_ttl_secs = t;
    }
    if let Some(m) = o.document_mismatch {
        config.document_mismatch = m;
    }
    let metrics_listener = if o.metrics_listener {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        config.metrics_addr = Some(l.local_addr().unwrap());
        Some(l)
    } else {
        None
    };
    let state = AppState::new(config).await.unwrap();
    let mut a = app(state.clone(), None);
    if let Some(extra) = o.extra_routes {
        a = kyc_server::layered(extra, state.clone()).merge(a);
    }
    let (timeouts, limits) = (o.timeouts, o.connections.unwrap_or_default());
    let workers = state.clone();
    tokio::spawn(async move {
        kyc_server::run_with_metrics(l, metrics_listener, a, workers, std::future::pending(), timeouts, limits)
            .await
            .unwrap();
    });
    TestApp { base, sandbox_base, http: reqwest::Client::new(), state, sandbox, admin_key: o.admin_key, dir }
}

/// The database of one test app: a SQLite file in `dir`, or a new database on the PostgreSQL
/// server named by `KYC_TEST_POSTGRES_URL`.
pub async fn test_database_url(dir: &std::path::Path) -> String {
    match std::env::var("KYC_TEST_POSTGRES_URL") {
        Ok(admin) if !admin.is_empty() => {
            use sqlx::Connection;
            let name = format!("kyc_test_{}", kyc_sandbox::random_hex(8));
            let mut c = sqlx::PgConnection::connect(&admin).await.expect("the test PostgreSQL server answers");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await.unwrap();
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_owned();
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}", dir.join("kyc-demo.db").display()),
    }
}

/// Whether this run is on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("KYC_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty())
}

pub fn valid_draft(email: &str) -> Value {
    json!({"email": email,
        "individualInfo": {"firstName": "Jane", "lastName": "Doe", "dob": "1990-04-01", "country": "US",
                           "gender": 2, "idDocType": "2", "number": "X1234567", "validUntil": "2031-01-01"},
        "address": {"country": "US", "state": "CA", "city": "San Francisco",
                    "address": "1 Market St", "zipCode": "94105", "ssn": "123-45-6789"}})
}

impl TestApp {
    pub async fn session(&self) -> String {
        // A new partner user each time: a user has one application (docs/api.md).
        self.session_for(&format!("user-{}", kyc_sandbox::random_hex(6))).await
    }

    pub async fn session_for(&self, external_user_id: &str) -> String {
        let mut req =
            self.http.post(format!("{}/v1/sessions", self.base)).json(&json!({"externalUserId": external_user_id}));
        if let Some(k) = &self.admin_key {
            req = req.bearer_auth(k);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()["sessionToken"].as_str().unwrap().to_owned()
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.http.post(format!("{}{path}", self.base)).bearer_auth(token).json(body).send().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).bearer_auth(token).send().await.unwrap()
    }

    pub async fn put_photo(&self, token: &str, app_id: &str, kind: &str, bytes: Vec<u8>) -> reqwest::Response {
        self.http
            .put(format!("{}/v1/applications/{app_id}/documents/{kind}", self.base))
            .bearer_auth(token)
            .header("content-type", "image/jpeg")
            .body(bytes)
            .send()
            .await
            .unwrap()
    }

    /// Creates a session and an application; returns (token, applicationId).
    pub async fn application(&self, email: &str) -> (String, String) {
        let token = self.session().await;
        let r = self.post("/v1/applications", &token, &valid_draft(email)).await;
        assert_eq!(r.status(), 201);
        let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
        (token, id)
    }

    pub async fn sandbox_list(&self) -> Vec<Value> {
        sandbox_get(&self.http, &format!("{}/__sandbox/applications", self.sandbox_base)).await
    }

    pub async fn request_no_of(&self, email: &str) -> String {
        request_no_of(&self.http, &self.sandbox_base, email).await
    }

    pub async fn sandbox_app(&self, request_no: &str) -> Value {
        sandbox_get(&self.http, &format!("{}/__sandbox/applications/{request_no}", self.sandbox_base)).await
    }

    pub async fn sandbox_app_by_email(&self, email: &str) -> Value {
        sandbox_app_by_email(&self.http, &self.sandbox_base, email).await
    }

    /// The bytes of a file as the sandbox stored it.
    pub async fn sandbox_file(&self, request_no: &str, kind: &str) -> Vec<u8> {
        let url = format!("{}/__sandbox/applications/{request_no}/files/{kind}", self.sandbox_base);
        self.http.get(url).send().await.unwrap().bytes().await.unwrap().to_vec()
    }

    pub fn webhook_url(&self) -> String {
        format!("{}/v1/webhooks/kyc/{}", self.base, self.state.config.webhook_secret.expose_secret())
    }

    pub async fn status(&self, token: &str, id: &str) -> String {
        self.get(&format!("/v1/applications/{id}"), token).await.json::<Value>().await.unwrap()["status"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Polls the status until `want` or a timeout.
    pub async fn wait_status(&self, token: &str, id: &str, want: &str) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            last = self.status(token, id).await;
            if last == want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last
    }
}

/// A real JPEG of `w` × `h` (a gradient, so it compresses like a photo).
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img =
        image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img).unwrap();
    out
}

/// A field of this process's `/proc/self/status` in KiB (`VmHWM`, `VmRSS`).
pub fn proc_status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field).and_then(|r| r.strip_prefix(':')))
        .unwrap()
        .trim()
        .trim_end_matches(" kB")
        .trim()
        .parse()
        .unwrap()
}

/// A free TCP port on 127.0.0.1 (for a child process that must be told its port).
pub fn free_port() -> u16 {
    // The OS may hand out the same free port twice in a row (the first listener is gone by the
    // next call): two servers of one test, or a "dead" webhook target and the live instance,
    // would then share it. A loaded full run hit that. Never give the same port twice.
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut given = GIVEN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// A child process killed and reaped when dropped.
pub struct Proc(pub std::process::Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Proc {
    /// `kill -9`: no drain, no cleanup, as a crash would.
    pub fn kill9(&mut self) {
        let pid = self.0.id().to_string();
        assert!(std::process::Command::new("kill").args(["-9", &pid]).status().unwrap().success());
        let _ = self.0.wait();
    }
}

/// Waits (up to 10 s) until `url` answers 2xx.
pub async fn wait_healthy(url: &str) {
    for _ in 0..200 {
        if reqwest::get(url).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} never became healthy");
}

/// A JSON answer of the sandbox's console API.
pub async fn sandbox_get<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: &str) -> T {
    http.get(url).send().await.unwrap().json().await.unwrap()
}

/// The `requestNo` of the application the sandbox at `sandbox` received with `email`.
pub async fn request_no_of(http: &reqwest::Client, sandbox: &str, email: &str) -> String {
    let list: Vec<Value> = sandbox_get(http, &format!("{sandbox}/__sandbox/applications")).await;
    let app = list.into_iter().find(|a| a["email"] == email).expect("the sandbox received the application");
    app["requestNo"].as_str().unwrap().to_owned()
}

/// The sandbox's record of the application sent with `email` (calls, files, status).
pub async fn sandbox_app_by_email(http: &reqwest::Client, sandbox: &str, email: &str) -> Value {
    let rn = request_no_of(http, sandbox, email).await;
    sandbox_get(http, &format!("{sandbox}/__sandbox/applications/{rn}")).await
}

/// A 40 MP PNG, 16 bits per sample, RGBA: 320 MB of pixels (a 64-px checkerboard, sharp for the
/// quality rulebook) in a few hundred kilobytes — the heaviest legal decode. Made once.
pub fn heavy_png() -> &'static [u8] {
    static P: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let img = image::ImageBuffer::<image::Rgba<u16>, Vec<u16>>::from_fn(8000, 5000, |x, y| {
            if (x / 64 + y / 64) % 2 == 0 {
                image::Rgba([1000, 30000, 65535, 65535])
            } else {
                image::Rgba([50000, 52000, 30000, 65535])
            }
        });
        let mut out = Vec::new();
        image::DynamicImage::ImageRgba16(img)
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    })
}

/// `PUT /v1/photos/{kind}` (staging) of a JPEG with `token`, through `http` (a client of a given
/// address, say).
pub async fn put_staged(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    kind: &str,
    jpeg: Vec<u8>,
) -> reqwest::Response {
    http.put(format!("{base}/v1/photos/{kind}"))
        .bearer_auth(token)
        .header("content-type", "image/jpeg")
        .body(jpeg)
        .send()
        .await
        .unwrap()
}
