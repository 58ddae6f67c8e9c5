//! The photo slots — front of ID, back of ID (optional), face — for the desktop's Photos step
//! and for phone mode, in the lazily loaded module (plain DOM), so none of it weighs on the
//! widget's first load. Each slot takes a file, or a photo from guided live capture where a
//! camera exists (on a touch device without one, a `capture` input opens the camera app);
//! every photo goes through the cleaning pipeline ([`crate::clean`]), shows its preview, and is
//! staged on the backend at once with progress (the server decodes one photo of a session at a
//! time; a `429` is sent again by [`crate::transfer::upload`]).
//!
//! The desktop's photos outlive its Photos step: the widget keeps one [`Photos`] per instance,
//! [`Photos::attach`]es it to the step's element each time the step shows and
//! [`Photos::detach`]es it when the step goes (every camera is turned off then). A photo whose
//! staging failed is kept and sent again by [`Photos::flush`] (the widget's Submit).

use js_sys::{Array, Function, Object, Promise, Reflect};
use kyc_domain::capture::{CaptureEvent, PhotoStage as Stage};
use kyc_domain::quality::Shape;
use kyc_domain::DocumentKind;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, Document, Element, HtmlInputElement};

use crate::camera::{Camera, Shot};
use crate::dom::{attr, el, prop, text, Listener};
use crate::texts::{fill, tr};

/// The slot of a kind (slots are in [`DocumentKind::ALL`]'s order).
pub fn slot(kind: DocumentKind) -> usize {
    DocumentKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

/// The text naming a kind's slot (its field's label in the widget).
fn name_key(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::IdFront => "front_of_id",
        DocumentKind::IdBack => "back_of_id",
        DocumentKind::Face => "face",
    }
}

/// A slot's photo (kept while the step is away).
pub(crate) struct Item {
    pub(crate) stage: Stage,
    /// The preview's object URL.
    url: Option<String>,
    /// The cleaned photo and its headers, kept until it is staged.
    blob: Option<Blob>,
    headers: JsValue,
    blurry: bool,
    /// The last status line, and whether it is an error (`data-code` when it has one).
    line: String,
    code: Option<String>,
}

/// A slot's elements while attached.
struct View {
    /// The preview's text alternative and the blur warning (set only while they apply).
    alt: String,
    blurry: String,
    set: Element,
    input: Element,
    preview: Element,
    warning: Element,
    status: Element,
    error: Element,
    camera_button: Element,
    camera: Element,
    capture: Option<Camera>,
    /// The phone's own camera app (a `capture` file input and its button's look): offered on a
    /// touch device without a camera the page can use, and whenever the camera fails.
    camera_app: [Element; 2],
    /// The camera app's words ("Take a photo", or "Use the camera app" beside the camera).
    app_text: Element,
    /// The ways of taking a photo, shown while the slot has none; "Retake" once it has one.
    choices: Element,
    retake: Element,
}

pub(crate) struct Page {
    /// `{base}{path}{kind}` is where a photo is staged (and read back for a preview).
    base: String,
    path: &'static str,
    pub(crate) token: String,
    prefix: String,
    pub(crate) texts: JsValue,
    /// `describe(code, params)` → the widget's text for a rulebook verdict.
    describe: Function,
    /// The widget's `onEvent`: told [`CaptureEvent::Photos`] with the stage of each kind on
    /// every change, and [`CaptureEvent::Done`] when the phone is done.
    on_event: Option<Function>,
    pub(crate) items: Vec<Item>,
    views: Vec<View>,
    pub(crate) doc: Option<Document>,
    /// Called when a slot changes (phone mode's "I'm done").
    pub(crate) on_change: Option<OnChange>,
    handoff_url: String,
    handoff: Option<crate::handoff::Handoff>,
    handoff_host: Option<Element>,
    listeners: Vec<Listener>,
    /// `onPhoto(kind, photo)`: told each photo kept (the widget has a back of ID read).
    on_photo: Option<Function>,
    /// The next photo kept was read already ("Scan your ID").
    read_already: bool,
    /// `ios`, `android` or `desktop` (how to allow a refused camera again).
    os: String,
    /// Inside another app: the camera app is offered beside "Take a photo" from the start.
    embedded: bool,
    /// A phone ([`is_phone`]): the handoff is offered as "Use another device".
    phone: bool,
}

pub(crate) type Shared = Rc<RefCell<Page>>;

/// What phone mode does when a slot changes.
pub(crate) type OnChange = Rc<dyn Fn(&Shared)>;

pub(crate) fn t(s: &Shared, k: &str) -> String {
    tr(&s.borrow().texts, k)
}

/// Tells the widget's diagnostics trace `kind` / `code` (`CaptureEvent::Trace`).
#[inline(never)]
fn trace(s: &Shared, kind: &str, code: &str) {
    let f = s.borrow().on_event.clone();
    if let Some(f) = f {
        let _ = f.call2(&JsValue::NULL, &CaptureEvent::Trace.as_str().into(), &Array::of2(&kind.into(), &code.into()));
    }
}

impl Page {
    pub(crate) fn new(
        base: String,
        path: &'static str,
        token: String,
        prefix: String,
        texts: JsValue,
        describe: Function,
    ) -> Self {
        let empty = || Item {
            stage: Stage::Empty,
            url: None,
            blob: None,
            headers: JsValue::UNDEFINED,
            blurry: false,
            line: String::new(),
            code: None,
        };
        Self {
            base,
            path,
            token,
            prefix,
            texts,
            describe,
            on_event: None,
            items: vec![empty(), empty(), empty()],
            views: Vec::new(),
            doc: None,
            on_change: None,
            handoff_url: String::new(),
            handoff: None,
            handoff_host: None,
            listeners: Vec::new(),
            on_photo: None,
            read_already: false,
            os: String::new(),
            embedded: false,
            phone: false,
        }
    }

