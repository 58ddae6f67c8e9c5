//! Planted PII never appears in the logs (docs/security.md LG-1, LG-2): every endpoint, happy and
//! error paths, with the sandbox in the same process. One test in its own binary, because the
//! log capture is process-wide.

mod support;

use serde_json::{json, Value};
use std::io::Write;
use std::sync::{Arc, Mutex};
use support::{jpeg, spawn_app, spawn_app_with, Options};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const FIRST: &str = "Zzsentinel";
const LAST: &str = "Qqtest";
const EMAIL: &str = "zzsentinel.qqtest@example.com";
const SSN: &str = "123-45-6789";
const SSN_DIGITS: &str = "123456789";
const DOC: &str = "X9Z8Y7W6";
const DOB: &str = "1970-01-02";
const STREET: &str = "77 Sentinelweg";

/// Free text of a provider's that echoes what the applicant typed: never logged.
const PROVIDER_TEXT: &str = "Pprovidertext";

fn provider_msg() -> String {
    format!("{PROVIDER_TEXT} refused {FIRST} {LAST} {SSN} {STREET}")
}

/// A provider whose every refusal and failure carries [`provider_msg`]: `information` answers
/// the scripted (HTTP status, body) pairs in turn, then success (recording the `requestNo`);
/// `queryMerchantKyc` always refuses.
async fn chatty_upstream(script: Vec<(u16, String)>) -> (String, Arc<Mutex<Vec<String>>>) {
    use axum::http::StatusCode;
    let request_nos = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(script.into_iter()));
    let rec = request_nos.clone();
    let ok = json!({"code": 0, "msg": "ok", "model": {}, "traceId": "t", "success": true, "error": false});
    let app = axum::Router::new()
        .route(
            "/open/api/kyc/share/information",
            axum::routing::post(move |body: String| {
                let (rec, script, ok) = (rec.clone(), script.clone(), ok.clone());
                async move {
                    match script.lock().unwrap().next() {
                        Some((status, text)) => (StatusCode::from_u16(status).unwrap(), text),
                        None => {
                            let v: Value = serde_json::from_str(&body).unwrap();
                            rec.lock().unwrap().push(v["requestNo"].as_str().unwrap().to_owned());
                            (StatusCode::OK, ok.to_string())
                        }
                    }
                }
            }),
        )
        .route(
            "/open/api/kyc/share/queryMerchantKyc/{request_no}",
            axum::routing::post(|| async { json!({"code": 400_123, "msg": provider_msg()}).to_string() }),
        );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (base, request_nos)
}

fn sentinel_draft(email: &str) -> Value {
    json!({"email": email,
        "individualInfo": {"firstName": FIRST, "lastName": LAST, "dob": DOB, "country": "US",
                           "gender": 1, "idDocType": "1", "number": DOC, "validUntil": "2099-01-01"},
        "address": {"country": "US", "state": "NY", "city": "Sentinelville",
                    "address": STREET, "zipCode": "10001", "ssn": SSN}})
}

