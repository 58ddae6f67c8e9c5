//! `kyc-server serve` in its own process (resident memory and descriptor limits are per
//! process), against an in-process sandbox, with a SQLite file in a temp dir; and clients that
//! speak from a given loopback address (127.0.0.x: each a client IP of its own).

use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use tokio::net::{TcpSocket, TcpStream};

use super::{free_port, wait_healthy, Proc, TEST_DATA_KEY};

const BIN: &str = env!("CARGO_BIN_EXE_kyc-server");
const APP_SECRET: &str = "served-app-secret-7f3a9c1e5b2d8046aa91";
/// The admin key of every [`Served`] process.
pub const SERVED_ADMIN_KEY: &str = "served-admin-key-4c8e2a7f1b9d3065ce17";

/// `127.0.0.<last>`.
pub fn ip(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, last)
}

/// A TCP connection to `to` from the loopback address `from`.
pub async fn connect_from(from: Ipv4Addr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let s = TcpSocket::new_v4()?;
    s.bind(SocketAddr::new(IpAddr::V4(from), 0))?;
    s.connect(to).await
}

/// An HTTP client whose requests come from `from`.
/// A client whose connections come from `from`. A request unanswered after [`NO_ANSWER`] is an
/// error (the server's own limits answer every request well before: a hung request must fail
/// the test that made it, not hold the suite until CI's limit).
pub fn client_from(from: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::V4(from)).timeout(NO_ANSWER).build().unwrap()
}

/// Longer than any answer the server may take: the body deadline, the decode queue's wait and a
/// 40 MP decode in a debug build on a loaded machine.
pub const NO_ANSWER: std::time::Duration = std::time::Duration::from_secs(180);

pub struct Served {
    _proc: Proc,
    pub pid: u32,
    pub addr: SocketAddr,
    pub base: String,
    _dir: tempfile::TempDir,
}

impl Served {
    /// Started (under `ulimit -n nofile` when given) and ready.
    pub async fn start(nofile: Option<u32>) -> Self {
        let sandbox = kyc_sandbox::Sandbox::new(kyc_sandbox::SandboxConfig::new("served-key", APP_SECRET));
        let sl = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sandbox_url = format!("http://{}", sl.local_addr().unwrap());
        let router = sandbox.router();
        tokio::spawn(async move { axum::serve(sl, router).await.unwrap() });
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut cmd = match nofile {
            Some(n) => {
                let mut c = Command::new("sh");
                c.args(["-c", &format!("ulimit -n {n} && exec \"$0\" serve"), BIN]);
                c
            }
            None => {
                let mut c = Command::new(BIN);
                c.arg("serve");
                c
            }
        };
        let child = cmd
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "error")
            .env("KYC_ALLOW_INSECURE_UPSTREAM", "1")
            .env("KYC_UPSTREAM_BASE_URL", &sandbox_url)
            .env("KYC_APP_KEY", "served-key")
            .env("KYC_APP_SECRET", APP_SECRET)
            .env("KYC_PUBLIC_BASE_URL", &base)
            .env("KYC_WEBHOOK_SECRET", "0f4e8a2c6b1d9e3f5a7c0b2d4e6f8a1c3b5d7e9f")
            .env("KYC_ADMIN_KEY", SERVED_ADMIN_KEY)
            .env("KYC_DATA_KEY", TEST_DATA_KEY)
            .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("kyc.db").display()))
            .env("KYC_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        let proc = Proc(child);
        wait_healthy(&format!("{base}/readyz")).await;
        Self { _proc: proc, pid, addr: format!("127.0.0.1:{port}").parse().unwrap(), base, _dir: dir }
    }

    /// A session token for `user`, made with the admin key.
    pub async fn session(&self, user: &str) -> String {
        let r = reqwest::Client::new()
            .post(format!("{}/v1/sessions", self.base))
            .bearer_auth(SERVED_ADMIN_KEY)
            .json(&json!({"externalUserId": user}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "session for {user}");
        r.json::<Value>().await.unwrap()["sessionToken"].as_str().unwrap().to_owned()
    }

    /// A field of the server process's `/proc/<pid>/status` (`VmRSS`, `VmHWM`), in MiB.
    pub fn mib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap();
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        kib / 1024
    }
}
