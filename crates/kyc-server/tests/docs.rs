//! The documents in `docs/` stay true to the code: every key `serve` reads is in
//! `docs/configuration.md`, every route the backend registers and every error code is in
//! `docs/api.md`, and no code
//! comment cites a document that is not in the repository (the project's documents live in
//! `docs/`; a security requirement is cited by that page and its id, and the id must be there).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The page of security requirements, spelled so that this file does not cite it without an id.
const SECURITY: &str = concat!("docs/", "security.md");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn server_src(file: &str) -> String {
    read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(file))
}

/// `pub NAME: Option<String>,` lines of `RawConfig` in `src/config.rs`.
fn raw_config_keys() -> Vec<String> {
    let src = server_src("config.rs");
    let start = src.find("pub struct RawConfig {").expect("RawConfig in config.rs");
    let body = &src[start..];
    let body = &body[..body.find("\n}").expect("end of RawConfig")];
    body.lines()
        .filter_map(|l| l.trim().strip_prefix("pub ")?.strip_suffix(": Option<String>,").map(str::to_owned))
        .filter(|k| k.starts_with("KYC_") || k == "DATABASE_URL")
        .collect()
}

#[test]
fn every_serve_key_is_documented() {
    let keys = raw_config_keys();
    assert!(keys.len() >= 30, "parsed too few RawConfig keys: {keys:?}");
    assert!(keys.iter().any(|k| k == "DATABASE_URL") && keys.iter().any(|k| k == "KYC_DATA_KEY"), "{keys:?}");
    let doc = read(&root().join("docs/configuration.md"));
    let missing: Vec<&String> = keys.iter().filter(|k| !doc.contains(&format!("`{k}`"))).collect();
    assert!(missing.is_empty(), "docs/configuration.md does not document {missing:?}");
}

/// The first string literal after each `.route(` in `src/routes/mod.rs` (also when the call
/// spans lines).
fn registered_routes() -> Vec<String> {
    let src = server_src("routes/mod.rs");
    src.split(".route(")
        .skip(1)
        .map(|rest| {
            let open = rest.find('"').expect("a path literal after .route(");
            let rest = &rest[open + 1..];
            rest[..rest.find('"').expect("end of the path literal")].to_owned()
        })
        .collect()
}

/// `path` occurs in `doc` as a whole path: not followed by more path characters.
fn mentions_path(doc: &str, path: &str) -> bool {
    doc.match_indices(path).any(|(at, _)| {
        let before = doc[..at].chars().next_back();
        let after = doc[at + path.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || matches!(c, '/' | '_' | '-' | '{' | '.'))
    })
}

#[test]
fn every_route_is_documented() {
    let routes = registered_routes();
    assert!(routes.len() >= 20, "parsed too few routes: {routes:?}");
    assert!(routes.iter().all(|r| r.starts_with('/')), "{routes:?}");
    let doc = read(&root().join("docs/api.md"));
    let missing: Vec<&String> = routes.iter().filter(|r| !mentions_path(&doc, r)).collect();
    assert!(missing.is_empty(), "docs/api.md does not document the routes {missing:?}");
}

#[test]
fn every_error_code_is_documented() {
    let doc = read(&root().join("docs/api.md"));
    let missing: Vec<&str> = kyc_domain::api::ApiCode::ALL
        .into_iter()
        .map(kyc_domain::api::ApiCode::as_str)
        .filter(|c| !doc.contains(&format!("`{c}`")))
        .collect();
    assert!(missing.is_empty(), "docs/api.md does not list the error codes {missing:?}");
}

#[test]
fn the_path_matcher_is_strict() {
    assert!(mentions_path("`POST /v1/handoff`, x", "/v1/handoff"));
    assert!(!mentions_path("`POST /v1/handoff/claim`", "/v1/handoff"));
    assert!(mentions_path("(`/v1`, `/v1/{*rest}`)", "/v1"));
    assert!(!mentions_path("`/v1/sessions`", "/v1"));
}

