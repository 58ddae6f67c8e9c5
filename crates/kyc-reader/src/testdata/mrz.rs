//! Generated passports' data pages and ID cards' backs carrying a machine-readable zone, never a
//! real person's: fictitious holders (or the ICAO specimen), their zone written by
//! `kyc_domain::idread::mrz::build`, drawn in OCR-B (`fonts/OCRB.otf`) with some print around
//! it, then photographed: any size, turned, in perspective, blurred, under uneven light or a
//! lamp's glare, with sensor noise, through JPEG. Seeded: the same seed gives the same image.
//! Damaged zones too: a wrong check digit, fillers printed as `K`.

use ab_glyph::{Font, FontRef, ScaleFont};
use image::{GrayImage, Luma};
use kyc_domain::idread::mrz::{build, icao_code, parse, Mrz, MrzFormat};
use kyc_domain::idread::{DocumentData, ReadSource};
use kyc_domain::person::Gender;
use kyc_domain::{Country, Date};

/// The font every zone is printed in (and the recogniser's references are made from).
pub const OCR_B: &[u8] = include_bytes!("../../fonts/OCRB.otf");

/// The day the generated zones are read on (decides the birth dates' century).
pub fn today() -> Date {
    Date::from_ymd(2026, 6, 1).unwrap_or_else(|| unreachable!())
}

/// A small seeded generator (splitmix64): the test data needs no `rand`.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in [a, b).
    pub fn range(&mut self, a: f32, b: f32) -> f32 {
        a + (b - a) * self.unit()
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f32 {
        let (u, v) = (self.unit().max(1e-7), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }
}

/// A zone to print and what reading it must give.
#[derive(Debug, Clone)]
pub struct MrzSample {
    pub format: MrzFormat,
    pub lines: Vec<String>,
    /// The zone's own parse: what a perfect read fills in.
    pub truth: Mrz,
}

impl MrzSample {
    pub fn new(format: MrzFormat, lines: Vec<String>) -> Self {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let truth = parse(&refs, today()).expect("a generated zone parses");
        Self { format, lines, truth }
    }
}

/// The ICAO Doc 9303 part 4 specimen passport (Anna Maria Eriksson of Utopia).
pub fn specimen() -> MrzSample {
    MrzSample::new(
        MrzFormat::Td3,
        vec![
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<".into(),
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10".into(),
        ],
    )
}

const LAST: [&str; 14] = [
    "ERIKSSON",
    "MUSTERMANN",
    "DUPONT",
    "ROSSI",
    "NOWAK",
    "GARCIA LOPEZ",
    "OBRIEN",
    "SMITH-JONES",
    "VAN DER BERG",
    "KOWALSKA",
    "OYELARAN",
    "NGUYEN",
    "ZAMBRANO QUINTERO",
    "HAKKINEN",
];
const GIVEN: [&str; 14] = [
    "ANNA MARIA",
    "ERIKA",
    "JEAN",
    "LUCA",
    "ZOFIA",
    "JOSE LUIS",
    "KAI",
    "OLUWASEUN",
    "MARIE CLAIRE",
    "BO",
    "XAVIER",
    "YUKI",
    "QUENTIN",
    "WIEBKE",
];
const NATIONS: [&str; 12] = ["DE", "FR", "IT", "PL", "ES", "GB", "NL", "SE", "AT", "CH", "US", "CA"];

/// A fictitious holder's zone in `format` (TD1, TD2 or TD3).
pub fn random_sample(rng: &mut Rng, format: MrzFormat) -> MrzSample {
    let date = |rng: &mut Rng, from: u16, to: u16| {
        let y = from + rng.below(usize::from(to - from)) as u16;
        Date::from_ymd(y, 1 + rng.below(12) as u8, 1 + rng.below(28) as u8)
    };
    let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let long = format == MrzFormat::Td1 && rng.below(5) == 0;
    let number: String = (0..if long { 12 } else { 8 + rng.below(2) })
        .map(|i| {
            if i < 2 || rng.below(3) == 0 {
                char::from(*rng.pick(alnum))
            } else {
                char::from(b'0' + rng.below(10) as u8)
            }
        })
        .collect();
    let nation = Country::parse(NATIONS[rng.below(NATIONS.len())]).ok();
    let doc = DocumentData {
        last_name: Some((*rng.pick(&LAST)).to_owned()),
        first_name: Some((*rng.pick(&GIVEN)).to_owned()),
        dob: date(rng, 1940, 2020),
        expiry: date(rng, 2026, 2036),
        document_number: Some(number),
        sex: match rng.below(5) {
            0 => None,
            1 | 2 => Some(Gender::Female),
            _ => Some(Gender::Male),
        },
        nationality: nation,
        ..DocumentData::empty(ReadSource::Mrz)
    };
    let code = match (format, rng.below(4)) {
        (MrzFormat::Td3, _) => "P<",
        (_, 0) => "IR",
        (_, 1) => "ID",
        _ => "I<",
    };
    let optional: String = match rng.below(3) {
        0 => String::new(),
        _ => (0..1 + rng.below(7)).map(|_| char::from(b'0' + rng.below(10) as u8)).collect(),
    };
    let issuer = nation.map_or("UTO", icao_code);
    MrzSample::new(format, build(&doc, format, code, issuer, &optional))
}

/// A damage to a zone as printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Damage {
    /// The birth date's check digit one more (mod 10): that date must not be filled.
    BirthCheckDigit,
    /// The document number's check digit one more: the number must not be filled.
    NumberCheckDigit,
    /// Three fillers after the names printed as `K` (as an OCR may misread them): the names must
    /// not be filled.
    FillersAsK,
}

