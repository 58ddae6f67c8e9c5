//! `cargo xtask <verb>`: the project's tasks in Rust (no Makefiles).
//!
//! - `demo`: install what is missing, build the widget (`dist/`), run `kyc-server demo`.
//! - `test`: install what is missing, then every gate and every test layer.
//! - `setup`: only install what is missing.
//! - `build-widget`: release build into `dist/` and the size report.
//! - `bench`: the performance budgets, measured.
//! - `package`: the npm package in `target/npm/` (size report, SRI hashes, `npm pack`).
//! - `e2e [files]`: the given end-to-end files in Chromium against a fresh demo server.
//! - `engines`: only the engine suites (`tests/engines/`: Firefox ESR and WebKitGTK).
//!
//! Built artifacts are read from (and the npm package written to) `CARGO_TARGET_DIR` when set.

mod bench;
mod dist;
mod imports;
mod package;
mod postgres;
mod sbom;
mod size;
mod tools;

use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set (relative to the workspace root, where
/// xtask runs cargo), else `target/` at the root. Every built artifact xtask picks up is read
/// from here, and the npm package is written here (`<target>/npm/`).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(d) => root().join(d),
        None => root().join("target"),
    }
}

/// The target directory when it lies outside the workspace (its paths are then neither
/// remapped by the workspace's prefix nor found by the build-path check without it).
fn target_dir_outside_root() -> Option<PathBuf> {
    let t = target_dir();
    (!t.starts_with(root())).then_some(t)
}

/// Runs a command, failing with its description when it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    let desc = format!("{cmd:?}");
    let status = cmd.status().with_context(|| format!("cannot start {desc}"))?;
    if !status.success() {
        bail!("failed ({status}): {desc}");
    }
    Ok(())
}

/// [`run`] with a ceiling: a test step that hangs (a request nobody answers, a lock nobody
/// gives back) fails after `limit` with its name, instead of holding CI until its own
/// 90-minute limit with nothing said. The command runs in a process group of its own, so the
/// test binary cargo started is killed with it (cargo's "has been running for over 60 seconds"
/// above names the test).
pub fn run_within(cmd: &mut Command, limit: Duration) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let desc = format!("{cmd:?}");
    let mut child = cmd.process_group(0).spawn().with_context(|| format!("cannot start {desc}"))?;
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            if !status.success() {
                bail!("failed ({status}): {desc}");
            }
            return Ok(());
        }
        if started.elapsed() > limit {
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
            bail!("still running after {} min, killed (a hung test?): {desc}", limit.as_secs() / 60);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The host's target triple (`rustc -vV`).
pub fn host_target() -> Result<String> {
    let v = sh_output(Command::new("rustc").arg("-vV"))?;
    v.lines().find_map(|l| l.strip_prefix("host: ")).map(str::to_owned).context("rustc -vV names no host")
}

/// Runs a command and returns its stdout.
pub fn sh_output(cmd: &mut Command) -> Result<String> {
    let out = cmd.stderr(Stdio::null()).output()?;
    if !out.status.success() {
        bail!("{cmd:?} failed");
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A command at the workspace root, with npm's binaries (binaryen's wasm-opt) first on PATH,
/// and every wasm32 build told to remap the build directory and the cargo home out of the
/// paths it embeds (panic locations), so the shipped wasm names no build-machine path.
pub fn cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    let path = std::env::var("PATH").unwrap_or_default();
    c.current_dir(root()).env("PATH", format!("{}:{path}", root().join("node_modules/.bin").display()));
    c.env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", wasm_rustflags());
    c
}

/// The home of cargo (registry sources live under it).
pub fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"))
}

fn wasm_rustflags() -> String {
    // The registry's long directory is shortened to `r` (its path sits in every panic location).
    let mut flags = format!(
        "--remap-path-prefix={}=kyc --remap-path-prefix={home}=cargo --remap-path-prefix={home}/registry/src=r",
        root().display(),
        home = cargo_home().display()
    );
    // A target directory outside the workspace (build scripts' generated code lives there).
    if let Some(t) = target_dir_outside_root() {
        let _ = std::fmt::Write::write_fmt(&mut flags, format_args!(" --remap-path-prefix={}=target", t.display()));
    }
    flags
}

