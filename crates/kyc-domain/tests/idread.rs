//! Reading a US / Canadian licence's PDF417 payload (AAMVA versions 1–10), the values it fills
//! in, and the cross-check of a draft against it: each rule with a case it makes match and a
//! near miss that must stay a mismatch. The payloads are shaped like real samples; the people
//! are fictitious. Runs natively and, through the dual `cfg_attr`, on wasm32; the property
//! tests at the end are native only.

mod common;

use common::{rules, valid_draft};
use kyc_domain::draft::NumOrText;
use kyc_domain::idread::aamva::{build, parse, AamvaError, MAX_PAYLOAD};
use kyc_domain::idread::crosscheck::fold;
use kyc_domain::idread::{
    cross_check, readable_case, CrossCheck, DocumentData, FieldCheck, ReadKind, ReadSource, Strength, Truncation,
};
use kyc_domain::person::Gender;
use kyc_domain::{parse_draft, Country, Date, DraftDto, ErrorCode, Field};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

/// Version 1 (AAMVA DL/ID-2000), Maryland-style: the whole name in DAA, dates CCYYMMDD, no DCG.
const V1: &str = "@\n\x1e\rANSI 6360030101DL00290136DLDAQK-123-456-789-012\nDAAPUBLIC,JOHN,QUINCY\nDAG123 MAIN ST\nDAIBALTIMORE\nDAJMD\nDAK21230 \nDARC \nDBA20300209\nDBB19910209\nDBC1\nDBD20220210\r";
/// Version 3, Washington-style: given names in DCT, a ZW subfile after the DL one.
const V3: &str = "@\n\x1e\rANSI 636045030002DL00410221ZW02620029DLDCANONE\nDCBNONE\nDCDNONE\nDBA11042030\nDCSSAMPLE\nDCTJANE Q\nDCU\nDBD09142022\nDBB11041968\nDBC2\nDAYGRN\nDAU063 in\nDAG2600 MARTIN WAY E\nDAIOLYMPIA\nDAJWA\nDAK985060000  \nDAQSAMPLJQ320QD\nDCFSAMPLJQ320QDL1102574D1643\nDCGUSA\nDCHNONE\rZWZWAL1102574D1643\nZWB\nZWC33\r";
/// Version 8, California-style: DAC/DAD with truncation flags, a ZIP+4.
const V8: &str = "@\n\x1e\rANSI 636014080102DL00410263ZC03040016DLDAQD1234567\nDCSPUBLIC\nDDEN\nDACJANE\nDDFN\nDADQUINN\nDDGN\nDCAC\nDCBNONE\nDCDNONE\nDBD08312021\nDBB08311977\nDBA08312029\nDBC2\nDAU064 IN\nDAYBRN\nDAG2570 24TH STREET\nDAIOAKLAND\nDAJCA\nDAK946121234  \nDCF08/31/2021 12345/AAFD/29\nDCGUSA\nDAW120\nDCK21243D1234567\nDDAF\nDDB08292017\rZCZCAGRN\nZCBBLK\r";
/// Version 10, Ontario-style: dates CCYYMMDD, middle name `NONE`, a Canadian postal code.
const V10: &str = "@\n\x1e\rANSI 636012100102DL00410228ZO02690012DLDCAG\nDCBNONE\nDCDNONE\nDBA20301015\nDCSO'NEIL\nDDEN\nDACMARY-ANN\nDDFN\nDADNONE\nDDGN\nDBD20251015\nDBB19851015\nDBC2\nDAYBLU\nDAU165 CM\nDAG100 QUEEN ST W\nDAIOTTAWA\nDAJON\nDAKK1A0B1\nDAQP1234-56789-51015\nDCFAB1234567\nDCGCAN\nDDAF\nDDB04012020\rZOZOAN\nZOB0\r";
/// Version 10 ID card whose family and first names were printed truncated (DDE/DDF = T).
const TRUNCATED_ID: &str = "@\n\x1e\rANSI 636001100101ID00310180IDDAQ12345678\nDCSWOLFESCHLEGELSTEINHAUSENBERG\nDDET\nDACALEXANDRIA-MARGARET\nDDFT\nDADNONE\nDDGN\nDBA06302031\nDBB06301980\nDBD06302023\nDBC9\nDAG1 ELM RD\nDAITULSA\nDAJOK\nDAK74103    \nDCGUSA\r";

fn d(y: u16, m: u8, day: u8) -> Date {
    Date::from_ymd(y, m, day).unwrap()
}