    fn url(&self, kind: DocumentKind) -> String {
        format!("{}{}{}", self.base.trim_end_matches('/'), self.path, kind.as_str())
    }

    /// `path` on the backend.
    pub(crate) fn base_url(&self, path: &str) -> String {
        format!("{}{path}", self.base.trim_end_matches('/'))
    }

    /// Turns every camera off and forgets the elements (the photos stay).
    fn unview(&mut self) {
        for v in &mut self.views {
            if let Some(c) = v.capture.take() {
                c.close();
            }
        }
        self.views.clear();
        if let Some(h) = self.handoff.take() {
            h.close();
        }
        self.handoff_host = None;
        self.listeners.clear();
    }
}

/// Shows slot `i`'s photo and status on its elements (when attached).
#[inline(never)]
fn show(s: &Shared, i: usize) {
    let st = s.borrow();
    let (Some(v), item) = (st.views.get(i), &st.items[i]) else { return };
    // A photo kept: its preview and "Retake" in place of the ways of taking one (and the other
    // way round), the focus following when it was on what goes (not dropped on the page).
    let (gone, shown) = if item.url.is_some() { (&v.choices, &v.retake) } else { (&v.retake, &v.choices) };
    if !gone.has_attribute("hidden") {
        let had = st.doc.as_ref().and_then(Document::active_element).is_some_and(|a| gone.contains(Some(&a)));
        attr(gone, "hidden", "");
        let _ = shown.remove_attribute("hidden");
        if had {
            let to = if item.url.is_some() { Some(v.retake.clone()) } else { first_way(&v.choices) };
            if let Some(e) = to.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = e.focus();
            }
        }
    }
    match &item.url {
        Some(u) => {
            attr(&v.preview, "src", u);
            attr(&v.preview, "alt", &v.alt);
            let _ = v.preview.remove_attribute("hidden");
        }
        None => {
            let _ = v.preview.remove_attribute("src");
            attr(&v.preview, "alt", "");
            attr(&v.preview, "hidden", "");
        }
    }
    // The blur warning exists only while it applies.
    if item.blurry && item.url.is_some() {
        v.warning.set_class_name("kyc-warning");
        v.warning.set_text_content(Some(&v.blurry));
        let _ = v.warning.remove_attribute("hidden");
    } else {
        v.warning.set_class_name("");
        v.warning.set_text_content(None);
        attr(&v.warning, "hidden", "");
    }
    v.status.set_text_content(Some(&item.line));
    match &item.code {
        Some(code) => {
            v.status.set_class_name("kyc-error");
            attr(&v.status, "data-code", code);
            attr(&v.status, "data-field", &format!("documents.{}", DocumentKind::ALL[i].as_str()));
        }
        None => {
            v.status.set_class_name(if item.stage == Stage::Staged {
                "kyc-photo-status kyc-ok"
            } else {
                "kyc-photo-status"
            });
            let _ = v.status.remove_attribute("data-code");
            let _ = v.status.remove_attribute("data-field");
        }
    }
}

/// A change of slot `i`: shown, and told to whoever listens.
#[inline(never)]
fn changed(s: &Shared, i: usize) {
    show(s, i);
    let (f, stages) = {
        let st = s.borrow();
        (st.on_event.clone(), st.items.iter().map(|it| JsValue::from(it.stage.as_str())).collect::<Array>())
    };
    if let Some(f) = f {
        let _ = f.call2(&JsValue::NULL, &CaptureEvent::Photos.as_str().into(), &stages);
    }
    let outcome = {
        let item = &s.borrow().items[i];
        match (&item.code, item.stage) {
            (Some(code), _) => Some(code.clone()),
            (None, Stage::Staged) => Some("uploaded".to_owned()),
            _ => None,
        }
    };
    if let Some(code) = outcome {
        trace(s, "photo", &code);
    }
    let hook = s.borrow().on_change.clone();
    if let Some(h) = hook {
        h(s);
    }
}

fn set_line(s: &Shared, i: usize, stage: Stage, key_or_text: &str, is_key: bool, code: Option<String>) {
    let line = if is_key { t(s, key_or_text) } else { key_or_text.to_owned() };
    {
        let mut st = s.borrow_mut();
        let item = &mut st.items[i];
        item.stage = stage;
        item.line = line;
        item.code = code;
    }
    changed(s, i);
}

/// A refusal `{code, params}` (the rulebook's, here or on the server) in the widget's words.
#[inline(never)]
fn refuse(s: &Shared, i: usize, e: &JsValue) {
    let d = s.borrow().describe.clone();
    let code = prop(e, "code").as_string();
    // A HEIC photo this browser cannot open: how to send it as a JPEG instead.
    let heic = prop(&prop(e, "params"), "heic").is_truthy().then(|| t(s, "heic_unsupported"));
    let msg = heic
        .or_else(|| {
            code.as_ref().and_then(|c| d.call2(&JsValue::NULL, &c.into(), &prop(e, "params")).ok()?.as_string())
        })
        .unwrap_or_else(|| t(s, "upload_failed"));
    forget(s, i);
    set_line(s, i, Stage::Empty, &msg, false, Some(code.unwrap_or_else(|| "upload_failed".into())));
}

