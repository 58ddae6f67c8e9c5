// iOS limits (issue 27): while 12 MP and 48 MP phone photos (EXIF orientation 1 and 6) are
// cleaned through the Photos step, no canvas, OffscreenCanvas or ImageBitmap larger than
// 16,777,216 pixels is made (iOS Safari fails silently above it), and each photo comes out
// upright. In Chromium (Playwright) always; in Firefox ESR and WebKitGTK (the engine drivers of
// tests/engines/) when `cargo xtask engines` runs it (KYC_ENGINES=1).
import { test } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as h from "./harness.mjs";

const LIMIT = 16_777_216;
const SLOT = "Front of ID";
// Made once by the repo's generator (harness.phonePhotos), kept between runs.
const DIR = join(tmpdir(), "kyc-phone-photos-v1");
const PHOTOS = ["12mp-o1", "12mp-o6", "48mp-o1", "48mp-o6"];

/** In the page, before the capture module runs: every surface made is recorded in
 *  `window.__surfaces` as `{ kind, w, h }` — a canvas each time its width or height is set, an
 *  OffscreenCanvas when constructed, an ImageBitmap by the size asked for (its resize options,
 *  or its source's size when none) and by the size it came out. */
function watchSurfaces() {
  if (window.__surfaces) return;
  const seen = (window.__surfaces = []);
  const note = (kind, w, h) => seen.push({ kind, w: Number(w) || 0, h: Number(h) || 0 });
  for (const prop of ["width", "height"]) {
    const d = Object.getOwnPropertyDescriptor(HTMLCanvasElement.prototype, prop);
    Object.defineProperty(HTMLCanvasElement.prototype, prop, {
      ...d,
      set(v) {
        d.set.call(this, v);
        note("canvas", this.width, this.height);
      },
    });
  }
  if (window.OffscreenCanvas) {
    const Offscreen = window.OffscreenCanvas;
    const Wrapped = function OffscreenCanvas(w, h) {
      note("offscreen", w, h);
      return new Offscreen(w, h);
    };
    Wrapped.prototype = Offscreen.prototype;
    window.OffscreenCanvas = Wrapped;
  }
  const create = window.createImageBitmap;
  const sizeOf = (s) => [
    s.resizeWidth ?? s.naturalWidth ?? s.videoWidth ?? s.displayWidth ?? s.width,
    s.resizeHeight ?? s.naturalHeight ?? s.videoHeight ?? s.displayHeight ?? s.height,
  ];
  window.createImageBitmap = async function (source, ...rest) {
    const options = rest.length >= 4 ? rest[4] : rest[0];
    const [sw, sh] = sizeOf(source);
    if (options && (options.resizeWidth || options.resizeHeight)) note("bitmap asked", options.resizeWidth, options.resizeHeight);
    else if (rest.length >= 4) note("bitmap asked", rest[2], rest[3]);
    else if (sw && sh) note("bitmap asked", sw, sh);
    const bitmap = await create.call(this, source, ...rest);
    note("bitmap", bitmap.width, bitmap.height);
    return bitmap;
  };
}

/** In the page: the watcher sees a surface over the limit (so the test can fail), then forgets it. */
function watcherSelfCheck(limit) {
  const c = document.createElement("canvas");
  c.width = 5000;
  c.height = 4000;
  const caught = window.__surfaces.some((s) => s.w * s.h > limit);
  c.width = c.height = 0;
  window.__surfaces.length = 0;
  return caught;
}

/** In the page: the surfaces over the limit, and how many were recorded. */
function surfacesOver(limit) {
  return { over: window.__surfaces.filter((s) => s.w * s.h > limit), count: window.__surfaces.length };
}

/** In the page: the preview's size and where its red bar lies (percent of the width and
 *  height): the photos' bar is near the sensor's top-left corner, so upright it is at about
 *  (12, 25) for orientation 1 and (75, 12) for orientation 6. */
async function previewFacts(alt) {
  const img = [...document.querySelectorAll("img")].find((i) => i.alt === alt);
  if (!img || !img.complete || !img.naturalWidth) return null;
  const c = document.createElement("canvas");
  c.width = 64;
  c.height = Math.round((64 * img.naturalHeight) / img.naturalWidth);
  const g = c.getContext("2d");
  g.drawImage(img, 0, 0, c.width, c.height);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let x = 0, y = 0, n = 0;
  for (let j = 0; j < c.height; j++) {
    for (let i = 0; i < c.width; i++) {
      const k = (j * c.width + i) * 4;
      if (d[k] > 150 && d[k + 1] < 90 && d[k + 2] < 90) { x += i; y += j; n++; }
    }
  }
  const facts = { w: img.naturalWidth, h: img.naturalHeight, src: img.src, red: n ? [Math.round((x / n / c.width) * 100), Math.round((y / n / c.height) * 100)] : null };
  c.width = c.height = 0;
  return facts;
}

function checkUpright(name, facts) {
  const turned = name.endsWith("o6");
  assert.ok(turned ? facts.h > facts.w : facts.w > facts.h, `${name}: the preview is ${facts.w} × ${facts.h}`);
  assert.ok(Math.max(facts.w, facts.h) <= 2048, `${name}: the upload's long edge is at most 2048 px`);
  const [ex, ey] = turned ? [75, 12] : [12, 25];
  assert.ok(facts.red && Math.abs(facts.red[0] - ex) <= 8 && Math.abs(facts.red[1] - ey) <= 8,
    `${name}: the red bar is at ${JSON.stringify(facts.red)} (upright: about [${ex}, ${ey}])`);
}