fn read(payload: &str) -> DocumentData {
    parse(payload.as_bytes()).expect("a valid payload")
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

// ---- reading ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn version_1_reads_the_full_name_ccyymmdd_dates_and_infers_the_country() {
    let doc = read(V1);
    assert_eq!(doc.source, ReadSource::Pdf417);
    assert_eq!(doc.kind, Some(ReadKind::DriversLicence));
    assert_eq!((doc.last_name, doc.first_name, doc.middle_name), (s("PUBLIC"), s("JOHN"), s("QUINCY")));
    assert_eq!((doc.dob, doc.expiry, doc.issue_date), (Some(d(1991, 2, 9)), Some(d(2030, 2, 9)), Some(d(2022, 2, 10))));
    assert_eq!(doc.document_number, s("K-123-456-789-012"));
    assert_eq!(doc.sex, Some(Gender::Male));
    assert_eq!((doc.street, doc.city, doc.state), (s("123 MAIN ST"), s("BALTIMORE"), s("MD")));
    assert_eq!(doc.postal_code, s("21230"));
    assert_eq!(doc.country, Some(Country::US), "no DCG in v1: a US state means the US");
    assert_eq!(doc.truncated, Truncation::default());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn version_1_reads_a_full_name_with_spaces_and_the_aamva_file_type() {
    let p = "@\n\x1e\rAAMVA6360030101DL00290086DLDAQK-134-123-145-103\nDAASAMPLE JANE ANN MARIE\nDAJMD\nDBA20170209\nDBB19910209\nDBCF\r";
    let doc = read(p);
    assert_eq!((doc.last_name, doc.first_name, doc.middle_name), (s("SAMPLE"), s("JANE"), s("ANN MARIE")));
    assert_eq!(doc.sex, Some(Gender::Female), "v1 may print M / F");
    assert_eq!(doc.dob, Some(d(1991, 2, 9)));
    // Separate DAB / DAC / DAD win over DAA.
    let p = "@\n\x1e\rANSI 6360030101DL00290049DLDAAX,Y\nDABPUBLIC\nDACJOHN\nDADQ\nDAQ1\r";
    let doc = read(p);
    assert_eq!((doc.last_name, doc.first_name, doc.middle_name), (s("PUBLIC"), s("JOHN"), s("Q")));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn version_3_reads_given_names_from_dct_and_stops_at_the_jurisdiction_subfile() {
    let doc = read(V3);
    assert_eq!((doc.last_name, doc.first_name, doc.middle_name), (s("SAMPLE"), s("JANE"), s("Q")));
    assert_eq!((doc.dob, doc.expiry), (Some(d(1968, 11, 4)), Some(d(2030, 11, 4))));
    assert_eq!(doc.sex, Some(Gender::Female));
    assert_eq!(doc.document_number, s("SAMPLJQ320QD"));
    assert_eq!((doc.postal_code, doc.country), (s("98506"), Some(Country::US)));
    assert_eq!(doc.street, s("2600 MARTIN WAY E"));
    // DCT with commas, as some jurisdictions print it.
    for (dct, first, middle) in
        [("MARY,W", "MARY", Some("W")), ("JOHN,D,", "JOHN", Some("D")), ("PRINCESS", "PRINCESS", None)]
    {
        let doc = read(&V3.replace("DCTJANE Q", &format!("DCT{dct:<8}")));
        assert_eq!((doc.first_name.as_deref(), doc.middle_name.as_deref()), (Some(first), middle), "{dct}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn version_8_reads_every_field() {
    let doc = read(V8);
    assert_eq!(doc.kind, Some(ReadKind::DriversLicence));
    assert_eq!((doc.last_name, doc.first_name, doc.middle_name), (s("PUBLIC"), s("JANE"), s("QUINN")));
    assert_eq!(
        (doc.dob, doc.expiry, doc.issue_date),
        (Some(d(1977, 8, 31)), Some(d(2029, 8, 31)), Some(d(2021, 8, 31)))
    );
    assert_eq!((doc.document_number, doc.sex), (s("D1234567"), Some(Gender::Female)));
    assert_eq!((doc.street, doc.city, doc.state), (s("2570 24TH STREET"), s("OAKLAND"), s("CA")));
    assert_eq!((doc.postal_code, doc.country), (s("94612-1234"), Some(Country::US)));
    assert_eq!(doc.truncated, Truncation::default());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn version_10_canadian_dates_are_ccyymmdd_and_postal_codes_get_their_space() {
    let doc = read(V10);
    assert_eq!(
        (doc.last_name, doc.first_name, doc.middle_name),
        (s("O'NEIL"), s("MARY-ANN"), None),
        "NONE is no middle name"
    );
    assert_eq!(
        (doc.dob, doc.expiry, doc.issue_date),
        (Some(d(1985, 10, 15)), Some(d(2030, 10, 15)), Some(d(2025, 10, 15)))
    );
    assert_eq!((doc.postal_code, doc.state), (s("K1A 0B1"), s("ON")));
    assert_eq!(doc.country, Country::parse("CA").ok());
    assert_eq!(doc.document_number, s("P1234-56789-51015"));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn without_dcg_a_province_means_canada_and_both_date_orders_are_read() {
    let mut ca = DocumentData::empty(ReadSource::Pdf417);
    ca.last_name = s("TREMBLAY");
    ca.state = s("QC");
    ca.dob = Some(d(1990, 4, 1));
    let p = build(&ca, 5, "604428");
    assert!(p.contains("DBB19900401"), "Canadian order without DCG");
    let doc = read(&p);
    assert_eq!((doc.country, doc.dob), (Country::parse("CA").ok(), Some(d(1990, 4, 1))));
    // A US payload printed in the other order (and the reverse) is still read: years 1800–2199
    // make the two orders impossible to confuse.
    let us = V8.replace("DBB08311977", "DBB19770831");
    assert_eq!(read(&us).dob, Some(d(1977, 8, 31)));
    let ca = V10.replace("DBB19851015", "DBB10151985");
    assert_eq!(read(&ca).dob, Some(d(1985, 10, 15)));
    // Not a date in either order, or outside the years read: absent.
    for bad in ["DBB13311977", "DBB0831197", "DBB08310077", "DBB99999999", "DBB0831197A"] {
        assert_eq!(read(&V8.replace("DBB08311977", bad)).dob, None, "{bad}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn missing_and_unreadable_elements_are_absent() {
    let p = "@\n\x1e\rANSI 636014080101DL00310034DLDCSPUBLIC\nDAQD1234567\nDBC7\r";
    let doc = read(p);
    assert_eq!((&doc.last_name, &doc.document_number), (&s("PUBLIC"), &s("D1234567")));
    assert_eq!((&doc.first_name, doc.dob, doc.sex, &doc.street, doc.country), (&None, None, None, &None, None));
    let fills: Vec<Field> = doc.fills().into_iter().map(|(f, _)| f).collect();
    assert_eq!(fills, [Field::LastName, Field::IdDocType, Field::DocumentNumber]);
    // Blank values, control characters and impossible ZIPs.
    let doc = read(
        &V8.replace("DACJANE", "DAC    ")
            .replace("DAIOAKLAND", "DAIOAK\u{7}LAND")
            .replace("DAK946121234", "DAK000000000"),
    );
    assert_eq!((doc.first_name, doc.city, doc.postal_code), (None, None, None));
    let doc = read(&V8.replace("DAK946121234  ", "DAK94612 0000"));
    assert_eq!(doc.postal_code, s("94612"), "a +4 of 0000 is no +4");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn truncated_names_are_flagged_and_an_id_card_is_an_id_card() {
    let doc = read(TRUNCATED_ID);
    assert_eq!(doc.kind, Some(ReadKind::IdCard));
    assert_eq!(doc.truncated, Truncation { first: true, middle: false, last: true });
    assert_eq!(doc.sex, None, "9: not specified");
    assert!(doc.fills().contains(&(Field::IdDocType, "1".to_owned())));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_subfile_offset_a_few_bytes_off_is_found_by_its_marker() {
    let want = read(V8);
    for off in ["0037", "0039", "0043", "0046", "0000", "9999"] {
        let p = V8.replacen("DL0041", &format!("DL{off}"), 1);
        assert_eq!(parse(p.as_bytes()), Ok(want.clone()), "offset {off}");
    }
    // A payload whose subfile really sits a few bytes later than designated (stray spaces).
    let p = V8.replacen("0016DLDAQ", "0016   DLDAQ", 1);
    assert_ne!(p, V8);
    assert_eq!(parse(p.as_bytes()), Ok(want.clone()));
    // A control character lost by the scanner before the file type shifts every offset.
    let p = V8.replacen("\x1e", "", 1);
    assert_eq!(parse(p.as_bytes()), Ok(want));
    // A marker nowhere: refused.
    let p = V8.replace("DLDAQ", "XXDAQ");
    assert_eq!(parse(p.as_bytes()), Err(AamvaError::SubfileNotFound));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn crlf_cr_and_record_separators_separate_elements() {
    let want = read(V8);
    let (head, body) = V8.split_at(41);
    assert!(body.starts_with("DLDAQ"));
    for sep in ["\r\n", "\r", "\x1e", "\n\n"] {
        let p = format!("{head}{}", body.replace('\n', sep));
        assert_eq!(parse(p.as_bytes()), Ok(want.clone()), "{sep:?}");
    }
    // Trailing spaces and an element on the line after the marker.
    let p = V8.replace("DLDAQ", "DL\nDAQ").replace("DCSPUBLIC", "DCSPUBLIC        ");
    assert_eq!(parse(p.as_bytes()), Ok(want));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn garbage_is_refused_with_a_typed_error() {
    let cases: [(&[u8], AamvaError); 12] = [
        (b"", AamvaError::NotAamva),
        (b"@", AamvaError::NotAamva),
        (b"hello world", AamvaError::NotAamva),
        (b"ANSI 636014080102DL00410263", AamvaError::NotAamva),
        (b"@\n\x1e\rANSI 63601", AamvaError::Truncated),
        (b"@\n\x1e\rANSI 6360140801", AamvaError::Truncated),
        (b"@\n\x1e\rANSI 63A014080101DL00310010", AamvaError::BadHeader),
        (b"@\n\x1e\rANSI 636014000101DL00310010", AamvaError::UnsupportedVersion(0)),
        (b"@\n\x1e\rANSI 636014110101DL00310010", AamvaError::UnsupportedVersion(11)),
        (b"@\n\x1e\rANSI 636014080101ZC00310010ZCZCAX\r", AamvaError::NoDlSubfile),
        (b"@\n\x1e\rANSI 636014080101DLxx310010DLDAQ1\r", AamvaError::BadHeader),
        (b"@\n\x1e\rANSI 636014080101DL00310010DLDXX1\r", AamvaError::Empty),
    ];
    for (p, e) in cases {
        assert_eq!(parse(p), Err(e), "{:?}", String::from_utf8_lossy(p));
    }
    let mut long = V8.as_bytes().to_vec();
    long.resize(MAX_PAYLOAD + 1, b' ');
    assert_eq!(parse(&long), Err(AamvaError::TooLong));
    assert!(parse(&long[..MAX_PAYLOAD]).is_ok(), "padding within the limit is fine");
    // Not UTF-8: read as Latin-1.
    let mut latin1 = V8.as_bytes().to_vec();
    let at = V8.find("DCSPUBLIC").unwrap() + 3;
    latin1.splice(at..at + 6, *b"NU\xd1EZ ");
    assert_eq!(parse(&latin1).unwrap().last_name, s("NUÑEZ"));
    // Errors name no value.
    assert_eq!(AamvaError::UnsupportedVersion(11).to_string(), "unsupported AAMVA version 11");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn debug_shows_which_fields_are_present_never_their_values() {
    for doc in [read(V8), read(V10), read(V1)] {
        for dbg in [format!("{doc:?}"), format!("{doc:#?}")] {
            for value in [
                "PUBLIC", "JANE", "QUINN", "O'NEIL", "MARY", "JOHN", "1977", "1985", "2029", "D1234567", "P1234",
                "K-123", "2570", "OAKLAND", "OTTAWA", "QUEEN", "94612", "K1A", "Female", "Male", "\"CA\"", "\"ON\"",
                "US",
            ] {
                assert!(!dbg.contains(value), "Debug shows {value}: {dbg}");
            }
            assert!(dbg.contains("first_name: Some(<redacted>)"), "{dbg}");
        }
    }
    let mut doc = read(V8);
    doc.street = None;
    assert!(format!("{doc:?}").contains("street: None"));
    // The cross-check holds outcomes only.
    let dbg = format!("{:?}", cross_check(&valid_draft(), &read(V8)));
    assert!(!dbg.contains("Jane") && !dbg.contains("PUBLIC") && !dbg.contains("1990"), "{dbg}");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn document_data_serialises_in_camel_case_with_dates_and_codes_as_text() {
    let doc = read(V8);
    let json = serde_json::to_value(&doc).unwrap();
    assert_eq!(json["source"], "pdf417");
    assert_eq!(json["kind"], "drivers_licence");
    assert_eq!(json["firstName"], "JANE");
    assert_eq!(json["dob"], "1977-08-31");
    assert_eq!(json["issueDate"], "2021-08-31");
    assert_eq!(json["sex"], "female");
    assert_eq!(json["country"], "US");
    assert_eq!(json["postalCode"], "94612-1234");
    assert_eq!(json["truncated"], serde_json::json!({"first": false, "middle": false, "last": false}));
    let back: DocumentData = serde_json::from_value(json).unwrap();
    assert_eq!(back, doc);
    let minimal: DocumentData = serde_json::from_str(r#"{"source":"mrz","kind":"passport"}"#).unwrap();
    assert_eq!(minimal, DocumentData { kind: Some(ReadKind::Passport), ..DocumentData::empty(ReadSource::Mrz) });
    assert!(serde_json::from_str::<DocumentData>(r#"{"source":"mrz","dob":"1990-02-30"}"#).is_err());
}

// ---- the builder ----

fn sample(country: &str, state: &str, postal: &str) -> DocumentData {
    DocumentData {
        kind: Some(ReadKind::DriversLicence),
        first_name: s("MARY ANN"),
        middle_name: s("Q"),
        last_name: s("DE LA CRUZ"),
        dob: Some(d(1980, 2, 29)),
        document_number: s("D1234567"),
        expiry: Some(d(2031, 12, 1)),
        issue_date: Some(d(2023, 1, 31)),
        sex: Some(Gender::Female),
        street: s("1 MARKET ST APT 4"),
        city: s("SAN FRANCISCO"),
        state: s(state),
        postal_code: s(postal),
        country: Country::parse(country).ok(),
        ..DocumentData::empty(ReadSource::Pdf417)
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn build_then_parse_is_the_identity_for_versions_1_to_10() {
    let mut id_card = sample("CA", "BC", "V6B 4Y8");
    id_card.kind = Some(ReadKind::IdCard);
    id_card.middle_name = None;
    for version in 1..=10u8 {
        for doc in [sample("US", "CA", "94105"), sample("US", "NY", "10001-1234"), id_card.clone()] {
            let mut doc = doc;
            if version >= 4 {
                doc.truncated = Truncation { first: false, middle: true, last: true };
            }
            let p = build(&doc, version, "636014");
            assert_eq!(parse(p.as_bytes()), Ok(doc), "version {version}: {p:?}");
        }
    }
    // The header of what it writes.
    let p = build(&sample("US", "CA", "94105"), 10, "636014");
    assert!(p.starts_with("@\n\x1e\rANSI 636014100101DL0031"), "{p:?}");
    assert!(p.contains("\nDBB02291980\n") && p.contains("\nDAK941050000  \n") && p.ends_with('\r'));
    let p = build(&sample("US", "CA", "94105"), 1, "636014");
    assert!(p.starts_with("@\n\x1e\rANSI 6360140101DL0029") && p.contains("DAADE LA CRUZ,MARY ANN,Q\n"), "{p:?}");
}

// ---- what a read fills in ----

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn fills_are_in_the_drafts_formats() {
    let fills = read(V8).fills();
    let want: Vec<(Field, String)> = [
        (Field::FirstName, "Jane"),
        (Field::LastName, "Public"),
        (Field::Dob, "1977-08-31"),
        (Field::Gender, "2"),
        (Field::IdDocType, "4"),
        (Field::DocumentNumber, "D1234567"),
        (Field::ValidUntil, "2029-08-31"),
        (Field::AddressCountry, "US"),
        (Field::State, "CA"),
        (Field::City, "OAKLAND"),
        (Field::Street, "2570 24TH STREET"),
        (Field::ZipCode, "94612"),
    ]
    .into_iter()
    .map(|(f, v)| (f, v.to_owned()))
    .collect();
    assert_eq!(fills, want);
    let ca = read(V10).fills();
    for (f, v) in [
        (Field::FirstName, "Mary-Ann"),
        (Field::LastName, "O'Neil"),
        (Field::Dob, "1985-10-15"),
        (Field::DocumentNumber, "P1234-56789-51015"),
        (Field::AddressCountry, "CA"),
        (Field::State, "ON"),
        (Field::ZipCode, "K1A 0B1"),
    ] {
        assert!(ca.contains(&(f, v.to_owned())), "{f}: {ca:?}");
    }
    assert_eq!(read(V8).document_value(Field::Nationality), None, "nationality is not on a licence");
    assert_eq!(read(V8).document_value(Field::Email), None);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_value_the_draft_would_refuse_is_not_filled() {
    let mut doc = read(V8);
    doc.document_number = s("**KD123QT");
    doc.first_name = s("JANE2");
    doc.state = s("ON"); // not a US state, and the document says US
    doc.expiry = Some(d(2150, 1, 1));
    doc.street = s(&"X".repeat(300));
    let filled: Vec<Field> = doc.fills().into_iter().map(|(f, _)| f).collect();
    for f in [Field::DocumentNumber, Field::FirstName, Field::State, Field::ValidUntil, Field::Street] {
        assert!(!filled.contains(&f), "{f} filled");
    }
    assert!(filled.contains(&Field::LastName) && filled.contains(&Field::ZipCode));
    // Only a real ZIP+4 is cut to its ZIP (found by the property test below).
    doc.postal_code = s("00000-A");
    assert_eq!(doc.document_value(Field::ZipCode), s("00000-A"));
    assert!(doc.fills().iter().all(|(f, _)| *f != Field::ZipCode));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn fills_never_cause_a_field_error() {
    for (payload, us) in [(V1, true), (V3, true), (V8, true), (V10, false), (TRUNCATED_ID, true)] {
        let doc = read(payload);
        let mut draft = valid_draft();
        if !us {
            draft.address.ssn = None;
        }
        let fills = doc.fills();
        for (f, v) in &fills {
            set(&mut draft, *f, v);
        }
        let errs = parse_draft(&draft, &rules()).err().unwrap_or_default();
        let filled: Vec<Field> = fills.iter().map(|(f, _)| *f).collect();
        assert!(errs.iter().all(|e| !filled.contains(&e.field)), "{errs:?}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn names_in_capitals_are_filled_in_readable_case() {
    for (from, to) in [
        ("MARY-ANN O'NEIL", "Mary-Ann O'Neil"),
        ("DE LA CRUZ", "De La Cruz"),
        ("ST. JOHN", "St. John"),
        ("ÉLODIE", "Élodie"),
        ("NUÑEZ", "Nuñez"),
        ("McDonald", "McDonald"),
        ("  JANE ", "Jane"),
    ] {
        assert_eq!(readable_case(from), to);
    }
}

// ---- the cross-check ----

fn set(d: &mut DraftDto, field: Field, v: &str) {
    let (i, a, v) = (&mut d.individual_info, &mut d.address, Some(v.to_owned()));
    match field {
        Field::FirstName => i.first_name = v,
        Field::LastName => i.last_name = v,
        Field::Dob => i.dob = v,
        Field::Gender => i.gender = v.map(NumOrText::Text),
        Field::IdDocType => i.id_doc_type = v.map(NumOrText::Text),
        Field::DocumentNumber => i.number = v,
        Field::ValidUntil => i.valid_until = v,
        Field::AddressCountry => a.country = v,
        Field::State => a.state = v,
        Field::City => a.city = v,
        Field::Street => a.address = v,
        Field::ZipCode => a.zip_code = v,
        _ => unreachable!("not filled"),
    }
}

/// The outcome of one draft value against `doc`.
fn check(doc: &DocumentData, field: Field, mine: &str) -> FieldCheck {
    let mut draft = DraftDto::default();
    set(&mut draft, field, mine);
    let c = cross_check(&draft, doc);
    assert_eq!(c.fields.len(), 1, "only the field the draft fills is compared");
    c.get(field).unwrap()
}

fn assert_rule(doc: &DocumentData, field: Field, matching: &[&str], near_misses: &[&str]) {
    for m in matching {
        assert_eq!(check(doc, field, m), FieldCheck::Matches, "{field}: {m:?} should match");
    }
    for m in near_misses {
        assert_eq!(check(doc, field, m), FieldCheck::DiffersFromDocument, "{field}: {m:?} should differ");
    }
}

fn with_names(first: &str, middle: Option<&str>, last: &str) -> DocumentData {
    let mut doc = read(V8);
    (doc.first_name, doc.middle_name, doc.last_name) = (s(first), middle.map(str::to_owned), s(last));
    doc
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn names_compare_without_case_or_diacritics() {
    let doc = with_names("JOSE", None, "NUNEZ");
    assert_rule(
        &doc,
        Field::FirstName,
        &["Jose", "josé", "JOSÉ", "Jose\u{301}", " José "],
        &["Josie", "Jos", "Joseph"],
    );
    assert_rule(&doc, Field::LastName, &["Núñez", "NUÑEZ", "Nun\u{303}ez"], &["Nunes", "Núñe"]);
    for (mine, printed) in [
        ("Strauß", "STRAUSS"),
        ("Søren", "SOREN"),
        ("Åsa", "ASA"),
        ("Ærøskøbing", "AEROSKOBING"),
        ("Łukasz", "LUKASZ"),
        ("Françoise", "FRANCOISE"),
        ("Dvořák", "DVORAK"),
        ("Œuvray", "OEUVRAY"),
    ] {
        assert_rule(&with_names(printed, None, "X"), Field::FirstName, &[mine], &[]);
    }
    assert_rule(&with_names("SOREN", None, "X"), Field::FirstName, &[], &["Sören Ø", "Sorin"]);
    assert_eq!(fold("Ærøskøbing-Ĳssel ß"), "aeroskobingijsselss");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn name_punctuation_is_ignored() {
    let doc = with_names("MARY ANN", None, "O'NEIL");
    assert_rule(&doc, Field::LastName, &["O'Neil", "O’Neil", "ONeil", "O Neil", "o-neil"], &["O'Neill", "Oneal"]);
    assert_rule(&doc, Field::FirstName, &["Mary-Ann", "MaryAnn", "Mary Ann", "Mary. Ann,"], &["Mary-Anne", "Mary"]);
    assert_rule(&with_names("X", None, "ST JOHN"), Field::LastName, &["St. John", "St-John"], &["Saint John"]);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_first_name_matches_the_first_or_the_first_and_middle_names() {
    let doc = with_names("MARY", Some("ANN"), "PUBLIC");
    assert_rule(
        &doc,
        Field::FirstName,
        &["Mary", "Mary Ann", "Mary-Ann", "mary ann"],
        &["Ann", "Mary Anne", "Mary A", "Mary Ann Q", "Ann Mary"],
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_truncated_name_matches_a_longer_name_that_starts_with_it() {
    let doc = read(TRUNCATED_ID);
    assert_rule(
        &doc,
        Field::LastName,
        &["Wolfeschlegelsteinhausenbergerdorff", "Wolfeschlegelsteinhausenberg"],
        &["Wolfeschlegelstein", "Wolfeschlegelsteinhausenburgerdorff"],
    );
    assert_rule(
        &doc,
        Field::FirstName,
        &["Alexandria-Margarethe", "Alexandria Margaret"],
        &["Alexandra-Margarethe", "Alexandria"],
    );
    // Without the flag there is no prefix rule.
    let doc = with_names("JANE", Some("Q"), "PUBLIC");
    assert_rule(&doc, Field::LastName, &[], &["Publicover"]);
    assert_rule(&doc, Field::FirstName, &[], &["Janet", "Jane Quinn"]);
    // A truncated middle name: the first name plus a middle name starting with it.
    let mut doc = with_names("JANE", Some("QUINNEL"), "PUBLIC");
    doc.truncated.middle = true;
    assert_rule(&doc, Field::FirstName, &["Jane Quinnella", "Jane"], &["Jane Quin", "Janet"]);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn dates_compare_as_dates() {
    let doc = read(V8);
    assert_rule(
        &doc,
        Field::Dob,
        &["1977-08-31", " 1977-08-31 "],
        &["1977-08-30", "1977-31-08", "08/31/1977", "1977-8-31"],
    );
    assert_rule(&doc, Field::ValidUntil, &["2029-08-31"], &["2099-01-01", "2029-08-30"]);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn document_numbers_ignore_spaces_hyphens_and_case_only() {
    assert_rule(
        &read(V8),
        Field::DocumentNumber,
        &["D1234567", "d1234567", "D 123-4567", "D-1234567 "],
        &["DI234567", "D12345670", "D123456"],
    );
    assert_rule(&read(V3), Field::DocumentNumber, &["sampljq320qd"], &["SAMPLJQ32OQD", "SAMPLJQ320Q0"]);
    assert_rule(&read(V10), Field::DocumentNumber, &["P12345678951015"], &["P1234-56789-51O15"]);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn zip_codes_compare_by_their_five_digits_and_postal_codes_without_the_space() {
    let mut doc = read(V8);
    assert_rule(
        &doc,
        Field::ZipCode,
        &["94612-1234", "94612", "946121234"],
        &["94613", "94612-1235", "9461", "94612-12"],
    );
    doc.postal_code = s("94612");
    assert_rule(&doc, Field::ZipCode, &["94612-1234", "94612", "94612-9999"], &["94621", "946120"]);
    assert_rule(&read(V10), Field::ZipCode, &["K1A 0B1", "k1a0b1", "K1A-0B1"], &["K1A 0B2", "K1A"]);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn streets_compare_word_by_word_with_usps_abbreviations() {
    assert_rule(
        &read(V8),
        Field::Street,
        &["2570 24th St", "2570 24th St.", "2570  24TH  STREET"],
        &["2570 24th Ave", "2750 24th St", "2570 24th"],
    );
    assert_rule(
        &read(V10),
        Field::Street,
        &["100 Queen Street West", "100 Queen St. W.", "100 queen st w"],
        &["100 Queen St E", "100 Queen Street"],
    );
    let mut doc = read(V8);
    doc.street = s("1 N MAIN AVE APT 4");
    assert_rule(
        &doc,
        Field::Street,
        &["1 North Main Avenue, Apartment 4", "1 N. Main Ave Apt #4"],
        &["1 S Main Ave Apt 4", "1 N Main Ave Apt 5", "1 N Main Rd Apt 4"],
    );
    for (long, short) in [
        ("Road", "RD"),
        ("Boulevard", "BLVD"),
        ("Drive", "DR"),
        ("Lane", "LN"),
        ("Court", "CT"),
        ("Place", "PL"),
        ("Highway", "HWY"),
        ("Parkway", "PKWY"),
        ("Suite", "STE"),
        ("Northeast", "NE"),
        ("Northwest", "NW"),
        ("Southeast", "SE"),
        ("Southwest", "SW"),
        ("South", "S"),
        ("East", "E"),
    ] {
        doc.street = Some(format!("9 ELM {short}"));
        assert_rule(&doc, Field::Street, &[&format!("9 Elm {long}")], &[&format!("9 Elm {long}s")]);
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn city_state_country_and_gender_compare_by_their_meaning() {
    let doc = read(V8);
    assert_rule(&doc, Field::City, &["Oakland", "OAKLAND "], &["Oakland Park", "Oaklands"]);
    assert_rule(&with_city("ST. LOUIS"), Field::City, &["St Louis", "st. louis"], &["Saint Louis"]);
    assert_rule(&doc, Field::State, &["CA", "ca"], &["NV", "California"]);
    assert_rule(&doc, Field::AddressCountry, &["US", "us", "USA"], &["CA", "XX"]);
    assert_rule(&doc, Field::Gender, &["2"], &["1", "9"]);
    let mut draft = DraftDto::default();
    draft.individual_info.gender = Some(NumOrText::Num(2));
    assert_eq!(cross_check(&draft, &doc).get(Field::Gender), Some(FieldCheck::Matches), "gender as a JSON number");
}

fn with_city(city: &str) -> DocumentData {
    let mut doc = read(V8);
    doc.city = s(city);
    doc
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn empty_draft_fields_are_not_listed_and_missing_document_fields_say_so() {
    let doc = read(TRUNCATED_ID); // no sex, no middle name
    let mut draft = DraftDto::default();
    set(&mut draft, Field::LastName, "  ");
    set(&mut draft, Field::City, "");
    set(&mut draft, Field::Gender, "2");
    let c = cross_check(&draft, &doc);
    assert_eq!(c.fields.len(), 1, "{c:?}");
    assert_eq!(c.get(Field::Gender), Some(FieldCheck::NotOnDocument));
    assert_eq!(c.get(Field::LastName), None);
    assert_eq!(cross_check(&DraftDto::default(), &doc), CrossCheck::default());
    // Email, nationality, SSN and the document type are never compared.
    assert!(cross_check(&valid_draft(), &doc)
        .fields
        .iter()
        .all(|o| !matches!(o.field, Field::Email | Field::Nationality | Field::Ssn | Field::IdDocType)));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn the_summary_splits_strong_and_informational_differences() {
    // The fixture draft (Jane Doe, born 1990, San Francisco) against the V8 licence.
    let doc = read(V8);
    let mut draft = valid_draft();
    set(&mut draft, Field::DocumentNumber, "D1234567");
    let c = cross_check(&draft, &doc);
    assert_eq!(
        c.matched(),
        [Field::FirstName, Field::DocumentNumber, Field::Gender, Field::AddressCountry, Field::State]
    );
    assert_eq!(c.mismatched_strong(), [Field::LastName, Field::Dob, Field::ValidUntil]);
    assert_eq!(c.mismatched_informational(), [Field::City, Field::Street, Field::ZipCode]);
    let errs = c.field_errors();
    assert_eq!(errs.len(), 6);
    assert!(errs.iter().all(|e| e.code == ErrorCode::DiffersFromDocument));
    assert_eq!(doc.document_value(Field::LastName).as_deref(), Some("Public"), "what to show next to the field");
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(
        json["fields"][1],
        serde_json::json!({"field": "individualInfo.lastName", "check": "differs_from_document", "strength": "strong"})
    );
    assert_eq!(json["fields"][5]["strength"], "informational");
    assert_eq!(serde_json::to_value(FieldCheck::NotOnDocument).unwrap(), "not_on_document");
    assert_eq!(serde_json::to_value(Strength::Informational).unwrap(), "informational");
    assert_eq!(ErrorCode::parse("differs_from_document"), Some(ErrorCode::DiffersFromDocument));
}

// ---- properties (native only) ----

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use kyc_domain::country::US_STATES;
    use proptest::prelude::*;

    fn date_in(years: std::ops::Range<u16>) -> impl Strategy<Value = Date> {
        (years, 1u8..13, 1u8..29).prop_map(|(y, m, day)| d(y, m, day))
    }

    fn opt<T: std::fmt::Debug + Clone>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
        proptest::option::weighted(0.85, s)
    }

    prop_compose! {
        fn document()(
            first in opt("[A-Z]{1,12}( [A-Z]{2,8})?"), middle in opt("[A-Z]{1,10}"), last in opt("[A-Z]{1,12}([ '-][A-Z]{2,8})?"),
            dob in opt(date_in(1900..2010)), expiry in opt(date_in(2000..2100)), issue in opt(date_in(1990..2030)),
            number in "[A-Z0-9]{1,12}(-[0-9]{3})?", male in opt(any::<bool>()), id_card in any::<bool>(),
            street in opt("[1-9][0-9]{0,4} [A-Z0-9]{1,10}( [A-Z]{1,8})?"), city in opt("[A-Z]{1,12}( [A-Z]{2,8})?"),
            canadian in any::<bool>(), state in 0usize..51, province in 0usize..13, zip in "[0-9]{5}", plus4 in opt("[0-9]{3}[1-9]"),
            postal in "[A-Z][0-9][A-Z] [0-9][A-Z][0-9]", has_address in any::<bool>(), flags in any::<(bool, bool, bool)>(),
        ) -> DocumentData {
            const PROVINCES: [&str; 13] = ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"];
            let (state, country, postal) = if canadian {
                (PROVINCES[province].to_owned(), "CA", postal)
            } else {
                (US_STATES[state].0.to_owned(), "US", plus4.map_or(zip.clone(), |p| format!("{zip}-{p}")))
            };
            DocumentData {
                kind: Some(if id_card { ReadKind::IdCard } else { ReadKind::DriversLicence }),
                first_name: first,
                middle_name: middle.filter(|m| m != "NONE"),
                last_name: last,
                dob,
                document_number: Some(number),
                expiry,
                issue_date: issue,
                sex: male.map(|m| if m { Gender::Male } else { Gender::Female }),
                street,
                city,
                state: has_address.then_some(state),
                postal_code: has_address.then_some(postal),
                country: if has_address { Country::parse(country).ok() } else { None },
                truncated: Truncation { first: flags.0, middle: flags.1, last: flags.2 },
                ..DocumentData::empty(ReadSource::Pdf417)
            }
        }
    }

    /// What the fuzz target checks: a fill causes no field error of its own (beyond the rules
    /// that need today's date), and a draft filled from a document matches it on every field.
    fn assert_fills_are_sound(doc: &DocumentData) -> Result<(), TestCaseError> {
        let fills = doc.fills();
        let mut draft = DraftDto::default();
        for (f, v) in &fills {
            set(&mut draft, *f, v);
        }
        let today_rules = [ErrorCode::Expired, ErrorCode::DateInFuture, ErrorCode::TooYoung, ErrorCode::TooOld];
        for e in parse_draft(&draft, &rules()).err().unwrap_or_default() {
            let filled = fills.iter().any(|(f, _)| *f == e.field);
            prop_assert!(!filled || today_rules.contains(&e.code), "a fill caused {} on {}", e.code, e.field);
        }
        let c = cross_check(&draft, doc);
        prop_assert_eq!(c.fields.len(), fills.iter().filter(|(f, _)| *f != Field::IdDocType).count());
        prop_assert_eq!(c.matched().len(), c.fields.len(), "{:?}", c);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn build_then_parse_is_the_identity(mut doc in document(), version in 1u8..=10) {
            if version < 4 {
                doc.truncated = Truncation::default();
            }
            let p = build(&doc, version, "636014");
            assert_fills_are_sound(&doc)?;
            prop_assert_eq!(parse(p.as_bytes()), Ok(doc));
        }

        #[test]
        fn any_name_or_address_filled_from_a_document_matches_it(
            first in "\\PC{1,20}", last in "\\PC{1,20}", street in "\\PC{1,30}", city in "\\PC{1,20}",
            number in "[A-Z0-9 -]{1,20}", postal in "[0-9A-Z -]{1,12}", upper in any::<bool>(),
        ) {
            let case = |s: String| if upper { s.to_uppercase() } else { s };
            let mut doc = read(V8);
            (doc.first_name, doc.last_name) = (Some(case(first)), Some(case(last)));
            (doc.street, doc.city, doc.document_number, doc.postal_code) = (Some(street), Some(city), Some(number), Some(postal));
            assert_fills_are_sound(&doc)?;
        }

        #[test]
        fn no_bytes_panic_the_reader(b in proptest::collection::vec(any::<u8>(), 0..3000)) {
            let _ = parse(&b);
            let mut with_header = b"@\n\x1e\rANSI 636014080102DL0041".to_vec();
            with_header.extend_from_slice(&b);
            if let Ok(doc) = parse(&with_header) {
                let _ = doc.fills();
                let _ = cross_check(&valid_draft(), &doc);
            }
        }

        #[test]
        fn no_mutation_of_a_valid_payload_panics(
            which in 0usize..5,
            edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>(), 0u8..3), 1..12),
        ) {
            let mut b = [V1, V3, V8, V10, TRUNCATED_ID][which].as_bytes().to_vec();
            for (at, byte, op) in edits {
                let i = at.index(b.len() + 1);
                match op {
                    0 if i < b.len() => b[i] = byte,
                    1 => b.insert(i, byte),
                    _ if i < b.len() => { b.remove(i); }
                    _ => {}
                }
            }
            if let Ok(doc) = parse(&b) {
                let _ = format!("{doc:?}");
                assert_fills_are_sound(&doc)?;
                for (f, v) in doc.fills() {
                    let mut draft = valid_draft();
                    set(&mut draft, f, &v);
                    let _ = cross_check(&draft, &doc);
                }
            }
        }

        #[test]
        fn no_strings_panic_the_cross_check(v in "\\PC{0,40}", field in 0usize..12) {
            let fields = [Field::FirstName, Field::LastName, Field::Dob, Field::Gender, Field::IdDocType, Field::DocumentNumber,
                Field::ValidUntil, Field::AddressCountry, Field::State, Field::City, Field::Street, Field::ZipCode];
            let mut draft = DraftDto::default();
            set(&mut draft, fields[field], &v);
            let _ = cross_check(&draft, &read(V8));
            let _ = cross_check(&draft, &read(TRUNCATED_ID));
            let _ = readable_case(&v);
            let _ = fold(&v);
        }
    }
}
