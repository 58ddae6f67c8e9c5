//! "Use camera": guided live capture, offered only where the browser reports a video input.
//! The capture itself — preview, outline, live hints from the quality rulebook, automatic
//! capture, camera switch — is the `kyc-capture` WebAssembly module, loaded the first time a
//! person opens the camera (so it costs the first page load nothing). This component loads it,
//! hands it an element and the texts, and closes it on every way out: a photo taken, "Close
//! camera", a step change or the widget's removal (each unmounts this component) — every
//! track is stopped then. A camera that cannot start says why; the file input stays the way on.

use js_sys::{Function, Reflect};
use kyc_domain::quality::Shape;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::ctx::Ctx;
use crate::i18n::Key;

#[wasm_bindgen(inline_js = r#"
let loading;
export function loadCapture(loader) {
  if (!loading) {
    loading = loader ? Promise.resolve(loader()) : import(new URL("../../capture/kyc_capture.js", import.meta.url).href)
      .then(async (m) => { await m.default({ module_or_path: new URL("../../capture/kyc_capture_bg.wasm", import.meta.url) }); return m; });
    loading.catch(() => { loading = undefined; });
  }
  return loading;
}
"#)]
extern "C" {
    /// The capture module: from the host's `loadCapture()` when given (the npm entry passes one
    /// bundlers follow), else `capture/` beside the widget's files. Loaded once per page.
    #[wasm_bindgen(js_name = loadCapture)]
    fn load_capture(loader: Option<Function>) -> js_sys::Promise;
}

/// The lazily loaded module (camera capture and the photo cleaning pipeline), once per page.
pub fn load_module(loader: Option<Function>) -> js_sys::Promise {
    load_capture(loader)
}

/// A touch-first device (phone, tablet), where a `capture` file input opens the camera app.
pub fn is_touch_device() -> bool {
    web_sys::window().and_then(|w| w.match_media("(pointer: coarse)").ok().flatten()).is_some_and(|m| m.matches())
}

/// Whether a camera exists (checked once per component, asynchronously).
#[hook]
pub fn use_camera_available() -> bool {
    let available = use_state(|| false);
    {
        let available = available.clone();
        use_effect_with((), move |()| {
            let Some(Ok(p)) =
                web_sys::window().and_then(|w| w.navigator().media_devices().ok()).map(|d| d.enumerate_devices())
            else {
                return;
            };
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(list) = JsFuture::from(p).await {
                    available.set(js_sys::Array::from(&list).iter().any(|d| {
                        Reflect::get(&d, &"kind".into()).ok().and_then(|k| k.as_string()).as_deref()
                            == Some("videoinput")
                    }));
                }
            });
        });
    }
    *available
}

fn shape_name(s: Shape) -> &'static str {
    match s {
        Shape::Card => "card",
        Shape::Passport => "passport",
        Shape::Face => "face",
    }
}

/// The texts the capture module shows, by its keys.
pub(crate) fn texts(ctx: &Ctx, shape: Shape) -> JsValue {
    let aim = match shape {
        Shape::Card => Key::AimCard,
        Shape::Passport => Key::AimPassport,
        Shape::Face => Key::AimFace,
    };
    let o = js_sys::Object::new();
    for (k, key) in [
        ("aim", aim),
        ("take_photo", Key::TakePhoto),
        ("switch_camera", Key::SwitchCamera),
        ("camera_view", Key::CameraView),
        ("too_dark", Key::HintTooDark),
        ("too_bright", Key::HintTooBright),
        ("glare", Key::HintGlare),
        ("move_closer", Key::HintMoveCloser),
        ("hold_still", Key::HintHoldStill),
        ("ready", Key::HintReady),
    ] {
        let _ = Reflect::set(&o, &k.into(), &ctx.i18n.t(key).into());
    }
    o.into()
}

fn failure_key(reason: &str) -> Key {
    match reason {
        "camera_denied" => Key::CameraDenied,
        "camera_missing" => Key::CameraMissing,
        "camera_busy" => Key::CameraBusy,
        _ => Key::CameraFailed,
    }
}

/// Calls `obj.name(args…)`.
fn call(obj: &JsValue, name: &str, args: &js_sys::Array) -> Result<JsValue, JsValue> {
    Reflect::get(obj, &name.into())?.dyn_into::<Function>()?.apply(obj, args)
}

#[derive(Properties, PartialEq)]
pub struct CameraProps {
    pub shape: Shape,
    /// The captured still, or `None` when closed.
    pub on_done: Callback<Option<web_sys::Blob>>,
}

#[component]
pub fn Camera(p: &CameraProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let host = use_node_ref();
    let failed = use_state(|| None::<Key>);
    // The open capture (a `kyc-capture` `Capture`), and whether this component is gone.
    let open: Rc<RefCell<(Option<JsValue>, bool)>> = use_mut_ref(|| (None, false));
    {
        let (host, failed, open, on_done) = (host.clone(), failed.clone(), open.clone(), p.on_done.clone());
        let (texts, shape, loader) = (texts(&ctx, p.shape), shape_name(p.shape), ctx.callbacks.load_capture.clone());
        use_effect_with((), move |()| {
            let open2 = open.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let module = JsFuture::from(load_capture(loader)).await;
                let Some(el) = host.cast::<web_sys::Element>() else { return };
                if open2.borrow().1 {
                    return;
                }
                let failed2 = failed.clone();
                let on_event = Closure::<dyn Fn(String, JsValue)>::new(move |kind: String, value: JsValue| {
                    if kind == "photo" {
                        on_done.emit(value.dyn_into().ok());
                    } else {
                        failed2.set(Some(failure_key(&value.as_string().unwrap_or_default())));
                    }
                })
                .into_js_value();
                let args = js_sys::Array::of4(&el, &shape.into(), &texts, &on_event);
                match module.and_then(|m| call(&m, "open", &args)) {
                    Ok(capture) => open2.borrow_mut().0 = Some(capture),
                    Err(_) => failed.set(Some(Key::CameraFailed)),
                }
            });
            move || {
                let mut o = open.borrow_mut();
                o.1 = true;
                if let Some(capture) = o.0.take() {
                    let _ = call(&capture, "close", &js_sys::Array::new());
                }
            }
        });
    }
    let close = p.on_done.reform(|_: MouseEvent| None);
    html! {
        <div class="kyc-camera" data-shape={shape_name(p.shape)}>
            if let Some(k) = *failed {
                <p class="kyc-error" role="alert" data-camera-failure={k.name()}>{ ctx.t(k) }</p>
            }
            <div class="kyc-camera-live" ref={host} hidden={failed.is_some()}></div>
            <button type="button" class="kyc-button" onclick={close}>{ ctx.t(Key::CloseCamera) }</button>
        </div>
    }
}
