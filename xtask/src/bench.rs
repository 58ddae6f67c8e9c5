//! `cargo xtask bench`: the performance budgets, measured (never asserted by timed tests).
//! - widget wasm + js + css ≤ 150 KB gzip (Trunk release build);
//! - whole-form validation ≤ 1 ms (`kyc_domain::parse_draft`, native, release build of xtask
//!   is not required: the loop is long enough to be stable);
//! - page load → first focusable field in headless Chromium;
//! - the backend adds ≤ 2 ms over a direct upstream call.

use anyhow::{Context, Result};
use kyc_domain::draft::{AddressDto, IndividualInfoDto, NumOrText};
use kyc_domain::{parse_draft, Date, DraftDto, Rules};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Instant;

use crate::{cargo, cmd, root, run, tools};

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
    tools::ensure_test_tools()?;
    println!("== widget size");
    crate::build_widget()?;
    println!("\n== validation");
    validation();
    println!("\n== browser and backend");
    run(&mut cargo(&["build", "-p", "kyc-server", "--profile", "server"]))?;
    let bin = root().join("target/server/kyc-server");
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
            .env("KYC_SANDBOX_APP_SECRET", "bench-secret"),
    )?;
    let serve_port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let serve_url = format!("http://127.0.0.1:{serve_port}");
    let _serve = Proc(
        cmd(bin.to_str().unwrap_or_default())
            .arg("serve")
            .env("KYC_UPSTREAM_BASE_URL", &sandbox_url)
            .env("KYC_APP_KEY", "bench-key")
            .env("KYC_APP_SECRET", "bench-secret")
            .env("KYC_PUBLIC_BASE_URL", &serve_url)
            .env("KYC_WEBHOOK_SECRET", "b".repeat(64))
            .env("KYC_ADMIN_KEY", "bench-admin")
            .env("KYC_RATE_LIMIT_PER_MINUTE", "100000")
            .env("DATABASE_URL", format!("sqlite://{}", data.join("serve.db").display()))
            .env("KYC_ADDR", format!("127.0.0.1:{serve_port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    std::thread::sleep(std::time::Duration::from_millis(700));
    let result = run(cmd("node")
        .arg("bench/browser-and-backend.mjs")
        .env("DEMO_URL", &demo_url)
        .env("SERVE_URL", &serve_url)
        .env("SANDBOX_URL", &sandbox_url)
        .env("ADMIN_KEY", "bench-admin")
        .env("APP_KEY", "bench-key")
        .env("APP_SECRET", "bench-secret"));
    let _ = std::fs::remove_dir_all(&data);
    result
}
