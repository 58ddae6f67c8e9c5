//! Step "Photos": front of ID, back of ID (optional), face. The slots themselves — a file or
//! guided live capture, the cleaning pipeline, the preview, staging with progress, "Continue on
//! your phone" — are the capture module's ([`crate::capture`]), loaded as the step shows;
//! this step gives them its frame (heading, error summary, Back / Continue). [`use_photos`]
//! keeps the module's photos for the widget's whole life and attaches them to the step.

use kyc_domain::capture::{CaptureEvent, PhotoStage};
use kyc_domain::document::IdDocType;
use kyc_domain::photo::DocumentKind;
use kyc_domain::quality::Shape;
use kyc_domain::Field;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

use super::frame::{step_frame, StepFrameProps};
use crate::capture::{self, CaptureModule, CapturePhotos};
use crate::ctx::Ctx;
use crate::flow::{Action, Step};
use crate::i18n::Key;

/// The capture module's photos (once loaded) and the element they render into: the Photos
/// step's, "Scan your ID"'s on the first step, or Review's list of differences from the ID.
#[derive(Clone)]
pub struct Photos {
    pub host: NodeRef,
    pub object: Rc<RefCell<Option<CapturePhotos>>>,
}

/// What Review compares with the document: `[path, value, label, …]` (dates whole).
fn draft_triples(ctx: &Ctx) -> js_sys::Array {
    let list = js_sys::Array::new();
    for (f, _) in kyc_domain::idread::crosscheck::COMPARED {
        let value = match f {
            Field::Dob | Field::ValidUntil => ctx.flow.date(f).unwrap_or_default(),
            _ => ctx.flow.value(f),
        };
        for v in [f.path().to_owned(), value, ctx.i18n.t(Step::label(f))] {
            list.push(&v.into());
        }
    }
    list
}

/// `[[kind, code, message]]` of the photo errors shown.
fn photo_errors(ctx: &Ctx) -> js_sys::Array {
    let list = js_sys::Array::new();
    for e in &ctx.flow.errors {
        if let Some(k) = DocumentKind::ALL.into_iter().find(|k| k.field() == e.field) {
            let msg = ctx.i18n.field_error(e);
            list.push(&js_sys::Array::of3(&k.as_str().into(), &e.code.as_str().into(), &msg.into()));
        }
    }
    list
}

/// Attaches the capture module's photos to the step while it shows (created the first time,
/// with the previews of what is staged), detaches them when it goes (every camera off), passes
/// the errors on, and closes them when the widget goes.
#[hook]
pub fn use_photos(ctx: &Ctx) -> Photos {
    let host = use_node_ref();
    let object: Rc<RefCell<Option<CapturePhotos>>> = use_mut_ref(|| None);
    let f = &ctx.flow;
    // 1: the Photos step; 2: "Scan your ID" open on the first step; 3: Review, when a document
    // was read on this page (its differences from the draft).
    let mode = match f.step {
        Step::Photos => 1u8,
        Step::Personal if f.scanning => 2,
        Step::Review if f.document_read => 3,
        _ => 0,
    };
    {
        let (ctx, host, object) = (ctx.clone(), host.clone(), object.clone());
        // The outline's shape matters on the Photos step only: elsewhere a document type filled
        // by a scan must not render the scan panel again (it would lose its status line).
        let passport = mode == 1 && IdDocType::parse(&ctx.flow.value(Field::IdDocType)) == Ok(IdDocType::Passport);
        use_effect_with((mode, passport), move |&(mode, passport)| {
            let gone = Rc::new(std::cell::Cell::new(false));
            if mode > 0 {
                let (object, gone) = (object.clone(), gone.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let Ok(m) = capture::load(&ctx).await else { return };
                    let Some(el) = host.cast::<web_sys::Element>() else { return };
                    if gone.get() {
                        return;
                    }
                    if object.borrow().is_none() {
                        *object.borrow_mut() = Some(open(&ctx, &m));
                    }
                    let photos = object.borrow().clone();
                    let Some(p) = photos else { return };
                    if mode == 1 {
                        let shape = if passport { Shape::Passport } else { Shape::Card };
                        let _ = p.attach(&el, shape.as_str());
                        let _ = p.set_errors(&photo_errors(&ctx));
                        return;
                    }
                    // The reader module's "Scan your ID" panel or Review's list, with the
                    // locale's and the host's texts by name (`scan_*`; its English built in).
                    let i18n = ctx.i18n.clone();
                    let texts = Closure::<dyn Fn(String) -> Option<String>>::new(move |k: String| i18n.lookup(&k))
                        .into_js_value();
                    let args = if mode == 2 {
                        js_sys::Array::of5(&el, &ctx.prefix.as_str().into(), &texts, &events(&ctx), &p)
                    } else {
                        js_sys::Array::of4(&el, &draft_triples(&ctx), &texts, &events(&ctx))
                    };
                    crate::reader_call(
                        ctx.callbacks.load_capture.clone(),
                        if mode == 2 { "scanPanel" } else { "renderReview" },
                        &args,
                    );
                });
            }
            move || {
                gone.set(true);
                let photos = object.borrow().clone();
                if let Some(p) = photos {
                    let _ = p.detach();
                }
            }
        });
    }
    {
        let (ctx, object) = (ctx.clone(), object.clone());
        use_effect_with(ctx.flow.errors.clone(), move |_| {
            let photos = object.borrow().clone();
            if let Some(p) = photos {
                let _ = p.set_errors(&photo_errors(&ctx));
            }
        });
    }
    {
        let object = object.clone();
        use_effect_with((), move |()| {
            move || {
                let photos = object.borrow_mut().take();
                if let Some(p) = photos {
                    let _ = p.close();
                }
            }
        });
    }
    Photos { host, object }
}

