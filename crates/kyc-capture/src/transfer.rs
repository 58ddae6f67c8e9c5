//! Every HTTP call of the module: the photo upload through `XMLHttpRequest` — `fetch` reports
//! no upload progress —, the fetch of a staged photo's bytes for its preview, and the JSON
//! calls of the phone handoff ([`json`]); a server's error body is read in one place
//! ([`ApiError`]). The token travels only in the `Authorization` header, never in a URL.

use js_sys::{Function, Object, Promise, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ProgressEvent, Request, RequestInit, Response, XmlHttpRequest};

use crate::dom::prop;

/// The `error` of a server's error body (`{"error": {"code", "message", "fields"}}`,
/// docs/api.md).
pub struct ApiError(JsValue);

impl ApiError {
    pub fn of(body: &JsValue) -> Self {
        Self(prop(body, "error"))
    }

    pub fn code(&self) -> Option<String> {
        prop(&self.0, "code").as_string()
    }

    /// The first field error (`{field, code, params}`), when it has one.
    pub fn first_field(&self) -> Option<JsValue> {
        Some(prop(&prop(&self.0, "fields"), "0")).filter(JsValue::is_object)
    }
}

/// A JSON call; `Ok(body)` on 2xx, `Err(code)` with the error's code (`network_error` when
/// there was no answer).
pub async fn json(method: &str, url: &str, token: &str, body: Option<&JsValue>) -> Result<JsValue, String> {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(b) = body {
        init.set_body(&JSON::stringify(b).map_err(|_| "network_error")?.into());
    }
    let req = Request::new_with_str_and_init(url, &init).map_err(|_| "network_error")?;
    let h = req.headers();
    if body.is_some() {
        let _ = h.set("Content-Type", "application/json");
    }
    if !token.is_empty() {
        let _ = h.set("Authorization", &format!("Bearer {token}"));
    }
    let window = web_sys::window().ok_or("network_error")?;
    let resp: Response = JsFuture::from(window.fetch_with_request(&req))
        .await
        .map_err(|_| "network_error")?
        .dyn_into()
        .map_err(|_| "network_error")?;
    let v = match resp.json() {
        Ok(p) => JsFuture::from(p).await.unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    };
    if resp.ok() {
        Ok(v)
    } else {
        Err(ApiError::of(&v).code().unwrap_or_else(|| format!("http_{}", resp.status())))
    }
}

/// What an upload got: the status (`0` when the server did not answer: offline, connection
/// lost) and the body, parsed (`null` when it is not JSON).
pub struct Answer {
    pub status: u16,
    pub body: JsValue,
}

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
/// `on_progress(percent)` as it goes. A `429` — the server decodes one photo of a session at a
/// time, and photos are sent as soon as they are taken — is sent again after a pause (at most
/// ten times).
pub async fn upload(url: &str, token: &str, blob: &Blob, headers: &JsValue, on_progress: &Function) -> Answer {
    let mut answer = None;
    for attempt in 0..10 {
        answer = upload_once(url, token, blob, headers, on_progress).await;
        if answer.as_ref().map(|a| a.0) != Some(429) {
            break;
        }
        sleep(500 + 250 * attempt).await;
    }
    match answer {
        Some((status, body)) => Answer { status, body: JSON::parse(&body).unwrap_or(JsValue::NULL) },
        None => Answer { status: 0, body: JsValue::NULL },
    }
}

/// One attempt: the status and the body's text, `None` when the server did not answer.
async fn upload_once(
    url: &str,
    token: &str,
    blob: &Blob,
    headers: &JsValue,
    on_progress: &Function,
) -> Option<(u16, String)> {
    let xhr = XmlHttpRequest::new().ok()?;
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
        return None;
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
        return None;
    }
    let result = JsFuture::from(done).await;
    if let Ok(up) = xhr.upload() {
        up.set_onprogress(None);
    }
    drop(progress);
    result.ok()?;
    Some((xhr.status().unwrap_or(0), xhr.response_text().ok().flatten().unwrap_or_default()))
}

/// `GET url` with the token: the bytes, `None` when they could not be had.
pub async fn fetch_blob(url: &str, token: &str) -> Option<Blob> {
    let req = Request::new_with_str_and_init(url, &RequestInit::new()).ok()?;
    req.headers().set("Authorization", &format!("Bearer {token}")).ok()?;
    let resp: Response = JsFuture::from(web_sys::window()?.fetch_with_request(&req)).await.ok()?.dyn_into().ok()?;
    if !resp.ok() {
        return None;
    }
    JsFuture::from(resp.blob().ok()?).await.ok()?.dyn_into().ok()
}
