// The camera failing the ways it does in real hands — a request nobody answers (some WebViews),
// a stream of black frames (a covered lens, a broken driver), constraints the camera cannot
// meet, a camera held by another app — produced by replacing getUserMedia in an init script
// where no Chromium flag can. Each ends with a way forward that works, up to the application submitted: the phone's camera app
// (a `capture` file input, shown in place of the guided camera's "Take a photo") or the file input; the camera is
// always off after.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, open, toPhotosStep, uniqueEmail, PERSON, attach, cont } from "./harness.mjs";
import { cameraArgs, RECORD_STREAMS } from "./fake-camera.mjs";

const ID_CARD = { ...PERSON, docType: "National ID card" };
const FRONT = new URL("./fixtures/id-front.jpg", import.meta.url).pathname;

const BEHAVIOUR = {
  never: `navigator.mediaDevices.getUserMedia = () => new Promise(() => {});`,
  black: `navigator.mediaDevices.getUserMedia = async () => {
    const c = document.createElement("canvas"); c.width = 640; c.height = 480;
    const g = c.getContext("2d"); const paint = () => { g.fillStyle = "#000"; g.fillRect(0, 0, 640, 480); };
    paint(); setInterval(paint, 100);
    const s = c.captureStream(10); window.__kycStreams.push(s); return s; };`,
  overconstrained: `(() => { const orig = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    window.__asked = [];
    navigator.mediaDevices.getUserMedia = (c) => { window.__asked.push(JSON.stringify(c));
      return window.__asked.length === 1 ? Promise.reject(new DOMException("no such resolution", "OverconstrainedError")) : orig(c); }; })();`,
  inUse: `navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("Could not start video source", "NotReadableError"));`,
};

async function photosStep(behaviour, tag) {
  const b = await launch({ viewport: { width: 800, height: 900 } }, cameraArgs(null));
  await b.ctx.addInitScript(RECORD_STREAMS);
  await b.ctx.addInitScript(BEHAVIOUR[behaviour]);
  const page = await open(b.ctx);
  await toPhotosStep(page, { ...ID_CARD, email: uniqueEmail(tag) });
  const slot = page.locator("fieldset.kyc-photo").filter({ hasText: "Front of ID" }).first();
  await slot.getByRole("button", { name: "Take a photo" }).click();
  return { b, page, slot };
}

/** The failure shown, then the camera app offered in place of the guided camera's "Take a photo", and it works. */
async function wayForward(page, slot, code, words = /choose a file/i) {
  const message = slot.locator("[data-camera-failure]");
  await message.waitFor({ timeout: 20_000 });
  assert.equal(await message.getAttribute("data-camera-failure"), code);
  assert.equal(await message.getAttribute("role"), "alert");
  assert.match(await message.innerText(), /choose a file/i);
  assert.match(await message.innerText(), words);
  assert.equal(await slot.locator("video").count(), 0, "the broken preview is gone");
  const cameraApp = slot.locator("input.kyc-file--capture");
  assert.ok(await cameraApp.isVisible(), "the camera app is offered");
  assert.equal(await cameraApp.getAttribute("capture"), "environment");
  // "Take a photo" is now the camera app's input (a file input is a button to assistive
  // technology), not the page's camera button.
  assert.ok(await slot.locator("button", { hasText: "Take a photo" }).isHidden(), "not the failing camera again");
  assert.equal(await slot.getByRole("button", { name: "Take a photo" }).getAttribute("capture"), "environment");
  // The photo comes through the camera app's input (Playwright hands it the file).
  await cameraApp.setInputFiles(FRONT);
  await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 15_000 });
  const live = await page.evaluate(() => window.__kycStreams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === "live").length);
  assert.equal(live, 0, "the camera is off");
  // And the way forward ends where it should: the application submitted.
  await attach(page, "Photo of your face", "rotated-gps.jpg");
  await page.getByAltText("Preview: Photo of your face").waitFor({ timeout: 15_000 });
  await cont(page);
  await page.getByRole("heading", { name: "Review" }).waitFor();
  await page.getByRole("button", { name: "Submit" }).click();
  await page.locator(".kyc-status").waitFor({ timeout: 30_000 });
}

test("a camera request that never answers: after 8 s the camera app and the file input take over", async () => {
  const { b, page, slot } = await photosStep("never", "cam-never");
  try {
    const t = Date.now();
    await wayForward(page, slot, "camera_never_started");
    assert.ok(Date.now() - t >= 7_000, "not before the 8 s are up");
  } finally {
    await b.close();
  }
});

test("a stream of black frames: after 3 s the camera is turned off and the camera app takes over", async () => {
  const { b, page, slot } = await photosStep("black", "cam-black");
  try {
    await wayForward(page, slot, "camera_black");
  } finally {
    await b.close();
  }
});

test("a camera in use by another app: said plainly, and the camera app takes over", async () => {
  const { b, page, slot } = await photosStep("inUse", "cam-in-use");
  try {
    await wayForward(page, slot, "camera_busy", /another app/i);
  } finally {
    await b.close();
  }
});

test("constraints the camera cannot meet: asked again at once with any camera, and nothing is said", async () => {
  const { b, page, slot } = await photosStep("overconstrained", "cam-constraints");
  try {
    await page.waitForFunction(() => {
      const v = document.querySelector(".kyc-camera video");
      return v && v.videoWidth > 0;
    }, null, { timeout: 15_000 });
    const asked = await page.evaluate(() => window.__asked);
    assert.equal(asked.length, 2, "asked twice");
    assert.deepEqual(JSON.parse(asked[1]), { video: true }, "the second time with any camera");
    assert.equal(await slot.locator("[data-camera-failure]").count(), 0, "nothing said");
    // And still no failure once the 8 s watchdog has passed: it saw the frames.
    await page.waitForTimeout(8_500);
    assert.equal(await slot.locator("[data-camera-failure]").count(), 0);
    assert.ok(await slot.locator(".kyc-camera video").isVisible());
  } finally {
    await b.close();
  }
});
