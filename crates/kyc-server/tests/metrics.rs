//! `GET /metrics` (metrics.rs, routes/metrics.rs): behind the admin key on the main listener, or
//! alone on a listener of its own (`KYC_METRICS_ADDR`, in process and in the real `serve`); its
//! numbers move with a real flow against the sandbox; no label carries an id, a token or an
//! address; and `promtool check metrics` accepts what it writes.

mod support;

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;
use support::{free_port, jpeg, spawn_app, spawn_app_with, valid_draft, wait_healthy, Options, Proc, TestApp};

const ADMIN_KEY: &str = "metrics-admin-key-0123456789abcdef0123";

fn with_admin_key() -> Options {
    // A long review: the application is still `reviewing` when the metrics are read.
    Options { admin_key: Some(ADMIN_KEY.into()), review_delay: Duration::from_secs(120), ..Options::default() }
}

async fn scrape_main(app: &TestApp, key: Option<&str>) -> reqwest::Response {
    let mut req = app.http.get(format!("{}/metrics", app.base));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    req.send().await.unwrap()
}

/// Every sample of a scrape: the series (name and labels, as written) → its value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample: {l}"));
            let value = match value {
                "+Inf" => f64::INFINITY,
                v => v.parse().unwrap_or_else(|_| panic!("not a value: {l}")),
            };
            (series.to_owned(), value)
        })
        .collect()
}

fn value(s: &BTreeMap<String, f64>, series: &str) -> f64 {
    *s.get(series)
        .unwrap_or_else(|| panic!("no series {series} in:\n{}", s.keys().cloned().collect::<Vec<_>>().join("\n")))
}

/// What a flow leaves behind that no metric may show.
struct Secrets {
    external_user_id: String,
    application_id: String,
    token: String,
    email: String,
    request_no: String,
}

