//! "Scan your ID" (the first step's panel), in the reader module: loaded only by people who
//! scan, so none of it weighs on the widget or the capture module. A line on what to
//! photograph, "Use camera", "Choose a photo of your ID", and a status line. The camera shows the
//! document and reads a frame every 300 ms: the frame whose barcode decodes, or whose
//! machine-readable zone reads with every check digit holding, is the photo (taken as soon as it
//! reads, no button; a zone that never reads whole — a damaged document — is taken from the best
//! of several frames). A file is read at its working sizes. On success its values go to the
//! widget (a `document` event: the fields filled and marked) and the photo to the capture
//! module's `keep` as that side; the fields a zone holds that were not read with certainty are
//! named for the person to type. On failure the status says why and the person can try again
//! or type.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Reflect};
use kyc_domain::Field;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, Document, Element, HtmlCanvasElement, HtmlInputElement, HtmlVideoElement,
    MediaStream, MediaStreamConstraints, MediaStreamTrack,
};

include!(concat!(env!("OUT_DIR"), "/texts.rs"));

/// A text by name: the widget's (`texts(name)`: the locale's or the host's) when it has one,
/// else English.
pub fn text(texts: &JsValue, key: &str) -> String {
    texts
        .dyn_ref::<Function>()
        .and_then(|f| f.call1(&JsValue::NULL, &key.into()).ok())
        .and_then(|v| v.as_string())
        .filter(|t| !t.is_empty())
        .or_else(|| TEXTS.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned()))
        .unwrap_or_default()
}

/// A message with its one `{…}` argument filled.
pub fn fill(template: &str, value: &str) -> String {
    match (template.find('{'), template.find('}')) {
        (Some(a), Some(b)) if a < b => [&template[..a], value, &template[b + 1..]].concat(),
        _ => template.to_owned(),
    }
}

/// A new element in `parent`, with its class and text.
pub fn el(doc: &Document, parent: &Element, tag: &str, class: &str, content: &str) -> Element {
    let e = doc.create_element(tag).unwrap_throw();
    if !class.is_empty() {
        e.set_class_name(class);
    }
    if !content.is_empty() {
        e.set_text_content(Some(content));
    }
    let _ = parent.append_child(&e);
    e
}

fn attr(e: &Element, name: &str, value: &str) {
    let _ = e.set_attribute(name, value);
}

struct Panel {
    root: Element,
    texts: JsValue,
    on_event: Function,
    photos: JsValue,
    status: Element,
    camera_button: Element,
    camera: Element,
    video: HtmlVideoElement,
    stream: Option<MediaStream>,
    /// The browser's PDF417 `BarcodeDetector`, where there is one: tried first on each frame.
    detector: Option<JsValue>,
    /// The next frame's timer.
    timer: Option<i32>,
    /// A read in progress (the file's or a frame's): the next waits.
    busy: bool,
    /// The camera's best zone read so far whose check digits did not all hold, with its frame,
    /// and how many such frames were seen: after [`PARTIAL_FRAMES`] the best is taken.
    partial: Option<(crate::Found, HtmlCanvasElement)>,
    partial_frames: u32,
    closed: bool,
    /// Every listener and the frame timer's callback, held while the panel lives.
    closures: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    tick: Option<Closure<dyn FnMut()>>,
}

type Shared = Rc<RefCell<Panel>>;

/// Camera frames whose zone read left a field out, seen before the best of them is taken (a
/// damaged document never reads whole; a passing glare often does on the next frame).
const PARTIAL_FRAMES: u32 = 8;

/// The panel in `root` (emptied first); `close()` turns its camera off.
#[wasm_bindgen]
pub struct ScanPanel {
    state: Shared,
}

#[wasm_bindgen]
impl ScanPanel {
    /// The camera off, the panel's listeners gone (the step went away).
    pub fn close(&self) {
        stop(&self.state);
        let mut p = self.state.borrow_mut();
        p.closed = true;
        p.closures.clear();
        p.tick = None;
    }
}

