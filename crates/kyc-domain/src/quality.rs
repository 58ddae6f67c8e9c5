//! # The photo-quality rulebook
//!
//! One set of measures, computed the same way on a camera frame and a chosen file in the
//! browser (wasm) and on the uploaded bytes on the server (native): pure Rust over a grayscale
//! image the caller provides. No IO, no decoding: the browser gets its pixels from a canvas,
//! the server from its decoder.
//!
//! ## Normalised for size
//!
//! Every measure is taken on an *analysis copy* whose long edge is [`ANALYSIS_EDGE`] pixels
//! (the caller downscales to it; [`analysis_size`] says to what), so a number means the same on
//! a 480-px preview frame and a 2048-px photo:
//!
//! - **brightness**: mean luma, 0–255;
//! - **sharpness**: how steep the steepest edges are for the picture's contrast (see
//!   [`measure`]) — about 100 for a crisp edge whatever the content, about 200 / (2r + 1) once
//!   defocus spreads an edge over 2r + 1 pixels;
//! - **glare**: the share (0–1) of blown-out pixels (luma ≥ [`BLOWN_OUT`]) inside the document
//!   area — the centre region the on-screen frame outlines;
//! - **placement**: the share (0–1) of the frame's outline along which a strong edge lies (a
//!   card lined up with the frame has its edges there).
//!
//! ## Two levels of thresholds
//!
//! *Guidance* thresholds ([`GUIDANCE`]) drive live hints and warnings: a photo outside them is
//! accepted but the person is told how to do better. *Hard* thresholds ([`HARD`]) refuse only
//! what no reviewer could use — a near-black picture, or one so out of focus that no letter
//! survives. The server refuses those with `422` (`image_too_dark`, `image_too_blurry`); the
//! widget runs the same check first, so it never sends what the server would refuse.
//!
//! ## How the thresholds were chosen
//!
//! The test suite (`tests/quality.rs`) generates fixtures a person would call usable and
//! unusable: a synthetic ID card (text lines, a photo box, a border) and a synthetic face, each
//! at several sizes, then dimmed, blurred (box blurs of growing radius), and with a glare spot.
//! The hard limits sit well inside the unusable side so that no usable fixture — and no plain
//! real photo in the end-to-end fixtures — is ever refused:
//!
//! - `brightness < 20` is near-black: the card's text is no longer distinguishable from its
//!   background at that mean luma (the dimmed-to-8 % fixtures land around 10–15); guidance asks
//!   for at least 60 ("Too dark") and at most 235 ("Too bright").
//! - `sharpness < 12` is badly out of focus: an edge spread over more than 16 pixels of the
//!   480-px analysis copy (the card blurred with a 12-px box scores 8); the sharp card scores
//!   100, the synthetic face 52, a card with a 2-px blur 40–70, and the end-to-end suite's
//!   "blurry but usable" face photo 14.5. Guidance asks for 35 ("Hold still"), which a 3-px
//!   blur misses.
//! - glare: guidance warns above 2 % of blown-out pixels in the document area (a specular spot
//!   on a laminated card covers 3–10 %); glare is never a hard refusal (a reviewer can often read
//!   around it).
//! - placement: guidance wants a strong edge along at least 60 % of the frame's outline (the
//!   aligned card covers 100 %, the same card at a third of the size 0 %).

use crate::error::{ErrorCode, Violation};

/// Long edge of the analysis copy, in pixels.
pub const ANALYSIS_EDGE: u32 = 480;
/// A luma at or above this is blown out (glare).
pub const BLOWN_OUT: u8 = 250;

/// One set of limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub min_brightness: f64,
    pub max_brightness: f64,
    pub min_sharpness: f64,
    /// Share of blown-out pixels in the document area; `f64::INFINITY` means never.
    pub max_glare: f64,
    pub min_placement: f64,
}

/// Live hints and warnings.
pub const GUIDANCE: Thresholds = Thresholds {
    min_brightness: 60.0,
    max_brightness: 235.0,
    min_sharpness: 35.0,
    max_glare: 0.02,
    min_placement: 0.6,
};