/// The code files of the repository: sources, tests, manifests, migrations, scripts — not
/// build output, installed packages or vendored code.
fn code_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let entry = entry.expect("directory entry");
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            if !name.starts_with('.') && !matches!(name.as_str(), "target" | "node_modules" | "dist" | "vendor" | "pkg")
            {
                code_files(&path, out);
            }
        } else if kind.is_file()
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ["rs", "mjs", "js", "toml", "sql"].contains(&e))
        {
            out.push(path);
        }
    }
}

/// The document names that lived outside the repository, spelled so that this file does not
/// cite them itself.
fn outside_documents() -> Vec<String> {
    let mut names: Vec<String> =
        ["contract", "kyc-api", "TOOLCHAIN", "STYLE"].iter().map(|n| format!("{n}.md")).collect();
    names.push(["security", "checklist"].join("-"));
    names
}

/// The path-like word around byte `at` of `line`.
fn word_at(line: &str, at: usize) -> &str {
    let is_path = |c: char| c.is_alphanumeric() || matches!(c, '/' | '.' | '_' | '-');
    let start = line[..at].rfind(|c: char| !is_path(c)).map_or(0, |i| i + line[i..].chars().next().unwrap().len_utf8());
    let end = line[at..].find(|c: char| !is_path(c)).map_or(line.len(), |i| at + i);
    line[start..end].trim_end_matches('.')
}

#[test]
fn code_cites_only_documents_in_the_repository() {
    let root = root();
    let mut files = Vec::new();
    code_files(&root, &mut files);
    assert!(files.len() > 50, "found too few code files under {}", root.display());
    let security = read(&root.join(SECURITY));
    let outside = outside_documents();
    let mut problems = BTreeSet::new();
    for file in &files {
        let text = read(file);
        let rel = file.strip_prefix(&root).unwrap_or(file).display().to_string();
        let dir = file.parent().expect("a file's directory");
        // An applied migration cannot change, not even a comment: sqlx keeps each migration's
        // checksum and refuses to start on a database whose applied migration was edited. Its
        // old citations stay (docs/notifications.md is where the one in 0003_scale.sql points).
        let frozen = file.extension().is_some_and(|e| e == "sql") && rel.contains("migrations");
        for (n, line) in text.lines().enumerate() {
            let place = format!("{rel}:{}", n + 1);
            // A name of a document that was outside the repository: only where such a file
            // now exists (relative to the root or to the citing file).
            for name in outside.iter().filter(|_| !frozen) {
                for (at, _) in line.match_indices(name.as_str()) {
                    let word = word_at(line, at);
                    if !root.join(word).is_file() && !dir.join(word).is_file() {
                        problems.insert(format!("{place}: cites {word}, which is not in the repository"));
                    }
                }
            }
            // `docs/<name>.md`: the file exists.
            for (at, _) in line.match_indices("docs/") {
                let word = word_at(line, at);
                let word = &word[word.find("docs/").unwrap_or(0)..];
                if word.ends_with(".md") && !root.join(word).is_file() {
                    problems.insert(format!("{place}: cites {word}, which does not exist"));
                }
            }
            // The security page followed by `UP-8, WB-2 …`: each id (or family, `OB-*`) is on it.
            for (at, m) in line.match_indices(&format!("{SECURITY} ")) {
                let ids = &line[at + m.len()..];
                let mut cited = ids
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '*'))
                    .filter(|w| is_requirement_id(w))
                    .peekable();
                if cited.peek().is_none() {
                    problems.insert(format!("{place}: {SECURITY} cited without a requirement id"));
                }
                for id in cited {
                    let present = match id.strip_suffix('*') {
                        Some(family) => security.contains(&format!("| {family}")),
                        None => security.contains(&format!("| {id} |")),
                    };
                    if !present {
                        problems.insert(format!("{place}: {SECURITY} has no requirement {id}"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "comments cite documents that are not in the repository:\n{}", {
        let list: Vec<String> = problems.into_iter().collect();
        list.join("\n")
    });
}

/// `UP-8`, `WH-*`: two capital letters, a dash, a number or `*`.
fn is_requirement_id(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() >= 4
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_uppercase()
        && b[2] == b'-'
        && (&w[3..] == "*" || w[3..].bytes().all(|c| c.is_ascii_digit()))
}
