//! The upstream client's retries, concurrency, and the webhook as a doorbell: a scripted fake
//! upstream only where a fault must be scripted, the real sandbox everywhere else.

mod support;

use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{jpeg, spawn_app, spawn_app_with, valid_draft, Options};

/// A fake upstream answering `information` with the scripted statuses, recording timestamps.
async fn scripted_upstream(script: Vec<u16>) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(script.into_iter()));
    let rec = seen.clone();
    let app = axum::Router::new().route(
        "/open/api/kyc/share/information",
        axum::routing::post(move |h: HeaderMap| {
            let (rec, script) = (rec.clone(), script.clone());
            async move {
                rec.lock().unwrap().push(h["ach-access-timestamp"].to_str().unwrap().to_owned());
                match script.lock().unwrap().next().unwrap_or(200) {
                    200 => (StatusCode::OK, axum::Json(json!({"code": 0, "msg": "ok", "model": {}, "traceId": "t", "success": true, "error": false}))),
                    code => (StatusCode::from_u16(code).unwrap(), axum::Json(json!({}))),
                }
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (base, seen)
}

#[tokio::test]
async fn upstream_503_503_200_means_exactly_3_calls_each_freshly_signed() {
    let (base, seen) = scripted_upstream(vec![503, 503, 200]).await;
    let app = spawn_app_with(Options { upstream_override: Some(base), ..Options::default() }).await;
    let token = app.session().await;
    let r = app.post("/v1/applications", &token, &valid_draft("retry@example.com")).await;
    assert_eq!(r.status(), 201);
    let ts = seen.lock().unwrap().clone();
    assert_eq!(ts.len(), 3);
    let mut distinct = ts.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "each attempt has its own timestamp: {ts:?}");
}

#[tokio::test]
async fn an_upstream_that_stays_down_is_503_after_3_attempts_and_a_retry_resumes() {
    let (base, seen) = scripted_upstream(vec![503, 502, 504]).await;
    let app = spawn_app_with(Options { upstream_override: Some(base), ..Options::default() }).await;
    let token = app.session().await;
    let r = app.post("/v1/applications", &token, &valid_draft("down@example.com")).await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "upstream_unavailable");
    assert_eq!(seen.lock().unwrap().len(), 3);
    // The user presses "Try again": the same session resumes and succeeds.
    let r = app.post("/v1/applications", &token, &valid_draft("down@example.com")).await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn a_4xx_other_than_429_is_not_retried() {
    let (base, seen) = scripted_upstream(vec![400]).await;
    let app = spawn_app_with(Options { upstream_override: Some(base), ..Options::default() }).await;
    let token = app.session().await;
    let r = app.post("/v1/applications", &token, &valid_draft("once@example.com")).await;
    assert_eq!(r.status(), 502);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn twenty_concurrent_submits_of_one_application_reach_upstream_once() {
    let app = Arc::new(spawn_app().await);
    let (token, id) = app.application("twenty@example.com").await;
    app.put_photo(&token, &id, "idFront", jpeg(800, 600)).await;
    app.put_photo(&token, &id, "face", jpeg(800, 600)).await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (app, token, id) = (app.clone(), token.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            app.post(&format!("/v1/applications/{id}/submit"), &token, &json!({})).await.status().as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 202);
    }
    let detail = app.sandbox_app_by_email("twenty@example.com").await;
    assert_eq!(detail["calls"]["merchantProcess"], 1, "{}", detail["calls"]);
}

async fn reviewing_application(app: &support::TestApp, email: &str) -> (String, String, String) {
    let token = app.session().await;
    let mut d = valid_draft(email);
    d["individualInfo"]["lastName"] = json!("Review");
    let r = app.post("/v1/applications", &token, &d).await;
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    app.put_photo(&token, &id, "idFront", jpeg(800, 600)).await;
    app.put_photo(&token, &id, "face", jpeg(800, 600)).await;
    assert_eq!(app.post(&format!("/v1/applications/{id}/submit"), &token, &json!({})).await.status(), 202);
    let rn = app.request_no_of(email).await;
    (token, id, rn)
}

#[tokio::test]
async fn a_spoofed_webhook_saying_approved_while_the_query_says_reviewing_leaves_reviewing() {
    let app = spawn_app().await;
    let (token, id, rn) = reviewing_application(&app, "spoof@example.com").await;
    let queries_before = app.sandbox_app(&rn).await["calls"]["queryMerchantKyc"].as_u64().unwrap_or(0);
    let r =
        app.http.post(app.webhook_url()).json(&json!({"requestNo": rn, "kycStatus": "approved"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let row = app.state.db.application(&id).await.unwrap().unwrap();
    assert_eq!(row.status, "reviewing");
    let queries_after = app.sandbox_app(&rn).await["calls"]["queryMerchantKyc"].as_u64().unwrap_or(0);
    assert!(queries_after > queries_before, "the webhook was confirmed with a signed query");
    assert_eq!(app.status(&token, &id).await, "reviewing");
}

#[tokio::test]
async fn webhooks_are_confirmed_then_final_states_stay_final_and_duplicates_are_harmless() {
    let app = spawn_app().await;
    let (token, id, rn) = reviewing_application(&app, "final@example.com").await;
    let force = |s: &'static str| {
        app.http
            .post(format!("{}/__sandbox/applications/{rn}/decision", app.sandbox_base))
            .json(&json!({"kycStatus": s}))
            .send()
    };
    assert!(force("approved").await.unwrap().status().is_success());
    for _ in 0..50 {
        if app.state.db.application(&id).await.unwrap().unwrap().status == "approved" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.state.db.application(&id).await.unwrap().unwrap().status, "approved");
    // A late reversal upstream and replays of old notifications do not move a final state.
    assert!(force("rejected").await.unwrap().status().is_success());
    for s in ["reviewing", "approved", "rejected", "reviewing"] {
        let r = app.http.post(app.webhook_url()).json(&json!({"requestNo": rn, "kycStatus": s})).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.status(&token, &id).await, "approved");
}

#[tokio::test]
async fn unknown_request_numbers_get_200_and_a_wrong_path_secret_404() {
    let app = spawn_app().await;
    let r = app
        .http
        .post(app.webhook_url())
        .json(&json!({"requestNo": "nope", "kycStatus": "approved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let wrong = format!("{}/v1/webhooks/kyc/{}", app.base, "0".repeat(64));
    let r = app.http.post(wrong).json(&json!({"requestNo": "nope", "kycStatus": "approved"})).send().await.unwrap();
    assert_eq!(r.status(), 404);
}
