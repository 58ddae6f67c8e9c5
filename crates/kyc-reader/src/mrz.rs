//! The machine-readable zone (MRZ) of a passport data page or an ID card's back, recognised in a
//! grayscale photo with no model file: the zone is one font (OCR-B), 37 symbols, a fixed pitch.
//!
//! 1. The photo is read at a working size (long side at most 1600 px, whole-pixel averaging).
//! 2. **Ink** ([`ink`]): Sauvola's adaptive threshold over an integral image, then the
//!    connected components.
//! 3. **Lines** ([`lines`]): glyph-sized blobs chained to their neighbours; a straight line
//!    fitted through each chain gives its turn (any within ±25°), its glyph height and pitch.
//! 4. **Zones**: 2 or 3 parallel lines of equal pitch, one under the other, whose length holds
//!    30 (3 lines, TD1), 36 or 44 (2 lines, TD2 or TD3) glyphs at that pitch.
//! 5. **Cells**: each line's glyph cells placed by a quadratic fitted to its blobs counted cell
//!    by cell (a page in perspective has a pitch that grows along the line); a line whose count
//!    does not end on its last cell takes its cells from a line whose count does.
//! 6. **Glyphs** ([`glyphs`]): each cell sampled straight and matched by normalised
//!    cross-correlation, over shifts of ±2 reference pixels, against the OCR-B references
//!    (rasterised at build time from `fonts/OCRB.otf`; three banks, sharp and blurred, each line
//!    read with the one it matches best), only among the symbols its place allows (digits in
//!    dates and check digits, letters in names and codes); a second pass moves the cells by the
//!    drift the first measured.
//! 7. **Confidence** ([`Reading`]): a glyph is taken when its score is good and it leads the
//!    runner-up clearly; otherwise it is [`UNREADABLE`] (`?`) and the parser in `kyc_domain`
//!    leaves the field it is in unfilled rather than guess. A glyph between the two symbols of
//!    an OCR-B look-alike pair (`0/O`, `1/I`, `2/Z`, `5/S`, `8/B`) is settled by the check
//!    digits only when exactly one combination of all such glyphs makes every check digit hold.
//!    A zone read is kept only when it parses; the candidate with the most check digits holding
//!    wins. A zone that parses but does not read whole has its lines with an unread glyph read
//!    once more with the cells 6 % smaller ([`CELL_SIZES`]): a second look, on failure only.

pub mod glyphs;
pub mod ink;
pub mod lines;

use std::fmt;

use glyphs::{Allowed, Cell, Gray, Match, References};
use kyc_domain::idread::mrz::{self as parser, Mrz, MrzFormat};
use kyc_domain::Date;
use lines::TextLine;

use crate::ReadError;

/// The blurs of the reference banks, in reference pixels: each line is read with the bank its
/// glyphs match best (a sharp photo, a soft one, a blurred one).
const BLURS: [f32; 3] = [0.0, 1.0, 1.7];

/// The symbol given for a glyph not recognised with confidence: the parser's own.
pub use kyc_domain::idread::mrz::UNREADABLE;

/// The sizes a zone's glyph cells are sampled at, as a share of the line's pitch: as measured,
/// then, only when that reading parses but is not whole, 6 % smaller for the lines left with an
/// unread glyph (the glyph read a little magnified). On blurred, noisy small print the two
/// samplings leave different glyphs unsure (mostly `0/O`, `5/S`, `8/B` just under
/// `MIN_PAIR_LEAD`, too many or too alike for the check digits to settle): of the hard tuning
/// seeds 0–299 the first reading misses 38 and the second alone 41, the two together 16. A
/// line is taken whole from one reading or the other, under the same thresholds, and the
/// look-alike pairs are settled over the zone as put together; no glyph is chosen between
/// readings.
const CELL_SIZES: [f32; 2] = [1.0, 0.94];

/// The working size: the longest side read, in pixels.
const WORKING_SIZE: u32 = 1600;

