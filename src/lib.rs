//! # kyc-widget — the embeddable KYC onboarding widget
//!
//! A Yew component compiled to WebAssembly. Partners call [`mount`] or use the
//! `<kyc-onboarding>` custom element (after [`define_element`]); the widget collects the
//! applicant's data, validates every step with `kyc-domain` — the same rulebook the backend
//! runs — cleans photos in the browser, and talks only to the partner backend (docs/api.md).
//! Importing the module has no side effects; nothing is kept in browser storage.
//!
//! ## Layout
//! - [`app`]: the root component — navigation, submission, result polling, focus, callbacks.
//! - [`flow`]: the per-instance state (one reducer): values, photos, step, application.
//! - [`steps`]: one component per step; [`steps::frame`] is their shared frame.
//! - [`field`]: labelled, accessible controls; [`ctx`]: the context every step reads.
//! - [`capture`]: the capture module (`kyc-capture`, plain DOM), loaded at the Photos step:
//!   the photo slots (guided capture, the cleaning pipeline, staging each photo with progress
//!   over XHR, "Continue on your phone") and phone mode's page; its surface as typed imports.
//! - [`api`]: the backend client (`gloo-net`; what it sends through `serde-wasm-bindgen`) and the
//!   staging of the typed draft — a reload or a new session for the same user continues where
//!   the person was; the browser keeps nothing.
//! - [`trace`]: the PII-free diagnostics trace (environment class, steps, camera and photo
//!   outcomes), sent to the backend when a camera fails and as the page is hidden.
//! - [`phone`]: phone mode, for a page opened from the desktop's "continue on your phone" link.
//! - [`i18n`], [`intl`]: texts as data (English built in, other locales fetched when asked
//!   for); country names from `Intl.DisplayNames`.

pub mod api;
pub mod app;
pub mod capture;
pub mod ctx;
pub mod field;
pub mod first_step;
pub mod flow;
pub mod i18n;
pub mod intl;
pub mod phone;
pub mod steps;
pub mod trace;

use serde::Deserialize;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

use api::get;
use app::{App, AppProps};
use ctx::Callbacks;
use i18n::{I18n, Locale, Texts};
use yew::AttrValue;

#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

thread_local! {
    static INSTANCES: Cell<u32> = const { Cell::new(0) };
}

/// Destroys a rendered root component (the widget, or phone mode's).
type Destroy = Box<dyn FnOnce()>;

/// A mounted widget. `unmount()` removes everything it rendered, its timers and listeners.
#[wasm_bindgen]
pub struct WidgetHandle {
    /// Filled once the locale's texts are there (at once for English).
    app: Rc<RefCell<Option<Destroy>>>,
    unmounted: Rc<Cell<bool>>,
    container: web_sys::Element,
}

#[wasm_bindgen]
impl WidgetHandle {
    pub fn unmount(&mut self) {
        self.unmounted.set(true);
        if let Some(destroy) = self.app.borrow_mut().take() {
            destroy();
        }
        self.container.remove();
    }
}

fn render<C: yew::BaseComponent>(root: web_sys::Element, props: C::Properties) -> Destroy {
    let handle = yew::Renderer::<C>::with_root_and_props(root, props).render();
    Box::new(move || handle.destroy())
}

/// The host page's URL without its fragment: where a phone continues by default.
fn page_url() -> String {
    let href = web_sys::window().and_then(|w| get(&get(&w.into(), "location"), "href").as_string()).unwrap_or_default();
    href.split('#').next().unwrap_or_default().to_owned()
}

/// The options of [`mount`] (docs/api.md "The widget in a page"), read by `serde-wasm-bindgen`.
/// Absent, `null` and `undefined` all mean "not given"; a value of the wrong type is an error
/// (its message names the kind of value met, never the value). Functions stay JS values until
/// [`function`] checks them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MountOptions {
    backend_url: Option<String>,
    session_token: Option<String>,
    handoff_url: Option<String>,
    locale: Option<String>,
    strings: Option<Texts>,
    theme: Option<Texts>,
    color_scheme: Option<String>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    on_complete: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    on_error: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    on_step: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    on_exit: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    load_locale: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    load_capture: JsValue,
}

/// An optional function option: absent or `null` is `None`, anything else but a function an
/// error.
fn function(v: JsValue, name: &str) -> Result<Option<js_sys::Function>, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into().map(Some).map_err(|_| JsValue::from_str(&format!("mount: options.{name} must be a function")))
}