/// Refusals: only what no reviewer could use.
pub const HARD: Thresholds = Thresholds {
    min_brightness: 20.0,
    max_brightness: f64::INFINITY,
    min_sharpness: 12.0,
    max_glare: f64::INFINITY,
    min_placement: 0.0,
};

/// The measures of one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    pub brightness: f64,
    pub sharpness: f64,
    pub glare: f64,
    pub placement: f64,
}

/// What to tell the person, most important first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    TooDark,
    TooBright,
    Glare,
    MoveCloser,
    HoldStill,
    /// Where the document locator ([`crate::locate`]) sees the document: too large or running
    /// out of the frame at the top or bottom, running out on one side, turned too far, none.
    MoveBack,
    MoveLeft,
    MoveRight,
    Straighten,
    NoDocument,
}

impl Hint {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TooDark => "too_dark",
            Self::TooBright => "too_bright",
            Self::Glare => "glare",
            Self::MoveCloser => "move_closer",
            Self::HoldStill => "hold_still",
            Self::MoveBack => "move_back",
            Self::MoveLeft => "move_left",
            Self::MoveRight => "move_right",
            Self::Straighten => "straighten",
            Self::NoDocument => "no_document",
        }
    }
}

/// The size of the analysis copy of a `w` × `h` image (long edge [`ANALYSIS_EDGE`], never
/// enlarged, at least 3 × 3).
pub fn analysis_size(w: u32, h: u32) -> (u32, u32) {
    let long = w.max(h).max(1);
    if long <= ANALYSIS_EDGE {
        return (w.max(3), h.max(3));
    }
    let s = |v: u32| ((u64::from(v) * u64::from(ANALYSIS_EDGE) + u64::from(long) / 2) / u64::from(long)).max(3) as u32;
    (s(w), s(h))
}

/// Luma of RGBA pixels (ITU-R BT.601 weights, integer arithmetic).
#[inline]
pub fn luma_rgba(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4).map(luma).collect()
}

/// Luma of RGB pixels.
pub fn luma_rgb(rgb: &[u8]) -> Vec<u8> {
    rgb.chunks_exact(3).map(luma).collect()
}

fn luma(p: &[u8]) -> u8 {
    ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
}

/// The document area: the centre region the on-screen frame outlines (a 10 % margin).
fn document_area(w: usize, h: usize) -> (usize, usize, usize, usize) {
    (w / 10, h / 10, w - w / 10, h - h / 10)
}

/// The value below which `share` of the counted values lie (a histogram percentile).
#[inline]
fn percentile(hist: &[u32], share: f64) -> usize {
    let total: u64 = hist.iter().map(|&c| u64::from(c)).sum();
    let want = (total as f64 * share).ceil() as u64;
    let mut seen = 0u64;
    for (v, &c) in hist.iter().enumerate() {
        seen += u64::from(c);
        if seen >= want.max(1) {
            return v;
        }
    }
    hist.len() - 1
}

