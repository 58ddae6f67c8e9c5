// The demo partner page: in demo mode it may ask the backend for a session itself (a real
// partner's server does this with its admin key), then mounts the widget. `?locale=ar` and
// `?theme=dark` try the other languages and the dark theme; `?user=<id>` is the partner's user
// id (default: one random id this browser keeps, so a reload continues the same person's
// application — contract.md §3). `#kyc-handoff=<token>` opens phone mode.
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
  function options(extra) {
    var o = {
      backendUrl: window.location.origin,
      locale: params.get("locale") || navigator.language || "en",
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
  var handoff = window.location.hash.indexOf("kyc-handoff=") >= 0;
  // The page holds the widget's first step in English, light theme (static HTML the widget
  // takes over): another language, theme or phone mode goes without it.
  var locale = options({}).locale;
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
  function start(bindings) {
    // A phone opening the desktop's "continue on your phone" link: the widget starts in phone
    // mode from the link's fragment; no session of its own.
    if (handoff) {
      window.kycHandle = bindings.mount(document.getElementById("kyc"), options({}));
      return;
    }
    session
      .then(function (s) {
        window.kycHandle = bindings.mount(document.getElementById("kyc"), options({ sessionToken: s.sessionToken }));
      })
      .catch(function (e) { say("Could not start the verification: " + e.message); });
  }
  if (window.wasmBindings) start(window.wasmBindings);
  else window.addEventListener("kyc-widget-ready", function () { start(window.wasmBindings); });
})();
