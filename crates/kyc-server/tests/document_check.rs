//! The document check (src/document_check.rs), black-box against the real sandbox: a licence
//! photo staged before the draft is read at create, one uploaded after create is read then, one
//! staged after create is read at submit; the application view's `documentCheck` and the signed
//! `application.document_checked` notification; `KYC_DOCUMENT_MISMATCH=refuse` refusing the draft
//! (nothing created) and the submit (back to draft); passports' data pages and ID cards' backs
//! read by their machine-readable zone (`read: "mrz"`); and no value of the document or the
//! draft in an answer, a notification or the log. Runs on SQLite and, in the test command, on
//! PostgreSQL. The log capture is process-wide: every test of this binary writes into it.

mod support;

use axum::http::{HeaderMap, StatusCode};
use kyc_reader::testdata::{jpeg as licence_jpeg, licence_back, samples, Look};
use kyc_server::config::DocumentMismatch;
use serde_json::{json, Value};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use support::{jpeg, put_staged, spawn_app_with, Options, TestApp};

const ADMIN: &str = "admin-key-0123456789abcdef0123456789abcdef";
const PARTNER_SECRET: &str = "partner-secret-0123456789abcdef0123456789";

/// Values of the sample licence (and of a draft typed from it): never in a view, a
/// notification, an error body or the log (compared case-insensitively).
const VALUES: [&str; 5] = ["sample", "d1234567", "1990-04-01", "market", "quinn"];

// -- the log, captured for the whole binary ----------------------------------------------------

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

fn logs() -> &'static Capture {
    static LOGS: OnceLock<Capture> = OnceLock::new();
    LOGS.get_or_init(|| {
        let capture = Capture::default();
        let writer = capture.clone();
        tracing_subscriber::fmt()
            .json()
            .with_env_filter("debug,hyper=info,hyper_util=info,h2=info,reqwest=info,rustls=info")
            .with_writer(move || writer.clone())
            .init();
        capture
    })
}

fn assert_no_value(what: &str, text: &str) {
    let lower = text.to_lowercase();
    for v in VALUES {
        assert!(!lower.contains(v), "{what} contains {v:?}: {text}");
    }
}

/// Every line logged so far: none carries a value; `event` was logged.
fn assert_logged_without_values(event: &str) {
    let text = String::from_utf8(logs().0.lock().unwrap().clone()).unwrap();
    assert!(text.contains(event), "{event} was not logged");
    for line in text.lines() {
        assert_no_value("the log", line);
    }
}

// -- the partner's receiver --------------------------------------------------------------------

#[derive(Clone, Default)]
struct Receiver {
    /// (raw body, parsed) of each verified notification.
    events: Arc<Mutex<Vec<(String, Value)>>>,
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
                let parsed = serde_json::from_str(&body).unwrap();
                rec.events.lock().unwrap().push((body, parsed));
                StatusCode::OK
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/kyc-events", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, r)
}

