//! Black-box tests of the sandbox through a client written only from docs/upstream.md: the whole
//! flow, and every error code the sandbox documents.

mod client;

use client::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn wait_for<F: Fn() -> bool>(f: F) {
    for _ in 0..200 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_whole_flow_information_files_process_webhook_query() {
    let sb = start(Scheme::Hmac, 200).await;
    let c = client(&sb.base, Scheme::Hmac);
    let hook = receiver(vec![]).await;
    let r = c.information(&body("REQ-1", "jane@example.com", "Doe", &hook.url)).await;
    assert_eq!(r["code"], "0", "{r}");
    assert_eq!(r["success"], true);
    assert_eq!(r["error"], false);
    let trace = r["traceId"].as_str().unwrap();
    assert_eq!(trace.len(), 32);
    assert!(trace.bytes().all(|b| b.is_ascii_hexdigit()));

    for (kind, file) in [("idFront", JPEG), ("idBack", PNG), ("face", JPEG), ("amlReport", PDF), ("idvReport", PDF)] {
        let r = c.upload("REQ-1", kind, file.to_vec()).await;
        assert_eq!(code(&r), "0", "{kind}: {r}");
    }
    let r = c.merchant_process("REQ-1").await;
    assert_eq!(code(&r), "0", "{r}");
    assert_eq!(r["model"]["kycStatus"], "reviewing");

    wait_for(|| hook.received.lock().unwrap().len() >= 2).await;
    let got: Vec<Value> = hook.received.lock().unwrap().clone();
    assert_eq!(
        got,
        vec![
            json!({"requestNo": "REQ-1", "kycStatus": "reviewing"}),
            json!({"requestNo": "REQ-1", "kycStatus": "approved"})
        ]
    );
    let q = c.query("REQ-1").await;
    assert_eq!(q["model"], json!({"requestNo": "REQ-1", "kycStatus": "approved"}));

    let detail = c.inspect("REQ-1").await;
    assert_eq!(detail["request"]["individualInfo"]["lastName"], "Doe", "the body exactly as received");
    let files = detail["files"].as_array().unwrap();
    assert_eq!(files.len(), 5);
    assert_eq!(files[0]["mediaType"], "image/jpeg");
    assert_eq!(files[1]["mediaType"], "image/png");
    assert_eq!(files[3]["mediaType"], "application/pdf");
    assert_eq!(files[0]["size"], JPEG.len());
    assert_eq!(files[0]["sha256"].as_str().unwrap().len(), 64);
    let raw = c
        .http
        .get(format!("{}/__sandbox/applications/REQ-1/files/idBack", sb.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&raw[..], PNG);
    let attempts: Vec<u64> =
        detail["webhooks"].as_array().unwrap().iter().map(|w| w["httpStatus"].as_u64().unwrap()).collect();
    assert_eq!(attempts, vec![200, 200]);
}

#[tokio::test]
async fn the_sha1_profile_authenticates_too() {
    let sb = start(Scheme::Sha1, 100).await;
    let c = client(&sb.base, Scheme::Sha1);
    let r = c.information(&body("S-1", "s@example.com", "Doe", "http://127.0.0.1:9/hook")).await;
    assert_eq!(code(&r), "0", "{r}");
    let mut wrong = client(&sb.base, Scheme::Sha1);
    wrong.secret = "nope".into();
    assert_eq!(code(&wrong.query("S-1").await), "200006");
}

#[tokio::test]
async fn missing_headers_are_200001_bad_key_or_signature_200006_old_timestamp_200005() {
    let sb = start(Scheme::Hmac, 100).await;
    let c = client(&sb.base, Scheme::Hmac);
    let unsigned: Value =
        c.http.get(format!("{}/open/api/card/enum/us/states", sb.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(code(&unsigned), "200001");
    assert_eq!(unsigned["success"], false);
    let mut bad_key = client(&sb.base, Scheme::Hmac);
    bad_key.key = "someone-else".into();
    assert_eq!(code(&bad_key.get("/open/api/card/enum/us/states").await), "200006");
    let mut bad_secret = client(&sb.base, Scheme::Hmac);
    bad_secret.secret = "wrong".into();
    assert_eq!(code(&bad_secret.get("/open/api/card/enum/us/states").await), "200006");
    for skew in [-301_000, 301_000] {
        let mut late = client(&sb.base, Scheme::Hmac);
        late.skew_ms = skew;
        assert_eq!(code(&late.get("/open/api/card/enum/us/states").await), "200005", "skew {skew}");
    }
    let mut near = client(&sb.base, Scheme::Hmac);
    near.skew_ms = -290_000;
    assert_eq!(code(&near.get("/open/api/card/enum/us/states").await), "0");
    // A body changed after signing is refused.
    let path = "/open/api/kyc/share/information";
    let b = body("T-1", "t@example.com", "Doe", "http://127.0.0.1:9/hook");
    let signed = canonical(&b).unwrap();
    let mut req = c.http.post(format!("{}{path}", sb.base)).body(signed.replace("Jane", "Joan"));
    for (k, v) in c.headers("POST", path, &signed) {
        req = req.header(k, v);
    }
    let r: Value = req.send().await.unwrap().json().await.unwrap();
    assert_eq!(code(&r), "200006");
}

#[tokio::test]
async fn us_states_lists_the_50_states_and_dc() {
    let sb = start(Scheme::Hmac, 100).await;
    let r = client(&sb.base, Scheme::Hmac).get("/open/api/card/enum/us/states").await;
    let list = r["model"].as_array().unwrap();
    assert_eq!(list.len(), 51);
    assert!(list.contains(&json!({"code": "DC", "value": "District of Columbia"})));
}

#[tokio::test]
async fn a_missing_field_is_200001_and_an_invalid_one_200002_naming_it() {
    let sb = start(Scheme::Hmac, 100).await;
    let c = client(&sb.base, Scheme::Hmac);
    let cases: Vec<(&str, Option<Value>, &str, &str)> = vec![
        ("/email", None, "200001", "email"),
        ("/individualInfo/dob", None, "200001", "individualInfo.dob"),
        ("/individualInfo/address/ssn", None, "200001", "address.ssn"),
        ("/email", Some(json!("not-an-email")), "200002", "email"),
        ("/email", Some(json!(format!("{}@example.com", "a".repeat(60)))), "200002", "email"),
        ("/individualInfo/firstName", Some(json!("x".repeat(36))), "200002", "individualInfo.firstName"),
        ("/individualInfo/dob", Some(json!("1990-02-30")), "200002", "individualInfo.dob"),
        ("/individualInfo/gender", Some(json!(3)), "200002", "individualInfo.gender"),
        ("/individualInfo/idDocType", Some(json!("5")), "200002", "individualInfo.idDocType"),
        ("/individualInfo/country", Some(json!("XYZ")), "200002", "individualInfo.country"),
        ("/individualInfo/address/state", Some(json!("XX")), "200002", "address.state"),
        ("/individualInfo/address/zipCode", Some(json!("1".repeat(17))), "200002", "address.zipCode"),
        ("/individualInfo/address/ssn", Some(json!("666123456")), "200002", "address.ssn"),
        ("/holderType", Some(json!("2")), "200002", "holderType"),
        ("/callbackUrl", Some(json!(format!("https://x.example/{}", "a".repeat(250)))), "200002", "callbackUrl"),
    ];
    for (i, (ptr, value, want, field)) in cases.into_iter().enumerate() {
        let mut b = body(&format!("V-{i}"), &format!("v{i}@example.com"), "Doe", "http://127.0.0.1:9/hook");
        match value {
            Some(v) => set(&mut b, ptr, v),
            None => remove(&mut b, ptr),
        }
        let r = c.information(&b).await;
        assert_eq!(code(&r), want, "{ptr}: {r}");
        assert!(r["msg"].as_str().unwrap().contains(field), "{ptr}: msg {} should name {field}", r["msg"]);
    }
    // Both profiles of each switch are accepted: alpha-2, gender as a string, top-level address.
    let mut b = body("P-1", "p@example.com", "Doe", "http://127.0.0.1:9/hook");
    let address = b["individualInfo"]["address"].take();
    remove(&mut b, "/individualInfo/address");
    b["address"] = address;
    b["address"]["country"] = json!("US");
    b["individualInfo"]["country"] = json!("US");
    b["individualInfo"]["gender"] = json!("2");
    assert_eq!(code(&c.information(&b).await), "0");
}

#[tokio::test]
async fn a_duplicate_request_no_is_300001_and_a_reused_email_200002() {
    let sb = start(Scheme::Hmac, 100).await;
    let c = client(&sb.base, Scheme::Hmac);
    assert_eq!(code(&c.information(&body("D-1", "d@example.com", "Doe", "http://127.0.0.1:9/h")).await), "0");
    assert_eq!(code(&c.information(&body("D-1", "other@example.com", "Doe", "http://127.0.0.1:9/h")).await), "300001");
    let r = c.information(&body("D-2", "D@example.com", "Doe", "http://127.0.0.1:9/h")).await;
    assert_eq!(code(&r), "200002");
    assert!(r["msg"].as_str().unwrap().contains("email"));
}

#[tokio::test]
async fn uploads_are_checked_by_size_magic_bytes_and_request_no_and_replace_earlier_ones() {
    let sb = start(Scheme::Hmac, 100).await;
    let c = client(&sb.base, Scheme::Hmac);
    c.information(&body("U-1", "u@example.com", "Doe", "http://127.0.0.1:9/h")).await;
    let mut big = JPEG.to_vec();
    big.resize(5_000_001, 0);
    assert_eq!(code(&c.upload("U-1", "idFront", big).await), "200002");
    let mut exact = JPEG.to_vec();
    exact.resize(5_000_000, 0);
    assert_eq!(code(&c.upload("U-1", "idFront", exact).await), "0");
    assert_eq!(code(&c.upload("U-1", "face", b"GIF89a...".to_vec()).await), "200002");
    assert_eq!(code(&c.upload("U-1", "face", PDF.to_vec()).await), "200002");
    assert_eq!(code(&c.upload("U-1", "amlReport", JPEG.to_vec()).await), "200002");
    assert_eq!(code(&c.upload("U-1", "selfie", JPEG.to_vec()).await), "200002");
    assert_eq!(code(&c.upload("NOPE", "face", JPEG.to_vec()).await), "200002");
    // A second upload of a type replaces the first.
    assert_eq!(code(&c.upload("U-1", "idFront", PNG.to_vec()).await), "0");
    let files = c.inspect("U-1").await["files"].as_array().unwrap().clone();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["mediaType"], "image/png");
    assert_eq!(files[0]["size"], PNG.len());
}

#[tokio::test]
async fn merchant_process_refuses_until_id_front_face_and_both_reports_are_present() {
    let sb = start(Scheme::Hmac, 100).await;
    let c = client(&sb.base, Scheme::Hmac);
    c.information(&body("M-1", "m@example.com", "Doe", "http://127.0.0.1:9/h")).await;
    assert_eq!(code(&c.merchant_process("NOPE").await), "200002");
    assert_eq!(code(&c.get("/open/api/kyc/share/merchantProcess").await), "200001");
    for (kind, file, missing_next) in
        [("idFront", JPEG, "face"), ("face", JPEG, "amlReport"), ("amlReport", PDF, "idvReport")]
    {
        let r = c.merchant_process("M-1").await;
        assert_eq!(code(&r), "200001");
        assert!(r["msg"].as_str().unwrap().contains(kind), "{r}");
        c.upload("M-1", kind, file.to_vec()).await;
        let r = c.merchant_process("M-1").await;
        assert!(r["msg"].as_str().unwrap().contains(missing_next), "{r}");
    }
    c.upload("M-1", "idvReport", PDF.to_vec()).await;
    assert_eq!(c.merchant_process("M-1").await["model"]["kycStatus"], "reviewing");
    assert_eq!(code(&c.upload("M-1", "idBack", JPEG.to_vec()).await), "1002", "no uploads after submit");
}

async fn submitted(c: &Client, rn: &str, last_name: &str, hook: &str) {
    c.information(&body(rn, &format!("{rn}@example.com"), last_name, hook)).await;
    for (kind, file) in [("idFront", JPEG), ("face", JPEG), ("amlReport", PDF), ("idvReport", PDF)] {
        c.upload(rn, kind, file.to_vec()).await;
    }
    c.merchant_process(rn).await;
}

#[tokio::test]
async fn outcomes_are_deterministic_by_last_name() {
    let sb = start(Scheme::Hmac, 100).await;
    let c = client(&sb.base, Scheme::Hmac);
    submitted(&c, "O-1", "REJECT", "http://127.0.0.1:9/h").await;
    submitted(&c, "O-2", "review", "http://127.0.0.1:9/h").await;
    submitted(&c, "O-3", "Doe", "http://127.0.0.1:9/h").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(c.query("O-1").await["model"]["kycStatus"], "rejected");
    assert_eq!(c.query("O-2").await["model"]["kycStatus"], "reviewing");
    assert_eq!(c.query("O-3").await["model"]["kycStatus"], "approved");
    assert_eq!(code(&c.query("NOPE").await), "200002");
}

#[tokio::test]
async fn a_webhook_answered_500_500_200_is_delivered_exactly_three_times() {
    let sb = start(Scheme::Hmac, 60_000).await;
    let c = client(&sb.base, Scheme::Hmac);
    let hook = receiver(vec![500, 500, 200]).await;
    submitted(&c, "W-1", "Doe", &hook.url).await;
    wait_for(|| hook.received.lock().unwrap().len() >= 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hook.received.lock().unwrap().len(), 3);
    let attempts: Vec<(u64, u64)> = c.inspect("W-1").await["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["attempt"].as_u64().unwrap(), w["httpStatus"].as_u64().unwrap()))
        .collect();
    assert_eq!(attempts, vec![(1, 500), (2, 500), (3, 200)]);
}

#[tokio::test]
async fn a_forced_decision_changes_the_status_and_fires_the_webhook() {
    let sb = start(Scheme::Hmac, 60_000).await;
    let c = client(&sb.base, Scheme::Hmac);
    let hook = receiver(vec![]).await;
    submitted(&c, "F-1", "Review", &hook.url).await;
    let r = c
        .http
        .post(format!("{}/__sandbox/applications/F-1/decision", sb.base))
        .json(&json!({"kycStatus": "rejected"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    wait_for(|| hook.received.lock().unwrap().len() >= 2).await;
    assert_eq!(hook.received.lock().unwrap()[1], json!({"requestNo": "F-1", "kycStatus": "rejected"}));
    assert_eq!(c.query("F-1").await["model"]["kycStatus"], "rejected");
    let bad = c
        .http
        .post(format!("{}/__sandbox/applications/F-1/decision", sb.base))
        .json(&json!({"kycStatus": "maybe"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let none = c
        .http
        .post(format!("{}/__sandbox/applications/NOPE/decision", sb.base))
        .json(&json!({"kycStatus": "approved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 404);
}

#[tokio::test]
async fn the_console_lists_applications_and_forces_decisions_by_form() {
    let sb = start(Scheme::Hmac, 60_000).await;
    let c = client(&sb.base, Scheme::Hmac);
    submitted(&c, "C-1", "Review", "http://127.0.0.1:9/h").await;
    let page = c.http.get(format!("{}/__sandbox/", sb.base)).send().await.unwrap();
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("C-1") && html.contains("reviewing") && html.contains("Approve"));
    let r = c
        .http
        .post(format!("{}/__sandbox/applications/C-1/decision", sb.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("kycStatus=approved")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection());
    assert_eq!(c.query("C-1").await["model"]["kycStatus"], "approved");
    let list: Value =
        c.http.get(format!("{}/__sandbox/applications", sb.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(list[0]["requestNo"], "C-1");
    assert_eq!(list[0]["kycStatus"], "approved");
    assert!(list[0]["createdAt"].as_str().unwrap().ends_with('Z'));
}
