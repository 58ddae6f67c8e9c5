//! The lazily loaded module (`kyc-capture`, plain DOM): the Photos step's slots — guided live
//! capture, the photo cleaning pipeline, staging with progress, "Continue on your phone" — and
//! the whole page of phone mode. It is loaded the first time a person reaches the Photos step
//! (or opens a phone link), so none of it weighs on the first load; this side loads it, hands it
//! the texts, and follows what it reports.

use js_sys::{Array, Function, Object, Reflect};
use kyc_domain::photo::DocumentKind;
use kyc_domain::quality::Shape;
use kyc_domain::{ErrorCode, Violation};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::ctx::Ctx;
use crate::i18n::Key;

/// The initialised module, once per page.
pub async fn load(ctx: &Ctx) -> Result<JsValue, JsValue> {
    JsFuture::from(crate::load_capture(ctx.callbacks.load_capture.clone())).await
}

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &k.into(), v);
}

/// Calls `obj.name(args…)`.
pub fn call(obj: &JsValue, name: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    Reflect::get(obj, &name.into())?.dyn_into::<Function>()?.apply(obj, &args.iter().copied().collect::<Array>())
}

/// The name of a photo kind's slot (its field's label).
pub fn slot_label(kind: DocumentKind) -> Key {
    crate::flow::Step::label(kind.field())
}

/// The capture's texts for one outline, by its keys.
fn capture_texts(ctx: &Ctx, shape: Shape) -> JsValue {
    let aim = match shape {
        Shape::Card => Key::AimCard,
        Shape::Passport => Key::AimPassport,
        Shape::Face => Key::AimFace,
    };
    let o = Object::new();
    for (k, key) in [
        ("aim", aim),
        ("take_photo", Key::TakePhoto),
        ("switch_camera", Key::SwitchCamera),
        ("camera_view", Key::CameraView),
        ("too_dark", Key::HintTooDark),
        ("too_bright", Key::HintTooBright),
        ("glare", Key::HintGlare),
        ("move_closer", Key::HintMoveCloser),
        ("hold_still", Key::HintHoldStill),
        ("ready", Key::HintReady),
    ] {
        set(&o, k, &ctx.i18n.t(key).into());
    }
    o.into()
}

/// Every text the module shows, by key: its own English unless the locale or the host has them
/// (`handoff_*`, `phone_*`), and the widget's for the rest.
pub fn texts(ctx: &Ctx) -> JsValue {
    let o = ctx.i18n.lazy_texts();
    for (k, key) in [
        ("network_error", Key::NetworkError),
        ("processing", Key::Processing),
        ("uploading", Key::Uploading),
        ("uploaded", Key::Uploaded),
        ("upload_failed", Key::UploadFailed),
        ("optional", Key::Optional),
        ("use_camera", Key::UseCamera),
        ("close_camera", Key::CloseCamera),
        ("preview_of", Key::PreviewOf),
        ("blurry", Key::Blurry),
        ("camera_denied", Key::CameraDenied),
        ("camera_missing", Key::CameraMissing),
        ("camera_busy", Key::CameraBusy),
        ("camera_failed", Key::CameraFailed),
        ("continue_on_phone", Key::ContinueOnPhone),
        ("continue_on_phone_failed", Key::ContinueOnPhoneFailed),
    ] {
        set(&o, k, &ctx.i18n.t(key).into());
    }
    let names = Object::new();
    for kind in DocumentKind::ALL {
        set(&names, kind.as_str(), &ctx.i18n.t(slot_label(kind)).into());
    }
    set(&o, "names", &names);
    for (k, shape) in [("camera_card", Shape::Card), ("camera_passport", Shape::Passport), ("camera_face", Shape::Face)]
    {
        set(&o, k, &capture_texts(ctx, shape));
    }
    o.into()
}

/// A rulebook verdict as the module reports it (`code`, `{name: number}`).
pub fn violation(code: &JsValue, params: &JsValue) -> Violation {
    let code = code.as_string().and_then(|c| ErrorCode::parse(&c)).unwrap_or(ErrorCode::UnreadableImage);
    Violation { code, params: crate::api::from_js(params.clone()).unwrap_or_default() }
}

/// `describe(code, params)`: a verdict in the widget's words.
pub fn describe(ctx: &Ctx) -> JsValue {
    let i18n = ctx.i18n.clone();
    Closure::<dyn Fn(JsValue, JsValue) -> String>::new(move |code: JsValue, params: JsValue| {
        i18n.error(&violation(&code, &params))
    })
    .into_js_value()
}

/// Calls `close()` on an object of the module.
pub fn close(o: &JsValue) {
    let _ = call(o, "close", &[]);
}
