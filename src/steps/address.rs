//! Step "Address": country, state (a select of the 50 states + DC for the US, free text
//! elsewhere), city, street, ZIP, and the SSN for a US address only.

use kyc_domain::country::US_STATES;
use kyc_domain::Field;
use std::rc::Rc;
use yew::prelude::*;

use super::personal::StepProps;
use crate::ctx::Ctx;
use crate::field::{SelectField, TextField};
use crate::flow::Step;
use crate::i18n::Key;

#[component]
pub fn AddressStep(p: &StepProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let f = &ctx.flow;
    let us = f.is_us();
    let states =
        use_memo((), |()| US_STATES.iter().map(|(c, n)| ((*c).to_owned(), (*n).to_owned())).collect::<Vec<_>>());
    html! {
        <super::frame::StepFrame step={Step::Address} on_continue={p.on_continue.clone()}>
            <SelectField common={ctx.common(Field::AddressCountry, Key::Country, None)} value={f.value(Field::AddressCountry)}
                options={ctx.countries.clone()} placeholder={ctx.t(Key::Choose)} autocomplete={Some(AttrValue::Static("country"))}
                on_change={ctx.setter(Field::AddressCountry)} />
            if us {
                <SelectField common={ctx.common(Field::State, Key::State, None)} value={f.value(Field::State)}
                    options={Rc::clone(&states)} placeholder={ctx.t(Key::Choose)} on_change={ctx.setter(Field::State)} />
            } else {
                <TextField common={ctx.common(Field::State, Key::StateOther, None)} value={f.value(Field::State)}
                    autocomplete={Some(AttrValue::Static("address-level1"))} on_input={ctx.setter(Field::State)} />
            }
            <TextField common={ctx.common(Field::City, Key::City, None)} value={f.value(Field::City)}
                autocomplete={Some(AttrValue::Static("address-level2"))} on_input={ctx.setter(Field::City)} />
            <TextField common={ctx.common(Field::Street, Key::Street, None)} value={f.value(Field::Street)}
                autocomplete={Some(AttrValue::Static("address-line1"))} on_input={ctx.setter(Field::Street)} />
            <TextField common={ctx.common(Field::ZipCode, Key::Zip, None)} value={f.value(Field::ZipCode)}
                autocomplete={Some(AttrValue::Static("postal-code"))} on_input={ctx.setter(Field::ZipCode)} />
            if us {
                <TextField common={ctx.common(Field::Ssn, Key::Ssn, Some(Key::SsnHint))} value={f.value(Field::Ssn)}
                    autocomplete={Some(AttrValue::Static("off"))} inputmode={Some(AttrValue::Static("numeric"))} on_input={ctx.setter(Field::Ssn)} />
            }
        </super::frame::StepFrame>
    }
}
