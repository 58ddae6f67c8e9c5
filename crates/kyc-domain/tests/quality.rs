//! Calibration of the photo-quality rulebook on generated fixtures a person would call usable
//! or unusable (see the `quality` module docs for how each threshold was chosen). Runs natively
//! and on wasm32.

use kyc_domain::quality::{
    analysis_copy, analysis_size, crop, hints, measure, outline, refuse, Guide, Hint, Metrics, Rect, Shape,
    ANALYSIS_EDGE, ANNOUNCE_RUN, AUTO_CAPTURE_RUN,
};
use kyc_domain::ErrorCode;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

/// A grayscale image.
#[derive(Clone)]
struct Gray {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Gray {
    fn new(w: usize, h: usize, v: u8) -> Self {
        Self { w, h, px: vec![v; w * h] }
    }

    fn rect(&mut self, x0: usize, y0: usize, x1: usize, y1: usize, v: u8) {
        for y in y0.min(self.h)..y1.min(self.h) {
            for x in x0.min(self.w)..x1.min(self.w) {
                self.px[y * self.w + x] = v;
            }
        }
    }

    /// Separable box blur of radius `r`.
    fn blur(&self, r: usize) -> Self {
        let mut tmp = self.clone();
        for y in 0..self.h {
            for x in 0..self.w {
                let (a, b) = (x.saturating_sub(r), (x + r).min(self.w - 1));
                let s: u32 = (a..=b).map(|i| u32::from(self.px[y * self.w + i])).sum();
                tmp.px[y * self.w + x] = (s / (b - a + 1) as u32) as u8;
            }
        }
        let mut out = tmp.clone();
        for y in 0..self.h {
            for x in 0..self.w {
                let (a, b) = (y.saturating_sub(r), (y + r).min(self.h - 1));
                let s: u32 = (a..=b).map(|j| u32::from(tmp.px[j * self.w + x])).sum();
                out.px[y * self.w + x] = (s / (b - a + 1) as u32) as u8;
            }
        }
        out
    }

    fn scale(&self, f: f64) -> Self {
        Self { w: self.w, h: self.h, px: self.px.iter().map(|&v| (f64::from(v) * f).round() as u8).collect() }
    }

    /// Area-average downscale to the analysis size (what a canvas or a decoder thumbnail does).
    fn to_analysis(&self) -> Self {
        let (tw, th) = analysis_size(self.w as u32, self.h as u32);
        let (tw, th) = (tw as usize, th as usize);
        let mut out = Self::new(tw, th, 0);
        for ty in 0..th {
            for tx in 0..tw {
                let (x0, x1) = (tx * self.w / tw, ((tx + 1) * self.w / tw).max(tx * self.w / tw + 1));
                let (y0, y1) = (ty * self.h / th, ((ty + 1) * self.h / th).max(ty * self.h / th + 1));
                let mut s = 0u32;
                for y in y0..y1 {
                    for x in x0..x1 {
                        s += u32::from(self.px[y * self.w + x]);
                    }
                }
                out.px[ty * tw + tx] = (s / ((x1 - x0) * (y1 - y0)) as u32) as u8;
            }
        }
        out
    }

