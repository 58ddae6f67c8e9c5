//! Phone mode (contract.md §4, "Continue on a phone"): a page opened from the desktop's link
//! (`#kyc-handoff=<one-time token>`, the token only ever in the fragment). The page itself —
//! the claim of the link, the match code, guided capture, staging each photo, "Done — go back to
//! your computer" — is `kyc-capture`'s `openPhone`, in the lazily loaded module (it costs a
//! desktop's first load nothing); this side finds the token and hands the module its texts.

use js_sys::{Function, Object, Reflect};
use kyc_domain::photo::DocumentKind;
use kyc_domain::quality::Shape;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::api::get;
use crate::ctx::Ctx;
use crate::i18n::Key;

/// The one-time token in the page's fragment (`#kyc-handoff=…`), if any.
pub fn token_in_fragment() -> Option<String> {
    let hash = get(&get(&web_sys::window()?.into(), "location"), "hash").as_string()?;
    let token = hash.trim_start_matches('#').split('&').find_map(|kv| kv.strip_prefix("kyc-handoff="))?;
    (!token.is_empty()).then(|| token.to_owned())
}

fn texts(ctx: &Ctx) -> JsValue {
    let o = ctx.i18n.lazy_texts();
    let set = |o: &Object, k: &str, v: &JsValue| {
        let _ = Reflect::set(o, &k.into(), v);
    };
    for (k, key) in [
        ("network_error", Key::NetworkError),
        ("processing", Key::Processing),
        ("uploading", Key::Uploading),
        ("uploaded", Key::Uploaded),
        ("upload_failed", Key::UploadFailed),
        ("optional", Key::Optional),
        ("use_camera", Key::UseCamera),
        ("preview_of", Key::PreviewOf),
        ("camera_denied", Key::CameraDenied),
        ("camera_missing", Key::CameraMissing),
        ("camera_busy", Key::CameraBusy),
        ("camera_failed", Key::CameraFailed),
    ] {
        set(&o, k, &ctx.i18n.t(key).into());
    }
    let names = Object::new();
    for kind in DocumentKind::ALL {
        set(&names, kind.as_str(), &ctx.i18n.t(crate::steps::photos::slot_label(kind)).into());
    }
    set(&o, "names", &names);
    for (k, shape) in [("camera_card", Shape::Card), ("camera_passport", Shape::Passport), ("camera_face", Shape::Face)]
    {
        set(&o, k, &crate::camera::texts(ctx, shape));
    }
    o.into()
}

/// Opens phone mode in `host`; returns the module's page (its `close()` ends it).
pub async fn open(ctx: &Ctx, host: web_sys::Element, token: &str) -> Option<JsValue> {
    let module = JsFuture::from(crate::camera::load_module(ctx.callbacks.load_capture.clone())).await.ok()?;
    let i18n = ctx.i18n.clone();
    let describe = Closure::<dyn Fn(JsValue, JsValue) -> String>::new(move |code: JsValue, params: JsValue| {
        let e = Object::new();
        let _ = Reflect::set(&e, &"code".into(), &code);
        let _ = Reflect::set(&e, &"params".into(), &params);
        i18n.error(&crate::photo::violation(&e))
    })
    .into_js_value();
    let args: js_sys::Array =
        [host.into(), ctx.backend.base_url.clone().into(), token.into(), texts(ctx), describe].into_iter().collect();
    get(&module, "openPhone").dyn_into::<Function>().ok()?.apply(&JsValue::NULL, &args).ok()
}
