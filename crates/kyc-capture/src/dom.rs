//! The small DOM helpers every part of the module uses, and [`Listener`]: an event listener
//! that is removed when it is dropped (the RAII of `gloo-events`' `EventListener`, in a few
//! lines). A few helpers are `#[inline(never)]`: they are called from many places, and one
//! copy of each keeps the module smaller.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, Event, EventTarget};

const SVG: &str = "http://www.w3.org/2000/svg";

/// `v[name]`, `undefined` when it cannot be read.
pub fn prop(v: &JsValue, name: &str) -> JsValue {
    Reflect::get(v, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

/// `v[name]` as a string, empty when it is not one.
pub fn text(v: &JsValue, name: &str) -> String {
    prop(v, name).as_string().unwrap_or_default()
}

/// Sets an attribute (an element's own setter fails only on an invalid name).
#[inline(never)]
pub fn attr(e: &Element, name: &str, value: &str) {
    let _ = e.set_attribute(name, value);
}

/// Calls `obj[method](args…)`; `None` when it is not a function or it threw.
pub fn call(obj: &JsValue, method: &str, args: &[&JsValue]) -> Option<JsValue> {
    let f: Function = prop(obj, method).dyn_into().ok()?;
    f.apply(obj, &args.iter().copied().collect::<Array>()).ok()
}

/// A new element in `parent` (SVG's namespace for `svg` and `path`), with its class and text.
#[inline(never)]
pub fn el(doc: &Document, parent: &Element, tag: &str, class: &str, content: Option<&str>) -> Element {
    let e = if tag == "svg" || tag == "path" { doc.create_element_ns(Some(SVG), tag) } else { doc.create_element(tag) }
        .unwrap_throw();
    if !class.is_empty() {
        attr(&e, "class", class);
    }
    if content.is_some() {
        e.set_text_content(content);
    }
    let _ = parent.append_child(&e);
    e
}

/// A listener of `event` on a target, removed when this is dropped.
pub struct Listener {
    target: EventTarget,
    event: &'static str,
    callback: Closure<dyn FnMut(Event)>,
}

impl Listener {
    pub fn new(target: &EventTarget, event: &'static str, action: impl FnMut(Event) + 'static) -> Self {
        Self::boxed(target, event, Box::new(action))
    }

    #[inline(never)]
    fn boxed(target: &EventTarget, event: &'static str, action: Box<dyn FnMut(Event)>) -> Self {
        let callback = Closure::wrap(action);
        let _ = target.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
        Self { target: target.clone(), event, callback }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback(self.event, self.callback.as_ref().unchecked_ref());
    }
}
