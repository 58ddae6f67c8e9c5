//! The browser's half of photo cleaning, before anything leaves the device — here, in the
//! lazily loaded module, so it costs the widget's first load nothing: the rulebook's source
//! check (JPEG, PNG, WebP or HEIC up to 30 MB and 50 MP); a decode to a long edge of at most
//! 2048 px — a JPEG without an EXIF turn straight at that size by WebCodecs' `ImageDecoder`
//! where the browser has it (the decoder scales in the DCT, skipping most of a 12 MP decode's
//! work), anything else in full by `createImageBitmap` with its EXIF orientation applied, then
//! drawn down; the quality rulebook's hard check (the server's, so nothing it would refuse is
//! sent); and a canvas re-encode to JPEG (quality 0.9, lowered until it fits 5,000,000 bytes) —
//! canvas output carries no EXIF or GPS.

use js_sys::{Object, Promise, Reflect, Uint8Array};
use kyc_domain::photo::{check_source_dimensions, inspect_source, SourceFormat, MAX_PHOTO_BYTES};
use kyc_domain::quality::{self, Metrics};
use kyc_domain::{ErrorCode, Violation};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap, ImageBitmapOptions, ImageBitmapRenderingContext,
    ImageOrientation,
};

/// The long edge of what is uploaded.
pub const MAX_EDGE: u32 = 2048;
/// The header check reads this much of the file (JPEG metadata precedes the SOF marker).
const HEAD_BYTES: f64 = 256.0 * 1024.0;

#[wasm_bindgen]
extern "C" {
    /// WebCodecs' `ImageDecoder` (web-sys has it only behind its unstable-API flag).
    type ImageDecoder;
    #[wasm_bindgen(constructor, catch)]
    fn new(init: &Object) -> Result<ImageDecoder, JsValue>;
    #[wasm_bindgen(method)]
    fn decode(this: &ImageDecoder) -> Promise;

    /// What has a `close()`: the decoder and the `VideoFrame` it gives.
    type Closable;
    #[wasm_bindgen(method)]
    fn close(this: &Closable);

    /// `createImageBitmap` of any source (here a `VideoFrame`).
    #[wasm_bindgen(js_name = createImageBitmap, catch)]
    fn create_bitmap(source: &JsValue) -> Result<Promise, JsValue>;
}

fn unreadable(_: JsValue) -> Violation {
    Violation::new(ErrorCode::UnreadableImage)
}

/// A 2D canvas; `read_back`: its pixels are read (kept in memory rather than on a GPU).
fn canvas(
    width: u32,
    height: u32,
    read_back: bool,
) -> Result<(HtmlCanvasElement, CanvasRenderingContext2d), Violation> {
    canvas_with("2d", width, height, read_back).map(|(c, ctx)| (c, ctx.unchecked_into()))
}

/// A canvas with a context of `kind`.
fn canvas_with(
    kind: &str,
    width: u32,
    height: u32,
    read_back: bool,
) -> Result<(HtmlCanvasElement, JsValue), Violation> {
    let doc = web_sys::window().and_then(|w| w.document()).ok_or(Violation::new(ErrorCode::UnreadableImage))?;
    let c: HtmlCanvasElement = doc.create_element("canvas").map_err(unreadable)?.unchecked_into();
    c.set_width(width);
    c.set_height(height);
    let options = Object::new();
    Reflect::set(&options, &"willReadFrequently".into(), &read_back.into()).map_err(unreadable)?;
    let ctx = c
        .get_context_with_context_options(kind, &options)
        .map_err(unreadable)?
        .ok_or(Violation::new(ErrorCode::UnreadableImage))?;
    Ok((c, ctx.into()))
}

async fn to_jpeg(c: &HtmlCanvasElement, quality: f64) -> Result<Blob, Violation> {
    let promise = Promise::new(&mut |resolve, reject| {
        if c.to_blob_with_type_and_encoder_options(&resolve, "image/jpeg", &JsValue::from(quality)).is_err() {
            let _ = reject.call0(&JsValue::NULL);
        }
    });
    JsFuture::from(promise).await.map_err(unreadable)?.dyn_into::<Blob>().map_err(unreadable)
}

