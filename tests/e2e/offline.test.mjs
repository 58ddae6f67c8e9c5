// A network cut while a photo is staged: the widget says the upload failed and keeps the photo;
// Submit sends it again first and, while still offline, says the server cannot be reached; when
// the network is back, "Try again" completes the flow with nothing lost.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, uniqueEmail, sandboxApplications, open, PERSON, toPhotosStep, attach, cont } from "./harness.mjs";

test("network cut while a photo is staged, then restored, completes with no data lost", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    const person = { ...PERSON, email: uniqueEmail("offline") };
    await toPhotosStep(page, person);
    await attach(page, "Front of ID", "id-front.jpg");
    await page.getByText("Uploaded").first().waitFor({ timeout: 15_000 });
    let cut = false;
    await page.route("**/v1/photos/face", async (route) => {
      if (!cut) {
        cut = true;
        await b.ctx.setOffline(true);
        await route.abort("internetdisconnected");
      } else {
        await route.continue();
      }
    });
    await attach(page, "Photo of your face", "face.jpg");
    await page.getByText("The upload failed. Your photo is kept.").waitFor({ timeout: 15_000 });
    await cont(page);
    await page.getByRole("heading", { name: "Review" }).waitFor();
    await page.getByRole("button", { name: "Submit" }).click();
    await page.getByText("We could not reach the server. Nothing you entered was lost.").waitFor({ timeout: 15_000 });
    // Everything typed is still there.
    const review = await page.locator(".kyc-step").innerText();
    for (const v of ["Jane", person.email, "X1234567", "94105", "•••-••-6789"]) assert.ok(review.includes(v), v);
    await b.ctx.setOffline(false);
    await page.getByRole("button", { name: "Try again" }).click();
    await page.locator(".kyc-status", { hasText: "approved" }).waitFor({ timeout: 30_000 });
    const mine = (await sandboxApplications()).find((a) => a.email === person.email);
    const detail = await (await fetch(`${BASE}/__sandbox/applications/${mine.requestNo}`)).json();
    assert.deepEqual(detail.files.map((f) => f.type).sort(), ["amlReport", "face", "idFront", "idvReport"]);
    assert.equal(detail.calls.information, 1, "the application was created once");
  } finally {
    await b.close();
  }
});
