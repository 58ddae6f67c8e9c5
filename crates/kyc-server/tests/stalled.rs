//! 30 stalled unauthenticated uploads (issue "holds under attack"): each is answered 401 from
//! its headers alone, none of their bodies is buffered, and the process's memory stays flat.
//! Its own binary: resident memory is process-wide.

mod support;

use std::time::Duration;
use support::{spawn_app_with, Options};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn vm_rss_kib() -> u64 {
    support::proc_status_kib("VmRSS")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_stalled_unauthenticated_uploads_get_401_and_pin_no_memory() {
    let app = spawn_app_with(Options { admin_key: Some("k".repeat(40)), ..Options::default() }).await;
    let (_, id) = app.application("stall@example.com").await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    // Warm up allocator arenas and connection paths first.
    let _ = app.http.get(format!("{}/healthz", app.base)).send().await;
    let before = vm_rss_kib();
    let chunk = vec![0x5Au8; 64 * 1024];
    let mut conns = Vec::new();
    for n in 0..30 {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let path = if n % 2 == 0 {
            format!("/v1/applications/{id}/documents/idFront")
        } else {
            format!("/v1/admin/applications/{id}/reports/amlReport")
        };
        let head =
            format!("PUT {path} HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 5000000\r\n\r\n");
        s.write_all(head.as_bytes()).await.unwrap();
        // Some body bytes, then nothing: a stalled upload.
        let _ = s.write_all(&chunk).await;
        conns.push(s);
    }
    let mut answered = 0;
    for s in &mut conns {
        let mut buf = [0u8; 64];
        let n = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf))
            .await
            .expect("answered at once")
            .unwrap_or(0);
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(text.starts_with("HTTP/1.1 401"), "{text}");
        answered += 1;
    }
    assert_eq!(answered, 30);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = vm_rss_kib();
    let grown_mib = after.saturating_sub(before) / 1024;
    eprintln!("resident memory before {} MiB, with 30 stalled uploads {} MiB", before / 1024, after / 1024);
    // 30 × 5 MB bodies buffered would be ~150 MB; reading nothing keeps the growth small.
    assert!(grown_mib < 20, "memory grew {grown_mib} MiB");
    // The server still serves everyone else.
    assert_eq!(app.http.get(format!("{}/healthz", app.base)).send().await.unwrap().status(), 200);
}
