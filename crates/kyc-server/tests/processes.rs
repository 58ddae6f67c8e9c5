//! The real binary: `kyc-server serve`, configured only by environment variables, against
//! `kyc-server sandbox` in another process; a kill -9 loses no acknowledged state.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_kyc-server");
const APP_SECRET: &str = "proc-secret-0123456789abcdef0123456789";
const ADMIN_KEY: &str = "proc-admin-key-0123456789abcdef01234567";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_healthy(url: &str) {
    for _ in 0..100 {
        if reqwest::get(url).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} never became healthy");
}

fn serve(port: u16, sandbox: &str, db: &str, webhook_secret: &str) -> Proc {
    serve_with(port, sandbox, db, webhook_secret, &[])
}

fn serve_with(port: u16, sandbox: &str, db: &str, webhook_secret: &str, extra: &[(&str, &str)]) -> Proc {
    Proc(
        Command::new(BIN)
            .arg("serve")
            .env_clear()
            .envs(extra.iter().copied())
            .env("KYC_ALLOW_INSECURE_UPSTREAM", "1")
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("KYC_UPSTREAM_BASE_URL", sandbox)
            .env("KYC_APP_KEY", "proc-key")
            .env("KYC_APP_SECRET", APP_SECRET)
            .env("KYC_SIGNATURE", "hmac-sha256")
            .env("KYC_PLATFORM", "sumsub")
            .env("KYC_PUBLIC_BASE_URL", format!("http://127.0.0.1:{port}"))
            .env("KYC_WEBHOOK_SECRET", webhook_secret)
            .env("KYC_ALLOWED_ORIGINS", "https://partner.example")
            .env("KYC_ADMIN_KEY", ADMIN_KEY)
            .env("DATABASE_URL", format!("sqlite://{db}"))
            .env("KYC_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

#[tokio::test]
async fn serve_runs_against_a_sandbox_process_and_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox_port = free_port();
    let mut sandbox = Command::new(BIN)
        .args(["sandbox", "--addr", &format!("127.0.0.1:{sandbox_port}")])
        .env("KYC_SANDBOX_APP_KEY", "proc-key")
        .env("KYC_SANDBOX_APP_SECRET", APP_SECRET)
        .env("KYC_SANDBOX_REVIEW_DELAY_MS", "200")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(sandbox.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.contains(&format!("127.0.0.1:{sandbox_port}")), "{line}");
    let _sandbox = Proc(sandbox);
    let sandbox_url = format!("http://127.0.0.1:{sandbox_port}");

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let db = dir.path().join("kyc.db").display().to_string();
    let secret = "f".repeat(64);
    let server = serve(port, &sandbox_url, &db, &secret);
    wait_healthy(&format!("{base}/readyz")).await;
    let http = reqwest::Client::new();
    // `serve` never mounts the sandbox's inspection routes.
    assert_eq!(http.get(format!("{base}/__sandbox/applications")).send().await.unwrap().status(), 404);
    let r = http.post(format!("{base}/v1/sessions")).json(&json!({"externalUserId": "p1"})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let s: Value = http
        .post(format!("{base}/v1/sessions"))
        .bearer_auth(ADMIN_KEY)
        .json(&json!({"externalUserId": "p1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = s["sessionToken"].as_str().unwrap().to_owned();
    let draft = json!({"email": "proc@example.com",
        "individualInfo": {"firstName": "Jane", "lastName": "Doe", "dob": "1990-04-01", "country": "DE",
                           "gender": 2, "idDocType": "1", "number": "L01X00T47", "validUntil": "2030-05-01"},
        "address": {"country": "DE", "state": "Berlin", "city": "Berlin", "address": "Unter den Linden 1", "zipCode": "10117"}});
    let r = http.post(format!("{base}/v1/applications")).bearer_auth(&token).json(&draft).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
    let list: Vec<Value> =
        http.get(format!("{sandbox_url}/__sandbox/applications")).send().await.unwrap().json().await.unwrap();
    let rn = list.iter().find(|a| a["email"] == "proc@example.com").expect("the sandbox process has it")["requestNo"]
        .as_str()
        .unwrap()
        .to_owned();
    let detail: Value =
        http.get(format!("{sandbox_url}/__sandbox/applications/{rn}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(detail["request"]["individualInfo"]["country"], "DEU");
    assert_eq!(detail["request"]["callbackUrl"], format!("{base}/v1/webhooks/kyc/{secret}"));

    // kill -9 right after the acknowledgement, then start again on the same database.
    drop(server);
    let _server = serve(port, &sandbox_url, &db, &secret);
    wait_healthy(&format!("{base}/readyz")).await;
    let r = http.get(format!("{base}/v1/applications/{id}")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200, "the session and the application survived");
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "draft");
    // No applicant PII at rest.
    let raw = std::fs::read(dir.path().join("kyc.db")).unwrap();
    let wal = std::fs::read(dir.path().join("kyc.db-wal")).unwrap_or_default();
    for needle in [&b"proc@example.com"[..], b"L01X00T47", b"Unter den Linden", b"1990-04-01"] {
        assert!(!raw.windows(needle.len()).any(|w| w == needle) && !wal.windows(needle.len()).any(|w| w == needle));
    }
}

#[test]
fn serve_refuses_to_start_without_its_configuration() {
    let out = Command::new(BIN).arg("serve").env_clear().output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("KYC_"), "names the missing variable");
}

#[tokio::test]
async fn serve_shuts_down_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let db = dir.path().join("kyc.db").display().to_string();
    let mut server = serve(port, "http://127.0.0.1:9", &db, &"e".repeat(64));
    wait_healthy(&format!("http://127.0.0.1:{port}/healthz")).await;
    let pid = server.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    for _ in 0..50 {
        if let Some(status) = server.0.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("serve did not exit after SIGTERM");
}