/// The capture module's photos for this session (`openPhotos`), reporting to the flow.
fn open(ctx: &Ctx, m: &CaptureModule) -> CapturePhotos {
    let staged: js_sys::Array = DocumentKind::ALL
        .into_iter()
        .filter(|k| ctx.flow.photo(*k) == PhotoStage::Staged)
        .map(|k| JsValue::from(k.as_str()))
        .collect();
    capture::open_photos(ctx, m, &staged, events(ctx).unchecked_ref())
}

/// `onEvent(name, value)` for the capture and reader modules: each [`CaptureEvent`] into the
/// flow.
fn events(ctx: &Ctx) -> JsValue {
    let (flow, trace) = (ctx.flow.clone(), ctx.trace.clone());
    Closure::<dyn Fn(String, JsValue)>::new(move |what: String, value: JsValue| {
        let event = CaptureEvent::parse(&what);
        if event == Some(CaptureEvent::Trace) {
            // `[kind, code]`: into the trace (a word outside its vocabulary is kept as `other`);
            // a camera that failed is reported at once.
            let value = js_sys::Array::from(&value);
            let (kind, code) =
                (value.get(0).as_string().unwrap_or_default(), value.get(1).as_string().unwrap_or_default());
            trace.push(&kind, &code);
            if crate::trace::is_camera_failure(&kind, &code) {
                trace.send();
            }
        } else if event == Some(CaptureEvent::Done) {
            flow.dispatch(Action::Go(Step::Review));
        } else if event == Some(CaptureEvent::Document) {
            // `[onlyEmpty, path, value, path, value, …]`.
            let value = js_sys::Array::from(&value);
            let mut fills = Vec::new();
            let mut i = 1;
            while i < value.length() {
                if let (Some(f), Some(v)) =
                    (value.get(i).as_string().and_then(|p| Field::from_path(&p)), value.get(i + 1).as_string())
                {
                    fills.push((f, v));
                }
                i += 2;
            }
            flow.dispatch(Action::FromDocument(fills, value.get(0).is_truthy()));
        } else if event == Some(CaptureEvent::Edit) {
            if let Some(f) = value.as_string().and_then(|p| Field::from_path(&p)) {
                flow.dispatch(Action::Go(Step::of(f)));
            }
        } else {
            let stage = |i: u32| {
                let name = js_sys::Array::from(&value).get(i).as_string().unwrap_or_default();
                PhotoStage::parse(&name).unwrap_or(PhotoStage::Empty)
            };
            flow.dispatch(Action::Photos([stage(0), stage(1), stage(2)]));
        }
    })
    .into_js_value()
}

pub fn view(ctx: &Ctx, on_continue: Callback<()>, photos: &Photos) -> Html {
    let children = html! { <div class="kyc-photos" ref={photos.host.clone()}></div> };
    step_frame(
        ctx,
        StepFrameProps { step: Step::Photos, children, on_continue, continue_label: Key::Continue, busy: false },
    )
}
