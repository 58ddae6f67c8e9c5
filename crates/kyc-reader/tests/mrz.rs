//! The MRZ recogniser on generated passports' data pages and ID cards' backs (testdata::mrz):
//! the ICAO specimen read in full, each format, a damaged check digit and fillers printed as
//! `K` left unfilled, a photo without a zone, any bytes without a panic, and the accuracy set —
//! 300 generated photos, half mild and half hard, from seeds kept apart from the ones used while
//! tuning (0–299, `examples/mrz_tune.rs`): no field may be filled with a wrong value; the read
//! rates are printed (`-- --nocapture`), not asserted.

use image::GrayImage;
use kyc_domain::idread::mrz::{FailReason, Mrz, MrzField, MrzFormat};
use kyc_domain::person::Gender;
use kyc_domain::Date;
use kyc_reader::mrz::{read_luma, recognise};
use kyc_reader::testdata::mrz::{accuracy, damaged, photo, random_sample, specimen, today, Damage, MrzLook, Rng};
use kyc_reader::ReadError;

fn read(img: &GrayImage) -> Result<Mrz, ReadError> {
    read_luma(img.as_raw(), img.width(), img.height(), today())
}

#[test]
fn the_icao_specimen_reads_fully_at_a_clean_size() {
    let s = specimen();
    let img = photo(&s.lines, s.format, &MrzLook::plain(1280, 960, 20.0));
    let text = recognise(img.as_raw(), img.width(), img.height()).expect("a zone");
    assert_eq!(text.lines, s.lines);
    assert!(text.glyphs.iter().flatten().all(|g| g.score > 0.8), "every glyph matched well");
    let m = read(&img).expect("a zone");
    assert!(m.checks_hold());
    assert_eq!(m.data, s.truth.data);
    assert_eq!(m.data.document_number.as_deref(), Some("L898902C3"));
    assert_eq!(m.data.dob, Date::from_ymd(1974, 8, 12));
    assert_eq!(m.data.expiry, Date::from_ymd(2012, 4, 15));
    assert_eq!((m.data.last_name.as_deref(), m.data.first_name.as_deref()), (Some("ERIKSSON"), Some("ANNA")));
    assert_eq!((m.data.middle_name.as_deref(), m.data.sex), (Some("MARIA"), Some(Gender::Female)));
    // Utopia is no country: the nationality stays for the person.
    assert_eq!(m.failure(MrzField::Nationality), Some(FailReason::NotACountry));
    assert_eq!(kyc_reader::side(&m.data), kyc_domain::DocumentKind::IdFront);
}

#[test]
fn the_specimen_reads_small_large_turned_and_in_a_12_mp_jpeg() {
    let s = specimen();
    let looks = [
        MrzLook::plain(800, 600, 12.0),
        MrzLook { angle_deg: 15.0, ..MrzLook::plain(1600, 1200, 22.0) },
        MrzLook { angle_deg: -15.0, perspective: 0.04, seed: 3, ..MrzLook::plain(1600, 1200, 20.0) },
        MrzLook { angle_deg: 3.0, blur: 1.5, jpeg: Some(85), ..MrzLook::plain(4000, 3000, 60.0) },
    ];
    for look in looks {
        let m = read(&photo(&s.lines, s.format, &look)).unwrap_or_else(|e| panic!("{look:?}: {e}"));
        assert_eq!(m.data, s.truth.data, "{look:?}");
    }
}

#[test]
fn an_id_card_back_and_a_td2_card_read_fully() {
    let mut rng = Rng::new(5_000);
    for format in [MrzFormat::Td1, MrzFormat::Td2, MrzFormat::Td3] {
        let s = random_sample(&mut rng, format);
        let m = read(&photo(&s.lines, format, &MrzLook::plain(1280, 960, 22.0))).expect("a zone");
        assert_eq!(m.format, format);
        assert!(m.checks_hold(), "{format:?}");
        assert_eq!(m.data, s.truth.data, "{format:?}");
    }
}

#[test]
fn a_wrong_check_digit_leaves_only_its_field_empty() {
    let mut rng = Rng::new(5_001);
    for format in [MrzFormat::Td1, MrzFormat::Td3] {
        let s = random_sample(&mut rng, format);
        let look = MrzLook::plain(1280, 960, 20.0);
        let m = read(&photo(&damaged(&s, Damage::BirthCheckDigit), format, &look)).expect("a zone");
        assert_eq!((m.data.dob, m.failure(MrzField::BirthDate)), (None, Some(FailReason::CheckDigit)), "{format:?}");
        assert_eq!((&m.data.document_number, m.data.expiry), (&s.truth.data.document_number, s.truth.data.expiry));
        let m = read(&photo(&damaged(&s, Damage::NumberCheckDigit), format, &look)).expect("a zone");
        assert_eq!(m.data.document_number, None, "{format:?}");
        assert_eq!((m.data.dob, &m.data.last_name), (s.truth.data.dob, &s.truth.data.last_name));
    }
}

