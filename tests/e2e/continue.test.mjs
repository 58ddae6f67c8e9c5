// Continue, never dead-end (docs/api.md): a reload gets a new session token for the same
// partner user, and the widget opens where that person's application stands.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, uniqueEmail, open, PERSON, throughPhotos, newUser } from "./harness.mjs";

test("a reload after submitting opens on the result screen with a new token", async () => {
  const b = await launch();
  try {
    const user = newUser("reload");
    const page = await open(b.ctx, `?user=${user}`);
    await throughPhotos(page, { ...PERSON, email: uniqueEmail("reload") });
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator(".kyc-status").waitFor({ timeout: 30_000 });
    // A reload: the demo page asks for a new session for the same user.
    await page.reload();
    await page.locator(".kyc-status", { hasText: "approved" }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByLabel("First name").count(), 0, "not back at the first step");
    assert.equal(await page.locator("body").getAttribute("data-kyc-step"), "result");
    // Another browser, another token, the same person: the same result.
    const other = await launch();
    try {
      const p2 = await other.ctx.newPage();
      await p2.goto(`${BASE}/?user=${user}`);
      await p2.locator(".kyc-status", { hasText: "approved" }).waitFor({ timeout: 30_000 });
    } finally {
      await other.close();
    }
  } finally {
    await b.close();
  }
});

test("a reload after a failed submit opens on Review with every value and photo back", async () => {
  const b = await launch();
  try {
    const user = newUser("half");
    const page = await open(b.ctx, `?user=${user}`);
    const person = { ...PERSON, email: uniqueEmail("half") };
    await throughPhotos(page, person);
    // The application is created, then the submit is refused by the network.
    await page.route("**/submit", (r) => r.abort());
    await page.getByRole("button", { name: "Submit" }).click();
    await page.getByRole("button", { name: "Try again" }).waitFor({ timeout: 30_000 });
    await page.unroute("**/submit");
    await page.reload();
    await page.getByRole("heading", { name: "Review" }).waitFor({ timeout: 15_000 });
    // The staged photos are back (Review lists each as uploaded).
    await page.getByText("Uploaded").nth(2).waitFor({ timeout: 15_000 });
    const review = await page.locator(".kyc-step").innerText();
    for (const v of ["Jane", person.email, "X1234567", "94105"]) assert.ok(review.includes(v), v);
    await page.getByRole("button", { name: "Submit" }).click();
    await page.locator(".kyc-status", { hasText: "approved" }).waitFor({ timeout: 30_000 });
  } finally {
    await b.close();
  }
});
