//! The document locator on generated camera frames: a synthetic ID-1 card (border, photo box,
//! lines of print) drawn anywhere in the frame, turned, seen slightly from the side, then
//! reduced to the analysis copy the way the capture module does (`quality::analysis_copy`).
//! Runs natively and on wasm32; the property tests (proptest) natively.

use kyc_domain::locate::{framing, glare, locate, straightened_size, warp_mesh, Homography, Point, Quad};
use kyc_domain::quality::{analysis_copy, hints_located, measure_core, Guide, Hint, Rect, AUTO_CAPTURE_RUN};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

const CARD: f64 = 85.60 / 53.98;

/// The card's face, upright, `TW` × `TH` texels: the same layout as the e2e fake camera's.
const TW: usize = 960;
const TH: usize = 605;

fn texture(card: u8, ink: u8) -> Vec<u8> {
    let mut t = vec![card; TW * TH];
    let k = TW as f64 / 480.0;
    let u = |v: f64| (v * k).round() as usize;
    let mut rect = |x0: usize, y0: usize, x1: usize, y1: usize, v: u8| {
        for y in y0..y1.min(TH) {
            for x in x0..x1.min(TW) {
                t[y * TW + x] = v;
            }
        }
    };
    rect(u(20.0), u(20.0), u(120.0), u(150.0), 120);
    let mut seed: u32 = 7;
    for line in 0..8 {
        let y = u(20.0 + f64::from(line) * 22.0);
        let mut x = u(140.0);
        while x < u(460.0) {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let len = u(4.0 + f64::from((seed >> 16) % 9));
            rect(x, y, (x + len).min(u(460.0)), y + u(9.0), ink);
            x += len + u(3.0);
        }
    }
    t
}

/// A frame of `w` × `h` with the card's corners at `q` (frame pixels), over a background of
/// `bg` with a little deterministic noise.
fn frame(w: usize, h: usize, q: &Quad, bg: u8, card: u8) -> Vec<u8> {
    let tex = texture(card, 35);
    let inv = inverse(Homography::square_to(q), *q);
    let mut px = vec![0u8; w * h];
    let mut seed: u32 = 99;
    for y in 0..h {
        for x in 0..w {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = ((seed >> 24) % 7) as i32 - 3;
            let (cx, cy) = (x as f64 + 0.5, y as f64 + 0.5);
            let v = match inv(cx, cy) {
                Some((s, t)) => {
                    tex[((t * TH as f64) as usize).min(TH - 1) * TW + ((s * TW as f64) as usize).min(TW - 1)]
                }
                None => (i32::from(bg) + noise).clamp(0, 255) as u8,
            };
            px[y * w + x] = v;
        }
    }
    px
}

/// The frame point → card (s, t) in the unit square, `None` outside.
fn inverse(hm: Homography, q: Quad) -> impl Fn(f64, f64) -> Option<(f64, f64)> {
    move |x, y| {
        q.contains(Point { x, y })
            .then(|| hm.unmap(Point { x, y }))
            .map(|(s, t)| (s.clamp(0.0, 1.0), t.clamp(0.0, 1.0)))
    }
}

/// A card whose bounding box spans `extent` of the frame's width, centred at (`cx`, `cy`),
/// turned `tilt`°, its top side shortened by `keystone` (seen slightly from below).
fn placed(w: usize, extent: f64, cx: f64, cy: f64, tilt: f64, keystone: f64) -> Quad {
    let (sin, cos) = tilt.to_radians().sin_cos();
    let cw = extent * w as f64 / (cos + sin.abs() / CARD);
    let ch = cw / CARD;
    let k = 1.0 - keystone;
    let pts = [(-cw / 2.0 * k, -ch / 2.0), (cw / 2.0 * k, -ch / 2.0), (cw / 2.0, ch / 2.0), (-cw / 2.0, ch / 2.0)];
    Quad(pts.map(|(x, y)| Point { x: cx + x * cos - y * sin, y: cy + x * sin + y * cos }))
}

/// Locates the card in a frame, as the capture module does; the corners in frame pixels.
fn find(px: &[u8], w: usize, h: usize) -> Option<(kyc_domain::locate::Sighting, Vec<u8>, usize, usize)> {
    let (gray, aw, ah) = analysis_copy(px, w, Rect { x: 0, y: 0, w: w as u32, h: h as u32 }, true)?;
    let seen = locate(&gray, aw, ah, CARD)?;
    let (sx, sy) = (w as f64 / aw as f64, h as f64 / ah as f64);
    Some((kyc_domain::locate::Sighting { quad: seen.quad.scaled(sx, sy), cut: seen.cut }, gray, aw, ah))
}

