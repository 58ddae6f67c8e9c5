//! The crate docs' rules table (RULES.md) is generated here, and every row is proven: for each
//! (field, code) the table lists, a witness draft makes `parse_draft` report exactly that code
//! on that field. Every error code and every draft field must appear. Run with
//! `UPDATE_RULES=1` to rewrite RULES.md after changing a rule. The table opens RULES.md; the
//! hand-written sections after it (from its first blank line) are kept as they are.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{rules, valid_draft};
use kyc_domain::{parse_draft, DraftDto, ErrorCode, Field};

type Edit = fn(&mut DraftDto);

struct Row {
    field: Field,
    rule: &'static str,
    cases: &'static [(ErrorCode, Edit)],
}

fn set_first(d: &mut DraftDto, v: &str) {
    d.individual_info.first_name = Some(v.into());
}

const ROWS: &[Row] = &[
    Row { field: Field::Email, rule: "≤ 64 characters; the syntax `<input type=email>` accepts; domain lower-cased", cases: &[
        (ErrorCode::Required, |d| d.email = None),
        (ErrorCode::TooLong, |d| d.email = Some(format!("{}@example.com", "a".repeat(60)))),
        (ErrorCode::InvalidEmail, |d| d.email = Some("jane@".into())),
    ]},
    Row { field: Field::FirstName, rule: "trimmed, 1–35 characters; letters of any script (with combining marks), space, `-`, `'`, `.`; at least one letter; no digits", cases: &[
        (ErrorCode::Required, |d| set_first(d, " ")),
        (ErrorCode::TooLong, |d| set_first(d, &"a".repeat(36))),
        (ErrorCode::InvalidCharacters, |d| set_first(d, "Jane2")),
        (ErrorCode::MustContainLetter, |d| set_first(d, "-.")),
    ]},
    Row { field: Field::LastName, rule: "as `firstName`", cases: &[
        (ErrorCode::Required, |d| d.individual_info.last_name = None),
    ]},
    Row { field: Field::Dob, rule: "a real `YYYY-MM-DD` date, not in the future, age ≥ 18 (configurable), not more than 120 years ago", cases: &[
        (ErrorCode::Required, |d| d.individual_info.dob = None),
        (ErrorCode::InvalidDate, |d| d.individual_info.dob = Some("2023-02-29".into())),
        (ErrorCode::DateInFuture, |d| d.individual_info.dob = Some("2030-01-01".into())),
        (ErrorCode::TooYoung, |d| d.individual_info.dob = Some("2010-01-01".into())),
        (ErrorCode::TooOld, |d| d.individual_info.dob = Some("1850-01-01".into())),
    ]},
    Row { field: Field::Nationality, rule: "an assigned ISO 3166-1 code (alpha-2 on the draft)", cases: &[
        (ErrorCode::Required, |d| d.individual_info.country = None),
        (ErrorCode::UnknownCountry, |d| d.individual_info.country = Some("XX".into())),
    ]},
    Row { field: Field::Gender, rule: "1 (male) or 2 (female)", cases: &[
        (ErrorCode::Required, |d| d.individual_info.gender = None),
        (ErrorCode::InvalidChoice, |d| d.individual_info.gender = Some(kyc_domain::draft::NumOrText::Num(3))),
    ]},
    Row { field: Field::IdDocType, rule: "1 ID card, 2 passport, 3 residence permit, 4 driver's licence", cases: &[
        (ErrorCode::Required, |d| d.individual_info.id_doc_type = None),
        (ErrorCode::InvalidChoice, |d| d.individual_info.id_doc_type = Some(kyc_domain::draft::NumOrText::Text("9".into()))),
    ]},
    Row { field: Field::DocumentNumber, rule: "spaces removed, upper-cased, then 1–64 of `A–Z 0–9 -`; a passport number at most 20", cases: &[
        (ErrorCode::Required, |d| d.individual_info.number = None),
        (ErrorCode::InvalidCharacters, |d| d.individual_info.number = Some("AB/1".into())),
        (ErrorCode::TooLong, |d| d.individual_info.number = Some("A".repeat(21))),
    ]},
    Row { field: Field::ValidUntil, rule: "a real date, not before today, not after 2099-01-01 (which means \"does not expire\")", cases: &[
        (ErrorCode::Required, |d| d.individual_info.valid_until = None),
        (ErrorCode::InvalidDate, |d| d.individual_info.valid_until = Some("2031-02-30".into())),
        (ErrorCode::Expired, |d| d.individual_info.valid_until = Some("2020-01-01".into())),
        (ErrorCode::DateTooFar, |d| d.individual_info.valid_until = Some("2099-01-02".into())),
    ]},
    Row { field: Field::AddressCountry, rule: "an assigned ISO 3166-1 code", cases: &[
        (ErrorCode::Required, |d| d.address.country = None),
        (ErrorCode::UnknownCountry, |d| d.address.country = Some("ZZ".into())),
    ]},
    Row { field: Field::State, rule: "US: one of the 50 states + DC (USPS code); elsewhere 1–32 characters", cases: &[
        (ErrorCode::Required, |d| d.address.state = None),
        (ErrorCode::UnknownState, |d| d.address.state = Some("XX".into())),
        (ErrorCode::TooLong, |d| { d.address.country = Some("FR".into()); d.address.ssn = None; d.address.state = Some("x".repeat(33)); }),
        (ErrorCode::InvalidCharacters, |d| { d.address.country = Some("FR".into()); d.address.ssn = None; d.address.state = Some("a\u{202E}b".into()); }),
    ]},
    Row { field: Field::City, rule: "1–64 characters, no control characters", cases: &[
        (ErrorCode::Required, |d| d.address.city = None),
        (ErrorCode::TooLong, |d| d.address.city = Some("c".repeat(65))),
    ]},
    Row { field: Field::Street, rule: "1–256 characters, no control characters", cases: &[
        (ErrorCode::Required, |d| d.address.address = None),
        (ErrorCode::TooLong, |d| d.address.address = Some("s".repeat(257))),
    ]},
    Row { field: Field::ZipCode, rule: "US `12345` or `12345-6789`; elsewhere 1–16 of letters, digits, space, hyphen", cases: &[
        (ErrorCode::Required, |d| d.address.zip_code = None),
        (ErrorCode::InvalidZip, |d| d.address.zip_code = Some("1234".into())),
        (ErrorCode::TooLong, |d| { d.address.country = Some("FR".into()); d.address.ssn = None; d.address.state = Some("IDF".into()); d.address.zip_code = Some("1".repeat(17)); }),
    ]},
    Row { field: Field::Ssn, rule: "required for a US address, refused elsewhere; 9 digits with or without the two dashes; area 000/666/900–999, group 00, serial 0000 refused; sent as 9 digits", cases: &[
        (ErrorCode::Required, |d| d.address.ssn = None),
        (ErrorCode::InvalidSsn, |d| d.address.ssn = Some("12-345-6789".into())),
        (ErrorCode::SsnInvalidArea, |d| d.address.ssn = Some("666-45-6789".into())),
        (ErrorCode::SsnInvalidGroup, |d| d.address.ssn = Some("123-00-6789".into())),
        (ErrorCode::SsnInvalidSerial, |d| d.address.ssn = Some("123-45-0000".into())),
        (ErrorCode::NotApplicable, |d| { d.address.country = Some("FR".into()); d.address.state = Some("IDF".into()); }),
    ]},
];