/// A glyph is taken when its correlation is at least this…
const MIN_SCORE: f32 = 0.6;
/// …and this far ahead of the best other symbol allowed at its place, or at least
/// `MIN_NEAR_LEAD` ahead when that is `MIN_SEPARATION` of how far apart their references are
/// (look-alikes such as `N`/`M`, `E`/`F` can only be so far apart).
const MIN_LEAD: f32 = 0.06;
const MIN_NEAR_LEAD: f32 = 0.02;
const MIN_SEPARATION: f32 = 0.2;
/// The same where no check digit covers the place (names, codes, the sex, the nationality).
const UNCHECKED_LEAD: f32 = 0.1;
const UNCHECKED_NEAR_LEAD: f32 = 0.03;
const UNCHECKED_SEPARATION: f32 = 0.3;
/// The lead that decides between the two symbols of a look-alike pair without the check digits.
const MIN_PAIR_LEAD: f32 = 0.1;

/// The zone's lines as recognised (a character under the thresholds is [`UNREADABLE`]), and
/// each glyph's reading. `Debug` shows the layout, never the text.
#[derive(Clone, PartialEq)]
pub struct MrzText {
    pub lines: Vec<String>,
    pub glyphs: Vec<Vec<Reading>>,
}

/// One glyph as matched: the best symbol allowed at its place, even when it was not taken.
#[derive(Clone, Copy, PartialEq)]
pub struct Reading {
    pub best: char,
    /// Its correlation with the reference glyph (−1 to 1): the confidence.
    pub score: f32,
    /// How far ahead of the best other allowed symbol.
    pub lead: f32,
    /// The best other allowed symbol.
    pub runner_up: char,
    /// The lead as a share of the lead a perfect match would have over the runner-up: look-alike
    /// symbols (`N`/`M`, `E`/`F`) can only be so far apart.
    pub separation: f32,
    /// A check digit covers its place (dates, numbers, optional data).
    pub checked: bool,
}

impl Reading {
    /// Sure enough to be taken: a good score, well ahead of the runner-up.
    pub fn sure(&self) -> bool {
        let clear = if self.between_pair() {
            // Left to the check digits unless far apart.
            self.lead >= MIN_PAIR_LEAD
        } else if !self.checked {
            // No check digit would catch a slip here: a clearer lead.
            self.lead >= UNCHECKED_LEAD || (self.lead >= UNCHECKED_NEAR_LEAD && self.separation >= UNCHECKED_SEPARATION)
        } else {
            self.lead >= MIN_LEAD || (self.lead >= MIN_NEAR_LEAD && self.separation >= MIN_SEPARATION)
        };
        self.score >= MIN_SCORE && clear
    }

    /// Between the two symbols of an OCR-B look-alike pair (`0/O`, `1/I`, `2/Z`, `5/S`, `8/B`),
    /// with a good score: the check digits may tell which ([`settle_pairs`]).
    pub fn between_pair(&self) -> bool {
        self.score >= MIN_SCORE
            && [('0', 'O'), ('1', 'I'), ('2', 'Z'), ('5', 'S'), ('8', 'B')]
                .iter()
                .any(|&(d, l)| (self.best, self.runner_up) == (d, l) || (self.best, self.runner_up) == (l, d))
    }

    /// The symbol given for it when nothing else decides: the best when sure, else
    /// [`UNREADABLE`].
    pub fn taken(&self) -> char {
        if self.sure() {
            self.best
        } else {
            UNREADABLE
        }
    }
}

/// The most glyphs between a look-alike pair settled by the check digits (2^n parses).
const MAX_PAIRS: usize = 6;

