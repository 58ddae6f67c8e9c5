//! Guided live capture inside a photo slot: a large preview through `getUserMedia` with an
//! outline shaped like what is being captured (ID-1 card, passport data page, an oval for the
//! face; mirrored for a camera facing the user), the one-line instruction, and a live hint
//! from the quality rulebook (`kyc_domain::quality` — the same measures the server applies to
//! the uploaded bytes), announced politely to screen readers only once it has held for a few
//! frames. "Switch camera" cycles through the cameras there are.
//!
//! Built with the `locate` feature ([`LOCATE`]), a document is looked for in the whole frame
//! (`kyc_domain::locate`): the outline follows it once it is found, the hint says how to move
//! from where it really is ("Move closer", "Move back", "Move left/right", "Straighten"), and it
//! is taken by itself once it is large enough, sharp and free of glare for a short run of
//! frames — wherever it sits and however it is turned. The still is then cropped and
//! straightened to the document; otherwise ("Take photo", which works at any time, with no
//! document well framed, and the face) it is the whole frame. Without the feature, the document
//! must lie along the drawn outline (the rulebook's placement). Either way the still is drawn
//! from the camera's own resolution (the track's, never the preview's).
//!
//! The camera light goes off — every track stopped, the analysis loop ended — on capture and on
//! [`Camera::close`] (the slot calls it on "Close camera", when the step goes and on unmount).

use gloo_timers::callback::{Interval, Timeout};
use js_sys::{Function, Promise, Reflect};
use kyc_domain::locate::{self, Quad};
use kyc_domain::quality::{self, Guide, Hint, Rect, Shape};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, Document, Element, HtmlCanvasElement, HtmlVideoElement, MediaStream};

use crate::dom::{call, el, prop, Listener};

/// How often a preview frame is analysed (the rulebook takes a few ms on a 480-px copy).
const ANALYSE_EVERY_MS: u32 = 140;

/// A camera that has shown no frame this long after it was asked for never started (some
/// WebViews grant the camera and then deliver nothing).
const NEVER_STARTED_MS: u32 = 8_000;
/// A camera whose frames have all been black this long is covered or broken.
const BLACK_FOR_MS: f64 = 3_000.0;
/// A frame this dark (mean luma of 255) is black: a dim room is far brighter.
const BLACK: f64 = 4.0;

/// What the camera tells its slot.
pub enum Shot {
    /// The still (a JPEG `Blob`; `null` when it could not be drawn).
    Photo(JsValue),
    /// The camera could not start: why (`camera_denied`, `camera_missing`, `camera_busy`,
    /// `camera_failed` — each a text key — or `camera_never_started`, `camera_black`).
    Failed(&'static str),
}

fn stop(stream: &MediaStream) {
    for t in stream.get_tracks().iter() {
        if let Ok(track) = t.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
}

/// Why the camera could not start, as a key of the widget's texts.
fn failure(e: &JsValue) -> &'static str {
    match prop(e, "name").as_string().as_deref() {
        Some("NotAllowedError" | "SecurityError") => "camera_denied",
        Some("NotFoundError" | "OverconstrainedError") => "camera_missing",
        Some("NotReadableError" | "AbortError") => "camera_busy",
        _ => "camera_failed",
    }
}

fn hint_name(h: Option<Hint>) -> &'static str {
    h.map_or("ready", Hint::as_str)
}

/// The text of a hint (`aim`: the instruction for the shape, said when the document locator
/// finds none).
fn hint_key(h: Option<Hint>, aim: &'static str) -> &'static str {
    match h {
        None => "hint_ready",
        Some(Hint::TooDark) => "hint_too_dark",
        Some(Hint::TooBright) => "hint_too_bright",
        Some(Hint::Glare) => "hint_glare",
        Some(Hint::MoveCloser) => "hint_move_closer",
        Some(Hint::HoldStill) => "hint_hold_still",
        Some(Hint::MoveBack) => "hint_move_back",
        Some(Hint::MoveLeft) => "hint_move_left",
        Some(Hint::MoveRight) => "hint_move_right",
        Some(Hint::Straighten) => "hint_straighten",
        Some(Hint::NoDocument) => aim,
    }
}

fn aim_key(shape: Shape) -> &'static str {
    match shape {
        Shape::Card => "aim_card",
        Shape::Passport => "aim_passport",
        Shape::Face => "aim_face",
    }
}

