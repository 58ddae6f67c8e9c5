//! Test data made here, never taken from a person: licence backs carrying a PDF417 barcode of a
//! given AAMVA payload (built by `kyc_domain::idread::aamva::build`), drawn as a card on a
//! table, turned, blurred, with glare, at any size, as images and as Y4M camera videos for
//! Chromium's fake camera; passports' data pages and ID cards' backs with a machine-readable
//! zone ([`mrz`]). Used by this crate's tests, the backend's tests, the e2e fixtures
//! (`examples/make_documents.rs`) and the bench.

pub mod mrz;

use image::{GrayImage, Luma};
use kyc_domain::idread::{DocumentData, ReadKind, ReadSource};
use kyc_domain::person::Gender;
use kyc_domain::quality::{outline, Rect, Shape};
use kyc_domain::{Country, Date};
use rxing::{BarcodeFormat, EncodeHintValue, EncodeHints, Writer};

/// How the card is photographed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    /// The image's size in pixels.
    pub width: u32,
    pub height: u32,
    /// The card's width as a share of the image's width (0.2–1.0).
    pub card_share: f32,
    /// The card's centre as a share of the image's size (0.5, 0.5 is centred).
    pub centre: (f32, f32),
    /// Turned clockwise by this many degrees.
    pub angle_deg: f32,
    /// Gaussian blur sigma in pixels (0: sharp).
    pub blur: f32,
    /// A bright reflection over part of the card.
    pub glare: bool,
}

impl Look {
    /// A flat, sharp card filling 70 % of a `width` × `height` photo.
    pub fn plain(width: u32, height: u32) -> Self {
        Self { width, height, card_share: 0.7, centre: (0.5, 0.5), angle_deg: 0.0, blur: 0.0, glare: false }
    }

    /// The card exactly on the widget's on-screen card outline of a `width` × `height` frame
    /// (`kyc_domain::quality::outline`), as a person lining it up would hold it.
    pub fn on_outline(width: u32, height: u32) -> Self {
        let o: Rect = outline(width, height, Shape::Card);
        Self {
            card_share: o.w as f32 / width as f32,
            centre: ((o.x as f32 + o.w as f32 / 2.0) / width as f32, (o.y as f32 + o.h as f32 / 2.0) / height as f32),
            ..Self::plain(width, height)
        }
    }
}

/// The PDF417 symbol of `payload` (error correction level 5, as AAMVA recommends), one bool per
/// module, rows top to bottom, no quiet zone.
pub fn pdf417(payload: &str) -> Vec<Vec<bool>> {
    let hints = EncodeHints::default()
        .with(EncodeHintValue::ErrorCorrection("5".to_owned()))
        .with(EncodeHintValue::Margin("0".to_owned()));
    let m = rxing::pdf417::PDF417Writer
        .encode_with_hints(payload, &BarcodeFormat::PDF_417, 0, 0, &hints)
        .expect("rxing encodes the payload as PDF417");
    (0..m.getHeight()).map(|y| (0..m.getWidth()).map(|x| m.get(x, y)).collect()).collect()
}

/// ID-1 aspect (85.60 × 53.98 mm).
const CARD_ASPECT: f32 = 85.6 / 53.98;

