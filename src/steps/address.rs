//! Step "Address": country, state (a select of the 50 states + DC for the US, free text
//! elsewhere), city, street, ZIP, and the SSN for a US address only.

use kyc_domain::country::US_STATES;
use kyc_domain::Field;
use std::rc::Rc;
use yew::prelude::*;

use super::frame::{step_frame, StepFrameProps};
use crate::ctx::Ctx;
use crate::field::{select_field, text_field, SelectFieldProps, TextFieldProps};
use crate::flow::Step;
use crate::i18n::Key;

pub fn view(ctx: &Ctx, on_continue: Callback<()>) -> Html {
    let f = &ctx.flow;
    let us = f.is_us();
    let states = Rc::new(US_STATES.iter().map(|(c, n)| ((*c).to_owned(), (*n).to_owned())).collect::<Vec<_>>());
    let children = html! {
        <>
            { select_field(&SelectFieldProps { autocomplete: Some("country"), common: ctx.common(Field::AddressCountry, Key::Country, None), value: f.value(Field::AddressCountry), options: ctx.countries.clone(), placeholder: ctx.t(Key::Choose), on_change: ctx.setter(Field::AddressCountry) }) }
            if us {
                { select_field(&SelectFieldProps { autocomplete: None, common: ctx.common(Field::State, Key::State, None), value: f.value(Field::State), options: Rc::clone(&states), placeholder: ctx.t(Key::Choose), on_change: ctx.setter(Field::State) }) }
            } else {
                { text_field(TextFieldProps { input_type: "text", autocomplete: Some("address-level1"), inputmode: None, common: ctx.common(Field::State, Key::StateOther, None), value: f.value(Field::State), on_input: ctx.setter(Field::State) }) }
            }
            { text_field(TextFieldProps { input_type: "text", autocomplete: Some("address-level2"), inputmode: None, common: ctx.common(Field::City, Key::City, None), value: f.value(Field::City), on_input: ctx.setter(Field::City) }) }
            { text_field(TextFieldProps { input_type: "text", autocomplete: Some("address-line1"), inputmode: None, common: ctx.common(Field::Street, Key::Street, None), value: f.value(Field::Street), on_input: ctx.setter(Field::Street) }) }
            { text_field(TextFieldProps { input_type: "text", autocomplete: Some("postal-code"), inputmode: None, common: ctx.common(Field::ZipCode, Key::Zip, None), value: f.value(Field::ZipCode), on_input: ctx.setter(Field::ZipCode) }) }
            if us {
                { text_field(TextFieldProps { input_type: "text", autocomplete: Some("off"), inputmode: Some("numeric"), common: ctx.common(Field::Ssn, Key::Ssn, Some(Key::SsnHint)), value: f.value(Field::Ssn), on_input: ctx.setter(Field::Ssn) }) }
            }
        </>
    };
    step_frame(
        ctx,
        StepFrameProps { step: Step::Address, children, on_continue, continue_label: Key::Continue, busy: false },
    )
}