    fn metrics(&self) -> Metrics {
        let a = self.to_analysis();
        measure(&a.px, a.w, a.h)
    }
}

/// A synthetic ID-1 card filling the frame's document area: light background, a dark border
/// where the frame is, a photo box and lines of "text" (short dark bars). `k` scales it.
fn card(k: usize) -> Gray {
    let (w, h) = (480 * k, 300 * k);
    let mut g = Gray::new(w, h, 90);
    let (x0, y0, x1, y1) = (w / 10, h / 10, w - w / 10, h - h / 10);
    g.rect(x0, y0, x1, y1, 215);
    g.rect(x0 + 20 * k, y0 + 20 * k, x0 + 120 * k, y0 + 150 * k, 120);
    let mut seed = 7u32;
    for line in 0..8 {
        let y = y0 + (20 + line * 22) * k;
        let mut x = x0 + 140 * k;
        while x < x1 - 20 * k {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let len = (4 + (seed >> 16) % 9) as usize * k;
            g.rect(x, y, (x + len).min(x1 - 20 * k), y + 9 * k, 35);
            x += len + 3 * k;
        }
    }
    g
}

/// A synthetic face: smooth shading, eyes, brows, mouth (far fewer edges than a card).
fn face(k: usize) -> Gray {
    let (w, h) = (360 * k, 480 * k);
    let mut g = Gray::new(w, h, 150);
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    for y in 0..h {
        for x in 0..w {
            let dx = (x as f64 - cx) / (w as f64 * 0.32);
            let dy = (y as f64 - cy) / (h as f64 * 0.38);
            if dx * dx + dy * dy < 1.0 {
                g.px[y * w + x] = (190.0 - 40.0 * dx.abs()) as u8;
            }
        }
    }
    for (ex, ey) in [(0.38, 0.42), (0.62, 0.42)] {
        let (x, y) = ((ex * w as f64) as usize, (ey * h as f64) as usize);
        g.rect(x - 18 * k, y - 6 * k, x + 18 * k, y + 6 * k, 40);
        g.rect(x - 22 * k, y - 22 * k, x + 22 * k, y - 16 * k, 70);
    }
    g.rect(w / 2 - 40 * k, h * 66 / 100, w / 2 + 40 * k, h * 66 / 100 + 8 * k, 90);
    g.blur(k)
}

fn code(m: &Metrics) -> Option<ErrorCode> {
    refuse(m).err().map(|v| v.code)
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn usable_cards_and_faces_pass_the_hard_check_at_every_size() {
    for k in [1, 2, 4] {
        let c = card(k).metrics();
        assert_eq!(code(&c), None, "card ×{k}: {c:?}");
        assert!(hints(&c, true).is_empty(), "a good card needs no hint: {c:?}");
        let f = face(k).metrics();
        assert_eq!(code(&f), None, "face ×{k}: {f:?}");
        assert!(!hints(&f, false).contains(&Hint::TooDark), "{f:?}");
    }
    // A slightly soft card is still usable (a hint, not a refusal).
    let soft = card(2).blur(4).metrics();
    assert_eq!(code(&soft), None, "{soft:?}");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_number_means_the_same_at_every_size() {
    let small = card(1).metrics();
    let large = card(4).metrics();
    assert!((small.brightness - large.brightness).abs() < 3.0, "{small:?} vs {large:?}");
    assert!((small.glare - large.glare).abs() < 0.01, "{small:?} vs {large:?}");
    let ratio = large.sharpness / small.sharpness;
    assert!((0.5..2.0).contains(&ratio), "sharpness differs ×{ratio}: {small:?} vs {large:?}");
    let (w, h) = analysis_size(2048, 1536);
    assert_eq!((w, h), (ANALYSIS_EDGE, 360));
    assert_eq!(analysis_size(400, 300), (400, 300), "never enlarged");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn near_black_photos_are_refused_as_too_dark_and_dim_ones_get_a_hint() {
    for k in [1, 3] {
        let black = card(k).scale(0.08).metrics();
        assert_eq!(code(&black), Some(ErrorCode::ImageTooDark), "{black:?}");
        let dim = card(k).scale(0.35).metrics();
        assert_eq!(code(&dim), None, "dim but readable: {dim:?}");
        assert!(hints(&dim, true).contains(&Hint::TooDark), "{dim:?}");
    }
    let black_face = face(1).scale(0.05).metrics();
    assert_eq!(code(&black_face), Some(ErrorCode::ImageTooDark));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn badly_out_of_focus_photos_are_refused_and_mildly_soft_ones_get_a_hint() {
    for k in [1, 2] {
        // A 12-px box blur at the analysis size (×k at the photo's own size): no letter survives.
        let ruined = card(k).blur(12 * k).metrics();
        assert_eq!(code(&ruined), Some(ErrorCode::ImageTooBlurry), "×{k}: {ruined:?}");
        let soft = card(k).blur(2 * k).metrics();
        assert_eq!(code(&soft), None, "{soft:?}");
    }
    let mild = card(1).blur(3).metrics();
    assert!(hints(&mild, true).contains(&Hint::HoldStill), "{mild:?}");
    let flat = Gray::new(640, 480, 128).metrics();
    assert_eq!(code(&flat), Some(ErrorCode::ImageTooBlurry), "a blank picture shows nothing");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_glare_spot_on_the_card_is_a_hint_never_a_refusal() {
    let mut g = card(2);
    let (cx, cy, r) = (g.w * 6 / 10, g.h / 2, g.h / 6);
    for y in 0..g.h {
        for x in 0..g.w {
            if x.abs_diff(cx).pow(2) + y.abs_diff(cy).pow(2) < r * r {
                g.px[y * g.w + x] = 255;
            }
        }
    }
    let m = g.metrics();
    assert!(m.glare > 0.02, "{m:?}");
    assert!(hints(&m, true).contains(&Hint::Glare), "{m:?}");
    assert_eq!(code(&m), None);
    assert!(!hints(&card(2).metrics(), true).contains(&Hint::Glare));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_card_far_from_the_frame_asks_to_move_closer() {
    // The same card at a third of the size, in the middle: no edges on the frame's border.
    let full = card(3);
    let mut far = Gray::new(full.w, full.h, 90);
    let small = card(1);
    for y in 0..small.h {
        for x in 0..small.w {
            far.px[(y + full.h / 3) * far.w + x + full.w / 3] = small.px[y * small.w + x];
        }
    }
    let m = far.metrics();
    assert!(hints(&m, true).contains(&Hint::MoveCloser), "{m:?}");
    assert!(!hints(&full.metrics(), true).contains(&Hint::MoveCloser), "{:?}", full.metrics());
}

/// A `w` × `h` camera frame with the card drawn where the preview outlines it.
fn frame_with_card(w: usize, h: usize, shape: Shape) -> Gray {
    let c = crop(w as u32, h as u32, shape);
    let card = card(1);
    let mut f = Gray::new(w, h, 90);
    for y in 0..c.h as usize {
        for x in 0..c.w as usize {
            let (sx, sy) = (x * card.w / c.w as usize, y * card.h / c.h as usize);
            f.px[(y + c.y as usize) * w + x + c.x as usize] = card.px[sy * card.w + sx];
        }
    }
    f
}

fn crop_of(g: &Gray, r: Rect) -> Gray {
    let mut out = Gray::new(r.w as usize, r.h as usize, 0);
    for y in 0..r.h as usize {
        for x in 0..r.w as usize {
            out.px[y * out.w + x] = g.px[(y + r.y as usize) * g.w + x + r.x as usize];
        }
    }
    out
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn the_outline_sits_inside_the_analysed_crop_with_the_shape_of_the_document() {
    for (w, h) in [(1280, 720), (640, 480), (720, 1280), (1920, 1080)] {
        for shape in [Shape::Card, Shape::Passport, Shape::Face] {
            let c = crop(w, h, shape);
            assert!(c.x + c.w <= w && c.y + c.h <= h, "{w}x{h} {shape:?}: {c:?}");
            assert!(c.w == w || c.h == h, "the crop is as large as fits: {c:?}");
            let o = outline(w, h, shape);
            assert!(o.x > c.x && o.y > c.y && o.x + o.w < c.x + c.w && o.y + o.h < c.y + c.h, "{o:?} in {c:?}");
            let aspect = f64::from(o.w) / f64::from(o.h);
            assert!((aspect - shape.aspect()).abs() < 0.02, "{w}x{h} {shape:?}: {aspect}");
        }
    }
    assert!(Shape::Card.aspect() > Shape::Passport.aspect() && Shape::Passport.aspect() > 1.0);
    assert!(Shape::Face.aspect() < 1.0 && !Shape::Face.is_document());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_card_lined_up_with_the_outline_is_taken_after_a_short_steady_run_and_a_blurred_one_never() {
    let (w, h) = (1280, 720);
    let sharp = crop_of(&frame_with_card(w, h, Shape::Card), crop(w as u32, h as u32, Shape::Card)).metrics();
    let blurred =
        crop_of(&frame_with_card(w, h, Shape::Card).blur(14), crop(w as u32, h as u32, Shape::Card)).metrics();
    assert!(hints(&sharp, true).is_empty(), "{sharp:?}");
    let mut g = Guide::default();
    for i in 0..50 {
        let a = g.frame(&blurred, Shape::Card);
        assert_eq!(a.hint, Some(Hint::HoldStill), "{blurred:?}");
        assert!(!a.capture, "never taken while blurred");
        assert_eq!(a.announce.is_some(), i + 1 == ANNOUNCE_RUN as usize, "announced once, after a run: frame {i}");
    }
    let mut taken = 0;
    for i in 1..=AUTO_CAPTURE_RUN {
        let a = g.frame(&sharp, Shape::Card);
        assert_eq!(a.hint, None);
        taken += usize::from(a.capture);
        assert_eq!(a.capture, i == AUTO_CAPTURE_RUN, "taken after {AUTO_CAPTURE_RUN} steady frames, at {i}");
    }
    assert_eq!(taken, 1);
    // A flickering hint (one frame each) is never announced.
    let mut g = Guide::default();
    for i in 0..20 {
        let m = if i % 2 == 0 { sharp } else { blurred };
        let a = g.frame(&m, Shape::Card);
        assert_eq!(a.announce, None, "frame {i}");
        assert!(!a.capture);
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_dark_frame_is_never_taken_and_a_face_ignores_placement() {
    let (w, h) = (1280, 720);
    let dark = crop_of(&frame_with_card(w, h, Shape::Card).scale(0.3), crop(w as u32, h as u32, Shape::Card)).metrics();
    let mut g = Guide::default();
    for _ in 0..30 {
        let a = g.frame(&dark, Shape::Card);
        assert_eq!(a.hint, Some(Hint::TooDark), "{dark:?}");
        assert!(!a.capture);
    }
    let f = face(2).metrics();
    let mut g = Guide::default();
    let advice: Vec<_> = (0..AUTO_CAPTURE_RUN).map(|_| g.frame(&f, Shape::Face)).collect();
    assert!(advice.iter().all(|a| a.hint.is_none()), "{f:?}");
    assert!(advice.last().is_some_and(|a| a.capture));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_camera_luma_plane_measures_like_the_same_picture_downscaled() {
    let (w, h) = (1280usize, 720usize);
    let frame = frame_with_card(w, h, Shape::Card);
    let c = crop(w as u32, h as u32, Shape::Card);
    let expected = crop_of(&frame, c).metrics();
    // A plane with padding at the end of each row (stride > width), in full range.
    let stride = w + 64;
    let mut plane = vec![7u8; stride * h];
    for y in 0..h {
        plane[y * stride..y * stride + w].copy_from_slice(&frame.px[y * w..(y + 1) * w]);
    }
    let (gray, aw, ah) = analysis_copy(&plane, stride, c, true).expect("fits");
    assert_eq!((aw as u32, ah as u32), analysis_size(c.w, c.h));
    let got = measure(&gray, aw, ah);
    assert!((got.brightness - expected.brightness).abs() < 1.0, "{got:?} vs {expected:?}");
    assert!((got.sharpness - expected.sharpness).abs() < 5.0, "{got:?} vs {expected:?}");
    assert!((got.placement - expected.placement).abs() < 0.05, "{got:?} vs {expected:?}");
    assert!(hints(&got, true).is_empty(), "{got:?}");
    // Video range: 16 is black and 235 white.
    let limited: Vec<u8> = plane.iter().map(|&v| (16 + u32::from(v) * 219 / 255) as u8).collect();
    let (gray, aw, ah) = analysis_copy(&limited, stride, c, false).expect("fits");
    let got = measure(&gray, aw, ah);
    assert!((got.brightness - expected.brightness).abs() < 2.0, "{got:?} vs {expected:?}");
    // A region that does not fit the plane is refused, not read out of bounds.
    assert!(analysis_copy(&plane[..stride * 10], stride, c, true).is_none());
    assert!(analysis_copy(&plane, stride, Rect { x: stride as u32 - 100, y: 0, w: 100, h: 10 }, true).is_some());
    assert!(analysis_copy(&plane, stride, Rect { x: stride as u32 - 10, y: 0, w: 100, h: 10 }, true).is_none());
    assert!(analysis_copy(&plane, stride, Rect { x: 0, y: 0, w: 0, h: 10 }, true).is_none());
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore]
fn print_calibration() {
    for k in [1, 2, 4] {
        println!("card x{k}: {:?}", card(k).metrics());
        println!("face x{k}: {:?}", face(k).metrics());
        for r in [1, 2, 3, 4, 6, 9] {
            println!("  card x{k} blur {}: {:?}", r * k, card(k).blur(r * k).metrics());
            println!("  face x{k} blur {}: {:?}", r * k, face(k).blur(r * k).metrics());
        }
    }
}
