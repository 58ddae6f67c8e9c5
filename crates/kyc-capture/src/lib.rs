//! # kyc-capture — the capture module, loaded only when a person reaches the Photos step
//!
//! A WebAssembly module of its own (plain DOM through `web-sys`, no framework), so none of it
//! weighs on the widget's first load: the widget loads it at the Photos step (at once on a
//! phone opened from a "Continue on your phone" link), hands it its options and texts, and
//! follows what it reports. The widget declares this surface once, as typed imports
//! (`src/capture.rs`); the words both sides use — photo kinds, outlines, a slot's stage, the
//! events — are `kyc-domain`'s ([`kyc_domain::DocumentKind`], [`kyc_domain::quality::Shape`],
//! [`kyc_domain::capture`]).
//!
//! ## Parts
//! - [`photos`]: the photo slots (front of ID, back of ID, face) of the desktop's Photos step
//!   and of phone mode: a file or guided live capture, each photo cleaned, previewed and staged
//!   on the backend at once with progress, "Continue on your phone" under them.
//! - [`camera`]: guided live capture in a slot (the preview, the outline, live hints from the
//!   quality rulebook, the photo taken by itself once it is good).
//! - [`clean`]: the photo cleaning pipeline every chosen or taken photo goes through.
//! - [`handoff`]: the desktop's "Continue on your phone" panel (QR code, link, following the
//!   phone).
//! - [`phone`]: the whole page of phone mode.
//! - [`transfer`]: every HTTP call (the uploads with progress, the previews, the handoff's JSON).
//! - [`texts`]: the texts it shows (their English built in, the widget's by name).
//! - [`dom`]: small DOM helpers and [`dom::Listener`], an event listener removed on drop.
//!
//! `#[inline(never)]` marks functions called from several places whose copies would otherwise
//! be inlined into each caller: one copy keeps the module smaller (its size counts towards the
//! widget's total budget).
//!
//! ## Exports
//! [`open_photos`] (`openPhotos`), [`open_phone`] (`openPhone`), [`text_keys`] (`textKeys`),
//! and the classes they return, [`photos::Photos`] and [`phone::Phone`].

pub mod camera;
pub mod clean;
pub mod dom;
pub mod handoff;
pub mod phone;
pub mod photos;
pub mod texts;
pub mod transfer;

use wasm_bindgen::prelude::*;

/// The allocator: `talc`, smaller and faster than the default dlmalloc (the widget uses it too).
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[wasm_bindgen]
extern "C" {
    /// The options of [`open_photos`] and [`open_phone`], one plain object (the widget's
    /// `src/capture.rs` sets them by the same names).
    pub type Options;

    /// The backend's base URL.
    #[wasm_bindgen(method, getter = backendUrl)]
    pub fn backend_url(this: &Options) -> String;
    /// The session's token (`openPhotos`), or the link's one-time token (`openPhone`).
    #[wasm_bindgen(method, getter)]
    pub fn token(this: &Options) -> String;
    /// The texts by name that the locale or the host has, for [`texts::KEYS`].
    #[wasm_bindgen(method, getter)]
    pub fn texts(this: &Options) -> JsValue;
    /// `describe(code, params)`: a rulebook verdict in the widget's words.
    #[wasm_bindgen(method, getter)]
    pub fn describe(this: &Options) -> js_sys::Function;
    /// `openPhotos`: the widget instance's id prefix.
    #[wasm_bindgen(method, getter)]
    pub fn prefix(this: &Options) -> String;
    /// `openPhotos`: the page a phone opens ("Continue on your phone" shows when it is set).
    #[wasm_bindgen(method, getter = handoffUrl)]
    pub fn handoff_url(this: &Options) -> String;
    /// `openPhotos`: the kinds already staged on the backend (`[kind]`).
    #[wasm_bindgen(method, getter)]
    pub fn staged(this: &Options) -> JsValue;
    /// `openPhotos`: `onEvent(name, value)`, told each [`kyc_domain::capture::CaptureEvent`].
    #[wasm_bindgen(method, getter = onEvent)]
    pub fn on_event(this: &Options) -> Option<js_sys::Function>;
    /// `openPhotos`: `onPhoto(kind, photo)`, told each photo kept (optional).
    #[wasm_bindgen(method, getter = onPhoto)]
    pub fn on_photo(this: &Options) -> Option<js_sys::Function>;
    /// `openPhotos`: the platform (`ios`, `android`, `desktop`: `kyc_domain::diagnostics`'
    /// `Environment::os`), for how to allow a refused camera again.
    #[wasm_bindgen(method, getter)]
    pub fn os(this: &Options) -> JsValue;
    /// `openPhotos`: inside another app (an in-app browser or a WebView), where the page's
    /// camera often fails: the phone's camera app is offered from the start.
    #[wasm_bindgen(method, getter)]
    pub fn embedded(this: &Options) -> JsValue;
    /// `openPhone`: the element the page renders into.
    #[wasm_bindgen(method, getter)]
    pub fn root(this: &Options) -> web_sys::Element;
}

/// The desktop's photos for a session; see [`photos::open`].
#[wasm_bindgen(js_name = openPhotos)]
pub fn open_photos(opts: &Options) -> photos::Photos {
    photos::open(opts)
}

/// Phone mode's page; see [`phone::open`].
#[wasm_bindgen(js_name = openPhone)]
pub fn open_phone(opts: &Options) -> Result<phone::Phone, JsValue> {
    phone::open(opts)
}

/// The names of the texts this module shows ([`texts::KEYS`]): the widget passes the
/// locale's and the host's for these.
#[wasm_bindgen(js_name = textKeys)]
pub fn text_keys() -> js_sys::Array {
    texts::KEYS.iter().copied().map(JsValue::from_str).collect()
}
