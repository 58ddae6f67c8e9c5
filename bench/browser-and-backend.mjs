// Benchmarks driven by `cargo xtask bench` (never part of the test command):
//  1. page load → first field visible: the widget's demo page vs a plain HTML form of the same
//     fields on the same server, cold cache, alternating (medians);
//  2. what the backend adds over a direct upstream call: POST /v1/applications through
//     kyc-server vs the same signed `information` call straight to the sandbox (medians);
//  3. live frame analysis in Chromium: the quality rulebook on each preview frame of a fake
//     camera playing a 1280 × 720 card video (the widget records each frame's time);
//  4. a 12 MP phone JPEG chosen → ready to upload: the widget's pipeline vs
//     browser-image-compression doing the same resize (long edge 2048, JPEG, ≤ 5 MB) in the
//     same page, alternating, medians;
//  5. the document reader (issue 24): a 12 MP photo of a licence back chosen in "Scan your ID"
//     → the fields filled, and one 1280 × 720 camera frame read (with and without a barcode).
//  6. phone photos (issue 27): 12 MP and 48 MP phone-like JPEGs (camera-like noise, EXIF
//     orientation 1, 6 and 8) chosen → preview, the widget vs browser-image-compression in the
//     same page, alternating, medians; and the renderer process's peak memory (VmHWM from
//     /proc) while a 48 MP photo is cleaned, the widget and the library each in a fresh browser.
import { createRequire } from "node:module";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const { DEMO_URL, SERVE_URL, SANDBOX_URL, ADMIN_KEY, APP_KEY, APP_SECRET } = process.env;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Records, in the page, when the first text field is visible (a frame-by-frame check), and on
 *  the widget's page also when the widget itself has taken over from the static first step
 *  (its own fields, Continue enabled: the person can go on). */
const WATCH_FIRST_FIELD = () => {
  const seen = (root) => {
    for (const el of root.querySelectorAll("input")) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) return true;
    }
    return false;
  };
  const tick = () => {
    if (!window.__firstField && seen(document)) window.__firstField = performance.now();
    const live = document.querySelector("#kyc > .kyc-root:not([data-kyc-shell])");
    if (live && !window.__widgetLive && seen(live)) window.__widgetLive = performance.now();
    if (!window.__firstField || (document.getElementById("kyc") && !window.__widgetLive)) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
};

// Alternating loads of each page (a cold browser context each: the medians move by ±15 ms
// between runs at 11).
const LOADS = 21;

// Page load → first field visible: the widget's demo page and a plain HTML form of the same
// fields, served by the same server, each in a fresh browser context (cold cache), alternating.
// For the widget, where the time went: the wasm's download, the demo's session call, the
// widget's own start (instantiate, first render with the country names).
async function firstField() {
  const dir = mkdtempSync(join(tmpdir(), "kyc-bench-"));
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  const widget = [], plain = [], wasm = [], session = [], live = [];
  const load = async (url) => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.addInitScript(WATCH_FIRST_FIELD);
    await page.goto(url);
    await page.waitForFunction(() => window.__firstField && (!document.getElementById("kyc") || window.__widgetLive), null, { timeout: 30_000 });
    const r = await page.evaluate(() => ({
      first: window.__firstField,
      live: window.__widgetLive,
      wasm: performance.getEntriesByType("resource").find((e) => e.name.endsWith(".wasm"))?.responseEnd,
      session: performance.getEntriesByType("resource").find((e) => /\/(demo\/)?session/.test(e.name))?.responseEnd,
    }));
    await ctx.close();
    return r;
  };
  await load(DEMO_URL + "/plain-form.html"); // warm the server, not the browser
  for (let i = 0; i < LOADS; i++) {
    const w = await load(DEMO_URL + "/?user=bench-" + i);
    widget.push(w.first);
    live.push(w.live);
    if (w.wasm) wasm.push(w.wasm);
    if (w.session) session.push(w.session);
    plain.push((await load(DEMO_URL + "/plain-form.html")).first);
  }
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
  return { widget: median(widget), plain: median(plain), live: median(live), wasm: wasm.length ? median(wasm) : NaN, session: session.length ? median(session) : NaN, n: widget.length };
}