/// Glyphs not sure but between a look-alike pair: each combination of the two symbols is
/// parsed, and when exactly one makes every check digit hold as read, it is taken; otherwise
/// they stay [`UNREADABLE`]. (Two `O`s read for `0`s side by side under weights 7 and 3 leave
/// the number's check digit and the composite holding: only the uniqueness of the fit over all
/// combinations, not a single repair, is safe.)
fn settle_pairs(text: &mut MrzText) {
    let open: Vec<(usize, usize, [char; 2])> = text
        .glyphs
        .iter()
        .enumerate()
        .flat_map(|(l, line)| {
            line.iter()
                .enumerate()
                .filter(|(_, r)| !r.sure() && r.between_pair())
                .map(move |(i, r)| (l, i, [r.best, r.runner_up]))
        })
        .collect();
    if open.is_empty() || open.len() > MAX_PAIRS {
        return;
    }
    let today = Date::from_ymd(2000, 1, 1).unwrap_or_else(|| unreachable!());
    let mut fitting: Vec<Vec<String>> = Vec::new();
    for combination in 0u32..1 << open.len() {
        let mut lines: Vec<Vec<char>> = text.lines.iter().map(|l| l.chars().collect()).collect();
        for (k, &(l, i, options)) in open.iter().enumerate() {
            lines[l][i] = options[(combination >> k) as usize & 1];
        }
        let lines: Vec<String> = lines.into_iter().map(|l| l.into_iter().collect()).collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let holds = parser::parse(&refs, today)
            .is_ok_and(|m| m.checks.iter().all(|c| c.outcome == parser::CheckOutcome::Valid));
        if holds {
            fitting.push(lines);
        }
    }
    if let [one] = &fitting[..] {
        text.lines.clone_from(one);
    }
}

impl MrzText {
    /// How many characters are [`UNREADABLE`].
    pub fn unreadable(&self) -> usize {
        self.lines.iter().map(|l| l.chars().filter(|&c| c == UNREADABLE).count()).sum()
    }
}

impl fmt::Debug for MrzText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MrzText")
            .field("lines", &self.lines.iter().map(String::len).collect::<Vec<_>>())
            .field("unreadable", &self.unreadable())
            .finish_non_exhaustive()
    }
}

/// Reads the machine-readable zone in a grayscale image (one byte per pixel, rows top to
/// bottom) and parses it (`today` decides the birth date's century). Fields whose check digit
/// fails, or that hold an unreadable glyph, are left out of the document by the parser.
pub fn read_luma(pixels: &[u8], width: u32, height: u32, today: Date) -> Result<Mrz, ReadError> {
    let text = recognise(pixels, width, height)?;
    let lines: Vec<&str> = text.lines.iter().map(String::as_str).collect();
    parser::parse(&lines, today).map_err(|_| ReadError::NoMrz)
}

/// [`read_luma`] for RGBA pixels (4 bytes per pixel, as a canvas gives them).
pub fn read_rgba(rgba: &[u8], width: u32, height: u32, today: Date) -> Result<Mrz, ReadError> {
    crate::check_size(rgba.len(), width, height, 4)?;
    read_luma(&crate::luma_from_rgba(rgba), width, height, today)
}

/// The machine-readable zone's lines in a grayscale image, or [`ReadError::NoMrz`].
pub fn recognise(pixels: &[u8], width: u32, height: u32) -> Result<MrzText, ReadError> {
    crate::check_size(pixels.len(), width, height, 1)?;
    let factor = width.max(height).div_ceil(WORKING_SIZE).max(1);
    let scaled;
    let (px, w, h) = if factor == 1 {
        (pixels, width as usize, height as usize)
    } else {
        let (p, w, h) = crate::downscale(pixels, width, height, factor);
        scaled = p;
        (&scaled[..], w as usize, h as usize)
    };
    if w < 32 || h < 16 {
        return Err(ReadError::NoMrz);
    }
    let radius = (w.min(h) / 40).max(8);
    let ink = ink::binarise(px, w, h, radius);
    let (labels, blobs) = ink::components(&ink, w, h);
    let found = lines::find(&blobs, &labels, w, 12);
    let img = Gray { pixels: px, width: w, height: h };
    let banks = banks();
    let mut best: Option<(MrzText, Rank)> = None;
    for (format, group) in zones(&found) {
        let mut text = read_zone(&img, banks, format, &group, CELL_SIZES[0], None);
        settle_pairs(&mut text);
        let mut rank = rank(&text);
        // A zone that parses but is not whole: its lines with an unread glyph read again with the
        // cells smaller, the others kept as read; the better of the two readings stands.
        for &size in &CELL_SIZES[1..] {
            if !rank.parses || rank.whole {
                break;
            }
            let mut again = read_zone(&img, banks, format, &group, size, Some(&text));
            settle_pairs(&mut again);
            let again_rank = self::rank(&again);
            if again_rank > rank {
                (text, rank) = (again, again_rank);
            }
        }
        let whole = rank.whole;
        if best.as_ref().is_none_or(|(_, r)| rank > *r) {
            best = Some((text, rank));
        }
        // A zone read whole, every check digit holding: no other candidate can do better.
        if whole {
            break;
        }
    }
    best.filter(|(_, r)| r.parses).map(|(t, _)| t).ok_or(ReadError::NoMrz)
}

