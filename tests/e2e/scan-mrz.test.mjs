// "Scan your ID" reading the machine-readable zone (issue 25): a passport's data page and an ID
// card's back, recognised in the browser by the lazily loaded reader module (no model file), from
// a file and from Chromium's fake camera playing a generated video; the fields filled and marked;
// a damaged check digit leaving its field empty and naming it; Review naming what differs from
// the passport; the photo kept as its side. (A photo with neither a barcode nor a zone:
// scan.test.mjs.) The documents are fictitious holders made by
// `kyc-reader`'s generator (KYC_DOCUMENTS_DIR/mrz.json, written by xtask).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launch, open, cont, attach, axe, fillAddress, scanFile, reviewListsOnlyLastName, toPhotosStep, uniqueEmail, PERSON } from "./harness.mjs";
import { cameraArgs } from "./fake-camera.mjs";

const DOCS = process.env.KYC_DOCUMENTS_DIR;
if (!DOCS) throw new Error("KYC_DOCUMENTS_DIR is not set: run the e2e tests through `cargo xtask`");
const MRZ = JSON.parse(readFileSync(join(DOCS, "mrz.json"), "utf8"));

/** The status line once the read is over (past "Reading your ID…" and the camera's aim line). */
async function outcome(page) {
  await page.waitForFunction(() => {
    const s = document.querySelector("#kyc .kyc-scan [role=status], #kyc .kyc-scan [role=alert]");
    return s && s.textContent && !/Reading|Hold your ID/.test(s.textContent);
  }, null, { timeout: 40_000 }).catch(async (e) => {
    throw new Error(`${e.message}: the panel shows ${await page.locator("#kyc .kyc-scan").innerHTML().catch(() => "nothing")}`);
  });
  const s = page.locator("#kyc .kyc-scan [role=status], #kyc .kyc-scan [role=alert]").first();
  return { text: await s.textContent(), code: await s.getAttribute("data-code"), unfilled: await s.getAttribute("data-unfilled") };
}

/** The value the widget shows for a field path (a date group as ISO). */
async function shown(page, path) {
  const id = path.replace(".", "-");
  if (path.endsWith(".dob") || path.endsWith(".validUntil")) {
    const group = page.locator(`#kyc fieldset[id$='${id}']`);
    const y = await group.locator("input[id$='-year']").inputValue();
    const m = await group.locator("select[id$='-month']").inputValue();
    const d = await group.locator("input[id$='-day']").inputValue();
    return y && m && d ? `${y}-${m.padStart(2, "0")}-${d.padStart(2, "0")}` : "";
  }
  return page.locator(`#kyc [id$='${id}']:is(input, select)`).inputValue();
}

/** Every field of `fills` on the first step shows its value, marked as read from the ID. */
async function assertFilledOnFirstStep(page, fills) {
  for (const path of ["individualInfo.firstName", "individualInfo.lastName", "individualInfo.dob", "individualInfo.gender", "individualInfo.country"]) {
    if (!(path in fills)) continue;
    assert.equal(await shown(page, path), fills[path], path);
    const id = path.replace(".", "-");
    const marked = page.locator(`#kyc [id$='${id}'][data-kyc-source='document']`);
    assert.equal(await marked.count(), 1, `${path} is marked as read from the ID`);
  }
}

