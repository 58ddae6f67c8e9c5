//! "Use camera": a live preview through `getUserMedia` and a capture to a canvas, offered only
//! where the browser reports a video input. The file input (with `capture`) stays the fallback.

use js_sys::Promise;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlCanvasElement, HtmlVideoElement, MediaStream, MediaStreamConstraints};
use yew::prelude::*;

use crate::ctx::Ctx;
use crate::i18n::Key;

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
            if let Some(devices) = web_sys::window().and_then(|w| w.navigator().media_devices().ok()) {
                if let Ok(p) = devices.enumerate_devices() {
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Ok(list) = JsFuture::from(p).await {
                            let found = js_sys::Array::from(&list).iter().any(|d| {
                                js_sys::Reflect::get(&d, &"kind".into()).ok().and_then(|k| k.as_string()).as_deref()
                                    == Some("videoinput")
                            });
                            available.set(found);
                        }
                    });
                }
            }
        });
    }
    *available
}

fn stop(stream: &MediaStream) {
    for t in stream.get_tracks().iter() {
        if let Ok(track) = t.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct CameraProps {
    /// The captured frame, or `None` when closed.
    pub on_done: Callback<Option<web_sys::Blob>>,
}

#[component]
pub fn Camera(p: &CameraProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let video = use_node_ref();
    let stream: Rc<RefCell<Option<MediaStream>>> = use_mut_ref(|| None);
    let failed = use_state(|| false);
    {
        let (video, stream, failed) = (video.clone(), stream.clone(), failed.clone());
        use_effect_with((), move |()| {
            let s2 = stream.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let started = async {
                    let devices = web_sys::window()?.navigator().media_devices().ok()?;
                    let c = MediaStreamConstraints::new();
                    c.set_video(&JsValue::TRUE);
                    let ms: MediaStream = JsFuture::from(devices.get_user_media_with_constraints(&c).ok()?)
                        .await
                        .ok()?
                        .dyn_into()
                        .ok()?;
                    let v: HtmlVideoElement = video.cast()?;
                    v.set_src_object(Some(&ms));
                    let _ = v.play();
                    *s2.borrow_mut() = Some(ms);
                    Some(())
                }
                .await;
                if started.is_none() {
                    failed.set(true);
                }
            });
            // Unmount (capture, close or the whole widget): the camera light goes off.
            move || {
                if let Some(ms) = stream.borrow_mut().take() {
                    stop(&ms);
                }
            }
        });
    }
    let capture = {
        let (video, on_done) = (video.clone(), p.on_done.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(v) = video.cast::<HtmlVideoElement>() else { return };
            let (w, h) = (v.video_width(), v.video_height());
            let canvas: Option<HtmlCanvasElement> = web_sys::window()
                .and_then(|win| win.document())
                .and_then(|d| d.create_element("canvas").ok())
                .and_then(|c| c.dyn_into().ok());
            let Some(canvas) = canvas else { return };
            canvas.set_width(w);
            canvas.set_height(h);
            let ctx2d = canvas
                .get_context("2d")
                .ok()
                .flatten()
                .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok());
            if let Some(c2) = ctx2d {
                let _ = c2.draw_image_with_html_video_element(&v, 0.0, 0.0);
            }
            let on_done = on_done.clone();
            let promise = Promise::new(&mut |resolve, _| {
                let _ = canvas.to_blob_with_type_and_encoder_options(&resolve, "image/jpeg", &JsValue::from(0.95));
            });
            wasm_bindgen_futures::spawn_local(async move {
                let blob = JsFuture::from(promise).await.ok().and_then(|b| b.dyn_into::<web_sys::Blob>().ok());
                on_done.emit(blob);
            });
        })
    };
    let close = p.on_done.reform(|_: MouseEvent| None);
    html! {
        <div class="kyc-camera">
            if *failed {
                <p class="kyc-error" role="alert">{ ctx.t(Key::CameraFailed) }</p>
            } else {
                <video class="kyc-video" ref={video} autoplay=true muted=true playsinline=true></video>
                <button type="button" class="kyc-button kyc-button--primary" onclick={capture}>{ ctx.t(Key::TakePhoto) }</button>
            }
            <button type="button" class="kyc-button" onclick={close}>{ ctx.t(Key::CloseCamera) }</button>
        </div>
    }
}
