//! Phone mode (docs/api.md "The widget in a page"), in the lazily loaded module: the widget
//! mounted on a page whose fragment holds `kyc-handoff=<one-time token>` hands this module an
//! element and its texts. It exchanges the token for a capability that can only add photos to
//! that one signup (`POST /v1/handoff/claim`; the token travels in the body, never a URL), shows
//! the match code the desktop shows, takes each photo with guided capture (camera first, the
//! file input as fallback), cleans it with the same pipeline as the desktop, stages it on the
//! backend at once with progress, and ends with "Done — go back to your computer".
//!
//! The link is bound to this phone by a random device id kept in `localStorage` (no PII: it
//! only lets this phone reopen the link): the same phone continues, another device is refused.

use js_sys::{Array, Object, Reflect};
use kyc_domain::capture::PhotoStage;
use kyc_domain::quality::Shape;
use kyc_domain::DocumentKind;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use crate::dom::{attr, call, el, prop, text, Listener};
use crate::photos::slot;
use crate::texts::{fill, tr};

const DEVICE_KEY: &str = "kyc-handoff-device";

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

/// Phone mode's page: the shared photo slots ([`crate::photos`]) staged into the handoff, and
/// "I'm done".
struct State {
    page: crate::photos::Shared,
    root: Element,
    finish: Option<Element>,
    listeners: Vec<Listener>,
}

type Shared = Rc<RefCell<State>>;

/// Empties the page but its title.
#[inline(never)]
fn reset(doc: &Document, root: &Element, texts: &JsValue) {
    root.set_inner_html("");
    el(doc, root, "h1", "kyc-title", Some(&tr(texts, "phone_title")));
}

/// "I'm done" once the front of the ID and the face are staged (the back is optional).
fn refresh_finish(finish: &Element, page: &crate::photos::Shared) {
    let ready = {
        let p = page.borrow();
        let staged = |k| p.items[slot(k)].stage == PhotoStage::Staged;
        staged(DocumentKind::IdFront) && staged(DocumentKind::Face)
    };
    if ready {
        let _ = finish.remove_attribute("disabled");
    } else {
        let _ = finish.set_attribute("disabled", "");
    }
}

#[inline(never)]
fn render(s: &Shared, doc: &Document, claimed: &JsValue) {
    let (root, page) = {
        let st = s.borrow();
        (st.root.clone(), st.page.clone())
    };
    let texts = page.borrow().texts.clone();
    reset(doc, &root, &texts);
    let step = el(doc, &root, "div", "kyc-step", None);
    el(doc, &step, "p", "kyc-match", Some(&fill(&tr(&texts, "handoff_match_code"), &text(claimed, "matchCode"))));
    el(doc, &step, "p", "kyc-hint", Some(&tr(&texts, "phone_intro")));
    let shape =
        if Shape::parse(&text(claimed, "shape")) == Some(Shape::Passport) { Shape::Passport } else { Shape::Card };
    crate::photos::render(&page, doc, &step, shape);
    let actions = el(doc, &step, "div", "kyc-actions", None);
    let finish = el(doc, &actions, "button", "kyc-button kyc-button--primary", Some(&tr(&texts, "phone_finish")));
    attr(&finish, "type", "button");
    let f2 = finish.clone();
    page.borrow_mut().on_change = Some(Rc::new(move |p: &crate::photos::Shared| refresh_finish(&f2, p)));
    // Photos the phone already sent (a reload of the link) count as staged.
    let already: Vec<String> = prop(claimed, "photos")
        .dyn_into::<Array>()
        .map(|a| a.iter().filter_map(|v| v.as_string()).collect())
        .unwrap_or_default();
    for kind in DocumentKind::ALL {
        if already.iter().any(|k| k == kind.as_str()) {
            crate::photos::set_staged(&page, slot(kind));
        }
    }
    let weak = Rc::downgrade(s);
    let listener = Listener::new(&finish, "click", move |_| {
        let Some(s) = weak.upgrade() else { return };
        wasm_bindgen_futures::spawn_local(async move {
            let page = s.borrow().page.clone();
            let (url, token) = {
                let p = page.borrow();
                (p.base_url("/v1/handoff/done"), p.token.clone())
            };
            match crate::transfer::json("POST", &url, &token, Some(&Object::new().into())).await {
                Ok(_) => done(&s),
                Err(_) => {
                    let (root, doc) = (s.borrow().root.clone(), page.borrow().doc.clone());
                    if let (Ok(Some(a)), Some(doc)) = (root.query_selector(".kyc-actions"), doc) {
                        let texts = page.borrow().texts.clone();
                        attr(&el(&doc, &a, "p", "kyc-error", Some(&tr(&texts, "network_error"))), "role", "alert");
                    }
                }
            }
        });
    });
    refresh_finish(&finish, &page);
    let mut st = s.borrow_mut();
    st.listeners.push(listener);
    st.finish = Some(finish);
}

