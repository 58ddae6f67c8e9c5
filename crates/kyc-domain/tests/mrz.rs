//! Reading a machine-readable zone (ICAO Doc 9303: TD1, TD2, TD3; visas refused): every check
//! digit of the ICAO specimens, the OCR repairs (one fits: repaired; several: refused), names and
//! their fillers, the long document number, the country codes, what a read fills in, and the
//! builder that writes test zones. Runs natively and, through the dual `cfg_attr`, on wasm32;
//! the property tests at the end are native only.

mod common;

use common::{rules, today, valid_draft};
use kyc_domain::idread::mrz::{
    build, check_digit, country, icao_code, parse, CheckOutcome, FailReason, Failure, Mrz, MrzError, MrzField,
    MrzFormat, UNREADABLE,
};
use kyc_domain::idread::{cross_check, DocumentData, FieldCheck, ReadKind, ReadSource, Strength, Truncation};
use kyc_domain::person::Gender;
use kyc_domain::{parse_draft, Country, Date, DraftDto, Field};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

/// The ICAO Doc 9303 part 4 specimen passport (TD3).
const TD3: [&str; 2] = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"];
/// The part 5 specimen ID card (TD1).
const TD1: [&str; 3] =
    ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"];
/// The part 6 specimen (TD2).
const TD2: [&str; 2] = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"];

