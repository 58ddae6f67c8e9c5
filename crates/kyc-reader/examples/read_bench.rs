//! The server side of `cargo xtask bench` for the document reader (run optimised, as the server
//! is built):
//!
//! ```sh
//! cargo run --profile server -p kyc-reader --features testdata --example read_bench
//! ```
//!
//! A cleaned photo as the backend holds it (a JPEG at most 2048 px long, here of a generated
//! licence back, turned 4° with glare and a little blur) decoded to grey, read and cross-checked
//! against a draft: the median of 15 runs each for a photo with a barcode, one of a passport's
//! data page (read by its machine-readable zone) and one with neither.
//!
//! Then the MRZ recogniser (issue 25): its accuracy on a generated set of 400 photos (200 mild,
//! 200 hard; seeds 3_000_000.. and 4_000_000.., apart from the tuning seeds 0–299 and the test's
//! set) — the share read whole and the fields filled with a wrong value — and its native time on
//! a 1280 × 720 camera frame and a 12 MP photo.

use std::time::Instant;

use kyc_domain::idread::crosscheck::cross_check;
use kyc_domain::DraftDto;
use kyc_reader::testdata::mrz::today;
use kyc_reader::testdata::{jpeg, licence_back, samples, Look};

const RUNS: usize = 15;
const BUDGET_MS: f64 = 150.0;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Decode → grey → read → cross-check, as `kyc-server`'s document check does; milliseconds.
fn once(photo: &[u8], draft: &DraftDto) -> (f64, bool) {
    let t = Instant::now();
    let grey = image::load_from_memory_with_format(photo, image::ImageFormat::Jpeg).expect("decodes").into_luma8();
    let read = kyc_reader::read_document_luma(grey.as_raw(), grey.width(), grey.height(), today());
    let found = read.as_ref().map(|f| cross_check(draft, &f.doc).matched().len()).is_ok();
    (t.elapsed().as_secs_f64() * 1e3, found)
}

fn main() {
    let sample = &samples()[0];
    let look = Look { angle_deg: 4.0, blur: 0.8, glare: true, ..Look::plain(2048, 1536) };
    let with = jpeg(&licence_back(&sample.payload(), &look), 85);
    // The front of a card, say: shading and print, no barcode.
    let without =
        jpeg(&image::GrayImage::from_fn(2048, 1536, |x, y| image::Luma([(30 + (x / 7 + y / 5) % 200) as u8])), 85);
    let mut draft = DraftDto::default();
    for (f, v) in sample.document.fills() {
        draft.set(f, v);
    }
    let passport = {
        use kyc_reader::testdata::mrz::{photo, random_sample, MrzLook, Rng};
        let p = random_sample(&mut Rng::new(9), kyc_domain::idread::mrz::MrzFormat::Td3);
        let look = MrzLook { angle_deg: 3.0, blur: 0.8, jpeg: None, ..MrzLook::plain(2048, 1536, 28.0) };
        jpeg(&photo(&p.lines, p.format, &look), 85)
    };
    for (name, photo) in [
        ("a licence back (barcode read)", &with),
        ("a passport's data page (zone read)", &passport),
        ("a photo with neither", &without),
    ] {
        let mut times = Vec::new();
        let mut found = false;
        for _ in 0..RUNS {
            let (ms, f) = once(photo, &draft);
            times.push(ms);
            found = f;
        }
        println!(
            "document read + cross-check, {name}, 2048x1536 JPEG ({} bytes): median {:.0} ms over {RUNS} runs{} (budget {BUDGET_MS:.0} ms)",
            photo.len(),
            median(times),
            if found { ", read" } else { ", nothing read" },
        );
    }
    mrz();
}

/// The recogniser's accuracy table and native timings.
fn mrz() {
    use kyc_reader::testdata::mrz::{accuracy, photo, specimen, MrzLook};
    const PER_HALF: u64 = 200;
    println!("\n== MRZ recogniser (native, server profile)");
    println!("accuracy on {} generated photos (seeds apart from tuning and tests):", 2 * PER_HALF);
    println!("  {:<6} {:>8} {:>12} {:>8} {:>12}", "half", "photos", "read whole", "rate", "wrong fills");
    for (hard, from, budget) in [(false, 3_000_000, 97.0), (true, 4_000_000, 85.0)] {
        let a = accuracy(from, PER_HALF, hard);
        println!(
            "  {:<6} {:>8} {:>12} {:>7.1}% {:>12}   (budget >= {budget:.0} %, 0 wrong fills){}",
            if hard { "hard" } else { "mild" },
            a.photos,
            a.read_whole,
            a.percent(),
            a.wrong.len(),
            if a.wrong.is_empty() { String::new() } else { format!(": {:?}", a.wrong) }
        );
    }
    let s = specimen();
    let cases = [
        ("a 1280x720 camera frame", MrzLook { jpeg: Some(85), blur: 0.6, ..MrzLook::plain(1280, 720, 18.0) }),
        (
            "a 4000x3000 (12 MP) photo",
            MrzLook { jpeg: Some(90), blur: 1.0, angle_deg: 4.0, ..MrzLook::plain(4000, 3000, 58.0) },
        ),
    ];
    for (name, look) in cases {
        let img = photo(&s.lines, s.format, &look);
        let mut ms: Vec<f64> = (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                let ok = kyc_reader::mrz::read_luma(img.as_raw(), img.width(), img.height(), today()).is_ok();
                assert!(ok, "the specimen reads");
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        println!("zone read from {name} (grey pixels in hand): median {:.1} ms over {RUNS} runs", ms[RUNS / 2]);
    }
}
