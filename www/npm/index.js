// kyc-share-widget — the embeddable KYC onboarding widget.
// Importing this module has no side effects and touches no browser global (SSR-safe): the
// WebAssembly is fetched and instantiated by the first mount() / defineElement() call.

let loading = null;

// A wasm-bindgen module's namespace, once its wasm (at `url`) is instantiated.
const init = (url) => async (m) => {
  await m.default({ module_or_path: url });
  return m;
};

function load(wasmUrl) {
  if (!loading) {
    loading = import("./kyc_widget.js").then(init(wasmUrl || new URL("./kyc_widget_bg.wasm", import.meta.url)));
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

// Loaded only when asked for, written so bundlers (Vite, webpack, esbuild) see and ship them:
// a locale's texts, the capture module the first time a person reaches the Photos step, and the
// reader module (the ID's barcode) the first time a person scans (the widget finds it on its
// capture loader).
function loadLocale(tag) {
  return fetch(new URL(`./locales/${tag}.json`, import.meta.url)).then((r) => {
    if (!r.ok) throw new Error(`kyc-share-widget: locale ${tag}: HTTP ${r.status}`);
    return r.json();
  });
}

function loadCapture() {
  return import("./capture/kyc_capture.js").then(init(new URL("./capture/kyc_capture_bg.wasm", import.meta.url)));
}

loadCapture.reader = () => import("./reader/kyc_reader.js").then(init(new URL("./reader/kyc_reader_bg.wasm", import.meta.url)));

function stylesheetUrl(option) {
  if (option === false) return undefined;
  return String(option || new URL("./kyc-widget.css", import.meta.url));
}

function ensureStylesheet(doc, href) {
  if (!href || !doc || !doc.head) return;
  for (const l of doc.querySelectorAll("link[data-kyc-widget]")) if (l.href === href) return;
  const link = doc.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  link.setAttribute("data-kyc-widget", "");
  doc.head.appendChild(link);
}

/** Mounts the widget inside `element`; resolves to a handle whose `unmount()` removes it. */
export async function mount(element, options = {}) {
  if (!element || typeof element.appendChild !== "function") throw new TypeError("kyc-share-widget: mount(element, options) needs a DOM element");
  const glue = await load(options.wasmUrl);
  ensureStylesheet(element.ownerDocument, stylesheetUrl(options.cssUrl));
  return glue.mount(element, { loadLocale, loadCapture, ...options });
}

/** Registers the <kyc-onboarding> custom element (idempotent). */
export async function defineElement(options = {}) {
  const glue = await load(options.wasmUrl);
  glue.defineElement(stylesheetUrl(options.cssUrl), loadLocale, loadCapture);
}
