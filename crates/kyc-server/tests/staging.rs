//! Staging and "continue on a phone" (STAGING.md), black-box: the real backend on port 0
//! against the real sandbox, over HTTP; on SQLite and, with `KYC_TEST_POSTGRES_URL`, on
//! PostgreSQL. A draft and photos staged by one session continue in the next; the desktop
//! makes a link, a phone claims it and adds photos, the submit forwards them; nothing staged is
//! readable in the database; and the ways in that an attacker would try are closed.

mod support;

use serde_json::{json, Value};
use sqlx::Row;
use std::time::{Duration, Instant};
use support::{jpeg, spawn_app, spawn_app_with, valid_draft, Options, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const DEVICE: &str = "0123456789abcdef0123456789abcdef";
const OTHER_DEVICE: &str = "fedcba9876543210fedcba9876543210fedcba9876543210";

fn user() -> String {
    format!("user-{}", kyc_sandbox::random_hex(6))
}

/// The error code of an error answer (and a check of the one error shape).
async fn code_of(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    assert!(body["error"]["message"].is_string(), "{body}");
    (status, body["error"]["code"].as_str().unwrap_or_default().to_owned())
}

fn staged_body(step: &str, draft: Value) -> Value {
    let mut body = json!({"step": step, "noExpiry": false});
    body["draft"] = draft;
    body
}

async fn put_draft(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.http.put(format!("{}/v1/draft", app.base)).bearer_auth(token).json(body).send().await.unwrap()
}

async fn put_staged(app: &TestApp, path: &str, token: &str, source: &str, bytes: Vec<u8>) -> reqwest::Response {
    app.http
        .put(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("content-type", "image/jpeg")
        .header("x-photo-source", source)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

/// `PUT /v1/photos/{kind}` with the session token.
async fn stage_photo(app: &TestApp, token: &str, kind: &str, source: &str) -> reqwest::Response {
    put_staged(app, &format!("/v1/photos/{kind}"), token, source, jpeg(800, 600)).await
}

/// `PUT /v1/handoff/photos/{kind}` with a phone's capability.
async fn phone_photo(app: &TestApp, capability: &str, kind: &str) -> reqwest::Response {
    put_staged(app, &format!("/v1/handoff/photos/{kind}"), capability, "camera", jpeg(800, 600)).await
}

async fn staged_of(app: &TestApp, token: &str) -> Value {
    let r = app.get("/v1/session", token).await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["staged"].clone()
}

async fn send(app: &TestApp, method: reqwest::Method, path: &str, token: &str) -> reqwest::Response {
    app.http.request(method, format!("{}{path}", app.base)).bearer_auth(token).send().await.unwrap()
}

/// `POST /v1/handoff` for a page of the backend's own origin; answers the 201 body.
async fn start_handoff(app: &TestApp, token: &str) -> Value {
    let r = app.post("/v1/handoff", token, &json!({"url": format!("{}/signup?lang=en#step", app.base)})).await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

fn token_of(handoff: &Value) -> String {
    handoff["link"].as_str().unwrap().split_once("#kyc-handoff=").unwrap().1.to_owned()
}

async fn claim(app: &TestApp, token: &str, device: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/v1/handoff/claim", app.base))
        .json(&json!({"token": token, "device": device}))
        .send()
        .await
        .unwrap()
}

/// Claims and answers the capability.
async fn capability(app: &TestApp, token: &str, device: &str) -> String {
    let r = claim(app, token, device).await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["capability"].as_str().unwrap().to_owned()
}

async fn handoff_state(app: &TestApp, token: &str) -> Value {
    let r = app.get("/v1/handoff", token).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn kinds(photos: &Value) -> Vec<String> {
    photos.as_array().unwrap().iter().map(|p| p["kind"].as_str().unwrap().to_owned()).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// The draft and photos of one session continue in the next

#[tokio::test]
async fn a_staged_draft_comes_back_through_a_new_session_for_the_same_user() {
    let app = spawn_app().await;
    let who = user();
    let first = app.session_for(&who).await;
    assert_eq!(staged_of(&app, &first).await, Value::Null, "nothing staged yet");
    let draft = json!({"email": "jane@example.com", "individualInfo": {"firstName": "Jane", "gender": 2}});
    let body = json!({"step": "address", "noExpiry": true, "draft": draft});
    assert_eq!(put_draft(&app, &first, &body).await.status(), 204);

    // A reload, a new token: the same user finds the draft as typed, and the step.
    let second = app.session_for(&who).await;
    let staged = staged_of(&app, &second).await;
    assert_eq!(staged["step"], "address");
    assert_eq!(staged["noExpiry"], true);
    assert_eq!(staged["draft"], draft);
    assert_eq!(staged["photos"], json!([]));

    // A later save replaces it; another user sees none of it.
    assert_eq!(put_draft(&app, &second, &staged_body("review", json!({"email": "j@example.com"}))).await.status(), 204);
    assert_eq!(staged_of(&app, &first).await["step"], "review");
    assert_eq!(staged_of(&app, &app.session().await).await, Value::Null);

    // The person left: everything staged is gone.
    assert_eq!(send(&app, reqwest::Method::DELETE, "/v1/draft", &second).await.status(), 204);
    assert_eq!(staged_of(&app, &first).await, Value::Null);
}

#[tokio::test]
async fn photos_staged_are_previewed_forwarded_at_submit_and_gone_after_it() {
    let admin = "staging-admin-key-0123456789abcdef0123".to_owned();
    let app = spawn_app_with(Options { admin_key: Some(admin.clone()), ..Options::default() }).await;
    let who = user();
    let token = app.session_for(&who).await;
    assert_eq!(
        put_draft(&app, &token, &staged_body("photos", json!({"email": "staged@example.com"}))).await.status(),
        204
    );
    assert_eq!(stage_photo(&app, &token, "idFront", "file").await.status(), 204);
    assert_eq!(stage_photo(&app, &token, "face", "camera").await.status(), 204);

    // The preview is the cleaned JPEG, not cached.
    let r = app.get("/v1/photos/face", &token).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let preview = r.bytes().await.unwrap().to_vec();
    assert!(preview.starts_with(&[0xFF, 0xD8, 0xFF]) && preview.ends_with(&[0xFF, 0xD9]));
    assert_eq!(image::load_from_memory(&preview).unwrap().width(), 800);
    assert_eq!(app.get("/v1/photos/idBack", &token).await.status(), 404, "none staged");

    let staged = staged_of(&app, &token).await;
    assert_eq!(kinds(&staged["photos"]), ["face", "idFront"]);
    assert_eq!(staged["photos"][0]["source"], "camera");
    assert!(staged["photos"][0]["uploadedAt"].as_str().unwrap().ends_with('Z'));

    // No photo went through the documents route: submit forwards the staged ones first.
    let r = app.post("/v1/applications", &token, &valid_draft("staged@example.com")).await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    let r = app.post(&format!("/v1/applications/{id}/submit"), &token, &json!({})).await;
    assert_eq!(r.status(), 202);

    let rn = app.request_no_of("staged@example.com").await;
    let detail = app.sandbox_app(&rn).await;
    let mut types: Vec<&str> =
        detail["files"].as_array().unwrap().iter().map(|f| f["type"].as_str().unwrap()).collect();
    types.sort_unstable();
    assert_eq!(types, ["amlReport", "face", "idFront", "idvReport"]);
    assert_eq!(app.sandbox_file(&rn, "face").await, preview, "the provider has exactly the staged photo");
    let view: Value = app
        .http
        .get(format!("{}/v1/admin/applications/{id}", app.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sources: Vec<(&str, &str)> = view["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["kind"].as_str().unwrap(), d["source"].as_str().unwrap()))
        .collect();
    assert_eq!(sources, [("face", "camera"), ("idFront", "file")], "recorded with their source");

    // Submitted: the staging is gone, and nothing more can be staged.
    let next = app.session_for(&who).await;
    assert_eq!(staged_of(&app, &next).await, Value::Null);
    assert_eq!(app.get("/v1/photos/face", &next).await.status(), 404);
    assert_eq!(handoff_state(&app, &next).await["state"], "none");
    let (status, code) = code_of(put_draft(&app, &next, &staged_body("review", json!({}))).await).await;
    assert_eq!((status, code.as_str()), (409, "already_submitted"));
    let (status, code) = code_of(stage_photo(&app, &next, "face", "file").await).await;
    assert_eq!((status, code.as_str()), (409, "already_submitted"));
    let r = app.post("/v1/handoff", &next, &json!({"url": format!("{}/", app.base)})).await;
    assert_eq!(code_of(r).await, (409, "already_submitted".to_owned()));
}

#[tokio::test]
async fn a_retake_staged_after_a_refused_submit_is_the_photo_the_provider_gets() {
    let app = spawn_app().await;
    let token = app.session().await;
    assert_eq!(stage_photo(&app, &token, "face", "file").await.status(), 204);
    let r = app.post("/v1/applications", &token, &valid_draft("retake@example.com")).await;
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    // The front of the ID is missing: the staged face was forwarded, the submit refused.
    let r = app.post(&format!("/v1/applications/{id}/submit"), &token, &json!({})).await;
    assert_eq!(code_of(r).await, (409, "documents_missing".to_owned()));
    let rn = app.request_no_of("retake@example.com").await;
    let first = app.sandbox_file(&rn, "face").await;

    // A retake (another picture) and the front: both go at the next submit.
    let retake = image::RgbImage::from_fn(900, 700, |x, y| image::Rgb([(y % 256) as u8, (x % 256) as u8, 90]));
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85).encode_image(&retake).unwrap();
    assert_eq!(put_staged(&app, "/v1/photos/face", &token, "camera", bytes).await.status(), 204);
    assert_eq!(stage_photo(&app, &token, "idFront", "file").await.status(), 204);
    let preview = app.get("/v1/photos/face", &token).await.bytes().await.unwrap().to_vec();
    assert_ne!(preview, first);
    assert_eq!(app.post(&format!("/v1/applications/{id}/submit"), &token, &json!({})).await.status(), 202);
    assert_eq!(app.sandbox_file(&rn, "face").await, preview, "the retake replaced the first photo upstream");
}

// ---------------------------------------------------------------------------------------------
// Nothing staged is readable at rest

#[tokio::test]
async fn the_database_holds_no_plaintext_of_a_staged_draft_or_photo() {
    let app = spawn_app().await;
    let who = user();
    let token = app.session_for(&who).await;
    let draft = json!({"email": "zzsentinel@example.com",
        "individualInfo": {"firstName": "Zzsentinel", "number": "ZZSENTINEL42"},
        "address": {"address": "1 Zzsentinel Street", "ssn": "123-45-6789"}});
    assert_eq!(put_draft(&app, &token, &staged_body("address", draft)).await.status(), 204);
    let raw_photo = jpeg(800, 600);
    assert_eq!(put_staged(&app, "/v1/photos/face", &token, "file", raw_photo.clone()).await.status(), 204);
    let cleaned = app.get("/v1/photos/face", &token).await.bytes().await.unwrap().to_vec();
    // Runs of the photo's bytes from its middle (the JPEG header is the same in every JPEG).
    let chunks = |b: &[u8]| -> Vec<Vec<u8>> { (1..4).map(|i| b[b.len() * i / 4..][..48].to_vec()).collect() };
    let mut needles: Vec<Vec<u8>> = vec![b"Zzsentinel".to_vec(), b"ZZSENTINEL".to_vec(), b"123-45-6789".to_vec()];
    needles.extend(chunks(&cleaned));
    needles.extend(chunks(&raw_photo));

    // What the staging tables hold, on either database: sealed values only.
    let pool = app.state.db.pool();
    let mut sealed: Vec<Vec<u8>> = Vec::new();
    for sql in ["SELECT sealed FROM staged_drafts", "SELECT sealed FROM staged_photos"] {
        for row in sqlx::query(sql).fetch_all(pool).await.unwrap() {
            sealed.push(row.get(0));
        }
    }
    assert_eq!(sealed.len(), 2);
    for value in &sealed {
        for n in &needles {
            assert!(!contains(value, n), "a sealed column holds plaintext");
        }
    }
    // They are the draft and the photo, sealed with the data key for this user.
    let key = kyc_server::staging::DataKey::from_hex(support::TEST_DATA_KEY).unwrap();
    let opened = key.open(&kyc_server::staging::draft_aad(&who), &sealed[0]).unwrap();
    assert!(contains(&opened, b"Zzsentinel"));
    assert_eq!(key.open(&kyc_server::staging::photo_aad(&who, "face"), &sealed[1]).unwrap(), cleaned);

    // SQLite: the whole file and its write-ahead log, byte for byte.
    if !support::on_postgres() {
        let mut scanned = 0;
        for name in ["kyc-demo.db", "kyc-demo.db-wal"] {
            let Ok(bytes) = std::fs::read(app.dir.path().join(name)) else { continue };
            scanned += bytes.len();
            for n in &needles {
                assert!(!contains(&bytes, n), "{name} holds plaintext of the staged data");
            }
        }
        assert!(scanned > cleaned.len(), "the staged photo is in the scanned files");
    }
}

#[tokio::test]
async fn a_sealed_draft_copied_into_another_users_row_does_not_open() {
    let app = spawn_app().await;
    let (alice, bob) = (user(), user());
    let (a, b) = (app.session_for(&alice).await, app.session_for(&bob).await);
    assert_eq!(put_draft(&app, &a, &staged_body("review", json!({"email": "alice@example.com"}))).await.status(), 204);
    assert_eq!(put_draft(&app, &b, &staged_body("personal", json!({}))).await.status(), 204);
    // Someone with database access moves Alice's sealed draft into Bob's row.
    sqlx::query(
        "UPDATE staged_drafts SET sealed = (SELECT s.sealed FROM staged_drafts s WHERE s.external_user_id = $1) \
         WHERE external_user_id = $2",
    )
    .bind(&alice)
    .bind(&bob)
    .execute(app.state.db.pool())
    .await
    .unwrap();
    // Bob sees nothing of it (the value is bound to Alice's row); Alice still sees hers.
    assert_eq!(staged_of(&app, &b).await, Value::Null);
    assert_eq!(staged_of(&app, &a).await["draft"]["email"], "alice@example.com");
}

// ---------------------------------------------------------------------------------------------
// Continue on a phone

#[tokio::test]
async fn a_phone_claims_the_link_adds_photos_and_the_desktop_follows_until_done() {
    let app = spawn_app().await;
    let desktop = app.session().await;
    let passport = json!({"individualInfo": {"idDocType": "2"}});
    assert_eq!(put_draft(&app, &desktop, &staged_body("photos", passport)).await.status(), 204);
    assert_eq!(handoff_state(&app, &desktop).await["state"], "none");
    assert_eq!(stage_photo(&app, &desktop, "idFront", "file").await.status(), 204);

    let h = start_handoff(&app, &desktop).await;
    let link = h["link"].as_str().unwrap();
    assert!(
        link.starts_with(&format!("{}/signup?lang=en#kyc-handoff=", app.base)),
        "the old fragment is dropped: {link}"
    );
    let token = token_of(&h);
    assert!(token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(h["qrSvg"].as_str().unwrap().starts_with("<svg"));
    let code = h["matchCode"].as_str().unwrap().to_owned();
    assert!(code.len() == 7 && &code[3..4] == "-", "{code}");
    assert!(code.bytes().filter(|b| *b != b'-').all(|b| b"ABCDEFGHJKMNPQRSTUVWXYZ23456789".contains(&b)));
    assert!(h["expiresAt"].as_str().unwrap().ends_with('Z'));
    let s = handoff_state(&app, &desktop).await;
    assert_eq!((s["state"].as_str(), s["matchCode"].as_str()), (Some("waiting"), Some(code.as_str())));

    // The phone: token in the body, its device id; it learns what to frame and what is there.
    let r = claim(&app, &token, DEVICE).await;
    assert_eq!(r.status(), 200);
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["matchCode"], code.as_str());
    assert_eq!(c["shape"], "passport");
    assert_eq!(c["photos"], json!(["idFront"]));
    assert!(c["expiresAt"].as_str().unwrap().ends_with('Z'));
    let cap = c["capability"].as_str().unwrap().to_owned();
    assert_ne!(cap, token);
    assert_eq!(handoff_state(&app, &desktop).await["state"], "connected");

    assert_eq!(phone_photo(&app, &cap, "face").await.status(), 204);
    let s = handoff_state(&app, &desktop).await;
    assert_eq!(kinds(&s["photos"]), ["face", "idFront"], "photos from either device");
    assert_eq!(s["photos"][0]["source"], "camera");
    let r = app.get("/v1/photos/face", &desktop).await;
    assert_eq!(r.status(), 200, "the desktop previews the phone's photo");
    assert!(r.bytes().await.unwrap().starts_with(&[0xFF, 0xD8]));

    let r = app.http.post(format!("{}/v1/handoff/done", app.base)).bearer_auth(&cap).json(&json!({})).send().await;
    assert_eq!(r.unwrap().status(), 204);
    assert_eq!(handoff_state(&app, &desktop).await["state"], "done");
    assert_eq!(kinds(&staged_of(&app, &desktop).await["photos"]), ["face", "idFront"]);
}

#[tokio::test]
async fn a_second_device_claiming_the_link_is_refused_and_ends_the_link_for_both() {
    let app = spawn_app().await;
    let desktop = app.session().await;
    let token = token_of(&start_handoff(&app, &desktop).await);
    let cap = capability(&app, &token, DEVICE).await;
    assert_eq!(code_of(claim(&app, &token, OTHER_DEVICE).await).await, (409, "handoff_other_device".to_owned()));
    // Which one is the applicant's phone cannot be told: neither goes on, the desktop is told.
    assert_eq!(handoff_state(&app, &desktop).await["state"], "taken");
    assert_eq!(code_of(phone_photo(&app, &cap, "face").await).await, (401, "unauthorized".to_owned()));
    assert_eq!(send(&app, reqwest::Method::POST, "/v1/handoff/done", &cap).await.status(), 401);
    for device in [DEVICE, OTHER_DEVICE] {
        assert_eq!(code_of(claim(&app, &token, device).await).await, (404, "handoff_invalid".to_owned()));
    }
    assert_eq!(handoff_state(&app, &desktop).await["state"], "taken", "still: no claim revives it");
    // A new link works again, for any phone.
    let cap = capability(&app, &token_of(&start_handoff(&app, &desktop).await), OTHER_DEVICE).await;
    assert_eq!(phone_photo(&app, &cap, "face").await.status(), 204);
}

/// A JPEG unlike any other `seed`'s (so the provider's copy tells whose photo it is).
fn picture(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(820, 620, |x, y| {
        image::Rgb([((x / 7) as u8).wrapping_mul(seed), ((y / 5) as u8).wrapping_add(seed), seed.wrapping_mul(37)])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img).unwrap();
    out
}

async fn preview(app: &TestApp, token: &str, kind: &str) -> Vec<u8> {
    let r = app.get(&format!("/v1/photos/{kind}"), token).await;
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn a_stranger_who_claims_a_leaked_link_first_gets_no_photo_of_theirs_forwarded() {
    let app = spawn_app().await;
    let who = user();
    let desktop = app.session_for(&who).await;
    let email = "leaked-link@example.com";
    assert_eq!(put_staged(&app, "/v1/photos/idFront", &desktop, "file", picture(3)).await.status(), 204);
    assert_eq!(put_staged(&app, "/v1/photos/face", &desktop, "camera", picture(5)).await.status(), 204);
    let front = preview(&app, &desktop, "idFront").await;
    let token = token_of(&start_handoff(&app, &desktop).await);

    // The link leaked: a stranger claims it before the applicant's phone and stages a face
    // (replacing the desktop's) and a back of an ID.
    let stranger = capability(&app, &token, OTHER_DEVICE).await;
    let url = |kind: &str| format!("/v1/handoff/photos/{kind}");
    assert_eq!(put_staged(&app, &url("face"), &stranger, "camera", picture(11)).await.status(), 204);
    assert_eq!(put_staged(&app, &url("idBack"), &stranger, "camera", picture(13)).await.status(), 204);
    let strangers_face = preview(&app, &desktop, "face").await;
    assert_eq!(kinds(&handoff_state(&app, &desktop).await["photos"]), ["face", "idBack", "idFront"]);

    // The applicant's phone is refused, and that ends the link: the stranger's photos are
    // dropped, the desktop's own stay, and the desktop can tell what happened.
    assert_eq!(code_of(claim(&app, &token, DEVICE).await).await, (409, "handoff_other_device".to_owned()));
    let s = handoff_state(&app, &desktop).await;
    assert_eq!(s["state"], "taken");
    assert_eq!(kinds(&s["photos"]), ["idFront"]);
    assert_eq!(kinds(&staged_of(&app, &desktop).await["photos"]), ["idFront"]);
    assert_eq!(app.get("/v1/photos/face", &desktop).await.status(), 404);
    assert_eq!(preview(&app, &desktop, "idFront").await, front);
    // Dead for both: the stranger adds nothing more, and no claim works.
    assert_eq!(code_of(phone_photo(&app, &stranger, "face").await).await, (401, "unauthorized".to_owned()));
    assert_eq!(send(&app, reqwest::Method::POST, "/v1/handoff/done", &stranger).await.status(), 401);
    assert_eq!(code_of(claim(&app, &token, OTHER_DEVICE).await).await, (404, "handoff_invalid".to_owned()));
    assert_eq!(code_of(claim(&app, &token, DEVICE).await).await, (404, "handoff_invalid".to_owned()));
    assert_eq!(kinds(&staged_of(&app, &desktop).await["photos"]), ["idFront"]);

    // The desktop takes its face again and submits: the provider gets the desktop's photos only.
    assert_eq!(put_staged(&app, "/v1/photos/face", &desktop, "camera", picture(7)).await.status(), 204);
    let own_face = preview(&app, &desktop, "face").await;
    assert_ne!(own_face, strangers_face);
    let r = app.post("/v1/applications", &desktop, &valid_draft(email)).await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    assert_eq!(app.post(&format!("/v1/applications/{id}/submit"), &desktop, &json!({})).await.status(), 202);
    let rn = app.request_no_of(email).await;
    let detail = app.sandbox_app(&rn).await;
    let mut types: Vec<&str> =
        detail["files"].as_array().unwrap().iter().map(|f| f["type"].as_str().unwrap()).collect();
    types.sort_unstable();
    assert_eq!(types, ["amlReport", "face", "idFront", "idvReport"], "no idBack of the stranger's");
    assert_eq!(app.sandbox_file(&rn, "face").await, own_face, "the desktop's face, not the stranger's");
    assert_eq!(app.sandbox_file(&rn, "idFront").await, front);
}

#[tokio::test]
async fn a_taken_link_drops_only_what_came_through_it() {
    let app = spawn_app().await;
    let desktop = app.session().await;
    // An earlier link's phone staged the front; then the desktop made a new link.
    let first = capability(&app, &token_of(&start_handoff(&app, &desktop).await), DEVICE).await;
    assert_eq!(phone_photo(&app, &first, "idFront").await.status(), 204);
    let token = token_of(&start_handoff(&app, &desktop).await);
    let cap = capability(&app, &token, DEVICE).await;
    assert_eq!(phone_photo(&app, &cap, "face").await.status(), 204);
    assert_eq!(phone_photo(&app, &cap, "idBack").await.status(), 204);
    // The desktop retook the back itself: that one is the desktop's now.
    assert_eq!(stage_photo(&app, &desktop, "idBack", "file").await.status(), 204);
    assert_eq!(code_of(claim(&app, &token, OTHER_DEVICE).await).await, (409, "handoff_other_device".to_owned()));
    let s = handoff_state(&app, &desktop).await;
    assert_eq!(s["state"], "taken");
    assert_eq!(kinds(&s["photos"]), ["idBack", "idFront"], "only the taken link's face is dropped");
}

/// Sends `PUT /v1/handoff/photos/{kind}` with a capability and all of a photo but its last
/// bytes, then waits: the request is past its capability check and in flight.
async fn upload_in_flight(app: &TestApp, capability: &str, kind: &str) -> (TcpStream, Vec<u8>) {
    let body = jpeg(800, 600);
    let mut s = TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "PUT /v1/handoff/photos/{kind} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {capability}\r\n\
         Content-Type: image/jpeg\r\nX-Photo-Source: camera\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let (sent, rest) = body.split_at(body.len() - 64);
    s.write_all(sent).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    (s, rest.to_vec())
}

/// Sends the rest of an upload in flight and answers its status line.
async fn finish_upload(mut s: TcpStream, rest: &[u8]) -> String {
    s.write_all(rest).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(30);
    while !contains(&buf, b"\r\n") {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&buf).lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn photos_of_a_capability_are_refused_once_the_link_ended_even_when_already_in_flight() {
    let app = spawn_app().await;
    // While the link lives, an upload sent this way lands.
    let desktop = app.session().await;
    let cap = capability(&app, &token_of(&start_handoff(&app, &desktop).await), DEVICE).await;
    let (in_flight, rest) = upload_in_flight(&app, &cap, "face").await;
    let answer = finish_upload(in_flight, &rest).await;
    assert!(answer.starts_with("HTTP/1.1 204"), "{answer}");
    assert_eq!(kinds(&staged_of(&app, &desktop).await["photos"]), ["face"]);
    // How the link ends: "Use this device instead", a new link, a second device's claim.
    for how in ["this device", "new link", "taken"] {
        let desktop = app.session().await;
        let token = token_of(&start_handoff(&app, &desktop).await);
        let cap = capability(&app, &token, DEVICE).await;
        let (in_flight, rest) = upload_in_flight(&app, &cap, "face").await;
        match how {
            "this device" => {
                assert_eq!(send(&app, reqwest::Method::DELETE, "/v1/handoff", &desktop).await.status(), 204);
            }
            "new link" => drop(start_handoff(&app, &desktop).await),
            _ => assert_eq!(claim(&app, &token, OTHER_DEVICE).await.status(), 409),
        }
        let answer = finish_upload(in_flight, &rest).await;
        assert!(answer.starts_with("HTTP/1.1 401"), "{how}: the upload in flight → {answer}");
        assert_eq!(code_of(phone_photo(&app, &cap, "idFront").await).await, (401, "unauthorized".to_owned()), "{how}");
        assert_eq!(send(&app, reqwest::Method::POST, "/v1/handoff/done", &cap).await.status(), 401, "{how}");
        assert_eq!(staged_of(&app, &desktop).await, Value::Null, "{how}: nothing was staged");
        assert_ne!(handoff_state(&app, &desktop).await["state"], "done", "{how}");
    }
}

#[tokio::test]
async fn the_same_device_claiming_again_gets_a_fresh_capability_and_the_old_one_dies() {
    let app = spawn_app().await;
    let desktop = app.session().await;
    let token = token_of(&start_handoff(&app, &desktop).await);
    let old = capability(&app, &token, DEVICE).await;
    // The device id's case does not matter (it is the same phone).
    let fresh = capability(&app, &token, &DEVICE.to_uppercase()).await;
    assert_ne!(old, fresh);
    assert_eq!(code_of(phone_photo(&app, &old, "face").await).await, (401, "unauthorized".to_owned()));
    assert_eq!(phone_photo(&app, &fresh, "face").await.status(), 204);
}

#[tokio::test]
async fn after_the_desktop_ends_the_handoff_the_link_and_the_capability_are_dead() {
    let app = spawn_app().await;
    let desktop = app.session().await;
    let token = token_of(&start_handoff(&app, &desktop).await);
    let cap = capability(&app, &token, DEVICE).await;
    assert_eq!(send(&app, reqwest::Method::DELETE, "/v1/handoff", &desktop).await.status(), 204);
    assert_eq!(handoff_state(&app, &desktop).await["state"], "cancelled");
    assert_eq!(code_of(claim(&app, &token, DEVICE).await).await, (404, "handoff_invalid".to_owned()));
    assert_eq!(phone_photo(&app, &cap, "face").await.status(), 401);
    assert_eq!(send(&app, reqwest::Method::POST, "/v1/handoff/done", &cap).await.status(), 401);
    assert_eq!(staged_of(&app, &desktop).await, Value::Null, "the phone staged nothing");
}

#[tokio::test]
async fn a_new_link_ends_the_old_one() {
    let app = spawn_app().await;
    let desktop = app.session().await;
    let first = token_of(&start_handoff(&app, &desktop).await);
    let old_cap = capability(&app, &first, DEVICE).await;
    let second = start_handoff(&app, &desktop).await;
    assert_eq!(handoff_state(&app, &desktop).await["matchCode"], second["matchCode"]);
    assert_eq!(handoff_state(&app, &desktop).await["state"], "waiting");
    assert_eq!(code_of(claim(&app, &first, DEVICE).await).await, (404, "handoff_invalid".to_owned()));
    assert_eq!(phone_photo(&app, &old_cap, "face").await.status(), 401);
    // Any phone may claim the new link (the old binding went with the old link).
    let cap = capability(&app, &token_of(&second), OTHER_DEVICE).await;
    assert_eq!(phone_photo(&app, &cap, "face").await.status(), 204);
}

#[tokio::test]
async fn an_expired_link_cannot_be_claimed() {
    let app = spawn_app_with(Options { handoff_ttl_secs: Some(1), ..Options::default() }).await;
    let desktop = app.session().await;
    let token = token_of(&start_handoff(&app, &desktop).await);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(code_of(claim(&app, &token, DEVICE).await).await, (404, "handoff_invalid".to_owned()));
    assert_eq!(handoff_state(&app, &desktop).await["state"], "expired");
}

#[tokio::test]
async fn a_capability_reads_nothing_and_opens_no_session_endpoint() {
    let app = spawn_app().await;
    let desktop = app.session().await;
    assert_eq!(
        put_draft(&app, &desktop, &staged_body("photos", json!({"email": "x@example.com"}))).await.status(),
        204
    );
    assert_eq!(stage_photo(&app, &desktop, "face", "file").await.status(), 204);
    let cap = capability(&app, &token_of(&start_handoff(&app, &desktop).await), DEVICE).await;
    use reqwest::Method;
    for (method, path) in [
        (Method::GET, "/v1/photos/face"),
        (Method::PUT, "/v1/photos/face"),
        (Method::GET, "/v1/session"),
        (Method::PUT, "/v1/draft"),
        (Method::DELETE, "/v1/draft"),
        (Method::GET, "/v1/handoff"),
        (Method::POST, "/v1/handoff"),
        (Method::DELETE, "/v1/handoff"),
        (Method::POST, "/v1/applications"),
    ] {
        let r = send(&app, method.clone(), path, &cap).await;
        assert_eq!(code_of(r).await, (401, "unauthorized".to_owned()), "{method} {path}");
    }
    // And a session token is no capability.
    assert_eq!(phone_photo(&app, &desktop, "face").await.status(), 401);
    assert_eq!(staged_of(&app, &desktop).await["draft"]["email"], "x@example.com", "all still there");
}

// ---------------------------------------------------------------------------------------------
// Attacks

#[tokio::test]
async fn claims_with_wrong_garbage_or_oversized_bodies_are_refused_and_the_server_goes_on() {
    let app = spawn_app().await;
    let desktop = app.session().await;
    let token = token_of(&start_handoff(&app, &desktop).await);
    let post = |ct: &'static str, body: Vec<u8>| {
        let req = app.http.post(format!("{}/v1/handoff/claim", app.base)).header("content-type", ct).body(body);
        async move { req.send().await.unwrap() }
    };
    let json_body = |v: Value| v.to_string().into_bytes();
    for (ct, body, want) in [
        ("application/json", Vec::new(), 400),
        ("application/json", b"garbage".to_vec(), 400),
        ("application/json", b"{\"token\": ".to_vec(), 400),
        ("application/json", b"[1, 2, 3]".to_vec(), 400),
        ("application/json", vec![0xFF, 0xFE, 0x00, 0x7B], 400),
        ("text/plain", json_body(json!({"token": token, "device": DEVICE})), 415),
        ("application/json", json_body(json!({"token": token})), 400),
        ("application/json", json_body(json!({"token": token, "device": DEVICE, "user": "x"})), 400),
        ("application/json", json_body(json!({"token": token, "device": 42})), 400),
        ("application/json", json_body(json!({"token": token, "device": "not-hex-not-hex-not-hex-not-hex-"})), 400),
        ("application/json", json_body(json!({"token": token, "device": "abc"})), 400),
        ("application/json", json_body(json!({"token": "0".repeat(64), "device": DEVICE})), 404),
        ("application/json", json_body(json!({"token": "short", "device": DEVICE})), 404),
        ("application/json", json_body(json!({"token": format!("{token}\u{0}"), "device": DEVICE})), 404),
        ("application/json", json_body(json!({"token": token.to_uppercase(), "device": DEVICE})), 404),
        ("application/json", json_body(json!({"token": "x".repeat(900), "device": DEVICE})), 404),
        ("application/json", json_body(json!({"token": token, "device": DEVICE, "pad": "x".repeat(1100)})), 413),
    ] {
        let r = post(ct, body.clone()).await;
        let (status, code) = code_of(r).await;
        assert_eq!(status, want, "{ct} {:?} → {code}", String::from_utf8_lossy(&body[..body.len().min(60)]));
        if want == 404 {
            assert_eq!(code, "handoff_invalid");
        }
    }
    // A huge declared body is refused before it is read.
    let started = Instant::now();
    let mut s = TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    s.write_all(b"POST /v1/handoff/claim HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{")
        .await
        .unwrap();
    let got = read_head(&mut s).await;
    assert!(got.starts_with("HTTP/1.1 413"), "{got}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // Nothing of it broke the link: the real phone still claims it.
    assert_eq!(claim(&app, &token, DEVICE).await.status(), 200);
    assert_eq!(app.http.get(format!("{}/healthz", app.base)).send().await.unwrap().status(), 200);
}

/// Reads an answer's head (up to 1 s).
async fn read_head(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(1);
    while !contains(&buf, b"\r\n\r\n") {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn handoff_urls_of_a_foreign_origin_or_another_scheme_are_refused() {
    let app = spawn_app().await;
    let desktop = app.session().await;
    let host = app.base.trim_start_matches("http://").to_owned();
    for url in [
        "https://evil.example/signup".to_owned(),
        format!("https://{host}.evil.example/"),
        "javascript:alert(document.cookie)".to_owned(),
        format!("javascript://{host}/%0aalert(1)"),
        "data:text/html,<script>alert(1)</script>".to_owned(),
        format!("ftp://{host}/"),
        format!("//{host}/signup"),
        format!("http://attacker@{host}/"),
        format!("http://{host}@evil.example/"),
        format!("http://{host}/\"><script>alert(1)</script>"),
        format!("http://{host}/{}", "a".repeat(2000)),
        String::new(),
    ] {
        let r = app.post("/v1/handoff", &desktop, &json!({"url": url})).await;
        assert_eq!(code_of(r).await, (400, "bad_request".to_owned()), "{url}");
    }
    for body in [json!({}), json!({"url": 7}), json!({"url": app.base, "userId": "other"})] {
        assert_eq!(app.post("/v1/handoff", &desktop, &body).await.status(), 400, "{body}");
    }
    assert_eq!(handoff_state(&app, &desktop).await["state"], "none", "no link was made");
    // The backend's own origins (host case does not matter), and the request's own origin.
    for url in [format!("{}/", app.base), format!("http://LOCALHOST:{}/x", host.split(':').nth(1).unwrap())] {
        assert_eq!(app.post("/v1/handoff", &desktop, &json!({"url": url})).await.status(), 201, "{url}");
    }
    let r = app
        .http
        .post(format!("{}/v1/handoff", app.base))
        .bearer_auth(&desktop)
        .header("origin", &app.base)
        .json(&json!({"url": format!("{}/page#frag", app.base)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let link = r.json::<Value>().await.unwrap()["link"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&format!("{}/page#kyc-handoff=", app.base)), "{link}");
}

#[tokio::test]
async fn a_draft_with_server_set_or_unknown_fields_is_refused_400() {
    let app = spawn_app().await;
    let token = app.session().await;
    for body in [
        staged_body("personal", json!({"requestNo": "R1"})),
        staged_body("personal", json!({"callbackUrl": "https://evil.example/"})),
        staged_body("personal", json!({"kycPlatform": "x"})),
        staged_body("personal", json!({"holderType": 1})),
        staged_body("personal", json!({"ipAddress": "1.2.3.4"})),
        staged_body("personal", json!({"individualInfo": {"requestNo": "R1"}})),
        staged_body("personal", json!({"address": {"callbackUrl": "x"}})),
        json!({"step": "personal", "noExpiry": false, "draft": {}, "requestNo": "R1"}),
        json!({"step": "hacking", "noExpiry": false, "draft": {}}),
        json!({"step": "personal", "noExpiry": "yes", "draft": {}}),
        json!({"noExpiry": false, "draft": {}}),
        json!({"step": "personal", "draft": {"email": {"$ne": ""}}}),
        json!([]),
    ] {
        let r = put_draft(&app, &token, &body).await;
        assert_eq!(code_of(r).await, (400, "bad_request".to_owned()), "{body}");
    }
    assert_eq!(staged_of(&app, &token).await, Value::Null, "nothing was staged");
    // Only JSON, and at most 64 KiB of it.
    let r = app.http.put(format!("{}/v1/draft", app.base)).bearer_auth(&token).body("{}").send().await.unwrap();
    assert_eq!(r.status(), 415);
    let huge = staged_body("personal", json!({"email": "x".repeat(70 * 1024)}));
    assert_eq!(put_draft(&app, &token, &huge).await.status(), 413);
}

#[tokio::test]
async fn staged_photos_get_the_checks_of_the_documents_route() {
    let app = spawn_app().await;
    let token = app.session().await;
    let r = put_staged(&app, "/v1/photos/face", &token, "file", b"GIF89a not a photo".to_vec()).await;
    assert_eq!(r.status(), 415);
    let r = put_staged(&app, "/v1/photos/face", &token, "file", jpeg(60, 40)).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "documents.face");
    let r = put_staged(&app, "/v1/photos/face", &token, "file", vec![0; 5_000_001]).await;
    assert_eq!(r.status(), 413);
    assert_eq!(put_staged(&app, "/v1/photos/passport", &token, "file", jpeg(800, 600)).await.status(), 404);
    assert_eq!(staged_of(&app, &token).await, Value::Null);
}

#[tokio::test]
async fn unauthenticated_photo_uploads_are_answered_401_before_the_body() {
    let app = spawn_app().await;
    let desktop = app.session().await;
    let bad_session = format!("{}.{}", &desktop[..32], "0".repeat(64));
    for (path, auth) in [
        ("/v1/photos/face", String::new()),
        ("/v1/photos/face", format!("Authorization: Bearer {bad_session}\r\n")),
        ("/v1/handoff/photos/face", String::new()),
        ("/v1/handoff/photos/face", format!("Authorization: Bearer {}\r\n", "a".repeat(64))),
        ("/v1/handoff/photos/face", format!("Authorization: Bearer {desktop}\r\n")),
        ("/v1/draft", String::new()),
    ] {
        let mut s = TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
        // Headers announce 5 MB; not one body byte is sent.
        let head = format!(
            "PUT {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: image/jpeg\r\nContent-Length: 5000000\r\n\r\n"
        );
        s.write_all(head.as_bytes()).await.unwrap();
        let got = read_head(&mut s).await;
        assert!(got.starts_with("HTTP/1.1 401"), "{path}: {got}");
    }
}
