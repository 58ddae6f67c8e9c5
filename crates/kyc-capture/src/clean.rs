//! The browser's half of photo cleaning, before anything leaves the device — here, in the
//! lazily loaded module, so it costs the widget's first load nothing: the rulebook's source
//! check (JPEG, PNG, WebP or HEIC up to 30 MB and 50 MP); a decode to a long edge of at most
//! 2048 px; the quality rulebook's hard check (the server's, so nothing it would refuse is
//! sent); and a canvas re-encode to JPEG (quality 0.9, lowered until it fits 5,000,000 bytes) —
//! canvas output carries no EXIF or GPS.
//!
//! The decode never makes a canvas or bitmap of the photo's full size (issue 27: iOS Safari
//! fails silently above 16,777,216 pixels, and a 48 MP bitmap is 192 MB on a small phone):
//! - a JPEG, where the browser has WebCodecs' `ImageDecoder`: decoded straight at about the
//!   upload's size (the decoder scales in the DCT, skipping most of the work), whatever its EXIF
//!   orientation — the turn read here from the header ([`exif_orientation`]), blanked in what
//!   the decoder reads, and drawn on the small output canvas;
//! - anything else (no `ImageDecoder`, PNG, WebP, HEIC): an `<img>` decode, which every engine
//!   turns by the EXIF orientation, drawn once (shrunk) onto the output canvas.
//!
//! Everything made is released when the photo is done: bitmaps closed or handed over, frames
//! and decoders closed, canvases emptied (0 × 0), object URLs revoked.

use js_sys::{Object, Promise, Reflect, Uint8Array};
use kyc_domain::photo::{check_source_dimensions, inspect_source, SourceFormat, MAX_PHOTO_BYTES};
use kyc_domain::quality::{self, Metrics};
use kyc_domain::{ErrorCode, Violation};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, ImageBitmap, ImageBitmapRenderingContext,
};

/// The long edge of what is uploaded.
pub const MAX_EDGE: u32 = 2048;
/// The header check reads this much of the file (JPEG metadata precedes the SOF marker).
const HEAD_BYTES: f64 = 256.0 * 1024.0;
/// iOS Safari's largest canvas (and bitmap) area: nothing made here is larger.
pub const MAX_SURFACE_PIXELS: u32 = 16_777_216;

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

    /// A `Blob` as a `ReadableStream` (`stream()`).
    type Streamable;
    #[wasm_bindgen(method)]
    fn stream(this: &Streamable) -> JsValue;

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

/// Empties a canvas: its pixels are freed now, not whenever the collector finds it.
fn release(c: &HtmlCanvasElement) {
    c.set_width(0);
    c.set_height(0);
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
    let (c, ctx) = canvas(aw, ah, true).ok()?;
    let (dw, dh) = (f64::from(aw), f64::from(ah));
    let drawn = match src {
        Source::Canvas(s) => ctx.draw_image_with_html_canvas_element_and_dw_and_dh(s, 0.0, 0.0, dw, dh),
        Source::Bitmap(b) => ctx.draw_image_with_image_bitmap_and_dw_and_dh(b, 0.0, 0.0, dw, dh),
    };
    let data = drawn.ok().and_then(|()| ctx.get_image_data(0.0, 0.0, dw, dh).ok());
    release(&c);
    Some(quality::measure_core(&quality::luma_rgba(&data?.data()), aw as usize, ah as usize))
}

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &k.into(), v);
}

fn num(o: &JsValue, k: &str) -> f64 {
    Reflect::get(o, &k.into()).ok().and_then(|v| v.as_f64()).unwrap_or(f64::INFINITY)
}

/// `w × h` scaled so its long edge is at most [`MAX_EDGE`].
fn fit(w: u32, h: u32) -> (u32, u32) {
    let scale = (f64::from(MAX_EDGE) / f64::from(w.max(h))).min(1.0);
    (((f64::from(w) * scale).round() as u32).max(1), ((f64::from(h) * scale).round() as u32).max(1))
}

