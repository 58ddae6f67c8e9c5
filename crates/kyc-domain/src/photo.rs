//! Photo header checks, run by the widget and by the server on the first bytes of a file,
//! before anything is decoded (checklist UP-2, UP-3).

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, Violation};

/// kyc-api: max 5 MB per file, enforced as 5,000,000 bytes.
pub const MAX_PHOTO_BYTES: u64 = 5_000_000;
/// The short edge of an accepted photo, in pixels.
pub const MIN_SHORT_EDGE: u32 = 480;
/// Pixel-flood guard (checklist UP-3): at most 40 megapixels.
pub const MAX_PIXELS: u64 = 40_000_000;

/// A photo slot (the upstream `type` of `fileUpload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DocumentKind {
    #[serde(rename = "idFront")]
    IdFront,
    #[serde(rename = "idBack")]
    IdBack,
    #[serde(rename = "face")]
    Face,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 3] = [Self::IdFront, Self::IdBack, Self::Face];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdFront => "idFront",
            Self::IdBack => "idBack",
            Self::Face => "face",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the slot must be filled before submit (`idBack` is optional).
    pub fn is_required(self) -> bool {
        !matches!(self, Self::IdBack)
    }

    pub fn field(self) -> crate::Field {
        match self {
            Self::IdFront => crate::Field::IdFront,
            Self::IdBack => crate::Field::IdBack,
            Self::Face => crate::Field::Face,
        }
    }
}

/// The media type, judged by magic bytes only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
}

impl ImageFormat {
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    /// Recognises JPEG (`FF D8 FF`) and PNG (`89 50 4E 47 0D 0A 1A 0A`).
    pub fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else {
            None
        }
    }
}

/// What the header says about a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoHeader {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

/// Checks a photo from its first bytes and its total size: type by magic bytes, size,
/// dimensions from the JPEG SOF / PNG IHDR header (no decoding), short edge, pixel count.
/// `head` should hold the whole file or at least its first 64 KiB (JPEG metadata precedes SOF).
pub fn inspect_photo(head: &[u8], total_len: u64) -> Result<PhotoHeader, Violation> {
    if total_len == 0 || head.is_empty() {
        return Err(Violation::new(ErrorCode::UnreadableImage));
    }
    let format = ImageFormat::sniff(head).ok_or(Violation::new(ErrorCode::UnsupportedFileType))?;
    if total_len > MAX_PHOTO_BYTES {
        return Err(Violation::new(ErrorCode::FileTooLarge).with("max_bytes", MAX_PHOTO_BYTES as i64));
    }
    let (width, height) = match format {
        ImageFormat::Jpeg => jpeg_dimensions(head),
        ImageFormat::Png => png_dimensions(head),
    }
    .ok_or(Violation::new(ErrorCode::UnreadableImage))?;
    if width == 0 || height == 0 {
        return Err(Violation::new(ErrorCode::UnreadableImage));
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Violation::new(ErrorCode::ImageTooLarge).with("max_megapixels", (MAX_PIXELS / 1_000_000) as i64));
    }
    if width.min(height) < MIN_SHORT_EDGE {
        return Err(Violation::new(ErrorCode::ImageTooSmall).with("min_edge", i64::from(MIN_SHORT_EDGE)));
    }
    Ok(PhotoHeader { format, width, height })
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?])))
}

/// PNG: the first chunk must be IHDR; width and height are its first two big-endian u32.
fn png_dimensions(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(12..16)? != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(b.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(b.get(20..24)?.try_into().ok()?);
    Some((w, h))
}

/// JPEG: walk the marker segments to the first SOFn (C0–CF except C4 DHT, C8 JPG, CC DAC).
fn jpeg_dimensions(b: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        if *b.get(i)? != 0xFF {
            return None;
        }
        while *b.get(i)? == 0xFF {
            i += 1;
        }
        let marker = *b.get(i)?;
        i += 1;
        match marker {
            0xD8 | 0x01 | 0xD0..=0xD7 => continue, // standalone markers
            0xD9 | 0xDA => return None,            // EOI / SOS before any SOF
            _ => {}
        }
        let len = usize::try_from(be16(b, i)?).ok()?;
        if len < 2 {
            return None;
        }
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let h = be16(b, i + 3)?;
            let w = be16(b, i + 5)?;
            return Some((w, h));
        }
        i += len;
    }
}
