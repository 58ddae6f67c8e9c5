// Benchmarks driven by `cargo xtask bench` (never part of the test command):
//  1. page load → first focusable field of the widget, in headless Chromium (median of runs);
//  2. what the backend adds over a direct upstream call: POST /v1/applications through
//     kyc-server vs the same signed `information` call straight to the sandbox (medians).
import { createRequire } from "node:module";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const { DEMO_URL, SERVE_URL, SANDBOX_URL, ADMIN_KEY, APP_KEY, APP_SECRET } = process.env;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function firstField() {
  const dir = mkdtempSync(join(tmpdir(), "kyc-bench-"));
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: "/usr/bin/chromium", headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  const times = [];
  for (let i = 0; i < 7; i++) {
    const page = await ctx.newPage();
    await page.route("**/*", (r) => r.continue({ headers: { ...r.request().headers(), "cache-control": "no-cache" } }));
    await page.goto(DEMO_URL + "/");
    await page.getByLabel("First name").waitFor();
    times.push(await page.evaluate(() => performance.now()));
    await page.close();
  }
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
  return { median: median(times), all: times };
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

const ff = await firstField();
console.log(`page load -> first focusable field (headless Chromium): median ${ff.median.toFixed(0)} ms over ${ff.all.length} loads`);
const o = await backendOverhead();
console.log(`direct upstream information call: median ${o.direct.toFixed(2)} ms`);
console.log(`same through kyc-server (validate, sign, forward, persist): median ${o.viaBackend.toFixed(2)} ms`);
console.log(`backend overhead: ${o.overhead.toFixed(2)} ms (budget 2 ms)`);