/// A JPEG's EXIF orientation (1–8, 1 when its header says none) and where in `head` its tag
/// lies: the `Exif` APP1 segment's TIFF header (either byte order), IFD0's tag 0x0112.
pub fn exif_orientation(head: &[u8]) -> (u8, Option<usize>) {
    let mut at = 2;
    while let (Some(0xFF), Some(&marker), Some(len)) = (head.get(at), head.get(at + 1), be16(head, at + 2)) {
        // Start of scan: no metadata after it.
        if marker == 0xDA || len < 2 {
            break;
        }
        if marker == 0xE1 {
            // The TIFF header follows `Exif\0\0`, 10 bytes into the segment.
            if let Some((o, tag)) = head.get(at + 4..at + 2 + len).and_then(tiff_orientation) {
                return (o, Some(at + 10 + tag));
            }
        }
        at += 2 + len;
    }
    (1, None)
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?])))
}

/// The orientation of an `Exif` APP1 segment's payload, and its tag's offset in the TIFF data.
fn tiff_orientation(app1: &[u8]) -> Option<(u8, usize)> {
    let tiff = app1.strip_prefix(b"Exif\0\0")?;
    let little = match tiff.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let int = |at: usize, n: usize| -> Option<usize> {
        let b = tiff.get(at..at + n)?;
        let fold = |acc: usize, x: &u8| acc << 8 | usize::from(*x);
        Some(if little { b.iter().rev().fold(0, fold) } else { b.iter().fold(0, fold) })
    };
    let ifd = int(4, 4)?;
    let entry = (0..int(ifd, 2)?).map(|n| ifd + 2 + n * 12).find(|&entry| int(entry, 2) == Some(0x0112))?;
    let o = u8::try_from(int(entry + 8, 2)?).ok().filter(|o| (1..=8).contains(o))?;
    Some((o, entry))
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

/// A bitmap with the pixels as the camera stored them, turned by EXIF `orientation` (2–8)
/// while drawn onto a canvas at most [`MAX_EDGE`] long.
fn turn(bitmap: &ImageBitmap, orientation: u8) -> Result<Picture, Violation> {
    let swaps = orientation >= 5;
    let (bw, bh) = (bitmap.width(), bitmap.height());
    let (width, height) = if swaps { fit(bh, bw) } else { fit(bw, bh) };
    let (tw, th) = (f64::from(width), f64::from(height));
    // Where a stored pixel (x, y) lands: (a x + c y + e, b x + d y + f).
    let (a, b, c, d, e, f) = match orientation {
        2 => (-1.0, 0.0, 0.0, 1.0, tw, 0.0),
        3 => (-1.0, 0.0, 0.0, -1.0, tw, th),
        4 => (1.0, 0.0, 0.0, -1.0, 0.0, th),
        5 => (0.0, 1.0, 1.0, 0.0, 0.0, 0.0),
        6 => (0.0, 1.0, -1.0, 0.0, tw, 0.0),
        7 => (0.0, -1.0, -1.0, 0.0, tw, th),
        _ => (0.0, -1.0, 1.0, 0.0, 0.0, th),
    };
    let (dw, dh) = if swaps { (th, tw) } else { (tw, th) };
    let drawn = canvas(width, height, false).and_then(|(out, ctx)| {
        ctx.set_transform(a, b, c, d, e, f)
            .and_then(|()| ctx.draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, dw, dh))
            .map_err(|e| {
                release(&out);
                unreadable(e)
            })
            .map(|()| out)
    });
    bitmap.close();
    let out = drawn?;
    let metrics = measure(Source::Canvas(&out), width, height);
    Ok(Picture { canvas: out, width, height, metrics })
}

/// Whether the browser has WebCodecs' `ImageDecoder` (not where the page is insecure, nor in
/// every engine).
fn has_image_decoder() -> bool {
    Reflect::has(&js_sys::global(), &"ImageDecoder".into()).unwrap_or(false)
}

