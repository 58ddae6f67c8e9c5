// `cargo xtask bench backend`: what the backend costs, on one database (DB_LABEL), against a
// `kyc-server sandbox` process:
//  1. overhead over a direct upstream call — POST /v1/applications through kyc-server vs the
//     same signed `information` call straight to the sandbox, p50 and p99;
//  2. throughput of the whole path (session → create → 3 photo uploads → submit) with 8
//     concurrent applicants, on the first instance alone and spread over every instance.
import { createHmac } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const { SERVE_URLS, SANDBOX_URL, ADMIN_KEY, APP_KEY, APP_SECRET, REPORTS_DIR, DB_LABEL } = process.env;
const urls = SERVE_URLS.split(",");
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const photo = readFileSync(new URL("../tests/e2e/fixtures/id-front.jpg", import.meta.url));
const pdf = Buffer.from("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");
const run = Date.now().toString(36);

function draft(email) {
  return { email, individualInfo: { firstName: "Jane", lastName: "Doe", dob: "1990-04-01", country: "US", gender: 2, idDocType: "2", number: "X1234567", validUntil: "2031-01-01" },
    address: { country: "US", state: "CA", city: "San Francisco", address: "1 Market St", zipCode: "94105", ssn: "123-45-6789" } };
}
function canonical(v) {
  if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
  if (v && typeof v === "object") return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
  return JSON.stringify(v);
}
async function session(base, user) {
  for (const k of ["amlReport", "idvReport"]) {
    mkdirSync(join(REPORTS_DIR, user), { recursive: true });
    writeFileSync(join(REPORTS_DIR, user, `${k}.pdf`), pdf);
  }
  const r = await fetch(`${base}/v1/sessions`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify({ externalUserId: user }) });
  if (r.status !== 201) throw new Error(`session: ${r.status} ${await r.text()}`);
  return (await r.json()).sessionToken;
}

async function overhead(n = 80) {
  const direct = [], via = [];
  const tokens = [];
  for (let i = 0; i < n; i++) tokens.push(await session(urls[0], `ovh-${run}-${i}`));
  for (let i = 0; i < n; i++) {
    const body = canonical({ ...draft(`direct${i}.${run}@example.com`), requestNo: `d${run}${i}`.padEnd(32, "0"), kycPlatform: "sumsub", callbackUrl: "http://127.0.0.1:9/x", holderType: "1", ipAddress: "127.0.0.1" });
    const ts = String(Date.now());
    const sign = createHmac("sha256", APP_SECRET).update(ts + "POST/open/api/kyc/share/information" + body).digest("base64");
    let t = performance.now();
    const r = await fetch(`${SANDBOX_URL}/open/api/kyc/share/information`, { method: "POST", headers: { "Content-Type": "application/json", "ach-access-key": APP_KEY, "ach-access-timestamp": ts, "ach-access-sign": sign }, body });
    await r.text();
    direct.push(performance.now() - t);
    t = performance.now();
    const b = await fetch(`${urls[0]}/v1/applications`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${tokens[i]}` }, body: JSON.stringify(draft(`via${i}.${run}@example.com`)) });
    if (b.status !== 201) throw new Error(`backend answered ${b.status}: ${await b.text()}`);
    await b.text();
    via.push(performance.now() - t);
  }
  return { p50: pct(via, 0.5) - pct(direct, 0.5), p99: pct(via, 0.99) - pct(direct, 0.99), direct50: pct(direct, 0.5), via50: pct(via, 0.5) };
}

async function flow(base, i, tag) {
  const token = await session(base, `tp-${tag}-${run}-${i}`);
  const auth = { Authorization: `Bearer ${token}` };
  const c = await fetch(`${base}/v1/applications`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify(draft(`tp${tag}${i}.${run}@example.com`)) });
  if (c.status !== 201) throw new Error(`create ${c.status} ${await c.text()}`);
  const id = (await c.json()).applicationId;
  for (const kind of ["idFront", "idBack", "face"]) {
    const u = await fetch(`${base}/v1/applications/${id}/documents/${kind}`, { method: "PUT", headers: { ...auth, "Content-Type": "image/jpeg" }, body: photo });
    if (u.status !== 204) throw new Error(`upload ${u.status} ${await u.text()}`);
  }
  const s = await fetch(`${base}/v1/applications/${id}/submit`, { method: "POST", headers: auth });
  if (s.status !== 202) throw new Error(`submit ${s.status} ${await s.text()}`);
}

async function throughput(targets, flows = 48, concurrency = 8) {
  let next = 0;
  const t = performance.now();
  const tag = `${targets.length}i`;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < flows; i = next++) await flow(targets[i % targets.length], i, tag);
  }));
  return flows / ((performance.now() - t) / 1000);
}

const o = await overhead();
console.log(`[${DB_LABEL}] direct upstream call p50 ${o.direct50.toFixed(2)} ms; through kyc-server p50 ${o.via50.toFixed(2)} ms`);
console.log(`[${DB_LABEL}] backend overhead: p50 ${o.p50.toFixed(2)} ms (budget 2 ms), p99 ${o.p99.toFixed(2)} ms`);
const one = await throughput(urls.slice(0, 1));
console.log(`[${DB_LABEL}] full path (create, 3 uploads, submit), 8 concurrent applicants, 1 instance: ${one.toFixed(1)} applications/s`);
if (urls.length > 1) {
  const two = await throughput(urls);
  console.log(`[${DB_LABEL}] same over ${urls.length} instances on one database: ${two.toFixed(1)} applications/s`);
}
