//! Step "Identity document": type, number, expiry (or "does not expire").

use kyc_domain::Field;
use std::rc::Rc;
use yew::prelude::*;

use super::personal::StepProps;
use crate::ctx::Ctx;
use crate::field::{Checkbox, SelectField, TextField};
use crate::flow::{Action, Step};
use crate::i18n::Key;

#[component]
pub fn DocumentStep(p: &StepProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let f = &ctx.flow;
    let types = Rc::new(
        [("1", Key::IdCard), ("2", Key::Passport), ("3", Key::ResidencePermit), ("4", Key::DriversLicence)]
            .into_iter()
            .map(|(v, k)| (v.to_owned(), ctx.i18n.t(k)))
            .collect::<Vec<_>>(),
    );
    let on_no_expiry = {
        let flow = ctx.flow.clone();
        Callback::from(move |b| flow.dispatch(Action::NoExpiry(b)))
    };
    html! {
        <super::frame::StepFrame step={Step::Document} on_continue={p.on_continue.clone()}>
            <SelectField common={ctx.common(Field::IdDocType, Key::DocumentType, None)} value={f.value(Field::IdDocType)}
                options={types} placeholder={ctx.t(Key::Choose)} on_change={ctx.setter(Field::IdDocType)} />
            <TextField common={ctx.common(Field::DocumentNumber, Key::DocumentNumber, None)} value={f.value(Field::DocumentNumber)}
                on_input={ctx.setter(Field::DocumentNumber)} />
            if !f.no_expiry {
                <TextField common={ctx.common(Field::ValidUntil, Key::ExpiryDate, Some(Key::DateHint))} value={f.value(Field::ValidUntil)}
                    inputmode={Some(AttrValue::Static("numeric"))} on_input={ctx.setter(Field::ValidUntil)} />
            }
            <Checkbox id={format!("{}-no-expiry", ctx.prefix)} label={ctx.t(Key::NoExpiry)} checked={f.no_expiry} on_change={on_no_expiry} />
        </super::frame::StepFrame>
    }
}
