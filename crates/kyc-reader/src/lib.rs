//! # kyc-reader — reading the identity document from its photo
//!
//! The PDF417 barcode on the back of a US or Canadian driver's licence or ID card, found and
//! decoded with `rxing` (vendored, PDF417 only: `vendor/rxing/README.vendor.md`), its AAMVA
//! payload parsed by `kyc-domain` into one [`DocumentData`]. The same code runs on the partner
//! backend (native, on the cleaned photo it holds) and in the browser (this crate compiled to
//! the widget's lazily loaded reader module, [`wasm`]): one reader, one cross-check.
//!
//! Input is a grayscale image ([`read_luma`]) or RGBA pixels as a canvas gives them
//! ([`read_rgba`]). A large photo is read at a reduced scale first (a barcode on a licence back
//! spans most of the card: a quarter of a 12 MP photo is plenty, and four times faster), then at
//! a larger one when that found nothing.
//!
//! The machine-readable zone of a passport's data page or an ID card's back is recognised by
//! [`mrz`] (no model file: OCR-B references rasterised at build time from `fonts/OCRB.otf`) and
//! parsed by `kyc_domain::idread::mrz`, which fills only fields whose check digits hold.

use kyc_domain::idread::mrz::{FailReason, Mrz};
use kyc_domain::idread::{aamva, DocumentData, ReadKind};
use kyc_domain::{Date, DocumentKind, Field};
use rxing::common::HybridBinarizer;
use rxing::pdf417::PDF417Reader;
use rxing::{BinaryBitmap, DecodeHintValue, DecodeHints, Luma8LuminanceSource, Reader};

pub mod answer;
pub mod mrz;
#[cfg(target_arch = "wasm32")]
pub mod scan;
#[cfg(feature = "testdata")]
pub mod testdata;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

/// The largest image read, in pixels (a 48 MP photo is 48,000,000): bounds the work and memory.
pub const MAX_PIXELS: u64 = 50_000_000;

/// The longest sides tried, in order, for an image larger than the first (each attempt scales
/// the image down so its longest side is at most that, by whole-pixel averaging).
const SCALES: [u32; 3] = [1600, 2800, 4200];

/// Why nothing was read. Stable codes (snake_case) for the widget and the server; no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    /// Width or height zero, the pixel count over [`MAX_PIXELS`], or a buffer of the wrong length.
    BadImage,
    /// No PDF417 barcode could be found and decoded.
    NoBarcode,
    /// A barcode was decoded, but it holds no AAMVA licence or ID card data.
    NotADocument,
    /// No machine-readable zone could be found and read ([`mrz`]).
    NoMrz,
    /// Neither a barcode nor a machine-readable zone ([`read_document_luma`]).
    NoDocument,
}

impl ReadError {
    pub fn code(self) -> &'static str {
        match self {
            Self::BadImage => "bad_image",
            Self::NoBarcode => "no_barcode",
            Self::NotADocument => "not_a_document",
            Self::NoMrz => "no_mrz",
            Self::NoDocument => "no_document",
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for ReadError {}

/// Reads the document in a grayscale image (one byte per pixel, rows top to bottom).
pub fn read_luma(pixels: &[u8], width: u32, height: u32) -> Result<DocumentData, ReadError> {
    let payload = decode_pdf417(pixels, width, height)?;
    aamva::parse(&payload).map_err(|_| ReadError::NotADocument)
}

/// A document read from a photo: what fills the form, and the fields the document holds that
/// were not filled because they could not be read with certainty (an MRZ field whose check
/// digit fails, or that holds a glyph not recognised): the person is asked to type those.
/// `Debug` shows which values are present, never what they hold (as [`DocumentData`]'s).
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub doc: DocumentData,
    pub unfilled: Vec<Field>,
}

impl Found {
    /// A barcode's document: everything it holds was read.
    pub fn whole(doc: DocumentData) -> Self {
        Self { doc, unfilled: Vec::new() }
    }

