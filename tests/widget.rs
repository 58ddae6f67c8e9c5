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
    options_with(&[])
}

fn options_with(extra: &[(&str, JsValue)]) -> JsValue {
    let o = object(extra);
    // Nothing listens here: these tests never reach the network.
    js_sys::Reflect::set(&o, &"backendUrl".into(), &"http://127.0.0.1:9".into()).unwrap();
    js_sys::Reflect::set(&o, &"sessionToken".into(), &"t".into()).unwrap();
    o
}

/// A plain JS object of `pairs`.
fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        js_sys::Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

async fn settle() {
    yew::platform::time::sleep(std::time::Duration::from_millis(50)).await;
}

/// Settles until `done()` holds (at most ~3 s: a loaded test machine renders later).
async fn settle_until(done: impl Fn() -> bool) {
    for _ in 0..60 {
        if done() {
            return;
        }
        settle().await;
    }
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

fn select(root: &Element, label: &str, value: &str) {
    let labels = root.query_selector_all("label").unwrap();
    for i in 0..labels.length() {
        let l: Element = labels.item(i).unwrap().dyn_into().unwrap();
        if l.text_content().unwrap_or_default() == label {
            let el: web_sys::HtmlSelectElement =
                document().get_element_by_id(&l.get_attribute("for").unwrap()).unwrap().dyn_into().unwrap();
            el.set_value(value);
            el.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
            return;
        }
    }
    panic!("no select labelled {label:?}");
}

fn heading(root: &Element) -> String {
    root.query_selector("h2").unwrap().unwrap().text_content().unwrap()
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

async fn fill_personal(el: &Element) {
    type_into(&input_labelled(el, "First name"), "Jane");
    type_into(&input_labelled(el, "Last name"), "Doe");
    type_into(&input_labelled(el, "Email"), "jane@example.com");
    type_into(&input_labelled(el, "Day"), "1");
    select(el, "Month", "4");
    type_into(&input_labelled(el, "Year"), "1990");
    select(el, "Gender", "2");
    select(el, "Nationality", "US");
    settle().await;
}

#[wasm_bindgen_test]
async fn each_step_renders_its_fields_and_continue_moves_on() {
    let el = host();
    let mut h = kyc_widget::mount(&el, &options()).unwrap();
    settle().await;
    assert_eq!(heading(&el), "Personal details");
    let labels: Vec<String> = {
        let l = el.query_selector_all("label").unwrap();
        (0..l.length()).map(|i| l.item(i).unwrap().text_content().unwrap()).collect()
    };
    // English as the US writes a date: month, day, year, inside the "Date of birth" group.
    assert_eq!(labels, ["First name", "Last name", "Email", "Month", "Day", "Year", "Gender", "Nationality"]);
    assert_eq!(
        el.query_selector("fieldset.kyc-date legend").unwrap().unwrap().text_content().unwrap(),
        "Date of birth"
    );
    fill_personal(&el).await;
    button(&el, "Continue").click();
    settle().await;
    assert_eq!(heading(&el), "Identity document");
    input_labelled(&el, "Document number");
    assert_eq!(el.query_selector("fieldset.kyc-date legend").unwrap().unwrap().text_content().unwrap(), "Expiry date");
    input_labelled(&el, "This document does not expire");
    select(&el, "Document type", "2");
    type_into(&input_labelled(&el, "Document number"), "x123 4567");
    input_labelled(&el, "This document does not expire").click();
    settle().await;
    assert!(!el.text_content().unwrap().contains("Expiry date"), "no expiry date once 'does not expire' is ticked");
    button(&el, "Continue").click();
    settle().await;
    assert_eq!(heading(&el), "Address");
    // US: a state select and the SSN; elsewhere: free text and no SSN.
    select(&el, "Country", "US");
    settle().await;
    input_labelled(&el, "Social Security Number");
    select(&el, "Country", "FR");
    settle().await;
    input_labelled(&el, "State / Province / Region");
    assert!(el.text_content().unwrap().find("Social Security Number").is_none());
    button(&el, "Back").click();
    settle().await;
    assert_eq!(heading(&el), "Identity document");
    assert_eq!(input_labelled(&el, "Document number").value(), "x123 4567", "Back keeps values");
    h.unmount();
}

#[wasm_bindgen_test]
async fn a_static_first_step_in_the_host_is_taken_over_with_what_was_typed() {
    let el = host();
    el.set_inner_html(concat!(
        r#"<div class="kyc-root" data-kyc-shell=""><input id="kyc7-individualInfo-firstName" value="Ana">"#,
        r#"<select id="kyc7-individualInfo-gender"><option value=""></option><option value="2" selected>Female</option></select>"#,
        r#"<input id="kyc7-individualInfo-dob-year" value="1990">"#,
        // Ids the widget does not have, one not even a valid selector as it stands: ignored.
        r#"<input id="kyc7-no-such-field" value="x"><input id="kyc7-we:ird.[id]" value="y"></div>"#
    ));
    let mut h = kyc_widget::mount(&el, &options()).unwrap();
    settle_until(|| el.query_selector(".kyc-step").unwrap().is_some()).await;
    assert!(el.query_selector("[data-kyc-shell]").unwrap().is_none(), "the static copy is gone");
    assert_eq!(input_labelled(&el, "First name").value(), "Ana");
    assert_eq!(input_labelled(&el, "Year").value(), "1990");
    let gender: web_sys::HtmlSelectElement =
        el.query_selector("select[id$='-individualInfo-gender']").unwrap().unwrap().dyn_into().unwrap();
    assert_eq!(gender.value(), "2");
    h.unmount();
}

#[wasm_bindgen_test]
async fn country_names_come_from_intl_and_are_sorted() {
    let el = host();
    let mut h = kyc_widget::mount(&el, &options()).unwrap();
    settle().await;
    let options = el.query_selector_all("select option").unwrap();
    let texts: Vec<String> = (0..options.length()).map(|i| options.item(i).unwrap().text_content().unwrap()).collect();
    assert!(texts.iter().any(|t| t == "Germany"), "English names from Intl.DisplayNames");
    assert!(texts.iter().any(|t| t == "Japan"));
    h.unmount();
}

/// A `loadLocale` option answering with the locale files of `www/locales/` (as the npm entry
/// does), counting its calls.
fn locale_loader(calls: &std::rc::Rc<std::cell::Cell<u32>>) -> JsValue {
    let calls = calls.clone();
    let f = wasm_bindgen::closure::Closure::<dyn Fn(String) -> JsValue>::new(move |tag: String| {
        calls.set(calls.get() + 1);
        let text = match tag.as_str() {
            "es" => include_str!("../www/locales/es.json"),
            "ar" => include_str!("../www/locales/ar.json"),
            "zh-CN" => include_str!("../www/locales/zh-CN.json"),
            _ => return js_sys::Promise::reject(&"no such locale".into()).into(),
        };
        js_sys::Promise::resolve(&js_sys::JSON::parse(text).unwrap()).into()
    });
    f.into_js_value()
}

#[wasm_bindgen_test]
async fn english_loads_no_locale_and_a_locale_that_cannot_be_had_falls_back_to_english() {
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let el = host();
    let mut h = kyc_widget::mount(&el, &options_with(&[("loadLocale", locale_loader(&calls))])).unwrap();
    settle().await;
    input_labelled(&el, "First name");
    assert_eq!(calls.get(), 0, "English is compiled in: nothing is loaded");
    h.unmount();
    let failing = wasm_bindgen::closure::Closure::<dyn Fn(String) -> JsValue>::new(|_: String| {
        JsValue::from(js_sys::Promise::reject(&"offline".into()))
    });
    let el = host();
    let opts = options_with(&[("locale", "es".into()), ("loadLocale", failing.into_js_value())]);
    let mut h = kyc_widget::mount(&el, &opts).unwrap();
    settle_until(|| el.query_selector(".kyc-widget").ok().flatten().is_some()).await;
    input_labelled(&el, "First name");
    h.unmount();
}

#[wasm_bindgen_test]
async fn the_locale_option_switches_language_and_arabic_is_rtl() {
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let loader = locale_loader(&calls);
    let el = host();
    let mut h =
        kyc_widget::mount(&el, &options_with(&[("locale", "es-MX".into()), ("loadLocale", loader.clone())])).unwrap();
    settle_until(|| el.query_selector(".kyc-widget").ok().flatten().is_some()).await;
    input_labelled(&el, "Nombre");
    button(&el, "Continuar").click();
    settle().await;
    assert!(el.text_content().unwrap().contains("Este campo es obligatorio."));
    h.unmount();

    let el = host();
    let mut h =
        kyc_widget::mount(&el, &options_with(&[("locale", "ar".into()), ("loadLocale", loader.clone())])).unwrap();
    settle().await;
    let widget = el.query_selector(".kyc-widget").unwrap().unwrap();
    assert_eq!(widget.get_attribute("dir").as_deref(), Some("rtl"));
    assert_eq!(widget.get_attribute("lang").as_deref(), Some("ar"));
    input_labelled(&el, "الاسم الأول");
    h.unmount();

    let el = host();
    let mut h = kyc_widget::mount(&el, &options_with(&[("locale", "zh-CN".into()), ("loadLocale", loader)])).unwrap();
    settle_until(|| el.query_selector(".kyc-widget").ok().flatten().is_some()).await;
    input_labelled(&el, "名");
    h.unmount();
    assert_eq!(calls.get(), 3, "each locale is loaded when asked for");
}

#[wasm_bindgen_test]
async fn hosts_can_override_strings_and_theme_variables() {
    let strings = js_sys::Object::new();
    js_sys::Reflect::set(&strings, &"continue".into(), &"Next".into()).unwrap();
    js_sys::Reflect::set(&strings, &"error_required".into(), &"Please fill this in.".into()).unwrap();
    let theme = js_sys::Object::new();
    js_sys::Reflect::set(&theme, &"--kyc-color-primary".into(), &"#123456".into()).unwrap();
    let el = host();
    let mut h = kyc_widget::mount(&el, &options_with(&[("strings", strings.into()), ("theme", theme.into())])).unwrap();
    settle().await;
    button(&el, "Next").click();
    settle().await;
    assert!(el.text_content().unwrap().contains("Please fill this in."));
    let root: HtmlElement = el.query_selector(".kyc-root").unwrap().unwrap().dyn_into().unwrap();
    assert_eq!(root.style().get_property_value("--kyc-color-primary").unwrap(), "#123456");
    assert!(root.get_attribute("style").is_some(), "set through the CSSOM");
    h.unmount();
}

/// What `mount` throws for `options`, as text.
fn mount_error(options: &JsValue) -> String {
    let el = host();
    let message = match kyc_widget::mount(&el, options) {
        Ok(mut h) => {
            h.unmount();
            panic!("mount accepted {options:?}");
        }
        Err(e) => e.as_string().unwrap_or_default(),
    };
    assert_eq!(el.child_element_count(), 0, "a refused mount leaves nothing behind");
    el.remove();
    message
}

#[wasm_bindgen_test]
fn mount_errors_say_what_is_wrong_and_name_no_value() {
    let url = ("backendUrl", JsValue::from("http://127.0.0.1:9"));
    let token = ("sessionToken", JsValue::from("t"));
    assert_eq!(mount_error(&JsValue::UNDEFINED), "mount: options must be an object");
    assert_eq!(mount_error(&object(std::slice::from_ref(&token))), "mount: options.backendUrl is required");
    // A value of the wrong type: the kind is named, the value (which could be personal) is not.
    for (bad, kind) in [
        (("sessionToken", JsValue::from(1234.5)), "a number"),
        (("locale", JsValue::from(true)), "a boolean"),
        (("theme", JsValue::from("Jane Doe")), "a string"),
        (("strings", object(&[("continue", JsValue::from(98765.0))])), "a number"),
        (("handoffUrl", js_sys::Array::of1(&"Jane Doe".into()).into()), "another kind of value"),
        // An array is not an object of strings, even one of [key, value] pairs.
        (
            ("strings", js_sys::Array::of1(&js_sys::Array::of2(&"continue".into(), &"Jane".into())).into()),
            "another kind of value",
        ),
    ] {
        let name = bad.0;
        let message = mount_error(&object(&[url.clone(), token.clone(), bad]));
        assert!(message.starts_with("mount: an option has the wrong type"), "{name}: {message}");
        assert!(message.contains(kind), "{name}: {message}");
        for value in ["1234", "98765", "Jane", "true"] {
            assert!(!message.contains(value), "{name}: {message}");
        }
    }
    let not_a_function = object(&[url.clone(), token.clone(), ("onComplete", "Jane Doe".into())]);
    assert_eq!(mount_error(&not_a_function), "mount: options.onComplete must be a function");
    // A getter that throws is the host's error, reported; it does not unwind through the wasm
    // (which would leave the module's stack pointer behind: after some hundreds of them the
    // module broke). Thousands of refusals, then a mount that works.
    let throwing = js_sys::Function::new_no_args(
        "return { backendUrl: 'http://127.0.0.1:9', get sessionToken() { throw new Error('host getter failed'); } }",
    )
    .call0(&JsValue::NULL)
    .unwrap();
    assert_eq!(mount_error(&throwing), "mount: the options could not be read (host getter failed)");
    let el = host();
    for _ in 0..3000 {
        assert!(kyc_widget::mount(&el, &throwing).is_err());
    }
    el.remove();
    // Absent, null and undefined are all "not given".
    let el = host();
    let nulls =
        object(&[url, token, ("locale", JsValue::NULL), ("theme", JsValue::UNDEFINED), ("onStep", JsValue::NULL)]);
    let mut h = kyc_widget::mount(&el, &nulls).unwrap();
    h.unmount();
}

#[wasm_bindgen_test]
async fn the_custom_element_renders_in_a_shadow_root_and_fires_kyc_step() {
    kyc_widget::define_element(None, None, None);
    kyc_widget::define_element(None, None, None); // idempotent
    let steps = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let seen = steps.clone();
    let listener =
        wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
            seen.borrow_mut().push(e.detail().as_string().unwrap_or_default());
        });
    let el = document().create_element("kyc-onboarding").unwrap();
    el.set_attribute("backend-url", "http://127.0.0.1:9").unwrap();
    el.set_attribute("session-token", "t").unwrap();
    el.add_event_listener_with_callback("kyc-step", listener.as_ref().unchecked_ref()).unwrap();
    document().body().unwrap().append_child(&el).unwrap();
    settle_until(|| !steps.borrow().is_empty()).await;
    let shadow = el.shadow_root().expect("a shadow root");
    assert!(shadow.query_selector(".kyc-widget").unwrap().is_some());
    assert!(el.query_selector(".kyc-widget").unwrap().is_none(), "nothing in the light DOM");
    let seen: Vec<String> = steps.borrow().clone();
    assert_eq!(seen, vec!["personal".to_owned()]);
    el.remove();
    settle().await;
    assert_eq!(shadow.child_element_count(), 0, "disconnecting unmounts");
}