/// A JPEG of `w × h` (its frame header, already checked) whose header `head` says EXIF
/// `orientation` (its tag at `tag`), decoded at about the upload's size by `ImageDecoder`: a
/// 12 MP or a 48 MP photo becomes a frame of about 2016 × 1512. The decoder is given the file
/// with its orientation tag blanked, so the frame is the pixels as stored whatever the browser
/// does with a turn (Chromium's bitmaps of a turned frame differ in size between its paths, and
/// `transferFromImageBitmap` ignores the turn), and the turn is drawn here. `None` when it
/// fails or its frame would be larger than iOS allows: the caller then takes the `<img>` way.
async fn decode_scaled(
    file: &Blob,
    head: &[u8],
    w: u32,
    h: u32,
    (orientation, tag): (u8, Option<usize>),
) -> Option<Picture> {
    let (dw, dh) = fit(w, h);
    let data = match tag {
        Some(at) => {
            let mut patched = head.to_vec();
            // An unknown tag (0): no orientation.
            patched.get_mut(at..at + 2)?.fill(0);
            let rest = file.slice_with_f64(head.len() as f64).ok()?;
            let parts = js_sys::Array::of2(&Uint8Array::from(patched.as_slice()), &rest);
            Blob::new_with_blob_sequence(&parts).ok()?
        }
        None => file.clone(),
    };
    let init = Object::new();
    // Streamed: the decoder reads the file as it decodes, without a copy of it all first.
    set(&init, "data", &data.unchecked_ref::<Streamable>().stream());
    set(&init, "type", &"image/jpeg".into());
    set(&init, "desiredWidth", &dw.into());
    set(&init, "desiredHeight", &dh.into());
    let decoder = ImageDecoder::new(&init).ok()?;
    let decoded = JsFuture::from(decoder.decode()).await;
    decoder.unchecked_ref::<Closable>().close();
    // A `VideoFrame`; its bitmap costs a fraction of drawing the frame.
    let frame = Reflect::get(&decoded.ok()?, &"image".into()).ok()?;
    let small = num(&frame, "codedWidth") * num(&frame, "codedHeight") <= f64::from(MAX_SURFACE_PIXELS);
    let bitmap = match small.then(|| create_bitmap(&frame)) {
        Some(Ok(p)) => JsFuture::from(p).await.ok(),
        _ => None,
    };
    frame.unchecked_ref::<Closable>().close();
    let bitmap: ImageBitmap = bitmap?.unchecked_into();
    if orientation == 1 {
        place(&bitmap, true).ok()
    } else {
        turn(&bitmap, orientation).ok()
    }
}

/// Any source the browser decodes, through an `<img>`: every engine turns it by its EXIF
/// orientation and decodes it as it sees fit (iOS Safari subsamples a large one), and drawing
/// it onto the output canvas shrinks it. No canvas or bitmap of the full size is made.
async fn decode_image(file: &Blob) -> Result<Picture, Violation> {
    let url = web_sys::Url::create_object_url_with_blob(file).map_err(unreadable)?;
    let img = HtmlImageElement::new().map_err(unreadable)?;
    img.set_src(&url);
    let drawn = match JsFuture::from(img.decode()).await {
        Ok(_) => draw_image(&img),
        // A format this browser cannot decode (HEIC outside Safari, say): say what to choose instead.
        Err(_) => Err(Violation::new(ErrorCode::UnsupportedFileType)),
    };
    let _ = img.remove_attribute("src");
    let _ = web_sys::Url::revoke_object_url(&url);
    drawn
}

fn draw_image(img: &HtmlImageElement) -> Result<Picture, Violation> {
    let (w, h) = (img.natural_width(), img.natural_height());
    check_source_dimensions(w, h)?;
    let (width, height) = fit(w, h);
    let (c, ctx) = canvas(width, height, false)?;
    if let Err(e) =
        ctx.draw_image_with_html_image_element_and_dw_and_dh(img, 0.0, 0.0, f64::from(width), f64::from(height))
    {
        release(&c);
        return Err(unreadable(e));
    }
    let metrics = measure(Source::Canvas(&c), width, height);
    Ok(Picture { canvas: c, width, height, metrics })
}

