// Attacks on the takeover of the page's static first step (www/first-step.en.html) by the widget
// (src/first_step.rs, takeOver in src/lib.rs, www/demo.js): typing while the
// wasm arrives, Enter and clicks in the static copy, values set without events, failing
// sessions, a wasm that never loads, pages that must go without the copy, a returning person.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BASE, launch, newUser, widgetLive, open, openHeld, uniqueEmail, fillDate, screenErrors, validDraft,
} from "./harness.mjs";

const SHELL = "#kyc > [data-kyc-shell]";
const LIVE = "#kyc > .kyc-root:not([data-kyc-shell])";

/** The field's value in the live widget (never the static copy). */
async function liveValue(page, label) {
  return page.locator(LIVE).getByLabel(label, { exact: true }).inputValue();
}

/** The id (without the widget prefix) of the focused element and whether it is in the widget. */
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const live = !!el?.closest(".kyc-root:not([data-kyc-shell])");
    return { key: el?.id ? el.id.slice(el.id.indexOf("-") + 1) : null, live };
  });
}

async function sleep(ms) {
  await new Promise((r) => setTimeout(r, ms));
}

test("typing without pause while the widget arrives: no character lost or doubled, and it ends in the widget", async () => {
  const b = await launch();
  try {
    const { page, release } = await openHeld(b.ctx);
    const first = page.getByLabel("First name", { exact: true });
    await first.waitFor();
    assert.equal(await page.locator(SHELL).count(), 1);
    // What the static copy's fields held at the moment it was taken out.
    await page.evaluate(() => {
      window.__atRemoval = null;
      new MutationObserver((muts) => {
        for (const m of muts) for (const n of m.removedNodes) {
          if (n.nodeType === 1 && n.hasAttribute("data-kyc-shell")) {
            window.__atRemoval = [...n.querySelectorAll("input")].map((i) => i.value);
          }
        }
      }).observe(document.getElementById("kyc"), { childList: true });
    });
    // Long enough to be typing when the widget arrives, within the rulebook's length limit.
    const a = "Alexandrina Maximiliana Otto";
    const c = "Montgomery-Smythe Wolfe";
    await first.focus();
    const typing = (async () => {
      for (const ch of a + "\t" + c) {
        await page.keyboard.press(ch === "\t" ? "Tab" : ch);
        await sleep(20);
      }
    })();
    // Let go of the wasm once a few characters are in.
    for (let i = 0; i < 400 && (await first.inputValue().catch(() => "")).length < 4; i++) await sleep(10);
    release();
    await typing;
    await widgetLive(page);
    const atRemoval = await page.evaluate(() => window.__atRemoval);
    assert.ok(atRemoval, "the static copy was taken out");
    const joined = atRemoval.join("|");
    assert.ok(joined.length > 0 && atRemoval[0] + atRemoval[1] !== a + c, `the takeover happened mid-typing (it saw ${JSON.stringify(atRemoval)})`);
    assert.equal(await page.locator(SHELL).count(), 0);
    assert.equal(await liveValue(page, "First name"), a);
    assert.equal(await liveValue(page, "Last name"), c);
    assert.deepEqual(await focused(page), { key: "individualInfo-lastName", live: true });
    // In the widget's state: Continue does not report them missing.
    await page.getByRole("button", { name: "Continue", exact: true }).click();
    const errs = (await screenErrors(page)).map(([f]) => f);
    assert.ok(!errs.includes("individualInfo.firstName") && !errs.includes("individualInfo.lastName"), `errors: ${errs}`);
    assert.ok(errs.length > 0, "the empty fields are reported");
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("no moment between the static copy's removal and the replay where a key would be lost", async () => {
  // Run several times: the gap depends on how long the first render takes.
  const b = await launch();
  try {
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const { page, release } = await openHeld(b.ctx);
      const first = page.getByLabel("First name", { exact: true });
      await first.fill("Jane");
      await page.evaluate(() => {
        window.__probe = null;
        new MutationObserver((muts, mo) => {
          if (!muts.some((m) => [...m.removedNodes].some((n) => n.nodeType === 1 && n.hasAttribute("data-kyc-shell")))) return;
          mo.disconnect();
          // The first task after the removal: where a key pressed then would go.
          setTimeout(() => {
            const f = document.querySelector('.kyc-root:not([data-kyc-shell]) [id$="-individualInfo-firstName"]');
            window.__probe = { active: document.activeElement?.id || document.activeElement?.tagName, value: f ? f.value : null };
          }, 0);
        }).observe(document.getElementById("kyc"), { childList: true });
      });
      release();
      await widgetLive(page);
      await page.waitForFunction(() => window.__probe);
      seen.push(await page.evaluate(() => window.__probe));
      await page.close();
    }
    for (const p of seen) {
      assert.match(p.active, /-individualInfo-firstName$/, `the focus right after the removal: ${JSON.stringify(seen)}`);
      assert.equal(p.value, "Jane", `the value right after the removal: ${JSON.stringify(seen)}`);
    }
  } finally {
    await b.close();
  }
});

test("Enter in the static form neither navigates nor reloads nor loses what was typed", async () => {
  const b = await launch();
  try {
    const { page, release } = await openHeld(b.ctx);
    const url = page.url();
    await page.getByLabel("First name", { exact: true }).waitFor();
    await page.evaluate(() => (window.__stillHere = true));
    let navigations = 0;
    page.on("framenavigated", (f) => { if (f === page.mainFrame()) navigations++; });
    await page.getByLabel("First name", { exact: true }).fill("Jane");
    await page.getByLabel("First name", { exact: true }).press("Enter");
    await page.getByLabel("Email", { exact: true }).fill("jane@example.com");
    await page.getByLabel("Email", { exact: true }).press("Enter");
    await page.getByLabel("Year", { exact: true }).fill("1990");
    await page.getByLabel("Year", { exact: true }).press("Enter");
    await page.getByLabel("Gender").selectOption({ label: "Male" });
    await page.getByLabel("Gender").press("Enter");
    await sleep(300);
    assert.equal(navigations, 0, "no navigation");
    assert.equal(page.url(), url, "the URL is unchanged (no ?query from a GET submission)");
    assert.equal(await page.evaluate(() => window.__stillHere), true, "the page was not reloaded");
    assert.equal(await page.locator(SHELL).count(), 1);
    assert.equal(await page.getByLabel("First name", { exact: true }).inputValue(), "Jane");
    release();
    await widgetLive(page);
    assert.equal(await liveValue(page, "First name"), "Jane");
    assert.equal(await liveValue(page, "Email"), "jane@example.com");
    assert.equal(await liveValue(page, "Year"), "1990");
    assert.equal(await liveValue(page, "Gender"), "1");
    // Still on the first step: the Enters before the widget did not submit it afterwards.
    assert.equal(await page.locator(".kyc-summary").count(), 0);
    assert.equal(await page.getByRole("heading", { name: "Personal details" }).count(), 1);
    assert.equal(navigations, 0);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("clicking the disabled Continue and Exit many times, then the widget arrives: nothing fires late", async () => {
  const b = await launch();
  try {
    const { page, release } = await openHeld(b.ctx);
    await page.getByLabel("First name", { exact: true }).fill("Jane");
    const cont = page.locator(SHELL).getByRole("button", { name: "Continue" });
    const exit = page.locator(SHELL).getByRole("button", { name: "Exit" });
    assert.equal(await cont.isDisabled(), true);
    assert.equal(await exit.isDisabled(), true);
    const box = await cont.boundingBox();
    const exitBox = await exit.boundingBox();
    for (let i = 0; i < 15; i++) await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 5; i++) await page.mouse.click(exitBox.x + exitBox.width / 2, exitBox.y + exitBox.height / 2);
    await cont.click({ force: true, clickCount: 3 });
    release();
    await widgetLive(page);
    await sleep(500);
    assert.equal(await page.locator(".kyc-summary").count(), 0, "no validation summary from the early clicks");
    assert.deepEqual(await screenErrors(page), []);
    assert.equal(await page.getByRole("heading", { name: "Personal details" }).count(), 1);
    assert.equal(await page.locator("#demo-status").innerText(), "", "no exit, no error reported");
    assert.equal(await liveValue(page, "First name"), "Jane");
    // The widget's own Continue works at once.
    const live = page.locator(LIVE).getByRole("button", { name: "Continue", exact: true });
    assert.equal(await live.isDisabled(), false);
    await live.click();
    await page.locator(".kyc-summary").waitFor();
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("month, gender and the focused select in the static copy are taken over", async () => {
  const b = await launch();
  try {
    const { page, release } = await openHeld(b.ctx);
    await page.getByLabel("Month", { exact: true }).selectOption({ label: "December" });
    await page.getByLabel("Gender").selectOption({ label: "Male" });
    await page.getByLabel("Gender").focus();
    release();
    await widgetLive(page);
    assert.equal(await liveValue(page, "Month"), "12");
    assert.equal(await liveValue(page, "Gender"), "1");
    assert.equal(await page.locator(LIVE).getByLabel("Month", { exact: true }).evaluate((s) => s.selectedOptions[0].text), "December");
    assert.deepEqual(await focused(page), { key: "individualInfo-gender", live: true });
    // Changing them in the widget afterwards works (its state had them, not a stale copy).
    await page.getByLabel("Gender").selectOption({ label: "Female" });
    assert.equal(await liveValue(page, "Gender"), "2");
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("every static field filled, then the widget arrives: all values are in it and Continue takes them", async () => {
  const b = await launch();
  try {
    const email = uniqueEmail("attack");
    const { page, release } = await openHeld(b.ctx);
    await page.getByLabel("First name", { exact: true }).fill("Zoë");
    await page.getByLabel("Last name", { exact: true }).fill("O'Brien-Łukasz");
    await page.getByLabel("Email", { exact: true }).fill(email);
    await fillDate(page, "Date of birth", "1988-11-09");
    await page.getByLabel("Gender").selectOption({ label: "Female" });
    release();
    await widgetLive(page);
    assert.equal(await liveValue(page, "First name"), "Zoë");
    assert.equal(await liveValue(page, "Last name"), "O'Brien-Łukasz");
    assert.equal(await liveValue(page, "Email"), email);
    assert.equal(await liveValue(page, "Day"), "09");
    assert.equal(await liveValue(page, "Month"), "11");
    assert.equal(await liveValue(page, "Year"), "1988");
    assert.equal(await liveValue(page, "Gender"), "2");
    // Nationality has no options in the static copy: it is chosen in the widget.
    await page.getByLabel("Nationality").selectOption("US");
    const staged = page.waitForRequest((r) => r.method() === "PUT" && new URL(r.url()).pathname === "/v1/draft");
    await page.getByRole("button", { name: "Continue", exact: true }).click();
    await page.getByRole("heading", { name: "Identity document" }).waitFor();
    const body = JSON.parse((await staged).postData());
    assert.equal(body.draft.email, email);
    assert.equal(body.draft.individualInfo.firstName, "Zoë");
    assert.equal(body.draft.individualInfo.lastName, "O'Brien-Łukasz");
    assert.equal(body.draft.individualInfo.dob, "1988-11-09");
    assert.equal(body.draft.individualInfo.gender, 2);
    assert.equal(body.draft.individualInfo.country, "US");
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("invalid values typed in the static copy are judged exactly as if typed in the widget", async () => {
  const bad = { first: "J", email: "jane@", day: "31", month: "2", year: "2090" };
  async function fillBad(page) {
    await page.getByLabel("First name", { exact: true }).fill(bad.first);
    await page.getByLabel("Email", { exact: true }).fill(bad.email);
    await page.getByLabel("Day", { exact: true }).fill(bad.day);
    await page.getByLabel("Month", { exact: true }).selectOption(bad.month);
    await page.getByLabel("Year", { exact: true }).fill(bad.year);
  }
  const b = await launch();
  try {
    // In the widget itself.
    const direct = await open(b.ctx);
    await fillBad(direct);
    await direct.getByRole("button", { name: "Continue", exact: true }).click();
    await direct.locator(".kyc-summary").waitFor();
    const expected = await screenErrors(direct);
    assert.ok(expected.length >= 3, `the widget reports these values: ${JSON.stringify(expected)}`);
    // In the static copy, then taken over.
    const { page, release } = await openHeld(b.ctx);
    await page.getByLabel("First name", { exact: true }).waitFor();
    await fillBad(page);
    release();
    await widgetLive(page);
    await page.getByRole("button", { name: "Continue", exact: true }).click();
    await page.locator(".kyc-summary").waitFor();
    assert.deepEqual(await screenErrors(page), expected);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("?locale=es, ?theme=dark, a browser in German and #kyc-handoff=x never show the English static copy", async () => {
  const cases = [
    { query: "&locale=es", lang: "es" },
    { query: "&theme=dark", lang: "en", dark: true },
    { hash: "#kyc-handoff=x", phone: true },
  ];
  for (const c of cases) {
    const b = await launch();
    try {
      const { page, release } = await openHeld(b.ctx, c);
      await page.locator("#kyc").waitFor({ state: "attached" });
      const what = JSON.stringify(c);
      assert.equal(await page.locator("[data-kyc-shell]").count(), 0, `${what}: no static copy`);
      assert.equal(await page.getByText("First name").count(), 0, `${what}: no English field flashes`);
      release();
      await page.locator(LIVE).waitFor({ state: "attached" });
      assert.equal(await page.locator("[data-kyc-shell]").count(), 0);
      if (c.phone) {
        assert.equal(await page.getByLabel("First name", { exact: true }).count(), 0, `${what}: phone mode has no first step`);
      } else {
        await widgetLive(page);
        assert.equal(await page.locator(".kyc-widget").getAttribute("lang"), c.lang, what);
        assert.equal(await page.locator(".kyc-root").count(), 1, `${what}: one root`);
        if (c.dark) assert.match(await page.locator(".kyc-root").getAttribute("class"), /kyc-root--dark/);
      }
      assert.deepEqual(b.errors, [], what);
    } finally {
      await b.close();
    }
  }
  // navigator.language decides when the page names no locale.
  const b = await launch({ locale: "de-DE" });
  try {
    const { page, release } = await openHeld(b.ctx);
    await page.locator("#kyc").waitFor({ state: "attached" });
    assert.equal(await page.locator("[data-kyc-shell]").count(), 0, "a German browser: no English static copy");
    release();
    await widgetLive(page);
    assert.equal(await page.locator(".kyc-widget").getAttribute("lang"), "de");
  } finally {
    await b.close();
  }
  // An English variant keeps it, and the widget (English) takes it over.
  const e = await launch();
  try {
    const { page, release } = await openHeld(e.ctx, { query: "&locale=en-GB" });
    await page.getByLabel("First name", { exact: true }).fill("Jane");
    assert.equal(await page.locator("[data-kyc-shell]").count(), 1);
    release();
    await widgetLive(page);
    assert.equal(await page.locator(".kyc-widget").getAttribute("lang"), "en");
    assert.equal(await liveValue(page, "First name"), "Jane");
  } finally {
    await e.close();
  }
});

test("an empty #kyc-handoff= (a cut link) neither throws nor leaves the page blank", async () => {
  const b = await launch();
  try {
    const { page, release } = await openHeld(b.ctx, { hash: "#kyc-handoff=" });
    release();
    await sleep(3000);
    assert.deepEqual(b.errors, [], "no uncaught error");
    const status = await page.locator("#demo-status").innerText();
    const hasWidget = await page.locator(`${LIVE} .kyc-widget`).count();
    assert.ok(hasWidget > 0 || status.length > 0, "either the widget or a status shows");
  } finally {
    await b.close();
  }
});

test("the session call fails while the static copy shows: no crash, a clear status, what was typed stays", async () => {
  const b = await launch();
  try {
    const { page, release } = await openHeld(b.ctx, {
      before: (p) => p.route((u) => new URL(u).pathname === "/v1/sessions", (r) => r.fulfill({ status: 500, body: "{}", contentType: "application/json" })),
    });
    await page.getByLabel("First name", { exact: true }).fill("Jane");
    release();
    await page.locator("#demo-status", { hasText: /Could not start the verification/ }).waitFor();
    assert.match(await page.locator("#demo-status").innerText(), /HTTP 500/);
    await sleep(500);
    // The copy stays (nothing to take it over), still typeable, Continue still disabled.
    assert.equal(await page.locator(SHELL).count(), 1);
    assert.equal(await page.getByLabel("First name", { exact: true }).inputValue(), "Jane");
    await page.getByLabel("Last name", { exact: true }).fill("Doe");
    assert.equal(await page.getByLabel("Last name", { exact: true }).inputValue(), "Doe");
    assert.equal(await page.getByRole("button", { name: "Continue" }).isDisabled(), true);
    assert.equal(await page.locator(LIVE).count(), 0);
  } finally {
    await b.close();
  }
});

test("the session call fails before the wasm is there: no unhandled rejection, the status at once", async () => {
  const b = await launch();
  try {
    const { page } = await openHeld(b.ctx, {
      before: (p) => p.route((u) => new URL(u).pathname === "/v1/sessions", (r) => r.fulfill({ status: 500, body: "{}", contentType: "application/json" })),
    });
    await page.getByLabel("First name", { exact: true }).fill("Jane");
    await sleep(1500);
    assert.deepEqual(b.errors, [], "no uncaught error");
    assert.match(await page.locator("#demo-status").innerText(), /Could not start the verification/);
  } finally {
    await b.close();
  }
});

test("the widget's own session read fails (GET /v1/session 500): it still takes what was typed", async () => {
  const b = await launch();
  try {
    const { page, release } = await openHeld(b.ctx, {
      before: (p) => p.route((u) => new URL(u).pathname === "/v1/session", (r) => r.fulfill({ status: 500, body: "{}", contentType: "application/json" })),
    });
    await page.getByLabel("First name", { exact: true }).fill("Jane");
    release();
    await widgetLive(page);
    await sleep(500);
    assert.equal(await liveValue(page, "First name"), "Jane");
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("the session answers late, after the wasm: the copy stays typeable until the widget mounts", async () => {
  const b = await launch();
  try {
    let letSession;
    const sessionHeld = new Promise((r) => (letSession = r));
    const { page, release } = await openHeld(b.ctx, {
      before: (p) => p.route((u) => new URL(u).pathname === "/v1/sessions", async (r) => { await sessionHeld; await r.continue(); }),
    });
    await page.getByLabel("First name", { exact: true }).fill("Ja");
    release();
    await page.waitForFunction(() => !!window.wasmBindings);
    assert.equal(await page.locator(SHELL).count(), 1, "the wasm alone does not take the copy");
    await page.getByLabel("First name", { exact: true }).press("End");
    await page.keyboard.type("ne");
    letSession();
    await widgetLive(page);
    assert.equal(await liveValue(page, "First name"), "Jane");
    assert.deepEqual(await focused(page), { key: "individualInfo-firstName", live: true });
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("a wasm that never loads: the static copy stays and keeps what is typed", async () => {
  const b = await launch();
  try {
    const page = await b.ctx.newPage();
    await page.route(/_bg\.wasm$/, (r) => r.abort("failed"));
    const failed = page.waitForEvent("requestfailed", (r) => /_bg\.wasm$/.test(r.url()));
    await page.goto(`${BASE}/?user=${newUser("attack")}`, { waitUntil: "domcontentloaded" });
    await page.getByLabel("First name", { exact: true }).fill("Jane");
    await failed;
    await sleep(1500);
    assert.equal(await page.locator(SHELL).count(), 1);
    assert.equal(await page.getByLabel("First name", { exact: true }).inputValue(), "Jane");
    await page.getByLabel("Email", { exact: true }).fill("jane@example.com");
    assert.equal(await page.getByLabel("Email", { exact: true }).inputValue(), "jane@example.com");
    assert.equal(await page.getByRole("button", { name: "Continue" }).isDisabled(), true);
    assert.equal(await page.locator(LIVE).count(), 0);
  } finally {
    await b.close();
  }
});

test("a wasm that never loads: nothing throws and the page tells the person the form cannot go on", async () => {
  const b = await launch();
  try {
    const page = await b.ctx.newPage();
    await page.route(/_bg\.wasm$/, (r) => r.abort("failed"));
    await page.goto(`${BASE}/?user=${newUser("attack")}`, { waitUntil: "domcontentloaded" });
    await page.locator("#demo-status").filter({ hasText: /\S/ }).waitFor({ timeout: 5000 }).catch(() => {});
    assert.deepEqual(b.errors, [], "no uncaught error");
    assert.notEqual(await page.locator("#demo-status").innerText(), "", "a status says the form cannot go on");
  } finally {
    await b.close();
  }
});

test("values set without events (autofill-like), with the focus on a field, are still taken over", async () => {
  const b = await launch();
  try {
    const { page, release } = await openHeld(b.ctx);
    await page.getByLabel("First name", { exact: true }).waitFor();
    await page.evaluate(() => {
      const set = (sel, v) => { document.querySelector(`[data-kyc-shell] [id$="${sel}"]`).value = v; };
      set("-individualInfo-firstName", "Auto");
      set("-individualInfo-lastName", "Filled");
      set("-email", "auto@example.com");
      set("-individualInfo-dob-day", "7");
      set("-individualInfo-dob-month", "3");
      set("-individualInfo-dob-year", "1979");
      set("-individualInfo-gender", "1");
      const f = document.querySelector('[data-kyc-shell] [id$="-individualInfo-lastName"]');
      f.focus();
      f.setSelectionRange(2, 2);
    });
    release();
    await widgetLive(page);
    assert.equal(await liveValue(page, "First name"), "Auto");
    assert.equal(await liveValue(page, "Last name"), "Filled");
    assert.equal(await liveValue(page, "Email"), "auto@example.com");
    assert.equal(await liveValue(page, "Day"), "7");
    assert.equal(await liveValue(page, "Month"), "3");
    assert.equal(await liveValue(page, "Year"), "1979");
    assert.equal(await liveValue(page, "Gender"), "1");
    assert.deepEqual(await focused(page), { key: "individualInfo-lastName", live: true });
    await page.keyboard.type("X");
    assert.equal(await liveValue(page, "Last name"), "FiXlled");
    // In the widget's state too.
    await page.getByRole("button", { name: "Continue", exact: true }).click();
    await page.locator(".kyc-summary").waitFor();
    const fields = (await screenErrors(page)).map(([f]) => f);
    for (const f of ["individualInfo.firstName", "individualInfo.lastName", "email", "individualInfo.gender", "individualInfo.dob"]) {
      assert.ok(!fields.includes(f), `${f} is not reported: ${JSON.stringify(fields)}`);
    }
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test("a selection in the static copy survives the takeover: typing replaces it", async () => {
  const b = await launch();
  try {
    const { page, release } = await openHeld(b.ctx);
    const last = page.getByLabel("Last name", { exact: true });
    await last.fill("Wrongname");
    await last.press("Home");
    await last.press("Shift+End");
    release();
    await widgetLive(page);
    await page.keyboard.type("Doe");
    assert.equal(await liveValue(page, "Last name"), "Doe");
  } finally {
    await b.close();
  }
});

test("the caret in the Email field survives the takeover", async () => {
  const b = await launch();
  try {
    const { page, release } = await openHeld(b.ctx);
    const email = page.getByLabel("Email", { exact: true });
    await email.fill("jane@example.com");
    for (let i = 0; i < 4; i++) await email.press("ArrowLeft");
    release();
    await widgetLive(page);
    assert.deepEqual(await focused(page), { key: "email", live: true });
    await page.keyboard.type("X");
    assert.equal(await liveValue(page, "Email"), "jane@exampleX.com");
  } finally {
    await b.close();
  }
});

test("a returning person's staged draft does not silently replace what they typed in the static copy", async () => {
  const user = newUser("attack");
  const s = await (await fetch(`${BASE}/v1/sessions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ externalUserId: user }) })).json();
  const r = await fetch(`${BASE}/v1/draft`, {
    method: "PUT",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${s.sessionToken}` },
    body: JSON.stringify({ step: "personal", noExpiry: false, draft: validDraft("jane.staged@example.com") }),
  });
  assert.equal(r.status, 204);
  const b = await launch();
  try {
    const { page, release } = await openHeld(b.ctx, { user });
    await page.getByLabel("First name", { exact: true }).fill("Zelda");
    const resumed = page.waitForResponse((x) => new URL(x.url()).pathname === "/v1/session");
    release();
    await widgetLive(page);
    await resumed;
    await sleep(500);
    // The staged values fill what the person left empty; what they typed stays.
    assert.equal(await liveValue(page, "Last name"), "Doe", "the staged draft came back");
    assert.equal(await liveValue(page, "First name"), "Zelda", "what was typed is kept");
  } finally {
    await b.close();
  }
});
