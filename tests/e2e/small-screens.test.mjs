// Phones (issue 27, "a Photos step made for a phone"): at 320, 360 and 390 px wide in Chromium's
// phone emulation, on every step, nothing sticks out past the screen's right edge (compared with
// the emulated width: in mobile emulation innerWidth grows to fit overflowing content) and no
// control is smaller than 44 × 44 px.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, open, uniqueEmail, PERSON, fillPersonal, fillDocument, fillAddress, cont, attach } from "./harness.mjs";

const ANDROID_CHROME = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36";

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

for (const width of (process.env.WIDTHS ? JSON.parse(process.env.WIDTHS) : [320, 360, 390])) {
  test(`at ${width} px wide (a phone), every step fits the screen and every control is at least 44 × 44 px`, async () => {
    const b = await launch({ viewport: { width, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, userAgent: ANDROID_CHROME });
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
      await page.waitForTimeout(300);
      await check("photos");
      await attach(page, "Front of ID", "id-front.jpg");
      await attach(page, "Photo of your face", "rotated-gps.jpg");
      await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 15_000 });
      await page.getByAltText("Preview: Photo of your face").waitFor({ timeout: 15_000 });
      await check("photos, with previews");
      await cont(page);
      await page.getByRole("heading", { name: "Review" }).waitFor();
      await check("review");
      await page.getByRole("button", { name: "Submit" }).click();
      await page.locator(".kyc-status").waitFor({ timeout: 30_000 });
      await check("result");
      const bad = Object.entries(found).filter(([, f]) => f.wide.length || f.small.length);
      assert.deepEqual(bad, [], `at ${width} px: ${JSON.stringify(Object.fromEntries(bad), null, 1)}`);
    } finally {
      await b.close();
    }
  });
}
