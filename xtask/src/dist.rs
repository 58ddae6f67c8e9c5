//! The demo site in `dist/`, built by the same steps as the npm package (no Trunk: compiling it
//! cost a cold CI run about ten minutes, and its JS minifier gave up on wasm-bindgen's glue).
//!
//! `index.html` at the root is the page as written; its `<!-- kyc:head -->` line is replaced
//! by the widget's stylesheets, module preloads and a module script, each file content-hashed
//! in its name (the server can let browsers keep them) and carrying its SRI hash.

use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::package::{minify_css, sri, walk};
use crate::{cargo, cmd, root, run};

/// The event the page's module script dispatches once the wasm is instantiated
/// (`window.wasmBindings` then holds the widget's exports; `www/demo.js` waits for it).
pub const READY_EVENT: &str = "kyc-widget-ready";
/// The event it dispatches when the widget's files cannot be had (`www/demo.js` says so).
pub const FAILED_EVENT: &str = "kyc-widget-failed";

const MARKER: &str = "<!-- kyc:head -->";
const FIRST_STEP: &str = "<!-- kyc:first-step -->";

fn short_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha384};
    Sha384::digest(bytes).iter().take(8).fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Renames `dir/file` to `<stem>-<hash><suffix>` and returns the new name.
fn hashed(dir: &Path, file: &str, stem: &str, suffix: &str) -> Result<String> {
    let bytes = std::fs::read(dir.join(file)).with_context(|| format!("{}/{file}", dir.display()))?;
    let name = format!("{stem}-{}{suffix}", short_hash(&bytes));
    std::fs::rename(dir.join(file), dir.join(&name))?;
    Ok(name)
}

fn esbuild_minify(path: &Path) -> Result<()> {
    run(cmd("esbuild")
        .arg(path)
        .args(["--minify", "--format=esm", "--target=es2020", "--allow-overwrite", "--log-level=warning"])
        .arg(format!("--outfile={}", path.display())))
}

/// Builds `dist/` (the widget, its lazily loaded capture module and locales, the demo page).
pub fn build(dist: &Path) -> Result<()> {
    run(&mut cargo(&["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "kyc-widget"]))?;
    let _ = std::fs::remove_dir_all(dist);
    std::fs::create_dir_all(dist)?;
    run(cmd("wasm-bindgen")
        .args(["--target", "web", "--no-typescript", "--out-name", "kyc-widget", "--out-dir"])
        .arg(dist)
        .arg(crate::target_dir().join("wasm32-unknown-unknown/release/kyc_widget.wasm")))?;
    crate::wasm_opt(&dist.join("kyc-widget_bg.wasm"))?;
    let snippets: Vec<PathBuf> = if dist.join("snippets").exists() { walk(&dist.join("snippets"))? } else { vec![] };
    for js in snippets.iter().chain(std::iter::once(&dist.join("kyc-widget.js"))) {
        esbuild_minify(js)?;
    }
    let js = hashed(dist, "kyc-widget.js", "kyc-widget", ".js")?;
    let wasm = hashed(dist, "kyc-widget_bg.wasm", "kyc-widget", "_bg.wasm")?;
    let mut css = Vec::new();
    for name in ["kyc-widget", "demo"] {
        let text = std::fs::read_to_string(root().join(format!("www/{name}.css")))?;
        std::fs::write(dist.join(format!("{name}.css")), minify_css(&text))?;
        css.push(hashed(dist, &format!("{name}.css"), name, ".css")?);
    }
    std::fs::copy(root().join("www/demo.js"), dist.join("demo.js"))?;
    crate::package::copy_locales(&root().join("www/locales"), &dist.join("locales"))?;
    crate::build_capture(&dist.join("capture"))?;
    crate::build_reader(&dist.join("reader"))?;

    let integrity = |rel: &str| -> Result<String> { Ok(sri(&std::fs::read(dist.join(rel))?)) };
    let mut head = String::new();
    for c in &css {
        let _ = write!(head, r#"<link rel="stylesheet" href="/{c}" integrity="{}">"#, integrity(c)?);
    }
    let _ = write!(head, r#"<link rel="modulepreload" href="/{js}" crossorigin integrity="{}">"#, integrity(&js)?);
    for s in &snippets {
        let rel = s.strip_prefix(dist)?.to_string_lossy().into_owned();
        let _ =
            write!(head, r#"<link rel="modulepreload" href="/{rel}" crossorigin integrity="{}">"#, integrity(&rel)?);
    }
    // The fetch checks the wasm's integrity (Chromium ignores `integrity` on a fetch preload).
    let wasm_sri = integrity(&wasm)?;
    let _ = write!(head, r#"<link rel="preload" href="/{wasm}" as="fetch" type="application/wasm" crossorigin>"#);
    let _ = write!(
        head,
        r#"<script type="module">import init, * as bindings from "/{js}";try {{ await init({{ module_or_path: fetch("/{wasm}", {{ integrity: "{wasm_sri}" }}) }}); window.wasmBindings = bindings; dispatchEvent(new CustomEvent("{READY_EVENT}")); }} catch (e) {{ dispatchEvent(new CustomEvent("{FAILED_EVENT}")); }}</script>"#
    );
    let page = std::fs::read_to_string(root().join("index.html"))?;
    for marker in [MARKER, FIRST_STEP] {
        if page.matches(marker).count() != 1 {
            bail!("index.html must hold {marker} exactly once");
        }
    }
    // The widget's first step as static HTML in the host element: the field shows with the
    // page, before the wasm; the widget takes it over on mount (src/first_step.rs).
    let first_step = std::fs::read_to_string(root().join("www/first-step.en.html"))?;
    std::fs::write(dist.join("first-step.en.html"), &first_step)?;
    std::fs::write(dist.join("index.html"), page.replace(MARKER, &head).replace(FIRST_STEP, first_step.trim()))?;
    Ok(())
}
