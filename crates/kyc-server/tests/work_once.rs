//! Work once, and retention never strands an applicant (issue 22, items 5 and 6), black-box
//! against the real sandbox: a slow `merchantProcess` is not submitted again by the
//! reconciler; 40 concurrent submits forward each staged photo once; an upload racing a submit
//! is refused and never forwarded after it (and one already in flight is waited for);
//! concurrent identical provider reversals are recorded once; an application the provider
//! holds survives retention (and a restart) and the same person continues it with a new
//! session. Runs on SQLite and, with `KYC_TEST_POSTGRES_URL`, on PostgreSQL.

mod support;

use kyc_server::config::ReportSource;
use kyc_server::AppState;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{jpeg, spawn_app_with, valid_draft, Options, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn options() -> Options {
    Options { reports: Some(ReportSource::DemoGenerated), rate_limit_per_minute: Some(100_000), ..Options::default() }
}

fn calls(sandbox_app: &Value, endpoint: &str) -> u64 {
    sandbox_app["calls"][endpoint].as_u64().unwrap_or(0)
}

fn files(sandbox_app: &Value) -> Vec<String> {
    let mut f: Vec<String> =
        sandbox_app["files"].as_array().unwrap().iter().map(|f| f["type"].as_str().unwrap().to_owned()).collect();
    f.sort();
    f
}

/// A session for `user` and its application (draft); returns (token, applicationId).
async fn create(app: &TestApp, user: &str, email: &str) -> (String, String) {
    let token = app.session_for(user).await;
    let r = app.post("/v1/applications", &token, &valid_draft(email)).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    (token, id)
}

/// Stages photos of `kinds` (STAGING.md `PUT /v1/photos/{kind}`), as a phone or the widget does.
async fn stage(app: &TestApp, token: &str, kinds: &[&str]) {
    for kind in kinds {
        let r = app
            .http
            .put(format!("{}/v1/photos/{kind}", app.base))
            .bearer_auth(token)
            .header("content-type", "image/jpeg")
            .header("x-photo-source", "camera")
            .body(jpeg(800, 600))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "{:?}", r.text().await);
    }
}

async fn submit(app: &TestApp, token: &str, id: &str) -> reqwest::Response {
    app.post(&format!("/v1/applications/{id}/submit"), token, &json!({})).await
}

async fn error_code(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    (status, v["error"]["code"].as_str().unwrap_or_default().to_owned())
}

// ---------------------------------------------------------------------------------------------
// Work once
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_merchant_process_slower_than_the_reconcile_interval_is_submitted_once() {
    let app = spawn_app_with(Options {
        reconcile_after_secs: Some(1),
        sandbox_delay_path: Some("merchantProcess".into()),
        sandbox_delay_before: Duration::from_secs(3),
        ..options()
    })
    .await;
    let (token, id) = create(&app, "slow-user", "slow@example.com").await;
    stage(&app, &token, &["idFront", "idBack", "face"]).await;
    let r = submit(&app, &token, &id).await;
    assert_eq!(r.status(), 202, "{:?}", r.text().await);
    // The reconciler looked at the application (`submitting`, no news for 1 s) several times
    // while `merchantProcess` was held; give it time to look again after.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let sb = app.sandbox_app_by_email("slow@example.com").await;
    assert_eq!(calls(&sb, "merchantProcess"), 1, "submitted once: {sb}");
    assert_eq!(calls(&sb, "fileUpload"), 5, "three photos and two reports, once each: {sb}");
    assert_eq!(files(&sb), ["amlReport", "face", "idBack", "idFront", "idvReport"]);
    assert_eq!(app.wait_status(&token, &id, "approved").await, "approved");
}

