//! The real binary: `kyc-server serve`, configured only by environment variables, against
//! `kyc-server sandbox` in another process; a kill -9 loses no acknowledged state.

mod support;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::{free_port, wait_healthy, Proc};

const BIN: &str = env!("CARGO_BIN_EXE_kyc-server");
const APP_SECRET: &str = "proc-secret-0123456789abcdef0123456789";
const ADMIN_KEY: &str = "proc-admin-key-0123456789abcdef01234567";
/// Webhook path secrets as `openssl rand -hex 32` makes them (`serve` refuses weak ones).
const WEBHOOK_SECRET: &str = "798f7494e3a7603e9cf68fcd987ef0a8c67cd57d43317285a2fed159e89271e9";
const OTHER_WEBHOOK_SECRET: &str = "9849b61e532da6be19a5c7e7be90dcfc9cdd17bf1f035b073681e2324f1384cf";

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
            .env("KYC_DATA_KEY", support::TEST_DATA_KEY)
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
    let secret = WEBHOOK_SECRET.to_owned();
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
    let mut server = serve(port, "http://127.0.0.1:9", &db, OTHER_WEBHOOK_SECRET);
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

/// Starts `serve` with stderr captured, for the tests that read what it says.
fn serve_capturing(port: u16, extra: &[(&str, &str)]) -> Child {
    let mut c = Command::new(BIN);
    c.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("KYC_UPSTREAM_BASE_URL", "https://kyc.example")
        .env("KYC_APP_KEY", "proc-key")
        .env("KYC_APP_SECRET", APP_SECRET)
        .env("KYC_PUBLIC_BASE_URL", "https://partner.example")
        .env("KYC_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env("KYC_ADMIN_KEY", ADMIN_KEY)
        .env("KYC_ADDR", format!("127.0.0.1:{port}"))
        .env("KYC_DATA_KEY", support::TEST_DATA_KEY)
        .env("DATABASE_URL", "sqlite::memory:")
        .envs(extra.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c.spawn().unwrap()
}

#[test]
fn weak_configuration_is_refused_at_start_with_one_line_naming_the_variable() {
    for (extra, var) in [
        (vec![("KYC_APP_SECRET", "short-secret")], "KYC_APP_SECRET"),
        (vec![("KYC_ADMIN_KEY", "admin")], "KYC_ADMIN_KEY"),
        (vec![("KYC_WEBHOOK_SECRET", "0123456789abcdef")], "KYC_WEBHOOK_SECRET"),
        (vec![("KYC_UPSTREAM_BASE_URL", "http://kyc.example")], "KYC_UPSTREAM_BASE_URL"),
        (vec![("KYC_PARTNER_WEBHOOK_URL", "http://partner.example/kyc")], "KYC_PARTNER_WEBHOOK_URL"),
        (vec![("KYC_PARTNER_WEBHOOK_SECRET", "tiny")], "KYC_PARTNER_WEBHOOK_SECRET"),
        (vec![("KYC_DATA_KEY", "0123456789abcdef")], "KYC_DATA_KEY"),
        (vec![("KYC_DATA_KEY", "secret-but-not-hex-0123456789abcdef0123456789abcdef0123456789ab")], "KYC_DATA_KEY"),
        (vec![("KYC_DATA_KEY", "0000000000000000000000000000000000000000000000000000000000000000")], "KYC_DATA_KEY"),
        (
            vec![("KYC_DATA_KEY_PREVIOUS", "abababababababababababababababababababababababababababababababab")],
            "KYC_DATA_KEY_PREVIOUS",
        ),
        (vec![("KYC_WEBHOOK_SECRET", "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww")], "KYC_WEBHOOK_SECRET"),
        (vec![("KYC_ADMIN_KEY", "passwordpasswordpasswordpassword")], "KYC_ADMIN_KEY"),
        (vec![("KYC_PUBLIC_BASE_URL", "http://127.0.0.1:1")], "KYC_PUBLIC_BASE_URL"),
        (vec![("KYC_PUBLIC_BASE_URL", "not a url")], "KYC_PUBLIC_BASE_URL"),
        (vec![("KYC_ALLOWED_ORIGINS", "null")], "KYC_ALLOWED_ORIGINS"),
        (vec![("KYC_ALLOWED_ORIGINS", "https://a.example/path")], "KYC_ALLOWED_ORIGINS"),
        (vec![("KYC_RETENTION_SECS", "59")], "KYC_RETENTION_SECS"),
        (vec![("KYC_RATE_LIMIT_PER_MINUTE", "0")], "KYC_RATE_LIMIT_PER_MINUTE"),
        (vec![("KYC_HANDOFF_TTL_SECS", "90000")], "KYC_HANDOFF_TTL_SECS"),
    ] {
        let child = serve_capturing(free_port(), &extra);
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success(), "{var}: started anyway");
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{var}: one line, got {err:?}");
        assert!(lines[0].contains(var), "{var}: {err}");
        for (_, v) in &extra {
            if v.len() < 20 {
                assert!(!err.contains(v), "{var}: the error echoes the value");
            }
        }
    }
}

#[tokio::test]
async fn sha1_and_an_allowed_plain_http_upstream_start_with_a_warning() {
    let port = free_port();
    let mut child = serve_capturing(
        port,
        &[
            ("KYC_SIGNATURE", "sha1"),
            ("KYC_UPSTREAM_BASE_URL", "http://127.0.0.1:9"),
            ("KYC_ALLOW_INSECURE_UPSTREAM", "1"),
        ],
    );
    wait_healthy(&format!("http://127.0.0.1:{port}/healthz")).await;
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("KYC_SIGNATURE=sha1") && err.contains("WARN"), "{err}");
    assert!(err.contains("KYC_ALLOW_INSECURE_UPSTREAM=1"), "{err}");
}

