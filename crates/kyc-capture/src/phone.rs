//! Phone mode (contract.md §4, "Continue on a phone"), in the lazily loaded module: the widget
//! mounted on a page whose fragment holds `kyc-handoff=<one-time token>` hands this module an
//! element and its texts. It exchanges the token for a capability that can only add photos to
//! that one signup (`POST /v1/handoff/claim`; the token travels in the body, never a URL), shows
//! the match code the desktop shows, takes each photo with guided capture (camera first, the
//! file input as fallback), cleans it with the same pipeline as the desktop, stages it on the
//! backend at once with progress, and ends with "Done — go back to your computer".
//!
//! The link is bound to this phone by a random device id kept in `localStorage` (no PII: it
//! only lets this phone reopen the link): the same phone continues, another device is refused.

use js_sys::{Array, Function, Object, Reflect, JSON};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, Element, HtmlInputElement, Request, RequestInit, Response};

use crate::handoff::el;

const DEVICE_KEY: &str = "kyc-handoff-device";
const KINDS: [&str; 3] = ["idFront", "idBack", "face"];

fn prop(v: &JsValue, name: &str) -> JsValue {
    Reflect::get(v, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn text(v: &JsValue, name: &str) -> String {
    prop(v, name).as_string().unwrap_or_default()
}

fn call(obj: &JsValue, method: &str, args: &[&JsValue]) -> Option<JsValue> {
    let f: Function = prop(obj, method).dyn_into().ok()?;
    f.apply(obj, &args.iter().copied().collect::<Array>()).ok()
}

/// This phone's random device id (128 bits from the browser's CSPRNG), made once.
fn device_id() -> String {
    let Some(w) = web_sys::window() else { return String::new() };
    let storage = prop(&w.clone().into(), "localStorage");
    if let Some(kept) = call(&storage, "getItem", &[&DEVICE_KEY.into()]).and_then(|v| v.as_string()) {
        if kept.len() == 32 {
            return kept;
        }
    }
    let bytes = js_sys::Uint8Array::new_with_length(16);
    let _ = call(&prop(&w.into(), "crypto"), "getRandomValues", &[&bytes]);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let id: String = bytes
        .to_vec()
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect();
    let _ = call(&storage, "setItem", &[&DEVICE_KEY.into(), &id.clone().into()]);
    id
}

/// A JSON call; `Ok(body)` on 2xx, `Err(code)` with the error's code (`network_error` when
/// there was no answer).
pub(crate) async fn json(method: &str, url: &str, token: &str, body: Option<&JsValue>) -> Result<JsValue, String> {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(b) = body {
        init.set_body(&JSON::stringify(b).map_err(|_| "network_error")?.into());
    }
    let req = Request::new_with_str_and_init(url, &init).map_err(|_| "network_error")?;
    let h = req.headers();
    if body.is_some() {
        let _ = h.set("Content-Type", "application/json");
    }
    if !token.is_empty() {
        let _ = h.set("Authorization", &format!("Bearer {token}"));
    }
    let window = web_sys::window().ok_or("network_error")?;
    let resp: Response = JsFuture::from(window.fetch_with_request(&req))
        .await
        .map_err(|_| "network_error")?
        .dyn_into()
        .map_err(|_| "network_error")?;
    let v = match resp.json() {
        Ok(p) => JsFuture::from(p).await.unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    };
    if resp.ok() {
        Ok(v)
    } else {
        Err(prop(&prop(&v, "error"), "code").as_string().unwrap_or_else(|| format!("http_{}", resp.status())))
    }
}

struct Slot {
    preview: Element,
    status: Element,
    camera: Element,
    capture: Option<crate::Capture>,
    url: Option<String>,
    staged: bool,
}

struct State {
    base: String,
    capability: String,
    texts: JsValue,
    /// `describe(code, params)` → the widget's text for a rulebook verdict.
    describe: Function,
    doc: Document,
    root: Element,
    slots: Vec<Slot>,
    finish: Option<Element>,
    _listeners: Vec<Closure<dyn FnMut()>>,
    _changes: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    _camera: Vec<JsValue>,
}

type Shared = Rc<RefCell<State>>;

/// Empties the page but its title.
#[inline(never)]
fn reset(doc: &Document, root: &Element, texts: &JsValue) {
    root.set_inner_html("");
    el(doc, root, "h1", "kyc-title", Some(&crate::tr(texts, "phone_title")));
}

fn t(s: &Shared, k: &str) -> String {
    crate::tr(&s.borrow().texts, k)
}

#[inline(never)]
fn message(s: &Shared, kind: &str, key: &str, alert: bool) {
    let st = s.borrow();
    let i = KINDS.iter().position(|k| *k == kind).unwrap_or(0);
    let status = &st.slots[i].status;
    status.set_text_content(Some(&crate::tr(&st.texts, key)));
    let _ = status.set_attribute("class", if alert { "kyc-error" } else { "kyc-photo-status" });
}

#[inline(never)]
fn refresh_finish(s: &Shared) {
    let st = s.borrow();
    // The front of the ID and the face are needed; the back is optional (kyc-domain).
    let ready = st.slots[0].staged && st.slots[2].staged;
    if let Some(b) = &st.finish {
        if ready {
            let _ = b.remove_attribute("disabled");
        } else {
            let _ = b.set_attribute("disabled", "");
        }
    }
}

/// A refusal `{code, params}` (the rulebook's, here or on the server) in the widget's words.
#[inline(never)]
fn verdict(s: &Shared, i: usize, e: &JsValue) {
    let d = s.borrow().describe.clone();
    let msg = match prop(e, "code").as_string() {
        Some(code) => d.call2(&JsValue::NULL, &code.into(), &prop(e, "params")).ok().and_then(|m| m.as_string()),
        None => None,
    };
    let st = s.borrow();
    st.slots[i].status.set_text_content(Some(&msg.unwrap_or_else(|| crate::tr(&st.texts, "upload_failed"))));
    let _ = st.slots[i].status.set_attribute("class", "kyc-error");
}

/// A photo chosen or taken: cleaned, previewed, staged with progress.
#[inline(never)]
fn accept(s: &Shared, kind: &'static str, file: web_sys::Blob, source: &'static str) {
    let s = s.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let i = KINDS.iter().position(|k| *k == kind).unwrap_or(0);
        s.borrow_mut().slots[i].staged = false;
        refresh_finish(&s);
        message(&s, kind, "processing", false);
        let cleaned = match crate::clean::clean(file).await {
            Ok(c) => c,
            Err(e) => return verdict(&s, i, &e),
        };
        let blob: web_sys::Blob = prop(&cleaned, "blob").unchecked_into();
        if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
            let mut st = s.borrow_mut();
            if let Some(old) = st.slots[i].url.replace(url.clone()) {
                let _ = web_sys::Url::revoke_object_url(&old);
            }
            let _ = st.slots[i].preview.set_attribute("src", &url);
            let _ = st.slots[i].preview.remove_attribute("hidden");
        }
        let headers = Object::new();
        let _ = Reflect::set(&headers, &"X-Photo-Source".into(), &source.into());
        if let Some(m) = prop(&cleaned, "metrics").as_string() {
            let _ = Reflect::set(&headers, &"X-Photo-Metrics".into(), &m.into());
        }
        let (url, token, uploading) = {
            let st = s.borrow();
            (
                format!("{}/v1/handoff/photos/{kind}", st.base.trim_end_matches('/')),
                st.capability.clone(),
                crate::tr(&st.texts, "uploading"),
            )
        };
        let status = s.borrow().slots[i].status.clone();
        let progress = Closure::<dyn Fn(f64)>::new(move |pct: f64| {
            // Whole percents (float formatting would add ~15 KB to the module).
            status.set_text_content(Some(&crate::fill(&uploading, &(pct as u32).to_string())));
        })
        .into_js_value();
        let answer = crate::transfer::upload(url, token, blob, headers.into(), progress.unchecked_into()).await;
        let code = prop(&answer, "status").as_f64().unwrap_or(0.0) as u16;
        if code == 204 {
            s.borrow_mut().slots[i].staged = true;
            message(&s, kind, "uploaded", false);
            refresh_finish(&s);
        } else if code == 401 {
            message(&s, kind, "phone_link_invalid", true);
        } else if code == 0 {
            message(&s, kind, "network_error", true);
        } else {
            // The server's rulebook refused it: its verdict, in the widget's words.
            let body = JSON::parse(&text(&answer, "body")).unwrap_or(JsValue::NULL);
            verdict(&s, i, &prop(&prop(&prop(&body, "error"), "fields"), "0"));
        }
    });
}