#[tokio::test]
async fn forty_concurrent_submits_forward_each_staged_photo_once() {
    let app = Arc::new(spawn_app_with(options()).await);
    let (token, id) = create(&app, "crowd-user", "crowd@example.com").await;
    stage(&app, &token, &["idFront", "idBack", "face"]).await;
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let (app, token, id) = (app.clone(), token.clone(), id.clone());
        tasks.push(tokio::spawn(async move { error_code(submit(&app, &token, &id).await).await }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    assert!(answers.iter().all(|(s, _)| *s == 202 || *s == 409), "{answers:?}");
    assert!(answers.iter().any(|(s, _)| *s == 202), "{answers:?}");
    let sb = app.sandbox_app_by_email("crowd@example.com").await;
    assert_eq!(calls(&sb, "merchantProcess"), 1, "{sb}");
    assert_eq!(calls(&sb, "fileUpload"), 5, "three staged photos and two reports, once each: {sb}");
    let docs: Value = app.get("/v1/session", &token).await.json().await.unwrap();
    let mut kinds: Vec<&str> =
        docs["application"]["documents"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["face", "idBack", "idFront"]);
}

/// Starts `PUT /v1/applications/{id}/documents/{kind}` by hand: the headers and the first half
/// of the body; [`finish_upload`] sends the rest and reads the answer's status and body.
async fn start_upload(app: &TestApp, token: &str, id: &str, kind: &str, body: &[u8]) -> tokio::net::TcpStream {
    let addr = app.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PUT /v1/applications/{id}/documents/{kind} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: image/jpeg\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body[..body.len() / 2]).await.unwrap();
    s.flush().await.unwrap();
    s
}

async fn finish_upload(mut s: tokio::net::TcpStream, body: &[u8]) -> (u16, String) {
    s.write_all(&body[body.len() / 2..]).await.unwrap();
    s.flush().await.unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn an_upload_racing_a_submit_is_refused_and_never_forwarded_after_it() {
    let app = spawn_app_with(options()).await;
    let (token, id) = create(&app, "race-user", "race@example.com").await;
    for kind in ["idFront", "face"] {
        assert_eq!(app.put_photo(&token, &id, kind, jpeg(800, 600)).await.status(), 204);
    }
    // The back of the ID is on its way (the application is still `draft` when it starts)…
    let back = jpeg(800, 600);
    let upload = start_upload(&app, &token, &id, "idBack", &back).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // …the submit goes through meanwhile…
    let r = submit(&app, &token, &id).await;
    assert_eq!(r.status(), 202, "{:?}", r.text().await);
    // …and the rest of the back arrives after it.
    let (status, text) = finish_upload(upload, &back).await;
    assert_eq!(status, 409, "{text}");
    assert!(text.contains("already_submitted"), "{text}");
    let sb = app.sandbox_app_by_email("race@example.com").await;
    assert_eq!(calls(&sb, "merchantProcess"), 1, "{sb}");
    assert_eq!(calls(&sb, "fileUpload"), 4, "two photos and two reports; the late back never went out: {sb}");
    assert_eq!(files(&sb), ["amlReport", "face", "idFront", "idvReport"]);
}

#[tokio::test]
async fn an_upload_in_flight_when_the_submit_arrives_is_waited_for_and_submitted_with_it() {
    // Every `fileUpload` is held 1 s by the sandbox: the back is in flight when the submit comes.
    let app = Arc::new(
        spawn_app_with(Options {
            sandbox_delay_path: Some("fileUpload".into()),
            sandbox_delay_before: Duration::from_secs(1),
            ..options()
        })
        .await,
    );
    let (token, id) = create(&app, "wait-user", "wait@example.com").await;
    for kind in ["idFront", "face"] {
        assert_eq!(app.put_photo(&token, &id, kind, jpeg(800, 600)).await.status(), 204);
    }
    let upload = {
        let (app, token, id) = (app.clone(), token.clone(), id.clone());
        tokio::spawn(async move {
            let status = app.put_photo(&token, &id, "idBack", jpeg(800, 600)).await.status().as_u16();
            (status, Instant::now())
        })
    };
    // The upload is marked in flight once its body is in and cleaned, right before `fileUpload`
    // (which the sandbox then holds for a second).
    let t = Instant::now();
    loop {
        let marked: i64 = sqlx::query_scalar("SELECT uploads FROM applications WHERE id = $1")
            .bind(&id)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
        if marked > 0 {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(10), "the upload never went out");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let r = submit(&app, &token, &id).await;
    let submitted = Instant::now();
    assert_eq!(r.status(), 202, "{:?}", r.text().await);
    let (status, uploaded) = upload.await.unwrap();
    assert_eq!(status, 204);
    assert!(uploaded <= submitted, "the submit answered after the upload it waited for");
    let sb = app.sandbox_app_by_email("wait@example.com").await;
    assert_eq!(calls(&sb, "merchantProcess"), 1, "{sb}");
    assert_eq!(calls(&sb, "fileUpload"), 5, "{sb}");
    assert_eq!(files(&sb), ["amlReport", "face", "idBack", "idFront", "idvReport"]);
}

#[tokio::test]
async fn concurrent_identical_provider_reversals_are_recorded_once() {
    // Partner notifications on (to a receiver that is not there): the reversal is notified once.
    let dead = format!("http://127.0.0.1:{}/hook", support::free_port());
    let app = spawn_app_with(Options {
        partner_webhook: Some((dead, "partner-secret-0123456789abcdef0123456789".into())),
        ..options()
    })
    .await;
    let (token, id) = create(&app, "flip-user", "flip@example.com").await;
    stage(&app, &token, &["idFront", "face"]).await;
    assert_eq!(submit(&app, &token, &id).await.status(), 202);
    assert_eq!(app.wait_status(&token, &id, "approved").await, "approved");
    // A second instance on the same database.
    let other = AppState::new((*app.state.config).clone()).await.unwrap();
    let row = app.state.db.application(&id).await.unwrap().unwrap();
    let mut tasks = Vec::new();
    for n in 0..40 {
        let state = if n % 2 == 0 { app.state.clone() } else { other.clone() };
        let row = row.clone();
        tasks.push(tokio::spawn(async move {
            kyc_server::work::apply_provider_status(&state, &row, kyc_domain::ProviderStatus::Rejected, "webhook").await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let history = app.state.db.history(&id).await.unwrap();
    let statuses: Vec<&str> = history.iter().map(|h| h.status.as_str()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "rejected").count(), 1, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&"rejected"), "{statuses:?}");
    assert_eq!(app.state.db.application(&id).await.unwrap().unwrap().status, "approved", "a final status stays");
    let rejected_events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE application_id = $1 AND body LIKE '%\"status\":\"rejected\"%'",
    )
    .bind(&id)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(rejected_events, 1, "one notification of the reversal");
    // And again: a replay adds nothing.
    kyc_server::work::apply_provider_status(&other, &row, kyc_domain::ProviderStatus::Rejected, "webhook")
        .await
        .unwrap();
    assert_eq!(app.state.db.history(&id).await.unwrap().len(), history.len());
}

// ---------------------------------------------------------------------------------------------
// Retention never strands an applicant
// ---------------------------------------------------------------------------------------------

/// Another instance on `app`'s database (a restart, as far as the database can tell), talking
/// to the real sandbox; returns its state and base URL.
async fn restarted(app: &TestApp) -> (AppState, String) {
    let mut config = (*app.state.config).clone();
    config.upstream_base_url.clone_from(&app.sandbox_base);
    let state = AppState::new(config).await.unwrap();
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let router = kyc_server::app(state.clone(), None);
    let workers = state.clone();
    tokio::spawn(async move {
        let (timeouts, limits) = (Default::default(), Default::default());
        kyc_server::run(l, router, workers, std::future::pending(), timeouts, limits).await.unwrap();
    });
    (state, base)
}

async fn session_at(http: &reqwest::Client, base: &str, user: &str) -> String {
    let r = http.post(format!("{base}/v1/sessions")).json(&json!({"externalUserId": user})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["sessionToken"].as_str().unwrap().to_owned()
}

async fn put_photo_at(http: &reqwest::Client, base: &str, token: &str, id: &str, kind: &str) -> u16 {
    http.put(format!("{base}/v1/applications/{id}/documents/{kind}"))
        .bearer_auth(token)
        .header("content-type", "image/jpeg")
        .body(jpeg(800, 600))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_draft_outlives_retention_and_a_restart_and_the_same_person_continues_it() {
    let app = spawn_app_with(options()).await;
    let (first, id) = create(&app, "kept-user", "kept@example.com").await;
    assert_eq!(app.put_photo(&first, &id, "idFront", jpeg(800, 600)).await.status(), 204);
    let now = kyc_server::now_secs();
    // Ten days later on the fake clock: sessions, staging and reports are long expired.
    kyc_server::retention::run_once(&app.state, now + 10 * 86_400).await;
    assert!(app.state.db.application(&id).await.unwrap().is_some(), "the provider holds it: it is kept");
    // The same person comes back with a new session and sees where they were.
    let second = app.session_for("kept-user").await;
    let s: Value = app.get("/v1/session", &second).await.json().await.unwrap();
    assert_eq!(s["application"]["applicationId"], json!(id), "{s}");
    assert_eq!(s["application"]["status"], "draft");
    assert_eq!(s["application"]["documents"], json!(["idFront"]));
    // Creating again answers the application to continue, never "email already used".
    let (status, code) =
        error_code(app.post("/v1/applications", &second, &valid_draft("kept@example.com")).await).await;
    assert_eq!((status, code.as_str()), (409, "application_exists"));
    // After a restart (a new instance on the same database) and another retention pass.
    let (state, base) = restarted(&app).await;
    kyc_server::retention::run_once(&state, now + 20 * 86_400).await;
    let third = session_at(&app.http, &base, "kept-user").await;
    let s: Value =
        app.http.get(format!("{base}/v1/session")).bearer_auth(&third).send().await.unwrap().json().await.unwrap();
    assert_eq!(s["application"]["applicationId"], json!(id), "{s}");
    assert_eq!(put_photo_at(&app.http, &base, &third, &id, "face").await, 204);
    let r = app
        .http
        .post(format!("{base}/v1/applications/{id}/submit"))
        .bearer_auth(&third)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202, "{:?}", r.text().await);
    let sb = app.sandbox_app_by_email("kept@example.com").await;
    assert_eq!(calls(&sb, "merchantProcess"), 1);
    assert_eq!(files(&sb), ["amlReport", "face", "idFront", "idvReport"]);
}

/// A provider in front of the sandbox that loses the answers to `information` while `lose` is
/// set: the sandbox stores the application (and its email), the backend hears 503.
async fn lossy_provider(sandbox: String, lose: Arc<AtomicBool>) -> String {
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (http, sandbox, lose) = (http.clone(), sandbox.clone(), lose.clone());
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 10 << 20).await.unwrap();
            let url = format!("{sandbox}{}", parts.uri.path_and_query().map_or("/", |p| p.as_str()));
            let mut fwd = http.request(parts.method.clone(), url).body(body);
            for (k, v) in &parts.headers {
                if k != "host" && k != "content-length" {
                    fwd = fwd.header(k, v);
                }
            }
            let answer = fwd.send().await.unwrap();
            let status = answer.status();
            let ct = answer.headers().get("content-type").cloned();
            let bytes = answer.bytes().await.unwrap();
            let mut r = axum::response::Response::new(axum::body::Body::from(bytes));
            if parts.uri.path().ends_with("/information") && lose.load(Ordering::SeqCst) {
                *r.status_mut() = axum::http::StatusCode::SERVICE_UNAVAILABLE;
                return r;
            }
            *r.status_mut() = status;
            if let Some(ct) = ct {
                r.headers_mut().insert("content-type", ct);
            }
            r
        }
    });
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    base
}

#[tokio::test]
async fn a_half_created_application_the_provider_holds_outlives_retention_and_is_resumed() {
    // The provider gets `information` but its answers are lost: the row stays `creating`.
    let lose = Arc::new(AtomicBool::new(true));
    // The sandbox of one test app is the provider; the app under test talks to it through the
    // proxy (its own sandbox stays unused).
    let sandbox = spawn_app_with(options()).await;
    let proxy = lossy_provider(sandbox.sandbox_base.clone(), lose.clone()).await;
    let app = spawn_app_with(Options { upstream_override: Some(proxy), ..options() }).await;
    let token = app.session_for("half-user").await;
    let draft = valid_draft("half@example.com");
    let r = app.post("/v1/applications", &token, &draft).await;
    assert_eq!(r.status(), 503, "the answer was lost");
    let row = app.state.db.application_of_user("half-user").await.unwrap().unwrap();
    assert_eq!(row.status, "creating");
    let held =
        support::sandbox_get::<Vec<Value>>(&sandbox.http, &format!("{}/__sandbox/applications", sandbox.sandbox_base))
            .await;
    assert!(held.iter().any(|a| a["email"] == "half@example.com"), "the provider holds it");
    kyc_server::retention::run_once(&app.state, kyc_server::now_secs() + 10 * 86_400).await;
    assert!(app.state.db.application(&row.id).await.unwrap().is_some(), "a `creating` row the provider may hold stays");
    // The provider answers again; the person comes back with a new session and the same draft.
    lose.store(false, Ordering::SeqCst);
    let again = app.session_for("half-user").await;
    let r = app.post("/v1/applications", &again, &draft).await;
    assert_eq!(r.status(), 201, "resumed, not `already_used`: {:?}", r.text().await);
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    assert_eq!(id, row.id, "the same application");
    for kind in ["idFront", "face"] {
        assert_eq!(app.put_photo(&again, &id, kind, jpeg(800, 600)).await.status(), 204);
    }
    assert_eq!(submit(&app, &again, &id).await.status(), 202);
}