fn worst_corner(found: &Quad, truth: &Quad) -> f64 {
    (0..4).map(|i| (found.0[i].x - truth.0[i].x).hypot(found.0[i].y - truth.0[i].y)).fold(0.0, f64::max)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn finds_the_e2e_cards_off_centre_and_turned_to_a_pixel() {
    // The Playwright videos' geometry (tests/e2e/fake-camera.mjs `placedCard`).
    for (w, h, extent, dx, dy) in
        [(1280, 720, 0.60, -0.10, 0.06), (1280, 960, 0.84, 0.05, -0.04), (1280, 960, 0.92, -0.03, 0.03)]
    {
        let truth = placed(w, extent, w as f64 * (0.5 + dx), h as f64 * (0.5 + dy), 10.0, 0.0);
        let px = frame(w, h, &truth, 90, 215);
        let (seen, ..) = find(&px, w, h).unwrap_or_else(|| panic!("{extent}: not found"));
        assert!(!seen.cut.any(), "{extent}: {:?}", seen.cut);
        let err = worst_corner(&seen.quad, &truth);
        assert!(err < 2.5, "{extent}: a corner {err:.2} px off: {:?} vs {:?}", seen.quad, truth);
        assert_eq!(framing(Some(&seen), w), None, "{extent}: well framed");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_card_too_far_away_is_found_and_asked_closer() {
    let (w, h) = (1280, 720);
    let truth = placed(w, 0.30, 500.0, 400.0, 10.0, 0.0);
    let (seen, ..) = find(&frame(w, h, &truth, 90, 215), w, h).expect("found");
    assert!(worst_corner(&seen.quad, &truth) < 3.0);
    assert_eq!(framing(Some(&seen), w), Some(Hint::MoveCloser));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_card_turned_too_far_is_asked_straight() {
    let (w, h) = (1280, 960);
    let truth = placed(w, 0.80, 640.0, 480.0, 24.0, 0.0);
    let (seen, ..) = find(&frame(w, h, &truth, 90, 215), w, h).expect("found");
    assert!(worst_corner(&seen.quad, &truth) < 3.0);
    assert_eq!(framing(Some(&seen), w), Some(Hint::Straighten));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_card_running_out_of_the_frame_says_which_way() {
    let (w, h) = (1280, 960);
    let left = placed(w, 0.80, 400.0, 480.0, 0.0, 0.0);
    let (seen, ..) = find(&frame(w, h, &left, 90, 215), w, h).expect("a part is seen");
    assert!(seen.cut.left && !seen.cut.right, "{:?} {:?}", seen.cut, seen.quad);
    assert_eq!(framing(Some(&seen), w), Some(Hint::MoveLeft), "{:?} {:?}", seen.cut, seen.quad);
    let right = placed(w, 0.80, 880.0, 480.0, 0.0, 0.0);
    let (seen, ..) = find(&frame(w, h, &right, 90, 215), w, h).expect("a part is seen");
    assert_eq!(framing(Some(&seen), w), Some(Hint::MoveRight));
    let huge = placed(w, 1.3, 640.0, 480.0, 0.0, 0.0);
    let seen = find(&frame(w, h, &huge, 90, 215), w, h).map(|s| s.0);
    assert!(matches!(framing(seen.as_ref(), w), Some(Hint::MoveBack | Hint::NoDocument)), "{seen:?}");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_empty_frame_has_no_document() {
    let (w, h) = (1280, 720);
    let mut px = vec![90u8; w * h];
    // A table edge: one strong line is not a document.
    for y in 500..h {
        px[y * w..(y + 1) * w].fill(160);
    }
    assert!(find(&px, w, h).is_none());
    assert_eq!(framing(None, w), Some(Hint::NoDocument));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_dark_card_on_a_light_table_is_found() {
    let (w, h) = (1280, 960);
    let truth = placed(w, 0.7, 600.0, 500.0, -8.0, 0.05);
    let px = frame(w, h, &truth, 230, 150);
    let (seen, ..) = find(&px, w, h).expect("found");
    assert!(worst_corner(&seen.quad, &truth) < 3.0, "{:?} vs {truth:?}", seen.quad);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn glare_on_the_card_is_measured_on_the_card_and_stops_the_capture() {
    let (w, h) = (1280, 960);
    let truth = placed(w, 0.75, 620.0, 470.0, 10.0, 0.0);
    let mut px = frame(w, h, &truth, 90, 215);
    let (cx, cy, r) = (700.0, 470.0, 90.0);
    for y in 0..h {
        for x in 0..w {
            if (x as f64 - cx).hypot(y as f64 - cy) < r {
                px[y * w + x] = 255;
            }
        }
    }
    let (seen, gray, aw, ah) = find(&px, w, h).expect("the card is still found");
    let analysed = seen.quad.scaled(aw as f64 / w as f64, ah as f64 / h as f64);
    // `scaled` adds half a pixel each way: close enough for an area share.
    let g = glare(&gray, aw, ah, Some(&analysed));
    assert!(g > 0.03, "glare {g}");
    let m = kyc_domain::quality::Metrics { glare: g, ..measure_core(&gray, aw, ah) };
    assert_eq!(hints_located(&m, framing(Some(&seen), w)).first(), Some(&Hint::Glare));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_well_framed_sharp_card_is_taken_after_a_short_run() {
    let (w, h) = (1280, 960);
    let truth = placed(w, 0.84, 680.0, 450.0, 10.0, 0.0);
    let px = frame(w, h, &truth, 90, 215);
    let (seen, gray, aw, ah) = find(&px, w, h).expect("found");
    let m = measure_core(&gray, aw, ah);
    let mut guide = Guide::default();
    let taken: Vec<bool> =
        (0..AUTO_CAPTURE_RUN).map(|_| guide.frame_located(&m, framing(Some(&seen), w)).capture).collect();
    assert_eq!(taken.last(), Some(&true), "{m:?}");
    assert!(taken[..taken.len() - 1].iter().all(|t| !t));
    // Too far: never.
    let mut guide = Guide::default();
    assert!((0..10).all(|_| !guide.frame_located(&m, Some(Hint::MoveCloser)).capture));
    // Not found: never, whatever the light and sharpness.
    assert!((0..10).all(|_| !guide.frame_located(&m, Some(Hint::NoDocument)).capture));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_straightening_mesh_takes_the_card_onto_an_upright_rectangle() {
    let q = placed(1280, 0.8, 640.0, 480.0, 12.0, 0.06);
    let (ow, oh) = straightened_size(&q, CARD, 480, 4096);
    assert!(ow >= 480 && oh >= 480, "{ow}×{oh}");
    assert!((f64::from(ow) / f64::from(oh) - CARD).abs() < 0.01);
    let pieces = warp_mesh(&q, ow, oh, 8);
    assert_eq!(pieces.len(), 128);
    let hm = Homography::square_to(&q);
    // Every triangle's own map agrees with the perspective within a pixel at its centre.
    for p in &pieces {
        let [a, b, c, d, e, f] = p.transform;
        let (mx, my) =
            ((p.clip[0].x + p.clip[1].x + p.clip[2].x) / 3.0, (p.clip[0].y + p.clip[1].y + p.clip[2].y) / 3.0);
        let src = hm.map(mx / f64::from(ow), my / f64::from(oh));
        let out = Point { x: a * src.x + c * src.y + e, y: b * src.x + d * src.y + f };
        assert!((out.x - mx).hypot(out.y - my) < 1.0, "{out:?} vs ({mx}, {my})");
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

        /// Anywhere in the frame, 55–95 % of its width, turned up to ±15°, slightly from the
        /// side, lighter or darker than the table: found, to within a few frame pixels, and
        /// well framed (taken by itself).
        #[test]
        fn finds_a_card_anywhere_in_the_frame(
            size in 0usize..3,
            extent in 0.55f64..0.95,
            tilt in -15.0f64..15.0,
            keystone in 0.0f64..0.06,
            fx in 0.0f64..1.0,
            fy in 0.0f64..1.0,
            dark_table in any::<bool>(),
        ) {
            let (w, h) = [(1280, 720), (1280, 960), (720, 1280)][size];
            let probe = placed(w, extent, 0.0, 0.0, tilt, keystone);
            let xs = probe.0.map(|p| p.x);
            let ys = probe.0.map(|p| p.y);
            let (x0, x1) = (xs.iter().copied().fold(f64::MAX, f64::min), xs.iter().copied().fold(f64::MIN, f64::max));
            let (y0, y1) = (ys.iter().copied().fold(f64::MAX, f64::min), ys.iter().copied().fold(f64::MIN, f64::max));
            let margin = 0.012 * w as f64;
            let (room_x, room_y) = (w as f64 - (x1 - x0) - 2.0 * margin, h as f64 - (y1 - y0) - 2.0 * margin);
            prop_assume!(room_x >= 0.0 && room_y >= 0.0);
            let cx = margin - x0 + fx * room_x;
            let cy = margin - y0 + fy * room_y;
            let truth = placed(w, extent, cx, cy, tilt, keystone);
            let (bg, card) = if dark_table { (70, 215) } else { (225, 140) };
            let px = frame(w, h, &truth, bg, card);
            let found = find(&px, w, h);
            prop_assert!(found.is_some(), "not found: {truth:?}");
            let (seen, ..) = found.unwrap();
            prop_assert!(!seen.cut.any());
            let err = worst_corner(&seen.quad, &truth);
            prop_assert!(err < 4.0, "a corner {err:.2} px off: {:?} vs {truth:?}", seen.quad);
            prop_assert_eq!(framing(Some(&seen), w), None);
        }
    }
}
