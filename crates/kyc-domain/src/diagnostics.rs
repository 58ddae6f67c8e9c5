//! Where the widget runs, and what happened to it: the PII-free trace the widget sends its
//! backend (`POST /v1/diagnostics`) so that silent failures — a camera refused inside an in-app
//! browser, a page closed on the Photos step — reach the partner instead of vanishing.
//!
//! - [`Environment::classify`]: the class of browser from its user agent and two facts the page
//!   knows (a secure context, a camera API). Codes only: the user agent itself is never kept.
//! - [`Diagnostics`]: the environment, a short list of [`Event`]s (`at` in milliseconds since
//!   the widget started, `step`, `kind`, `code`) and the last step seen. [`Diagnostics::check`]
//!   is the one gate, in the browser before sending and on the server before storing: every
//!   word is from a closed vocabulary ([`STEPS`], [`KINDS`], [`CODES`]), so no typed value,
//!   file name or URL can be carried, whatever a client sends.

use serde::{Deserialize, Serialize};

/// At most this many events are kept (the oldest are dropped first).
pub const MAX_EVENTS: usize = 64;
/// A trace's JSON is at most this many bytes (the server's body cap for the route).
pub const MAX_BYTES: usize = 8 * 1024;

/// The steps a trace may name.
pub const STEPS: [&str; 8] = ["personal", "document", "address", "photos", "review", "result", "phone", "none"];

/// The kinds of event.
pub const KINDS: [&str; 8] = ["step", "camera", "photo", "network", "page", "notice", "way_out", "scan"];

/// An in-app browser, by the marks its user agent carries.
const IN_APP: [(&str, &[&str]); 8] = [
    ("facebook", &["FBAN", "FBAV", "FB_IAB"]),
    ("instagram", &["Instagram"]),
    ("linkedin", &["LinkedInApp"]),
    ("tiktok", &["BytedanceWebview", "musical_ly", "TikTok", "ByteLocale"]),
    ("snapchat", &["Snapchat"]),
    ("line", &[" Line/"]),
    ("wechat", &["MicroMessenger"]),
    ("x", &["Twitter"]),
];

/// The class of browser the widget runs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Environment {
    /// `blink`, `gecko`, `webkit` or `other`.
    pub engine: String,
    /// `ios`, `android` or `desktop`.
    pub os: String,
    /// The app whose in-app browser this is (`facebook`, `instagram`, `linkedin`, `tiktok`,
    /// `snapchat`, `line`, `wechat`, `x`), or `none`.
    pub in_app: String,
    /// `android` (an Android WebView: `; wv)`), `ios` (a WKWebView: an iPhone or iPad user agent
    /// without `Safari/`) or `none`.
    pub webview: String,
    /// A secure context (https, or localhost): without one no browser offers a camera.
    pub secure: bool,
    /// `navigator.mediaDevices.getUserMedia` exists.
    pub camera_api: bool,
}

impl Environment {
    /// Classifies a user agent. Nothing of it is kept but these codes.
    pub fn classify(user_agent: &str, secure: bool, camera_api: bool) -> Self {
        let has = |s: &str| user_agent.contains(s);
        let ios = has("iPhone") || has("iPad") || has("iPod");
        let android = has("Android");
        let os = if ios {
            "ios"
        } else if android {
            "android"
        } else {
            "desktop"
        };
        // Every iOS browser is WebKit; elsewhere the engine's own mark decides.
        let engine = if ios || (has("AppleWebKit") && !has("Chrome/") && !has("Chromium/")) {
            "webkit"
        } else if has("Firefox/") || (has("Gecko/") && !has("like Gecko")) {
            "gecko"
        } else if has("Chrome/") || has("Chromium/") {
            "blink"
        } else {
            "other"
        };
        let in_app = IN_APP.iter().find(|(_, marks)| marks.iter().any(|m| has(m))).map_or("none", |(app, _)| app);
        let webview = if android && has("; wv)") {
            "android"
        } else if ios && !has("Safari/") {
            "ios"
        } else {
            "none"
        };
        Self {
            engine: engine.into(),
            os: os.into(),
            in_app: in_app.into(),
            webview: webview.into(),
            secure,
            camera_api,
        }
    }

    /// Inside someone else's app (an in-app browser or a WebView): the camera may well not
    /// work here, and the person should hear it before the camera step.
    pub fn embedded(&self) -> bool {
        self.in_app != "none" || self.webview != "none"
    }
}

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Milliseconds since the widget started.
    pub at: u64,
    /// One of [`STEPS`].
    pub step: String,
    /// One of [`KINDS`].
    pub kind: String,
    /// What happened: one of [`CODES`].
    pub code: String,
}

