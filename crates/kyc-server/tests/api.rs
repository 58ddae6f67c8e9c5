//! Black-box tests of the `/v1` API: the real app against the real sandbox over HTTP.

mod support;

use kyc_domain::{parse_draft, DraftDto};
use serde_json::{json, Value};
use support::{jpeg, spawn_app, spawn_app_with, valid_draft, Options};

#[tokio::test]
async fn an_application_is_validated_signed_and_stored_by_the_sandbox() {
    let app = spawn_app().await;
    let token = app.session().await;
    let r = app.post("/v1/applications", &token, &valid_draft("jane@example.com")).await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "draft");
    let id = body["applicationId"].as_str().unwrap();
    assert!(id.len() >= 32);

    let stored = app.sandbox_app_by_email("jane@example.com").await;
    let req = &stored["request"];
    // Server-set fields come from the server.
    assert_eq!(req["holderType"], "1");
    assert_eq!(req["kycPlatform"], "sumsub");
    assert!(req["callbackUrl"].as_str().unwrap().starts_with(&format!("{}/v1/webhooks/kyc/", app.base)));
    assert_eq!(req["individualInfo"]["ipAddress"], "127.0.0.1");
    assert_eq!(req["requestNo"].as_str().unwrap().len(), 32);
    // Default profile: alpha-3, numeric gender, nested address, SSN as 9 digits.
    assert_eq!(req["individualInfo"]["country"], "USA");
    assert_eq!(req["individualInfo"]["gender"], 2);
    assert_eq!(req["individualInfo"]["address"]["ssn"], "123456789");
    assert_eq!(stored["kycStatus"], "init");

    let r = app.get(&format!("/v1/applications/{id}"), &token).await;
    assert_eq!(r.status(), 200);
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["status"], "draft");
    assert!(s["updatedAt"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn an_invalid_draft_is_422_with_the_same_fields_and_codes_as_the_rulebook() {
    let app = spawn_app().await;
    let token = app.session().await;
    let mut d = valid_draft("x@example.com");
    d["individualInfo"]["dob"] = json!("2015-01-01");
    d["address"]["zipCode"] = json!("1234");
    d["address"]["ssn"] = json!("666-12-3456");
    d["individualInfo"]["firstName"] = json!("");
    let r = app.post("/v1/applications", &token, &d).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "validation_failed");
    let dto: DraftDto = serde_json::from_value(d).unwrap();
    let expected = parse_draft(&dto, &app.state.rules()).unwrap_err();
    assert_eq!(body["error"]["fields"], serde_json::to_value(&expected).unwrap());
    let codes: Vec<&str> =
        body["error"]["fields"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["required", "too_young", "invalid_zip", "ssn_invalid_area"]);
    assert!(app.sandbox_list().await.is_empty(), "nothing reached the upstream");
}

#[tokio::test]
async fn server_set_fields_sent_by_a_browser_are_refused_400() {
    let app = spawn_app().await;
    let token = app.session().await;
    for (path, value) in [
        ("/requestNo", json!("attacker")),
        ("/callbackUrl", json!("http://169.254.169.254/latest/meta-data")),
        ("/kycPlatform", json!("x")),
        ("/holderType", json!("2")),
        ("/individualInfo/ipAddress", json!("6.6.6.6")),
        ("/kycStatus", json!("approved")),
    ] {
        let mut d = valid_draft("m@example.com");
        let (parent, key) = path.rsplit_once('/').unwrap();
        d.pointer_mut(if parent.is_empty() { "" } else { parent }).unwrap()[key] = value;
        let r = app.post("/v1/applications", &token, &d).await;
        assert_eq!(r.status(), 400, "{path}");
        let body: Value = r.json().await.unwrap();
        assert!(!body.to_string().contains("169.254"), "errors never echo input");
    }
    assert!(app.sandbox_list().await.is_empty());
}

#[tokio::test]
async fn a_bad_signature_is_refused_by_the_sandbox_and_reported_as_502() {
    let app = spawn_app_with(Options { app_secret: "not-the-sandbox-secret".into(), ..Options::default() }).await;
    let token = app.session().await;
    let r = app.post("/v1/applications", &token, &valid_draft("sig@example.com")).await;
    assert_eq!(r.status(), 502);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "upstream_error");
    assert!(!body.to_string().contains("not-the-sandbox-secret"));
    assert!(app.sandbox_list().await.is_empty(), "the sandbox stored nothing");
}

