//! `kyc-server demo | serve | sandbox` (docs/api.md "The programs"). Thin: parse arguments, build the
//! config, bind, run.

use anyhow::{bail, Context};
use kyc_server::config::{Config, RawConfig};
use kyc_server::{app, init_logging, shutdown_signal, AppState};
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::net::TcpListener;

const USAGE: &str = "usage:
  kyc-server demo [--addr 127.0.0.1:8080] [--data-dir DIR] [--widget-dir DIR]
  kyc-server serve [--config FILE]
  kyc-server sandbox [--addr 127.0.0.1:8090]";

struct Args {
    command: String,
    addr: Option<String>,
    data_dir: Option<PathBuf>,
    widget_dir: Option<PathBuf>,
    config: Option<PathBuf>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut it = std::env::args().skip(1);
    let command = it.next().unwrap_or_default();
    let mut a = Args { command, addr: None, data_dir: None, widget_dir: None, config: None };
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--addr" => a.addr = Some(value()?),
            "--data-dir" => a.data_dir = Some(value()?.into()),
            "--widget-dir" => a.widget_dir = Some(value()?.into()),
            "--config" => a.config = Some(value()?.into()),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    Ok(a)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    match args.command.as_str() {
        "demo" => demo(args).await,
        "serve" => serve_cmd(args).await,
        "sandbox" => sandbox(args).await,
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
}

async fn bind(addr: &str) -> anyhow::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

async fn demo(args: Args) -> anyhow::Result<()> {
    init_logging(false);
    let addr = args.addr.as_deref().unwrap_or("127.0.0.1:8080");
    // docs/api.md "The programs": the demo has no admin key and a sandbox console, so it binds
    // loopback only.
    let requested: SocketAddr = addr.parse().with_context(|| format!("--addr {addr} is not an IP address and port"))?;
    if !requested.ip().is_loopback() {
        bail!("demo binds loopback addresses only (127.0.0.1, ::1); {addr} is not one — use `kyc-server serve` to expose a backend");
    }
    let (listener, local) = bind(addr).await?;
    let base = format!("http://{local}");
    let data_dir = args.data_dir.unwrap_or_else(|| PathBuf::from(".kyc-demo"));
    std::fs::create_dir_all(&data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
    let (key, secret) = (kyc_server::random::hex(8), kyc_server::random::hex(32));
    let mut sb_config = kyc_sandbox::SandboxConfig::from_env().map_err(anyhow::Error::msg)?;
    sb_config.app_key.clone_from(&key);
    sb_config.app_secret.clone_from(&secret);
    let sandbox = kyc_sandbox::Sandbox::new(sb_config);
    let mut config = Config::for_demo(local, &base, &data_dir, key, secret);
    // The one behaviour switch the demo takes from the environment: whether a draft that differs
    // from the ID document is refused (docs/configuration.md).
    config.document_mismatch = kyc_server::config::document_mismatch(
        std::env::var("KYC_DOCUMENT_MISMATCH").ok().as_deref().filter(|v| !v.is_empty()),
    )
    .map_err(anyhow::Error::msg)?;
    let widget_dir = args.widget_dir.unwrap_or_else(|| PathBuf::from("dist"));
    if !widget_dir.join("index.html").exists() {
        tracing::warn!("no built widget in {} — run `cargo xtask demo` to build it", widget_dir.display());
    }
    config.widget_dir = Some(widget_dir);
    let state = AppState::new(config).await?;
    println!("KYC demo running at {base}/  (sandbox console: {base}/__sandbox/)");
    let hosts = kyc_server::cors::LoopbackHosts::new(local);
    let router = app(state.clone(), Some(sandbox))
        .layer(axum::middleware::from_fn_with_state(hosts, kyc_server::cors::loopback_host_only));
    let (timeouts, limits) = (kyc_server::http::Timeouts::default(), kyc_server::http::ConnectionLimits::default());
    kyc_server::run(listener, router, state, shutdown_signal(), timeouts, limits).await?;
    Ok(())
}

async fn serve_cmd(args: Args) -> anyhow::Result<()> {
    let raw = RawConfig::load(args.config.as_deref()).map_err(anyhow::Error::msg)?;
    let config = Config::for_serve(&raw).map_err(anyhow::Error::msg)?;
    init_logging(config.json_logs);
    for w in &config.warnings {
        tracing::warn!(event = "weak_configuration", "{w}");
    }
    let (listener, local) = bind(&config.addr.to_string()).await?;
    let metrics_listener = match config.metrics_addr {
        Some(addr) => {
            let l =
                TcpListener::bind(addr).await.with_context(|| format!("cannot listen on KYC_METRICS_ADDR {addr}"))?;
            tracing::info!(addr = %l.local_addr()?, "metrics listening (GET /metrics, no key)");
            Some(l)
        }
        None => None,
    };
    let (timeouts, limits) = (config.timeouts, config.connections.clone());
    let state = AppState::new(config).await?;
    tracing::info!(addr = %local, "kyc-server serve listening");
    let app = app(state.clone(), None);
    kyc_server::run_with_metrics(listener, metrics_listener, app, state, shutdown_signal(), timeouts, limits).await?;
    Ok(())
}

async fn sandbox(args: Args) -> anyhow::Result<()> {
    init_logging(false);
    let env_addr = std::env::var("KYC_SANDBOX_ADDR").ok();
    let addr = args.addr.or(env_addr).unwrap_or_else(|| "127.0.0.1:8090".into());
    let config = kyc_sandbox::SandboxConfig::from_env().map_err(anyhow::Error::msg)?;
    let explicit = std::env::var("KYC_SANDBOX_APP_KEY").is_ok();
    let (listener, local) = bind(&addr).await?;
    let sb = kyc_sandbox::Sandbox::new(config);
    if !explicit {
        // Fresh credentials were generated: the operator needs them to configure `serve`.
        println!("sandbox credentials: KYC_APP_KEY={} KYC_APP_SECRET={}", sb.config().app_key, sb.config().app_secret);
    }
    println!("KYC sandbox running at http://{local}/  (console: http://{local}/__sandbox/)");
    axum::serve(listener, sb.router()).with_graceful_shutdown(shutdown_signal()).await?;
    Ok(())
}
