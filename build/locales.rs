//! The check of the locale files, shared by `build.rs` (where a problem fails the build) and by
//! xtask's tests (which show that it does: a missing key, an extra key, a changed placeholder).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub type Texts = BTreeMap<String, String>;

pub fn read(path: &Path) -> Texts {
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
pub fn placeholders(message: &str) -> Result<BTreeSet<String>, String> {
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

/// Every problem of the locale files in `dir` against its `en.json` and the rulebook's error
/// codes (`error_<code>` keys, each `(key, ErrorCode variant)`), each naming its file and key;
/// and the other locales' tags, sorted. The build fails on any problem.
pub fn problems(dir: &Path, codes: &BTreeMap<String, String>) -> (Vec<String>, Vec<String>) {
    let english = read(&dir.join("en.json"));
    let mut problems = Vec::new();
    for (k, v) in &english {
        if let Err(e) = placeholders(v) {
            problems.push(format!("en.json: \"{k}\": {e}"));
        }
    }
    for k in codes.keys().filter(|k| !english.contains_key(*k)) {
        problems.push(format!("en.json: missing key \"{k}\" (a kyc-domain error code)"));
    }
    for k in english.keys().filter(|k| k.starts_with("error_") && !codes.contains_key(*k)) {
        problems.push(format!("en.json: \"{k}\" is no kyc-domain error code"));
    }
    let mut locales = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("www/locales").filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(tag) = name.strip_suffix(".json") else { continue };
        if tag == "en" {
            continue;
        }
        problems.extend(check(&english, &read(&entry.path())).into_iter().map(|p| format!("{name}: {p}")));
        locales.push(tag.to_owned());
    }
    (problems, locales)
}