fn blur(input: &HtmlInputElement) {
    let ev = web_sys::FocusEvent::new("focusout").unwrap();
    // Yew listens on the root for bubbling events: `blur` does not bubble, `focusout` does; the
    // field listens for `blur`, which the browser fires on the element itself.
    input.dispatch_event(&web_sys::FocusEvent::new("blur").unwrap()).unwrap();
    input.dispatch_event(&ev).unwrap();
}

fn error_of(root: &Element, field: &str) -> Option<String> {
    root.query_selector(&format!(".kyc-field .kyc-error[data-field='{field}']"))
        .unwrap()
        .map(|e| e.text_content().unwrap())
}

fn summary(root: &Element) -> Vec<String> {
    let items = root.query_selector_all(".kyc-summary-list a").unwrap();
    (0..items.length()).map(|i| items.item(i).unwrap().text_content().unwrap()).collect()
}

#[wasm_bindgen_test]
async fn a_flagged_field_is_checked_again_as_it_is_typed_and_its_error_goes_once_fixed() {
    let el = host();
    let mut h = kyc_widget::mount(&el, &options()).unwrap();
    settle().await;
    fill_personal(&el).await;
    type_into(&input_labelled(&el, "First name"), "J4ne");
    type_into(&input_labelled(&el, "Last name"), "");
    settle().await;
    assert_eq!(error_of(&el, "individualInfo.firstName"), None, "not judged while being typed");
    button(&el, "Continue").click();
    settle().await;
    assert_eq!(heading(&el), "Personal details");
    // The summary names the field in every entry, and links to it.
    assert_eq!(
        summary(&el),
        ["First name: This contains characters that are not allowed.", "Last name: This field is required."]
    );
    let link = el.query_selector(".kyc-summary-list a").unwrap().unwrap();
    assert_eq!(link.get_attribute("href").unwrap(), format!("#{}", input_labelled(&el, "First name").id()));
    // Still wrong while typing: the error stays (it is updated, not removed).
    type_into(&input_labelled(&el, "First name"), "J4n");
    settle().await;
    assert!(error_of(&el, "individualInfo.firstName").is_some());
    // Fixed: the error and its summary entry go at once, without Continue.
    type_into(&input_labelled(&el, "First name"), "Jane");
    settle().await;
    assert_eq!(error_of(&el, "individualInfo.firstName"), None);
    assert_eq!(summary(&el), ["Last name: This field is required."]);
    assert_eq!(input_labelled(&el, "First name").get_attribute("aria-invalid"), None);
    type_into(&input_labelled(&el, "Last name"), "Doe");
    settle().await;
    assert!(summary(&el).is_empty());
    assert!(el.query_selector(".kyc-summary").unwrap().is_none(), "no summary once everything is fixed");
    h.unmount();
}