const files = () => h.phonePhotos(DIR, ["12mp", "48mp"], [1, 6]);

test("Chromium: no surface over 16,777,216 pixels while 12 MP and 48 MP phone photos are cleaned, each upright", { timeout: 300_000 }, async () => {
  const paths = await files();
  const b = await h.launch();
  try {
    await b.ctx.addInitScript(watchSurfaces);
    const page = await h.open(b.ctx);
    await h.toPhotosStep(page, { ...h.PERSON, email: h.uniqueEmail("surfaces") });
    assert.ok(await page.evaluate(watcherSelfCheck, LIMIT), "the watcher sees a large canvas");
    let last = null;
    for (const name of PHOTOS) {
      await page.getByLabel(SLOT, { exact: true }).setInputFiles(paths[name]);
      const facts = await page.waitForFunction(([alt, last]) => {
        const img = [...document.querySelectorAll("img")].find((i) => i.alt === alt);
        return img && img.src !== last && img.complete && img.naturalWidth > 0 && img.src;
      }, [`Preview: ${SLOT}`, last], { timeout: 60_000 }).then(() => page.evaluate(previewFacts, `Preview: ${SLOT}`));
      last = facts.src;
      const { over, count } = await page.evaluate(surfacesOver, LIMIT);
      assert.deepEqual(over, [], `${name}: surfaces over ${LIMIT} pixels`);
      assert.ok(count > 0, `${name}: the cleaning made its output canvas (the watcher is in place)`);
      checkUpright(name, facts);
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

/** The first three steps through an engine driver's page (tests/engines/scenarios.mjs fills
 *  them the same way; importing it would need the npm package built). */
async function enginePersonToPhotos(page, p) {
  const date = async (iso) => {
    const [y, m, d] = iso.split("-");
    await page.fill("Day", d);
    await page.select("Month", { value: String(Number(m)) });
    await page.fill("Year", y);
  };
  const heading = (name) => page.waitFor((n) => [...document.querySelectorAll("h1, h2, h3")].some((e) => e.textContent.trim() === n && e.getClientRects().length > 0), [name], { timeout: 30_000, what: `heading ${name}` });
  await page.fill("First name", p.first);
  await page.fill("Last name", p.last);
  await page.fill("Email", p.email);
  await date(p.dob);
  await page.select("Gender", { label: p.gender });
  await page.select("Nationality", { value: p.nationality });
  await page.click("Continue");
  await heading("Identity document");
  await page.select("Document type", { label: p.docType });
  await page.fill("Document number", p.number);
  await date(p.expiry);
  await page.click("Continue");
  await heading("Address");
  await page.select("Country", { value: p.country });
  await page.select("State", { value: p.state });
  await page.fill("City", p.city);
  await page.fill("Street address", p.street);
  await page.fill("ZIP / Postal code", p.zip);
  await page.fill("Social Security Number", p.ssn);
  await page.click("Continue");
  await heading("Photos");
}

// The other engines, through the drivers `cargo xtask engines` uses (no init script there: the
// watcher is installed once the page has loaded, before the Photos step loads the module).
for (const engine of ["firefox", "webkit"]) {
  test(`${engine}: no surface over 16,777,216 pixels while 12 MP and 48 MP phone photos are cleaned, each upright`, {
    timeout: 600_000,
    skip: process.env.KYC_ENGINES ? false : "run by `cargo xtask engines` (Firefox ESR and WebKitGTK installed there)",
  }, async () => {
    const paths = await files();
    const driver = await import(`../engines/${engine}.mjs`);
    const page = await driver.launch();
    try {
      await page.goto(`${h.BASE}/?user=${h.newUser("surfaces")}`);
      await page.waitFor(() => !!document.querySelector("#kyc > .kyc-root:not([data-kyc-shell]) .kyc-widget"), [], { timeout: 30_000, what: "the widget itself" });
      await page.evaluate(watchSurfaces);
      await enginePersonToPhotos(page, { ...h.PERSON, email: h.uniqueEmail(`surfaces-${engine}`) });
      assert.ok(await page.evaluate(watcherSelfCheck, LIMIT), "the watcher sees a large canvas");
      let last = "";
      for (const name of PHOTOS) {
        await page.upload(SLOT, paths[name]);
        await page.waitFor((alt, last) => {
          const img = [...document.querySelectorAll("img")].find((i) => i.alt === alt);
          const err = document.querySelector(".kyc-photo-state .kyc-error, .kyc-photo .kyc-error:not([hidden])");
          return (img && img.src && img.src !== last && img.complete && img.naturalWidth > 0) || (err && err.textContent) ? true : false;
        }, [`Preview: ${SLOT}`, last], { timeout: 120_000, what: `the preview of ${name}` });
        const facts = await page.evaluate(previewFacts, `Preview: ${SLOT}`);
        assert.ok(facts && facts.src !== last, `${name}: a new preview (the page: ${await page.evaluate(() => document.querySelector(".kyc-photo")?.innerText)})`);
        last = facts.src;
        const { over, count } = await page.evaluate(surfacesOver, LIMIT);
        assert.deepEqual(over, [], `${name}: surfaces over ${LIMIT} pixels`);
        assert.ok(count > 0, `${name}: the cleaning made its output canvas (the watcher is in place)`);
        checkUpright(name, facts);
      }
      assert.deepEqual(await page.pageErrors(), []);
    } finally {
      await page.close();
    }
  });
}
