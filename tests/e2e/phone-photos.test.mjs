// Photos from real phones (issue "photos from real phones"): a 12 MP phone JPEG of ~7 MB and a
// 48 MP JPEG chosen as files are accepted, shrunk to the upload form and uploaded; a near-black
// photo is refused in the widget with the rulebook's message. The pictures are generated in the
// page with a canvas (photo-like: gradients, shapes and sensor-like noise).
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, open, PERSON, uniqueEmail, cont, sandboxApplications, BASE, makeJpeg, toPhotosStep } from "./harness.mjs";

test("a 12 MP phone JPEG over 5 MB and a 48 MP JPEG are accepted, shrunk and uploaded", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    const email = uniqueEmail("phone");
    await toPhotosStep(page, { ...PERSON, email });
    const twelve = await makeJpeg(page, 4032, 3024, 0.97);
    const fortyEight = await makeJpeg(page, 8000, 6000, 0.9);
    assert.ok(twelve.length > 5_000_000, `the 12 MP photo is ${twelve.length} bytes: over the upload limit`);
    assert.ok(fortyEight.length < 30_000_000, `the 48 MP photo is ${fortyEight.length} bytes`);
    await page.getByLabel("Front of ID").setInputFiles({ name: "IMG_0001.JPG", mimeType: "image/jpeg", buffer: twelve });
    await page.getByAltText("Preview: Front of ID").waitFor({ timeout: 60_000 });
    await page.getByLabel("Photo of your face").setInputFiles({ name: "IMG_0002.JPG", mimeType: "image/jpeg", buffer: fortyEight });
    await page.getByAltText("Preview: Photo of your face").waitFor({ timeout: 60_000 });
    await cont(page);
    await page.getByRole("heading", { name: "Review" }).waitFor();
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator(".kyc-status").waitFor({ timeout: 60_000 });
    const mine = (await sandboxApplications()).find((a) => a.email === email);
    const detail = await (await fetch(`${BASE}/__sandbox/applications/${mine.requestNo}`)).json();
    for (const f of detail.files.filter((f) => f.type === "idFront" || f.type === "face")) {
      assert.ok(f.size <= 5_000_000, `${f.type} uploaded as ${f.size} bytes`);
    }
    assert.deepEqual(detail.files.map((f) => f.type).filter((t) => t !== "amlReport" && t !== "idvReport"), ["idFront", "face"]);
  } finally {
    await b.close();
  }
});

test("a near-black photo is refused in the widget with the rulebook's message", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    await toPhotosStep(page, { ...PERSON, email: uniqueEmail("dark") });
    const dark = await makeJpeg(page, 1600, 1200, 0.9, true);
    const puts = [];
    page.on("request", (r) => { if (r.method() === "PUT") puts.push(r.url()); });
    await page.getByLabel("Photo of your face").setInputFiles({ name: "dark.jpg", mimeType: "image/jpeg", buffer: dark });
    await page.getByText("This photo is too dark to read. Take it again in more light.").waitFor({ timeout: 30_000 });
    assert.ok((await page.locator('.kyc-error[data-field="documents.face"][data-code="image_too_dark"]').count()) >= 1);
    assert.deepEqual(puts, [], "nothing was sent");
  } finally {
    await b.close();
  }
});
