// Firefox ESR (Debian's /usr/bin/firefox-esr, headless) driven by puppeteer-core over
// WebDriver BiDi. puppeteer-core downloads no browser; the binary is Debian's.
import { createRequire } from "node:module";
import { controlByLabel, optionOf, buttonByText, pageState } from "./locate.mjs";

const require = createRequire(import.meta.url);
const puppeteer = require("puppeteer-core");

export const NAME = "Firefox ESR";

/** What this engine cannot do here, each with the reason a skipped test gives (none). */
export const LIMITS = {};

const TIMEOUT = 15_000;

class FirefoxPage {
  constructor(browser, page) {
    this.browser = browser;
    this.page = page;
    /** Uncaught exceptions and unhandled rejections of the page, from the start of each load. */
    this.errors = [];
    page.on("pageerror", (e) => this.errors.push(e.message || String(e)));
    page.setDefaultTimeout(TIMEOUT);
  }

  async goto(url) {
    await this.page.goto(url);
  }

  async #find(fn, ...args) {
    const h = await this.page.waitForFunction(fn, { polling: 100, timeout: TIMEOUT }, ...args).catch((e) => {
      throw new Error(`${NAME}: not found: ${fn.name}(${args.map((a) => JSON.stringify(a)).join(", ")}): ${e.message}`);
    });
    return h.asElement();
  }

  /** Types `text` into the control labelled `label` (emptied first), key by key. */
  async fill(label, text) {
    const el = await this.#find(controlByLabel, label);
    await el.evaluate((e) => {
      if (e.value !== "") {
        e.value = "";
        e.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
    await el.type(text);
  }

  /** Chooses the option `{ value }` or `{ label }` of the select labelled `label`. */
  async select(label, choice) {
    const [by, want] = choice.value !== undefined ? ["value", choice.value] : ["label", choice.label];
    const option = await this.#find(optionOf, label, by, want);
    const value = await option.evaluate((o) => o.value);
    const select = await this.#find(controlByLabel, label);
    await select.select(value);
  }

  async check(label) {
    const el = await this.#find(controlByLabel, label);
    if (!(await el.evaluate((e) => e.checked))) await el.click();
  }

  async click(text) {
    const el = await this.#find(buttonByText, text);
    await el.click();
  }

  /** Sets the file input labelled `label` to the file at `path` (absolute). */
  async upload(label, path) {
    const el = await this.#find(controlByLabel, label);
    await el.uploadFile(path);
  }

  /** Runs `fn(...args)` in the page (it may be async) and returns its JSON-able result. */
  async evaluate(fn, ...args) {
    return this.page.evaluate(fn, ...args);
  }

  /** Runs a script's source text in the page (axe-core's bundle). */
  async inject(source) {
    await this.page.evaluate(source);
  }

  /** Page errors seen so far. */
  async pageErrors() {
    return [...this.errors];
  }

  /** Waits until `fn(...args)` is truthy in the page; returns its value. */
  async waitFor(fn, args = [], { timeout = TIMEOUT, what = fn.name } = {}) {
    const h = await this.page.waitForFunction(fn, { polling: 100, timeout }, ...args).catch(async (e) => {
      const state = await this.page.evaluate(pageState).catch((err) => err.message);
      throw new Error(`${NAME}: timed out waiting for ${what}: ${e.message}; the page: ${state}`);
    });
    return h.jsonValue();
  }

  async close() {
    await this.browser.close();
  }
}

/**
 * A new headless Firefox ESR with one page. `fakeCamera`: Firefox's own fake camera (a
 * synthetic 640×480 picture; it cannot play a given video) with permission granted.
 */
export async function launch({ fakeCamera = false } = {}) {
  const browser = await puppeteer.launch({
    browser: "firefox",
    protocol: "webDriverBiDi",
    executablePath: "/usr/bin/firefox-esr",
    headless: true,
    // Nothing of Mozilla's online services on this machine's closed network.
    extraPrefsFirefox: {
      "app.update.enabled": false,
      "browser.safebrowsing.malware.enabled": false,
      "browser.safebrowsing.phishing.enabled": false,
      "network.captive-portal-service.enabled": false,
      "network.connectivity-service.enabled": false,
      "datareporting.policy.dataSubmissionEnabled": false,
      ...(fakeCamera ? { "media.navigator.streams.fake": true, "media.navigator.permission.disabled": true } : {}),
    },
  });
  const page = (await browser.pages())[0] || (await browser.newPage());
  await page.setViewport({ width: 1280, height: 900 });
  return new FirefoxPage(browser, page);
}
