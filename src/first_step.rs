//! The first step as static HTML, taken over by the widget.
//!
//! A page may hold, inside the element it mounts the widget into, the widget's first step as
//! plain HTML (`www/first-step.en.html`: the widget's own English markup, kept identical by an
//! end-to-end test; the demo page inlines it). A person sees the form and can type before the
//! wasm has arrived; its Continue stays disabled until then. On mount the widget takes over:
//! the static copy goes in the same task as the widget's first render (nothing flashes), and
//! what was typed there, the focused field and its caret are put into the widget's own fields
//! as if typed (an `input` or `change` event each, so the flow's reducer takes them as usual).
//! Both halves are a few lines of the widget's JS snippet (`adoptShell`, `settleShell` in
//! lib.rs): smaller there than through web-sys.

use wasm_bindgen::JsValue;

/// Takes the static first step out of `host` (if it holds one): what it held, for [`settle`].
pub fn adopt(host: &web_sys::Element) -> JsValue {
    crate::adopt_shell(host)
}

/// Puts what the static first step held into the widget's fields, and the focus and caret
/// back where they were (after the first render).
pub fn settle(root: &web_sys::Element, prefix: &str, adopted: &JsValue) {
    if adopted.is_object() {
        crate::settle_shell(root, prefix, adopted);
    }
}
