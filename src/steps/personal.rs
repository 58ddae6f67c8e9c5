//! Step "Personal details".

use kyc_domain::{Field, FieldError, Violation};
use yew::prelude::*;

use crate::field::TextField;
use crate::form::{FormAction, FormState};
use crate::i18n::{error_text, text, Key, Locale};

#[derive(Properties, PartialEq)]
pub struct PersonalProps {
    pub id_prefix: AttrValue,
    pub locale: Locale,
    pub form: UseReducerHandle<FormState>,
    pub errors: Vec<FieldError>,
    pub on_continue: Callback<()>,
    pub busy: bool,
}

/// The error text for `field`, if any.
pub fn error_for(errors: &[FieldError], field: Field, locale: Locale) -> Option<AttrValue> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| AttrValue::from(error_text(locale, &Violation { code: e.code, params: e.params.clone() })))
}

#[component]
pub fn PersonalStep(p: &PersonalProps) -> Html {
    let t = |k| text(p.locale, k);
    let set = |f: Field| {
        let form = p.form.clone();
        Callback::from(move |v: String| form.dispatch(FormAction::Set(f, v)))
    };
    let onsubmit = {
        let cb = p.on_continue.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit(());
        })
    };
    let id = |name: &str| AttrValue::from(format!("{}-{name}", p.id_prefix));
    let f = &p.form;
    html! {
        <form class="kyc-step" {onsubmit} novalidate=true>
            <h2 class="kyc-step-title">{ t(Key::StepPersonal) }</h2>
            if !p.errors.is_empty() {
                <div class="kyc-summary" role="alert">{ t(Key::FixErrors) }</div>
            }
            <TextField id={id("firstName")} label={t(Key::FirstName)} value={f.get(Field::FirstName)}
                autocomplete={Some(AttrValue::Static("given-name"))}
                error={error_for(&p.errors, Field::FirstName, p.locale)} on_input={set(Field::FirstName)} />
            <TextField id={id("lastName")} label={t(Key::LastName)} value={f.get(Field::LastName)}
                autocomplete={Some(AttrValue::Static("family-name"))}
                error={error_for(&p.errors, Field::LastName, p.locale)} on_input={set(Field::LastName)} />
            <TextField id={id("email")} label={t(Key::Email)} value={f.get(Field::Email)} input_type="email"
                autocomplete={Some(AttrValue::Static("email"))}
                error={error_for(&p.errors, Field::Email, p.locale)} on_input={set(Field::Email)} />
            <div class="kyc-actions">
                <button class="kyc-button kyc-button--primary" type="submit" disabled={p.busy}>
                    { if p.busy { t(Key::Sending) } else { t(Key::Continue) } }
                </button>
            </div>
        </form>
    }
}
