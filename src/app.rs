//! The root component: builds the context each step reads, moves between steps (each validated with the
//! rulebook), submits (application, then each photo with progress, then submit), polls the
//! result with backoff, manages focus and announcements, and calls the host's callbacks.

use gloo_timers::callback::Timeout;
use kyc_domain::capture::PhotoStage;
use kyc_domain::{ApplicationStatus, Date, Rules};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::api::{to_js, ApiFailure, Backend};
use crate::capture::{CapturePhone, CapturePhotos};
use crate::ctx::{field_id, Callbacks, Ctx};
use crate::flow::{Action, Flow, Sending, Step};
use crate::i18n::{I18n, Key};
use crate::steps::{address, document, frame::focus_in, personal, photos, result, review};
use crate::trace::Trace;

#[derive(Properties, Clone, PartialEq)]
pub struct AppProps {
    pub backend: Rc<Backend>,
    pub i18n: Rc<I18n>,
    pub id_prefix: AttrValue,
    /// The element the widget renders into (focus lookups stay inside it, shadow root or not).
    pub root: web_sys::Element,
    #[prop_or_default]
    pub callbacks: Callbacks,
    /// The page a phone opens to continue (`handoffUrl`; default the host page without its fragment).
    #[prop_or_default]
    pub handoff_url: AttrValue,
    /// Phone mode: the one-time token of a desktop's "continue on your phone" link.
    #[prop_or_default]
    pub handoff_token: Option<AttrValue>,
    /// The diagnostics trace, and the draft staged as typed.
    pub trace: Rc<Trace>,
}

/// Today in UTC, for the rulebook.
pub fn rules_today() -> Rules {
    Rules::new(Date::from_unix_millis(js_sys::Date::now() as i64).unwrap_or(Date::NEVER_EXPIRES))
}

/// Whether the application's status is the provider's decision.
fn is_final(status: Option<&str>) -> bool {
    status.and_then(ApplicationStatus::parse).is_some_and(ApplicationStatus::is_final)
}

/// `onError`'s detail (docs/api.md "The widget in a page").
#[derive(serde::Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
}

/// `onComplete`'s detail.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct CompleteDetail<'a> {
    application_id: &'a str,
    status: &'a str,
}

/// The whole submission; resumable: what already succeeded is skipped on "Try again". The
/// backend forwards the staged photos itself at submit.
async fn submit(
    flow: UseReducerHandle<Flow>,
    backend: Rc<Backend>,
    callbacks: Callbacks,
    photos: Rc<RefCell<Option<CapturePhotos>>>,
    trace: Rc<Trace>,
) {
    let fail = |k: Key, code: &str| {
        Callbacks::call(callbacks.on_error.as_ref(), &to_js(&ErrorDetail { code }));
        trace.push("network", if code == "network_error" { "failed" } else { "server_error" });
        trace.send();
        flow.dispatch(Action::Sending(Sending::Failed(k)));
    };
    flow.dispatch(Action::Sending(Sending::Working));
    // Photos are staged as soon as they are taken: one still on its way is waited for, one whose
    // staging failed is sent again now.
    if flow.photos.iter().any(|p| matches!(p, PhotoStage::Failed | PhotoStage::Sending)) {
        let object = photos.borrow().clone();
        let why = match object {
            Some(o) => match o.flush() {
                Ok(p) => wasm_bindgen_futures::JsFuture::from(p).await.unwrap_or(JsValue::NULL),
                Err(_) => JsValue::NULL,
            },
            None => JsValue::from_str("upload_failed"),
        };
        match why.as_string().as_deref() {
            _ if why.is_null() => {}
            Some("network_error") => return fail(Key::NetworkError, "network_error"),
            Some("session_expired") => return fail(Key::SessionExpired, "session_expired"),
            Some(_) => return fail(Key::UploadFailed, "upload_failed"),
            None => return flow.dispatch(Action::ServerErrors(crate::api::field_errors(why))),
        }
    }
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
            Err(ApiFailure::Exists(_)) => return fail(Key::ServerError, "application_exists"),
        },
    };
    match backend.submit(&id).await {
        Ok(status) => {
            // The whole path to the partner, now that it ends well.
            trace.send();
            flow.dispatch(Action::Status(status));
            flow.dispatch(Action::Sending(Sending::Idle));
            flow.dispatch(Action::Go(Step::Result));
        }
        Err(ApiFailure::Fields(f)) => flow.dispatch(Action::ServerErrors(f)),
        Err(ApiFailure::Network) => fail(Key::NetworkError, "network_error"),
        Err(ApiFailure::Other { code, .. }) => fail(Key::ServerError, &code),
        Err(ApiFailure::Exists(_)) => fail(Key::ServerError, "application_exists"),
    }
}

