// Guided capture in real hands (issue 27): Chromium's fake camera plays a 4:3 video of a card
// held off-centre and turned 10° (fake-camera.mjs `heldCard`), nowhere near the on-screen
// outline. The document locator finds it: at 60 %, 84 % and 92 % of the frame's width it is
// taken by itself within 5 s of the camera playing, and the still is the card alone, cut out
// and straightened; at 30 % the hint says "Move closer" and nothing is taken.
//
// The locator is in guided capture only in a build with it (`KYC_CAPTURE_FEATURES=locate cargo
// xtask e2e tests/e2e/camera-locate.test.mjs`; the capture module has no room for it within the
// size budget yet): against a build without it, these tests are reported skipped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, open, toPhotosStep, uniqueEmail, PERSON } from "./harness.mjs";
import { y4m, heldCard, cameraArgs, ASPECT } from "./fake-camera.mjs";

const ID_CARD = { ...PERSON, docType: "National ID card" };

async function photosStep(video, tag) {
  const b = await launch({ viewport: { width: 800, height: 900 } }, cameraArgs(video));
  const page = await open(b.ctx);
  await toPhotosStep(page, { ...ID_CARD, email: uniqueEmail(tag) });
  // When the camera first showed a hint (its first analysed frame), and when the photo was
  // taken, seen in the page (a card found at once is taken before a poll from here would see
  // the hint).
  await page.evaluate(() => {
    new MutationObserver(() => {
      const now = performance.now();
      const view = document.querySelector(".kyc-camera-view");
      if (view) [window.__kycCamera, window.__kycLocating] = [true, view.hasAttribute("data-locate")];
      if (window.__kycHinted === undefined && document.querySelector(".kyc-camera-hint[data-hint]")) window.__kycHinted = now;
      if (window.__kycTaken === undefined && document.querySelector("img[alt='Preview: Front of ID']")) window.__kycTaken = now;
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  const slot = page.locator("fieldset.kyc-photo").filter({ hasText: "Front of ID" }).first();
  await slot.getByRole("button", { name: "Take a photo" }).click();
  await page.waitForFunction(() => window.__kycCamera);
  const locating = await page.evaluate(() => window.__kycLocating);
  return { b, page, locating };
}

const NOT_BUILT = "guided capture built without the document locator (KYC_CAPTURE_FEATURES=locate)";

/** The still as the preview shows it: its size and its mean luma over boxes given in shares of it. */
function sample(page, boxes) {
  return page.getByAltText("Preview: Front of ID").evaluate((img, boxes) => {
    const c = document.createElement("canvas");
    [c.width, c.height] = [img.naturalWidth, img.naturalHeight];
    const ctx = c.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const means = boxes.map(([x0, y0, x1, y1]) => {
      const [x, y] = [Math.round(x0 * c.width), Math.round(y0 * c.height)];
      const [w, h] = [Math.max(1, Math.round((x1 - x0) * c.width)), Math.max(1, Math.round((y1 - y0) * c.height))];
      const d = ctx.getImageData(x, y, w, h).data;
      let sum = 0;
      for (let i = 0; i < d.length; i += 4) sum += 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
      return sum / (d.length / 4);
    });
    return { w: c.width, h: c.height, means };
  }, boxes);
}

for (const extent of [0.6, 0.84, 0.92]) {
  test(`a card at ${extent * 100} % of the frame, off-centre and turned 10°, is taken by itself and cut out straight`, async (t) => {
    const card = heldCard({ extent });
    const video = y4m(`held-${extent}`, [[card.px, 2]], card.w, card.h);
    const { b, page, locating } = await photosStep(video, `cam-held-${extent * 100}`);
    try {
      if (!locating) return t.skip(NOT_BUILT);
      // From the first analysed frame (the camera playing) to the photo taken.
      await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 20_000 });
      const took = await page.evaluate(() => window.__kycTaken - window.__kycHinted);
      assert.ok(took < 5000, `taken ${Math.round(took)} ms after the camera started`);
      // The card alone, upright: its own aspect; white at its four corners (no desk), the
      // photo box at the top left and a line of print where the card has them.
      const inset = 0.04;
      const { w, h, means } = await sample(page, [
        [inset, inset, inset + 0.03, inset + 0.04],
        [1 - inset - 0.03, inset, 1 - inset, inset + 0.04],
        [1 - inset - 0.03, 1 - inset - 0.04, 1 - inset, 1 - inset],
        [inset, 1 - inset - 0.04, inset + 0.03, 1 - inset],
        [40 / 480, 60 / 303, 100 / 480, 120 / 303],
      ]);
      assert.ok(Math.abs(w / h - ASPECT.card) < 0.05, `the still is ${w} x ${h}, not a card's shape`);
      assert.ok(Math.min(w, h) >= 480, `the still (${w} x ${h}) is large enough to upload`);
      assert.ok(w >= card.cw * 0.9, `the still (${w} px wide) keeps the camera's detail (card ${Math.round(card.cw)} px)`);
      for (const m of means.slice(0, 4)) assert.ok(m > 185, `a corner of the still is not the card: luma ${means.map(Math.round)}`);
      assert.ok(Math.abs(means[4] - 120) < 25, `the card's photo box is not at its top left: luma ${Math.round(means[4])}`);
      assert.equal(await page.locator(".kyc-camera").count(), 0, "the camera closed");
    } finally {
      await b.close();
    }
  });
}

test("a card at 30 % of the frame says Move closer and is not taken", async (t) => {
  const card = heldCard({ extent: 0.3 });
  const { b, page, locating } = await photosStep(y4m("held-0.3", [[card.px, 2]], card.w, card.h), "cam-held-30");
  try {
    if (!locating) return t.skip(NOT_BUILT);
    const hint = page.locator(".kyc-camera-hint[data-hint='move_closer']");
    await hint.waitFor({ timeout: 15_000 });
    assert.equal(await hint.innerText(), "Move closer");
    await page.waitForTimeout(3000);
    assert.equal(await page.locator(".kyc-camera-hint").getAttribute("data-hint"), "move_closer");
    assert.equal(await page.getByAltText("Preview: Front of ID").count(), 0, "not taken by itself");
  } finally {
    await b.close();
  }
});
