// Attacks on what the widget now reads through serde + serde-wasm-bindgen (src/lib.rs
// MountOptions, src/api.rs answers, src/i18n.rs Texts, crates/kyc-domain NumOrText): hostile
// mount options, malformed backend answers (returned by Playwright's page.route: a real backend
// cannot produce them), locale texts of the wrong shape, and the other pieces of the same change
// (country names from the snippet, data-* states instead of classes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  BASE, FIXTURES, launch, newUser, open, uniqueEmail, validDraft, widgetLive, cont, screenErrors,
} from "./harness.mjs";

const SECRET = "SECRET-7f3a";
const path = (u) => new URL(u).pathname;

async function sessionToken(user) {
  const r = await fetch(`${BASE}/v1/sessions`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ externalUserId: user }),
  });
  assert.equal(r.status, 201, "a session");
  return (await r.json()).sessionToken;
}

async function stageDraft(token, step, draft, noExpiry = false) {
  const r = await fetch(`${BASE}/v1/draft`, {
    method: "PUT",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ step, noExpiry, draft }),
  });
  assert.equal(r.status, 204, `staging the draft on ${step}`);
}

async function stagePhotos(token) {
  for (const [kind, file] of [["idFront", "id-front.jpg"], ["idBack", "id-front.jpg"], ["face", "face.jpg"]]) {
    const r = await fetch(`${BASE}/v1/photos/${kind}`, {
      method: "PUT",
      headers: { "Content-Type": "image/jpeg", Authorization: `Bearer ${token}` },
      body: readFileSync(FIXTURES + file),
    });
    assert.ok(r.status >= 200 && r.status < 300, `staging ${kind}: ${r.status}`);
  }
}

/** Panics and traps of the wasm as the console and the page report them. */
function watch(page) {
  const bad = [];
  page.on("console", (m) => {
    const t = m.text();
    if (/panicked at|RuntimeError|unreachable|memory access out of bounds/i.test(t)) bad.push(t);
  });
  page.on("pageerror", (e) => bad.push(e.message));
  return bad;
}

/** A person whose draft and three photos the backend has staged, on the Review step. */
async function atReview(b, tag) {
  const user = newUser(tag);
  const token = await sessionToken(user);
  const email = uniqueEmail(tag);
  await stageDraft(token, "review", validDraft(email));
  await stagePhotos(token);
  const page = await b.ctx.newPage();
  const bad = watch(page);
  await page.goto(`${BASE}/?user=${user}`);
  await page.getByRole("heading", { name: "Review" }).waitFor({ timeout: 15_000 });
  await page.getByText("Uploaded", { exact: true }).nth(2).waitFor({ timeout: 15_000 });
  return { page, bad, email, user };
}

const submitButton = (page) => page.getByRole("button", { name: "Submit", exact: true });
const tryAgain = (page) => page.getByRole("button", { name: "Try again", exact: true });
const demoStatus = (page) => page.locator("#demo-status").innerText();
const SERVER_ERROR = "Something went wrong on our side. Please try again.";

/** The demo page with its own widget taken away, and an empty `#atk` host for direct mounts;
 *  `window.__token` is a fresh session token. */
async function bare(b) {
  const page = await open(b.ctx);
  const bad = watch(page);
  await page.evaluate(async () => {
    window.kycHandle.unmount();
    const host = document.createElement("div");
    host.id = "atk";
    document.querySelector("main").append(host);
    const r = await fetch("/v1/sessions", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ externalUserId: "atk-" + Math.random().toString(36).slice(2) }),
    });
    window.__token = (await r.json()).sessionToken;
  });
  return { page, bad };
}

/** A valid mount into `#atk` renders a widget one can type into and Continue on. */
async function validMountWorks(page, extra = "{}") {
  await page.evaluate((extra) => {
    const o = { backendUrl: location.origin, sessionToken: window.__token, ...JSON.parse(extra) };
    window.__h = window.wasmBindings.mount(document.getElementById("atk"), o);
  }, extra);
  const host = page.locator("#atk");
  await host.locator(".kyc-widget").waitFor({ timeout: 10_000 });
  const first = host.getByLabel("First name", { exact: true });
  await first.fill("Jane");
  assert.equal(await first.inputValue(), "Jane");
  await host.getByRole("button", { name: "Continue", exact: true }).click();
  await host.locator(".kyc-error[data-code]").first().waitFor({ timeout: 5_000 });
  await page.evaluate(() => { window.__h.unmount(); window.__h = null; });
}

// ---------------------------------------------------------------------------------------------
// 1. Hostile mount options
// ---------------------------------------------------------------------------------------------