#[wasm_bindgen_test]
async fn a_field_left_wrong_is_flagged_when_left_never_while_typed() {
    let el = host();
    let mut h = kyc_widget::mount(&el, &options()).unwrap();
    settle().await;
    let email = input_labelled(&el, "Email");
    type_into(&email, "jane@");
    settle().await;
    assert_eq!(error_of(&el, "email"), None, "not nagged while typing");
    blur(&email);
    settle().await;
    assert_eq!(error_of(&el, "email").as_deref(), Some("Enter an email address like name@example.com."));
    assert_eq!(summary(&el), Vec::<String>::new(), "leaving a field does not raise the summary");
    type_into(&email, "jane@example.com");
    settle().await;
    assert_eq!(error_of(&el, "email"), None);
    // An empty field left untouched is not flagged for being empty.
    blur(&input_labelled(&el, "Last name"));
    settle().await;
    assert_eq!(error_of(&el, "individualInfo.lastName"), None);
    h.unmount();
}

/// The date group's parts in screen order, by their labels.
fn date_order(root: &Element) -> Vec<String> {
    let l = root.query_selector_all("fieldset.kyc-date label").unwrap();
    (0..l.length()).map(|i| l.item(i).unwrap().text_content().unwrap()).collect()
}

fn month_names(root: &Element) -> Vec<String> {
    let o = root.query_selector_all("fieldset.kyc-date select option").unwrap();
    (1..o.length()).map(|i| o.item(i).unwrap().text_content().unwrap()).collect()
}

