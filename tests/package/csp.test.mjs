// The script-tag build under the strict CSP of the package README: the whole flow completes
// with zero securitypolicyviolation events. Negative control: without 'wasm-unsafe-eval' the
// browser reports a "wasm-eval" violation (so the policy line is necessary and sufficient).
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, PERSON, uniqueEmail, throughPhotos } from "../e2e/harness.mjs";
import { withCspServer as withServer, STATIC_PORT } from "./csp-page.mjs";

test("under the strict CSP the whole flow completes with zero violations", async () => {
  await withServer(true, async () => {
    const b = await launch();
    try {
      const page = await b.ctx.newPage();
      const resp = await page.goto(`http://127.0.0.1:${STATIC_PORT}/`);
      assert.match(resp.headers()["content-security-policy"], /wasm-unsafe-eval/);
      await page.getByLabel("First name").waitFor({ timeout: 15_000 });
      const person = { ...PERSON, email: uniqueEmail("csp") };
      await throughPhotos(page, person, { "Front of ID": "id-front.jpg", "Photo of your face": "face.jpg" });
      await page.getByRole("button", { name: "Submit" }).click();
      await page.getByText("done: approved").waitFor({ timeout: 30_000 });
      assert.deepEqual(await page.evaluate(() => window.__violations), []);
      assert.deepEqual(b.errors, []);
      const primary = await page.locator(".kyc-root").evaluate((el) => getComputedStyle(el).getPropertyValue("--kyc-color-primary").trim());
      assert.equal(primary, "#5b2a86", "the theme applied without a style attribute in markup");
    } finally {
      await b.close();
    }
  });
});

test("without 'wasm-unsafe-eval' the browser blocks the wasm and reports wasm-eval", async () => {
  await withServer(false, async () => {
    const b = await launch();
    try {
      const page = await b.ctx.newPage();
      await page.goto(`http://127.0.0.1:${STATIC_PORT}/`);
      await page.getByText("mount failed").waitFor({ timeout: 15_000 });
      const v = await page.evaluate(() => window.__violations);
      assert.ok(v.some((x) => x.includes("wasm-eval")), JSON.stringify(v));
    } finally {
      await b.close();
    }
  });
});
