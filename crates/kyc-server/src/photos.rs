//! Photo cleaning (checklist UP-2…UP-5, UP-8): the rulebook's header check first, then a
//! bounded decode with the `image` crate, EXIF orientation applied, and a fresh JPEG that
//! carries no EXIF, GPS, comments or trailing bytes.

use image::{ImageDecoder, ImageReader, Limits};
use kyc_domain::photo::{inspect_photo, PhotoHeader, MAX_PHOTO_BYTES};
use kyc_domain::{ErrorCode, Violation};
use std::io::Cursor;

/// Decode allocation ceiling: 40 MP × 4 bytes plus headroom.
const MAX_DECODE_ALLOC: u64 = 192 * 1024 * 1024;

#[derive(Debug)]
pub enum PhotoError {
    /// Not JPEG/PNG by magic bytes (→ 415).
    Unsupported,
    /// A rule violation from the header or a failed decode (→ 422).
    Invalid(Violation),
}

/// The cleaned photo: JPEG bytes and the final dimensions.
pub struct CleanPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Checks, decodes under limits, orients and re-encodes. CPU-heavy: call on a blocking thread.
pub fn clean(bytes: &[u8]) -> Result<CleanPhoto, PhotoError> {
    let header: PhotoHeader = inspect_photo(bytes, bytes.len() as u64).map_err(|v| {
        if v.code == ErrorCode::UnsupportedFileType {
            PhotoError::Unsupported
        } else {
            PhotoError::Invalid(v)
        }
    })?;
    let unreadable = || PhotoError::Invalid(Violation::new(ErrorCode::UnreadableImage));
    let mut limits = Limits::default();
    limits.max_image_width = Some(header.width.max(header.height));
    limits.max_image_height = Some(header.width.max(header.height));
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| unreadable())?;
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| unreadable())?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(|_| unreadable())?;
    img.apply_orientation(orientation);
    let rgb = img.to_rgb8();
    // Re-encode; lower the quality until the upstream's 5,000,000-byte limit holds (UP-5).
    for quality in [90u8, 80, 70, 60, 50, 40] {
        let mut out = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
        rgb.write_with_encoder(enc).map_err(|_| unreadable())?;
        if out.len() as u64 <= MAX_PHOTO_BYTES {
            return Ok(CleanPhoto { jpeg: out, width: rgb.width(), height: rgb.height() });
        }
    }
    Err(PhotoError::Invalid(Violation::new(ErrorCode::FileTooLarge).with("max_bytes", MAX_PHOTO_BYTES as i64)))
}
