// WebKitGTK: Debian's WebKitWebDriver (a W3C WebDriver classic server, package
// webkit2gtk-driver) driving MiniBrowser (package libwebkit2gtk-4.1-0) on a private Xvfb
// display (MiniBrowser has no headless mode). A small hand-written WebDriver client over fetch:
// no npm WebDriver client, nothing downloaded.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { controlByLabel, optionOf, buttonByText, pageState } from "./locate.mjs";

export const NAME = "WebKitGTK";

/** What this engine cannot do here, each with the reason a skipped test gives. */
export const LIMITS = {
  wasmEvalEvent:
    "WebKitGTK 2.50 blocks the wasm (WebAssembly.instantiate throws \"CompileError: Refused to create a WebAssembly object because 'unsafe-eval' or 'wasm-unsafe-eval' is not an allowed source of script\") but dispatches no securitypolicyviolation event for it; it does for eval and inline scripts",
};

const TIMEOUT = 15_000;
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/** MiniBrowser under the multiarch library directory (KYC_MINIBROWSER overrides). */
export function miniBrowser() {
  if (process.env.KYC_MINIBROWSER) return process.env.KYC_MINIBROWSER;
  for (const d of readdirSync("/usr/lib")) {
    const p = `/usr/lib/${d}/webkit2gtk-4.1/MiniBrowser`;
    if (existsSync(p)) return p;
  }
  throw new Error("no /usr/lib/*/webkit2gtk-4.1/MiniBrowser: run through `cargo xtask engines` (it installs webkit2gtk-driver)");
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Processes still running, ended if the test process exits without closing them. */
const live = new Set();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

function start(cmd, args, opts) {
  const p = spawn(cmd, args, opts);
  live.add(p);
  p.on("exit", () => live.delete(p));
  return p;
}

/** Starts Xvfb on a free display (it writes the number it took to fd 3). */
async function startXvfb() {
  const xvfb = start("Xvfb", ["-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], {
    stdio: ["ignore", "ignore", "ignore", "pipe"],
  });
  const display = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("Xvfb did not report a display")), 10_000);
    xvfb.on("exit", (code) => reject(new Error(`Xvfb exited (${code})`)));
    xvfb.stdio[3].once("data", (d) => {
      clearTimeout(t);
      resolve(`:${d.toString().trim()}`);
    });
  });
  return { xvfb, display };
}

class WebKitPage {
  constructor(procs, url, session) {
    this.procs = procs;
    this.url = url;
    this.session = session;
  }

  async #cmd(method, path, body) {
    const r = await fetch(`${this.url}/session/${this.session}${path}`, {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const j = await r.json();
    if (!r.ok || (j.value && j.value.error)) {
      throw new Error(`${NAME}: ${method} ${path}: ${j.value?.error}: ${j.value?.message}`);
    }
    return j.value;
  }

  /** Runs `fn(...args)` in the page, synchronously; an element comes back as a reference. */
  #sync(fn, args) {
    return this.#cmd("POST", "/execute/sync", { script: `return (${fn}).apply(null, arguments);`, args });
  }