/// A licence back photographed as `look` says: grey table, light card, a few lines of print,
/// the barcode across the lower part of the card.
pub fn licence_back(payload: &str, look: &Look) -> GrayImage {
    let symbol = pdf417(payload);
    let (sw, sh) = (symbol[0].len() as f32, symbol.len() as f32);
    let card_w = look.width as f32 * look.card_share;
    let card_h = card_w / CARD_ASPECT;
    // The barcode: 90 % of the card's width, at most 55 % of its height, in the lower part.
    let bar_w = card_w * 0.9;
    let bar_h = (bar_w * sh / sw * 3.0).min(card_h * 0.55);
    let (bar_x, bar_y) = ((card_w - bar_w) / 2.0, card_h * 0.4);
    let (cx, cy) = (look.centre.0 * look.width as f32, look.centre.1 * look.height as f32);
    let (sin, cos) = look.angle_deg.to_radians().sin_cos();
    let mut img = GrayImage::from_pixel(look.width, look.height, Luma([92]));
    for y in 0..look.height {
        for x in 0..look.width {
            // Back from the photo to the card (turned about its centre).
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let u = dx * cos + dy * sin + card_w / 2.0;
            let v = -dx * sin + dy * cos + card_h / 2.0;
            if u < 0.0 || v < 0.0 || u >= card_w || v >= card_h {
                continue;
            }
            let mut value = 226u8;
            let (bu, bv) = (u - bar_x, v - bar_y);
            if bu >= 0.0 && bv >= 0.0 && bu < bar_w && bv < bar_h {
                let (mx, my) = ((bu / bar_w * sw) as usize, (bv / bar_h * sh) as usize);
                if symbol[my.min(symbol.len() - 1)][mx.min(symbol[0].len() - 1)] {
                    value = 24;
                }
            } else if is_print(u / card_w, v / card_h) {
                value = 70;
            }
            img.put_pixel(x, y, Luma([value]));
        }
    }
    if look.glare {
        glare(&mut img, cx - card_w * 0.15, cy - card_h * 0.05, card_w * 0.22);
    }
    if look.blur > 0.0 {
        img = image::imageops::blur(&img, look.blur);
    }
    img
}

/// Some lines of print above the barcode (on the card's own 0–1 coordinates).
fn is_print(u: f32, v: f32) -> bool {
    if !(0.06..0.94).contains(&u) {
        return false;
    }
    let line = (v - 0.06) / 0.07;
    if !(0.0..4.0).contains(&line) || line.fract() > 0.45 {
        return false;
    }
    // Words: a fixed pattern of lengths per line.
    let w = ((u * 40.0) as u32 + line as u32 * 7) % 9;
    w < 6
}

/// A soft bright spot (a lamp's reflection): brightens towards white, leaving contrast.
pub(crate) fn glare(img: &mut GrayImage, cx: f32, cy: f32, radius: f32) {
    for (x, y, p) in img.enumerate_pixels_mut() {
        let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt() / radius;
        if d < 1.0 {
            let k = (1.0 - d) * 0.55;
            p.0[0] = (f32::from(p.0[0]) + (255.0 - f32::from(p.0[0])) * k) as u8;
        }
    }
}

/// The image as PNG bytes.
pub fn png(img: &GrayImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("PNG encodes");
    out.into_inner()
}

/// The image as a colour JPEG (what a phone gives) at `quality`.
pub fn jpeg(img: &GrayImage, quality: u8) -> Vec<u8> {
    let rgb = image::DynamicImage::ImageLuma8(img.clone()).to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(&rgb).expect("JPEG encodes");
    out
}

/// A Y4M video (4:2:0, grey: chroma 128) of `frames`, all of one size, at `fps`; Chromium's fake
/// camera plays it in a loop.
pub fn y4m(frames: &[GrayImage], fps: u32) -> Vec<u8> {
    let (w, h) = frames.first().map_or((0, 0), GrayImage::dimensions);
    let mut out = format!("YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n").into_bytes();
    let chroma = vec![128u8; (w.div_ceil(2) * h.div_ceil(2)) as usize];
    for f in frames {
        out.extend_from_slice(b"FRAME\n");
        out.extend_from_slice(f.as_raw());
        out.extend_from_slice(&chroma);
        out.extend_from_slice(&chroma);
    }
    out
}

/// A fictitious person's licence or ID card, as one AAMVA version writes it.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The fixture's file name stem.
    pub name: &'static str,
    pub version: u8,
    /// The issuer's identification number (6 digits; 604xxx and 636xxx are US and Canadian ranges).
    pub iin: &'static str,
    pub document: DocumentData,
}

impl Sample {
    /// The barcode's payload.
    pub fn payload(&self) -> String {
        kyc_domain::idread::aamva::build(&self.document, self.version, self.iin)
    }
}

