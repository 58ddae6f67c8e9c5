// No dead ends where applicants really are (issue 26): inside in-app browsers and WebViews
// (phone emulation: their user agents, touch, a small screen), with a refused camera, in an
// insecure context; nothing typed lost on a reload; and the silent failures made visible to the
// partner in the admin view, with no typed value in any stored trace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import {
  BASE, launch, open, newUser, uniqueEmail, PERSON, toPhotosStep, fillPersonal, fillDocument, fillAddress, cont,
  attach, axe,
} from "./harness.mjs";
import { cameraArgs } from "./fake-camera.mjs";

const ADMIN = process.env.KYC_E2E_ADMIN_KEY;
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const FRONT = new URL("./fixtures/id-front.jpg", import.meta.url).pathname;
const FACE = new URL("./fixtures/rotated-gps.jpg", import.meta.url).pathname;

const IOS = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
const ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/125.0.6422.165 Mobile Safari/537.36";
const ANDROID_CHROME = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36";

/** Each in-app browser and WebView: its user agent, the notice's code, and whether it is Android. */
const EMBEDDED = [
  ["Facebook (iOS)", `${IOS} [FBAN/FBIOS;FBAV/467.0.0.44.104;FBBV/600000000;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5]`, "in_app", false],
  ["Instagram (Android)", `${ANDROID} Instagram 337.0.0.35.91 Android (34/14; 420dpi; 1080x2400; Google; Pixel 8; shiba; shiba; en_US; 615000000)`, "in_app", true],
  ["LinkedIn (iOS)", `${IOS} [LinkedInApp]/9.29.9`, "in_app", false],
  ["TikTok (Android)", `${ANDROID} trill_340000 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/34.0.0 ByteLocale/en BytedanceWebview/d8a21c6`, "in_app", true],
  ["Snapchat (iOS)", `${IOS} Snapchat/12.90.0.39 (like Safari/8617.2.4, panda)`, "in_app", false],
  ["Line (Android)", `${ANDROID} Line/14.5.1/IAB`, "in_app", true],
  ["WeChat (Android)", `${ANDROID} XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/en ABI/arm64`, "in_app", true],
  ["X (iOS)", `${IOS} Twitter for iPhone/10.48`, "in_app", false],
  ["an Android WebView", ANDROID, "webview", true],
  ["an iOS WKWebView", IOS, "webview", false],
];

async function admin(path) {
  assert.ok(ADMIN, "KYC_E2E_ADMIN_KEY is set by cargo xtask");
  const r = await fetch(`${BASE}${path}`, { headers: { Authorization: `Bearer ${ADMIN}` } });
  assert.equal(r.status, 200, `${path} answers`);
  return r.text();
}

/** The user's stored traces (newest session first), once `ready(traces)` holds (within 15 s). */
async function tracesOf(user, ready) {
  let last;
  for (let i = 0; i < 60; i++) {
    last = JSON.parse(await admin(`/v1/admin/diagnostics?externalUserId=${encodeURIComponent(user)}`));
    if (ready(last.sessions.map((s) => s.diagnostics))) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`no trace as expected for the user: ${JSON.stringify(last)}`);
}

const has = (d, kind, code) => d.events.some((e) => e.kind === kind && e.code === code);

/** No typed value of `person` anywhere in `text`. */
function noTypedValue(text, person, where) {
  for (const v of [person.first, person.last, person.email, person.number, person.city, person.street, person.zip, person.ssn, "1990-04-01"]) {
    assert.ok(!text.includes(v), `${where} holds a typed value`);
  }
}

const SENTINEL = { ...PERSON, first: "Zeldaqx", last: "Quorvane", number: "QZ7755331", city: "Vexmoor", street: "77 Quillon Row", zip: "90210", ssn: "123-45-6789" };
// Never submitted: the database files must not hold these in the clear anywhere.
const UNSENT = { ...PERSON, first: "Ombrevaux", last: "Tessaline", number: "UV8822114", city: "Quillhaven", street: "9 Marrow Lane", zip: "30301", ssn: "123-45-6789" };

