//! The root component: provides the context, moves between steps (each validated with the
//! rulebook), submits (application, then each photo with progress, then submit), polls the
//! result with backoff, manages focus and announcements, and calls the host's callbacks.

use gloo_timers::callback::Timeout;
use kyc_domain::photo::DocumentKind;
use kyc_domain::{Date, Rules};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::api::{field_errors, ApiFailure, Backend};
use crate::ctx::{field_id, Callbacks, Ctx};
use crate::flow::{Action, Flow, Sending, Slot, Step, Upload};
use crate::i18n::{I18n, Key};
use crate::steps::{address, document, frame::focus_in, personal, photos, result, review};
use crate::upload::{self, Outcome};

#[derive(Properties, Clone, PartialEq)]
pub struct AppProps {
    pub backend: Rc<Backend>,
    pub i18n: Rc<I18n>,
    pub id_prefix: AttrValue,
    /// The element the widget renders into (focus lookups stay inside it, shadow root or not).
    pub root: web_sys::Element,
    #[prop_or_default]
    pub callbacks: Callbacks,
}

/// Today in UTC, for the rulebook.
pub fn rules_today() -> Rules {
    Rules::new(Date::from_unix_millis(js_sys::Date::now() as i64).unwrap_or(Date::NEVER_EXPIRES))
}

fn is_final(status: Option<&str>) -> bool {
    matches!(status, Some("approved" | "rejected"))
}

fn obj(pairs: &[(&str, &str)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &(*k).into(), &(*v).into());
    }
    o.into()
}

/// The whole submission; resumable: what already succeeded is skipped on "Try again".
async fn submit(flow: UseReducerHandle<Flow>, backend: Rc<Backend>, callbacks: Callbacks) {
    let fail = |k: Key, code: &str| {
        Callbacks::call(callbacks.on_error.as_ref(), &obj(&[("code", code)]));
        flow.dispatch(Action::Sending(Sending::Failed(k)));
    };
    flow.dispatch(Action::Sending(Sending::Working));
    let id = match flow.application_id.clone() {
        Some(id) => id,
        None => match backend.create_application(&flow.draft()).await {
            Ok(c) => {
                flow.dispatch(Action::Created(c.application_id.clone()));
                c.application_id
            }
            Err(ApiFailure::Fields(f)) => return flow.dispatch(Action::ServerErrors(f)),
            Err(ApiFailure::Network) => return fail(Key::NetworkError, "network_error"),
            Err(ApiFailure::Other { status: 401, code }) => return fail(Key::SessionExpired, &code),
            Err(ApiFailure::Other { code, .. }) => return fail(Key::ServerError, &code),
        },
    };
    for kind in DocumentKind::ALL {
        let (blob, done, headers) = match flow.slot(kind) {
            Slot::Ready { photo, upload } => {
                let mut h = vec![("X-Photo-Source", photo.source.to_owned())];
                if let Some(m) = &photo.metrics {
                    h.push(("X-Photo-Metrics", crate::photo::metrics_header(m)));
                }
                (photo.blob.clone(), *upload == Upload::Done, h)
            }
            _ => continue,
        };
        if done {
            continue;
        }
        flow.dispatch(Action::Upload(kind, Upload::Progress(0)));
        let f2 = flow.clone();
        let outcome =
            upload::put(&backend.document_url(&id, kind.as_str()), &backend.token, &blob, &headers, move |pct| {
                f2.dispatch(Action::Upload(kind, Upload::Progress(pct)));
            })
            .await;
        match outcome {
            Outcome::Answered { status: 204, .. } => flow.dispatch(Action::Upload(kind, Upload::Done)),
            Outcome::Answered { status, body } => {
                flow.dispatch(Action::Upload(kind, Upload::Failed));
                let errs = js_sys::JSON::parse(&body).map(|v| field_errors(&v)).unwrap_or_default();
                if !errs.is_empty() {
                    return flow.dispatch(Action::ServerErrors(errs));
                }
                return fail(
                    if status == 401 { Key::SessionExpired } else { Key::UploadFailed },
                    &format!("http_{status}"),
                );
            }
            Outcome::NoAnswer => {
                flow.dispatch(Action::Upload(kind, Upload::Failed));
                return fail(Key::NetworkError, "network_error");
            }
        }
    }
    match backend.submit(&id).await {
        Ok(status) => {
            flow.dispatch(Action::Status(status));
            flow.dispatch(Action::Sending(Sending::Idle));
            flow.dispatch(Action::Go(Step::Result));
        }
        Err(ApiFailure::Fields(f)) => flow.dispatch(Action::ServerErrors(f)),
        Err(ApiFailure::Network) => fail(Key::NetworkError, "network_error"),
        Err(ApiFailure::Other { code, .. }) => fail(Key::ServerError, &code),
    }
}

