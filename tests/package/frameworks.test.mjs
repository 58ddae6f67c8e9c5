// The packed tarball in the frameworks partners use: React (Vite, StrictMode), Next.js (App
// Router, the page rendered on the server) and Vue 3, each built by cargo xtask test from
// examples/<name> and served here as built. Each is driven as a person would: start, the first
// step, then Exit; the host must hear each step once and be left with no widget, no listener
// of the widget's on window or document, and no live camera track.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, BASE, fillPersonal, cont, PERSON, uniqueEmail } from "../e2e/harness.mjs";
import { serve, STATIC_PORT } from "./static.mjs";

const DIST = {
  react: process.env.KYC_REACT_DIST,
  vue: process.env.KYC_VUE_DIST,
  next: process.env.KYC_NEXT_DIST,
};

// Before any page script: the widget's listeners (added from its WebAssembly, not the
// framework's nor Playwright's) still on window, document or an element in the page, and every
// camera track handed out.
const WATCH = () => {
  const live = new Map();
  let n = 0;
  const capture = (opts) => (typeof opts === "boolean" ? opts : !!(opts && opts.capture));
  const find = (t, type, fn, c) => [...live].find(([, v]) => v.t === t && v.type === type && v.fn === fn && v.c === c);
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (type, fn, opts) {
    if (fn && /wasm/.test(new Error().stack || "") && !find(this, type, fn, capture(opts))) {
      live.set(n++, { t: this, type, fn, c: capture(opts) });
    }
    return add.call(this, type, fn, opts);
  };
  EventTarget.prototype.removeEventListener = function (type, fn, opts) {
    const found = find(this, type, fn, capture(opts));
    if (found) live.delete(found[0]);
    return remove.call(this, type, fn, opts);
  };
  const name = (t) => (t === window ? "window" : t === document ? "document" : `${t.nodeName}.${t.className}`);
  window.__listeners = () =>
    [...live.values()]
      .filter(({ t }) => t === window || t === document || (t instanceof Node && t.isConnected))
      .map(({ t, type }) => `${name(t)}:${type}`)
      .sort();
  window.__tracks = [];
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (c) => {
      const s = await gum(c);
      window.__tracks.push(...s.getTracks());
      return s;
    };
  }
  window.__liveTracks = () => window.__tracks.filter((t) => t.readyState === "live").length;
};

/** Opens the example, starts, completes the first step, exits; returns what it saw. */
async function drive(b, name, query = "") {
  const page = await b.ctx.newPage();
  await page.addInitScript(WATCH);
  const html = [];
  page.on("response", async (r) => {
    if (r.request().resourceType() === "document") html.push(await r.text().catch(() => ""));
  });
  await page.goto(`http://127.0.0.1:${STATIC_PORT}/?backend=${encodeURIComponent(BASE)}${query}`);
  await page.getByRole("button", { name: "Start verification" }).waitFor();
  const before = await page.evaluate(() => window.__listeners());
  await page.getByRole("button", { name: "Start verification" }).click();
  await page.getByLabel("First name").waitFor({ timeout: 20_000 });
  // Let a late first mount (StrictMode's) resolve and be taken down.
  await page.waitForTimeout(500);
  console.log("the widget's listeners while mounted", name, query, await page.evaluate(() => window.__listeners().length));
  const mounted = {
    widgets: await page.locator(".kyc-root").count(),
    listeners: await page.evaluate(() => window.__listeners()),
  };
  await fillPersonal(page, { ...PERSON, email: uniqueEmail(name) });
  await cont(page);
  await page.getByRole("heading", { name: "Identity document" }).waitFor();
  await page.getByRole("button", { name: "Exit" }).click();
  await page.locator("#status").filter({ hasText: "exit;" }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll(".kyc-root").length === 0);
  const after = {
    status: await page.locator("#status").innerText(),
    listeners: await page.evaluate(() => window.__listeners()),
    liveTracks: await page.evaluate(() => window.__liveTracks()),
  };
  await page.close();
  return { before, mounted, after, html: html.join("\n") };
}

function checkClean(name, seen) {
  assert.equal(seen.mounted.widgets, 1, `${name}: one widget`);
  assert.equal(seen.after.status, "step: personal;step: document;exit;", `${name}: each step heard once`);
  assert.deepEqual(seen.after.listeners, seen.before, `${name}: the widget's window/document listeners are gone`);
  assert.equal(seen.after.liveTracks, 0, `${name}: no live camera track`);
}

for (const name of ["react", "vue", "next"]) {
  test(`${name}: the packed widget mounts once, completes the first step, exits and leaves nothing behind`, async () => {
    assert.ok(DIST[name], `KYC_${name.toUpperCase()}_DIST is set by cargo xtask test`);
    const server = await serve(STATIC_PORT, [{ prefix: "/", dir: DIST[name] }]);
    const b = await launch();
    try {
      const seen = await drive(b, name);
      checkClean(name, seen);
      if (name === "react") {
        // StrictMode's mount, unmount, mount: the same listeners as one plain mount.
        const plain = await drive(b, name, "&strict=0");
        checkClean(`${name} without StrictMode`, plain);
        assert.deepEqual(seen.mounted.listeners, plain.mounted.listeners, "StrictMode leaves one set of listeners");
      }
      if (name === "next") {
        // The page came rendered from the server (its heading and button in the HTML), and
        // the widget only on the client.
        assert.match(seen.html, /Partner app \(Next\.js\)/);
        assert.match(seen.html, /Start verification/);
      }
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
      server.close();
    }
  });
}
