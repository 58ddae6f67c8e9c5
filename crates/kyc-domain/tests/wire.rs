//! The upstream body's profile switches, the envelope, and mapping upstream messages to fields.

mod common;

use common::{rules, valid_draft};
use kyc_domain::wire::{
    field_named_in, information_body, AddressPlacement, CountryFormat, Envelope, GenderFormat, Profile, ServerFields,
};
use kyc_domain::{parse_draft, Field};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

fn server() -> ServerFields {
    ServerFields {
        request_no: "r1".into(),
        kyc_platform: "sumsub".into(),
        callback_url: "https://p.example/cb".into(),
        ip_address: "203.0.113.7".into(),
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn default_profile_is_alpha3_numeric_gender_nested_address() {
    let a = parse_draft(&valid_draft(), &rules()).unwrap();
    let b = information_body(&a, &server(), Profile::default());
    assert_eq!(b["individualInfo"]["country"], "USA");
    assert_eq!(b["individualInfo"]["gender"], 2);
    assert_eq!(b["individualInfo"]["address"]["country"], "USA");
    assert_eq!(b["individualInfo"]["address"]["ssn"], "123456789");
    assert_eq!(b["individualInfo"]["validUntil"], "2031-01-01");
    assert_eq!(b["holderType"], "1");
    assert!(b.get("address").is_none());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn other_profile_is_alpha2_string_gender_top_level_address() {
    let a = parse_draft(&valid_draft(), &rules()).unwrap();
    let p = Profile {
        country_format: CountryFormat::Alpha2,
        gender_format: GenderFormat::String,
        address_placement: AddressPlacement::Top,
    };
    let b = information_body(&a, &server(), p);
    assert_eq!(b["individualInfo"]["country"], "US");
    assert_eq!(b["individualInfo"]["gender"], "2");
    assert_eq!(b["address"]["country"], "US");
    assert!(b["individualInfo"].get("address").is_none());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn envelope_code_is_accepted_as_number_or_numeric_string() {
    let a: Envelope =
        serde_json::from_str(r#"{"code":"0","msg":"ok","model":null,"traceId":"t","success":true,"error":false}"#)
            .unwrap();
    let b: Envelope =
        serde_json::from_str(r#"{"code":200002,"msg":"invalid parameter: email","success":false,"error":true}"#)
            .unwrap();
    assert!(a.is_success());
    assert_eq!(b.code, 200_002);
    assert!(!b.is_success());
    assert!(serde_json::from_str::<Envelope>(r#"{"code":"abc"}"#).is_err());
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn upstream_messages_naming_a_field_map_back_to_it() {
    assert_eq!(field_named_in("invalid parameter: email is already used"), Some(Field::Email));
    assert_eq!(field_named_in("missing parameter: individualInfo.dob"), Some(Field::Dob));
    assert_eq!(field_named_in("system busy"), None);
}
