//! Writes the generated document fixtures the end-to-end tests and the bench use into the
//! directory given (default `target/documents`): licence backs of fictitious people as photos
//! and as Y4M camera videos, and `documents.json` saying what each one holds; passports' data
//! pages and ID cards' backs with a machine-readable zone (the ICAO specimen, fictitious
//! holders, a damaged check digit, fillers printed as `K`), and `mrz.json` saying what each one
//! holds and what a read fills.
//!
//! `cargo run -p kyc-reader --features testdata --example make_documents -- DIR`

use std::path::PathBuf;

use kyc_reader::testdata::{jpeg, licence_back, png, y4m, Look};
use serde_json::json;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "target/documents".to_owned()));
    std::fs::create_dir_all(&dir)?;
    let mut manifest = serde_json::Map::new();
    for sample in kyc_reader::testdata::samples() {
        let payload = sample.payload();
        let mut files = Vec::new();
        let mut write = |name: String, bytes: Vec<u8>| -> std::io::Result<()> {
            std::fs::write(dir.join(&name), bytes)?;
            files.push(name);
            Ok(())
        };
        // A phone photo, a little turned and soft.
        let photo = Look { angle_deg: 3.0, blur: 0.8, ..Look::plain(2000, 1500) };
        write(format!("{}.jpg", sample.name), jpeg(&licence_back(&payload, &photo), 88))?;
        write(format!("{}.png", sample.name), png(&licence_back(&payload, &Look::plain(1200, 900))))?;
        if sample.name == "licence-v10" {
            // The bench's 12 MP photo, and the fake camera's video: the card on the outline,
            // first out of focus, then sharp.
            let big = Look { angle_deg: -4.0, blur: 1.5, glare: true, ..Look::plain(4000, 3000) };
            write(format!("{}-12mp.jpg", sample.name), jpeg(&licence_back(&payload, &big), 90))?;
            let on = Look::on_outline(1280, 720);
            let frames = [
                licence_back(&payload, &Look { blur: 6.0, ..on }),
                licence_back(&payload, &Look { blur: 3.0, angle_deg: 2.0, ..on }),
                licence_back(&payload, &on),
                licence_back(&payload, &Look { angle_deg: 1.0, ..on }),
            ];
            write(format!("{}.y4m", sample.name), y4m(&frames, 5))?;
        }
        let fills: serde_json::Map<String, serde_json::Value> = sample
            .document
            .fills()
            .into_iter()
            .map(|(f, v)| {
                (serde_json::to_value(f).ok().and_then(|f| f.as_str().map(str::to_owned)).unwrap_or_default(), json!(v))
            })
            .collect();
        manifest.insert(
            sample.name.to_owned(),
            json!({"version": sample.version, "files": files, "fills": fills, "payload": payload}),
        );
    }
    let path = dir.join("documents.json");
    std::fs::write(&path, serde_json::to_string_pretty(&manifest)?)?;
    eprintln!("wrote {}", path.display());
    mrz_documents(&dir)
}

/// The MRZ fixtures and `mrz.json`: `{name: {"format", "lines", "files", "fills", "unfilled"}}`,
/// `fills` what a read fills (only fields whose check digits hold), `unfilled` the draft fields
/// it leaves for the person.
fn mrz_documents(dir: &std::path::Path) -> std::io::Result<()> {
    use kyc_domain::idread::mrz::{parse, MrzFormat};
    use kyc_domain::Date;
    use kyc_reader::testdata::mrz::{damaged, photo, random_sample, specimen, today, video, Damage, MrzLook, Rng};
    let mut rng = Rng::new(25_025);
    // Holders of age (born before 2000, valid until after today), whose documents go through
    // the widget to the end: the next sample until one is.
    let mut holder = |format| loop {
        let s = random_sample(&mut rng, format);
        let (dob, expiry) = (s.truth.data.dob, s.truth.data.expiry);
        if dob.is_some_and(|d| d < Date::from_ymd(2000, 1, 1).unwrap_or(d)) && expiry.is_some_and(|e| e > today()) {
            break s;
        }
    };
    let passport = holder(MrzFormat::Td3);
    let card = holder(MrzFormat::Td1);
    let cases = [
        ("passport-specimen", specimen().format, specimen().lines),
        ("passport", passport.format, passport.lines.clone()),
        ("idcard-back-td1", card.format, card.lines.clone()),
        ("passport-birth-check-digit", passport.format, damaged(&passport, Damage::BirthCheckDigit)),
        ("passport-fillers-as-k", passport.format, damaged(&passport, Damage::FillersAsK)),
    ];
    let mut manifest = serde_json::Map::new();
    for (name, format, lines) in cases {
        let mut files = Vec::new();
        let mut write = |file: String, bytes: Vec<u8>| -> std::io::Result<()> {
            std::fs::write(dir.join(&file), bytes)?;
            files.push(file);
            Ok(())
        };
        // A phone photo, a little turned and soft; a clean scan.
        let phone =
            MrzLook { angle_deg: 3.0, blur: 0.8, perspective: 0.01, seed: 1, ..MrzLook::plain(2000, 1500, 28.0) };
        write(format!("{name}.jpg"), jpeg(&photo(&lines, format, &phone), 88))?;
        write(format!("{name}.png"), png(&photo(&lines, format, &MrzLook::plain(1280, 960, 20.0))))?;
        if name == "passport" {
            // The bench's 12 MP photo, and the fake camera's video.
            let big = MrzLook { angle_deg: -4.0, blur: 1.5, glare: true, seed: 2, ..MrzLook::plain(4000, 3000, 58.0) };
            write(format!("{name}-12mp.jpg"), jpeg(&photo(&lines, format, &big), 90))?;
            write(format!("{name}.y4m"), video(&lines, format, &MrzLook::plain(1280, 720, 17.0), 6))?;
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let read = parse(&refs, today()).map_err(|e| std::io::Error::other(e.to_string()))?;
        let key = |f: kyc_domain::Field| {
            serde_json::to_value(f).ok().and_then(|f| f.as_str().map(str::to_owned)).unwrap_or_default()
        };
        let fills: serde_json::Map<String, serde_json::Value> =
            read.data.fills().into_iter().map(|(f, v)| (key(f), json!(v))).collect();
        let unfilled: Vec<String> = read.failed_fields().into_iter().map(key).collect();
        manifest.insert(
            name.to_owned(),
            json!({"format": format, "lines": lines, "files": files, "fills": fills, "unfilled": unfilled}),
        );
    }
    let path = dir.join("mrz.json");
    std::fs::write(&path, serde_json::to_string_pretty(&manifest)?)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