/// Drops slot `i`'s photo (its preview URL freed).
fn forget(s: &Shared, i: usize) {
    let mut st = s.borrow_mut();
    let item = &mut st.items[i];
    if let Some(u) = item.url.take() {
        let _ = web_sys::Url::revoke_object_url(&u);
    }
    item.blob = None;
    item.blurry = false;
}

/// Sends slot `i`'s kept photo; resolves to `None` when it is staged, else why not (a code,
/// or the server's error body when its rulebook refused the photo).
async fn send(s: &Shared, i: usize) -> Option<JsValue> {
    let (url, token, blob, headers, uploading) = {
        let st = s.borrow();
        let it = &st.items[i];
        (
            st.url(DocumentKind::ALL[i]),
            st.token.clone(),
            it.blob.clone()?,
            it.headers.clone(),
            tr(&st.texts, "uploading"),
        )
    };
    set_line(s, i, Stage::Sending, &fill(&uploading, "0"), false, None);
    let weak = Rc::downgrade(s);
    let progress = Closure::<dyn Fn(f64)>::new(move |pct: f64| {
        let Some(s) = weak.upgrade() else { return };
        // Whole percents (float formatting would add ~15 KB to the module).
        s.borrow_mut().items[i].line = fill(&uploading, &(pct as u32).to_string());
        show(&s, i);
    })
    .into_js_value();
    let answer = crate::transfer::upload(&url, &token, &blob, &headers, progress.unchecked_ref()).await;
    let status = answer.status;
    if status == 204 {
        s.borrow_mut().items[i].blob = None;
        set_line(s, i, Stage::Staged, "uploaded", true, None);
        return None;
    }
    if let Some(refusal) = crate::transfer::ApiError::of(&answer.body).first_field().filter(|_| status == 422) {
        // The server's rulebook refused it: its verdict, in the widget's words.
        refuse(s, i, &refusal);
        return Some(answer.body);
    }
    let code = match status {
        0 => "network_error",
        401 => "session_expired",
        _ => "upload_failed",
    };
    set_line(s, i, Stage::Failed, "upload_failed", true, None);
    Some(code.into())
}

/// A photo chosen or taken: cleaned, previewed, staged with progress.
#[inline(never)]
pub(crate) fn accept(s: &Shared, i: usize, file: Blob, source: &'static str) {
    let s = s.clone();
    let cleaning = crate::clean::clean(file);
    wasm_bindgen_futures::spawn_local(async move {
        forget(&s, i);
        set_line(&s, i, Stage::Busy, "processing", true, None);
        let cleaned = match cleaning.await {
            Ok(c) => c,
            Err(e) => return refuse(&s, i, &e),
        };
        let blob: Blob = prop(&cleaned, "blob").unchecked_into();
        let headers = Object::new();
        let _ = Reflect::set(&headers, &"X-Photo-Source".into(), &source.into());
        if let Some(m) = prop(&cleaned, "metrics").as_string() {
            let _ = Reflect::set(&headers, &"X-Photo-Metrics".into(), &m.into());
        }
        let read_already = std::mem::take(&mut s.borrow_mut().read_already);
        {
            let mut st = s.borrow_mut();
            let item = &mut st.items[i];
            item.url = web_sys::Url::create_object_url_with_blob(&blob).ok();
            item.blurry = prop(&cleaned, "blurry").as_bool().unwrap_or(false);
            item.blob = Some(blob.clone());
            item.headers = headers.into();
        }
        if !read_already {
            told(&s, i, &blob);
        }
        send(&s, i).await;
    });
}

/// Slot `i` is on the backend already (its preview is not fetched: phone mode shows none).
pub(crate) fn set_staged(s: &Shared, i: usize) {
    set_line(s, i, Stage::Staged, "uploaded", true, None);
}

/// A staged photo (a reload, or the phone's): its preview fetched from the backend.
async fn fetch_preview(s: &Shared, i: usize) {
    let (url, token) = {
        let st = s.borrow();
        (st.url(DocumentKind::ALL[i]), st.token.clone())
    };
    let blob = crate::transfer::fetch_blob(&url, &token).await;
    forget(s, i);
    if let Some(b) = blob {
        s.borrow_mut().items[i].url = web_sys::Url::create_object_url_with_blob(&b).ok();
        told(s, i, &b);
    }
    set_line(s, i, Stage::Staged, "uploaded", true, None);
}

/// Tells `onPhoto(kind, photo)` of a photo kept (a file, the camera, the phone, or a reload's
/// staged one): the widget has a back of ID read by the reader module, what it holds filling the
/// fields still empty.
fn told(s: &Shared, i: usize, photo: &Blob) {
    let hook = s.borrow().on_photo.clone();
    if let Some(f) = hook {
        let _ = f.call2(&JsValue::NULL, &DocumentKind::ALL[i].as_str().into(), photo);
    }
}

