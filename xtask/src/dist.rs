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

/// The page's inputs, named once for this build and checked against index.html's `data-trunk`
/// links (the `trunk serve` build of the same page, Trunk.toml) by the tests below.
pub const CRATE: &str = "kyc-widget";
pub const CSS: [&str; 2] = ["www/kyc-widget.css", "www/demo.css"];
pub const COPIED: [&str; 1] = ["www/demo.js"];
pub const LOCALES: &str = "www/locales";
pub const FIRST_STEP_HTML: &str = "www/first-step.en.html";

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

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The `<link data-trunk …>` tags (and the comment over them) are Trunk's; this build drops
/// them.
fn without_trunk_links(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    for line in page.lines() {
        if line.contains("For `trunk serve`") {
            continue;
        }
        let mut rest = line;
        let mut kept = String::new();
        while let Some(at) = rest.find("<link data-trunk") {
            kept.push_str(&rest[..at]);
            rest = rest[at..].find('>').map_or("", |end| &rest[at + end + 1..]);
        }
        kept.push_str(rest);
        if kept.trim().is_empty() && !line.trim().is_empty() {
            continue;
        }
        out.push_str(&kept);
        out.push('\n');
    }
    out
}

/// `data-trunk` links of index.html: (rel, href, the other attributes as written).
#[cfg(test)]
fn trunk_links(page: &str) -> Vec<(String, String, Vec<String>)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..].split('"').next()?.to_owned())
    };
    let mut links = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find("<link data-trunk") {
        let end = rest[at..].find('>').map_or(rest.len(), |e| at + e);
        let tag = &rest[at..end];
        let others = tag
            .split_whitespace()
            .filter(|w| w.starts_with("data-") && *w != "data-trunk")
            .map(|w| w.split('=').next().unwrap_or(w).to_owned())
            .collect();
        links.push((attr(tag, "rel").unwrap_or_default(), attr(tag, "href").unwrap_or_default(), others));
        rest = &rest[end..];
    }
    links
}

fn esbuild_minify(path: &Path) -> Result<()> {
    run(cmd("esbuild")
        .arg(path)
        .args(["--minify", "--format=esm", "--target=es2020", "--allow-overwrite", "--log-level=warning"])
        .arg(format!("--outfile={}", path.display())))
}

/// Builds `dist/` (the widget, its lazily loaded capture module and locales, the demo page).
pub fn build(dist: &Path) -> Result<()> {
    run(&mut cargo(&["build", "--release", "--target", "wasm32-unknown-unknown", "-p", CRATE]))?;
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
    crate::imports::shorten(&dist.join("kyc-widget_bg.wasm"), &dist.join("kyc-widget.js"))?;
    let js = hashed(dist, "kyc-widget.js", "kyc-widget", ".js")?;
    let wasm = hashed(dist, "kyc-widget_bg.wasm", "kyc-widget", "_bg.wasm")?;
    let mut css = Vec::new();
    for path in CSS {
        let name = file_name(path).trim_end_matches(".css");
        let text = std::fs::read_to_string(root().join(path))?;
        std::fs::write(dist.join(format!("{name}.css")), minify_css(&text))?;
        css.push(hashed(dist, &format!("{name}.css"), name, ".css")?);
    }
    for path in COPIED {
        std::fs::copy(root().join(path), dist.join(file_name(path)))?;
    }
    crate::package::copy_locales(&root().join(LOCALES), &dist.join("locales"))?;
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
    let page = without_trunk_links(&std::fs::read_to_string(root().join("index.html"))?);
    for marker in [MARKER, FIRST_STEP] {
        if page.matches(marker).count() != 1 {
            bail!("index.html must hold {marker} exactly once");
        }
    }
    // The widget's first step as static HTML in the host element: the field shows with the
    // page, before the wasm; the widget takes it over on mount (src/first_step.rs).
    let first_step = std::fs::read_to_string(root().join(FIRST_STEP_HTML))?;
    std::fs::write(dist.join("first-step.en.html"), &first_step)?;
    std::fs::write(dist.join("index.html"), page.replace(MARKER, &head).replace(FIRST_STEP, first_step.trim()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str) -> String {
        std::fs::read_to_string(root().join(path)).unwrap()
    }

    /// `trunk serve` (Trunk.toml, index.html's data-trunk links) builds what this build builds:
    /// the same crate with its default features, the same stylesheets, script, locales and
    /// first step, with the wasm-bindgen of Cargo.lock, and the lazily loaded modules by xtask.
    #[test]
    fn the_trunk_build_and_this_one_agree_on_their_inputs() {
        let page = read("index.html");
        let links = trunk_links(&page);
        let of = |rel: &str| -> Vec<&str> { links.iter().filter(|l| l.0 == rel).map(|l| l.1.as_str()).collect() };
        assert_eq!(of("rust"), ["."], "one rust link, to the workspace root");
        let manifest = read("Cargo.toml");
        assert!(manifest.contains(&format!("[package]\nname = \"{CRATE}\"")), "the root package is {CRATE}");
        let rust = links.iter().find(|l| l.0 == "rust").unwrap();
        for a in &rust.2 {
            assert!(
                !a.starts_with("data-cargo") && a != "data-bin" && a != "data-type",
                "the rust link changes what is built ({a}); the xtask build uses the default features"
            );
        }
        assert_eq!(of("css"), CSS);
        assert_eq!(of("copy-file"), COPIED);
        assert_eq!(of("copy-dir"), [LOCALES]);
        assert_eq!(of("inline"), [FIRST_STEP_HTML]);
        assert_eq!(links.len(), 1 + CSS.len() + COPIED.len() + 2, "no other data-trunk link: {links:?}");
        let trunk = read("Trunk.toml");
        let lock = read("Cargo.lock");
        let bindgen = lock.split("name = \"wasm-bindgen\"\nversion = \"").nth(1).unwrap().split('"').next().unwrap();
        assert!(trunk.contains(&format!("wasm_bindgen = \"{bindgen}\"")), "Trunk.toml pins wasm-bindgen {bindgen}");
        assert!(trunk.contains(r#"command_arguments = ["xtask", "lazy-modules"]"#));
        assert!(trunk.contains("offline = true"), "Trunk never downloads a tool");
        // demo.js starts on either loader's signal.
        let demo = read("www/demo.js");
        assert!(demo.contains("\"TrunkApplicationStarted\"") && demo.contains(&format!("\"{READY_EVENT}\"")));
    }

    #[test]
    fn this_build_drops_the_trunk_links() {
        let page = without_trunk_links(&read("index.html"));
        assert!(!page.contains("data-trunk") && !page.contains("trunk serve"), "{page}");
        assert!(page.contains(MARKER) && page.contains(FIRST_STEP));
        assert!(page.contains(r#"<div id="kyc" class="demo-widget-host"><!-- kyc:first-step --></div>"#));
    }
}
