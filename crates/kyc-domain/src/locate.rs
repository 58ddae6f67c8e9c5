//! # Where the document is in the frame
//!
//! The document locator: its four corners found anywhere in a camera frame, from the same
//! grayscale analysis copy the quality rulebook measures ([`crate::quality::analysis_copy`] of
//! the whole frame). Pure Rust, no IO: the capture module runs it on every analysed preview
//! frame (it must stay within the frame analysis' 8 ms in Chromium, `cargo xtask bench`), and
//! the guidance and the crop of the still follow from it.
//!
//! ## How
//!
//! 1. **Edges.** Sobel gradients, kept where the step is at least a quarter of the picture's
//!    contrast (the rulebook's "strong edge") and thinned to their crest across the edge. Each
//!    is near-vertical or near-horizontal (within 32°, for a card tilted up to ±15° plus mild
//!    perspective) and has a polarity (brighter on which side).
//! 2. **Lines.** A small Hough transform per orientation and polarity: each edge pixel votes for
//!    lines `u = c + m·(v − L/2)` whose slope is within two bins of its own gradient's (a few
//!    votes a pixel, not a sweep over every angle). The strongest peaks are the candidate sides.
//! 3. **The quadrilateral.** Every combination of a left, right, top and bottom candidate whose
//!    polarities agree (the document brighter than what is around it, or darker) is scored by
//!    how much of each *side* — between its corners, not along the whole line — an edge of the
//!    right polarity covers (prefix sums: constant time per side); the largest with every side
//!    well covered and a plausible aspect wins. A row of print is a line too, but its words
//!    leave gaps and it stops short of the card's sides: the card's own border wins.
//! 4. **Refinement.** Each side is refitted by least squares to its edge pixels' crests:
//!    corners to within about a pixel of a 1280-px frame (tests/locate.rs).
//!
//! When no whole document is there, the frame's own borders may stand in for up to two sides:
//! a document running out of the picture is then still seen ([`Cut`]), so the person is told
//! which way to move rather than just that nothing is found.
//!
//! ## Guidance ([`framing`])
//!
//! A whole document is well framed when it spans [`MIN_EXTENT`]–[`MAX_EXTENT`] of the frame's
//! width and is turned by at most about 15° ([`MAX_TILT`]); otherwise "Move closer", "Move back" or
//! "Straighten". One running out of the picture on the left or right only: "Move left" or
//! "Move right" (towards where it is cut: the phone follows the card; in a mirrored preview the
//! card moves that way on screen); out at the top or bottom, or both sides: "Move back". Where it
//! sits otherwise does not matter: the still is cropped and straightened to it ([`warp_mesh`]).

use crate::quality::{Hint, BLOWN_OUT};

/// A point in pixels of the analysed image (pixel centres at whole numbers).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    // (Not inlined: called from a dozen places, it would be copied into each in the wasm.)
    #[inline(never)]
    fn dist(self, o: Self) -> f64 {
        ((self.x - o.x) * (self.x - o.x) + (self.y - o.y) * (self.y - o.y)).sqrt()
    }
}

/// The document's corners: top-left, top-right, bottom-right, bottom-left as the frame shows
/// them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quad(pub [Point; 4]);

impl Quad {
    /// The same corners in pixels of the full frame an analysis copy was made from, `sx` and
    /// `sy` frame pixels an analysis pixel (canvas coordinates: pixel `i` covers `[i, i + 1)`).
    pub fn scaled(&self, sx: f64, sy: f64) -> Self {
        Self(self.0.map(|p| Point { x: (p.x + 0.5) * sx, y: (p.y + 0.5) * sy }))
    }

    /// Width over height, from the mean lengths of opposite sides.
    pub fn aspect(&self) -> f64 {
        let [a, b, c, d] = self.0;
        (a.dist(b) + d.dist(c)) / (a.dist(d) + b.dist(c)).max(1e-9)
    }

    /// How far it is turned: the tangent of the mean angle of its top and bottom sides
    /// (clockwise positive).
    pub fn tilt(&self) -> f64 {
        let [a, b, c, d] = self.0;
        (b.y - a.y + c.y - d.y) / (b.x - a.x + c.x - d.x).max(1e-9)
    }

    /// How far from a rectangle seen square-on: the smaller over the larger length of opposite
    /// sides (1: none; a document seen from the side has one end narrower).
    pub fn skew(&self) -> f64 {
        let [a, b, c, d] = self.0;
        let ratio = |x: f64, y: f64| x.min(y) / x.max(y).max(1e-9);
        ratio(a.dist(b), d.dist(c)).min(ratio(a.dist(d), b.dist(c)))
    }

    /// The horizontal span, left to right.
    pub fn span_x(&self) -> (f64, f64) {
        let xs = self.0.map(|p| p.x);
        (xs.iter().copied().fold(f64::INFINITY, f64::min), xs.iter().copied().fold(f64::NEG_INFINITY, f64::max))
    }

