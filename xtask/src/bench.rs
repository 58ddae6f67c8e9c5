//! `cargo xtask bench`: the performance budgets, measured (never asserted by timed tests).
//! - widget wasm + js + css ≤ 150 KB gzip (Trunk release build);
//! - whole-form validation ≤ 1 ms (`kyc_domain::parse_draft`, native, release build of xtask
//!   is not required: the loop is long enough to be stable);
//! - page load → first field visible, against a plain HTML form on the same server (≤ 1.5×);
//! - the backend adds ≤ 2 ms over a direct upstream call;
//! - photo clean (`kyc_photos::plan` + `clean`, server profile) of a 40 MP JPEG ≤ 2500 ms;
//! - the server's peak RSS while 8 clients upload 40 MP photos at once ≤ 512 MiB, and under
//!   660 stalled uploads from six addresses (issue 22) ≤ 512 MiB;
//! - PostgreSQL's overhead beside SQLite's (`bench backend`).
//!
//! `cargo xtask bench photos` runs only the two photo sections (no browser, no Trunk);
//! `cargo xtask bench phone-photos` only the browser's phone photos (issue 27: 12 and 48 MP,
//! EXIF orientation 1, 6 and 8, against browser-image-compression, and the renderer's peak
//! memory for a 48 MP photo; each ≤ 0.7×).

use anyhow::{Context, Result};
use kyc_domain::draft::{AddressDto, IndividualInfoDto, NumOrText};
use kyc_domain::{parse_draft, Date, DraftDto, Rules};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::{cargo, cmd, run, target_dir, tools};

fn draft(valid: bool) -> DraftDto {
    DraftDto {
        email: Some(if valid { "jane@example.com" } else { "jane@" }.into()),
        individual_info: IndividualInfoDto {
            first_name: Some("Jane".into()),
            last_name: Some("Doe".into()),
            dob: Some(if valid { "1990-04-01" } else { "2023-02-29" }.into()),
            country: Some("US".into()),
            gender: Some(NumOrText::Num(2)),
            id_doc_type: Some(NumOrText::Text("2".into())),
            number: Some("X1234567".into()),
            valid_until: Some("2031-01-01".into()),
        },
        address: AddressDto {
            country: Some("US".into()),
            state: Some("CA".into()),
            city: Some("San Francisco".into()),
            address: Some("1 Market St".into()),
            zip_code: Some("94105".into()),
            ssn: Some(if valid { "123-45-6789" } else { "666-45-6789" }.into()),
        },
    }
}

fn validation() {
    let rules = Rules::new(Date::from_ymd(2026, 11, 26).expect("date"));
    for valid in [true, false] {
        let d = draft(valid);
        let n = 20_000;
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(parse_draft(std::hint::black_box(&d), &rules).is_ok());
        }
        let per = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
        println!(
            "whole-form validation ({} draft): {per:.2} µs per draft (budget 1000 µs)",
            if valid { "valid" } else { "invalid" }
        );
    }
}

struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_and_read_url(c: &mut std::process::Command) -> Result<(Proc, String)> {
    let mut child = c.stdout(Stdio::piped()).spawn()?;
    let out = child.stdout.take().context("stdout")?;
    let mut reader = BufReader::new(out);
    let mut line = String::new();
    let url = loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            anyhow::bail!("the process exited before printing its URL");
        }
        if let Some(u) = line.split_whitespace().find(|w| w.starts_with("http://")) {
            break u.trim_end_matches('/').to_owned();
        }
    };
    std::thread::spawn(move || {
        let mut sink = String::new();
        while reader.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    Ok((Proc(child), url))
}

pub fn bench() -> Result<()> {
    match std::env::args().nth(2).as_deref() {
        None => {}
        Some("photos") => return photos(),
        Some("backend") => return backend(),
        Some("reader") => return reader(),
        Some("phone-photos") => return phone_photos(),
        Some(other) => {
            anyhow::bail!("unknown bench section {other:?} (known: photos, backend, reader, phone-photos)")
        }
    }
    tools::ensure_test_tools()?;
    println!("== widget size");
    crate::build_widget()?;
    println!("\n== validation");
    validation();
    photos()?;
    reader()?;
    println!("\n== browser and backend");
    plain_form()?;
    run(&mut cargo(&["build", "-p", "kyc-server", "--profile", "server"]))?;
    let bin = target_dir().join("server/kyc-server");
    let data = std::env::temp_dir().join(format!("kyc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&data)?;
    let (_demo, demo_url) = spawn_and_read_url(
        cmd(bin.to_str().unwrap_or_default())
            .args(["demo", "--addr", "127.0.0.1:0", "--widget-dir", "dist", "--data-dir"])
            .arg(&data),
    )?;
    let sandbox_port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let (_sandbox, sandbox_url) = spawn_and_read_url(
        cmd(bin.to_str().unwrap_or_default())
            .args(["sandbox", "--addr", &format!("127.0.0.1:{sandbox_port}")])
            .env("KYC_SANDBOX_APP_KEY", "bench-key")
            .env("KYC_SANDBOX_APP_SECRET", BENCH_SECRET),
    )?;
    let serve_port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let serve_url = format!("http://127.0.0.1:{serve_port}");
    let _serve = Proc(
        cmd(bin.to_str().unwrap_or_default())
            .arg("serve")
            .env("KYC_UPSTREAM_BASE_URL", &sandbox_url)
            .env("KYC_APP_KEY", "bench-key")
            .env("KYC_APP_SECRET", BENCH_SECRET)
            .env("KYC_ALLOW_INSECURE_UPSTREAM", "1")
            .env("KYC_PUBLIC_BASE_URL", &serve_url)
            .env("KYC_WEBHOOK_SECRET", BENCH_WEBHOOK_SECRET)
            .env("KYC_ADMIN_KEY", BENCH_ADMIN)
            .env("KYC_DATA_KEY", BENCH_DATA_KEY)
            .env("KYC_RATE_LIMIT_PER_MINUTE", "100000")
            .env("DATABASE_URL", format!("sqlite://{}", data.join("serve.db").display()))
            .env("KYC_ADDR", format!("127.0.0.1:{serve_port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    std::thread::sleep(std::time::Duration::from_millis(700));
    let documents = crate::make_documents()?;
    let result = run(cmd("node")
        .arg("bench/browser-and-backend.mjs")
        .env("KYC_DOCUMENTS_DIR", &documents)
        .env("DEMO_URL", &demo_url)
        .env("SERVE_URL", &serve_url)
        .env("SANDBOX_URL", &sandbox_url)
        .env("ADMIN_KEY", BENCH_ADMIN)
        .env("APP_KEY", "bench-key")
        .env("APP_SECRET", BENCH_SECRET));
    let _ = std::fs::remove_dir_all(&data);
    result?;
    backend()
}

/// The browser's phone photos only (`bench/browser-and-backend.mjs` with `BENCH_ONLY=phone-photos`)
/// against a fresh demo server: the widget built, the server built with its profile.
fn phone_photos() -> Result<()> {
    tools::ensure_test_tools()?;
    println!("== widget size");
    crate::build_widget()?;
    println!("\n== phone photos in the browser");
    run(&mut cargo(&["build", "-p", "kyc-server", "--profile", "server"]))?;
    let data = std::env::temp_dir().join(format!("kyc-bench-phone-{}", std::process::id()));
    std::fs::create_dir_all(&data)?;
    let bin = target_dir().join("server/kyc-server");
    let (_demo, demo_url) = spawn_and_read_url(
        cmd(bin.to_str().unwrap_or_default())
            .args(["demo", "--addr", "127.0.0.1:0", "--widget-dir", "dist", "--data-dir"])
            .arg(&data),
    )?;
    let result = run(cmd("node")
        .arg("bench/browser-and-backend.mjs")
        .env("BENCH_ONLY", "phone-photos")
        .env("DEMO_URL", &demo_url));
    let _ = std::fs::remove_dir_all(&data);
    result
}

/// The first-field peer: `bench/plain-form.html` beside the demo page in `dist/`, with the demo
/// page's own stylesheet (content-hashed name).
fn plain_form() -> Result<()> {
    let dist = crate::root().join("dist");
    let css = std::fs::read_dir(&dist)?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("demo-") && n.ends_with(".css"))
        .context("no demo stylesheet in dist/")?;
    let page = std::fs::read_to_string(crate::root().join("bench/plain-form.html"))?.replace("demo.css", &css);
    std::fs::write(dist.join("plain-form.html"), page)?;
    Ok(())
}

const BENCH_SECRET: &str = "bench-secret-0123456789abcdef0123456789";
const BENCH_ADMIN: &str = "bench-admin-0123456789abcdef0123456789ab";
/// As `openssl rand -hex 32` makes them: `serve` refuses a secret or key of one repeated
/// character.
const BENCH_WEBHOOK_SECRET: &str = "3cd63560a932ac62f4f4cd3425dc67fc63d0915b6263cf776cba4acfa81fd502";
const BENCH_DATA_KEY: &str = "9ec8113e9bbc5fce6e4ad8b27228017f78e16f7f5dc1603ab394ca267c55f18b";

/// The backend on SQLite and on PostgreSQL side by side: overhead over a direct upstream call
/// (p50, p99) and the throughput of the whole path with one and with two instances.
fn backend() -> Result<()> {
    println!("\n== backend: SQLite and PostgreSQL side by side");
    run(&mut cargo(&["build", "-p", "kyc-server", "--profile", "server"]))?;
    let bin = target_dir().join("server/kyc-server");
    let pg = crate::postgres::Postgres::start()?;
    for label in ["SQLite", "PostgreSQL"] {
        let data = std::env::temp_dir().join(format!("kyc-bench-db-{}-{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(data.join("reports"))?;
        let db = if label == "SQLite" {
            format!("sqlite://{}", data.join("kyc.db").display())
        } else {
            let name = format!("kyc_bench_{}", std::process::id());
            run(std::process::Command::new("psql").arg(&pg.url).args([
                "-q",
                "-c",
                &format!("CREATE DATABASE {name}"),
            ]))?;
            format!("{}/{name}", pg.url.rsplit_once('/').map_or(pg.url.as_str(), |(b, _)| b))
        };
        let sandbox_port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let (_sandbox, sandbox_url) = spawn_and_read_url(
            cmd(bin.to_str().unwrap_or_default())
                .args(["sandbox", "--addr", &format!("127.0.0.1:{sandbox_port}")])
                .env("KYC_SANDBOX_APP_KEY", "bench-key")
                .env("KYC_SANDBOX_APP_SECRET", BENCH_SECRET)
                .env("KYC_SANDBOX_REVIEW_DELAY_MS", "600000"),
        )?;
        let mut instances = Vec::new();
        let mut urls = Vec::new();
        for _ in 0..2 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            let url = format!("http://127.0.0.1:{port}");
            instances.push(Proc(
                cmd(bin.to_str().unwrap_or_default())
                    .arg("serve")
                    .env("KYC_UPSTREAM_BASE_URL", &sandbox_url)
                    .env("KYC_ALLOW_INSECURE_UPSTREAM", "1")
                    .env("KYC_APP_KEY", "bench-key")
                    .env("KYC_APP_SECRET", BENCH_SECRET)
                    .env("KYC_PUBLIC_BASE_URL", &url)
                    .env("KYC_WEBHOOK_SECRET", BENCH_WEBHOOK_SECRET)
                    .env("KYC_ADMIN_KEY", BENCH_ADMIN)
                    .env("KYC_DATA_KEY", BENCH_DATA_KEY)
                    .env("KYC_RATE_LIMIT_PER_MINUTE", "1000000")
                    // The throughput run's eight applicants share one loopback address.
                    .env("KYC_UPLOADS_PER_IP", "64")
                    // The throughput run's eight applicants share one loopback address.
                    .env("KYC_UPLOADS_PER_IP", "64")
                    .env("KYC_REPORTS_DIR", data.join("reports"))
                    .env("DATABASE_URL", &db)
                    .env("KYC_ADDR", format!("127.0.0.1:{port}"))
                    .env("RUST_LOG", "warn")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()?,
            ));
            urls.push(url);
        }
        for u in &urls {
            wait_ready(&format!("{u}/readyz"))?;
        }
        let result = run(cmd("node")
            .arg("bench/backend.mjs")
            .env("SERVE_URLS", urls.join(","))
            .env("SANDBOX_URL", &sandbox_url)
            .env("ADMIN_KEY", BENCH_ADMIN)
            .env("APP_KEY", "bench-key")
            .env("APP_SECRET", BENCH_SECRET)
            .env("REPORTS_DIR", data.join("reports"))
            .env("DB_LABEL", label));
        drop(instances);
        let _ = std::fs::remove_dir_all(&data);
        result?;
    }
    Ok(())
}

fn wait_ready(url: &str) -> Result<()> {
    let (host, path) = url.trim_start_matches("http://").split_once('/').unwrap_or_default();
    for _ in 0..100 {
        if http(&format!("http://{host}"), "GET", &format!("/{path}"), &[], b"").is_ok_and(|(s, _)| s == 200) {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    anyhow::bail!("{url} did not become ready")
}

/// Photo clean timing (the `clean_bench` example of kyc-photos, built with the server's
/// profile) and the server's peak memory under 8 concurrent 40 MP uploads.
fn photos() -> Result<()> {
    let data = std::env::temp_dir().join(format!("kyc-bench-photos-{}", std::process::id()));
    std::fs::create_dir_all(&data)?;
    let result = photos_in(&data);
    let _ = std::fs::remove_dir_all(&data);
    result
}

/// The document reader on the server: read + cross-check of one cleaned photo (the `read_bench`
/// example of kyc-reader, server profile).
fn reader() -> Result<()> {
    println!("\n== document reader (server profile)");
    run(&mut cargo(&[
        "run",
        "--quiet",
        "--profile",
        "server",
        "-p",
        "kyc-reader",
        "--features",
        "testdata",
        "--example",
        "read_bench",
    ]))?;
    recogniser_size()
}

/// The MRZ recogniser's share of the reader module's gzip (budget 40 KiB): see
/// [`crate::size::recogniser_share`].
fn recogniser_size() -> Result<()> {
    // Only the module as rustc leaves it (names kept): no binding or wasm-opt pass, whose
    // result `cargo xtask build-widget`'s size table reports.
    run(&mut cargo(&["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "kyc-reader"]))?;
    let release = crate::target_dir().join("wasm32-unknown-unknown/release");
    let wasm = std::fs::read(release.join("kyc_reader.wasm"))?;
    // The newest build script output of kyc-reader (the one this build used).
    let glyphs = std::fs::read_dir(release.join("build"))?
        .filter_map(std::result::Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("kyc-reader-"))
        .map(|e| e.path().join("out/glyphs.rs"))
        .filter(|p| p.exists())
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .context("kyc-reader's generated glyphs.rs")?;
    let (functions, code, data) = crate::size::recogniser_share(&wasm, &std::fs::read_to_string(glyphs)?)?;
    println!(
        "MRZ recogniser in the reader module: {functions} functions {code} B gzip + reference glyphs {data} B gzip = {} B (budget {}; an upper bound: unoptimised code, parts compressed apart)",
        code + data,
        RECOGNISER_BUDGET
    );
    anyhow::ensure!(code + data <= RECOGNISER_BUDGET, "the MRZ recogniser is over its budget");
    Ok(())
}

/// Recogniser + glyph data ≤ 40 KB gzip (issue 25), read as KiB like the other budgets.
const RECOGNISER_BUDGET: usize = 40 * 1024;

fn photos_in(data: &std::path::Path) -> Result<()> {
    println!("\n== photo clean (plan + clean, server profile)");
    let photo = data.join("40mp.jpg");
    let photo_arg = photo.to_str().context("temp path is not UTF-8")?;
    run(&mut cargo(&[
        "run",
        "--quiet",
        "--profile",
        "server",
        "-p",
        "kyc-photos",
        "--example",
        "clean_bench",
        "--",
        "--write-40mp",
        photo_arg,
    ]))?;
    let jpeg = std::fs::read(&photo).context("the 40 MP JPEG of clean_bench")?;

    println!("\n== server memory: 8 concurrent 40 MP uploads");
    run(&mut cargo(&["build", "-p", "kyc-server", "--profile", "server"]))?;
    let (server, url) = spawn_demo(&data.join("server"), "warn")?;
    let pid = server.0.id();
    const CLIENTS: usize = 8;
    let mut apps = Vec::with_capacity(CLIENTS);
    for n in 0..CLIENTS {
        let session = json_request(
            &url,
            "POST",
            "/v1/sessions",
            None,
            &serde_json::json!({"externalUserId": format!("bench-{n}")}),
        )?;
        let token = session["sessionToken"].as_str().context("sessionToken")?.to_owned();
        let app = json_request(
            &url,
            "POST",
            "/v1/applications",
            Some(&token),
            &draft_json(&format!("bench-{n}@example.com")),
        )?;
        let id = app["applicationId"].as_str().context("applicationId")?.to_owned();
        apps.push((token, id));
    }
    let before = vm_kib(pid, "VmHWM")?;
    let jpeg = std::sync::Arc::new(jpeg);
    let start = std::sync::Arc::new(std::sync::Barrier::new(CLIENTS));
    let uploads: Vec<_> = apps
        .into_iter()
        .enumerate()
        .map(|(n, (token, id))| {
            let (url, jpeg, start) = (url.clone(), jpeg.clone(), start.clone());
            // Each applicant from an address of its own (the server caps uploads per client IP).
            let from = Ipv4Addr::new(127, 0, 0, 10 + u8::try_from(n).unwrap_or(0));
            std::thread::spawn(move || {
                start.wait();
                let t = Instant::now();
                let r = http_from(
                    Some(from),
                    &url,
                    "PUT",
                    &format!("/v1/applications/{id}/documents/idFront"),
                    &[("Authorization", &format!("Bearer {token}")), ("Content-Type", "image/jpeg")],
                    &jpeg,
                );
                (r, t.elapsed())
            })
        })
        .collect();
    let mut all_ok = true;
    for (n, u) in uploads.into_iter().enumerate() {
        let (r, took) = u.join().map_err(|_| anyhow::anyhow!("upload thread panicked"))?;
        match r {
            Ok((status, body)) => {
                all_ok &= status == 204;
                let detail = if status == 204 { String::new() } else { format!(" {}", body.trim()) };
                println!("  upload {n}: {status} in {:.0} ms{detail}", took.as_secs_f64() * 1e3);
            }
            Err(e) => {
                all_ok = false;
                println!("  upload {n}: failed after {:.0} ms: {e:#}", took.as_secs_f64() * 1e3);
            }
        }
    }
    let peak = vm_kib(pid, "VmHWM")?;
    drop(server);
    println!(
        "server peak RSS with {CLIENTS} concurrent 40 MP uploads: {} MiB (budget 512 MiB; {} MiB before the uploads, {} bytes each)",
        peak / 1024,
        before / 1024,
        jpeg.len()
    );
    if !all_ok {
        anyhow::bail!("not every 40 MP upload was accepted (204)");
    }
    stalled_bodies(data)
}

/// The server-profile build's `demo` on a free loopback port with its data in `dir`, logging at
/// `log` to nowhere: the process and its URL.
fn spawn_demo(dir: &std::path::Path, log: &str) -> Result<(Proc, String)> {
    let bin = target_dir().join("server/kyc-server");
    spawn_and_read_url(
        cmd(bin.to_str().unwrap_or_default())
            .args(["demo", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .env("RUST_LOG", log)
            .stderr(Stdio::null()),
    )
}

/// The server's peak RSS under the stalled-body attack (issue 22): 110 uploads from each of six
/// addresses, every one declaring 5,000,000 bytes and sending all but the last, then stalling;
/// then a fresh applicant's photo from a seventh address.
fn stalled_bodies(data: &std::path::Path) -> Result<()> {
    println!("\n== server memory: 660 stalled uploads from 6 addresses");
    let (server, url) = spawn_demo(&data.join("stalled"), "error")?;
    let pid = server.0.id();
    let host = url.strip_prefix("http://").context("http:// URL")?.to_owned();
    let mut tokens = Vec::new();
    for n in 0..60 {
        let s = json_request(
            &url,
            "POST",
            "/v1/sessions",
            None,
            &serde_json::json!({"externalUserId": format!("stall-{n}")}),
        )?;
        tokens.push(s["sessionToken"].as_str().context("sessionToken")?.to_owned());
    }
    let before = vm_kib(pid, "VmRSS")?;
    let body = std::sync::Arc::new(vec![0xA5u8; 4_999_999]);
    let threads: Vec<_> = (0..660usize)
        .map(|n| {
            let (host, body, token) = (host.clone(), body.clone(), tokens[(n % 6) * 10 + (n / 6) % 10].clone());
            let from = Ipv4Addr::new(127, 0, 0, 11 + u8::try_from(n % 6).unwrap_or(0));
            std::thread::spawn(move || -> Option<(u16, Option<TcpStream>)> {
                let mut s = connect_from(Some(from), &host).ok()?;
                let head = format!(
                    "PUT /v1/photos/face HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
                     Content-Type: image/jpeg\r\nContent-Length: 5000000\r\n\r\n"
                );
                s.write_all(head.as_bytes()).ok()?;
                s.set_read_timeout(Some(Duration::from_millis(500))).ok()?;
                let mut first = [0u8; 12];
                if let Ok(12) = s.read(&mut first) {
                    return Some((String::from_utf8_lossy(&first[9..]).parse().unwrap_or(0), None));
                }
                s.set_write_timeout(Some(Duration::from_secs(30))).ok()?;
                let _ = s.write_all(&body);
                Some((0, Some(s)))
            })
        })
        .collect();
    let (mut read, mut refused, mut held) = (0, std::collections::BTreeMap::<u16, u32>::new(), Vec::new());
    for t in threads {
        match t.join().map_err(|_| anyhow::anyhow!("a client thread panicked"))? {
            Some((0, s)) => {
                read += 1;
                held.push(s);
            }
            Some((status, _)) => *refused.entry(status).or_default() += 1,
            None => *refused.entry(0).or_default() += 1,
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    let fresh = json_request(&url, "POST", "/v1/sessions", None, &serde_json::json!({"externalUserId": "fresh"}))?;
    let token = fresh["sessionToken"].as_str().context("sessionToken")?;
    let photo = std::fs::read(data.join("40mp.jpg")).unwrap_or_default();
    let t = Instant::now();
    let (status, _) = http_from(
        Some(Ipv4Addr::new(127, 0, 0, 99)),
        &url,
        "PUT",
        "/v1/photos/face",
        &[("Authorization", &format!("Bearer {token}")), ("Content-Type", "image/jpeg")],
        &photo,
    )?;
    let took = t.elapsed();
    let peak = vm_kib(pid, "VmHWM")?;
    drop(held);
    drop(server);
    println!(
        "server peak RSS under the stalled-body attack: {} MiB (budget 512 MiB; {} MiB before): {read} bodies read at once, \
         refused at once {refused:?}; a fresh applicant's 40 MP photo from another address: {status} in {:.0} ms",
        peak / 1024,
        before / 1024,
        took.as_secs_f64() * 1e3
    );
    if status != 204 {
        anyhow::bail!("the fresh applicant's photo was not accepted ({status})");
    }
    Ok(())
}

/// A field of `/proc/<pid>/status` in KiB (`VmHWM` is the peak resident set).
fn vm_kib(pid: u32, field: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {field} in /proc/{pid}/status"))
}

/// The valid draft of the server tests, with its own email.
fn draft_json(email: &str) -> serde_json::Value {
    serde_json::json!({"email": email,
        "individualInfo": {"firstName": "Jane", "lastName": "Doe", "dob": "1990-04-01", "country": "US",
                           "gender": 2, "idDocType": "2", "number": "X1234567", "validUntil": "2031-01-01"},
        "address": {"country": "US", "state": "CA", "city": "San Francisco",
                    "address": "1 Market St", "zipCode": "94105", "ssn": "123-45-6789"}})
}

/// POSTs JSON (with a bearer token if given), expects 200 or 201 and answers the JSON body.
fn json_request(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &serde_json::Value,
) -> Result<serde_json::Value> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a));
    }
    let (status, text) = http(base, method, path, &headers, body.to_string().as_bytes())?;
    if !(200..300).contains(&status) {
        anyhow::bail!("{method} {path}: {status} {text}");
    }
    serde_json::from_str(&text).with_context(|| format!("{method} {path}: not JSON: {text}"))
}

/// A minimal blocking HTTP/1.1 client (one request per connection, no Origin header):
/// answers the status and the body as text.
fn http(base: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Result<(u16, String)> {
    http_from(None, base, method, path, headers, body)
}

/// A TCP connection to `host` (`ip:port`), from the loopback address `from` when given: the
/// server sees each such address as a client IP of its own.
fn connect_from(from: Option<Ipv4Addr>, host: &str) -> Result<TcpStream> {
    let addr: SocketAddr = host.parse().with_context(|| format!("{host} is not ip:port"))?;
    let Some(from) = from else { return Ok(TcpStream::connect(addr)?) };
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    s.bind(&SocketAddr::new(from.into(), 0).into())?;
    s.connect(&addr.into())?;
    Ok(s.into())
}

/// [`http`] from a given loopback address.
fn http_from(
    from: Option<Ipv4Addr>,
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, String)> {
    let host = base.strip_prefix("http://").context("http:// URL")?;
    let mut stream = connect_from(from, host)?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    // A server may answer before it has read the whole body (an early refusal): read the
    // answer even if writing failed.
    let written = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body));
    let mut raw = Vec::new();
    let read = stream.read_to_end(&mut raw);
    if raw.is_empty() {
        written?;
        read?;
    }
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").context("no end of headers in the answer")?;
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let rest = &raw[end + 4..];
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("no status in {head:?}"))?;
    let chunked = head.lines().any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked"));
    let body = if chunked { dechunk(rest) } else { rest.to_vec() };
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// The body of a chunked answer.
fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&rest[..eol]);
        let Ok(n) = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16) else { break };
        let data = &rest[eol + 2..];
        if n == 0 || data.len() < n {
            break;
        }
        out.extend_from_slice(&data[..n]);
        rest = data[n..].strip_prefix(b"\r\n").unwrap_or(&data[n..]);
    }
    out
}
