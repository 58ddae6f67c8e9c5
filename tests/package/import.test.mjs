// The package is importable under plain Node (no window): no side effects on import.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_DIR, VITE_HOST } from "./static.mjs";

test("import('kyc-share-widget') under plain Node does not throw and touches no window", () => {
  const script = `
    const m = await import("kyc-share-widget");
    if (typeof m.mount !== "function" || typeof m.defineElement !== "function") process.exit(3);
    if (typeof globalThis.window !== "undefined" || typeof globalThis.document !== "undefined") process.exit(4);
    console.log("imported");`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: VITE_HOST, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /imported/);
});

test("package.json declares exports, types, files and no side effects", () => {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8"));
  assert.equal(pkg.name, "kyc-share-widget");
  assert.equal(pkg.type, "module");
  assert.equal(pkg.sideEffects, false);
  assert.equal(pkg.types, "./index.d.ts");
  assert.equal(pkg.exports["."].import, "./index.js");
  for (const f of ["index.js", "index.d.ts", "kyc_widget.js", "kyc_widget_bg.wasm", "kyc-widget.css", "README.md", "LICENSE"]) {
    assert.ok(pkg.files.includes(f), `files lists ${f}`);
    assert.ok(statSync(join(PACKAGE_DIR, f)).size > 0, `${f} exists`);
  }
  const dts = readFileSync(join(PACKAGE_DIR, "index.d.ts"), "utf8");
  for (const t of ["MountOptions", "WidgetHandle", "\"ssn_invalid_area\"", "\"documents.face\"", "kyc-complete"]) assert.ok(dts.includes(t), t);
  const readme = readFileSync(join(PACKAGE_DIR, "README.md"), "utf8");
  for (const t of ["npm install kyc-share-widget", "<kyc-onboarding", "--kyc-color-primary", "script-src 'self' 'wasm-unsafe-eval'", "Server-side rendering", "sha384-"]) assert.ok(readme.includes(t), t);
});

test("the tarball ships one widget wasm, shared by the import entry and the script-tag build", () => {
  const wasm = [];
  const walk = (d) => readdirSync(d).forEach((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : f.endsWith(".wasm") && wasm.push(join(d, f).slice(PACKAGE_DIR.length + 1))));
  walk(PACKAGE_DIR);
  // One each: the widget, the capture module, the reader module (only for people who scan).
  assert.deepEqual(wasm.sort(), ["capture/kyc_capture_bg.wasm", "kyc_widget_bg.wasm", "reader/kyc_reader_bg.wasm"]);
  const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8"));
  assert.ok(pkg.files.includes("kyc-share-widget.js") && !pkg.files.some((f) => f.startsWith("script")));
  // The script-tag module fetches the package's own .wasm, beside it.
  const bundle = readFileSync(join(PACKAGE_DIR, "kyc-share-widget.js"), "utf8");
  assert.ok(bundle.includes("kyc_widget_bg.wasm") && !bundle.includes("../kyc_widget_bg.wasm"));
});

test("nothing secret or server-side is shipped", () => {
  const files = [];
  const walk = (d) => readdirSync(d).forEach((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : files.push(join(d, f))));
  walk(PACKAGE_DIR);
  const text = (f) => readFileSync(f).toString("latin1");
  const blob = files.map(text).join("\n");
  for (const s of ["KYC_APP_SECRET", "app_secret", "appSecret", "ach-access-sign", "sandbox-secret", "sessionStorage", "indexedDB"]) {
    assert.ok(!blob.includes(s), `the package contains ${s}`);
  }
  // The one use of browser storage: phone mode keeps a random device id (no PII) under
  // "kyc-handoff-device", so the phone that opened a "continue on your phone" link can reopen it.
  // The end-to-end tests search every storage area for typed values and image data.
  const users = files.filter((f) => text(f).includes("localStorage"));
  for (const f of users) {
    assert.ok(f.endsWith("kyc_capture_bg.wasm"), `${f} uses localStorage`);
    assert.ok(text(f).includes("kyc-handoff-device"), `${f} uses localStorage for something else than the device id`);
  }
});