fn date(y: u16, m: u8, d: u8) -> Option<Date> {
    Date::from_ymd(y, m, d)
}

/// The generated people: a Californian licence (version 10), a New York ID card (version 8),
/// an older licence (version 3), a version-1 licence and an Ontario licence (Canadian dates).
/// None of them exists; the sandbox decides by last name, and none of these ends in "reject".
pub fn samples() -> Vec<Sample> {
    let us = Country::parse("US").ok();
    let base = |first: &str, middle: Option<&str>, last: &str| DocumentData {
        kind: Some(ReadKind::DriversLicence),
        first_name: Some(first.to_owned()),
        middle_name: middle.map(str::to_owned),
        last_name: Some(last.to_owned()),
        country: us,
        ..DocumentData::empty(ReadSource::Pdf417)
    };
    vec![
        Sample {
            name: "licence-v10",
            version: 10,
            iin: "636014",
            document: DocumentData {
                dob: date(1990, 4, 1),
                document_number: Some("D1234567".to_owned()),
                expiry: date(2031, 4, 1),
                issue_date: date(2023, 3, 15),
                sex: Some(Gender::Female),
                street: Some("1 MARKET ST".to_owned()),
                city: Some("SAN FRANCISCO".to_owned()),
                state: Some("CA".to_owned()),
                postal_code: Some("94105".to_owned()),
                ..base("JANE", Some("QUINN"), "SAMPLE")
            },
        },
        Sample {
            name: "idcard-v8",
            version: 8,
            iin: "636001",
            document: DocumentData {
                kind: Some(ReadKind::IdCard),
                dob: date(1985, 12, 31),
                document_number: Some("123456789".to_owned()),
                expiry: date(2030, 12, 31),
                issue_date: date(2022, 1, 10),
                sex: Some(Gender::Male),
                street: Some("350 FIFTH AVENUE".to_owned()),
                city: Some("NEW YORK".to_owned()),
                state: Some("NY".to_owned()),
                postal_code: Some("10118".to_owned()),
                ..base("JOHN", None, "SPECIMEN")
            },
        },
        Sample {
            name: "licence-v3",
            version: 3,
            iin: "636015",
            document: DocumentData {
                dob: date(1972, 7, 4),
                document_number: Some("12345678".to_owned()),
                expiry: date(2029, 7, 4),
                issue_date: date(2021, 7, 4),
                sex: Some(Gender::Female),
                street: Some("100 CONGRESS AVE".to_owned()),
                city: Some("AUSTIN".to_owned()),
                state: Some("TX".to_owned()),
                postal_code: Some("78701".to_owned()),
                ..base("MARIA", Some("LUISA"), "EXAMPLE")
            },
        },
        Sample {
            name: "licence-v1",
            version: 1,
            iin: "636026",
            document: DocumentData {
                dob: date(1968, 2, 29),
                document_number: Some("S123456789012".to_owned()),
                expiry: date(2028, 2, 29),
                sex: Some(Gender::Male),
                street: Some("1 CAPITOL WAY".to_owned()),
                city: Some("OLYMPIA".to_owned()),
                state: Some("WA".to_owned()),
                postal_code: Some("98501".to_owned()),
                ..base("ROBERT", None, "TESTPERSON")
            },
        },
        Sample {
            name: "licence-ontario-v9",
            version: 9,
            iin: "636012",
            document: DocumentData {
                dob: date(1995, 11, 5),
                document_number: Some("P1234-56789-51105".to_owned()),
                expiry: date(2029, 11, 5),
                issue_date: date(2024, 5, 1),
                sex: Some(Gender::Female),
                street: Some("111 WELLINGTON ST".to_owned()),
                city: Some("OTTAWA".to_owned()),
                state: Some("ON".to_owned()),
                postal_code: Some("K1A 0A9".to_owned()),
                country: Country::parse("CA").ok(),
                ..base("CLAIRE", None, "DEMO")
            },
        },
    ]
}