#[tokio::test]
async fn planted_pii_never_appears_in_the_logs_on_any_path() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .json()
        .with_env_filter("debug,hyper=info,hyper_util=info,h2=info,reqwest=info,rustls=info")
        .with_writer(move || writer.clone())
        .init();

    let app = spawn_app().await;
    let token = app.session().await;
    // Validation errors carrying the sentinels.
    let mut bad = sentinel_draft("not-an-email");
    bad["individualInfo"]["dob"] = json!("2020-01-01");
    bad["address"]["ssn"] = json!("666-45-6789");
    bad["individualInfo"]["firstName"] = json!("Bob\n{\"level\":\"ERROR\"}");
    let refused = app.post("/v1/applications", &token, &bad).await;
    assert_eq!(refused.status(), 422);
    let request_id = refused.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(refused.json::<Value>().await.unwrap()["error"]["requestId"], json!(request_id));
    // Mass assignment.
    let mut evil = sentinel_draft(EMAIL);
    evil["requestNo"] = json!(DOC);
    assert_eq!(app.post("/v1/applications", &token, &evil).await.status(), 400);
    // Diagnostics traces (POST /v1/diagnostics): the token in the header, in the body (the
    // beacon form), and a trace carrying the sentinels where only codes may be (refused).
    let mut trace = json!({"environment": {"engine": "blink", "os": "android", "inApp": "none", "webview": "none",
                                           "secure": true, "cameraApi": true},
                           "events": [{"at": 10, "step": "personal", "kind": "step", "code": "entered"}],
                           "lastStep": "personal"});
    assert_eq!(app.post("/v1/diagnostics", &token, &trace).await.status(), 204);
    trace["sessionToken"] = json!(token);
    let beacon = |body: &Value| {
        app.http
            .post(format!("{}/v1/diagnostics", app.base))
            .header("content-type", "text/plain;charset=UTF-8")
            .body(body.to_string())
            .send()
    };
    assert_eq!(beacon(&trace).await.unwrap().status(), 204);
    let mut planted = trace.clone();
    planted["events"][0]["code"] = json!(EMAIL);
    planted["lastStep"] = json!(format!("{FIRST} {LAST}"));
    assert_eq!(beacon(&planted).await.unwrap().status(), 400);
    planted["sessionToken"] = json!(format!("{}.{SSN}", &token[..32]));
    assert_eq!(beacon(&planted).await.unwrap().status(), 401);
    // Happy path through approval.
    let r = app.post("/v1/applications", &token, &sentinel_draft(EMAIL)).await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    assert_eq!(app.put_photo(&token, &id, "face", b"GIF89a".to_vec()).await.status(), 415);
    assert_eq!(app.put_photo(&token, &id, "idFront", jpeg(800, 600)).await.status(), 204);
    assert_eq!(app.put_photo(&token, &id, "face", jpeg(800, 600)).await.status(), 204);
    assert_eq!(app.post(&format!("/v1/applications/{id}/submit"), &token, &json!({})).await.status(), 202);
    assert_eq!(app.wait_status(&token, &id, "approved").await, "approved");
    // Upstream refusal naming the email (already used).
    let token2 = app.session().await;
    assert_eq!(app.post("/v1/applications", &token2, &sentinel_draft(EMAIL)).await.status(), 422);
    // Signature refused upstream.
    let broken = spawn_app_with(Options { app_secret: "wrong-secret-value".into(), ..Options::default() }).await;
    let t3 = broken.session().await;
    assert_eq!(broken.post("/v1/applications", &t3, &sentinel_draft("other.sentinel@example.com")).await.status(), 502);
    // Webhooks: wrong secret, unknown requestNo.
    let _ = app
        .http
        .post(format!("{}/v1/webhooks/kyc/{}", app.base, "0".repeat(64)))
        .json(&json!({"requestNo": DOC}))
        .send()
        .await;
    let _ = app.http.post(app.webhook_url()).json(&json!({"requestNo": DOC, "kycStatus": "approved"})).send().await;
    // A provider whose refusals and failures echo the applicant in free text: a refusal naming
    // no field, a system error, a 5xx and a 4xx with a body that is not its envelope, then a
    // status query refused (a job's failure) — only codes and HTTP statuses are logged.
    let refusal = json!({"code": 400_123, "msg": provider_msg()}).to_string();
    let system = json!({"code": kyc_domain::wire::codes::SYSTEM_ERROR, "msg": provider_msg()}).to_string();
    let (base, request_nos) = chatty_upstream(vec![
        (200, refusal.clone()),
        (400, refusal),
        (200, system),
        (500, format!("<html>{}</html>", provider_msg())),
        (400, provider_msg()),
    ])
    .await;
    let chatty = spawn_app_with(Options { upstream_override: Some(base), ..Options::default() }).await;
    for want in [502, 502, 503, 503, 502, 201] {
        let t = chatty.session().await;
        let r = chatty.post("/v1/applications", &t, &sentinel_draft(EMAIL)).await;
        assert_eq!(r.status(), want);
        assert!(!r.text().await.unwrap().contains(PROVIDER_TEXT), "the answer carries the provider's text");
    }
    let rn = request_nos.lock().unwrap()[0].clone();
    let r =
        chatty.http.post(chatty.webhook_url()).json(&json!({"requestNo": rn, "kycStatus": "approved"})).send().await;
    assert_eq!(r.unwrap().status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for _ in 0..50 {
        if String::from_utf8_lossy(&capture.0.lock().unwrap()).contains("job_failed") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("application_created")
            && logs.contains("validation_failed")
            && logs.contains("upstream_auth_failed")
            && logs.contains("upstream_rejected")
            && logs.contains("upstream system error (code 500000)")
            && logs.contains("HTTP 500 with an unreadable body")
            && logs.contains("job_failed")
            && logs.contains("diagnostics_stored"),
        "the scenarios were logged"
    );
    // docs/security.md LG-4: the log lines of that request carry the id of its answer.
    let tagged: Vec<&str> = logs.lines().filter(|l| l.contains(&request_id)).collect();
    assert!(
        tagged.iter().any(|l| l.contains("validation_failed")),
        "no log line of the refused request names {request_id}"
    );
    use secrecy::ExposeSecret;
    let webhook_secret = app.state.config.webhook_secret.expose_secret().to_owned();
    let (_, token_secret) = token.split_once('.').unwrap();
    for sentinel in [
        FIRST,
        LAST,
        EMAIL,
        "zzsentinel",
        SSN,
        SSN_DIGITS,
        DOC,
        DOB,
        STREET,
        "Sentinelville",
        "sandbox-secret",
        "wrong-secret-value",
        PROVIDER_TEXT,
        &webhook_secret,
        token_secret,
    ] {
        assert!(!logs.contains(sentinel), "the logs contain {sentinel:?}");
    }
    // docs/security.md LG-2: every record is one JSON line; a newline in input cannot forge a record.
    for line in logs.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("not one JSON record per line ({e}): {line}"));
    }
    assert!(!logs.lines().any(|l| l.starts_with("{\"level\":\"ERROR\"}")));
}