    /// Whether `p` lies inside (the corners run clockwise on screen).
    pub fn contains(&self, p: Point) -> bool {
        (0..4).all(|i| {
            let (a, b) = (self.0[i], self.0[(i + 1) % 4]);
            (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x) >= 0.0
        })
    }
}

/// Which of the frame's borders the document runs past.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cut {
    pub left: bool,
    pub right: bool,
    pub top: bool,
    pub bottom: bool,
}

impl Cut {
    pub fn any(self) -> bool {
        self.left || self.right || self.top || self.bottom
    }
}

/// A document seen in the frame: where, and whether all of it is in the picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sighting {
    /// Its corners; where it is cut, the frame's border stands in for the side not seen.
    pub quad: Quad,
    pub cut: Cut,
}

/// The smallest share of the frame's width a document may span to be taken by itself.
pub const MIN_EXTENT: f64 = 0.5;
/// The largest (beyond it, the edges are too close to the frame's to be sure of them).
pub const MAX_EXTENT: f64 = 0.97;
/// The largest tilt taken by itself (its tangent): 17°, so that a card turned the 15° it may be
/// is taken whatever the measure's error; beyond it, "Straighten".
pub const MAX_TILT: f64 = 0.3057;
/// Below this ratio of opposite sides' lengths, the document is seen too much from the side:
/// "Straighten".
pub const MIN_SIDE_RATIO: f64 = 0.75;

/// What to say about where the document is (`None`: it is well framed). Nothing found:
/// [`Hint::NoDocument`]. `w`: the analysed frame's width.
pub fn framing(seen: Option<&Sighting>, w: usize) -> Option<Hint> {
    let Some(s) = seen else { return Some(Hint::NoDocument) };
    let cut = s.cut;
    if cut.any() {
        let sideways = cut.left != cut.right && !cut.top && !cut.bottom;
        return Some(match (sideways, cut.left) {
            (true, true) => Hint::MoveLeft,
            (true, false) => Hint::MoveRight,
            _ => Hint::MoveBack,
        });
    }
    let (x0, x1) = s.quad.span_x();
    let extent = (x1 - x0 + 1.0) / w.max(1) as f64;
    if extent > MAX_EXTENT {
        Some(Hint::MoveBack)
    } else if extent < MIN_EXTENT {
        Some(Hint::MoveCloser)
    } else if s.quad.tilt().abs() > MAX_TILT || s.quad.skew() < MIN_SIDE_RATIO {
        Some(Hint::Straighten)
    } else {
        None
    }
}

/// The share (0–1) of blown-out pixels on the document: inside `quad`, or — none found — in the
/// centre region the on-screen outline frames (a 10 % margin).
pub fn glare(gray: &[u8], w: usize, h: usize, quad: Option<&Quad>) -> f64 {
    if w < 3 || h < 3 || gray.len() < w * h {
        return 0.0;
    }
    let (mut blown, mut area) = (0usize, 0usize);
    let mut count = |y: usize, x0: usize, x1: usize| {
        let row = &gray[y * w + x0..y * w + x1];
        area += row.len();
        blown += row.iter().filter(|&&v| v >= BLOWN_OUT).count();
    };
    match quad {
        // Row by row, between where the row crosses the quadrilateral's sides.
        Some(q) => {
            for y in 0..h {
                let fy = y as f64;
                let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
                for k in 0..4 {
                    let (a, b) = (q.0[k], q.0[(k + 1) % 4]);
                    if (a.y <= fy) != (b.y <= fy) {
                        let x = a.x + (fy - a.y) * (b.x - a.x) / (b.y - a.y);
                        lo = lo.min(x);
                        hi = hi.max(x);
                    }
                }
                if lo <= hi {
                    let x0 = (lo.ceil().max(0.0) as usize).min(w);
                    let x1 = ((hi.floor() + 1.0).max(0.0) as usize).min(w);
                    if x0 < x1 {
                        count(y, x0, x1);
                    }
                }
            }
        }
        None => {
            for y in h / 10..h - h / 10 {
                count(y, w / 10, w - w / 10);
            }
        }
    }
    blown as f64 / area.max(1) as f64
}

// ---------------------------------------------------------------------------------------------
// Edges

/// Slope bins: `m = bin · M_STEP` (≈ 0.9° a bin near level), |m| ≤ `M_BINS · M_STEP` (tan 32°).
const M_STEP: f32 = 1.0 / 64.0;
const M_BINS: i32 = 40;
/// Each edge pixel votes for its own slope bin and this many on either side.
const VOTE_SPREAD: i32 = 3;
/// An edge pixel supports a line when its slope is within this many bins of the line's and it
/// lies within `NEAR` pixels of it.
const SLOPE_AGREE: i32 = 4;
const NEAR: i32 = 2;
/// Candidate lines kept per orientation and polarity.
const CANDIDATES: usize = 8;
/// The least share of each side an edge must cover.
const MIN_COVER: f64 = 0.6;