/// The zone's lines with `damage` done to them.
pub fn damaged(sample: &MrzSample, damage: Damage) -> Vec<String> {
    let mut lines = sample.lines.clone();
    let bump = |s: &mut String, at: usize| {
        let c = s.as_bytes()[at];
        let next = if c.is_ascii_digit() { b'0' + (c - b'0' + 1) % 10 } else { b'1' };
        s.replace_range(at..=at, &char::from(next).to_string());
    };
    let td1 = sample.format == MrzFormat::Td1;
    match damage {
        Damage::BirthCheckDigit if td1 => bump(&mut lines[1], 6),
        Damage::BirthCheckDigit => bump(&mut lines[1], 19),
        Damage::NumberCheckDigit if td1 => bump(&mut lines[0], 14),
        Damage::NumberCheckDigit => bump(&mut lines[1], 9),
        Damage::FillersAsK => {
            let names = if td1 { 2 } else { 0 };
            let l = &mut lines[names];
            let end = l.trim_end_matches('<').len();
            if end + 5 <= l.len() {
                l.replace_range(end + 1..end + 4, "KKK");
            }
        }
    }
    lines
}

/// How a document is photographed.
#[derive(Debug, Clone, PartialEq)]
pub struct MrzLook {
    pub width: u32,
    pub height: u32,
    /// The zone's character pitch in the photo, in pixels (2.54 mm on paper).
    pub pitch: f32,
    /// The document's centre as a share of the image's size.
    pub centre: (f32, f32),
    /// Turned clockwise by this many degrees.
    pub angle_deg: f32,
    /// Each corner moved by up to this share of the document's width (a camera not square on).
    pub perspective: f32,
    /// Gaussian blur sigma in pixels.
    pub blur: f32,
    /// Sensor noise sigma in grey levels.
    pub noise: f32,
    /// How uneven the light is: 0 even, 0.6 one side 60 % darker.
    pub shade: f32,
    pub glare: bool,
    /// Through JPEG at this quality.
    pub jpeg: Option<u8>,
    /// Seeds the noise and the perspective's direction.
    pub seed: u64,
}

impl MrzLook {
    /// A flat, sharp, square-on document whose zone has a `pitch` px pitch, centred.
    pub fn plain(width: u32, height: u32, pitch: f32) -> Self {
        Self {
            width,
            height,
            pitch,
            centre: (0.5, 0.5),
            angle_deg: 0.0,
            perspective: 0.0,
            blur: 0.0,
            noise: 0.0,
            shade: 0.0,
            glare: false,
            jpeg: None,
            seed: 0,
        }
    }