/// What [`measure`] reads: the upload's canvas, or a bitmap already the upload's size.
#[derive(Clone, Copy)]
enum Source<'a> {
    Canvas(&'a HtmlCanvasElement),
    Bitmap(&'a ImageBitmap),
}

/// The quality rulebook's brightness and sharpness on the analysis copy (long edge 480 px) of
/// an image of `w × h`: what its hard check needs.
fn measure(src: Source<'_>, w: u32, h: u32) -> Option<Metrics> {
    let (aw, ah) = quality::analysis_size(w, h);
    let (_, ctx) = canvas(aw, ah, true).ok()?;
    let (dw, dh) = (f64::from(aw), f64::from(ah));
    match src {
        Source::Canvas(c) => ctx.draw_image_with_html_canvas_element_and_dw_and_dh(c, 0.0, 0.0, dw, dh),
        Source::Bitmap(b) => ctx.draw_image_with_image_bitmap_and_dw_and_dh(b, 0.0, 0.0, dw, dh),
    }
    .ok()?;
    let data = ctx.get_image_data(0.0, 0.0, f64::from(aw), f64::from(ah)).ok()?;
    Some(quality::measure_core(&quality::luma_rgba(&data.data()), aw as usize, ah as usize))
}

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &k.into(), v);
}

/// `w × h` scaled so its long edge is at most [`MAX_EDGE`].
fn fit(w: u32, h: u32) -> (u32, u32) {
    let scale = (f64::from(MAX_EDGE) / f64::from(w.max(h))).min(1.0);
    (((f64::from(w) * scale).round() as u32).max(1), ((f64::from(h) * scale).round() as u32).max(1))
}

/// The decoded photo on a canvas of the upload's size, with its metrics.
struct Picture {
    canvas: HtmlCanvasElement,
    width: u32,
    height: u32,
    metrics: Option<Metrics>,
}

/// An upright bitmap onto a canvas at most [`MAX_EDGE`] long. `as_is`: the bitmap's pixels are
/// already upright (a frame with no EXIF turn), so one small enough is handed to the canvas as
/// it is, without a copy (`transferFromImageBitmap` ignores a turn; `drawImage` applies it).
fn place(bitmap: &ImageBitmap, as_is: bool) -> Result<Picture, Violation> {
    let (w, h) = (bitmap.width(), bitmap.height());
    let (width, height) = fit(w, h);
    if as_is && (width, height) == (w, h) {
        let metrics = measure(Source::Bitmap(bitmap), w, h);
        let (c, ctx) = canvas_with("bitmaprenderer", w, h, false)?;
        ctx.unchecked_into::<ImageBitmapRenderingContext>().transfer_from_image_bitmap(bitmap);
        return Ok(Picture { canvas: c, width, height, metrics });
    }
    let drawn = canvas(width, height, false).and_then(|(c, ctx)| {
        ctx.draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, f64::from(width), f64::from(height))
            .map_err(unreadable)
            .map(|()| c)
    });
    bitmap.close();
    let c = drawn?;
    let metrics = measure(Source::Canvas(&c), width, height);
    Ok(Picture { canvas: c, width, height, metrics })
}

/// A JPEG of `w × h` (its frame header, already checked) and no EXIF turn, decoded at about the
/// upload's size by `ImageDecoder`. `None` where the browser has no `ImageDecoder` (its
/// constructor then throws), it fails or the photo is turned: the caller then decodes in full.
async fn decode_scaled(file: &Blob, w: u32, h: u32) -> Option<Picture> {
    let (dw, dh) = fit(w, h);
    let bytes = JsFuture::from(file.array_buffer()).await.ok()?;
    let init = Object::new();
    set(&init, "data", &bytes);
    set(&init, "type", &"image/jpeg".into());
    set(&init, "desiredWidth", &dw.into());
    set(&init, "desiredHeight", &dh.into());
    let decoder = ImageDecoder::new(&init).ok()?;
    let decoded = JsFuture::from(decoder.decode()).await;
    decoder.unchecked_ref::<Closable>().close();
    // A `VideoFrame`. One with an EXIF turn (a portrait phone photo, often) goes the full way:
    // whether a bitmap of it carries the turn differs between Chromium's own paths.
    let frame = Reflect::get(&decoded.ok()?, &"image".into()).ok()?;
    let upright = Reflect::get(&frame, &"rotation".into()).ok().and_then(|r| r.as_f64()).unwrap_or(0.0) == 0.0
        && Reflect::get(&frame, &"flip".into()).ok().and_then(|f| f.as_bool()) != Some(true);
    // Its bitmap costs a fraction of drawing the frame.
    let bitmap = match upright.then(|| create_bitmap(&frame)) {
        Some(Ok(p)) => JsFuture::from(p).await.ok(),
        _ => None,
    };
    frame.unchecked_ref::<Closable>().close();
    place(&bitmap?.unchecked_into(), true).ok()
}