    /// A zone's document and the fields left to type (a nationality code that names no country
    /// is not among them: nothing was misread).
    pub fn from_mrz(m: Mrz) -> Self {
        let mut unfilled: Vec<Field> = Vec::new();
        for failure in &m.failed {
            if failure.reason == FailReason::NotACountry {
                continue;
            }
            for &f in failure.field.fields() {
                if !unfilled.contains(&f) {
                    unfilled.push(f);
                }
            }
        }
        Self { doc: m.data, unfilled }
    }
}

/// Reads the document in a grayscale image whatever it carries: a machine-readable zone (a
/// passport's data page, an ID card's back) or a PDF417 barcode (a licence's or ID card's back);
/// `today` decides an MRZ birth date's century.
///
/// The zone is looked for first: where there is none its search ends early (no text lines that
/// could be one), while a barcode search that finds nothing tries several sizes and turns. A zone
/// read whole is the answer; otherwise the barcode, and failing that the zone as far as it was
/// read. [`ReadError::NoDocument`] when neither was read; [`ReadError::NotADocument`] when a
/// barcode was decoded that holds no licence and no zone was read either.
pub fn read_document_luma(pixels: &[u8], width: u32, height: u32, today: Date) -> Result<Found, ReadError> {
    let zone = match mrz::read_luma(pixels, width, height, today) {
        Ok(m) if m.checks_hold() => return Ok(Found::from_mrz(m)),
        Err(ReadError::BadImage) => return Err(ReadError::BadImage),
        zone => zone.ok(),
    };
    match (read_luma(pixels, width, height), zone) {
        (Ok(doc), _) => Ok(Found::whole(doc)),
        (Err(_), Some(m)) => Ok(Found::from_mrz(m)),
        (Err(ReadError::NotADocument), None) => Err(ReadError::NotADocument),
        (Err(_), None) => Err(ReadError::NoDocument),
    }
}

/// The photo slot the side read belongs to: a passport's data page is its front; a licence's or
/// ID card's barcode (or an ID card's MRZ) is on its back.
pub fn side(doc: &DocumentData) -> DocumentKind {
    match doc.kind {
        Some(ReadKind::Passport) => DocumentKind::IdFront,
        _ => DocumentKind::IdBack,
    }
}

/// Reads the document in RGBA pixels (4 bytes per pixel, as `CanvasRenderingContext2D.getImageData`).
pub fn read_rgba(rgba: &[u8], width: u32, height: u32) -> Result<DocumentData, ReadError> {
    check_size(rgba.len(), width, height, 4)?;
    read_luma(&luma_from_rgba(rgba), width, height)
}

/// ITU-R BT.601 luma in integers, as the capture module's frame analysis computes it.
pub fn luma_from_rgba(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|p| ((u32::from(p[0]) * 77 + u32::from(p[1]) * 150 + u32::from(p[2]) * 29) >> 8) as u8)
        .collect()
}

pub(crate) fn check_size(len: usize, width: u32, height: u32, per_pixel: u64) -> Result<(), ReadError> {
    let pixels = u64::from(width) * u64::from(height);
    if width == 0 || height == 0 || pixels > MAX_PIXELS || len as u64 != pixels * per_pixel {
        return Err(ReadError::BadImage);
    }
    Ok(())
}

/// The raw payload of the first PDF417 barcode found (bytes as encoded: AAMVA is ASCII, and a
/// barcode in byte compaction comes back byte for byte through ISO-8859-1).
pub fn decode_pdf417(pixels: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ReadError> {
    check_size(pixels.len(), width, height, 1)?;
    let longest = width.max(height);
    let mut tried_full = false;
    for target in SCALES {
        let factor = longest.div_ceil(target).max(1);
        if factor == 1 {
            if tried_full {
                break;
            }
            tried_full = true;
        }
        let (scaled, w, h) =
            if factor == 1 { (pixels.to_vec(), width, height) } else { downscale(pixels, width, height, factor) };
        if let Some(payload) = decode_straightened(scaled, w, h) {
            return Ok(payload);
        }
        if factor == 1 {
            break;
        }
    }
    Err(ReadError::NoBarcode)
}

/// Decodes as it is; when that fails and the picture is turned by a few degrees (a card held
/// askew: the PDF417 detector follows rows, and a turn of more than ~4° breaks them), turns it
/// straight and decodes again.
fn decode_straightened(pixels: Vec<u8>, width: u32, height: u32) -> Option<Vec<u8>> {
    let turn = skew(&pixels, width, height);
    // cos 2° : below it, the turn is worth undoing.
    let straight = (turn.cos < 0.999_39).then(|| rotate(&pixels, width, height, turn.inverse()));
    decode_once(pixels, width, height).or_else(|| straight.and_then(|p| decode_once(p, width, height)))
}

/// A turn, as its cosine and sine (no angle: no trigonometry in the module).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Turn {
    pub cos: f32,
    pub sin: f32,
}

