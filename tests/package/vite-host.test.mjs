// The packed tarball, installed by file path into a Vite app, built, loaded in Chromium,
// mounted against the demo backend (CORS allow-listed), first step completed, unmounted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, BASE, fillPersonal, cont, PERSON, uniqueEmail } from "../e2e/harness.mjs";
import { serve, STATIC_PORT, VITE_DIST } from "./static.mjs";

test("a Vite app mounts the packed widget, completes the first step and unmounts cleanly", async () => {
  const server = await serve(STATIC_PORT, [{ prefix: "/", dir: VITE_DIST }]);
  const b = await launch();
  try {
    const page = await b.ctx.newPage();
    const requests = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(`http://127.0.0.1:${STATIC_PORT}/?backend=${encodeURIComponent(BASE)}`);
    await page.getByRole("button", { name: "Start verification" }).click();
    await page.getByLabel("First name").waitFor({ timeout: 15_000 });
    assert.ok(requests.some((u) => u.endsWith(".wasm")), "the wasm was loaded as a Vite asset");
    await fillPersonal(page, { ...PERSON, email: uniqueEmail("vite") });
    await cont(page);
    await page.getByRole("heading", { name: "Identity document" }).waitFor();
    assert.equal(await page.locator("#status").innerText(), "step: document");
    await page.getByRole("button", { name: "Unmount" }).click();
    assert.equal(await page.locator("#host").evaluate((el) => el.childElementCount), 0, "no DOM left behind");
    assert.equal(await page.locator(".kyc-root").count(), 0);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
    server.close();
  }
});
