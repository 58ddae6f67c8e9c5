//! The 37 symbols of a machine-readable zone and how a glyph in the photo is matched against
//! them: the cell around it is sampled (straightened, scaled to the reference cell, averaged
//! over the pixels it covers), and each reference glyph allowed at that place is compared by
//! normalised cross-correlation, over small shifts (a glyph a pixel or two off its expected
//! place). The best score, and how far ahead of the runner-up it is, say how sure the match is.

include!(concat!(env!("OUT_DIR"), "/glyphs.rs"));

/// The symbols a place of the zone may hold (each also allows the filler `<`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    /// Dates and check digits.
    Digits,
    /// Names, codes, the sex.
    Letters,
    /// Document numbers and optional data.
    Any,
}

impl Allowed {
    fn allows(self, c: u8) -> bool {
        match self {
            Self::Digits => c.is_ascii_digit() || c == b'<',
            Self::Letters => c.is_ascii_uppercase() || c == b'<',
            Self::Any => true,
        }
    }
}

/// A grayscale image to sample from.
#[derive(Debug, Clone, Copy)]
pub struct Gray<'a> {
    pub pixels: &'a [u8],
    pub width: usize,
    pub height: usize,
}

impl Gray<'_> {
    /// Bilinear, the edge repeated beyond the image.
    fn at(&self, x: f32, y: f32) -> f32 {
        // max/min, not clamp: clamp's panic message would link float formatting into the wasm.
        let x = (x - 0.5).max(0.0).min((self.width - 1) as f32);
        let y = (y - 0.5).max(0.0).min((self.height - 1) as f32);
        let (x0, y0) = (x as usize, y as usize);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let p = |x: usize, y: usize| f32::from(self.pixels[y * self.width + x]);
        let top = p(x0, y0) + (p(x1, y0) - p(x0, y0)) * fx;
        let bottom = p(x0, y1) + (p(x1, y1) - p(x0, y1)) * fx;
        top + (bottom - top) * fy
    }
}

/// Where one glyph's cell is in the image: its centre, the directions along and across the line,
/// and the image pixels per reference pixel in each direction.
#[derive(Debug, Clone, Copy)]
pub struct Cell {
    pub centre: (f32, f32),
    pub dir: (f32, f32),
    pub normal: (f32, f32),
    pub scale_x: f32,
    pub scale_y: f32,
}

/// Reference pixels searched around the expected place, each way.
pub const MARGIN: usize = 2;
const PATCH_W: usize = GLYPH_W + 2 * MARGIN;
const PATCH_H: usize = GLYPH_H + 2 * MARGIN;
const AREA: usize = GLYPH_W * GLYPH_H;

/// The reference glyphs, each made zero-mean and unit-length (so a dot product with a patch
/// is its correlation).
#[derive(Debug)]
pub struct References {
    glyphs: Vec<(u8, Vec<f32>)>,
    /// The correlation of each pair of references (37 × 37).
    similar: Vec<f32>,
}

impl References {
    /// The references as drawn, blurred by `sigma` reference pixels (a photo's blur, seen at the
    /// reference cell's size: a blurred glyph matches a blurred reference better, and apart from
    /// its look-alikes by more).
    pub fn new(sigma: f32) -> Self {
        let glyphs = GLYPHS
            .iter()
            .map(|(c, g)| {
                let g = blurred(g, sigma);
                let mean = g.iter().sum::<f32>() / AREA as f32;
                let centred: Vec<f32> = g.iter().map(|&v| v - mean).collect();
                let norm = centred.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-6);
                (*c, centred.into_iter().map(|v| v / norm).collect())
            })
            .collect::<Vec<(u8, Vec<f32>)>>();
        let similar = glyphs
            .iter()
            .flat_map(|(_, a)| glyphs.iter().map(move |(_, b)| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>()))
            .collect();
        Self { glyphs, similar }
    }

    /// How far apart two symbols' references are: 1 − their correlation (the lead a perfect
    /// match of one has over the other).
    pub fn distance(&self, a: u8, b: u8) -> f32 {
        let at = |c: u8| self.glyphs.iter().position(|g| g.0 == c);
        match (at(a), at(b)) {
            (Some(i), Some(j)) => 1.0 - self.similar[i * self.glyphs.len() + j],
            _ => 1.0,
        }
    }
}

