//! Arbitrary bytes → the AAMVA (PDF417) reader → its fills → the rulebook and the cross-check:
//! never panics; a fill never causes a field error of its own (beyond the rules that need
//! today's date); a draft filled from a document matches it on every field it filled.
#![no_main]

use kyc_domain::idread::{aamva, cross_check, FieldCheck};
use kyc_domain::{parse_draft, Date, DraftDto, ErrorCode, Rules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = aamva::parse(data) else { return };
    let _ = format!("{doc:?}");
    let fills = doc.fills();
    let mut json = serde_json::json!({"individualInfo": {}, "address": {}});
    for (field, value) in &fills {
        let (group, key) = field.path().split_once('.').expect("every filled field is in a group");
        json[group][key] = serde_json::Value::String(value.clone());
    }
    let draft: DraftDto = serde_json::from_value(json).expect("fills make a draft");
    let rules = Rules::new(Date::from_ymd(2026, 11, 26).unwrap());
    let today_rules = [ErrorCode::Expired, ErrorCode::DateInFuture, ErrorCode::TooYoung, ErrorCode::TooOld];
    for e in parse_draft(&draft, &rules).err().unwrap_or_default() {
        let filled = fills.iter().any(|(f, _)| *f == e.field);
        assert!(!filled || today_rules.contains(&e.code), "a fill caused {} on {}", e.code, e.field);
    }
    for o in cross_check(&draft, &doc).fields {
        assert_eq!(o.check, FieldCheck::Matches, "{} filled from the document differs from it", o.field);
    }
    let _ = aamva::build(&doc, 10, "636014");
});
