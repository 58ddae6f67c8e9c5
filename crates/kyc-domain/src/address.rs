//! The residential address, including the US-only SSN rule.

use crate::country::{Country, UsState};
use crate::error::{ErrorCode, Violation};
use crate::person::redacted_debug;
use crate::text::bounded_plain;
use std::fmt;

/// kyc-api: `state` max 32, `city` 64, `address` 256, `zipCode` 16.
pub const STATE_MAX: usize = 32;
pub const CITY_MAX: usize = 64;
pub const STREET_MAX: usize = 256;
pub const ZIP_MAX: usize = 16;

/// A state: a USPS code for the US, free text (1–32) elsewhere.
#[derive(Clone, PartialEq, Eq)]
pub enum State {
    Us(UsState),
    Other(String),
}

/// A US state code is not personal on its own; a free-text state is shown redacted.
impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Us(s) => f.debug_tuple("Us").field(s).finish(),
            Self::Other(_) => f.write_str("Other(<redacted>)"),
        }
    }
}

impl State {
    pub fn parse(input: &str, country: Option<Country>) -> Result<Self, Violation> {
        if country.is_some_and(Country::is_us) {
            return UsState::parse(input).map(Self::Us).map_err(Violation::new);
        }
        bounded_plain(input, STATE_MAX).map(Self::Other)
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Us(s) => s.code(),
            Self::Other(s) => s,
        }
    }
}

/// A city, 1–64 characters.
pub fn parse_city(input: &str) -> Result<String, Violation> {
    bounded_plain(input, CITY_MAX)
}

/// A street line, 1–256 characters.
pub fn parse_street(input: &str) -> Result<String, Violation> {
    bounded_plain(input, STREET_MAX)
}

/// A ZIP / postal code: US `12345` or `12345-6789`; elsewhere 1–16 of letters, digits, space,
/// hyphen.
#[derive(Clone, PartialEq, Eq)]
pub struct ZipCode(String);
redacted_debug!(ZipCode);

impl ZipCode {
    pub fn parse(input: &str, country: Option<Country>) -> Result<Self, Violation> {
        let t = input.trim();
        if t.is_empty() {
            return Err(Violation::new(ErrorCode::Required));
        }
        if country.is_some_and(Country::is_us) {
            let b = t.as_bytes();
            let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
            let ok = (b.len() == 5 && digits(0..5)) || (b.len() == 10 && digits(0..5) && b[5] == b'-' && digits(6..10));
            return if ok { Ok(Self(t.to_owned())) } else { Err(Violation::new(ErrorCode::InvalidZip)) };
        }
        if t.chars().count() > ZIP_MAX {
            return Err(Violation::new(ErrorCode::TooLong).with("max", ZIP_MAX as i64));
        }
        if !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-') {
            return Err(Violation::new(ErrorCode::InvalidZip));
        }
        Ok(Self(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A US Social Security Number, stored as 9 digits. Accepts `123456789` or `123-45-6789`;
/// rejects the never-assigned area 000 / 666 / 900–999, group 00 and serial 0000
/// (SSA POMS RM 10201.035).
#[derive(Clone, PartialEq, Eq)]
pub struct Ssn(String);
redacted_debug!(Ssn);

impl Ssn {
    pub fn parse(input: &str) -> Result<Self, Violation> {
        let t = input.trim();
        if t.is_empty() {
            return Err(Violation::new(ErrorCode::Required));
        }
        let b = t.as_bytes();
        let digits: String = match b.len() {
            9 => t.to_owned(),
            11 if b[3] == b'-' && b[6] == b'-' => t.chars().filter(|c| *c != '-').collect(),
            _ => return Err(Violation::new(ErrorCode::InvalidSsn)),
        };
        if digits.len() != 9 || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(Violation::new(ErrorCode::InvalidSsn));
        }
        let (area, group, serial) = (&digits[0..3], &digits[3..5], &digits[5..9]);
        if area == "000" || area == "666" || area.starts_with('9') {
            return Err(Violation::new(ErrorCode::SsnInvalidArea));
        }
        if group == "00" {
            return Err(Violation::new(ErrorCode::SsnInvalidGroup));
        }
        if serial == "0000" {
            return Err(Violation::new(ErrorCode::SsnInvalidSerial));
        }
        Ok(Self(digits))
    }

    /// The nine digits (the wire form).
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// `•••-••-6789`: what a person may see again on the review screen.
    pub fn masked(&self) -> String {
        format!("•••-••-{}", &self.0[5..])
    }
}

/// An SSN is required for a US address and must be absent otherwise.
pub fn parse_ssn_for(input: Option<&str>, country: Option<Country>) -> Result<Option<Ssn>, Violation> {
    let given = input.map(str::trim).filter(|s| !s.is_empty());
    match (country, given) {
        (Some(c), Some(s)) if c.is_us() => Ssn::parse(s).map(Some),
        (Some(c), None) if c.is_us() => Err(Violation::new(ErrorCode::Required)),
        (_, Some(_)) if country.is_some() => Err(Violation::new(ErrorCode::NotApplicable)),
        _ => Ok(None),
    }
}

impl fmt::Display for Ssn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}
