// In-page lookups shared by the engine drivers. Each is a plain function sent to the page as
// its source text (puppeteer's evaluate, WebDriver's Execute Script), so it must not use any
// variable from this module. They return the element, or null while it is not (yet) there.

/**
 * The control labelled `label`, exactly (whitespace collapsed), like Playwright's
 * `getByLabel(label, { exact: true })`: a `<label>`'s control, then a control one of whose
 * `aria-labelledby` elements says it, then `aria-label`.
 */
export function controlByLabel(label) {
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim();
  for (const l of document.querySelectorAll("label")) {
    if (norm(l.textContent) !== label) continue;
    const c = l.control || (l.htmlFor && document.getElementById(l.htmlFor));
    if (c) return c;
  }
  for (const el of document.querySelectorAll("[aria-labelledby]")) {
    const ids = el.getAttribute("aria-labelledby").split(/\s+/);
    if (ids.some((id) => norm(document.getElementById(id)?.textContent) === label)) return el;
  }
  for (const el of document.querySelectorAll("[aria-label]")) {
    if (norm(el.getAttribute("aria-label")) === label) return el;
  }
  return null;
}

/** The `<option>` of the select labelled `label` whose value (`by = "value"`) or text (`by = "label"`) is `want`. */
export function optionOf(label, by, want) {
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim();
  let select = null;
  for (const l of document.querySelectorAll("label")) {
    if (norm(l.textContent) === label) select = l.control || document.getElementById(l.htmlFor);
    if (select) break;
  }
  if (!select || select.tagName !== "SELECT") return null;
  return [...select.options].find((o) => (by === "value" ? o.value === want : norm(o.textContent) === want)) || null;
}

/** The visible, enabled button whose text (or aria-label) is exactly `text`. */
export function buttonByText(text) {
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim();
  for (const b of document.querySelectorAll("button, [role=button], input[type=submit]")) {
    const name = norm(b.getAttribute("aria-label") || b.textContent || b.value);
    if (name === text && b.getClientRects().length > 0 && !b.disabled) return b;
  }
  return null;
}

/**
 * What a timed-out wait shows of the page (test data only): the headings, the error messages
 * with their field and code, the status line, the page's URL and how many navigations it had.
 */
export function pageState() {
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim();
  const headings = [...document.querySelectorAll("h1, h2, h3, [role=heading]")].map((h) => norm(h.textContent));
  const errors = [...document.querySelectorAll(".kyc-error, .kyc-summary, [role=alert]")]
    .map((e) => `${e.dataset.field || ""}:${e.dataset.code || ""} ${norm(e.textContent).slice(0, 120)}`);
  const status = norm(document.querySelector(".kyc-status, [role=status]")?.textContent).slice(0, 160);
  const nav = performance.getEntriesByType("navigation").map((n) => n.type);
  return JSON.stringify({ url: location.href, nav, headings, errors, status, errorsSeen: window.__engineErrors || null });
}
