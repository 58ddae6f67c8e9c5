// The demo partner page: in demo mode it may ask the backend for a session itself (a real
// partner's server does this with its admin key), then mounts the widget. `?locale=ar` and
// `?theme=dark` try the other languages and the dark theme; `?user=<id>` is the partner's user
// id (default: one random id this browser keeps, so a reload continues the same person's
// application — docs/api.md "The programs"). `#kyc-handoff=<token>` opens phone mode.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  function say(text) {
    var el = document.getElementById("demo-status");
    if (el) el.textContent = text;
  }
  function demoUser() {
    var given = params.get("user");
    if (given) return given;
    var fresh = "demo-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    try {
      // Only this random id is kept: no applicant data ever goes to browser storage.
      var kept = window.localStorage.getItem("kyc-demo-user");
      if (kept) return kept;
      window.localStorage.setItem("kyc-demo-user", fresh);
    } catch (e) { /* storage unavailable: a new person per page load */ }
    return fresh;
  }
  var locale = params.get("locale") || navigator.language || "en";
  function options(extra) {
    var o = {
      backendUrl: window.location.origin,
      locale: locale,
      colorScheme: params.get("theme") || undefined,
      onStep: function (step) { document.body.setAttribute("data-kyc-step", step); },
      onComplete: function (r) { say("Verification finished: " + r.status); },
      onError: function (e) { say("The widget reported an error: " + (e && e.code)); },
      onExit: function () { say("The applicant chose to exit."); }
    };
    for (var k in extra) o[k] = extra[k];
    return o;
  }
  // The session is asked for at once, while the widget's files download (not after them).
  // Phone mode needs a token in the fragment (the widget's own test: a non-empty value).
  var handoff = /(^#|&)kyc-handoff=[^&]/.test(window.location.hash);
  // The page holds the widget's first step in English, light theme (static HTML the widget
  // takes over): another language, theme or phone mode goes without it.
  if (handoff || params.get("theme") || !/^en(-|$)/i.test(locale)) {
    var shell = document.querySelector("#kyc > [data-kyc-shell]");
    if (shell) shell.remove();
  }
  var session = handoff ? null : fetch("/v1/sessions", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ externalUserId: demoUser() })
  }).then(function (r) {
    if (!r.ok) throw new Error("session: HTTP " + r.status);
    return r.json();
  });
  // A failed session is said at once, even while (or if) the widget's files never arrive.
  if (session) session.catch(function (e) { say("Could not start the verification: " + e.message); });
  function mountWith(extra) {
    try {
      window.kycHandle = window.wasmBindings.mount(document.getElementById("kyc"), options(extra));
    } catch (e) {
      say("Could not start the verification: " + (e && e.message ? e.message : e));
    }
  }
  function start() {
    // A phone opening the desktop's "continue on your phone" link: the widget starts in phone
    // mode from the link's fragment; no session of its own.
    if (handoff) return mountWith({});
    session.then(function (s) { mountWith({ sessionToken: s.sessionToken }); }, function () { /* said above */ });
  }
  if (window.wasmBindings) start();
  else {
    window.addEventListener("kyc-widget-ready", start);
    // The same page built by `trunk serve` (Trunk.toml): Trunk's loader says so.
    window.addEventListener("TrunkApplicationStarted", start);
  }
  // The widget's files could not be had (offline, blocked): say so; the static first step stays
  // as typed, its Continue disabled.
  window.addEventListener("kyc-widget-failed", function () {
    say("The verification form could not load. Check your connection and reload the page; nothing you typed has been sent.");
  });
})();