/// Near-vertical lines (`x = c + m·(y − h/2)`) or near-horizontal ones (`y = c + m·(x − w/2)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Axis {
    V,
    H,
}

/// Edge kinds: near-vertical brighter to the right / to the left, near-horizontal brighter below
/// / above (0: no edge).
const V_PLUS: u8 = 1;
const V_MINUS: u8 = 2;
const H_PLUS: u8 = 3;
const H_MINUS: u8 = 4;

struct Edges {
    w: usize,
    h: usize,
    /// Gradient magnitude (squared) per pixel.
    mag: Vec<u32>,
    /// Edge kind per pixel, and its slope bin.
    kind: Vec<u8>,
    slope: Vec<i8>,
    /// The edge pixels' indices (what the Hough transform visits).
    list: Vec<u32>,
}

impl Edges {
    /// (extent across the lines, length along them) for an axis.
    fn dims(&self, a: Axis) -> (usize, usize) {
        match a {
            Axis::V => (self.w, self.h),
            Axis::H => (self.h, self.w),
        }
    }

    #[inline(always)]
    fn at(&self, a: Axis, u: usize, v: usize) -> usize {
        match a {
            Axis::V => v * self.w + u,
            Axis::H => u * self.w + v,
        }
    }
}

/// `v` rounded to the nearest whole number (`f32::round` is a libm call in the wasm; this is
/// two instructions).
#[inline(always)]
fn nearest(v: f32) -> i32 {
    (v + 0.5).floor() as i32
}

fn edges(gray: &[u8], w: usize, h: usize) -> Edges {
    let n = w * h;
    let (mut gx, mut gy) = (vec![0i16; n], vec![0i16; n]);
    let mut mag = vec![0u32; n];
    // Sobel, one row at a time (no closure, no index arithmetic the optimiser for size would
    // leave as calls: this loop is most of the locator's time).
    for y in 1..h - 1 {
        let (up, row, down) = (&gray[(y - 1) * w..y * w], &gray[y * w..(y + 1) * w], &gray[(y + 1) * w..(y + 2) * w]);
        let span = y * w..(y + 1) * w;
        let (gxr, gyr, mr) = (&mut gx[span.clone()], &mut gy[span.clone()], &mut mag[span]);
        for x in 1..w - 1 {
            let (a, b, c) = (i16::from(up[x - 1]), i16::from(up[x]), i16::from(up[x + 1]));
            let (d, f) = (i16::from(row[x - 1]), i16::from(row[x + 1]));
            let (g, k, l) = (i16::from(down[x - 1]), i16::from(down[x]), i16::from(down[x + 1]));
            let sx = c + 2 * f + l - a - 2 * d - g;
            let sy = g + 2 * k + l - a - 2 * b - c;
            gxr[x] = sx;
            gyr[x] = sy;
            mr[x] = (i32::from(sx) * i32::from(sx) + i32::from(sy) * i32::from(sy)) as u32;
        }
    }
    let mut e = Edges { w, h, mag, kind: vec![0; n], slope: vec![0; n], list: Vec::new() };
    // A step of a quarter of the contrast, seen by Sobel (×4 for a crisp step).
    let t = crate::quality::core_range(gray) as u32;
    let t2 = t * t;
    for y in 2..h - 2 {
        for x in 2..w - 2 {
            let i = y * w + x;
            let m = e.mag[i];
            if m < t2 {
                continue;
            }
            let (ax, ay) = (gx[i].unsigned_abs(), gy[i].unsigned_abs());
            // Thin to the crest across the edge.
            let crest =
                if ax >= ay { m >= e.mag[i - 1] && m > e.mag[i + 1] } else { m >= e.mag[i - w] && m > e.mag[i + w] };
            if !crest {
                continue;
            }
            // The slope from the gradient summed over the 3 × 3 around (a staircase of an
            // edge slightly off the axis turns single pixels' gradients by several degrees).
            let (mut sx, mut sy) = (0i32, 0i32);
            for r in [i - w - 1, i - 1, i + w - 1] {
                for j in r..r + 3 {
                    sx += i32::from(gx[j]);
                    sy += i32::from(gy[j]);
                }
            }
            let (fx, fy) = (sx as f32, sy as f32);
            let (ax, ay) = (sx.abs(), sy.abs());
            // Within 32° of vertical (|gy| ≤ tan 32° · |gx|) or of horizontal.
            let (kind, slope) = if ay * 8 <= ax * 5 {
                (if sx > 0 { V_PLUS } else { V_MINUS }, -fy / fx)
            } else if ax * 8 <= ay * 5 {
                (if sy > 0 { H_PLUS } else { H_MINUS }, -fx / fy)
            } else {
                continue;
            };
            e.kind[i] = kind;
            e.slope[i] = nearest(slope / M_STEP).clamp(-M_BINS, M_BINS) as i8;
            e.list.push(i as u32);
        }
    }
    e
}

