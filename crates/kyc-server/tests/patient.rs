//! A patient attacker with valid tokens (issue 22): many stalled uploads from several IPs, one
//! person's many tokens flooding the photo queue, more half-open connections than the process
//! has file descriptors, h2c connections kept alive by PINGs, and the partner's own session
//! requests counted with the crowd. Each test failed on the code before the issue.
//!
//! Clients speak from several loopback addresses (127.0.0.x): each is a client IP of its own.
//! The memory and file-descriptor tests run the real `kyc-server serve` binary (resident memory
//! and descriptor limits are per process); the others run the app in process over real HTTP.

mod support;

use serde_json::json;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::served::{client_from, connect_from, ip, Served};
use support::{heavy_png, jpeg, put_staged, spawn_app_with, Options};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ADMIN_KEY: &str = "patient-admin-key-4c8e2a7f1b9d3065ce17";

/// The status of a raw HTTP/1.1 answer's first line, or 0 when none came within `limit`.
async fn status_within(s: &mut TcpStream, limit: Duration) -> u16 {
    let mut buf = [0u8; 12];
    match tokio::time::timeout(limit, s.read(&mut buf)).await {
        Ok(Ok(n)) if n >= 12 => String::from_utf8_lossy(&buf[9..12]).parse().unwrap_or(0),
        _ => 0,
    }
}

// ---------------------------------------------------------------------------------------------
// Memory: bodies in flight

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_uploads_from_six_ips_keep_the_server_under_512_mib_and_a_fresh_applicant_is_served() {
    let s = Served::start(None).await;
    // Ten partner users per attacking IP, each with a valid token.
    let mut tokens = Vec::new();
    for a in 0..6 {
        for u in 0..10 {
            tokens.push(s.session(&format!("stall-{a}-{u}")).await);
        }
    }
    let before = s.mib("VmRSS");
    // 110 uploads per IP (under the default 120 requests a minute), each declaring 5,000,000
    // bytes and sending all but the last one, then stalling.
    let body = Arc::new(vec![0xA5u8; 4_999_999]);
    let mut tasks = Vec::new();
    for n in 0..660usize {
        let from = ip(11 + (n % 6) as u8);
        let token = tokens[(n % 6) * 10 + (n / 6) % 10].clone();
        let (addr, body) = (s.addr, body.clone());
        tasks.push(tokio::spawn(async move {
            let mut st = connect_from(from, addr).await.ok()?;
            let head = format!(
                "PUT /v1/photos/face HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: image/jpeg\r\nContent-Length: 5000000\r\n\r\n"
            );
            st.write_all(head.as_bytes()).await.ok()?;
            // An early answer: the body will not be read.
            let early = status_within(&mut st, Duration::from_millis(500)).await;
            if early != 0 {
                return Some((early, None));
            }
            let _ = tokio::time::timeout(Duration::from_secs(30), st.write_all(&body)).await;
            Some((0, Some(st)))
        }));
    }
    let (mut stalled, mut refused, mut held) = (0, std::collections::BTreeMap::<u16, u32>::new(), Vec::new());
    for t in tasks {
        match t.await.unwrap() {
            Some((0, st)) => {
                stalled += 1;
                held.push(st);
            }
            Some((status, _)) => *refused.entry(status).or_default() += 1,
            None => *refused.entry(0).or_default() += 1,
        }
    }
    // A loaded server may answer a refusal late: a few seconds more for each (a body being read
    // stays silent until its 60 s deadline), all checked at once.
    let checks: Vec<_> = held
        .drain(..)
        .flatten()
        .map(|mut st| {
            tokio::spawn(async move {
                let late = status_within(&mut st, Duration::from_secs(3)).await;
                (late, st)
            })
        })
        .collect();
    for c in checks {
        let (late, st) = c.await.unwrap();
        if late == 0 {
            held.push(Some(st));
        } else {
            stalled -= 1;
            *refused.entry(late).or_default() += 1;
        }
    }
    let (rss, peak) = (s.mib("VmRSS"), s.mib("VmHWM"));
    eprintln!(
        "660 stalled uploads from 6 IPs: {stalled} bodies being read, refused at once {refused:?}; \
         server RSS {before} MiB before, {rss} MiB with them (peak {peak} MiB)"
    );
    // A fresh applicant from another IP is served while the stalled bodies are still held.
    let fresh = s.session("fresh-applicant").await;
    let r = put_staged(&client_from(ip(99)), &s.base, &fresh, "face", jpeg(1200, 900)).await;
    let status = r.status();
    assert_eq!(status, 204, "{}", r.text().await.unwrap_or_default());
    assert!(peak <= 512, "peak RSS {peak} MiB over 512 MiB");
    assert!(stalled <= 6 * 3, "at most three uploads per IP are read at once: {stalled}");
    assert!(refused.keys().all(|s| matches!(s, 429 | 503)), "refused with 429 or 503: {refused:?}");
    drop(held);
}

