//! The reader module's surface in the browser (`reader/kyc_reader.js`): two functions with
//! plain values in and a JSON text out (the widget parses it with the browser's `JSON.parse`).
//! No serde in this wasm: the answers are written here, and the draft comes in as
//! `[field path, value]` pairs. The document read stays in this module (the last one read):
//! the cross-check on Review uses it, and the widget never holds more of it than the values it
//! filled in. The module is loaded only when a person scans their ID or a barcode side is taken.

use std::sync::Mutex;

use crate::answer::{check_answer, read_answer};
use kyc_domain::idread::DocumentData;
use kyc_domain::{DraftDto, Field};
use wasm_bindgen::prelude::*;

/// The allocator: `talc`, as in the widget and the capture module.
#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The last document read on this page. A static, not a `thread_local!`: a thread-local that
/// needs dropping registers its destructor in a list std allocates with the system allocator,
/// which would link a second allocator (dlmalloc, ~8 KB) into the module.
static LAST: Mutex<Option<DocumentData>> = Mutex::new(None);

fn last() -> std::sync::MutexGuard<'static, Option<DocumentData>> {
    LAST.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Reads the document in RGBA pixels (a canvas's `getImageData().data`).
/// → `{"ok": true, "read": "pdf417", "side": "idBack", "fills": [[field, value]…]}`
/// or `{"ok": false, "code": "no_barcode" | "not_a_document" | "bad_image"}`.
#[wasm_bindgen(js_name = readRgba)]
pub fn read_rgba(rgba: &[u8], width: u32, height: u32) -> String {
    match crate::read_rgba(rgba, width, height) {
        Ok(doc) => {
            let answer = read_answer(&doc);
            *last() = Some(doc);
            answer
        }
        Err(e) => format!(r#"{{"ok":false,"code":"{}"}}"#, e.code()),
    }
}

/// The draft, as `[path, value, path, value, …]`, against the last document read.
/// → `{"matched": [field…], "mismatched": [{"field", "strong", "document"}…]}`, or `null` when no
/// document was read on this page.
#[wasm_bindgen(js_name = crossCheck)]
pub fn cross_check_pairs(pairs: Vec<String>) -> String {
    let mut draft = DraftDto::default();
    let mut items = pairs.into_iter();
    while let (Some(path), Some(value)) = (items.next(), items.next()) {
        if let Some(field) = Field::from_path(&path) {
            draft.set(field, value);
        }
    }
    last().as_ref().map_or_else(|| "null".to_owned(), |doc| check_answer(&draft, doc))
}