/// The constraints: the chosen camera (or the one facing the right way) at the highest
/// resolution it offers, so the still is taken at full resolution.
fn constraints(device: Option<&str>, shape: Shape) -> JsValue {
    let video = js_sys::Object::new();
    let ideal = |v: JsValue| {
        let o = js_sys::Object::new();
        let _ = Reflect::set(&o, &"ideal".into(), &v);
        o
    };
    let which = match device {
        Some(id) => {
            let exact = js_sys::Object::new();
            let _ = Reflect::set(&exact, &"exact".into(), &id.into());
            ("deviceId", exact)
        }
        None => ("facingMode", ideal(if shape == Shape::Face { "user" } else { "environment" }.into())),
    };
    let _ = Reflect::set(&video, &which.0.into(), &which.1);
    let _ = Reflect::set(&video, &"width".into(), &ideal(4096.into()));
    let _ = Reflect::set(&video, &"height".into(), &ideal(2160.into()));
    let c = js_sys::Object::new();
    let _ = Reflect::set(&c, &"audio".into(), &JsValue::FALSE);
    let _ = Reflect::set(&c, &"video".into(), &video);
    c.into()
}

/// A canvas of `w` × `h`; `read_often`: kept in memory, since its pixels are read every frame.
fn canvas_2d(
    doc: &Document,
    w: u32,
    h: u32,
    read_often: bool,
) -> Option<(HtmlCanvasElement, CanvasRenderingContext2d)> {
    let c: HtmlCanvasElement = doc.create_element("canvas").ok()?.dyn_into().ok()?;
    c.set_width(w);
    c.set_height(h);
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"willReadFrequently".into(), &read_often.into());
    let ctx = c.get_context_with_context_options("2d", &options).ok()??.dyn_into().ok()?;
    Some((c, ctx))
}

type Scratch = Option<(HtmlCanvasElement, CanvasRenderingContext2d)>;

fn num(v: &JsValue, name: &str) -> Option<f64> {
    prop(v, name).as_f64()
}

/// Whether guided capture looks for the document anywhere in the frame (the `locate` feature:
/// off by default while the capture module has no room for the locator's ~8.5 KB of gzip).
pub const LOCATE: bool = cfg!(feature = "locate");

/// Whether the document is looked for in frames of `shape`.
fn locating(shape: Shape) -> bool {
    LOCATE && shape.is_document()
}

/// The part of a `w` × `h` frame that is analysed: all of it for a document the locator looks
/// for (it finds it anywhere), else the centred crop of the shape's aspect around the outline.
fn region(w: u32, h: u32, shape: Shape) -> Rect {
    if locating(shape) {
        Rect { x: 0, y: 0, w, h }
    } else {
        quality::crop(w, h, shape)
    }
}

/// The analysis copy of the current frame's [`region`] straight from the camera's luma plane
/// (WebCodecs `VideoFrame`): no colour conversion and no canvas, a few ms where drawing the
/// frame to a canvas takes ~10. `None` where `VideoFrame` or the pixel format is not there.
async fn luma_from_frame(v: &HtmlVideoElement, shape: Shape) -> Option<(Vec<u8>, usize, usize)> {
    let ctor: Function = Reflect::get(&js_sys::global(), &"VideoFrame".into()).ok()?.dyn_into().ok()?;
    let frame = Reflect::construct(&ctor, &js_sys::Array::of1(v)).ok()?;
    let got = async {
        // Planar or semi-planar YUV: the first plane is luma, one byte a pixel.
        let format = prop(&frame, "format").as_string()?;
        if !matches!(format.as_str(), "I420" | "I420A" | "I422" | "I444" | "NV12") {
            return None;
        }
        let visible = Reflect::get(&frame, &"visibleRect".into()).ok()?;
        let (w, h) = (num(&visible, "width")? as u32, num(&visible, "height")? as u32);
        let size = call(&frame, "allocationSize", &[])?.as_f64()? as u32;
        let buf = js_sys::Uint8Array::new_with_length(size);
        let layout = JsFuture::from(call(&frame, "copyTo", &[&buf])?.dyn_into::<Promise>().ok()?).await.ok()?;
        let y = js_sys::Array::from(&layout).get(0);
        let (offset, stride) = (num(&y, "offset")? as u32, num(&y, "stride")? as usize);
        let space = Reflect::get(&frame, &"colorSpace".into()).ok()?;
        let full_range = Reflect::get(&space, &"fullRange".into()).ok()?.as_bool().unwrap_or(false);
        let end = (u64::from(offset) + stride as u64 * u64::from(h)).min(u64::from(size)) as u32;
        quality::analysis_copy(&buf.subarray(offset, end).to_vec(), stride, region(w, h, shape), full_range)
    }
    .await;
    call(&frame, "close", &[]);
    got
}