/// Measures a grayscale analysis copy (`gray.len() == w * h`, long edge ≤ [`ANALYSIS_EDGE`]).
///
/// Sharpness is the steepest edges' slope over the picture's contrast: the 99.9th percentile
/// of the central-difference gradient divided by the luma range (99.5th − 0.5th percentile),
/// × 100. A crisp step scores about 100 whatever its contrast or the content around it (a card
/// full of print and a face with a few features score alike); a blur of radius r spreads the
/// step over 2r + 1 pixels and scores about 200 / (2r + 1). Placement is the share of the
/// frame's border (the document area's outline) along which a strong edge — a quarter of the
/// picture's contrast — lies within a few pixels.
#[inline]
pub fn measure(gray: &[u8], w: usize, h: usize) -> Metrics {
    let core = measure_core(gray, w, h);
    if w < 3 || h < 3 || gray.len() < w * h {
        return core;
    }
    let gray = &gray[..w * h];
    let grad = |x: usize, y: usize| gradient(gray, w, x, y);
    let range = core_range(gray);
    let (x0, y0, x1, y1) = document_area(w, h);
    let mut blown = 0usize;
    for y in y0..y1 {
        blown += gray[y * w + x0..y * w + x1].iter().filter(|&&v| v >= BLOWN_OUT).count();
    }
    let area = ((x1 - x0) * (y1 - y0)).max(1);
    // Placement: along each side of the outline, is there a strong edge within `band` pixels?
    let band = (w.min(h) / 40).max(2);
    let strong = (range / 4.0) as u8;
    let clamp_x = |x: usize| x.clamp(1, w - 2);
    let clamp_y = |y: usize| y.clamp(1, h - 2);
    let (mut covered, mut positions) = (0usize, 0usize);
    for x in x0..x1 {
        for y_side in [y0, y1] {
            positions += 1;
            let hit = (y_side.saturating_sub(band)..=y_side + band).any(|y| grad(clamp_x(x), clamp_y(y)) >= strong);
            covered += usize::from(hit);
        }
    }
    for y in y0..y1 {
        for x_side in [x0, x1] {
            positions += 1;
            let hit = (x_side.saturating_sub(band)..=x_side + band).any(|x| grad(clamp_x(x), clamp_y(y)) >= strong);
            covered += usize::from(hit);
        }
    }
    let placement = covered as f64 / positions.max(1) as f64;
    Metrics { glare: blown as f64 / area as f64, placement, ..core }
}

/// Gradient magnitude at an interior pixel: the larger of the two central differences, 0–255.
#[inline(always)] // (in every pixel's loop: the capture module is optimised for size)
fn gradient(gray: &[u8], w: usize, x: usize, y: usize) -> u8 {
    let at = |x: usize, y: usize| i32::from(gray[y * w + x]);
    let gx = (at(x + 1, y) - at(x - 1, y)).unsigned_abs();
    let gy = (at(x, y + 1) - at(x, y - 1)).unsigned_abs();
    gx.max(gy).min(255) as u8
}

/// The luma range: 99.5th − 0.5th percentile, at least 16.
#[inline]
pub(crate) fn core_range(gray: &[u8]) -> f64 {
    let mut luma_hist = [0u32; 256];
    for &v in gray {
        luma_hist[usize::from(v)] += 1;
    }
    (percentile(&luma_hist, 0.995) - percentile(&luma_hist, 0.005)).max(16) as f64
}

/// Brightness and sharpness only (glare and placement 0): all the hard check needs, and all
/// the widget's file path computes (the full [`measure`] serves live guidance).
#[inline]
pub fn measure_core(gray: &[u8], w: usize, h: usize) -> Metrics {
    if w < 3 || h < 3 || gray.len() < w * h {
        return Metrics { brightness: 0.0, sharpness: 0.0, glare: 0.0, placement: 0.0 };
    }
    let gray = &gray[..w * h];
    let brightness = gray.iter().map(|&v| f64::from(v)).sum::<f64>() / (w * h) as f64;
    let range = core_range(gray);
    let grad = |x: usize, y: usize| gradient(gray, w, x, y);
    let mut grad_hist = [0u32; 256];
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            grad_hist[usize::from(grad(x, y))] += 1;
        }
    }
    let sharpness = 100.0 * percentile(&grad_hist, 0.999) as f64 / range;
    Metrics { brightness, sharpness, glare: 0.0, placement: 0.0 }
}

/// The hard check: `image_too_dark` or `image_too_blurry` for what no reviewer could use.
pub fn refuse(m: &Metrics) -> Result<(), Violation> {
    if m.brightness < HARD.min_brightness {
        return Err(Violation::new(ErrorCode::ImageTooDark));
    }
    if m.sharpness < HARD.min_sharpness {
        return Err(Violation::new(ErrorCode::ImageTooBlurry));
    }
    Ok(())
}

