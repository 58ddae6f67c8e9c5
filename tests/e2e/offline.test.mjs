// A network cut during a photo upload: the widget says what failed and offers "Try again";
// when the network is back, the flow completes with nothing lost.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, uniqueEmail, sandboxApplications, open, PERSON, throughPhotos } from "./harness.mjs";

test("network cut during a photo upload, then restored, completes with no data lost", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    const person = { ...PERSON, email: uniqueEmail("offline") };
    await throughPhotos(page, person, { "Front of ID": "id-front.jpg", "Photo of your face": "face.jpg" });
    let cut = false;
    await page.route("**/documents/face", async (route) => {
      if (!cut) {
        cut = true;
        await b.ctx.setOffline(true);
        await route.abort("internetdisconnected");
      } else {
        await route.continue();
      }
    });
    await page.getByRole("button", { name: "Submit" }).click();
    await page.getByText("We could not reach the server. Nothing you entered was lost.").waitFor({ timeout: 15_000 });
    await page.getByText("The upload failed. Your photo is kept.").waitFor();
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