/// The reference banks, made once (a few milliseconds of blurring, then shared by every read).
fn banks() -> &'static [References] {
    static BANKS: std::sync::OnceLock<Vec<References>> = std::sync::OnceLock::new();
    BANKS.get_or_init(|| BLURS.iter().map(|&sigma| References::new(sigma)).collect())
}

/// How good a zone read is: it parses, how many check digits hold, it is whole, the mean score
/// (compared in that order: a whole reading beats one as many check digits hold in but with an
/// unread name glyph, whatever their scores — a zone's second reading, its cells smaller, scores
/// a little lower).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
struct Rank {
    parses: bool,
    checks: usize,
    /// It parses, every glyph was read and every check digit holds.
    whole: bool,
    score: f32,
}

fn rank(text: &MrzText) -> Rank {
    let lines: Vec<&str> = text.lines.iter().map(String::as_str).collect();
    let today = Date::from_ymd(2000, 1, 1).unwrap_or_else(|| unreachable!());
    let parsed = parser::parse(&lines, today).ok();
    let all: Vec<f32> = text.glyphs.iter().flatten().map(|g| g.score).collect();
    Rank {
        parses: parsed.is_some(),
        checks: parsed
            .as_ref()
            .map_or(0, |m| m.checks.iter().filter(|c| c.outcome != parser::CheckOutcome::Failed).count()),
        whole: parsed.is_some_and(|m| m.checks_hold()) && text.unreadable() == 0,
        score: all.iter().sum::<f32>() / all.len().max(1) as f32,
    }
}

/// The most zone candidates read in one image.
const MAX_ZONES: usize = 8;

/// Groups of 2 or 3 lines that may be a zone, with the format they would have.
fn zones(found: &[TextLine]) -> Vec<(MrzFormat, Vec<TextLine>)> {
    // Each line's successor below it in the same zone.
    let below = |a: &TextLine, b: &TextLine| -> bool {
        let parallel = (a.dir.0 * b.dir.1 - a.dir.1 * b.dir.0).abs() < 0.06;
        let similar = (a.height / b.height - 1.0).abs() < 0.3 && (a.pitch / b.pitch - 1.0).abs() < 0.25;
        let gap = a.offset(b.start);
        let aligned = a.along(b.start).abs() < 2.5 * a.pitch;
        parallel && similar && aligned && gap > 1.1 * a.height && gap < 3.2 * a.height
    };
    let mut out = Vec::new();
    for (i, a) in found.iter().enumerate() {
        for (j, b) in found.iter().enumerate() {
            if i == j || !below(a, b) {
                continue;
            }
            let third = found.iter().enumerate().find(|&(k, c)| k != i && k != j && below(b, c));
            if let Some((_, c)) = third {
                if fits(&[a, b, c], 30) {
                    out.push((MrzFormat::Td1, vec![a.clone(), b.clone(), c.clone()]));
                }
            }
            for (format, n) in [(MrzFormat::Td3, 44), (MrzFormat::Td2, 36)] {
                if fits(&[a, b], n) {
                    out.push((format, vec![a.clone(), b.clone()]));
                }
            }
        }
    }
    out.truncate(MAX_ZONES);
    out
}

