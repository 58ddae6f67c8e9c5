//! Step "Photos": front of ID, back of ID (optional), face. The slots themselves — a file or
//! guided live capture, the cleaning pipeline, the preview, staging with progress, "Continue on
//! your phone" — are the lazily loaded module's ([`crate::module`]), loaded as the step shows;
//! this step gives them its frame (heading, error summary, Back / Continue). [`use_photos`]
//! keeps the module's photos for the widget's whole life and attaches them to the step.

use kyc_domain::document::IdDocType;
use kyc_domain::photo::DocumentKind;
use kyc_domain::Field;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

use super::frame::{step_frame, StepFrameProps};
use crate::ctx::Ctx;
use crate::flow::{Action, Photo, Step};
use crate::i18n::Key;
use crate::module;

/// The module's photos (once loaded) and the step's element.
#[derive(Clone)]
pub struct Photos {
    pub host: NodeRef,
    pub object: Rc<RefCell<Option<JsValue>>>,
}

/// `[[kind, code, message]]` of the photo errors shown.
fn photo_errors(ctx: &Ctx) -> JsValue {
    let list = js_sys::Array::new();
    for e in &ctx.flow.errors {
        if let Some(k) = DocumentKind::ALL.into_iter().find(|k| k.field() == e.field) {
            let msg = ctx.i18n.field_error(e);
            list.push(&js_sys::Array::of3(&k.as_str().into(), &e.code.as_str().into(), &msg.into()));
        }
    }
    list.into()
}

/// Attaches the module's photos to the step while it shows (created the first time, with the
/// previews of what is staged), detaches them when it goes (every camera off), passes the
/// errors on, and closes them when the widget goes.
#[hook]
pub fn use_photos(ctx: &Ctx) -> Photos {
    let host = use_node_ref();
    let object: Rc<RefCell<Option<JsValue>>> = use_mut_ref(|| None);
    let on_photos = ctx.flow.step == Step::Photos;
    {
        let (ctx, host, object) = (ctx.clone(), host.clone(), object.clone());
        let passport = IdDocType::parse(&ctx.flow.value(Field::IdDocType)) == Ok(IdDocType::Passport);
        use_effect_with((on_photos, passport), move |&(on, passport)| {
            let gone = Rc::new(std::cell::Cell::new(false));
            if on {
                let (object, gone) = (object.clone(), gone.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let Ok(m) = module::load(&ctx).await else { return };
                    let Some(el) = host.cast::<web_sys::Element>() else { return };
                    if gone.get() {
                        return;
                    }
                    if object.borrow().is_none() {
                        *object.borrow_mut() = open(&ctx, &m);
                    }
                    if let Some(o) = object.borrow().as_ref() {
                        let shape = if passport { "passport" } else { "card" };
                        let _ = module::call(o, "attach", &[&el.into(), &shape.into()]);
                        let _ = module::call(o, "setErrors", &[&photo_errors(&ctx)]);
                    }
                });
            }
            move || {
                gone.set(true);
                if let Some(o) = object.borrow().as_ref() {
                    let _ = module::call(o, "detach", &[]);
                }
            }
        });
    }
    {
        let (ctx, object) = (ctx.clone(), object.clone());
        use_effect_with(ctx.flow.errors.clone(), move |_| {
            if let Some(o) = object.borrow().as_ref() {
                let _ = module::call(o, "setErrors", &[&photo_errors(&ctx)]);
            }
        });
    }
    {
        let object = object.clone();
        use_effect_with((), move |()| {
            move || {
                if let Some(o) = object.borrow_mut().take() {
                    module::close(&o);
                }
            }
        });
    }
    Photos { host, object }
}

/// The module's photos for this session (`openPhotos`), reporting to the flow.
fn open(ctx: &Ctx, m: &JsValue) -> Option<JsValue> {
    let flow = ctx.flow.clone();
    let on_event = Closure::<dyn Fn(String, JsValue)>::new(move |what: String, value: JsValue| {
        if what == "done" {
            flow.dispatch(Action::Go(Step::Review));
        } else {
            let stage = |i: u32| Photo::parse(&js_sys::Array::from(&value).get(i).as_string().unwrap_or_default());
            flow.dispatch(Action::Photos([stage(0), stage(1), stage(2)]));
        }
    })
    .into_js_value();
    let staged: js_sys::Array = DocumentKind::ALL
        .into_iter()
        .filter(|k| ctx.flow.photo(*k) == Photo::Staged)
        .map(|k| JsValue::from(k.as_str()))
        .collect();
    let opts = js_sys::Object::new();
    for (k, v) in [
        ("backendUrl", ctx.backend.base_url.clone().into()),
        ("token", ctx.backend.token.clone().into()),
        ("prefix", ctx.prefix.to_string().into()),
        ("handoffUrl", ctx.handoff_url.to_string().into()),
        ("texts", module::texts(ctx)),
        ("describe", module::describe(ctx)),
        ("staged", staged.into()),
        ("onEvent", on_event),
    ] {
        let _ = js_sys::Reflect::set(&opts, &k.into(), &v);
    }
    module::call(m, "openPhotos", &[&opts.into()]).ok()
}

pub fn view(ctx: &Ctx, on_continue: Callback<()>, photos: &Photos) -> Html {
    let children = html! { <div class="kyc-photos" ref={photos.host.clone()}></div> };
    step_frame(
        ctx,
        StepFrameProps { step: Step::Photos, children, on_continue, continue_label: Key::Continue, busy: false },
    )
}
