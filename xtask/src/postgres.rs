//! A throwaway PostgreSQL server for the tests: Debian's `postgresql` package (installed when
//! missing), a new cluster in a temporary directory, trust authentication on 127.0.0.1 and a
//! free port, stopped and removed when the guard drops. PostgreSQL refuses to run as root, so
//! as root the server runs as the `postgres` user the package creates.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{run, sh_output};

pub struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    as_root: bool,
    /// `postgres://postgres@127.0.0.1:<port>/postgres`
    pub url: String,
}

/// The newest installed server's `bin` directory.
fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, b)| b)
}

fn is_root() -> bool {
    sh_output(Command::new("id").arg("-u")).map(|u| u.trim() == "0").unwrap_or(false)
}

pub fn ensure_installed() -> Result<PathBuf> {
    if let Some(b) = server_bin() {
        return Ok(b);
    }
    eprintln!("xtask: installing Debian postgresql");
    let apt = |args: &[&str]| -> Result<()> {
        let mut c = if is_root() { Command::new("apt-get") } else { Command::new("sudo") };
        if !is_root() {
            c.arg("apt-get");
        }
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut c)
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", "postgresql"])?;
    server_bin().context("postgresql installed but no /usr/lib/postgresql/*/bin/initdb")
}

impl Postgres {
    fn cmd(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    /// Starts a new cluster; the returned guard stops and removes it.
    pub fn start() -> Result<Self> {
        let bin = ensure_installed()?;
        let as_root = is_root();
        let dir = std::env::temp_dir().join(format!("kyc-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        if as_root {
            run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir))?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut pg =
            Self { dir: dir.clone(), bin, as_root, url: format!("postgres://postgres@127.0.0.1:{port}/postgres") };
        let data = dir.join("data");
        run(pg
            .cmd("initdb")
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync", "-D"])
            .arg(&data)
            .stdout(std::process::Stdio::null()))?;
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            dir.display()
        );
        run(pg
            .cmd("pg_ctl")
            .args(["-w", "-t", "60", "-D"])
            .arg(&data)
            .args(["-o", &opts, "-l"])
            .arg(dir.join("log"))
            .arg("start"))
        .with_context(|| format!("PostgreSQL did not start; see {}", dir.join("log").display()))?;
        if !Path::new(&data).join("postmaster.pid").exists() {
            bail!("PostgreSQL did not start");
        }
        eprintln!("PostgreSQL {} running at {}", pg.bin.display(), pg.url);
        pg.dir = dir;
        Ok(pg)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .cmd("pg_ctl")
            .args(["-m", "immediate", "-D"])
            .arg(self.dir.join("data"))
            .arg("stop")
            .stdout(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