/// The guidance for a document (`document: true`: glare and placement count) or a face.
pub fn hints(m: &Metrics, document: bool) -> Vec<Hint> {
    let g = GUIDANCE;
    let mut out = Vec::new();
    if m.brightness < g.min_brightness {
        out.push(Hint::TooDark);
    } else if m.brightness > g.max_brightness {
        out.push(Hint::TooBright);
    }
    if document && m.glare > g.max_glare {
        out.push(Hint::Glare);
    }
    if m.sharpness < g.min_sharpness {
        out.push(Hint::HoldStill);
    } else if document && m.placement < g.min_placement {
        // (A blurred card's edges are too soft to count: "Hold still" comes first.)
        out.push(Hint::MoveCloser);
    }
    out
}

/// The guidance for a document the locator looked for: light, glare and sharpness as in
/// [`hints`], then `framing` — what [`crate::locate::framing`] says of where the document is
/// (`None`: well framed) — in place of the fixed outline's placement.
pub fn hints_located(m: &Metrics, framing: Option<Hint>) -> Vec<Hint> {
    let mut out = hints(&Metrics { placement: 1.0, ..*m }, true);
    if !out.contains(&Hint::HoldStill) {
        out.extend(framing);
    }
    out
}

/// The outline the live camera preview shows, and the shape of what is being captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// ISO/IEC 7810 ID-1 (85.60 × 53.98 mm): ID card, residence permit, driving licence.
    Card,
    /// ID-3, a passport's data page (125 × 88 mm).
    Passport,
    /// An oval for the face, portrait 3 : 4.
    Face,
}

impl Shape {
    pub const ALL: [Self; 3] = [Self::Card, Self::Passport, Self::Face];

    /// Its name between the widget and the capture module.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Card => "card",
            Self::Passport => "passport",
            Self::Face => "face",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Width over height.
    pub fn aspect(self) -> f64 {
        match self {
            Self::Card => 85.60 / 53.98,
            Self::Passport => 125.0 / 88.0,
            Self::Face => 3.0 / 4.0,
        }
    }

    /// Whether glare and placement count (a document, not a face).
    pub fn is_document(self) -> bool {
        self != Self::Face
    }
}

/// A rectangle in pixels of a camera frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// The part of a `w` × `h` camera frame that is analysed: the largest centred rectangle of the
/// shape's aspect. Its inner area (a 10 % margin, where [`measure`] looks for glare and the
/// card's edges) is [`outline`], which the preview draws.
pub fn crop(w: u32, h: u32, shape: Shape) -> Rect {
    let (fw, fh) = (f64::from(w.max(1)), f64::from(h.max(1)));
    let a = shape.aspect();
    let (cw, ch) = if fw / fh > a { (fh * a, fh) } else { (fw, fw / a) };
    let (cw, ch) = ((cw.round() as u32).clamp(1, w.max(1)), (ch.round() as u32).clamp(1, h.max(1)));
    Rect { x: (w.max(1) - cw) / 2, y: (h.max(1) - ch) / 2, w: cw, h: ch }
}

/// Where the preview outlines the document (or the face) in a `w` × `h` frame: the analysed
/// crop's document area. A card lined up with it scores full placement.
pub fn outline(w: u32, h: u32, shape: Shape) -> Rect {
    let c = crop(w, h, shape);
    let (x0, y0, x1, y1) = document_area(c.w as usize, c.h as usize);
    Rect { x: c.x + x0 as u32, y: c.y + y0 as u32, w: (x1 - x0) as u32, h: (y1 - y0) as u32 }
}

/// How many analysed frames in a row must meet every guidance threshold before the photo is
/// taken by itself (at the widget's ~7 analyses a second, about half a second held steady).
pub const AUTO_CAPTURE_RUN: u32 = 4;
/// How many analysed frames in a row must agree on a new hint before it is announced to a
/// screen reader (the visible hint follows every frame; the announcement does not flood).
pub const ANNOUNCE_RUN: u32 = 3;

