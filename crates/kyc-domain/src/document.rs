//! The identity document: type, number, expiry.

use std::fmt;

use crate::date::Date;
use crate::error::{ErrorCode, Violation};
use crate::person::redacted_debug;

/// kyc-api: `number` max 64.
pub const DOCUMENT_NUMBER_MAX: usize = 64;
/// Passport numbers are at most 20 characters (ICAO 9303 allows 9; national formats vary).
pub const PASSPORT_NUMBER_MAX: usize = 20;

/// kyc-api: `idDocType` 1 ID card, 2 passport, 3 residence permit, 4 driver's licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdDocType {
    IdCard = 1,
    Passport = 2,
    ResidencePermit = 3,
    DriversLicence = 4,
}

impl IdDocType {
    pub const ALL: [IdDocType; 4] = [Self::IdCard, Self::Passport, Self::ResidencePermit, Self::DriversLicence];

    pub fn parse(input: &str) -> Result<Self, Violation> {
        match input.trim() {
            "" => Err(Violation::new(ErrorCode::Required)),
            "1" => Ok(Self::IdCard),
            "2" => Ok(Self::Passport),
            "3" => Ok(Self::ResidencePermit),
            "4" => Ok(Self::DriversLicence),
            _ => Err(Violation::new(ErrorCode::InvalidChoice)),
        }
    }

    /// The wire code (`"1"`…`"4"`).
    pub fn code(self) -> &'static str {
        match self {
            Self::IdCard => "1",
            Self::Passport => "2",
            Self::ResidencePermit => "3",
            Self::DriversLicence => "4",
        }
    }
}

/// A document number: spaces removed, upper-cased, then 1–64 of `A–Z 0–9 -`
/// (at most 20 for a passport).
#[derive(Clone, PartialEq, Eq)]
pub struct DocumentNumber(String);
redacted_debug!(DocumentNumber);

impl DocumentNumber {
    pub fn parse(input: &str, doc_type: Option<IdDocType>) -> Result<Self, Violation> {
        let n: String = input.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
        if n.is_empty() {
            return Err(Violation::new(ErrorCode::Required));
        }
        if !n.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-') {
            return Err(Violation::new(ErrorCode::InvalidCharacters));
        }
        let max = if doc_type == Some(IdDocType::Passport) { PASSPORT_NUMBER_MAX } else { DOCUMENT_NUMBER_MAX };
        if n.len() > max {
            return Err(Violation::new(ErrorCode::TooLong).with("max", max as i64));
        }
        Ok(Self(n))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// When the document expires. "Does not expire" is explicit, and travels as `2099-01-01`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    On(Date),
    Never,
}

impl Expiry {
    /// Parses `validUntil`: a real date, not before `today`, not after 2099-01-01
    /// (which itself means "does not expire").
    pub fn parse(input: &str, today: Date) -> Result<Self, Violation> {
        let t = input.trim();
        if t.is_empty() {
            return Err(Violation::new(ErrorCode::Required));
        }
        let d = Date::parse(t)?;
        if d == Date::NEVER_EXPIRES {
            return Ok(Self::Never);
        }
        if d > Date::NEVER_EXPIRES {
            return Err(Violation::new(ErrorCode::DateTooFar));
        }
        if d < today {
            return Err(Violation::new(ErrorCode::Expired));
        }
        Ok(Self::On(d))
    }

    /// The wire value.
    pub fn to_wire(self) -> String {
        match self {
            Self::On(d) => d.to_string(),
            Self::Never => Date::NEVER_EXPIRES.to_string(),
        }
    }
}

impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_wire())
    }
}