/// A reference glyph blurred (Gaussian, separable; no ink beyond the cell).
fn blurred(glyph: &[u8], sigma: f32) -> Vec<f32> {
    let g: Vec<f32> = glyph.iter().map(|&v| f32::from(v)).collect();
    if sigma <= 0.0 {
        return g;
    }
    let r = (sigma * 3.0).ceil() as i32;
    let kernel: Vec<f32> = (-r..=r).map(|d| (-(d * d) as f32 / (2.0 * sigma * sigma)).exp()).collect();
    let total: f32 = kernel.iter().sum();
    let pass = |src: &[f32], horizontal: bool| -> Vec<f32> {
        let mut out = vec![0f32; AREA];
        for y in 0..GLYPH_H as i32 {
            for x in 0..GLYPH_W as i32 {
                let mut acc = 0.0;
                for (k, w) in (-r..=r).zip(&kernel) {
                    let (sx, sy) = if horizontal { (x + k, y) } else { (x, y + k) };
                    if (0..GLYPH_W as i32).contains(&sx) && (0..GLYPH_H as i32).contains(&sy) {
                        acc += w * src[sy as usize * GLYPH_W + sx as usize];
                    }
                }
                out[y as usize * GLYPH_W + x as usize] = acc / total;
            }
        }
        out
    };
    pass(&pass(&g, true), false)
}

/// One glyph matched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    pub symbol: u8,
    /// Its correlation (−1 to 1).
    pub score: f32,
    /// The best correlation of any other allowed symbol…
    pub runner_up: f32,
    /// …and that symbol.
    pub second: u8,
    /// Where it matched best, in reference pixels from the expected place.
    pub shift: (f32, f32),
}

/// The cell's pixels as ink (255 − luma), `PATCH_W` × `PATCH_H` reference pixels: the reference
/// cell and `MARGIN` around it. Each reference pixel averages k × k bilinear samples, k the
/// image pixels it spans (at most 4).
pub fn sample(img: &Gray, cell: &Cell) -> Vec<f32> {
    // max/min, not clamp: a NaN scale gives 1, not 0 (and no panic path in the wasm).
    #[allow(clippy::manual_clamp)]
    let k = cell.scale_x.max(cell.scale_y).ceil().max(1.0).min(4.0) as usize;
    let mut out = Vec::with_capacity(PATCH_W * PATCH_H);
    for row in 0..PATCH_H {
        for col in 0..PATCH_W {
            let mut sum = 0.0;
            for sy in 0..k {
                for sx in 0..k {
                    let tx = col as f32 - MARGIN as f32 + (sx as f32 + 0.5) / k as f32 - GLYPH_W as f32 / 2.0;
                    let ty = row as f32 - MARGIN as f32 + (sy as f32 + 0.5) / k as f32 - GLYPH_H as f32 / 2.0;
                    let (u, v) = (tx * cell.scale_x, ty * cell.scale_y);
                    let x = cell.centre.0 + u * cell.dir.0 + v * cell.normal.0;
                    let y = cell.centre.1 + u * cell.dir.1 + v * cell.normal.1;
                    sum += img.at(x, y);
                }
            }
            out.push(255.0 - sum / (k * k) as f32);
        }
    }
    out
}

const ONES: [f32; AREA] = [1.0; AREA];