/// The same from a canvas (browsers without `VideoFrame`).
fn luma_from_canvas(
    doc: &Document,
    v: &HtmlVideoElement,
    shape: Shape,
    scratch: &mut Scratch,
) -> Option<(Vec<u8>, usize, usize)> {
    let (vw, vh) = (v.video_width(), v.video_height());
    let c = region(vw, vh, shape);
    let (aw, ah) = quality::analysis_size(c.w, c.h);
    if scratch.as_ref().is_none_or(|(canvas, _)| canvas.width() != aw || canvas.height() != ah) {
        *scratch = canvas_2d(doc, aw, ah, true);
    }
    let (_, ctx) = scratch.as_ref()?;
    let (fw, fh) = (f64::from(aw), f64::from(ah));
    ctx.draw_image_with_html_video_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
        v,
        f64::from(c.x),
        f64::from(c.y),
        f64::from(c.w),
        f64::from(c.h),
        0.0,
        0.0,
        fw,
        fh,
    )
    .ok()?;
    let data = ctx.get_image_data(0.0, 0.0, fw, fh).ok()?;
    Some((quality::luma_rgba(&data.data()), aw as usize, ah as usize))
}

/// What one analysed frame showed: the rulebook's measures, and for a document where the
/// locator sees it (in the video's pixels) and what it says of that.
struct Seen {
    metrics: quality::Metrics,
    quad: Option<Quad>,
    framing: Option<Hint>,
}

/// Measures the current video frame's [`region`] on a ≤ 480-px copy; for a document, finds it
/// there too (its glare is measured on it).
async fn analyse(state: &Shared) -> Option<Seen> {
    let (doc, v, shape, use_frames) = {
        let s = state.borrow();
        (s.view.doc.clone(), s.view.video.clone(), s.shape, s.use_frames)
    };
    if v.video_width() < 3 || v.video_height() < 3 || v.ready_state() < 2 {
        return None;
    }
    let from_frame = if use_frames { luma_from_frame(&v, shape).await } else { None };
    let (gray, w, h) = match from_frame {
        Some(copy) => copy,
        None => {
            // Once the frame path fails, this camera stays on the canvas path.
            let mut s = state.borrow_mut();
            s.use_frames = false;
            luma_from_canvas(&doc, &v, shape, &mut s.scratch)?
        }
    };
    if !locating(shape) {
        return Some(Seen { metrics: quality::measure(&gray, w, h), quad: None, framing: None });
    }
    let seen = locate::locate(&gray, w, h, shape.aspect());
    let framing = locate::framing(seen.as_ref(), w);
    let quad = seen.map(|s| s.quad);
    let metrics =
        quality::Metrics { glare: locate::glare(&gray, w, h, quad.as_ref()), ..quality::measure_core(&gray, w, h) };
    let (sx, sy) = (f64::from(v.video_width()) / w as f64, f64::from(v.video_height()) / h as f64);
    Some(Seen { metrics, quad: quad.map(|q| q.scaled(sx, sy)), framing })
}

/// The outline along the document's corners (video pixels).
fn quad_path(q: &Quad) -> String {
    // (Whole pixels: formatting a float would link the float formatter, ~10 KB.)
    let [a, b, c, d] = q.0.map(|p| format!("{} {}", p.x as i32, p.y as i32));
    format!("M{a}L{b}L{c}L{d}z")
}

