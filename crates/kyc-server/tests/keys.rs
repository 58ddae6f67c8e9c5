//! The data key at rest (STAGING.md, "Encryption at rest"), black-box: the real backend on port
//! 0 against the real sandbox, over HTTP; on SQLite and, with `KYC_TEST_POSTGRES_URL`, on
//! PostgreSQL. A draft and photos staged under one key are readable after a restart with a new
//! key and the old one as `KYC_DATA_KEY_PREVIOUS`, and neither shown nor counted after a restart
//! with the new key alone; a report pushed by the partner is never stored in the clear and, after
//! a rotation, still goes to the provider byte for byte.

mod support;

use kyc_server::config::ReportSource;
use kyc_server::staging::{report_aad, sealed_key_id, DataKey};
use kyc_server::AppState;
use serde_json::{json, Value};
use sqlx::Row;
use support::{jpeg, spawn_app_with, valid_draft, Options, TestApp, TEST_DATA_KEY};
use tokio::net::TcpListener;

/// The new key of the rotation (as `openssl rand -hex 32` makes one); the old one is the tests'
/// usual [`TEST_DATA_KEY`].
const NEW_KEY: &str = "3f9c0d7e5a1b24c86e0f9a3d7b5c1e2f48a6d0c9e7b3f1a5d2c8e4b6a0f9d3c7";
const ADMIN: &str = "keys-admin-key-0123456789abcdef0123456789";
const DEVICE: &str = "0123456789abcdef0123456789abcdef";

fn key(hex: &str) -> DataKey {
    DataKey::from_hex(hex).unwrap()
}

/// The old key alone, the new key alone, the new key with the old one as previous.
fn old_key() -> DataKey {
    key(TEST_DATA_KEY)
}
fn new_key() -> DataKey {
    key(NEW_KEY)
}
fn rotated() -> DataKey {
    new_key().with_previous(&old_key())
}

fn user() -> String {
    format!("user-{}", kyc_sandbox::random_hex(6))
}

/// The backend restarted on `first`'s database (and against its sandbox) with `data_key`: the
/// same configuration otherwise, as an operator rotating the key would restart it.
async fn restart_with(first: &TestApp, data_key: DataKey) -> TestApp {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let mut config = (*first.state.config).clone();
    config.addr = addr;
    config.data_key = data_key;
    let state = AppState::new(config).await.unwrap();
    let router = kyc_server::app(state.clone(), None);
    let workers = state.clone();
    tokio::spawn(async move {
        let limits = kyc_server::http::ConnectionLimits::default();
        kyc_server::run(l, router, workers, std::future::pending(), kyc_server::http::Timeouts::default(), limits)
            .await
            .unwrap();
    });
    TestApp {
        base: format!("http://{addr}"),
        sandbox_base: first.sandbox_base.clone(),
        http: reqwest::Client::new(),
        state,
        sandbox: first.sandbox.clone(),
        admin_key: first.admin_key.clone(),
        dir: tempfile::tempdir().unwrap(),
    }
}

async fn put_draft(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.http.put(format!("{}/v1/draft", app.base)).bearer_auth(token).json(body).send().await.unwrap()
}

/// `PUT /v1/photos/{kind}` with the session token.
async fn stage_photo(app: &TestApp, token: &str, kind: &str) -> reqwest::Response {
    app.http
        .put(format!("{}/v1/photos/{kind}", app.base))
        .bearer_auth(token)
        .header("content-type", "image/jpeg")
        .header("x-photo-source", "file")
        .body(jpeg(800, 600))
        .send()
        .await
        .unwrap()
}

async fn staged_of(app: &TestApp, token: &str) -> Value {
    let r = app.get("/v1/session", token).await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["staged"].clone()
}

fn kinds(photos: &Value) -> Vec<String> {
    photos.as_array().unwrap().iter().map(|p| p["kind"].as_str().unwrap().to_owned()).collect()
}

/// The kinds `GET /v1/handoff` lists.
async fn handoff_kinds(app: &TestApp, token: &str) -> Vec<String> {
    let r = app.get("/v1/handoff", token).await;
    assert_eq!(r.status(), 200);
    kinds(&r.json::<Value>().await.unwrap()["photos"])
}

