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

/// The JPEG frame types the server's decoder decodes: SOF0 (baseline), SOF1 (extended
/// sequential) and SOF2 (progressive), all Huffman-coded. Lossless (SOF3), hierarchical
/// (SOF5–7) and arithmetic-coded (SOF9–11, SOF13–15) frames are refused: a decoder that does
/// not decode them might still size buffers from them, and the walker must never report
/// dimensions the decoder would not use.
fn decodable_sof(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xC2)
}

/// Any start-of-frame marker (C0–CF except C4 DHT, C8 JPG, CC DAC).
fn any_sof(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// JPEG: walk every marker segment of the bytes given — through the entropy-coded scans, up
/// to EOI — and answer the dimensions of the one frame header. `None` for anything the decoder
/// would not decode exactly as described: no frame, an undecodable frame type, more than one
/// frame header, a precision other than 8 bits, 0 or more than 4 components, or a frame header
/// whose length does not match its component count. When only the head of a file is given
/// (the widget reads the first 256 KiB), bytes that run out after the frame header end the
/// walk with that frame.
fn jpeg_dimensions(b: &[u8]) -> Option<(u32, u32)> {
    let mut frame: Option<(u32, u32)> = None;
    let mut i = 2;
    loop {
        let Some(&byte) = b.get(i) else { return frame };
        if byte != 0xFF {
            return None;
        }
        // Markers may be preceded by any number of 0xFF fill bytes.
        while b.get(i) == Some(&0xFF) {
            i += 1;
        }
        let Some(&marker) = b.get(i) else { return frame };
        i += 1;
        match marker {
            0xD8 => return None, // a second SOI: an embedded or concatenated image
            0x01 | 0xD0..=0xD7 => continue, // standalone markers
            0xD9 => return frame, // EOI: anything after it is never decoded
            _ => {}
        }
        let Some(len) = be16(b, i).and_then(|l| usize::try_from(l).ok()) else { return frame };
        if len < 2 {
            return None;
        }
        if any_sof(marker) {
            if frame.is_some() || !decodable_sof(marker) {
                return None;
            }
            let precision = *b.get(i + 2)?;
            let h = be16(b, i + 3)?;
            let w = be16(b, i + 5)?;
            let components = *b.get(i + 7)?;
            if precision != 8 || !(1..=4).contains(&components) || len != 8 + 3 * usize::from(components) {
                return None;
            }
            frame = Some((w, h));
        }
        i += len;
        if marker == 0xDA {
            // SOS: a scan before any frame header cannot be decoded.
            frame?;
            // Skip the entropy-coded data: 0xFF 0x00 is a stuffed byte, 0xFF D0–D7 a restart
            // marker; any other 0xFF xx is the next marker.
            loop {
                let rest = b.get(i..).unwrap_or_default();
                let Some(rel) = rest.iter().position(|&x| x == 0xFF) else { return frame };
                i += rel;
                match b.get(i + 1) {
                    None => return frame,
                    Some(0x00 | 0xD0..=0xD7) => i += 2,
                    Some(0xFF) => i += 1,
                    Some(_) => break,
                }
            }
        }
    }
}
