//! Moving photos to and from the backend, in the lazily loaded module (only a person who has
//! picked a photo needs it): the upload through `XMLHttpRequest` — `fetch` reports no upload
//! progress — and the fetch of a staged photo's bytes for its preview. The token travels only
//! in the `Authorization` header, never in a URL.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ProgressEvent, Request, RequestInit, Response, XmlHttpRequest};

/// Resolves after `ms` milliseconds.
pub(crate) async fn sleep(ms: i32) {
    let p = Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(p).await;
}

/// `PUT url` with `blob` as the body and `headers` (a plain object of strings), calling
/// `on_progress(percent)` as it goes. Resolves to `{status, body}` when the server answered,
/// to `null` when it did not (offline, connection lost). A `429` — the server decodes one photo
/// of a session at a time, and photos are sent as soon as they are taken — is sent again after
/// a pause (at most ten times).
pub async fn upload(url: String, token: String, blob: Blob, headers: JsValue, on_progress: Function) -> JsValue {
    let mut answer = JsValue::NULL;
    for attempt in 0..10 {
        answer = upload_once(&url, &token, &blob, &headers, &on_progress).await;
        if Reflect::get(&answer, &"status".into()).ok().and_then(|s| s.as_f64()) != Some(429.0) {
            break;
        }
        sleep(500 + 250 * attempt).await;
    }
    answer
}

async fn upload_once(url: &str, token: &str, blob: &Blob, headers: &JsValue, on_progress: &Function) -> JsValue {
    let Ok(xhr) = XmlHttpRequest::new() else { return JsValue::NULL };
    let mut ok = xhr.open("PUT", url).is_ok()
        && xhr.set_request_header("Authorization", &format!("Bearer {token}")).is_ok()
        && xhr.set_request_header("Content-Type", "image/jpeg").is_ok();
    if headers.is_object() {
        for pair in Object::entries(headers.unchecked_ref::<Object>()).iter() {
            let pair: js_sys::Array = pair.unchecked_into();
            if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                ok &= xhr.set_request_header(&k, &v).is_ok();
            }
        }
    }
    if !ok {
        return JsValue::NULL;
    }
    let on_progress = on_progress.clone();
    let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            let pct = (e.loaded() / e.total() * 100.0).clamp(0.0, 100.0).floor();
            let _ = on_progress.call1(&JsValue::NULL, &pct.into());
        }
    });
    if let Ok(up) = xhr.upload() {
        up.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    let done = Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
        xhr.set_ontimeout(Some(&reject));
        xhr.set_onabort(Some(&reject));
    });
    if xhr.send_with_opt_blob(Some(blob)).is_err() {
        return JsValue::NULL;
    }
    let result = JsFuture::from(done).await;
    if let Ok(up) = xhr.upload() {
        up.set_onprogress(None);
    }
    drop(progress);
    if result.is_err() {
        return JsValue::NULL;
    }
    let out = Object::new();
    let _ = Reflect::set(&out, &"status".into(), &xhr.status().unwrap_or(0).into());
    let _ = Reflect::set(&out, &"body".into(), &xhr.response_text().ok().flatten().unwrap_or_default().into());
    out.into()
}

/// `GET url` with the token: the bytes as a `Blob`, or `null`.
pub async fn fetch_blob(url: String, token: String) -> JsValue {
    async fn inner(url: &str, token: &str) -> Option<JsValue> {
        let req = Request::new_with_str_and_init(url, &RequestInit::new()).ok()?;
        req.headers().set("Authorization", &format!("Bearer {token}")).ok()?;
        let resp: Response = JsFuture::from(web_sys::window()?.fetch_with_request(&req)).await.ok()?.dyn_into().ok()?;
        if !resp.ok() {
            return None;
        }
        JsFuture::from(resp.blob().ok()?).await.ok()
    }
    inner(&url, &token).await.unwrap_or(JsValue::NULL)
}