// ---------------------------------------------------------------------------------------------
// Fair photo work

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_tokens_of_one_person_flooding_40_mp_pngs_do_not_hold_up_another_applicant() {
    let app = Arc::new(spawn_app_with(Options { rate_limit_per_minute: Some(120), ..Options::default() }).await);
    let png = heavy_png().to_vec();
    let mut tokens = Vec::new();
    for _ in 0..30 {
        tokens.push(app.session_for("flooder").await);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let attacker = client_from(ip(41));
    let mut flood = Vec::new();
    for token in tokens {
        let (app, stop, png, http) = (app.clone(), stop.clone(), png.clone(), attacker.clone());
        flood.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let r = http
                    .put(format!("{}/v1/photos/idFront", app.base))
                    .bearer_auth(&token)
                    .header("content-type", "image/png")
                    .body(png.clone())
                    .send()
                    .await;
                // 0: refused or closed before an answer (over a cap); 1: no answer at all.
                statuses.push(match r {
                    Ok(r) => r.status().as_u16(),
                    Err(e) if e.is_timeout() => 1,
                    Err(_) => 0,
                });
            }
            statuses
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let victim = app.session_for("victim").await;
    let t = Instant::now();
    let r = put_staged(&client_from(ip(42)), &app.base, &victim, "face", jpeg(1600, 1200)).await;
    let took = t.elapsed();
    let status = r.status();
    stop.store(true, Ordering::SeqCst);
    let mut all = std::collections::BTreeMap::<u16, u32>::new();
    for f in flood {
        for s in f.await.unwrap() {
            *all.entry(s).or_default() += 1;
        }
    }
    eprintln!("the other applicant's photo: {status} in {took:?}; the flood's answers: {all:?}");
    assert_eq!(status, 204, "{}", r.text().await.unwrap_or_default());
    assert!(took < Duration::from_secs(10), "cleaned in {took:?}");
    assert!(all.get(&204).copied().unwrap_or(0) >= 1, "the flooder is served too, one at a time: {all:?}");
    assert_eq!(all.get(&1), None, "every request of the flood was answered or refused: {all:?}");
}

// ---------------------------------------------------------------------------------------------
// Connections

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eleven_hundred_half_open_connections_at_ulimit_1024_leave_healthz_answering() {
    let s = Served::start(Some(1024)).await;
    // 1,100 request heads that never end, from five addresses.
    let mut held = Vec::new();
    for n in 0..1100u32 {
        if let Ok(mut st) = connect_from(ip(31 + (n % 5) as u8), s.addr).await {
            let _ = st.write_all(b"GET /v1/session HTTP/1.1\r\nHost: x\r\n").await;
            held.push(st);
        }
    }
    let t = Instant::now();
    let health = |from: Ipv4Addr| {
        let addr = s.addr;
        async move {
            let deadline = Instant::now() + Duration::from_secs(8);
            while Instant::now() < deadline {
                if let Ok(Ok(mut st)) = tokio::time::timeout(Duration::from_secs(1), connect_from(from, addr)).await {
                    if st.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.is_ok()
                        && status_within(&mut st, Duration::from_secs(1)).await == 200
                    {
                        return true;
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            false
        }
    };
    let fresh = health(ip(99)).await;
    let took_fresh = t.elapsed();
    let attacker = health(ip(31)).await;
    eprintln!(
        "with {} half-open connections: /healthz from a fresh IP {fresh} after {took_fresh:?}, \
         from an attacking IP {attacker}",
        held.len()
    );
    assert!(fresh, "/healthz answers a fresh address");
    assert!(took_fresh < Duration::from_secs(3), "at once: {took_fresh:?}");
    assert!(attacker, "/healthz answers even an address over its cap (the health reserve)");
    // An ordinary request from a fresh address is served too (the caps left room).
    let r = client_from(ip(98)).get(format!("{}/readyz", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    drop(held);
}

/// An HTTP/2 frame header.
fn frame(len: u32, kind: u8, flags: u8) -> Vec<u8> {
    let l = len.to_be_bytes();
    vec![l[1], l[2], l[3], kind, flags, 0, 0, 0, 0]
}

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

#[tokio::test]
async fn h2c_is_refused_unless_configured() {
    let app = spawn_app_with(Options::default()).await;
    let mut st = TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    st.write_all(PREFACE).await.unwrap();
    st.write_all(&frame(0, 0x4, 0)).await.unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(3), st.read(&mut buf)).await.unwrap().unwrap_or(0);
    // An HTTP/2 server would answer with a SETTINGS frame (type 4 at byte 3); HTTP/1.1 refuses
    // the preface's `PRI * HTTP/2.0` line.
    assert!(n == 0 || buf.starts_with(b"HTTP/1.1 4") || buf.starts_with(b"HTTP/1.1 5"), "spoken: {:?}", &buf[..n]);
}

#[tokio::test]
async fn an_idle_h2c_connection_that_answers_pings_is_closed() {
    let limits = kyc_server::http::ConnectionLimits { h2c: true, idle: Duration::from_secs(1), ..Default::default() };
    let app = spawn_app_with(Options { connections: Some(limits), ..Options::default() }).await;
    let mut st = TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    st.write_all(PREFACE).await.unwrap();
    st.write_all(&frame(0, 0x4, 0)).await.unwrap();
    let t = Instant::now();
    let (mut rd, mut wr) = st.into_split();
    // PING every 200 ms, as a client keeping the connection alive would.
    let pinger = tokio::spawn(async move {
        for n in 0u64..100 {
            let mut ping = frame(8, 0x6, 0);
            ping.extend_from_slice(&n.to_be_bytes());
            if wr.write_all(&ping).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let mut buf = [0u8; 4096];
    let mut spoke_h2 = false;
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(8), rd.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break true,
            Ok(Ok(n)) => spoke_h2 |= n >= 9 && buf[3] == 0x4,
            Err(_) => break false,
        }
    };
    pinger.abort();
    eprintln!("idle h2c connection closed after {:?}", t.elapsed());
    assert!(spoke_h2, "h2c is served when configured");
    assert!(closed && t.elapsed() < Duration::from_secs(6), "closed for being idle: {closed}, {:?}", t.elapsed());
}

// ---------------------------------------------------------------------------------------------
// The partner is not a visitor

#[tokio::test]
async fn the_partners_session_requests_are_not_rate_limited_with_the_crowd() {
    let app = spawn_app_with(Options {
        admin_key: Some(ADMIN_KEY.into()),
        rate_limit_per_minute: Some(120),
        ..Options::default()
    })
    .await;
    // Visitors behind the partner's egress IP use up the anonymous bucket …
    let mut anonymous = std::collections::BTreeMap::<u16, u32>::new();
    for _ in 0..125 {
        let r = app.http.get(format!("{}/v1/session", app.base)).send().await.unwrap();
        *anonymous.entry(r.status().as_u16()).or_default() += 1;
    }
    assert!(anonymous.contains_key(&429), "the anonymous bucket is spent: {anonymous:?}");
    // … and a wrong admin key is a visitor too.
    let r = app
        .http
        .post(format!("{}/v1/sessions", app.base))
        .bearer_auth("not-the-admin-key-at-all-0123456789abcdef")
        .json(&json!({"externalUserId": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    // The partner's server still makes 130 sessions within the minute.
    let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
    for n in 0..130 {
        let r = app
            .http
            .post(format!("{}/v1/sessions", app.base))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"externalUserId": format!("visitor-{n}")}))
            .send()
            .await
            .unwrap();
        *statuses.entry(r.status().as_u16()).or_default() += 1;
    }
    assert_eq!(statuses, [(201, 130)].into_iter().collect(), "every session was made");
}

#[tokio::test]
async fn sessions_are_limited_per_partner_user() {
    let app = spawn_app_with(Options { admin_key: Some(ADMIN_KEY.into()), ..Options::default() }).await;
    let make = |user: &'static str| {
        let http = app.http.clone();
        let url = format!("{}/v1/sessions", app.base);
        async move { http.post(url).bearer_auth(ADMIN_KEY).json(&json!({"externalUserId": user})).send().await.unwrap() }
    };
    for _ in 0..kyc_server::rate_limit::SESSIONS_PER_USER_PER_HOUR {
        assert_eq!(make("many-tabs").await.status(), 201);
    }
    let r = make("many-tabs").await;
    assert_eq!(r.status(), 429);
    assert_eq!(make("someone-else").await.status(), 201, "other people are not affected");
}

// ---------------------------------------------------------------------------------------------
// Smaller mends

#[tokio::test]
async fn a_non_ascii_byte_in_an_x_forwarded_for_line_does_not_hand_the_provider_the_proxys_ip() {
    let app =
        spawn_app_with(Options { trusted_proxies: vec!["127.0.0.1".parse().unwrap()], ..Options::default() }).await;
    let token = app.session().await;
    // The client sent garbage; the proxy appended the address it saw to the same line.
    let line = reqwest::header::HeaderValue::from_bytes(b"\xff\xfeevil, 203.0.113.7").unwrap();
    let r = app
        .http
        .post(format!("{}/v1/applications", app.base))
        .bearer_auth(&token)
        .header("x-forwarded-for", line)
        .json(&support::valid_draft("xff-bytes@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let stored = app.sandbox_app_by_email("xff-bytes@example.com").await;
    assert_eq!(stored["request"]["individualInfo"]["ipAddress"], "203.0.113.7");
}
