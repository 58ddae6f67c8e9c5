// Every locale renders every step: for each shipped locale (a test each), a person whose draft
// the backend has staged on each step in turn reopens the demo page in that locale; the step's
// heading, its "Step n of 5", its primary button and a field label on it are the locale's own
// texts (read from its locale file), the widget's `lang` and `dir` are the locale's, and the
// Photos step's slots (drawn by the lazily loaded module) are named in the locale too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { BASE, launch, newUser, validDraft, widgetLive } from "./harness.mjs";

const DIR = new URL("../../www/locales/", import.meta.url).pathname;
const TAGS = readdirSync(DIR).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
const DRAFT = validDraft("jane.locale@example.com");
// The step, a label shown on it (its key), and its primary button's key.
const STEPS = [
  ["personal", "first_name", "continue"],
  ["document", "document_number", "continue"],
  ["address", "city", "continue"],
  ["photos", "front_of_id", "continue"],
  ["review", "edit", "submit"],
];

async function stage(user, step) {
  const s = await (await fetch(`${BASE}/v1/sessions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ externalUserId: user }) })).json();
  const r = await fetch(`${BASE}/v1/draft`, {
    method: "PUT",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${s.sessionToken}` },
    body: JSON.stringify({ step, noExpiry: false, draft: DRAFT }),
  });
  assert.equal(r.status, 204, `staging the draft on ${step}`);
}

const fill = (text, args) => Object.entries(args).reduce((t, [k, v]) => t.replace(`{${k}}`, v), text);

assert.ok(TAGS.length >= 12, `at least 12 locales: ${TAGS}`);
for (const tag of TAGS) {
  test(`${tag}: every step renders in the locale`, async () => {
    const texts = JSON.parse(readFileSync(`${DIR}${tag}.json`, "utf8"));
    const b = await launch();
    try {
      for (const [i, [step, labelKey, buttonKey]] of STEPS.entries()) {
        const user = newUser(`loc-${tag}`);
        await stage(user, step);
        const page = await b.ctx.newPage();
        await page.goto(`${BASE}/?user=${user}&locale=${tag}`);
        const title = texts[`step_${step}`];
        await page.getByRole("heading", { name: title, exact: true, level: 2 }).waitFor({ timeout: 15_000 });
        // The widget itself, not the page's static English first step it takes over (both are
        // there for a moment on a slow machine).
        await widgetLive(page);
        const widget = page.locator("#kyc > .kyc-root:not([data-kyc-shell]) .kyc-widget");
        assert.equal(await widget.getAttribute("lang"), tag, `${tag} ${step}: lang`);
        assert.equal(await widget.getAttribute("dir"), ["ar", "he"].includes(tag.split("-")[0]) ? "rtl" : "ltr", `${tag} ${step}: dir`);
        await page.getByText(fill(texts.step_of, { n: i + 1, total: 5 }), { exact: true }).waitFor();
        await page.getByRole("button", { name: texts[buttonKey], exact: true }).waitFor();
        await page.getByText(texts[labelKey], { exact: true }).first().waitFor({ timeout: 15_000 });
        if (step === "personal") {
          // The date in the locale's words: its month names from Intl, its part labels.
          for (const k of ["day", "month", "year"]) await page.getByText(texts[k], { exact: true }).first().waitFor();
        }
        await page.close();
      }
    } finally {
      await b.close();
    }
  });
}