/// Any source the browser decodes, in full, upright (`createImageBitmap`).
async fn decode_full(file: &Blob) -> Result<Picture, Violation> {
    let window = web_sys::window().ok_or(Violation::new(ErrorCode::UnreadableImage))?;
    let opts = ImageBitmapOptions::new();
    opts.set_image_orientation(ImageOrientation::FromImage);
    let promise = window.create_image_bitmap_with_blob_and_image_bitmap_options(file, &opts).map_err(unreadable)?;
    // A format this browser cannot decode (HEIC outside Safari, say): say what to choose instead.
    let bitmap: ImageBitmap =
        JsFuture::from(promise).await.map_err(|_| Violation::new(ErrorCode::UnsupportedFileType))?.unchecked_into();
    if let Err(v) = check_source_dimensions(bitmap.width(), bitmap.height()) {
        bitmap.close();
        return Err(v);
    }
    place(&bitmap, false)
}

async fn clean_inner(file: &Blob, head: Result<JsFuture, JsValue>) -> Result<Object, Violation> {
    let size = file.size() as u64;
    let buf = head.map_err(unreadable)?.await.map_err(unreadable)?;
    let source = inspect_source(&Uint8Array::new(&buf).to_vec(), size)?;
    let fast = match (source.format, source.dimensions) {
        (SourceFormat::Jpeg, Some((w, h))) => decode_scaled(file, w, h).await,
        _ => None,
    };
    let Picture { canvas: c, width: tw, height: th, metrics } = match fast {
        Some(done) => done,
        None => decode_full(file).await?,
    };
    if let Some(m) = &metrics {
        quality::refuse(m)?;
    }
    let mut q = 0.9;
    let blob = loop {
        let b = to_jpeg(&c, q).await?;
        if b.size() as u64 <= MAX_PHOTO_BYTES || q < 0.35 {
            break b;
        }
        q -= 0.1;
    };
    if blob.size() as u64 > MAX_PHOTO_BYTES {
        return Err(Violation::new(ErrorCode::FileTooLarge)
            .with("max_bytes", MAX_PHOTO_BYTES as i64)
            .with("max_mb", (MAX_PHOTO_BYTES / 1_000_000) as i64));
    }
    let out = Object::new();
    set(&out, "blob", &blob);
    set(&out, "width", &tw.into());
    set(&out, "height", &th.into());
    if let Some(m) = metrics {
        // Soft but usable: the guidance says "Hold still".
        set(&out, "blurry", &(m.sharpness < quality::GUIDANCE.min_sharpness).into());
        // `X-Photo-Metrics`: whole numbers (brightness 0–255, sharpness); the server recomputes.
        let header = format!("b={},s={}", m.brightness.round() as i64, m.sharpness.round() as i64);
        set(&out, "metrics", &header.into());
    }
    Ok(out)
}

/// Checks, decodes, orients, downscales, judges and re-encodes `file`. Resolves to
/// `{blob, width, height, blurry, metrics}` (`metrics`: the `X-Photo-Metrics` header); rejects
/// with the rulebook's verdict `{code, params}` (`params`: whole numbers by name). The file's
/// header is asked for at once, before the returned future is first polled (the caller shows
/// "Processing" meanwhile).
pub fn clean(file: Blob) -> Cleaning {
    let head = file.slice_with_f64_and_f64(0.0, HEAD_BYTES).map(|h| JsFuture::from(h.array_buffer()));
    Box::pin(async move { judged(clean_inner(&file, head).await) })
}

/// [`clean`]'s future, boxed: its state machine then stays one function, not copied into each
/// caller's (smaller module).
pub type Cleaning = std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>>;

fn judged(r: Result<Object, Violation>) -> Result<JsValue, JsValue> {
    match r {
        Ok(o) => Ok(o.into()),
        Err(v) => {
            let e = Object::new();
            set(&e, "code", &v.code.as_str().into());
            let params = Object::new();
            for (k, n) in v.params.iter() {
                set(&params, k, &JsValue::from_f64(n as f64));
            }
            set(&e, "params", &params);
            Err(e.into())
        }
    }
}