/// `POST /v1/handoff` on a page of the backend's public origin, then a phone's claim: the
/// claim's answer.
async fn claim(app: &TestApp, token: &str) -> Value {
    let url = format!("{}/signup", app.state.config.public_base_url);
    let r = app.post("/v1/handoff", token, &json!({"url": url})).await;
    assert_eq!(r.status(), 201);
    let link: Value = r.json().await.unwrap();
    let one_time = link["link"].as_str().unwrap().split_once("#kyc-handoff=").unwrap().1.to_owned();
    let r = app
        .http
        .post(format!("{}/v1/handoff/claim", app.base))
        .json(&json!({"token": one_time, "device": DEVICE}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// The key id stored beside each of the user's staged photos, by kind.
async fn stored_key_ids(app: &TestApp, who: &str) -> Vec<(String, Option<String>)> {
    let rows = sqlx::query("SELECT kind, key_id, sealed FROM staged_photos WHERE external_user_id = $1 ORDER BY kind")
        .bind(who)
        .fetch_all(app.state.db.pool())
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let (kind, key_id, sealed): (String, Option<String>, Vec<u8>) = (r.get(0), r.get(1), r.get(2));
            assert_eq!(key_id, sealed_key_id(&sealed), "the column is the sealed value's own key id");
            (kind, key_id)
        })
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// Staged data across a rotation

#[tokio::test]
async fn staged_data_opens_after_a_rotation_and_is_neither_listed_nor_counted_without_the_old_key() {
    let a = spawn_app_with(Options::default()).await;
    // Two people stage under the old key: a draft (a passport) and two photos each.
    let (alice, bob) = (user(), user());
    let draft = json!({"email": "rotate@example.com", "individualInfo": {"firstName": "Jane", "idDocType": "2"}});
    let body = json!({"step": "photos", "noExpiry": false, "draft": draft});
    let mut tokens = Vec::new();
    for who in [&alice, &bob] {
        let token = a.session_for(who).await;
        assert_eq!(put_draft(&a, &token, &body).await.status(), 204);
        for kind in ["face", "idFront"] {
            assert_eq!(stage_photo(&a, &token, kind).await.status(), 204);
        }
        tokens.push(token);
    }
    let (alice_token, bob_token) = (&tokens[0], &tokens[1]);
    let preview = a.get("/v1/photos/face", alice_token).await.bytes().await.unwrap().to_vec();
    let old_id = old_key().key_id();
    let by_old = vec![("face".to_owned(), Some(old_id.clone())), ("idFront".to_owned(), Some(old_id.clone()))];
    assert_eq!(stored_key_ids(&a, &alice).await, by_old);

    // Restarted with the new key and the old one as previous: everything is there, as typed.
    let b = restart_with(&a, rotated()).await;
    let staged = staged_of(&b, alice_token).await;
    assert_eq!((&staged["step"], &staged["draft"]), (&json!("photos"), &draft));
    assert_eq!(kinds(&staged["photos"]), ["face", "idFront"]);
    assert_eq!(b.get("/v1/photos/face", alice_token).await.bytes().await.unwrap().to_vec(), preview);
    assert_eq!(handoff_kinds(&b, alice_token).await, ["face", "idFront"]);
    // A photo staged now is sealed with the new key; the old ones stay as they are.
    assert_eq!(stage_photo(&b, alice_token, "idBack").await.status(), 204);
    let mut both = by_old.clone();
    both.insert(1, ("idBack".to_owned(), Some(new_key().key_id())));
    assert_eq!(stored_key_ids(&b, &alice).await, both);
    assert_eq!(kinds(&staged_of(&b, alice_token).await["photos"]), ["face", "idBack", "idFront"]);

    // Restarted with the new key alone: what the old key sealed is neither shown nor counted.
    let c = restart_with(&a, new_key()).await;
    let staged = staged_of(&c, alice_token).await;
    assert_eq!(staged["step"], Value::Null, "the draft does not open");
    assert_eq!(staged["draft"], json!({}));
    assert_eq!(kinds(&staged["photos"]), ["idBack"], "only the photo sealed with the new key");
    assert_eq!(c.get("/v1/photos/face", alice_token).await.status(), 404);
    assert_eq!(c.get("/v1/photos/idBack", alice_token).await.status(), 200);
    // Bob had only what the old key sealed: nothing is staged, as far as anyone can see.
    assert_eq!(staged_of(&c, bob_token).await, Value::Null, "a draft that does not open is not `staged`");
    assert_eq!(c.get("/v1/photos/face", bob_token).await.status(), 404);
    assert!(handoff_kinds(&c, bob_token).await.is_empty());
    let claimed = claim(&c, bob_token).await;
    assert_eq!(claimed["photos"], json!([]), "the phone is told of no photo");
    assert_eq!(claimed["shape"], "card", "the draft (a passport) does not open");
    // The rows are still there (retention removes them): only the listings leave them out.
    assert_eq!(stored_key_ids(&c, &bob).await, by_old);

    // And the old key alone does not list what the new one sealed.
    assert_eq!(kinds(&staged_of(&a, alice_token).await["photos"]), ["face", "idFront"]);
    // With the rotation configured again, the phone is told of both of Bob's photos.
    let d = restart_with(&a, rotated()).await;
    let claimed = claim(&d, bob_token).await;
    assert_eq!(claimed["photos"], json!(["face", "idFront"]));
    assert_eq!(claimed["shape"], "passport");
}

// ---------------------------------------------------------------------------------------------
// Reports at rest

/// A report PDF with a marker that must never be found at rest.
fn report_pdf(kind: &str) -> Vec<u8> {
    let mut pdf = format!("%PDF-1.4\n% Zzsentinel {kind} of Jane Doe, passport X1234567: no match\n").into_bytes();
    pdf.extend((0..2_000u32).map(|i| (i * 7 % 251) as u8));
    pdf.extend_from_slice(b"\n%%EOF\n");
    pdf
}

#[tokio::test]
async fn a_pushed_report_is_sealed_at_rest_and_still_forwarded_after_a_rotation() {
    let a = spawn_app_with(Options {
        admin_key: Some(ADMIN.into()),
        reports: Some(ReportSource::Partner { dir: None }),
        ..Options::default()
    })
    .await;
    let email = "sealed-report@example.com";
    let token = a.session_for(&user()).await;
    let r = a.post("/v1/applications", &token, &valid_draft(email)).await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    for kind in ["idFront", "face"] {
        assert_eq!(a.put_photo(&token, &id, kind, jpeg(800, 600)).await.status(), 204);
    }
    for kind in ["amlReport", "idvReport"] {
        let r = a
            .http
            .put(format!("{}/v1/admin/applications/{id}/reports/{kind}", a.base))
            .bearer_auth(ADMIN)
            .body(report_pdf(kind))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }

    // The reports table holds sealed values only: no marker, no run of the PDF's bytes.
    let pdf = report_pdf("amlReport");
    let needles: Vec<&[u8]> = vec![b"Zzsentinel", b"X1234567", &pdf[100..160], &pdf[1_000..1_060]];
    let rows = sqlx::query("SELECT kind, bytes FROM reports WHERE application_id = $1 ORDER BY kind")
        .bind(&id)
        .fetch_all(a.state.db.pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        let (kind, stored): (String, Vec<u8>) = (row.get(0), row.get(1));
        for n in &needles {
            assert!(!contains(&stored, n), "the {kind} row holds plaintext");
        }
        assert!(!stored.starts_with(b"%PDF"));
        // It is the report, sealed with the data key for this application and kind.
        assert_eq!(sealed_key_id(&stored), Some(old_key().key_id()));
        assert_eq!(old_key().open(&report_aad(&id, &kind), &stored), Some(report_pdf(&kind)));
        assert_eq!(old_key().open(&report_aad("another-application", &kind), &stored), None);
    }
    // SQLite: the whole file and its write-ahead log, byte for byte.
    if !support::on_postgres() {
        let mut scanned = 0;
        for name in ["kyc-demo.db", "kyc-demo.db-wal"] {
            let Ok(bytes) = std::fs::read(a.dir.path().join(name)) else { continue };
            scanned += bytes.len();
            for n in &needles {
                assert!(!contains(&bytes, n), "{name} holds plaintext of a report");
            }
        }
        assert!(scanned > pdf.len(), "the reports are in the scanned files");
    }

    // Restarted with the new key alone: the reports do not open, so they count as missing.
    let c = restart_with(&a, new_key()).await;
    let r = c.post(&format!("/v1/applications/{id}/submit"), &token, &json!({})).await;
    assert_eq!(r.status(), 409);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "reports_missing");

    // With the old key as previous they open, and the provider gets them byte for byte.
    let b = restart_with(&a, rotated()).await;
    let r = b.post(&format!("/v1/applications/{id}/submit"), &token, &json!({})).await;
    assert_eq!(r.status(), 202);
    let rn = b.request_no_of(email).await;
    for kind in ["amlReport", "idvReport"] {
        assert_eq!(b.sandbox_file(&rn, kind).await, report_pdf(kind), "{kind}");
    }
}