// ---------------------------------------------------------------------------------------------
// Lines

/// A candidate side: `u = c + m·(v − L/2)` on its axis.
#[derive(Debug, Clone)]
struct Line {
    axis: Axis,
    c: f64,
    m: f64,
    kind: u8,
    bin: i32,
    /// The frame's own border standing in for a side not seen.
    border: bool,
    /// `cover[v]`: how many of the rows (or columns) before `v` an edge supports.
    cover: Vec<u32>,
}

impl Line {
    /// The share of `[v0, v1]` an edge covers (the frame's border: all of it).
    #[inline(never)]
    fn covered(&self, v0: f64, v1: f64) -> f64 {
        if self.border {
            return 1.0;
        }
        let len = self.cover.len() - 1;
        let a = ((v0.max(0.0) + 0.5) as usize).min(len);
        let b = ((v1.max(0.0) + 0.5) as usize + 1).min(len);
        if b <= a + 4 {
            return 0.0;
        }
        f64::from(self.cover[b] - self.cover[a]) / (b - a) as f64
    }
}

fn axis_kinds(a: Axis) -> [u8; 2] {
    match a {
        Axis::V => [V_PLUS, V_MINUS],
        Axis::H => [H_PLUS, H_MINUS],
    }
}

/// The strongest lines of one axis, both polarities: `[plus, minus]`.
fn candidates(e: &Edges, a: Axis) -> [Vec<Line>; 2] {
    let (extent, len) = e.dims(a);
    let half = len as f32 / 2.0;
    let off = (half * (M_BINS as f32 * M_STEP)).ceil() as i32 + 3;
    let cols = extent as i32 + 2 * off;
    let rows = 2 * M_BINS + 1;
    let kinds = axis_kinds(a);
    let mut acc = [vec![0u16; (rows * cols) as usize], vec![0u16; (rows * cols) as usize]];
    let first = kinds[0];
    for &i in &e.list {
        let i = i as usize;
        let p = usize::from(e.kind[i].wrapping_sub(first));
        if p > 1 {
            continue;
        }
        let (x, y) = (i % e.w, i / e.w);
        let (u, v) = if a == Axis::V { (x, y) } else { (y, x) };
        let dv = v as f32 - half;
        let s = i32::from(e.slope[i]);
        let acc = &mut acc[p];
        for bin in (s - VOTE_SPREAD).max(-M_BINS)..=(s + VOTE_SPREAD).min(M_BINS) {
            let ci = nearest(u as f32 - bin as f32 * M_STEP * dv) + off;
            if (0..cols).contains(&ci) {
                let cell = &mut acc[((bin + M_BINS) * cols + ci) as usize];
                *cell = cell.saturating_add(1);
            }
        }
    }
    // A side of a document a fifth of the frame's shorter edge long still shows.
    let min_votes = (e.w.min(e.h) as u32 / 8).max(12);
    let mut out: [Vec<Line>; 2] = [Vec::new(), Vec::new()];
    for (p, acc) in acc.iter().enumerate() {
        // A line falls between two intercept bins: its strength is the pair.
        let mut peaks: Vec<(u32, i32, i32)> = Vec::new();
        let cols = cols as usize;
        for r in 0..rows as usize {
            let row = &acc[r * cols..(r + 1) * cols];
            for c in 1..cols - 1 {
                // (Most cells are nearly empty: one load and a compare.)
                let m = u32::from(row[c]);
                if m * 2 < min_votes {
                    continue;
                }
                let s = m + u32::from(row[c - 1].max(row[c + 1]));
                if s >= min_votes {
                    peaks.push((s, r as i32, c as i32));
                }
            }
        }
        // The strongest first, each away from those kept (a selection: no sort in the wasm).
        let mut kept: Vec<(i32, i32)> = Vec::new();
        while kept.len() < CANDIDATES {
            let near =
                |&(_, r, c): &(u32, i32, i32)| kept.iter().any(|&(kr, kc)| (kr - r).abs() <= 4 && (kc - c).abs() <= 8);
            let Some(&(_, r, c)) = peaks.iter().filter(|p| !near(p)).max_by_key(|p| p.0) else { break };
            kept.push((r, c));
            let bin = r - M_BINS;
            let mut line = Line {
                axis: a,
                c: f64::from(c - off),
                m: f64::from(bin as f32 * M_STEP),
                kind: kinds[p],
                bin,
                border: false,
                cover: Vec::new(),
            };
            profile(e, &mut line);
            out[p].push(line);
        }
    }
    out
}

