//! The reader module's answers, as JSON text written here (no serde in the wasm): what a read
//! found, and the cross-check of a draft against it. Native too, so tests read them.

use std::fmt::Write as _;

use kyc_domain::idread::crosscheck::cross_check;
use kyc_domain::idread::{DocumentData, ReadSource};
use kyc_domain::DraftDto;

use crate::Found;

/// The answer to a document read: `{"ok": true, "read", "side", "fills": [[path, value]…],
/// "unfilled": [path…]}` (`unfilled`: on the document but not read with certainty).
pub fn read_answer(found: &Found) -> String {
    let doc = &found.doc;
    let read = match doc.source {
        ReadSource::Pdf417 => "pdf417",
        ReadSource::Mrz => "mrz",
    };
    let mut out = format!(r#"{{"ok":true,"read":"{read}","side":"{}","fills":["#, crate::side(doc).as_str());
    for (i, (field, value)) in doc.fills().into_iter().enumerate() {
        let _ = write!(out, r#"{}["{}",{}]"#, if i > 0 { "," } else { "" }, field.path(), quoted(&value));
    }
    out.push_str(r#"],"unfilled":["#);
    for (i, field) in found.unfilled.iter().enumerate() {
        let _ = write!(out, r#"{}"{}""#, if i > 0 { "," } else { "" }, field.path());
    }
    out.push_str("]}");
    out
}

/// The draft against the document: `{"matched": [path…], "mismatched": [{"field", "strong",
/// "document"}…]}` (`document`: what the document says, in the draft's format).
pub fn check_answer(draft: &DraftDto, doc: &DocumentData) -> String {
    let check = cross_check(draft, doc);
    let mut out = String::from(r#"{"matched":["#);
    for (i, f) in check.matched().into_iter().enumerate() {
        let _ = write!(out, r#"{}"{}""#, if i > 0 { "," } else { "" }, f.path());
    }
    out.push_str(r#"],"mismatched":["#);
    let strong = check.mismatched_strong().into_iter().map(|f| (f, true));
    let info = check.mismatched_informational().into_iter().map(|f| (f, false));
    for (i, (f, strong)) in strong.chain(info).enumerate() {
        let value = doc.document_value(f).map_or_else(|| "null".to_owned(), |v| quoted(&v));
        let _ = write!(
            out,
            r#"{}{{"field":"{}","strong":{strong},"document":{value}}}"#,
            if i > 0 { "," } else { "" },
            f.path()
        );
    }
    out.push_str("]}");
    out
}

/// A JSON string literal.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
