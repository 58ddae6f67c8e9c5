//! Lines of print from blobs of ink: each glyph-sized blob is linked to its nearest neighbour on
//! the right of about its height (mutual choices only), the links make chains, collinear chains
//! are joined across small gaps, and each chain gets a straight line fitted through its centres.
//! Turned print (±15° and more) chains the same: a neighbour is looked for along any direction
//! within ±25°, and the fitted line gives the turn.

use super::ink::Blob;

/// A line of print: where its first and last glyphs are, its direction, its glyph height and the
/// distance between glyphs.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    /// The first glyph's centre, on the fitted line.
    pub start: (f32, f32),
    /// The last glyph's centre, on the fitted line.
    pub end: (f32, f32),
    /// Unit vector along the line (left to right).
    pub dir: (f32, f32),
    /// The glyphs' height across the line (median), in pixels.
    pub height: f32,
    /// The median distance between neighbouring glyph centres.
    pub pitch: f32,
    /// How many blobs made it.
    pub blobs: usize,
    /// Each blob's centre along the line from `start` (ascending; the first is 0).
    pub centres: Vec<f32>,
}

impl TextLine {
    /// From start to end (first to last glyph centre).
    pub fn span(&self) -> f32 {
        ((self.end.0 - self.start.0).powi(2) + (self.end.1 - self.start.1).powi(2)).sqrt()
    }

    /// The normal (downwards, across the line).
    pub fn normal(&self) -> (f32, f32) {
        (-self.dir.1, self.dir.0)
    }

    /// Distance of a point from the line along its normal (positive below).
    pub fn offset(&self, p: (f32, f32)) -> f32 {
        let n = self.normal();
        (p.0 - self.start.0) * n.0 + (p.1 - self.start.1) * n.1
    }

    /// Position of a point along the line from its start.
    pub fn along(&self, p: (f32, f32)) -> f32 {
        (p.0 - self.start.0) * self.dir.0 + (p.1 - self.start.1) * self.dir.1
    }
}

/// Blobs that may be a glyph of print `min_height` to `max_height` pixels tall.
fn glyph_like(b: &Blob, min_height: u32, max_height: u32) -> bool {
    let (w, h) = (b.width(), b.height());
    h >= min_height && h <= max_height && w <= h * 2 + 2 && b.count * 12 >= w * h
}

/// The most chains joined into lines (the longest).
const MAX_CHAINS: usize = 200;

/// The most lines kept (the longest chains).
const MAX_LINES: usize = 40;

/// The lines of print among `blobs` (labels per pixel in `labels`, `width` wide), longest first.
pub fn find(blobs: &[Blob], labels: &[u32], width: usize, min_glyphs: usize) -> Vec<TextLine> {
    let height = labels.len() / width.max(1);
    let max_h = (height as u32 / 4).max(8);
    // Left to right: sorted as `(x0 + x1) << 32 | index` (one integer sort: each sort of
    // another type would be another copy of the sort in the wasm).
    let mut keyed: Vec<u64> = (0..blobs.len())
        .filter(|&i| glyph_like(&blobs[i], 6, max_h))
        .map(|i| (u64::from(blobs[i].x0 + blobs[i].x1) << 32) | i as u64)
        .collect();
    keyed.sort_unstable();
    let cand: Vec<usize> = keyed.iter().map(|k| (k & 0xffff_ffff) as usize).collect();
    // The right neighbour of each candidate (index into cand) and its cost.
    let mut right: Vec<Option<(usize, f32)>> = vec![None; cand.len()];
    let mut left: Vec<Option<(usize, f32)>> = vec![None; cand.len()];
    for i in 0..cand.len() {
        let a = &blobs[cand[i]];
        let (ax, ay) = a.centre();
        let ha = a.height() as f32;
        for (j, &bj) in cand.iter().enumerate().skip(i + 1) {
            let b = &blobs[bj];
            let (bx, by) = b.centre();
            let dx = bx - ax;
            if dx > 3.6 * ha {
                break;
            }
            let hb = b.height() as f32;
            let h = ha.max(hb);
            if dx > 2.2 * h {
                continue;
            }
            let dy = (by - ay).abs();
            if dx < 0.3 * ha.min(hb) || hb > 1.6 * ha || ha > 1.6 * hb || dy > 0.47 * dx + 0.15 * h {
                continue;
            }
            let cost = dx + 2.0 * dy;
            if right[i].is_none_or(|(_, c)| cost < c) {
                right[i] = Some((j, cost));
            }
            if left[j].is_none_or(|(_, c)| cost < c) {
                left[j] = Some((i, cost));
            }
        }
    }
    // Chains of mutual links.
    let mut chains: Vec<Vec<usize>> = Vec::new();
    for i in 0..cand.len() {
        let is_head = left[i].is_none_or(|(l, _)| right[l].map(|r| r.0) != Some(i));
        if !is_head {
            continue;
        }
        let mut chain = vec![cand[i]];
        let mut at = i;
        while let Some((r, _)) = right[at] {
            if left[r].map(|l| l.0) != Some(at) {
                break;
            }
            chain.push(cand[r]);
            at = r;
        }
        if chain.len() >= 4 {
            chains.push(chain);
        }
    }
    // A page dense with print has thousands of short chains; joining is quadratic in them, and a
    // zone's line is long: the longest `MAX_CHAINS` are enough.
    if chains.len() > MAX_CHAINS {
        let mut order: Vec<u64> =
            chains.iter().enumerate().map(|(i, c)| (u64::from(u32::MAX - c.len() as u32) << 32) | i as u64).collect();
        order.sort_unstable();
        let mut kept: Vec<Vec<usize>> =
            order.iter().take(MAX_CHAINS).map(|k| chains[(k & 0xffff_ffff) as usize].clone()).collect();
        std::mem::swap(&mut chains, &mut kept);
    }
    let mut lines: Vec<(TextLine, Vec<usize>)> =
        chains.into_iter().filter_map(|c| fit(blobs, labels, width, &c).map(|l| (l, c))).collect();
    join_collinear(&mut lines, blobs, labels, width);
    let mut out: Vec<TextLine> = lines.into_iter().map(|(l, _)| l).filter(|l| l.blobs >= min_glyphs).collect();
    // The longest first, by the same integer sort.
    let mut order: Vec<u64> =
        out.iter().enumerate().map(|(i, l)| (u64::from(u32::MAX - l.blobs as u32) << 32) | i as u64).collect();
    order.sort_unstable();
    let mut sorted: Vec<TextLine> =
        order.iter().take(MAX_LINES).map(|k| out[(k & 0xffff_ffff) as usize].clone()).collect();
    std::mem::swap(&mut out, &mut sorted);
    out
}

