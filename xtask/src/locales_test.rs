//! The locale check that runs in the widget's `build.rs` (a problem panics there and so fails
//! the build), run here on broken copies of `www/locales`: a missing key, an extra key and a
//! changed placeholder are each reported with the file and key, and the shipped files pass.

#[path = "../../build/locales.rs"]
mod locales;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn codes() -> BTreeMap<String, String> {
    kyc_domain::ErrorCode::ALL.iter().map(|c| (format!("error_{}", c.as_str()), format!("{c:?}"))).collect()
}

fn shipped() -> PathBuf {
    crate::root().join("www/locales")
}

/// A copy of the shipped locale files, with `edit` applied to `fr.json`'s texts.
fn broken_copy(tag: &str, edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kyc-locales-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(shipped()).unwrap().filter_map(Result::ok) {
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    let path = dir.join("fr.json");
    let mut fr: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(fr.as_object_mut().unwrap());
    std::fs::write(&path, serde_json::to_string(&fr).unwrap()).unwrap();
    dir
}

fn problems(dir: &Path) -> Vec<String> {
    locales::problems(dir, &codes()).0
}

#[test]
fn the_shipped_locales_pass_and_there_are_at_least_twelve() {
    let (problems, tags) = locales::problems(&shipped(), &codes());
    assert_eq!(problems, Vec::<String>::new());
    assert!(tags.len() >= 11, "English and at least 11 more: {tags:?}");
}

#[test]
fn a_missing_key_fails_the_build_naming_file_and_key() {
    let dir = broken_copy("missing", |fr| {
        fr.remove("first_name");
    });
    assert_eq!(problems(&dir), ["fr.json: missing key \"first_name\""]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_extra_key_and_a_changed_placeholder_fail_the_build() {
    let dir = broken_copy("extra", |fr| {
        fr.insert("no_such_text".into(), "Bonjour".into());
        fr.insert("step_of".into(), "Étape {n} sur {tout}".into());
    });
    let p = problems(&dir);
    assert!(p.contains(&"fr.json: extra key \"no_such_text\" (not in en.json)".to_owned()), "{p:?}");
    assert!(p.iter().any(|x| x.starts_with("fr.json: \"step_of\": placeholders")), "{p:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_build_script_panics_on_any_problem() {
    // The build script turns any problem into a panic (which fails `cargo build`).
    let script = std::fs::read_to_string(crate::root().join("build.rs")).unwrap();
    assert!(script.contains("let (problems, locales) = locales::problems(&dir, &codes);"));
    assert!(script.contains("if !problems.is_empty() {\n        panic!("));
}