/// Guided capture in slot `i`: "Take a photo" gives way to the preview and "Close camera".
#[inline(never)]
fn open_camera(s: &Shared, i: usize, shape: Shape) {
    let (doc, host, button) = {
        let st = s.borrow();
        let Some(v) = st.views.get(i) else { return };
        if v.capture.is_some() {
            return;
        }
        (st.doc.clone(), v.camera.clone(), v.camera_button.clone())
    };
    let Some(doc) = doc else { return };
    trace(s, "camera", "asked");
    host.set_inner_html("");
    let _ = host.remove_attribute("hidden");
    host.set_class_name("kyc-camera");
    attr(&button, "hidden", "");
    attr(&host, "data-shape", shape.as_str());
    let live = el(&doc, &host, "div", "kyc-camera-live", None);
    let close = el(&doc, &host, "button", "kyc-button", Some(&t(s, "close_camera")));
    attr(&close, "type", "button");
    listen(s, &close, "click", move |s, _| close_camera(s, i));
    let weak = Rc::downgrade(s);
    let on_event = Rc::new(move |shot: Shot| {
        let Some(s) = weak.upgrade() else { return };
        match shot {
            Shot::Photo(blob) => {
                // The camera calls this from inside itself: it is closed once that call returned.
                wasm_bindgen_futures::spawn_local({
                    let s = s.clone();
                    async move { close_camera(&s, i) }
                });
                trace(&s, "camera", "captured");
                accept(&s, i, blob.unchecked_into(), "camera");
            }
            Shot::Failed(key) => failed(&s, i, key),
        }
    });
    let texts = s.borrow().texts.clone();
    if let Ok(c) = crate::camera::open(live, shape, texts, on_event) {
        if let Some(v) = s.borrow_mut().views.get_mut(i) {
            v.capture = Some(c);
        }
    }
}

/// The camera of slot `i` could not start: why (`key`), above its slot, and the ways forward
/// beside it: the phone's camera app (works in most WebViews and in-app browsers, which refuse
/// the page a camera) and the file input — both in the slot, the camera app now shown in place
/// of the guided camera's "Take a photo". The broken preview goes.
fn failed(s: &Shared, i: usize, key: &str) {
    let code = match key {
        "camera_denied" => "denied",
        "camera_missing" => "no_camera",
        "camera_busy" => "in_use",
        "camera_never_started" => "never_started",
        "camera_black" => "black_frames",
        _ => "other",
    };
    trace(s, "camera", code);
    let take = t(s, "photo_take");
    let (doc, host) = {
        let mut st = s.borrow_mut();
        let doc = st.doc.clone();
        let Some(v) = st.views.get_mut(i) else { return };
        if let Some(c) = v.capture.take() {
            c.close();
        }
        for e in &v.camera_app {
            let _ = e.remove_attribute("hidden");
        }
        attr(&v.camera_button, "hidden", "");
        // The camera app is now the way to take a photo (and shown even on a slot that has one).
        v.app_text.set_text_content(Some(&take));
        let _ = v.choices.remove_attribute("hidden");
        attr(&v.retake, "hidden", "");
        v.camera.set_inner_html("");
        (doc, Some(v.camera.clone()))
    };
    if let (Some(doc), Some(host)) = (doc, host) {
        let p = doc.create_element("p").unwrap_throw();
        p.set_class_name("kyc-error");
        attr(&p, "role", "alert");
        attr(&p, "data-camera-failure", key);
        // No words of their own yet (each locale file is loaded before the first field): the
        // general failure's, which names the ways forward.
        // A refused camera: how to allow it again where the person is.
        let os = s.borrow().os.clone();
        let text = match (key, os.as_str()) {
            ("camera_never_started" | "camera_black", _) => "camera_failed",
            ("camera_denied", "ios") => "camera_denied_ios",
            ("camera_denied", "android") => "camera_denied_android",
            (k, _) => k,
        };
        p.set_text_content(Some(&t(s, text)));
        let _ = host.prepend_with_node_1(&p);
    }
}

fn close_camera(s: &Shared, i: usize) {
    let mut st = s.borrow_mut();
    let Some(v) = st.views.get_mut(i) else { return };
    if let Some(c) = v.capture.take() {
        c.close();
    }
    v.camera.set_inner_html("");
    v.camera.set_class_name("");
    attr(&v.camera, "hidden", "");
    let _ = v.camera_button.remove_attribute("hidden");
}

/// `action(page, event)` on `event` of `target`, for as long as the view lives.
fn listen(s: &Shared, target: &Element, event: &'static str, action: impl Fn(&Shared, web_sys::Event) + 'static) {
    let weak = Rc::downgrade(s);
    let listener = Listener::new(target, event, move |e| {
        if let Some(s) = weak.upgrade() {
            action(&s, e);
        }
    });
    s.borrow_mut().listeners.push(listener);
}

/// Whether this is a phone (a phone's platform, inside another app, a finger for a pointer, or a
/// phone-sized screen): "Take a photo" comes first there, and the handoff is only "Use another
/// device".
fn is_phone(s: &Shared) -> bool {
    let st = s.borrow();
    matches!(st.os.as_str(), "ios" | "android")
        || st.embedded
        || media("(pointer: coarse)")
        || media("(max-width: 480px)")
}

fn media(query: &str) -> bool {
    web_sys::window().and_then(|w| w.match_media(query).ok().flatten()).is_some_and(|m| m.matches())
}

/// How a part of a drawing is painted (SVG attributes from `currentColor`, the theme's primary
/// colour set by the CSS: no colours in the widget's first-load stylesheet for them).
#[derive(Clone, Copy)]
enum Paint {
    /// The document's body, lightly tinted.
    Body,
    /// The portrait's box.
    Photo,
    /// Solid shapes (the portrait, the barcode).
    Ink,
    /// Printed lines.
    Line,
    /// The passport's two machine-readable lines.
    Mrz,
    /// The camera's oval guide for the face.
    Guide,
}

