//! # kyc-photos — the server's photo cleaning (docs/security.md UP-2…UP-5, UP-8)
//!
//! Bounded by what the decoder really does, never by what a header claims:
//!
//! 1. [`plan`]: the rulebook's walker ([`kyc_domain::inspect_photo`]) reads the frame header —
//!    only frame types the decoder decodes, exactly one frame — and states the bytes a decode
//!    will allocate ([`PhotoHeader::decode_bytes`]). The server reserves that much of its
//!    decode budget before anything is decoded.
//! 2. [`clean`]: the decoder parses its own headers; its dimensions must equal the walker's
//!    (a mismatch is refused), the 40-megapixel cap is checked on the decoder's dimensions and
//!    the decoder's own output size must fit the reservation — all before a pixel buffer is
//!    allocated. Then one decode, one downscale to [`UPLOAD_LONG_EDGE`], EXIF orientation applied
//!    to the small image, and one JPEG encode (one retry at a lower quality if it were ever over
//!    5,000,000 bytes). The result carries no EXIF, GPS, comments or trailing bytes.
//!
//! No IO, no threads: the caller runs [`clean`] on a blocking thread.

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use kyc_domain::photo::{inspect_photo, PhotoHeader, MAX_PHOTO_BYTES, MAX_PIXELS, UPLOAD_LONG_EDGE};
use kyc_domain::{ErrorCode, Violation};
use std::io::Cursor;

/// The most memory one decode may take. A photo whose decode needs more — only exotic files
/// come near: a 40 MP progressive JPEG needs about 350 MiB, a 40 MP baseline one about 140 MiB
/// — is refused with `image_too_large` rather than decoded beyond the server's budget.
pub const MAX_DECODE_BYTES: u64 = 384 << 20;

/// JPEG quality of the one encode, and of the one retry.
pub const QUALITY: u8 = 90;
pub const RETRY_QUALITY: u8 = 75;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoError {
    /// Not JPEG/PNG by magic bytes (→ 415).
    Unsupported,
    /// A rule violation from the header or a failed decode (→ 422).
    Invalid(Violation),
}

impl PhotoError {
    fn unreadable() -> Self {
        Self::Invalid(Violation::new(ErrorCode::UnreadableImage))
    }
}

/// What the walker found, and what decoding it will cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub header: PhotoHeader,
    /// Upper bound of the bytes the decode allocates: the decoder's working set, the input
    /// copy the JPEG decoder keeps, and the downscaled image.
    pub decode_bytes: u64,
}

/// The cleaned photo: JPEG bytes and the final dimensions.
pub struct CleanPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// The JPEG quality used (the retry's if the first encode was too large).
    pub quality: u8,
    /// The quality rulebook's measures of this photo (kyc_domain::quality).
    pub metrics: kyc_domain::quality::Metrics,
}