impl Receiver {
    /// The verified `application.document_checked` events of `id`, once there are `n`.
    async fn checks(&self, id: &str, n: usize) -> Vec<(String, Value)> {
        for _ in 0..200 {
            let got = self.of(id, Some("application.document_checked"));
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("fewer than {n} document checks notified: {:?}", self.of(id, None));
    }

    fn of(&self, id: &str, kind: Option<&str>) -> Vec<(String, Value)> {
        let events = self.events.lock().unwrap();
        events
            .iter()
            .filter(|(_, e)| e["applicationId"] == id && kind.is_none_or(|k| e["type"] == k))
            .cloned()
            .collect()
    }
}

async fn world(mode: DocumentMismatch) -> (TestApp, Receiver) {
    logs();
    let (url, rec) = receiver().await;
    let app = spawn_app_with(Options {
        admin_key: Some(ADMIN.into()),
        partner_webhook: Some((url, PARTNER_SECRET.into())),
        reports: Some(kyc_server::config::ReportSource::DemoGenerated),
        document_mismatch: Some(mode),
        ..Options::default()
    })
    .await;
    (app, rec)
}

// -- the sample licence and drafts -----------------------------------------------------------

/// A photo of the sample licence's back, as a phone would send it.
fn licence_photo() -> Vec<u8> {
    static PHOTO: OnceLock<Vec<u8>> = OnceLock::new();
    PHOTO.get_or_init(|| licence_jpeg(&licence_back(&samples()[0].payload(), &Look::plain(1600, 1200)), 90)).clone()
}

/// A draft typed from the sample licence (every field it fills), with the rest of a valid
/// draft; `last_name` instead of the licence's when given.
fn draft(email: &str, last_name: Option<&str>) -> Value {
    let mut d = kyc_domain::DraftDto::default();
    for (field, value) in samples()[0].document.fills() {
        d.set(field, value);
    }
    d.email = Some(email.to_owned());
    d.individual_info.country = Some("US".into());
    d.address.ssn = Some("123-45-6789".into());
    if let Some(l) = last_name {
        d.individual_info.last_name = Some(l.to_owned());
    }
    serde_json::to_value(&d).unwrap()
}

async fn admin_view(app: &TestApp, id: &str) -> (String, Value) {
    let r = app.http.get(format!("{}/v1/admin/applications/{id}", app.base)).bearer_auth(ADMIN).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap();
    (text, v)
}

async fn create(app: &TestApp, token: &str, draft: &Value) -> reqwest::Response {
    app.post("/v1/applications", token, draft).await
}

async fn created(app: &TestApp, token: &str, draft: &Value) -> String {
    let r = create(app, token, draft).await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned()
}

async fn stage(app: &TestApp, token: &str, kind: &str, photo: Vec<u8>) {
    let r = put_staged(&app.http, &app.base, token, kind, photo).await;
    assert_eq!(r.status(), 204, "{kind}: {:?}", r.text().await);
}

async fn submit(app: &TestApp, token: &str, id: &str) -> reqwest::Response {
    app.post(&format!("/v1/applications/{id}/submit"), token, &json!({})).await
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect()
}

fn differs(field: &str) -> Value {
    json!({"field": field, "code": "differs_from_document"})
}

// -- the tests ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_matching_licence_photo_staged_before_the_draft_is_read_at_create_and_notified() {
    let (app, rec) = world(DocumentMismatch::Record).await;
    let user = "doc-user-match";
    let token = app.session_for(user).await;
    stage(&app, &token, "idBack", licence_photo()).await;
    let id = created(&app, &token, &draft("match@example.com", None)).await;

    let (text, view) = admin_view(&app, &id).await;
    assert_no_value("the view", &text);
    let check = &view["documentCheck"];
    assert_eq!(check["read"], "pdf417", "{view}");
    let matched = strings(&check["matched"]);
    for field in ["individualInfo.lastName", "individualInfo.dob", "individualInfo.number", "individualInfo.validUntil"]
    {
        assert!(matched.contains(&field), "{field} not matched: {check}");
    }
    assert_eq!(check["mismatched"], json!([]));
    assert!(check["at"].as_str().is_some_and(|t| t.ends_with('Z')), "{check}");

    // The notification: signed, after the application's first status, carrying the same check.
    let events = rec.checks(&id, 1).await;
    let (body, event) = &events[0];
    assert_no_value("the notification", body);
    assert_eq!(event["type"], "application.document_checked");
    assert_eq!(event["externalUserId"], user);
    assert_eq!(&event["documentCheck"], check);
    assert!(event["eventId"].as_str().is_some_and(|s| s.len() >= 32));
    assert_eq!(event["at"], check["at"], "notified as of the check");
    let types: Vec<Value> = rec.of(&id, None).iter().map(|(_, e)| e["type"].clone()).collect();
    assert_eq!(types, ["application.status_changed", "application.document_checked"]);
    assert_eq!(*rec.bad_signatures.lock().unwrap(), 0);

    // The list shows it too; the widget's own view does not.
    let r = app
        .http
        .get(format!("{}/v1/admin/applications?externalUserId={user}", app.base))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["applications"][0]["documentCheck"], *check);
    let widget = app.get(&format!("/v1/applications/{id}"), &token).await.json::<Value>().await.unwrap();
    assert!(widget.get("documentCheck").is_none(), "{widget}");

    // It goes on: the rest of the photos, the submit.
    stage(&app, &token, "idFront", jpeg(800, 600)).await;
    stage(&app, &token, "face", jpeg(800, 600)).await;
    assert_eq!(submit(&app, &token, &id).await.status(), 202);
    assert_eq!(app.wait_status(&token, &id, "approved").await, "approved");
    assert_eq!(rec.checks(&id, 1).await.len(), 1, "checked once");
    assert_logged_without_values("document_checked");
}