test("mount: every option of the wrong kind throws a clear message naming no value and leaves no DOM", async () => {
  const b = await launch();
  try {
    const { page, bad } = await bare(b);
    const problems = await page.evaluate((SECRET) => {
      const mount = window.wasmBindings.mount;
      const host = document.getElementById("atk");
      const base = { backendUrl: location.origin, sessionToken: window.__token };
      const kinds = {
        number: 987654321.5, integer: 987654321, boolean: true, array: [SECRET], object: { [SECRET]: SECRET },
        symbol: Symbol(SECRET), bigint: 98765432123456789n, function: function secretFn() { return SECRET; },
        string: SECRET, stringObject: new String(SECRET),
      };
      const groups = [
        [["backendUrl", "sessionToken", "handoffUrl", "locale", "colorScheme"],
          ["number", "integer", "boolean", "array", "object", "symbol", "bigint", "function", "stringObject"], "wrong"],
        [["strings", "theme"], ["number", "integer", "boolean", "string", "symbol", "bigint", "function"], "wrong"],
        [["onComplete", "onError", "onStep", "onExit", "loadLocale", "loadCapture"],
          ["number", "integer", "boolean", "array", "object", "symbol", "bigint", "string"], "fn"],
      ];
      const out = [];
      const leaks = (m) => [SECRET, "987654321", "98765432123456789", "secretFn"].some((s) => m.includes(s));
      const attempt = (label, opts, expect) => {
        let msg;
        try {
          const h = mount(host, opts);
          h.unmount();
          out.push(`${label}: mounted instead of throwing`);
          return;
        } catch (e) {
          msg = typeof e === "string" ? e : String(e && e.message !== undefined ? e.message : e);
        }
        if (!expect(msg)) out.push(`${label}: message ${JSON.stringify(msg.slice(0, 200))}`);
        if (leaks(msg)) out.push(`${label}: the message names the value: ${JSON.stringify(msg.slice(0, 200))}`);
        if (host.childNodes.length) { out.push(`${label}: DOM left behind`); host.replaceChildren(); }
      };
      for (const [names, kindNames, how] of groups) {
        for (const name of names) {
          for (const k of kindNames) {
            const expect = how === "fn"
              ? (m) => m === `mount: options.${name} must be a function`
              : (m) => m.startsWith("mount: an option has the wrong type (");
            attempt(`${name}=${k}`, { ...base, [name]: kinds[k] }, expect);
          }
        }
      }
      // An object of strings with a value of the wrong kind.
      for (const name of ["strings", "theme"]) {
        for (const v of [987654321, true, null, [SECRET], { a: SECRET }, Symbol(SECRET)]) {
          attempt(`${name}.continue=${typeof v}`, { ...base, [name]: { continue: v, "--kyc-color-primary": v } },
            (m) => m.startsWith("mount: an option has the wrong type ("));
        }
      }
      // Options that are no object at all.
      for (const [label, v] of [["number", 5], ["string", SECRET], ["null", null], ["undefined", undefined],
        ["boolean", true], ["symbol", Symbol(SECRET)], ["function", () => SECRET], ["bigint", 5n]]) {
        attempt(`options=${label}`, v, (m) => m === "mount: options must be an object");
      }
      return out;
    }, SECRET);
    assert.deepEqual(problems, []);
    await validMountWorks(page);
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

test("mount: null and undefined for each option mean 'not given'", async () => {
  const b = await launch();
  try {
    const { page, bad } = await bare(b);
    const problems = await page.evaluate(() => {
      const mount = window.wasmBindings.mount;
      const host = document.getElementById("atk");
      const base = { backendUrl: location.origin, sessionToken: window.__token };
      const out = [];
      for (const name of ["handoffUrl", "locale", "strings", "theme", "colorScheme", "onComplete", "onError", "onStep",
        "onExit", "loadLocale", "loadCapture"]) {
        for (const v of [null, undefined]) {
          try {
            const h = mount(host, { ...base, [name]: v });
            if (!host.querySelector(".kyc-root")) out.push(`${name}=${v}: nothing rendered`);
            h.unmount();
          } catch (e) {
            out.push(`${name}=${v}: threw ${String(e && e.message || e)}`);
          }
        }
      }
      for (const name of ["backendUrl", "sessionToken"]) {
        for (const v of [null, undefined]) {
          try {
            mount(host, { ...base, [name]: v }).unmount();
            out.push(`${name}=${v}: mounted without a required option`);
          } catch (e) {
            const m = String(e && e.message || e);
            if (m !== `mount: options.${name} is required`) out.push(`${name}=${v}: ${m}`);
          }
          if (host.childNodes.length) { out.push(`${name}=${v}: DOM left behind`); host.replaceChildren(); }
        }
      }
      return out;
    });
    assert.deepEqual(problems, []);
    await validMountWorks(page);
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

test("an array or other iterable where an object of strings belongs (strings, theme, a locale file) is refused", async () => {
  const b = await launch();
  try {
    const { page, bad } = await bare(b);
    const mounted = await page.evaluate(async () => {
      const mount = window.wasmBindings.mount;
      const host = document.getElementById("atk");
      const base = { backendUrl: location.origin, sessionToken: window.__token };
      const out = [];
      for (const [label, opts] of [
        ["strings=['ab']", { strings: ["ab"] }],
        ["strings=[['continue','Go']]", { strings: [["continue", "Go"]] }],
        ["strings=new Set(['ab'])", { strings: new Set(["ab"]) }],
        ["theme=[['--kyc-color-primary','red']]", { theme: [["--kyc-color-primary", "red"]] }],
      ]) {
        try {
          const h = mount(host, { ...base, ...opts });
          for (let i = 0; i < 100 && !host.querySelector(".kyc-button--primary"); i++) await new Promise((r) => setTimeout(r, 20));
          const button = host.querySelector(".kyc-button--primary");
          out.push(`${label}: mounted (Continue reads ${JSON.stringify(button && button.textContent)})`);
          h.unmount();
        } catch (e) { /* refused, as it should be */ }
        host.replaceChildren();
      }
      return out;
    });
    // A locale file that is a list of pairs is read as texts too (English should stand in).
    const p2 = await b.ctx.newPage();
    await p2.route("**/locales/fr.json", (r) => r.fulfill({ status: 200, contentType: "application/json", body: '[["continue", "Go"]]' }));
    await p2.goto(`${BASE}/?user=${newUser("pairs")}&locale=fr`);
    await p2.locator("#kyc .kyc-widget").waitFor({ timeout: 10_000 });
    const label = await p2.locator("#kyc .kyc-button--primary").innerText();
    if (label !== "Continue") mounted.push(`locale file [["continue","Go"]]: Continue reads ${JSON.stringify(label)}`);
    assert.deepEqual(mounted, [], "a list is not an object of strings");
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

test("mount: Object.create(null) and Proxy options mount; throwing getters and traps are refused with no DOM left", async () => {
  const b = await launch();
  try {
    const { page, bad } = await bare(b);
    const problems = await page.evaluate(async (SECRET) => {
      const mount = window.wasmBindings.mount;
      const host = document.getElementById("atk");
      const rendered = async () => {
        for (let i = 0; i < 100 && !host.querySelector(".kyc-widget"); i++) await new Promise((r) => setTimeout(r, 20));
        return !!host.querySelector(".kyc-widget");
      };
      const base = () => ({ backendUrl: location.origin, sessionToken: window.__token });
      const out = [];
      // Plain-object-like options that must work.
      const bare = Object.assign(Object.create(null), base(), { strings: Object.assign(Object.create(null), { continue: "Onward" }) });
      const proxied = new Proxy(base(), {});
      for (const [label, o] of [["Object.create(null)", bare], ["Proxy", proxied]]) {
        try {
          const h = mount(host, o);
          if (!(await rendered())) out.push(`${label}: no widget`);
          else if (label === "Object.create(null)" && host.querySelector(".kyc-button--primary").textContent !== "Onward") out.push(`${label}: strings not applied`);
          h.unmount();
        } catch (e) {
          out.push(`${label}: threw ${String(e && e.message || e)}`);
        }
        host.replaceChildren();
      }
      // Hostile ones: each must throw, leave nothing behind.
      const boom = () => { throw new Error("getter " + SECRET); };
      const hostile = [
        ["getter on locale", Object.defineProperty(base(), "locale", { get: boom, enumerable: true })],
        ["getter on onError", Object.defineProperty(base(), "onError", { get: boom, enumerable: true })],
        ["getter in strings", { ...base(), strings: Object.defineProperty({}, "continue", { get: boom, enumerable: true }) }],
        ["getter in theme", { ...base(), theme: Object.defineProperty({}, "--kyc-color-primary", { get: boom, enumerable: true }) }],
        ["Proxy get trap", new Proxy(base(), { get: boom })],
        ["Proxy ownKeys in strings", { ...base(), strings: new Proxy({}, { ownKeys: boom }) }],
        ["strings iterator throws", { ...base(), strings: { [Symbol.iterator]: boom } }],
      ];
      for (const [label, o] of hostile) {
        try {
          mount(host, o).unmount();
          out.push(`${label}: mounted`);
        } catch (e) { /* refused */ }
        if (host.childNodes.length) { out.push(`${label}: DOM left behind`); host.replaceChildren(); }
      }
      // The options are read once, by property (a snapshot the reader then takes apart): a
      // throwing `has` trap is never consulted, so such options mount like any others.
      try {
        const h = mount(host, new Proxy(base(), { has: boom }));
        if (!(await rendered())) out.push("Proxy has trap: no widget");
        h.unmount();
      } catch (e) {
        out.push(`Proxy has trap: threw ${String(e && e.message || e)}`);
      }
      host.replaceChildren();
      return out;
    }, SECRET);
    assert.deepEqual(problems, []);
    await validMountWorks(page);
    assert.deepEqual(bad.filter((t) => !t.includes("getter")), []);
  } finally {
    await b.close();
  }
});

test("mount: 20,000 refused mounts (a getter that throws) leave the page's widgets working", async () => {
  const b = await launch();
  try {
    const { page, bad } = await bare(b);
    // Refused mounts in batches of 500, a valid mount (and unmount) after each batch.
    const r = await page.evaluate(() => {
      const host = document.getElementById("atk");
      const o = {
        backendUrl: location.origin, sessionToken: window.__token,
        get locale() { throw new Error("host getter"); },
      };
      let n = 0;
      for (let i = 0; i < 20_000; i++) {
        try { window.wasmBindings.mount(host, o); } catch (e) { n++; }
        if (i % 500 === 499) {
          try {
            window.wasmBindings.mount(host, { backendUrl: location.origin, sessionToken: window.__token }).unmount();
          } catch (e) {
            return { n, broke: String(e && e.message || e) };
          }
        }
      }
      return { n, broke: null };
    });
    assert.equal(r.broke, null, `after ${r.n} refused mounts a valid mount fails: ${r.broke}`);
    assert.equal(r.n, 20_000);
    await validMountWorks(page);
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

test("mount: __proto__ keys in strings/theme, inherited keys and very long strings", async () => {
  const b = await launch();
  try {
    const { page, bad } = await bare(b);
    const r = await page.evaluate(async () => {
      const mount = window.wasmBindings.mount;
      const host = document.getElementById("atk");
      const rendered = async () => {
        for (let i = 0; i < 100 && !host.querySelector(".kyc-button--primary"); i++) await new Promise((r) => setTimeout(r, 20));
      };
      const strings = JSON.parse('{"__proto__": "x", "continue": "Onward", "constructor": "c"}');
      const theme = JSON.parse('{"__proto__": "red", "--kyc-color-primary": "rgb(1, 2, 3)", "color": "red"}');
      const h = mount(host, { backendUrl: location.origin, sessionToken: window.__token, strings, theme });
      await rendered();
      const root = host.querySelector(".kyc-root");
      const out = {
        button: host.querySelector(".kyc-button--primary").textContent,
        primary: root.style.getPropertyValue("--kyc-color-primary"),
        rootColor: root.style.getPropertyValue("color"),
        polluted: ({}).continue !== undefined || Object.prototype["--kyc-color-primary"] !== undefined,
      };
      h.unmount();
      // An object literal's __proto__ sets the prototype: inherited texts are not own entries.
      const h2 = mount(host, { backendUrl: location.origin, sessionToken: window.__token, strings: { __proto__: { continue: "Inherited" } } });
      await rendered();
      out.inherited = host.querySelector(".kyc-button--primary").textContent;
      h2.unmount();
      // Very long values.
      const long = "L".repeat(1 << 20);
      const h3 = mount(host, {
        backendUrl: location.origin, sessionToken: window.__token, locale: long, handoffUrl: long, colorScheme: long,
        strings: { continue: "C".repeat(200_000), [long]: long }, theme: { ["--kyc-" + long]: long },
      });
      await rendered();
      out.longButton = host.querySelector(".kyc-button--primary").textContent.length;
      out.longLang = host.querySelector(".kyc-widget").getAttribute("lang");
      h3.unmount();
      return out;
    });
    assert.equal(r.button, "Onward");
    assert.equal(r.primary, "rgb(1, 2, 3)");
    assert.equal(r.rootColor, "", "only --kyc-* properties are set");
    assert.equal(r.polluted, false, "no prototype pollution");
    assert.equal(r.inherited, "Continue", "inherited keys are no overrides");
    assert.equal(r.longButton, 200_000);
    assert.equal(r.longLang, "en", "an unknown huge locale falls back to English");
    await validMountWorks(page);
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

// ---------------------------------------------------------------------------------------------
// 2. Malformed GET /v1/session answers
// ---------------------------------------------------------------------------------------------

const deep = (n) => "[".repeat(n) + "]".repeat(n);
const SESSION_BODIES = [
  ["application a number, staged a string", 200, '{"application": 5, "staged": "x"}'],
  ["applicationId a number", 200, '{"application": {"applicationId": 5, "status": "draft"}, "staged": null}'],
  ["application an array", 200, '{"application": [1, 2], "staged": null}'],
  ["staged.step a number", 200, '{"application": null, "staged": {"step": 5}}'],
  ["staged an array", 200, '{"application": null, "staged": []}'],
  ["gender 2.5", 200, '{"staged": {"step": "personal", "draft": {"individualInfo": {"gender": 2.5}}}}'],
  ["gender true", 200, '{"staged": {"step": "personal", "draft": {"individualInfo": {"gender": true}}}}'],
  ["gender an object", 200, '{"staged": {"step": "personal", "draft": {"individualInfo": {"gender": {"x": 1}}}}}'],
  ["gender 1e300", 200, '{"staged": {"step": "personal", "draft": {"individualInfo": {"gender": 1e300}}}}'],
  ["idDocType -1 and huge", 200, '{"staged": {"step": "document", "draft": {"individualInfo": {"idDocType": -1, "gender": 18446744073709551615}}}}'],
  ["email an object", 200, '{"staged": {"step": "personal", "draft": {"email": {"toString": "x"}}}}'],
  ["photos with junk", 200, '{"staged": {"step": "personal", "photos": [null, 5, {"kind": 7}, {"kind": "selfie"}]}}'],
  ["noExpiry a string", 200, '{"staged": {"step": "document", "noExpiry": "yes"}}'],
  ["documents a string", 200, '{"application": {"applicationId": "a", "status": "draft", "documents": "idFront"}}'],
  ["deep unknown key", 200, `{"x": ${deep(5000)}, "application": null, "staged": null}`],
  ["deep photos", 200, `{"staged": {"photos": ${deep(3000)}}}`],
  ["top-level array", 200, "[]"],
  ["top-level string", 200, '"session"'],
  ["top-level null", 200, "null"],
  ["top-level number", 200, "42"],
  ["not JSON", 200, "<html>gateway</html>"],
  ["empty body", 200, ""],
  ["500 with JSON", 500, '{"error": {"code": "internal_error"}}'],
  ["500 not JSON", 500, "oops"],
  ["401 odd error", 401, '{"error": "expired"}'],
];

test("malformed session answers: the widget renders, takes typing and Continue, never panics", async () => {
  const b = await launch();
  try {
    const failures = [];
    for (const [label, status, body] of SESSION_BODIES) {
      const page = await b.ctx.newPage();
      const bad = watch(page);
      await page.route((u) => path(u) === "/v1/session", (r) => r.fulfill({ status, contentType: "application/json", body }));
      try {
        await page.goto(`${BASE}/?user=${newUser("sess")}`);
        await widgetLive(page);
        // Let the session answer arrive and be read.
        await page.waitForTimeout(400);
        const heading = page.locator(".kyc-step-title");
        await heading.waitFor({ timeout: 5_000 });
        const first = page.getByLabel("First name", { exact: true });
        if (await first.count()) {
          await first.fill("Jane");
          if ((await first.inputValue()) !== "Jane") failures.push(`${label}: typing lost`);
          await cont(page);
          await page.locator(".kyc-error[data-code]").first().waitFor({ timeout: 5_000 });
        }
        if (bad.length) failures.push(`${label}: ${bad.join(" | ").slice(0, 300)}`);
      } catch (e) {
        failures.push(`${label}: ${e.message.split("\n")[0]}`);
      }
      await page.close();
    }
    assert.deepEqual(failures, []);
  } finally {
    await b.close();
  }
});

test("a session answer with unknown keys at every level and a huge photo list still resumes", async () => {
  const b = await launch();
  try {
    const user = newUser("extra");
    const token = await sessionToken(user);
    const draft = validDraft(uniqueEmail("extra"));
    await stageDraft(token, "address", draft);
    const page = await b.ctx.newPage();
    const bad = watch(page);
    await page.route((u) => path(u) === "/v1/session", async (r) => {
      const real = await (await r.fetch()).json();
      real.newTopLevel = { nested: [1, 2, 3] };
      real.staged.futureFlag = true;
      real.staged.draft.middleName = "Q";
      real.staged.draft.individualInfo.requestNo = "R-1";
      real.staged.draft.individualInfo.extra = { a: [null] };
      real.staged.draft.address.line2 = "Apt 4";
      real.staged.photos = Array.from({ length: 50_000 }, (_, i) => ({ kind: i === 7 ? "face" : "other", source: "file", at: i }));
      await r.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(real) });
    });
    await page.goto(`${BASE}/?user=${user}`);
    await page.getByRole("heading", { name: "Address" }).waitFor({ timeout: 15_000 });
    assert.equal(await page.getByLabel("City", { exact: true }).inputValue(), "San Francisco");
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

test("a staged draft with gender and idDocType as numbers shows them chosen", async () => {
  const b = await launch();
  try {
    const user = newUser("num");
    const token = await sessionToken(user);
    const draft = validDraft(uniqueEmail("num"));
    draft.individualInfo.gender = 2;
    draft.individualInfo.idDocType = 2;
    await stageDraft(token, "personal", draft);
    const page = await b.ctx.newPage();
    const bad = watch(page);
    await page.goto(`${BASE}/?user=${user}`);
    await widgetLive(page);
    await page.waitForFunction(() => document.querySelector('[id$="-individualInfo-firstName"]')?.value === "Jane", null, { timeout: 15_000 });
    assert.equal(await page.getByLabel("Gender").inputValue(), "2", "gender 2 is chosen");
    await cont(page);
    await page.getByRole("heading", { name: "Identity document" }).waitFor();
    assert.equal(await page.getByLabel("Document type").inputValue(), "2", "idDocType 2 is chosen");
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

test("staged photos with step null (a phone was quicker) come back on the Photos step", async () => {
  const b = await launch();
  try {
    const user = newUser("stepnull");
    const token = await sessionToken(user);
    await stagePhotos(token);
    const direct = await (await fetch(`${BASE}/v1/session`, { headers: { Authorization: `Bearer ${token}` } })).json();
    assert.equal(direct.staged.step, null, "the backend answers step null");
    const page = await b.ctx.newPage();
    const bad = watch(page);
    // The real answer, with a typed draft added (the step stays null) so Continue can pass.
    await page.route((u) => path(u) === "/v1/session", async (r) => {
      const real = await (await r.fetch()).json();
      real.staged.draft = validDraft(uniqueEmail("stepnull"));
      await r.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(real) });
    });
    await page.goto(`${BASE}/?user=${user}`);
    await widgetLive(page);
    await page.waitForFunction(() => document.querySelector('[id$="-individualInfo-firstName"]')?.value === "Jane", null, { timeout: 15_000 });
    for (const h of ["Identity document", "Address", "Photos"]) {
      await cont(page);
      await page.getByRole("heading", { name: h }).waitFor();
    }
    await page.getByText("Uploaded", { exact: true }).nth(2).waitFor({ timeout: 15_000 });
    await cont(page);
    await page.getByRole("heading", { name: "Review" }).waitFor();
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

test("null for a list or object that may be empty is 'none': an application with documents null still opens on its result", async () => {
  const b = await launch();
  try {
    const cases = [
      ["application.documents null", '{"application": {"applicationId": "app_nulldocs", "status": "reviewing", "documents": null}, "staged": null}', "result"],
      ["staged.photos null", '{"application": null, "staged": {"step": "address", "noExpiry": false, "draft": {"email": "a@example.com"}, "photos": null}}', "address"],
      ["staged.draft null", '{"application": null, "staged": {"step": "address", "noExpiry": false, "draft": null, "photos": []}}', "address"],
      ["individualInfo null", '{"application": null, "staged": {"step": "address", "noExpiry": false, "draft": {"individualInfo": null}, "photos": []}}', "address"],
    ];
    const failures = [];
    for (const [label, body, step] of cases) {
      const page = await b.ctx.newPage();
      await page.route((u) => path(u) === "/v1/session", (r) => r.fulfill({ status: 200, contentType: "application/json", body }));
      await page.route((u) => path(u) === "/v1/applications/app_nulldocs", (r) => r.fulfill({ status: 200, contentType: "application/json", body: '{"status": "reviewing"}' }));
      await page.goto(`${BASE}/?user=${newUser("nulls")}`);
      await widgetLive(page);
      try {
        await page.waitForFunction((s) => document.body.getAttribute("data-kyc-step") === s, step, { timeout: 8_000 });
      } catch {
        failures.push(`${label}: opened on ${await page.locator("body").getAttribute("data-kyc-step")}, not ${step}`);
      }
      await page.close();
    }
    assert.deepEqual(failures, []);
  } finally {
    await b.close();
  }
});

// ---------------------------------------------------------------------------------------------
// 3. Malformed answers to POST /v1/applications, submit, status
// ---------------------------------------------------------------------------------------------

const isCreate = (u) => path(u) === "/v1/applications";

/** Answers the widget's POST /v1/applications with `status` and `body` instead of the backend. */
function answerCreate(page, status, body, contentType = "application/json") {
  return page.route(isCreate, (r) => r.request().method() === "POST"
    ? r.fulfill({ status, contentType, body: typeof body === "string" ? body : JSON.stringify(body) })
    : r.continue());
}

/** Lets the backend create the application, then answers the widget with `answer(its body)`. */
function createThenAnswer(page, answer) {
  return page.route(isCreate, async (r) => {
    if (r.request().method() !== "POST") return r.continue();
    const real = await r.fetch();
    assert.equal(real.status(), 201, "the backend created the application");
    await r.fulfill(answer(await real.json()));
  });
}

/** From the Personal step back through every step to Review, then Submit. */
async function backToReviewAndSubmit(page) {
  for (const h of ["Identity document", "Address", "Photos", "Review"]) {
    await cont(page);
    await page.getByRole("heading", { name: h }).waitFor();
  }
  await submitButton(page).click();
}

test("201 with garbage (nothing created): the person sees a server error, onError gets invalid_answer, Try again completes", async () => {
  const b = await launch();
  try {
    const { page, bad } = await atReview(b, "garb201");
    await answerCreate(page, 201, '{"applicationId": 12345, "status": ["draft"]}');
    await submitButton(page).click();
    await page.getByText(SERVER_ERROR, { exact: true }).waitFor({ timeout: 10_000 });
    assert.match(await demoStatus(page), /error: invalid_answer$/);
    await page.unroute(isCreate);
    await tryAgain(page).click();
    await page.locator(".kyc-status").waitFor({ timeout: 30_000 });
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

test("201 whose status is null (the application was created): the widget carries on with its id", async () => {
  const b = await launch();
  try {
    const { page, bad } = await atReview(b, "null201");
    await createThenAnswer(page, (body) => ({ status: 201, contentType: "application/json", body: JSON.stringify({ ...body, status: null }) }));
    await submitButton(page).click();
    // Only the application's id is needed of this answer: submit goes on at once.
    try {
      await page.locator(".kyc-status").waitFor({ timeout: 20_000 });
    } catch {
      assert.fail(`no result; the page says ${JSON.stringify(await demoStatus(page))}`);
    }
    assert.equal(await page.getByText(SERVER_ERROR, { exact: true }).count(), 0);
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

test("a created application whose answer was lost: Try again meets 409 application_exists and carries on with it", async () => {
  const b = await launch();
  try {
    const { page, bad } = await atReview(b, "lost201");
    await createThenAnswer(page, () => ({ status: 502, contentType: "text/html", body: "<h1>Bad gateway</h1>" }));
    await submitButton(page).click();
    await page.getByText(SERVER_ERROR, { exact: true }).waitFor({ timeout: 10_000 });
    await page.unroute(isCreate);
    await tryAgain(page).click();
    try {
      await page.locator(".kyc-status").waitFor({ timeout: 20_000 });
    } catch {
      assert.fail(`no result after Try again; the page says ${JSON.stringify(await demoStatus(page))}`);
    }
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

test("422 mixing known and unknown fields and codes: the known errors land on their fields, then a fixed submit completes", async () => {
  const b = await launch();
  try {
    const { page, bad } = await atReview(b, "mix422");
    const body = {
      error: {
        code: "validation_failed", message: "some fields are not valid", requestId: "r1",
        fields: [
          { field: "individualInfo.middleName", code: "required" },
          { field: "individualInfo.firstName", code: "invalid_characters", params: {} },
          { field: "email", code: "brand_new_code_v9", params: { level: 3 } },
          { field: "documents.selfieVideo", code: "required" },
          { field: "address.city", code: "too_long", params: { max: 40 } },
        ],
      },
    };
    await answerCreate(page, 422, body);
    await submitButton(page).click();
    await page.waitForFunction(() => document.body.getAttribute("data-kyc-step") === "personal", null, { timeout: 10_000 });
    assert.deepEqual(await screenErrors(page), [["individualInfo.firstName", "invalid_characters"]]);
    const first = page.getByLabel("First name", { exact: true });
    assert.equal(await first.getAttribute("aria-invalid"), "true");
    assert.equal(await page.getByLabel("Email", { exact: true }).getAttribute("aria-invalid"), null, "an unknown code is dropped");
    await page.getByText("This contains characters that are not allowed.").first().waitFor();
    await page.unroute(isCreate);
    await first.fill("Janet");
    await backToReviewAndSubmit(page);
    await page.locator(".kyc-status").waitFor({ timeout: 30_000 });
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

test("422 whose field error has params null: the error still lands on its field", async () => {
  const b = await launch();
  try {
    const { page, bad } = await atReview(b, "pnull");
    const body = '{"error": {"code": "validation_failed", "fields": [{"field": "individualInfo.firstName", "code": "invalid_characters", "params": null}]}}';
    await answerCreate(page, 422, body);
    await submitButton(page).click();
    try {
      await page.waitForFunction(() => document.body.getAttribute("data-kyc-step") === "personal", null, { timeout: 8_000 });
    } catch {
      const shown = await page.locator(".kyc-summary").allInnerTexts();
      assert.fail(`the field error was dropped: the widget shows ${JSON.stringify(shown)}; the page says ${JSON.stringify(await demoStatus(page))}`);
    }
    assert.deepEqual(await screenErrors(page), [["individualInfo.firstName", "invalid_characters"]]);
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

test("422 whose params is a list holding null: the person is told something and can submit again", async () => {
  const b = await launch();
  try {
    const { page, bad } = await atReview(b, "plist");
    const body = '{"error": {"code": "validation_failed", "fields": [{"field": "individualInfo.firstName", "code": "too_long", "params": [null]}]}}';
    await answerCreate(page, 422, body);
    await submitButton(page).click();
    try {
      await page.locator('.kyc-summary[role="alert"], .kyc-error[data-code]').first().waitFor({ timeout: 8_000 });
    } catch {
      const buttons = await page.locator(".kyc-actions button").evaluateAll((bs) => bs.map((x) => `${x.textContent}${x.disabled ? " (disabled)" : ""}`));
      assert.fail(`nothing is shown 8 s after the 422; the buttons: ${JSON.stringify(buttons)}; page errors: ${bad.join(" | ").slice(0, 300)}`);
    }
    await page.unroute(isCreate);
    if (await tryAgain(page).count()) await tryAgain(page).click();
    else await backToReviewAndSubmit(page);
    await page.locator(".kyc-status").waitFor({ timeout: 30_000 });
  } finally {
    await b.close();
  }
});

test("an error answer that is not JSON (502 HTML): a server error, onError gets http_502, Try again completes", async () => {
  const b = await launch();
  try {
    const { page, bad } = await atReview(b, "html502");
    await answerCreate(page, 502, "<html><body>Bad gateway</body></html>", "text/html");
    await submitButton(page).click();
    await page.getByText(SERVER_ERROR, { exact: true }).waitFor({ timeout: 10_000 });
    assert.match(await demoStatus(page), /error: http_502$/);
    // An error answer in JSON but of another shape: its status code too.
    await page.unroute(isCreate);
    await answerCreate(page, 503, '{"error": "busy", "fields": [{"field": "email", "code": "required"}]}');
    await tryAgain(page).click();
    await page.waitForFunction(() => /http_503$/.test(document.getElementById("demo-status").textContent), null, { timeout: 10_000 });
    await page.unroute(isCreate);
    await tryAgain(page).click();
    await page.locator(".kyc-status").waitFor({ timeout: 30_000 });
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

test("submit answering garbage, then status polls answering garbage: an error, Try again, and the result still arrives", async () => {
  const b = await launch();
  try {
    const { page, bad } = await atReview(b, "garbsub");
    const isSubmit = (u) => path(u).endsWith("/submit");
    await page.route(isSubmit, (r) => r.fulfill({ status: 200, contentType: "application/json", body: '{"status": 7}' }));
    await submitButton(page).click();
    await page.getByText(SERVER_ERROR, { exact: true }).waitFor({ timeout: 15_000 });
    assert.match(await demoStatus(page), /error: invalid_answer$/);
    await page.unroute(isSubmit);
    let polls = 0;
    const isStatus = (u) => /^\/v1\/applications\/[^/]+$/.test(path(u));
    await page.route(isStatus, (r) => {
      polls++;
      return r.fulfill({ status: 200, contentType: "application/json", body: polls % 2 ? '{"status": null}' : "{]" });
    });
    await tryAgain(page).click();
    await page.locator(".kyc-status").waitFor({ timeout: 30_000 });
    for (let i = 0; i < 60 && polls < 2; i++) await page.waitForTimeout(250);
    assert.ok(polls >= 2, `the result polled (${polls})`);
    assert.ok(await page.locator(".kyc-status").isVisible(), "the result stays shown through bad polls");
    await page.unroute(isStatus);
    await page.locator('.kyc-status[data-status="approved"]').waitFor({ timeout: 30_000 });
    assert.deepEqual(bad, []);
  } finally {
    await b.close();
  }
});

// ---------------------------------------------------------------------------------------------
// 4. Locale texts of the wrong shape
// ---------------------------------------------------------------------------------------------

test("loadLocale giving non-string values, a non-object, a rejection or a throw: English stands in", async () => {
  const b = await launch();
  try {
    const { page, bad } = await bare(b);
    const cases = [
      "({ continue: 5, title: 'Titre' })", "({ title: {} })", "'texts'", "42", "null", "[1, 2]", "[['continue', 5]]",
      "Promise.reject(new Error('no'))", "(() => { throw new Error('sync'); })()", "new Response('<html>', { status: 200 })",
      "new Response('{}', { status: 404 })",
    ];
    const failures = [];
    for (const c of cases) {
      await page.evaluate((c) => {
        const host = document.getElementById("atk");
        host.replaceChildren();
        window.__h = window.wasmBindings.mount(host, {
          backendUrl: location.origin, sessionToken: window.__token, locale: "fr",
          loadLocale: () => (0, eval)(c),
        });
      }, c);
      try {
        await page.locator("#atk .kyc-widget").waitFor({ timeout: 5_000 });
        const label = await page.locator("#atk .kyc-button--primary").innerText();
        const title = await page.locator("#atk .kyc-title").innerText();
        if (label !== "Continue" || title !== "Verify your identity") failures.push(`${c}: shows ${label} / ${title}`);
      } catch (e) {
        failures.push(`${c}: no widget`);
      }
      await page.evaluate(() => window.__h.unmount());
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(bad.filter((t) => !/no|sync/.test(t)), []);
  } finally {
    await b.close();
  }
});

test("a locale file of the wrong shape (fetched locales/fr.json, among them [null]): English stands in", async () => {
  const b = await launch();
  try {
    const failures = [];
    for (const body of ['{"continue": 5}', '"texte"', "<html>", '{"continue": null}', "[null]"]) {
      const page = await b.ctx.newPage();
      const bad = watch(page);
      await page.route("**/locales/fr.json", (r) => r.fulfill({ status: 200, contentType: "application/json", body }));
      await page.goto(`${BASE}/?user=${newUser("locfile")}&locale=fr`);
      try {
        await page.locator("#kyc .kyc-widget").waitFor({ timeout: 8_000 });
        const label = await page.locator("#kyc .kyc-button--primary").innerText();
        if (label !== "Continue") failures.push(`${body}: Continue reads ${label}`);
      } catch {
        failures.push(`${body}: no widget (${bad.join(" | ").slice(0, 200)})`);
      }
      await page.close();
    }
    assert.deepEqual(failures, []);
  } finally {
    await b.close();
  }
});

test("a locale loader answering [null] for one widget leaves another widget on the page working", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    await page.evaluate(() => {
      const host = document.createElement("div");
      host.id = "second";
      document.querySelector("main").append(host);
      window.__second = window.wasmBindings.mount(host, {
        backendUrl: location.origin, sessionToken: "t", locale: "de", loadLocale: () => [null],
      });
    });
    await page.waitForTimeout(500);
    // The page's own widget still saves what is typed (its async work still runs).
    const kyc = page.locator("#kyc");
    await kyc.getByLabel("First name", { exact: true }).fill("Jane");
    await kyc.getByLabel("Last name", { exact: true }).fill("Doe");
    await kyc.getByLabel("Email", { exact: true }).fill(uniqueEmail("second"));
    const g = kyc.getByRole("group", { name: "Date of birth", exact: true });
    await g.getByLabel("Day", { exact: true }).fill("01");
    await g.getByLabel("Month", { exact: true }).selectOption("4");
    await g.getByLabel("Year", { exact: true }).fill("1990");
    await kyc.getByLabel("Gender").selectOption("2");
    await kyc.getByLabel("Nationality").selectOption("US");
    const saved = page.waitForRequest((r) => path(r.url()) === "/v1/draft" && r.method() === "PUT", { timeout: 8_000 });
    await kyc.getByRole("button", { name: "Continue", exact: true }).click();
    await kyc.getByRole("heading", { name: "Identity document" }).waitFor();
    await saved;
  } finally {
    await b.close();
  }
});

// ---------------------------------------------------------------------------------------------
// 5. The rest of the change: country names, data-* states
// ---------------------------------------------------------------------------------------------

test("country names come named and sorted in the locale (Intl via the snippet)", async () => {
  const b = await launch();
  try {
    for (const [locale, us, de] of [["en", "United States", "Germany"], ["de", "Vereinigte Staaten", "Deutschland"]]) {
      const page = await b.ctx.newPage();
      await page.goto(`${BASE}/?user=${newUser("cn")}&locale=${locale}`);
      await widgetLive(page);
      const opts = await page.locator('[id$="-individualInfo-country"] option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
      const named = opts.filter(([v]) => v);
      assert.ok(named.length >= 240, `${locale}: ${named.length} countries`);
      assert.equal(named.find(([v]) => v === "US")?.[1], us);
      assert.equal(named.find(([v]) => v === "DE")?.[1], de);
      const names = named.map(([, n]) => n);
      const sorted = await page.evaluate(([ns, l]) => [...ns].sort(new Intl.Collator([l]).compare), [names, locale]);
      assert.deepEqual(names, sorted, `${locale}: sorted by the locale's collation`);
      assert.equal(new Set(named.map(([v]) => v)).size, named.length, "no code twice");
      await page.close();
    }
  } finally {
    await b.close();
  }
});

test("states as data attributes: invalid fields, step items, date parts and photo slots are styled from them", async () => {
  const b = await launch();
  try {
    const page = await open(b.ctx);
    const border = (sel) => page.locator(sel).first().evaluate((e) => getComputedStyle(e).borderTopWidth + " " + getComputedStyle(e).borderTopColor);
    const validBorder = await border(".kyc-field .kyc-input");
    await cont(page);
    await page.locator(".kyc-field[data-invalid] .kyc-input").first().waitFor();
    assert.notEqual(await border(".kyc-field[data-invalid] .kyc-input"), validBorder, "an invalid field is styled");
    const consistent = await page.locator(".kyc-field[data-invalid]").evaluateAll((els) => els.every((e) => e.querySelector('[aria-invalid="true"]')));
    assert.ok(consistent, "each field marked invalid has its control marked aria-invalid");
    const states = await page.locator(".kyc-steps-item").evaluateAll((els) => els.map((e) => e.dataset.state));
    assert.deepEqual(states, ["current", "todo", "todo", "todo", "todo"]);
    assert.equal(await page.locator('.kyc-steps-item[data-state="current"]').evaluate((e) => getComputedStyle(e).fontWeight), "700");
    const parts = await page.locator(".kyc-date-part").evaluateAll((els) => els.map((e) => e.dataset.part).sort());
    assert.deepEqual(parts.slice(0, 3), ["day", "month", "year"]);
    const dayWidth = await page.locator('.kyc-date-part[data-part="day"] .kyc-input').first().evaluate((e) => e.getBoundingClientRect().width);
    const yearWidth = await page.locator('.kyc-date-part[data-part="year"] .kyc-input').first().evaluate((e) => e.getBoundingClientRect().width);
    assert.ok(dayWidth < yearWidth, `day ${dayWidth} narrower than year ${yearWidth}`);
    // The photo slots (the lazily loaded module): Continue with none marks them data-invalid.
    const user = newUser("slots");
    const token = await sessionToken(user);
    await stageDraft(token, "photos", validDraft(uniqueEmail("slots")));
    const p2 = await b.ctx.newPage();
    await p2.goto(`${BASE}/?user=${user}`);
    await p2.getByRole("heading", { name: "Photos" }).waitFor({ timeout: 15_000 });
    await p2.locator(".kyc-photo").nth(2).waitFor({ timeout: 15_000 });
    const slotBorder = await p2.locator(".kyc-photo").first().evaluate((e) => getComputedStyle(e).borderTopColor);
    await cont(p2);
    await p2.locator('.kyc-photo[data-invalid="true"]').first().waitFor({ timeout: 5_000 });
    assert.ok((await p2.locator('.kyc-photo[data-invalid="true"]').count()) >= 2, "the required slots are marked");
    assert.notEqual(await p2.locator('.kyc-photo[data-invalid="true"]').first().evaluate((e) => getComputedStyle(e).borderTopColor), slotBorder);
    assert.equal(await p2.locator('.kyc-photo[class~="kyc-field--invalid"]').count(), 0, "no leftover class");
  } finally {
    await b.close();
  }
});