impl std::fmt::Debug for CleanPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CleanPhoto")
            .field("bytes", &self.jpeg.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// The header walk: type by magic bytes, size, one decodable frame, dimensions, pixel cap, and
/// the memory the decode will take. Cheap (no decoding, no allocation beyond a few bytes).
pub fn plan(bytes: &[u8]) -> Result<Plan, PhotoError> {
    let header = inspect_photo(bytes, bytes.len() as u64).map_err(|v| {
        if v.code == ErrorCode::UnsupportedFileType {
            PhotoError::Unsupported
        } else {
            PhotoError::Invalid(v)
        }
    })?;
    let small = u64::from(UPLOAD_LONG_EDGE) * u64::from(UPLOAD_LONG_EDGE) * 4;
    let decode_bytes = header.decode_bytes() + bytes.len() as u64 + small;
    if decode_bytes > MAX_DECODE_BYTES {
        return Err(PhotoError::Invalid(
            Violation::new(ErrorCode::ImageTooLarge).with("max_megapixels", (MAX_PIXELS / 1_000_000) as i64),
        ));
    }
    Ok(Plan { header, decode_bytes })
}

/// The final size: the long edge at most [`UPLOAD_LONG_EDGE`], the aspect ratio kept.
pub fn final_size(width: u32, height: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= UPLOAD_LONG_EDGE {
        return (width, height);
    }
    let scale = |v: u32| ((u64::from(v) * u64::from(UPLOAD_LONG_EDGE) + u64::from(long) / 2) / u64::from(long)).max(1);
    (scale(width) as u32, scale(height) as u32)
}

/// Decodes under the plan's bounds, shrinks once, orients, encodes once. CPU-heavy.
pub fn clean(bytes: &[u8], plan: &Plan) -> Result<CleanPhoto, PhotoError> {
    let h = plan.header;
    let mut limits = Limits::default();
    limits.max_image_width = Some(h.width);
    limits.max_image_height = Some(h.height);
    limits.max_alloc = Some(plan.decode_bytes);
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(match h.format {
        kyc_domain::ImageFormat::Jpeg => image::ImageFormat::Jpeg,
        kyc_domain::ImageFormat::Png => image::ImageFormat::Png,
    });
    reader.limits(limits.clone());
    // The decoder parses its own headers here; no pixel buffer exists yet.
    let mut decoder = reader.into_decoder().map_err(|_| PhotoError::unreadable())?;
    let (w, h_px) = decoder.dimensions();
    if (w, h_px) != (h.width, h.height) {
        return Err(PhotoError::unreadable());
    }
    if u64::from(w) * u64::from(h_px) > MAX_PIXELS {
        return Err(PhotoError::Invalid(
            Violation::new(ErrorCode::ImageTooLarge).with("max_megapixels", (MAX_PIXELS / 1_000_000) as i64),
        ));
    }
    // `DynamicImage::from_decoder` allocates `total_bytes()` without consulting the limits:
    // reserve it against the plan ourselves, so the budget is the one really enforced.
    limits.reserve(decoder.total_bytes()).map_err(|_| PhotoError::unreadable())?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let full = DynamicImage::from_decoder(decoder).map_err(|_| PhotoError::unreadable())?;
    let (fw, fh) = final_size(w, h_px);
    let mut small = if (fw, fh) == (w, h_px) { full } else { full.thumbnail(fw, fh) };
    small.apply_orientation(orientation);
    let rgb = small.to_rgb8();
    drop(small);
    // The quality rulebook, on the same 480-px analysis copy the widget measures: a photo no
    // reviewer could use (near-black, badly out of focus) is refused here too.
    let metrics = quality_of(&rgb);
    kyc_domain::quality::refuse(&metrics).map_err(PhotoError::Invalid)?;
    for quality in [QUALITY, RETRY_QUALITY] {
        let mut out = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
        rgb.write_with_encoder(enc).map_err(|_| PhotoError::unreadable())?;
        if out.len() as u64 <= MAX_PHOTO_BYTES {
            return Ok(CleanPhoto { jpeg: out, width: rgb.width(), height: rgb.height(), quality, metrics });
        }
    }
    Err(PhotoError::Invalid(
        Violation::new(ErrorCode::FileTooLarge)
            .with("max_bytes", MAX_PHOTO_BYTES as i64)
            .with("max_mb", (MAX_PHOTO_BYTES / 1_000_000) as i64),
    ))
}

/// The quality measures of an RGB image, on its analysis copy (area-averaged downscale).
pub fn quality_of(rgb: &image::RgbImage) -> kyc_domain::quality::Metrics {
    use kyc_domain::quality::{analysis_size, luma_rgb, measure};
    let (aw, ah) = analysis_size(rgb.width(), rgb.height());
    let analysis =
        if (aw, ah) == (rgb.width(), rgb.height()) { rgb.clone() } else { image::imageops::thumbnail(rgb, aw, ah) };
    measure(&luma_rgb(analysis.as_raw()), aw as usize, ah as usize)
}

/// [`plan`] then [`clean`].
pub fn plan_and_clean(bytes: &[u8]) -> Result<CleanPhoto, PhotoError> {
    let p = plan(bytes)?;
    clean(bytes, &p)
}

/// What the server's decode path would accept, as the decoder sees it: used by the fuzz target
/// that checks the walker never disagrees with the decoder. `None` when the decoder refuses.
pub fn decoder_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().ok()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(65_535);
    limits.max_image_height = Some(65_535);
    reader.limits(limits);
    reader.into_decoder().ok().map(|d| d.dimensions())
}
