//! The upstream's documented body rules (kyc-api "Submit-basic-information body"): lengths,
//! enums and formats. The simulator accepts both profiles of every switch, because a real
//! tenant may be configured either way. Formats reuse the rulebook's parsers.

use kyc_domain::address::Ssn;
use kyc_domain::country::{Country, UsState};
use kyc_domain::person::Email;
use kyc_domain::wire::codes;
use kyc_domain::Date;
use serde_json::Value;

/// A refused body: `200001` (missing) or `200002` (invalid), naming the field in `msg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyError {
    pub code: i64,
    pub msg: String,
}

fn missing(field: &str) -> BodyError {
    BodyError { code: codes::MISSING_PARAMETER, msg: format!("missing parameter: {field}") }
}

fn invalid(field: &str) -> BodyError {
    BodyError { code: codes::INVALID_PARAMETER, msg: format!("invalid parameter: {field}") }
}

/// What the sandbox keeps from a valid body.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub request_no: String,
    pub email: String,
    pub last_name: String,
    pub callback_url: String,
}

/// A scalar as text: strings as they are, numbers printed; absent / null / "" is `None`.
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn required(obj: &Value, key: &str, path: &str, max: Option<usize>) -> Result<String, BodyError> {
    let v = obj.get(key);
    if matches!(v, Some(Value::Bool(_) | Value::Array(_) | Value::Object(_))) {
        return Err(invalid(path));
    }
    let s = text(v).ok_or_else(|| missing(path))?;
    if max.is_some_and(|m| s.chars().count() > m) {
        return Err(invalid(path));
    }
    Ok(s)
}

fn date(s: &str, path: &str) -> Result<Date, BodyError> {
    Date::parse(s).map_err(|_| invalid(path))
}

fn country(s: &str, path: &str) -> Result<Country, BodyError> {
    Country::parse(s).map_err(|_| invalid(path))
}

/// Validates an `information` body.
pub fn information(body: &Value) -> Result<Accepted, BodyError> {
    if !body.is_object() {
        return Err(invalid("body"));
    }
    let request_no = required(body, "requestNo", "requestNo", Some(64))?;
    let email = required(body, "email", "email", Some(64))?;
    Email::parse(&email).map_err(|_| invalid("email"))?;
    required(body, "kycPlatform", "kycPlatform", Some(32))?;
    let holder = required(body, "holderType", "holderType", Some(1))?;
    if holder != "1" {
        return Err(invalid("holderType"));
    }
    let callback_url = required(body, "callbackUrl", "callbackUrl", Some(256))?;
    if !(callback_url.starts_with("http://") || callback_url.starts_with("https://")) {
        return Err(invalid("callbackUrl"));
    }
    let info = body.get("individualInfo").filter(|v| v.is_object()).ok_or_else(|| missing("individualInfo"))?;
    let p = |k: &str| format!("individualInfo.{k}");
    let first = required(info, "firstName", &p("firstName"), Some(35))?;
    let _ = first;
    let last_name = required(info, "lastName", &p("lastName"), Some(35))?;
    let dob = required(info, "dob", &p("dob"), None)?;
    date(&dob, &p("dob"))?;
    let nat = required(info, "country", &p("country"), Some(8))?;
    country(&nat, &p("country"))?;
    let gender = required(info, "gender", &p("gender"), Some(1))?;
    if gender != "1" && gender != "2" {
        return Err(invalid(&p("gender")));
    }
    let doc = required(info, "idDocType", &p("idDocType"), Some(1))?;
    if !matches!(doc.as_str(), "1" | "2" | "3" | "4") {
        return Err(invalid(&p("idDocType")));
    }
    required(info, "number", &p("number"), Some(64))?;
    let valid = required(info, "validUntil", &p("validUntil"), None)?;
    date(&valid, &p("validUntil"))?;
    if let Some(ip) = text(info.get("ipAddress")) {
        if ip.len() > 64 {
            return Err(invalid(&p("ipAddress")));
        }
    }
    // kyc-api profile: `address` nested in individualInfo (default) or at the top level.
    let address = info
        .get("address")
        .or_else(|| body.get("address"))
        .filter(|v| v.is_object())
        .ok_or_else(|| missing("address"))?;
    let a = |k: &str| format!("address.{k}");
    let ac = required(address, "country", &a("country"), Some(8))?;
    let ac = country(&ac, &a("country"))?;
    let state = required(address, "state", &a("state"), Some(32))?;
    if ac.is_us() {
        UsState::parse(&state).map_err(|_| invalid(&a("state")))?;
    }
    required(address, "city", &a("city"), Some(64))?;
    required(address, "address", &a("address"), Some(256))?;
    let zip = required(address, "zipCode", &a("zipCode"), Some(16))?;
    let _ = zip;
    match text(address.get("ssn")) {
        // kyc-api: max 16, 9 digits.
        Some(ssn) if ssn.len() != 9 || Ssn::parse(&ssn).is_err() => return Err(invalid(&a("ssn"))),
        None if ac.is_us() => return Err(missing(&a("ssn"))),
        _ => {}
    }
    Ok(Accepted { request_no, email: email.to_ascii_lowercase(), last_name, callback_url })
}
