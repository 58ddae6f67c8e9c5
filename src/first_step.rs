//! The first step as static HTML, taken over by the widget.
//!
//! A page may hold, inside the element it mounts the widget into, the widget's first step as
//! plain HTML (`www/first-step.en.html`: the widget's own English markup, kept identical by an
//! end-to-end test; the demo page inlines it). A person sees the form and can type before the
//! wasm has arrived; its Continue stays disabled until then. On mount the widget renders hidden
//! while the copy stays in place, focused, keeping every key. After the first render, in one
//! task, what was typed is put into the widget's own fields as if typed (an `input` or `change`
//! event each, so the flow's reducer takes it as usual), the focus and caret follow, the copy
//! goes and the widget shows: no key can fall between the two. This is a few lines of the
//! widget's JS snippet (`takeOver` in lib.rs), smaller there than through web-sys.

/// Takes over a static first step beside `root`, if there is one, and shows the widget.
pub fn take_over(root: &web_sys::Element, prefix: &str) {
    crate::take_over(root, prefix);
}