/// Mounts a widget inside `element` (docs/api.md "The widget in a page"). Options:
/// `backendUrl` (required), `sessionToken` (required, unless the page's fragment holds
/// `kyc-handoff=<token>`: phone mode, see [`phone`]), `handoffUrl` (the page a phone opens;
/// default this page without its fragment); `locale`, `strings` (per-key text overrides),
/// `theme` (`--kyc-*` CSS custom properties), `colorScheme` (`"light"` | `"dark"`),
/// `onComplete`, `onError`, `onStep`, `onExit`;
/// `loadLocale(tag)` → a promise of a locale's texts and `loadCapture()` → a promise of the
/// initialised capture module (the npm entry passes both, in a form bundlers follow; without
/// them `locales/<tag>.json` and `capture/` beside the widget's files are fetched).
#[wasm_bindgen]
pub fn mount(element: &web_sys::Element, options: &JsValue) -> Result<WidgetHandle, JsValue> {
    let options = plain(options).map_err(|e| {
        let why = get(&e, "message").as_string().unwrap_or_default();
        JsValue::from_str(&format!("mount: the options could not be read ({why})"))
    })?;
    if !options.is_object() {
        return Err(JsValue::from_str("mount: options must be an object"));
    }
    let o: MountOptions = serde_wasm_bindgen::from_value(options).map_err(|e| {
        let why = get(&e.into(), "message").as_string().unwrap_or_default();
        JsValue::from_str(&format!(
            "mount: an option has the wrong type ({why}); objects of strings: strings, theme; functions: on*, load*; \
             strings: the rest"
        ))
    })?;
    let backend_url = o.backend_url.ok_or_else(|| JsValue::from_str("mount: options.backendUrl is required"))?;
    let callbacks = Callbacks {
        on_complete: function(o.on_complete, "onComplete")?,
        on_error: function(o.on_error, "onError")?,
        on_step: function(o.on_step, "onStep")?,
        on_exit: function(o.on_exit, "onExit")?,
        load_capture: function(o.load_capture, "loadCapture")?,
    };
    let loader = function(o.load_locale, "loadLocale")?;
    // Without a session token, a handoff link in the fragment starts phone mode.
    let (token, handoff) = match o.session_token {
        Some(t) => (t, None),
        None => match phone::token_in_fragment() {
            Some(h) => (String::new(), Some(h)),
            None => return Err(JsValue::from_str("mount: options.sessionToken is required")),
        },
    };
    let handoff_url = o.handoff_url.unwrap_or_else(page_url);
    let document = element.owner_document().ok_or_else(|| JsValue::from_str("mount: element is not in a document"))?;
    let container = document.create_element("div")?;
    let mut classes = String::from("kyc-root");
    match o.color_scheme.as_deref() {
        Some("dark") => classes.push_str(" kyc-root--dark"),
        Some("light") => classes.push_str(" kyc-root--light"),
        _ => {}
    }
    container.set_class_name(&classes);
    // Theme variables go through the CSSOM (allowed by a strict CSP), never a style attribute.
    if let Some(el) = container.dyn_ref::<web_sys::HtmlElement>() {
        for (k, v) in o.theme.unwrap_or_default().0 {
            if k.starts_with("--kyc-") {
                let _ = el.style().set_property(&k, &v);
            }
        }
    }
    // A static first step in the host (see `first_step`) stays, and keeps every key, until the
    // widget has rendered and takes it over; the widget is hidden until then.
    if element.query_selector(":scope > [data-kyc-shell]").ok().flatten().is_some() {
        if let Some(el) = container.dyn_ref::<web_sys::HtmlElement>() {
            let _ = el.style().set_property("display", "none");
        }
    }
    element.append_child(&container)?;
    let n = INSTANCES.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    let locale = Locale::parse(&o.locale.unwrap_or_default());
    let i18n = I18n::new(locale, o.strings.unwrap_or_default().0);
    let root = container.clone();
    let start = move |i18n: I18n, host: web_sys::Element| -> Destroy {
        let phone = handoff.is_some();
        let backend = Rc::new(api::Backend { base_url: backend_url, token, phone });
        render::<App>(
            host,
            AppProps {
                trace: Rc::new(trace::Trace::new(&backend)),
                backend,
                i18n: Rc::new(i18n),
                id_prefix: format!("kyc{n}").into(),
                root,
                callbacks,
                handoff_url: if phone { AttrValue::default() } else { handoff_url.into() },
                handoff_token: handoff.map(AttrValue::from),
            },
        )
    };
    let handle = WidgetHandle { app: Rc::default(), unmounted: Rc::default(), container: container.clone() };
    if locale == Locale::EN {
        *handle.app.borrow_mut() = Some(start(i18n, container));
    } else {
        // Another locale's texts are fetched first (English stands in if they cannot be had).
        let (app, unmounted) = (handle.app.clone(), handle.unmounted.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let texts = plain(&i18n::load(locale.tag(), loader.as_ref()).await).unwrap_or_default();
            let table = api::from_js::<Texts>(texts).unwrap_or_default();
            if !unmounted.get() {
                *app.borrow_mut() = Some(start(i18n.with_table(table.0), container));
            }
        });
    }
    Ok(handle)
}