  async #find(fn, ...args) {
    const until = Date.now() + TIMEOUT;
    for (;;) {
      const el = await this.#sync(fn, args);
      if (el && el[ELEMENT]) return el[ELEMENT];
      if (Date.now() > until) throw new Error(`${NAME}: not found: ${fn.name}(${args.map((a) => JSON.stringify(a)).join(", ")})`);
      await sleep(100);
    }
  }

  async init() {
    await this.#cmd("POST", "/window/rect", { width: 1280, height: 900 });
    await this.#cmd("POST", "/timeouts", { script: 30_000 });
  }

  async goto(url) {
    await this.#cmd("POST", "/url", { url });
    // WebDriver classic has no log channel: page errors are collected from here on.
    await this.#sync(() => {
      if (window.__engineErrors) return;
      window.__engineErrors = [];
      window.addEventListener("error", (e) => window.__engineErrors.push(e.message));
      window.addEventListener("unhandledrejection", (e) => window.__engineErrors.push(String(e.reason && (e.reason.message || e.reason))));
    }, []);
  }

  /** Types `text` into the control labelled `label` (emptied first), key by key (Element Send Keys). */
  async fill(label, text) {
    const el = await this.#find(controlByLabel, label);
    if (await this.#sync((e) => e.value !== "", [{ [ELEMENT]: el }])) await this.#cmd("POST", `/element/${el}/clear`, {});
    await this.#cmd("POST", `/element/${el}/value`, { text });
  }

  /** Chooses the option `{ value }` or `{ label }` of the select labelled `label` (Element Click on the option). */
  async select(label, choice) {
    const [by, want] = choice.value !== undefined ? ["value", choice.value] : ["label", choice.label];
    const option = await this.#find(optionOf, label, by, want);
    await this.#cmd("POST", `/element/${option}/click`, {});
  }

  async check(label) {
    const el = await this.#find(controlByLabel, label);
    if (!(await this.#sync((e) => e.checked, [{ [ELEMENT]: el }]))) await this.#cmd("POST", `/element/${el}/click`, {});
  }

  async click(text) {
    const el = await this.#find(buttonByText, text);
    await this.#cmd("POST", `/element/${el}/click`, {});
  }

  /** Sets the file input labelled `label` to the file at `path` (absolute): Element Send Keys. */
  async upload(label, path) {
    const el = await this.#find(controlByLabel, label);
    await this.#cmd("POST", `/element/${el}/value`, { text: path });
  }

  /** Runs `fn(...args)` in the page (it may be async) and returns its JSON-able result. */
  async evaluate(fn, ...args) {
    const r = await this.#cmd("POST", "/execute/async", {
      script: `const args = Array.prototype.slice.call(arguments, 0, -1), done = arguments[arguments.length - 1];
Promise.resolve().then(() => (${fn}).apply(null, args))
  .then((v) => done({ ok: v === undefined ? null : v }), (e) => done({ err: String((e && e.stack) || e) }));`,
      args,
    });
    if (r && "err" in r) throw new Error(`${NAME}: in the page: ${r.err}`);
    return r.ok;
  }

  /** Runs a script's source text in the page (axe-core's bundle). */
  async inject(source) {
    await this.#cmd("POST", "/execute/sync", { script: `${source}\n;return true;`, args: [] });
  }

  /** Waits until `fn(...args)` is truthy in the page; returns its value. */
  async waitFor(fn, args = [], { timeout = TIMEOUT, what = fn.name } = {}) {
    const until = Date.now() + timeout;
    for (;;) {
      const v = await this.#sync(fn, args);
      if (v) return v;
      if (Date.now() > until) throw new Error(`${NAME}: timed out waiting for ${what}; the page: ${await this.#sync(pageState, []).catch((e) => e.message)}`);
      await sleep(100);
    }
  }

  /** Page errors seen since the last goto. */
  async pageErrors() {
    return (await this.#sync(() => window.__engineErrors || [], [])) || [];
  }

  async close() {
    await this.#cmd("DELETE", "", undefined).catch(() => {});
    for (const p of this.procs) p.kill();
    await sleep(50);
  }
}

/**
 * A new MiniBrowser (WebKitWebDriver on a free port, Xvfb on a free display) with one page.
 * `fakeCamera`: WebKit's mock capture devices (a synthetic 640×480 picture; it cannot play a
 * given video), which an automated MiniBrowser grants without a prompt.
 */
export async function launch({ fakeCamera = false } = {}) {
  const args = ["--automation", ...(fakeCamera ? ["--enable-media-stream=true", "--enable-mock-capture-devices=true"] : [])];
  const { xvfb, display } = await startXvfb();
  const port = await freePort();
  const driver = start("WebKitWebDriver", [`--port=${port}`, "--host=local"], {
    env: { ...process.env, DISPLAY: display },
    stdio: ["ignore", "ignore", "pipe"],
  });
  // The browser's GLib warnings (no D-Bus session here, ...) are kept, shown only on failure.
  let stderr = "";
  driver.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  let session;
  try {
    for (let i = 0; ; i++) {
      if (await fetch(`${url}/status`).then((r) => r.ok, () => false)) break;
      if (i > 100) throw new Error(`${NAME}: WebKitWebDriver did not start`);
      await sleep(50);
    }
    const r = await fetch(`${url}/session`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ capabilities: { alwaysMatch: { "webkitgtk:browserOptions": { binary: miniBrowser(), args } } } }),
    });
    const j = await r.json();
    session = j.value?.sessionId;
    if (!session) throw new Error(`${NAME}: new session failed: ${JSON.stringify(j)}`);
  } catch (e) {
    for (const p of [driver, xvfb]) p.kill();
    e.message += `\n${stderr}`;
    throw e;
  }
  const page = new WebKitPage([driver, xvfb], url, session);
  await page.init();
  return page;
}