/// Do the lines hold about `n` glyphs at their pitch?
fn fits(lines: &[&TextLine], n: usize) -> bool {
    lines.iter().all(|l| {
        let count = l.span() / l.pitch + 1.0;
        (count - n as f32).abs() <= (n as f32 * 0.1).max(2.0)
    })
}

/// The symbols each place of a line allows, by format.
fn allowed(format: MrzFormat, line: usize, i: usize) -> Allowed {
    use Allowed::{Any, Digits, Letters};
    match (format, line) {
        (MrzFormat::Td1, 0) => match i {
            0..5 => Letters,
            14 => Digits,
            _ => Any,
        },
        (MrzFormat::Td1, 1) => match i {
            0..7 | 8..15 | 29 => Digits,
            7 | 15..18 => Letters,
            _ => Any,
        },
        (MrzFormat::Td1, _) | (_, 0) => Letters,
        (_, _) => match i {
            9 | 13..20 | 21..28 => Digits,
            10..13 | 20 => Letters,
            // TD3: the personal number's check digit and the composite; TD2: the composite.
            42 | 43 if format == MrzFormat::Td3 => Digits,
            35 if format == MrzFormat::Td2 => Digits,
            _ => Any,
        },
    }
}

/// Reads each line of a zone: its cells at the line's pitch (`size` of it wide and tall),
/// matched; then again with the cells moved by the drift the first pass measured. A line that
/// `earlier` (a reading of the same zone) holds without an unread glyph is not read again: its
/// glyphs are taken as they were (their symbols given again from their readings, for the pairs
/// to be settled afresh with the lines read now).
fn read_zone(
    img: &Gray,
    banks: &[References],
    format: MrzFormat,
    group: &[TextLine],
    size: f32,
    earlier: Option<&MrzText>,
) -> MrzText {
    let n = format.width();
    let mut lines = Vec::new();
    let mut readings = Vec::new();
    let fitted: Vec<(Places, bool)> = group.iter().map(|l| Places::fit(l, n)).collect();
    // A line whose count is off takes its cells from a line whose count is right: each cell's
    // centre there, projected onto it (the zone's lines start and end together).
    let good = fitted.iter().position(|f| f.1);
    for (li, line) in group.iter().enumerate() {
        let read_whole = earlier
            .filter(|e| e.lines.get(li).is_some_and(|l| !l.contains(UNREADABLE)))
            .and_then(|e| e.glyphs.get(li))
            .filter(|g| g.len() == n);
        if let Some(glyphs) = read_whole {
            lines.push(glyphs.iter().map(Reading::taken).collect());
            readings.push(glyphs.clone());
            continue;
        }
        let place = match (fitted[li], good) {
            ((p, true), _) => p,
            ((_, false), Some(g)) => fitted[g].0.projected(&group[g], line, n),
            ((_, false), None) => {
                lines.push(std::iter::repeat_n(UNREADABLE, n).collect());
                readings.push(Vec::new());
                continue;
            }
        };
        let normal = line.normal();
        let cell = |i: usize, dx: f32, dy: f32| {
            let (t, pitch) = place.at(i as f32 + dx * size / glyphs::GLYPH_W as f32);
            let scale = pitch / glyphs::GLYPH_W as f32;
            let v = dy * scale * size;
            Cell {
                centre: (line.start.0 + t * line.dir.0 + v * normal.0, line.start.1 + t * line.dir.1 + v * normal.1),
                dir: line.dir,
                normal,
                scale_x: scale * size,
                scale_y: scale * size,
            }
        };
        // The bank that matches every third glyph best (each cell sampled once for all banks;
        // the winner's matches are the first pass's for those glyphs).
        let probes: Vec<(Vec<f32>, Allowed)> =
            (0..n).step_by(3).map(|i| (glyphs::sample(img, &cell(i, 0.0, 0.0)), allowed(format, li, i))).collect();
        let probed: Vec<(f32, Vec<Match>)> = banks
            .iter()
            .map(|refs| {
                let m: Vec<Match> = probes.iter().map(|(p, a)| glyphs::classify(refs, p, *a)).collect();
                (m.iter().map(|m| m.score).sum(), m)
            })
            .collect();
        let Some((chosen, (_, probe_matches))) = probed.iter().enumerate().max_by(|a, b| (a.1).0.total_cmp(&(b.1).0))
        else {
            // No bank at all (never: there are three): the line unread.
            lines.push(std::iter::repeat_n(UNREADABLE, n).collect());
            readings.push(Vec::new());
            continue;
        };
        let refs = &banks[chosen];
        let pass = |drift: &dyn Fn(usize) -> (f32, f32)| -> Vec<Match> {
            (0..n)
                .map(|i| {
                    let (dx, dy) = drift(i);
                    glyphs::classify(refs, &glyphs::sample(img, &cell(i, dx, dy)), allowed(format, li, i))
                })
                .collect()
        };
        let first: Vec<Match> = (0..n)
            .map(|i| match probe_matches.get(i / 3) {
                Some(m) if i % 3 == 0 => *m,
                _ => glyphs::classify(refs, &glyphs::sample(img, &cell(i, 0.0, 0.0)), allowed(format, li, i)),
            })
            .collect();
        let (fx, fy) = drift(&first);
        // Cells that drift by under a third of a reference pixel anywhere on the line: the first
        // pass stands.
        let at_end = |f: (f32, f32)| f.0.abs().max((f.0 + f.1 * (n - 1) as f32).abs());
        if at_end(fx) < 0.3 && at_end(fy) < 0.3 {
            let line: Vec<Reading> =
                first.iter().enumerate().map(|(i, m)| reading(refs, m, allowed(format, li, i))).collect();
            lines.push(line.iter().map(Reading::taken).collect());
            readings.push(line);
            continue;
        }
        let second = pass(&|i| (fx.0 + fx.1 * i as f32, fy.0 + fy.1 * i as f32));
        // Per glyph, the better of the two passes.
        let matches: Vec<Match> =
            first.iter().zip(second).map(|(a, b)| if b.score >= a.score { b } else { *a }).collect();
        let line: Vec<Reading> =
            matches.iter().enumerate().map(|(i, m)| reading(refs, m, allowed(format, li, i))).collect();
        lines.push(line.iter().map(Reading::taken).collect());
        readings.push(line);
    }
    MrzText { lines, glyphs: readings }
}

