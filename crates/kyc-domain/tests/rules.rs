//! One accepting and one rejecting test per rule, named after the rule. They run natively and,
//! through the dual `cfg_attr`, on wasm32 (the widget's target).

mod common;

use common::{jpeg_header, rules, today, valid_draft};
use kyc_domain::address::{parse_city, parse_ssn_for, parse_street, Ssn, State, ZipCode};
use kyc_domain::country::{Country, UsState};
use kyc_domain::document::{DocumentNumber, Expiry, IdDocType};
use kyc_domain::person::{DateOfBirth, Email, Gender, PersonName};
use kyc_domain::photo::{inspect_photo, DocumentKind};
use kyc_domain::{missing_documents, parse_draft, Date, ErrorCode, Field};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

fn code<T: std::fmt::Debug>(r: Result<T, kyc_domain::Violation>) -> ErrorCode {
    r.expect_err("expected a violation").code
}

// ---- names ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn name_accepts_letters_of_any_script_with_marks_and_punctuation() {
    for ok in [
        "Jane",
        "  Mary-Jane ",
        "O'Brien",
        "St. John",
        "José",
        "Jose\u{301}",
        "Núñez",
        "李小龙",
        "محمد",
        "Ђорђе",
        "देवनागरी",
        "שָׁלוֹם",
    ] {
        assert!(PersonName::parse(ok).is_ok(), "{ok:?} should be accepted");
    }
    assert_eq!(PersonName::parse("  Jane  ").unwrap().as_str(), "Jane");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn name_rejects_digits_symbols_controls_and_bidi_overrides() {
    for bad in ["Jane2", "J@ne", "Jane\nDoe", "A\u{202E}B", "\u{0}", "Jane٣"] {
        assert_eq!(code(PersonName::parse(bad)), ErrorCode::InvalidCharacters, "{bad:?}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn name_requires_a_letter_and_one_to_35_characters() {
    assert_eq!(code(PersonName::parse("   ")), ErrorCode::Required);
    assert_eq!(code(PersonName::parse("-'.")), ErrorCode::MustContainLetter);
    assert!(PersonName::parse(&"a".repeat(35)).is_ok());
    let v = PersonName::parse(&"a".repeat(36)).unwrap_err();
    assert_eq!((v.code, v.param("max")), (ErrorCode::TooLong, Some(35)));
}

// ---- email ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn email_accepts_what_input_type_email_accepts_and_lowercases_the_domain() {
    for ok in ["a@b", "jane.doe+kyc@Example.COM", "x!#$%&'*+/=?^_`{|}~-@a-b.c0"] {
        assert!(Email::parse(ok).is_ok(), "{ok:?}");
    }
    assert_eq!(Email::parse(" Jane@Example.COM ").unwrap().as_str(), "Jane@example.com");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn email_rejects_bad_syntax_and_more_than_64_characters() {
    for bad in ["plain", "@b.c", "a@", "a@-b.c", "a@b-.c", "a@b..c", "a b@c.d", "a@b@c", "ü@b.c", "a@b_c.d"] {
        assert_eq!(code(Email::parse(bad)), ErrorCode::InvalidEmail, "{bad:?}");
    }
    let long = format!("{}@example.com", "a".repeat(53));
    assert_eq!(code(Email::parse(&long)), ErrorCode::TooLong);
    assert_eq!(code(Email::parse("")), ErrorCode::Required);
}

// ---- date of birth ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn dob_accepts_a_real_past_date_of_an_adult() {
    let t = today();
    assert!(DateOfBirth::parse("1990-04-01", t, 18).is_ok());
    assert!(DateOfBirth::parse("2008-11-26", t, 18).is_ok(), "18th birthday today");
    assert!(DateOfBirth::parse("2000-02-29", t, 18).is_ok(), "leap day in a leap year");
    assert!(DateOfBirth::parse("1906-11-26", t, 18).is_ok(), "exactly 120 years ago");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn dob_rejects_unreal_future_too_young_and_too_old_dates() {
    let t = today();
    for bad in
        ["2023-02-29", "1900-02-29", "1990-13-01", "1990-04-31", "90-04-01", "1990/04/01", "1990-4-1", "abcd-ef-gh"]
    {
        assert_eq!(code(DateOfBirth::parse(bad, t, 18)), ErrorCode::InvalidDate, "{bad:?}");
    }
    assert_eq!(code(DateOfBirth::parse("2026-11-27", t, 18)), ErrorCode::DateInFuture);
    let young = DateOfBirth::parse("2008-11-27", t, 18).unwrap_err();
    assert_eq!((young.code, young.param("min_age")), (ErrorCode::TooYoung, Some(18)));
    assert_eq!(code(DateOfBirth::parse("1906-11-25", t, 18)), ErrorCode::TooOld);
    assert_eq!(code(DateOfBirth::parse("1850-01-01", t, 18)), ErrorCode::TooOld);
    assert!(DateOfBirth::parse("2008-11-27", t, 16).is_ok(), "the minimum age is configurable");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn leap_day_birthdays_are_reached_on_the_first_of_march() {
    let born = Date::parse("2004-02-29").unwrap();
    assert_eq!(born.years_until(Date::parse("2022-02-28").unwrap()), 17);
    assert_eq!(born.years_until(Date::parse("2022-03-01").unwrap()), 18);
    assert_eq!(Date::from_unix_millis(0).unwrap().to_string(), "1970-01-01");
    assert_eq!(Date::from_unix_millis(1_764_201_600_000).unwrap().to_string(), "2025-11-27");
}

// ---- gender, document type ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn gender_accepts_1_and_2_only() {
    assert_eq!(Gender::parse("1").unwrap(), Gender::Male);
    assert_eq!(Gender::parse("2").unwrap(), Gender::Female);
    assert_eq!(code(Gender::parse("3")), ErrorCode::InvalidChoice);
    assert_eq!(code(Gender::parse("")), ErrorCode::Required);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn id_doc_type_accepts_1_to_4_only() {
    for (s, t) in [
        ("1", IdDocType::IdCard),
        ("2", IdDocType::Passport),
        ("3", IdDocType::ResidencePermit),
        ("4", IdDocType::DriversLicence),
    ] {
        assert_eq!(IdDocType::parse(s).unwrap(), t);
    }
    assert_eq!(code(IdDocType::parse("5")), ErrorCode::InvalidChoice);
    assert_eq!(code(IdDocType::parse("0")), ErrorCode::InvalidChoice);
}

// ---- document number ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn document_number_removes_spaces_and_uppercases() {
    assert_eq!(DocumentNumber::parse(" ab 12-3c ", None).unwrap().as_str(), "AB12-3C");
    assert!(DocumentNumber::parse(&"A".repeat(64), Some(IdDocType::IdCard)).is_ok());
    assert!(DocumentNumber::parse(&"A".repeat(20), Some(IdDocType::Passport)).is_ok());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn document_number_rejects_other_characters_and_lengths_over_64_or_20_for_passports() {
    assert_eq!(code(DocumentNumber::parse("AB/12", None)), ErrorCode::InvalidCharacters);
    assert_eq!(code(DocumentNumber::parse("ÄB12", None)), ErrorCode::InvalidCharacters);
    assert_eq!(code(DocumentNumber::parse("  ", None)), ErrorCode::Required);
    assert_eq!(code(DocumentNumber::parse(&"A".repeat(65), Some(IdDocType::IdCard))), ErrorCode::TooLong);
    let v = DocumentNumber::parse(&"A".repeat(21), Some(IdDocType::Passport)).unwrap_err();
    assert_eq!((v.code, v.param("max")), (ErrorCode::TooLong, Some(20)));
}

// ---- validUntil ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn valid_until_accepts_today_future_dates_and_the_explicit_no_expiry() {
    assert_eq!(Expiry::parse("2026-11-26", today()).unwrap(), Expiry::On(Date::from_ymd(2026, 11, 26).unwrap()));
    assert_eq!(Expiry::parse("2099-01-01", today()).unwrap(), Expiry::Never);
    assert_eq!(Expiry::Never.to_wire(), "2099-01-01");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn valid_until_rejects_expired_unreal_and_after_2099_01_01() {
    assert_eq!(code(Expiry::parse("2026-11-25", today())), ErrorCode::Expired);
    assert_eq!(code(Expiry::parse("2099-01-02", today())), ErrorCode::DateTooFar);
    assert_eq!(code(Expiry::parse("2027-02-29", today())), ErrorCode::InvalidDate);
    assert_eq!(code(Expiry::parse("", today())), ErrorCode::Required);
}

// ---- countries and states ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn country_accepts_every_assigned_code_and_converts_alpha2_and_alpha3() {
    assert_eq!(Country::all().count(), 249);
    for c in Country::all() {
        assert_eq!(Country::parse(c.alpha2()).unwrap(), c);
        assert_eq!(Country::parse(c.alpha3()).unwrap(), c);
    }
    assert_eq!(Country::parse("es").unwrap().alpha3(), "ESP");
    assert_eq!(Country::parse("DEU").unwrap().alpha2(), "DE");
    assert!(Country::parse("us").unwrap().is_us());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn country_rejects_unassigned_codes() {
    for bad in ["XX", "UK", "EU", "ZZZ", "U", "USAA"] {
        assert_eq!(Country::parse(bad).unwrap_err(), ErrorCode::UnknownCountry, "{bad:?}");
    }
    assert_eq!(Country::parse(" ").unwrap_err(), ErrorCode::Required);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn state_is_a_usps_code_in_the_us_and_free_text_elsewhere() {
    let us = Some(Country::US);
    let es = Country::parse("ES").ok();
    assert_eq!(State::parse("ca", us).unwrap().as_str(), "CA");
    assert_eq!(State::parse("DC", us).unwrap().as_str(), "DC");
    assert_eq!(UsState::parse("NY").unwrap().name(), "New York");
    assert_eq!(code(State::parse("XX", us)), ErrorCode::UnknownState);
    assert_eq!(code(State::parse("PR", us)), ErrorCode::UnknownState, "50 states + DC only");
    assert_eq!(State::parse("Comunidad de Madrid", es).unwrap().as_str(), "Comunidad de Madrid");
    assert_eq!(code(State::parse(&"x".repeat(33), es)), ErrorCode::TooLong);
    assert_eq!(code(State::parse("", es)), ErrorCode::Required);
}

// ---- city, street, ZIP ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn city_and_street_accept_1_to_64_and_1_to_256_characters() {
    assert!(parse_city("San Francisco").is_ok());
    assert!(parse_city(&"c".repeat(64)).is_ok());
    assert!(parse_street(&"s".repeat(256)).is_ok());
    assert_eq!(code(parse_city(&"c".repeat(65))), ErrorCode::TooLong);
    assert_eq!(code(parse_street(&"s".repeat(257))), ErrorCode::TooLong);
    assert_eq!(code(parse_city("  ")), ErrorCode::Required);
    assert_eq!(code(parse_street("1 Main\u{202E}St")), ErrorCode::InvalidCharacters);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn zip_is_5_or_5_plus_4_digits_in_the_us() {
    let us = Some(Country::US);
    assert!(ZipCode::parse("94105", us).is_ok());
    assert!(ZipCode::parse("94105-1234", us).is_ok());
    for bad in ["1234", "123456", "94105-12", "9410A", "94105 1234"] {
        assert_eq!(code(ZipCode::parse(bad, us)), ErrorCode::InvalidZip, "{bad:?}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn zip_is_1_to_16_letters_digits_spaces_hyphens_elsewhere() {
    let gb = Country::parse("GB").ok();
    assert!(ZipCode::parse("SW1A 1AA", gb).is_ok());
    assert!(ZipCode::parse("28014", gb).is_ok());
    assert_eq!(code(ZipCode::parse("SW1A_1AA", gb)), ErrorCode::InvalidZip);
    assert_eq!(code(ZipCode::parse(&"1".repeat(17), gb)), ErrorCode::TooLong);
}

// ---- SSN ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn ssn_accepts_9_digits_with_or_without_dashes_and_serialises_as_digits() {
    assert_eq!(Ssn::parse("123-45-6789").unwrap().digits(), "123456789");
    assert_eq!(Ssn::parse("123456789").unwrap().digits(), "123456789");
    assert_eq!(Ssn::parse("123-45-6789").unwrap().masked(), "•••-••-6789");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn ssn_rejects_bad_shape_and_unicode_digits() {
    for bad in ["12345678", "1234567890", "123-456-789", "12-345-6789", "abc-de-fghi", "١٢٣٤٥٦٧٨٩", "123 45 6789"]
    {
        assert_eq!(code(Ssn::parse(bad)), ErrorCode::InvalidSsn, "{bad:?}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn rejects_ssn_with_area_000_666_or_900_to_999() {
    for bad in ["000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456"] {
        assert_eq!(code(Ssn::parse(bad)), ErrorCode::SsnInvalidArea, "{bad:?}");
    }
    assert!(Ssn::parse("899-12-3456").is_ok());
    assert!(Ssn::parse("665-12-3456").is_ok());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn rejects_ssn_with_group_00_or_serial_0000() {
    assert_eq!(code(Ssn::parse("123-00-4567")), ErrorCode::SsnInvalidGroup);
    assert_eq!(code(Ssn::parse("123-45-0000")), ErrorCode::SsnInvalidSerial);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn ssn_is_required_for_a_us_address_and_not_applicable_elsewhere() {
    let us = Some(Country::US);
    let fr = Country::parse("FR").ok();
    assert!(parse_ssn_for(Some("123-45-6789"), us).unwrap().is_some());
    assert_eq!(code(parse_ssn_for(None, us)), ErrorCode::Required);
    assert_eq!(code(parse_ssn_for(Some("  "), us)), ErrorCode::Required);
    assert!(parse_ssn_for(None, fr).unwrap().is_none());
    assert!(parse_ssn_for(Some(""), fr).unwrap().is_none());
    assert_eq!(code(parse_ssn_for(Some("123-45-6789"), fr)), ErrorCode::NotApplicable);
}

// ---- photos ----

/// A PNG header (signature + IHDR) declaring `w` × `h`.
pub fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    b
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn photo_accepts_jpeg_and_png_by_magic_bytes_with_header_dimensions() {
    let p = inspect_photo(&png_header(640, 480), 10_000).unwrap();
    assert_eq!((p.format.media_type(), p.width, p.height), ("image/png", 640, 480));
    let j = inspect_photo(&jpeg_header(1024, 768), 10_000).unwrap();
    assert_eq!((j.format.media_type(), j.width, j.height), ("image/jpeg", 1024, 768));
    assert!(inspect_photo(&png_header(480, 480), 5_000_000).is_ok());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn photo_rejects_other_types_by_magic_bytes() {
    for bad in [&b"GIF89a......"[..], b"%PDF-1.4", b"RIFF\0\0\0\0WEBPVP8 ", b"<svg xmlns=", b"PK\x03\x04"] {
        assert_eq!(code(inspect_photo(bad, bad.len() as u64)), ErrorCode::UnsupportedFileType);
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn photo_rejects_more_than_5000000_bytes() {
    let v = inspect_photo(&png_header(640, 480), 5_000_001).unwrap_err();
    assert_eq!((v.code, v.param("max_bytes")), (ErrorCode::FileTooLarge, Some(5_000_000)));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn photo_rejects_a_short_edge_under_480_px() {
    assert_eq!(code(inspect_photo(&png_header(640, 479), 1000)), ErrorCode::ImageTooSmall);
    assert_eq!(code(inspect_photo(&jpeg_header(479, 4000), 1000)), ErrorCode::ImageTooSmall);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn photo_rejects_pixel_floods_over_40_megapixels() {
    assert_eq!(code(inspect_photo(&png_header(50_000, 50_000), 300_000)), ErrorCode::ImageTooLarge);
    assert_eq!(code(inspect_photo(&jpeg_header(65_000, 65_000), 1000)), ErrorCode::ImageTooLarge);
    assert!(inspect_photo(&png_header(8000, 5000), 1_000_000).is_ok(), "exactly 40 MP");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn photo_rejects_empty_and_truncated_headers() {
    assert_eq!(code(inspect_photo(&[], 0)), ErrorCode::UnreadableImage);
    assert_eq!(code(inspect_photo(&[0xFF, 0xD8, 0xFF], 3)), ErrorCode::UnreadableImage);
    assert_eq!(code(inspect_photo(&png_header(640, 480)[..18], 18)), ErrorCode::UnreadableImage);
    assert_eq!(code(inspect_photo(&png_header(0, 480), 100)), ErrorCode::UnreadableImage);
}

// ---- cross-field and whole draft ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn documents_required_before_submit_are_id_front_and_face() {
    assert!(missing_documents(&[DocumentKind::IdFront, DocumentKind::Face]).is_empty());
    let missing: Vec<Field> = missing_documents(&[DocumentKind::IdBack]).into_iter().map(|e| e.field).collect();
    assert_eq!(missing, vec![Field::IdFront, Field::Face]);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_valid_draft_parses() {
    let a = parse_draft(&valid_draft(), &rules()).unwrap();
    assert_eq!(a.address.ssn.as_ref().unwrap().digits(), "123456789");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn an_empty_draft_lists_every_required_field_in_order() {
    let errs = parse_draft(&kyc_domain::DraftDto::default(), &rules()).unwrap_err();
    let fields: Vec<&str> = errs.iter().map(|e| e.field.path()).collect();
    assert_eq!(
        fields,
        [
            "email",
            "individualInfo.firstName",
            "individualInfo.lastName",
            "individualInfo.dob",
            "individualInfo.country",
            "individualInfo.gender",
            "individualInfo.idDocType",
            "individualInfo.number",
            "individualInfo.validUntil",
            "address.country",
            "address.state",
            "address.city",
            "address.address",
            "address.zipCode"
        ]
    );
    assert!(errs.iter().all(|e| e.code == ErrorCode::Required));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn draft_denies_unknown_and_server_set_fields() {
    for extra in [
        r#"{"requestNo":"x"}"#,
        r#"{"callbackUrl":"http://169.254.169.254/"}"#,
        r#"{"kycPlatform":"x"}"#,
        r#"{"holderType":"1"}"#,
        r#"{"individualInfo":{"ipAddress":"1.2.3.4"}}"#,
        r#"{"address":{"evil":1}}"#,
    ] {
        assert!(serde_json::from_str::<kyc_domain::DraftDto>(extra).is_err(), "{extra}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn gender_and_document_type_read_as_number_or_text_and_nothing_else() {
    use kyc_domain::draft::NumOrText;
    let read = |v: &str| serde_json::from_str::<NumOrText>(v).map_err(|e| e.to_string());
    assert_eq!(read("2"), Ok(NumOrText::Num(2)));
    assert_eq!(read("-7"), Ok(NumOrText::Num(-7)));
    assert_eq!(read(r#""2""#), Ok(NumOrText::Text("2".into())));
    assert_eq!(read(r#""a\u00e9""#), Ok(NumOrText::Text("a\u{e9}".into())));
    for bad in ["2.5", "true", "null", "[]", "{}", "18446744073709551615"] {
        let e = read(bad).expect_err(bad);
        assert!(e.contains("an integer or a string"), "{bad}: {e}");
    }
    // Written back as it came (untagged): a number stays a number.
    assert_eq!(serde_json::to_string(&NumOrText::Num(2)).unwrap(), "2");
    assert_eq!(serde_json::to_string(&NumOrText::Text("2".into())).unwrap(), r#""2""#);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_draft_gives_back_each_field_as_text() {
    let d = valid_draft();
    let json = serde_json::to_value(&d).unwrap();
    for f in Field::ALL {
        let at = f.path().split('.').try_fold(&json, |v, k| v.get(k));
        let expected = at.and_then(|v| v.as_str().map(str::to_owned).or_else(|| v.as_i64().map(|n| n.to_string())));
        assert_eq!(d.value(f), expected, "{}", f.path());
    }
    assert!(Field::ALL.iter().filter(|f| d.value(**f).is_some()).count() >= 14);
    assert_eq!(kyc_domain::DraftDto::default().value(Field::Email), None);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn field_errors_serialise_as_the_contract_shape() {
    let mut d = valid_draft();
    d.individual_info.dob = Some("2010-01-01".into());
    let errs = parse_draft(&d, &rules()).unwrap_err();
    assert_eq!(
        serde_json::to_string(&errs).unwrap(),
        r#"[{"field":"individualInfo.dob","code":"too_young","params":{"min_age":18}}]"#
    );
}