#[tokio::test]
async fn tokens_are_required_and_bound_to_their_session() {
    let app = spawn_app().await;
    let r = app.post("/v1/applications", "", &valid_draft("a@example.com")).await;
    assert_eq!(r.status(), 401);
    let r = app.post("/v1/applications", "0123456789abcdef0123456789abcdef.nope", &valid_draft("a@example.com")).await;
    assert_eq!(r.status(), 401);
    let (token_a, id_a) = app.application("a@example.com").await;
    let token_b = app.session().await;
    assert_eq!(app.get(&format!("/v1/applications/{id_a}"), &token_b).await.status(), 403);
    assert_eq!(app.get(&format!("/v1/applications/{id_a}"), &token_a).await.status(), 200);
    assert_eq!(app.get("/v1/applications/ffffffffffffffffffffffffffffffff", &token_a).await.status(), 404);
    // A tampered secret with a valid session id is refused.
    let (sid, _) = token_a.split_once('.').unwrap();
    assert_eq!(app.get(&format!("/v1/applications/{id_a}"), &format!("{sid}.{}", "0".repeat(64))).await.status(), 401);
}

#[tokio::test]
async fn a_session_has_at_most_one_application() {
    let app = spawn_app().await;
    let (token, _) = app.application("one@example.com").await;
    let r = app.post("/v1/applications", &token, &valid_draft("two@example.com")).await;
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn an_email_already_used_upstream_is_mapped_back_to_the_email_field() {
    let app = spawn_app().await;
    app.application("dup@example.com").await;
    let token = app.session().await;
    let r = app.post("/v1/applications", &token, &valid_draft("dup@example.com")).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["fields"], json!([{"field": "email", "code": "already_used"}]));
    // The failed attempt left nothing behind: a corrected draft goes through.
    let r = app.post("/v1/applications", &token, &valid_draft("dup2@example.com")).await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn the_whole_flow_reaches_approved_through_the_webhook() {
    let app = spawn_app().await;
    let (token, id) = app.application("flow@example.com").await;
    let r = app.post(&format!("/v1/applications/{id}/submit"), &token, &json!({})).await;
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "documents_missing");
    assert_eq!(
        body["error"]["fields"],
        json!([{"field": "documents.idFront", "code": "required"}, {"field": "documents.face", "code": "required"}])
    );

    assert_eq!(app.put_photo(&token, &id, "idFront", jpeg(800, 600)).await.status(), 204);
    assert_eq!(app.put_photo(&token, &id, "face", jpeg(600, 800)).await.status(), 204);
    let r = app.post(&format!("/v1/applications/{id}/submit"), &token, &json!({})).await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "reviewing");
    assert_eq!(app.wait_status(&token, &id, "approved").await, "approved");

    let stored = app.sandbox_app_by_email("flow@example.com").await;
    let types: Vec<&str> = stored["files"].as_array().unwrap().iter().map(|f| f["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["idFront", "face", "amlReport", "idvReport"]);
    let statuses: Vec<&str> =
        stored["webhooks"].as_array().unwrap().iter().map(|w| w["kycStatus"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"approved"));
    // Uploads after submit are refused.
    assert_eq!(app.put_photo(&token, &id, "idBack", jpeg(800, 600)).await.status(), 409);
}

#[tokio::test]
async fn a_last_name_reject_ends_rejected() {
    let app = spawn_app().await;
    let token = app.session().await;
    let mut d = valid_draft("rej@example.com");
    d["individualInfo"]["lastName"] = json!("Reject");
    let r = app.post("/v1/applications", &token, &d).await;
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    app.put_photo(&token, &id, "idFront", jpeg(800, 600)).await;
    app.put_photo(&token, &id, "face", jpeg(800, 600)).await;
    assert_eq!(app.post(&format!("/v1/applications/{id}/submit"), &token, &json!({})).await.status(), 202);
    assert_eq!(app.wait_status(&token, &id, "rejected").await, "rejected");
}

#[tokio::test]
async fn health_and_readiness_answer_200() {
    let app = spawn_app().await;
    for p in ["/healthz", "/readyz"] {
        assert_eq!(app.http.get(format!("{}{p}", app.base)).send().await.unwrap().status(), 200);
    }
}
