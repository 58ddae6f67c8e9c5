// Never lose the applicant (issue 13): continue on a phone — a desktop without a camera and an
// emulated phone with a fake camera — and survive a reload on every step, with nothing in any
// browser storage and nothing in plaintext in the database.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import {
  BASE, launch, uniqueEmail, sandboxApplications, open, PERSON, toPhotosStep, attach, cont, newUser, dumpStorage,
  fillPersonal, fillDocument, fillAddress,
} from "./harness.mjs";
import { y4m, card, cameraArgs } from "./fake-camera.mjs";

// Sentinels: searched for in every storage area and in the database files.
const SENTINEL = {
  ...PERSON, first: "Zzsentinel", last: "Qqtest", city: "Sentinelville", street: "77 Sentinel Road",
  number: "X9Z8Y7W6", docType: "National ID card",
};
const TYPED = [SENTINEL.first, SENTINEL.last, SENTINEL.city, SENTINEL.street, SENTINEL.number];
// Image data as it would sit in storage: a data URL, or JPEG / PNG bytes in base64.
const IMAGE_MARKS = ["data:image", "/9j/", "iVBORw0KGgo"];

async function assertNothingStored(page, ctx, where) {
  const dump = await dumpStorage(page, ctx);
  for (const s of [...TYPED, ...IMAGE_MARKS]) assert.ok(!dump.includes(s), `${where}: browser storage holds ${s}`);
}

/** A session for `user` as the partner's server would make one (the demo needs no admin key). */
async function sessionFor(user) {
  const r = await fetch(`${BASE}/v1/sessions`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ externalUserId: user }),
  });
  assert.equal(r.status, 201);
  return (await r.json()).sessionToken;
}

async function api(token, path) {
  return fetch(`${BASE}${path}`, { headers: { Authorization: `Bearer ${token}` } });
}

/** The database files of the demo server (SQLite file and its WAL). */
function databaseBytes() {
  const dir = process.env.KYC_E2E_DATA_DIR;
  assert.ok(dir, "KYC_E2E_DATA_DIR is set by cargo xtask");
  return ["kyc-demo.db", "kyc-demo.db-wal"].map((f) => join(dir, f)).filter(existsSync).map((f) => readFileSync(f));
}

function slot(page, name) {
  return page.locator("fieldset.kyc-photo").filter({ hasText: name }).first();
}

test("continue on a phone: the phone takes the photos, the desktop follows to Review and submits", async () => {
  const desktop = await launch();
  const sharp = y4m("handoff-card", [[card("card"), 6]]);
  const phone = await launch({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }, cameraArgs(sharp));
  const other = await launch();
  try {
    const user = newUser("handoff");
    const person = { ...SENTINEL, email: uniqueEmail("handoff") };
    const page = await open(desktop.ctx, `?user=${user}`);
    await toPhotosStep(page, person);
    assert.equal(await page.getByRole("button", { name: "Take a photo" }).count(), 0, "the desktop has no camera");
    await page.getByRole("button", { name: "Continue on your phone" }).click();
    const linkField = page.locator("input.kyc-handoff-link");
    await linkField.waitFor({ timeout: 15_000 });
    const link = await linkField.inputValue();
    const code = (await page.locator(".kyc-match").innerText()).trim();
    assert.match(code, /^Match code: [A-Z2-9]{3}-[A-Z2-9]{3}$/);
    const url = new URL(link);
    assert.ok(url.hash.startsWith("#kyc-handoff="), "the token is in the fragment");
    assert.equal(url.search, `?user=${user}`, "nothing but the page's own query before it");
    assert.ok(await page.getByRole("img", { name: "QR code with the link for your phone" }).isVisible());

    // The phone opens the link: same match code, guided capture for the front, a file for the face.
    const p = await phone.ctx.newPage();
    await p.goto(link);
    await p.locator(".kyc-match").waitFor({ timeout: 20_000 });
    assert.equal((await p.locator(".kyc-match").innerText()).trim(), code);
    await page.locator(".kyc-handoff-state", { hasText: "Phone connected" }).waitFor({ timeout: 15_000 });
    const front = slot(p, "Front of ID");
    await front.getByRole("button", { name: "Take a photo" }).click();
    try {
      await front.getByText("Uploaded").waitFor({ timeout: 20_000 });
    } catch {
      await front.getByRole("button", { name: "Take photo" }).click();
      await front.getByText("Uploaded").waitFor({ timeout: 20_000 });
    }
    assert.equal(await p.locator("video").count(), 0, "the camera is closed after the capture");
    await attach(p, "Photo of your face", "face.jpg");
    await slot(p, "Photo of your face").getByText("Uploaded").waitFor({ timeout: 20_000 });

    // The desktop shows each photo as received, with its preview.
    await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 20_000 });
    await page.getByAltText("Preview: Photo of your face").waitFor({ timeout: 20_000 });
    await p.getByRole("button", { name: "I'm done" }).click();
    await p.getByText("Done — go back to your computer").waitFor({ timeout: 15_000 });
    await page.getByRole("heading", { name: "Review" }).waitFor({ timeout: 20_000 });
    await assertNothingStored(page, desktop.ctx, "desktop");
    await assertNothingStored(p, phone.ctx, "phone");
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator(".kyc-status", { hasText: "approved" }).waitFor({ timeout: 30_000 });

    const mine = (await sandboxApplications()).find((a) => a.email === person.email);
    const detail = await (await fetch(`${BASE}/__sandbox/applications/${mine.requestNo}`)).json();
    assert.deepEqual(detail.files.map((f) => f.type).sort(), ["amlReport", "face", "idFront", "idvReport"]);
    // Reopening the link after the submit finds nothing to add to.
    const again = await other.ctx.newPage();
    await again.goto(link);
    await again.locator(".kyc-error").waitFor({ timeout: 15_000 });
  } finally {
    await desktop.close();
    await phone.close();
    await other.close();
  }
});