#[test]
fn fillers_printed_as_k_leave_the_names_empty() {
    let s = specimen();
    let lines = damaged(&s, Damage::FillersAsK);
    assert!(lines[0].contains("MARIA<KKK<"));
    let m = read(&photo(&lines, s.format, &MrzLook::plain(1280, 960, 20.0))).expect("a zone");
    assert_eq!((m.data.last_name.as_deref(), m.failure(MrzField::Names)), (None, Some(FailReason::Unreadable)));
    assert_eq!(m.data.document_number, s.truth.data.document_number);
}

#[test]
fn a_photo_without_a_zone_says_no_mrz() {
    let blank = GrayImage::from_pixel(640, 480, image::Luma([200]));
    assert_eq!(read(&blank).err(), Some(ReadError::NoMrz));
    let stripes = GrayImage::from_fn(800, 600, |x, y| image::Luma([((x * 7 + y * 3) % 255) as u8]));
    assert_eq!(read(&stripes).err(), Some(ReadError::NoMrz));
    // A licence back: print and a barcode, no zone.
    let licence = &kyc_reader::testdata::samples()[0];
    let back = kyc_reader::testdata::licence_back(&licence.payload(), &kyc_reader::testdata::Look::plain(1200, 900));
    assert_eq!(read(&back).err(), Some(ReadError::NoMrz));
    assert_eq!(recognise(&[], 0, 0).err(), Some(ReadError::BadImage));
    assert_eq!(recognise(&[0; 10], 3, 3).err(), Some(ReadError::BadImage));
}

#[test]
fn any_bytes_of_any_size_read_without_a_panic() {
    let mut rng = Rng::new(77);
    for case in 0..300 {
        let (w, h) = (1 + rng.below(260) as u32, 1 + rng.below(200) as u32);
        let len = (w * h) as usize;
        let pixels: Vec<u8> = match case % 4 {
            // Noise.
            0 => (0..len).map(|_| rng.next_u64() as u8).collect(),
            // Black and white specks.
            1 => (0..len).map(|_| if rng.below(3) == 0 { 0 } else { 255 }).collect(),
            // Glyph-sized dark blocks in rows, like print.
            2 => {
                let (bw, bh) = (2 + rng.below(12) as u32, 4 + rng.below(20) as u32);
                (0..len as u32)
                    .map(|i| {
                        let (x, y) = (i % w, i / w);
                        if (x / bw) % 2 == 0 && (y / bh) % 2 == 0 {
                            20
                        } else {
                            230
                        }
                    })
                    .collect()
            }
            _ => vec![rng.next_u64() as u8; len],
        };
        let _ = recognise(&pixels, w, h);
        let _ = read_luma(&pixels, w, h, today());
    }
    // Wrong lengths.
    for (len, w, h) in [(0, 1, 1), (5, 2, 2), (100, 10, 11), (1, 0, 1)] {
        assert_eq!(recognise(&vec![0; len], w, h).err(), Some(ReadError::BadImage));
    }
}

#[test]
fn the_generated_set_fills_no_field_with_a_wrong_value() {
    // Seeds 1_000_000.. (mild) and 2_000_000.. (hard): apart from the tuning seeds 0–299 and the
    // bench's (3_000_000.., 4_000_000..).
    const PER_HALF: u64 = 150;
    let started = std::time::Instant::now();
    for hard in [false, true] {
        let a = accuracy(if hard { 2_000_000 } else { 1_000_000 }, PER_HALF, hard);
        println!(
            "{}: {}/{PER_HALF} read with every check digit valid ({:.1} %), {} fields filled wrong",
            if hard { "hard" } else { "mild" },
            a.read_whole,
            a.percent(),
            a.wrong.len()
        );
        assert!(a.wrong.is_empty(), "wrong fills: {:?}", a.wrong);
    }
    println!("{} photos generated and read in {:.1} s", 2 * PER_HALF, started.elapsed().as_secs_f32());
}

#[test]
fn a_camera_video_of_a_data_page_is_a_y4m() {
    let s = specimen();
    let video = kyc_reader::testdata::mrz::video(&s.lines, s.format, &MrzLook::plain(320, 240, 6.0), 3);
    let header = b"YUV4MPEG2 W320 H240 F10:1";
    assert_eq!(&video[..header.len()], header);
    assert_eq!(video.len(), video.iter().position(|&b| b == b'\n').unwrap_or(0) + 1 + 3 * (6 + 320 * 240 * 3 / 2));
}

#[test]
fn a_page_dense_with_print_is_read_in_bounded_time() {
    // 1600 × 1200 of glyph-sized blocks in rows of 44 (zone-like lines, each tried), and the
    // small print of a dense page.
    let img = GrayImage::from_fn(1600, 1200, |x, y| {
        let (cx, cy) = (x % 14, y % 24);
        let zone_like = y < 600 && cx < 9 && cy < 16 && (x / 14) % 50 < 44;
        let print = y >= 600 && x % 6 < 4 && y % 9 < 7 && (x / 6 + y / 9) % 5 != 0;
        image::Luma([if zone_like || print { 30 } else { 225 }])
    });
    let started = std::time::Instant::now();
    assert_eq!(read(&img).err(), Some(ReadError::NoMrz));
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}