/// Codes produced outside `parse_draft`: photo headers (`inspect_photo`), the submit-time
/// document rule (`missing_documents`), the backend's mapping of upstream refusals, and the
/// cross-check against a scanned ID document (`idread::cross_check`).
const OTHER: &[(&str, &str, &[ErrorCode])] = &[
    ("`documents.idFront`, `documents.idBack`, `documents.face`", "JPEG or PNG by magic bytes; ≤ 5,000,000 bytes; header dimensions short edge ≥ 480 px and ≤ 40 megapixels; JPEG: exactly one baseline, extended or progressive 8-bit frame (lossless, hierarchical and arithmetic-coded frames refused); no file smaller than its pixels can compress to; not near-black (mean luma < 20) and not badly out of focus (sharpness < 12), measured by the quality rulebook on a 480-px copy; `idFront` and `face` required before submit",
        &[ErrorCode::Required, ErrorCode::UnsupportedFileType, ErrorCode::FileTooLarge, ErrorCode::UnreadableImage, ErrorCode::ImageTooSmall, ErrorCode::ImageTooLarge, ErrorCode::ImageTooDark, ErrorCode::ImageTooBlurry]),
    ("any field the provider names", "the provider refused it (e.g. an email already used by another application)", &[ErrorCode::AlreadyUsed, ErrorCode::RejectedByProvider]),
    ("the fields read from a scanned ID document", "differs from what the document says (see \"Reading the document\" below)", &[ErrorCode::DiffersFromDocument]),
];

fn render() -> String {
    let mut out = String::from("| Field | Rule | Error codes |\n|---|---|---|\n");
    for r in ROWS {
        let codes: Vec<String> = r.cases.iter().map(|(c, _)| format!("`{c}`")).collect();
        out.push_str(&format!("| `{}` | {} | {} |\n", r.field.path(), r.rule, codes.join(", ")));
    }
    for (f, rule, codes) in OTHER {
        let codes: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
        out.push_str(&format!("| {f} | {rule} | {} |\n", codes.join(", ")));
    }
    out
}

#[test]
fn every_row_of_the_rules_table_is_produced_by_the_code() {
    for r in ROWS {
        for (code, edit) in r.cases {
            let mut d = valid_draft();
            edit(&mut d);
            let errs = parse_draft(&d, &rules()).expect_err("the witness must fail");
            assert!(errs.iter().any(|e| e.field == r.field && e.code == *code), "{} / {code}: got {errs:?}", r.field);
        }
    }
}

#[test]
fn the_rules_table_covers_every_code_and_every_field() {
    for code in ErrorCode::ALL {
        let listed = ROWS.iter().any(|r| r.cases.iter().any(|(c, _)| *c == code))
            || OTHER.iter().any(|(_, _, cs)| cs.contains(&code));
        assert!(listed, "{code} is missing from the rules table");
    }
    for f in Field::ALL.iter().filter(|f| !f.path().starts_with("documents.")) {
        assert!(ROWS.iter().any(|r| r.field == *f), "{f} is missing from the rules table");
    }
}

#[test]
fn rules_md_matches_the_generated_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/RULES.md");
    let have = std::fs::read_to_string(path).unwrap();
    let sections = have.find("\n\n").map_or("", |i| &have[i + 1..]);
    let want = render() + sections;
    if std::env::var_os("UPDATE_RULES").is_some() {
        std::fs::write(path, &want).unwrap();
        return;
    }
    assert_eq!(have, want, "RULES.md is stale: run `UPDATE_RULES=1 cargo test -p kyc-domain --test rules_table`");
}
