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
    /// Called when the person leaves the control (a choice in a list counts as leaving).
    pub leave: Callback<()>,
    /// "From your ID" when the value was read from the document and not edited since: shown
    /// after the label (its `data-mark`, by the stylesheet), and the control carries
    /// `data-kyc-source="document"`.
    pub mark: Option<AttrValue>,
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

    fn source(&self) -> Option<&'static str> {
        self.mark.is_some().then_some("document")
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

/// Whether focus is going to a button: Continue judges every field anyway, and an error shown
/// on the way there would move the button from under the pointer between press and release.
fn to_button(e: &FocusEvent) -> bool {
    use wasm_bindgen::JsCast;
    e.related_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| el.tag_name() == "BUTTON")
}

/// `leave`, when focus leaves for anything but a button.
fn on_leave(leave: &Callback<()>) -> Callback<FocusEvent> {
    let leave = leave.clone();
    Callback::from(move |e: FocusEvent| {
        if !to_button(&e) {
            leave.emit(());
        }
    })
}

/// A text input (a plain function: no state, so no component machinery in the wasm).
pub fn text_field(p: TextFieldProps) -> Html {
    let c = &p.common;
    let oninput = p.on_input.reform(|e: InputEvent| e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
    let invalid = c.error.is_some();
    html! {
        <div class="kyc-field" data-invalid={invalid.then_some("true")}>
            <label class="kyc-label" for={c.id.clone()} data-mark={c.mark.clone()}>{ c.label.clone() }</label>
            <input class="kyc-input" id={c.id.clone()} data-kyc-source={c.source()} type={p.input_type} value={p.value} {oninput} onblur={on_leave(&c.leave)}
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
    let onchange = {
        let (set, leave) = (p.on_change.clone(), c.leave.clone());
        Callback::from(move |e: Event| {
            set.emit(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value());
            leave.emit(());
        })
    };
    let invalid = c.error.is_some();
    html! {
        <div class="kyc-field" data-invalid={invalid.then_some("true")}>
            <label class="kyc-label" for={c.id.clone()} data-mark={c.mark.clone()}>{ c.label.clone() }</label>
            <select class="kyc-input kyc-select" id={c.id.clone()} data-kyc-source={c.source()} {onchange} autocomplete={p.autocomplete}
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

pub struct DateFieldProps {
    pub common: Common,
    /// `year-month-day`, each part as typed.
    pub value: String,
    /// `(part, text)`: 0 year, 1 month, 2 day.
    pub on_part: Callback<(usize, String)>,
    pub parts: Rc<crate::intl::DateParts>,
    /// `(day, month, year)` labels.
    pub labels: [AttrValue; 3],
    /// The autocomplete prefix (`bday` for a date of birth).
    pub autocomplete: Option<&'static str>,
}

/// A date as day, month (by name) and year, in the locale's order, in one labelled group; the
/// group counts as left when focus moves outside it.
pub fn date_field(p: &DateFieldProps) -> Html {
    let c = &p.common;
    let ymd = crate::flow::date_parts(&p.value);
    let invalid = c.error.is_some();
    let source = c.source();
    let onfocusout = {
        let leave = c.leave.clone();
        Callback::from(move |e: FocusEvent| {
            use wasm_bindgen::JsCast;
            let group = e.current_target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
            let to = e.related_target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
            if group.is_some_and(|g| !g.contains(to.as_ref())) && !to_button(&e) {
                leave.emit(());
            }
        })
    };
    let part = |which: u8| {
        // Index into `ymd` and into `labels`.
        let (at, label, name) = match which {
            b'y' => (0, 2, "year"),
            b'm' => (1, 1, "month"),
            _ => (2, 0, "day"),
        };
        let id = format!("{}-{name}", c.id);
        let set = {
            let cb = p.on_part.clone();
            move |v: String| cb.emit((at, v))
        };
        let autocomplete = p.autocomplete.map(|a| format!("{a}-{name}"));
        let control = if which == b'm' {
            let chosen = ymd[1].trim_start_matches('0');
            let onchange =
                Callback::from(move |e: Event| set(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()));
            html! {
                <select class="kyc-input kyc-select" id={id.clone()} {onchange} {autocomplete} data-kyc-source={source} aria-invalid={invalid.then_some("true")}>
                    <option value="" selected={chosen.is_empty()}></option>
                    { for p.parts.months.iter().zip(1..).map(|(m, n)| {
                        let n = n.to_string();
                        let selected = n == chosen;
                        html! { <option {selected} value={n}>{ m.clone() }</option> }
                    }) }
                </select>
            }
        } else {
            let oninput = Callback::from(move |e: InputEvent| {
                set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
            });
            html! {
                <input class="kyc-input" id={id.clone()} type="text" inputmode="numeric" data-kyc-source={source}
                    maxlength={if which == b'y' { "4" } else { "2" }} value={ymd[at].to_owned()} {oninput} {autocomplete}
                    spellcheck="false" aria-invalid={invalid.then_some("true")} />
            }
        };
        html! {
            <div class="kyc-date-part" data-part={name}>
                <label class="kyc-sublabel" for={id}>{ p.labels[label].clone() }</label>
                { control }
            </div>
        }
    };
    html! {
        <div class="kyc-field" data-invalid={invalid.then_some("true")}>
            <fieldset class="kyc-date" id={c.id.clone()} data-kyc-source={c.source()} aria-describedby={c.described_by()} {onfocusout}>
                <legend class="kyc-label" data-mark={c.mark.clone()}>{ c.label.clone() }</legend>
                <div class="kyc-date-parts">{ for p.parts.order.iter().map(|w| part(*w)) }</div>
            </fieldset>
            { c.below() }
        </div>
    }
}