/// Fills `line.cover`: along the line, which rows (columns) have a supporting edge pixel.
fn profile(e: &Edges, line: &mut Line) {
    let (extent, len) = e.dims(line.axis);
    let half = len as f64 / 2.0;
    let mut cover = Vec::with_capacity(len + 1);
    cover.push(0u32);
    let mut n = 0u32;
    for v in 0..len {
        let u = nearest((line.c + line.m * (v as f64 - half)) as f32);
        let mut hit = false;
        for uu in (u - NEAR).max(0)..=(u + NEAR).min(extent as i32 - 1) {
            let i = e.at(line.axis, uu as usize, v);
            if e.kind[i] == line.kind && (i32::from(e.slope[i]) - line.bin).abs() <= SLOPE_AGREE {
                hit = true;
                break;
            }
        }
        n += u32::from(hit);
        cover.push(n);
    }
    line.cover = cover;
}

/// The frame's border as a stand-in side: `far` the right (bottom) border, else the left (top).
fn border(e: &Edges, a: Axis, far: bool) -> Line {
    let (extent, _) = e.dims(a);
    Line {
        axis: a,
        c: if far { extent as f64 - 1.0 } else { 0.0 },
        m: 0.0,
        kind: 0,
        bin: 0,
        border: true,
        cover: Vec::new(),
    }
}

/// Where a near-vertical and a near-horizontal line cross.
#[inline(never)]
fn cross((vc, vm): (f64, f64), (hc, hm): (f64, f64), w: usize, h: usize) -> Point {
    let (hw, hh) = (w as f64 / 2.0, h as f64 / 2.0);
    let x = (vc + vm * (hc - hm * hw - hh)) / (1.0 - vm * hm);
    Point { x, y: hc + hm * (x - hw) }
}

/// Refits a side to its edge pixels (least squares over their crests: a side crossing pixel
/// rows at a slant averages to a fraction of a pixel) between `v0` and `v1`; unchanged when too
/// few support it.
fn refine(e: &Edges, line: &Line, v0: f64, v1: f64) -> (f64, f64) {
    let (extent, len) = e.dims(line.axis);
    let half = len as f64 / 2.0;
    // Away from the corners, where the other sides' edges are.
    let trim = (v1 - v0) * 0.06;
    let (a, b) = (((v0 + trim).max(0.0)) as usize, ((v1 - trim).max(0.0) as usize).min(len));
    let (mut n, mut sv, mut su, mut svv, mut svu) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for v in a..b {
        let u0 = nearest((line.c + line.m * (v as f64 - half)) as f32);
        for uu in u0 - NEAR..=u0 + NEAR {
            if uu < 1 || uu >= extent as i32 - 1 {
                continue;
            }
            let i = e.at(line.axis, uu as usize, v);
            if e.kind[i] != line.kind || (i32::from(e.slope[i]) - line.bin).abs() > SLOPE_AGREE {
                continue;
            }
            let (x, y) = (v as f64 - half, f64::from(uu));
            n += 1.0;
            sv += x;
            su += y;
            svv += x * x;
            svu += x * y;
        }
    }
    let det = n * svv - sv * sv;
    if line.border || n < 8.0 || det.abs() < 1e-9 {
        return (line.c, line.m);
    }
    let m = (n * svu - sv * su) / det;
    ((su - m * sv) / n, m)
}

