//! Labelled controls wired for assistive technology: a real `<label for>`, the error tied with
//! `aria-describedby` (and marked with `data-field` / `data-code` for tests and hosts), and
//! `aria-invalid` on the control.

use std::rc::Rc;
use yew::prelude::*;

#[derive(PartialEq, Clone)]
pub struct Common {
    /// Unique within the page (instance prefix + field path).
    pub id: AttrValue,
    pub label: AttrValue,
    pub hint: Option<AttrValue>,
    /// `(API path, code, message)` of the field's error.
    pub error: Option<(AttrValue, AttrValue, AttrValue)>,
}

impl Common {
    fn described_by(&self) -> Option<String> {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    fn below(&self) -> Html {
        html! {
            <>
                if let Some(h) = &self.hint {
                    <p class="kyc-hint" id={format!("{}-hint", self.id)}>{ h.clone() }</p>
                }
                if let Some((field, code, msg)) = &self.error {
                    <p class="kyc-error" id={format!("{}-error", self.id)} data-field={field.clone()} data-code={code.clone()}>{ msg.clone() }</p>
                }
            </>
        }
    }
}

pub struct TextFieldProps {
    pub common: Common,
    pub value: String,
    pub input_type: &'static str,
    pub autocomplete: Option<&'static str>,
    pub inputmode: Option<&'static str>,
    pub on_input: Callback<String>,
}

/// A text input (a plain function: no state, so no component machinery in the wasm).
pub fn text_field(p: TextFieldProps) -> Html {
    let c = &p.common;
    let oninput = p.on_input.reform(|e: InputEvent| e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
    let invalid = c.error.is_some();
    html! {
        <div class={classes!("kyc-field", invalid.then_some("kyc-field--invalid"))}>
            <label class="kyc-label" for={c.id.clone()}>{ c.label.clone() }</label>
            <input class="kyc-input" id={c.id.clone()} type={p.input_type} value={p.value} {oninput}
                autocomplete={p.autocomplete} inputmode={p.inputmode} spellcheck="false"
                aria-invalid={invalid.then_some("true")} aria-describedby={c.described_by()} />
            { c.below() }
        </div>
    }
}

pub struct SelectFieldProps {
    pub common: Common,
    pub value: String,
    /// `(value, label)`; a first empty "Choose…" option is added.
    pub options: Rc<Vec<(String, String)>>,
    pub placeholder: AttrValue,
    pub autocomplete: Option<&'static str>,
    pub on_change: Callback<String>,
}

pub fn select_field(p: &SelectFieldProps) -> Html {
    let c = &p.common;
    let onchange = p.on_change.reform(|e: Event| e.target_unchecked_into::<web_sys::HtmlSelectElement>().value());
    let invalid = c.error.is_some();
    html! {
        <div class={classes!("kyc-field", invalid.then_some("kyc-field--invalid"))}>
            <label class="kyc-label" for={c.id.clone()}>{ c.label.clone() }</label>
            <select class="kyc-input kyc-select" id={c.id.clone()} {onchange} autocomplete={p.autocomplete}
                aria-invalid={invalid.then_some("true")} aria-describedby={c.described_by()}>
                <option value="" selected={p.value.is_empty()}>{ p.placeholder.clone() }</option>
                { for p.options.iter().map(|(v, l)| html! {
                    <option value={v.clone()} selected={*v == p.value}>{ l.clone() }</option>
                }) }
            </select>
            { c.below() }
        </div>
    }
}

pub struct CheckboxProps {
    pub id: String,
    pub label: AttrValue,
    pub checked: bool,
    pub on_change: Callback<bool>,
}

pub fn checkbox(p: CheckboxProps) -> Html {
    let onchange = p.on_change.reform(|e: Event| e.target_unchecked_into::<web_sys::HtmlInputElement>().checked());
    html! {
        <div class="kyc-field kyc-field--check">
            <input class="kyc-check" type="checkbox" id={p.id.clone()} checked={p.checked} {onchange} />
            <label class="kyc-label" for={p.id}>{ p.label.clone() }</label>
        </div>
    }
}