/** Waits until `locator`'s value is `value` (a reload brings it back from the backend). */
async function valueComesBack(locator, value) {
  for (let i = 0; i < 80; i++) {
    if ((await locator.inputValue().catch(() => "")) === value) return;
    await new Promise((r) => setTimeout(r, 125));
  }
  assert.fail(`the value did not come back: ${await locator.inputValue().catch(() => "(none)")}`);
}

test("each in-app browser and WebView says so on the first step, with the ways out (copy the link; on Android, open in the browser)", async () => {
  for (const [name, userAgent, code, android] of EMBEDDED) {
    const b = await launch({ ...PHONE, userAgent });
    try {
      await b.ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
      const page = await open(b.ctx);
      const notice = page.locator("[data-kyc-notice]");
      await notice.waitFor({ timeout: 10_000 });
      assert.equal(await notice.getAttribute("data-kyc-notice"), code, name);
      assert.match(await notice.innerText(), /inside another app/i, name);
      const pageUrl = page.url().split("#")[0];
      const openLink = notice.locator('[data-kyc-way-out="open_browser"]');
      if (android) {
        const href = await openLink.getAttribute("href");
        assert.equal(href, `intent://${pageUrl.replace(/^https?:\/\//, "")}#Intent;scheme=http;end`, name);
      } else {
        assert.equal(await openLink.count(), 0, `${name}: no intent link off Android`);
      }
      await notice.getByRole("button", { name: "Copy link" }).click();
      await page.waitForFunction(() => document.querySelector("[data-kyc-notice] [role=status]").textContent.includes("Link copied"), null, { timeout: 5_000 });
      assert.equal(await notice.locator("input").inputValue(), pageUrl, `${name}: the link is shown to copy by hand`);
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), pageUrl, `${name}: and copied`);
      if (name === EMBEDDED[0][0]) await axe(page, "the first step with the notice, the link shown");
      // Gone on the next step; nothing is lost by it.
      await fillPersonal(page, { ...PERSON, email: uniqueEmail("inapp") });
      await cont(page);
      await page.getByRole("heading", { name: "Identity document" }).waitFor();
      assert.equal(await page.locator("[data-kyc-notice]").count(), 0);
      assert.deepEqual(b.errors, [], name);
    } finally {
      await b.close();
    }
  }
  // A phone's own browser: no notice.
  const b = await launch({ ...PHONE, userAgent: ANDROID_CHROME });
  try {
    const page = await open(b.ctx);
    await page.getByLabel("First name").waitFor();
    await page.waitForTimeout(500);
    assert.equal(await page.locator("[data-kyc-notice]").count(), 0, "Chrome on Android is a browser");
  } finally {
    await b.close();
  }
});

test("inside Instagram, the Photos step repeats the notice and offers the phone's camera app from the start; the photos go through it and the application is submitted", async () => {
  const b = await launch({ ...PHONE, userAgent: EMBEDDED[1][1] }, cameraArgs(null));
  try {
    const page = await open(b.ctx);
    await toPhotosStep(page, { ...PERSON, email: uniqueEmail("inapp-photos") });
    await page.locator("[data-kyc-notice]").waitFor();
    for (const [name, file] of [["Front of ID", FRONT], ["Photo of your face", FACE]]) {
      const slot = page.locator("fieldset.kyc-photo").filter({ hasText: name }).first();
      const app = slot.locator("input.kyc-file--capture");
      await app.waitFor({ state: "visible" });
      await app.setInputFiles(file);
      await page.getByAltText(`Preview: ${name}`).waitFor({ timeout: 15_000 });
    }
    await cont(page);
    await page.getByRole("heading", { name: "Review" }).waitFor();
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator(".kyc-status").waitFor({ timeout: 30_000 });
  } finally {
    await b.close();
  }
});