/// The best document quadrilateral from candidate sides (`[left, right, top, bottom]` lists).
fn best_quad(sides: [&[Line]; 4], w: usize, h: usize, aspect: f64) -> Option<(f64, [&Line; 4])> {
    let [lefts, rights, tops, bottoms] = sides;
    let (fw, fh) = (w as f64, h as f64);
    let inside = |p: Point| p.x > -2.0 && p.y > -2.0 && p.x < fw + 1.0 && p.y < fh + 1.0;
    let mut best: Option<(f64, [&Line; 4])> = None;
    for l in lefts {
        for r in rights {
            if r.c - l.c < 0.15 * fw {
                continue;
            }
            for t in tops {
                for b in bottoms {
                    if b.c - t.c < 0.12 * fh {
                        continue;
                    }
                    let borders = [l, r, t, b].iter().filter(|s| s.border).count();
                    if borders > 2 {
                        continue;
                    }
                    let (l2, r2, t2, b2) = ((l.c, l.m), (r.c, r.m), (t.c, t.m), (b.c, b.m));
                    let q = [cross(l2, t2, w, h), cross(r2, t2, w, h), cross(r2, b2, w, h), cross(l2, b2, w, h)];
                    if !q.iter().all(|&p| inside(p))
                        || q[0].x >= q[1].x
                        || q[3].x >= q[2].x
                        || q[0].y >= q[3].y
                        || q[1].y >= q[2].y
                    {
                        continue;
                    }
                    let cover = [
                        l.covered(q[0].y, q[3].y),
                        r.covered(q[1].y, q[2].y),
                        t.covered(q[0].x, q[1].x),
                        b.covered(q[3].x, q[2].x),
                    ];
                    let least = cover.iter().copied().fold(1.0, f64::min);
                    if least < if borders > 0 { 0.75 } else { MIN_COVER } {
                        continue;
                    }
                    let quad = Quad(q);
                    if borders == 0 {
                        let ratio = quad.aspect() / aspect;
                        if !(0.72..=1.38).contains(&ratio) {
                            continue;
                        }
                    } else {
                        // Only a large part of a document running out of the frame counts.
                        let (x0, x1) = quad.span_x();
                        if x1 - x0 < 0.3 * fw || q[3].y.max(q[2].y) - q[0].y.min(q[1].y) < 0.3 * fh {
                            continue;
                        }
                    }
                    let area =
                        0.5 * ((q[2].x - q[0].x) * (q[3].y - q[1].y) - (q[3].x - q[1].x) * (q[2].y - q[0].y)).abs();
                    // A whole document before one running out of the frame on one side, before
                    // one out on two (a larger quadrilateral with the frame's bottom for a side
                    // would otherwise win over the document's own bottom).
                    let score = area * cover.iter().sum::<f64>() / 4.0 * [1.0, 1e-4, 1e-8][borders];
                    if best.as_ref().is_none_or(|(s, _)| score > *s) {
                        best = Some((score, [l, r, t, b]));
                    }
                }
            }
        }
    }
    best
}

/// Finds the document in a grayscale analysis copy (`gray.len() == w * h`) whose width over
/// height is about `aspect` (a card's 1.586, a passport page's 1.42). `None`: no document.
pub fn locate(gray: &[u8], w: usize, h: usize, aspect: f64) -> Option<Sighting> {
    if w < 16 || h < 16 || gray.len() < w * h {
        return None;
    }
    let e = edges(&gray[..w * h], w, h);
    let [mut v_plus, mut v_minus] = candidates(&e, Axis::V);
    let [mut h_plus, mut h_minus] = candidates(&e, Axis::H);
    // The frame's borders stand in for sides a document running out of the picture lacks
    // (each can only be the side it borders: the others would leave no room).
    for (list, a) in [(&mut v_plus, Axis::V), (&mut v_minus, Axis::V), (&mut h_plus, Axis::H), (&mut h_minus, Axis::H)]
    {
        list.push(border(&e, a, false));
        list.push(border(&e, a, true));
    }
    // The document brighter than around it (left edge brighter to its right, top brighter
    // below…), or darker.
    let hypotheses = [[&v_plus, &v_minus, &h_plus, &h_minus], [&v_minus, &v_plus, &h_minus, &h_plus]];
    let (_, sides) = hypotheses
        .iter()
        .filter_map(|&[l, r, t, b]| best_quad([l, r, t, b], w, h, aspect))
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    let cut = Cut { left: sides[0].border, right: sides[1].border, top: sides[2].border, bottom: sides[3].border };
    let [l, r, t, b] = sides;
    let (l2, r2, t2, b2) = ((l.c, l.m), (r.c, r.m), (t.c, t.m), (b.c, b.m));
    let q = [cross(l2, t2, w, h), cross(r2, t2, w, h), cross(r2, b2, w, h), cross(l2, b2, w, h)];
    let (l, r) = (refine(&e, l, q[0].y, q[3].y), refine(&e, r, q[1].y, q[2].y));
    let (t, b) = (refine(&e, t, q[0].x, q[1].x), refine(&e, b, q[3].x, q[2].x));
    let quad = Quad([cross(l, t, w, h), cross(r, t, w, h), cross(r, b, w, h), cross(l, b, w, h)]);
    Some(Sighting { quad, cut })
}

// ---------------------------------------------------------------------------------------------
// Straightening

/// The projective map from the unit square onto a quadrilateral: (0, 0), (1, 0), (1, 1), (0, 1)
/// go to its corners in order (Heckbert's square-to-quad).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography([f64; 8]);

impl Homography {
    pub fn square_to(q: &Quad) -> Self {
        let [p0, p1, p2, p3] = q.0;
        let sx = p0.x - p1.x + p2.x - p3.x;
        let sy = p0.y - p1.y + p2.y - p3.y;
        let (dx1, dx2, dy1, dy2) = (p1.x - p2.x, p3.x - p2.x, p1.y - p2.y, p3.y - p2.y);
        let den = dx1 * dy2 - dx2 * dy1;
        let (g, h) = if sx.abs() < 1e-12 && sy.abs() < 1e-12 || den.abs() < 1e-12 {
            (0.0, 0.0)
        } else {
            ((sx * dy2 - dx2 * sy) / den, (dx1 * sy - sx * dy1) / den)
        };
        Self([
            p1.x - p0.x + g * p1.x,
            p3.x - p0.x + h * p3.x,
            p0.x,
            p1.y - p0.y + g * p1.y,
            p3.y - p0.y + h * p3.y,
            p0.y,
            g,
            h,
        ])
    }

