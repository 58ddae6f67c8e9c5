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

/// The capture module's photos (once loaded) and the step's element.
#[derive(Clone)]
pub struct Photos {
    pub host: NodeRef,
    pub object: Rc<RefCell<Option<CapturePhotos>>>,
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
    let on_photos = ctx.flow.step == Step::Photos;
    {
        let (ctx, host, object) = (ctx.clone(), host.clone(), object.clone());
        let passport = IdDocType::parse(&ctx.flow.value(Field::IdDocType)) == Ok(IdDocType::Passport);
        use_effect_with((on_photos, passport), move |&(on, passport)| {
            let gone = Rc::new(std::cell::Cell::new(false));
            if on {
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
                    if let Some(p) = photos {
                        let shape = if passport { Shape::Passport } else { Shape::Card };
                        let _ = p.attach(&el, shape.as_str());
                        let _ = p.set_errors(&photo_errors(&ctx));
                    }
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
    let flow = ctx.flow.clone();
    let on_event = Closure::<dyn Fn(String, JsValue)>::new(move |what: String, value: JsValue| {
        if CaptureEvent::parse(&what) == Some(CaptureEvent::Done) {
            flow.dispatch(Action::Go(Step::Review));
        } else {
            let stage = |i: u32| {
                let name = js_sys::Array::from(&value).get(i).as_string().unwrap_or_default();
                PhotoStage::parse(&name).unwrap_or(PhotoStage::Empty)
            };
            flow.dispatch(Action::Photos([stage(0), stage(1), stage(2)]));
        }
    })
    .into_js_value();
    let staged: js_sys::Array = DocumentKind::ALL
        .into_iter()
        .filter(|k| ctx.flow.photo(*k) == PhotoStage::Staged)
        .map(|k| JsValue::from(k.as_str()))
        .collect();
    capture::open_photos(ctx, m, &staged, on_event.unchecked_ref())
}

pub fn view(ctx: &Ctx, on_continue: Callback<()>, photos: &Photos) -> Html {
    let children = html! { <div class="kyc-photos" ref={photos.host.clone()}></div> };
    step_frame(
        ctx,
        StepFrameProps { step: Step::Photos, children, on_continue, continue_label: Key::Continue, busy: false },
    )
}