    /// A photo a person would take with care: zone pitch 15–28 px, turned up to 4°, a little
    /// perspective, blur, noise, shade, JPEG 80–95.
    pub fn mild(rng: &mut Rng, format: MrzFormat) -> Self {
        let pitch = rng.range(15.0, 28.0);
        let (width, height) = frame(format, pitch, 1.25);
        Self {
            centre: (rng.range(0.45, 0.55), rng.range(0.45, 0.55)),
            angle_deg: rng.range(-4.0, 4.0),
            perspective: rng.range(0.0, 0.02),
            blur: rng.range(0.0, 0.7),
            noise: rng.range(0.0, 3.0),
            shade: rng.range(0.0, 0.3),
            jpeg: Some(rng.range(80.0, 95.0) as u8),
            seed: rng.next_u64(),
            ..Self::plain(width, height, pitch)
        }
    }

    /// A hurried or poor photo: zone pitch 11–18 px, turned up to 15°, perspective up to 6 %,
    /// blur σ 0.6–1.3, noise σ 3–8, strong shade, glare in a third, JPEG 45–75.
    pub fn hard(rng: &mut Rng, format: MrzFormat) -> Self {
        let pitch = rng.range(11.0, 18.0);
        let (width, height) = frame(format, pitch, 1.45);
        Self {
            centre: (rng.range(0.45, 0.55), rng.range(0.45, 0.55)),
            angle_deg: rng.range(-15.0, 15.0),
            perspective: rng.range(0.0, 0.06),
            blur: rng.range(0.6, 1.3),
            noise: rng.range(3.0, 8.0),
            shade: rng.range(0.3, 0.6),
            glare: rng.below(3) == 0,
            jpeg: Some(rng.range(45.0, 75.0) as u8),
            seed: rng.next_u64(),
            ..Self::plain(width, height, pitch)
        }
    }
}

/// A 4:3 frame `room` times the document's width at that pitch (at least 640 × 480).
fn frame(format: MrzFormat, pitch: f32, room: f32) -> (u32, u32) {
    let (w_mm, _) = page_size(format);
    let width = ((w_mm / 2.54 * pitch * room) as u32).max(640) & !7;
    (width, width * 3 / 4)
}

/// The document's size in mm: TD3 a passport's data page, TD1 an ID-1 card, TD2 an ID-2 card.
pub fn page_size(format: MrzFormat) -> (f32, f32) {
    match format {
        MrzFormat::Td1 => (85.6, 53.98),
        MrzFormat::Td2 | MrzFormat::MrvB => (105.0, 74.0),
        MrzFormat::Td3 | MrzFormat::MrvA => (125.0, 88.0),
    }
}

/// The document, flat, at `ppm` pixels per mm: a light page with a fine guilloche, a portrait,
/// some print (a title, labels and values), and the zone at the bottom in OCR-B at 10 characters
/// per inch, its lines 4.23 mm apart (6 per inch), as ICAO Doc 9303 lays it out.
pub fn page(lines: &[String], format: MrzFormat, ppm: f32) -> GrayImage {
    let font = FontRef::try_from_slice(OCR_B).expect("OCR-B parses");
    let (w_mm, h_mm) = page_size(format);
    let (w, h) = ((w_mm * ppm) as u32, (h_mm * ppm) as u32);
    // A fine security print: two families of thin diagonal lines (cheap to draw: no trigonometry
    // per pixel).
    let period = (2.0 * ppm).max(4.0) as u32;
    let mut img = GrayImage::from_fn(w, h, |x, y| {
        let (a, b) = ((x + y / 2) % period, (x + 3 * period - y % (3 * period)) % period);
        Luma([if a == 0 || b == 0 { 214 } else { 232 }])
    });
    // The portrait: a soft dark oval on a mid-grey panel (left, upper part).
    let (px, py, pw, ph) = (4.0 * ppm, 12.0 * ppm, w_mm * 0.26 * ppm, h_mm * 0.45 * ppm);
    for y in py as u32..(py + ph) as u32 {
        for x in px as u32..(px + pw) as u32 {
            let (dx, dy) = ((x as f32 - px - pw / 2.0) / (pw * 0.35), (y as f32 - py - ph * 0.45) / (ph * 0.4));
            let d = (dx * dx + dy * dy).sqrt();
            let v = if d < 1.0 { 90.0 + 50.0 * d } else { 175.0 };
            img.put_pixel(x.min(w - 1), y.min(h - 1), Luma([v as u8]));
        }
    }
    // Print in the upper part: a title, labels, values (not a zone: words with spaces).
    let text_x = px + pw + 4.0 * ppm;
    let title = if format == MrzFormat::Td3 { "PASSPORT  PASSEPORT" } else { "IDENTITY CARD" };
    draw_text(&mut img, &font, title, text_x, 6.0 * ppm, 3.2 * ppm, 60);
    let rows = ["SURNAME / NOM", "GIVEN NAMES / PRENOMS", "DATE OF BIRTH", "DATE OF EXPIRY"];
    for (i, label) in rows.iter().enumerate() {
        let y = (12.0 + i as f32 * 6.5) * ppm;
        if y + 20.0 * ppm > h as f32 {
            break;
        }
        draw_text(&mut img, &font, label, text_x, y, 1.6 * ppm, 110);
        draw_text(&mut img, &font, "SPECIMEN 12 AB", text_x, y + 3.2 * ppm, 2.2 * ppm, 45);
    }
    // The zone: each line's glyph cells 2.54 mm apart, centred on the page; the last line's
    // baseline 4.5 mm above the bottom edge.
    let pitch = 2.54 * ppm;
    let n = lines.first().map_or(0, String::len) as f32;
    let left = (w as f32 - n * pitch) / 2.0;
    let bottom = h as f32 - 4.5 * ppm;
    let unit = font.as_scaled(1.0).h_advance(font.glyph_id('0'));
    for (i, line) in lines.iter().enumerate() {
        let baseline = bottom - (lines.len() - 1 - i) as f32 * 4.23 * ppm;
        for (k, c) in line.chars().enumerate() {
            draw_glyph(&mut img, &font, c, left + k as f32 * pitch, baseline, pitch / unit, 30);
        }
    }
    img
}

