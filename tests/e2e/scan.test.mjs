// "Scan your ID" (issue 24): a licence back's PDF417 barcode read in the browser by the lazily
// loaded reader module, from a file and from Chromium's fake camera playing a generated video;
// the fields filled and marked; a photo without a barcode said plainly; Review naming what
// differs from the document; the back of ID kept on the Photos step read too. The documents are
// fictitious people made by `kyc-reader`'s generator (KYC_DOCUMENTS_DIR, written by xtask).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launch, open, cont, toPhotosStep, attach, axe, scanFile, reviewListsOnlyLastName, uniqueEmail, FIXTURES, PERSON } from "./harness.mjs";
import { cameraArgs } from "./fake-camera.mjs";

const DOCS = process.env.KYC_DOCUMENTS_DIR;
if (!DOCS) throw new Error("KYC_DOCUMENTS_DIR is not set: run the e2e tests through `cargo xtask`");
const MANIFEST = JSON.parse(readFileSync(join(DOCS, "documents.json"), "utf8"));
const V10 = MANIFEST["licence-v10"].fills;

/** Every request the page makes, by URL. */
function requests(page) {
  const urls = [];
  page.on("request", (r) => urls.push(r.url()));
  return urls;
}

async function scanButton(page) {
  return page.getByRole("button", { name: /^Scan your ID/ });
}

async function filledLine(page) {
  const status = page.locator(".kyc-scan-status, .kyc-scan .kyc-error").last();
  await page.waitForFunction(() => {
    const s = document.querySelector("#kyc .kyc-scan [role=status], #kyc .kyc-scan [role=alert]");
    // Past "Reading your ID…" and the camera's "Hold your ID in view…".
    return s && s.textContent && !/Reading|Hold your ID/.test(s.textContent);
  }, null, { timeout: 30_000 });
  return status.textContent();
}