#[component]
pub fn App(p: &AppProps) -> Html {
    let flow = use_reducer(Flow::default);
    let countries = use_memo(p.i18n.locale, |l| crate::intl::countries(l.tag()));
    let dates = use_memo(p.i18n.locale, |l| crate::intl::date_parts(l.tag()));
    let ctx = Ctx {
        i18n: p.i18n.clone(),
        prefix: p.id_prefix.clone(),
        flow: flow.clone(),
        backend: p.backend.clone(),
        callbacks: p.callbacks.clone(),
        countries,
        dates,
        root: p.root.clone(),
        handoff_url: p.handoff_url.clone(),
        trace: p.trace.clone(),
    };
    let announcement = use_state(String::new);
    let trace = ctx.trace.clone();
    let photo_slots = photos::use_photos(&ctx);
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
            let first = std::mem::replace(&mut *first_render.borrow_mut(), false);
            if !first {
                ctx.trace.push("step", "left");
            }
            ctx.trace.step(step.name());
            ctx.trace.push("step", "entered");
            if !first {
                focus_in(&ctx.root, &format!("{}-heading", ctx.prefix));
                // Moving between steps stages what was typed (encrypted on the backend), at once:
                // it replaces a staging still waiting for the last key (which names the step
                // before and must not arrive after this one).
                if *step != Step::Result && !ctx.backend.phone {
                    let flow = &ctx.flow;
                    ctx.trace.stage(&Backend::draft_body(step.name(), flow.no_expiry, &flow.draft()));
                    ctx.trace.flush();
                }
            } else {
                crate::first_step::take_over(&ctx.root, &ctx.prefix);
            }
            Callbacks::call(ctx.callbacks.on_step.as_ref(), &JsValue::from_str(step.name()));
        });
    }
    // On mount: where this user stands on the backend (docs/api.md) — a submitted
    // application opens on the result; otherwise the staged values, step and photos come back
    // (a reload, a crashed tab, a new token). The browser itself keeps nothing.
    {
        let ctx = ctx.clone();
        // And the page watched: hidden or shown into the trace (sent as a beacon when hidden);
        // as it goes, what was typed is staged.
        use_effect_with((), move |()| {
            let (flow, backend) = (ctx.flow.clone(), ctx.backend.clone());
            if !backend.phone {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(r) = backend.session().await {
                        flow.dispatch(Action::Resume(Box::new(r)));
                    }
                });
            }
            ctx.trace.push("page", "loaded");
            let env = ctx.trace.environment();
            if env.embedded() {
                ctx.trace.push("notice", if env.in_app == "none" { "webview" } else { "in_app" });
            }
            // No camera can be offered here at all: the partner should know why.
            if !env.secure {
                ctx.trace.push("camera", "insecure");
            } else if !env.camera_api {
                ctx.trace.push("camera", "no_api");
            }
            let stop = ctx.trace.watch();
            move || drop(stop.call0(&JsValue::NULL))
        });
    }
    // What was typed is staged as the person types, about a second after the last change, or at
    // once if the page goes first (a reload, a crash, a closed tab lose nothing), besides at each
    // change of step.
    {
        let ctx = ctx.clone();
        use_effect_with(flow.revision, move |&revision| {
            let flow = &ctx.flow;
            if revision > 0 && flow.step != Step::Result && !ctx.backend.phone {
                ctx.trace.stage(&Backend::draft_body(flow.step.name(), flow.no_expiry, &flow.draft()));
            }
        });
    }
    // Phone mode: the capture module's page in `phone_host`, closed on unmount.
    let phone_host = use_node_ref();
    {
        let (ctx, host, token) = (ctx.clone(), phone_host.clone(), p.handoff_token.clone());
        use_effect_with((), move |()| {
            let page: Rc<RefCell<(Option<CapturePhone>, bool)>> = Rc::default();
            if let (Some(token), Some(el)) = (token, host.cast::<web_sys::Element>()) {
                let page = page.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let opened = crate::phone::open(&ctx, el, &token).await;
                    let mut p = page.borrow_mut();
                    if p.1 {
                        if let Some(o) = opened {
                            let _ = o.close_page();
                        }
                    } else {
                        p.0 = opened;
                    }
                });
            }
            move || {
                let mut p = page.borrow_mut();
                p.1 = true;
                if let Some(o) = p.0.take() {
                    let _ = o.close_page();
                }
            }
        });
    }
    // Continue or the server flagged errors: focus the first invalid field (not when errors
    // come and go as the person types).
    {
        let ctx = ctx.clone();
        use_effect_with(flow.flagged, move |_| {
            if let Some(e) = ctx.flow.errors.first() {
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
                Callbacks::call(
                    ctx.callbacks.on_complete.as_ref(),
                    &to_js(&CompleteDetail { application_id: &id, status: &s }),
                );
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
        let (flow, backend, callbacks) = (flow.clone(), ctx.backend.clone(), p.callbacks.clone());
        let object = photo_slots.object.clone();
        let trace = trace.clone();
        let busy = Rc::new(Cell::new(false));
        Callback::from(move |()| {
            if busy.replace(true) {
                return;
            }
            let (flow, backend, callbacks, busy) = (flow.clone(), backend.clone(), callbacks.clone(), busy.clone());
            let (object, trace) = (object.clone(), trace.clone());
            wasm_bindgen_futures::spawn_local(async move {
                submit(flow, backend, callbacks, object, trace).await;
                busy.set(false);
            });
        })
    };
    // Exit: the staged data is deleted (nothing of the person stays behind), then the host is told.
    let on_exit = {
        let (cb, backend, trace) = (p.callbacks.on_exit.clone(), p.backend.clone(), p.trace.clone());
        Callback::from(move |_: MouseEvent| {
            trace.cancel_stage();
            let (cb, backend) = (cb.clone(), backend.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let _ = backend.delete_draft().await;
                Callbacks::call(cb.as_ref(), &JsValue::UNDEFINED);
            });
        })
    };

    if p.handoff_token.is_some() {
        return html! {
            <div class="kyc-widget kyc-widget--phone" lang={p.i18n.locale.tag()} dir={p.i18n.locale.dir()}>
                <div class="kyc-phone" ref={phone_host}></div>
            </div>
        };
    }
    let body = match flow.step {
        Step::Personal => personal::view(&ctx, on_continue, &photo_slots),
        Step::Document => document::view(&ctx, on_continue),
        Step::Address => address::view(&ctx, on_continue),
        Step::Photos => photos::view(&ctx, on_continue, &photo_slots),
        Step::Review => review::view(&ctx, on_submit, &photo_slots),
        Step::Result => result::view(&ctx),
    };
    let current = flow.step;
    let indicator = html! {
        <ol class="kyc-steps" aria-label={ctx.t(Key::Steps)}>
            { for Step::INDICATED.iter().map(|s| {
                let state = if *s == current { "current" } else if s.number() < current.number() { "done" } else { "todo" };
                html! {
                    <li class="kyc-steps-item" data-state={state} aria-current={(*s == current).then_some("step")}>
                        <span class="kyc-steps-num" aria-hidden="true">{ s.number() }</span>
                        <span class="kyc-steps-label">{ ctx.t(s.title()) }</span>
                    </li>
                }
            }) }
        </ol>
    };
    html! {
        <div class="kyc-widget" lang={p.i18n.locale.tag()} dir={p.i18n.locale.dir()}>
            <div class="kyc-header">
                <h1 class="kyc-title">{ ctx.t(Key::Title) }</h1>
                <button type="button" class="kyc-link kyc-exit" onclick={on_exit}>{ ctx.t(Key::Exit) }</button>
            </div>
            { indicator }
            { crate::steps::notice::view(&ctx) }
            <div class="kyc-live" role="status" aria-live="polite" aria-atomic="true">{ (*announcement).clone() }</div>
            { body }
        </div>
    }
}
