//! "Continue on your phone" on the desktop's Photos step (contract.md §4). The panel itself —
//! the QR code, the link with "Copy link", the match code, following the phone with polling —
//! lives in the lazily loaded module (`kyc-capture`'s `openHandoff`), so it costs the first
//! load nothing. This component offers it, opens it, brings each photo the phone sends into
//! its slot (a preview fetched from the backend) and goes on to Review once the phone is done.

use js_sys::{Function, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::ctx::Ctx;
use crate::flow::{Action, Step};
use crate::i18n::Key;

/// The module's texts: its own English unless the locale or the host has them (`handoff_*`), and
/// the title.
fn texts(ctx: &Ctx) -> JsValue {
    let o = ctx.i18n.lazy_texts();
    let _ = Reflect::set(&o, &"continue_on_phone".into(), &ctx.i18n.t(Key::ContinueOnPhone).into());
    let _ = Reflect::set(&o, &"continue_on_phone_failed".into(), &ctx.i18n.t(Key::ContinueOnPhoneFailed).into());
    o.into()
}

fn call(obj: &JsValue, name: &str, args: &js_sys::Array) -> Result<JsValue, JsValue> {
    Reflect::get(obj, &name.into())?.dyn_into::<Function>()?.apply(obj, args)
}

/// The offer's state: whether the panel is open, whether opening it failed, and its element.
#[derive(Clone, PartialEq)]
pub struct Handoff {
    open: UseStateHandle<bool>,
    failed: UseStateHandle<bool>,
    host: NodeRef,
}

/// The offer ("Continue on your phone") and, once taken, the module's panel (a hook of the
/// root component rather than a component of its own: lighter on the first load).
#[hook]
pub fn use_handoff(ctx: &Ctx) -> Handoff {
    let host = use_node_ref();
    let open = use_state(|| false);
    let failed = use_state(|| false);
    {
        let (host, ctx, open_state, failed) = (host.clone(), ctx.clone(), open.clone(), failed.clone());
        let url = ctx.handoff_url.clone();
        // Open while the person is on the Photos step; leaving it closes the panel (polling
        // stops), and coming back asks for a fresh link.
        let active = *open && ctx.flow.step == Step::Photos;
        use_effect_with(active, move |is_open| {
            let panel: Rc<RefCell<(Option<JsValue>, bool)>> = Rc::default();
            if *is_open {
                let panel = panel.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let module = JsFuture::from(crate::camera::load_module(ctx.callbacks.load_capture.clone())).await;
                    let Some(el) = host.cast::<web_sys::Element>() else { return };
                    let (flow, backend, loader) =
                        (ctx.flow.clone(), ctx.backend.clone(), ctx.callbacks.load_capture.clone());
                    let closed = open_state.clone();
                    let on_event = Closure::<dyn Fn(String, JsValue)>::new(move |kind: String, value: JsValue| {
                        match kind.as_str() {
                            "photos" => {
                                let list = crate::api::photo_list(&value);
                                let (flow, backend, loader) = (flow.clone(), backend.clone(), loader.clone());
                                wasm_bindgen_futures::spawn_local(async move {
                                    crate::app::restore_photos(&flow, &backend, &list, loader).await;
                                });
                            }
                            "done" => flow.dispatch(Action::Go(Step::Review)),
                            _ => closed.set(false),
                        }
                    })
                    .into_js_value();
                    let args: js_sys::Array = [
                        el.into(),
                        ctx.backend.base_url.clone().into(),
                        ctx.backend.token.clone().into(),
                        url.to_string().into(),
                        texts(&ctx),
                        on_event,
                    ]
                    .into_iter()
                    .collect();
                    let mut pl = panel.borrow_mut();
                    match module.and_then(|m| call(&m, "openHandoff", &args)) {
                        Ok(h) if pl.1 => crate::app::close_module_object(&h),
                        Ok(h) => pl.0 = Some(h),
                        Err(_) => {
                            failed.set(true);
                            open_state.set(false);
                        }
                    }
                });
            }
            move || {
                let mut pl = panel.borrow_mut();
                pl.1 = true;
                if let Some(h) = pl.0.take() {
                    crate::app::close_module_object(&h);
                }
            }
        });
    }
    Handoff { open, failed, host }
}

pub fn view(ctx: &Ctx, h: &Handoff) -> Html {
    let start = {
        let (open, failed) = (h.open.clone(), h.failed.clone());
        move |_: MouseEvent| {
            failed.set(false);
            open.set(true);
        }
    };
    html! {
        <div class="kyc-handoff">
            if *h.open {
                <div class="kyc-handoff-host" ref={h.host.clone()}></div>
            } else {
                <button type="button" class="kyc-button" onclick={start}>{ ctx.t(Key::ContinueOnPhone) }</button>
                if *h.failed { <p class="kyc-error" role="alert">{ ctx.t(Key::ContinueOnPhoneFailed) }</p> }
            }
        </div>
    }
}
