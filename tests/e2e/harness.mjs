// Shared Playwright harness: Debian chromium through playwright-core (no browser download).
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

export const BASE = process.env.KYC_E2E_URL;
if (!BASE) throw new Error("KYC_E2E_URL is not set: run the e2e tests through `cargo xtask test`");

export async function launch() {
  const dir = mkdtempSync(join(tmpdir(), "kyc-pw-"));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const errors = [];
  ctx.on("page", (p) => p.on("pageerror", (e) => errors.push(e.message)));
  return {
    ctx,
    errors,
    async close() {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function uniqueEmail(tag) {
  return `${tag}.${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}@example.com`;
}

export async function sandboxApplications() {
  const r = await fetch(`${BASE}/__sandbox/applications`);
  return r.json();
}
