// Guided live capture with Chromium's fake camera playing videos generated here
// (fake-camera.mjs): automatic capture only once the card is sharp, the darkness and glare
// hints, "Take photo" by hand, a still at the camera's own resolution, permission denied
// falling back to the file input, and every track ended after capture or close.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, open, toPhotosStep, uniqueEmail, PERSON } from "./harness.mjs";
import { y4m, card, blur, dim, glare, cameraArgs, outline, RECORD_STREAMS, ASPECT, W, H } from "./fake-camera.mjs";

const ID_CARD = { ...PERSON, docType: "National ID card" };

let videos;
function video(name) {
  if (!videos) {
    const sharp = card("card");
    videos = {
      blurryThenSharp: () => y4m("blurry-then-sharp", [[blur(sharp, 12), 3], [sharp, 4]]),
      dark: () => y4m("dark", [[dim(sharp, 0.25), 2]]),
      glare: () => y4m("glare", [[glare(sharp), 2]]),
    };
  }
  return videos[name]();
}

/** Opens the widget on the Photos step with an ID card chosen, in a browser with a fake camera. */
async function photosStep(args, tag) {
  const b = await launch({ viewport: { width: 800, height: 900 } }, args);
  await b.ctx.addInitScript(RECORD_STREAMS);
  const page = await open(b.ctx);
  await toPhotosStep(page, { ...ID_CARD, email: uniqueEmail(tag) });
  return { b, page };
}

function frontSlot(page) {
  return page.locator("fieldset.kyc-photo").filter({ hasText: "Front of ID" }).first();
}

async function openCamera(page) {
  const slot = frontSlot(page);
  await slot.getByRole("button", { name: "Take a photo" }).click();
  return slot.locator(".kyc-camera");
}

/** Every track the page obtained, with its state. */
function trackStates(page) {
  return page.evaluate(() => window.__kycStreams.flatMap((s) => s.getTracks().map((t) => t.readyState)));
}

/** Watches the live hint; returns a function giving every hint seen so far, in order. */
async function watchHints(page) {
  await page.evaluate(() => {
    window.__kycHints = [];
    const seen = () => {
      const el = document.querySelector(".kyc-camera-hint");
      const h = el && el.dataset.hint;
      if (h && window.__kycHints[window.__kycHints.length - 1] !== h) window.__kycHints.push(h);
    };
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  return () => page.evaluate(() => window.__kycHints.slice());
}

test("a blurry-then-sharp card is captured by itself only once it is sharp, at the camera's resolution", async () => {
  const { b, page } = await photosStep(cameraArgs(video("blurryThenSharp")), "cam-auto");
  try {
    const hints = await watchHints(page);
    const camera = await openCamera(page);
    assert.equal(await camera.getAttribute("data-shape"), "card", "an ID card gets the ID-1 outline");
    await camera.getByText("Fit the card inside the frame").waitFor();
    await page.locator(".kyc-camera-hint[data-hint='hold_still']").waitFor({ timeout: 15_000 });
    const previewWidth = await page.locator(".kyc-video").evaluate((v) => v.clientWidth);
    // Built with the document locator (KYC_CAPTURE_FEATURES=locate), the still is the card alone.
    const locating = (await camera.locator(".kyc-camera-view[data-locate]").count()) > 0;
    // No photo while the card is blurred; then it is taken by itself once sharp.
    const preview = page.getByAltText("Preview: Front of ID");
    await preview.waitFor({ timeout: 20_000 });
    const seen = await hints();
    assert.ok(seen.indexOf("hold_still") >= 0 && seen.indexOf("hold_still") < seen.lastIndexOf("ready"), `hints seen: ${seen}`);
    assert.equal(await frontSlot(page).locator(".kyc-warning").count(), 0, "the photo taken is not the blurred one");
    const [nw, nh] = await preview.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
    if (locating) {
      // Cut out to the card, from the camera's own frame (not the smaller preview's).
      const o = outline(W, H, "card");
      assert.ok(Math.abs(nw / nh - ASPECT.card) < 0.05, `the still is ${nw} x ${nh}, not the card's shape`);
      assert.ok(nw >= o.w * 0.95 && nw > previewWidth, `the still (${nw} px) has the camera's detail: card ${o.w} px, preview ${previewWidth} px`);
    } else {
      assert.deepEqual([nw, nh], [W, H], "the still has the camera's resolution");
    }
    assert.ok(previewWidth < W, `the preview (${previewWidth} px) is smaller than the camera's frame`);
    assert.ok((await trackStates(page)).every((s) => s === "ended"), "every track ended after capture");
    assert.equal(await page.locator(".kyc-camera").count(), 0, "the camera closed");
  } finally {
    await b.close();
  }
});

test("a dark video shows the darkness hint and is never taken by itself; Take photo by hand works", async () => {
  const { b, page } = await photosStep(cameraArgs(video("dark")), "cam-dark");
  try {
    const camera = await openCamera(page);
    await page.locator(".kyc-camera-hint[data-hint='too_dark']").waitFor({ timeout: 15_000 });
    assert.equal(await page.locator(".kyc-camera-hint").innerText(), "Too dark — find more light");
    // Announced once to screen readers, politely.
    await page.locator(".kyc-camera .kyc-live[aria-live='polite']", { hasText: "Too dark" }).waitFor();
    await page.waitForTimeout(3000);
    assert.equal(await page.getByAltText("Preview: Front of ID").count(), 0, "never captured by itself");
    assert.ok((await trackStates(page)).some((s) => s === "live"), "the camera is on while open");
    await camera.getByRole("button", { name: "Take photo" }).click();
    await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 15_000 });
    assert.ok((await trackStates(page)).every((s) => s === "ended"));
  } finally {
    await b.close();
  }
});