/// What the widget sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Diagnostics {
    pub environment: Environment,
    pub events: Vec<Event>,
    /// The step the person was on when the trace was sent (one of [`STEPS`]).
    pub last_step: String,
}

/// Why a trace was refused (the server answers 400 with no echo of the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticsError {
    TooManyEvents,
    UnknownStep,
    UnknownKind,
    BadCode,
    BadEnvironment,
}

/// Every code an event may carry: a closed list, so that nothing a person typed, no file name
/// and no URL can ride in a trace, and a metric labelled by code stays small whatever a client
/// sends. Photo codes are the rulebook's (`ErrorCode`) where one applies.
pub const CODES: [&str; 44] = [
    // step
    "entered",
    "left",
    // camera
    "asked",
    "started",
    "denied",
    "no_camera",
    "in_use",
    "constraints",
    "insecure",
    "no_api",
    "never_started",
    "black_frames",
    "stopped",
    "auto_captured",
    "captured",
    // photo
    "chosen",
    "accepted",
    "uploaded",
    "image_too_dark",
    "image_too_blurry",
    "image_too_small",
    "image_too_large",
    "glare",
    "unsupported_type",
    "heic",
    "decode_failed",
    // network
    "offline",
    "failed",
    "timeout",
    "server_error",
    "rate_limited",
    // page
    "hidden",
    "shown",
    "loaded",
    // notice
    "in_app",
    "webview",
    // way_out
    "file_input",
    "handoff",
    "open_browser",
    "copy_link",
    // scan
    "read",
    "no_barcode",
    "refused",
    "other",
];

/// A code of [`CODES`].
pub fn is_code(s: &str) -> bool {
    CODES.contains(&s)
}

impl Diagnostics {
    /// The one gate (browser and server): every word from the vocabulary.
    pub fn check(&self) -> Result<(), DiagnosticsError> {
        if self.events.len() > MAX_EVENTS {
            return Err(DiagnosticsError::TooManyEvents);
        }
        let e = &self.environment;
        let one_of = |v: &str, set: &[&str]| set.contains(&v);
        if !one_of(&e.engine, &["blink", "gecko", "webkit", "other"])
            || !one_of(&e.os, &["ios", "android", "desktop"])
            || !(e.in_app == "none" || IN_APP.iter().any(|(app, _)| *app == e.in_app))
            || !one_of(&e.webview, &["android", "ios", "none"])
        {
            return Err(DiagnosticsError::BadEnvironment);
        }
        if !STEPS.contains(&self.last_step.as_str()) {
            return Err(DiagnosticsError::UnknownStep);
        }
        for ev in &self.events {
            if !STEPS.contains(&ev.step.as_str()) {
                return Err(DiagnosticsError::UnknownStep);
            }
            if !KINDS.contains(&ev.kind.as_str()) {
                return Err(DiagnosticsError::UnknownKind);
            }
            if !is_code(&ev.code) {
                return Err(DiagnosticsError::BadCode);
            }
        }
        Ok(())
    }