test("a link opened on another device ends for both: the desktop says so and makes a new one", async () => {
  const desktop = await launch();
  const phone = await launch({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const other = await launch();
  try {
    const user = newUser("handoff-taken");
    const page = await open(desktop.ctx, `?user=${user}`);
    await toPhotosStep(page, { ...PERSON, email: uniqueEmail("handoff-taken") });
    await page.getByRole("button", { name: "Continue on your phone" }).click();
    await page.locator("input.kyc-handoff-link").waitFor({ timeout: 15_000 });
    const link = await page.locator("input.kyc-handoff-link").inputValue();
    // The first device to open the link (a stranger's, when it leaked) stages a face photo.
    const p = await phone.ctx.newPage();
    await p.goto(link);
    await p.locator(".kyc-match").waitFor({ timeout: 20_000 });
    await page.locator(".kyc-handoff-state", { hasText: "Phone connected" }).waitFor({ timeout: 15_000 });
    await attach(p, "Photo of your face", "face.jpg");
    await slot(p, "Photo of your face").getByText("Uploaded").waitFor({ timeout: 20_000 });
    // The desktop shows it in its slot.
    await slot(page, "Photo of your face").locator("img:not([hidden])").waitFor({ timeout: 20_000 });

    // Another device opens it: refused, and the link ends for both.
    const q = await other.ctx.newPage();
    await q.goto(link);
    await q.getByText("This link was already opened on another device.").waitFor({ timeout: 15_000 });
    // The desktop says so in its live status line, and offers a new link.
    const status = page.locator(".kyc-handoff-status[role=status][aria-live=polite]");
    await status.getByText("Someone else opened your link — make a new one").waitFor({ timeout: 15_000 });
    // The photo that came through the link is gone from the desktop's slot too: nothing shown
    // there that the backend no longer holds.
    await slot(page, "Photo of your face").locator("img:not([hidden])").waitFor({ state: "detached", timeout: 15_000 });
    const token = await sessionFor(user);
    const h = await api(token, "/v1/handoff").then((r) => r.json());
    assert.equal(h.state, "taken");
    assert.deepEqual(h.photos, [], "the photo that came through the link is dropped");
    // The first device can add nothing more.
    await attach(p, "Front of ID", "id-front.jpg");
    await slot(p, "Front of ID").getByText("The upload failed").waitFor({ timeout: 20_000 });
    assert.deepEqual((await api(token, "/v1/handoff").then((r) => r.json())).photos, []);

    // A new link works again (on the phone that holds it).
    await page.getByRole("button", { name: "Make a new link" }).click();
    await page.waitForFunction((old) => document.querySelector("input.kyc-handoff-link")?.value !== old, link);
    const fresh = await page.locator("input.kyc-handoff-link").inputValue();
    const p2 = await phone.ctx.newPage();
    await p2.goto(fresh);
    await p2.locator(".kyc-match").waitFor({ timeout: 20_000 });
    await page.locator(".kyc-handoff-state", { hasText: "Phone connected" }).waitFor({ timeout: 15_000 });
  } finally {
    await desktop.close();
    await phone.close();
    await other.close();
  }
});

test("the desktop can end the link or make a new one, and go on with this device", async () => {
  const desktop = await launch();
  const phone = await launch({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    const page = await open(desktop.ctx);
    await toPhotosStep(page, { ...PERSON, email: uniqueEmail("cancel") });
    await page.getByRole("button", { name: "Continue on your phone" }).click();
    await page.locator("input.kyc-handoff-link").waitFor({ timeout: 15_000 });
    const first = await page.locator("input.kyc-handoff-link").inputValue();
    // A new link ends the old one.
    await page.getByRole("button", { name: "Make a new link" }).click();
    await page.waitForFunction((old) => document.querySelector("input.kyc-handoff-link")?.value !== old, first);
    const second = await page.locator("input.kyc-handoff-link").inputValue();
    const p = await phone.ctx.newPage();
    await p.goto(first);
    await p.getByText("This link can no longer be used").waitFor({ timeout: 15_000 });
    // "Use this device instead" ends the new one too, and the photos are taken here.
    await page.getByRole("button", { name: "Use this device instead" }).click();
    await page.getByRole("button", { name: "Continue on your phone" }).waitFor();
    const p2 = await phone.ctx.newPage();
    await p2.goto(second);
    await p2.getByText("This link can no longer be used").waitFor({ timeout: 15_000 });
    await attach(page, "Front of ID", "id-front.jpg");
    await attach(page, "Photo of your face", "face.jpg");
    await page.getByText("Uploaded").nth(1).waitFor({ timeout: 20_000 });
    await cont(page);
    await page.getByRole("heading", { name: "Review" }).waitFor();
  } finally {
    await desktop.close();
    await phone.close();
  }
});

test("a reload on every step brings back every value and photo; nothing is kept by the browser or in plaintext", async () => {
  const b = await launch();
  try {
    const user = newUser("reload-steps");
    const person = { ...SENTINEL, email: uniqueEmail("reload-steps") };
    const page = await open(b.ctx, `?user=${user}`);
    await assertNothingStored(page, b.ctx, "start");
    await fillPersonal(page, person);
    await cont(page);
    await page.getByRole("heading", { name: "Identity document" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Identity document" }).waitFor({ timeout: 15_000 });
    await assertNothingStored(page, b.ctx, "document step after a reload");
    await page.getByRole("button", { name: "Back" }).click();
    assert.equal(await page.getByLabel("First name").inputValue(), person.first);
    assert.equal(await page.getByLabel("Email").inputValue(), person.email);
    await cont(page);
    await fillDocument(page, person);
    await cont(page);
    await page.getByRole("heading", { name: "Address" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Address" }).waitFor({ timeout: 15_000 });
    await page.getByRole("button", { name: "Back" }).click();
    assert.equal(await page.getByLabel("Document number").inputValue(), person.number);
    await cont(page);
    await fillAddress(page, person);
    await cont(page);
    await page.getByRole("heading", { name: "Photos" }).waitFor();
    await attach(page, "Front of ID", "id-front.jpg");
    await attach(page, "Photo of your face", "face.jpg");
    await page.getByText("Uploaded").nth(1).waitFor({ timeout: 20_000 });
    await assertNothingStored(page, b.ctx, "photos step");
    await page.reload();
    await page.getByRole("heading", { name: "Photos" }).waitFor({ timeout: 15_000 });
    await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 15_000 });
    await page.getByAltText("Preview: Photo of your face").waitFor({ timeout: 15_000 });
    await assertNothingStored(page, b.ctx, "photos step after a reload");

    // The database holds none of it in plaintext: no typed value, no bytes of a staged photo.
    const token = await sessionFor(user);
    const staged = await api(token, "/v1/session").then((r) => r.json());
    assert.equal(staged.staged.draft.individualInfo.firstName, person.first, "the server has the draft");
    const face = Buffer.from(await (await api(token, "/v1/photos/face")).arrayBuffer());
    assert.ok(face.length > 1000);
    const chunk = face.subarray(Math.floor(face.length / 2), Math.floor(face.length / 2) + 48);
    for (const bytes of databaseBytes()) {
      for (const s of TYPED) assert.ok(!bytes.includes(Buffer.from(s)), `the database holds ${s} in plaintext`);
      assert.ok(!bytes.includes(chunk), "the database holds a staged photo's bytes in plaintext");
    }

    await cont(page);
    await page.getByRole("heading", { name: "Review" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Review" }).waitFor({ timeout: 15_000 });
    const review = await page.locator(".kyc-step").innerText();
    for (const v of [person.first, person.last, person.number, person.city]) assert.ok(review.includes(v), v);
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator(".kyc-status", { hasText: "approved" }).waitFor({ timeout: 30_000 });
    await assertNothingStored(page, b.ctx, "after completion");
    // After the submit the staging is gone.
    const after = await api(token, "/v1/session").then((r) => r.json());
    assert.equal(after.staged, null);
    assert.equal((await api(token, "/v1/photos/face")).status, 404);
  } finally {
    await b.close();
  }
});