#[tokio::test]
async fn sigterm_with_a_stalled_upload_open_exits_within_the_drain_time() {
    use tokio::io::AsyncWriteExt;
    let port = free_port();
    let mut child = serve_capturing(port, &[("KYC_DRAIN_SECS", "2")]);
    wait_healthy(&format!("http://127.0.0.1:{port}/healthz")).await;
    // An authorised request whose body stalls after 10 of its 4000 bytes.
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_KEY}\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{{\"externalU"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = std::time::Instant::now();
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(5), "still running {:?} after SIGTERM with a 2 s drain", t.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(t.elapsed() >= Duration::from_millis(1500), "the open request got its drain time");
    drop(s);
}

/// Starts `demo` on `addr`; returns the child and the URL it printed (if it started).
fn demo(addr: &str, data: &std::path::Path) -> (Child, Option<String>) {
    let mut child = Command::new(BIN)
        .args(["demo", "--addr", addr, "--data-dir"])
        .arg(data)
        .args(["--widget-dir", "/nonexistent"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).map(|u| u.trim_end_matches('/').to_owned());
    (child, url)
}

#[tokio::test]
async fn demo_binds_loopback_only_and_answers_only_its_own_host_names() {
    let dir = tempfile::tempdir().unwrap();
    for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"] {
        let (child, url) = demo(addr, dir.path());
        let out = child.wait_with_output().unwrap();
        assert!(url.is_none() && !out.status.success(), "{addr}: the demo started");
        assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"), "{addr}: says why");
    }
    let (child, url) = demo("127.0.0.1:0", dir.path());
    let _guard = Proc(child);
    let url = url.expect("the demo printed its URL");
    let port = url.rsplit(':').next().unwrap().to_owned();
    let http = reqwest::Client::new();
    wait_healthy(&format!("{url}/healthz")).await;
    for (host, want) in [
        (format!("127.0.0.1:{port}"), 200),
        (format!("localhost:{port}"), 200),
        ("localhost".to_owned(), 200),
        (format!("evil.example:{port}"), 403),
        ("attacker.test".to_owned(), 403),
        (format!("127.0.0.2:{port}"), 403),
        (format!("localhost:{}", port.parse::<u16>().unwrap().wrapping_add(1)), 403),
    ] {
        for path in ["/healthz", "/__sandbox/applications", "/v1/applications/x"] {
            let r = http.get(format!("{url}{path}")).header("host", &host).send().await.unwrap();
            let got = r.status().as_u16();
            if want == 403 {
                assert_eq!(got, 403, "Host {host} {path}");
            } else {
                assert_ne!(got, 403, "Host {host} {path}");
            }
        }
    }
}