#[inline(never)]
fn done(s: &Shared) {
    let mut st = s.borrow_mut();
    st.listeners.clear();
    let page = st.page.clone();
    let root = st.root.clone();
    drop(st);
    crate::photos::Photos::from(page.clone()).close();
    let (doc, texts) = {
        let p = page.borrow();
        (p.doc.clone(), p.texts.clone())
    };
    let Some(doc) = doc else { return };
    reset(&doc, &root, &texts);
    let step = el(&doc, &root, "div", "kyc-step kyc-phone-done", None);
    attr(&step, "role", "status");
    el(&doc, &step, "h2", "kyc-step-title", Some(&tr(&texts, "phone_done")));
    el(&doc, &step, "p", "", Some(&tr(&texts, "phone_done_text")));
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
        st.listeners.clear();
        crate::photos::Photos::from(st.page.clone()).close();
        st.root.set_inner_html("");
    }
}

/// Opens phone mode (`openPhone`, see [`crate::Options`]) inside `root` for the link's
/// `token`.
pub fn open(opts: &crate::Options) -> Result<Phone, JsValue> {
    let (root, token, texts) = (opts.root(), opts.token(), opts.texts());
    let doc = root.owner_document().ok_or("no document")?;
    reset(&doc, &root, &texts);
    attr(&el(&doc, &root, "p", "kyc-photo-status", Some(&tr(&texts, "processing"))), "role", "status");
    let page = crate::photos::Page::new(
        opts.backend_url(),
        "/v1/handoff/photos/",
        String::new(),
        "kyc-phone".into(),
        texts,
        opts.describe(),
    );
    let state: Shared =
        Rc::new(RefCell::new(State { page: Rc::new(RefCell::new(page)), root, finish: None, listeners: Vec::new() }));
    let s = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let body = Object::new();
        let _ = Reflect::set(&body, &"token".into(), &token.into());
        let _ = Reflect::set(&body, &"device".into(), &device_id().into());
        let page = s.borrow().page.clone();
        let url = page.borrow().base_url("/v1/handoff/claim");
        match crate::transfer::json("POST", &url, "", Some(&body.into())).await {
            Ok(claimed) => {
                page.borrow_mut().token = text(&claimed, "capability");
                render(&s, &doc, &claimed);
            }
            Err(code) => {
                let key = if code == kyc_domain::api::ApiCode::HandoffOtherDevice.as_str() {
                    "phone_other_device"
                } else if code == "network_error" {
                    // Not the server's: transfer.rs's word for no answer at all.
                    "network_error"
                } else {
                    "phone_link_invalid"
                };
                let (root, texts) = (s.borrow().root.clone(), page.borrow().texts.clone());
                reset(&doc, &root, &texts);
                attr(&el(&doc, &root, "p", "kyc-error", Some(&tr(&texts, key))), "role", "alert");
            }
        }
    });
    Ok(Phone { state })
}
