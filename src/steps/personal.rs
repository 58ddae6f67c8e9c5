//! Step "Personal details": first name, last name, email, date of birth, gender, nationality.
//! The email is a text input with the email keyboard (`inputmode`): an `<input type=email>`
//! reports no caret, which the static first step's takeover needs (`first_step`).

use kyc_domain::Field;
use std::rc::Rc;
use yew::prelude::*;

use super::frame::{step_frame, StepFrameProps};
use crate::ctx::Ctx;
use crate::field::{select_field, text_field, SelectFieldProps, TextFieldProps};
use crate::flow::{Action, Step};
use crate::i18n::Key;

pub fn view(ctx: &Ctx, on_continue: Callback<()>, photos: &super::photos::Photos) -> Html {
    let f = &ctx.flow;
    let scan = {
        let flow = ctx.flow.clone();
        Callback::from(move |_: MouseEvent| flow.dispatch(Action::Scan))
    };
    let genders = Rc::new(vec![("1".to_owned(), ctx.i18n.t(Key::Male)), ("2".to_owned(), ctx.i18n.t(Key::Female))]);
    let children = html! {
        <>
            if f.scanning {
                <div class="kyc-scan" ref={photos.host.clone()}></div>
            } else {
                <button type="button" class="kyc-button kyc-scan-button" onclick={scan}>{ ctx.t(Key::ReadId) }</button>
            }
            { text_field(TextFieldProps { input_type: "text", autocomplete: Some("given-name"), inputmode: None, common: ctx.common(Field::FirstName, Key::FirstName, None), value: f.value(Field::FirstName), on_input: ctx.setter(Field::FirstName) }) }
            { text_field(TextFieldProps { input_type: "text", autocomplete: Some("family-name"), inputmode: None, common: ctx.common(Field::LastName, Key::LastName, None), value: f.value(Field::LastName), on_input: ctx.setter(Field::LastName) }) }
            { text_field(TextFieldProps { input_type: "text", autocomplete: Some("email"), inputmode: Some("email"), common: ctx.common(Field::Email, Key::Email, None), value: f.value(Field::Email), on_input: ctx.setter(Field::Email) }) }
            { ctx.date(Field::Dob, Key::DateOfBirth, Some("bday")) }
            { select_field(&SelectFieldProps { autocomplete: None, common: ctx.common(Field::Gender, Key::Gender, None), value: f.value(Field::Gender), options: genders, placeholder: ctx.t(Key::Choose), on_change: ctx.setter(Field::Gender) }) }
            { select_field(&SelectFieldProps { autocomplete: None, common: ctx.common(Field::Nationality, Key::Nationality, None), value: f.value(Field::Nationality), options: ctx.countries.clone(), placeholder: ctx.t(Key::Choose), on_change: ctx.setter(Field::Nationality) }) }
        </>
    };
    step_frame(
        ctx,
        StepFrameProps { step: Step::Personal, children, on_continue, continue_label: Key::Continue, busy: false },
    )
}
