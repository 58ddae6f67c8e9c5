//! What every step reads: texts, the instance's id prefix, the flow state, the backend and the
//! host's callbacks. The root component builds it and hands it to each step.

use kyc_domain::Field;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::api::Backend;
use crate::field::Common;
use crate::flow::{Action, Flow, Step};
use crate::i18n::{I18n, Key};

/// The host's callbacks (docs/api.md "The widget in a page"). Compared by identity.
#[derive(Clone, Default, PartialEq)]
pub struct Callbacks {
    pub on_complete: Option<js_sys::Function>,
    pub on_error: Option<js_sys::Function>,
    pub on_step: Option<js_sys::Function>,
    pub on_exit: Option<js_sys::Function>,
    /// `loadCapture()` → a promise of the initialised capture module (the npm entry's; see
    /// [`crate::capture`]).
    pub load_capture: Option<js_sys::Function>,
}

impl Callbacks {
    pub fn call(f: Option<&js_sys::Function>, arg: &JsValue) {
        if let Some(f) = f {
            let _ = f.call1(&JsValue::NULL, arg);
        }
    }
}

#[derive(Clone, PartialEq)]
pub struct Ctx {
    pub i18n: Rc<I18n>,
    pub prefix: AttrValue,
    pub flow: UseReducerHandle<Flow>,
    pub backend: Rc<Backend>,
    pub callbacks: Callbacks,
    pub countries: Rc<Vec<(String, String)>>,
    /// How the locale writes a date (order of day, month, year; month names).
    pub dates: Rc<crate::intl::DateParts>,
    /// The element the widget renders into.
    pub root: web_sys::Element,
    /// The page a phone opens to continue this signup (`handoffUrl`); empty on the phone.
    pub handoff_url: AttrValue,
    /// The diagnostics trace (one per widget).
    pub trace: Rc<crate::trace::Trace>,
}

impl Ctx {
    pub fn t(&self, k: Key) -> AttrValue {
        self.i18n.t(k).into()
    }

    pub fn id(&self, f: Field) -> AttrValue {
        field_id(&self.prefix, f).into()
    }

    /// The label, id and current error of a field, for a control.
    pub fn common(&self, f: Field, label: Key, hint: Option<Key>) -> Common {
        let error = self.flow.errors.iter().find(|e| e.field == f).map(|e| {
            let msg = self.i18n.field_error(e);
            (AttrValue::from(f.path()), AttrValue::from(e.code.as_str()), AttrValue::from(msg))
        });
        let flow = self.flow.clone();
        let leave = Callback::from(move |()| flow.dispatch(Action::Leave(f)));
        let mark = self.flow.from_document(f).then(|| self.t(Key::FromId));
        Common { id: self.id(f), label: self.t(label), hint: hint.map(|h| self.t(h)), error, leave, mark }
    }

    pub fn setter(&self, f: Field) -> Callback<String> {
        let flow = self.flow.clone();
        Callback::from(move |v| flow.dispatch(Action::Set(f, v)))
    }

    /// A date field (day, month, year in the locale's order).
    pub fn date(&self, f: Field, label: Key, autocomplete: Option<&'static str>) -> Html {
        crate::field::date_field(&crate::field::DateFieldProps {
            common: self.common(f, label, None),
            value: self.flow.value(f),
            parts: self.dates.clone(),
            labels: [self.t(Key::Day), self.t(Key::Month), self.t(Key::Year)],
            autocomplete,
            on_part: {
                let flow = self.flow.clone();
                Callback::from(move |(at, v)| flow.dispatch(Action::SetPart(f, at, v)))
            },
        })
    }

    pub fn go(&self, step: Step) -> Callback<()> {
        let flow = self.flow.clone();
        Callback::from(move |()| flow.dispatch(Action::Go(step)))
    }
}

pub fn field_id(prefix: &str, f: Field) -> String {
    format!("{prefix}-{}", f.path().replace('.', "-"))
}
