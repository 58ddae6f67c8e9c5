//! Step "Personal details": first name, last name, email, date of birth, gender, nationality.

use kyc_domain::Field;
use std::rc::Rc;
use yew::prelude::*;

use crate::ctx::Ctx;
use crate::field::{SelectField, TextField};
use crate::flow::Step;
use crate::i18n::Key;

#[derive(Properties, PartialEq)]
pub struct StepProps {
    pub on_continue: Callback<()>,
}

#[component]
pub fn PersonalStep(p: &StepProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let f = &ctx.flow;
    let genders = Rc::new(vec![("1".to_owned(), ctx.i18n.t(Key::Male)), ("2".to_owned(), ctx.i18n.t(Key::Female))]);
    html! {
        <super::frame::StepFrame step={Step::Personal} on_continue={p.on_continue.clone()}>
            <TextField common={ctx.common(Field::FirstName, Key::FirstName, None)} value={f.value(Field::FirstName)}
                autocomplete={Some(AttrValue::Static("given-name"))} on_input={ctx.setter(Field::FirstName)} />
            <TextField common={ctx.common(Field::LastName, Key::LastName, None)} value={f.value(Field::LastName)}
                autocomplete={Some(AttrValue::Static("family-name"))} on_input={ctx.setter(Field::LastName)} />
            <TextField common={ctx.common(Field::Email, Key::Email, None)} value={f.value(Field::Email)} input_type="email"
                autocomplete={Some(AttrValue::Static("email"))} on_input={ctx.setter(Field::Email)} />
            <TextField common={ctx.common(Field::Dob, Key::DateOfBirth, Some(Key::DateHint))} value={f.value(Field::Dob)}
                autocomplete={Some(AttrValue::Static("bday"))} inputmode={Some(AttrValue::Static("numeric"))} on_input={ctx.setter(Field::Dob)} />
            <SelectField common={ctx.common(Field::Gender, Key::Gender, None)} value={f.value(Field::Gender)}
                options={genders} placeholder={ctx.t(Key::Choose)} on_change={ctx.setter(Field::Gender)} />
            <SelectField common={ctx.common(Field::Nationality, Key::Nationality, None)} value={f.value(Field::Nationality)}
                options={ctx.countries.clone()} placeholder={ctx.t(Key::Choose)} on_change={ctx.setter(Field::Nationality)} />
        </super::frame::StepFrame>
    }
}
