//! Step "Identity document": type, number, expiry (or "does not expire").

use kyc_domain::Field;
use std::rc::Rc;
use yew::prelude::*;

use super::frame::{step_frame, StepFrameProps};
use crate::ctx::Ctx;
use crate::field::{checkbox, select_field, text_field, CheckboxProps, SelectFieldProps, TextFieldProps};
use crate::flow::{Action, Step};
use crate::i18n::Key;

pub fn view(ctx: &Ctx, on_continue: Callback<()>) -> Html {
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
    let children = html! {
        <>
            { select_field(&SelectFieldProps { autocomplete: None, common: ctx.common(Field::IdDocType, Key::DocumentType, None), value: f.value(Field::IdDocType), options: types, placeholder: ctx.t(Key::Choose), on_change: ctx.setter(Field::IdDocType) }) }
            { text_field(TextFieldProps { input_type: "text", autocomplete: None, inputmode: None, common: ctx.common(Field::DocumentNumber, Key::DocumentNumber, None), value: f.value(Field::DocumentNumber), on_input: ctx.setter(Field::DocumentNumber) }) }
            if !f.no_expiry {
                { ctx.date(Field::ValidUntil, Key::ExpiryDate, None) }
            }
            { checkbox(CheckboxProps { id: format!("{}-no-expiry", ctx.prefix), label: ctx.t(Key::NoExpiry), checked: f.no_expiry, on_change: on_no_expiry }) }
        </>
    };
    step_frame(
        ctx,
        StepFrameProps { step: Step::Document, children, on_continue, continue_label: Key::Continue, busy: false },
    )
}
