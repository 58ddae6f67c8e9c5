//! The widget's diagnostics (issue 26, "silent failures made visible"): `POST /v1/diagnostics`
//! with the session token in the header or — the `navigator.sendBeacon` form, `text/plain` — in
//! the body; one trace per session, the latest kept; the application view's `diagnostics` and
//! `GET /v1/admin/diagnostics`, also for people who never created an application; every
//! refusal; the per-session rate limit; CORS for the beacon; and a scan of what is at rest:
//! no typed value, file name or token.

mod support;

use reqwest::Response;
use serde_json::{json, Value};
use support::{spawn_app_with, valid_draft, Options, TestApp};

const ADMIN_KEY: &str = "diagnostics-admin-key-0123456789abcdef";
const ORIGIN: &str = "https://partner.example";

fn options() -> Options {
    Options { admin_key: Some(ADMIN_KEY.into()), allowed_origins: vec![ORIGIN.into()], ..Options::default() }
}

fn user() -> String {
    format!("diag-user-{}", kyc_sandbox::random_hex(6))
}

/// A trace of a person whose camera was refused on Photos, with `extra` events after it.
fn trace(extra: &[(u64, &str, &str, &str)]) -> Value {
    let mut events = vec![
        json!({"at": 10, "step": "personal", "kind": "step", "code": "entered"}),
        json!({"at": 9000, "step": "photos", "kind": "camera", "code": "denied"}),
    ];
    for (at, step, kind, code) in extra {
        events.push(json!({"at": at, "step": step, "kind": kind, "code": code}));
    }
    json!({"environment": {"engine": "webkit", "os": "ios", "inApp": "instagram", "webview": "ios",
                           "secure": true, "cameraApi": true},
           "events": events, "lastStep": "photos"})
}

/// The fetch form: the token in the header, `application/json`.
async fn send(app: &TestApp, token: &str, body: &Value) -> Response {
    app.post("/v1/diagnostics", token, body).await
}