/// Draws `text` (cap height about `size` px) from `x` with its baseline at `y`.
fn draw_text(img: &mut GrayImage, font: &FontRef, text: &str, x: f32, y: f32, size: f32, ink: u8) {
    let scale = size / 0.7;
    let advance = font.as_scaled(scale).h_advance(font.glyph_id('0'));
    for (k, c) in text.chars().enumerate() {
        draw_glyph(img, font, c, x + k as f32 * advance, y + size, scale, ink);
    }
}

/// One glyph, its pen at (`x`, `baseline`), blended towards `ink` by its coverage.
fn draw_glyph(img: &mut GrayImage, font: &FontRef, c: char, x: f32, baseline: f32, scale: f32, ink: u8) {
    let glyph = font.glyph_id(c).with_scale_and_position(scale, ab_glyph::point(x, baseline));
    let Some(outline) = font.outline_glyph(glyph) else { return };
    let b = outline.px_bounds();
    let (w, h) = img.dimensions();
    outline.draw(|gx, gy, coverage| {
        let (px, py) = (b.min.x as i64 + i64::from(gx), b.min.y as i64 + i64::from(gy));
        if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
            let p = img.get_pixel_mut(px as u32, py as u32);
            let k = coverage.clamp(0.0, 1.0);
            p.0[0] = (f32::from(p.0[0]) * (1.0 - k) + f32::from(ink) * k) as u8;
        }
    });
}

