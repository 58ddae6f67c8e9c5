//! The `walker_vs_decoder` fuzz property on stable: every seed of the fuzz corpus and a few
//! hundred deterministic mutations of them go through the rulebook's header walker and the
//! server's decode path. The decoder must never work with dimensions the walker did not
//! report, and nothing the walker refused may come out of `clean`.

use kyc_domain::inspect_photo;
use kyc_photos::{clean, decoder_dimensions, final_size, plan};
use std::path::PathBuf;

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kyc-domain/fuzz/corpus/walker_vs_decoder");
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.expect("dir entry").path();
            let name = path.file_name().expect("file name").to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("seed"))
        })
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 8, "the corpus holds {} seeds", seeds.len());
    seeds
}

/// How far a file got: the walker accepted it, the decoder read its headers, `clean` made a photo.
#[derive(Debug, Default, Clone, Copy)]
struct Reached {
    walker: bool,
    decoder: bool,
    cleaned: bool,
}

/// The property of the fuzz target. `Err` describes a violation.
fn check(data: &[u8]) -> Result<Reached, String> {
    let walker = inspect_photo(data, data.len() as u64);
    let decoder = decoder_dimensions(data);
    if let (Ok(h), Some(d)) = (&walker, decoder) {
        if (h.width, h.height) != d {
            return Err(format!("walker: Ok({}x{}), decoder: {}x{}", h.width, h.height, d.0, d.1));
        }
    }
    let mut reached = Reached { walker: walker.is_ok(), decoder: decoder.is_some(), cleaned: false };
    if let Ok(p) = plan(data) {
        if let Ok(photo) = clean(data, &p) {
            reached.cleaned = true;
            let Ok(h) = &walker else {
                return Err(format!("walker: {walker:?}, decoder: {decoder:?}, clean: Ok({photo:?})"));
            };
            let (w, hh) = final_size(h.width, h.height);
            if (photo.width, photo.height) != (w, hh) && (photo.width, photo.height) != (hh, w) {
                return Err(format!("walker: Ok({}x{}), clean: Ok({photo:?})", h.width, h.height));
            }
        }
    }
    Ok(reached)
}

/// What each seed is for: the three genuine photos pass the walker and clean; the frame types
/// the decoder does not decode, a second frame header and a flood claim are refused by the
/// walker; a PNG whose IHDR claims 35 MP over a few bytes of IDAT never cleans (the walker may
/// refuse it outright, or the decode fails on the missing rows).
#[test]
fn seeds_are_judged_as_intended() {
    let seeds = corpus();
    for (name, data) in &seeds {
        check(data).unwrap_or_else(|e| panic!("{name}: {e}"));
        let walker = inspect_photo(data, data.len() as u64);
        let cleaned = plan(data).and_then(|p| clean(data, &p));
        match name.as_str() {
            "baseline_640x480.jpg" | "progressive_640x480.jpg" | "gradient_480x480.png" => {
                assert!(walker.is_ok(), "{name}: walker said {walker:?}");
                // Decoded and measured: a smooth synthetic gradient may be judged too blurry
                // by the quality rulebook, which is an answer about the picture, not the file.
                let decoded = match &cleaned {
                    Ok(_) => true,
                    Err(kyc_photos::PhotoError::Invalid(v)) => v.code == kyc_domain::ErrorCode::ImageTooBlurry,
                    Err(_) => false,
                };
                assert!(decoded, "{name}: clean said {cleaned:?}");
            }
            "second_sof_60000x60000.jpg" | "lossless_sof3.jpg" | "arithmetic_sof9.jpg" | "sof_65000x65000.jpg" => {
                assert!(walker.is_err(), "{name}: walker said {walker:?}");
            }
            "png_7000x5000_tiny_idat.png" => assert!(cleaned.is_err(), "{name}: clean said {cleaned:?}"),
            other => panic!("unexpected seed {other}: say what it is for here"),
        }
    }
}