function canonical(v) {
  if (v === null || v === "" || v === undefined) return undefined;
  if (Array.isArray(v)) { const a = v.map(canonical).filter((x) => x !== undefined); return a.length ? "[" + a.join(",") + "]" : undefined; }
  if (typeof v === "object") {
    const parts = Object.keys(v).sort().map((k) => [k, canonical(v[k])]).filter(([, c]) => c !== undefined).map(([k, c]) => JSON.stringify(k) + ":" + c);
    return parts.length ? "{" + parts.join(",") + "}" : undefined;
  }
  return JSON.stringify(v);
}

const draft = (email) => ({ email,
  individualInfo: { firstName: "Jane", lastName: "Doe", dob: "1990-04-01", country: "US", gender: 2, idDocType: "2", number: "X1234567", validUntil: "2031-01-01" },
  address: { country: "US", state: "CA", city: "San Francisco", address: "1 Market St", zipCode: "94105", ssn: "123-45-6789" } });

function upstreamBody(i) {
  return { requestNo: `bench-direct-${Date.now()}-${i}`, email: `direct${i}.${Date.now()}@example.com`, kycPlatform: "sumsub", holderType: "1",
    callbackUrl: "http://127.0.0.1:9/hook",
    individualInfo: { firstName: "Jane", lastName: "Doe", dob: "1990-04-01", country: "USA", gender: 2, idDocType: "2", number: "X1234567",
      validUntil: "2031-01-01", ipAddress: "127.0.0.1",
      address: { country: "USA", state: "CA", city: "San Francisco", address: "1 Market St", zipCode: "94105", ssn: "123456789" } } };
}

