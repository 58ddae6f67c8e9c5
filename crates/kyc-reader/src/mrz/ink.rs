//! Ink and its blobs: adaptive binarisation (Sauvola, from running window sums, so the window
//! costs the same at any size: a shadow or a lamp across the page moves the threshold with it) and the
//! connected components of the ink (8-connected, one pass with union-find).

/// A connected component of ink: its bounding box (inclusive) and pixel count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blob {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
    pub count: u32,
}

impl Blob {
    pub fn width(&self) -> u32 {
        self.x1 - self.x0 + 1
    }

    pub fn height(&self) -> u32 {
        self.y1 - self.y0 + 1
    }

    pub fn centre(&self) -> (f32, f32) {
        ((self.x0 + self.x1) as f32 / 2.0 + 0.5, (self.y0 + self.y1) as f32 / 2.0 + 0.5)
    }
}

/// Sauvola's threshold `m · (1 + k · (s / 128 − 1))` over a `(2r+1)²` window: dark print on a
/// light page is ink (true). Flat areas (deviation under `MIN_DEVIATION`) hold no ink, so paper
/// grain and sensor noise stay background.
///
/// The window's sums come from running sums (each column's over the window's rows, moved down a
/// row at a time; then their running totals along the row, of which a window's sum is a
/// difference), so the window costs the same at any size and the memory is read in order.
pub fn binarise(pixels: &[u8], width: usize, height: usize, radius: usize) -> Vec<bool> {
    let mut ink = vec![false; width * height];
    if width == 0 || height == 0 || pixels.len() < width * height {
        return ink;
    }
    // Per column, the sum and the sum of squares over the window's rows [ya, yb).
    let mut col = vec![0u64; width];
    let mut col2 = vec![0u64; width];
    // Along the row, their running totals (`[0] = 0`): a window's sum is a difference of two.
    let mut run = vec![0u64; width + 1];
    let mut run2 = vec![0u64; width + 1];
    let row = |y: usize| &pixels[y * width..(y + 1) * width];
    let (mut ya, mut yb) = (0, 0);
    for y in 0..height {
        let (want_a, want_b) = (y.saturating_sub(radius), (y + radius + 1).min(height));
        while yb < want_b {
            for ((c, c2), &p) in col.iter_mut().zip(col2.iter_mut()).zip(row(yb)) {
                *c += u64::from(p);
                *c2 += u64::from(p) * u64::from(p);
            }
            yb += 1;
        }
        while ya < want_a {
            for ((c, c2), &p) in col.iter_mut().zip(col2.iter_mut()).zip(row(ya)) {
                *c -= u64::from(p);
                *c2 -= u64::from(p) * u64::from(p);
            }
            ya += 1;
        }
        for x in 0..width {
            run[x + 1] = run[x] + col[x];
            run2[x + 1] = run2[x] + col2[x];
        }
        let rows = (yb - ya) as u64;
        // 1 / the window's pixel count: the same all along the row but near its ends.
        let (mut span, mut inv_n) = (0usize, 0f64);
        let out = &mut ink[y * width..(y + 1) * width];
        for (x, (o, &p)) in out.iter_mut().zip(row(y)).enumerate() {
            let (xa, xb) = (x.saturating_sub(radius), (x + radius + 1).min(width));
            if xb - xa != span {
                span = xb - xa;
                inv_n = 1.0 / (rows * span as u64) as f64;
            }
            *o = is_ink(p, run[xb] - run[xa], run2[xb] - run2[xa], inv_n);
        }
    }
    ink
}

/// Sauvola's decision for a pixel `p` whose window of `1 / inv_n` pixels sums to `s` (squares: `s2`),
/// without a square root: ink when `p < m·(1 − k) + m·k·dev/128`, i.e. when `a = p − m·(1 − k)`
/// is negative or `a² < (m·k/128)²·dev²`; never where the window is flat.
#[inline]
fn is_ink(p: u8, s: u64, s2: u64, inv_n: f64) -> bool {
    const K: f64 = 0.2;
    const MIN_DEVIATION: f64 = 6.0;
    // Through i64: a u64 → f64 conversion is several instructions on x86, an i64's one (the
    // sums are far below 2⁶³).
    let mean = s as i64 as f64 * inv_n;
    let variance = s2 as i64 as f64 * inv_n - mean * mean;
    if variance < MIN_DEVIATION * MIN_DEVIATION {
        return false;
    }
    let a = f64::from(p) - mean * (1.0 - K);
    let b = mean * K / 128.0;
    a < 0.0 || a * a < b * b * variance
}