/// Fails when a built wasm file contains the build directory, the cargo home or the user's
/// home directory (issue "holds under attack", point 13).
pub fn check_no_build_paths(dir: &std::path::Path) -> Result<()> {
    let home = std::env::var("HOME").unwrap_or_default();
    let target = target_dir_outside_root().map(|t| t.display().to_string()).unwrap_or_default();
    let needles: Vec<String> = [root().display().to_string(), cargo_home().display().to_string(), home, target]
        .into_iter()
        .filter(|s| s.len() > 1)
        .collect();
    let mut checked = 0;
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.extension().is_some_and(|e| e == "wasm") {
            let bytes = std::fs::read(&p)?;
            for n in &needles {
                if bytes.windows(n.len()).any(|w| w == n.as_bytes()) {
                    bail!("{} contains the build-machine path {n}", p.display());
                }
            }
            checked += 1;
        }
    }
    if checked == 0 {
        bail!("no .wasm file in {}", dir.display());
    }
    eprintln!("{checked} wasm file(s) in {}: no build-machine paths", dir.display());
    Ok(())
}

pub fn cargo(args: &[&str]) -> Command {
    let mut c = cmd("cargo");
    c.args(args);
    c
}

fn step(name: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
    let t = Instant::now();
    eprintln!("\n==> {name}");
    f()?;
    eprintln!("==> {name}: ok ({:.1} s)", t.elapsed().as_secs_f64());
    Ok(())
}

pub fn build_widget() -> Result<usize> {
    let dist = root().join("dist");
    dist::build(&dist)?;
    check_no_build_paths(&dist)?;
    size::report(&dist, &size::parts(&dist, |n| n.starts_with("kyc-widget"))?)
}

/// The binaryen pass every shipped wasm gets: -Oz to a fixed point, no debug or producers section.
/// Two facts binaryen may rely on (each module owns its memory, and Rust's linker puts the stack
/// first, so nothing lives in its lowest KiB): memory starts zero-filled and its low 1024 bytes
/// are unused. They let it drop zero runs from the data and fold constant addresses: ~1 KB of
/// gzip off the widget's first load.
pub fn wasm_opt(path: &std::path::Path) -> Result<()> {
    run(cmd("wasm-opt")
        .args(["-Oz", "--converge", "--strip-debug", "--strip-producers"])
        .args(["--zero-filled-memory", "--low-memory-unused"])
        .args(["--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext"])
        .args(["--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue"])
        .arg(path)
        .arg("-o")
        .arg(path))
}

/// The lazily loaded capture module (`kyc-capture`) into `out`: `kyc_capture.js` (minified
/// glue) and `kyc_capture_bg.wasm`, the widget loading them from `capture/` beside its files.
pub fn build_capture(out: &std::path::Path) -> Result<()> {
    build_module("kyc-capture", "kyc_capture", out)
}

/// The reader module (`kyc-reader`: the licence barcode read, the cross-check) into `out`:
/// `kyc_reader.js` and `kyc_reader_bg.wasm`, loaded from `reader/` only when a person scans
/// their ID or a barcode side is taken.
pub fn build_reader(out: &std::path::Path) -> Result<()> {
    build_module("kyc-reader", "kyc_reader", out)
}

