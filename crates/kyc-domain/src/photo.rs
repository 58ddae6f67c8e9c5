//! Photo header checks, run by the widget and by the server on the first bytes of a file,
//! before anything is decoded (docs/security.md UP-2, UP-3).

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, Violation};

/// kyc-api: max 5 MB per file, enforced as 5,000,000 bytes.
pub const MAX_PHOTO_BYTES: u64 = 5_000_000;
/// The short edge of an accepted photo, in pixels.
pub const MIN_SHORT_EDGE: u32 = 480;
/// Pixel-flood guard (docs/security.md UP-3): at most 40 megapixels.
pub const MAX_PIXELS: u64 = 40_000_000;
/// What a person may choose (the *source*): a phone photo of up to 30 MB and 50 megapixels, in
/// JPEG, PNG, or WebP / HEIC where the browser decodes them. The widget shrinks any acceptable
/// source to the *upload* the server accepts (JPEG, ≤ [`MAX_PHOTO_BYTES`], ≤ [`MAX_PIXELS`]).
pub const MAX_SOURCE_BYTES: u64 = 30_000_000;
pub const MAX_SOURCE_PIXELS: u64 = 50_000_000;

/// The long edge of the photo that is forwarded upstream: the widget shrinks to it in the
/// browser and the server shrinks to it once, after decoding, before its one encode.
pub const UPLOAD_LONG_EDGE: u32 = 2048;

/// A photo slot (the upstream `type` of `fileUpload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Samples per pixel a decoder produces (1 grey … 4 RGBA); PNG palettes count as 4.
    pub samples: u8,
    /// Bytes per sample a decoder produces (2 only for 16-bit PNG).
    pub sample_bytes: u8,
    /// A progressive JPEG or an interlaced PNG: the decoder holds a whole-image working set
    /// besides its output.
    pub multi_pass: bool,
}

impl PhotoHeader {
    /// An upper bound of the bytes a decoder allocates for this photo: its output buffer plus,
    /// for multi-pass images, the whole-image working set (a progressive JPEG's 16-bit DCT
    /// coefficients per component over the padded MCU grid; an interlaced PNG's passes).
    pub fn decode_bytes(&self) -> u64 {
        let (w, h) = (u64::from(self.width), u64::from(self.height));
        let output = w * h * u64::from(self.samples) * u64::from(self.sample_bytes);
        let working = if !self.multi_pass {
            0
        } else if self.format == ImageFormat::Jpeg {
            w.div_ceil(16) * 16 * h.div_ceil(16) * 16 * u64::from(self.samples.max(3)) * 2
        } else {
            output
        };
        output + working
    }
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
        return Err(too_big(MAX_PHOTO_BYTES));
    }
    let frame = match format {
        ImageFormat::Jpeg => jpeg_frame(head),
        ImageFormat::Png => png_frame(head),
    }
    .ok_or(Violation::new(ErrorCode::UnreadableImage))?;
    let Frame { width, height, samples, sample_bytes, multi_pass, min_bytes } = frame;
    if width == 0 || height == 0 {
        return Err(Violation::new(ErrorCode::UnreadableImage));
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Violation::new(ErrorCode::ImageTooLarge).with("max_megapixels", (MAX_PIXELS / 1_000_000) as i64));
    }
    if width.min(height) < MIN_SHORT_EDGE {
        return Err(Violation::new(ErrorCode::ImageTooSmall).with("min_edge", i64::from(MIN_SHORT_EDGE)));
    }
    // A file smaller than its pixels could ever compress to is a lie about its size (a pixel
    // flood): refused before any decoder sizes a buffer from it.
    if total_len < min_bytes {
        return Err(Violation::new(ErrorCode::UnreadableImage));
    }
    Ok(PhotoHeader { format, width, height, samples, sample_bytes, multi_pass })
}

fn too_big(max: u64) -> Violation {
    Violation::new(ErrorCode::FileTooLarge).with("max_bytes", max as i64).with("max_mb", (max / 1_000_000) as i64)
}

/// The formats a person may choose (magic bytes only; whether the browser decodes WebP or HEIC
/// is its own answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Jpeg,
    Png,
    Webp,
    Heic,
}

