// Every invalid input shows its English message and blocks Continue; the widget names the same
// fields with the same codes as the backend's 422 for the same draft (one rulebook).
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, uniqueEmail, validDraft, open, fillPersonal, fillDocument, fillAddress, attach, cont, PERSON, screenErrors } from "./harness.mjs";

const VALID_DRAFT = () => validDraft(uniqueEmail("codes"));

async function backendErrors(draft) {
  const s = await (await fetch(`${BASE}/v1/sessions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ externalUserId: "codes" }) })).json();
  const r = await fetch(`${BASE}/v1/applications`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${s.sessionToken}` }, body: JSON.stringify(draft) });
  assert.equal(r.status, 422);
  const body = await r.json();
  return body.error.fields.map((f) => [f.field, f.code]).sort();
}

const PERSONAL_CASES = [
  ["First name", "Jane2", "This contains characters that are not allowed."],
  ["First name", "", "This field is required."],
  ["Last name", "-.-", "Include at least one letter."],
  ["Email", "jane@", "Enter an email address like name@example.com."],
  ["Date of birth", "2023-02-29", "Enter a real date."],
  ["Date of birth", "2099-01-01", "The date of birth cannot be in the future."],
  ["Date of birth", "2015-06-01", "You must be at least 18 years old."],
  ["Date of birth", "1850-01-01", "Enter a date of birth within the last 120 years."],
];

test("each invalid personal field shows its message and blocks Continue", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    for (const [label, value, message] of PERSONAL_CASES) {
      await fillPersonal(page, { ...PERSON, email: "jane@example.com", [keyOf(label)]: value });
      await cont(page);
      await page.getByText(message, { exact: true }).first().waitFor();
      assert.equal(await page.getByRole("heading", { name: "Personal details" }).count(), 1, `${label}=${value} blocks Continue`);
      const control = label === "Date of birth"
        ? page.getByRole("group", { name: label, exact: true }).getByLabel("Day", { exact: true })
        : page.getByLabel(label, { exact: true });
      assert.equal(await control.getAttribute("aria-invalid"), "true");
    }
  } finally {
    await b.close();
  }
});

function keyOf(label) {
  return { "First name": "first", "Last name": "last", "Email": "email", "Date of birth": "dob" }[label];
}

test("document and address rules show their messages", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    await fillPersonal(page, { ...PERSON, email: "jane@example.com" });
    await cont(page);
    for (const [patch, message] of [
      [{ number: "AB/12" }, "This contains characters that are not allowed."],
      [{ docType: "Passport", number: "A".repeat(21) }, "Use at most 20 characters."],
      [{ expiry: "2020-01-01" }, "This document has expired."],
      [{ expiry: "2100-01-01" }, "Enter a date no later than 2099-01-01."],
    ]) {
      await fillDocument(page, { ...PERSON, ...patch });
      await cont(page);
      await page.getByText(message, { exact: true }).first().waitFor();
      assert.equal(await page.getByRole("heading", { name: "Identity document" }).count(), 1);
    }
    await fillDocument(page, PERSON);
    await cont(page);
    for (const [patch, message] of [
      [{ zip: "1234" }, "Enter a valid ZIP / postal code."],
      [{ ssn: "666-12-3456" }, "This is not a valid Social Security Number: the first three digits are never issued."],
      [{ ssn: "123-00-4567" }, "This is not a valid Social Security Number: the middle two digits cannot be 00."],
      [{ ssn: "123-45-0000" }, "This is not a valid Social Security Number: the last four digits cannot be 0000."],
      [{ ssn: "12345" }, "Enter 9 digits, like 123-45-6789."],
      [{ city: "" }, "This field is required."],
    ]) {
      await fillAddress(page, { ...PERSON, ...patch });
      await cont(page);
      await page.getByText(message, { exact: true }).first().waitFor();
      assert.equal(await page.getByRole("heading", { name: "Address" }).count(), 1);
    }
    // The state select lists the 50 states and DC.
    const states = await page.getByLabel("State", { exact: true }).locator("option").count();
    assert.equal(states, 52, "51 states + the empty choice");
  } finally {
    await b.close();
  }
});

test("the widget and the backend name the same fields with the same codes", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    // Personal step with several bad values.
    const badPersonal = { ...PERSON, first: "J4ne", last: "", email: "not-an-email", dob: "2012-05-05" };
    await fillPersonal(page, badPersonal);
    await cont(page);
    await page.locator(".kyc-summary").waitFor();
    const screen1 = await screenErrors(page);
    const d1 = VALID_DRAFT();
    Object.assign(d1, { email: "not-an-email" });
    Object.assign(d1.individualInfo, { firstName: "J4ne", lastName: "", dob: "2012-05-05" });
    assert.deepEqual(screen1, await backendErrors(d1));
    assert.ok(screen1.length >= 4);

    await fillPersonal(page, { ...PERSON, email: "jane@example.com" });
    await cont(page);
    await fillDocument(page, { ...PERSON, docType: "Passport", number: "P" + "1".repeat(25), expiry: "2019-12-31" });
    await cont(page);
    await page.locator(".kyc-summary").waitFor();
    const d2 = VALID_DRAFT();
    Object.assign(d2.individualInfo, { number: "P" + "1".repeat(25), validUntil: "2019-12-31" });
    assert.deepEqual(await screenErrors(page), await backendErrors(d2));

    await fillDocument(page, PERSON);
    await cont(page);
    await fillAddress(page, { ...PERSON, zip: "9410", ssn: "900-12-3456", street: "" });
    await cont(page);
    await page.locator(".kyc-summary").waitFor();
    const d3 = VALID_DRAFT();
    Object.assign(d3.address, { zipCode: "9410", ssn: "900-12-3456", address: "" });
    assert.deepEqual(await screenErrors(page), await backendErrors(d3));
  } finally {
    await b.close();
  }
});

test("photos: unsupported, too small and blurry images get clear messages; ID front and face are required", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    await fillPersonal(page, { ...PERSON, email: "jane@example.com" });
    await cont(page);
    await fillDocument(page, PERSON);
    await cont(page);
    await fillAddress(page, PERSON);
    await cont(page);
    await page.getByRole("heading", { name: "Photos" }).waitFor();
    await cont(page);
    await page.locator('.kyc-error[data-field="documents.idFront"][data-code="required"]').waitFor();
    await page.locator('.kyc-error[data-field="documents.face"][data-code="required"]').waitFor();
    assert.equal(await page.locator('.kyc-error[data-field="documents.idBack"]').count(), 0, "the back of the ID is optional");
    // HEIC, which Chromium cannot decode: refused, saying how to send a JPEG.
    await attach(page, "Front of ID", "photo.heic");
    await page.getByText("This browser cannot open HEIC photos. Send a JPEG: choose the photo on your iPhone, which sends it as a JPEG.").waitFor();
    await attach(page, "Front of ID", "too-small.png");
    await page.getByText("The image is too small: its short side must be at least 480 pixels.").waitFor();
    await attach(page, "Photo of your face", "blurry.jpg");
    await page.getByText("This photo looks blurry — retake?").waitFor({ timeout: 15_000 });
    await attach(page, "Front of ID", "id-front.jpg");
    await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 15_000 });
    // A blurry photo may still be used.
    await cont(page);
    await page.getByRole("heading", { name: "Review" }).waitFor();
  } finally {
    await b.close();
  }
});
