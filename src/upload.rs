//! Photo uploads through `XMLHttpRequest`, for its upload progress events (fetch has none).

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ProgressEvent, XmlHttpRequest};

/// How an upload ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server answered (any status).
    Answered { status: u16, body: String },
    /// No answer: offline, connection lost, aborted.
    NoAnswer,
}

/// `PUT url` with the blob as the body, reporting progress in percent.
pub async fn put(
    url: &str,
    token: &str,
    blob: &Blob,
    headers: &[(&str, String)],
    progress: impl Fn(u8) + 'static,
) -> Outcome {
    let Ok(xhr) = XmlHttpRequest::new() else {
        return Outcome::NoAnswer;
    };
    if xhr.open("PUT", url).is_err()
        || xhr.set_request_header("Authorization", &format!("Bearer {token}")).is_err()
        || xhr.set_request_header("Content-Type", "image/jpeg").is_err()
        || headers.iter().any(|(k, v)| xhr.set_request_header(k, v).is_err())
    {
        return Outcome::NoAnswer;
    }
    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            progress((e.loaded() / e.total() * 100.0).clamp(0.0, 100.0) as u8);
        }
    });
    if let Ok(up) = xhr.upload() {
        up.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    let done = Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
        xhr.set_ontimeout(Some(&reject));
        xhr.set_onabort(Some(&reject));
    });
    if xhr.send_with_opt_blob(Some(blob)).is_err() {
        return Outcome::NoAnswer;
    }
    let result = JsFuture::from(done).await;
    if let Ok(up) = xhr.upload() {
        up.set_onprogress(None);
    }
    drop(on_progress);
    match result {
        Ok(_) => Outcome::Answered {
            status: xhr.status().unwrap_or(0),
            body: xhr.response_text().ok().flatten().unwrap_or_default(),
        },
        Err(_) => Outcome::NoAnswer,
    }
}
