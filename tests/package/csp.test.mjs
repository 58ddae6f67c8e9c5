// The script-tag build under the strict CSP of the package README: the whole flow completes
// with zero securitypolicyviolation events. Negative control: without 'wasm-unsafe-eval' the
// browser reports a "wasm-eval" violation (so the policy line is necessary and sufficient).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launch, BASE, PERSON, uniqueEmail, throughPhotos } from "../e2e/harness.mjs";
import { serve, STATIC_PORT, PACKAGE_DIR } from "./static.mjs";

const SCRIPT_DIR = join(PACKAGE_DIR, "script");
const SRI = JSON.parse(readFileSync(join(SCRIPT_DIR, "sri.json"), "utf8"));

function policy(wasm) {
  return `default-src 'self'; script-src 'self'${wasm ? " 'wasm-unsafe-eval'" : ""}; style-src 'self'; img-src 'self' blob: data:; connect-src 'self' ${BASE}; object-src 'none'; base-uri 'none'`;
}

const PAGE = () => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strict CSP host</title>
<script src="/page/guard.js"></script>
<script type="module" src="/pkg/kyc-share-widget.js" integrity="${SRI["kyc-share-widget.js"]}" crossorigin="anonymous"></script>
<script type="module" src="/page/main.js"></script></head>
<body><main><h1>Strict CSP host</h1><div id="kyc"></div><p id="out" role="status"></p></main></body></html>`;

const GUARD = `window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) { window.__violations.push(e.violatedDirective + " " + e.blockedURI); });`;

const MAIN = `import { mount } from "/pkg/kyc-share-widget.js";
const backend = ${JSON.stringify(BASE)};
const s = await (await fetch(backend + "/v1/sessions", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ externalUserId: "csp" }) })).json();
try {
  await mount(document.getElementById("kyc"), { backendUrl: backend, sessionToken: s.sessionToken,
    theme: { "--kyc-color-primary": "#5b2a86", "--kyc-radius": "12px" }, colorScheme: "dark",
    onComplete: (r) => { document.getElementById("out").textContent = "done: " + r.status; } });
} catch (e) { document.getElementById("out").textContent = "mount failed"; }`;

async function withServer(wasm, fn) {
  const headers = { "Content-Security-Policy": policy(wasm) };
  const server = await serve(STATIC_PORT, [
    { prefix: "/page/", files: { "guard.js": GUARD, "main.js": MAIN }, headers },
    { prefix: "/pkg/", dir: SCRIPT_DIR, headers },
    { prefix: "/", html: PAGE, files: {}, headers },
  ]);
  try {
    await fn();
  } finally {
    server.close();
  }
}

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