async function backendOverhead(n = 60) {
  const direct = [], viaBackend = [];
  const tokens = [];
  for (let i = 0; i < n; i++) {
    const s = await (await fetch(`${SERVE_URL}/v1/sessions`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify({ externalUserId: `bench${i}` }) })).json();
    tokens.push(s.sessionToken);
  }
  for (let i = 0; i < n; i++) {
    const body = canonical(upstreamBody(i));
    const ts = String(Date.now());
    const sign = createHmac("sha256", APP_SECRET).update(ts + "POST/open/api/kyc/share/information" + body).digest("base64");
    let t = performance.now();
    const r = await fetch(`${SANDBOX_URL}/open/api/kyc/share/information`, { method: "POST", headers: { "Content-Type": "application/json", "ach-access-key": APP_KEY, "ach-access-timestamp": ts, "ach-access-sign": sign }, body });
    await r.text();
    direct.push(performance.now() - t);
    t = performance.now();
    const b = await fetch(`${SERVE_URL}/v1/applications`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${tokens[i]}` }, body: JSON.stringify(draft(`via${i}.${Date.now()}@example.com`)) });
    if (b.status !== 201) throw new Error(`backend answered ${b.status}: ${await b.text()}`);
    viaBackend.push(performance.now() - t);
  }
  return { direct: median(direct), viaBackend: median(viaBackend), overhead: median(viaBackend) - median(direct) };
}

process.env.KYC_E2E_URL = DEMO_URL;
const harness = await import("../tests/e2e/harness.mjs");
const fakeCamera = await import("../tests/e2e/fake-camera.mjs");
const BENCH_PERSON = { ...harness.PERSON, docType: "National ID card" };

async function frameAnalysis() {
  // A dimmed card never triggers automatic capture, so the preview stays open.
  const video = fakeCamera.y4m("bench-card", [[fakeCamera.dim(fakeCamera.card("card"), 0.25), 4]]);
  const b = await harness.launch({}, fakeCamera.cameraArgs(video));
  try {
    const page = await harness.open(b.ctx);
    await harness.toPhotosStep(page, { ...BENCH_PERSON, email: harness.uniqueEmail("bench-frames") });
    await page.getByRole("button", { name: "Take a photo" }).first().click();
    await page.locator(".kyc-video[data-analysis-us]").waitFor({ timeout: 15_000 });
    const samples = [];
    for (let i = 0; i < 60; i++) {
      await page.waitForTimeout(150);
      samples.push(Number(await page.locator(".kyc-video").getAttribute("data-analysis-us")) / 1000);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    return { median: median(samples), p95: sorted[Math.floor(sorted.length * 0.95)] };
  } finally {
    await b.close();
  }
}

async function photoPipeline(rounds = 9) {
  const b = await harness.launch();
  try {
    const page = await harness.open(b.ctx);
    await harness.toPhotosStep(page, { ...BENCH_PERSON, email: harness.uniqueEmail("bench-photo") });
    await harness.makeJpeg(page, 4032, 3024, 0.97, false, { keep: true });
    await page.addScriptTag({ path: require.resolve("browser-image-compression/dist/browser-image-compression.js") });
    const widget = [], library = [];
    for (let i = 0; i < rounds; i++) {
      widget.push(await page.evaluate(WIDGET_CHOOSE, { kind: "idBack", alt: "Back of ID" }));
      // The photo is then staged on the backend: let that finish (untimed) so it does not
      // compete with the library's round for the CPU.
      await page.locator("fieldset.kyc-photo").filter({ hasText: "Back of ID" }).first().getByText("Uploaded").waitFor({ timeout: 60_000 });
      library.push(await page.evaluate(async () => {
        const file = new File([window.__kycJpeg], "IMG_0001.JPG", { type: "image/jpeg" });
        const t0 = performance.now();
        const out = await window.imageCompression(file, { maxWidthOrHeight: 2048, maxSizeMB: 4.76, initialQuality: 0.9, fileType: "image/jpeg", useWebWorker: false });
        if (!out.size) throw new Error("browser-image-compression produced nothing");
        return performance.now() - t0;
      }));
    }
    return { widget: median(widget), library: median(library), rounds };
  } finally {
    await b.close();
  }
}

// ---- 6. phone photos (issue 27) ----

const PHONE_PHOTOS = ["12mp-o1", "12mp-o6", "12mp-o8", "48mp-o1", "48mp-o6", "48mp-o8"];
/** The phone-like photos (harness.phonePhotos), made once into the bench's temporary directory. */
const phoneFiles = (dir = join(tmpdir(), "kyc-bench-phone-photos")) => harness.phonePhotos(dir);

/** Files from disk into the page as `window.__phone[name]` (File objects read from disk when
 *  used: nothing is generated in the measured page). */
async function filesIntoPage(page, files) {
  await page.evaluate(() => {
    const i = document.createElement("input");
    i.type = "file";
    i.multiple = true;
    i.id = "bench-phone-files";
    i.hidden = true;
    document.body.append(i);
  });
  const names = Object.keys(files);
  await page.setInputFiles("#bench-phone-files", names.map((n) => files[n]));
  await page.evaluate((names) => {
    const list = document.getElementById("bench-phone-files").files;
    window.__phone = Object.fromEntries(names.map((n, i) => [n, list[i]]));
  }, names);
}

/** In the page: the phone photo `name` (else the page's `__kycJpeg`) chosen in the widget's
 *  `kind` slot (Front of ID by default: a back of ID is also read by the reader module, not the
 *  phone-photo bench's concern) → its new preview (`Preview: <alt>`) shown (ms). */
const WIDGET_CHOOSE = async ({ name, kind = "idFront", alt = "Front of ID" }) => {
  const input = document.querySelector(`input.kyc-file[id$="-documents-${kind}"]`);
  const dt = new DataTransfer();
  dt.items.add(name ? window.__phone[name] : new File([window.__kycJpeg], "IMG_0001.JPG", { type: "image/jpeg" }));
  // The previous round's garbage (the library's leaves hundreds of MB) collected first, not
  // during this round (`--js-flags=--expose-gc`); the same before the library's round.
  window.gc?.();
  const done = new Promise((resolve) => {
    const ready = () => [...document.querySelectorAll("img.kyc-preview")].some((img) => img.alt === `Preview: ${alt}` && img.src && img.src !== window.__kycLastPreview);
    const obs = new MutationObserver(() => { if (ready()) { obs.disconnect(); resolve(); } });
    obs.observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  const t0 = performance.now();
  input.files = dt.files;
  input.dispatchEvent(new Event("change", { bubbles: true }));
  await done;
  const t = performance.now() - t0;
  window.__kycLastPreview = [...document.querySelectorAll("img.kyc-preview")].find((img) => img.alt === `Preview: ${alt}`).src;
  return t;
};

/** In the page: browser-image-compression on `name`, the widget's target (ms). */
const LIBRARY_COMPRESS = async (name) => {
  window.gc?.();
  const t0 = performance.now();
  const out = await window.imageCompression(window.__phone[name], { maxWidthOrHeight: 2048, maxSizeMB: 4.76, initialQuality: 0.9, fileType: "image/jpeg", useWebWorker: false });
  if (!out.size) throw new Error("browser-image-compression produced nothing");
  return performance.now() - t0;
};

async function waitStaged(page) {
  await page.locator("fieldset.kyc-photo").filter({ hasText: "Front of ID" }).first().getByText("Uploaded").waitFor({ timeout: 60_000 });
}

/** Chosen → preview for each phone photo, the widget and the library alternating (medians). */
async function phonePhotoTimes(files, rounds = 5) {
  const b = await harness.launch({}, ["--js-flags=--expose-gc"]);
  try {
    const page = await harness.open(b.ctx);
    await harness.toPhotosStep(page, { ...BENCH_PERSON, email: harness.uniqueEmail("bench-phone") });
    await page.addScriptTag({ path: require.resolve("browser-image-compression/dist/browser-image-compression.js") });
    await filesIntoPage(page, files);
    const widget = {}, library = {};
    for (const n of PHONE_PHOTOS) { widget[n] = []; library[n] = []; }
    // One untimed round first: the capture module compiled, the caches warm.
    for (let r = -1; r < rounds; r++) {
      for (const n of PHONE_PHOTOS) {
        const w = await page.evaluate(WIDGET_CHOOSE, { name: n });
        // Staged on the backend (untimed), so it does not compete with the library's round.
        await waitStaged(page);
        const l = await page.evaluate(LIBRARY_COMPRESS, n);
        if (r >= 0) { widget[n].push(w); library[n].push(l); }
      }
    }
    return Object.fromEntries(PHONE_PHOTOS.map((n) => [n, { widget: median(widget[n]), library: median(library[n]) }]));
  } finally {
    await b.close();
  }
}

/** A process's `/proc/<pid>/status` field in KiB. */
function procKib(pid, field) {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return m ? Number(m[1]) : NaN;
}

/** The renderer processes under the process `root` (the process tree from /proc). */
function renderers(root) {
  const kids = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch { /* gone */ }
  }
  const out = [];
  const walk = (pid) => {
    for (const k of kids.get(pid) || []) {
      try {
        if (readFileSync(`/proc/${k}/cmdline`, "utf8").includes("--type=renderer")) out.push(k);
      } catch { /* gone */ }
      walk(k);
    }
  };
  walk(root);
  return out;
}

/** The renderer's peak resident memory while `who` ("widget" or "library") cleans the 48 MP
 *  photo `name`, in a fresh browser at the Photos step: its peak (VmHWM) reset just before
 *  (`/proc/<pid>/clear_refs` 5), read after, and VmRSS sampled every 20 ms as a cross-check.
 *  For the widget also the capture module's wasm memory. */
async function peakMemory(who, files, name) {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  try {
    const ctx = await browser.newContext();
    const page = await harness.open(ctx);
    await harness.toPhotosStep(page, { ...BENCH_PERSON, email: harness.uniqueEmail("bench-memory") });
    if (who === "library") await page.addScriptTag({ path: require.resolve("browser-image-compression/dist/browser-image-compression.js") });
    await filesIntoPage(page, { [name]: files[name] });
    // The page's renderer: the largest under this process (Playwright starts the browser as its
    // child; this browser is the only one alive now; a spare renderer may exist beside it).
    const pid = renderers(process.pid).map((p) => [p, procKib(p, "VmRSS")]).sort((a, b) => b[1] - a[1])[0][0];
    await page.waitForTimeout(1000);
    const before = procKib(pid, "VmRSS");
    let resetOk = true;
    try { writeFileSync(`/proc/${pid}/clear_refs`, "5"); } catch { resetOk = false; }
    let sampled = before;
    const timer = setInterval(() => { try { sampled = Math.max(sampled, procKib(pid, "VmRSS")); } catch { /* gone */ } }, 20);
    const ms = await page.evaluate(who === "widget" ? WIDGET_CHOOSE : LIBRARY_COMPRESS, who === "widget" ? { name } : name);
    clearInterval(timer);
    const peak = resetOk ? procKib(pid, "VmHWM") : sampled;
    const after = procKib(pid, "VmRSS");
    let wasm = NaN;
    if (who === "widget") {
      await waitStaged(page);
      wasm = await page.evaluate(async () => {
        const url = performance.getEntriesByType("resource").map((e) => e.name).find((n) => /kyc_capture\.js(\?|$)/.test(n));
        // The glue's init answers the instance it made already (no second instance).
        const m = await import(url);
        return (await m.default()).memory.buffer.byteLength;
      }).catch(() => NaN);
    }
    return { peak, before, after, sampled, ms, wasm, resetOk };
  } finally {
    await browser.close();
  }
}

async function phonePhotoBench(rounds, { times: timed = true } = {}) {
  const files = await phoneFiles();
  const times = timed ? await phonePhotoTimes(files, rounds) : {};
  for (const n of timed ? PHONE_PHOTOS : []) {
    const { widget, library } = times[n];
    const [mp, o] = n.split("-");
    console.log(`phone photo ${mp.toUpperCase()} EXIF orientation ${o.slice(1)} chosen -> preview: widget median ${widget.toFixed(0)} ms, browser-image-compression median ${library.toFixed(0)} ms over ${rounds} alternating rounds: ratio ${(widget / library).toFixed(2)} (budget 0.70)`);
  }
  const w = await peakMemory("widget", files, "48mp-o6");
  const l = await peakMemory("library", files, "48mp-o6");
  const mib = (k) => (k / 1024).toFixed(0);
  console.log(`48 MP photo (EXIF orientation 6) cleaned, renderer peak RSS (VmHWM${w.resetOk ? ", reset just before" : ": VmRSS sampled every 20 ms"}): widget ${mib(w.peak)} MiB (${mib(w.before)} MiB before, ${mib(w.after)} MiB after, ${w.ms.toFixed(0)} ms), browser-image-compression ${mib(l.peak)} MiB (${mib(l.before)} MiB before, ${mib(l.after)} MiB after, ${l.ms.toFixed(0)} ms): ratio ${(w.peak / l.peak).toFixed(2)} (budget 0.70)`);
  console.log(`  growth over the page before: widget +${mib(w.peak - w.before)} MiB, library +${mib(l.peak - l.before)} MiB; the capture module's wasm memory after: ${(w.wasm / 1048576).toFixed(1)} MiB (budget 64 MiB)`);
}

// The reader: the generated licence backs of KYC_DOCUMENTS_DIR (`make_documents`).
async function documentReader(rounds = 7) {
  const docs = process.env.KYC_DOCUMENTS_DIR;
  const b = await harness.launch();
  try {
    const page = await harness.open(b.ctx);
    await page.getByRole("button", { name: /^Scan your ID/ }).click();
    await page.locator("#kyc .kyc-scan input[type=file]").waitFor({ state: "attached", timeout: 20_000 });
    const input = page.getByLabel("Choose a photo of your ID");
    const photo = [], passport = [];
    // The first read also fetches and compiles the module: not counted. Then a 12 MP licence
    // back (its barcode) and a 12 MP passport's data page (its zone), alternately.
    for (let i = 0; i <= 2 * rounds + 1; i++) {
      const file = i % 2 === 0 ? "licence-v10-12mp.jpg" : "passport-12mp.jpg";
      await page.evaluate(() => {
        window.__t0 = window.__t1 = 0;
        const inp = document.querySelector("#kyc .kyc-scan input[type=file]");
        inp.addEventListener("change", () => { window.__t0 = performance.now(); }, { once: true, capture: true });
        const st = document.querySelector("#kyc .kyc-scan [id$=scan-status]");
        st.textContent = "";
        const mo = new MutationObserver(() => {
          if (/We filled/.test(st.textContent)) { window.__t1 = performance.now(); mo.disconnect(); }
        });
        mo.observe(st, { childList: true, characterData: true, subtree: true });
      });
      await input.setInputFiles(join(docs, file));
      await page.waitForFunction(() => window.__t1 > 0, null, { timeout: 60_000 });
      const t = await page.evaluate(() => window.__t1 - window.__t0);
      if (i > 1) (i % 2 === 0 ? photo : passport).push(t);
    }
    // One camera frame: the module's readRgba on 1280 × 720 pixels, the card where the widget's
    // outline is (a frame of the generated camera video), and the same frame with no barcode.
    const png = readFileSync(join(docs, "licence-v10.png")).toString("base64");
    const mrzPng = readFileSync(join(docs, "passport.png")).toString("base64");
    const frames = await page.evaluate(async ({ png, mrzPng, n }) => {
      const m = await import(new URL("/reader/kyc_reader.js", location.href).href);
      const decode = (b64) => createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: "image/png" }));
      const bitmap = await decode(png);
      const pageBitmap = await decode(mrzPng);
      const c = document.createElement("canvas");
      c.width = 1280; c.height = 720;
      const ctx = c.getContext("2d", { willReadFrequently: true });
      const time = (draw, read = m.readRgba) => {
        draw();
        const data = ctx.getImageData(0, 0, 1280, 720).data;
        const ts = [];
        let ok = false;
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          ok = read(data, 1280, 720).includes('"ok":true');
          ts.push(performance.now() - t0);
        }
        ts.sort((a, b) => a - b);
        return { median: ts[Math.floor(n / 2)], ok };
      };
      const hit = time(() => { ctx.fillStyle = "#5c5c5c"; ctx.fillRect(0, 0, 1280, 720); ctx.drawImage(bitmap, 160, 0, 960, 720); });
      const miss = time(() => { ctx.fillStyle = "#5c5c5c"; ctx.fillRect(0, 0, 1280, 720); ctx.fillStyle = "#ddd"; ctx.fillRect(300, 150, 680, 430); });
      // The zone: a passport's data page filling the frame's height, and the frame without one.
      const zone = time(() => { ctx.fillStyle = "#5c5c5c"; ctx.fillRect(0, 0, 1280, 720); ctx.drawImage(pageBitmap, 160, 0, 960, 720); }, m.readMrzRgba);
      const noZone = time(() => { ctx.fillStyle = "#5c5c5c"; ctx.fillRect(0, 0, 1280, 720); ctx.fillStyle = "#ddd"; ctx.fillRect(300, 150, 680, 430); }, m.readMrzRgba);
      return { hit, miss, zone, noZone };
    }, { png, mrzPng, n: 15 });
    return { photo: median(photo), passport: median(passport), rounds, frames };
  } finally {
    await b.close();
  }
}

