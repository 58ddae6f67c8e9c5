//! Widget component tests in headless Chromium (wasm-bindgen-test): mount the real widget,
//! interact with the DOM, assert on what a person would see.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn host() -> Element {
    let el = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&el).unwrap();
    el
}

fn options() -> JsValue {
    let o = js_sys::Object::new();
    // Nothing listens here: these tests never reach the network.
    js_sys::Reflect::set(&o, &"backendUrl".into(), &"http://127.0.0.1:9".into()).unwrap();
    js_sys::Reflect::set(&o, &"sessionToken".into(), &"t".into()).unwrap();
    o.into()
}

async fn settle() {
    yew::platform::time::sleep(std::time::Duration::from_millis(50)).await;
}

/// The input labelled `label` inside `root`.
fn input_labelled(root: &Element, label: &str) -> HtmlInputElement {
    let labels = root.query_selector_all("label").unwrap();
    for i in 0..labels.length() {
        let l: Element = labels.item(i).unwrap().dyn_into().unwrap();
        if l.text_content().unwrap_or_default() == label {
            let id = l.get_attribute("for").unwrap();
            return document().get_element_by_id(&id).unwrap().dyn_into().unwrap();
        }
    }
    panic!("no field labelled {label:?}");
}

fn button(root: &Element, text: &str) -> HtmlElement {
    let buttons = root.query_selector_all("button").unwrap();
    for i in 0..buttons.length() {
        let b: HtmlElement = buttons.item(i).unwrap().dyn_into().unwrap();
        if b.text_content().unwrap_or_default().trim() == text {
            return b;
        }
    }
    panic!("no button {text:?}");
}

fn type_into(input: &HtmlInputElement, value: &str) {
    input.set_value(value);
    let ev = web_sys::InputEvent::new("input").unwrap();
    input.dispatch_event(&ev).unwrap();
}

#[wasm_bindgen_test]
async fn shows_first_last_name_and_email_labelled_exactly() {
    let el = host();
    let mut h = kyc_widget::mount(&el, &options()).unwrap();
    settle().await;
    for label in ["First name", "Last name", "Email"] {
        input_labelled(&el, label);
    }
    button(&el, "Continue");
    h.unmount();
}

#[wasm_bindgen_test]
async fn continue_with_an_empty_first_name_shows_the_error_and_focuses_the_field() {
    let el = host();
    let mut h = kyc_widget::mount(&el, &options()).unwrap();
    settle().await;
    type_into(&input_labelled(&el, "Last name"), "Doe");
    type_into(&input_labelled(&el, "Email"), "jane@example.com");
    settle().await;
    button(&el, "Continue").click();
    settle().await;
    let first = input_labelled(&el, "First name");
    assert_eq!(first.get_attribute("aria-invalid").as_deref(), Some("true"));
    let err_id = first.get_attribute("aria-describedby").expect("error tied to the field");
    let err = document().get_element_by_id(&err_id).unwrap();
    assert_eq!(err.text_content().unwrap(), "This field is required.");
    let active = document().active_element().unwrap();
    assert_eq!(active.id(), first.id(), "focus moves to the first invalid field");
    // The valid fields carry no error.
    assert!(input_labelled(&el, "Email").get_attribute("aria-invalid").is_none());
    h.unmount();
}

#[wasm_bindgen_test]
async fn an_invalid_email_shows_the_rulebook_message() {
    let el = host();
    let mut h = kyc_widget::mount(&el, &options()).unwrap();
    settle().await;
    type_into(&input_labelled(&el, "First name"), "Jane");
    type_into(&input_labelled(&el, "Last name"), "Doe");
    type_into(&input_labelled(&el, "Email"), "jane@");
    settle().await;
    button(&el, "Continue").click();
    settle().await;
    let email = input_labelled(&el, "Email");
    let err = document().get_element_by_id(&email.get_attribute("aria-describedby").unwrap()).unwrap();
    assert_eq!(err.text_content().unwrap(), "Enter an email address like name@example.com.");
    h.unmount();
}

#[wasm_bindgen_test]
async fn two_widgets_share_no_state_and_unmount_leaves_no_dom() {
    let (a, b) = (host(), host());
    let mut ha = kyc_widget::mount(&a, &options()).unwrap();
    let mut hb = kyc_widget::mount(&b, &options()).unwrap();
    settle().await;
    type_into(&input_labelled(&a, "First name"), "Alice");
    settle().await;
    assert_eq!(input_labelled(&a, "First name").value(), "Alice");
    assert_eq!(input_labelled(&b, "First name").value(), "");
    assert_ne!(input_labelled(&a, "First name").id(), input_labelled(&b, "First name").id());
    ha.unmount();
    hb.unmount();
    settle().await;
    assert_eq!(a.child_element_count(), 0);
    assert_eq!(b.child_element_count(), 0);
}