impl Turn {
    pub const NONE: Turn = Turn { cos: 1.0, sin: 0.0 };

    pub fn inverse(self) -> Turn {
        Turn { cos: self.cos, sin: -self.sin }
    }

    /// In degrees (tests and the bench).
    pub fn degrees(self) -> f32 {
        self.sin.atan2(self.cos).to_degrees()
    }
}

/// How far the card is turned from square, in (-45°, 45°]: the dominant direction of the
/// picture's edges modulo 90° (bars, card edges and print lines all agree on it). The gradient
/// directions are averaged at four times their angle, weighted by strength, so edges at θ and
/// θ + 90° count together and opposite turns cancel; the turn comes back from 4θ by halving the
/// angle twice (square roots only).
pub fn skew(pixels: &[u8], width: u32, height: u32) -> Turn {
    if width < 8 || height < 8 || pixels.len() as u64 != u64::from(width) * u64::from(height) {
        return Turn::NONE;
    }
    // Measured on a copy about 600 px across, averaged down: the averaging smooths the
    // staircase of a sharp, turned edge, whose pixel-level gradients all point along an axis.
    let factor = (width.max(height) / 600).max(2);
    let (p, w, h) = downscale(pixels, width, height, factor);
    let (w, h) = (w as usize, h as usize);
    let at = |x: usize, y: usize| f64::from(p[y * w + x]);
    let (mut c, mut s) = (0f64, 0f64);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            // Sobel.
            let gx = at(x + 1, y - 1) + 2.0 * at(x + 1, y) + at(x + 1, y + 1)
                - at(x - 1, y - 1)
                - 2.0 * at(x - 1, y)
                - at(x - 1, y + 1);
            let gy = at(x - 1, y + 1) + 2.0 * at(x, y + 1) + at(x + 1, y + 1)
                - at(x - 1, y - 1)
                - 2.0 * at(x, y - 1)
                - at(x + 1, y - 1);
            let m2 = gx * gx + gy * gy;
            if m2 < 6400.0 {
                continue;
            }
            // cos 4θ and sin 4θ from cos 2θ = (gx² − gy²)/m², sin 2θ = 2·gx·gy/m², weighted by m.
            let (c2, s2) = ((gx * gx - gy * gy) / m2, 2.0 * gx * gy / m2);
            let m = m2.sqrt();
            c += m * (c2 * c2 - s2 * s2);
            s += m * 2.0 * c2 * s2;
        }
    }
    let r = (c * c + s * s).sqrt();
    if r == 0.0 {
        return Turn::NONE;
    }
    // Half of an angle in (-180°, 180°]: cos ≥ 0, the sine keeps the sign.
    let half =
        |cos: f64, sin: f64| (((1.0 + cos) / 2.0).max(0.0).sqrt(), ((1.0 - cos) / 2.0).max(0.0).sqrt().copysign(sin));
    let (c2, s2) = half(c / r, s / r);
    let (c1, s1) = half(c2, s2);
    Turn { cos: c1 as f32, sin: s1 as f32 }
}