#[inline(never)]
fn open_camera(s: &Shared, kind: &'static str, shape: &str) {
    let i = KINDS.iter().position(|k| *k == kind).unwrap_or(0);
    let host = s.borrow().slots[i].camera.clone();
    if s.borrow().slots[i].capture.is_some() {
        return;
    }
    let weak = Rc::downgrade(s);
    let on_event = Closure::<dyn Fn(String, JsValue)>::new(move |what: String, value: JsValue| {
        let Some(s) = weak.upgrade() else { return };
        // The capture calls this from inside itself: it is closed once that call has returned.
        if let Some(c) = s.borrow_mut().slots[i].capture.take() {
            wasm_bindgen_futures::spawn_local(async move { c.close() });
        }
        s.borrow().slots[i].camera.set_class_name("kyc-camera-live");
        if what == "photo" {
            accept(&s, kind, value.unchecked_into(), "camera");
        } else {
            let key = value.as_string().unwrap_or_default();
            message(&s, kind, &key, true);
        }
    })
    .into_js_value();
    host.set_class_name("kyc-camera");
    let texts = prop(&s.borrow().texts, &format!("camera_{shape}"));
    if let Ok(c) = crate::open(host, shape, texts, on_event.clone().unchecked_into()) {
        let mut st = s.borrow_mut();
        st.slots[i].capture = Some(c);
        st._camera.push(on_event);
    }
}