#[tokio::test]
async fn a_draft_that_differs_is_recorded_and_the_application_goes_on() {
    let (app, rec) = world(DocumentMismatch::Record).await;
    let token = app.session_for("doc-user-differs").await;
    for (kind, photo) in [("idFront", jpeg(800, 600)), ("idBack", licence_photo()), ("face", jpeg(800, 600))] {
        stage(&app, &token, kind, photo).await;
    }
    let id = created(&app, &token, &draft("differs@example.com", Some("Doe"))).await;
    let (text, view) = admin_view(&app, &id).await;
    assert_no_value("the view", &text);
    let check = &view["documentCheck"];
    assert_eq!(check["read"], "pdf417");
    assert_eq!(check["mismatched"], json!([differs("individualInfo.lastName")]), "{check}");
    assert!(strings(&check["matched"]).contains(&"individualInfo.dob"));
    assert!(!strings(&check["matched"]).contains(&"individualInfo.lastName"));
    let events = rec.checks(&id, 1).await;
    assert_no_value("the notification", &events[0].0);
    assert_eq!(events[0].1["documentCheck"], *check);
    assert_eq!(submit(&app, &token, &id).await.status(), 202);
    assert_eq!(app.wait_status(&token, &id, "approved").await, "approved");
    assert_logged_without_values("document_checked");
}

#[tokio::test]
async fn a_photo_without_a_barcode_reads_none_and_a_licence_uploaded_later_is_read_then() {
    let (app, rec) = world(DocumentMismatch::Record).await;
    // Staged before the draft: an ID front without a barcode.
    let token = app.session_for("doc-user-none").await;
    stage(&app, &token, "idFront", jpeg(800, 600)).await;
    let id = created(&app, &token, &draft("none@example.com", None)).await;
    let check = admin_view(&app, &id).await.1["documentCheck"].clone();
    assert_eq!((&check["read"], &check["matched"], &check["mismatched"]), (&json!("none"), &json!([]), &json!([])));
    assert_eq!(rec.checks(&id, 1).await[0].1["documentCheck"], check);

    // An API client: the draft first, then the photos with PUT …/documents/{kind}. Nothing is
    // held at create (no check); the ID front reads nothing, the licence back is read.
    let token = app.session_for("doc-user-upload").await;
    let id = created(&app, &token, &draft("upload@example.com", Some("Doe"))).await;
    let view = admin_view(&app, &id).await.1;
    assert_eq!(view.get("documentCheck"), Some(&Value::Null), "null until a document photo was read: {view}");
    assert_eq!(app.put_photo(&token, &id, "idFront", jpeg(800, 600)).await.status(), 204);
    assert_eq!(admin_view(&app, &id).await.1["documentCheck"]["read"], "none");
    assert_eq!(app.put_photo(&token, &id, "idBack", licence_photo()).await.status(), 204);
    let (text, view) = admin_view(&app, &id).await;
    assert_no_value("the view", &text);
    assert_eq!(view["documentCheck"]["read"], "pdf417");
    assert_eq!(view["documentCheck"]["mismatched"], json!([differs("individualInfo.lastName")]));
    let events = rec.checks(&id, 2).await;
    let reads: Vec<&Value> = events.iter().map(|(_, e)| &e["documentCheck"]["read"]).collect();
    assert_eq!(reads, ["none", "pdf417"]);
    // Once read, it stays: another ID front is not read again.
    assert_eq!(app.put_photo(&token, &id, "idFront", jpeg(640, 480)).await.status(), 204);
    assert_eq!(admin_view(&app, &id).await.1["documentCheck"], view["documentCheck"]);

    // Staged after create (a phone, say): read at submit.
    let token = app.session_for("doc-user-submit").await;
    let id = created(&app, &token, &draft("submit@example.com", None)).await;
    for (kind, photo) in [("idFront", jpeg(800, 600)), ("idBack", licence_photo()), ("face", jpeg(800, 600))] {
        stage(&app, &token, kind, photo).await;
    }
    assert_eq!(admin_view(&app, &id).await.1["documentCheck"], Value::Null);
    assert_eq!(submit(&app, &token, &id).await.status(), 202);
    let check = admin_view(&app, &id).await.1["documentCheck"].clone();
    assert_eq!((&check["read"], &check["mismatched"]), (&json!("pdf417"), &json!([])), "{check}");
    assert_eq!(rec.checks(&id, 1).await[0].1["documentCheck"], check);
    assert_eq!(*rec.bad_signatures.lock().unwrap(), 0);
    assert_logged_without_values("document_read");
}

