//! "Continue on your phone" on the desktop (docs/api.md "The widget in a page"), in the lazily
//! loaded module so it costs the widget's first load nothing: it asks the backend for a link (`POST /v1/handoff`),
//! shows the QR code (an SVG the backend drew, shown through an object URL: nothing fetched from
//! elsewhere) and the same link as text with "Copy link", the match code, then follows the
//! phone by polling `GET /v1/handoff` with backoff (1 s, growing by half while nothing changes,
//! at most 5 s): "Phone connected", each photo as it arrives, or that someone else opened the
//! link (it ended; "Make a new link"). It tells the photo slots each [`Event`].

use gloo_timers::callback::Timeout;
use js_sys::{Array, Object, Reflect};
use kyc_domain::HandoffView;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use crate::dom::{attr, el, prop, text, Listener};

const MAX_POLL_MS: f64 = 5_000.0;

/// What the panel tells the photo slots.
pub enum Event {
    /// Photos it has not reported yet (`[{kind, source, uploadedAt}]`).
    Photos(Array),
    /// The phone is done.
    Done,
    /// A second device took the link: the kinds whose photos the backend dropped.
    Dropped(Array),
    /// "Use this device instead" (the link is ended at once).
    Closed,
}

#[derive(Clone)]
struct Api {
    base: String,
    token: String,
}

impl Api {
    /// One JSON call to `/v1/handoff`; `None` when there was no usable answer.
    async fn call(&self, method: &str, body: Option<&JsValue>) -> Option<JsValue> {
        let url = format!("{}/v1/handoff", self.base.trim_end_matches('/'));
        crate::transfer::json(method, &url, &self.token, body).await.ok()
    }
}

struct State {
    api: Api,
    page_url: String,
    texts: JsValue,
    on_event: Rc<dyn Fn(Event)>,
    doc: Document,
    root: Element,
    qr_url: Option<String>,
    /// `kind@uploadedAt` of the photos already reported.
    reported: Vec<String>,
    last_state: Option<HandoffView>,
    quiet: i32,
    generation: u32,
    timer: Option<Timeout>,
    closed: bool,
    listeners: Vec<Listener>,
}

type Shared = Rc<RefCell<State>>;

#[inline(never)]
fn button(s: &Shared, parent: &Element, class: &str, label: &str, action: impl Fn(&Shared) + 'static) {
    let b = el(&s.borrow().doc, parent, "button", class, Some(label));
    attr(&b, "type", "button");
    let weak = Rc::downgrade(s);
    let listener = Listener::new(&b, "click", move |_| {
        if let Some(s) = weak.upgrade() {
            action(&s);
        }
    });
    s.borrow_mut().listeners.push(listener);
}

fn svg_url(svg: &str) -> Option<String> {
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("image/svg+xml");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&Array::of1(&svg.into()), &opts).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

#[inline(never)]
fn emit(s: &Shared, event: Event) {
    let f = s.borrow().on_event.clone();
    f(event);
}

fn free_qr(st: &mut State) {
    if let Some(u) = st.qr_url.take() {
        let _ = web_sys::Url::revoke_object_url(&u);
    }
}