test("a refused camera (Chromium's deny flag) says how to allow it on Android, the file input takes the photo, the application is submitted, and the admin view shows the trace", async () => {
  const b = await launch({ ...PHONE, userAgent: ANDROID_CHROME }, cameraArgs(null, { allow: false }));
  const user = newUser("denied");
  const person = { ...SENTINEL, email: uniqueEmail("denied") };
  try {
    await b.ctx.addInitScript(`(() => { window.__asked = 0; const md = navigator.mediaDevices; if (!md) return;
      const orig = md.getUserMedia.bind(md); md.getUserMedia = (c) => { window.__asked++; return orig(c); }; })();`);
    const page = await open(b.ctx, `?user=${user}`);
    await toPhotosStep(page, person);
    const slot = page.locator("fieldset.kyc-photo").filter({ hasText: "Front of ID" }).first();
    // Before anyone is asked: what will happen, and nothing asked yet.
    await page.locator(".kyc-camera-intro").waitFor();
    assert.match(await page.locator(".kyc-camera-intro").innerText(), /asks you to allow the camera/);
    assert.equal(await page.evaluate(() => window.__asked), 0, "the camera is not asked for before Take a photo");
    await slot.getByRole("button", { name: "Take a photo" }).click();
    const message = slot.locator("[data-camera-failure]");
    await message.waitFor({ timeout: 15_000 });
    assert.equal(await message.getAttribute("data-camera-failure"), "camera_denied");
    assert.match(await message.innerText(), /tap the icon beside the address.*Permissions/i, "how to allow it on Android");
    // The refusal reaches the backend at once (the person may leave now).
    const early = await tracesOf(user, (ds) => ds.some((d) => d && has(d, "camera", "denied")));
    assert.equal(early.sessions[0].diagnostics.environment.os, "android");
    // The way forward: the file input.
    await slot.locator("input.kyc-file").first().setInputFiles(FRONT);
    await attach(page, "Photo of your face", "rotated-gps.jpg");
    await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 15_000 });
    await page.getByAltText("Preview: Photo of your face").waitFor({ timeout: 15_000 });
    await cont(page);
    await page.getByRole("heading", { name: "Review" }).waitFor();
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator(".kyc-status").waitFor({ timeout: 30_000 });
    // Sent again once the application is submitted: the whole path.
    await tracesOf(user, (ds) => ds.some((d) => d && has(d, "photo", "uploaded")));
    const text = await admin(`/v1/admin/diagnostics?externalUserId=${encodeURIComponent(user)}`);
    const d = JSON.parse(text).sessions[0].diagnostics;
    for (const [kind, code] of [["camera", "asked"], ["camera", "denied"], ["photo", "chosen"], ["photo", "uploaded"], ["step", "entered"]]) {
      assert.ok(has(d, kind, code), `the trace has ${kind}/${code}`);
    }
    assert.ok(d.events.some((e) => e.step === "photos" && e.code === "denied"), "on the Photos step");
    noTypedValue(text, person, "the admin view of the trace");
  } finally {
    await b.close();
  }
});

test("a page closed on the Photos step: its last step and the page going are in the admin view (sendBeacon)", async () => {
  const b = await launch({ ...PHONE, userAgent: EMBEDDED[0][1] });
  const user = newUser("closed");
  const person = { ...UNSENT, email: uniqueEmail("closed") };
  try {
    const page = await open(b.ctx, `?user=${user}`);
    await toPhotosStep(page, person);
    await page.locator("fieldset.kyc-photo").first().waitFor();
    await page.close({ runBeforeUnload: true });
    const got = await tracesOf(user, (ds) => ds.some((d) => d && d.lastStep === "photos" && has(d, "page", "hidden")));
    const d = got.sessions.find((s) => s.diagnostics && s.diagnostics.lastStep === "photos").diagnostics;
    assert.equal(d.environment.inApp, "facebook");
    assert.equal(d.environment.os, "ios");
    assert.ok(has(d, "notice", "in_app"), "the notice was shown");
    assert.deepEqual(
      d.events.filter((e) => e.kind === "step" && e.code === "entered").map((e) => e.step),
      ["personal", "document", "address", "photos"],
    );
    noTypedValue(JSON.stringify(got), person, "the admin view of the trace");
  } finally {
    await b.close();
  }
});

