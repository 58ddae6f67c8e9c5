//! The browser's half of photo cleaning, before anything leaves the device: the rulebook's
//! header check, a decode that honours EXIF orientation (`createImageBitmap`), a downscale to a
//! long edge of at most 2048 px, and a canvas re-encode to JPEG (quality 0.9, lowered until it
//! fits 5,000,000 bytes) — canvas output carries no EXIF or GPS. Plus the blur hint.

use js_sys::{Promise, Uint8Array};
use kyc_domain::photo::{check_source_dimensions, inspect_source, MAX_PHOTO_BYTES};
use kyc_domain::{ErrorCode, Violation};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap, ImageBitmapOptions, ImageOrientation};

use kyc_domain::quality::{self, Metrics};

/// The long edge of what is uploaded.
pub const MAX_EDGE: u32 = 2048;
/// The header check reads this much of the file (JPEG metadata precedes the SOF marker).
const HEAD_BYTES: f64 = 256.0 * 1024.0;

/// A cleaned photo, ready to upload. `url` is an object URL for the preview; revoke it with
/// [`release`] when the photo is replaced or the widget unmounts.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanPhoto {
    pub blob: Blob,
    pub url: String,
    pub width: u32,
    pub height: u32,
    /// Soft but usable: the quality rulebook's guidance says "Hold still".
    pub blurry: bool,
    /// The rulebook's measures, sent with the upload (the server recomputes and compares).
    pub metrics: Option<Metrics>,
    /// How it was obtained: `camera` or `file`.
    pub source: &'static str,
}

fn unreadable(_: JsValue) -> Violation {
    Violation::new(ErrorCode::UnreadableImage)
}

/// A canvas; `read_back`: its pixels are read (kept in memory rather than on a GPU).
fn canvas(
    width: u32,
    height: u32,
    read_back: bool,
) -> Result<(HtmlCanvasElement, CanvasRenderingContext2d), Violation> {
    let doc = web_sys::window().and_then(|w| w.document()).ok_or(Violation::new(ErrorCode::UnreadableImage))?;
    let c: HtmlCanvasElement = doc.create_element("canvas").map_err(unreadable)?.unchecked_into();
    c.set_width(width);
    c.set_height(height);
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"willReadFrequently".into(), &read_back.into()).map_err(unreadable)?;
    let ctx: CanvasRenderingContext2d = c
        .get_context_with_context_options("2d", &options)
        .map_err(unreadable)?
        .ok_or(Violation::new(ErrorCode::UnreadableImage))?
        .unchecked_into();
    Ok((c, ctx))
}

async fn to_jpeg(c: &HtmlCanvasElement, quality: f64) -> Result<Blob, Violation> {
    let promise = Promise::new(&mut |resolve, reject| {
        if c.to_blob_with_type_and_encoder_options(&resolve, "image/jpeg", &JsValue::from(quality)).is_err() {
            let _ = reject.call0(&JsValue::NULL);
        }
    });
    JsFuture::from(promise).await.map_err(unreadable)?.dyn_into::<Blob>().map_err(unreadable)
}

/// Checks, decodes, orients, downscales and re-encodes `file`; runs the quality rulebook's hard
/// check (the server's), so nothing the server would refuse is sent.
pub async fn clean(file: &Blob, source: &'static str) -> Result<CleanPhoto, Violation> {
    let size = file.size() as u64;
    let head = file.slice_with_f64_and_f64(0.0, HEAD_BYTES).map_err(unreadable)?;
    let buf = JsFuture::from(head.array_buffer()).await.map_err(unreadable)?;
    // The rulebook's source check (what a person may choose: JPEG, PNG, WebP or HEIC, up to
    // 30 MB and 50 MP) runs before any decoding; what is sent is the upload form the server
    // accepts, made below.
    inspect_source(&Uint8Array::new(&buf).to_vec(), size)?;

    let window = web_sys::window().ok_or(Violation::new(ErrorCode::UnreadableImage))?;
    let opts = ImageBitmapOptions::new();
    opts.set_image_orientation(ImageOrientation::FromImage);
    let promise = window.create_image_bitmap_with_blob_and_image_bitmap_options(file, &opts).map_err(unreadable)?;
    // A format this browser cannot decode (HEIC outside Safari, say): say what to choose instead.
    let bitmap: ImageBitmap =
        JsFuture::from(promise).await.map_err(|_| Violation::new(ErrorCode::UnsupportedFileType))?.unchecked_into();
    let (w, h) = (bitmap.width(), bitmap.height());
    if let Err(v) = check_source_dimensions(w, h) {
        bitmap.close();
        return Err(v);
    }
    let scale = (f64::from(MAX_EDGE) / f64::from(w.max(h))).min(1.0);
    let (tw, th) = (((f64::from(w) * scale).round() as u32).max(1), ((f64::from(h) * scale).round() as u32).max(1));
    let (c, ctx) = canvas(tw, th, false)?;
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, f64::from(tw), f64::from(th))
        .map_err(unreadable)?;
    bitmap.close();

    let metrics = measure_canvas(&c, tw, th);
    if let Some(m) = &metrics {
        quality::refuse(m)?;
    }
    let blurry = metrics.is_some_and(|m| m.sharpness < quality::GUIDANCE.min_sharpness);
    let mut quality = 0.9;
    let blob = loop {
        let b = to_jpeg(&c, quality).await?;
        if b.size() as u64 <= MAX_PHOTO_BYTES || quality < 0.35 {
            break b;
        }
        quality -= 0.1;
    };
    if blob.size() as u64 > MAX_PHOTO_BYTES {
        return Err(Violation::new(ErrorCode::FileTooLarge)
            .with("max_bytes", MAX_PHOTO_BYTES as i64)
            .with("max_mb", (MAX_PHOTO_BYTES / 1_000_000) as i64));
    }
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(unreadable)?;
    Ok(CleanPhoto { blob, url, width: tw, height: th, blurry, metrics, source })
}

/// The quality rulebook's brightness and sharpness on the analysis copy (long edge 480 px) of a
/// canvas: what its hard check needs.
pub fn measure_canvas(src: &HtmlCanvasElement, w: u32, h: u32) -> Option<Metrics> {
    let (aw, ah) = quality::analysis_size(w, h);
    let (_, ctx) = canvas(aw, ah, true).ok()?;
    ctx.draw_image_with_html_canvas_element_and_dw_and_dh(src, 0.0, 0.0, f64::from(aw), f64::from(ah)).ok()?;
    let data = ctx.get_image_data(0.0, 0.0, f64::from(aw), f64::from(ah)).ok()?;
    Some(quality::measure_core(&quality::luma_rgba(&data.data()), aw as usize, ah as usize))
}

/// The measures as the `X-Photo-Metrics` header carries them: whole numbers (brightness 0–255,
/// sharpness) — integer formatting only, since float formatting would add ~10 KB to the wasm.
pub fn metrics_header(m: &Metrics) -> String {
    format!("b={},s={}", m.brightness.round() as i64, m.sharpness.round() as i64)
}

/// Frees a preview's object URL.
pub fn release(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}
