//! A blur hint: the variance of the Laplacian of a small grayscale copy. Sharp photos have
//! strong edges (high variance); out-of-focus ones do not.

/// Below this variance a photo is called blurry (measured on a ≤ 360 px grayscale copy).
pub const BLUR_THRESHOLD: f64 = 60.0;

/// Luma of RGBA pixels (ITU-R BT.601 weights, integer arithmetic).
pub fn grayscale(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|p| ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8)
        .collect()
}

/// Variance of the 4-neighbour Laplacian over the interior pixels.
pub fn laplacian_variance(gray: &[u8], width: usize, height: usize) -> f64 {
    if width < 3 || height < 3 || gray.len() < width * height {
        return 0.0;
    }
    let (mut sum, mut sum_sq, mut n) = (0f64, 0f64, 0f64);
    for y in 1..height - 1 {
        for x in 1..width - 1 {
            let at = |x: usize, y: usize| f64::from(gray[y * width + x]);
            let l = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y);
            sum += l;
            sum_sq += l * l;
            n += 1.0;
        }
    }
    let mean = sum / n;
    sum_sq / n - mean * mean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkerboard_is_sharp_and_a_flat_image_is_blurry() {
        let (w, h) = (64, 64);
        let checker: Vec<u8> = (0..w * h).map(|i| if ((i % w) / 4 + (i / w) / 4) % 2 == 0 { 0 } else { 255 }).collect();
        let flat = vec![128u8; w * h];
        let gradient: Vec<u8> = (0..w * h).map(|i| ((i % w) * 2) as u8).collect();
        assert!(laplacian_variance(&checker, w, h) > BLUR_THRESHOLD);
        assert!(laplacian_variance(&flat, w, h) < BLUR_THRESHOLD);
        assert!(laplacian_variance(&gradient, w, h) < BLUR_THRESHOLD);
    }

    #[test]
    fn grayscale_uses_luma_weights() {
        assert_eq!(grayscale(&[255, 255, 255, 255, 0, 0, 0, 255, 255, 0, 0, 255]), vec![255, 0, 76]);
    }
}
