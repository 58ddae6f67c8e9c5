//! The upstream wire format (docs/upstream.md): the information body with its profile switches,
//! and the response envelope.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};

use crate::canonical::canonical_json;
use crate::country::Country;
use crate::draft::Applicant;

/// kyc-api profile: country codes as alpha-3 (default) or alpha-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CountryFormat {
    #[default]
    Alpha3,
    Alpha2,
}

/// kyc-api profile: gender as a JSON number (default) or a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GenderFormat {
    #[default]
    Number,
    String,
}

/// kyc-api profile: `address` nested inside `individualInfo` (default) or at the top level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressPlacement {
    #[default]
    Nested,
    Top,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Profile {
    pub country_format: CountryFormat,
    pub gender_format: GenderFormat,
    pub address_placement: AddressPlacement,
}

impl CountryFormat {
    pub fn code(self, c: Country) -> &'static str {
        match self {
            Self::Alpha3 => c.alpha3(),
            Self::Alpha2 => c.alpha2(),
        }
    }
}

/// The fields only the server may set (docs/api.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFields {
    pub request_no: String,
    pub kyc_platform: String,
    pub callback_url: String,
    pub ip_address: String,
}

/// The `information` body as a JSON value, shaped by `profile`.
pub fn information_body(a: &Applicant, server: &ServerFields, profile: Profile) -> Value {
    let cc = |c: Country| profile.country_format.code(c);
    let gender = match profile.gender_format {
        GenderFormat::Number => json!(a.gender.code()),
        GenderFormat::String => json!(a.gender.code().to_string()),
    };
    let address = json!({
        "country": cc(a.address.country),
        "state": a.address.state.as_str(),
        "city": a.address.city,
        "address": a.address.street,
        "zipCode": a.address.zip_code.as_str(),
        "ssn": a.address.ssn.as_ref().map(|s| s.digits().to_owned()),
    });
    let mut individual = json!({
        "firstName": a.first_name.as_str(),
        "lastName": a.last_name.as_str(),
        "dob": a.dob.date().to_string(),
        "country": cc(a.nationality),
        "gender": gender,
        "idDocType": a.id_doc_type.code(),
        "number": a.document_number.as_str(),
        "validUntil": a.valid_until.to_wire(),
        "ipAddress": server.ip_address,
    });
    let mut body = json!({
        "requestNo": server.request_no,
        "email": a.email.as_str(),
        "kycPlatform": server.kyc_platform,
        "holderType": "1",
        "callbackUrl": server.callback_url,
    });
    match profile.address_placement {
        AddressPlacement::Nested => individual["address"] = address,
        AddressPlacement::Top => body["address"] = address,
    }
    body["individualInfo"] = individual;
    body
}

/// The exact body string to send and sign.
pub fn information_body_string(a: &Applicant, server: &ServerFields, profile: Profile) -> String {
    canonical_json(&information_body(a, server, profile))
}

/// The response envelope: `{"code", "msg", "model", "traceId", "success", "error"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    #[serde(deserialize_with = "code_from_number_or_string")]
    pub code: i64,
    #[serde(default)]
    pub msg: String,
    #[serde(default)]
    pub model: Option<Value>,
    #[serde(default)]
    pub trace_id: String,
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    pub error: bool,
}

impl Envelope {
    /// kyc-api: success ⇔ `success == true` and `code == 0`.
    pub fn is_success(&self) -> bool {
        self.success && self.code == 0
    }

    /// A success envelope (`code` `"0"` as in the documented examples).
    pub fn ok_value(model: Option<&Value>, trace_id: &str) -> Value {
        json!({"code": "0", "msg": "success", "model": model, "traceId": trace_id, "success": true, "error": false})
    }

    pub fn error_value(code: i64, msg: &str, trace_id: &str) -> Value {
        json!({"code": code.to_string(), "msg": msg, "model": Value::Null, "traceId": trace_id, "success": false, "error": true})
    }
}

fn code_from_number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().ok_or_else(|| serde::de::Error::custom("code is not an integer")),
        Value::String(s) => s.trim().parse().map_err(|_| serde::de::Error::custom("code is not numeric")),
        _ => Err(serde::de::Error::custom("code must be a number or a numeric string")),
    }
}

/// Known upstream error codes (kyc-api "Response envelope").
pub mod codes {
    pub const MISSING_PARAMETER: i64 = 200_001;
    pub const INVALID_PARAMETER: i64 = 200_002;
    pub const TIMESTAMP_OUT_OF_WINDOW: i64 = 200_005;
    pub const SIGNATURE_ERROR: i64 = 200_006;
    pub const DUPLICATE_REQUEST_NO: i64 = 300_001;
    pub const VALIDATION_ERROR: i64 = 1002;
    pub const SYSTEM_ERROR: i64 = 500_000;
}

/// Reads the field an upstream `msg` names (e.g. `"invalid parameter: individualInfo.dob"`).
pub fn field_named_in(msg: &str) -> Option<crate::Field> {
    msg.split(|c: char| c.is_whitespace() || matches!(c, ':' | ',' | '\'' | '"' | '`'))
        .find_map(crate::Field::from_path)
}
