//! The server side of `cargo xtask bench` for the document reader (run optimised, as the server
//! is built):
//!
//! ```sh
//! cargo run --profile server -p kyc-reader --features testdata --example read_bench
//! ```
//!
//! A cleaned photo as the backend holds it (a JPEG at most 2048 px long, here of a generated
//! licence back, turned 4° with glare and a little blur) decoded to grey, read and cross-checked
//! against a draft: the median of 15 runs each for a photo with a barcode and one without.

use std::time::Instant;

use kyc_domain::idread::crosscheck::cross_check;
use kyc_domain::DraftDto;
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
    let read = kyc_reader::read_luma(grey.as_raw(), grey.width(), grey.height());
    let found = read.as_ref().map(|doc| cross_check(draft, doc).matched().len()).is_ok();
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
    for (name, photo) in [("a licence back (barcode read)", &with), ("a photo without a barcode", &without)] {
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
}