/// A whole flow — a session, an application, three photos, the submit — and a handoff of a
/// second user, an unknown `/v1` path carrying the application id and a path no route has;
/// then one scrape with the admin key.
async fn scrape_after_a_flow() -> (TestApp, String, Secrets) {
    let app = spawn_app_with(with_admin_key()).await;
    let external_user_id = format!("metrics-user-{}", kyc_sandbox::random_hex(6));
    let email = format!("{external_user_id}@example.com");
    let token = app.session_for(&external_user_id).await;
    let r = app.post("/v1/applications", &token, &valid_draft(&email)).await;
    assert_eq!(r.status(), 201);
    let application_id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    for kind in ["idFront", "idBack", "face"] {
        assert_eq!(app.put_photo(&token, &application_id, kind, jpeg(800, 600)).await.status(), 204, "{kind}");
    }
    let r = app.post(&format!("/v1/applications/{application_id}/submit"), &token, &json!({})).await;
    assert_eq!(r.status(), 202);
    assert_eq!(app.status(&token, &application_id).await, "reviewing");

    let other = app.session().await;
    let r = app.post("/v1/handoff", &other, &json!({"url": format!("{}/", app.base)})).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assert_eq!(app.get(&format!("/v1/nothing/{application_id}"), &token).await.status(), 404);
    let r = app.http.get(format!("{}/no-such-page/{external_user_id}", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 404);

    // Two diagnostics traces of the session, the second with one event more (a beacon: the token
    // in its body): the events are counted once each.
    let mut trace = json!({"environment": {"engine": "blink", "os": "android", "inApp": "none", "webview": "none",
                                           "secure": true, "cameraApi": true},
                           "events": [{"at": 10, "step": "personal", "kind": "step", "code": "entered"},
                                      {"at": 9000, "step": "photos", "kind": "camera", "code": "denied"}],
                           "lastStep": "photos"});
    assert_eq!(app.post("/v1/diagnostics", &token, &trace).await.status(), 204);
    trace["events"]
        .as_array_mut()
        .unwrap()
        .push(json!({"at": 9500, "step": "photos", "kind": "way_out", "code": "file_input"}));
    trace["sessionToken"] = json!(token);
    let r = app
        .http
        .post(format!("{}/v1/diagnostics", app.base))
        .header("content-type", "text/plain;charset=UTF-8")
        .body(trace.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    let request_no = app.request_no_of(&email).await;
    let r = scrape_main(&app, Some(ADMIN_KEY)).await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    (app, text, Secrets { external_user_id, application_id, token, email, request_no })
}

#[tokio::test]
async fn metrics_on_the_main_listener_need_the_admin_key() {
    let app = spawn_app_with(with_admin_key()).await;
    assert_eq!(scrape_main(&app, None).await.status(), 401);
    assert_eq!(scrape_main(&app, Some("not-the-admin-key-0123456789abcdef0123")).await.status(), 401);
    // An applicant's session token is not the admin key.
    let token = app.session().await;
    assert_eq!(scrape_main(&app, Some(&token)).await.status(), 401);
    let r = scrape_main(&app, Some(ADMIN_KEY)).await;
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    assert!(r.text().await.unwrap().contains("# TYPE kyc_http_requests_total counter"));

    // Without an admin key configured (the demo), nobody may read them.
    let demo = spawn_app().await;
    assert_eq!(scrape_main(&demo, None).await.status(), 401);
}

#[tokio::test]
async fn a_flow_moves_the_counters_and_the_gauges() {
    let (_app, text, _) = scrape_after_a_flow().await;
    let s = samples(&text);
    let at_least = |series: &str, n: f64| {
        let v = value(&s, series);
        assert!(v >= n, "{series} is {v}, expected at least {n}");
    };
    // Requests by route template, method and status class.
    at_least(r#"kyc_http_requests_total{route="/v1/applications",method="POST",status_class="2xx"}"#, 1.0);
    at_least(r#"kyc_http_requests_total{route="/v1/sessions",method="POST",status_class="2xx"}"#, 2.0);
    let documents =
        r#"kyc_http_requests_total{route="/v1/applications/{id}/documents/{kind}",method="PUT",status_class="2xx"}"#;
    assert_eq!(value(&s, documents), 3.0);
    at_least(r#"kyc_http_requests_total{route="/v1/applications/{id}/submit",method="POST",status_class="2xx"}"#, 1.0);
    at_least(r#"kyc_http_requests_total{route="/v1/{*rest}",method="GET",status_class="4xx"}"#, 1.0);
    at_least(r#"kyc_http_requests_total{route="unmatched",method="GET",status_class="4xx"}"#, 1.0);
    // Durations by route template: a histogram, buckets, sum and count.
    assert!(text.contains("# TYPE kyc_http_request_duration_seconds histogram"));
    let route = r#"route="/v1/applications/{id}/documents/{kind}""#;
    assert_eq!(value(&s, &format!("kyc_http_request_duration_seconds_bucket{{{route},le=\"+Inf\"}}")), 3.0);
    assert_eq!(value(&s, &format!("kyc_http_request_duration_seconds_count{{{route}}}")), 3.0);
    assert!(value(&s, &format!("kyc_http_request_duration_seconds_sum{{{route}}}")) > 0.0);
    assert!(text.contains(&format!("kyc_http_request_duration_seconds_bucket{{{route},le=\"0.005\"}}")));
    // The upstream calls, by endpoint and outcome, and their durations.
    at_least(r#"kyc_upstream_calls_total{endpoint="information",outcome="ok"}"#, 1.0);
    at_least(r#"kyc_upstream_calls_total{endpoint="fileUpload",outcome="ok"}"#, 3.0);
    at_least(r#"kyc_upstream_calls_total{endpoint="merchantProcess",outcome="ok"}"#, 1.0);
    at_least(r#"kyc_upstream_call_duration_seconds_count{endpoint="information"}"#, 1.0);
    assert_eq!(value(&s, "kyc_upstream_circuit_open"), 0.0);
    // The photos (and the document reads of idFront and idBack) waited for the decode budget.
    at_least("kyc_photo_decode_queue_wait_seconds_count", 3.0);
    assert_eq!(value(&s, "kyc_photo_decode_queue_waiting"), 0.0);
    // The body budget: free again (but for a webhook of the sandbox's that may be in flight).
    assert_eq!(value(&s, "kyc_request_body_budget_bytes"), 96.0 * 1024.0 * 1024.0);
    assert!(value(&s, "kyc_request_bodies_in_use_bytes") < 1024.0 * 1024.0);
    // From the database: the application is under review, the other user's handoff waits.
    assert_eq!(value(&s, r#"kyc_applications{status="reviewing"}"#), 1.0);
    assert_eq!(value(&s, r#"kyc_applications{status="draft"}"#), 0.0);
    assert_eq!(value(&s, r#"kyc_applications{status="approved"}"#), 0.0);
    assert_eq!(value(&s, r#"kyc_handoffs{state="waiting"}"#), 1.0);
    assert_eq!(value(&s, r#"kyc_handoffs{state="connected"}"#), 0.0);
    for gauge in ["kyc_jobs_pending", "kyc_jobs_failed", "kyc_partner_notifications_pending"] {
        assert!(value(&s, gauge) >= 0.0, "{gauge}");
    }
    assert_eq!(value(&s, "kyc_partner_notifications_failed"), 0.0);
    assert_eq!(value(&s, "kyc_database_up"), 1.0);
    // The diagnostics traces and their events by kind and code, each event once.
    assert_eq!(value(&s, "kyc_diagnostics_reports_total"), 2.0);
    assert_eq!(value(&s, r#"kyc_diagnostics_events_total{kind="step",code="entered"}"#), 1.0);
    assert_eq!(value(&s, r#"kyc_diagnostics_events_total{kind="camera",code="denied"}"#), 1.0);
    assert_eq!(value(&s, r#"kyc_diagnostics_events_total{kind="way_out",code="file_input"}"#), 1.0);
    at_least(r#"kyc_http_requests_total{route="/v1/diagnostics",method="POST",status_class="2xx"}"#, 2.0);
}

#[tokio::test]
async fn no_label_holds_an_id_a_token_or_an_address() {
    let (_app, text, secrets) = scrape_after_a_flow().await;
    let (session_id, _) = secrets.token.split_once('.').unwrap();
    for (what, secret) in [
        ("the externalUserId", secrets.external_user_id.as_str()),
        ("the applicationId", &secrets.application_id),
        ("the session token", &secrets.token),
        ("the session id", session_id),
        ("the email", &secrets.email),
        ("the requestNo", &secrets.request_no),
        ("the client address", "127.0.0.1"),
        ("the admin key", ADMIN_KEY),
    ] {
        assert!(!text.contains(secret), "the metrics show {what} ({secret}):\n{text}");
    }
    // Every route label is a template or `unmatched`: nothing of a real path.
    for line in text.lines().filter(|l| l.contains("route=\"")) {
        let route = line.split("route=\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
        assert!(
            route == "unmatched" || (route.starts_with('/') && !route.contains("no-such-page")),
            "not a route template: {line}"
        );
    }
}

#[tokio::test]
async fn promtool_accepts_the_output() {
    let (_app, text, _) = scrape_after_a_flow().await;
    let promtool = std::env::var("KYC_PROMTOOL").unwrap_or_else(|_| "promtool".into());
    let child = std::process::Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => panic!(
            "cannot run `{promtool}` ({e}): this test needs promtool — install Debian's `prometheus` \
             package (`apt-get install -y prometheus`) or set KYC_PROMTOOL to its path"
        ),
    };
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics refused the output ({}):\n{}{}\n--- the output:\n{text}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_metrics_listener_of_its_own_needs_no_key_and_the_main_one_has_none() {
    let app = spawn_app_with(Options { metrics_listener: true, ..with_admin_key() }).await;
    let metrics = format!("http://{}", app.state.config.metrics_addr.unwrap());
    let token = app.session().await;
    let r = app.post("/v1/applications", &token, &valid_draft("listener@example.com")).await;
    assert_eq!(r.status(), 201);

    let r = app.http.get(format!("{metrics}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let s = samples(&r.text().await.unwrap());
    assert_eq!(value(&s, r#"kyc_http_requests_total{route="/v1/applications",method="POST",status_class="2xx"}"#), 1.0);
    assert_eq!(value(&s, r#"kyc_applications{status="draft"}"#), 1.0);
    // Scrapes are not traffic: that listener's requests are not counted.
    assert!(!s.keys().any(|k| k.contains("route=\"/metrics\"")), "{s:?}");
    // It serves nothing else.
    for path in ["/v1/sessions", "/healthz", "/"] {
        assert_eq!(app.http.get(format!("{metrics}{path}")).send().await.unwrap().status(), 404, "{path}");
    }
    // The main listener then has no `/metrics`, not even with the admin key: 404.
    assert_eq!(scrape_main(&app, Some(ADMIN_KEY)).await.status(), 404);
    assert_eq!(scrape_main(&app, None).await.status(), 404);
}

const BIN: &str = env!("CARGO_BIN_EXE_kyc-server");

/// `kyc-server serve` with a complete configuration and `extra` on top, its stderr captured.
fn serve(port: u16, extra: &[(&str, &str)]) -> std::process::Command {
    let mut c = std::process::Command::new(BIN);
    c.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .env("KYC_UPSTREAM_BASE_URL", "https://kyc.example")
        .env("KYC_APP_KEY", "metrics-key")
        .env("KYC_APP_SECRET", "metrics-app-secret-0123456789abcdef0123")
        .env("KYC_PUBLIC_BASE_URL", "https://partner.example")
        .env("KYC_WEBHOOK_SECRET", "798f7494e3a7603e9cf68fcd987ef0a8c67cd57d43317285a2fed159e89271e9")
        .env("KYC_ADMIN_KEY", ADMIN_KEY)
        .env("KYC_ADDR", format!("127.0.0.1:{port}"))
        .env("KYC_DATA_KEY", support::TEST_DATA_KEY)
        .env("DATABASE_URL", "sqlite::memory:")
        .envs(extra.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    c
}

#[tokio::test]
async fn serve_listens_on_kyc_metrics_addr_and_stops_it_with_the_rest() {
    let (port, metrics_port) = (free_port(), free_port());
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    let mut server = Proc(serve(port, &[("KYC_METRICS_ADDR", &metrics_addr)]).spawn().unwrap());
    wait_healthy(&format!("http://127.0.0.1:{port}/healthz")).await;
    let http = reqwest::Client::new();
    let r = http.get(format!("http://{metrics_addr}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("kyc_database_up 1"));
    let main = http.get(format!("http://127.0.0.1:{port}/metrics")).bearer_auth(ADMIN_KEY).send().await.unwrap();
    assert_eq!(main.status(), 404);

    let pid = server.0.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    for _ in 0..100 {
        if let Some(status) = server.0.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            assert!(
                tokio::net::TcpStream::connect(&metrics_addr).await.is_err(),
                "the metrics listener is closed with the process"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("serve did not exit after SIGTERM");
}

#[test]
fn a_bad_or_busy_metrics_address_stops_the_start_naming_the_variable() {
    let port = free_port();
    for bad in ["9999", "metrics.internal:9999", "127.0.0.1:99999", &format!("127.0.0.1:{port}")] {
        let out = serve(port, &[("KYC_METRICS_ADDR", bad)]).output().unwrap();
        assert!(!out.status.success(), "{bad}: started anyway");
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{bad}: one line, got {err:?}");
        assert!(lines[0].contains("KYC_METRICS_ADDR") && !lines[0].contains(bad), "{bad}: {err}");
    }
    // An address another process holds: the start stops, naming the variable.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = serve(free_port(), &[("KYC_METRICS_ADDR", &addr)]).output().unwrap();
    assert!(!out.status.success(), "started on a taken metrics address");
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen on KYC_METRICS_ADDR"));
}
