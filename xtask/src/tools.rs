//! Installs what the build and the tests need, from the package registries only, skipping
//! whatever is already present at the right version (docs/toolchain.md).

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;

use crate::{root, run, sh_output};

/// The `wasm-bindgen` version in Cargo.lock (the CLI must match it exactly).
pub fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|v| v.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    bail!("wasm-bindgen is not in Cargo.lock")
}

fn version_of(cmd: &str, arg: &str) -> Option<String> {
    sh_output(Command::new(cmd).arg(arg)).ok()
}

/// Fast compile settings for `cargo install` (docs/toolchain.md: no LTO, 16 codegen units).
fn cargo_install() -> Command {
    let mut c = Command::new("cargo");
    c.arg("install").env("CARGO_PROFILE_RELEASE_LTO", "false").env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16");
    c
}

pub fn ensure_wasm_target() -> Result<()> {
    let installed = sh_output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

pub fn ensure_wasm_bindgen() -> Result<()> {
    let v = wasm_bindgen_version()?;
    let ok = |cmd: &str| version_of(cmd, "--version").is_some_and(|s| s.split_whitespace().nth(1) == Some(v.as_str()));
    if ok("wasm-bindgen") && ok("wasm-bindgen-test-runner") {
        return Ok(());
    }
    eprintln!("xtask: installing wasm-bindgen-cli {v} (about two minutes, once)");
    // docs/toolchain.md: without --locked (its lockfile wants a crate version the registry refuses).
    run(cargo_install().args(["wasm-bindgen-cli", "--version", &format!("={v}")]))
}

fn npm_package_version(dir: &Path, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("node_modules").join(name).join("package.json")).ok()?;
    let at = text.find("\"version\"")?;
    let rest = &text[at + 9..];
    let start = rest.find('"')? + 1;
    let end = rest[start..].find('"')? + start;
    Some(rest[start..end].to_owned())
}

/// `npm ci` for a directory with a committed lockfile, unless every pinned package is there.
pub fn ensure_npm(dir: &Path, pins: &[(&str, &str)]) -> Result<()> {
    if pins.iter().all(|(n, v)| npm_package_version(dir, n).as_deref() == Some(*v)) {
        return Ok(());
    }
    eprintln!("xtask: npm ci in {}", dir.display());
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir))
}

/// `apt-get install` of Debian packages (after an `update`), through sudo when not root.
fn apt_install(packages: &[&str]) -> Result<()> {
    let sudo = sh_output(Command::new("id").arg("-u")).map(|u| u.trim() != "0").unwrap_or(true);
    let apt = |args: &[&str]| -> Result<()> {
        let mut c = if sudo { Command::new("sudo") } else { Command::new("apt-get") };
        if sudo {
            c.arg("apt-get");
        }
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut c)
    };
    apt(&["update", "-qq"])?;
    apt(&[&["install", "-y", "-qq"][..], packages].concat())
}

pub fn ensure_chromium() -> Result<()> {
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        return Ok(());
    }
    eprintln!("xtask: installing Debian chromium and chromium-driver");
    apt_install(&["chromium", "chromium-driver"])
}

/// WebKitGTK's MiniBrowser (Debian ships it in `libwebkit2gtk-4.1-0`, which `webkit2gtk-driver`
/// depends on), under the multiarch library directory.
pub fn minibrowser() -> Option<std::path::PathBuf> {
    std::fs::read_dir("/usr/lib")
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join("webkit2gtk-4.1/MiniBrowser"))
        .find(|p| p.exists())
}

/// The other browser engines of the engine suites (tests/engines): Debian `firefox-esr` (driven
/// over WebDriver BiDi by puppeteer-core), `webkit2gtk-driver` (`WebKitWebDriver`, and through
/// its dependency `libwebkit2gtk-4.1-0` the MiniBrowser it drives) and `xvfb` (WebKitGTK needs
/// a display). Only the missing packages are installed.
pub fn ensure_engines() -> Result<()> {
    let mut missing = Vec::new();
    if !Path::new("/usr/bin/firefox-esr").exists() {
        missing.push("firefox-esr");
    }
    if !Path::new("/usr/bin/WebKitWebDriver").exists() || minibrowser().is_none() {
        missing.push("webkit2gtk-driver");
    }
    if !Path::new("/usr/bin/Xvfb").exists() {
        missing.push("xvfb");
    }
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing Debian {}", missing.join(", "));
    apt_install(&missing)?;
    minibrowser().map(|_| ()).context("webkit2gtk-driver installed but no /usr/lib/*/webkit2gtk-4.1/MiniBrowser")
}

/// Everything the demo needs.
pub fn ensure_demo_tools() -> Result<()> {
    ensure_wasm_target()?;
    ensure_npm(
        &root(),
        &[
            ("binaryen", "132.0.0"),
            ("playwright-core", "1.65.1"),
            ("puppeteer-core", "24.43.1"),
            ("axe-core", "4.10.3"),
            ("esbuild", "0.28.2"),
            ("browser-image-compression", "2.0.2"),
        ],
    )?;
    ensure_wasm_bindgen()
}

/// Trunk for `trunk serve` (Trunk.toml): 0.21, the last line that builds with this toolchain.
pub const TRUNK: &str = "0.21.14";

pub fn ensure_trunk() -> Result<()> {
    if version_of("trunk", "--version").is_some_and(|s| s.split_whitespace().nth(1) == Some(TRUNK)) {
        return Ok(());
    }
    eprintln!("xtask: installing trunk {TRUNK} (several minutes, once; not part of cargo xtask test)");
    run(cargo_install().args(["--locked", "trunk", "--version", &format!("={TRUNK}")]))
}

/// The supply-chain gate's tool (deny.toml), at the version it was written for.
pub const CARGO_DENY: &str = "0.20.2";

pub fn ensure_cargo_deny() -> Result<()> {
    if version_of("cargo-deny", "--version").is_some_and(|s| s.split_whitespace().nth(1) == Some(CARGO_DENY)) {
        return Ok(());
    }
    eprintln!("xtask: installing cargo-deny {CARGO_DENY} (a few minutes, once)");
    run(cargo_install().args(["--locked", "cargo-deny", "--version", &format!("={CARGO_DENY}")]))
}

/// `promtool` (Debian's `prometheus`), which checks the server's `/metrics` text.
pub fn ensure_promtool() -> Result<()> {
    if Path::new("/usr/bin/promtool").exists() {
        return Ok(());
    }
    eprintln!("xtask: installing Debian prometheus (for promtool)");
    apt_install(&["prometheus"])
}

/// Everything the tests need.
pub fn ensure_test_tools() -> Result<()> {
    ensure_demo_tools()?;
    ensure_chromium()?;
    ensure_promtool()?;
    ensure_cargo_deny()
}