/// Chains on one line with a gap of a few glyphs between them (a glyph lost to glare or
/// broken up) become one.
fn join_collinear(lines: &mut Vec<(TextLine, Vec<usize>)>, blobs: &[Blob], labels: &[u32], width: usize) {
    loop {
        let mut joined = false;
        'outer: for a in 0..lines.len() {
            for b in 0..lines.len() {
                if a == b {
                    continue;
                }
                let (la, lb) = (&lines[a].0, &lines[b].0);
                let gap = la.along(lb.start) - la.span();
                let similar = (la.height / lb.height - 1.0).abs() < 0.3 && (la.pitch / lb.pitch - 1.0).abs() < 0.3;
                if similar
                    && gap > 0.3 * la.pitch
                    && gap < 4.5 * la.pitch
                    && la.offset(lb.start).abs() < 0.35 * la.height
                    && la.offset(lb.end).abs() < 0.6 * la.height
                {
                    let mut members = lines[a].1.clone();
                    members.extend_from_slice(&lines[b].1);
                    if let Some(l) = fit(blobs, labels, width, &members) {
                        let (hi, lo) = (a.max(b), a.min(b));
                        lines.swap_remove(hi);
                        lines[lo] = (l, members);
                        joined = true;
                        break 'outer;
                    }
                }
            }
        }
        if !joined {
            return;
        }
    }
}

/// A straight line through the blobs' centres (least squares, the outliers dropped once).
fn fit(blobs: &[Blob], labels: &[u32], width: usize, members: &[usize]) -> Option<TextLine> {
    let centres: Vec<(f32, f32)> = members.iter().map(|&i| blobs[i].centre()).collect();
    let heights: Vec<f32> = members.iter().map(|&i| blobs[i].height() as f32).collect();
    let h = median(&heights)?;
    let (mut a, mut b) = least_squares(&centres)?;
    let kept: Vec<(f32, f32)> = centres.iter().copied().filter(|&(x, y)| (a + b * x - y).abs() < 0.45 * h).collect();
    if kept.len() * 4 < centres.len() * 3 {
        return None;
    }
    (a, b) = least_squares(&kept)?;
    let norm = (1.0 + b * b).sqrt();
    let dir = (1.0 / norm, b / norm);
    // Positions along the line; the first and last centres projected onto it.
    let base = (0.0, a);
    let mut along: Vec<f32> = kept.iter().map(|&(x, y)| (x - base.0) * dir.0 + (y - base.1) * dir.1).collect();
    along.sort_unstable_by(f32::total_cmp);
    let (t0, t1) = (*along.first()?, *along.last()?);
    let gaps: Vec<f32> = along.windows(2).map(|w| w[1] - w[0]).collect();
    let pitch = median(&gaps)?;
    // The height across the line, measured on the blobs' pixels.
    let normal = (-dir.1, dir.0);
    let across: Vec<f32> = members
        .iter()
        .filter_map(|&i| {
            let bl = &blobs[i];
            let (mut lo, mut hi) = (f32::MAX, f32::MIN);
            for y in bl.y0..=bl.y1 {
                for x in bl.x0..=bl.x1 {
                    if labels[y as usize * width + x as usize] as usize == i + 1 {
                        let v = x as f32 * normal.0 + y as f32 * normal.1;
                        lo = lo.min(v);
                        hi = hi.max(v);
                    }
                }
            }
            (hi >= lo).then_some(hi - lo + 1.0)
        })
        .collect();
    let height = median(&across)?;
    if pitch <= 0.0 || b.abs() > 0.5 {
        return None;
    }
    let at = |t: f32| (base.0 + t * dir.0, base.1 + t * dir.1);
    let centres = along.iter().map(|t| t - t0).collect();
    Some(TextLine { start: at(t0), end: at(t1), dir, height, pitch, blobs: kept.len(), centres })
}

/// `y = a + b·x` through the points.
fn least_squares(points: &[(f32, f32)]) -> Option<(f32, f32)> {
    let n = points.len() as f64;
    if n < 2.0 {
        return None;
    }
    let (mut sx, mut sy, mut sxx, mut sxy) = (0f64, 0f64, 0f64, 0f64);
    for &(x, y) in points {
        let (x, y) = (f64::from(x), f64::from(y));
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    let d = n * sxx - sx * sx;
    if d.abs() < 1e-9 {
        return None;
    }
    let b = (n * sxy - sx * sy) / d;
    let a = (sy - b * sx) / n;
    Some((a as f32, b as f32))
}

pub fn median(values: &[f32]) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable_by(f32::total_cmp);
    Some(v[v.len() / 2])
}