impl SourceFormat {
    pub fn sniff(head: &[u8]) -> Option<Self> {
        match ImageFormat::sniff(head) {
            Some(ImageFormat::Jpeg) => return Some(Self::Jpeg),
            Some(ImageFormat::Png) => return Some(Self::Png),
            None => {}
        }
        if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            return Some(Self::Webp);
        }
        let heic_brands: [&[u8; 4]; 7] = [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1"];
        if head.len() >= 12 && &head[4..8] == b"ftyp" && heic_brands.iter().any(|b| &head[8..12] == *b) {
            return Some(Self::Heic);
        }
        None
    }
}

/// What a chosen file's header says: its format and, for JPEG and PNG, its dimensions (WebP
/// and HEIC dimensions come from the browser's decode, checked with [`check_source_dimensions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceHeader {
    pub format: SourceFormat,
    pub dimensions: Option<(u32, u32)>,
}

/// Checks a file a person chose, before anything is decoded: a format a person may choose,
/// at most [`MAX_SOURCE_BYTES`], and for JPEG / PNG the frame header (the same walk as the
/// upload's) within [`MAX_SOURCE_PIXELS`] and a short edge of at least [`MIN_SHORT_EDGE`].
pub fn inspect_source(head: &[u8], total_len: u64) -> Result<SourceHeader, Violation> {
    if total_len == 0 || head.is_empty() {
        return Err(Violation::new(ErrorCode::UnreadableImage));
    }
    let format = SourceFormat::sniff(head).ok_or(Violation::new(ErrorCode::UnsupportedFileType))?;
    if total_len > MAX_SOURCE_BYTES {
        return Err(too_big(MAX_SOURCE_BYTES));
    }
    let frame = match format {
        SourceFormat::Jpeg => Some(jpeg_frame(head).ok_or(Violation::new(ErrorCode::UnreadableImage))?),
        SourceFormat::Png => Some(png_frame(head).ok_or(Violation::new(ErrorCode::UnreadableImage))?),
        SourceFormat::Webp | SourceFormat::Heic => None,
    };
    let dimensions = match frame {
        Some(f) => {
            check_source_dimensions(f.width, f.height)?;
            if total_len < f.min_bytes {
                return Err(Violation::new(ErrorCode::UnreadableImage));
            }
            Some((f.width, f.height))
        }
        None => None,
    };
    Ok(SourceHeader { format, dimensions })
}

/// A decoded source's dimensions: at most [`MAX_SOURCE_PIXELS`], short edge ≥ [`MIN_SHORT_EDGE`].
pub fn check_source_dimensions(width: u32, height: u32) -> Result<(), Violation> {
    if width == 0 || height == 0 {
        return Err(Violation::new(ErrorCode::UnreadableImage));
    }
    if u64::from(width) * u64::from(height) > MAX_SOURCE_PIXELS {
        return Err(
            Violation::new(ErrorCode::ImageTooLarge).with("max_megapixels", (MAX_SOURCE_PIXELS / 1_000_000) as i64)
        );
    }
    if width.min(height) < MIN_SHORT_EDGE {
        return Err(Violation::new(ErrorCode::ImageTooSmall).with("min_edge", i64::from(MIN_SHORT_EDGE)));
    }
    Ok(())
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?])))
}

/// What a frame header says about the decoded pixels.
struct Frame {
    width: u32,
    height: u32,
    samples: u8,
    sample_bytes: u8,
    multi_pass: bool,
    /// The fewest bytes a complete file with this header can have (see [`png_frame`] and
    /// [`jpeg_frame`]): a necessary condition, so no genuine file is ever below it.
    min_bytes: u64,
}

/// Deflate cannot compress better than about 1032:1 (a 258-byte match in 2 bits); with room
/// for the zlib framing, no PNG's image data is smaller than its raw size over this.
const DEFLATE_MAX_RATIO: u64 = 1100;