test("a card with a glare spot shows the glare hint; closing the camera turns it off", async () => {
  const { b, page } = await photosStep(cameraArgs(video("glare")), "cam-glare");
  try {
    const camera = await openCamera(page);
    await page.locator(".kyc-camera-hint[data-hint='glare']").waitFor({ timeout: 15_000 });
    assert.equal(await page.locator(".kyc-camera-hint").innerText(), "Glare — tilt the card");
    await page.waitForTimeout(1500);
    assert.equal(await page.getByAltText("Preview: Front of ID").count(), 0, "glare is never taken by itself");
    await camera.getByRole("button", { name: "Close camera" }).click();
    await page.locator(".kyc-camera").waitFor({ state: "detached" });
    assert.ok((await trackStates(page)).length > 0);
    assert.ok((await trackStates(page)).every((s) => s === "ended"), "every track ended after close");
  } finally {
    await b.close();
  }
});

test("the camera turns off when the person leaves the step with it open", async () => {
  const { b, page } = await photosStep(cameraArgs(null), "cam-leave");
  try {
    await openCamera(page);
    await page.locator(".kyc-camera-hint[data-hint]").first().waitFor({ timeout: 15_000 });
    await page.waitForFunction(() => window.__kycStreams.length > 0);
    await page.getByRole("button", { name: "Back", exact: true }).click();
    await page.getByRole("heading", { name: "Address" }).waitFor();
    assert.ok((await trackStates(page)).every((s) => s === "ended"), "every track ended on step change");
  } finally {
    await b.close();
  }
});

test("camera permission denied: a clear message and the file input still works", async () => {
  const { b, page } = await photosStep(cameraArgs(null, { allow: false }), "cam-denied");
  try {
    const camera = await openCamera(page);
    const message = camera.locator("[data-camera-failure]");
    await message.waitFor({ timeout: 15_000 });
    assert.equal(await message.getAttribute("data-camera-failure"), "camera_denied");
    assert.match(await message.innerText(), /refused.*choose a file/i);
    await frontSlot(page).getByLabel("Front of ID", { exact: true }).setInputFiles(new URL("./fixtures/id-front.jpg", import.meta.url).pathname);
    await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 15_000 });
  } finally {
    await b.close();
  }
});

test("a photo taken with the camera reaches the backend marked as a camera photo", async () => {
  const { b, page } = await photosStep(cameraArgs(video("blurryThenSharp")), "cam-record");
  try {
    const sources = {};
    page.on("request", (r) => {
      // Photos are staged as soon as they are taken (PUT /v1/photos/{kind}).
      const m = r.url().match(/\/v1\/photos\/(\w+)/);
      if (m && r.method() === "PUT") sources[m[1]] = r.headers()["x-photo-source"];
    });
    await openCamera(page);
    await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 30_000 });
    await page.getByLabel("Photo of your face", { exact: true }).setInputFiles(new URL("./fixtures/face.jpg", import.meta.url).pathname);
    await page.getByAltText("Preview: Photo of your face").waitFor({ timeout: 15_000 });
    await page.getByRole("button", { name: "Continue", exact: true }).click();
    await page.getByRole("heading", { name: "Review" }).waitFor();
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator(".kyc-status").waitFor({ timeout: 30_000 });
    assert.equal(sources.idFront, "camera", `sources: ${JSON.stringify(sources)}`);
    assert.equal(sources.face, "file");
  } finally {
    await b.close();
  }
});

test("with two cameras, Switch camera stops the first and starts the other", async () => {
  const args = cameraArgs(null).map((a) => (a === "--use-fake-device-for-media-stream" ? "--use-fake-device-for-media-stream=device-count=2" : a));
  const { b, page } = await photosStep(args, "cam-switch");
  try {
    const camera = await openCamera(page);
    const switchButton = camera.getByRole("button", { name: "Switch camera" });
    await switchButton.waitFor({ timeout: 15_000 });
    const before = await page.evaluate(() => window.__kycStreams.map((s) => s.getVideoTracks()[0].getSettings().deviceId));
    await switchButton.click();
    await page.waitForFunction(() => window.__kycStreams.length === 2, null, { timeout: 15_000 });
    const states = await page.evaluate(() => window.__kycStreams.map((s) => s.getVideoTracks()[0].readyState));
    assert.deepEqual(states, ["ended", "live"], "the first camera is off, the second on");
    const after = await page.evaluate(() => window.__kycStreams[1].getVideoTracks()[0].getSettings().deviceId);
    assert.notEqual(after, before[0], "another camera");
    await camera.getByRole("button", { name: "Close camera" }).click();
    assert.ok((await trackStates(page)).every((s) => s === "ended"));
  } finally {
    await b.close();
  }
});