impl Paint {
    fn attrs(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Body => &[("fill", "currentColor"), ("fill-opacity", ".1")],
            Self::Photo => &[("fill", "currentColor"), ("fill-opacity", ".15"), ("stroke-width", "1.2")],
            Self::Ink => &[("fill", "currentColor"), ("stroke", "none")],
            Self::Line => &[("stroke-width", "2"), ("stroke-opacity", ".6")],
            Self::Mrz => &[
                ("stroke-width", "2"),
                ("stroke-opacity", ".6"),
                ("stroke-dasharray", "1.5 1.5"),
                ("stroke-linecap", "butt"),
            ],
            Self::Guide => &[("fill", "currentColor"), ("fill-opacity", ".1"), ("stroke-dasharray", "3 2")],
        }
    }
}

/// A card outline (ID cards: 85.6 × 54 mm), for [`art`].
const CARD: (Paint, &str) = (Paint::Body, "M7 3h50a5 5 0 0 1 5 5v28a5 5 0 0 1-5 5H7a5 5 0 0 1-5-5V8a5 5 0 0 1 5-5z");

/// A small drawing of what to photograph in slot `kind` (decoration: the slot's name says it).
/// Inline SVG paths, a few hundred bytes in all: no image files to fetch or to allow by CSP.
fn art(doc: &Document, parent: &Element, kind: DocumentKind, shape: Shape) {
    let svg = el(doc, parent, "svg", "kyc-photo-art", None);
    for (k, v) in [
        ("viewBox", "0 0 64 44"),
        ("width", "64"),
        ("height", "44"),
        ("aria-hidden", "true"),
        ("fill", "none"),
        ("stroke", "currentColor"),
        ("stroke-width", "1.5"),
        ("stroke-linecap", "round"),
    ] {
        attr(&svg, k, v);
    }
    let name = match (kind, shape) {
        (DocumentKind::Face, _) => "face",
        (DocumentKind::IdFront, Shape::Passport) => "passport",
        (DocumentKind::IdFront, _) => "card_front",
        (DocumentKind::IdBack, _) => "card_back",
    };
    // What it shows, for tests and a host's CSS.
    attr(&svg, "data-art", name);
    let parts: &[(Paint, &str)] = match (kind, shape) {
        // A face inside the camera's oval guide.
        (DocumentKind::Face, _) => &[
            (Paint::Guide, "M20 19a12 15 0 1 0 24 0a12 15 0 1 0-24 0z"),
            (Paint::Line, "M27.5 17h1M35.5 17h1M28 25c2.4 2 5.6 2 8 0M12 43c2-5 8.5-8 20-8s18 3 20 8"),
        ],
        // A passport's data page: the portrait, the printed lines, the two machine-readable lines.
        (DocumentKind::IdFront, Shape::Passport) => &[
            (Paint::Body, "M5 3h54a3 3 0 0 1 3 3v32a3 3 0 0 1-3 3H5a3 3 0 0 1-3-3V6a3 3 0 0 1 3-3z"),
            (Paint::Photo, "M7 8h14v18H7z"),
            (Paint::Ink, "M10.5 14a3.5 3.5 0 1 0 7 0a3.5 3.5 0 1 0-7 0zM9 26c0-4 2.2-6 5-6s5 2 5 6z"),
            (Paint::Line, "M25 9h30M25 14h24M25 19h28M25 24h18"),
            (Paint::Mrz, "M7 32h50M7 37h50"),
        ],
        // A card's front: the portrait and the printed lines.
        (DocumentKind::IdFront, _) => &[
            CARD,
            (Paint::Photo, "M8 10h16v21H8z"),
            (Paint::Ink, "M12.5 16.5a3.5 3.5 0 1 0 7 0a3.5 3.5 0 1 0-7 0zM10 31c0-4.5 2.7-7 6-7s6 2.5 6 7z"),
            (Paint::Line, "M29 12h26M29 18h20M29 24h24M29 30h14"),
        ],
        // A card's back: a few lines and the barcode.
        (DocumentKind::IdBack, _) => &[
            CARD,
            (Paint::Line, "M8 10h30M8 15h20"),
            (
                Paint::Ink,
                "M8 21h2v14H8zM11.5 21h1v14h-1zM14 21h3v14h-3zM18.5 21h1v14h-1zM21 21h2v14h-2zM25 21h1v14h-1zM27.5 21h3v14h-3zM32 21h1v14h-1zM34.5 21h2v14h-2zM38 21h1v14h-1zM40.5 21h3v14h-3zM45 21h1v14h-1zM47.5 21h2v14h-2zM51 21h1v14h-1zM53 21h3v14h-3z",
            ),
        ],
    };
    for (paint, d) in parts {
        let path = el(doc, &svg, "path", "", None);
        attr(&path, "d", d);
        for (k, v) in paint.attrs() {
            attr(&path, k, v);
        }
    }
}

/// A button's icon (decoration: its text names it).
fn icon(doc: &Document, parent: &Element, d: &str) {
    let svg = el(doc, parent, "svg", "kyc-icon", None);
    for (k, v) in [
        ("viewBox", "0 0 24 24"),
        ("width", "20"),
        ("height", "20"),
        ("aria-hidden", "true"),
        ("fill", "none"),
        ("stroke", "currentColor"),
        ("stroke-width", "2"),
        ("stroke-linecap", "round"),
        ("stroke-linejoin", "round"),
    ] {
        attr(&svg, k, v);
    }
    attr(&el(doc, &svg, "path", "", None), "d", d);
}

const CAMERA_ICON: &str = "M4 8h3l2-3h6l2 3h3a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V9a1 1 0 0 1 1-1zM8.5 14a3.5 3.5 0 1 0 7 0a3.5 3.5 0 1 0-7 0z";
const UPLOAD_ICON: &str = "M12 16V4M7 9l5-5 5 5M4 15v4a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-4";
const AGAIN_ICON: &str = "M20 12a8 8 0 1 1-2.34-5.66M20 4v5h-5";

