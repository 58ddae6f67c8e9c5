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
    // One collator for the whole sort: `localeCompare` with a locale builds one per comparison
    // (about two thousand of them here), which showed in the time to the first field.
    let compare = js_sys::Intl::Collator::new(&js_sys::Array::of1(&locale.into()), &js_sys::Object::new()).compare();
    let order = |a: &str, b: &str| {
        compare.call2(&JsValue::NULL, &a.into(), &b.into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0)
    };
    list.sort_by(|a, b| order(&a.1, &b.1).total_cmp(&0.0));
    list
}

/// How `locale` writes a date: the order of day, month and year (`b'd'`, `b'm'`, `b'y'`) and
/// the months' names, from the browser's `Intl.DateTimeFormat`.
#[derive(Debug, Clone, PartialEq)]
pub struct DateParts {
    pub order: [u8; 3],
    pub months: Vec<String>,
}

pub fn date_parts(locale: &str) -> DateParts {
    use js_sys::{Array, Date, Intl::DateTimeFormat, Object, Reflect};
    let locales = Array::of1(&locale.into());
    let options = |pairs: &[(&str, &str)]| {
        let o = Object::new();
        for (k, v) in pairs {
            let _ = Reflect::set(&o, &(*k).into(), &(*v).into());
        }
        o
    };
    let utc = |m: f64, d: u32| {
        let date = Date::new(&Date::utc(2000.0, m).into());
        date.set_utc_date(d);
        date
    };
    let whole = DateTimeFormat::new(
        &locales,
        &options(&[("year", "numeric"), ("month", "long"), ("day", "numeric"), ("timeZone", "UTC")]),
    );
    let mut order = Vec::with_capacity(3);
    for part in whole.format_to_parts(&utc(0.0, 2)).iter() {
        let kind = Reflect::get(&part, &"type".into()).ok().and_then(|t| t.as_string()).unwrap_or_default();
        if let Some(b @ (b'd' | b'm' | b'y')) = kind.bytes().next() {
            if !order.contains(&b) {
                order.push(b);
            }
        }
    }
    let order = <[u8; 3]>::try_from(order).unwrap_or(*b"dmy");
    let month = DateTimeFormat::new(&locales, &options(&[("month", "long"), ("timeZone", "UTC")]));
    let months = (0..12)
        .map(|m| month.format().call1(&JsValue::NULL, &utc(f64::from(m), 1)).ok().and_then(|s| s.as_string()))
        .map(Option::unwrap_or_default)
        .collect();
    DateParts { order, months }
}