    /// Where `(u, v)` of the unit square lands.
    pub fn map(&self, u: f64, v: f64) -> Point {
        let [a, b, c, d, e, f, g, h] = self.0;
        let z = g * u + h * v + 1.0;
        Point { x: (a * u + b * v + c) / z, y: (d * u + e * v + f) / z }
    }

    /// Where a point of the quadrilateral came from in the unit square (the inverse map).
    pub fn unmap(&self, p: Point) -> (f64, f64) {
        let [a, b, c, d, e, f, g, h] = self.0;
        // The adjugate of [[a, b, c], [d, e, f], [g, h, 1]].
        let m = [
            e - f * h,
            c * h - b,
            b * f - c * e,
            f * g - d,
            a - c * g,
            c * d - a * f,
            d * h - e * g,
            b * g - a * h,
            a * e - b * d,
        ];
        let z = m[6] * p.x + m[7] * p.y + m[8];
        ((m[0] * p.x + m[1] * p.y + m[2]) / z, (m[3] * p.x + m[4] * p.y + m[5]) / z)
    }
}

/// The size of the straightened document: as wide as the wider of its top and bottom sides in
/// the frame (no detail lost), `aspect` fixing the height; at most `max` pixels wide, and its
/// short edge at least `min_short` (what an upload must have: a card at 60 % of a 1280 × 720
/// webcam's frame is 443 px high).
pub fn straightened_size(q: &Quad, aspect: f64, min_short: u32, max: u32) -> (u32, u32) {
    let [a, b, c, d] = q.0;
    let wide = a.dist(b).max(d.dist(c)).max(a.dist(d).max(b.dist(c)) * aspect);
    let w = wide.round().max((f64::from(min_short) * aspect.max(1.0)).ceil()).min(f64::from(max));
    (w as u32, (w / aspect).round().max(1.0) as u32)
}

/// One triangle of the straightening mesh: draw the frame through `transform` (a canvas
/// `setTransform(a, b, c, d, e, f)`: frame pixel → output pixel) clipped to `clip` (the triangle
/// in output pixels, grown a little so neighbours overlap and leave no seam).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Piece {
    pub clip: [Point; 3],
    pub transform: [f64; 6],
}

/// The affine map taking the three points `from` onto `to` (`None`: degenerate triangle).
pub fn affine(from: [Point; 3], to: [Point; 3]) -> Option<[f64; 6]> {
    let [s0, s1, s2] = from;
    let [d0, d1, d2] = to;
    let (a11, a12, a21, a22) = (s1.x - s0.x, s2.x - s0.x, s1.y - s0.y, s2.y - s0.y);
    let det = a11 * a22 - a12 * a21;
    if det.abs() < 1e-9 {
        return None;
    }
    let (i11, i12, i21, i22) = (a22 / det, -a12 / det, -a21 / det, a11 / det);
    let (b11, b12, b21, b22) = (d1.x - d0.x, d2.x - d0.x, d1.y - d0.y, d2.y - d0.y);
    // M = B · A⁻¹ (rows: output x, output y).
    let (m11, m12) = (b11 * i11 + b12 * i21, b11 * i12 + b12 * i22);
    let (m21, m22) = (b21 * i11 + b22 * i21, b21 * i12 + b22 * i22);
    let e = d0.x - m11 * s0.x - m12 * s0.y;
    let f = d0.y - m21 * s0.x - m22 * s0.y;
    Some([m11, m21, m12, m22, e, f])
}

