//! Photo uploads: each photo is staged on the backend as soon as it is taken, with progress.
//! The transfer itself (`XMLHttpRequest`, for its upload progress events — `fetch` has none)
//! is in the lazily loaded module, already there once a photo was cleaned.

use js_sys::{Function, Object, Reflect};
use kyc_domain::photo::DocumentKind;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::api::Backend;
use crate::flow::{Action, Flow, Slot, Upload};
use crate::i18n::Key;
use crate::photo::CleanPhoto;

/// How staging a photo ended, in terms the UI acts on.
#[derive(Debug, Clone, PartialEq)]
pub enum Staged {
    Done,
    /// The server's rulebook refused it (shown on the photo's slot).
    Refused(Vec<kyc_domain::FieldError>),
    /// No answer, or an answer without field errors: the photo is kept, "Try again" offered.
    Failed(Key),
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Calls the module's `name(args…)` and awaits the promise it returns.
async fn module_call(loader: Option<Function>, name: &str, args: &js_sys::Array) -> JsValue {
    let Ok(module) = JsFuture::from(crate::camera::load_module(loader)).await else { return JsValue::NULL };
    let Ok(f) = get(&module, name).dyn_into::<Function>() else { return JsValue::NULL };
    match f.apply(&JsValue::NULL, args).map(js_sys::Promise::from) {
        Ok(p) => JsFuture::from(p).await.unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    }
}

/// A staged photo's bytes, for its preview.
pub async fn fetch_staged(backend: &Backend, kind: &str, loader: Option<Function>) -> Option<web_sys::Blob> {
    let args = js_sys::Array::of2(&backend.photo_url(kind).into(), &backend.token.clone().into());
    module_call(loader, "fetchBlob", &args).await.dyn_into().ok()
}

/// Stages `photo` on the backend (the phone's into its handoff), showing progress on its slot.
/// Submit later forwards what is staged.
pub async fn stage(
    flow: &yew::UseReducerHandle<Flow>,
    backend: &Backend,
    kind: DocumentKind,
    photo: &CleanPhoto,
    loader: Option<Function>,
) -> Staged {
    let headers = Object::new();
    let _ = Reflect::set(&headers, &"X-Photo-Source".into(), &photo.source.into());
    if let Some(m) = &photo.metrics {
        let _ = Reflect::set(&headers, &"X-Photo-Metrics".into(), &m.into());
    }
    flow.dispatch(Action::Upload(kind, Upload::Progress(0)));
    let f2 = flow.clone();
    let on_progress = Closure::<dyn Fn(f64)>::new(move |pct: f64| {
        f2.dispatch(Action::Upload(kind, Upload::Progress(pct as u8)));
    })
    .into_js_value();
    let args: js_sys::Array = [
        backend.photo_url(kind.as_str()).into(),
        backend.token.clone().into(),
        photo.blob.clone().into(),
        headers.into(),
        on_progress,
    ]
    .into_iter()
    .collect();
    let answer = module_call(loader, "upload", &args).await;
    let failed = |k: Key| {
        flow.dispatch(Action::Upload(kind, Upload::Failed));
        Staged::Failed(k)
    };
    if !answer.is_object() {
        return failed(Key::NetworkError);
    }
    let status = get(&answer, "status").as_f64().unwrap_or(0.0) as u16;
    if status == 204 {
        flow.dispatch(Action::Upload(kind, Upload::Done));
        return Staged::Done;
    }
    let body = get(&answer, "body").as_string().unwrap_or_default();
    let errs = js_sys::JSON::parse(&body).map(|v| crate::api::field_errors(&v)).unwrap_or_default();
    if let Some(e) = errs.iter().find(|e| e.field == kind.field()) {
        let v = kyc_domain::Violation { code: e.code, params: e.params.clone() };
        flow.dispatch(Action::Photo(kind, Slot::Refused(v)));
        return Staged::Refused(errs);
    }
    failed(if status == 401 { Key::SessionExpired } else { Key::UploadFailed })
}