// `BENCH_ONLY=phone-photos` (with DEMO_URL): only the phone photos (times and memory);
// `BENCH_ONLY=phone-memory`: only their memory.
if (process.env.BENCH_ONLY === "phone-photos" || process.env.BENCH_ONLY === "phone-memory") {
  await phonePhotoBench(+(process.env.ROUNDS || 5), { times: process.env.BENCH_ONLY === "phone-photos" });
  process.exit(0);
}
// `BENCH_ONLY=reader` (with DEMO_URL, KYC_DOCUMENTS_DIR): only the document reader.
if (process.env.BENCH_ONLY === "reader") {
  const dr = await documentReader(+(process.env.ROUNDS || 5));
  console.log(JSON.stringify(dr));
  process.exit(0);
}
// `BENCH_ONLY=frame` (with DEMO_URL): only the live frame analysis.
if (process.env.BENCH_ONLY === "frame") {
  const fa = await frameAnalysis();
  console.log(`frame analysis: median ${fa.median.toFixed(2)} ms, p95 ${fa.p95.toFixed(2)} ms`);
  process.exit(0);
}
// `BENCH_ONLY=photo` (with DEMO_URL): only the 12 MP photo pipeline against the library.
if (process.env.BENCH_ONLY === "photo") {
  const pp = await photoPipeline(+(process.env.ROUNDS || 5));
  console.log(`12 MP JPEG chosen -> ready: widget ${pp.widget.toFixed(0)} ms, browser-image-compression ${pp.library.toFixed(0)} ms: ratio ${(pp.widget / pp.library).toFixed(2)}`);
  process.exit(0);
}
// `BENCH_ONLY=first-field` (with DEMO_URL): only the first-field comparison.
if (process.env.BENCH_ONLY === "first-field") {
  const ff = await firstField();
  console.log(`first field: widget ${ff.widget.toFixed(0)} ms, plain form ${ff.plain.toFixed(0)} ms: ratio ${(ff.widget / ff.plain).toFixed(2)}; wasm ${ff.wasm.toFixed(0)} ms, session ${ff.session.toFixed(0)} ms, widget live ${ff.live.toFixed(0)} ms`);
  process.exit(0);
}

