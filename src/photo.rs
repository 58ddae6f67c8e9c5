//! A chosen or captured photo, cleaned before anything leaves the device. The pipeline itself —
//! the rulebook's source check, a decode honouring EXIF orientation, a downscale to a long edge
//! of at most 2048 px, the quality rulebook's hard check (the server's), a JPEG re-encode with
//! no EXIF or GPS — is `kyc-capture`'s `clean`, in the module loaded the first time a person
//! picks a photo or opens the camera (so none of it weighs on the widget's first load).

use js_sys::Reflect;
use kyc_domain::{ErrorCode, Violation};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

/// A cleaned photo, ready to upload. `url` is an object URL for the preview; revoke it with
/// [`release`] when the photo is replaced or the widget unmounts.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanPhoto {
    pub blob: Blob,
    pub url: String,
    pub width: u32,
    pub height: u32,
    /// Soft but usable: the quality rulebook's guidance says "Hold still".
    pub blurry: bool,
    /// The rulebook's measures as the `X-Photo-Metrics` header carries them (the server
    /// recomputes and compares).
    pub metrics: Option<String>,
    /// How it was obtained: `camera` or `file`.
    pub source: &'static str,
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap_or(JsValue::UNDEFINED)
}

/// The rulebook's verdict as the module reports it (`{code, params}`).
pub(crate) fn violation(e: &JsValue) -> Violation {
    let code = get(e, "code").as_string().and_then(|c| ErrorCode::parse(&c)).unwrap_or(ErrorCode::UnreadableImage);
    let mut v = Violation::new(code);
    let params = get(e, "params");
    if params.is_object() {
        for k in js_sys::Object::keys(params.unchecked_ref::<js_sys::Object>()).iter().filter_map(|k| k.as_string()) {
            if let Some(n) = get(&params, &k).as_f64() {
                v.params.insert(&k, n as i64);
            }
        }
    }
    v
}

/// Cleans `file` with the lazily loaded module (`loader`: the host's `loadCapture`).
pub async fn clean(
    file: &Blob,
    source: &'static str,
    loader: Option<js_sys::Function>,
) -> Result<CleanPhoto, Violation> {
    let module = JsFuture::from(crate::camera::load_module(loader))
        .await
        .map_err(|_| Violation::new(ErrorCode::UnreadableImage))?;
    let f: js_sys::Function =
        get(&module, "clean").dyn_into().map_err(|_| Violation::new(ErrorCode::UnreadableImage))?;
    let promise: js_sys::Promise =
        f.call1(&JsValue::NULL, file).map_err(|e| violation(&e))?.dyn_into().map_err(|e| violation(&e))?;
    let out = JsFuture::from(promise).await.map_err(|e| violation(&e))?;
    let blob: Blob = get(&out, "blob").dyn_into().map_err(|_| Violation::new(ErrorCode::UnreadableImage))?;
    let url =
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| Violation::new(ErrorCode::UnreadableImage))?;
    let n = |k: &str| get(&out, k).as_f64().unwrap_or(0.0) as u32;
    Ok(CleanPhoto {
        width: n("width"),
        height: n("height"),
        blurry: get(&out, "blurry").as_bool().unwrap_or(false),
        metrics: get(&out, "metrics").as_string(),
        blob,
        url,
        source,
    })
}

/// Frees a preview's object URL.
pub fn release(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}