fn reading(refs: &References, m: &Match, allowed: Allowed) -> Reading {
    Reading {
        checked: allowed != Allowed::Letters,
        best: char::from(m.symbol),
        score: m.score,
        lead: m.score - m.runner_up,
        runner_up: char::from(m.second),
        separation: (m.score - m.runner_up) / refs.distance(m.symbol, m.second).max(0.01),
    }
}

/// The shifts of the surely matched glyphs along the line, as straight lines `a + b·i` (along,
/// across), in reference pixels.
fn drift(matches: &[Match]) -> ((f32, f32), (f32, f32)) {
    let sure: Vec<(f32, f32, f32)> = matches
        .iter()
        .enumerate()
        .filter(|(_, m)| m.score > 0.75)
        .map(|(i, m)| (i as f32, m.shift.0, m.shift.1))
        .collect();
    let fit = |pick: fn(&(f32, f32, f32)) -> f32| -> (f32, f32) {
        let n = sure.len() as f32;
        if n < 4.0 {
            return (0.0, 0.0);
        }
        let (sx, sy) = (sure.iter().map(|p| p.0).sum::<f32>(), sure.iter().map(pick).sum::<f32>());
        let sxx = sure.iter().map(|p| p.0 * p.0).sum::<f32>();
        let sxy = sure.iter().map(|p| p.0 * pick(p)).sum::<f32>();
        let d = n * sxx - sx * sx;
        if d.abs() < 1e-6 {
            return (sy / n, 0.0);
        }
        let b = (n * sxy - sx * sy) / d;
        ((sy - b * sx) / n, b)
    };
    (fit(|p| p.1), fit(|p| p.2))
}

