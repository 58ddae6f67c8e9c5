//! The root component: holds the form state and the current step, talks to the backend.

use kyc_domain::{errors_for, Date, Field, FieldError, Rules};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::api::{ApiFailure, Backend};
use crate::form::FormState;
use crate::i18n::{text, Key, Locale};
use crate::steps::personal::PersonalStep;

/// The host's callbacks (contract.md §4). Compared by identity.
#[derive(Clone, Default, PartialEq)]
pub struct Callbacks {
    pub on_complete: Option<js_sys::Function>,
    pub on_error: Option<js_sys::Function>,
    pub on_step: Option<js_sys::Function>,
}

impl Callbacks {
    pub fn call(f: Option<&js_sys::Function>, arg: &JsValue) {
        if let Some(f) = f {
            let _ = f.call1(&JsValue::NULL, arg);
        }
    }
}

#[derive(Properties, Clone, PartialEq)]
pub struct AppProps {
    pub backend: Rc<Backend>,
    pub locale: Locale,
    pub id_prefix: AttrValue,
    #[prop_or_default]
    pub callbacks: Callbacks,
}

/// The fields of the personal step, in screen order.
pub const PERSONAL_FIELDS: [Field; 3] = [Field::FirstName, Field::LastName, Field::Email];

#[derive(Clone, PartialEq)]
enum Phase {
    Editing,
    Sending,
    Done { status: String },
}

/// Today in UTC, for the rulebook.
pub fn rules_today() -> Rules {
    Rules::new(Date::from_unix_millis(js_sys::Date::now() as i64).unwrap_or(Date::NEVER_EXPIRES))
}

fn focus(id: &str) {
    if let Some(el) = gloo_element(id) {
        let _ = el.focus();
    }
}

fn gloo_element(id: &str) -> Option<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    web_sys::window()?.document()?.get_element_by_id(id)?.dyn_into().ok()
}

#[component]
pub fn App(p: &AppProps) -> Html {
    let form = use_reducer(FormState::with_demo_defaults);
    let errors = use_state(Vec::<FieldError>::new);
    let phase = use_state(|| Phase::Editing);
    let network_error = use_state(|| false);

    // Move focus to the first invalid field whenever a new error list appears.
    {
        let prefix = p.id_prefix.clone();
        use_effect_with((*errors).clone(), move |errs: &Vec<FieldError>| {
            if let Some(first) = PERSONAL_FIELDS.iter().find(|f| errs.iter().any(|e| e.field == **f)) {
                focus(&format!("{prefix}-{}", first.leaf()));
            }
        });
    }

    let on_continue = {
        let (form, errors, phase, network_error) = (form.clone(), errors.clone(), phase.clone(), network_error.clone());
        let backend = p.backend.clone();
        let callbacks = p.callbacks.clone();
        Callback::from(move |()| {
            let draft = form.draft();
            let step_errors = errors_for(&draft, &rules_today(), &PERSONAL_FIELDS);
            if !step_errors.is_empty() {
                errors.set(step_errors);
                return;
            }
            errors.set(Vec::new());
            network_error.set(false);
            phase.set(Phase::Sending);
            let (errors, phase, network_error, backend, callbacks) =
                (errors.clone(), phase.clone(), network_error.clone(), backend.clone(), callbacks.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match backend.create_application(&draft).await {
                    Ok(created) => {
                        Callbacks::call(callbacks.on_step.as_ref(), &JsValue::from_str("result"));
                        phase.set(Phase::Done { status: created.status });
                    }
                    Err(ApiFailure::Fields(f)) => {
                        errors.set(f);
                        phase.set(Phase::Editing);
                    }
                    Err(ApiFailure::Network) => {
                        network_error.set(true);
                        phase.set(Phase::Editing);
                    }
                    Err(ApiFailure::Other { code, .. }) => {
                        Callbacks::call(callbacks.on_error.as_ref(), &JsValue::from_str(&code));
                        network_error.set(true);
                        phase.set(Phase::Editing);
                    }
                }
            });
        })
    };

    let t = |k| text(p.locale, k);
    let body = match &*phase {
        Phase::Done { status } => {
            let msg = match status.as_str() {
                "approved" => t(Key::StatusApproved),
                "rejected" => t(Key::StatusRejected),
                "reviewing" => t(Key::StatusReviewing),
                _ => t(Key::StatusDraft),
            };
            html! {
                <section class="kyc-step kyc-result" aria-labelledby={format!("{}-result", p.id_prefix)}>
                    <h2 class="kyc-step-title" id={format!("{}-result", p.id_prefix)}>{ t(Key::Received) }</h2>
                    <p class="kyc-status" data-status={status.clone()}>{ msg }</p>
                </section>
            }
        }
        phase => html! {
            <>
                if *network_error {
                    <div class="kyc-summary" role="alert">
                        { t(Key::NetworkError) }{" "}
                        <button class="kyc-button" type="button" onclick={on_continue.reform(|_| ())}>{ t(Key::TryAgain) }</button>
                    </div>
                }
                <PersonalStep id_prefix={p.id_prefix.clone()} locale={p.locale} form={form.clone()}
                    errors={(*errors).clone()} on_continue={on_continue.clone()} busy={*phase == Phase::Sending} />
            </>
        },
    };
    html! {
        <div class="kyc-widget" lang={p.locale.tag()}>
            <h1 class="kyc-title">{ t(Key::Title) }</h1>
            <div class="kyc-live" aria-live="polite"></div>
            { body }
        </div>
    }
}