#[tokio::test]
async fn refuse_mode_refuses_a_differing_draft_without_creating_it_then_takes_the_corrected_one() {
    let (app, rec) = world(DocumentMismatch::Refuse).await;
    let user = "doc-user-refuse";
    let token = app.session_for(user).await;
    for (kind, photo) in [("idFront", jpeg(800, 600)), ("idBack", licence_photo()), ("face", jpeg(800, 600))] {
        stage(&app, &token, kind, photo).await;
    }
    let r = create(&app, &token, &draft("refuse@example.com", Some("Doe"))).await;
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert_no_value("the 422", &text);
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"]["code"], "validation_failed");
    assert_eq!(body["error"]["fields"], json!([differs("individualInfo.lastName")]), "{body}");
    // Nothing was created: not here, not at the provider.
    let session = app.get("/v1/session", &token).await.json::<Value>().await.unwrap();
    assert_eq!(session["application"], Value::Null);
    assert!(session["staged"]["photos"].as_array().is_some_and(|p| p.len() == 3), "the photos stay staged");
    let r = app
        .http
        .get(format!("{}/v1/admin/applications?externalUserId={user}", app.base))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["applications"], json!([]));
    assert!(!app.sandbox_list().await.iter().any(|a| a["email"] == "refuse@example.com"));

    // An informational difference (the street) does not refuse; the corrected draft goes on.
    let mut corrected = draft("refuse@example.com", None);
    corrected["address"]["address"] = json!("2 Other St");
    let id = created(&app, &token, &corrected).await;
    let check = admin_view(&app, &id).await.1["documentCheck"].clone();
    assert_eq!(check["mismatched"], json!([differs("address.address")]), "{check}");
    assert_eq!(submit(&app, &token, &id).await.status(), 202);
    assert_eq!(rec.checks(&id, 1).await.len(), 1);
    assert_logged_without_values("document_mismatch_refused");
}

#[tokio::test]
async fn refuse_mode_refuses_the_submit_of_an_uploaded_licence_that_differs_and_keeps_the_draft() {
    let (app, _rec) = world(DocumentMismatch::Refuse).await;
    let token = app.session_for("doc-user-refuse-upload").await;
    let id = created(&app, &token, &draft("refuse-upload@example.com", Some("Doe"))).await;
    for (kind, photo) in [("idFront", jpeg(800, 600)), ("idBack", licence_photo()), ("face", jpeg(800, 600))] {
        assert_eq!(app.put_photo(&token, &id, kind, photo).await.status(), 204, "{kind}");
    }
    for _ in 0..2 {
        let r = submit(&app, &token, &id).await;
        assert_eq!(r.status(), 422);
        let text = r.text().await.unwrap();
        assert_no_value("the 422", &text);
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["error"]["code"], "validation_failed");
        assert_eq!(body["error"]["fields"], json!([differs("individualInfo.lastName")]));
        assert_eq!(app.status(&token, &id).await, "draft");
    }
    let (text, view) = admin_view(&app, &id).await;
    assert_no_value("the view", &text);
    assert_eq!(view["status"], "draft");
    assert_eq!(view["documentCheck"]["mismatched"], json!([differs("individualInfo.lastName")]));
    let request_no = app.request_no_of("refuse-upload@example.com").await;
    let calls = app.sandbox_app(&request_no).await["calls"]["merchantProcess"].as_u64().unwrap_or(0);
    assert_eq!(calls, 0, "nothing was submitted");
    assert_logged_without_values("document_mismatch_refused");
}

// -- passports and ID cards: the machine-readable zone -------------------------------------------

/// A fictitious holder's zone (`seed`), photographed plainly, as a phone would send it; and a
/// draft typed from what the zone fills, the rest of a valid draft (the sample licence's
/// address) around it.
fn mrz_document(seed: u64, format: kyc_domain::idread::mrz::MrzFormat) -> (Vec<u8>, Value, Vec<String>) {
    use kyc_reader::testdata::mrz::{photo, random_sample, MrzLook, Rng};
    let sample = random_sample(&mut Rng::new(seed), format);
    let jpeg = licence_jpeg(&photo(&sample.lines, format, &MrzLook::plain(1600, 1200, 22.0)), 90);
    let mut d: kyc_domain::DraftDto = serde_json::from_value(draft("mrz@example.com", None)).unwrap();
    let mut values = Vec::new();
    for (field, value) in sample.truth.data.fills() {
        values.push(value.to_lowercase());
        d.set(field, value);
    }
    (jpeg, serde_json::to_value(&d).unwrap(), values)
}

fn assert_none_of(what: &str, text: &str, values: &[String]) {
    let lower = text.to_lowercase();
    for v in values.iter().filter(|v| v.len() > 3) {
        assert!(!lower.contains(v.as_str()), "{what} contains a document value: {text}");
    }
}

