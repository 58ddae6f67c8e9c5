//! The reader module's surface in the browser (`reader/kyc_reader.js`), loaded only when a
//! person scans their ID or a document side is taken (the capture module calls it):
//! - `readPhoto(blob)` → a promise of the answer's JSON text ([`crate::answer`]): the browser's
//!   `BarcodeDetector` first where it reads PDF417; else the photo decoded upright by the
//!   browser, drawn at a working size (long side 1600 px) and read for a machine-readable zone
//!   (its search ends early where there is none), then for a PDF417 barcode, then for a barcode
//!   again at 2800 px (a barcode on a licence back spans most of the card);
//! - `readRgba(pixels, width, height)` → the same for RGBA pixels (the barcode only), and
//!   `readMrzRgba` (the zone only);
//! - `readBack(blob, onEvent, kind)`: a document side kept on the Photos step, read;
//! - `renderReview(root, triples, texts, onEdit)`: Review's list of the draft's differences from
//!   the last document read on this page.
//!
//! The document read stays in this module (the last one read): the widget never holds more of
//! it than the values it filled in. No serde here: the answers are written by hand and the
//! draft comes in as `[path, value, label, …]`.

use std::sync::Mutex;

use crate::answer::{check_answer, read_answer};
use crate::Found;
use js_sys::{Array, Function};
use kyc_domain::idread::DocumentData;
use kyc_domain::{DraftDto, Field};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, Document, Element, HtmlCanvasElement, ImageBitmap, ImageBitmapOptions};

/// The allocator: `talc`, as in the widget and the capture module.
#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The last document read on this page. A static, not a `thread_local!`: a thread-local that
/// needs dropping registers its destructor in a list std allocates with the system allocator,
/// which would link a second allocator (dlmalloc, ~8 KB) into the module.
static LAST: Mutex<Option<DocumentData>> = Mutex::new(None);

