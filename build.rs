//! The widget's texts are data: one JSON file per locale in `www/locales/` (`en.json` is the
//! source; messages use ICU MessageFormat's simple `{name}` arguments). This script
//!
//! - generates the `Key` enum and the English texts compiled into the widget from `en.json`
//!   (every UI key, and `error_<code>` for every `kyc-domain` error code — no more, no less);
//! - checks every other locale file against it: a missing key, an extra key or a message whose
//!   placeholders differ from the English one fails the build, naming the file and key.
//!
//! Locales other than English are not compiled in: the widget fetches one when asked for.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

type Texts = BTreeMap<String, String>;

fn read(path: &Path) -> Texts {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()));
    let obj = value.as_object().unwrap_or_else(|| panic!("{} must be one JSON object", path.display()));
    obj.iter()
        .map(|(k, v)| {
            let s = v.as_str().unwrap_or_else(|| panic!("{}: \"{k}\" must be a string", path.display()));
            (k.clone(), s.to_owned())
        })
        .collect()
}

/// The `{name}` arguments of a message (ICU MessageFormat simple arguments).
fn placeholders(message: &str) -> Result<BTreeSet<String>, String> {
    let mut out = BTreeSet::new();
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').ok_or("an unclosed '{'")? + open;
        let name = &rest[open + 1..close];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("'{{{name}}}' is not a simple argument"));
        }
        out.insert(name.to_owned());
        rest = &rest[close + 1..];
    }
    if rest.contains('}') {
        return Err("a '}' without '{'".into());
    }
    Ok(out)
}

/// Problems of one locale against English (empty: it matches).
fn check(english: &Texts, other: &Texts) -> Vec<String> {
    let mut problems = Vec::new();
    for k in english.keys().filter(|k| !other.contains_key(*k)) {
        problems.push(format!("missing key \"{k}\""));
    }
    for k in other.keys().filter(|k| !english.contains_key(*k)) {
        problems.push(format!("extra key \"{k}\" (not in en.json)"));
    }
    for (k, v) in other {
        match (placeholders(v), english.get(k)) {
            (Err(e), _) => problems.push(format!("\"{k}\": {e}")),
            (Ok(theirs), Some(en)) => {
                let ours = placeholders(en).unwrap_or_default();
                if ours != theirs {
                    problems.push(format!("\"{k}\": placeholders {theirs:?}, English has {ours:?}"));
                }
            }
            (Ok(_), None) => {}
        }
    }
    problems
}

fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/locales");
    println!("cargo:rerun-if-changed={}", dir.display());
    let english = read(&dir.join("en.json"));
    for (k, v) in &english {
        if let Err(e) = placeholders(v) {
            panic!("www/locales/en.json: \"{k}\": {e}");
        }
    }
    let codes: BTreeMap<String, String> =
        kyc_domain::ErrorCode::ALL.iter().map(|c| (format!("error_{}", c.as_str()), format!("{c:?}"))).collect();
    let mut problems = Vec::new();
    for k in codes.keys().filter(|k| !english.contains_key(*k)) {
        problems.push(format!("en.json: missing key \"{k}\" (a kyc-domain error code)"));
    }
    for k in english.keys().filter(|k| k.starts_with("error_") && !codes.contains_key(*k)) {
        problems.push(format!("en.json: \"{k}\" is no kyc-domain error code"));
    }
    let mut locales = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir).expect("www/locales").filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(tag) = name.strip_suffix(".json") else { continue };
        if tag == "en" {
            continue;
        }
        println!("cargo:rerun-if-changed={}", entry.path().display());
        problems.extend(check(&english, &read(&entry.path())).into_iter().map(|p| format!("{name}: {p}")));
        locales.push(tag.to_owned());
    }
    if !problems.is_empty() {
        panic!("www/locales does not match en.json:\n  {}", problems.join("\n  "));
    }

    // `handoff_*` and `phone_*` are shown only by the lazily loaded module, which builds its own
    // English in from this file (crates/kyc-capture/build.rs): not compiled into the widget.
    let lazy = |k: &str| k.starts_with("handoff_") || k.starts_with("phone_");
    let ui: Vec<(&String, &String)> = english.iter().filter(|(k, _)| !k.starts_with("error_") && !lazy(k)).collect();
    let mut out = String::from("// Generated by build.rs from www/locales/en.json. Do not edit.\n\nkeys! {\n");
    for (k, _) in &ui {
        let _ = writeln!(out, "    {} = {k:?},", camel(k));
    }
    out.push_str("}\n\nfn en(k: Key) -> &'static str {\n    match k {\n");
    for (k, v) in &ui {
        let _ = writeln!(out, "        Key::{} => {v:?},", camel(k));
    }
    out.push_str("    }\n}\n\nfn error_en(code: ErrorCode) -> &'static str {\n    match code {\n");
    for (k, variant) in &codes {
        let _ = writeln!(out, "        ErrorCode::{variant} => {:?},", english[k]);
    }
    out.push_str("    }\n}\n\n/// The locales shipped as data files (`locales/<tag>.json`), fetched when asked for.\n");
    let _ = writeln!(out, "pub const LOCALE_FILES: &[&str] = &{locales:?};");
    let path = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("texts.rs");
    std::fs::write(path, out).expect("writing texts.rs");
}
