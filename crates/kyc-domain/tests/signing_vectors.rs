//! Reproduces every entry of `tests/data/signing.json` (computed independently of our code).
#![cfg(not(target_arch = "wasm32"))]

use kyc_domain::canonical_json;
use kyc_domain::signing::{
    hmac_sha256_sign, hmac_sha256_verify, prehash, request_path, sha1_sign, timestamp_in_window,
};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("data/signing.json")).unwrap()
}

#[test]
fn every_hmac_sha256_vector_reproduces_prehash_and_signature() {
    let v = vectors();
    let list = v["hmac_sha256"].as_array().unwrap();
    assert!(list.len() >= 5);
    for case in list {
        let query: Vec<(String, String)> = case["query"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect())
            .unwrap_or_default();
        let q: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let path = request_path(case["path"].as_str().unwrap(), &q);
        let body = if case["body"].is_null() { String::new() } else { canonical_json(&case["body"]) };
        let pre = prehash(case["timestamp"].as_str().unwrap(), case["method"].as_str().unwrap(), &path, &body);
        assert_eq!(pre, case["prehash"].as_str().unwrap());
        let secret = case["appSecret"].as_str().unwrap().as_bytes();
        let sign = hmac_sha256_sign(secret, &pre);
        assert_eq!(sign, case["sign"].as_str().unwrap());
        assert!(hmac_sha256_verify(secret, &pre, &sign));
        assert!(!hmac_sha256_verify(b"wrong", &pre, &sign));
        assert!(!hmac_sha256_verify(secret, &format!("{pre} "), &sign));
    }
}

#[test]
fn every_sha1_vector_reproduces_its_signature() {
    let v = vectors();
    for case in v["sha1"].as_array().unwrap() {
        let s = sha1_sign(
            case["appId"].as_str().unwrap(),
            case["appSecret"].as_str().unwrap(),
            case["timestamp"].as_str().unwrap(),
        );
        assert_eq!(s, case["sign"].as_str().unwrap());
    }
}

#[test]
fn every_canonical_json_vector_reproduces() {
    let v = vectors();
    for case in v["canonical_json"].as_array().unwrap() {
        assert_eq!(canonical_json(&case["input"]), case["canonical"].as_str().unwrap());
    }
}

#[test]
fn query_parameters_are_sorted_and_empty_values_dropped() {
    assert_eq!(request_path("/p", &[("b", "2"), ("a", "1"), ("c", "")]), "/p?a=1&b=2");
    assert_eq!(request_path("/p", &[]), "/p");
}

#[test]
fn timestamps_must_be_13_digits_within_five_minutes() {
    let now = 1_700_000_000_000;
    assert!(timestamp_in_window("1700000000000", now));
    assert!(timestamp_in_window("1700000300000", now));
    assert!(!timestamp_in_window("1700000300001", now));
    assert!(!timestamp_in_window("1699999699999", now));
    assert!(!timestamp_in_window("170000000000", now));
    assert!(!timestamp_in_window("17000000000x0", now));
}
