//! The reader on generated licence backs: every AAMVA version the samples cover, turned,
//! blurred, under glare, as JPEG; and the ways it says it read nothing.

use image::GrayImage;
use kyc_reader::testdata::{jpeg, licence_back, pdf417, samples, Look};
use kyc_reader::{decode_pdf417, read_luma, read_rgba, ReadError};

fn read(img: &GrayImage) -> Result<kyc_domain::idread::DocumentData, ReadError> {
    read_luma(img.as_raw(), img.width(), img.height())
}

#[test]
fn every_sample_reads_back_as_written() {
    for s in samples() {
        let img = licence_back(&s.payload(), &Look::plain(1200, 900));
        let doc = read(&img).unwrap_or_else(|e| panic!("{}: {e}", s.name));
        assert_eq!(doc.fills(), s.document.fills(), "{}", s.name);
        assert_eq!(doc.last_name, s.document.last_name, "{}", s.name);
        assert_eq!(doc.dob, s.document.dob, "{}", s.name);
        assert_eq!(doc.expiry, s.document.expiry, "{}", s.name);
        assert_eq!(kyc_reader::side(&doc), kyc_domain::DocumentKind::IdBack);
    }
}

#[test]
fn a_phone_photo_turned_blurred_and_under_glare_is_read() {
    let s = &samples()[0];
    let looks = [
        Look { angle_deg: 7.0, ..Look::plain(1600, 1200) },
        Look { angle_deg: -7.0, blur: 1.2, ..Look::plain(1600, 1200) },
        Look { glare: true, blur: 0.8, ..Look::plain(1600, 1200) },
        Look { card_share: 0.45, centre: (0.35, 0.6), ..Look::plain(1600, 1200) },
        Look { angle_deg: 180.0, ..Look::plain(1600, 1200) },
        Look { angle_deg: 90.0, ..Look::plain(1200, 1600) },
    ];
    for look in looks {
        let img = licence_back(&s.payload(), &look);
        let doc = read(&img).unwrap_or_else(|e| panic!("{look:?}: {e}"));
        assert_eq!(doc.document_number, s.document.document_number, "{look:?}");
    }
}

#[test]
fn a_12_mp_jpeg_is_read_at_a_reduced_scale() {
    let s = &samples()[0];
    let img = licence_back(&s.payload(), &Look { angle_deg: -4.0, blur: 1.5, glare: true, ..Look::plain(4000, 3000) });
    let bytes = jpeg(&img, 90);
    let decoded = image::load_from_memory(&bytes).expect("decodes").to_rgba8();
    let doc = read_rgba(decoded.as_raw(), decoded.width(), decoded.height()).expect("read");
    assert_eq!(doc.fills(), s.document.fills());
}

#[test]
fn a_card_without_a_barcode_says_no_barcode() {
    let img = GrayImage::from_fn(800, 600, |x, y| image::Luma([((x * 7 + y * 3) % 255) as u8]));
    assert_eq!(read(&img), Err(ReadError::NoBarcode));
    let blank = GrayImage::from_pixel(640, 480, image::Luma([200]));
    assert_eq!(read(&blank), Err(ReadError::NoBarcode));
}

#[test]
fn a_barcode_that_is_not_a_licence_says_not_a_document() {
    let img = licence_back("Hello, this is a boarding pass, not a licence.", &Look::plain(1200, 900));
    assert!(decode_pdf417(img.as_raw(), img.width(), img.height()).is_ok());
    assert_eq!(read(&img), Err(ReadError::NotADocument));
}

#[test]
fn a_payload_in_byte_compaction_decodes_without_a_panic() {
    // Bytes over 0x7F force byte compaction and the ISO-8859-1 path patched in vendor/rxing.
    let symbol = pdf417("@\n\u{1e}\rANSI caf\u{e9} \u{ff}\u{80}");
    assert!(!symbol.is_empty());
    let img = licence_back("@\n\u{1e}\rANSI caf\u{e9} \u{ff}\u{80}", &Look::plain(1200, 900));
    let payload = decode_pdf417(img.as_raw(), img.width(), img.height()).expect("decoded");
    assert_eq!(payload, b"@\n\x1e\rANSI caf\xe9 \xff\x80");
}

#[test]
fn the_modules_answers_are_json_with_paths_and_values() {
    let s = &samples()[0];
    let doc = read(&licence_back(&s.payload(), &Look::plain(1200, 900))).expect("read");
    let answer: serde_json::Value =
        serde_json::from_str(&kyc_reader::answer::read_answer(&kyc_reader::Found::whole(doc.clone()))).expect("JSON");
    assert_eq!(answer["ok"], true);
    assert_eq!(answer["read"], "pdf417");
    assert_eq!(answer["side"], "idBack");
    let fills = answer["fills"].as_array().expect("fills");
    assert!(fills.contains(&serde_json::json!(["individualInfo.lastName", "Sample"])), "{fills:?}");
    assert!(fills.contains(&serde_json::json!(["individualInfo.number", "D1234567"])), "{fills:?}");

    // A draft with another last name and a moved address.
    let mut draft = kyc_domain::DraftDto::default();
    for (f, v) in doc.fills() {
        draft.set(f, v);
    }
    draft.set(kyc_domain::Field::LastName, "Sampel \"quoted\"".to_owned());
    draft.set(kyc_domain::Field::City, "Oakland".to_owned());
    let check: serde_json::Value = serde_json::from_str(&kyc_reader::answer::check_answer(&draft, &doc)).expect("JSON");
    let mismatched = check["mismatched"].as_array().expect("mismatched");
    assert!(mismatched
        .contains(&serde_json::json!({"field": "individualInfo.lastName", "strong": true, "document": "Sample"})));
    assert!(mismatched.iter().any(|m| m["field"] == "address.city" && m["strong"] == false));
    let matched = check["matched"].as_array().expect("matched");
    assert!(matched.contains(&serde_json::json!("individualInfo.dob")));
    assert!(!matched.contains(&serde_json::json!("individualInfo.lastName")));
}

#[test]
fn long_digit_runs_in_numeric_compaction_decode_exactly() {
    // 13+ digits go into numeric compaction: base 900 to base 10 (patched in vendor/rxing).
    for text in [
        "1234567890123456789012345678901234567890123456789012345678901234567890",
        "DAQ0000000000000001 and 999999999999999999999999999999999999999999999",
        "100000000000000000000000000000000000000000000",
    ] {
        let img = licence_back(text, &Look::plain(1400, 1000));
        let payload = decode_pdf417(img.as_raw(), img.width(), img.height()).expect("decoded");
        assert_eq!(String::from_utf8(payload).expect("ASCII"), text);
    }
}