/// The document whose zone is `lines` photographed as `look` says (JPEG applied when asked).
pub fn photo(lines: &[String], format: MrzFormat, look: &MrzLook) -> GrayImage {
    let mut rng = Rng::new(look.seed);
    let ppm = look.pitch / 2.54;
    let doc = page(lines, format, ppm);
    let (dw, dh) = (doc.width() as f32, doc.height() as f32);
    // Where the document's corners land: turned about its centre, then each moved a little.
    let (sin, cos) = look.angle_deg.to_radians().sin_cos();
    let (cx, cy) = (look.centre.0 * look.width as f32, look.centre.1 * look.height as f32);
    let corners = [(0.0, 0.0), (dw, 0.0), (dw, dh), (0.0, dh)];
    let mut to = [(0f32, 0f32); 4];
    for (t, &(u, v)) in to.iter_mut().zip(&corners) {
        let (du, dv) = (u - dw / 2.0, v - dh / 2.0);
        let jitter = look.perspective * dw;
        *t = (
            cx + du * cos - dv * sin + rng.range(-jitter, jitter),
            cy + du * sin + dv * cos + rng.range(-jitter, jitter),
        );
    }
    // From the photo back to the document.
    let back = homography(&to, &corners);
    let light_dir = rng.range(0.0, std::f32::consts::TAU);
    let (lx, ly) = (light_dir.cos(), light_dir.sin());
    let span = (look.width as f32).hypot(look.height as f32);
    let mut img = GrayImage::from_fn(look.width, look.height, |x, y| {
        let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
        let d = back[6] * fx + back[7] * fy + 1.0;
        let (u, v) = ((back[0] * fx + back[1] * fy + back[2]) / d, (back[3] * fx + back[4] * fy + back[5]) / d);
        let value = if u >= 0.0 && v >= 0.0 && u < dw - 1.0 && v < dh - 1.0 {
            bilinear(&doc, u, v)
        } else {
            // A dark wooden table.
            70.0 + 12.0 * ((fx * 0.05).sin() * (fy * 0.013).cos())
        };
        let t = ((fx - look.width as f32 / 2.0) * lx + (fy - look.height as f32 / 2.0) * ly) / span + 0.5;
        Luma([(value * (1.0 - look.shade * t.clamp(0.0, 1.0))).clamp(0.0, 255.0) as u8])
    });
    if look.glare {
        super::glare(&mut img, cx + rng.range(-0.2, 0.2) * dw, cy + rng.range(-0.2, 0.2) * dh, dw * 0.25);
    }
    if look.blur > 0.0 {
        img = image::imageops::blur(&img, look.blur);
    }
    if look.noise > 0.0 {
        for p in img.pixels_mut() {
            p.0[0] = (f32::from(p.0[0]) + rng.normal() * look.noise).clamp(0.0, 255.0) as u8;
        }
    }
    if let Some(q) = look.jpeg {
        let bytes = super::jpeg(&img, q);
        img = image::load_from_memory(&bytes).expect("our JPEG decodes").to_luma8();
    }
    img
}