const fa = await frameAnalysis();
console.log(`frame analysis (quality rulebook on a 1280x720 preview frame, Chromium): median ${fa.median.toFixed(2)} ms, p95 ${fa.p95.toFixed(2)} ms (budget 8 ms)`);
const pp = await photoPipeline();
console.log(`12 MP JPEG chosen -> ready: widget median ${pp.widget.toFixed(0)} ms, browser-image-compression median ${pp.library.toFixed(0)} ms over ${pp.rounds} alternating rounds: ratio ${(pp.widget / pp.library).toFixed(2)} (budget 0.70)`);

await phonePhotoBench(5);

const dr = await documentReader();
console.log(`document reader (Chromium): 12 MP licence back chosen -> fields filled: median ${dr.photo.toFixed(0)} ms over ${dr.rounds} reads (budget 400 ms)`);
console.log(`  one 1280x720 camera frame read: with the barcode median ${dr.frames.hit.median.toFixed(1)} ms (${dr.frames.hit.ok ? "read" : "NOT read"}), without one median ${dr.frames.miss.median.toFixed(1)} ms (budget 60 ms)`);
console.log(`document reader (Chromium): 12 MP passport data page chosen -> fields filled (its zone): median ${dr.passport.toFixed(0)} ms over ${dr.rounds} reads (budget 300 ms)`);
console.log(`  one 1280x720 camera frame's zone read: with a data page median ${dr.frames.zone.median.toFixed(1)} ms (${dr.frames.zone.ok ? "read" : "NOT read"}), without one median ${dr.frames.noZone.median.toFixed(1)} ms (budget 40 ms)`);

const ff = await firstField();
console.log(`page load -> first field visible (headless Chromium, cold cache, ${ff.n} alternating loads each): widget median ${ff.widget.toFixed(0)} ms, plain HTML form median ${ff.plain.toFixed(0)} ms: ratio ${(ff.widget / ff.plain).toFixed(2)} (budget 1.50)`);
console.log(`  the first field is the page's static copy of the widget's first step; the widget takes it over once its wasm runs`);
console.log(`  where the widget's time goes (medians from navigation start): wasm downloaded ${ff.wasm.toFixed(0)} ms, the demo's session call answered ${ff.session.toFixed(0)} ms, first field ${ff.widget.toFixed(0)} ms, widget live (its own fields, Continue enabled) ${ff.live.toFixed(0)} ms (${(ff.live / ff.plain).toFixed(2)}x the plain form)`);
const o = await backendOverhead();
console.log(`direct upstream information call: median ${o.direct.toFixed(2)} ms`);
console.log(`same through kyc-server (validate, sign, forward, persist): median ${o.viaBackend.toFixed(2)} ms`);
console.log(`backend overhead: ${o.overhead.toFixed(2)} ms (budget 2 ms)`);
