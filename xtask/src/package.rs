//! `cargo xtask package`: the npm package `kyc-share-widget` in `target/npm/`, built without any
//! download outside the registries (docs/toolchain.md "npm packaging without downloads").

use anyhow::{bail, Context, Result};
use base64::Engine;
use sha2::{Digest, Sha384};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::{cargo, cmd, root, run};

pub const NAME: &str = "kyc-share-widget";

fn version() -> Result<String> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml"))?;
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \"").map(|v| v.trim_end_matches('"').to_owned()))
        .context("no version in Cargo.toml")
}

pub fn sri(bytes: &[u8]) -> String {
    format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes)))
}

/// CSS without comments and with collapsed white space.
/// A module's `import(<computed URL>)` (the snippet's fallback for a page that passes no
/// loaders: the package always passes its own) told to bundlers to leave alone: Turbopack (Next.js)
/// fails the build on an import it cannot resolve, Vite warns. esbuild's minifier drops such
/// comments, so they are put back after it.
fn mark_computed_imports(path: &Path) -> Result<()> {
    let js = std::fs::read_to_string(path)?;
    let mut out = String::with_capacity(js.len() + 64);
    let mut rest = js.as_str();
    while let Some(at) = rest.find("import(") {
        let (head, tail) = rest.split_at(at + "import(".len());
        out.push_str(head);
        if !tail.starts_with(['"', '\'', '`', '/']) {
            out.push_str("/*webpackIgnore:true*//*@vite-ignore*/");
        }
        rest = tail;
    }
    out.push_str(rest);
    if out.len() != js.len() {
        std::fs::write(path, out)?;
    }
    Ok(())
}

pub fn minify_css(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..].find("*/").map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    let collapsed: String = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s = collapsed;
    for (from, to) in [(" {", "{"), ("{ ", "{"), (" }", "}"), ("; ", ";"), (": ", ":"), (", ", ","), (";}", "}")] {
        s = s.replace(from, to);
    }
    s
}

fn d_ts() -> String {
    let codes: Vec<String> = kyc_domain::ErrorCode::ALL.iter().map(|c| format!("\"{}\"", c.as_str())).collect();
    let fields: Vec<String> = kyc_domain::Field::ALL.iter().map(|f| format!("\"{}\"", f.path())).collect();
    format!(
        r##"// Types of kyc-share-widget. Error codes and field paths are generated from kyc-domain.

/** A stable error code of the shared rulebook (kyc-domain). */
export type ErrorCode =
  | {codes};

/** A field path as the API names it. */
export type FieldPath =
  | {fields};

export type Step = "personal" | "document" | "address" | "photos" | "review" | "result";
export type ApplicationStatus = "draft" | "reviewing" | "approved" | "rejected";

export interface CompleteDetail {{
  applicationId: string;
  status: "approved" | "rejected";
}}

export interface ErrorDetail {{
  /** e.g. "network_error", "upstream_unavailable", "http_401". Never contains personal data. */
  code: string;
}}

export interface MountOptions {{
  /** Origin of your partner backend (kyc-server), e.g. "https://partner.example". */
  backendUrl: string;
  /** A session token minted by your server with POST /v1/sessions (leave it out only on a page
   *  opened from a "continue on your phone" link: its fragment holds `kyc-handoff=…`). */
  sessionToken?: string;
  /** The page a phone opens to take the photos (default: this page without its fragment). */
  handoffUrl?: string;
  /** "en" (default), "es", "fr", "de", "pt-BR", "it", "zh-CN", "ja", "ko", "ar", "he", "tr"
   *  (Arabic and Hebrew right to left); other tags fall back to English. */
  locale?: string;
  /** Per-string overrides by key, e.g. {{ continue: "Next", error_required: "Please fill this in." }}. */
  strings?: Record<string, string>;
  /** CSS custom properties, e.g. {{ "--kyc-color-primary": "#7b2cbf" }}. */
  theme?: Record<`--kyc-${{string}}`, string>;
  /** Forces a theme; by default the widget follows prefers-color-scheme. */
  colorScheme?: "light" | "dark";
  /** Where the .wasm is served from (default: beside this module). */
  wasmUrl?: string | URL;
  /** The widget stylesheet (default: beside this module); false if you include it yourself. */
  cssUrl?: string | URL | false;
  onComplete?: (detail: CompleteDetail) => void;
  onError?: (detail: ErrorDetail) => void;
  onStep?: (step: Step) => void;
  onExit?: () => void;
}}

export interface WidgetHandle {{
  /** Removes the widget: its DOM, timers and listeners. */
  unmount(): void;
}}

/** Loads the WebAssembly on first use and mounts a widget inside `element`. */
export function mount(element: Element, options: MountOptions): Promise<WidgetHandle>;

/** Registers <kyc-onboarding backend-url session-token locale color-scheme css-url>. */
export function defineElement(options?: {{ wasmUrl?: string | URL; cssUrl?: string | URL | false }}): Promise<void>;

/** The events <kyc-onboarding> dispatches (bubbling, composed). */
export interface KycOnboardingEventMap {{
  "kyc-complete": CustomEvent<CompleteDetail>;
  "kyc-error": CustomEvent<ErrorDetail>;
  "kyc-step": CustomEvent<Step>;
  "kyc-exit": CustomEvent<undefined>;
}}
"##,
        codes = codes.join("\n  | "),
        fields = fields.join("\n  | ")
    )
}