    /// Adds an event, dropping the oldest beyond [`MAX_EVENTS`].
    pub fn push(&mut self, at: u64, step: &str, kind: &str, code: &str) {
        if self.events.len() >= MAX_EVENTS {
            self.events.remove(0);
        }
        self.events.push(Event { at, step: step.into(), kind: kind.into(), code: code.into() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IPHONE_SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
    const ANDROID_CHROME: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";

    fn class(ua: &str) -> (String, String, String, String) {
        let e = Environment::classify(ua, true, true);
        (e.engine, e.os, e.in_app, e.webview)
    }

    #[test]
    fn browsers_are_told_apart() {
        let t = |a: &str, b: &str, c: &str, d: &str| (a.to_owned(), b.to_owned(), c.to_owned(), d.to_owned());
        assert_eq!(class(IPHONE_SAFARI), t("webkit", "ios", "none", "none"));
        assert_eq!(class(ANDROID_CHROME), t("blink", "android", "none", "none"));
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(class(firefox), t("gecko", "desktop", "none", "none"));
        let desktop_safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
        assert_eq!(class(desktop_safari), t("webkit", "desktop", "none", "none"));
        // Chrome on iOS is WebKit, and not a WebView (it says Safari/).
        let crios = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1";
        assert_eq!(class(crios), t("webkit", "ios", "none", "none"));
    }

    #[test]
    fn in_app_browsers_and_webviews_are_named() {
        let cases = [
            (format!("{IPHONE_SAFARI} [FBAN/FBIOS;FBAV/470.0.0.36.104;FBBV/1]"), "facebook"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 335.0.3.20.91 (iPhone14,5; iOS 17_5; en_US)".into(), "instagram"),
            (format!("{ANDROID_CHROME} LinkedInApp/4.1.960"), "linkedin"),
            (format!("{ANDROID_CHROME} trill_350402 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/35.4.2 ByteLocale/en"), "tiktok"),
            (format!("{IPHONE_SAFARI} Snapchat/13.0.0.40 (like Safari/8617.2.4.10.8)"), "snapchat"),
            (format!("{IPHONE_SAFARI} Line/14.9.0"), "line"),
            (format!("{ANDROID_CHROME} MicroMessenger/8.0.49.2600(0x2800313D) WeChat/arm64"), "wechat"),
            (format!("{IPHONE_SAFARI} Twitter for iPhone/10.48"), "x"),
        ];
        for (ua, app) in cases {
            let e = Environment::classify(&ua, true, true);
            assert_eq!(e.in_app, app, "{ua}");
            assert!(e.embedded());
        }
        let android_wv = "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.0.0 Mobile Safari/537.36";
        assert_eq!(class(android_wv).3, "android");
        let ios_wk = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
        assert_eq!(class(ios_wk).3, "ios");
        assert!(!Environment::classify(IPHONE_SAFARI, true, true).embedded());
    }

    fn trace() -> Diagnostics {
        let mut d = Diagnostics {
            environment: Environment::classify(ANDROID_CHROME, true, true),
            events: vec![],
            last_step: "photos".into(),
        };
        d.push(10, "personal", "step", "entered");
        d.push(9000, "photos", "camera", "denied");
        d
    }

    #[test]
    fn a_trace_of_codes_passes_and_round_trips() {
        let d = trace();
        assert_eq!(d.check(), Ok(()));
        let json = serde_json::to_string(&d).unwrap();
        assert!(json.contains(r#""lastStep":"photos""#) && json.contains(r#""inApp":"none""#), "{json}");
        assert_eq!(serde_json::from_str::<Diagnostics>(&json).unwrap(), d);
        assert!(json.len() < MAX_BYTES);
    }

    #[test]
    fn anything_that_could_carry_a_value_is_refused() {
        for code in
            ["ada@example.com", "Smith", "https://x", "id-front.jpg", "a b", "", "x".repeat(33).as_str(), "1abc"]
        {
            let mut d = trace();
            d.events[0].code = code.into();
            assert_eq!(d.check(), Err(DiagnosticsError::BadCode), "{code:?}");
        }
        let mut d = trace();
        d.events[0].step = "Ada Lovelace".into();
        assert_eq!(d.check(), Err(DiagnosticsError::UnknownStep));
        let mut d = trace();
        d.events[0].kind = "typed".into();
        assert_eq!(d.check(), Err(DiagnosticsError::UnknownKind));
        let mut d = trace();
        d.environment.engine = "Mozilla/5.0".into();
        assert_eq!(d.check(), Err(DiagnosticsError::BadEnvironment));
        let mut d = trace();
        d.environment.in_app = "my-app".into();
        assert_eq!(d.check(), Err(DiagnosticsError::BadEnvironment));
        assert!(serde_json::from_str::<Diagnostics>(
            r#"{"environment":{},"events":[],"lastStep":"photos","email":"a@b"}"#
        )
        .is_err());
        // Nor a field the trace has not anywhere inside it: refused, not silently dropped.
        let json = serde_json::to_string(&trace()).unwrap();
        for (from, to) in [
            (r#""code":"entered""#, r#""code":"entered","note":"Ada""#),
            (r#""inApp":"none""#, r#""inApp":"none","userAgent":"Mozilla/5.0""#),
        ] {
            assert!(json.contains(from), "{json}");
            assert!(serde_json::from_str::<Diagnostics>(&json.replacen(from, to, 1)).is_err(), "{to}");
        }
    }

    #[test]
    fn the_oldest_events_go_first() {
        let mut d = trace();
        for n in 0..100 {
            d.push(n, "photos", "photo", "image_too_dark");
        }
        assert_eq!(d.events.len(), MAX_EVENTS);
        assert_eq!(d.events[0].at, 36);
        assert_eq!(d.check(), Ok(()));
    }
}
