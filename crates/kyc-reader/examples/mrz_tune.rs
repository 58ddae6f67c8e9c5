//! Tuning the MRZ recogniser on generated photos (seeds given; the tests use others):
//! `cargo run --release -p kyc-reader --features testdata --example mrz_tune -- FROM COUNT [hard] [dump]`
//! prints each failure and the read rate; `dump` writes the photos that did not read to /tmp.

use kyc_domain::idread::mrz::Mrz;
use kyc_reader::mrz;
use kyc_reader::testdata::mrz::{generated, today, wrong_fills};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("time") {
        return time();
    }
    if args.get(1).map(String::as_str) == Some("files") {
        for path in &args[2..] {
            let img = image::open(path).expect("an image").to_luma8();
            match mrz::recognise(img.as_raw(), img.width(), img.height()) {
                Ok(t) => println!("{path}: {:?}", t.lines),
                Err(e) => println!("{path}: {e}"),
            }
        }
        return;
    }
    let from: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(0);
    let count: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(50);
    let hard = args.iter().any(|a| a == "hard");
    let dump = args.iter().any(|a| a == "dump");
    let (mut read, mut wrong) = (0, 0);
    let mut recognising = 0u128;
    // Per glyph of a zone read in the right layout: (score, lead, best is right, taken).
    let mut glyphs: Vec<(f32, f32, bool, bool, char, char)> = Vec::new();
    let started = std::time::Instant::now();
    for seed in from..from + count {
        let (sample, look, img) = generated(seed, hard);
        let t = std::time::Instant::now();
        let text = mrz::recognise(img.as_raw(), img.width(), img.height());
        let ms = t.elapsed().as_millis();
        recognising += ms;
        let parsed: Option<Mrz> = text.as_ref().ok().and_then(|t| {
            let l: Vec<&str> = t.lines.iter().map(String::as_str).collect();
            kyc_domain::idread::mrz::parse(&l, today()).ok()
        });
        if let Ok(t) = &text {
            if t.lines.len() == sample.lines.len() && t.lines[0].len() == sample.lines[0].len() {
                for (readings, truth) in t.glyphs.iter().zip(&sample.lines) {
                    for (r, c) in readings.iter().zip(truth.chars()) {
                        if r.best != c && r.sure() {
                            println!("  sure but wrong: seed {seed} {} for {c} (runner-up {}) score {:.3} lead {:.3} sep {:.3}", r.best, r.runner_up, r.score, r.lead, r.separation);
                        }
                        glyphs.push((
                            r.score,
                            r.separation,
                            r.best == c,
                            r.taken() != mrz::UNREADABLE,
                            r.best,
                            r.runner_up,
                        ));
                    }
                }
            }
        }
        let bad = parsed.as_ref().map_or(0, |m| wrong_fills(m, &sample.truth).len());
        wrong += bad;
        let full = parsed.as_ref().is_some_and(|m| m.checks_hold() && m.data == sample.truth.data);
        if full {
            read += 1;
        } else {
            println!(
                "seed {seed} {:?} pitch {:.1} angle {:.1} blur {:.1} noise {:.1} persp {:.3} jpeg {:?} {ms} ms: {}",
                sample.format,
                look.pitch,
                look.angle_deg,
                look.blur,
                look.noise,
                look.perspective,
                look.jpeg,
                match &text {
                    Err(e) => format!("{e}"),
                    Ok(t) => format!("{:?} vs {:?}", t.lines, sample.lines),
                }
            );
            if dump {
                img.save(format!("/tmp/mrz-{seed}.png")).expect("saved");
            }
        }
        if bad > 0 {
            println!("  WRONG FILL seed {seed}: {bad}");
        }
    }
    let wrong_taken: Vec<_> = glyphs.iter().filter(|g| !g.2 && g.3).collect();
    println!(
        "glyphs {}, wrong best {}, wrong taken {}",
        glyphs.len(),
        glyphs.iter().filter(|g| !g.2).count(),
        wrong_taken.len()
    );
    for g in &wrong_taken {
        println!("  wrong taken: {:?}", g);
    }
    let mut wrong_leads: Vec<_> = glyphs.iter().filter(|g| !g.2).map(|g| (g.1 * 1000.0) as i32).collect();
    wrong_leads.sort_unstable();
    println!("  leads of wrong bests (x1000, top 15): {:?}", wrong_leads.iter().rev().take(15).collect::<Vec<_>>());
    let rejected_right = glyphs.iter().filter(|g| g.2 && !g.3).count();
    println!("  right but not taken: {rejected_right}");
    if args.iter().any(|a| a == "rejected") {
        for g in glyphs.iter().filter(|g| g.2 && !g.3) {
            println!("    rejected {} (runner-up {}) score {:.3} lead {:.3}", g.4, g.5, g.0, g.1);
        }
    }
    for (lo, hi) in [(0.0, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 0.4), (0.4, 0.5), (0.5, 0.6)] {
        let right = glyphs.iter().filter(|g| g.2 && g.1 >= lo && g.1 < hi).count();
        let wrong = glyphs.iter().filter(|g| !g.2 && g.1 >= lo && g.1 < hi).count();
        println!("  lead {lo:.2}-{hi:.2}: right {right} wrong {wrong}");
    }
    println!("recognising: {} ms per photo", recognising / u128::from(count.max(1)));
    println!(
        "{} read {read}/{count} ({:.1} %), wrong fills {wrong}, {:.0} ms per photo (with generation)",
        if hard { "hard" } else { "mild" },
        read as f32 * 100.0 / count as f32,
        started.elapsed().as_millis() as f32 / count as f32
    );
}

/// Native timings (median of 9) of the specimen in a 1280 × 720 frame, a 12 MP photo, and a frame
/// without a zone.
fn time() {
    use kyc_reader::testdata::mrz::{photo, specimen, MrzLook};
    let s = specimen();
    let cases = [
        (
            "1280x720 frame, passport filling 70 %",
            photo(&s.lines, s.format, &MrzLook { jpeg: Some(85), blur: 0.6, ..MrzLook::plain(1280, 720, 18.0) }),
        ),
        (
            "4000x3000 photo",
            photo(
                &s.lines,
                s.format,
                &MrzLook { jpeg: Some(90), blur: 1.0, angle_deg: 4.0, ..MrzLook::plain(4000, 3000, 58.0) },
            ),
        ),
        ("1280x720 frame, no zone", image::GrayImage::from_pixel(1280, 720, image::Luma([180]))),
    ];
    for (name, img) in cases {
        let mut ms: Vec<f64> = (0..9)
            .map(|_| {
                let t = std::time::Instant::now();
                let _ = mrz::read_luma(img.as_raw(), img.width(), img.height(), today());
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        println!("{name}: median {:.1} ms", ms[4]);
    }
}
