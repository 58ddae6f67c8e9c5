//! Arbitrary bytes → the widget's draft DTO → the whole rulebook: never panics.
#![no_main]

use kyc_domain::{parse_draft, Date, DraftDto, Rules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(draft) = serde_json::from_slice::<DraftDto>(data) {
        let rules = Rules::new(Date::from_ymd(2026, 11, 26).unwrap());
        if let Ok(applicant) = parse_draft(&draft, &rules) {
            // A valid applicant serialises back to a draft that parses to itself.
            assert_eq!(parse_draft(&applicant.to_draft(), &rules).unwrap(), applicant);
        }
    }
});