/// Renders the panel: `prefix` makes its ids unique in the page; `texts` are the widget's
/// (`scan_*` by name); `on_event` is the widget's (`document` events); `photos` the capture
/// module's `Photos` (its `keep`).
#[wasm_bindgen(js_name = scanPanel)]
pub fn scan_panel(
    root: &Element,
    prefix: &str,
    texts: JsValue,
    on_event: Function,
    photos: JsValue,
) -> Result<ScanPanel, JsValue> {
    let doc = root.owner_document().ok_or("no document")?;
    root.set_inner_html("");
    let t = |k: &str| text(&texts, k);
    el(&doc, root, "p", "kyc-hint", &t("scan_intro"));
    let camera_button = el(&doc, root, "button", "kyc-button", &t("use_camera"));
    attr(&camera_button, "type", "button");
    let id = format!("{prefix}-scan-file");
    let label = el(&doc, root, "label", "kyc-file-label", &t("scan_file"));
    attr(&label, "for", &id);
    let input = el(&doc, root, "input", "kyc-file", "");
    let status_id = format!("{prefix}-scan-status");
    for (k, v) in [("type", "file"), ("id", &id), ("accept", "image/*"), ("aria-describedby", &status_id)] {
        attr(&input, k, v);
    }
    // Classed `kyc-camera` (which lays the preview out) only while open, as in the photo slots.
    let camera = el(&doc, root, "div", "", "");
    attr(&camera, "hidden", "");
    let video: HtmlVideoElement = el(&doc, &camera, "video", "kyc-video", "").unchecked_into();
    for (k, v) in [("playsinline", ""), ("muted", ""), ("aria-label", &t("scan_aim"))] {
        attr(&video, k, v);
    }
    video.set_muted(true);
    let close = el(&doc, &camera, "button", "kyc-button", &t("close_camera"));
    attr(&close, "type", "button");
    let status = el(&doc, root, "p", "kyc-scan-status", "");
    attr(&status, "id", &status_id);
    attr(&status, "role", "status");
    if web_sys::window().and_then(|w| w.navigator().media_devices().ok()).is_none() {
        attr(&camera_button, "hidden", "");
    }
    let state = Rc::new(RefCell::new(Panel {
        root: root.clone(),
        texts,
        on_event,
        photos,
        status,
        camera_button: camera_button.clone(),
        camera,
        video,
        stream: None,
        detector: None,
        timer: None,
        busy: false,
        partial: None,
        partial_frames: 0,
        closed: false,
        closures: Vec::new(),
        tick: None,
    }));
    listen(&state, &input, "change", |s, e| {
        let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
        if let Some(f) = input.files().and_then(|f| f.get(0)) {
            read_file(s, f.into());
        }
        input.set_value("");
    });
    listen(&state, &camera_button, "click", |s, _| {
        let s = s.clone();
        wasm_bindgen_futures::spawn_local(async move { start(&s).await });
    });
    listen(&state, &close, "click", |s, _| stop(s));
    // The panel lives as long as its element: held by it (the caller may drop what it is given,
    // and a panel freed with the page still showing would leave its listeners dangling).
    let panel = JsValue::from(ScanPanel { state: state.clone() });
    let _ = Reflect::set(root, &"kycScanPanel".into(), &panel);
    Ok(ScanPanel { state })
}

fn listen(s: &Shared, target: &Element, event: &str, action: impl Fn(&Shared, web_sys::Event) + 'static) {
    let weak = Rc::downgrade(s);
    let c = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        if let Some(s) = weak.upgrade() {
            action(&s, e);
        }
    });
    let _ = target.add_event_listener_with_callback(event, c.as_ref().unchecked_ref());
    s.borrow_mut().closures.push(c);
}

/// The status line; an error (with its code) is announced at once.
fn say(s: &Shared, key: &str, arg: Option<&str>, code: Option<&str>) {
    let line = text(&s.borrow().texts, key);
    say_line(s, &arg.map_or_else(|| line.clone(), |a| fill(&line, a)), code);
}

fn say_line(s: &Shared, line: &str, code: Option<&str>) {
    let p = s.borrow();
    p.status.set_text_content(Some(line));
    p.status.set_class_name(if code.is_some() { "kyc-error" } else { "kyc-scan-status" });
    attr(&p.status, "role", if code.is_some() { "alert" } else { "status" });
    let _ = p.status.remove_attribute("data-unfilled");
    match code {
        Some(c) => attr(&p.status, "data-code", c),
        None => {
            let _ = p.status.remove_attribute("data-code");
        }
    }
}

/// The name of a field's label among the widget's texts.
fn label_key(field: Field) -> &'static str {
    match field {
        Field::FirstName => "first_name",
        Field::LastName => "last_name",
        Field::Dob => "date_of_birth",
        Field::DocumentNumber => "document_number",
        Field::ValidUntil => "expiry_date",
        Field::Gender => "gender",
        _ => "nationality",
    }
}