fn bilinear(img: &GrayImage, x: f32, y: f32) -> f32 {
    let (x0, y0) = (x as u32, y as u32);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let p = |x: u32, y: u32| f32::from(img.get_pixel(x, y).0[0]);
    let top = p(x0, y0) * (1.0 - fx) + p(x0 + 1, y0) * fx;
    let bottom = p(x0, y0 + 1) * (1.0 - fx) + p(x0 + 1, y0 + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// The projective map taking each `from` point to its `to` point: `[a b c d e f g h]` with
/// `x' = (a·x + b·y + c) / (g·x + h·y + 1)`, `y' = (d·x + e·y + f) / (g·x + h·y + 1)`.
fn homography(from: &[(f32, f32); 4], to: &[(f32, f32); 4]) -> [f32; 8] {
    let mut m = [[0f64; 9]; 8];
    for (i, (&(x, y), &(u, v))) in from.iter().zip(to).enumerate() {
        let (x, y, u, v) = (f64::from(x), f64::from(y), f64::from(u), f64::from(v));
        m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    // Four corners of a real quadrilateral are never singular; if they were, the map is
    // left as the elimination got it.
    let _ = crate::mrz::gauss_jordan(&mut m, 1e-12);
    let mut out = [0f32; 8];
    for (o, row) in out.iter_mut().zip(&m) {
        *o = row[8] as f32;
    }
    out
}

/// A Y4M camera video (10 frames a second, for Chromium's fake camera) of the document held
/// as `look` says, drifting: each of the `frames` turned a little further (−2° to +2° about
/// the look's angle) and moved a little, with its own noise.
pub fn video(lines: &[String], format: MrzFormat, look: &MrzLook, frames: usize) -> Vec<u8> {
    let images: Vec<GrayImage> = (0..frames)
        .map(|k| {
            let t = if frames > 1 { k as f32 / (frames - 1) as f32 } else { 0.5 };
            let frame = MrzLook {
                angle_deg: look.angle_deg - 2.0 + 4.0 * t,
                centre: (look.centre.0 + 0.02 * (t - 0.5), look.centre.1),
                seed: look.seed.wrapping_add(k as u64),
                ..look.clone()
            };
            photo(lines, format, &frame)
        })
        .collect();
    super::y4m(&images, 10)
}

/// One generated photo for the accuracy set: a random holder in a random format, photographed
/// mildly or hard, from `seed` alone.
pub fn generated(seed: u64, hard: bool) -> (MrzSample, MrzLook, GrayImage) {
    let mut rng = Rng::new(seed);
    let format = match rng.below(20) {
        0..=9 => MrzFormat::Td3,
        10..=16 => MrzFormat::Td1,
        _ => MrzFormat::Td2,
    };
    let sample = random_sample(&mut rng, format);
    let look = if hard { MrzLook::hard(&mut rng, format) } else { MrzLook::mild(&mut rng, format) };
    let img = photo(&sample.lines, format, &look);
    (sample, look, img)
}

/// The fields of a read filled with a value other than the truth's (a field left empty is not
/// wrong), by name.
pub fn wrong_fills(m: &Mrz, truth: &Mrz) -> Vec<&'static str> {
    let (a, b) = (&m.data, &truth.data);
    [
        ("document number", a.document_number.is_some() && a.document_number != b.document_number),
        ("birth date", a.dob.is_some() && a.dob != b.dob),
        ("expiry", a.expiry.is_some() && a.expiry != b.expiry),
        ("last name", a.last_name.is_some() && a.last_name != b.last_name),
        ("first name", a.first_name.is_some() && a.first_name != b.first_name),
        ("middle name", a.middle_name.is_some() && a.middle_name != b.middle_name),
        ("sex", a.sex.is_some() && a.sex != b.sex),
        ("nationality", a.nationality.is_some() && a.nationality != b.nationality),
        ("kind", a.kind != b.kind),
    ]
    .into_iter()
    .filter_map(|(name, wrong)| wrong.then_some(name))
    .collect()
}

/// One half of an accuracy set read: how many photos read whole (every check digit valid, every
/// value the truth's), and each wrong fill (`seed: [fields]`).
#[derive(Debug, Default)]
pub struct Accuracy {
    pub photos: u64,
    pub read_whole: u64,
    pub wrong: Vec<String>,
}

impl Accuracy {
    pub fn percent(&self) -> f64 {
        self.read_whole as f64 * 100.0 / self.photos.max(1) as f64
    }
}

/// Generates and reads the photos of seeds `from..from + count` (mild or hard), on two threads.
pub fn accuracy(from: u64, count: u64, hard: bool) -> Accuracy {
    let run = |a: u64, b: u64| {
        let mut out = Accuracy { photos: b - a, ..Accuracy::default() };
        for seed in a..b {
            let (sample, _, img) = generated(seed, hard);
            if let Ok(m) = crate::mrz::read_luma(img.as_raw(), img.width(), img.height(), today()) {
                let wrong = wrong_fills(&m, &sample.truth);
                if !wrong.is_empty() {
                    out.wrong.push(format!("seed {seed}: {wrong:?}"));
                }
                if m.checks_hold() && m.data == sample.truth.data {
                    out.read_whole += 1;
                }
            }
        }
        out
    };
    let mid = from + count / 2;
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| run(from, mid));
        let b = s.spawn(|| run(mid, from + count));
        (
            a.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            b.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
        )
    });
    Accuracy {
        photos: a.photos + b.photos,
        read_whole: a.read_whole + b.read_whole,
        wrong: a.wrong.into_iter().chain(b.wrong).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_homography_maps_its_four_corners() {
        let from = [(0.0, 0.0), (100.0, 0.0), (100.0, 60.0), (0.0, 60.0)];
        let to = [(10.0, 5.0), (120.0, 12.0), (108.0, 80.0), (3.0, 70.0)];
        let h = homography(&from, &to);
        for (&(x, y), &(u, v)) in from.iter().zip(&to) {
            let d = h[6] * x + h[7] * y + 1.0;
            assert!(((h[0] * x + h[1] * y + h[2]) / d - u).abs() < 0.01);
            assert!(((h[3] * x + h[4] * y + h[5]) / d - v).abs() < 0.01);
        }
    }

    #[test]
    fn random_zones_parse_with_every_check_digit() {
        let mut rng = Rng::new(7);
        for format in [MrzFormat::Td1, MrzFormat::Td2, MrzFormat::Td3] {
            for _ in 0..50 {
                let s = random_sample(&mut rng, format);
                assert!(s.truth.checks_hold(), "{:?}", s.truth);
                assert!(s.truth.data.last_name.is_some() && s.truth.data.document_number.is_some());
            }
        }
    }
}