test("a passport's data page from a file: read by its zone, every step filled, the page kept as the front, Review names a typed difference", async () => {
  const doc = MRZ["passport"];
  const b = await launch();
  try {
    const page = await open(b.ctx);
    await scanFile(page, join(DOCS, "passport.jpg"));
    const o = await outcome(page);
    assert.equal(o.code, null, o.text);
    assert.match(o.text, new RegExp(`We filled in ${Object.keys(doc.fills).length} fields from your ID\\. Please check them\\.`));
    await assertFilledOnFirstStep(page, doc.fills);
    await axe(page, "the scan panel after a passport was read");

    // The person changes the last name: Review will name it.
    const last = page.locator("#kyc input[id$='individualInfo-lastName']");
    await last.fill(doc.fills["individualInfo.lastName"] + "x");
    await page.getByLabel("Email", { exact: true }).fill(uniqueEmail("mrz"));
    await cont(page);
    await page.getByRole("heading", { name: "Identity document" }).waitFor();
    assert.equal(await shown(page, "individualInfo.idDocType"), "2", "a passport");
    assert.equal(await shown(page, "individualInfo.number"), doc.fills["individualInfo.number"]);
    assert.equal(await shown(page, "individualInfo.validUntil"), doc.fills["individualInfo.validUntil"]);
    await cont(page);
    await page.getByRole("heading", { name: "Address" }).waitFor();
    await fillAddress(page, PERSON);
    await cont(page);
    await page.getByRole("heading", { name: "Photos" }).waitFor();
    // The data page is kept as the passport's front.
    await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 20_000 });
    await attach(page, "Photo of your face", "rotated-gps.jpg");
    await page.getByAltText("Preview: Photo of your face").waitFor({ timeout: 15_000 });
    await cont(page);
    await page.getByRole("heading", { name: "Review" }).waitFor();
    await reviewListsOnlyLastName(page, doc.fills["individualInfo.lastName"]);
    await axe(page, "Review with a difference from the passport");
    // The person may still submit.
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator(".kyc-status").waitFor({ timeout: 30_000 });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("a passport whose birth date's check digit is wrong: that field is left empty and named; the rest is filled", async () => {
  const doc = MRZ["passport-birth-check-digit"];
  assert.deepEqual(doc.unfilled, ["individualInfo.dob"], "the fixture damages the birth date's check digit");
  const b = await launch();
  try {
    const page = await open(b.ctx);
    await scanFile(page, join(DOCS, "passport-birth-check-digit.jpg"));
    const o = await outcome(page);
    assert.equal(o.code, null, o.text);
    assert.match(o.text, /We filled in \d+ fields from your ID\. Please check them\. We couldn't read these with certainty, so please type them: Date of birth\./);
    assert.equal(o.unfilled, "individualInfo.dob");
    assert.equal(await shown(page, "individualInfo.dob"), "", "the birth date is not filled");
    assert.equal(await page.locator("#kyc fieldset[id$='individualInfo-dob'][data-kyc-source]").count(), 0);
    await assertFilledOnFirstStep(page, doc.fills);
    // Typing it goes on as usual.
    const group = page.getByRole("group", { name: "Date of birth", exact: true });
    await group.getByLabel("Day", { exact: true }).fill("9");
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("an ID card's back (three-line zone) from a file: filled and kept as the back", async () => {
  const doc = MRZ["idcard-back-td1"];
  const b = await launch();
  try {
    const page = await open(b.ctx);
    await scanFile(page, join(DOCS, "idcard-back-td1.jpg"));
    const o = await outcome(page);
    assert.equal(o.code, null, o.text);
    assert.match(o.text, /We filled in \d+ fields from your ID/);
    await assertFilledOnFirstStep(page, doc.fills);
    await page.getByLabel("Email", { exact: true }).fill(uniqueEmail("td1"));
    await cont(page);
    await page.getByRole("heading", { name: "Identity document" }).waitFor();
    assert.equal(await shown(page, "individualInfo.number"), doc.fills["individualInfo.number"]);
    await cont(page);
    await page.getByRole("heading", { name: "Address" }).waitFor();
    await fillAddress(page, PERSON);
    await cont(page);
    await page.getByRole("heading", { name: "Photos" }).waitFor();
    await page.getByAltText("Preview: Back of ID").waitFor({ timeout: 20_000 });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("the fake camera playing a passport's data page: taken as soon as the zone reads whole", async () => {
  const doc = MRZ["passport"];
  const b = await launch({}, cameraArgs(join(DOCS, "passport.y4m")));
  try {
    const page = await open(b.ctx);
    await page.getByRole("button", { name: /^Scan your ID/ }).click();
    await page.locator("#kyc .kyc-scan").getByRole("button", { name: "Use camera" }).click();
    const o = await outcome(page);
    assert.equal(o.code, null, o.text);
    assert.match(o.text, /We filled in \d+ fields from your ID\. Please check them\.$/);
    await assertFilledOnFirstStep(page, doc.fills);
    // The camera is off once the photo is taken.
    await page.waitForFunction(() => !document.querySelector("#kyc .kyc-scan video")?.srcObject);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("a passport's data page taken on the Photos step is read: what was typed stays, and Review names what differs", async () => {
  const doc = MRZ["passport"].fills;
  const b = await launch();
  try {
    const page = await open(b.ctx);
    // Typed by hand as on the passport, but for its number.
    const [first, last, dob, expiry] = ["firstName", "lastName", "dob", "validUntil"].map((k) => doc[`individualInfo.${k}`]);
    const person = {
      ...PERSON, email: uniqueEmail("mrz-photos"), first, last, dob, nationality: doc["individualInfo.country"],
      gender: doc["individualInfo.gender"] === "2" ? "Female" : "Male", docType: "Passport", number: "X0000000", expiry,
    };
    await toPhotosStep(page, person);
    await page.getByLabel("Front of ID", { exact: true }).setInputFiles(join(DOCS, "passport.jpg"));
    await attach(page, "Photo of your face", "rotated-gps.jpg");
    for (const label of ["Front of ID", "Photo of your face"]) {
      await page.getByAltText(`Preview: ${label}`).waitFor({ timeout: 15_000 });
    }
    await cont(page);
    await page.getByRole("heading", { name: "Review" }).waitFor();
    const list = page.locator("#kyc .kyc-doc-check li");
    await list.first().waitFor({ timeout: 20_000 });
    const fields = await list.evaluateAll((els) => els.map((e) => e.dataset.field));
    assert.deepEqual(fields, ["individualInfo.number"], "only the number differs from the passport");
    assert.match(await list.first().textContent(), new RegExp(`Your ID says “${doc["individualInfo.number"]}”`));
    // Nothing typed was overwritten or marked.
    assert.equal(await page.locator("#kyc [data-kyc-source]").count(), 0);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
