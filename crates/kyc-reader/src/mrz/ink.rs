//! Ink and its blobs: adaptive binarisation (Sauvola, from integral images, so the window costs
//! the same at any size: a shadow or a lamp across the page moves the threshold with it) and the
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
pub fn binarise(pixels: &[u8], width: usize, height: usize, radius: usize) -> Vec<bool> {
    const K: f64 = 0.2;
    const MIN_DEVIATION: f64 = 6.0;
    let stride = width + 1;
    let mut sum = vec![0u32; stride * (height + 1)];
    let mut squares = vec![0u64; stride * (height + 1)];
    for y in 0..height {
        let (mut row, mut row2) = (0u32, 0u64);
        for x in 0..width {
            let p = pixels[y * width + x];
            row += u32::from(p);
            row2 += u64::from(p) * u64::from(p);
            sum[(y + 1) * stride + x + 1] = sum[y * stride + x + 1] + row;
            squares[(y + 1) * stride + x + 1] = squares[y * stride + x + 1] + row2;
        }
    }
    let mut ink = vec![false; width * height];
    for y in 0..height {
        let (ya, yb) = (y.saturating_sub(radius), (y + radius + 1).min(height));
        for x in 0..width {
            let (xa, xb) = (x.saturating_sub(radius), (x + radius + 1).min(width));
            let n = ((yb - ya) * (xb - xa)) as f64;
            let s = f64::from(
                sum[yb * stride + xb] + sum[ya * stride + xa] - sum[ya * stride + xb] - sum[yb * stride + xa],
            );
            let s2 = (squares[yb * stride + xb] + squares[ya * stride + xa])
                .wrapping_sub(squares[ya * stride + xb])
                .wrapping_sub(squares[yb * stride + xa]) as f64;
            let mean = s / n;
            let deviation = (s2 / n - mean * mean).max(0.0).sqrt();
            if deviation < MIN_DEVIATION {
                continue;
            }
            let threshold = mean * (1.0 + K * (deviation / 128.0 - 1.0));
            ink[y * width + x] = f64::from(pixels[y * width + x]) < threshold;
        }
    }
    ink
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