/// A file input that looks like a button: the input lies over the button's look (transparent),
/// so a tap anywhere on it is a tap on the input itself, and the input is named by the visible
/// text (`{id}-text`) and by `also` (element ids). Returns the wrapper, the input and the text.
fn pick(doc: &Document, parent: &Element, class: &str, id: &str, text: &str, art: &str, also: &str) -> [Element; 3] {
    let wrap = el(doc, parent, "div", class, None);
    icon(doc, &wrap, art);
    let words = el(doc, &wrap, "span", "", Some(text));
    attr(&words, "id", &format!("{id}-text"));
    attr(&words, "aria-hidden", "true");
    let input = el(doc, &wrap, "input", "", None);
    for (k, v) in [
        ("type", "file"),
        ("id", id),
        ("accept", "image/jpeg,image/png,image/webp,image/heic"),
        ("aria-labelledby", &format!("{id}-text{also}")),
    ] {
        attr(&input, k, v);
    }
    [wrap, input, words]
}

/// The three slots inside `parent`; `shape`: the outline for the ID (card or passport). Each is
/// a card: a drawing of what to photograph and the slot's name; "Take a photo" (the guided
/// camera where the page can use one, else on a touch device the phone's camera app) and
/// "Upload a photo" (the file input), the take first on a phone, the upload first elsewhere; and
/// once a photo is kept, its preview with "Retake" in their place.
#[inline(never)]
pub(crate) fn render(s: &Shared, doc: &Document, parent: &Element, shape: Shape) {
    s.borrow_mut().unview();
    s.borrow_mut().doc = Some(doc.clone());
    let prefix = s.borrow().prefix.clone();
    let touch = media("(pointer: coarse)");
    let phone = is_phone(s);
    s.borrow_mut().phone = phone;
    // Before anyone is asked for the camera: what will happen and what it is for (shown once a
    // camera the page can use is found; the camera is asked for only on "Take a photo").
    let intro = el(doc, parent, "p", "kyc-hint kyc-camera-intro", Some(&t(s, "camera_explain")));
    attr(&intro, "hidden", "");
    for (i, kind) in DocumentKind::ALL.into_iter().enumerate() {
        let name = t(s, name_key(kind));
        let id = format!("{prefix}-documents-{}", kind.as_str());
        let set = el(doc, parent, "fieldset", "kyc-photo", None);
        attr(&set, "data-kind", kind.as_str());
        // The slot's name, once: the group's legend (the upload's name too, by its id).
        let head = el(doc, &set, "legend", "kyc-photo-head", None);
        art(doc, &head, kind, shape);
        let title = el(doc, &head, "span", "kyc-photo-title", None);
        attr(&el(doc, &title, "span", "kyc-label", Some(&name)), "id", &format!("{id}-name"));
        if kind == DocumentKind::IdBack {
            el(doc, &title, "span", "kyc-optional", Some(&format!(" {}", t(s, "optional"))));
        }
        let error = el(doc, &set, "p", "kyc-error", None);
        attr(&error, "id", &format!("{id}-error"));
        attr(&error, "hidden", "");
        // Classed `kyc-camera` while open.
        let camera = el(doc, &set, "div", "", None);
        attr(&camera, "hidden", "");
        let state = el(doc, &set, "div", "kyc-photo-state", None);
        attr(&state, "id", &format!("{id}-status"));
        attr(&state, "aria-live", "polite");
        let preview = el(doc, &state, "img", "kyc-preview", None);
        let warning = el(doc, &state, "p", "", None);
        let status = el(doc, &state, "p", "kyc-photo-status", None);
        let actions = el(doc, &set, "div", "kyc-photo-actions", None);
        let choices = el(doc, &actions, "div", "kyc-photo-choices", None);
        let (take_class, upload_class) = if phone {
            ("kyc-button kyc-button--primary", "kyc-button kyc-pick")
        } else {
            ("kyc-button", "kyc-button kyc-button--primary kyc-pick")
        };
        // Elsewhere than on a phone the upload comes first (its wrapper is moved there below).
        let camera_button = el(doc, &choices, "button", take_class, None);
        icon(doc, &camera_button, CAMERA_ICON);
        camera_button.append_with_str_1(&t(s, "photo_take")).unwrap_throw();
        attr(&camera_button, "type", "button");
        attr(&camera_button, "hidden", "");
        let shape = if kind == DocumentKind::Face { Shape::Face } else { shape };
        listen(s, &camera_button, "click", move |s, _| open_camera(s, i, shape));
        // On a touch device with no camera the page can use, the camera app through `capture`.
        let [app, capture, app_text] = pick(
            doc,
            &choices,
            &format!("{take_class} kyc-pick"),
            &format!("{id}-capture"),
            &t(s, "photo_take"),
            CAMERA_ICON,
            "",
        );
        attr(&capture, "class", "kyc-file--capture");
        attr(&capture, "capture", if kind == DocumentKind::Face { "user" } else { "environment" });
        for e in [&app, &capture] {
            attr(e, "hidden", "");
        }
        let [upload, input, _] =
            pick(doc, &choices, upload_class, &id, &t(s, "photo_upload"), UPLOAD_ICON, &format!(" {id}-name"));
        attr(&input, "class", "kyc-file");
        attr(&input, "aria-describedby", &format!("{id}-error {id}-status"));
        if !phone {
            let _ = choices.prepend_with_node_1(&upload);
        }
        let retake = el(doc, &actions, "button", "kyc-button", None);
        icon(doc, &retake, AGAIN_ICON);
        retake.append_with_str_1(&t(s, "photo_retake")).unwrap_throw();
        attr(&retake, "type", "button");
        attr(&retake, "hidden", "");
        listen(s, &retake, "click", move |s, _| again(s, i));
        for input in [&input, &capture] {
            listen(s, input, "change", move |s, e| {
                let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
                if let Some(f) = input.files().and_then(|f| f.get(0)) {
                    let camera_app = input.has_attribute("capture");
                    trace(
                        s,
                        if camera_app { "way_out" } else { "photo" },
                        if camera_app { "file_input" } else { "chosen" },
                    );
                    accept(s, i, f.into(), "file");
                }
                input.set_value("");
            });
        }
        let (alt, blurry) = (fill(&t(s, "preview_of"), &name), t(s, "blurry"));
        s.borrow_mut().views.push(View {
            alt,
            blurry,
            set,
            input,
            preview,
            warning,
            status,
            error,
            camera_button: camera_button.clone(),
            camera,
            capture: None,
            camera_app: [app.clone(), capture.clone()],
            app_text: app_text.clone(),
            choices,
            retake,
        });
        show(s, i);
        // "Take a photo": the guided camera where a camera exists; else, on a touch device, the
        // camera app (inside another app, whose WebView often refuses the page a camera, both
        // from the start, the camera app then named as such).
        let embedded = s.borrow().embedded;
        let devices = web_sys::window().and_then(|w| w.navigator().media_devices().ok());
        let (intro, app_words) = (intro.clone(), t(s, "photo_camera_app"));
        wasm_bindgen_futures::spawn_local(async move {
            let found = match devices.map(|d| d.enumerate_devices()) {
                Some(Ok(p)) => wasm_bindgen_futures::JsFuture::from(p)
                    .await
                    .ok()
                    .is_some_and(|list| Array::from(&list).iter().any(|d| text(&d, "kind") == "videoinput")),
                _ => false,
            };
            if found {
                let _ = camera_button.remove_attribute("hidden");
                let _ = intro.remove_attribute("hidden");
            }
            if (!found && touch) || embedded {
                if found {
                    app_text.set_text_content(Some(&app_words));
                    attr(&app, "class", "kyc-button kyc-pick");
                }
                let _ = app.remove_attribute("hidden");
                let _ = capture.remove_attribute("hidden");
            }
        });
    }
}