/// The mesh that straightens the document `q` (frame pixels) onto an `out_w` × `out_h` picture:
/// an `n` × `n` grid, each cell two triangles mapped exactly at their corners (the perspective
/// is followed to within a fraction of a pixel for a mildly turned document at `n` = 8).
pub fn warp_mesh(q: &Quad, out_w: u32, out_h: u32, n: u32) -> Vec<Piece> {
    let hmg = Homography::square_to(q);
    let n = n.max(1) as usize;
    let (ow, oh) = (f64::from(out_w), f64::from(out_h));
    // The grid's points: where each is in the frame, and in the output.
    let mut grid = Vec::with_capacity((n + 1) * (n + 1));
    for j in 0..=n {
        for i in 0..=n {
            let (u, v) = (i as f64 / n as f64, j as f64 / n as f64);
            grid.push((hmg.map(u, v), Point { x: u * ow, y: v * oh }));
        }
    }
    let mut out = Vec::with_capacity(2 * n * n);
    for k in 0..2 * n * n {
        let (i, j) = (k / 2 % n, k / 2 / n);
        let at = |di: usize, dj: usize| grid[(j + dj) * (n + 1) + i + di];
        let corners = if k % 2 == 0 { [at(0, 0), at(1, 0), at(1, 1)] } else { [at(0, 0), at(1, 1), at(0, 1)] };
        let (from, to) = (corners.map(|c| c.0), corners.map(|c| c.1));
        if let Some(transform) = affine(from, to) {
            // Grown by a pixel from its centre, so neighbours overlap and leave no seam.
            let (cx, cy) = ((to[0].x + to[1].x + to[2].x) / 3.0, (to[0].y + to[1].y + to[2].y) / 3.0);
            let clip = to.map(|p| {
                let d = p.dist(Point { x: cx, y: cy }).max(1e-9);
                Point { x: p.x + (p.x - cx) / d, y: p.y + (p.y - cy) / d }
            });
            out.push(Piece { clip, transform });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quad(pts: [(f64, f64); 4]) -> Quad {
        Quad(pts.map(|(x, y)| Point { x, y }))
    }

    #[test]
    fn the_square_maps_onto_the_quad_corners() {
        let q = quad([(10.0, 20.0), (200.0, 35.0), (190.0, 150.0), (5.0, 130.0)]);
        let h = Homography::square_to(&q);
        for (i, (u, v)) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)].into_iter().enumerate() {
            let p = h.map(u, v);
            assert!(p.dist(q.0[i]) < 1e-9, "{p:?} vs {:?}", q.0[i]);
        }
        let (u, v) = h.unmap(h.map(0.3, 0.8));
        assert!((u - 0.3).abs() < 1e-9 && (v - 0.8).abs() < 1e-9, "{u} {v}");
    }

    #[test]
    fn an_affine_map_takes_the_triangle_where_asked() {
        let from = [Point { x: 3.0, y: 4.0 }, Point { x: 50.0, y: 9.0 }, Point { x: 7.0, y: 60.0 }];
        let to = [Point { x: 0.0, y: 0.0 }, Point { x: 40.0, y: 0.0 }, Point { x: 0.0, y: 30.0 }];
        let [a, b, c, d, e, f] = affine(from, to).expect("not degenerate");
        for (s, t) in from.iter().zip(&to) {
            let p = Point { x: a * s.x + c * s.y + e, y: b * s.x + d * s.y + f };
            assert!(p.dist(*t) < 1e-9);
        }
        assert!(affine([from[0], from[0], from[1]], to).is_none());
    }

    #[test]
    fn framing_says_closer_back_and_straighten() {
        let w = 480;
        let card = |x0: f64, x1: f64| quad([(x0, 50.0), (x1, 50.0), (x1, 200.0), (x0, 200.0)]);
        let seen = |q: Quad| Some(Sighting { quad: q, cut: Cut::default() });
        assert_eq!(framing(seen(card(100.0, 400.0)).as_ref(), w), None);
        assert_eq!(framing(seen(card(200.0, 330.0)).as_ref(), w), Some(Hint::MoveCloser));
        assert_eq!(framing(seen(card(2.0, 478.0)).as_ref(), w), Some(Hint::MoveBack));
        let turned = quad([(100.0, 40.0), (380.0, 140.0), (330.0, 280.0), (50.0, 180.0)]);
        assert_eq!(framing(seen(turned).as_ref(), w), Some(Hint::Straighten));
        assert_eq!(framing(None, w), Some(Hint::NoDocument));
        let cut =
            |left, right, top| Some(Sighting { quad: card(0.0, 300.0), cut: Cut { left, right, top, bottom: false } });
        assert_eq!(framing(cut(true, false, false).as_ref(), w), Some(Hint::MoveLeft));
        assert_eq!(framing(cut(false, true, false).as_ref(), w), Some(Hint::MoveRight));
        assert_eq!(framing(cut(true, true, false).as_ref(), w), Some(Hint::MoveBack));
        assert_eq!(framing(cut(false, false, true).as_ref(), w), Some(Hint::MoveBack));
    }

    #[test]
    fn glare_counts_only_inside_the_document() {
        let (w, h) = (100, 80);
        let mut g = vec![100u8; w * h];
        for y in 0..10 {
            for x in 0..100 {
                g[y * w + x] = 255;
            }
        }
        let q = quad([(20.0, 20.0), (80.0, 20.0), (80.0, 60.0), (20.0, 60.0)]);
        assert_eq!(glare(&g, w, h, Some(&q)), 0.0);
        g[40 * w + 50] = 255;
        assert!(glare(&g, w, h, Some(&q)) > 0.0);
    }
}
