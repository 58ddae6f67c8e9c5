//! Several `kyc-server serve` processes on one database (issue "at scale"), against a
//! `kyc-server sandbox` process: duplicate submits spread over two instances, kill -9 in the
//! middle of a submit, a lost submit answer, a lost webhook, two instances starting together on
//! an empty database, and partner notifications across a restart. On PostgreSQL in the test
//! command's second pass (a shared SQLite file in the first).

mod support;

use support::{free_port, wait_healthy, Proc};

use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kyc-server");
const APP_SECRET: &str = "inst-secret-0123456789abcdef0123456789ab";
const ADMIN: &str = "inst-admin-0123456789abcdef0123456789abcd";
const PARTNER_SECRET: &str = "inst-partner-0123456789abcdef0123456789a";
/// The webhook path secret, as `openssl rand -hex 32` makes one (`serve` refuses weak ones).
const WEBHOOK_SECRET: &str = "f820d51cb4b3a6da141e8827fd7d15768c03a51429bdf0d212a702c2da09ebad";

struct World {
    dir: tempfile::TempDir,
    db: String,
    sandbox: String,
    _sandbox: Proc,
    http: reqwest::Client,
}

/// The sandbox process (with optional fault injection) and a fresh database.
async fn world(sandbox_env: &[(&str, &str)]) -> World {
    let dir = tempfile::tempdir().unwrap();
    let db = support::test_database_url(dir.path()).await;
    let port = free_port();
    let sb = Proc(
        Command::new(BIN)
            .args(["sandbox", "--addr", &format!("127.0.0.1:{port}")])
            .env("KYC_SANDBOX_APP_KEY", "inst-key")
            .env("KYC_SANDBOX_APP_SECRET", APP_SECRET)
            .env("KYC_SANDBOX_REVIEW_DELAY_MS", "800")
            .env("KYC_SANDBOX_WEBHOOK_BACKOFF_MS", "200")
            .envs(sandbox_env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let sandbox = format!("http://127.0.0.1:{port}");
    wait_healthy(&format!("{sandbox}/__sandbox/applications")).await;
    // Reports for every user, as a partner would provide them.
    let reports = dir.path().join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    World { dir, db, sandbox, _sandbox: sb, http: reqwest::Client::new() }
}

impl World {
    fn reports_for(&self, user: &str) {
        let d = self.dir.path().join("reports").join(user);
        std::fs::create_dir_all(&d).unwrap();
        for k in ["amlReport", "idvReport"] {
            std::fs::write(d.join(format!("{k}.pdf")), kyc_server::reports::demo_pdf(k)).unwrap();
        }
    }

    /// A `serve` instance on this world's database. `public` is the base URL the provider's
    /// webhooks go to.
    fn serve(&self, port: u16, public: &str, extra: &[(&str, &str)]) -> Proc {
        Proc(
            Command::new(BIN)
                .arg("serve")
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("KYC_UPSTREAM_BASE_URL", &self.sandbox)
                .env("KYC_ALLOW_INSECURE_UPSTREAM", "1")
                .env("KYC_APP_KEY", "inst-key")
                .env("KYC_APP_SECRET", APP_SECRET)
                .env("KYC_PUBLIC_BASE_URL", public)
                .env("KYC_WEBHOOK_SECRET", WEBHOOK_SECRET)
                .env("KYC_ADMIN_KEY", ADMIN)
                .env("KYC_DATA_KEY", support::TEST_DATA_KEY)
                .env("KYC_REPORTS_DIR", self.dir.path().join("reports"))
                .env("DATABASE_URL", &self.db)
                .env("KYC_ADDR", format!("127.0.0.1:{port}"))
                .env("KYC_RATE_LIMIT_PER_MINUTE", "10000")
                .envs(extra.iter().copied())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    }

    async fn session(&self, base: &str, user: &str) -> String {
        let r = self
            .http
            .post(format!("{base}/v1/sessions"))
            .bearer_auth(ADMIN)
            .json(&json!({"externalUserId": user}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()["sessionToken"].as_str().unwrap().to_owned()
    }

    /// An application with its photos, ready to submit; returns (token, id).
    async fn ready(&self, base: &str, user: &str, email: &str) -> (String, String) {
        self.reports_for(user);
        let token = self.session(base, user).await;
        let r = self
            .http
            .post(format!("{base}/v1/applications"))
            .bearer_auth(&token)
            .json(&support::valid_draft(email))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{:?}", r.text().await);
        let id = r.json::<Value>().await.unwrap()["applicationId"].as_str().unwrap().to_owned();
        for kind in ["idFront", "face"] {
            let r = self
                .http
                .put(format!("{base}/v1/applications/{id}/documents/{kind}"))
                .bearer_auth(&token)
                .body(support::jpeg(800, 600))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 204);
        }
        (token, id)
    }

    async fn sandbox_app(&self, email: &str) -> Value {
        support::sandbox_app_by_email(&self.http, &self.sandbox, email).await
    }

    async fn admin_view(&self, base: &str, id: &str) -> Value {
        self.http
            .get(format!("{base}/v1/admin/applications/{id}"))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Polls the admin view on `base` until `status` (or a timeout).
    async fn wait_status(&self, base: &str, id: &str, status: &str, limit: Duration) -> Value {
        let t = Instant::now();
        loop {
            let v = self.admin_view(base, id).await;
            if v["status"] == status || t.elapsed() > limit {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn calls(sandbox_app: &Value, endpoint: &str) -> u64 {
    sandbox_app["calls"][endpoint].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn twenty_concurrent_duplicate_submits_over_two_instances_reach_the_provider_once() {
    let w = Arc::new(world(&[]).await);
    let (pa, pb) = (free_port(), free_port());
    let (a, b) = (format!("http://127.0.0.1:{pa}"), format!("http://127.0.0.1:{pb}"));
    let _ia = w.serve(pa, &a, &[]);
    let _ib = w.serve(pb, &a, &[]);
    wait_healthy(&format!("{a}/healthz")).await;
    wait_healthy(&format!("{b}/healthz")).await;
    let (token, id) = w.ready(&a, "dup-user", "dup@example.com").await;
    let mut tasks = Vec::new();
    for n in 0..20 {
        let (w, token, id) = (w.clone(), token.clone(), id.clone());
        let base = if n % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let r =
                w.http.post(format!("{base}/v1/applications/{id}/submit")).bearer_auth(&token).send().await.unwrap();
            r.status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert!(statuses.iter().all(|s| *s == 202 || *s == 409), "{statuses:?}");
    assert!(statuses.contains(&202));
    let sb = w.sandbox_app("dup@example.com").await;
    assert_eq!(calls(&sb, "merchantProcess"), 1, "exactly one upstream submission: {sb}");
    assert_eq!(calls(&sb, "fileUpload"), 4, "two photos and two reports, once each: {sb}");
}

#[tokio::test]
async fn two_instances_started_together_on_an_empty_database_both_come_up() {
    for _ in 0..3 {
        let w = world(&[]).await;
        let (pa, pb) = (free_port(), free_port());
        let a = format!("http://127.0.0.1:{pa}");
        let _ia = w.serve(pa, &a, &[]);
        let _ib = w.serve(pb, &a, &[]);
        wait_healthy(&format!("{a}/readyz")).await;
        wait_healthy(&format!("http://127.0.0.1:{pb}/readyz")).await;
    }
}

#[tokio::test]
async fn kill_9_in_the_middle_of_a_submit_and_the_other_instance_completes_it() {
    // `merchantProcess` waits 2 s before the sandbox processes it: instance A dies meanwhile,
    // so the provider never gets A's submit.
    let w = world(&[("KYC_SANDBOX_DELAY_PATH", "merchantProcess"), ("KYC_SANDBOX_DELAY_BEFORE_MS", "2000")]).await;
    let (pa, pb) = (free_port(), free_port());
    let (a, b) = (format!("http://127.0.0.1:{pa}"), format!("http://127.0.0.1:{pb}"));
    let mut ia = w.serve(pa, &b, &[]);
    let _ib = w.serve(pb, &b, &[("KYC_RECONCILE_AFTER_SECS", "1")]);
    wait_healthy(&format!("{a}/healthz")).await;
    wait_healthy(&format!("{b}/healthz")).await;
    let (token, id) = w.ready(&a, "kill-user", "kill@example.com").await;
    let submit = {
        let (http, url, token) = (w.http.clone(), format!("{a}/v1/applications/{id}/submit"), token.clone());
        tokio::spawn(async move { http.post(url).bearer_auth(token).send().await })
    };
    // Wait until A holds the application in `submitting` (the admin view shows it as
    // `reviewing`; the provider has nothing before its 2 s delay), then kill it.
    let t = Instant::now();
    while w.admin_view(&b, &id).await["status"] != "reviewing" {
        assert!(t.elapsed() < Duration::from_secs(10), "the submit never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    ia.kill9();
    assert!(submit.await.unwrap().is_err(), "A died before answering");
    // B completes the submit once A's submit lease ran out (SUBMIT_LEASE_SECS: a live lease is
    // never submitted twice), within its reconcile interval after that — unless A's worker had
    // already claimed B's reconcile job when it died (a loaded run hit that): the job then also
    // waits out A's job lease.
    let lease = Duration::from_secs(u64::try_from(kyc_server::work::LEASE_SECS).unwrap());
    let v = w.wait_status(&b, &id, "approved", lease + Duration::from_secs(30)).await;
    assert_eq!(v["status"], "approved", "{v}");
    let sb = w.sandbox_app("kill@example.com").await;
    assert_eq!(calls(&sb, "merchantProcess"), 1, "A's submit never reached the provider; B's did: {sb}");
}

#[tokio::test]
async fn a_lost_submit_answer_is_repaired_by_the_reconciler() {
    // The sandbox processes `merchantProcess`, then holds the answer 3 s: A dies meanwhile.
    let w = world(&[("KYC_SANDBOX_DELAY_PATH", "merchantProcess"), ("KYC_SANDBOX_DELAY_AFTER_MS", "3000")]).await;
    let (pa, pb) = (free_port(), free_port());
    let (a, b) = (format!("http://127.0.0.1:{pa}"), format!("http://127.0.0.1:{pb}"));
    // The provider's webhooks go nowhere: only the reconciler can learn the outcome.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let mut ia = w.serve(pa, &dead, &[]);
    let _ib = w.serve(pb, &dead, &[("KYC_RECONCILE_AFTER_SECS", "1")]);
    wait_healthy(&format!("{a}/healthz")).await;
    wait_healthy(&format!("{b}/healthz")).await;
    let (token, id) = w.ready(&a, "lost-user", "lost@example.com").await;
    let http = w.http.clone();
    let url = format!("{a}/v1/applications/{id}/submit");
    let submit = tokio::spawn(async move { http.post(url).bearer_auth(token).send().await });
    let t = Instant::now();
    while calls(&w.sandbox_app("lost@example.com").await, "merchantProcess") == 0 {
        assert!(t.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    ia.kill9();
    assert!(submit.await.unwrap().is_err());
    let v = w.wait_status(&b, &id, "approved", Duration::from_secs(30)).await;
    assert_eq!(v["status"], "approved", "{v}");
    let sources: Vec<&str> = v["history"].as_array().unwrap().iter().map(|h| h["source"].as_str().unwrap()).collect();
    assert!(sources.contains(&"poll"), "the reconciler repaired it: {v}");
    assert_eq!(calls(&w.sandbox_app("lost@example.com").await, "merchantProcess"), 1, "not submitted twice");
}

#[tokio::test]
async fn a_lost_webhook_is_repaired_by_the_reconciler() {
    let w = world(&[]).await;
    let pa = free_port();
    let a = format!("http://127.0.0.1:{pa}");
    let dead = format!("http://127.0.0.1:{}", free_port());
    let _ia = w.serve(pa, &dead, &[("KYC_RECONCILE_AFTER_SECS", "1")]);
    wait_healthy(&format!("{a}/healthz")).await;
    let (token, id) = w.ready(&a, "hook-user", "hook@example.com").await;
    let r = w.http.post(format!("{a}/v1/applications/{id}/submit")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let v = w.wait_status(&a, &id, "approved", Duration::from_secs(30)).await;
    assert_eq!(v["status"], "approved", "{v}");
    assert_eq!(v["history"].as_array().unwrap().last().unwrap()["source"], "poll");
    let sb = w.sandbox_app("hook@example.com").await;
    assert!(sb["webhooks"].as_array().unwrap().iter().all(|h| h["httpStatus"] != 200), "every webhook was lost: {sb}");
}

/// A partner receiver that refuses the first `refuse` deliveries (500), verifies every
/// signature, and records every status change it accepted.
async fn partner(refuse: u32) -> (String, Arc<Mutex<Vec<Value>>>, Arc<Mutex<u32>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let refused = Arc::new(Mutex::new(0u32));
    let (s, r) = (seen.clone(), refused.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |h: axum::http::HeaderMap, body: String| {
            let (s, r) = (s.clone(), r.clone());
            async move {
                let sig = h.get("kyc-signature").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                let (t, v1) = sig.split_once(',').unwrap();
                let (t, v1) = (t.trim_start_matches("t="), v1.trim_start_matches("v1="));
                use hmac::{Hmac, Mac};
                let mut mac = Hmac::<sha2::Sha256>::new_from_slice(PARTNER_SECRET.as_bytes()).unwrap();
                mac.update(format!("{t}.{body}").as_bytes());
                assert!(mac.verify_slice(&hex::decode(v1).unwrap()).is_ok(), "bad signature");
                let mut refused = r.lock().unwrap();
                if *refused < refuse {
                    *refused += 1;
                    return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                }
                // Status changes only (the document checks: tests/document_check.rs).
                let event: Value = serde_json::from_str(&body).unwrap();
                if event["type"] == "application.status_changed" {
                    s.lock().unwrap().push(event);
                }
                axum::http::StatusCode::OK
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, seen, refused)
}

#[tokio::test]
async fn partner_notifications_survive_a_restart_in_the_middle_of_delivery() {
    let w = world(&[]).await;
    let (url, seen, refused) = partner(2).await;
    let pa = free_port();
    let a = format!("http://127.0.0.1:{pa}");
    let env = [("KYC_PARTNER_WEBHOOK_URL", url.as_str()), ("KYC_PARTNER_WEBHOOK_SECRET", PARTNER_SECRET)];
    let mut ia = w.serve(pa, &a, &env);
    wait_healthy(&format!("{a}/healthz")).await;
    let (token, id) = w.ready(&a, "notify-user", "notify@example.com").await;
    let r = w.http.post(format!("{a}/v1/applications/{id}/submit")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 202);
    // The receiver refused the first deliveries; kill -9 before the retries, then restart.
    let t = Instant::now();
    while *refused.lock().unwrap() < 2 {
        assert!(t.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ia.kill9();
    let _ia2 = w.serve(pa, &a, &env);
    wait_healthy(&format!("{a}/healthz")).await;
    let v = w.wait_status(&a, &id, "approved", Duration::from_secs(30)).await;
    assert_eq!(v["status"], "approved");
    let t = Instant::now();
    while seen.lock().unwrap().len() < 3 {
        assert!(t.elapsed() < Duration::from_secs(40), "deliveries after the restart: {:?}", seen.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let events = seen.lock().unwrap().clone();
    let statuses: Vec<&str> = events.iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["draft", "reviewing", "approved"], "in order, one accepted delivery per change");
    let mut ids: Vec<&str> = events.iter().map(|e| e["eventId"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3);
}