#[wasm_bindgen_test]
async fn dates_follow_the_locale_order_and_words_and_make_an_iso_date() {
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let loader = locale_loader(&calls);
    // English: month, day, year; English month names.
    let el = host();
    let mut h = kyc_widget::mount(&el, &options()).unwrap();
    settle().await;
    assert_eq!(date_order(&el), ["Month", "Day", "Year"]);
    assert_eq!(month_names(&el)[3], "April");
    // A one-digit day and month make a valid ISO date for the rulebook (no error on Continue).
    fill_personal(&el).await;
    button(&el, "Continue").click();
    settle().await;
    assert_eq!(heading(&el), "Identity document", "1 / April / 1990 is 1990-04-01");
    h.unmount();
    // Spanish: day, month, year; Spanish month names.
    let el = host();
    let mut h =
        kyc_widget::mount(&el, &options_with(&[("locale", "es".into()), ("loadLocale", loader.clone())])).unwrap();
    settle_until(|| el.query_selector("fieldset.kyc-date").ok().flatten().is_some()).await;
    assert_eq!(date_order(&el), ["Día", "Mes", "Año"]);
    assert_eq!(month_names(&el)[3], "abril");
    // An impossible date is refused with the locale's words.
    type_into(&input_labelled(&el, "Día"), "30");
    select(&el, "Mes", "2");
    type_into(&input_labelled(&el, "Año"), "1990");
    button(&el, "Continuar").click();
    settle().await;
    assert_eq!(error_of(&el, "individualInfo.dob").as_deref(), Some("Escribe una fecha real."));
    h.unmount();
    // Chinese: year, month, day.
    let el = host();
    let mut h = kyc_widget::mount(&el, &options_with(&[("locale", "zh-CN".into()), ("loadLocale", loader)])).unwrap();
    settle_until(|| el.query_selector("fieldset.kyc-date").ok().flatten().is_some()).await;
    assert_eq!(date_order(&el), ["年", "月", "日"]);
    assert_eq!(month_names(&el)[3], "四月");
    h.unmount();
}

#[wasm_bindgen_test]
fn the_open_in_browser_link_is_an_android_intent_to_the_same_page() {
    use kyc_widget::steps::notice::intent_url;
    assert_eq!(
        intent_url("https://partner.example/signup?step=1").as_deref(),
        Some("intent://partner.example/signup?step=1#Intent;scheme=https;end")
    );
    assert_eq!(
        intent_url("http://127.0.0.1:8080/").as_deref(),
        Some("intent://127.0.0.1:8080/#Intent;scheme=http;end")
    );
    // Nothing but a web page: no intent for another scheme or a bare word.
    assert_eq!(intent_url("javascript:alert(1)"), None);
    assert_eq!(intent_url("file:///etc/passwd"), None);
    assert_eq!(intent_url("partner.example"), None);
}
