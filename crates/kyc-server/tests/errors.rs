//! Every error class of docs/api.md, CORS / origin checks, security headers, rate limits,
//! admin-key sessions and report sources.

mod support;

use kyc_server::config::ReportSource;
use serde_json::{json, Value};
use support::{jpeg, spawn_app, spawn_app_with, valid_draft, Options};

async fn error_code(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    (status, body["error"]["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn photos_over_5000000_bytes_are_413_wrong_types_415_bad_images_422() {
    let app = spawn_app().await;
    let (token, id) = app.application("p@example.com").await;
    let mut big = jpeg(800, 600);
    big.resize(5_000_001, 0);
    assert_eq!(error_code(app.put_photo(&token, &id, "idFront", big).await).await, (413, "too_large".into()));
    // The same without a Content-Length (chunked): still stopped at the limit.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..6).map(|_| Ok(vec![0xFFu8; 1_000_000])).collect();
    let r = app
        .http
        .put(format!("{}/v1/applications/{id}/documents/idFront", app.base))
        .bearer_auth(&token)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    for bad in
        [&b"GIF89a\x01\x00\x01\x00"[..], b"%PDF-1.4 hello", b"RIFF\0\0\0\0WEBPVP8 ", b"<svg></svg>", b"PK\x03\x04zip"]
    {
        assert_eq!(
            error_code(app.put_photo(&token, &id, "face", bad.to_vec()).await).await,
            (415, "unsupported_media_type".into())
        );
    }
    let r = app.put_photo(&token, &id, "face", jpeg(800, 600)[..200].to_vec()).await;
    assert_eq!(r.status(), 422);
    let r = app.put_photo(&token, &id, "face", jpeg(320, 240)).await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["error"]["fields"],
        json!([{"field": "documents.face", "code": "image_too_small", "params": {"min_edge": 480}}])
    );
    assert_eq!(app.put_photo(&token, &id, "passport", jpeg(800, 600)).await.status(), 404);
    assert!(app.sandbox_app(&app.request_no_of("p@example.com").await).await["files"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn json_endpoints_need_application_json_and_bodies_are_capped() {
    let app = spawn_app().await;
    let token = app.session().await;
    let r = app.http.post(format!("{}/v1/applications", app.base)).bearer_auth(&token).body("{}").send().await.unwrap();
    assert_eq!(error_code(r).await, (415, "unsupported_media_type".into()));
    let r = app
        .http
        .post(format!("{}/v1/applications", app.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await, (400, "bad_request".into()));
    let huge = json!({"email": "a".repeat(100_000)});
    let r = app.post("/v1/applications", &token, &huge).await;
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn a_state_changing_request_from_a_foreign_origin_is_403_and_cors_is_allow_listed() {
    let app =
        spawn_app_with(Options { allowed_origins: vec!["https://partner.example".into()], ..Options::default() }).await;
    let token = app.session().await;
    let evil = app
        .http
        .post(format!("{}/v1/applications", app.base))
        .bearer_auth(&token)
        .header("origin", "https://evil.test")
        .json(&valid_draft("evil@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
    assert!(evil.headers().get("access-control-allow-origin").is_none());
    assert!(app.sandbox_list().await.is_empty());

    let ok = app
        .http
        .post(format!("{}/v1/applications", app.base))
        .bearer_auth(&token)
        .header("origin", "https://partner.example")
        .json(&valid_draft("good@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    assert_eq!(ok.headers()["access-control-allow-origin"], "https://partner.example");
    assert_eq!(ok.headers()["vary"], "Origin");

    let preflight = |origin: &'static str| {
        app.http
            .request(reqwest::Method::OPTIONS, format!("{}/v1/applications", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let good = preflight("https://partner.example").await.unwrap();
    assert_eq!(good.status(), 204);
    assert_eq!(good.headers()["access-control-allow-origin"], "https://partner.example");
    assert!(good.headers()["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    let bad = preflight("https://evil.test").await.unwrap();
    assert!(bad.headers().get("access-control-allow-origin").is_none());
    assert_ne!(bad.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap()), Some("*"));
}

#[tokio::test]
async fn api_responses_carry_the_security_headers_including_errors() {
    let app = spawn_app().await;
    let token = app.session().await;
    for r in [
        app.get("/v1/applications/ffffffffffffffffffffffffffffffff", &token).await,
        app.post("/v1/applications", &token, &json!({"email": "x"})).await,
        app.post("/v1/applications", "bad", &json!({})).await,
    ] {
        let h = r.headers();
        assert_eq!(h["cache-control"], "no-store");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        assert!(h["content-type"].to_str().unwrap().starts_with("application/json"));
    }
}

#[tokio::test]
async fn too_many_state_changing_requests_from_one_client_are_429_with_retry_after() {
    let app = spawn_app_with(Options { rate_limit_per_minute: Some(3), ..Options::default() }).await;
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let r = app
            .http
            .post(format!("{}/v1/sessions", app.base))
            .json(&json!({"externalUserId": "u"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        last = Some(r);
    }
    assert_eq!(statuses[..3], [201, 201, 201]);
    assert_eq!(statuses[3], 429);
    let r = last.unwrap();
    let retry: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(error_code(r).await, (429, "rate_limited".into()));
    // Reads are not limited; forged X-Forwarded-For from an untrusted peer does not reset it.
    let r = app
        .http
        .post(format!("{}/v1/sessions", app.base))
        .header("x-forwarded-for", "198.51.100.9")
        .json(&json!({"externalUserId": "u"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(app.http.get(format!("{}/healthz", app.base)).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn in_serve_mode_sessions_need_the_admin_key() {
    let app = spawn_app_with(Options { admin_key: Some("admin-key-123".into()), ..Options::default() }).await;
    let r =
        app.http.post(format!("{}/v1/sessions", app.base)).json(&json!({"externalUserId": "u1"})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .http
        .post(format!("{}/v1/sessions", app.base))
        .bearer_auth("wrong")
        .json(&json!({"externalUserId": "u1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .http
        .post(format!("{}/v1/sessions", app.base))
        .bearer_auth("admin-key-123")
        .json(&json!({"externalUserId": "../etc"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let token = app.session().await;
    let body: Value = app
        .http
        .post(format!("{}/v1/sessions", app.base))
        .bearer_auth("admin-key-123")
        .json(&json!({"externalUserId": "u2"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let expires = body["expiresAt"].as_str().unwrap();
    assert!(expires.ends_with('Z'));
    let (secret_part_len, id_len) = (token.split_once('.').unwrap().1.len(), token.split_once('.').unwrap().0.len());
    assert_eq!((id_len, secret_part_len), (32, 64), "128-bit id and 256-bit secret");
}

async fn submit_with_photos(
    app: &support::TestApp,
    email: &str,
    user: &str,
) -> (reqwest::StatusCode, Value, String, String) {
    let token = app.session_for(user).await;
    let r = app.post("/v1/applications", &token, &valid_draft(email)).await;
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    app.put_photo(&token, &id, "idFront", jpeg(800, 600)).await;
    app.put_photo(&token, &id, "face", jpeg(800, 600)).await;
    let r = app.post(&format!("/v1/applications/{id}/submit"), &token, &json!({})).await;
    let status = r.status();
    (status, r.json().await.unwrap(), token, id)
}

#[tokio::test]
async fn in_serve_mode_missing_reports_are_a_clear_409_and_the_reports_dir_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_with(Options {
        admin_key: Some("admin".into()),
        reports: Some(ReportSource::Partner { dir: Some(dir.path().to_path_buf()) }),
        ..Options::default()
    })
    .await;
    let (status, body, _, _) = submit_with_photos(&app, "r1@example.com", "user-a").await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "reports_missing");

    std::fs::create_dir_all(dir.path().join("user-b")).unwrap();
    std::fs::write(dir.path().join("user-b/amlReport.pdf"), b"%PDF-1.4 aml for user-b").unwrap();
    std::fs::write(dir.path().join("user-b/idvReport.pdf"), b"%PDF-1.4 idv for user-b").unwrap();
    let (status, _, token, id) = submit_with_photos(&app, "r2@example.com", "user-b").await;
    assert_eq!(status, 202);
    let files = app.sandbox_app(&app.request_no_of("r2@example.com").await).await["files"].clone();
    let aml = files.as_array().unwrap().iter().find(|f| f["type"] == "amlReport").unwrap();
    assert_eq!(aml["size"], 23);
    assert_eq!(app.wait_status(&token, &id, "approved").await, "approved");
}

#[tokio::test]
async fn the_partner_can_push_reports_with_the_admin_key() {
    let app = spawn_app_with(Options {
        admin_key: Some("admin".into()),
        reports: Some(ReportSource::Partner { dir: None }),
        ..Options::default()
    })
    .await;
    let (status, _, token, id) = submit_with_photos(&app, "push@example.com", "user-c").await;
    assert_eq!(status, 409);
    let put = |kind: &str, key: &str, body: &'static [u8]| {
        app.http
            .put(format!("{}/v1/admin/applications/{id}/reports/{kind}", app.base))
            .bearer_auth(key)
            .body(body)
            .send()
    };
    assert_eq!(put("amlReport", "wrong", b"%PDF-1.4 a").await.unwrap().status(), 401);
    assert_eq!(put("amlReport", "admin", b"not a pdf").await.unwrap().status(), 415);
    assert_eq!(put("other", "admin", b"%PDF-1.4 a").await.unwrap().status(), 404);
    assert_eq!(put("amlReport", "admin", b"%PDF-1.4 a").await.unwrap().status(), 204);
    assert_eq!(put("idvReport", "admin", b"%PDF-1.4 i").await.unwrap().status(), 204);
    let r = app.post(&format!("/v1/applications/{id}/submit"), &token, &json!({})).await;
    assert_eq!(r.status(), 202);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports").fetch_one(app.state.db.pool()).await.unwrap();
    assert_eq!(n, 0, "reports are not kept after they were forwarded");
}

#[tokio::test]
async fn demo_mode_attaches_generated_sandbox_reports() {
    let app = spawn_app().await;
    let (status, _, _, _) = submit_with_photos(&app, "demo@example.com", "user-d").await;
    assert_eq!(status, 202);
    let rn = app.request_no_of("demo@example.com").await;
    let pdf = app.sandbox_file(&rn, "amlReport").await;
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&pdf).contains("sandbox report - not an AML check"));
}

#[tokio::test]
async fn ip_address_is_the_tcp_peer_unless_the_peer_is_a_trusted_proxy() {
    for (trusted, want) in [(vec![], "127.0.0.1"), (vec!["127.0.0.1".parse().unwrap()], "203.0.113.9")] {
        let app = spawn_app_with(Options { trusted_proxies: trusted, ..Options::default() }).await;
        let token = app.session().await;
        let r = app
            .http
            .post(format!("{}/v1/applications", app.base))
            .bearer_auth(&token)
            .header("x-forwarded-for", "198.51.100.1, 203.0.113.9")
            .json(&valid_draft("ip@example.com"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(app.sandbox_app_by_email("ip@example.com").await["request"]["individualInfo"]["ipAddress"], want);
    }
}
