//! The partner's result channel and continuing an application (issue "at scale"), in process
//! against the real sandbox: the admin view with its history, signed partner notifications (a
//! reversal after a final status included), a new session continuing the same user's
//! application, and creation limits. Runs on SQLite and, in the test command, on PostgreSQL.

mod support;

use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{jpeg, spawn_app_with, valid_draft, Options, TestApp};

const ADMIN: &str = "admin-key-0123456789abcdef0123456789abcdef";
const PARTNER_SECRET: &str = "partner-secret-0123456789abcdef0123456789";

/// A partner's receiver: verifies each signature as the README shows and records the status
/// changes.
#[derive(Clone, Default)]
struct Receiver {
    events: Arc<Mutex<Vec<Value>>>,
    bad_signatures: Arc<Mutex<u32>>,
}

async fn receiver() -> (String, Receiver) {
    let r = Receiver::default();
    let rec = r.clone();
    let app = axum::Router::new().route(
        "/kyc-events",
        axum::routing::post(move |h: HeaderMap, body: String| {
            let rec = rec.clone();
            async move {
                let sig = h.get("kyc-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
                if !support::partner_signature_ok(PARTNER_SECRET, sig, &body) {
                    *rec.bad_signatures.lock().unwrap() += 1;
                    return StatusCode::UNAUTHORIZED;
                }
                // Status changes only: the document checks are tests/document_check.rs's.
                let event: Value = serde_json::from_str(&body).unwrap();
                if event["type"] == "application.status_changed" {
                    rec.events.lock().unwrap().push(event);
                }
                StatusCode::OK
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/kyc-events", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, r)
}

async fn app_with_partner() -> (TestApp, Receiver) {
    let (url, rec) = receiver().await;
    let app = spawn_app_with(Options {
        admin_key: Some(ADMIN.into()),
        partner_webhook: Some((url, PARTNER_SECRET.into())),
        reports: Some(kyc_server::config::ReportSource::DemoGenerated),
        ..Options::default()
    })
    .await;
    (app, rec)
}

async fn submitted(app: &TestApp, user: &str, email: &str) -> (String, String) {
    let token = app.session_for(user).await;
    let r = app.post("/v1/applications", &token, &valid_draft(email)).await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    for kind in ["idFront", "face"] {
        assert_eq!(app.put_photo(&token, &id, kind, jpeg(800, 600)).await.status(), 204);
    }
    let r = app
        .http
        .put(format!("{}/v1/applications/{id}/documents/idBack", app.base))
        .bearer_auth(&token)
        .header("x-photo-source", "camera")
        .body(jpeg(800, 600))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.post(&format!("/v1/applications/{id}/submit"), &token, &json!({})).await.status(), 202);
    (token, id)
}

async fn admin_get(app: &TestApp, path: &str) -> reqwest::Response {
    app.http.get(format!("{}{path}", app.base)).bearer_auth(ADMIN).send().await.unwrap()
}

async fn wait_events(rec: &Receiver, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        if rec.events.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    rec.events.lock().unwrap().clone()
}

#[tokio::test]
async fn the_partner_gets_a_signed_notification_for_every_status_change_in_order() {
    let (app, rec) = app_with_partner().await;
    let (token, id) = submitted(&app, "partner-user-1", "notify@example.com").await;
    assert_eq!(app.wait_status(&token, &id, "approved").await, "approved");
    let events = wait_events(&rec, 3).await;
    let statuses: Vec<&str> = events.iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["draft", "reviewing", "approved"], "{events:?}");
    let previous: Vec<Value> = events.iter().map(|e| e["previousStatus"].clone()).collect();
    assert_eq!(previous, [Value::Null, json!("draft"), json!("reviewing")]);
    for e in &events {
        assert_eq!(e["type"], "application.status_changed");
        assert_eq!(e["applicationId"], json!(id));
        assert_eq!(e["externalUserId"], "partner-user-1");
        assert!(e["eventId"].as_str().is_some_and(|s| s.len() >= 32));
        assert!(e["at"].as_str().is_some_and(|s| s.ends_with('Z')));
    }
    let mut ids: Vec<&str> = events.iter().map(|e| e["eventId"].as_str().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3, "one event id per change");
    assert_eq!(*rec.bad_signatures.lock().unwrap(), 0);
}

#[tokio::test]
async fn the_admin_view_answers_status_history_and_documents_without_pii() {
    let (app, _rec) = app_with_partner().await;
    let (token, id) = submitted(&app, "partner-user-2", "view@example.com").await;
    assert_eq!(app.wait_status(&token, &id, "approved").await, "approved");
    let r = admin_get(&app, &format!("/v1/admin/applications/{id}")).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["applicationId"], json!(id));
    assert_eq!(v["externalUserId"], "partner-user-2");
    assert_eq!(v["status"], "approved");
    let history: Vec<(&str, &str)> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["status"].as_str().unwrap(), h["source"].as_str().unwrap()))
        .collect();
    assert_eq!(history.first(), Some(&("draft", "widget")));
    // The internal `submitting` is not shown; `reviewing` comes from our submit or from the
    // provider's webhook, whichever is first.
    let statuses: Vec<&str> = history.iter().map(|h| h.0).collect();
    assert_eq!(statuses, ["draft", "reviewing", "approved"], "{history:?}");
    assert!(matches!(history.last().map(|h| h.1), Some("webhook" | "poll")));
    let docs: Vec<(&str, &str)> = v["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["kind"].as_str().unwrap(), d["source"].as_str().unwrap()))
        .collect();
    assert_eq!(docs, [("face", "file"), ("idBack", "camera"), ("idFront", "file")]);
    let text = v.to_string();
    for pii in ["view@example.com", "Jane", "Doe", "1990-04-01", "X1234567", "123-45-6789", "94105"] {
        assert!(!text.contains(pii), "the view shows {pii}");
    }
    // The list by externalUserId.
    let r = admin_get(&app, "/v1/admin/applications?externalUserId=partner-user-2").await;
    let list: Value = r.json().await.unwrap();
    assert_eq!(list["applications"].as_array().unwrap().len(), 1);
    assert_eq!(list["applications"][0]["applicationId"], json!(id));
    let r = admin_get(&app, "/v1/admin/applications?externalUserId=nobody").await;
    assert_eq!(r.json::<Value>().await.unwrap()["applications"], json!([]));
    // Errors: no key, wrong key, unknown id, bad query.
    let r = app.http.get(format!("{}/v1/admin/applications/{id}", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = app.http.get(format!("{}/v1/admin/applications/{id}", app.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 401, "a session token is not the admin key");
    assert_eq!(admin_get(&app, "/v1/admin/applications/ffff").await.status(), 404);
    assert_eq!(admin_get(&app, "/v1/admin/applications").await.status(), 400);
    assert_eq!(admin_get(&app, "/v1/admin/applications?externalUserId=../x").await.status(), 400);
}

#[tokio::test]
async fn an_application_caught_in_submitting_shows_as_reviewing_with_only_public_history() {
    use kyc_domain::ApplicationStatus::{Draft, Submitting};
    use kyc_server::work::transition;
    let app = spawn_app_with(Options { admin_key: Some(ADMIN.into()), ..Options::default() }).await;
    let token = app.session_for("partner-user-caught").await;
    let r = app.post("/v1/applications", &token, &valid_draft("caught@example.com")).await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    // A submit that failed back to `draft`, then a second one still in flight.
    assert!(transition(&app.state, &id, &[Draft], Submitting, "widget").await.unwrap());
    assert!(transition(&app.state, &id, &[Submitting], Draft, "widget").await.unwrap());
    assert!(transition(&app.state, &id, &[Draft], Submitting, "widget").await.unwrap());
    let r = admin_get(&app, &format!("/v1/admin/applications/{id}")).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "reviewing", "{v}");
    let history: Vec<(&str, &str)> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["status"].as_str().unwrap(), h["source"].as_str().unwrap()))
        .collect();
    // No `creating`, no `submitting`, and the way back to `draft` is not a second entry.
    assert_eq!(history, [("draft", "widget")], "{v}");
    let list: Value =
        admin_get(&app, "/v1/admin/applications?externalUserId=partner-user-caught").await.json().await.unwrap();
    assert_eq!(list["applications"][0]["status"], "reviewing");
    assert_eq!(list["applications"][0]["history"], v["history"]);
    // The widget sees the same.
    assert_eq!(app.status(&token, &id).await, "reviewing");
}

#[tokio::test]
async fn a_provider_reversal_after_a_final_status_is_recorded_notified_and_the_status_stays() {
    let (app, rec) = app_with_partner().await;
    let (token, id) = submitted(&app, "partner-user-3", "reversal@example.com").await;
    assert_eq!(app.wait_status(&token, &id, "approved").await, "approved");
    let rn = app.request_no_of("reversal@example.com").await;
    let r = app
        .http
        .post(format!("{}/__sandbox/applications/{rn}/decision", app.sandbox_base))
        .json(&json!({"kycStatus": "rejected"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let events = wait_events(&rec, 4).await;
    let last = events.last().unwrap();
    assert_eq!((last["status"].as_str(), last["previousStatus"].as_str()), (Some("rejected"), Some("approved")));
    let v: Value = admin_get(&app, &format!("/v1/admin/applications/{id}")).await.json().await.unwrap();
    assert_eq!(v["status"], "approved", "a final status stays");
    assert_eq!(
        v["history"].as_array().unwrap().last().unwrap()["status"],
        "rejected",
        "the reversal is in the history"
    );
    // Replays of the reversal add nothing.
    for _ in 0..3 {
        let _ = app.http.post(app.webhook_url()).json(&json!({"requestNo": rn, "kycStatus": "rejected"})).send().await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rec.events.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn a_new_session_for_the_same_user_continues_the_application() {
    let (app, _rec) = app_with_partner().await;
    let first = app.session_for("returning-user").await;
    let r = app.post("/v1/applications", &first, &valid_draft("returning@example.com")).await;
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    assert_eq!(app.put_photo(&first, &id, "idFront", jpeg(800, 600)).await.status(), 204);
    // A reload: a new token for the same user.
    let second = app.session_for("returning-user").await;
    let s: Value = app.get("/v1/session", &second).await.json().await.unwrap();
    assert_eq!(s["application"]["applicationId"], json!(id));
    assert_eq!(s["application"]["status"], "draft");
    assert_eq!(s["application"]["documents"], json!(["idFront"]));
    assert_eq!(app.get(&format!("/v1/applications/{id}"), &second).await.status(), 200);
    // Creating again answers the application to continue, not "email already used".
    let r = app.post("/v1/applications", &second, &valid_draft("returning@example.com")).await;
    assert_eq!(r.status(), 409);
    let e: Value = r.json().await.unwrap();
    assert_eq!(
        (e["error"]["code"].as_str(), e["error"]["applicationId"].as_str()),
        (Some("application_exists"), Some(id.as_str()))
    );
    // The new session finishes it.
    assert_eq!(app.put_photo(&second, &id, "face", jpeg(800, 600)).await.status(), 204);
    assert_eq!(app.post(&format!("/v1/applications/{id}/submit"), &second, &json!({})).await.status(), 202);
    // After submit a third session opens on the result.
    let third = app.session_for("returning-user").await;
    let s: Value = app.get("/v1/session", &third).await.json().await.unwrap();
    assert!(matches!(s["application"]["status"].as_str(), Some("reviewing" | "approved")), "{s}");
    // Another user is not let in.
    let stranger = app.session_for("someone-else").await;
    assert_eq!(app.get(&format!("/v1/applications/{id}"), &stranger).await.status(), 403);
    let s: Value = app.get("/v1/session", &stranger).await.json().await.unwrap();
    assert_eq!(s["application"], Value::Null);
    // "Email already used" only for another user's email.
    let r = app.post("/v1/applications", &stranger, &valid_draft("returning@example.com")).await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["fields"][0]["code"], "already_used");
}

#[tokio::test]
async fn a_session_cannot_probe_emails_creation_is_limited_per_session_and_user() {
    let (app, _rec) = app_with_partner().await;
    // Seed emails that "exist" under other users.
    for n in 0..6 {
        let t = app.session_for(&format!("owner-{n}")).await;
        assert_eq!(
            app.post("/v1/applications", &t, &valid_draft(&format!("taken{n}@example.com"))).await.status(),
            201
        );
    }
    let prober = app.session_for("prober").await;
    let mut statuses = Vec::new();
    for n in 0..6 {
        statuses.push(
            app.post("/v1/applications", &prober, &valid_draft(&format!("taken{n}@example.com")))
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [422, 422, 422, 422, 422, 429], "the sixth attempt of one session is refused");
    // A new session of the same user gets a few more, then the per-user cap holds.
    let mut total = 5;
    for _ in 0..3 {
        let s = app.session_for("prober").await;
        for n in 0..5 {
            let st = app
                .post("/v1/applications", &s, &valid_draft(&format!("taken{n}@example.com")))
                .await
                .status()
                .as_u16();
            if st == 422 {
                total += 1;
            }
        }
    }
    // Every attempt counts toward the user's cap, the refused sixth one included.
    assert_eq!(total + 1, kyc_server_create_per_user(), "the per-user cap holds across sessions");
}

fn kyc_server_create_per_user() -> usize {
    10
}