fn package_json(version: &str) -> String {
    format!(
        r#"{{
  "name": "{NAME}",
  "version": "{version}",
  "description": "Embeddable KYC onboarding widget (Rust + WebAssembly): small, accessible, strict-CSP-safe.",
  "license": "MIT",
  "type": "module",
  "main": "./index.js",
  "module": "./index.js",
  "types": "./index.d.ts",
  "exports": {{
    ".": {{ "types": "./index.d.ts", "import": "./index.js", "default": "./index.js" }},
    "./kyc-widget.css": "./kyc-widget.css",
    "./kyc-share-widget.js": "./kyc-share-widget.js",
    "./sri.json": "./sri.json",
    "./first-step.en.html": "./first-step.en.html",
    "./package.json": "./package.json"
  }},
  "files": ["index.js", "index.d.ts", "kyc_widget.js", "kyc_widget_bg.wasm", "kyc-widget.css", "snippets/", "capture/", "reader/", "locales/", "kyc-share-widget.js", "sri.json", "first-step.en.html", "sbom.cdx.json", "README.md", "LICENSE"],
  "sideEffects": false,
  "keywords": ["kyc", "identity", "onboarding", "webassembly", "widget"]
}}
"#
    )
}

/// The package's own licence.
const LICENSE: &str = "MIT";

/// The licences an npm dependency of the shipped package may carry (as deny.toml allows for
/// crates).
const NPM_LICENCES: [&str; 6] = ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "0BSD"];

/// The npm licence check: every dependency the shipped package.json declares is installed at
/// the workspace root and carries an allowed licence; the package's own licence is ours.
fn check_npm_licences(dir: &Path) -> Result<()> {
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("package.json"))?)?;
    if manifest["license"] != LICENSE {
        bail!("the package's licence must be {LICENSE}");
    }
    for kind in ["dependencies", "optionalDependencies", "peerDependencies", "bundleDependencies"] {
        for dep in manifest[kind].as_object().into_iter().flat_map(|m| m.keys()) {
            let path = root().join("node_modules").join(dep).join("package.json");
            let theirs: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(&path).with_context(|| format!("{kind} {dep}: not installed"))?,
            )?;
            let licence = theirs["license"].as_str().unwrap_or("none");
            if !NPM_LICENCES.contains(&licence) {
                bail!("{kind} {dep} carries the licence {licence}, not one of {NPM_LICENCES:?}");
            }
        }
    }
    Ok(())
}

pub struct Built {
    pub tgz: PathBuf,
    pub gzip_total: usize,
}

