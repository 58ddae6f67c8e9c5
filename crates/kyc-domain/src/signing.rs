//! Request signing (kyc-api "Authentication"): `hmac-sha256` (default) and the legacy `sha1`
//! profile. Pure functions over strings; the caller supplies the timestamp.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};
use sha2::Sha256;

/// Which signature scheme a tenant uses (`KYC_SIGNATURE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum SignatureScheme {
    #[default]
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
    #[serde(rename = "sha1")]
    Sha1,
}

impl SignatureScheme {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "hmac-sha256" => Some(Self::HmacSha256),
            "sha1" => Some(Self::Sha1),
            _ => None,
        }
    }
}

/// Header names of each profile.
pub mod headers {
    pub const ACCESS_KEY: &str = "ach-access-key";
    pub const ACCESS_TIMESTAMP: &str = "ach-access-timestamp";
    pub const ACCESS_SIGN: &str = "ach-access-sign";
    pub const SHA1_APP_ID: &str = "appId";
    pub const SHA1_TIMESTAMP: &str = "timestamp";
    pub const SHA1_SIGN: &str = "sign";
}

/// The timestamp window either side of now (kyc-api: 5 minutes).
pub const TIMESTAMP_WINDOW_MS: i64 = 5 * 60 * 1000;

/// `path` plus the query string: parameters sorted by name, empty values dropped.
pub fn request_path(path: &str, query: &[(&str, &str)]) -> String {
    let mut q: Vec<&(&str, &str)> = query.iter().filter(|(_, v)| !v.is_empty()).collect();
    q.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(b.1)));
    if q.is_empty() {
        return path.to_owned();
    }
    let joined: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{path}?{}", joined.join("&"))
}

/// `timestamp + METHOD + requestPath + body`.
pub fn prehash(timestamp: &str, method: &str, request_path: &str, body: &str) -> String {
    format!("{timestamp}{}{request_path}{body}", method.to_ascii_uppercase())
}

/// `Base64(HMAC-SHA256(appSecret, prehash))`.
pub fn hmac_sha256_sign(secret: &[u8], prehash: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(prehash.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Constant-time check of an `hmac-sha256` signature.
pub fn hmac_sha256_verify(secret: &[u8], prehash: &str, sign_b64: &str) -> bool {
    let Ok(sig) = base64::engine::general_purpose::STANDARD.decode(sign_b64.trim()) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(prehash.as_bytes());
    mac.verify_slice(&sig).is_ok()
}

/// Lower-case hex `SHA1(appId + appSecret + timestamp)` (the "Ramp" profile).
pub fn sha1_sign(app_id: &str, secret: &str, timestamp: &str) -> String {
    let mut h = Sha1::new();
    h.update(app_id.as_bytes());
    h.update(secret.as_bytes());
    h.update(timestamp.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Constant-time comparison of two byte strings.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether a 13-digit millisecond timestamp is within the window around `now_ms`.
pub fn timestamp_in_window(timestamp: &str, now_ms: i64) -> bool {
    timestamp.len() == 13
        && timestamp.bytes().all(|b| b.is_ascii_digit())
        && timestamp.parse::<i64>().is_ok_and(|t| (t - now_ms).abs() <= TIMESTAMP_WINDOW_MS)
}
