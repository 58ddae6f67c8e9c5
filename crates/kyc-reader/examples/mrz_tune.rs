//! Tuning the MRZ recogniser on generated photos (seeds given; the tests use others):
//! `cargo run --release -p kyc-reader --features testdata --example mrz_tune -- FROM COUNT [hard] [dump]`
//! prints each failure and the read rate; `dump` writes the photos that did not read to /tmp.

use kyc_domain::idread::mrz::Mrz;
use kyc_reader::mrz;
use kyc_reader::testdata::mrz::{generated, today};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let from: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(0);
    let count: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(50);
    let hard = args.iter().any(|a| a == "hard");
    let dump = args.iter().any(|a| a == "dump");
    let (mut read, mut wrong) = (0, 0);
    let started = std::time::Instant::now();
    for seed in from..from + count {
        let (sample, look, img) = generated(seed, hard);
        let t = std::time::Instant::now();
        let text = mrz::recognise(img.as_raw(), img.width(), img.height());
        let ms = t.elapsed().as_millis();
        let parsed: Option<Mrz> = text.as_ref().ok().and_then(|t| {
            let l: Vec<&str> = t.lines.iter().map(String::as_str).collect();
            kyc_domain::idread::mrz::parse(&l, today()).ok()
        });
        let bad = parsed.as_ref().map_or(0, |m| wrong_fills(m, &sample.truth));
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
    println!(
        "{} read {read}/{count} ({:.1} %), wrong fills {wrong}, {:.0} ms per photo (with generation)",
        if hard { "hard" } else { "mild" },
        read as f32 * 100.0 / count as f32,
        started.elapsed().as_millis() as f32 / count as f32
    );
}

/// Fields filled with a value other than the truth's.
fn wrong_fills(m: &Mrz, truth: &Mrz) -> usize {
    let (a, b) = (&m.data, &truth.data);
    [
        a.document_number.is_some() && a.document_number != b.document_number,
        a.dob.is_some() && a.dob != b.dob,
        a.expiry.is_some() && a.expiry != b.expiry,
        a.last_name.is_some() && a.last_name != b.last_name,
        a.first_name.is_some() && a.first_name != b.first_name,
        a.middle_name.is_some() && a.middle_name != b.middle_name,
        a.sex.is_some() && a.sex != b.sex,
        a.nationality.is_some() && a.nationality != b.nationality,
    ]
    .iter()
    .filter(|&&w| w)
    .count()
}
