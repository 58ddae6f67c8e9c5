// Phones (issue 27, "a Photos step made for a phone"): at 320, 360 and 390 px wide in Chromium's
// phone emulation, on every step — the Photos step with its photos taken, their previews and
// "Retake", the handoff offer, and guided capture open — nothing sticks out past the screen's right
// edge (compared with the emulated width: in mobile emulation innerWidth grows to fit overflowing
// content) and no control is smaller than 44 × 44 px. A phone is offered the handoff only as "Use
// another device", a desktop "Continue on your phone". Screenshots of the Photos step on a phone
// and a desktop go to SCREENS_DIR (default /work/screens) for the closing note.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch, open, uniqueEmail, PERSON, fillPersonal, fillDocument, fillAddress, cont, attach, axe, toPhotosStep } from "./harness.mjs";
import { cameraArgs, RECORD_STREAMS } from "./fake-camera.mjs";

const ANDROID_CHROME = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36";
const SCREENS = process.env.SCREENS_DIR || "/work/screens";
const ID_CARD = { ...PERSON, docType: "National ID card" };

function phone(width) {
  return { viewport: { width, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, userAgent: ANDROID_CHROME };
}

/** Elements whose right edge is past `width`, and controls under 44 × 44 px, in the widget. */
async function offenders(page, width) {
  return page.evaluate((width) => {
    const name = (e) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : ""}`;
    const visible = (e) => { const r = e.getBoundingClientRect(); const st = getComputedStyle(e); return r.width > 0 && r.height > 0 && st.visibility !== "hidden"; };
    const root = document.querySelector(".kyc-root");
    const wide = [...root.querySelectorAll("*")].filter(visible)
      .filter((e) => e.getBoundingClientRect().right > width + 0.5)
      .map((e) => `${name(e)} right=${Math.round(e.getBoundingClientRect().right)}`);
    // A control: what a finger must hit. A file input styled away is hit through its label.
    const controls = [...root.querySelectorAll("button, a[href], input:not([type=hidden]), select, textarea")].filter(visible);
    const small = controls.filter((e) => {
      const r = e.getBoundingClientRect();
      const label = e.labels && e.labels[0];
      const hit = e.type === "checkbox" && label ? label.getBoundingClientRect() : r;
      return Math.round(hit.width) < 44 || Math.round(hit.height) < 44;
    }).map((e) => { const r = e.getBoundingClientRect(); return `${name(e)} ${Math.round(r.width)}x${Math.round(r.height)}`; });
    return { wide, small };
  }, width);
}

function slot(page, name) {
  return page.locator("fieldset.kyc-photo").filter({ hasText: name }).first();
}

/** The Photos step as it should be with two photos kept: each slot named once (its legend), its
 *  drawing, its preview with "Retake" in place of the ways of taking one. */
async function photosKept(page) {
  await attach(page, "Front of ID", "id-front.jpg");
  await attach(page, "Photo of your face", "rotated-gps.jpg");
  await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 15_000 });
  await page.getByAltText("Preview: Photo of your face").waitFor({ timeout: 15_000 });
  for (const name of ["Front of ID", "Photo of your face"]) {
    const s = slot(page, name);
    await s.getByText("Uploaded").waitFor({ timeout: 20_000 });
    assert.ok(await s.getByRole("button", { name: "Retake" }).isVisible(), `${name}: Retake`);
    assert.ok(await s.getByRole("button", { name: "Upload a photo" }).isHidden(), `${name}: the choices give way to Retake`);
  }
  // The back (optional) still offers its ways.
  assert.ok(await slot(page, "Back of ID").getByRole("button", { name: "Upload a photo" }).isVisible());
}

/** Each slot's name said once, a drawing, and the upload named with the slot's name. */
async function slotsWellFormed(page) {
  for (const name of ["Front of ID", "Back of ID", "Photo of your face"]) {
    const s = slot(page, name);
    const text = await s.innerText();
    assert.equal(text.split(name).length - 1, 1, `${name} is said once in its slot: ${JSON.stringify(text)}`);
    assert.equal(await s.locator("svg.kyc-photo-art").count(), 1, `${name}: a drawing`);
    assert.ok(await page.getByRole("group", { name, exact: false }).first().isVisible(), `${name}: the slot is a group named by it`);
    assert.equal(await page.getByRole("button", { name: `Upload a photo ${name}`, exact: true }).count(), 1, `${name}: the upload says which slot`);
  }
}

for (const width of (process.env.WIDTHS ? JSON.parse(process.env.WIDTHS) : [320, 360, 390])) {
  test(`at ${width} px wide (a phone), every step fits the screen and every control is at least 44 × 44 px`, async () => {
    const b = await launch(phone(width));
    try {
      const page = await open(b.ctx);
      const person = { ...PERSON, email: uniqueEmail(`phone${width}`) };
      const found = {};
      const check = async (step) => { found[step] = await offenders(page, width); };
      await check("personal");
      await fillPersonal(page, person);
      await cont(page);
      await page.getByRole("heading", { name: "Identity document" }).waitFor();
      await check("document");
      await fillDocument(page, person);
      await cont(page);
      await page.getByRole("heading", { name: "Address" }).waitFor();
      await check("address");
      await fillAddress(page, person);
      await cont(page);
      await page.getByRole("heading", { name: "Photos" }).waitFor();
      await page.locator("fieldset.kyc-photo").nth(2).waitFor();
      // No camera the page can use here: "Take a photo" is the phone's camera app, first.
      const front = slot(page, "Front of ID");
      await front.getByRole("button", { name: "Take a photo" }).waitFor();
      const order = await front.locator(".kyc-photo-choices > :not([hidden])").allInnerTexts();
      assert.deepEqual(order.map((t) => t.trim()), ["Take a photo", "Upload a photo"], "on a phone, Take a photo comes first");
      await page.getByRole("button", { name: "Use another device" }).waitFor();
      await slotsWellFormed(page);
      // A passport: the front's drawing is its data page, with the two machine-readable lines.
      assert.equal(await front.locator("svg.kyc-photo-art").getAttribute("data-art"), "passport");
      await check("photos");
      await photosKept(page);
      assert.ok(await page.getByRole("button", { name: "Use another device" }).isVisible(), "the handoff offer is there");
      await check("photos, with previews");
      if (width === 390) {
        await axe(page, "the Photos step on a phone, two photos kept");
        mkdirSync(SCREENS, { recursive: true });
        await page.locator("#kyc").screenshot({ path: join(SCREENS, "photos-phone-390.png") });
      }
      await cont(page);
      await page.getByRole("heading", { name: "Review" }).waitFor();
      await check("review");
      await page.getByRole("button", { name: "Submit" }).click();
      await page.locator(".kyc-status").waitFor({ timeout: 30_000 });
      await check("result");
      const bad = Object.entries(found).filter(([, f]) => f.wide.length || f.small.length);
      assert.deepEqual(bad, [], `at ${width} px: ${JSON.stringify(Object.fromEntries(bad), null, 1)}`);
      assert.deepEqual(b.errors, []);
    } finally {
      await b.close();
    }
  });
}

test("at 320 px wide with a camera the page can use, guided capture fits the screen and its controls are at least 44 × 44 px", async () => {
  const b = await launch(phone(320), cameraArgs(null));
  try {
    await b.ctx.addInitScript(RECORD_STREAMS);
    const page = await open(b.ctx);
    await toPhotosStep(page, { ...ID_CARD, email: uniqueEmail("phone-camera") });
    const front = slot(page, "Front of ID");
    await front.getByRole("button", { name: "Take a photo" }).click();
    await page.waitForFunction(() => { const v = document.querySelector(".kyc-camera video"); return v && v.videoWidth > 0; }, null, { timeout: 15_000 });
    const found = await offenders(page, 320);
    assert.deepEqual(found, { wide: [], small: [] }, "guided capture at 320 px");
    await front.getByRole("button", { name: "Close camera" }).click();
    assert.ok(await front.getByRole("button", { name: "Take a photo" }).isVisible(), "Take a photo again once closed");
    const live = await page.evaluate(() => window.__kycStreams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === "live").length);
    assert.equal(live, 0, "the camera is off");
  } finally {
    await b.close();
  }
});

test("a desktop is offered \"Continue on your phone\" (a phone only \"Use another device\"), Upload a photo comes first, and the slots pass axe", async () => {
  const b = await launch({ viewport: { width: 1280, height: 1000 } });
  try {
    const page = await open(b.ctx);
    await toPhotosStep(page, { ...ID_CARD, email: uniqueEmail("desktop-photos") });
    await page.getByRole("button", { name: "Continue on your phone" }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Use another device" }).count(), 0);
    const front = slot(page, "Front of ID");
    await front.getByRole("button", { name: "Upload a photo" }).waitFor();
    const order = await front.locator(".kyc-photo-choices > :not([hidden])").allInnerTexts();
    assert.equal(order[0].trim(), "Upload a photo", "on a desktop, Upload a photo comes first");
    await slotsWellFormed(page);
    await axe(page, "the Photos step on a desktop, no photo yet");
    await photosKept(page);
    await axe(page, "the Photos step on a desktop, two photos kept");
    // The drawings say which document: an ID card's front and back, the face.
    const arts = await page.locator("svg.kyc-photo-art").evaluateAll((l) => l.map((e) => e.dataset.art));
    assert.deepEqual(arts, ["card_front", "card_back", "face"]);
    mkdirSync(SCREENS, { recursive: true });
    await page.locator("#kyc").screenshot({ path: join(SCREENS, "photos-desktop-1280.png") });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