/// "Retake": the slot's first way of taking a photo again (the guided camera, the camera app or
/// the file input, whichever comes first in it now).
fn again(s: &Shared, i: usize) {
    let first = s.borrow().views.get(i).and_then(|v| first_way(&v.choices));
    if let Some(e) = first.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        e.click();
    }
}

/// The first way of taking a photo shown in a slot's `choices`: the guided camera's button, or
/// the file input of the camera app or of the upload (which lies over its button's look).
fn first_way(choices: &Element) -> Option<Element> {
    let mut e = choices.first_element_child();
    while let Some(x) = e.as_ref().filter(|x| x.has_attribute("hidden")) {
        e = x.next_element_sibling();
    }
    e.map(|e| e.query_selector("input").ok().flatten().unwrap_or(e))
}

/// Shows the errors the widget has for the slots (`[[kind, code, message]]`, from Continue or
/// the server) and clears the others.
fn mark(s: &Shared, errors: &JsValue) {
    let list: Vec<JsValue> = errors.clone().dyn_into::<Array>().map(|a| a.iter().collect()).unwrap_or_default();
    let st = s.borrow();
    for (i, v) in st.views.iter().enumerate() {
        let kind = DocumentKind::ALL[i].as_str();
        let found = list.iter().find(|e| Array::from(e).get(0).as_string().as_deref() == Some(kind));
        match found.map(Array::from) {
            Some(e) => {
                v.error.set_text_content(e.get(2).as_string().as_deref());
                attr(&v.error, "data-field", &format!("documents.{kind}"));
                attr(&v.error, "data-code", &e.get(1).as_string().unwrap_or_default());
                let _ = v.error.remove_attribute("hidden");
                attr(&v.set, "data-invalid", "true");
                attr(&v.input, "aria-invalid", "true");
            }
            None => {
                attr(&v.error, "hidden", "");
                let _ = v.error.remove_attribute("data-field");
                let _ = v.error.remove_attribute("data-code");
                let _ = v.set.remove_attribute("data-invalid");
                let _ = v.input.remove_attribute("aria-invalid");
            }
        }
    }
}

/// "Continue on your phone" under the slots (the desktop's), opening the module's panel; on a
/// phone, only "Use another device" (a phone is where the photos are best taken).
fn offer(s: &Shared, doc: &Document, parent: &Element) {
    let host = el(doc, parent, "div", "kyc-handoff", None);
    s.borrow_mut().handoff_host = Some(host.clone());
    let (class, words) =
        if s.borrow().phone { ("kyc-link", "handoff_other_device") } else { ("kyc-button", "continue_on_phone") };
    let b = el(doc, &host, "button", class, Some(&t(s, words)));
    attr(&b, "type", "button");
    listen(s, &b, "click", |s, _| open_panel(s));
}