/// PNG: the first chunk must be IHDR: width, height, bit depth, colour type, compression,
/// filter, interlace. Only the combinations the PNG specification allows are accepted.
fn png_frame(b: &[u8]) -> Option<Frame> {
    if b.get(8..16)? != b"\0\0\0\x0dIHDR" {
        return None;
    }
    let width = u32::from_be_bytes(b.get(16..20)?.try_into().ok()?);
    let height = u32::from_be_bytes(b.get(20..24)?.try_into().ok()?);
    let (depth, colour, interlace) = (*b.get(24)?, *b.get(25)?, *b.get(28)?);
    // (samples a decoder produces, samples stored per pixel)
    let (samples, stored) = match (colour, depth) {
        (0, 1 | 2 | 4 | 8 | 16) => (1, 1),
        (2, 8 | 16) => (3, 3),
        (3, 1 | 2 | 4 | 8) => (4, 1), // a palette may carry transparency: expanded to RGBA
        (4, 8 | 16) => (2, 2),
        (6, 8 | 16) => (4, 4),
        _ => return None,
    };
    // Raw scanlines: a filter byte plus the packed pixels, per row.
    let row = 1 + (u64::from(width) * stored * u64::from(depth)).div_ceil(8);
    let min_bytes = u64::from(height) * row / DEFLATE_MAX_RATIO;
    if *b.get(26)? != 0 || *b.get(27)? != 0 || interlace > 1 {
        return None;
    }
    Some(Frame {
        width,
        height,
        samples,
        sample_bytes: if depth == 16 { 2 } else { 1 },
        multi_pass: interlace == 1,
        min_bytes,
    })
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

/// The fewest entropy-coded bytes a complete JPEG frame can have: every 8×8 block of every
/// component is coded at least once (in the sequential scan, or in the progressive DC scan),
/// and no Huffman code is shorter than one bit. Component `i` of a `w` × `h` frame covers
/// `ceil(w·Hi/Hmax)` × `ceil(h·Vi/Vmax)` samples (ITU T.81 A.1.1). `None` for a sampling factor
/// outside 1–4.
fn min_scan_bytes(components: &[u8], w: u32, h: u32) -> Option<u64> {
    let factors: Vec<(u64, u64)> =
        components.chunks_exact(3).map(|c| (u64::from(c[1] >> 4), u64::from(c[1] & 0x0F))).collect();
    if factors.iter().any(|&(hf, vf)| !(1..=4).contains(&hf) || !(1..=4).contains(&vf)) {
        return None;
    }
    let hmax = factors.iter().map(|f| f.0).max()?;
    let vmax = factors.iter().map(|f| f.1).max()?;
    let (w, h) = (u64::from(w), u64::from(h));
    let blocks: u64 =
        factors.iter().map(|&(hf, vf)| (w * hf).div_ceil(hmax).div_ceil(8) * (h * vf).div_ceil(vmax).div_ceil(8)).sum();
    Some(blocks.div_ceil(8))
}

/// JPEG: walk every marker segment of the bytes given — through the entropy-coded scans, up
/// to EOI — and answer the dimensions of the one frame header. `None` for anything the decoder
/// would not decode exactly as described: no frame, an undecodable frame type, more than one
/// frame header, a precision other than 8 bits, 0 or more than 4 components, or a frame header
/// whose length does not match its component count. When only the head of a file is given
/// (the widget reads the first 256 KiB), bytes that run out after the frame header end the
/// walk with that frame.
fn jpeg_frame(b: &[u8]) -> Option<Frame> {
    let mut frame: Option<Frame> = None;
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
            0xD8 => return None,            // a second SOI: an embedded or concatenated image
            0x01 | 0xD0..=0xD7 => continue, // standalone markers
            0xD9 => return frame,           // EOI: anything after it is never decoded
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
            // The decoder turns 1 component into grey and 3 or 4 (YCbCr, CMYK) into RGB.
            let samples = if components == 1 { 1 } else { 3 };
            let min_bytes = min_scan_bytes(b.get(i + 8..i + len)?, w, h)?;
            frame =
                Some(Frame { width: w, height: h, samples, sample_bytes: 1, multi_pass: marker == 0xC2, min_bytes });
        }
        i += len;
        if marker == 0xDA {
            // SOS: a scan before any frame header cannot be decoded.
            frame.as_ref()?;
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
