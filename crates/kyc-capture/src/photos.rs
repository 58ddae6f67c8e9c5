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
    /// The phone's own camera app (a `capture` file input and its label): offered on a touch
    /// device without a camera the page can use, and whenever the camera fails.
    camera_app: [Element; 2],
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
    /// Inside another app: the camera app is offered beside "Use camera" from the start.
    embedded: bool,
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

/// Guided capture in slot `i`: "Use camera" gives way to the preview and "Close camera".
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
/// of "Use camera". The broken preview goes.
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

/// The three slots inside `parent`; `shape`: the outline for the ID (card or passport).
#[inline(never)]
pub(crate) fn render(s: &Shared, doc: &Document, parent: &Element, shape: Shape) {
    s.borrow_mut().unview();
    s.borrow_mut().doc = Some(doc.clone());
    let prefix = s.borrow().prefix.clone();
    let touch =
        web_sys::window().and_then(|w| w.match_media("(pointer: coarse)").ok().flatten()).is_some_and(|m| m.matches());
    // Before anyone is asked for the camera: what will happen and what it is for (shown once a
    // camera the page can use is found; the camera is asked for only on "Use camera").
    let intro = el(doc, parent, "p", "kyc-hint kyc-camera-intro", Some(&t(s, "camera_explain")));
    attr(&intro, "hidden", "");
    for (i, kind) in DocumentKind::ALL.into_iter().enumerate() {
        let name = t(s, name_key(kind));
        let id = format!("{prefix}-documents-{}", kind.as_str());
        let set = el(doc, parent, "fieldset", "kyc-photo", None);
        let legend = el(doc, &set, "legend", "kyc-label", Some(&name));
        if kind == DocumentKind::IdBack {
            el(doc, &legend, "span", "kyc-optional", Some(&format!(" {}", t(s, "optional"))));
        }
        let label = el(doc, &set, "label", "kyc-file-label", Some(&name));
        attr(&label, "for", &id);
        let input = el(doc, &set, "input", "kyc-file", None);
        let types = "image/jpeg,image/png,image/webp,image/heic";
        for (k, v) in
            [("type", "file"), ("id", &id), ("accept", types), ("aria-describedby", &format!("{id}-error {id}-status"))]
        {
            attr(&input, k, v);
        }
        let camera_button = el(doc, &set, "button", "kyc-button", Some(&t(s, "use_camera")));
        attr(&camera_button, "type", "button");
        attr(&camera_button, "hidden", "");
        let shape = if kind == DocumentKind::Face { Shape::Face } else { shape };
        listen(s, &camera_button, "click", move |s, _| open_camera(s, i, shape));
        // On a touch device with no camera the page can use, the camera app through `capture`.
        let capture_label = el(doc, &set, "label", "kyc-button", Some(&t(s, "use_camera")));
        let capture = el(doc, &set, "input", "kyc-file kyc-file--capture", None);
        let facing = if kind == DocumentKind::Face { "user" } else { "environment" };
        for (k, v) in [("type", "file"), ("id", &format!("{id}-capture")), ("accept", types), ("capture", facing)] {
            attr(&capture, k, v);
        }
        attr(&capture_label, "for", &format!("{id}-capture"));
        for e in [&capture_label, &capture] {
            attr(e, "hidden", "");
        }
        // Classed `kyc-camera` while open.
        let camera = el(doc, &set, "div", "", None);
        attr(&camera, "hidden", "");
        let error = el(doc, &set, "p", "kyc-error", None);
        attr(&error, "id", &format!("{id}-error"));
        attr(&error, "hidden", "");
        let state = el(doc, &set, "div", "kyc-photo-state", None);
        attr(&state, "id", &format!("{id}-status"));
        attr(&state, "aria-live", "polite");
        let preview = el(doc, &state, "img", "kyc-preview", None);
        let warning = el(doc, &state, "p", "", None);
        let status = el(doc, &state, "p", "kyc-photo-status", None);
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
            camera_app: [capture_label.clone(), capture.clone()],
        });
        show(s, i);
        // "Use camera" where a camera exists; else, on a touch device, the camera app (inside
        // another app, whose WebView often refuses the page a camera, both from the start).
        let embedded = s.borrow().embedded;
        let devices = web_sys::window().and_then(|w| w.navigator().media_devices().ok());
        let intro = intro.clone();
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
                let _ = capture_label.remove_attribute("hidden");
                let _ = capture.remove_attribute("hidden");
            }
        });
    }
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

/// "Continue on your phone" under the slots (the desktop's), opening the module's panel.
fn offer(s: &Shared, doc: &Document, parent: &Element) {
    let host = el(doc, parent, "div", "kyc-handoff", None);
    s.borrow_mut().handoff_host = Some(host.clone());
    let b = el(doc, &host, "button", "kyc-button", Some(&t(s, "continue_on_phone")));
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