/// A read of `photo` from `source`: its values told to the widget and the photo kept as that
/// side, or why not said. The fields the document holds that could not be read with certainty
/// (an MRZ check digit that fails) are named for the person to type.
fn answered(s: &Shared, read: crate::wasm::Read, photo: &Blob, source: &str) {
    let found = match read {
        Ok(found) if !found.doc.fills().is_empty() => found,
        Ok(_) => return say(s, "scan_failed", None, Some("nothing_read")),
        Err(code) => {
            let key = if code == "not_a_document" { "scan_not_id" } else { "scan_failed" };
            return say(s, key, None, Some(code));
        }
    };
    let (fills, side) = (crate::wasm::fills_event(&found.doc, false), crate::side(&found.doc).as_str());
    crate::wasm::remember(found.doc);
    let texts = s.borrow().texts.clone();
    let mut line = fill(&text(&texts, "scan_filled"), &((fills.length() - 1) / 2).to_string());
    if !found.unfilled.is_empty() {
        let names: Vec<String> = found.unfilled.iter().map(|&f| text(&texts, label_key(f))).collect();
        line = format!("{line} {}", fill(&text(&texts, "scan_unsure"), &names.join(", ")));
    }
    say_line(s, &line, None);
    if !found.unfilled.is_empty() {
        let paths: Vec<&str> = found.unfilled.iter().map(|f| f.path()).collect();
        attr(&s.borrow().status, "data-unfilled", &paths.join(" "));
    }
    let (on_event, photos) = {
        let p = s.borrow();
        (p.on_event.clone(), p.photos.clone())
    };
    let _ = on_event.call2(&JsValue::NULL, &kyc_domain::capture::CaptureEvent::Document.as_str().into(), &fills);
    if let Ok(keep) = Reflect::get(&photos, &"keep".into()).and_then(JsCast::dyn_into::<Function>) {
        let _ = keep.call3(&photos, &side.into(), photo, &source.into());
    }
}

fn read_file(s: &Shared, photo: Blob) {
    if std::mem::replace(&mut s.borrow_mut().busy, true) {
        return;
    }
    say(s, "scan_reading", None, None);
    let s = s.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let read = crate::wasm::read_photo_doc(&photo, true).await;
        s.borrow_mut().busy = false;
        answered(&s, read, &photo, "file");
    });
}

