//! Request authentication, both profiles (kyc-api "Authentication").

use axum::http::HeaderMap;
use kyc_domain::signing::{self, headers, SignatureScheme};
use kyc_domain::wire::codes;

/// Why a request was refused, as an upstream error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    pub code: i64,
    pub msg: &'static str,
}

pub struct Credentials<'a> {
    pub scheme: SignatureScheme,
    pub app_key: &'a str,
    pub app_secret: &'a str,
}

fn header<'h>(h: &'h HeaderMap, name: &str) -> Option<&'h str> {
    h.get(name).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty())
}

/// Verifies a request: missing headers → 200001; unknown key or wrong signature → 200006;
/// timestamp outside ±5 minutes → 200005. `body` is the prehash body part (the raw JSON for
/// JSON requests, the canonical JSON of the non-file fields for uploads, empty for GET).
pub fn verify(
    creds: &Credentials<'_>,
    h: &HeaderMap,
    method: &str,
    request_path: &str,
    body: &str,
    now_ms: i64,
) -> Result<(), AuthError> {
    let missing = AuthError { code: codes::MISSING_PARAMETER, msg: "missing parameter: signature headers" };
    let bad_sign = AuthError { code: codes::SIGNATURE_ERROR, msg: "signature error" };
    let bad_time = AuthError { code: codes::TIMESTAMP_OUT_OF_WINDOW, msg: "timestamp outside the allowed window" };
    match creds.scheme {
        SignatureScheme::HmacSha256 => {
            let (Some(key), Some(ts), Some(sign)) =
                (header(h, headers::ACCESS_KEY), header(h, headers::ACCESS_TIMESTAMP), header(h, headers::ACCESS_SIGN))
            else {
                return Err(missing);
            };
            if !signing::constant_time_eq(key.as_bytes(), creds.app_key.as_bytes()) {
                return Err(bad_sign);
            }
            if !signing::timestamp_in_window(ts, now_ms) {
                return Err(bad_time);
            }
            let pre = signing::prehash(ts, method, request_path, body);
            if !signing::hmac_sha256_verify(creds.app_secret.as_bytes(), &pre, sign) {
                return Err(bad_sign);
            }
        }
        SignatureScheme::Sha1 => {
            let (Some(id), Some(ts), Some(sign)) =
                (header(h, headers::SHA1_APP_ID), header(h, headers::SHA1_TIMESTAMP), header(h, headers::SHA1_SIGN))
            else {
                return Err(missing);
            };
            if !signing::constant_time_eq(id.as_bytes(), creds.app_key.as_bytes()) {
                return Err(bad_sign);
            }
            if !signing::timestamp_in_window(ts, now_ms) {
                return Err(bad_time);
            }
            let expected = signing::sha1_sign(id, creds.app_secret, ts);
            if !signing::constant_time_eq(expected.as_bytes(), sign.to_ascii_lowercase().as_bytes()) {
                return Err(bad_sign);
            }
        }
    }
    Ok(())
}