#[inline(never)]
fn render(s: &Shared, claimed: &JsValue) {
    let (doc, root, texts) = {
        let st = s.borrow();
        (st.doc.clone(), st.root.clone(), st.texts.clone())
    };
    reset(&doc, &root, &texts);
    let step = el(&doc, &root, "div", "kyc-step", None);
    el(&doc, &step, "p", "kyc-match", Some(&crate::fill(&t(s, "handoff_match_code"), &text(claimed, "matchCode"))));
    el(&doc, &step, "p", "kyc-hint", Some(&t(s, "phone_intro")));
    let already: Vec<String> = prop(claimed, "photos")
        .dyn_into::<Array>()
        .map(|a| a.iter().filter_map(|v| v.as_string()).collect())
        .unwrap_or_default();
    let passport = text(claimed, "shape") == "passport";
    let has_camera = web_sys::window().and_then(|w| w.navigator().media_devices().ok()).is_some();
    for kind in KINDS {
        let set = el(&doc, &step, "fieldset", "kyc-photo", None);
        let legend = el(&doc, &set, "legend", "kyc-label", Some(&text(&prop(&s.borrow().texts, "names"), kind)));
        if kind == "idBack" {
            el(&doc, &legend, "span", "kyc-optional", Some(&format!(" {}", t(s, "optional"))));
        }
        let id = format!("kyc-phone-{kind}");
        let label = el(&doc, &set, "label", "kyc-file-label", Some(&text(&prop(&s.borrow().texts, "names"), kind)));
        let _ = label.set_attribute("for", &id);
        let input: HtmlInputElement = el(&doc, &set, "input", "kyc-file", None).unchecked_into();
        input.set_type("file");
        input.set_id(&id);
        input.set_accept("image/jpeg,image/png,image/webp,image/heic");
        let camera = el(&doc, &set, "div", "kyc-camera-live", None);
        if has_camera {
            let b = el(&doc, &set, "button", "kyc-button", Some(&t(s, "use_camera")));
            let _ = b.set_attribute("type", "button");
            let weak = Rc::downgrade(s);
            let shape = if kind == "face" {
                "face"
            } else if passport {
                "passport"
            } else {
                "card"
            };
            let cb = Closure::<dyn FnMut()>::new(move || {
                if let Some(s) = weak.upgrade() {
                    open_camera(&s, kind, shape);
                }
            });
            let _ = b.add_event_listener_with_callback("click", cb.as_ref().unchecked_ref());
            s.borrow_mut()._listeners.push(cb);
        }
        let preview = el(&doc, &set, "img", "kyc-preview", None);
        let _ = preview.set_attribute("hidden", "");
        let _ = preview
            .set_attribute("alt", &crate::fill(&t(s, "preview_of"), &text(&prop(&s.borrow().texts, "names"), kind)));
        let status = el(&doc, &set, "p", "kyc-photo-status", None);
        let _ = status.set_attribute("aria-live", "polite");
        let staged = already.iter().any(|k| k == kind);
        if staged {
            status.set_text_content(Some(&t(s, "uploaded")));
        }
        let weak = Rc::downgrade(s);
        let change = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let Some(s) = weak.upgrade() else { return };
            let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
            if let Some(f) = input.files().and_then(|f| f.get(0)) {
                accept(&s, kind, f.into(), "file");
            }
            input.set_value("");
        });
        let _ = input.add_event_listener_with_callback("change", change.as_ref().unchecked_ref());
        let mut st = s.borrow_mut();
        st._changes.push(change);
        st.slots.push(Slot { preview, status, camera, capture: None, url: None, staged });
    }
    let actions = el(&doc, &step, "div", "kyc-actions", None);
    let finish = el(&doc, &actions, "button", "kyc-button kyc-button--primary", Some(&t(s, "phone_finish")));
    let _ = finish.set_attribute("type", "button");
    let weak = Rc::downgrade(s);
    let cb = Closure::<dyn FnMut()>::new(move || {
        let Some(s) = weak.upgrade() else { return };
        wasm_bindgen_futures::spawn_local(async move {
            let (url, token) = {
                let st = s.borrow();
                (format!("{}/v1/handoff/done", st.base.trim_end_matches('/')), st.capability.clone())
            };
            match json("POST", &url, &token, Some(&Object::new().into())).await {
                Ok(_) => done(&s),
                Err(_) => {
                    let root = s.borrow().root.clone();
                    if let Ok(Some(a)) = root.query_selector(".kyc-actions") {
                        el(&s.borrow().doc, &a, "p", "kyc-error", Some(&t(&s, "network_error")))
                            .set_attribute("role", "alert")
                            .ok();
                    }
                }
            }
        });
    });
    let _ = finish.add_event_listener_with_callback("click", cb.as_ref().unchecked_ref());
    let mut st = s.borrow_mut();
    st._listeners.push(cb);
    st.finish = Some(finish);
    drop(st);
    refresh_finish(s);
}