/// Renders the link's panel (or, after a failure, the message and "try again").
#[inline(never)]
fn render(s: &Shared, link: Option<&JsValue>) {
    let (doc, root, texts) = {
        let st = s.borrow();
        (st.doc.clone(), st.root.clone(), st.texts.clone())
    };
    root.set_inner_html("");
    s.borrow_mut().listeners.clear();
    let t = |k: &str| crate::texts::tr(&texts, k);
    let section = el(&doc, &root, "section", "kyc-handoff kyc-handoff--open", None);
    el(&doc, &section, "h3", "kyc-handoff-title", Some(&t("continue_on_phone")));
    let Some(link) = link else {
        el(&doc, &section, "p", "kyc-error", Some(&t("continue_on_phone_failed"))).set_attribute("role", "alert").ok();
        let actions = el(&doc, &section, "div", "kyc-actions", None);
        button(s, &actions, "kyc-button", &t("handoff_new_link"), start);
        button(s, &actions, "kyc-link", &t("handoff_use_this_device"), this_device);
        return;
    };
    el(&doc, &section, "p", "", Some(&t("handoff_intro")));
    let body = el(&doc, &section, "div", "kyc-handoff-body", None);
    let img = el(&doc, &body, "img", "kyc-qr", None);
    let url = svg_url(&text(link, "qrSvg")).unwrap_or_default();
    attr(&img, "src", &url);
    attr(&img, "alt", &t("handoff_qr_label"));
    attr(&img, "width", "200");
    attr(&img, "height", "200");
    {
        let mut st = s.borrow_mut();
        free_qr(&mut st);
        st.qr_url = Some(url);
    }
    let side = el(&doc, &body, "div", "kyc-handoff-side", None);
    let code = crate::texts::fill(&t("handoff_match_code"), &text(link, "matchCode"));
    el(&doc, &side, "p", "kyc-match", Some(&code));
    el(&doc, &side, "p", "kyc-hint", Some(&t("handoff_check_code")));
    let id = "kyc-handoff-link";
    let label = el(&doc, &side, "label", "kyc-label", Some(&t("handoff_link")));
    attr(&label, "for", id);
    let input = el(&doc, &side, "input", "kyc-input kyc-handoff-link", None);
    let href = text(link, "link");
    for (k, v) in [("id", id), ("type", "text"), ("readonly", ""), ("value", href.as_str())] {
        attr(&input, k, v);
    }
    let copied = el(&doc, &side, "span", "kyc-ok", None);
    attr(&copied, "role", "status");
    let done_text = t("handoff_link_copied");
    button(s, &side, "kyc-button", &t("handoff_copy_link"), move |_| {
        if let Some(w) = web_sys::window() {
            crate::dom::call(&prop(&w.navigator(), "clipboard"), "writeText", &[&href.clone().into()]);
        }
        copied.set_text_content(Some(&done_text));
    });
    let status = el(&doc, &section, "div", "kyc-handoff-status", None);
    attr(&status, "role", "status");
    attr(&status, "aria-live", "polite");
    el(&doc, &status, "p", "kyc-handoff-state", Some(&t("handoff_waiting")));
    let actions = el(&doc, &section, "div", "kyc-actions", None);
    button(s, &actions, "kyc-link", &t("handoff_new_link"), start);
    button(s, &actions, "kyc-link", &t("handoff_use_this_device"), this_device);
}

/// Asks for a (new) link; a new one ends every earlier one.
#[inline(never)]
fn start(s: &Shared) {
    let s = s.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let body = Object::new();
        let url = s.borrow().page_url.clone();
        let _ = Reflect::set(&body, &"url".into(), &url.into());
        let api = s.borrow().api.clone();
        let got = api.call("POST", Some(&body.into())).await;
        if s.borrow().closed {
            return;
        }
        render(&s, got.as_ref());
        {
            let mut st = s.borrow_mut();
            st.generation += 1;
            st.quiet = 0;
            st.last_state = Some(HandoffView::Waiting);
            st.timer = None;
        }
        if got.is_some() {
            schedule(&s);
        }
    });
}

fn this_device(s: &Shared) {
    let api = {
        let mut st = s.borrow_mut();
        st.closed = true;
        st.timer = None;
        st.api.clone()
    };
    wasm_bindgen_futures::spawn_local(async move {
        let _ = api.call("DELETE", None).await;
    });
    emit(s, Event::Closed);
}

fn schedule(s: &Shared) {
    let (delay, gen) = {
        let st = s.borrow();
        ((1000.0 * 1.5f64.powi(st.quiet.min(10))).min(MAX_POLL_MS), st.generation)
    };
    let weak = Rc::downgrade(s);
    let timer = Timeout::new(delay as u32, move || {
        if let Some(s) = weak.upgrade() {
            wasm_bindgen_futures::spawn_local(poll(s, gen));
        }
    });
    s.borrow_mut().timer = Some(timer);
}