// The widget's only JavaScript beside wasm-bindgen's glue, in one snippet file (each snippet is a
// file a page fetches): the custom element, where locale files are, and the capture module's load.
#[wasm_bindgen(inline_js = r#"
// A host's value as plain data, read once, here: its getters and proxies run in JS, and what
// they throw comes out of this call (caught by its binding) instead of unwinding through the
// wasm. Own enumerable properties, to three levels; arrays and other iterables become arrays
// (never a map to the reader); functions stay as they are.
export function plain(v, depth = 0) {
  if (v === null || typeof v !== "object") return v;
  if (depth > 2) return {};
  if (Array.isArray(v) || typeof v[Symbol.iterator] === "function") return Array.from(v, (x) => plain(x, depth + 1));
  const out = {};
  for (const [k, x] of Object.entries(v)) out[k] = plain(x, depth + 1);
  return out;
}
export function countryNames(codes, locale) {
  let names;
  try { names = new Intl.DisplayNames([locale], { type: "region", fallback: "code" }); } catch (e) { /* codes stand in */ }
  const order = new Intl.Collator([locale]).compare;
  const name = (c) => { try { return (names && names.of(c)) || c; } catch (e) { return c; } };
  return codes.map((c) => [c, name(c)]).sort((a, b) => order(a[1], b[1]));
}
export function localeUrl(tag) { return new URL("../../locales/" + tag + ".json", import.meta.url).href; }
// The lazily loaded modules, once per page each: from the host's loader when given (the npm
// entry passes `loadCapture`, and `loadCapture.reader` for the reader module, in a form bundlers
// follow), else `<dir>/` beside the widget's files. A failed load is tried again next time.
const loads = {};
function lazily(own, dir) {
  if (!loads[dir]) {
    const base = new URL(`../../${dir}/kyc_${dir}`, import.meta.url).href;
    loads[dir] = own ? Promise.resolve(own()) : import(base + ".js")
      .then(async (m) => { await m.default({ module_or_path: base + "_bg.wasm" }); return m; });
    loads[dir].catch(() => { loads[dir] = undefined; });
  }
  return loads[dir];
}
export function loadCapture(loader) { return lazily(loader, "capture"); }
// The reader module (the ID's barcode; issue 24): the first time a person scans or a back of ID
// is kept.
const reader = (loader) => lazily(loader && loader.reader, "reader");
export function readerCall(loader, name, args) { reader(loader).then((m) => m[name](...args)).catch(() => {}); }
// The capture module's `onPhoto`: a document side kept is read (a back for its barcode or zone,
// a front for its zone: a passport's data page); its values fill the empty fields.
export function photoHook(loader, onEvent) {
  return (kind, photo) => { if (kind !== "face") readerCall(loader, "readBack", [photo, onEvent, kind]); };
}
// One widget's page-side keeping (src/trace.rs). The diagnostics trace: its events kept here
// (at most 64, the oldest dropped) and sent as JSON to POST /v1/diagnostics, with fetch when the
// widget asks and as a beacon when the page is hidden or goes (a beacon sends no header: the
// token rides in the text/plain body); only when something happened since the last send, never
// without a token. And the draft as typed: PUT /v1/draft a second after the last change, or at
// once as the page goes (keepalive), unless cancelled (the person left).
export class KycPage {
  constructor(base, token) { this.b = base.replace(/\/$/, ""); this.k = token; this.t = performance.now(); this.n = false; this.d = { events: [], lastStep: "none" }; }
  stage(body) { this.p = body; clearTimeout(this.w); this.w = setTimeout(() => this.flush(), 1000); }
  flush() { clearTimeout(this.w); if (this.p && this.k) keepalive(this.b + "/v1/draft", "PUT", this.k, this.p); this.p = null; }
  cancel() { clearTimeout(this.w); this.p = null; }
  env(engine, os, inApp, webview, secure, cameraApi) { this.d.environment = { engine, os, inApp, webview, secure, cameraApi }; }
  step(s) { this.d.lastStep = s; }
  push(kind, code) {
    const e = this.d.events;
    if (e.length >= 64) e.shift();
    e.push({ at: Math.max(0, Math.round(performance.now() - this.t)), step: this.d.lastStep, kind, code });
    this.n = true;
  }
  send(beacon) {
    if (!this.k || !this.n) return;
    this.n = false;
    if (beacon) {
      if (!navigator.sendBeacon(this.b + "/v1/diagnostics", JSON.stringify({ ...this.d, sessionToken: this.k }))) this.n = true;
    } else keepalive(this.b + "/v1/diagnostics", "POST", this.k, this.d);
  }
  watch() {
    const shown = () => {
      const hidden = document.visibilityState === "hidden";
      this.push("page", hidden ? "hidden" : "shown");
      if (hidden) this.send(true);
    };
    const gone = () => { this.flush(); this.push("page", "hidden"); this.send(true); };
    document.addEventListener("visibilitychange", shown);
    addEventListener("pagehide", gone);
    return () => { this.cancel(); document.removeEventListener("visibilitychange", shown); removeEventListener("pagehide", gone); };
  }
}
// A JSON call nobody waits for, finished by the browser even after the page is gone.
function keepalive(url, method, token, body) {
  fetch(url, { method, keepalive: true, headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" }, body: JSON.stringify(body) }).catch(() => {});
}
// "Copy link" in the notice inside another app (src/steps/notice.rs): the link shown (for a
// WebView with no clipboard) and selected, and copied where the clipboard works.
export function copyLink(event, url, said) {
  // The target: Yew listens on its root (currentTarget), not on the button.
  const box = event.target.closest(".kyc-notice");
  const input = box.querySelector("input");
  input.hidden = false;
  input.select();
  const status = box.querySelector("[role=status]");
  const copied = () => { status.textContent = said; };
  // A WebView without the clipboard API (or refusing it): the selected input, copied the old way.
  const old = () => { try { if (document.execCommand("copy")) copied(); } catch (e) { /* the link is shown to copy */ } };
  if (navigator.clipboard) navigator.clipboard.writeText(url).then(copied, old); else old();
}
// The static first step (src/first_step.rs), taken over in one task: what was typed goes into
// the widget's fields (an input/change event each), the focus and caret follow, the copy goes,
// the widget shows. Until then the copy stays where it was, focused, and keeps every key.
export function takeOver(root, prefix) {
  const shell = root.parentNode && root.parentNode.querySelector(":scope > [data-kyc-shell]");
  root.style.removeProperty("display");
  if (!shell) return;
  let focus;
  for (const el of shell.querySelectorAll("input, select")) {
    const mine = root.querySelector('#' + CSS.escape(prefix + el.id.slice(el.id.indexOf("-"))));
    if (!mine) continue;
    if (el.value) {
      mine.value = el.value;
      mine.dispatchEvent(new Event(mine.tagName === "SELECT" ? "change" : "input", { bubbles: true }));
    }
    if (el === document.activeElement) focus = [mine, el.selectionStart, el.selectionEnd];
  }
  shell.remove();
  if (!focus) return;
  focus[0].focus();
  try { focus[0].setSelectionRange(focus[1], focus[2]); } catch (e) { /* a select: no caret */ }
}
export function defineKycElement(mount, defaultCss, loadLocale, loadCapture) {
  if (customElements.get("kyc-onboarding")) return;
  // The session token is taken out of the DOM as soon as it is read (it must not sit in an
  // attribute any script or DOM dump can see); a moved element keeps it here.
  const tokens = new WeakMap();
  class KycOnboarding extends HTMLElement {
    connectedCallback() {
      if (this.hasAttribute("session-token")) {
        tokens.set(this, this.getAttribute("session-token"));
        this.removeAttribute("session-token");
      }
      if (this._handle) return;
      const root = this.shadowRoot || this.attachShadow({ mode: "open" });
      const css = this.getAttribute("css-url") || defaultCss;
      if (css) {
        const link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = css;
        root.appendChild(link);
      }
      const host = document.createElement("div");
      root.appendChild(host);
      const fire = (name) => (detail) => this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
      this._handle = mount(host, {
        backendUrl: this.getAttribute("backend-url"),
        sessionToken: tokens.get(this),
        locale: this.getAttribute("locale") || undefined,
        colorScheme: this.getAttribute("color-scheme") || undefined,
        loadLocale: loadLocale || undefined,
        loadCapture: loadCapture || undefined,
        onComplete: fire("kyc-complete"), onError: fire("kyc-error"), onStep: fire("kyc-step"), onExit: fire("kyc-exit"),
      });
    }
    disconnectedCallback() {
      if (this._handle) { this._handle.unmount(); this._handle = null; }
      if (this.shadowRoot) this.shadowRoot.replaceChildren();
    }
  }
  customElements.define("kyc-onboarding", KycOnboarding);
}
"#)]
extern "C" {
    /// A host's value (mount options, a locale loader's texts) as plain data for the reader;
    /// `Err` with what the host's getters or proxies threw.
    #[wasm_bindgen(catch)]
    fn plain(v: &JsValue) -> Result<JsValue, JsValue>;

    /// `[[alpha-2, name]]` for `codes`, named and sorted in `locale` (see [`intl::countries`]).
    #[wasm_bindgen(js_name = countryNames)]
    pub(crate) fn country_names(codes: &js_sys::Array, locale: &str) -> js_sys::Array;

    /// `locales/<tag>.json` beside the widget's files (this snippet sits in `snippets/<crate>/`).
    #[wasm_bindgen(js_name = localeUrl)]
    pub(crate) fn locale_url(tag: &str) -> String;

    /// The capture module: from the host's `loadCapture()` when given (the npm entry
    /// passes one bundlers follow), else `capture/` beside the widget's files. Once per page.
    #[wasm_bindgen(js_name = loadCapture)]
    pub(crate) fn load_capture(loader: Option<js_sys::Function>) -> js_sys::Promise;

    /// Calls `name(...args)` of the reader module, loading it the first time (see the snippet).
    #[wasm_bindgen(js_name = readerCall)]
    pub(crate) fn reader_call(loader: Option<js_sys::Function>, name: &str, args: &js_sys::Array);

    /// The capture module's `onPhoto`: a back of ID kept is read by the reader module, its
    /// values told to `on_event` (only into empty fields).
    #[wasm_bindgen(js_name = photoHook)]
    pub(crate) fn photo_hook(loader: Option<js_sys::Function>, on_event: &js_sys::Function) -> js_sys::Function;

    /// Takes over a static first step beside `root` (its widget's ids start with `prefix`) and
    /// shows `root`; with no copy there, only shows it.
    #[wasm_bindgen(js_name = takeOver)]
    pub(crate) fn take_over(root: &web_sys::Element, prefix: &str);

    /// The diagnostics trace and the draft staged as typed (see [`trace`]).
    pub(crate) type KycPage;

    #[wasm_bindgen(constructor)]
    fn new(base_url: &str, token: &str) -> KycPage;

    #[wasm_bindgen(method)]
    fn env(this: &KycPage, engine: &str, os: &str, in_app: &str, webview: &str, secure: bool, camera_api: bool);

    #[wasm_bindgen(method)]
    fn step(this: &KycPage, step: &str);

    #[wasm_bindgen(method)]
    fn push(this: &KycPage, kind: &str, code: &str);

    #[wasm_bindgen(method)]
    fn send(this: &KycPage, beacon: bool);

    #[wasm_bindgen(method)]
    fn stage(this: &KycPage, body: &JsValue);

    #[wasm_bindgen(method)]
    fn cancel(this: &KycPage);

    #[wasm_bindgen(method)]
    fn flush(this: &KycPage);

    #[wasm_bindgen(method)]
    fn watch(this: &KycPage) -> js_sys::Function;

    /// The notice's "Copy link" (see [`steps::notice`]): `said` once it is on the clipboard.
    #[wasm_bindgen(js_name = copyLink)]
    pub(crate) fn copy_link(event: &web_sys::Event, url: &str, said: &str);

    #[wasm_bindgen(js_name = defineKycElement)]
    fn define_kyc_element(
        mount: &js_sys::Function,
        default_css: Option<String>,
        load_locale: Option<js_sys::Function>,
        load_capture: Option<js_sys::Function>,
    );
}

/// Registers `<kyc-onboarding backend-url session-token locale color-scheme css-url>`, which
/// renders into its own shadow root and dispatches `kyc-complete`, `kyc-error`, `kyc-step` and
/// `kyc-exit` CustomEvents. `default_css` is the stylesheet linked into each shadow root when
/// the element has no `css-url`; `load_locale` and `load_capture` are passed to each mount as
/// `loadLocale` and `loadCapture`. Idempotent.
#[wasm_bindgen(js_name = defineElement)]
pub fn define_element(
    default_css: Option<String>,
    load_locale: Option<js_sys::Function>,
    load_capture: Option<js_sys::Function>,
) {
    let f = Closure::<dyn Fn(web_sys::Element, JsValue) -> Result<WidgetHandle, JsValue>>::new(
        |el: web_sys::Element, opts: JsValue| mount(&el, &opts),
    );
    define_kyc_element(f.as_ref().unchecked_ref(), default_css, load_locale, load_capture);
    // The element class lives as long as the page.
    f.forget();
}