/// The outline's path in the video's own pixels: the document's rounded rectangle or the face oval.
fn outline_path(w: u32, h: u32, shape: Shape) -> String {
    let o = quality::outline(w, h, shape);
    if shape == Shape::Face {
        let (rx, ry) = (o.w / 2, o.h / 2);
        format!("M{} {}a{rx} {ry} 0 1 0 {} 0a{rx} {ry} 0 1 0 -{} 0z", o.x, o.y + ry, o.w, o.w)
    } else {
        let r = o.w / 24;
        let (iw, ih) = (o.w - 2 * r, o.h - 2 * r);
        format!(
            "M{} {}h{iw}a{r} {r} 0 0 1 {r} {r}v{ih}a{r} {r} 0 0 1 -{r} {r}h-{iw}a{r} {r} 0 0 1 -{r} -{r}v-{ih}a{r} {r} 0 0 1 {r} -{r}z",
            o.x + r,
            o.y
        )
    }
}

/// The elements this module renders.
struct View {
    doc: Document,
    video: HtmlVideoElement,
    frame: Element,
    overlay: Element,
    shade: Element,
    outline: Element,
    hint: Element,
    live: Element,
    switch: Element,
}

struct State {
    view: View,
    shape: Shape,
    texts: JsValue,
    on_event: Rc<dyn Fn(Shot)>,
    stream: Option<MediaStream>,
    analysis: Option<Interval>,
    guide: Guide,
    scratch: Scratch,
    /// Analyse through `VideoFrame` (until it fails once); a frame analysis is under way.
    use_frames: bool,
    busy: bool,
    shown: Option<(Option<Hint>, (u32, u32))>,
    /// The document as the last analysed frame showed it well framed (video pixels): the still
    /// is cropped and straightened to it.
    framed: Option<Quad>,
    cameras: Vec<String>,
    current: Option<String>,
    taken: bool,
    closed: bool,
    listeners: Vec<Listener>,
    /// Gives up on a camera that shows no frame ([`NEVER_STARTED_MS`]).
    watchdog: Option<Timeout>,
    /// When the first frame was analysed, and whether any frame was not black.
    first_frame: Option<f64>,
    lit: bool,
    /// The constraints were loosened once already (after an `OverconstrainedError`).
    loosened: bool,
}

type Shared = Rc<RefCell<State>>;

impl State {
    fn text(&self, key: &str) -> String {
        crate::texts::tr(&self.texts, key)
    }

    fn end(&mut self) {
        self.analysis = None;
        self.watchdog = None;
        if let Some(ms) = self.stream.take() {
            stop(&ms);
        }
    }

    /// One analysed frame (`started`: when its analysis began): the outline, the hint, the
    /// announcement; `true` when the photo should be taken now.
    fn advise(&mut self, seen: &Seen, perf: Option<&web_sys::Performance>, started: Option<f64>) -> bool {
        if self.taken || self.closed {
            return false;
        }
        let advice = if locating(self.shape) {
            self.guide.frame_located(&seen.metrics, seen.framing)
        } else {
            self.guide.frame(&seen.metrics, self.shape)
        };
        self.framed = seen.quad.filter(|_| advice.hint.is_none());
        let v = &self.view;
        if let (Some(p), Some(t0)) = (perf, started) {
            // How long the analysis took on this frame, read by `cargo xtask bench`.
            let _ = v.video.set_attribute("data-analysis-us", &(((p.now() - t0) * 1000.0) as i64).to_string());
        }
        let size = (v.video.video_width(), v.video.video_height());
        let resized = self.shown.map(|s| s.1) != Some(size);
        if resized {
            let _ = v.overlay.set_attribute("viewBox", &format!("0 0 {} {}", size.0, size.1));
            let path = outline_path(size.0, size.1, self.shape);
            let _ = v.shade.set_attribute("d", &format!("M0 0h{}v{}h-{}z{path}", size.0, size.1, size.0));
        }
        // The outline follows the document once it is seen; otherwise it shows where to put it.
        if resized || locating(self.shape) {
            // (`LOCATE` first: without the locator, none of its code is linked.)
            let quad = if LOCATE { seen.quad.as_ref() } else { None };
            let path = quad.map_or_else(|| outline_path(size.0, size.1, self.shape), quad_path);
            let _ = v.outline.set_attribute("d", &path);
        }
        if self.shown.map(|s| s.0) != Some(advice.hint) {
            let name = hint_name(advice.hint);
            v.hint.set_text_content(Some(&self.text(hint_key(advice.hint, aim_key(self.shape)))));
            let _ = v.hint.set_attribute("data-hint", name);
            let ready = advice.hint.is_none();
            let _ = v.hint.class_list().toggle_with_force("kyc-camera-hint--ready", ready);
            let _ = v.overlay.class_list().toggle_with_force("kyc-camera-overlay--ready", ready);
        }
        self.shown = Some((advice.hint, size));
        if let Some(a) = advice.announce {
            v.live.set_text_content(Some(&self.text(hint_key(a, aim_key(self.shape)))));
        }
        advice.capture
    }
}