/// Live guidance over a run of camera frames: the hint to show, the hint to announce, and
/// when to take the photo by itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Guide {
    good_run: u32,
    candidate: Option<Option<Hint>>,
    candidate_run: u32,
    announced: Option<Option<Hint>>,
}

/// What one frame tells the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advice {
    /// The most important hint for this frame (`None`: every guidance threshold holds).
    pub hint: Option<Hint>,
    /// A change worth announcing: `Some(None)` announces "ready", `None` announces nothing.
    pub announce: Option<Option<Hint>>,
    /// Take the photo now: the guidance held for [`AUTO_CAPTURE_RUN`] frames in a row.
    pub capture: bool,
}

impl Guide {
    /// Feeds one analysed frame.
    pub fn frame(&mut self, m: &Metrics, shape: Shape) -> Advice {
        self.advance(hints(m, shape.is_document()).first().copied())
    }

    /// Feeds one analysed frame of a document the locator looked for (see [`hints_located`]):
    /// it is taken by itself once it is large enough, sharp and free of glare wherever it is.
    pub fn frame_located(&mut self, m: &Metrics, framing: Option<Hint>) -> Advice {
        self.advance(hints_located(m, framing).first().copied())
    }

    fn advance(&mut self, hint: Option<Hint>) -> Advice {
        self.good_run = if hint.is_none() { self.good_run + 1 } else { 0 };
        if self.candidate == Some(hint) {
            self.candidate_run += 1;
        } else {
            self.candidate = Some(hint);
            self.candidate_run = 1;
        }
        let announce = (self.candidate_run >= ANNOUNCE_RUN && self.announced != Some(hint)).then(|| {
            self.announced = Some(hint);
            hint
        });
        let capture = self.good_run >= AUTO_CAPTURE_RUN;
        if capture {
            self.good_run = 0;
        }
        Advice { hint, announce, capture }
    }
}

/// The analysis copy (long edge [`ANALYSIS_EDGE`], see [`analysis_size`]) of the region `r` of
/// a grayscale plane whose rows are `stride` bytes apart — each pixel the average of its source
/// box, as a canvas downscale does. A camera's luma plane works as it is (no colour conversion,
/// no canvas); `full_range: false` maps video-range luma (16–235) to 0–255 first, so a number
/// means what it means on an RGB picture. `None` when the region does not fit the plane.
#[inline]
pub fn analysis_copy(plane: &[u8], stride: usize, r: Rect, full_range: bool) -> Option<(Vec<u8>, usize, usize)> {
    let (x0, y0, rw, rh) = (r.x as usize, r.y as usize, r.w as usize, r.h as usize);
    if rw == 0 || rh == 0 || x0 + rw > stride || (y0 + rh - 1) * stride + x0 + rw > plane.len() {
        return None;
    }
    let (aw, ah) = analysis_size(r.w, r.h);
    let (aw, ah) = (aw as usize, ah as usize);
    let mut sums = vec![0u32; aw * ah];
    let mut counts = vec![0u32; aw * ah];
    // Which target column each source column falls in (boxes of ⌈rw / aw⌉ or ⌊rw / aw⌋).
    let cols: Vec<usize> = (0..rw).map(|x| (x * aw / rw).min(aw - 1)).collect();
    for y in 0..rh {
        let ty = (y * ah / rh).min(ah - 1);
        let row = &plane[(y0 + y) * stride + x0..(y0 + y) * stride + x0 + rw];
        let (s, c) = (&mut sums[ty * aw..(ty + 1) * aw], &mut counts[ty * aw..(ty + 1) * aw]);
        for (&v, &tx) in row.iter().zip(&cols) {
            s[tx] += u32::from(v);
            c[tx] += 1;
        }
    }
    let out = sums
        .iter()
        .zip(&counts)
        .map(|(&s, &c)| {
            let v = s / c.max(1);
            if full_range {
                v as u8
            } else {
                (v.saturating_sub(16) * 255 / 219).min(255) as u8
            }
        })
        .collect();
    Some((out, aw, ah))
}