test("scanning a licence back from a file fills every step, marked as read from the ID; editing a field unmarks it", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    const urls = requests(page);
    // Nothing of the reader module is fetched before a person scans.
    assert.ok(!urls.some((u) => u.includes("/reader/")), "the reader module is not loaded on page load");
    await scanFile(page, join(DOCS, "licence-v10.jpg"));
    const line = await filledLine(page);
    assert.match(line, /We filled in \d+ fields from your ID\. Please check them\./);
    await axe(page, "the scan panel with the fields filled and marked");
    assert.ok(urls.some((u) => u.includes("/reader/kyc_reader_bg.wasm")), "the reader module was loaded to scan");

    const last = page.locator("#kyc input[id$='individualInfo-lastName']");
    assert.equal(await last.inputValue(), V10["individualInfo.lastName"]);
    assert.equal(await last.getAttribute("data-kyc-source"), "document");
    assert.equal(await page.locator("#kyc input[id$='individualInfo-firstName']").inputValue(), V10["individualInfo.firstName"]);
    assert.equal(await page.locator("#kyc select[id$='individualInfo-gender']").inputValue(), V10["individualInfo.gender"]);
    const dob = page.locator("#kyc fieldset[id$='individualInfo-dob']");
    assert.equal(await dob.getAttribute("data-kyc-source"), "document");
    assert.equal(await dob.locator("input[id$='-year']").inputValue(), V10["individualInfo.dob"].slice(0, 4));
    // The mark is visible text beside the label.
    const mark = await page.locator("#kyc label[for$='individualInfo-lastName']").evaluate((l) => getComputedStyle(l, "::after").content);
    assert.match(mark, /From your ID/);

    // Editing a field takes its mark away; the others keep theirs.
    await last.fill("Sampler");
    assert.equal(await last.getAttribute("data-kyc-source"), null);
    assert.equal(await page.locator("#kyc input[id$='individualInfo-firstName']").getAttribute("data-kyc-source"), "document");

    // The other steps were filled too.
    await page.getByLabel("Email", { exact: true }).fill(uniqueEmail("scan"));
    await page.getByLabel(/^Nationality/).selectOption("US");
    await cont(page);
    await page.getByRole("heading", { name: "Identity document" }).waitFor();
    assert.equal(await page.locator("#kyc input[id$='individualInfo-number']").inputValue(), V10["individualInfo.number"]);
    assert.equal(await page.locator("#kyc select[id$='individualInfo-idDocType']").inputValue(), "4");
    await cont(page);
    await page.getByRole("heading", { name: "Address" }).waitFor();
    assert.equal(await page.locator("#kyc input[id$='address-zipCode']").inputValue(), V10["address.zipCode"]);
    assert.equal(await page.locator("#kyc input[id$='address-city']").getAttribute("data-kyc-source"), "document");
    await page.getByLabel("Social Security Number", { exact: true }).fill("123-45-6789");
    await cont(page);
    await page.getByRole("heading", { name: "Photos" }).waitFor();
    // The scanned side is kept as the back of the ID.
    await page.getByAltText("Preview: Back of ID").waitFor({ timeout: 15_000 });

    // Review names the field that differs from the document, with what it says, and an Edit.
    await attach(page, "Front of ID", "id-front.jpg");
    await attach(page, "Photo of your face", "rotated-gps.jpg");
    await page.getByAltText("Preview: Photo of your face").waitFor({ timeout: 15_000 });
    await cont(page);
    await page.getByRole("heading", { name: "Review" }).waitFor();
    const item = await reviewListsOnlyLastName(page, "Sample");
    await axe(page, "Review with the differences from the ID");
    await item.getByRole("button", { name: /Edit/ }).click();
    await page.getByRole("heading", { name: "Personal details" }).waitFor();
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("a photo without a barcode or a zone says so, and typing goes on", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    await scanFile(page, FIXTURES + "id-front.jpg");
    const line = await filledLine(page);
    assert.match(line, /couldn't read a barcode or passport lines/);
    const alert = page.locator("#kyc .kyc-scan [role=alert]");
    assert.equal(await alert.getAttribute("data-code"), "no_document");
    // Nothing was filled or marked; the person types.
    assert.equal(await page.locator("#kyc [data-kyc-source]").count(), 0);
    await page.getByLabel("First name", { exact: true }).fill("Jane");
    assert.equal(await page.locator("#kyc input[id$='individualInfo-firstName']").inputValue(), "Jane");
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("the fake camera playing a licence back: read as soon as the barcode decodes", async () => {
  const b = await launch({}, cameraArgs(join(DOCS, "licence-v10.y4m")));
  try {
    const page = await open(b.ctx);
    await (await scanButton(page)).click();
    await page.locator("#kyc .kyc-scan").getByRole("button", { name: "Use camera" }).click();
    const line = await filledLine(page);
    assert.match(line, /We filled in \d+ fields/);
    assert.equal(await page.locator("#kyc input[id$='individualInfo-lastName']").inputValue(), V10["individualInfo.lastName"]);
    // The camera is off once the photo is taken.
    await page.waitForFunction(() => !document.querySelector("#kyc .kyc-scan video")?.srcObject);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("a back of ID taken on the Photos step is read: what was typed stays, and Review names what differs", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    // Typed by hand: another number and expiry than the document's; the rest as on it.
    const person = { ...PERSON, email: uniqueEmail("back"), docType: "Driver's licence", number: "D7654321", last: "Sample" };
    await toPhotosStep(page, person);
    await attach(page, "Front of ID", "id-front.jpg");
    await page.getByLabel("Back of ID", { exact: true }).setInputFiles(join(DOCS, "licence-v10.jpg"));
    await attach(page, "Photo of your face", "rotated-gps.jpg");
    for (const label of ["Front of ID", "Back of ID", "Photo of your face"]) {
      await page.getByAltText(`Preview: ${label}`).waitFor({ timeout: 15_000 });
    }
    await cont(page);
    await page.getByRole("heading", { name: "Review" }).waitFor();
    const list = page.locator("#kyc .kyc-doc-check li");
    await list.first().waitFor({ timeout: 20_000 });
    const fields = await list.evaluateAll((els) => els.map((e) => e.dataset.field).sort());
    assert.deepEqual(fields, ["individualInfo.number", "individualInfo.validUntil"]);
    assert.match(await list.filter({ hasText: "Document number" }).textContent(), /Your ID says “D1234567”/);
    // Nothing typed was overwritten.
    await page.getByRole("button", { name: /Edit.*Document number/ }).click();
    await page.getByRole("heading", { name: "Identity document" }).waitFor();
    assert.equal(await page.locator("#kyc input[id$='individualInfo-number']").inputValue(), "D7654321");
    assert.equal(await page.locator("#kyc [data-kyc-source]").count(), 0);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

/** A demo server of our own with `env` (the refuse mode), stopped by `stop()`. */
async function ownServer(env) {
  const { spawn } = await import("node:child_process");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const bin = process.env.KYC_SERVER_BIN;
  assert.ok(bin, "KYC_SERVER_BIN is set by cargo xtask");
  const data = mkdtempSync(join(tmpdir(), "kyc-refuse-"));
  const child = spawn(bin, ["demo", "--addr", "127.0.0.1:0", "--data-dir", data, "--widget-dir", "dist"], {
    env: { ...process.env, ...env, KYC_SANDBOX_REVIEW_DELAY_MS: "500" }, stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (m) resolve(m[0]);
    });
    child.on("exit", (c) => reject(new Error(`the demo server exited (${c})`)));
  });
  return { url, stop() { child.kill(); rmSync(data, { recursive: true, force: true }); } };
}

test("KYC_DOCUMENT_MISMATCH=refuse: a last name that differs from the ID is refused on Review, fixed there, then sent", async () => {
  const server = await ownServer({ KYC_DOCUMENT_MISMATCH: "refuse" });
  const b = await launch();
  try {
    const page = await b.ctx.newPage();
    await page.goto(`${server.url}/?user=refuse-${Date.now()}`);
    await page.locator("#kyc > .kyc-root:not([data-kyc-shell]) .kyc-widget").waitFor();
    await scanFile(page, join(DOCS, "licence-v10.jpg"));
    assert.match(await filledLine(page), /We filled in/);
    await page.locator("#kyc input[id$='individualInfo-lastName']").fill("Sampler");
    await page.getByLabel("Email", { exact: true }).fill(uniqueEmail("refuse"));
    await page.getByLabel(/^Nationality/).selectOption("US");
    await cont(page);
    await page.getByRole("heading", { name: "Identity document" }).waitFor();
    await cont(page);
    await page.getByRole("heading", { name: "Address" }).waitFor();
    await page.getByLabel("Social Security Number", { exact: true }).fill("123-45-6789");
    await cont(page);
    await page.getByRole("heading", { name: "Photos" }).waitFor();
    await attach(page, "Front of ID", "id-front.jpg");
    await attach(page, "Photo of your face", "rotated-gps.jpg");
    await page.getByAltText("Preview: Photo of your face").waitFor({ timeout: 15_000 });
    await page.getByAltText("Preview: Back of ID").waitFor({ timeout: 15_000 });
    await cont(page);
    await page.getByRole("heading", { name: "Review" }).waitFor();
    await page.getByRole("button", { name: "Submit" }).click();
    // The server's 422: shown on Review, naming the field; nothing was created.
    const refused = page.locator("#kyc .kyc-summary");
    await refused.waitFor({ timeout: 20_000 });
    assert.match(await refused.textContent(), /Last name: Differs from your ID document\./);
    await page.getByRole("heading", { name: "Review" }).waitFor();
    const apps = await (await fetch(`${server.url}/__sandbox/applications`)).json();
    assert.equal(apps.length, 0, "nothing reached the provider");
    // Fixed through Review's list, then sent.
    await page.locator("#kyc .kyc-doc-check li[data-field='individualInfo.lastName']").getByRole("button", { name: /Edit/ }).click();
    await page.getByRole("heading", { name: "Personal details" }).waitFor();
    await page.locator("#kyc input[id$='individualInfo-lastName']").fill("Sample");
    for (const h of ["Identity document", "Address", "Photos", "Review"]) {
      await cont(page);
      await page.getByRole("heading", { name: h }).waitFor();
    }
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator(".kyc-status").waitFor({ timeout: 30_000 });
    assert.equal((await (await fetch(`${server.url}/__sandbox/applications`)).json()).length, 1);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
    server.stop();
  }
});

test("continue on a phone: the back of ID the phone takes is read on the desktop", async () => {
  const desktop = await launch();
  const phone = await launch({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    const page = await open(desktop.ctx);
    const person = { ...PERSON, email: uniqueEmail("phoneback"), docType: "Driver's licence", number: "D7654321", last: "Sample" };
    await toPhotosStep(page, person);
    await page.getByRole("button", { name: "Continue on your phone" }).click();
    const linkField = page.locator("input.kyc-handoff-link");
    await linkField.waitFor({ timeout: 15_000 });
    const p = await phone.ctx.newPage();
    await p.goto(await linkField.inputValue());
    await p.locator(".kyc-match").waitFor({ timeout: 20_000 });
    await p.getByLabel("Back of ID", { exact: true }).setInputFiles(join(DOCS, "licence-v10.jpg"));
    await attach(p, "Front of ID", "id-front.jpg");
    await attach(p, "Photo of your face", "face.jpg");
    for (const label of ["Front of ID", "Back of ID", "Photo of your face"]) {
      await p.locator("fieldset.kyc-photo").filter({ hasText: label }).first().getByText("Uploaded").waitFor({ timeout: 20_000 });
    }
    await page.getByAltText("Preview: Back of ID").waitFor({ timeout: 20_000 });
    await p.getByRole("button", { name: "I'm done" }).click();
    await page.getByRole("heading", { name: "Review" }).waitFor({ timeout: 20_000 });
    const list = page.locator("#kyc .kyc-doc-check li");
    await list.first().waitFor({ timeout: 20_000 });
    const fields = await list.evaluateAll((els) => els.map((e) => e.dataset.field).sort());
    assert.deepEqual(fields, ["individualInfo.number", "individualInfo.validUntil"]);
    assert.deepEqual(desktop.errors, []);
  } finally {
    await desktop.close();
    await phone.close();
  }
});

test("where the browser has a BarcodeDetector that reads PDF417, it is used first", async () => {
  const b = await launch();
  try {
    // A stand-in detector (Chromium on Linux has none): it "finds" the licence's payload on any
    // picture, so a photo with no barcode at all fills the fields only through it.
    await b.ctx.addInitScript((payload) => {
      window.BarcodeDetector = class {
        static async getSupportedFormats() { return ["qr_code", "pdf417"]; }
        constructor(o) { this.formats = o.formats; }
        async detect() { return this.formats.includes("pdf417") ? [{ format: "pdf417", rawValue: payload }] : []; }
      };
    }, MANIFEST["licence-v10"].payload);
    const page = await open(b.ctx);
    await scanFile(page, FIXTURES + "id-front.jpg");
    assert.match(await filledLine(page), /We filled in \d+ fields/);
    assert.equal(await page.locator("#kyc input[id$='individualInfo-lastName']").inputValue(), V10["individualInfo.lastName"]);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