/// The picture turned by `turn` (clockwise positive, in image coordinates) about its centre,
/// same size; what leaves the frame is lost, what enters it is mid-grey.
pub fn rotate(pixels: &[u8], width: u32, height: u32, turn: Turn) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let Turn { cos, sin } = turn;
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let mut out = vec![128u8; w * h];
    for y in 0..h {
        let dy = y as f32 + 0.5 - cy;
        for x in 0..w {
            let dx = x as f32 + 0.5 - cx;
            // The source of this pixel: the inverse turn.
            let sx = dx * cos + dy * sin + cx;
            let sy = -dx * sin + dy * cos + cy;
            if sx >= 0.0 && sy >= 0.0 && (sx as usize) < w && (sy as usize) < h {
                out[y * w + x] = pixels[sy as usize * w + sx as usize];
            }
        }
    }
    out
}

fn decode_once(pixels: Vec<u8>, width: u32, height: u32) -> Option<Vec<u8>> {
    let source = Luma8LuminanceSource::new(pixels, width, height).ok()?;
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let hints = DecodeHints::default().with(DecodeHintValue::TryHarder(true));
    let result = PDF417Reader.decode_with_hints(&mut bitmap, &hints).ok()?;
    let text = result.getText();
    // Characters up to U+00FF are the barcode's bytes (ISO-8859-1); anything above came through
    // a UTF-8 ECI and is kept as UTF-8.
    Some(if text.chars().all(|c| u32::from(c) <= 0xff) {
        text.chars().map(|c| u32::from(c) as u8).collect()
    } else {
        text.as_bytes().to_vec()
    })
}

/// Averages `factor × factor` blocks (the last row and column of blocks may be partial).
pub(crate) fn downscale(pixels: &[u8], width: u32, height: u32, factor: u32) -> (Vec<u8>, u32, u32) {
    let (w, h) = (width.div_ceil(factor), height.div_ceil(factor));
    let (width, factor_us) = (width as usize, factor as usize);
    let mut sums = vec![0u32; w as usize];
    let mut counts = vec![0u32; w as usize];
    let mut out = Vec::with_capacity(w as usize * h as usize);
    for block_row in pixels.chunks(width * factor_us) {
        sums.fill(0);
        counts.fill(0);
        for row in block_row.chunks_exact(width) {
            for (x, p) in row.iter().enumerate() {
                sums[x / factor_us] += u32::from(*p);
                counts[x / factor_us] += 1;
            }
        }
        out.extend(sums.iter().zip(&counts).map(|(s, c)| (s / (*c).max(1)) as u8));
    }
    (out, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downscale_averages_blocks_and_keeps_partial_edges() {
        // 5×3 → factor 2 → 3×2
        let px: Vec<u8> = (0..15).map(|i| i * 10).collect();
        let (out, w, h) = downscale(&px, 5, 3, 2);
        assert_eq!((w, h), (3, 2));
        assert_eq!(out, vec![30, 50, 65, 105, 125, 140]);
    }

    #[test]
    fn the_skew_of_straight_and_turned_bars_is_measured() {
        let bars = |deg: f32| {
            let (sin, cos) = deg.to_radians().sin_cos();
            (0..200 * 200)
                .map(|i| {
                    let (x, y) = ((i % 200) as f32 - 100.0, (i / 200) as f32 - 100.0);
                    if ((x * cos + y * sin) / 6.0).rem_euclid(2.0) < 1.0 {
                        20
                    } else {
                        230
                    }
                })
                .collect::<Vec<u8>>()
        };
        for deg in [0.0f32, 5.0, -8.0, 12.0, 30.0, -40.0] {
            let got = skew(&bars(deg), 200, 200).degrees();
            assert!((got - deg).abs() < 1.0, "{deg}: {got}");
        }
        // Turned straight again.
        let turn = skew(&bars(8.0), 200, 200);
        let straight = rotate(&bars(8.0), 200, 200, turn.inverse());
        assert!(skew(&straight, 200, 200).degrees().abs() < 1.0);
    }

    #[test]
    fn bad_sizes_are_refused_before_any_work() {
        assert_eq!(read_luma(&[], 0, 0), Err(ReadError::BadImage));
        assert_eq!(read_luma(&[0; 10], 3, 3), Err(ReadError::BadImage));
        assert_eq!(read_rgba(&[0; 36], 3, 3), Err(ReadError::NoBarcode));
        assert_eq!(read_luma(&[0; 4], 1, 50_000_001), Err(ReadError::BadImage));
    }
}
