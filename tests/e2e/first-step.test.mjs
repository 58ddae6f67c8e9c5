// The page's static first step (www/first-step.en.html, inlined into the demo page): it is the
// widget's own markup, a person can type into it before the wasm has arrived, and the widget
// takes it over without losing a character, the focus or the caret.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { BASE, launch, newUser, openHeld, widgetLive } from "./harness.mjs";
import { normalise, toShell } from "./first-step.mjs";

const FILE = new URL("../../www/first-step.en.html", import.meta.url);

test("the static first step is the widget's own English first step", async () => {
  const b = await launch();
  try {
    const page = await b.ctx.newPage();
    await page.goto(`${BASE}/?user=${newUser("shell")}`);
    await widgetLive(page);
    const live = await page.locator("#kyc > .kyc-root").evaluate((el) => el.outerHTML);
    if (process.env.KYC_UPDATE_FIRST_STEP) writeFileSync(FILE, toShell(live) + "\n");
    const shell = readFileSync(FILE, "utf8").trim();
    assert.equal(normalise(shell), normalise(live),
      "www/first-step.en.html differs from the widget's first step: rerun this test with KYC_UPDATE_FIRST_STEP=1 and review the diff");
    assert.match(shell, /data-kyc-shell/);
    assert.match(shell, /<button type="button" disabled="" class="kyc-button kyc-button--primary">Continue<\/button>/);
  } finally {
    await b.close();
  }
});

test("what is typed before the widget arrives is kept, with the focus and the caret", async () => {
  const b = await launch();
  try {
    const { page, release } = await openHeld(b.ctx);
    // The static step is there at once; its Continue waits for the widget.
    const first = page.getByLabel("First name");
    await first.waitFor();
    assert.equal(await page.locator("[data-kyc-shell]").count(), 1);
    assert.equal(await page.getByRole("button", { name: "Continue" }).isDisabled(), true);
    await first.fill("Jane");
    await page.getByLabel("Month").selectOption({ label: "April" });
    await page.getByLabel("Gender").selectOption({ label: "Female" });
    const last = page.getByLabel("Last name");
    await last.fill("Doex");
    // The caret goes back one character, after "Doe".
    await last.press("ArrowLeft");
    release();
    await widgetLive(page);
    assert.equal(await page.locator("[data-kyc-shell]").count(), 0, "the static copy is gone");
    assert.equal(await page.getByLabel("First name").inputValue(), "Jane");
    assert.equal(await page.getByLabel("Last name").inputValue(), "Doex");
    assert.equal(await page.getByLabel("Month").inputValue(), "4");
    assert.equal(await page.getByLabel("Gender").inputValue(), "2");
    // The focus and the caret are where they were: typing goes on in the widget's field.
    assert.equal(await page.evaluate(() => document.activeElement?.labels?.[0]?.textContent), "Last name");
    await page.keyboard.press("Backspace");
    assert.equal(await page.getByLabel("Last name").inputValue(), "Dox");
    // What was typed is in the widget's state, not only in its inputs: Continue judges it.
    assert.equal(await page.getByRole("button", { name: "Continue" }).isDisabled(), false);
    await page.getByRole("button", { name: "Continue" }).click();
    const summary = await page.locator(".kyc-summary").innerText();
    assert.doesNotMatch(summary, /First name|Last name|Gender/, "typed fields are not reported missing");
    assert.match(summary, /Email/);
  } finally {
    await b.close();
  }
});

test("a page in another language goes without the English static step", async () => {
  const b = await launch();
  try {
    const { page, release } = await openHeld(b.ctx, { query: "&locale=es" });
    assert.equal(await page.locator("[data-kyc-shell]").count(), 0);
    assert.equal(await page.getByText("First name").count(), 0, "no English flashes");
    release();
    await widgetLive(page);
    assert.equal(await page.locator(".kyc-widget").getAttribute("lang"), "es");
  } finally {
    await b.close();
  }
});
