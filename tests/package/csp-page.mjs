// The strict-CSP host page of the package README, shared by the Chromium test (csp.test.mjs)
// and the engine suites (tests/engines): the script-tag build under
// `script-src 'self' 'wasm-unsafe-eval'`, a guard script that records every
// securitypolicyviolation event in window.__violations from the first script on, and a module
// that asks the backend for a session and mounts the widget ("done: <status>" on completion,
// "mount failed" when mount throws).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BASE } from "../e2e/harness.mjs";
import { serve, STATIC_PORT, PACKAGE_DIR } from "./static.mjs";

export { STATIC_PORT };
// The script-tag build is the package folder itself (one module beside the one .wasm).
export const SCRIPT_DIR = PACKAGE_DIR;
const SRI = JSON.parse(readFileSync(join(SCRIPT_DIR, "sri.json"), "utf8"));

/** The policy; without `wasm` it lacks 'wasm-unsafe-eval' (the negative control). */
export function policy(wasm) {
  return `default-src 'self'; script-src 'self'${wasm ? " 'wasm-unsafe-eval'" : ""}; style-src 'self'; img-src 'self' blob: data:; connect-src 'self' ${BASE}; object-src 'none'; base-uri 'none'`;
}

const PAGE = () => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strict CSP host</title>
<script src="/page/guard.js"></script>
<script type="module" src="/pkg/kyc-share-widget.js" integrity="${SRI["kyc-share-widget.js"]}" crossorigin="anonymous"></script>
<script type="module" src="/page/main.js"></script></head>
<body><main><h1>Strict CSP host</h1><div id="kyc"></div><p id="out" role="status"></p></main></body></html>`;

const GUARD = `window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) { window.__violations.push(e.violatedDirective + " " + e.blockedURI); });`;

const MAIN = (user) => `import { mount } from "/pkg/kyc-share-widget.js";
const backend = ${JSON.stringify(BASE)};
const s = await (await fetch(backend + "/v1/sessions", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ externalUserId: ${JSON.stringify(user)} }) })).json();
try {
  await mount(document.getElementById("kyc"), { backendUrl: backend, sessionToken: s.sessionToken,
    theme: { "--kyc-color-primary": "#5b2a86", "--kyc-radius": "12px" }, colorScheme: "dark",
    onComplete: (r) => { document.getElementById("out").textContent = "done: " + r.status; } });
} catch (e) { document.getElementById("out").textContent = "mount failed"; }`;

/** Serves the page on STATIC_PORT (`http://127.0.0.1:${STATIC_PORT}/`) while `fn` runs, for partner user `user`. */
export async function withCspServer(wasm, fn, { user = "csp" } = {}) {
  const headers = { "Content-Security-Policy": policy(wasm) };
  const server = await serve(STATIC_PORT, [
    { prefix: "/page/", files: { "guard.js": GUARD, "main.js": MAIN(user) }, headers },
    { prefix: "/pkg/", dir: SCRIPT_DIR, headers },
    { prefix: "/", html: PAGE, files: {}, headers },
  ]);
  try {
    await fn();
  } finally {
    server.close();
  }
}