pub fn last() -> std::sync::MutexGuard<'static, Option<DocumentData>> {
    LAST.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What a read gives inside the module: the document, or why not (a stable code:
/// `no_document`, `no_barcode`, `no_mrz`, `not_a_document`, `bad_image`, `unreadable_image`).
/// JSON only at the exported functions.
pub type Read = Result<Found, &'static str>;

/// A document's values as the widget takes them: `[onlyEmpty, path, value, …]`.
pub fn fills_event(doc: &DocumentData, only_empty: bool) -> Array {
    let out = Array::of1(&only_empty.into());
    for (f, v) in doc.fills() {
        out.push(&f.path().into());
        out.push(&v.into());
    }
    out
}

/// Keeps `doc` as the last one read on this page (Review compares the draft with it).
pub fn remember(doc: DocumentData) {
    *last() = Some(doc);
}

/// The exported answer for a read (the document kept as the last one read).
fn answer(read: Read) -> String {
    match read {
        Ok(found) => {
            let answer = read_answer(&found);
            remember(found.doc);
            answer
        }
        Err(code) => format!(r#"{{"ok":false,"code":"{code}"}}"#),
    }
}

/// A document side kept on the Photos step (a file, the camera, the phone's): read — a back for
/// its barcode or zone, a front (`kind` `idFront`: a passport's data page) for its zone only —
/// and what it holds told to the widget as a `document` event that fills only the fields still
/// empty (what the person typed stays; Review lists any difference). Nothing is said when it
/// holds neither: the photo is a photo all the same.
#[wasm_bindgen(js_name = readBack)]
pub async fn read_back(photo: Blob, on_event: Function, kind: Option<String>) {
    let barcode = kind.as_deref() != Some("idFront");
    if let Ok(found) = read_photo_doc(&photo, barcode).await {
        let fills = fills_event(&found.doc, true);
        remember(found.doc);
        let _ = on_event.call2(&JsValue::NULL, &kyc_domain::capture::CaptureEvent::Document.as_str().into(), &fills);
    }
}

/// The long sides a photo is read at, in order.
const SIDES: [u32; 2] = [1600, 2800];

/// Reads the document in RGBA pixels (a canvas's `getImageData().data`).
/// → `{"ok": true, "read": "pdf417", "side": "idBack", "fills": [[field, value]…]}`
/// or `{"ok": false, "code": "no_barcode" | "not_a_document" | "bad_image"}`.
#[wasm_bindgen(js_name = readRgba)]
pub fn read_rgba(rgba: &[u8], width: u32, height: u32) -> String {
    answer(crate::read_rgba(rgba, width, height).map(Found::whole).map_err(crate::ReadError::code))
}

/// Today, for an MRZ birth date's century.
pub fn today() -> kyc_domain::Date {
    kyc_domain::Date::from_unix_millis(js_sys::Date::now() as i64)
        .or_else(|| kyc_domain::Date::from_ymd(2026, 1, 1))
        .unwrap_or_else(|| unreachable!())
}

/// Reads the machine-readable zone in RGBA pixels (a passport's data page, an ID card's back):
/// the answer as [`read_rgba`]'s with `"read": "mrz"`, only the fields whose check digits hold
/// and `unfilled` naming the others, or `{"ok": false, "code": "no_mrz" | "bad_image"}`.
#[wasm_bindgen(js_name = readMrzRgba)]
pub fn read_mrz_rgba(rgba: &[u8], width: u32, height: u32) -> String {
    answer(crate::mrz::read_rgba(rgba, width, height, today()).map(Found::from_mrz).map_err(crate::ReadError::code))
}

/// Reads the document in a photo (any format the browser decodes); the answer as
/// [`read_rgba`]'s, or `unreadable_image` when the browser could not decode it.
#[wasm_bindgen(js_name = readPhoto)]
pub async fn read_photo(photo: Blob) -> String {
    answer(read_photo_doc(&photo, true).await)
}

/// [`read_photo`]'s reading: the browser's detector first, then rxing and the zone at the
/// working sizes (`barcode` false: the zone only).
pub async fn read_photo_doc(photo: &Blob, barcode: bool) -> Read {
    let bitmap = bitmap(photo).await.ok_or("unreadable_image")?;
    if barcode {
        if let Some(doc) = detect(&bitmap).await {
            bitmap.close();
            return Ok(Found::whole(doc));
        }
    }
    let (w, h) = (bitmap.width(), bitmap.height());
    let mut read = Err(if barcode { "no_document" } else { "no_mrz" });
    for (i, side) in SIDES.into_iter().enumerate() {
        let k = (f64::from(side) / f64::from(w.max(h))).min(1.0);
        let (cw, ch) = (((f64::from(w) * k) as u32).max(1), ((f64::from(h) * k) as u32).max(1));
        let Some(rgba) = pixels(&bitmap, cw, ch) else { break };
        read = if i == 0 {
            // The first size is the zone recogniser's own working size: the zone and the barcode
            // read there as on the server (`read_document_luma`), or the zone only.
            let luma = crate::luma_from_rgba(&rgba);
            if barcode {
                crate::read_document_luma(&luma, cw, ch, today()).map_err(crate::ReadError::code)
            } else {
                crate::mrz::read_luma(&luma, cw, ch, today()).map(Found::from_mrz).map_err(|_| "no_mrz")
            }
        } else {
            // A larger size: the barcode again (the zone was read at its size).
            match crate::read_rgba(&rgba, cw, ch) {
                Ok(doc) => Ok(Found::whole(doc)),
                Err(crate::ReadError::NotADocument) => Err("not_a_document"),
                Err(_) => read,
            }
        };
        // Found, a barcode that holds no licence, or the zone only: a larger size will not
        // change that.
        if read.is_ok() || read == Err("not_a_document") || !barcode || k >= 1.0 {
            break;
        }
    }
    bitmap.close();
    read
}

/// The browser's own `BarcodeDetector`, where it reads PDF417 (Chrome on Android and macOS,
/// Safari), made for PDF417; `None` where there is none or it does not read PDF417.
pub async fn pdf417_detector() -> Option<JsValue> {
    use js_sys::{Object, Promise, Reflect};
    let ctor: Function = Reflect::get(&js_sys::global(), &"BarcodeDetector".into()).ok()?.dyn_into().ok()?;
    let supported: Function = Reflect::get(&ctor, &"getSupportedFormats".into()).ok()?.dyn_into().ok()?;
    let formats = JsFuture::from(supported.call0(&ctor).ok()?.dyn_into::<Promise>().ok()?).await.ok()?;
    let pdf417 = JsValue::from_str("pdf417");
    if !Array::from(&formats).includes(&pdf417, 0) {
        return None;
    }
    let options = Object::new();
    Reflect::set(&options, &"formats".into(), &Array::of1(&pdf417)).ok()?;
    Reflect::construct(&ctor, &Array::of1(&options)).ok()
}

/// The detector's reading of `source` (a bitmap, a canvas), parsed by the same AAMVA parser;
/// `None` when it found no licence.
pub async fn detect_with(detector: &JsValue, source: &JsValue) -> Option<DocumentData> {
    use js_sys::{Promise, Reflect};
    let detect: Function = Reflect::get(detector, &"detect".into()).ok()?.dyn_into().ok()?;
    let found = JsFuture::from(detect.call1(detector, source).ok()?.dyn_into::<Promise>().ok()?).await.ok()?;
    Array::from(&found).iter().find_map(|code| {
        let raw = Reflect::get(&code, &"rawValue".into()).ok()?.as_string()?;
        kyc_domain::idread::aamva::parse(raw.as_bytes()).ok()
    })
}

/// The browser's detector tried first on a photo.
async fn detect(bitmap: &ImageBitmap) -> Option<DocumentData> {
    detect_with(&pdf417_detector().await?, bitmap).await
}

async fn bitmap(photo: &Blob) -> Option<ImageBitmap> {
    let opts = ImageBitmapOptions::new();
    opts.set_image_orientation(web_sys::ImageOrientation::FromImage);
    let promise = web_sys::window()?.create_image_bitmap_with_blob_and_image_bitmap_options(photo, &opts).ok()?;
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

/// The bitmap drawn at `w × h`: its RGBA.
fn pixels(bitmap: &ImageBitmap, w: u32, h: u32) -> Option<Vec<u8>> {
    let canvas: HtmlCanvasElement = document()?.create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(w);
    canvas.set_height(h);
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"willReadFrequently".into(), &true.into());
    let ctx: CanvasRenderingContext2d =
        canvas.get_context_with_context_options("2d", &options).ok()??.dyn_into().ok()?;
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, f64::from(w), f64::from(h)).ok()?;
    Some(ctx.get_image_data(0.0, 0.0, f64::from(w), f64::from(h)).ok()?.data().0)
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

/// The draft, as `[path, value, path, value, …]`, against the last document read: the answer
/// of [`check_answer`], or `null` when no document was read on this page.
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

/// Review's list in `root` (emptied first): the draft (`[path, value, label, …]`) against the
/// last document read. Each strong field that differs, with what the document says and an
/// "Edit" button (an `edit` event to `on_event` with the field's path); a different address as
/// one note (people move). `texts`: the widget's, by name (`scan_*`; English built in).
#[wasm_bindgen(js_name = renderReview)]
pub fn render_review(root: &Element, triples: &Array, texts: &JsValue, on_event: &Function) {
    use crate::scan::{el, fill, text};
    root.set_inner_html("");
    let (Some(doc), Some(document)) = (last().clone(), document()) else { return };
    let t = |k: &str| text(texts, k);
    let mut draft = DraftDto::default();
    let mut labels = Vec::new();
    for i in (0..triples.length()).step_by(3) {
        let Some(field) = triples.get(i).as_string().and_then(|p| Field::from_path(&p)) else { continue };
        draft.set(field, triples.get(i + 1).as_string().unwrap_or_default());
        labels.push((field, triples.get(i + 2).as_string().unwrap_or_default()));
    }
    let label = |f: Field| labels.iter().find(|(x, _)| *x == f).map(|(_, l)| l.clone()).unwrap_or_default();
    let check = kyc_domain::idread::crosscheck::cross_check(&draft, &doc);
    let strong = check.mismatched_strong();
    if !strong.is_empty() {
        el(&document, root, "h3", "kyc-doc-check-title", &t("scan_check_title"));
        let list = el(&document, root, "ul", "kyc-doc-check", "");
        for f in strong {
            let li = el(&document, &list, "li", "", "");
            let _ = li.set_attribute("data-field", f.path());
            let _ = li.set_attribute("data-code", "differs_from_document");
            el(&document, &li, "strong", "", &label(f));
            let says = fill(&t("scan_id_says"), &doc.document_value(f).unwrap_or_default());
            el(&document, &li, "span", "", &format!(" {says} "));
            let edit = el(&document, &li, "button", "kyc-link", &t("scan_edit"));
            let _ = edit.set_attribute("type", "button");
            let _ = edit.set_attribute("aria-label", &format!("{} {}", t("scan_edit"), label(f)));
            let (on_event, path) = (on_event.clone(), f.path());
            let click = Closure::<dyn Fn()>::new(move || {
                let _ = on_event.call2(
                    &JsValue::NULL,
                    &kyc_domain::capture::CaptureEvent::Edit.as_str().into(),
                    &path.into(),
                );
            });
            // The button's listener lives as long as the button (one per difference shown).
            edit.unchecked_ref::<web_sys::EventTarget>()
                .add_event_listener_with_callback("click", click.into_js_value().unchecked_ref())
                .unwrap_throw();
        }
    }
    let moved: Vec<String> = check.mismatched_informational().into_iter().map(label).collect();
    if !moved.is_empty() {
        el(&document, root, "p", "kyc-hint kyc-doc-check-note", &fill(&t("scan_address_note"), &moved.join(", ")));
    }
}
