//! The widget's PII-free trace (issue 26, "silent failures made visible"): where it runs
//! ([`Environment`], classified once by `kyc_domain` from the user agent, the secure context
//! and the camera API) and what happened — steps entered and left, camera and photo outcomes,
//! network failures, the page hidden — each event a word of `kyc_domain::diagnostics`' closed
//! vocabulary (a word outside it is kept as `other`; the backend checks the whole trace again
//! with `Diagnostics::check`). The events are kept, and sent to the widget's own backend
//! (`POST /v1/diagnostics`), by the snippet's small `KycPage` (src/lib.rs): with `fetch` when a
//! camera fails, a submit fails or the application is submitted, and with
//! `navigator.sendBeacon` as the page is hidden or goes
//! (in JS, so that neither the serialiser nor a second HTTP path weighs on the first load).
//! No typed value, file name or URL can be in it.
//!
//! The same object stages the draft as the person types ([`Trace::stage`]): a second after the
//! last change, or at once as the page goes (`pagehide`, a `keepalive` request).

use kyc_domain::diagnostics::{is_code, Environment, KINDS};

use crate::api::{get, Backend};
use crate::KycPage;

pub struct Trace {
    js: KycPage,
    env: Environment,
}

/// One trace per widget: two are the same only if they are one.
impl PartialEq for Trace {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// The class of this browser: its user agent (never kept), whether the page is a secure context
/// and whether it has `navigator.mediaDevices.getUserMedia`.
pub fn environment() -> Environment {
    let Some(w) = web_sys::window() else { return Environment::classify("", false, false) };
    let nav = w.navigator();
    let ua = nav.user_agent().unwrap_or_default();
    let camera_api = get(&get(&nav, "mediaDevices"), "getUserMedia").is_function();
    Environment::classify(&ua, w.is_secure_context(), camera_api)
}

impl Trace {
    /// A trace sent to `backend` with its session token (none on a phone: nothing is sent).
    pub fn new(backend: &Backend) -> Self {
        let js = KycPage::new(&backend.base_url, &backend.token);
        let env = environment();
        js.env(&env.engine, &env.os, &env.in_app, &env.webview, env.secure, env.camera_api);
        Self { js, env }
    }

    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// The step events are now about (a `Step::name`).
    pub fn step(&self, step: &str) {
        self.js.step(step);
    }

    /// Adds an event on the current step; a kind or code outside the vocabulary is kept as
    /// `page` / `other` (never as given).
    pub fn push(&self, kind: &str, code: &str) {
        let kind = if KINDS.contains(&kind) { kind } else { "page" };
        self.js.push(kind, if is_code(code) { code } else { "other" });
    }

    /// Sends the trace now if anything happened since it was last sent.
    pub fn send(&self) {
        self.js.send(false);
    }

    /// Stages `body` (a `PUT /v1/draft` body, [`crate::api::Backend::draft_body`]) a second
    /// after the last call, or at once if the page goes first.
    pub fn stage(&self, body: &wasm_bindgen::JsValue) {
        self.js.stage(body);
    }

    /// Sends the draft waiting to be staged now.
    pub fn flush(&self) {
        self.js.flush();
    }

    /// Forgets the draft waiting to be staged (the person left: it must not come back).
    pub fn cancel_stage(&self) {
        self.js.cancel();
    }

    /// Until the returned function is called: the page hidden or shown goes into the trace (a
    /// beacon sent when hidden); as the page goes, a draft waiting to be staged is sent first.
    pub fn watch(&self) -> js_sys::Function {
        self.js.watch()
    }
}

/// Whether a trace event from the capture module (`[kind, code]`) is a camera failure: the
/// trace is sent at once (the person may well leave now).
pub fn is_camera_failure(kind: &str, code: &str) -> bool {
    kind == "camera" && matches!(code, "denied" | "no_camera" | "in_use" | "never_started" | "black_frames" | "other")
}