async fn clean_inner(file: &Blob, head: Result<JsFuture, JsValue>) -> Result<Object, Violation> {
    let size = file.size() as u64;
    let buf = head.map_err(unreadable)?.await.map_err(unreadable)?;
    let head = Uint8Array::new(&buf).to_vec();
    let source = inspect_source(&head, size)?;
    let fast = match (source.format, source.dimensions) {
        (SourceFormat::Jpeg, Some((w, h))) if has_image_decoder() => {
            decode_scaled(file, &head, w, h, exif_orientation(&head)).await
        }
        _ => None,
    };
    let Picture { canvas: c, width: tw, height: th, metrics } = match fast {
        Some(done) => done,
        // `heic`: the refusal says how to send a JPEG instead.
        None => decode_image(file).await.map_err(|v| match source.format {
            SourceFormat::Heic if v.code == ErrorCode::UnsupportedFileType => v.with("heic", 1),
            _ => v,
        })?,
    };
    let encoded = encode(&c, metrics).await;
    release(&c);
    let blob = encoded?;
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

/// The hard check, then the JPEG of the upload's canvas within [`MAX_PHOTO_BYTES`].
async fn encode(c: &HtmlCanvasElement, metrics: Option<Metrics>) -> Result<Blob, Violation> {
    if let Some(m) = &metrics {
        quality::refuse(m)?;
    }
    let mut q = 0.9;
    let blob = loop {
        let b = to_jpeg(c, q).await?;
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
    Ok(blob)
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

#[cfg(test)]
mod tests {
    use super::exif_orientation;

    /// A JPEG head: SOI, APP0, then an `Exif` APP1 of one IFD0 entry (tag 0x0112) in `order`.
    fn head(order: &[u8; 2], orientation: u16) -> Vec<u8> {
        let little = order == b"II";
        let w16 = |v: u16| if little { v.to_le_bytes() } else { v.to_be_bytes() };
        let w32 = |v: u32| if little { v.to_le_bytes() } else { v.to_be_bytes() };
        let mut tiff = order.to_vec();
        tiff.extend(w16(42));
        tiff.extend(w32(8));
        tiff.extend(w16(1));
        tiff.extend(w16(0x0112));
        tiff.extend(w16(3));
        tiff.extend(w32(1));
        tiff.extend(w16(orientation));
        tiff.extend([0, 0, 0, 0, 0, 0]);
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xE1];
        out.extend(u16::try_from(tiff.len() + 8).unwrap().to_be_bytes());
        out.extend(b"Exif\0\0");
        out.extend(tiff);
        out.extend([0xFF, 0xDA, 0, 2]);
        out
    }

    #[test]
    fn reads_the_orientation_and_where_its_tag_lies_in_either_byte_order() {
        for o in 1..=8 {
            for order in [b"MM", b"II"] {
                let h = head(order, o);
                let (got, at) = exif_orientation(&h);
                assert_eq!(got, o as u8);
                // The tag: after SOI (2), APP0 (6), the APP1 marker and length (4), `Exif\0\0`
                // (6), the TIFF header (8) and IFD0's count (2).
                assert_eq!(at, Some(28));
                let mut blanked = h.clone();
                blanked[28..30].fill(0);
                assert_eq!(exif_orientation(&blanked), (1, None), "a blanked tag says nothing");
            }
        }
    }

    #[test]
    fn a_jpeg_without_exif_or_with_a_wrong_value_is_upright() {
        assert_eq!(exif_orientation(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xDA, 0, 2]), (1, None));
        assert_eq!(exif_orientation(&head(b"MM", 9)), (1, None));
        // Cut anywhere: no panic, and upright unless the tag is whole.
        let whole = head(b"II", 6);
        for n in 0..whole.len() {
            let (o, _) = exif_orientation(&whole[..n]);
            assert!(o == 1 || o == 6);
        }
    }
}