fn close_cameras(st: &mut State) {
    for slot in &mut st.slots {
        if let Some(c) = slot.capture.take() {
            c.close();
        }
        if let Some(u) = slot.url.take() {
            let _ = web_sys::Url::revoke_object_url(&u);
        }
    }
}

#[inline(never)]
fn done(s: &Shared) {
    let mut st = s.borrow_mut();
    close_cameras(&mut st);
    st.slots.clear();
    st._listeners.clear();
    st._changes.clear();
    let (doc, root) = (st.doc.clone(), st.root.clone());
    let texts = st.texts.clone();
    drop(st);
    reset(&doc, &root, &texts);
    let step = el(&doc, &root, "div", "kyc-step kyc-phone-done", None);
    let _ = step.set_attribute("role", "status");
    el(&doc, &step, "h2", "kyc-step-title", Some(&crate::tr(&texts, "phone_done")));
    el(&doc, &step, "p", "", Some(&crate::tr(&texts, "phone_done_text")));
}

/// The phone page; [`Phone::close`] turns any camera off and empties the element.
#[wasm_bindgen]
pub struct Phone {
    state: Shared,
}

#[wasm_bindgen]
impl Phone {
    pub fn close(&self) {
        let mut st = self.state.borrow_mut();
        close_cameras(&mut st);
        st._listeners.clear();
        st._changes.clear();
        st.root.set_inner_html("");
    }
}

/// Opens phone mode inside `root` for the link's `token`. `texts`: the widget's texts by key (any
/// `phone_*` / `handoff_*` text the locale or the host has — the module has their English —
/// and `network_error`, `processing`, `uploading`,
/// `uploaded`, `upload_failed`, `optional`, `use_camera`, `preview_of`, the camera's failures
/// `camera_denied`…, `names` (each photo kind's name) and `camera_card`, `camera_passport`,
/// `camera_face` (the capture's texts for each outline));
/// `describe(code, params)` gives the text of a rulebook verdict.
#[wasm_bindgen(js_name = openPhone)]
pub fn open_phone(
    root: Element,
    backend_url: String,
    token: String,
    texts: JsValue,
    describe: Function,
) -> Result<Phone, JsValue> {
    let doc = root.owner_document().ok_or("no document")?;
    reset(&doc, &root, &texts);
    el(&doc, &root, "p", "kyc-photo-status", Some(&crate::tr(&texts, "processing"))).set_attribute("role", "status")?;
    let state: Shared = Rc::new(RefCell::new(State {
        base: backend_url,
        capability: String::new(),
        texts,
        describe,
        doc,
        root,
        slots: Vec::new(),
        finish: None,
        _listeners: Vec::new(),
        _changes: Vec::new(),
        _camera: Vec::new(),
    }));
    let s = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let body = Object::new();
        let _ = Reflect::set(&body, &"token".into(), &token.into());
        let _ = Reflect::set(&body, &"device".into(), &device_id().into());
        let url = format!("{}/v1/handoff/claim", s.borrow().base.trim_end_matches('/'));
        match json("POST", &url, "", Some(&body.into())).await {
            Ok(claimed) => {
                s.borrow_mut().capability = text(&claimed, "capability");
                render(&s, &claimed);
            }
            Err(code) => {
                let key = match code.as_str() {
                    "handoff_other_device" => "phone_other_device",
                    "network_error" => "network_error",
                    _ => "phone_link_invalid",
                };
                let (doc, root, texts) = {
                    let st = s.borrow();
                    (st.doc.clone(), st.root.clone(), st.texts.clone())
                };
                reset(&doc, &root, &texts);
                el(&s.borrow().doc, &root, "p", "kyc-error", Some(&t(&s, key))).set_attribute("role", "alert").ok();
            }
        }
    });
    Ok(Phone { state })
}