/// One tick of the analysis loop: analyses a frame unless the last one is still under way.
fn tick(state: &Shared) {
    if std::mem::replace(&mut state.borrow_mut().busy, true) {
        return;
    }
    let state = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let perf = web_sys::window().and_then(|w| w.performance());
        let started = perf.as_ref().map(web_sys::Performance::now);
        let seen = analyse(&state).await;
        let capture = {
            let mut s = state.borrow_mut();
            s.busy = false;
            if let (Some(seen), Some(now)) = (&seen, started) {
                s.lit |= seen.metrics.brightness >= BLACK;
                let first = *s.first_frame.get_or_insert(now);
                if !s.lit && now - first > BLACK_FOR_MS {
                    drop(s);
                    give_up(&state, "camera_black");
                    return;
                }
            }
            seen.is_some_and(|seen| s.advise(&seen, perf.as_ref(), started))
        };
        if capture {
            take(&state);
        }
    });
}

/// The camera is not usable after all (no frame, black frames): it is turned off, and the slot
/// is told why (once; a stream that arrives later is stopped, as after a close).
fn give_up(state: &Shared, key: &'static str) {
    let on_event = {
        let mut s = state.borrow_mut();
        if s.closed || s.taken {
            return;
        }
        s.closed = true;
        s.end();
        s.on_event.clone()
    };
    on_event(Shot::Failed(key));
}

/// `getUserMedia` with `constraints`.
async fn ask(constraints: &JsValue) -> Result<JsValue, JsValue> {
    match web_sys::window().and_then(|w| w.navigator().media_devices().ok()) {
        Some(devices) => match devices.get_user_media_with_constraints(constraints.unchecked_ref()) {
            Ok(p) => JsFuture::from(p).await,
            Err(e) => Err(e),
        },
        None => Err(JsValue::NULL),
    }
}

/// Takes the still and hands it over; the camera light goes off as soon as it is drawn.
fn take(state: &Shared) {
    {
        let mut s = state.borrow_mut();
        if s.taken || s.closed {
            return;
        }
        s.taken = true;
    }
    let state = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let (doc, v, framed, shape) = {
            let s = state.borrow();
            (s.view.doc.clone(), s.view.video.clone(), s.framed, s.shape)
        };
        let blob = still(&doc, &v, framed.as_ref(), shape).await;
        let mut s = state.borrow_mut();
        s.end();
        if !s.closed {
            (s.on_event)(Shot::Photo(blob.map_or(JsValue::NULL, Into::into)));
        }
    });
}

/// The largest width of a straightened document (a card at 95 % of a 4K frame's width).
const MAX_STRAIGHTENED: u32 = 3_900;

