//! # kyc-widget — the embeddable KYC onboarding widget
//!
//! A Yew component compiled to WebAssembly. Partners call [`mount`] (or, later, use the
//! `<kyc-onboarding>` custom element); the widget collects the applicant's data, validates it
//! with `kyc-domain` — the same rulebook the backend runs — and talks only to the partner
//! backend (contract.md §1, §4). Importing the module has no side effects.
//!
//! ## Layout
//! - [`app`]: the root component; phases of the flow and the backend calls.
//! - [`steps`]: one component per step of the form.
//! - [`field`]: the labelled, accessible input used by every step.
//! - [`form`]: the per-instance form state (a Yew reducer); values live in memory only.
//! - [`api`]: the backend client over `fetch`.
//! - [`i18n`]: texts per locale, exhaustive over keys and error codes.

pub mod api;
pub mod app;
pub mod field;
pub mod form;
pub mod i18n;
pub mod steps;

use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

use app::{App, AppProps, Callbacks};
use i18n::Locale;

thread_local! {
    static INSTANCES: Cell<u32> = const { Cell::new(0) };
}

/// A mounted widget. `unmount()` removes everything it rendered.
#[wasm_bindgen]
pub struct WidgetHandle {
    app: Option<yew::AppHandle<App>>,
    container: web_sys::Element,
}

#[wasm_bindgen]
impl WidgetHandle {
    /// Destroys the widget: its DOM, timers and listeners.
    pub fn unmount(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.container.remove();
    }
}

fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).ok()?.as_string()
}

fn get_fn(obj: &JsValue, key: &str) -> Option<js_sys::Function> {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).ok()?.dyn_into().ok()
}

/// The props of one widget instance, read from the host's options object.
pub fn props_from_options(options: &JsValue) -> Result<AppProps, JsValue> {
    let backend_url =
        get_str(options, "backendUrl").ok_or_else(|| JsValue::from_str("mount: options.backendUrl is required"))?;
    let token =
        get_str(options, "sessionToken").ok_or_else(|| JsValue::from_str("mount: options.sessionToken is required"))?;
    let n = INSTANCES.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    Ok(AppProps {
        backend: Rc::new(api::Backend { base_url: backend_url, token }),
        locale: Locale::parse(&get_str(options, "locale").unwrap_or_default()),
        id_prefix: format!("kyc{n}").into(),
        callbacks: Callbacks {
            on_complete: get_fn(options, "onComplete"),
            on_error: get_fn(options, "onError"),
            on_step: get_fn(options, "onStep"),
        },
    })
}

/// Mounts a widget inside `element` (contract.md §4).
#[wasm_bindgen]
pub fn mount(element: &web_sys::Element, options: &JsValue) -> Result<WidgetHandle, JsValue> {
    let props = props_from_options(options)?;
    let document = element.owner_document().ok_or_else(|| JsValue::from_str("mount: element is not in a document"))?;
    let container = document.create_element("div")?;
    container.set_class_name("kyc-root");
    element.append_child(&container)?;
    let app = yew::Renderer::<App>::with_root_and_props(container.clone(), props).render();
    Ok(WidgetHandle { app: Some(app), container })
}
