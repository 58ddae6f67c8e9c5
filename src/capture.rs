//! The capture module (`kyc-capture`, plain DOM): the Photos step's slots — guided live
//! capture, the photo cleaning pipeline, staging with progress, "Continue on your phone" — and
//! the whole page of phone mode. It is loaded the first time a person reaches the Photos step
//! (or opens a phone link), so none of it weighs on the first load.
//!
//! Its surface is declared here once, as typed imports ([`CaptureModule`], [`CapturePhotos`],
//! [`CapturePhone`] and their options): the compiler checks every name and argument this side
//! uses. The words both sides share are `kyc-domain`'s (`DocumentKind`, `Shape`,
//! `kyc_domain::capture`). This side hands it its options and the texts it shows, and follows
//! what it reports. A call the module throws from is ignored, as it always was: the module's
//! trouble shows in its slots, never as a broken widget (each method is imported with `catch`).

use js_sys::{Array, Function, Object, Promise, Reflect};
use kyc_domain::{ErrorCode, Violation};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::Element;

use crate::ctx::Ctx;

#[wasm_bindgen]
extern "C" {
    /// The capture module, loaded and initialised (`capture/kyc_capture.js`'s exports).
    pub type CaptureModule;

    /// The desktop's photos for a session.
    #[wasm_bindgen(method, js_name = openPhotos)]
    fn open_photos(this: &CaptureModule, opts: &Options) -> CapturePhotos;

    /// Phone mode's page (it throws when the element is in no document).
    #[wasm_bindgen(method, catch, js_name = openPhone)]
    fn open_phone(this: &CaptureModule, opts: &Options) -> Result<CapturePhone, JsValue>;

    /// The names of the texts the module shows (it has their English).
    #[wasm_bindgen(method, js_name = textKeys)]
    fn text_keys(this: &CaptureModule) -> Array;

    /// The desktop's photos (one per widget instance, for its whole life).
    #[derive(Clone)]
    pub type CapturePhotos;

    /// Renders the slots into the step's element; `shape`: the ID's outline
    /// (`Shape::as_str`, card or passport).
    #[wasm_bindgen(method, catch)]
    pub fn attach(this: &CapturePhotos, root: &Element, shape: &str) -> Result<(), JsValue>;

    /// The step went away: every camera off, the phone panel closed; the photos are kept.
    #[wasm_bindgen(method, catch)]
    pub fn detach(this: &CapturePhotos) -> Result<(), JsValue>;

    /// The photo errors shown: `[[kind, code, message]]`.
    #[wasm_bindgen(method, catch, js_name = setErrors)]
    pub fn set_errors(this: &CapturePhotos, errors: &Array) -> Result<(), JsValue>;

    /// Waits for the photos being sent, then sends again each one whose staging failed.
    /// Resolves to `null` once all are staged, else to why not: a code (`network_error`,
    /// `session_expired`, `upload_failed`) or the server's error body.
    #[wasm_bindgen(method, catch)]
    pub fn flush(this: &CapturePhotos) -> Result<Promise, JsValue>;

    /// Every camera off and every preview freed (the widget is gone).
    #[wasm_bindgen(method, catch)]
    pub fn close(this: &CapturePhotos) -> Result<(), JsValue>;

    /// Phone mode's page.
    pub type CapturePhone;

    /// Any camera off, the element emptied.
    #[wasm_bindgen(method, catch, js_name = close)]
    pub fn close_page(this: &CapturePhone) -> Result<(), JsValue>;

    /// The options of `openPhotos` and `openPhone`: one plain object (the module reads the
    /// same names, `kyc-capture`'s `Options`).
    #[wasm_bindgen(extends = Object)]
    type Options;

    #[wasm_bindgen(method, setter = backendUrl)]
    fn set_backend_url(this: &Options, v: &str);
    /// The session's token, or phone mode's one-time link token.
    #[wasm_bindgen(method, setter)]
    fn set_token(this: &Options, v: &str);
    #[wasm_bindgen(method, setter)]
    fn set_texts(this: &Options, v: &Object);
    #[wasm_bindgen(method, setter)]
    fn set_describe(this: &Options, v: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_prefix(this: &Options, v: &str);
    #[wasm_bindgen(method, setter = handoffUrl)]
    fn set_handoff_url(this: &Options, v: &str);
    /// The kinds already staged (`[kind]`): their previews are fetched.
    #[wasm_bindgen(method, setter)]
    fn set_staged(this: &Options, v: &Array);
    /// `onEvent(name, value)`: each `kyc_domain::capture::CaptureEvent`.
    #[wasm_bindgen(method, setter = onEvent)]
    fn set_on_event(this: &Options, v: &Function);
    /// `openPhotos`: `onPhoto(kind, photo)`, told each photo kept.
    #[wasm_bindgen(method, setter = onPhoto)]
    fn set_on_photo(this: &Options, v: &Function);
    #[wasm_bindgen(method, setter)]
    fn set_root(this: &Options, v: &Element);
    /// `ios`, `android` or `desktop`: how to allow a refused camera again.
    #[wasm_bindgen(method, setter)]
    fn set_os(this: &Options, v: &str);
    /// Inside another app: the phone's camera app is offered from the start.
    #[wasm_bindgen(method, setter)]
    fn set_embedded(this: &Options, v: bool);
}

/// The capture module, once per page.
pub async fn load(ctx: &Ctx) -> Result<CaptureModule, JsValue> {
    JsFuture::from(crate::load_capture(ctx.callbacks.load_capture.clone())).await.map(JsCast::unchecked_into)
}

/// What both entry points take: the backend, `token`, the texts and the verdicts' words.
fn options(ctx: &Ctx, module: &CaptureModule, token: &str) -> Options {
    let o: Options = Object::new().unchecked_into();
    o.set_backend_url(&ctx.backend.base_url);
    o.set_token(token);
    o.set_texts(&texts(ctx, module));
    o.set_describe(&describe(ctx));
    o
}

/// The desktop's photos for this session: `staged` kinds are on the backend already;
/// `on_event(name, value)` is told each `CaptureEvent`.
pub fn open_photos(ctx: &Ctx, module: &CaptureModule, staged: &Array, on_event: &Function) -> CapturePhotos {
    let o = options(ctx, module, &ctx.backend.token);
    o.set_prefix(&ctx.prefix);
    o.set_handoff_url(&ctx.handoff_url);
    o.set_staged(staged);
    o.set_on_event(on_event);
    o.set_on_photo(&crate::photo_hook(ctx.callbacks.load_capture.clone(), on_event));
    let env = ctx.trace.environment();
    o.set_os(&env.os);
    o.set_embedded(env.embedded());
    module.open_photos(&o)
}

/// Phone mode's page in `root`, for the link's one-time `token`.
pub fn open_phone(ctx: &Ctx, module: &CaptureModule, root: &Element, token: &str) -> Option<CapturePhone> {
    let o = options(ctx, module, token);
    o.set_root(root);
    module.open_phone(&o).ok()
}

/// The texts the module shows that the locale or the host has, by name (the module has the
/// English of each).
fn texts(ctx: &Ctx, module: &CaptureModule) -> Object {
    let o = Object::new();
    for name in module.text_keys().iter() {
        if let Some(text) = name.as_string().and_then(|n| ctx.i18n.lookup(&n)) {
            let _ = Reflect::set(&o, &name, &text.into());
        }
    }
    o
}

/// A rulebook verdict as the module reports it (`code`, `{name: number}`).
fn violation(code: &JsValue, params: &JsValue) -> Violation {
    let code = code.as_string().and_then(|c| ErrorCode::parse(&c)).unwrap_or(ErrorCode::UnreadableImage);
    Violation { code, params: crate::api::from_js(params.clone()).unwrap_or_default() }
}

/// `describe(code, params)`: a verdict in the widget's words.
fn describe(ctx: &Ctx) -> JsValue {
    let i18n = ctx.i18n.clone();
    Closure::<dyn Fn(JsValue, JsValue) -> String>::new(move |code: JsValue, params: JsValue| {
        i18n.error(&violation(&code, &params))
    })
    .into_js_value()
}