#[component]
pub fn App(p: &AppProps) -> Html {
    let flow = use_reducer(Flow::default);
    let countries = use_memo(p.i18n.locale, |l| crate::intl::countries(l.tag()));
    let ctx = Ctx {
        i18n: p.i18n.clone(),
        prefix: p.id_prefix.clone(),
        flow: flow.clone(),
        backend: p.backend.clone(),
        callbacks: p.callbacks.clone(),
        countries,
        root: p.root.clone(),
    };
    let announcement = use_state(String::new);
    let first_render = use_mut_ref(|| true);

    // Step changes: focus the heading, announce "Step n of 5: title", tell the host.
    {
        let (ctx, announcement, first_render) = (ctx.clone(), announcement.clone(), first_render.clone());
        use_effect_with(flow.step, move |step| {
            let title = ctx.i18n.t(step.title());
            let text = if *step == Step::Result {
                title
            } else {
                let (n, total) = (step.number().to_string(), Step::INDICATED.len().to_string());
                format!("{}: {title}", ctx.i18n.fill(Key::StepOf, &[("n", &n), ("total", &total)]))
            };
            announcement.set(text);
            if !std::mem::replace(&mut *first_render.borrow_mut(), false) {
                focus_in(&ctx.root, &format!("{}-heading", ctx.prefix));
            }
            Callbacks::call(ctx.callbacks.on_step.as_ref(), &JsValue::from_str(step.name()));
        });
    }
    // On mount: a user who already has an application continues it (contract.md §1).
    {
        let ctx = ctx.clone();
        use_effect_with((), move |()| {
            let (flow, backend) = (ctx.flow.clone(), ctx.backend.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(Some(r)) = backend.session().await {
                    flow.dispatch(Action::Resume(r));
                }
            });
        });
    }
    // A new error list: focus the first invalid field.
    {
        let ctx = ctx.clone();
        use_effect_with(flow.errors.clone(), move |errs| {
            if let Some(e) = errs.first() {
                focus_in(&ctx.root, &field_id(&ctx.prefix, e.field));
            }
        });
    }
    // Result: poll with backoff (1 s, 2 s, 4 s … 10 s) until final; the timer dies on unmount.
    {
        let (ctx, polls) = (ctx.clone(), use_mut_ref(|| 0u32));
        use_effect_with(
            (flow.step, flow.application_id.clone(), flow.status.clone(), flow.polls()),
            move |(step, id, status, _)| {
                let mut timer = None;
                if *step == Step::Result && !is_final(status.as_deref()) {
                    if let Some(id) = id.clone() {
                        let n = *polls.borrow();
                        *polls.borrow_mut() += 1;
                        let delay = (1000u32 << n.min(4)).min(10_000);
                        let (flow, backend) = (ctx.flow.clone(), ctx.backend.clone());
                        timer = Some(Timeout::new(delay, move || {
                            wasm_bindgen_futures::spawn_local(async move {
                                let s = backend.status(&id).await.unwrap_or_default();
                                flow.dispatch(Action::Polled(s));
                            });
                        }));
                    }
                }
                move || drop(timer)
            },
        );
    }
    // A final status: tell the host once.
    {
        let (ctx, told) = (ctx.clone(), use_mut_ref(|| false));
        use_effect_with(flow.status.clone(), move |status| {
            if is_final(status.as_deref()) && !std::mem::replace(&mut *told.borrow_mut(), true) {
                let id = ctx.flow.application_id.clone().unwrap_or_default();
                let s = status.clone().unwrap_or_default();
                Callbacks::call(ctx.callbacks.on_complete.as_ref(), &obj(&[("applicationId", &id), ("status", &s)]));
            }
        });
    }
    // Unmount: free the previews' object URLs.
    {
        let urls: Rc<RefCell<Vec<String>>> = use_mut_ref(Vec::new);
        *urls.borrow_mut() = flow.photos.iter().filter_map(|s| s.photo().map(|p| p.url.clone())).collect();
        use_effect_with((), move |()| {
            move || {
                for u in urls.borrow().iter() {
                    crate::photo::release(u);
                }
            }
        });
    }

    let on_continue = {
        let flow = flow.clone();
        Callback::from(move |()| {
            let errs = flow.step_errors(flow.step, &rules_today());
            if errs.is_empty() {
                flow.dispatch(Action::Go(flow.step.next()));
            } else {
                flow.dispatch(Action::Errors(errs));
            }
        })
    };
    let on_submit = {
        let (flow, backend, callbacks) = (flow.clone(), p.backend.clone(), p.callbacks.clone());
        let busy = Rc::new(Cell::new(false));
        Callback::from(move |()| {
            if busy.replace(true) {
                return;
            }
            let (flow, backend, callbacks, busy) = (flow.clone(), backend.clone(), callbacks.clone(), busy.clone());
            wasm_bindgen_futures::spawn_local(async move {
                submit(flow, backend, callbacks).await;
                busy.set(false);
            });
        })
    };
    let on_exit = {
        let cb = p.callbacks.on_exit.clone();
        Callback::from(move |_: MouseEvent| Callbacks::call(cb.as_ref(), &JsValue::UNDEFINED))
    };

    let body = match flow.step {
        Step::Personal => personal::view(&ctx, on_continue),
        Step::Document => document::view(&ctx, on_continue),
        Step::Address => address::view(&ctx, on_continue),
        Step::Photos => photos::view(&ctx, on_continue),
        Step::Review => review::view(&ctx, on_submit),
        Step::Result => result::view(&ctx),
    };
    let current = flow.step;
    let indicator = html! {
        <ol class="kyc-steps" aria-label={ctx.t(Key::Steps)}>
            { for Step::INDICATED.iter().map(|s| {
                let state = if *s == current { "current" } else if s.number() < current.number() { "done" } else { "todo" };
                html! {
                    <li class={classes!("kyc-steps-item", format!("kyc-steps-item--{state}"))} aria-current={(*s == current).then_some("step")}>
                        <span class="kyc-steps-num" aria-hidden="true">{ s.number() }</span>
                        <span class="kyc-steps-label">{ ctx.t(s.title()) }</span>
                    </li>
                }
            }) }
        </ol>
    };
    html! {
        <ContextProvider<Ctx> context={ctx.clone()}>
            <div class="kyc-widget" lang={p.i18n.locale.tag()} dir={p.i18n.locale.dir()}>
                <div class="kyc-header">
                    <h1 class="kyc-title">{ ctx.t(Key::Title) }</h1>
                    <button type="button" class="kyc-link kyc-exit" onclick={on_exit}>{ ctx.t(Key::Exit) }</button>
                </div>
                { indicator }
                <div class="kyc-live" role="status" aria-live="polite" aria-atomic="true">{ (*announcement).clone() }</div>
                { body }
            </div>
        </ContextProvider<Ctx>>
    }
}
