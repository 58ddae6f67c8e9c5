//! Property tests: no input string panics any parser, and parse ∘ serialise is the identity on
//! valid values.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{rules, today};
use kyc_domain::address::{parse_city, parse_street, Ssn, State, ZipCode};
use kyc_domain::country::{Country, US_STATES};
use kyc_domain::document::{DocumentNumber, Expiry};
use kyc_domain::person::{DateOfBirth, Email, PersonName};
use kyc_domain::photo::inspect_photo;
use kyc_domain::{canonical_json, parse_draft, Date, DraftDto};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_string_panics_any_field_parser(s in "\\PC{0,80}|[0-9-]{0,14}|.{0,300}") {
        let us = Some(Country::US);
        let _ = PersonName::parse(&s);
        let _ = Email::parse(&s);
        let _ = DateOfBirth::parse(&s, today(), 18);
        let _ = Expiry::parse(&s, today());
        let _ = DocumentNumber::parse(&s, None);
        let _ = Country::parse(&s);
        let _ = State::parse(&s, us);
        let _ = State::parse(&s, None);
        let _ = ZipCode::parse(&s, us);
        let _ = ZipCode::parse(&s, None);
        let _ = Ssn::parse(&s);
        let _ = parse_city(&s);
        let _ = parse_street(&s);
        let _ = Date::parse(&s);
    }

    #[test]
    fn no_bytes_panic_the_photo_header_check(b in proptest::collection::vec(any::<u8>(), 0..2048), len in 0u64..10_000_000) {
        let _ = inspect_photo(&b, len);
        let mut jpeg = vec![0xFF, 0xD8, 0xFF];
        jpeg.extend_from_slice(&b);
        let _ = inspect_photo(&jpeg, len);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(&b);
        let _ = inspect_photo(&png, len);
    }

    #[test]
    fn no_json_panics_the_draft_parser(s in "\\PC{0,200}") {
        if let Ok(d) = serde_json::from_str::<DraftDto>(&s) {
            let _ = parse_draft(&d, &rules());
        }
    }

    #[test]
    fn valid_ssns_are_accepted_and_normalised(area in 1u32..900, group in 1u32..100, serial in 1u32..10000, dashed in any::<bool>()) {
        prop_assume!(area != 666);
        let s = if dashed { format!("{area:03}-{group:02}-{serial:04}") } else { format!("{area:03}{group:02}{serial:04}") };
        let ssn = Ssn::parse(&s).unwrap();
        prop_assert_eq!(ssn.digits(), format!("{area:03}{group:02}{serial:04}"));
    }

    #[test]
    fn parse_then_serialise_is_the_identity_on_valid_drafts(
        first in "[A-Z][a-z]{0,20}", last in "[A-Z][a-z]{0,20}( [A-Z][a-z]{1,10})?",
        local in "[a-z0-9._%+-]{1,20}", domain in "[a-z0-9]{1,20}\\.(com|org|io)",
        year in 1910u16..2007, month in 1u8..13, day in 1u8..29,
        nat in 0usize..249, gender in 1u8..3, doc in 1u8..5, number in "[A-Z0-9]{1,20}",
        us in any::<bool>(), state in 0usize..51, zip in "[0-9]{5}", city in "[A-Za-z][A-Za-z ]{0,20}[a-z]",
        street in "[1-9][0-9]{0,3} [A-Za-z ]{1,30}[a-z]", ssn_area in 1u32..600,
    ) {
        let nat = Country::all().nth(nat).unwrap();
        let country = if us { "US" } else { "FR" };
        let json = serde_json::json!({
            "email": format!("{local}@{domain}"),
            "individualInfo": {
                "firstName": first, "lastName": last, "dob": format!("{year:04}-{month:02}-{day:02}"),
                "country": nat.alpha2(), "gender": gender, "idDocType": doc.to_string(), "number": number,
                "validUntil": "2099-01-01"
            },
            "address": {
                "country": country, "state": if us { US_STATES[state].0.to_owned() } else { "Île-de-France".to_owned() },
                "city": city, "address": street, "zipCode": zip,
                "ssn": if us { Some(format!("{ssn_area:03}456789")) } else { None }
            }
        });
        let draft: DraftDto = serde_json::from_value(json).unwrap();
        let applicant = parse_draft(&draft, &rules()).unwrap();
        let again = applicant.to_draft();
        prop_assert_eq!(&again, &draft);
        prop_assert_eq!(parse_draft(&again, &rules()).unwrap(), applicant);
    }

    #[test]
    fn canonical_json_ignores_key_order(a in any::<i32>(), b in "[a-z]{0,5}", c in any::<bool>()) {
        let x = serde_json::json!({"a": a, "b": b, "c": {"y": c, "x": [1, 2]}});
        let y = serde_json::json!({"c": {"x": [1, 2], "y": c}, "b": b, "a": a});
        prop_assert_eq!(canonical_json(&x), canonical_json(&y));
    }
}
