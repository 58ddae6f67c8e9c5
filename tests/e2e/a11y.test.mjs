// Accessibility: axe-core finds no violations on any step in either theme; the whole flow can
// be completed with the keyboard alone; RTL for Arabic.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, uniqueEmail, open, fillPersonal, fillDocument, fillAddress, attach, cont, axe, PERSON, FIXTURES } from "./harness.mjs";

for (const theme of ["light", "dark"]) {
  test(`axe-core reports no violations on any step (${theme} theme)`, async () => {
    const b = await launch();
    try {
      const page = await open(b.ctx, `?theme=${theme}`);
      await axe(page, "personal");
      await cont(page);
      await page.locator(".kyc-summary").waitFor();
      await axe(page, "personal with errors");
      await fillPersonal(page, { ...PERSON, email: uniqueEmail(`axe-${theme}`) });
      await cont(page);
      await axe(page, "document");
      await fillDocument(page, PERSON);
      await cont(page);
      await axe(page, "address");
      await fillAddress(page, PERSON);
      await cont(page);
      await axe(page, "photos");
      await attach(page, "Front of ID", "id-front.jpg");
      await attach(page, "Photo of your face", "blurry.jpg");
      await page.getByAltText("Preview: Photo of your face").waitFor({ timeout: 15_000 });
      await axe(page, "photos with previews");
      await cont(page);
      await axe(page, "review");
      await page.getByRole("button", { name: "Submit" }).click();
      await page.locator(".kyc-status", { hasText: "approved" }).waitFor({ timeout: 30_000 });
      await axe(page, "result");
    } finally {
      await b.close();
    }
  });
}

/** Presses Tab until the focused element is the control labelled `label` (or the named button). */
async function tabTo(page, name, { stayIfThere = false } = {}) {
  if (stayIfThere && (await focusedName(page)) === name) return;
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    if ((await focusedName(page)) === name) return;
  }
  throw new Error(`could not reach ${name} with Tab`);
}

/** The accessible name of the focused element, as a person hears it. */
function focusedName(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return "";
    const by = el.getAttribute("aria-labelledby");
    if (by) return by.split(/\s+/).map((id) => (document.getElementById(id)?.textContent || "").trim()).join(" ").trim();
    if (el.labels && el.labels.length) return el.labels[0].textContent.trim();
    return (el.getAttribute("aria-label") || el.textContent || "").trim();
  });
}

async function typeInto(page, label, text) {
  await tabTo(page, label);
  await page.keyboard.type(text, { delay: 2 });
}

async function chooseFile(page, label, file) {
  // A step change moves focus to the step's heading once it has rendered: let that happen
  // before tabbing, or the focus jumps back under a slow machine.
  await page.waitForFunction(() => document.activeElement && document.activeElement.tagName !== "BODY");
  // Under a loaded machine Chromium has been seen to drop the chooser for one key press
  // (CI, once): press again from the same field, as a person would, at most three times.
  for (let attempt = 1; ; attempt++) {
    await tabTo(page, label, { stayIfThere: attempt > 1 });
    try {
      const [chooser] = await Promise.all([page.waitForEvent("filechooser", { timeout: 10_000 }), page.keyboard.press("Space")]);
      await chooser.setFiles(FIXTURES + file);
      return;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}

test("the whole flow can be completed with the keyboard alone", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    await page.locator("body").focus();
    await typeInto(page, "First name", "Jane");
    await typeInto(page, "Last name", "Doe");
    await typeInto(page, "Email", uniqueEmail("keyboard"));
    // English (as the US writes it): month, day, year.
    await typeInto(page, "Month", "April");
    await typeInto(page, "Day", "1");
    await typeInto(page, "Year", "1990");
    await typeInto(page, "Gender", "Female");
    await typeInto(page, "Nationality", "United States");
    await tabTo(page, "Continue");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Identity document" }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.tagName), "H2", "focus moves to the new step's heading");
    await typeInto(page, "Document type", "Passport");
    await typeInto(page, "Document number", "X1234567");
    await tabTo(page, "This document does not expire");
    await page.keyboard.press("Space");
    await tabTo(page, "Continue");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Address" }).waitFor();
    await typeInto(page, "Country", "United States");
    await typeInto(page, "State", "California");
    await typeInto(page, "City", "San Francisco");
    await typeInto(page, "Street address", "1 Market St");
    await typeInto(page, "ZIP / Postal code", "94105");
    await typeInto(page, "Social Security Number", "123-45-6789");
    await tabTo(page, "Continue");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Photos" }).waitFor();
    await chooseFile(page, "Upload a photo Front of ID", "id-front.jpg");
    await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 15_000 });
    // The upload gives way to the preview's Retake, and the focus goes there (not to the page).
    assert.equal(await focusedName(page), "Retake", "the focus follows to Retake");
    await chooseFile(page, "Upload a photo Photo of your face", "face.jpg");
    await page.getByAltText("Preview: Photo of your face").waitFor({ timeout: 15_000 });
    await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 15_000 });
    await tabTo(page, "Continue");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Review" }).waitFor();
    assert.ok((await page.locator(".kyc-step").innerText()).includes("Does not expire"));
    await tabTo(page, "Submit");
    await page.keyboard.press("Enter");
    await page.locator(".kyc-status", { hasText: "approved" }).waitFor({ timeout: 30_000 });
  } finally {
    await b.close();
  }
});

test("Arabic is laid out right to left, Chinese and Spanish are translated", async () => {
  const b = await launch();
  try {
    for (const [locale, dir, title] of [["ar", "rtl", "تحقّق من هويتك"], ["zh-CN", "ltr", "验证您的身份"], ["es", "ltr", "Verifica tu identidad"]]) {
      const page = await b.ctx.newPage();
      await page.goto(`${process.env.KYC_E2E_URL}/?locale=${locale}`);
      await page.locator(".kyc-widget").waitFor();
      assert.equal(await page.locator(".kyc-widget").getAttribute("dir"), dir);
      assert.equal(await page.locator(".kyc-title").innerText(), title);
      await page.close();
    }
  } finally {
    await b.close();
  }
});
