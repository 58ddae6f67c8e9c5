// The whole flow as a person does it, against the running demo (backend + in-process sandbox).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  BASE, launch, uniqueEmail, sandboxApplications, approvedAtSandbox, open, fillPersonal, fillDocument, fillAddress,
  attach, cont, PERSON, dumpStorage, throughPhotos,
} from "./harness.mjs";

test("the happy path with real JPEG and PNG photos ends approved", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    const person = { ...PERSON, email: uniqueEmail("happy") };
    await throughPhotos(page, person);
    // Review: every value, SSN masked but the last 4.
    const review = await page.locator(".kyc-step").innerText();
    for (const v of ["Jane", "Doe", person.email, "1990-04-01", "Female", "Passport", "X1234567", "San Francisco", "94105", "•••-••-6789"]) {
      assert.ok(review.includes(v), `review shows ${v}`);
    }
    assert.ok(!review.includes("123-45-6789"), "the full SSN is not shown");
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator(".kyc-status", { hasText: "approved" }).waitFor({ timeout: 30_000 });
    assert.match(await page.locator(".kyc-status").innerText(), /approved/);
    await page.getByText("Verification finished: approved").waitFor();

    const { face } = await approvedAtSandbox(person.email);
    assert.ok(face.length < readFileSync(new URL("./fixtures/rotated-gps.jpg", import.meta.url)).length * 4);
    // No PII in any browser storage.
    const storage = await dumpStorage(page, b.ctx);
    for (const pii of ["Jane", person.email, "123-45-6789", "123456789", "X1234567", "1990-04-01"]) {
      assert.ok(!storage.includes(pii), `storage holds ${pii}`);
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("a last name Reject ends rejected", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    await throughPhotos(page, { ...PERSON, last: "Reject", email: uniqueEmail("reject") });
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator(".kyc-status", { hasText: "rejected" }).waitFor({ timeout: 30_000 });
    assert.match(await page.locator(".kyc-status").innerText(), /rejected/);
  } finally {
    await b.close();
  }
});

test("a last name Review stays under review", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    await throughPhotos(page, { ...PERSON, last: "Review", email: uniqueEmail("review") });
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator(".kyc-status", { hasText: "under review" }).waitFor({ timeout: 30_000 });
  } finally {
    await b.close();
  }
});

test("Back keeps every value", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    const person = { ...PERSON, country: "FR", state: "Île-de-France", zip: "75001", city: "Paris", email: uniqueEmail("back") };
    await fillPersonal(page, person);
    await cont(page);
    await fillDocument(page, { ...person, expiry: null });
    await cont(page);
    await fillAddress(page, person);
    await page.getByRole("button", { name: "Back" }).click();
    assert.equal(await page.getByLabel("This document does not expire").isChecked(), true);
    assert.equal(await page.getByLabel("Document number").inputValue(), "X1234567");
    await page.getByRole("button", { name: "Back" }).click();
    assert.equal(await page.getByLabel("First name").inputValue(), "Jane");
    assert.equal(await page.getByLabel("Nationality").inputValue(), "US");
    await cont(page);
    await cont(page);
    assert.equal(await page.getByLabel("City").inputValue(), "Paris");
    assert.equal(await page.getByLabel("State / Province / Region").inputValue(), "Île-de-France");
    assert.equal(await page.getByLabel("Social Security Number").count(), 0, "no SSN field outside the US");
  } finally {
    await b.close();
  }
});

test("a server refusal (email already used upstream) lands on the Email field", async () => {
  const b = await launch();
  try {
    const email = uniqueEmail("twice");
    const first = await open(b.ctx);
    await throughPhotos(first, { ...PERSON, email });
    await first.getByRole("button", { name: "Submit" }).click();
    await first.locator(".kyc-status", { hasText: "approved" }).waitFor({ timeout: 30_000 });
    const second = await open(b.ctx);
    await throughPhotos(second, { ...PERSON, email });
    await second.getByRole("button", { name: "Submit" }).click();
    await second.getByRole("heading", { name: "Personal details" }).waitFor({ timeout: 15_000 });
    await second.locator('.kyc-error[data-field="email"][data-code="already_used"]').waitFor();
    assert.equal(await second.getByLabel("Email").getAttribute("aria-invalid"), "true");
    assert.equal(await second.getByLabel("Email").evaluate((el) => el === document.activeElement), true, "focus on the field");
    assert.equal(await second.getByLabel("First name").inputValue(), "Jane", "nothing lost");
    // The summary names the field; the server's error stays while the person looks elsewhere
    // and goes as soon as the field is edited, without Continue.
    await second.locator(".kyc-summary-list a", { hasText: "Email: This is already used by another application." }).waitFor();
    await second.getByLabel("Last name").focus();
    await second.getByLabel("Last name").blur();
    assert.equal(await second.locator('.kyc-error[data-field="email"]').count(), 1, "kept until the field is edited");
    await second.getByLabel("Email").fill(uniqueEmail("twice-fixed"));
    await second.locator('.kyc-error[data-field="email"]').waitFor({ state: "detached" });
    assert.equal(await second.getByLabel("Email").getAttribute("aria-invalid"), null);
  } finally {
    await b.close();
  }
});

test("on a touch device without a live camera, a capture input opens the camera app", async () => {
  const b = await launch({ isMobile: true, hasTouch: true, viewport: { width: 390, height: 844 } });
  try {
    const page = await open(b.ctx);
    await fillPersonal(page, { ...PERSON, email: uniqueEmail("mobile") });
    await cont(page);
    await fillDocument(page, PERSON);
    await cont(page);
    await fillAddress(page, PERSON);
    await cont(page);
    // The slots come with the lazily loaded module; the camera app's inputs show once the page
    // knows there is no camera it can use.
    await page.waitForFunction(() => [...document.querySelectorAll("input.kyc-file--capture")].filter((e) => !e.hidden).length === 3);
    const capture = page.locator("input.kyc-file--capture");
    assert.equal(await capture.count(), 3);
    assert.equal(await capture.nth(2).getAttribute("capture"), "user", "the face uses the front camera");
    assert.equal(await capture.nth(0).getAttribute("capture"), "environment");
    await capture.nth(0).setInputFiles(new URL("./fixtures/id-front.jpg", import.meta.url).pathname);
    await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 15_000 });
  } finally {
    await b.close();
  }
});
