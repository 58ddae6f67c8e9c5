//! A labelled text input with its error, wired for assistive technology: the label is a real
//! `<label for>`, the error is tied with `aria-describedby`, and `aria-invalid` marks the field.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TextFieldProps {
    /// Unique within the page (instance prefix + field name).
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    #[prop_or_default]
    pub error: Option<AttrValue>,
    #[prop_or(AttrValue::Static("text"))]
    pub input_type: AttrValue,
    #[prop_or_default]
    pub autocomplete: Option<AttrValue>,
    pub on_input: Callback<String>,
}

#[component]
pub fn TextField(p: &TextFieldProps) -> Html {
    let error_id = format!("{}-error", p.id);
    let oninput = {
        let cb = p.on_input.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            cb.emit(input.value());
        })
    };
    let invalid = p.error.is_some();
    html! {
        <div class={classes!("kyc-field", invalid.then_some("kyc-field--invalid"))}>
            <label class="kyc-label" for={p.id.clone()}>{ p.label.clone() }</label>
            <input class="kyc-input" id={p.id.clone()} name={p.id.clone()} type={p.input_type.clone()}
                value={p.value.clone()} {oninput}
                autocomplete={p.autocomplete.clone()}
                aria-invalid={invalid.then_some("true")}
                aria-describedby={invalid.then(|| error_id.clone())} />
            if let Some(err) = &p.error {
                <p class="kyc-error" id={error_id}>{ err.clone() }</p>
            }
        </div>
    }
}