async fn poll(s: Shared, gen: u32) {
    let api = s.borrow().api.clone();
    let got = api.call("GET", None).await;
    if s.borrow().closed || s.borrow().generation != gen {
        return;
    }
    let Some(v) = got else {
        s.borrow_mut().quiet += 1;
        return schedule(&s);
    };
    let state = HandoffView::parse(&text(&v, "state"));
    let photos: Vec<JsValue> = prop(&v, "photos").dyn_into::<Array>().map(|a| a.iter().collect()).unwrap_or_default();
    let fresh: Array = photos
        .iter()
        .filter(|p| !s.borrow().reported.contains(&format!("{}@{}", text(p, "kind"), text(p, "uploadedAt"))))
        .cloned()
        .collect();
    let changed = state != s.borrow().last_state || fresh.length() > 0;
    {
        let mut st = s.borrow_mut();
        st.reported.extend(fresh.iter().map(|p| format!("{}@{}", text(&p, "kind"), text(&p, "uploadedAt"))));
        st.quiet = if changed { 0 } else { st.quiet + 1 };
        st.last_state = state;
    }
    // The status line.
    let (root, texts) = {
        let st = s.borrow();
        (st.root.clone(), st.texts.clone())
    };
    let key = match state {
        Some(HandoffView::Connected | HandoffView::Done) => "handoff_connected",
        // A second device claimed the link: it ended for both.
        Some(HandoffView::Taken) => "handoff_taken",
        Some(HandoffView::Expired | HandoffView::Cancelled | HandoffView::None) => "handoff_expired",
        Some(HandoffView::Waiting) | None => "handoff_waiting",
    };
    if let Ok(Some(line)) = root.query_selector(".kyc-handoff-state") {
        line.set_text_content(Some(&crate::texts::tr(&texts, key)));
    }
    if fresh.length() > 0 {
        emit(&s, Event::Photos(fresh));
    }
    if state == Some(HandoffView::Taken) {
        // The photos that came through the link are gone from the backend: their slots empty.
        let listed: Vec<String> = photos.iter().map(|p| text(p, "kind")).collect();
        let dropped: Array = s
            .borrow()
            .reported
            .iter()
            .filter_map(|r| r.split('@').next())
            .filter(|k| !listed.iter().any(|l| l == k))
            .map(JsValue::from)
            .collect();
        emit(&s, Event::Dropped(dropped));
    }
    match state {
        Some(HandoffView::Done) => emit(&s, Event::Done),
        Some(HandoffView::Waiting | HandoffView::Connected) => schedule(&s),
        _ => {}
    }
}

/// The open panel; [`Handoff::close`] stops polling and empties the element (the link itself
/// stays usable: leaving the Photos step is not "use this device").
pub struct Handoff {
    state: Shared,
}

impl Handoff {
    pub fn close(&self) {
        let mut st = self.state.borrow_mut();
        st.closed = true;
        st.timer = None;
        free_qr(&mut st);
        st.listeners.clear();
        st.root.set_inner_html("");
    }
}

/// Opens the panel inside `root` and asks for a link for `page_url` (the page a phone opens).
/// `texts`: the widget's texts by key ([`crate::texts`]: `continue_on_phone`,
/// `continue_on_phone_failed` and the `handoff_*` texts). Each photo that arrives shows in its
/// slot, with its preview.
pub fn open_handoff(
    root: Element,
    backend_url: String,
    token: String,
    page_url: String,
    texts: JsValue,
    on_event: Rc<dyn Fn(Event)>,
) -> Result<Handoff, JsValue> {
    let doc = root.owner_document().ok_or("no document")?;
    let state: Shared = Rc::new(RefCell::new(State {
        api: Api { base: backend_url, token },
        page_url,
        texts,
        on_event,
        doc,
        root,
        qr_url: None,
        reported: Vec::new(),
        last_state: None,
        quiet: 0,
        generation: 0,
        timer: None,
        closed: false,
        listeners: Vec::new(),
    }));
    start(&state);
    Ok(Handoff { state })
}