/// A dot product in eight running sums (independent additions the CPU overlaps, and the
/// compiler may put in vector lanes: a single running sum is a chain of dependent additions).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// The best allowed symbol for a sampled patch, over every shift within `MARGIN`.
pub fn classify(refs: &References, patch: &[f32], allowed: Allowed) -> Match {
    let mut best = Match { symbol: b'<', score: -1.0, runner_up: -1.0, second: b'<', shift: (0.0, 0.0) };
    // Per symbol, its best score over the shifts.
    let mut per_symbol = [-1f32; 37];
    let mut window = vec![0f32; AREA];
    for dy in 0..=2 * MARGIN {
        for dx in 0..=2 * MARGIN {
            for r in 0..GLYPH_H {
                let from = (r + dy) * PATCH_W + dx;
                window[r * GLYPH_W..(r + 1) * GLYPH_W].copy_from_slice(&patch[from..from + GLYPH_W]);
            }
            let sum: f32 = dot(&window, &ONES);
            let squares: f32 = dot(&window, &window);
            let norm = (squares - sum * sum / AREA as f32).max(0.0).sqrt();
            if norm < 1.0 {
                continue;
            }
            for (i, (c, g)) in refs.glyphs.iter().enumerate() {
                if !allowed.allows(*c) {
                    continue;
                }
                let score = dot(&window, g) / norm;
                if score > per_symbol[i] {
                    per_symbol[i] = score;
                }
                if score > best.score {
                    best = Match {
                        symbol: *c,
                        score,
                        runner_up: -1.0,
                        second: b'<',
                        shift: (dx as f32 - MARGIN as f32, dy as f32 - MARGIN as f32),
                    };
                }
            }
        }
    }
    for ((c, _), score) in refs.glyphs.iter().zip(per_symbol) {
        if *c != best.symbol && score > best.runner_up {
            (best.runner_up, best.second) = (score, *c);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_37_distinct_reference_glyphs_with_ink() {
        assert_eq!(GLYPHS.len(), 37);
        for (c, g) in &GLYPHS {
            assert!(g.iter().filter(|&&v| v > 8).count() > 12, "{}", char::from(*c));
        }
        for (i, a) in GLYPHS.iter().enumerate() {
            for b in &GLYPHS[i + 1..] {
                assert_ne!(a.1, b.1, "{} and {}", char::from(a.0), char::from(b.0));
            }
        }
    }

    #[test]
    fn each_reference_glyph_drawn_at_twice_the_size_and_turned_matches_itself() {
        let refs = References::new(0.0);
        let (w, h) = (GLYPH_W * 2 + 20, GLYPH_H * 2 + 20);
        for (c, g) in &GLYPHS {
            // Drawn at 2×, dark on light, turned by 5° about the centre.
            let (sin, cos) = 5f32.to_radians().sin_cos();
            let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
            let pixels: Vec<u8> = (0..w * h)
                .map(|i| {
                    let (x, y) = ((i % w) as f32 + 0.5 - cx, (i / w) as f32 + 0.5 - cy);
                    let (u, v) = (x * cos + y * sin, -x * sin + y * cos);
                    let (gx, gy) = (u / 2.0 + GLYPH_W as f32 / 2.0, v / 2.0 + GLYPH_H as f32 / 2.0);
                    if gx < 0.0 || gy < 0.0 || gx >= GLYPH_W as f32 || gy >= GLYPH_H as f32 {
                        return 230;
                    }
                    230 - (u32::from(g[gy as usize * GLYPH_W + gx as usize]) * 200 / 15) as u8
                })
                .collect();
            let img = Gray { pixels: &pixels, width: w, height: h };
            let cell = Cell { centre: (cx, cy), dir: (cos, sin), normal: (-sin, cos), scale_x: 2.0, scale_y: 2.0 };
            let m = classify(&refs, &sample(&img, &cell), Allowed::Any);
            assert_eq!(char::from(m.symbol), char::from(*c), "{m:?}");
            assert!(m.score > 0.85 && m.score - m.runner_up > 0.05, "{}: {m:?}", char::from(*c));
        }
    }
}