/// The ink's 8-connected components: a label per pixel (0: no ink, else blob index + 1) and
/// the blobs.
pub fn components(ink: &[bool], width: usize, height: usize) -> (Vec<u32>, Vec<Blob>) {
    let mut labels = vec![0u32; width * height];
    // Union-find over provisional labels (index 0 unused).
    let mut parent: Vec<u32> = vec![0];
    fn root(parent: &mut [u32], mut a: u32) -> u32 {
        while parent[a as usize] != a {
            let up = parent[parent[a as usize] as usize];
            parent[a as usize] = up;
            a = up;
        }
        a
    }
    for y in 0..height {
        for x in 0..width {
            if !ink[y * width + x] {
                continue;
            }
            let mut found = 0u32;
            let mut neighbours = [0u32; 4];
            if x > 0 {
                neighbours[0] = labels[y * width + x - 1];
            }
            if y > 0 {
                let up = (y - 1) * width;
                if x > 0 {
                    neighbours[1] = labels[up + x - 1];
                }
                neighbours[2] = labels[up + x];
                if x + 1 < width {
                    neighbours[3] = labels[up + x + 1];
                }
            }
            for n in neighbours {
                if n == 0 {
                    continue;
                }
                if found == 0 {
                    found = root(&mut parent, n);
                } else {
                    let (a, b) = (root(&mut parent, found), root(&mut parent, n));
                    if a != b {
                        let (lo, hi) = (a.min(b), a.max(b));
                        parent[hi as usize] = lo;
                        found = lo;
                    }
                }
            }
            if found == 0 {
                found = parent.len() as u32;
                parent.push(found);
            }
            labels[y * width + x] = found;
        }
    }
    // Final labels: dense, in order of first appearance.
    let mut dense = vec![0u32; parent.len()];
    let mut blobs: Vec<Blob> = Vec::new();
    for y in 0..height {
        for x in 0..width {
            let l = labels[y * width + x];
            if l == 0 {
                continue;
            }
            let r = root(&mut parent, l) as usize;
            if dense[r] == 0 {
                blobs.push(Blob { x0: x as u32, y0: y as u32, x1: x as u32, y1: y as u32, count: 0 });
                dense[r] = blobs.len() as u32;
            }
            let d = dense[r];
            let b = &mut blobs[d as usize - 1];
            b.x0 = b.x0.min(x as u32);
            b.x1 = b.x1.max(x as u32);
            b.y1 = y as u32;
            b.count += 1;
            labels[y * width + x] = d;
        }
    }
    (labels, blobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sauvola as written in its paper, window by window, with the square root.
    fn sauvola_by_hand(pixels: &[u8], w: usize, h: usize, r: usize) -> Vec<bool> {
        let mut out = vec![false; w * h];
        for y in 0..h {
            for x in 0..w {
                let (mut s, mut s2, mut n) = (0f64, 0f64, 0f64);
                for yy in y.saturating_sub(r)..(y + r + 1).min(h) {
                    for xx in x.saturating_sub(r)..(x + r + 1).min(w) {
                        let p = f64::from(pixels[yy * w + xx]);
                        (s, s2, n) = (s + p, s2 + p * p, n + 1.0);
                    }
                }
                let mean = s / n;
                let dev = (s2 / n - mean * mean).max(0.0).sqrt();
                out[y * w + x] = dev >= 6.0 && f64::from(pixels[y * w + x]) < mean * (1.0 + 0.2 * (dev / 128.0 - 1.0));
            }
        }
        out
    }

    #[test]
    fn the_running_sums_decide_as_sauvola_by_hand() {
        let (w, h) = (61, 37);
        let mut state = 12_345u32;
        let pixels: Vec<u8> = (0..w * h)
            .map(|i| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                // Print-like: dark strokes on a light, shaded page, with noise.
                let (x, y) = (i % w, i / w);
                let base = if (x / 4 + y / 6) % 3 == 0 { 60 } else { 200 - (x as u32 * 2) as i32 };
                (base + (state >> 28) as i32 - 8).clamp(0, 255) as u8
            })
            .collect();
        for r in [1, 3, 8, 40] {
            let fast = binarise(&pixels, w, h, r);
            let slow = sauvola_by_hand(&pixels, w, h, r);
            let differ = fast.iter().zip(&slow).filter(|(a, b)| a != b).count();
            assert_eq!(differ, 0, "radius {r}: {differ} pixels decided otherwise");
            assert!(fast.iter().any(|&i| i) && fast.iter().any(|&i| !i), "radius {r}: both ink and page");
        }
    }

    #[test]
    fn two_squares_and_a_diagonal_are_three_blobs() {
        let (w, h) = (12, 8);
        let mut ink = vec![false; w * h];
        for (x, y) in [(1, 1), (2, 1), (1, 2), (2, 2), (6, 1), (7, 2), (8, 3), (5, 6), (6, 6), (7, 6), (9, 6), (8, 5)] {
            ink[y * w + x] = true;
        }
        let (labels, blobs) = components(&ink, w, h);
        assert_eq!(blobs.len(), 3, "{blobs:?}");
        assert_eq!(blobs[0], Blob { x0: 1, y0: 1, x1: 2, y1: 2, count: 4 });
        assert_eq!(blobs[1], Blob { x0: 6, y0: 1, x1: 8, y1: 3, count: 3 });
        // A U shape joined at the bottom: one blob.
        assert_eq!(blobs[2].count, 5);
        assert_eq!(labels[6 * w + 5], 3);
    }

    #[test]
    fn dark_print_is_ink_under_a_gradient_and_flat_paper_is_not() {
        let (w, h) = (80, 40);
        let pixels: Vec<u8> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let paper = 120 + x as u8;
                if (30..34).contains(&x) && (10..30).contains(&y) || (60..64).contains(&x) && (10..30).contains(&y) {
                    paper / 3
                } else {
                    paper
                }
            })
            .collect();
        let ink = binarise(&pixels, w, h, 8);
        assert!(ink[20 * w + 31] && ink[20 * w + 61]);
        assert!(!ink[20 * w + 45] && !ink[5 * w + 5]);
    }
}
