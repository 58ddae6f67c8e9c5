// Shared Playwright harness: Debian chromium through playwright-core (no browser download).
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

export const BASE = process.env.KYC_E2E_URL;
if (!BASE) throw new Error("KYC_E2E_URL is not set: run the e2e tests through `cargo xtask test`");

/** A fresh headless Chromium; `args` adds flags (a fake camera, say). */
export async function launch(extra = {}, args = []) {
  const dir = mkdtempSync(join(tmpdir(), "kyc-pw-"));
  const ctx = await chromium.launchPersistentContext(dir, {
    ...extra,
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", ...args],
  });
  const errors = [];
  ctx.on("page", (p) => p.on("pageerror", (e) => errors.push(e.message)));
  return {
    ctx,
    errors,
    async close() {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const AXE = require.resolve("axe-core/axe.min.js");

/** axe-core on the widget (the WCAG 2.2 A and AA tags): no violation, or the list of them. */
export async function axe(page, where) {
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document.querySelector(".kyc-root"), { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  assert.deepEqual(result, [], `axe violations on ${where}`);
}

export function uniqueEmail(tag) {
  return `${tag}.${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** The sandbox's application of `email`, checked approved with the usual five files and a face
 *  photo free of EXIF; resolves to `{ detail, face }` (the face photo's bytes). */
export async function approvedAtSandbox(email) {
  const mine = (await sandboxApplications()).find((a) => a.email === email);
  assert.ok(mine, "the sandbox has the application");
  const detail = await (await fetch(`${BASE}/__sandbox/applications/${mine.requestNo}`)).json();
  assert.deepEqual(detail.files.map((f) => f.type), ["idFront", "idBack", "face", "amlReport", "idvReport"]);
  assert.equal(detail.kycStatus, "approved");
  // The face photo was stored sideways with EXIF orientation 6 and GPS: it arrives clean.
  const face = Buffer.from(await (await fetch(`${BASE}/__sandbox/applications/${mine.requestNo}/files/face`)).arrayBuffer());
  assert.equal(face.indexOf("Exif"), -1, "no EXIF reaches the provider");
  // Stored 800 × 600 and turned by its EXIF orientation: it arrives upright, 600 × 800.
  assert.deepEqual(jpegSize(face), [600, 800], "the face photo arrives upright");
  return { detail, face };
}

/** A baseline or progressive JPEG's `[width, height]` from its frame header. */
export function jpegSize(buf) {
  for (let i = 2; i + 9 < buf.length; ) {
    if (buf[i] !== 0xff) throw new Error("not a JPEG marker at " + i);
    const marker = buf[i + 1];
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return [buf.readUInt16BE(i + 7), buf.readUInt16BE(i + 5)];
    i += 2 + buf.readUInt16BE(i + 2);
  }
  throw new Error("no JPEG frame header");
}

export async function sandboxApplications() {
  const r = await fetch(`${BASE}/__sandbox/applications`);
  return r.json();
}

export const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

export const PERSON = {
  first: "Jane", last: "Doe", dob: "1990-04-01", gender: "Female", nationality: "US",
  docType: "Passport", number: "X1234567", expiry: "2031-01-01",
  country: "US", state: "CA", city: "San Francisco", street: "1 Market St", zip: "94105", ssn: "123-45-6789",
};

/** A valid draft in the contract's shape (as the widget sends it), for `email`. */
export function validDraft(email) {
  return {
    email,
    individualInfo: { firstName: "Jane", lastName: "Doe", dob: "1990-04-01", country: "US", gender: 2, idDocType: "2", number: "X1234567", validUntil: "2031-01-01" },
    address: { country: "US", state: "CA", city: "San Francisco", address: "1 Market St", zipCode: "94105", ssn: "123-45-6789" },
  };
}

/** A fresh partner user id: each test is a new person unless it says otherwise. */
export function newUser(tag = "e2e") {
  return `${tag}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** Opens the demo page (as a new person unless `query` names a `user`) and waits for the widget
 *  itself (the page's static first step shows before it and is taken over; first-step.test.mjs
 *  tests that part). */
export async function open(ctx, query = "") {
  const page = await ctx.newPage();
  const q = query.includes("user=") ? query : (query ? `${query}&` : "?") + `user=${newUser()}`;
  await page.goto(BASE + "/" + q);
  await widgetLive(page);
  return page;
}

/** Opens the demo page (as a new person unless `user` is given) with the widget's wasm held
 *  back until `release()`: the page's static first step shows alone. `before(page)` adds
 *  routes before the page loads. */
export async function openHeld(ctx, { query = "", hash = "", user = newUser("held"), before } = {}) {
  const page = await ctx.newPage();
  let release;
  const held = new Promise((r) => (release = r));
  await page.route(/_bg\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  if (before) await before(page);
  await page.goto(`${BASE}/?user=${user}${query}${hash}`, { waitUntil: "domcontentloaded" });
  return { page, release };
}

/** Waits until the widget has taken over from the page's static first step. */
export async function widgetLive(page) {
  await page.locator("#kyc > .kyc-root:not([data-kyc-shell]) .kyc-widget").waitFor();
}

async function type(page, label, value) {
  const field = page.getByLabel(label, { exact: true });
  await field.fill("");
  await field.pressSequentially(value, { delay: 2 });
}

/** Types an ISO date (`1990-04-01`) into the day / month / year group named `label`. */
export async function fillDate(page, label, iso, { day = "Day", month = "Month", year = "Year" } = {}) {
  const [y, m, d] = iso.split("-");
  const group = page.getByRole("group", { name: label, exact: true });
  await group.getByLabel(day, { exact: true }).fill(d);
  await group.getByLabel(month, { exact: true }).selectOption(String(Number(m)));
  await group.getByLabel(year, { exact: true }).fill(y);
}

export async function fillPersonal(page, p) {
  await type(page, "First name", p.first);
  await type(page, "Last name", p.last);
  await type(page, "Email", p.email);
  await fillDate(page, "Date of birth", p.dob);
  await page.getByLabel("Gender").selectOption({ label: p.gender });
  await page.getByLabel("Nationality").selectOption(p.nationality);
}

export async function fillDocument(page, p) {
  await page.getByLabel("Document type").selectOption({ label: p.docType });
  await type(page, "Document number", p.number);
  if (p.expiry === null) await page.getByLabel("This document does not expire").check();
  else await fillDate(page, "Expiry date", p.expiry);
}

export async function fillAddress(page, p) {
  await page.getByLabel("Country", { exact: true }).selectOption(p.country);
  if (p.country === "US") await page.getByLabel("State", { exact: true }).selectOption(p.state);
  else await type(page, "State / Province / Region", p.state);
  await type(page, "City", p.city);
  await type(page, "Street address", p.street);
  await type(page, "ZIP / Postal code", p.zip);
  if (p.country === "US") await type(page, "Social Security Number", p.ssn);
}

export async function attach(page, label, file) {
  await page.getByLabel(label, { exact: true }).setInputFiles(FIXTURES + file);
}

/** Opens the first step's "Scan your ID" panel and reads `file` (a path) through "Choose a
 *  photo of your ID" (scan.test.mjs, scan-mrz.test.mjs). */
export async function scanFile(page, file) {
  await page.getByRole("button", { name: /^Scan your ID/ }).click();
  await page.getByLabel("Choose a photo of your ID").setInputFiles(file);
}

export async function cont(page) {
  await page.getByRole("button", { name: "Continue", exact: true }).click();
}

/** The errors shown on screen as [field, code] pairs (sorted). */
export async function screenErrors(page) {
  const pairs = await page.locator(".kyc-error[data-code]").evaluateAll((els) => els.map((e) => [e.dataset.field, e.dataset.code]));
  return pairs.sort();
}

/** Everything any browser storage holds, as one string (to search for PII). */
export async function dumpStorage(page, ctx) {
  const inPage = await page.evaluate(async () => {
    const out = [JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage }), document.cookie];
    if (indexedDB.databases) out.push(JSON.stringify(await indexedDB.databases()));
    if (window.caches) out.push(JSON.stringify(await caches.keys()));
    return out.join("\n");
  });
  const cookies = JSON.stringify(await ctx.cookies());
  return inPage + cookies;
}

/**
 * On Review: the last name is the one field listed as differing from the ID read, saying what
 * the ID says (`says`, a regular expression's source). Returns its list item.
 */
export async function reviewListsOnlyLastName(page, says) {
  const item = page.locator("#kyc .kyc-doc-check li[data-field='individualInfo.lastName']");
  await item.waitFor({ timeout: 15_000 });
  assert.equal(await item.getAttribute("data-code"), "differs_from_document");
  assert.match(await item.textContent(), new RegExp(`Last name.*Your ID says “${says}”`));
  assert.equal(await page.locator("#kyc .kyc-doc-check li").count(), 1, "only the field that differs is listed");
  return item;
}

/** Fills the first three steps with `person`, ending on the Photos step. */
export async function toPhotosStep(page, person) {
  await fillPersonal(page, person);
  await cont(page);
  await page.getByRole("heading", { name: "Identity document" }).waitFor();
  await fillDocument(page, person);
  await cont(page);
  await page.getByRole("heading", { name: "Address" }).waitFor();
  await fillAddress(page, person);
  await cont(page);
  await page.getByRole("heading", { name: "Photos" }).waitFor();
}

/** Fills every step with `person` and the given photos, ending on the Review step. */
export async function throughPhotos(page, person, photos = { "Front of ID": "id-front.jpg", "Back of ID": "id-back.png", "Photo of your face": "rotated-gps.jpg" }) {
  await toPhotosStep(page, person);
  for (const [label, file] of Object.entries(photos)) await attach(page, label, file);
  for (const label of Object.keys(photos)) await page.getByAltText(`Preview: ${label}`).waitFor({ timeout: 15_000 });
  await cont(page);
  await page.getByRole("heading", { name: "Review" }).waitFor();
}

/** A photo-like JPEG of `w` × `h` made in the page (gradients, shapes, sensor-like noise); `dark` makes it near-black. */
export async function makeJpeg(page, w, h, quality, dark = false, { keep = false } = {}) {
  const b64 = await page.evaluate(async ({ w, h, quality, dark, keep }) => {
    const c = new OffscreenCanvas(w, h);
    const g = c.getContext("2d");
    const grad = g.createLinearGradient(0, 0, w, h);
    grad.addColorStop(0, dark ? "#060606" : "#d8d2c4");
    grad.addColorStop(1, dark ? "#0b0b0b" : "#8a9bb0");
    g.fillStyle = grad;
    g.fillRect(0, 0, w, h);
    g.fillStyle = dark ? "#020202" : "#202830";
    for (let i = 0; i < 60; i++) g.fillRect((i * 977) % w, (i * 613) % h, w / 12, h / 60);
    const img = g.getImageData(0, 0, w, h);
    let s = 12345;
    for (let i = 0; i < img.data.length; i += 4) {
      s = (s * 1103515245 + 12345) >>> 0;
      const n = ((s >>> 16) & 31) - 16;
      for (let k = 0; k < 3; k++) img.data[i + k] = Math.max(0, Math.min(255, img.data[i + k] + (dark ? n >> 3 : n)));
    }
    g.putImageData(img, 0, 0);
    const blob = await c.convertToBlob({ type: "image/jpeg", quality });
    // `keep`: left in the page as window.__kycJpeg (a benchmark uses it there), not returned.
    if (keep) { window.__kycJpeg = blob; return ""; }
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let bin = "";
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(bin);
  }, { w, h, quality, dark, keep });
  return Buffer.from(b64, "base64");
}

/** `jpeg` with an EXIF block (APP1, big-endian TIFF, one IFD0 entry) saying `orientation`
 *  (1 upright, 6 turn 90° clockwise to show, 8 turn 90° anticlockwise), right after SOI. */
export function withOrientation(jpeg, orientation) {
  const app1 = Buffer.from([0xff, 0xe1, 0, 34, 0x45, 0x78, 0x69, 0x66, 0, 0, 0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8,
    0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}

/** A phone-like JPEG as a camera stores it: `w` × `h` sensor pixels (landscape), camera-like
 *  luma and chroma noise (about 6.6 MB at 12 MP, quality 0.92), a red bar near the sensor's
 *  top-left corner (to check the turn), and EXIF `orientation`. Made in a Chromium page. */
export async function makePhonePhoto(page, w, h, orientation, quality = 0.92) {
  const b64 = await page.evaluate(async ({ w, h, quality }) => {
    const c = new OffscreenCanvas(w, h);
    const g = c.getContext("2d");
    const grad = g.createLinearGradient(0, 0, w, h);
    grad.addColorStop(0, "#d8d2c4");
    grad.addColorStop(1, "#8a9bb0");
    g.fillStyle = grad;
    g.fillRect(0, 0, w, h);
    g.fillStyle = "#202830";
    for (let i = 0; i < 60; i++) g.fillRect((i * 977) % w, (i * 613) % h, w / 12, h / 60);
    g.fillStyle = "#c03020";
    g.fillRect(w * 0.1, h * 0.1, w * 0.05, h * 0.3);
    // In bands, so a 48 MP photo never holds all its pixels twice.
    const band = 256;
    let s = 12345;
    for (let y0 = 0; y0 < h; y0 += band) {
      const bh = Math.min(band, h - y0);
      const img = g.getImageData(0, y0, w, bh);
      const d = img.data;
      for (let i = 0; i < d.length; i += 4) {
        s = (s * 1103515245 + 12345) >>> 0;
        const l = ((((s >>> 16) & 63) - 32) * 20) >> 4;
        s = (s * 1103515245 + 12345) >>> 0;
        const cr = ((s >>> 16) & 15) - 8, cb = ((s >>> 20) & 15) - 8;
        d[i] += l + cr; d[i + 1] += l; d[i + 2] += l + cb; // Uint8ClampedArray: clamped
      }
      g.putImageData(img, 0, y0);
    }
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: "image/jpeg", quality })).arrayBuffer());
    let bin = "";
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(bin);
  }, { w, h, quality });
  return withOrientation(Buffer.from(b64, "base64"), orientation);
}

/** The bench's and the surfaces test's phone photos in `dir` (made once, kept): 12 MP
 *  (4032 × 3024) and 48 MP (8064 × 6048, quality 0.85: ~22 MB, under the 30 MB a person may
 *  choose) with EXIF orientation 1, 6 and 8. Resolves to `{ "12mp-o6": path, ... }`. */
export async function phonePhotos(dir, sizes = ["12mp", "48mp"], orientations = [1, 6, 8]) {
  const { existsSync, writeFileSync, mkdirSync } = await import("node:fs");
  mkdirSync(dir, { recursive: true });
  const dims = { "12mp": [4032, 3024, 0.92], "48mp": [8064, 6048, 0.85] };
  const out = {};
  let b;
  try {
    for (const size of sizes) {
      const paths = orientations.map((o) => [o, join(dir, `phone-${size}-o${o}.jpg`)]);
      for (const [o, path] of paths) out[`${size}-o${o}`] = path;
      if (paths.every(([, path]) => existsSync(path))) continue;
      b ??= await launch();
      const page = await b.ctx.newPage();
      const [w, h, q] = dims[size];
      // One picture per size; only the EXIF differs between the orientations.
      const upright = await makePhonePhoto(page, w, h, 1, q);
      await page.close();
      for (const [o, path] of paths) writeFileSync(path, o === 1 ? upright : withOrientation(Buffer.concat([upright.subarray(0, 2), upright.subarray(38)]), o));
    }
  } finally {
    if (b) await b.close();
  }
  return out;
}