fn open_panel(s: &Shared) {
    trace(s, "way_out", "handoff");
    let (host, base, token, url, texts) = {
        let st = s.borrow();
        let Some(host) = st.handoff_host.clone() else { return };
        (host, st.base.clone(), st.token.clone(), st.handoff_url.clone(), st.texts.clone())
    };
    host.set_inner_html("");
    let weak = Rc::downgrade(s);
    let on_event = Rc::new(move |event: crate::handoff::Event| {
        use crate::handoff::Event;
        let Some(s) = weak.upgrade() else { return };
        let slot_of = |k: JsValue| k.as_string().and_then(|k| DocumentKind::parse(&k)).map(slot);
        match event {
            // A photo from the phone: its preview into its slot.
            Event::Photos(photos) => {
                for i in photos.iter().filter_map(|p| slot_of(prop(&p, "kind"))) {
                    let s = s.clone();
                    wasm_bindgen_futures::spawn_local(async move { fetch_preview(&s, i).await });
                }
            }
            // The link was taken by a second device: the photos it brought are gone.
            Event::Dropped(kinds) => {
                for i in kinds.iter().filter_map(slot_of) {
                    forget(&s, i);
                    set_line(&s, i, Stage::Empty, "", false, None);
                }
            }
            Event::Done => {
                if let Some(f) = s.borrow().on_event.clone() {
                    let _ = f.call2(&JsValue::NULL, &CaptureEvent::Done.as_str().into(), &JsValue::UNDEFINED);
                }
            }
            // "Use this device instead": the offer again.
            Event::Closed => {
                let doc = s.borrow().doc.clone();
                let host = s.borrow_mut().handoff_host.take();
                if let (Some(doc), Some(host)) = (doc, host) {
                    if let Some(h) = s.borrow_mut().handoff.take() {
                        h.close();
                    }
                    let parent = host.parent_element();
                    host.remove();
                    if let Some(p) = parent {
                        offer(&s, &doc, &p);
                    }
                }
            }
        }
    });
    if let Ok(h) = crate::handoff::open_handoff(host, base, token, url, texts, on_event) {
        s.borrow_mut().handoff = Some(h);
    }
}

/// The desktop's photos (one per widget instance, for its whole life).
#[wasm_bindgen]
pub struct Photos {
    state: Shared,
}

impl From<Shared> for Photos {
    fn from(state: Shared) -> Self {
        Self { state }
    }
}

#[wasm_bindgen]
impl Photos {
    /// Renders the slots into `root` (the Photos step's element), `shape` being the ID's
    /// outline (`card` or `passport`, [`Shape::as_str`]), with "Continue on your phone" when
    /// there is a page for it.
    pub fn attach(&self, root: &Element, shape: &str) {
        let Some(doc) = root.owner_document() else { return };
        let shape = if Shape::parse(shape) == Some(Shape::Passport) { Shape::Passport } else { Shape::Card };
        root.set_inner_html("");
        render(&self.state, &doc, root, shape);
        if !self.state.borrow().handoff_url.is_empty() {
            offer(&self.state, &doc, root);
        }
    }

    /// The step went away: every camera off, the phone panel closed; the photos are kept.
    pub fn detach(&self) {
        self.state.borrow_mut().unview();
    }

    /// The widget's errors for the slots: `[[kind, code, message]]`.
    #[wasm_bindgen(js_name = setErrors)]
    pub fn set_errors(&self, errors: &JsValue) {
        mark(&self.state, errors);
    }

    /// Waits for the photos being sent, then sends again every kept photo whose staging failed.
    /// Resolves to `null` once all are staged, else to why not: a code (`network_error`,
    /// `session_expired`, `upload_failed`) or the server's error body when its rulebook refused
    /// a photo.
    pub fn flush(&self) -> Promise {
        let s = self.state.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            while s.borrow().items.iter().any(|it| matches!(it.stage, Stage::Busy | Stage::Sending)) {
                crate::transfer::sleep(100).await;
            }
            for i in 0..DocumentKind::ALL.len() {
                if s.borrow().items[i].stage == Stage::Failed {
                    if let Some(why) = send(&s, i).await {
                        return Ok(why);
                    }
                }
            }
            Ok(JsValue::NULL)
        })
    }

    /// Keeps `photo` as the `kind` side, already read ("Scan your ID", the reader module):
    /// cleaned, previewed and staged as if chosen here (`source`: `camera` or `file`).
    pub fn keep(&self, kind: &str, photo: Blob, source: &str) {
        let Some(kind) = DocumentKind::parse(kind) else { return };
        self.state.borrow_mut().read_already = true;
        accept(&self.state, slot(kind), photo, if source == "camera" { "camera" } else { "file" });
    }

    /// Detaches and frees every preview (the widget is gone).
    pub fn close(&self) {
        self.state.borrow_mut().unview();
        for i in 0..DocumentKind::ALL.len() {
            forget(&self.state, i);
        }
    }
}

/// The desktop's photos for a session (`openPhotos`, see [`crate::Options`]). The `staged`
/// kinds are already on the backend: their previews are fetched.
pub fn open(opts: &crate::Options) -> Photos {
    let mut page =
        Page::new(opts.backend_url(), "/v1/photos/", opts.token(), opts.prefix(), opts.texts(), opts.describe());
    page.on_event = opts.on_event();
    page.handoff_url = opts.handoff_url();
    page.on_photo = opts.on_photo();
    page.os = opts.os().as_string().unwrap_or_default();
    page.embedded = opts.embedded().is_truthy();
    let state = Rc::new(RefCell::new(page));
    let staged: Vec<usize> = Array::from(&opts.staged())
        .iter()
        .filter_map(|k| k.as_string().and_then(|k| DocumentKind::parse(&k)))
        .map(slot)
        .collect();
    for i in staged {
        state.borrow_mut().items[i].stage = Stage::Staged;
        let s = state.clone();
        wasm_bindgen_futures::spawn_local(async move { fetch_preview(&s, i).await });
    }
    Photos { state }
}
