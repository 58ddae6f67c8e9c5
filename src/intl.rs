//! Country names from the browser's `Intl.DisplayNames`, sorted in the user's locale: no name
//! tables ship in the wasm.

use kyc_domain::Country;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = DisplayNames)]
    type DisplayNames;

    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "DisplayNames", catch)]
    fn new(locales: &js_sys::Array, options: &js_sys::Object) -> Result<DisplayNames, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn of(this: &DisplayNames, code: &str) -> Result<JsValue, JsValue>;
}

/// `(alpha-2, localised name)` for every assigned country, sorted by name in `locale`.
pub fn countries(locale: &str) -> Vec<(String, String)> {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"type".into(), &"region".into());
    let _ = js_sys::Reflect::set(&options, &"fallback".into(), &"code".into());
    let names = DisplayNames::new(&js_sys::Array::of1(&locale.into()), &options).ok();
    let mut list: Vec<(String, String)> = Country::all()
        .map(|c| {
            let code = c.alpha2();
            let name = names
                .as_ref()
                .and_then(|n| n.of(code).ok())
                .and_then(|v| v.as_string())
                .unwrap_or_else(|| code.to_owned());
            (code.to_owned(), name)
        })
        .collect();
    let locales = js_sys::Array::of1(&locale.into());
    let no_options = js_sys::Object::new();
    list.sort_by(|a, b| js_sys::JsString::from(a.1.as_str()).locale_compare(&b.1, &locales, &no_options).cmp(&0));
    list
}