/// Builds, reports sizes (failing over budget), packs.
pub fn package() -> Result<Built> {
    let version = version()?;
    let npm = crate::target_dir().join("npm");
    let dir = npm.join(NAME);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    run(&mut cargo(&["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "kyc-widget"]))?;
    run(cmd("wasm-bindgen")
        .args(["--target", "web", "--out-name", "kyc_widget", "--out-dir"])
        .arg(&dir)
        .arg(crate::target_dir().join("wasm32-unknown-unknown/release/kyc_widget.wasm")))?;
    let wasm = dir.join("kyc_widget_bg.wasm");
    crate::wasm_opt(&wasm)?;
    crate::check_no_build_paths(&dir)?;
    // Loaded only when asked for: the capture module and the locale files.
    crate::build_capture(&dir.join("capture"))?;
    crate::build_reader(&dir.join("reader"))?;
    copy_locales(&root().join("www/locales"), &dir.join("locales"))?;
    for generated in ["kyc_widget.d.ts", "kyc_widget_bg.wasm.d.ts"] {
        let _ = std::fs::remove_file(dir.join(generated));
    }
    let css = minify_css(&std::fs::read_to_string(root().join("www/kyc-widget.css"))?);
    std::fs::write(dir.join("kyc-widget.css"), &css)?;
    std::fs::copy(root().join("www/npm/index.js"), dir.join("index.js"))?;
    std::fs::write(dir.join("index.d.ts"), d_ts())?;
    std::fs::write(dir.join("package.json"), package_json(&version))?;
    std::fs::copy(root().join("LICENSE"), dir.join("LICENSE"))?;
    // The widget's English first step as static HTML, for a host page to inline in the mount
    // element (src/first_step.rs).
    std::fs::copy(root().join("www/first-step.en.html"), dir.join("first-step.en.html"))?;

    // The package's own modules, minified in place (still separate ES modules for bundlers).
    let mut modules = vec![dir.join("index.js"), dir.join("kyc_widget.js")];
    if dir.join("snippets").exists() {
        modules.extend(walk(&dir.join("snippets"))?);
    }
    for m in &modules {
        run(cmd("esbuild")
            .arg(m)
            .args(["--minify", "--format=esm", "--target=es2020", "--log-level=warning", "--allow-overwrite"])
            .arg(format!("--outfile={}", m.display())))?;
        mark_computed_imports(m)?;
    }
    crate::imports::shorten(&wasm, &dir.join("kyc_widget.js"))?;

    // Script-tag build: one ES module (entry + glue + snippets bundled) at the package's root,
    // beside the one .wasm, the .css, `capture/` and `locales/` the ESM entry uses too (its URLs
    // are relative to itself, as the entry's are): the tarball ships each file once.
    // The lazily loaded modules stay outside it (their glue would otherwise be bundled in and
    // weigh on the first load: ~5 KB gzip): imported from `capture/` and `reader/` when asked for.
    let script = dir.join(format!("{NAME}.js"));
    run(cmd("esbuild")
        .arg(dir.join("index.js"))
        .args(["--bundle", "--format=esm", "--minify", "--target=es2020", "--log-level=warning"])
        .args(["--external:./capture/*", "--external:./reader/*"])
        .arg(format!("--outfile={}", script.display())))?;
    let mut sri_json = String::from("{\n");
    let mut sri_lines = String::new();
    for (i, f) in [format!("{NAME}.js"), "kyc_widget_bg.wasm".into(), "kyc-widget.css".into()].iter().enumerate() {
        let h = sri(&std::fs::read(dir.join(f))?);
        let _ = write!(sri_json, "{}  \"{f}\": \"{h}\"", if i > 0 { ",\n" } else { "" });
        let _ = writeln!(sri_lines, "| `{f}` | `{h}` |");
        println!("SRI  {f}  {h}");
    }
    sri_json.push_str("\n}\n");
    std::fs::write(dir.join("sri.json"), sri_json)?;
    let wasm_files = walk(&dir)?.into_iter().filter(|p| p.extension().is_some_and(|x| x == "wasm")).count();
    if wasm_files != 3 {
        bail!("the package holds {wasm_files} .wasm files; the widget's, the capture module's and the reader module's expected");
    }
    let readme = std::fs::read_to_string(root().join("www/npm/README.md"))?
        .replace("{{SRI_TABLE}}", sri_lines.trim_end())
        .replace("{{VERSION}}", &version);
    std::fs::write(dir.join("README.md"), readme)?;

    // What is in it, for a partner's security review: the crates in its wasm (CycloneDX), and
    // the server's beside it. The package's npm dependencies (none today) must carry a licence
    // of the allowed list.
    check_npm_licences(&dir)?;
    let in_wasm = crate::sbom::npm_package(&dir.join("sbom.cdx.json"), NAME, &version, LICENSE)?;
    let server_sbom = crate::target_dir().join("sbom/kyc-server.cdx.json");
    let in_server = crate::sbom::server(&server_sbom)?;
    println!(
        "SBOMs (CycloneDX): sbom.cdx.json in the package ({in_wasm} crates), {} ({in_server} crates)",
        server_sbom.display()
    );

    let parts = crate::size::parts(&dir, |n| {
        matches!(n, "index.js" | "kyc_widget.js" | "kyc_widget_bg.wasm" | "kyc-widget.css")
    })?;
    let gzip_total = crate::size::report(&dir, &parts)?;
    // The other way in: the script-tag build, its bundle, the wasm and the CSS.
    crate::size::script_tag(&dir, &[&format!("{NAME}.js"), "kyc_widget_bg.wasm", "kyc-widget.css"])?;
    run(cmd("npm").args(["pack", "--silent", "--pack-destination"]).arg(&npm).current_dir(&dir))?;
    let tgz = npm.join(format!("{NAME}-{version}.tgz"));
    if !tgz.exists() {
        bail!("npm pack did not produce {}", tgz.display());
    }
    println!("packed {}", tgz.display());
    Ok(Built { tgz, gzip_total })
}

/// The locale files as shipped: the same JSON without the indentation (what the browser fetches
/// is data, not a file for people to edit).
pub fn copy_locales(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from).with_context(|| from.display().to_string())? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "json") {
            let value: serde_json::Value = serde_json::from_slice(&std::fs::read(&p)?)
                .with_context(|| format!("{} is not valid JSON", p.display()))?;
            std::fs::write(to.join(p.file_name().unwrap_or_default()), serde_json::to_string(&value)?)?;
        }
    }
    Ok(())
}

pub fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            out.extend(walk(&p)?);
        } else {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}