test("a reload on each step right after typing brings the typed value back; typing alone is staged about a second after the last key", async () => {
  const b = await launch();
  const user = newUser("reload-typing");
  try {
    let page = await open(b.ctx, `?user=${user}`);
    const person = { ...PERSON, email: uniqueEmail("reload-typing") };
    // Personal: a field typed, then at once a reload.
    await page.getByLabel("First name").fill("Marguerite");
    await page.reload();
    await valueComesBack(page.getByLabel("First name"), "Marguerite");
    await fillPersonal(page, person);
    await cont(page);
    // Document.
    await page.getByRole("heading", { name: "Identity document" }).waitFor();
    await fillDocument(page, person);
    await page.getByLabel("Document number").fill("RL4455667");
    await page.reload();
    await page.getByRole("heading", { name: "Identity document" }).waitFor({ timeout: 10_000 });
    await valueComesBack(page.getByLabel("Document number"), "RL4455667");
    await cont(page);
    // Address: typed, and staged by itself a second later with no step change.
    await page.getByRole("heading", { name: "Address" }).waitFor();
    await fillAddress(page, person);
    const staged = page.waitForRequest((r) => r.url().endsWith("/v1/draft") && r.method() === "PUT", { timeout: 5_000 });
    await page.getByLabel("City").fill("Sacramento");
    const put = await staged;
    assert.equal(JSON.parse(put.postData()).step, "address");
    assert.equal(JSON.parse(put.postData()).draft.address.city, "Sacramento");
    await page.getByLabel("City").fill("Fresno");
    await page.reload();
    await page.getByRole("heading", { name: "Address" }).waitFor({ timeout: 10_000 });
    await valueComesBack(page.getByLabel("City"), "Fresno");
  } finally {
    await b.close();
  }
});

test("an insecure context (http on a name other than localhost): no camera is offered, the file input works", async () => {
  const port = new URL(BASE).port;
  const host = process.env.KYC_E2E_INSECURE_HOST;
  assert.ok(host, "KYC_E2E_INSECURE_HOST is set by cargo xtask (the demo answers it, CORS allows it)");
  const b = await launch({}, [`--host-resolver-rules=MAP ${host} 127.0.0.1`]);
  try {
    const page = await b.ctx.newPage();
    await page.goto(`http://${host}:${port}/?user=${newUser("insecure")}`);
    await page.getByLabel("First name").waitFor({ timeout: 20_000 });
    assert.equal(await page.evaluate(() => window.isSecureContext), false);
    await toPhotosStep(page, { ...PERSON, email: uniqueEmail("insecure") });
    const slot = page.locator("fieldset.kyc-photo").filter({ hasText: "Front of ID" }).first();
    await slot.locator("input.kyc-file").first().waitFor();
    await page.waitForTimeout(500);
    assert.equal(await slot.getByRole("button", { name: "Take a photo" }).count(), 0, "no camera offered");
    await slot.locator("input.kyc-file").first().setInputFiles(FRONT);
    await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 15_000 });
  } finally {
    await b.close();
  }
});

test("no stored trace holds a typed value (the database files scanned)", async () => {
  const dir = process.env.KYC_E2E_DATA_DIR;
  assert.ok(dir, "KYC_E2E_DATA_DIR is set by cargo xtask");
  const files = ["kyc-demo.db", "kyc-demo.db-wal"].map((f) => join(dir, f)).filter(existsSync);
  assert.ok(files.length > 0);
  const bytes = Buffer.concat(files.map((f) => readFileSync(f))).toString("latin1");
  assert.ok(bytes.includes('"lastStep"'), "traces are stored");
  for (const v of [UNSENT.first, UNSENT.last, UNSENT.number, UNSENT.city, UNSENT.street]) {
    assert.ok(!bytes.includes(v), "a typed value in the database files");
  }
});
