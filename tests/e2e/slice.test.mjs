// The walking skeleton's slice, as a person would do it: open the demo page, type a name and
// email, press Continue, see the status; then check the request reached the sandbox.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, uniqueEmail, sandboxApplications } from "./harness.mjs";

test("a person types a name and email, presses Continue and sees the status", async () => {
  const b = await launch();
  try {
    const page = await b.ctx.newPage();
    await page.goto(BASE + "/");
    const email = uniqueEmail("slice");
    await page.getByLabel("First name").pressSequentially("Jane", { delay: 10 });
    await page.getByLabel("Last name").pressSequentially("Doe", { delay: 10 });
    await page.getByLabel("Email").pressSequentially(email, { delay: 5 });
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("Status: draft").waitFor({ timeout: 10_000 });

    const list = await sandboxApplications();
    const mine = list.find((a) => a.email === email);
    assert.ok(mine, "the sandbox lists the application");
    const detail = await (await fetch(`${BASE}/__sandbox/applications/${mine.requestNo}`)).json();
    assert.equal(detail.request.individualInfo.firstName, "Jane");
    assert.equal(detail.request.individualInfo.lastName, "Doe");
    assert.equal(detail.request.email, email);
    assert.equal(detail.kycStatus, "init");
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("Continue with an empty first name shows the error and sends nothing", async () => {
  const b = await launch();
  try {
    const page = await b.ctx.newPage();
    const before = (await sandboxApplications()).length;
    await page.goto(BASE + "/");
    await page.getByLabel("Last name").pressSequentially("Doe");
    await page.getByLabel("Email").pressSequentially(uniqueEmail("empty"));
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("This field is required.").waitFor();
    const first = page.getByLabel("First name");
    assert.equal(await first.getAttribute("aria-invalid"), "true");
    assert.ok(await first.evaluate((el) => el === document.activeElement), "focus is on First name");
    assert.equal((await sandboxApplications()).length, before);
  } finally {
    await b.close();
  }
});