/// The beacon form: no header, `text/plain;charset=UTF-8`, the token in the body.
async fn beacon(app: &TestApp, token: &str, body: &Value) -> Response {
    let mut body = body.clone();
    body["sessionToken"] = json!(token);
    app.http
        .post(format!("{}/v1/diagnostics", app.base))
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

async fn admin_get(app: &TestApp, path: &str) -> Response {
    app.http.get(format!("{}{path}", app.base)).bearer_auth(ADMIN_KEY).send().await.unwrap()
}

/// `GET /v1/admin/diagnostics?externalUserId=…` → its `sessions`.
async fn listed(app: &TestApp, external_user_id: &str) -> Vec<Value> {
    let r = admin_get(app, &format!("/v1/admin/diagnostics?externalUserId={external_user_id}")).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["sessions"].as_array().unwrap().clone()
}

async fn view(app: &TestApp, id: &str) -> Value {
    let r = admin_get(app, &format!("/v1/admin/applications/{id}")).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn create(app: &TestApp, token: &str, email: &str) -> String {
    let r = app.post("/v1/applications", token, &valid_draft(email)).await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned()
}

/// The rows of the `diagnostics` table, every column as stored.
async fn rows(app: &TestApp) -> Vec<(String, String, i64, i64, String)> {
    sqlx::query_as::<_, (String, String, i64, i64, String)>(
        "SELECT session_id, external_user_id, created_at, updated_at, body FROM diagnostics",
    )
    .fetch_all(app.state.db.pool())
    .await
    .unwrap()
}

async fn error_code(r: Response) -> (u16, String) {
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    (status, v["error"]["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_trace_is_shown_in_the_application_view_and_the_admin_listing() {
    let app = spawn_app_with(options()).await;
    let user = user();
    let token = app.session_for(&user).await;
    let sent = trace(&[]);
    assert_eq!(send(&app, &token, &sent).await.status(), 204);
    // The person goes on and creates an application: its view shows the trace as sent.
    let id = create(&app, &token, &format!("{user}@example.com")).await;
    let v = view(&app, &id).await;
    assert_eq!(v["diagnostics"], sent, "{v}");
    assert_eq!(v["diagnostics"]["environment"]["inApp"], "instagram");
    // The list of the user's applications shows it too.
    let r = admin_get(&app, &format!("/v1/admin/applications?externalUserId={user}")).await;
    let list: Value = r.json().await.unwrap();
    assert_eq!(list["applications"][0]["diagnostics"], sent);
    // And the admin listing, with the time of the session's first trace.
    let sessions = listed(&app, &user).await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["diagnostics"], sent);
    let created = sessions[0]["createdAt"].as_str().unwrap();
    assert_eq!(created, kyc_server::rfc3339(rows(&app).await[0].2), "RFC 3339, of the first trace");
    assert_eq!(sessions[0].as_object().unwrap().len(), 2, "createdAt and diagnostics only");
}

#[tokio::test]
async fn the_beacon_form_carries_its_token_in_a_text_plain_body() {
    let app = spawn_app_with(options()).await;
    let user = user();
    let token = app.session_for(&user).await;
    let sent = trace(&[(12_000, "photos", "page", "hidden")]);
    assert_eq!(beacon(&app, &token, &sent).await.status(), 204);
    let sessions = listed(&app, &user).await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["diagnostics"], sent, "stored without its token");
    // `text/plain` without a charset, and with the same token in the header and the body.
    let token2 = app.session_for(&user).await;
    let mut body = sent.clone();
    body["sessionToken"] = json!(token2);
    let r = app
        .http
        .post(format!("{}/v1/diagnostics", app.base))
        .bearer_auth(&token2)
        .header("content-type", "text/plain")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(listed(&app, &user).await.len(), 2, "one trace per session");
}

#[tokio::test]
async fn a_person_without_an_application_is_listed_and_shown_to_nobody_else() {
    let app = spawn_app_with(options()).await;
    let (quiet, other) = (user(), user());
    let quiet_token = app.session_for(&quiet).await;
    assert_eq!(send(&app, &quiet_token, &trace(&[])).await.status(), 204);
    assert_eq!(listed(&app, &quiet).await.len(), 1, "listed without an application");
    // Another user with an application: their view has no trace of the first.
    let other_token = app.session_for(&other).await;
    let id = create(&app, &other_token, &format!("{other}@example.com")).await;
    assert_eq!(view(&app, &id).await["diagnostics"], Value::Null);
    assert!(listed(&app, &other).await.is_empty());
    // An unknown user: an empty list; no user, an empty one, or two: 400.
    assert!(listed(&app, "nobody-here").await.is_empty());
    for q in ["", "?externalUserId=", "?externalUserId=a&externalUserId=b", "?externalUserId=a%20b"] {
        let r = admin_get(&app, &format!("/v1/admin/diagnostics{q}")).await;
        assert_eq!(error_code(r).await, (400, "bad_request".into()), "{q}");
    }
    // The listing needs the admin key: not a session token, not nothing.
    let path = format!("{}/v1/admin/diagnostics?externalUserId={quiet}", app.base);
    assert_eq!(app.http.get(&path).send().await.unwrap().status(), 401);
    assert_eq!(app.http.get(&path).bearer_auth(&quiet_token).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn refusals_store_nothing() {
    let app = spawn_app_with(options()).await;
    let user = user();
    let token = app.session_for(&user).await;
    let other_token = app.session_for(&user).await;
    let url = format!("{}/v1/diagnostics", app.base);
    let plain = |body: String| app.http.post(&url).header("content-type", "text/plain").body(body);

    // No token anywhere; a wrong one in the header; a wrong one in the body.
    assert_eq!(error_code(plain(trace(&[]).to_string()).send().await.unwrap()).await, (401, "unauthorized".into()));
    let wrong = format!("{}.{}", "0".repeat(32), "1".repeat(64));
    assert_eq!(error_code(send(&app, &wrong, &trace(&[])).await).await, (401, "unauthorized".into()));
    assert_eq!(error_code(send(&app, "not-a-token", &trace(&[])).await).await, (401, "unauthorized".into()));
    assert_eq!(error_code(beacon(&app, &wrong, &trace(&[])).await).await, (401, "unauthorized".into()));
    let mut odd = trace(&[]);
    odd["sessionToken"] = json!(42);
    assert_eq!(error_code(plain(odd.to_string()).send().await.unwrap()).await, (401, "unauthorized".into()));
    // Not JSON, and no header: no token.
    assert_eq!(error_code(plain("hello".into()).send().await.unwrap()).await, (401, "unauthorized".into()));
    // A header token and another (valid) one in the body.
    let mut mixed = trace(&[]);
    mixed["sessionToken"] = json!(other_token);
    assert_eq!(error_code(send(&app, &token, &mixed).await).await, (401, "unauthorized".into()));
    // Another content type.
    let r = app
        .http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "image/png")
        .body(trace(&[]).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await, (415, "unsupported_media_type".into()));
    // 9 KB: refused before it is parsed, with the header form and the beacon form.
    let mut big = trace(&[]);
    big["padding"] = json!("x".repeat(9 * 1024));
    let r = app
        .http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(big.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await, (413, "too_large".into()));
    // A header token is resolved before the body: a wrong one is 401 whatever the body's size.
    let r = app
        .http
        .post(&url)
        .bearer_auth(&wrong)
        .header("content-type", "application/json")
        .body(big.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await, (401, "unauthorized".into()));
    big["sessionToken"] = json!(token);
    assert_eq!(error_code(plain(big.to_string()).send().await.unwrap()).await, (413, "too_large".into()));
    // Words outside the vocabulary, a field the trace has not, too many events, not JSON.
    let mut email_code = trace(&[]);
    email_code["events"][1]["code"] = json!("ada@example.com");
    let mut unknown_field = trace(&[]);
    unknown_field["email"] = json!("ada@example.com");
    let mut step = trace(&[]);
    step["lastStep"] = json!("Ada Lovelace");
    let mut env = trace(&[]);
    env["environment"]["engine"] = json!("Mozilla/5.0 (Ada)");
    let many: Vec<(u64, &str, &str, &str)> = (0..63).map(|i| (10_000 + i, "photos", "photo", "chosen")).collect();
    let too_many = trace(&many);
    assert_eq!(too_many["events"].as_array().unwrap().len(), 65);
    for (what, body) in [
        ("an e-mail address as a code", email_code.clone()),
        ("an unknown field", unknown_field),
        ("a step outside the vocabulary", step),
        ("a user agent as the engine", env),
        ("65 events", too_many),
        ("an array", json!([1, 2])),
    ] {
        let r = send(&app, &token, &body).await;
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert_eq!(status, 400, "{what}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["error"]["code"], "bad_request", "{what}");
        assert!(!text.contains("ada@") && !text.contains("Ada") && !text.contains("Mozilla"), "{what} echoed: {text}");
    }
    // The beacon form is checked the same way.
    assert_eq!(beacon(&app, &token, &email_code).await.status(), 400);
    assert_eq!(plain("{\"sessionToken\": 1".into()).bearer_auth(&token).send().await.unwrap().status(), 400);
    assert!(rows(&app).await.is_empty(), "a refused trace is not stored");
    assert!(listed(&app, &user).await.is_empty());
}

#[tokio::test]
async fn a_session_keeps_one_trace_its_latest() {
    let app = spawn_app_with(options()).await;
    let user = user();
    let token = app.session_for(&user).await;
    let first = trace(&[]);
    let later = trace(&[(15_000, "photos", "way_out", "file_input"), (16_000, "photos", "photo", "uploaded")]);
    assert_eq!(send(&app, &token, &first).await.status(), 204);
    let created = rows(&app).await[0].2;
    assert_eq!(beacon(&app, &token, &later).await.status(), 204);
    let stored = rows(&app).await;
    assert_eq!(stored.len(), 1, "one row per session");
    let (session_id, external_user_id, created_at, updated_at, body) = &stored[0];
    assert_eq!((session_id.as_str(), external_user_id.as_str()), (&token[..32], user.as_str()));
    assert_eq!(*created_at, created, "created_at is the first trace's");
    assert!(updated_at >= created_at);
    assert_eq!(serde_json::from_str::<Value>(body).unwrap(), later);
    let sessions = listed(&app, &user).await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["diagnostics"], later);
}

#[tokio::test]
async fn the_thirty_first_trace_of_a_session_within_ten_minutes_is_refused() {
    let app = spawn_app_with(options()).await;
    let token = app.session_for(&user()).await;
    for n in 0..30 {
        assert_eq!(send(&app, &token, &trace(&[])).await.status(), 204, "trace {n}");
    }
    let r = beacon(&app, &token, &trace(&[])).await;
    let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
    assert_eq!(error_code(r).await, (429, "rate_limited".into()));
    assert!(retry.is_some_and(|s| s > 0 && s <= 600), "{retry:?}");
    // Per session: another session of the same person is not held up.
    let other = app.session().await;
    assert_eq!(send(&app, &other, &trace(&[])).await.status(), 204);
}

#[tokio::test]
async fn the_beacon_is_a_simple_cors_request_and_the_json_form_is_preflighted() {
    let app = spawn_app_with(options()).await;
    let token = app.session_for(&user()).await;
    let url = format!("{}/v1/diagnostics", app.base);
    let mut body = trace(&[]);
    body["sessionToken"] = json!(token);
    // The beacon from an allowed origin: answered, and readable by that origin.
    let r = app
        .http
        .post(&url)
        .header("origin", ORIGIN)
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    // The fetch form's preflight.
    let r = app
        .http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", ORIGIN)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    let methods = r.headers()["access-control-allow-methods"].to_str().unwrap().to_owned();
    let headers = r.headers()["access-control-allow-headers"].to_str().unwrap().to_owned();
    assert!(methods.contains("POST") && headers.contains("authorization") && headers.contains("content-type"));
    // Another origin: refused, and told nothing.
    let r = app
        .http
        .post(&url)
        .header("origin", "https://evil.example")
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

/// What is at rest: after a flow that typed a planted name and e-mail address, staged and
/// created them, and tried to slip them (and a file name) into traces, the `diagnostics`
/// table's raw rows hold none of them, no token and no file name.
#[tokio::test]
async fn the_stored_traces_hold_no_typed_value_file_name_or_token() {
    const FIRST: &str = "Zzdiagfirst";
    const LAST: &str = "Qqdiaglast";
    const EMAIL: &str = "zzdiag.qqlast@example.com";
    const FILE: &str = "IMG_4242-passport.heic";
    let app = spawn_app_with(options()).await;
    let user = user();
    let token = app.session_for(&user).await;
    let mut draft = valid_draft(EMAIL);
    draft["individualInfo"]["firstName"] = json!(FIRST);
    draft["individualInfo"]["lastName"] = json!(LAST);
    // The person types and the widget stages the draft, then sends traces along the way.
    let r = app
        .http
        .put(format!("{}/v1/draft", app.base))
        .bearer_auth(&token)
        .json(&json!({"step": "photos", "noExpiry": false, "draft": draft}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(send(&app, &token, &trace(&[])).await.status(), 204);
    // Attempts to carry the values: each refused.
    let mut attempts = Vec::new();
    for value in [FIRST, LAST, EMAIL, FILE, token.as_str()] {
        let mut t = trace(&[]);
        t["events"][0]["code"] = json!(value);
        attempts.push(t);
        let mut t = trace(&[]);
        t["lastStep"] = json!(value);
        attempts.push(t);
        let mut t = trace(&[]);
        t["environment"]["inApp"] = json!(value);
        attempts.push(t);
        let mut t = trace(&[]);
        t["fileName"] = json!(value);
        attempts.push(t);
        let mut t = trace(&[]);
        t["events"][0]["note"] = json!(value);
        attempts.push(t);
    }
    // Half as fetches, half as beacons (each counts toward the session's 30 per 10 minutes).
    for (n, t) in attempts.iter().enumerate() {
        let r = if n % 2 == 0 { send(&app, &token, t).await } else { beacon(&app, &token, t).await };
        assert_eq!(r.status(), 400, "{t}");
    }
    // The application is created with the planted values; the last traces go as a beacon.
    let r = app.post("/v1/applications", &token, &draft).await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    let last = trace(&[(20_000, "photos", "photo", "heic"), (21_000, "review", "page", "hidden")]);
    assert_eq!(beacon(&app, &token, &last).await.status(), 204);
    let second = app.session_for(&user).await;
    assert_eq!(beacon(&app, &second, &trace(&[])).await.status(), 204);

    let stored = rows(&app).await;
    assert_eq!(stored.len(), 2);
    let (_, secret) = token.split_once('.').unwrap();
    let (_, secret2) = second.split_once('.').unwrap();
    for (session_id, external_user_id, _, _, body) in &stored {
        let raw = format!("{session_id} {external_user_id} {body}");
        for planted in
            [FIRST, LAST, EMAIL, "zzdiag", FILE, "IMG_4242", &token, secret, &second, secret2, "sessionToken"]
        {
            assert!(!raw.to_lowercase().contains(&planted.to_lowercase()), "the stored trace holds {planted:?}: {raw}");
        }
        // Only the trace's own fields, as the check passed them.
        let v: Value = serde_json::from_str(body).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["environment", "events", "lastStep"]);
    }
    // And the SQLite file itself, where there is one: no value typed into a trace attempt
    // reached it beside the table (the staged draft is sealed).
    if !support::on_postgres() {
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(app.state.db.pool()).await;
        let file = std::fs::read(app.dir.path().join("kyc-demo.db")).unwrap();
        let text = String::from_utf8_lossy(&file);
        for planted in [FILE, secret, secret2] {
            assert!(!text.contains(planted), "the database file holds {planted:?}");
        }
    }
    // The view shows the user's most recently updated trace (of two in the same second, either).
    let shown = view(&app, &id).await["diagnostics"].clone();
    assert!(shown == last || shown == trace(&[]), "{shown}");
}
