//! The browser's half of photo cleaning, before anything leaves the device — here, in the
//! lazily loaded module, so it costs the widget's first load nothing and runs at opt-level 3:
//! the rulebook's source check (JPEG, PNG, WebP or HEIC up to 30 MB and 50 MP), a decode that
//! honours EXIF orientation (`createImageBitmap`), a downscale to a long edge of at most
//! 2048 px, the quality rulebook's hard check (the server's, so nothing it would refuse is
//! sent), and a canvas re-encode to JPEG (quality 0.9, lowered until it fits 5,000,000 bytes) —
//! canvas output carries no EXIF or GPS.

use js_sys::{Object, Promise, Reflect, Uint8Array};
use kyc_domain::photo::{check_source_dimensions, inspect_source, MAX_PHOTO_BYTES};
use kyc_domain::quality::{self, Metrics};
use kyc_domain::{ErrorCode, Violation};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap, ImageBitmapOptions, ImageOrientation};

/// The long edge of what is uploaded.
pub const MAX_EDGE: u32 = 2048;
/// The header check reads this much of the file (JPEG metadata precedes the SOF marker).
const HEAD_BYTES: f64 = 256.0 * 1024.0;

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
    let options = Object::new();
    Reflect::set(&options, &"willReadFrequently".into(), &read_back.into()).map_err(unreadable)?;
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

/// The quality rulebook's brightness and sharpness on the analysis copy (long edge 480 px) of
/// a canvas: what its hard check needs.
fn measure_canvas(src: &HtmlCanvasElement, w: u32, h: u32) -> Option<Metrics> {
    let (aw, ah) = quality::analysis_size(w, h);
    let (_, ctx) = canvas(aw, ah, true).ok()?;
    ctx.draw_image_with_html_canvas_element_and_dw_and_dh(src, 0.0, 0.0, f64::from(aw), f64::from(ah)).ok()?;
    let data = ctx.get_image_data(0.0, 0.0, f64::from(aw), f64::from(ah)).ok()?;
    Some(quality::measure_core(&quality::luma_rgba(&data.data()), aw as usize, ah as usize))
}

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &k.into(), v);
}

async fn clean_inner(file: &Blob) -> Result<Object, Violation> {
    let size = file.size() as u64;
    let head = file.slice_with_f64_and_f64(0.0, HEAD_BYTES).map_err(unreadable)?;
    let buf = JsFuture::from(head.array_buffer()).await.map_err(unreadable)?;
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
/// with the rulebook's verdict `{code, params}` (`params`: whole numbers by name).
pub async fn clean(file: Blob) -> Result<JsValue, JsValue> {
    match clean_inner(&file).await {
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