#[tokio::test]
async fn a_passport_data_page_is_read_by_its_zone_and_a_typed_birth_date_that_differs_is_named() {
    use kyc_domain::idread::mrz::MrzFormat;
    let (app, rec) = world(DocumentMismatch::Record).await;
    let (photo, mut typed, values) = mrz_document(7, MrzFormat::Td3);
    assert_eq!(typed["individualInfo"]["idDocType"], "2", "the zone says passport: {typed}");
    typed["email"] = json!("passport@example.com");
    // The person typed another birth date than the passport's.
    let dob = typed["individualInfo"]["dob"].as_str().unwrap().to_owned();
    let other = if dob.ends_with("-01") { format!("{}-02", &dob[..7]) } else { format!("{}-01", &dob[..7]) };
    typed["individualInfo"]["dob"] = json!(other);
    let token = app.session_for("doc-user-passport").await;
    stage(&app, &token, "idFront", photo).await;
    let id = created(&app, &token, &typed).await;
    let (text, view) = admin_view(&app, &id).await;
    assert_none_of("the view", &text, &values);
    let check = &view["documentCheck"];
    assert_eq!(check["read"], "mrz", "{view}");
    assert_eq!(check["mismatched"], json!([differs("individualInfo.dob")]), "{check}");
    let matched = strings(&check["matched"]);
    for field in
        ["individualInfo.lastName", "individualInfo.firstName", "individualInfo.number", "individualInfo.validUntil"]
    {
        assert!(matched.contains(&field), "{field} not matched: {check}");
    }
    let events = rec.checks(&id, 1).await;
    assert_none_of("the notification", &events[0].0, &values);
    assert_eq!(events[0].1["documentCheck"], *check);
    let log = String::from_utf8(logs().0.lock().unwrap().clone()).unwrap();
    assert!(log.contains(r#""outcome":"mrz""#), "the read's outcome is logged as its code");
    assert_none_of("the log", &log, &values);
}

#[tokio::test]
async fn an_id_cards_back_uploaded_after_create_is_read_by_its_zone_and_refuse_mode_holds_the_submit() {
    use kyc_domain::idread::mrz::MrzFormat;
    let (app, _rec) = world(DocumentMismatch::Refuse).await;
    let (photo, mut typed, values) = mrz_document(11, MrzFormat::Td1);
    typed["email"] = json!("idcard@example.com");
    typed["individualInfo"]["number"] = json!("X0000000");
    let token = app.session_for("doc-user-td1").await;
    let id = created(&app, &token, &typed).await;
    for (kind, photo) in [("idFront", jpeg(800, 600)), ("idBack", photo), ("face", jpeg(800, 600))] {
        assert_eq!(app.put_photo(&token, &id, kind, photo).await.status(), 204, "{kind}");
    }
    let (text, view) = admin_view(&app, &id).await;
    assert_none_of("the view", &text, &values);
    let check = &view["documentCheck"];
    assert_eq!(check["read"], "mrz", "{view}");
    assert_eq!(check["mismatched"], json!([differs("individualInfo.number")]), "{check}");
    assert!(strings(&check["matched"]).contains(&"individualInfo.dob"), "{check}");
    // The number differs from the card's zone: the submit is refused, the draft kept.
    let r = submit(&app, &token, &id).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["fields"], json!([differs("individualInfo.number")]), "{body}");
    assert_eq!(app.status(&token, &id).await, "draft");
}

#[test]
fn an_unknown_document_mismatch_mode_is_refused_at_startup() {
    let port = support::free_port();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kyc-server"))
        .arg("serve")
        .env_clear()
        .env("KYC_UPSTREAM_BASE_URL", "http://127.0.0.1:9")
        .env("KYC_ALLOW_INSECURE_UPSTREAM", "1")
        .env("KYC_APP_KEY", "key")
        .env("KYC_APP_SECRET", "f820d51cb4b3a6da141e8827fd7d15768c03a51429bdf0d212a702c2da09ebad")
        .env("KYC_PUBLIC_BASE_URL", "http://127.0.0.1")
        .env("KYC_WEBHOOK_SECRET", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0")
        .env("KYC_ADMIN_KEY", ADMIN)
        .env("KYC_DATA_KEY", support::TEST_DATA_KEY)
        .env("DATABASE_URL", "sqlite::memory:")
        .env("KYC_ADDR", format!("127.0.0.1:{port}"))
        .env("KYC_DOCUMENT_MISMATCH", "bogus")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("KYC_DOCUMENT_MISMATCH must be record or refuse"), "{err}");
    assert!(!err.contains("bogus"), "the value is not echoed: {err}");
}