/// The frame at the track's own resolution as a JPEG: cropped and straightened to `framed`
/// where a document was well framed (never smaller than an upload must be), whole otherwise.
async fn still(doc: &Document, v: &HtmlVideoElement, framed: Option<&Quad>, shape: Shape) -> Option<web_sys::Blob> {
    let (canvas, ctx) = canvas_2d(doc, v.video_width(), v.video_height(), false)?;
    ctx.draw_image_with_html_video_element(v, 0.0, 0.0).ok()?;
    let canvas = match framed {
        Some(q) if LOCATE => straighten(doc, &canvas, q, shape.aspect()).unwrap_or(canvas),
        _ => canvas,
    };
    let promise = Promise::new(&mut |resolve, _| {
        let _ = canvas.to_blob_with_type_and_encoder_options(&resolve, "image/jpeg", &JsValue::from(0.95));
    });
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

/// The document `q` of the frame drawn on `frame`, cut out and straightened onto a canvas of
/// its own aspect: the locator's mesh of triangles, each drawn through its affine map and
/// clipped to itself.
fn straighten(doc: &Document, frame: &HtmlCanvasElement, q: &Quad, aspect: f64) -> Option<HtmlCanvasElement> {
    let (w, h) = locate::straightened_size(q, aspect, kyc_domain::photo::MIN_SHORT_EDGE, MAX_STRAIGHTENED);
    let (canvas, ctx) = canvas_2d(doc, w, h, false)?;
    for piece in locate::warp_mesh(q, w, h, 8) {
        ctx.save();
        ctx.begin_path();
        let [a, b, c] = piece.clip;
        ctx.move_to(a.x, a.y);
        ctx.line_to(b.x, b.y);
        ctx.line_to(c.x, c.y);
        ctx.clip();
        let [ta, tb, tc, td, te, tf] = piece.transform;
        ctx.set_transform(ta, tb, tc, td, te, tf).ok()?;
        ctx.draw_image_with_html_canvas_element(frame, 0.0, 0.0).ok()?;
        ctx.restore();
    }
    Some(canvas)
}

/// The video inputs the browser reports (ids are only filled once one was allowed).
async fn video_inputs() -> Vec<String> {
    let Some(devices) = web_sys::window().and_then(|w| w.navigator().media_devices().ok()) else { return Vec::new() };
    let Ok(p) = devices.enumerate_devices() else { return Vec::new() };
    let Ok(list) = JsFuture::from(p).await else { return Vec::new() };
    js_sys::Array::from(&list)
        .iter()
        .filter(|d| prop(d, "kind").as_string().as_deref() == Some("videoinput"))
        .map(|d| crate::dom::text(&d, "deviceId"))
        .collect()
}

/// Starts (or restarts, on another camera) the stream and the analysis loop.
fn start(state: &Shared, device: Option<String>) {
    {
        let mut s = state.borrow_mut();
        s.end();
        s.first_frame = None;
        s.lit = false;
        // No frame in time (the request never answered, or the stream never played): give up.
        let weak = Rc::downgrade(state);
        s.watchdog = Some(Timeout::new(NEVER_STARTED_MS, move || {
            let Some(state) = weak.upgrade() else { return };
            let playing = state.borrow().view.video.video_width() >= 3;
            if !playing {
                give_up(&state, "camera_never_started");
            }
        }));
    }
    let state = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let shape = state.borrow().shape;
        let mut got = ask(&constraints(device.as_deref(), shape)).await;
        // Constraints this camera cannot meet: at once again with any camera, nothing said.
        if let Err(e) = &got {
            let loosen = prop(e, "name").as_string().as_deref() == Some("OverconstrainedError")
                && !std::mem::replace(&mut state.borrow_mut().loosened, true);
            if loosen {
                let any = js_sys::Object::new();
                let _ = Reflect::set(&any, &"video".into(), &JsValue::TRUE);
                got = ask(&any.into()).await;
            }
        }
        let ms: MediaStream = match got {
            Ok(ms) => ms.unchecked_into(),
            Err(e) => {
                let on_event = {
                    let mut s = state.borrow_mut();
                    if s.closed {
                        return;
                    }
                    s.watchdog = None;
                    s.on_event.clone()
                };
                on_event(Shot::Failed(failure(&e)));
                return;
            }
        };
        if state.borrow().closed {
            stop(&ms);
            return;
        }
        let settings = ms
            .get_video_tracks()
            .get(0)
            .dyn_into::<web_sys::MediaStreamTrack>()
            .ok()
            .and_then(|t| call(&t, "getSettings", &[]));
        let cameras = video_inputs().await;
        let mut s = state.borrow_mut();
        if s.closed {
            stop(&ms);
            return;
        }
        let facing = settings.as_ref().and_then(|x| prop(x, "facingMode").as_string());
        let mirrored = facing.map_or(shape == Shape::Face, |f| f == "user");
        let _ = s.view.frame.class_list().toggle_with_force("kyc-camera-view--mirrored", mirrored);
        s.current = settings.as_ref().and_then(|x| prop(x, "deviceId").as_string());
        let _ = s.view.switch.toggle_attribute_with_force("hidden", cameras.len() < 2);
        s.cameras = cameras;
        s.view.video.set_src_object(Some(&ms));
        let _ = s.view.video.play();
        s.stream = Some(ms);
        s.taken = false;
        let weak = Rc::downgrade(&state);
        s.analysis = Some(Interval::new(ANALYSE_EVERY_MS, move || {
            if let Some(state) = weak.upgrade() {
                tick(&state);
            }
        }));
    });
}