fn d(y: u16, m: u8, day: u8) -> Date {
    Date::from_ymd(y, m, day).unwrap()
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

fn read(lines: &[&str]) -> Mrz {
    parse(lines, today()).expect("a zone")
}

fn owned(lines: &[String]) -> Vec<&str> {
    lines.iter().map(String::as_str).collect()
}

/// `lines` with line `l` changed at `at` to `c`.
fn with(lines: &[&str], l: usize, at: usize, c: char) -> Vec<String> {
    let mut v: Vec<String> = lines.iter().map(|s| (*s).to_owned()).collect();
    v[l].replace_range(at..at + 1, &c.to_string());
    v
}

fn checks(m: &Mrz) -> Vec<(MrzField, CheckOutcome)> {
    m.checks.iter().map(|c| (c.field, c.outcome)).collect()
}

fn all_valid(fields: &[MrzField]) -> Vec<(MrzField, CheckOutcome)> {
    fields.iter().map(|&f| (f, CheckOutcome::Valid)).collect()
}

const TD3_CHECKS: [MrzField; 5] =
    [MrzField::DocumentNumber, MrzField::BirthDate, MrzField::ExpiryDate, MrzField::OptionalData, MrzField::Composite];
const TD1_CHECKS: [MrzField; 4] =
    [MrzField::DocumentNumber, MrzField::BirthDate, MrzField::ExpiryDate, MrzField::Composite];

fn not_a_country() -> Vec<Failure> {
    vec![Failure { field: MrzField::Nationality, reason: FailReason::NotACountry }]
}

// ---- the specimens ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn the_td3_specimen_holds_every_check_digit() {
    let l2 = TD3[1];
    assert_eq!(check_digit(&l2[0..9]), Some('6'), "document number");
    assert_eq!(check_digit(&l2[13..19]), Some('2'), "birth date");
    assert_eq!(check_digit(&l2[21..27]), Some('9'), "expiry date");
    assert_eq!(check_digit(&l2[28..42]), Some('1'), "personal number");
    assert_eq!(check_digit(&format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43])), Some('0'), "composite");
    let m = read(&TD3);
    assert_eq!(m.format, MrzFormat::Td3);
    assert_eq!(m.document_code, "P<");
    assert_eq!(checks(&m), all_valid(&TD3_CHECKS));
    assert!(m.checks_hold());
    let doc = &m.data;
    assert_eq!((doc.source, doc.kind), (ReadSource::Mrz, Some(ReadKind::Passport)));
    assert_eq!((&doc.last_name, &doc.first_name, &doc.middle_name), (&s("ERIKSSON"), &s("ANNA"), &s("MARIA")));
    assert_eq!((doc.dob, doc.expiry), (Some(d(1974, 8, 12)), Some(d(2012, 4, 15))));
    assert_eq!((&doc.document_number, doc.sex), (&s("L898902C3"), Some(Gender::Female)));
    assert_eq!(doc.truncated, Truncation::default());
    // Utopia is no country: the nationality is the one field not filled, the address none at all.
    assert_eq!((doc.nationality, m.issuing_state, doc.country), (None, None, None));
    assert_eq!(m.failed, not_a_country());
    assert_eq!(m.failed_fields(), [Field::Nationality]);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn the_td1_and_td2_specimens_hold_every_check_digit() {
    assert_eq!(check_digit("D23145890"), Some('7'));
    let (l1, l2) = (TD1[0], TD1[1]);
    let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
    assert_eq!(check_digit(&composite), Some('6'), "TD1: upper line, then the middle line's fields");
    let l2 = TD2[1];
    assert_eq!(check_digit(&format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..35])), Some('6'));
    for (lines, format) in [(&TD1[..], MrzFormat::Td1), (&TD2[..], MrzFormat::Td2)] {
        let m = read(lines);
        assert_eq!((m.format, m.document_code.as_str()), (format, "I<"));
        assert_eq!(checks(&m), all_valid(&TD1_CHECKS), "{format:?}");
        let doc = &m.data;
        assert_eq!(doc.kind, Some(ReadKind::IdCard));
        assert_eq!((&doc.last_name, &doc.first_name, &doc.middle_name), (&s("ERIKSSON"), &s("ANNA"), &s("MARIA")));
        assert_eq!((doc.dob, doc.expiry, doc.sex), (Some(d(1974, 8, 12)), Some(d(2012, 4, 15)), Some(Gender::Female)));
        assert_eq!(doc.document_number, s("D23145890"));
        assert_eq!(m.failed, not_a_country());
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn ocr_output_is_normalised_and_nothing_more() {
    let want = read(&TD3);
    // Stray spaces, lower case, blank lines, the lines in one string.
    let noisy =
        ["  p<utoeriksson<<anna<maria<<<<<<<< <<<<<<<<<<< ", "", "L898902C36 UTO 7408122 F 1204159 ZE184226B<<<<<10\t"];
    assert_eq!(read(&noisy), want);
    assert_eq!(read(&[&format!("{}\r\n{}\n", TD3[0], TD3[1])]), want);
    // Any other character is refused, never mapped.
    for bad in ["«", "-", "É", ".", "\u{0}"] {
        let line = TD3[1].replacen('<', bad, 1);
        assert_eq!(parse(&[TD3[0], &line], today()), Err(MrzError::InvalidCharacter), "{bad:?}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn an_unreadable_glyph_leaves_only_its_field_unfilled() {
    let want = read(&TD3);
    // In the birth date: that date is not filled (nor can the composite hold), the rest is.
    let m = read(&owned(&with(&TD3, 1, 15, UNREADABLE)));
    assert_eq!(m.failure(MrzField::BirthDate), Some(FailReason::CheckDigit));
    assert_eq!(m.data.dob, None);
    assert_eq!(m.check(MrzField::Composite), Some(CheckOutcome::Failed));
    assert_eq!(
        (m.data.expiry, &m.data.document_number, &m.data.last_name),
        (want.data.expiry, &want.data.document_number, &want.data.last_name)
    );
    // In the document number: no repair is tried around it.
    let m = read(&owned(&with(&TD3, 1, 3, UNREADABLE)));
    assert_eq!(m.data.document_number, None);
    assert_eq!(m.failure(MrzField::DocumentNumber), Some(FailReason::CheckDigit));
    // In a name, the sex, the nationality: unreadable, not guessed.
    let m = read(&owned(&with(&TD3, 0, 8, UNREADABLE)));
    assert_eq!((m.data.last_name.as_deref(), m.failure(MrzField::Names)), (None, Some(FailReason::Unreadable)));
    assert_eq!(m.data.dob, want.data.dob);
    let m = read(&owned(&with(&TD3, 1, 20, UNREADABLE)));
    assert_eq!((m.data.sex, m.failure(MrzField::Sex)), (None, Some(FailReason::Unreadable)));
    let td1 = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159D<<<<<<<<<<<<<6", TD1[2]];
    assert_eq!(read(&td1).data.nationality, Country::parse("DE").ok());
    let m = read(&owned(&with(&td1, 1, 15, UNREADABLE)));
    assert_eq!((m.data.nationality, m.failure(MrzField::Nationality)), (None, Some(FailReason::Unreadable)));
    // In the document code: no zone.
    assert_eq!(parse(&owned(&with(&TD3, 0, 0, UNREADABLE)), today()), Err(MrzError::UnknownDocumentCode));
}

// ---- check digits that fail ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_wrong_check_digit_leaves_its_field_out() {
    // The birth date's check digit 2 read as 3: no birth date, and the composite fails with it.
    let m = read(&owned(&with(&TD3, 1, 19, '3')));
    assert_eq!(m.check(MrzField::BirthDate), Some(CheckOutcome::Failed));
    assert_eq!(m.check(MrzField::Composite), Some(CheckOutcome::Failed));
    assert_eq!(m.data.dob, None);
    assert_eq!(m.failure(MrzField::BirthDate), Some(FailReason::CheckDigit));
    assert_eq!(m.failure(MrzField::Composite), Some(FailReason::CheckDigit));
    assert!(!m.checks_hold());
    // The other fields hold their own check digits and are filled.
    assert_eq!((m.data.expiry, m.data.document_number.as_deref()), (Some(d(2012, 4, 15)), Some("L898902C3")));
    assert_eq!(m.failed_fields(), [Field::Dob, Field::Nationality]);

    // A digit of the expiry date misread as another digit.
    let m = read(&owned(&with(&TD3, 1, 22, '3')));
    assert_eq!((m.data.expiry, m.failure(MrzField::ExpiryDate)), (None, Some(FailReason::CheckDigit)));
    assert_eq!(m.data.dob, Some(d(1974, 8, 12)));
    // A digit of the document number (no look-alike swap fits).
    let m = read(&owned(&with(&TD3, 1, 3, '4')));
    assert_eq!(
        (m.data.document_number.as_deref(), m.failure(MrzField::DocumentNumber)),
        (None, Some(FailReason::CheckDigit))
    );
    // The personal number's check digit: not a draft field, but reported.
    let m = read(&owned(&with(&TD3, 1, 42, '7')));
    assert_eq!(m.check(MrzField::OptionalData), Some(CheckOutcome::Failed));
    assert_eq!(m.failure(MrzField::OptionalData), Some(FailReason::CheckDigit));
    assert!(MrzField::OptionalData.fields().is_empty());
    // The composite alone: every field keeps its own verdict, the composite is reported.
    let m = read(&owned(&with(&TD3, 1, 43, '1')));
    assert_eq!(checks(&m)[..4], all_valid(&TD3_CHECKS[..4]));
    assert_eq!(m.check(MrzField::Composite), Some(CheckOutcome::Failed));
    assert_eq!((m.data.document_number.as_deref(), m.data.dob), (Some("L898902C3"), Some(d(1974, 8, 12))));
    // TD1: the number's check digit, the composite.
    let m = read(&owned(&with(&TD1, 0, 14, '8')));
    assert_eq!(
        (m.data.document_number.as_deref(), m.failure(MrzField::DocumentNumber)),
        (None, Some(FailReason::CheckDigit))
    );
    let m = read(&owned(&with(&TD1, 1, 29, '5')));
    assert_eq!(m.failure(MrzField::Composite), Some(FailReason::CheckDigit));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_check_digit_that_holds_over_no_value_fills_nothing() {
    // Month 13 with its check digit right: no date.
    let mut l2 = TD3[1].to_owned();
    l2.replace_range(13..20, &format!("741312{}", check_digit("741312").unwrap()));
    fix_composite_td3(&mut l2);
    let m = read(&[TD3[0], &l2]);
    assert_eq!(m.check(MrzField::BirthDate), Some(CheckOutcome::Valid));
    assert_eq!((m.data.dob, m.failure(MrzField::BirthDate)), (None, Some(FailReason::Unreadable)));
    // An unknown birth date printed as fillers.
    l2.replace_range(13..20, "<<<<<<0");
    fix_composite_td3(&mut l2);
    let m = read(&[TD3[0], &l2]);
    assert_eq!((m.data.dob, m.failure(MrzField::BirthDate)), (None, Some(FailReason::Unreadable)));
    assert!(m.checks_hold());
    // An empty document number.
    let mut l2 = TD3[1].to_owned();
    l2.replace_range(0..10, "<<<<<<<<<0");
    fix_composite_td3(&mut l2);
    let m = read(&[TD3[0], &l2]);
    assert_eq!(
        (m.data.document_number.as_deref(), m.failure(MrzField::DocumentNumber)),
        (None, Some(FailReason::Unreadable))
    );
}

fn fix_composite_td3(l2: &mut String) {
    let c = check_digit(&format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43])).unwrap();
    l2.replace_range(43..44, &c.to_string());
}

// ---- repairs ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn where_only_digits_belong_a_look_alike_letter_is_its_digit() {
    let want = read(&TD3);
    // Birth date 74O8I2, check digit Z, expiry I2O4IS, check digit 9, composite O.
    let l2 = "L898902C36UTO74O8I2ZF I2O4IS9ZE184226B<<<<<1O";
    let m = read(&[TD3[0], l2]);
    assert_eq!(m, want, "no repair to report: digits are read as digits");
    assert_eq!(checks(&m), all_valid(&TD3_CHECKS));
    // A letter that looks like no digit stays a letter: no date.
    let m = read(&owned(&with(&TD3, 1, 14, 'A')));
    assert_eq!(m.data.dob, None);
    assert_eq!(m.failure(MrzField::BirthDate), Some(FailReason::CheckDigit));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_document_number_is_repaired_only_when_exactly_one_swap_fits() {
    // L898902C3 read L8989O2C3: only O→0 makes the check digit hold.
    let m = read(&owned(&with(&TD3, 1, 5, 'O')));
    assert_eq!(m.check(MrzField::DocumentNumber), Some(CheckOutcome::Repaired));
    assert_eq!(m.data.document_number, s("L898902C3"));
    assert_eq!(m.check(MrzField::Composite), Some(CheckOutcome::Valid));
    assert!(m.checks_hold());
    assert_eq!(m.failed, not_a_country());
    // Read LB98902C3: B→8 fits, and so do LB9B902C3 and LB9890ZC3. Refused.
    let m = read(&owned(&with(&TD3, 1, 1, 'B')));
    assert_eq!(m.check(MrzField::DocumentNumber), Some(CheckOutcome::Failed));
    assert_eq!(m.failure(MrzField::DocumentNumber), Some(FailReason::AmbiguousRepair));
    assert_eq!(m.data.document_number, None);
    // TD1: D23145890 read D2314S890: only S→5 fits.
    let m = read(&owned(&with(&TD1, 0, 10, 'S')));
    assert_eq!(
        (m.check(MrzField::DocumentNumber), m.data.document_number),
        (Some(CheckOutcome::Repaired), s("D23145890"))
    );
    // Read DZ3145890: Z→2 and 8→B both fit. Refused.
    let m = read(&owned(&with(&TD1, 0, 6, 'Z')));
    assert_eq!(m.failure(MrzField::DocumentNumber), Some(FailReason::AmbiguousRepair));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_repair_must_keep_the_composite() {
    // The number's check digit 6 misread as 5: one swap (8→B, LB98902C3) would make the number's
    // own digit hold, but the composite, which covers that check digit too, refuses it.
    let lines = with(&TD3, 1, 9, '5');
    assert_eq!(check_digit("LB98902C3"), Some('5'));
    let m = read(&owned(&lines));
    assert_eq!(m.failure(MrzField::DocumentNumber), Some(FailReason::CheckDigit));
    assert_eq!(m.data.document_number, None);
    // A swap that fits while the birth date is misread: the composite cannot hold, no repair.
    let mut lines = with(&TD3, 1, 5, 'O');
    lines[1].replace_range(19..20, "7");
    let m = read(&owned(&lines));
    assert_eq!(m.failure(MrzField::DocumentNumber), Some(FailReason::CheckDigit));
    assert_eq!(m.failure(MrzField::BirthDate), Some(FailReason::CheckDigit));
    assert_eq!((m.data.document_number.as_deref(), m.data.dob), (None, None));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn the_personal_number_is_repaired_or_refused_like_the_number() {
    // ZE184226B read ZE1842Z6B: 2→Z back fits, and so does Z→2 at the start. Refused.
    let m = read(&owned(&with(&TD3, 1, 34, 'Z')));
    assert_eq!(m.failure(MrzField::OptionalData), Some(FailReason::AmbiguousRepair));
    assert_eq!(m.data.document_number, s("L898902C3"), "the number is not touched");
    // 123456789 read 1Z3456789: only Z→2 fits.
    let doc = specimen();
    let lines = build(&doc, MrzFormat::Td3, "P<", "NLD", "123456789");
    assert_eq!(&lines[1][28..43], "123456789<<<<<7");
    let m = read(&owned(&with(&owned(&lines), 1, 29, 'Z')));
    assert_eq!(m.check(MrzField::OptionalData), Some(CheckOutcome::Repaired), "{:?}", m.checks);
    assert!(m.checks_hold());
    assert_eq!(m.data, doc);
    // 9 read as O: no look-alike of 9, and swapping O for 0 does not fit. Refused.
    let m = read(&owned(&with(&owned(&lines), 1, 36, 'O')));
    assert_eq!(m.failure(MrzField::OptionalData), Some(FailReason::CheckDigit));
    // An empty personal number may have `<` or 0 for its check digit.
    let lines = build(&doc, MrzFormat::Td3, "P<", "NLD", "");
    assert_eq!(&lines[1][28..43], "<<<<<<<<<<<<<<<");
    assert!(read(&owned(&lines)).checks_hold());
    let mut zero = lines.clone();
    zero[1].replace_range(42..43, "0");
    assert!(read(&owned(&zero)).checks_hold());
    // A `<` check digit over a personal number that is not empty fails.
    let m = read(&owned(&with(&TD3, 1, 42, '<')));
    assert_eq!(m.failure(MrzField::OptionalData), Some(FailReason::CheckDigit));
}

// ---- the long document number (TD1, TD2) ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_long_number_continues_in_the_optional_data() {
    let mut doc = specimen();
    doc.document_number = s("D23145890734");
    doc.kind = Some(ReadKind::IdCard);
    // Doc 9303 part 5: the first nine characters, `<` for their check digit, the rest of the
    // number and the check digit of the whole number in the optional data, then a filler.
    let lines = build(&doc, MrzFormat::Td1, "I<", "UTO", "");
    assert_eq!(lines[0], "I<UTOD23145890<7349<<<<<<<<<<<");
    assert_eq!(check_digit("D23145890734"), Some('9'));
    let m = read(&owned(&lines));
    assert_eq!(m.data.document_number, s("D23145890734"));
    assert_eq!(checks(&m), all_valid(&TD1_CHECKS));
    assert_eq!(m.data, doc);
    // TD2 likewise; optional data after the number stays out of it.
    let td2 = build(&doc, MrzFormat::Td2, "I<", "UTO", "AB");
    assert_eq!((&td2[1][..10], &td2[1][28..35]), ("D23145890<", "7349<AB"));
    let m = read(&owned(&td2));
    assert_eq!(m.data.document_number, s("D23145890734"));
    assert_eq!(checks(&m), all_valid(&TD1_CHECKS));
    // The whole number's check digit wrong, a look-alike of a wrong digit, or no digit: no number.
    for c in ['8', 'A', 'S'] {
        let m = read(&owned(&with(&owned(&lines), 0, 18, c)));
        assert_eq!(m.data.document_number, None, "{c}");
        assert_eq!(m.failure(MrzField::DocumentNumber), Some(FailReason::CheckDigit), "{c}");
    }
    // `<` for the check digit and nothing after it: the continuation is missing.
    let mut cut = lines.clone();
    cut[0].replace_range(15..30, &"<".repeat(15));
    let m = read(&owned(&cut));
    assert_eq!(m.failure(MrzField::DocumentNumber), Some(FailReason::Unreadable));
    assert_eq!(m.data.document_number, None);
    // TD3 has no long numbers: `<` for the check digit there fails.
    let m = read(&owned(&with(&TD3, 1, 9, '<')));
    assert_eq!(m.failure(MrzField::DocumentNumber), Some(FailReason::CheckDigit));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn in_a_long_number_the_composite_picks_the_one_repair() {
    let mut doc = specimen();
    doc.kind = Some(ReadKind::IdCard);
    doc.document_number = s("D23145890528");
    let lines = build(&doc, MrzFormat::Td1, "I<", "UTO", "");
    assert_eq!(lines[0], "I<UTOD23145890<5286<<<<<<<<<<<");
    // The continuation's 5 read as S: four swaps make the number's own digit hold (DZ3145890S28,
    // D23I45890S28, D23145890528, D23145890SZ8), but the continuation sits at other weights in
    // the composite than in the number's own digit, and only S→5 keeps the composite.
    let misread = with(&owned(&lines), 0, 15, 'S');
    for wrong in ["DZ3145890S28", "D23I45890S28", "D23145890SZ8"] {
        assert_eq!(check_digit(wrong), Some('6'), "{wrong}");
    }
    let m = read(&owned(&misread));
    assert_eq!(m.check(MrzField::DocumentNumber), Some(CheckOutcome::Repaired));
    assert_eq!(m.data.document_number, s("D23145890528"));
    assert!(m.checks_hold());
    // Its 8 read as B: the one swap that fits.
    let m = read(&owned(&with(&owned(&lines), 0, 17, 'B')));
    assert_eq!(
        (m.check(MrzField::DocumentNumber), m.data.document_number),
        (Some(CheckOutcome::Repaired), s("D23145890528"))
    );
}

// ---- names ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn names_split_at_the_double_filler_and_fillers_are_spaces() {
    for (zone, last, first, middle) in [
        ("VAN<DER<BERG<<JAN<PIETER<MARIA", "VAN DER BERG", Some("JAN"), Some("PIETER MARIA")),
        ("ONEIL<<MARYANN", "ONEIL", Some("MARYANN"), None),
        ("SUKARNO", "SUKARNO", None, None),
        ("SUKARNO<<", "SUKARNO", None, None),
    ] {
        let m = read(&[&format!("P<NLD{zone:<<39}"), TD3[1]]);
        let doc = &m.data;
        assert_eq!(
            (doc.last_name.as_deref(), doc.first_name.as_deref(), doc.middle_name.as_deref()),
            (Some(last), first, middle)
        );
        assert_eq!(doc.truncated, Truncation::default());
    }
    // Filled in readable case; the first and middle names match a draft's first name.
    let m = read(&TD3);
    assert_eq!(m.data.document_value(Field::LastName), s("Eriksson"));
    assert_eq!(m.data.document_value(Field::FirstName), s("Anna"));
    let mut draft = DraftDto::default();
    draft.individual_info.first_name = s("Anna Maria");
    assert_eq!(cross_check(&draft, &m.data).get(Field::FirstName), Some(FieldCheck::Matches));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_zone_full_to_its_end_may_be_truncated() {
    // TD1: 30 characters and no filler at the end.
    let m = read(&[TD1[0], TD1[1], "WOLFESCHLEGELSTEIN<<ALEXANDRIA"]);
    assert_eq!(m.data.truncated, Truncation { first: true, middle: false, last: false });
    let mut draft = DraftDto::default();
    draft.individual_info.first_name = s("Alexandrian");
    assert_eq!(cross_check(&draft, &m.data).get(Field::FirstName), Some(FieldCheck::Matches));
    let m = read(&[TD1[0], TD1[1], "WOLFESCHLEGELSTEIN<<ANNA<MARIE"]);
    assert_eq!(m.data.truncated, Truncation { first: false, middle: true, last: false });
    let m = read(&[TD1[0], TD1[1], "WOLFESCHLEGELSTEINHAUSENBERGER"]);
    assert_eq!(m.data.truncated, Truncation { first: false, middle: false, last: true });
    assert_eq!(m.data.first_name, None);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn names_without_the_shape_of_names_are_refused_not_filled() {
    // A `<` misread as `K`: after the fillers, alone between fillers, or a run of them.
    for zone in [
        "ERIKSSON<<ANNA<MARIA<<<<K<<<<<<<<<<<<<<", // a second `<<` inside the given names
        "ERIKSSON<<ANNA<MARIA<K<<<<<<<<<<<<<<<<<", // a word made only of K
        "ERIKSSON<<ANNA<MARIA<KK<<<<<<<<<<<<<<<<",
        "ERIKSSON<<<ANNA<MARIA<<<<<<<<<<<<<<<<<<", // given names starting with a filler
        "<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<<<<<<<<<<", // no primary identifier
        "<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<",
        "ER1KSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", // a digit: not mapped to a letter
        "K<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<",
    ] {
        let zone = &zone[..39];
        let m = read(&[&format!("P<UTO{zone}"), TD3[1]]);
        assert_eq!(m.failure(MrzField::Names), Some(FailReason::Unreadable), "{zone}");
        assert_eq!((&m.data.first_name, &m.data.last_name, &m.data.middle_name), (&None, &None, &None), "{zone}");
        assert_eq!(m.failed_fields(), [Field::FirstName, Field::LastName, Field::Nationality]);
        assert!(m.checks_hold(), "names have no check digit");
    }
    // A K that is part of a word is a letter: KOK, KAREL, and an initial other than K.
    let m = read(&[&format!("P<UTO{:<<39}", "KOK<<KAREL<J"), TD3[1]]);
    assert_eq!((m.data.last_name, m.data.first_name, m.data.middle_name), (s("KOK"), s("KAREL"), s("J")));
    // What cannot be told apart: a `<` read as K at the end of a word (documented).
    let m = read(&[&format!("P<UTO{:<<39}", "ERIKSSON<<ANNAK"), TD3[1]]);
    assert_eq!(m.data.first_name, s("ANNAK"));
}

// ---- sex, dates ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn sex_m_f_or_unspecified() {
    for (c, want, failed) in [
        ('M', Some(Gender::Male), None),
        ('F', Some(Gender::Female), None),
        ('<', None, None),
        ('X', None, None),
        ('K', None, Some(FailReason::Unreadable)),
    ] {
        let m = read(&owned(&with(&TD3, 1, 20, c)));
        assert_eq!((m.data.sex, m.failure(MrzField::Sex)), (want, failed), "{c}");
        assert!(m.checks_hold(), "the sex is under no check digit");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn the_birth_century_is_the_latest_not_after_today_nor_the_expiry() {
    // today is 2026-11-26.
    let mut doc = specimen();
    for (dob, expiry) in [
        (d(2005, 3, 1), d(2030, 1, 1)),
        (d(2026, 11, 26), d(2031, 11, 25)),
        (d(1999, 12, 31), d(2030, 1, 1)),
        (d(1926, 11, 27), d(2030, 1, 1)), // 2026-11-27 would be tomorrow
        (d(1960, 1, 1), d(2029, 1, 1)),
        (d(1940, 6, 1), d(2031, 1, 1)),
        (d(1915, 6, 1), d(2012, 4, 15)), // 2015 would be after the expiry
    ] {
        doc.dob = Some(dob);
        doc.expiry = Some(expiry);
        let m = read(&owned(&build(&doc, MrzFormat::Td3, "P<", "NLD", "")));
        assert_eq!((m.data.dob, m.data.expiry), (Some(dob), Some(expiry)));
    }
    // Born on this day in 1926: a hundred-year-old reads as a baby (the format cannot tell).
    doc.dob = Some(d(1926, 11, 26));
    doc.expiry = Some(d(2031, 1, 1));
    let m = read(&owned(&build(&doc, MrzFormat::Td3, "P<", "NLD", "")));
    assert_eq!(m.data.dob, Some(d(2026, 11, 26)));
    // The expiry is always 20YY.
    doc.expiry = Some(d(2099, 12, 31));
    assert_eq!(read(&owned(&build(&doc, MrzFormat::Td3, "P<", "NLD", ""))).data.expiry, Some(d(2099, 12, 31)));
}

// ---- codes ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn country_codes_including_germany_and_the_icao_special_ones() {
    let c = |a2: &str| Country::parse(a2).ok();
    for (code, want) in [
        ("D<<", c("DE")),
        ("DEU", c("DE")),
        ("NLD", c("NL")),
        ("USA", c("US")),
        ("GBR", c("GB")),
        ("GBD", c("GB")),
        ("GBN", c("GB")),
        ("GBO", c("GB")),
        ("GBP", c("GB")),
        ("GBS", c("GB")),
        ("UNK", None), // Kosovo: XK is not in the contract's list
        ("RKS", None),
        ("UNO", None),
        ("UNA", None),
        ("XXA", None),
        ("XXB", None),
        ("XXC", None),
        ("XXX", None),
        ("EUE", None),
        ("XOM", None),
        ("UTO", None),
        ("<<<", None),
        ("D<D", None),
        ("DE<", None),
        ("GB<", None),
        ("123", None),
    ] {
        assert_eq!(country(code), want, "{code}");
        // As a nationality: filled, or reported as no country.
        let m = read(&[TD3[0], &format!("{}{code}{}", &TD3[1][..10], &TD3[1][13..])]);
        assert_eq!(m.data.nationality, want, "{code}");
        assert_eq!(m.failure(MrzField::Nationality), want.is_none().then_some(FailReason::NotACountry), "{code}");
        assert!(m.checks_hold(), "nationality is under no check digit");
        // As the issuing state.
        let m = read(&[&format!("P<{code}{}", &TD3[0][5..]), TD3[1]]);
        assert_eq!(m.issuing_state, want, "{code}");
    }
    assert_eq!(icao_code(Country::parse("DE").unwrap()), "D<<");
    assert_eq!(icao_code(Country::parse("FR").unwrap()), "FRA");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn document_codes_give_the_kind_and_visas_are_refused() {
    let td1 = |code: &str| [format!("{code}{}", &TD1[0][2..]), TD1[1].to_owned(), TD1[2].to_owned()];
    for (code, kind, id_doc_type) in [
        ("I<", ReadKind::IdCard, "1"),
        ("ID", ReadKind::IdCard, "1"),
        ("AC", ReadKind::IdCard, "1"),
        ("C<", ReadKind::IdCard, "1"),
        ("IP", ReadKind::IdCard, "1"),
        ("IR", ReadKind::ResidencePermit, "3"),
        ("AR", ReadKind::ResidencePermit, "3"),
        ("CR", ReadKind::ResidencePermit, "3"),
        ("P<", ReadKind::Passport, "2"),
    ] {
        let m = read(&owned(&td1(code)));
        assert_eq!((m.data.kind, m.document_code.as_str()), (Some(kind), code));
        assert_eq!(m.data.document_value(Field::IdDocType).as_deref(), Some(id_doc_type));
    }
    for code in ["PD", "PO", "PS", "PT", "PR", "P<"] {
        let m = read(&[&format!("{code}{}", &TD3[0][2..]), TD3[1]]);
        assert_eq!(m.data.kind, Some(ReadKind::Passport), "{code}");
    }
    // Visas: MRV-A (2 × 44) and MRV-B (2 × 36), whatever the second letter.
    let doc = specimen();
    let mrv_a = build(&doc, MrzFormat::MrvA, "V<", "UTO", "");
    let mrv_b = build(&doc, MrzFormat::MrvB, "VB", "UTO", "");
    assert_eq!((mrv_a[0].len(), mrv_a[1].len(), mrv_b[0].len(), mrv_b[1].len()), (44, 44, 36, 36));
    assert_eq!(parse(&owned(&mrv_a), today()), Err(MrzError::Visa(MrzFormat::MrvA)));
    assert_eq!(parse(&owned(&mrv_b), today()), Err(MrzError::Visa(MrzFormat::MrvB)));
    assert_eq!(parse(&[&TD3[0].replacen('P', "V", 1), TD3[1]], today()), Err(MrzError::Visa(MrzFormat::MrvA)));
    assert!(MrzFormat::MrvA.is_visa() && !MrzFormat::Td3.is_visa());
    assert_eq!(MrzError::Visa(MrzFormat::MrvB).to_string(), "a visa, not an identity document");
    // Anything else is no identity document of this format.
    for code in ["X<", "1<", "<<", "V<"] {
        assert_eq!(parse(&owned(&td1(code)), today()), Err(MrzError::UnknownDocumentCode), "{code}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn lines_of_no_format_are_refused() {
    let short = &TD3[1][..43];
    let cases: [&[&str]; 9] = [
        &[],
        &["", "  "],
        &[TD3[0]],
        &[TD3[0], short],
        &[TD3[0], TD3[1], TD3[1]],
        &[TD1[0], TD1[1]],
        &[TD1[0], TD1[1], TD1[2], TD1[2]],
        &[TD2[0], TD3[1]],
        &["P<UTO", "X"],
    ];
    for lines in cases {
        assert_eq!(parse(lines, today()), Err(MrzError::Layout), "{lines:?}");
    }
    let long = format!("{}<", TD3[1]);
    assert_eq!(parse(&[TD3[0], &long], today()), Err(MrzError::Layout));
    assert_eq!(MrzFormat::Td1.lines() * MrzFormat::Td1.width(), 90);
    assert_eq!(MrzError::Layout.to_string(), "not the lines of a machine-readable zone");
}

// ---- what a read fills in ----

fn specimen() -> DocumentData {
    DocumentData {
        kind: Some(ReadKind::Passport),
        first_name: s("ANNA"),
        middle_name: s("MARIA"),
        last_name: s("ERIKSSON"),
        dob: Some(d(1974, 8, 12)),
        document_number: s("L898902C3"),
        expiry: Some(d(2032, 4, 15)),
        sex: Some(Gender::Female),
        nationality: Country::parse("NL").ok(),
        ..DocumentData::empty(ReadSource::Mrz)
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn an_mrz_fills_the_nationality_and_no_address() {
    let doc = specimen();
    let m = read(&owned(&build(&doc, MrzFormat::Td3, "P<", "NLD", "")));
    assert_eq!(m.data, doc);
    assert_eq!(m.failed, []);
    assert_eq!(m.issuing_state, Country::parse("NL").ok());
    let want: Vec<(Field, String)> = [
        (Field::FirstName, "Anna"),
        (Field::LastName, "Eriksson"),
        (Field::Dob, "1974-08-12"),
        (Field::Nationality, "NL"),
        (Field::Gender, "2"),
        (Field::IdDocType, "2"),
        (Field::DocumentNumber, "L898902C3"),
        (Field::ValidUntil, "2032-04-15"),
    ]
    .into_iter()
    .map(|(f, v)| (f, v.to_owned()))
    .collect();
    assert_eq!(m.data.fills(), want);
    assert_eq!(m.data.document_value(Field::AddressCountry), None);
    // Filled into a draft, no field error; the cross-check matches every field, the
    // nationality informational.
    let mut draft = valid_draft();
    for (f, v) in m.data.fills() {
        draft.set(f, v);
    }
    let errs = parse_draft(&draft, &rules()).err().unwrap_or_default();
    assert!(errs.iter().all(|e| !want.iter().any(|(f, _)| *f == e.field)), "{errs:?}");
    let c = cross_check(&draft, &m.data);
    assert_eq!(c.mismatched_strong(), []);
    assert_eq!(c.get(Field::Nationality), Some(FieldCheck::Matches));
    assert!(c.fields.iter().any(|o| o.field == Field::Nationality && o.strength == Strength::Informational));
    assert_eq!(c.get(Field::AddressCountry), Some(FieldCheck::NotOnDocument));
    draft.individual_info.country = s("DE");
    let c = cross_check(&draft, &m.data);
    assert_eq!(c.mismatched_informational(), [Field::Nationality]);
    assert_eq!(c.get(Field::Nationality), Some(FieldCheck::DiffersFromDocument));
    // A document without a nationality (a licence, Utopia): not compared at all.
    let c = cross_check(&draft, &read(&TD3).data);
    assert_eq!(c.get(Field::Nationality), None);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn debug_and_json_show_no_more_than_they_should() {
    let m = read(&owned(&build(&specimen(), MrzFormat::Td3, "P<", "NLD", "")));
    for dbg in [format!("{m:?}"), format!("{m:#?}")] {
        for value in ["ERIKSSON", "ANNA", "L898902C3", "1974", "2032", "Female", "NL", "index"] {
            assert!(!dbg.contains(value), "Debug shows {value}: {dbg}");
        }
        assert!(dbg.contains("nationality: Some(<redacted>)"), "{dbg}");
    }
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["format"], "td3");
    assert_eq!(json["documentCode"], "P<");
    assert_eq!(json["issuingState"], "NL");
    assert_eq!(json["data"]["source"], "mrz");
    assert_eq!(json["data"]["nationality"], "NL");
    assert_eq!(json["checks"][0], serde_json::json!({"field": "document_number", "outcome": "valid"}));
    let back: Mrz = serde_json::from_value(json).unwrap();
    assert_eq!(back, m);
    let json = serde_json::to_value(read(&TD3)).unwrap();
    assert_eq!(json["failed"], serde_json::json!([{"field": "nationality", "reason": "not_a_country"}]));
    // A residence permit's kind travels in snake case.
    assert_eq!(serde_json::to_value(ReadKind::ResidencePermit).unwrap(), "residence_permit");
    let old: DocumentData = serde_json::from_str(r#"{"source":"pdf417","country":"US"}"#).unwrap();
    assert_eq!(old.nationality, None, "a document without the field still reads");
}

// ---- the builder ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn the_builder_writes_the_specimens() {
    let mut doc = specimen();
    doc.expiry = Some(d(2012, 4, 15));
    doc.nationality = None;
    let mut td3 = build(&doc, MrzFormat::Td3, "P<", "UTO", "ZE184226B");
    td3[1].replace_range(10..13, "UTO");
    assert_eq!(td3, TD3);
    doc.document_number = s("D23145890");
    let mut td1 = build(&doc, MrzFormat::Td1, "I<", "UTO", "");
    td1[1].replace_range(15..18, "UTO");
    assert_eq!(td1, TD1);
    let mut td2 = build(&doc, MrzFormat::Td2, "I<", "UTO", "");
    td2[1].replace_range(10..13, "UTO");
    assert_eq!(td2, TD2);
    // Germany prints D<<; names drop what the zone cannot hold.
    doc.nationality = Country::parse("DE").ok();
    doc.last_name = s("O'NEIL-MÜLLER");
    let td3 = build(&doc, MrzFormat::Td3, "P<", "D", "");
    assert!(td3[0].starts_with("P<D<<ONEIL<MLLER<<ANNA<MARIA<"), "{td3:?}");
    assert_eq!(&td3[1][10..13], "D<<");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn build_then_parse_is_the_identity_for_every_format() {
    let mut id = specimen();
    id.kind = Some(ReadKind::IdCard);
    id.nationality = Country::parse("DE").ok();
    id.sex = None;
    id.middle_name = None;
    let mut permit = specimen();
    permit.kind = Some(ReadKind::ResidencePermit);
    permit.document_number = s("ZR12345678901");
    for (doc, format, code) in [
        (specimen(), MrzFormat::Td3, "P<"),
        (id.clone(), MrzFormat::Td1, "ID"),
        (id.clone(), MrzFormat::Td2, "I<"),
        (permit.clone(), MrzFormat::Td1, "IR"),
        (permit.clone(), MrzFormat::Td2, "AR"),
    ] {
        let lines = build(&doc, format, code, "D", "");
        assert!(lines.iter().all(|l| l.len() == format.width()) && lines.len() == format.lines(), "{lines:?}");
        let m = read(&owned(&lines));
        assert_eq!(m.data, doc, "{lines:?}");
        assert!(m.checks_hold() && m.failed.is_empty(), "{lines:?}: {:?}", m.failed);
    }
}

// ---- properties (native only) ----

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use kyc_domain::ErrorCode;
    use proptest::prelude::*;

    fn date_in(years: std::ops::RangeInclusive<u16>) -> impl Strategy<Value = Date> {
        (years, 1u8..13, 1u8..29).prop_map(|(y, m, day)| d(y, m, day))
    }

    prop_compose! {
        fn zone()(
            format in prop_oneof![Just(MrzFormat::Td1), Just(MrzFormat::Td2), Just(MrzFormat::Td3)],
            code in prop_oneof![Just("P<"), Just("I<"), Just("ID"), Just("IR"), Just("AC")],
            // Words start with a letter other than K: a word of Ks only is refused as a misread filler.
            last in "[A-JL-Z][A-Z]{1,7}( [A-JL-Z][A-Z]{1,5})?", first in proptest::option::of("[A-JL-Z][A-Z]{1,6}"),
            middle in proptest::option::of("[A-JL-Z][A-Z]{1,4}"),
            dob in date_in(1927..=2026), expiry in date_in(2000..=2098),
            number in "[A-Z0-9]{1,9}", long in "[A-Z0-9]{0,4}", sex in proptest::option::of(any::<bool>()),
            nationality in proptest::sample::select(vec!["DE", "NL", "GB", "FR", "US", "SE", "UA", "JP"]),
            optional in "[A-Z0-9]{0,5}",
        ) -> (DocumentData, MrzFormat, &'static str, String) {
            let kind = match code {
                "P<" => ReadKind::Passport,
                "IR" => ReadKind::ResidencePermit,
                _ => ReadKind::IdCard,
            };
            let number = if format == MrzFormat::Td3 { number } else { format!("{number}{long}") };
            let doc = DocumentData {
                kind: Some(kind),
                first_name: first.clone(),
                middle_name: middle.filter(|_| first.is_some()),
                last_name: Some(last),
                dob: Some(dob),
                document_number: Some(number),
                expiry: Some(expiry),
                sex: sex.map(|m| if m { Gender::Male } else { Gender::Female }),
                nationality: Country::parse(nationality).ok(),
                ..DocumentData::empty(ReadSource::Mrz)
            };
            (doc, format, code, optional)
        }
    }

    /// Names that leave room for a filler (a full zone is marked truncated), a birth date not
    /// after today nor after the expiry.
    fn fits(doc: &DocumentData, format: MrzFormat) -> bool {
        let names =
            doc.last_name.iter().chain(&doc.first_name).chain(&doc.middle_name).map(|n| n.len() + 2).sum::<usize>();
        let room = match format {
            MrzFormat::Td1 => 30,
            MrzFormat::Td2 => 31,
            _ => 39,
        };
        names < room && doc.dob <= Some(today()) && doc.dob <= doc.expiry
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn build_then_parse_is_the_identity((doc, format, code, optional) in zone()) {
            prop_assume!(fits(&doc, format));
            let lines = build(&doc, format, code, "D", &optional);
            let m = parse(&owned(&lines), today()).unwrap();
            prop_assert!(m.checks_hold(), "{:?} {:?}", lines, m.checks);
            prop_assert_eq!(&m.failed, &Vec::<Failure>::new());
            prop_assert_eq!(&m.data, &doc);
            // What it fills never causes a field error of its own (beyond today's rules).
            let mut draft = valid_draft();
            for (f, v) in m.data.fills() {
                draft.set(f, v);
            }
            let today_rules = [ErrorCode::Expired, ErrorCode::DateInFuture, ErrorCode::TooYoung, ErrorCode::TooOld];
            for e in parse_draft(&draft, &rules()).err().unwrap_or_default() {
                let filled = m.data.fills().iter().any(|(f, _)| *f == e.field);
                prop_assert!(!filled || today_rules.contains(&e.code), "a fill caused {} on {}", e.code, e.field);
            }
            prop_assert_eq!(cross_check(&draft, &m.data).mismatched_strong(), Vec::<Field>::new());
        }

        /// One symbol changed anywhere never fills a date other than the one printed: every
        /// such change to a date or its check digit is caught (a look-alike letter is its
        /// digit, and any other change of one digit moves the sum by a weight coprime to 10).
        #[test]
        fn one_misread_symbol_never_fills_a_wrong_date(
            (doc, format, code, optional) in zone(),
            line in 0usize..3, at in 0usize..44, c in "[A-Z0-9<]",
        ) {
            prop_assume!(fits(&doc, format));
            let mut lines = build(&doc, format, code, "D", &optional);
            let line = line % lines.len();
            let at = at % lines[line].len();
            lines[line].replace_range(at..at + 1, &c);
            if let Ok(m) = parse(&owned(&lines), today()) {
                prop_assert!(m.data.dob.is_none() || m.data.dob == doc.dob);
                prop_assert!(m.data.expiry.is_none() || m.data.expiry == doc.expiry);
                let _ = m.data.fills();
            }
        }

        #[test]
        fn arbitrary_lines_never_panic(lines in proptest::collection::vec("\\PC{0,60}", 0..5)) {
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            if let Ok(m) = parse(&refs, today()) {
                let _ = (format!("{m:?}"), m.data.fills(), cross_check(&valid_draft(), &m.data));
            }
        }

        #[test]
        fn lines_of_the_right_shape_never_panic(
            format in prop_oneof![Just((3usize, 30usize)), Just((2, 36)), Just((2, 44))],
            body in proptest::collection::vec("[A-Z0-9<]{44}", 3),
            code in "[PIACV][A-Z<]",
        ) {
            let (n, w) = format;
            let mut lines: Vec<String> = body.iter().take(n).map(|l| l[..w].to_owned()).collect();
            lines[0].replace_range(0..2, &code);
            if let Ok(m) = parse(&owned(&lines), today()) {
                let _ = (format!("{m:?}"), m.data.fills(), cross_check(&valid_draft(), &m.data), m.failed_fields());
                // Whatever was filled came with its check digit holding.
                for (field, value) in [(MrzField::DocumentNumber, m.data.document_number.is_some()), (MrzField::BirthDate, m.data.dob.is_some()), (MrzField::ExpiryDate, m.data.expiry.is_some())] {
                    prop_assert!(!value || m.check(field) != Some(CheckOutcome::Failed));
                    prop_assert!(value != m.failed.iter().any(|f| f.field == field));
                }
            }
        }
    }
}