/// The camera on (the back camera where there is one), the frames read.
async fn start(s: &Shared) {
    if s.borrow().stream.is_some() {
        return;
    }
    let Some(devices) = web_sys::window().and_then(|w| w.navigator().media_devices().ok()) else { return };
    let constraints = MediaStreamConstraints::new();
    let video = js_sys::JSON::parse(r#"{"facingMode":"environment","width":{"ideal":1920},"height":{"ideal":1080}}"#)
        .unwrap_or(JsValue::TRUE);
    constraints.set_video(&video);
    let stream = match devices.get_user_media_with_constraints(&constraints) {
        Ok(p) => JsFuture::from(p).await,
        Err(e) => Err(e),
    };
    let stream: MediaStream = match stream {
        Ok(m) => m.unchecked_into(),
        Err(e) => {
            let name = Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
            return say(s, "scan_camera_failed", None, Some(if name.is_empty() { "camera_failed" } else { &name }));
        }
    };
    if s.borrow().closed {
        stop_tracks(&stream);
        return;
    }
    {
        let p = s.borrow();
        p.video.set_src_object(Some(&stream));
        let _ = p.video.play();
        let _ = p.camera.remove_attribute("hidden");
        p.camera.set_class_name("kyc-camera");
        attr(&p.camera_button, "hidden", "");
    }
    s.borrow_mut().stream = Some(stream);
    s.borrow_mut().detector = crate::wasm::pdf417_detector().await;
    say(s, "scan_aim", None, None);
    let weak = Rc::downgrade(s);
    let tick = Closure::<dyn FnMut()>::new(move || {
        if let Some(s) = weak.upgrade() {
            frame(&s);
        }
    });
    s.borrow_mut().tick = Some(tick);
    next_frame(s);
}

fn next_frame(s: &Shared) {
    let mut p = s.borrow_mut();
    if p.stream.is_none() || p.closed {
        return;
    }
    let Some(cb) = p.tick.as_ref().map(|t| t.as_ref().unchecked_ref::<Function>().clone()) else { return };
    p.timer = web_sys::window().and_then(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(&cb, 300).ok());
}

/// One frame read; the one that holds the document is the photo.
fn frame(s: &Shared) {
    let (video, busy, gone) = {
        let p = s.borrow();
        (p.video.clone(), p.busy, !p.root.is_connected())
    };
    if gone {
        // The step went away: the camera off.
        return stop(s);
    }
    let (w, h) = (video.video_width(), video.video_height());
    if busy || w == 0 || h == 0 {
        return next_frame(s);
    }
    let Some((canvas, rgba)) = grab(&video, w, h) else { return next_frame(s) };
    s.borrow_mut().busy = true;
    let detector = s.borrow().detector.clone();
    let s = s.clone();
    wasm_bindgen_futures::spawn_local(async move {
        // The browser's detector first, where there is one; else (or when it found nothing)
        // rxing; else the machine-readable zone.
        let found = match &detector {
            Some(d) => crate::wasm::detect_with(d, &canvas).await,
            None => None,
        };
        let read = match found {
            Some(doc) => Ok(crate::Found::whole(doc)),
            // The frame's luma made once for both readers.
            None => {
                let luma = crate::luma_from_rgba(&rgba);
                match crate::read_luma(&luma, w, h) {
                    Ok(doc) => Ok(crate::Found::whole(doc)),
                    Err(crate::ReadError::NotADocument) => Err("not_a_document"),
                    Err(_) => crate::mrz::read_luma(&luma, w, h, crate::wasm::today())
                        .map(crate::Found::from_mrz)
                        .map_err(crate::ReadError::code),
                }
            }
        };
        let (found, canvas) = match read {
            // Every check digit held (or a barcode): this frame is the photo.
            Ok(found) if found.unfilled.is_empty() => (found, canvas),
            // A zone read with a field left out: kept if the best so far, and the next frame
            // tried, until enough frames were seen.
            Ok(found) => {
                let mut p = s.borrow_mut();
                p.partial_frames += 1;
                let better = p.partial.as_ref().is_none_or(|(b, _)| found.doc.fills().len() > b.doc.fills().len());
                if better {
                    p.partial = Some((found, canvas));
                }
                if p.partial_frames < PARTIAL_FRAMES {
                    p.busy = false;
                    drop(p);
                    return next_frame(&s);
                }
                p.partial_frames = 0;
                match p.partial.take() {
                    Some(best) => best,
                    None => return,
                }
            }
            Err(code) => {
                s.borrow_mut().busy = false;
                // A frame without a readable document is the normal case: the next one is tried.
                if code == "not_a_document" {
                    say(&s, "scan_not_id", None, Some(code));
                }
                return next_frame(&s);
            }
        };
        let photo = jpeg(&canvas).await;
        stop(&s);
        {
            let mut p = s.borrow_mut();
            p.busy = false;
            p.partial = None;
            p.partial_frames = 0;
        }
        match photo {
            Some(p) => answered(&s, Ok(found), &p, "camera"),
            None => say(&s, "scan_failed", None, Some("no_photo")),
        }
    });
}

/// The video's current frame on a canvas, and its RGBA.
fn grab(video: &HtmlVideoElement, w: u32, h: u32) -> Option<(HtmlCanvasElement, Vec<u8>)> {
    let doc = web_sys::window()?.document()?;
    let canvas: HtmlCanvasElement = doc.create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(w);
    canvas.set_height(h);
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"willReadFrequently".into(), &true.into());
    let ctx: CanvasRenderingContext2d =
        canvas.get_context_with_context_options("2d", &options).ok()??.dyn_into().ok()?;
    ctx.draw_image_with_html_video_element(video, 0.0, 0.0).ok()?;
    let data = ctx.get_image_data(0.0, 0.0, f64::from(w), f64::from(h)).ok()?.data().0;
    Some((canvas, data))
}

/// The canvas as a JPEG.
async fn jpeg(canvas: &HtmlCanvasElement) -> Option<Blob> {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let cb = Closure::once_into_js(move |b: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &b);
        });
        let _ = canvas.to_blob_with_type_and_encoder_options(cb.unchecked_ref(), "image/jpeg", &JsValue::from(0.92));
    });
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

fn stop_tracks(stream: &MediaStream) {
    for t in stream.get_tracks().iter() {
        t.unchecked_into::<MediaStreamTrack>().stop();
    }
}

/// The camera off; "Use camera" back.
fn stop(s: &Shared) {
    let mut p = s.borrow_mut();
    if let Some(id) = p.timer.take() {
        if let Some(w) = web_sys::window() {
            w.clear_timeout_with_handle(id);
        }
    }
    if let Some(stream) = p.stream.take() {
        stop_tracks(&stream);
    }
    p.video.set_src_object(None);
    p.camera.set_class_name("");
    attr(&p.camera, "hidden", "");
    let _ = p.camera_button.remove_attribute("hidden");
}