/// A 64-bit LCG (Knuth's MMIX constants): deterministic, no dependency.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Values that matter to a JPEG marker walk or a PNG header.
const INTERESTING: [u8; 12] = [0x00, 0x01, 0x02, 0x08, 0x10, 0x7F, 0x80, 0xC0, 0xC2, 0xD9, 0xDA, 0xFF];

/// One to three edits (a byte overwritten, bytes inserted, a range deleted, a range copied
/// elsewhere — e.g. a second frame header), then sometimes a truncation. Most edits land in the
/// first 700 bytes, the headers, where the walker and the decoder can disagree.
fn mutate(seed: &[u8], rng: &mut Lcg) -> (Vec<u8>, Vec<String>) {
    let mut data = seed.to_vec();
    let mut edits = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let span = if rng.below(4) == 0 { data.len() } else { data.len().min(700) };
        let at = rng.below(span);
        match rng.below(8) {
            0..=4 => {
                let old = data[at];
                let new = match rng.below(3) {
                    0 => old ^ (1 << rng.below(8)),
                    1 => INTERESTING[rng.below(INTERESTING.len())],
                    _ => rng.next() as u8,
                };
                data[at] = new;
                edits.push(format!("@{at}: {old:#04x} -> {new:#04x}"));
            }
            5 => {
                let bytes: Vec<u8> = (0..1 + rng.below(4)).map(|_| INTERESTING[rng.below(INTERESTING.len())]).collect();
                data.splice(at..at, bytes.iter().copied());
                edits.push(format!("@{at}: inserted {bytes:02x?}"));
            }
            6 => {
                let n = (1 + rng.below(32)).min(data.len() - at);
                if n < data.len() {
                    data.drain(at..at + n);
                    edits.push(format!("@{at}: deleted {n} bytes"));
                }
            }
            _ => {
                let from = rng.below(span);
                let n = (1 + rng.below(64)).min(data.len() - from);
                let slice = data[from..from + n].to_vec();
                data.splice(at..at, slice);
                edits.push(format!("@{at}: copied {n} bytes from @{from}"));
            }
        }
    }
    if rng.below(8) == 0 {
        let keep = rng.below(data.len()) + 1;
        data.truncate(keep);
        edits.push(format!("truncated to {keep} bytes"));
    }
    (data, edits)
}

#[test]
fn mutated_seeds_keep_the_property() {
    // `WALKER_VS_DECODER_PER_SEED=5000 cargo test -p kyc-photos --release` for a longer search.
    let per_seed = std::env::var("WALKER_VS_DECODER_PER_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(48);
    let mut rng = Lcg(0x5EED_CAFE_F00D_0001);
    let mut failures = Vec::new();
    let mut runs = 0;
    let (mut walker_ok, mut decoder_ok, mut cleaned) = (0, 0, 0);
    for (name, seed) in corpus() {
        for variant in 0..per_seed {
            let (data, edits) = mutate(&seed, &mut rng);
            runs += 1;
            match check(&data) {
                Ok(r) => {
                    walker_ok += usize::from(r.walker);
                    decoder_ok += usize::from(r.decoder);
                    cleaned += usize::from(r.cleaned);
                }
                Err(e) => {
                    let dump = std::env::temp_dir().join(format!("walker_vs_decoder-{name}-{variant}.bin"));
                    let _ = std::fs::write(&dump, &data);
                    failures.push(format!(
                        "{name} variant {variant} [{}]: {e} (bytes in {})",
                        edits.join(", "),
                        dump.display()
                    ));
                }
            }
        }
    }
    eprintln!("{runs} mutations: walker accepted {walker_ok}, decoder read {decoder_ok}, cleaned {cleaned}");
    assert!(runs >= 300, "only {runs} mutations");
    // Not vacuous: many mutations still pass the walker and some still decode completely.
    assert!(walker_ok >= runs / 10 && cleaned >= runs / 20, "too few mutations got far");
    assert!(failures.is_empty(), "{} of {runs} mutations break the property:\n{}", failures.len(), failures.join("\n"));
}
