//! Country names from the browser's `Intl.DisplayNames`, sorted in the user's locale: no name
//! tables ship in the wasm.

use kyc_domain::Country;
use wasm_bindgen::prelude::*;

/// `(alpha-2, localised name)` for every assigned country, sorted by name in `locale`. The
/// names and the sort are the browser's (`Intl.DisplayNames`, one `Intl.Collator`), in one call
/// to the widget's snippet: sorting here would cross into JS for each of ~2,000 comparisons.
pub fn countries(locale: &str) -> Vec<(String, String)> {
    let codes: js_sys::Array = Country::all().map(|c| JsValue::from_str(c.alpha2())).collect();
    crate::country_names(&codes, locale)
        .iter()
        .filter_map(|pair| {
            let pair: js_sys::Array = pair.unchecked_into();
            Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
        })
        .collect()
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
