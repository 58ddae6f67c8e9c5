// The whole flow as a person does it, against the running demo (backend + in-process sandbox).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  BASE, launch, uniqueEmail, sandboxApplications, open, fillPersonal, fillDocument, fillAddress,
  attach, cont, PERSON, dumpStorage,
} from "./harness.mjs";

async function throughPhotos(page, person) {
  await fillPersonal(page, person);
  await cont(page);
  await page.getByRole("heading", { name: "Identity document" }).waitFor();
  await fillDocument(page, person);
  await cont(page);
  await page.getByRole("heading", { name: "Address" }).waitFor();
  await fillAddress(page, person);
  await cont(page);
  await page.getByRole("heading", { name: "Photos" }).waitFor();
  await attach(page, "Front of ID", "id-front.jpg");
  await attach(page, "Back of ID", "id-back.png");
  await attach(page, "Photo of your face", "rotated-gps.jpg");
  await page.getByText("Photo ready").nth(2).waitFor({ timeout: 15_000 });
  await cont(page);
  await page.getByRole("heading", { name: "Review" }).waitFor();
}

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

    const mine = (await sandboxApplications()).find((a) => a.email === person.email);
    assert.ok(mine, "the sandbox has the application");
    const detail = await (await fetch(`${BASE}/__sandbox/applications/${mine.requestNo}`)).json();
    assert.deepEqual(detail.files.map((f) => f.type), ["idFront", "idBack", "face", "amlReport", "idvReport"]);
    assert.equal(detail.kycStatus, "approved");
    // The face photo was stored sideways with EXIF orientation 6 and GPS: it arrives upright, clean.
    const face = Buffer.from(await (await fetch(`${BASE}/__sandbox/applications/${mine.requestNo}/files/face`)).arrayBuffer());
    assert.equal(face.indexOf("Exif"), -1, "no EXIF reaches the provider");
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