/// The open camera. [`Camera::close`] turns it off and removes what it rendered.
pub struct Camera {
    state: Shared,
    root: Element,
}

impl Camera {
    /// Stops every track and the analysis loop, and empties the element. Idempotent.
    pub fn close(&self) {
        let mut s = self.state.borrow_mut();
        s.closed = true;
        s.end();
        s.listeners.clear();
        self.root.set_inner_html("");
    }
}

/// Opens the camera inside `root` for `shape`. `texts`: the widget's texts by key (see
/// [`crate::texts`]: `aim_card`, `aim_passport` or `aim_face`, `take_photo`, `switch_camera`,
/// `camera_view` and the hints `hint_*`). `on_event` is told the [`Shot`]: the photo once it is
/// taken, or why the camera could not start.
pub fn open(root: Element, shape: Shape, texts: JsValue, on_event: Rc<dyn Fn(Shot)>) -> Result<Camera, JsValue> {
    let doc = root.owner_document().ok_or("no document")?;
    let t = |k: &str| crate::texts::tr(&texts, k);
    el(&doc, &root, "p", "kyc-camera-aim", Some(&t(aim_key(shape))));
    let frame = el(&doc, &root, "div", "kyc-camera-view", None);
    if LOCATE {
        frame.set_attribute("data-locate", "")?;
    }
    frame.set_attribute("role", "img")?;
    frame.set_attribute("aria-label", &t("camera_view"))?;
    let video: HtmlVideoElement = el(&doc, &frame, "video", "kyc-video", None).unchecked_into();
    video.set_muted(true);
    video.set_autoplay(true);
    video.set_attribute("playsinline", "")?;
    let overlay = el(&doc, &frame, "svg", "kyc-camera-overlay", None);
    overlay.set_attribute("aria-hidden", "true")?;
    overlay.set_attribute("preserveAspectRatio", "xMidYMid meet")?;
    let shade = el(&doc, &overlay, "path", "kyc-camera-shade", None);
    shade.set_attribute("fill-rule", "evenodd")?;
    let outline = el(&doc, &overlay, "path", "kyc-camera-outline", None);
    let hint = el(&doc, &root, "p", "kyc-camera-hint", None);
    hint.set_attribute("aria-hidden", "true")?;
    let live = el(&doc, &root, "p", "kyc-live", None);
    live.set_attribute("aria-live", "polite")?;
    let actions = el(&doc, &root, "div", "kyc-camera-actions", None);
    let take_button = el(&doc, &actions, "button", "kyc-button kyc-button--primary", Some(&t("take_photo")));
    take_button.set_attribute("type", "button")?;
    let switch = el(&doc, &actions, "button", "kyc-button", Some(&t("switch_camera")));
    switch.set_attribute("type", "button")?;
    switch.set_attribute("hidden", "")?;
    let view = View { doc, video, frame, overlay, shade, outline, hint, live, switch: switch.clone() };
    let state: Shared = Rc::new(RefCell::new(State {
        view,
        shape,
        texts,
        on_event,
        stream: None,
        analysis: None,
        guide: Guide::default(),
        scratch: None,
        use_frames: true,
        busy: false,
        shown: None,
        framed: None,
        cameras: Vec::new(),
        current: None,
        taken: false,
        closed: false,
        listeners: Vec::new(),
        watchdog: None,
        first_frame: None,
        lit: false,
        loosened: false,
    }));
    let weak = Rc::downgrade(&state);
    let on_take = Listener::new(&take_button, "click", move |_| {
        if let Some(s) = weak.upgrade() {
            take(&s);
        }
    });
    let weak = Rc::downgrade(&state);
    let on_switch = Listener::new(&switch, "click", move |_| {
        let Some(state) = weak.upgrade() else { return };
        let next = {
            let s = state.borrow();
            let at = s.current.as_ref().and_then(|id| s.cameras.iter().position(|c| c == id));
            s.cameras.get(at.map_or(1, |i| i + 1) % s.cameras.len().max(1)).cloned()
        };
        start(&state, next);
    });
    state.borrow_mut().listeners = vec![on_take, on_switch];
    start(&state, None);
    Ok(Camera { state, root })
}
