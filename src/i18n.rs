//! Texts, as data: one JSON file per locale in `www/locales/` (ICU MessageFormat simple
//! `{name}` arguments). English is compiled in (the `Key` enum and its texts are generated
//! from `en.json` by `build.rs`, which also fails the build when another locale misses a key,
//! has an extra one or differs in placeholders); any other locale is fetched only when asked
//! for, so it costs the default page nothing. Hosts can override any string by its key name.

use js_sys::Promise;
use kyc_domain::{ErrorCode, Violation};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// A locale's texts: from the host's `loadLocale(tag)` when given, else fetched from beside the
/// widget's files. `undefined` when they cannot be had (English then stands in).
pub async fn load(tag: &str, loader: Option<&js_sys::Function>) -> JsValue {
    let promise = match loader {
        Some(f) => f.call1(&JsValue::NULL, &tag.into()).map(|v| Promise::resolve(&v)),
        None => match web_sys::window() {
            Some(w) => Ok(w.fetch_with_str(&crate::locale_url(tag))),
            None => return JsValue::UNDEFINED,
        },
    };
    let Ok(got) = (match promise {
        Ok(p) => JsFuture::from(p).await,
        Err(e) => Err(e),
    }) else {
        return JsValue::UNDEFINED;
    };
    match got.dyn_into::<web_sys::Response>() {
        Ok(r) if r.ok() => match r.json() {
            Ok(p) => JsFuture::from(p).await.unwrap_or(JsValue::UNDEFINED),
            Err(_) => JsValue::UNDEFINED,
        },
        Ok(_) => JsValue::UNDEFINED,
        Err(texts) => texts,
    }
}

/// A locale the widget has texts for: English (compiled in) or one of [`LOCALE_FILES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locale(&'static str);

impl Locale {
    pub const EN: Locale = Locale("en");

    /// A BCP 47 tag (`en`, `zh-CN`, `es-MX`, `ar-EG`, …) → the locale file with that exact tag,
    /// else the first with the same language; English otherwise.
    pub fn parse(tag: &str) -> Self {
        let language = |t: &str| t.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        let wanted = language(tag);
        LOCALE_FILES
            .iter()
            .find(|t| t.eq_ignore_ascii_case(&tag.replace('_', "-")))
            .or_else(|| LOCALE_FILES.iter().find(|t| language(t) == wanted))
            .map_or(Self::EN, |t| Self(t))
    }

    pub fn tag(self) -> &'static str {
        self.0
    }

    /// Arabic, Hebrew, Persian and Urdu are written right to left.
    pub fn dir(self) -> &'static str {
        match self.0.split('-').next().unwrap_or_default() {
            "ar" | "he" | "fa" | "ur" => "rtl",
            _ => "ltr",
        }
    }
}

macro_rules! keys {
    ($($k:ident = $name:literal),* $(,)?) => {
        /// Every UI string, with its stable name for host overrides (`strings: { continue: "Next" }`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Key { $($k),* }
        impl Key {
            pub fn name(self) -> &'static str { match self { $(Key::$k => $name),* } }
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/texts.rs"));

/// Strings by name, from a JS object: a locale's texts, the host's `strings` overrides, its
/// `theme` (CSS custom properties). Kept as a list, in the object's order: a few dozen entries
/// are looked up faster than hashed, and a map type would add its code to the wasm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Texts(pub Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for Texts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Texts;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Texts, A::Error> {
                let mut v = Vec::new();
                while let Some(entry) = a.next_entry()? {
                    v.push(entry);
                }
                Ok(Texts(v))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct I18n {
    pub locale: Locale,
    overrides: Vec<(String, String)>,
    /// The loaded locale's texts (empty for English, or when it could not be loaded).
    table: Vec<(String, String)>,
}

impl I18n {
    pub fn new(locale: Locale, overrides: Vec<(String, String)>) -> Self {
        Self { locale, overrides, table: Vec::new() }
    }

    /// The same, with the locale's texts (from its `locales/<tag>.json`).
    pub fn with_table(self, table: Vec<(String, String)>) -> Self {
        Self { table, ..self }
    }

    /// The locale's or the host's text named `name`, if either has one (the host's wins).
    pub fn lookup(&self, name: &str) -> Option<String> {
        self.overrides.iter().chain(&self.table).find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    pub fn t(&self, k: Key) -> String {
        self.lookup(k.name()).unwrap_or_else(|| en(k).to_owned())
    }

    /// A text with `{name}` placeholders filled.
    pub fn fill(&self, k: Key, args: &[(&str, &str)]) -> String {
        placeholders(&self.t(k), &|name| args.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned()))
    }

    /// The message of a field's error (the rulebook's or the server's).
    pub fn field_error(&self, e: &kyc_domain::FieldError) -> String {
        self.error(&Violation { code: e.code, params: e.params.clone() })
    }

    /// The message for a rule violation, with its parameters filled in. Never echoes input.
    pub fn error(&self, v: &Violation) -> String {
        let template =
            self.lookup(&format!("error_{}", v.code.as_str())).unwrap_or_else(|| error_en(v.code).to_owned());
        placeholders(&template, &|name| v.param(name).map(|n| n.to_string()))
    }
}

/// `template` with each `{name}` that `value` knows filled in, in one pass: a value is never
/// scanned again, and a brace that opens no known argument stays as written.
fn placeholders(template: &str, value: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').and_then(|close| Some((close, value(&after[..close])?))) {
            Some((close, v)) => {
                out.push_str(&v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