/// A lazily loaded wasm module: built, bound (`--target web`), optimised, its glue minified.
/// `KYC_CAPTURE_FEATURES` (e.g. `locate`) passes cargo features to the capture module's build.
fn build_module(package: &str, name: &str, out: &std::path::Path) -> Result<()> {
    let mut build = cargo(&["build", "--release", "--target", "wasm32-unknown-unknown", "-p", package]);
    match std::env::var("KYC_CAPTURE_FEATURES") {
        Ok(features) if package == "kyc-capture" && !features.is_empty() => {
            build.args(["--features", &features]);
        }
        _ => {}
    }
    run(&mut build)?;
    let _ = std::fs::remove_dir_all(out);
    run(cmd("wasm-bindgen")
        .args(["--target", "web", "--no-typescript", "--out-name", name, "--out-dir"])
        .arg(out)
        .arg(target_dir().join(format!("wasm32-unknown-unknown/release/{name}.wasm"))))?;
    wasm_opt(&out.join(format!("{name}_bg.wasm")))?;
    let glue = out.join(format!("{name}.js"));
    run(cmd("esbuild")
        .arg(&glue)
        .args(["--minify", "--format=esm", "--target=es2020", "--log-level=warning", "--allow-overwrite"])
        .arg(format!("--outfile={}", glue.display())))?;
    imports::shorten(&out.join(format!("{name}_bg.wasm")), &glue)?;
    check_no_build_paths(out)
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The end-to-end demo server's admin key (its admin view: the diagnostics tests read it).
const E2E_ADMIN_KEY: &str = "e2e-admin-key-0123456789abcdef0123456789";

/// The host name under which the e2e tests open the demo as an insecure context (an `http://`
/// origin that is not localhost: Chromium maps it to 127.0.0.1 with `--host-resolver-rules`).
const E2E_INSECURE_HOST: &str = "kyc-insecure.test";

/// Starts `kyc-server demo` on `port` (allowing `extra_origins` by CORS, comma-separated) and
/// returns it with its URL.
fn start_demo(
    binary: &std::path::Path,
    data_dir: &std::path::Path,
    port: u16,
    extra_origins: &str,
) -> Result<(Child, String)> {
    let mut child = cmd(binary.to_str().unwrap_or_default())
        .args(["demo", "--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir)
        .args(["--widget-dir", "dist"])
        .env("KYC_SANDBOX_REVIEW_DELAY_MS", "1500")
        .env("KYC_ALLOWED_ORIGINS", extra_origins)
        .env("KYC_ADMIN_KEY", E2E_ADMIN_KEY)
        .stdout(Stdio::piped())
        .spawn()
        .context("starting kyc-server demo")?;
    let stdout = child.stdout.take().context("demo stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .map(|u| u.trim_end_matches('/').to_owned())
        .with_context(|| format!("kyc-server demo did not print its URL: {line:?}"))?;
    Ok((child, url))
}

fn test() -> Result<()> {
    let started = Instant::now();
    step("install missing tools", tools::ensure_test_tools)?;
    step("cargo fmt --check", || run(&mut cargo(&["fmt", "--all", "--", "--check"])))?;
    step("clippy (native)", || run(&mut cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])))?;
    step("clippy (wasm32)", || {
        run(&mut cargo(&[
            "clippy",
            "-p",
            "kyc-widget",
            "-p",
            "kyc-domain",
            "-p",
            "kyc-reader",
            "-p",
            "kyc-capture",
            // (Checked with the document locator in guided capture, which is built only on
            // request: `KYC_CAPTURE_FEATURES=locate`.)
            "--features",
            "kyc-capture/locate",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    step("kyc-domain on wasm32 depends on no regex and no chrono", || {
        let tree =
            sh_output(&mut cargo(&["tree", "-p", "kyc-domain", "--target", "wasm32-unknown-unknown", "-e", "normal"]))?;
        for banned in ["regex", "chrono"] {
            if tree.lines().any(|l| l.split_whitespace().any(|w| w == banned || w.starts_with(&format!("{banned}-")))) {
                bail!("kyc-domain pulls in {banned} on wasm32:\n{tree}");
            }
        }
        Ok(())
    })?;
    step("supply chain: cargo deny check licenses bans sources (deny.toml, offline)", || {
        // cargo deny reads every platform's dependencies (windows-sys…), which no build here
        // downloads: fetch them first (a no-op once they are in the registry's cache).
        run(&mut cargo(&["fetch", "--locked"]))?;
        run(&mut cargo(&["deny", "--workspace", "--offline", "check", "licenses", "bans", "sources"]))
    })?;
    step("fuzz targets still build", || {
        run(&mut cargo(&["check", "--manifest-path", "crates/kyc-domain/fuzz/Cargo.toml", "--bins"]))
    })?;
    step("native tests: kyc-domain, kyc-photos, kyc-sandbox, kyc-server (black-box, SQLite)", || {
        run_within(&mut cargo(&["test", "--workspace"]), Duration::from_secs(30 * 60))
    })?;
    step("kyc-server black-box tests again on PostgreSQL (a throwaway server)", || {
        let pg = postgres::Postgres::start()?;
        run_within(
            cargo(&["test", "--no-fail-fast", "-p", "kyc-server"]).env("KYC_TEST_POSTGRES_URL", &pg.url),
            Duration::from_secs(20 * 60),
        )
    })?;
    step("kyc-domain tests on wasm32", || {
        run(&mut cargo(&["test", "-p", "kyc-domain", "--target", "wasm32-unknown-unknown"]))
    })?;
    step("widget component tests in headless Chromium", || {
        run(cargo(&["test", "-p", "kyc-widget", "--target", "wasm32-unknown-unknown"])
            .env("CHROMEDRIVER", "/usr/bin/chromedriver"))
    })?;
    step("widget release build and size", || build_widget().map(|_| ()))?;
    let mut tgz = PathBuf::new();
    step("npm package (size report, SRI, npm pack)", || {
        let built = package::package()?;
        eprintln!("package: {} bytes gzip (wasm + js + css)", built.gzip_total);
        sbom::check(&target_dir().join("npm").join(package::NAME).join("sbom.cdx.json"), "kyc-widget", "axum")?;
        sbom::check(&target_dir().join("sbom/kyc-server.cdx.json"), "axum", "yew")?;
        tgz = built.tgz;
        Ok(())
    })?;
    let vite_host = root().join("examples/vite-host");
    step("Vite consumer app builds with the packed tarball", || {
        tools::ensure_npm(&vite_host, &[("vite", "7.3.8")])?;
        run(cmd("npm").args(["install", "--no-save", "--no-audit", "--no-fund"]).arg(&tgz).current_dir(&vite_host))?;
        run(cmd(vite_host.join("node_modules/.bin/vite").to_str().unwrap_or("vite"))
            .arg("build")
            .current_dir(&vite_host))
    })?;
    step("React, Next.js and Vue apps build with the packed tarball", || {
        for (name, pins, build) in FRAMEWORKS {
            let dir = root().join("examples").join(name);
            tools::ensure_npm(&dir, pins)?;
            run(cmd("npm").args(["install", "--no-save", "--no-audit", "--no-fund"]).arg(&tgz).current_dir(&dir))?;
            run(cmd(dir.join("node_modules/.bin").join(build[0]).to_str().unwrap_or(build[0]))
                .args(&build[1..])
                .env("NEXT_TELEMETRY_DISABLED", "1")
                .current_dir(&dir))?;
        }
        Ok(())
    })?;
    step("end-to-end (Playwright, real demo server): widget, npm package, Vite host, frameworks, strict CSP", || {
        e2e(&["tests/e2e/", "tests/package/"], &vite_host)
    })?;
    step("other browser engines (Firefox ESR, WebKitGTK; a fresh demo server): flow, strict CSP, axe", || {
        tools::ensure_engines()?;
        let paths: Vec<&str> = std::iter::once(ENGINES).chain(ENGINE_E2E.iter().copied()).collect();
        e2e(&paths, &vite_host)
    })?;
    eprintln!("\nall gates and tests passed in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The framework examples (examples/<name>): the npm packages that must be installed at their
/// pinned versions, and the build command (from node_modules/.bin) whose output the package
/// tests serve (`KYC_<NAME>_DIST`).
const FRAMEWORKS: [Framework; 3] = [
    ("react", &[("react", "19.3.1"), ("react-dom", "19.3.1"), ("vite", "7.3.8")], &["vite", "build"]),
    ("vue", &[("vue", "3.5.47"), ("vite", "7.3.8")], &["vite", "build"]),
    ("next", &[("next", "16.5.0"), ("react", "19.3.1")], &["next", "build"]),
];

/// An example's directory name, its pinned npm packages and its build command.
type Framework = (&'static str, &'static [(&'static str, &'static str)], &'static [&'static str]);

/// Where an example's build lands (Vite: dist/; Next.js's static export: out/).
fn framework_dist(name: &str) -> PathBuf {
    root().join("examples").join(name).join(if name == "next" { "out" } else { "dist" })
}

/// The engine suites: the flow, the strict-CSP page and axe in Firefox ESR and WebKitGTK.
const ENGINES: &str = "tests/engines/";
/// The e2e files that also run in Firefox ESR and WebKitGTK under `engines` (told by
/// `KYC_ENGINES=1`; under `e2e` they run in Chromium only): iOS's surface limit (issue 27).
const ENGINE_E2E: &[&str] = &["tests/e2e/surfaces.test.mjs"];

/// Runs the given test files (node's test runner: the Playwright e2e files, the package files
/// or the engine suites) against a fresh demo server.
fn e2e(paths: &[&str], vite_host: &std::path::Path) -> Result<()> {
    run(&mut cargo(&["build", "-p", "kyc-server"]))?;
    let documents = make_documents()?;
    let data = tempdir("kyc-e2e")?;
    let static_port = free_port()?;
    let demo_port = free_port()?;
    let origins = format!("http://127.0.0.1:{static_port},http://{E2E_INSECURE_HOST}:{demo_port}");
    let (mut server, url) = start_demo(&target_dir().join("debug/kyc-server"), &data, demo_port, &origins)?;
    eprintln!("demo server at {url}");
    let result = run(cmd("node")
        .args(["--test", "--test-concurrency=1"])
        .args(paths)
        .env("KYC_E2E_URL", &url)
        .env("KYC_ENGINES", if paths.contains(&ENGINES) { "1" } else { "" })
        .env("KYC_E2E_DATA_DIR", &data)
        .env("KYC_E2E_ADMIN_KEY", E2E_ADMIN_KEY)
        .env("KYC_E2E_INSECURE_HOST", E2E_INSECURE_HOST)
        .env("KYC_E2E_STATIC_PORT", static_port.to_string())
        .env("KYC_DOCUMENTS_DIR", &documents)
        .env("KYC_SERVER_BIN", target_dir().join("debug/kyc-server"))
        .env("KYC_PACKAGE_DIR", target_dir().join("npm").join(package::NAME))
        .env("KYC_VITE_DIST", vite_host.join("dist"))
        .env("KYC_VITE_HOST", vite_host)
        .env("KYC_REACT_DIST", framework_dist("react"))
        .env("KYC_VUE_DIST", framework_dist("vue"))
        .env("KYC_NEXT_DIST", framework_dist("next")));
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&data);
    result
}

/// Licence backs of fictitious people (photos, camera videos, `documents.json` saying what each
/// holds), made by the repo's own generator (`kyc-reader`'s testdata) into `target/documents`.
pub fn make_documents() -> Result<PathBuf> {
    let documents = target_dir().join("documents");
    run(cargo(&["run", "-q", "-p", "kyc-reader", "--features", "testdata", "--example", "make_documents", "--"])
        .arg(&documents))?;
    Ok(documents)
}

fn tempdir(prefix: &str) -> Result<PathBuf> {
    let d = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

fn demo() -> Result<()> {
    step("install missing tools", tools::ensure_demo_tools)?;
    step("build the widget", || build_widget().map(|_| ()))?;
    step("build kyc-server", || run(&mut cargo(&["build", "-p", "kyc-server", "--profile", "server"])))?;
    let addr = std::env::var("KYC_DEMO_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    eprintln!("\nStarting the demo. Open the URL below; Ctrl-C stops it.");
    run(cmd(&target_dir().join("server/kyc-server").to_string_lossy()).args([
        "demo",
        "--addr",
        &addr,
        "--data-dir",
        ".kyc-demo",
        "--widget-dir",
        "dist",
    ]))
}

fn main() -> Result<()> {
    let verb = std::env::args().nth(1).unwrap_or_default();
    match verb.as_str() {
        "demo" => demo(),
        "test" => test(),
        "setup" => tools::ensure_test_tools(),
        "bench" => bench::bench(),
        // The backend's black-box suite on a throwaway PostgreSQL only (extra args go to the test binary).
        "test-postgres" => {
            let pg = postgres::Postgres::start()?;
            let extra: Vec<String> = std::env::args().skip(2).collect();
            let mut c = cargo(&["test", "--no-fail-fast", "-p", "kyc-server", "--"]);
            c.args(&extra).env("KYC_TEST_POSTGRES_URL", &pg.url);
            run(&mut c)
        }
        "package" => {
            tools::ensure_demo_tools()?;
            package::package().map(|_| ())
        }
        // Only the end-to-end files given (default: tests/e2e/) against a fresh demo server;
        // the widget is built first, the npm package and Vite app are not.
        "e2e" => {
            tools::ensure_test_tools()?;
            build_widget()?;
            let extra: Vec<String> = std::env::args().skip(2).collect();
            let paths: Vec<&str> =
                if extra.is_empty() { vec!["tests/e2e/"] } else { extra.iter().map(String::as_str).collect() };
            e2e(&paths, &root().join("examples/vite-host"))
        }
        // Only the engine suites, building what they use: the demo site, the npm package's
        // script-tag build (the strict-CSP page) and the server.
        "engines" => {
            tools::ensure_demo_tools()?;
            tools::ensure_engines()?;
            step("widget release build and size", || build_widget().map(|_| ()))?;
            step("npm package (the script-tag build)", || package::package().map(|_| ()))?;
            step("other browser engines (Firefox ESR, WebKitGTK; a fresh demo server)", || {
                let paths: Vec<&str> = std::iter::once(ENGINES).chain(ENGINE_E2E.iter().copied()).collect();
                e2e(&paths, &root().join("examples/vite-host"))
            })
        }
        "build-widget" => {
            tools::ensure_demo_tools()?;
            build_widget().map(|_| ())
        }
        // The demo page built by Trunk (Trunk.toml), as a Yew developer's `trunk serve` does.
        "trunk" => {
            tools::ensure_demo_tools()?;
            tools::ensure_trunk()?;
            let t = Instant::now();
            run(cmd("trunk").args(["build", "--release"]))?;
            let out = root().join("target/trunk");
            for part in ["index.html", "capture/kyc_capture.js", "reader/kyc_reader.js", "locales/en.json", "demo.js"] {
                if !out.join(part).exists() {
                    bail!("the Trunk build has no {part}");
                }
            }
            let page = std::fs::read_to_string(out.join("index.html"))?;
            if page.contains("data-trunk")
                || !page.contains("TrunkApplicationStarted")
                || !page.contains("data-kyc-shell")
            {
                bail!("the Trunk page is not the demo page with its first step and Trunk's loader");
            }
            eprintln!("Trunk build in {:.0} s: {}", t.elapsed().as_secs_f64(), out.display());
            Ok(())
        }
        // Trunk's post-build hook: the lazily loaded modules into its staging directory.
        "lazy-modules" => {
            let staging = std::env::var("TRUNK_STAGING_DIR").context("run by Trunk (TRUNK_STAGING_DIR)")?;
            let staging = PathBuf::from(staging);
            build_capture(&staging.join("capture"))?;
            build_reader(&staging.join("reader"))
        }
        _ => {
            eprintln!("usage: cargo xtask <demo | test | package | bench | setup | build-widget | trunk | test-postgres | e2e [files] | engines>");
            std::process::exit(2);
        }
    }
}

#[cfg(test)]
mod locales_test;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_path_check_fails_on_a_wasm_that_names_the_build_directory() {
        let dir = std::env::temp_dir().join(format!("kyc-pathcheck-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut bytes = b"\0asm\x01\0\0\0".to_vec();
        bytes.extend_from_slice(format!("{}/src/lib.rs", root().display()).as_bytes());
        std::fs::write(dir.join("a.wasm"), &bytes).unwrap();
        assert!(check_no_build_paths(&dir).unwrap_err().to_string().contains("build-machine path"));
        std::fs::write(dir.join("a.wasm"), b"\0asm\x01\0\0\0kyc/src/lib.rs cargo/registry").unwrap();
        assert!(check_no_build_paths(&dir).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