/// Where the glyph cells are along a line: `t(i) = a + b·i + c·i²` from the line's start, fitted
/// to the blobs' centres (each blob taken as the glyph of the nearest cell; merged or broken
/// glyphs, off every cell, left out). The square term follows a line seen in perspective,
/// whose pitch grows from one end to the other.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Places {
    a: f32,
    b: f32,
    c: f32,
}

impl Places {
    /// The places, and whether the blobs counted cell by cell end on the last cell (a line
    /// whose count is off lost a glyph at one end, or took in something beyond it: reading it at
    /// its own count would shift every glyph after the slip, each read with confidence).
    fn fit(line: &TextLine, n: usize) -> (Self, bool) {
        let last = (n - 1) as f32;
        let linear = Places { a: 0.0, b: line.span() / last, c: 0.0 };
        // Cells counted from blob to blob at the local pitch (which follows the single steps):
        // a gap of two cells is a glyph lost, half a cell off is a merged or broken one.
        let mut pitch = line.pitch;
        let mut u = 0f32;
        let mut rows: Vec<[f64; 4]> = vec![[1.0, 0.0, 0.0, 0.0]];
        for w in line.centres.windows(2) {
            let step = (w[1] - w[0]) / pitch;
            u += step;
            let i = u.round();
            if (u - i).abs() < 0.25 {
                u = i;
                if i <= last {
                    rows.push([1.0, f64::from(i), f64::from(i * i), f64::from(w[1])]);
                }
            }
            if (0.8..1.2).contains(&step) {
                pitch = 0.8 * pitch + 0.2 * (w[1] - w[0]);
            }
        }
        let counted = u.round() == last;
        match solve3(&rows) {
            Some([a, b, c]) if b > 0.0 && b + 2.0 * c * last > 0.0 => (Places { a, b, c }, counted),
            _ => (linear, false),
        }
    }

    /// These places of line `from` moved onto line `to`: each cell's centre projected.
    fn projected(&self, from: &TextLine, to: &TextLine, n: usize) -> Self {
        let rows: Vec<[f64; 4]> = (0..n)
            .map(|i| {
                let (t, _) = self.at(i as f32);
                let p = (from.start.0 + t * from.dir.0, from.start.1 + t * from.dir.1);
                [1.0, i as f64, (i * i) as f64, f64::from(to.along(p))]
            })
            .collect();
        match solve3(&rows) {
            Some([a, b, c]) => Places { a, b, c },
            None => *self,
        }
    }

    /// The position along the line and the local pitch at cell `i` (fractional allowed).
    fn at(&self, i: f32) -> (f32, f32) {
        (self.a + self.b * i + self.c * i * i, self.b + 2.0 * self.c * i)
    }
}

/// Gauss–Jordan elimination with partial pivoting of `N` equations in `W - 1` unknowns (the last
/// column the right-hand side) in place: the solution is left in the last column. `None` when a
/// pivot is below `tiny` (singular). Also the test data's homography (testdata/mrz.rs).
pub(crate) fn gauss_jordan<const N: usize, const W: usize>(m: &mut [[f64; W]; N], tiny: f64) -> Option<()> {
    for col in 0..N {
        let pivot = (col..N).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        m.swap(col, pivot);
        let p = m[col][col];
        if p.abs() < tiny {
            return None;
        }
        for v in &mut m[col][col..] {
            *v /= p;
        }
        let pivot_row = m[col];
        for (r, row) in m.iter_mut().enumerate() {
            if r != col {
                let f = row[col];
                for (v, q) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *v -= f * q;
                }
            }
        }
    }
    Some(())
}

/// Least squares for `x·[a b c] = y` over rows `[1, i, i², y]`: `None` when too few or singular.
fn solve3(rows: &[[f64; 4]]) -> Option<[f32; 3]> {
    if rows.len() < 6 {
        return None;
    }
    let mut m = [[0f64; 4]; 3];
    for r in rows {
        for j in 0..3 {
            for k in 0..3 {
                m[j][k] += r[j] * r[k];
            }
            m[j][3] += r[j] * r[3];
        }
    }
    gauss_jordan(&mut m, 1e-9)?;
    Some([m[0][3] as f32, m[1][3] as f32, m[2][3] as f32])
}
