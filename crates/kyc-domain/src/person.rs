//! The applicant's identity: names, email, date of birth, gender.

use std::fmt;

use crate::date::Date;
use crate::error::{ErrorCode, Violation};
use crate::text::{bounded, is_combining_mark};

/// kyc-api: `firstName` / `lastName` max 35.
pub const NAME_MAX: usize = 35;
/// kyc-api: `email` max 64.
pub const EMAIL_MAX: usize = 64;
/// Default minimum age; configurable through [`crate::Rules::min_age`].
pub const DEFAULT_MIN_AGE: u8 = 18;
/// A date of birth more than this many years ago is refused.
pub const MAX_AGE: u8 = 120;

macro_rules! redacted_debug {
    ($t:ty) => {
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($t), "(<redacted>)"))
            }
        }
    };
}
pub(crate) use redacted_debug;

/// A first or last name: 1–35 characters; letters of any script with their combining marks,
/// spaces, `-`, `'`, `.`; at least one letter; no digits.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonName(String);
redacted_debug!(PersonName);

impl PersonName {
    pub fn parse(input: &str) -> Result<Self, Violation> {
        let t = bounded(input, NAME_MAX)?;
        let allowed = |c: char| c.is_alphabetic() || is_combining_mark(c) || matches!(c, ' ' | '-' | '\'' | '.' | '’');
        if !t.chars().all(allowed) || t.chars().any(char::is_numeric) {
            return Err(Violation::new(ErrorCode::InvalidCharacters));
        }
        if !t.chars().any(char::is_alphabetic) {
            return Err(Violation::new(ErrorCode::MustContainLetter));
        }
        Ok(Self(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address as `<input type=email>` accepts it (WHATWG "valid e-mail address"),
/// at most 64 characters, domain lower-cased.
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);
redacted_debug!(Email);

impl Email {
    pub fn parse(input: &str) -> Result<Self, Violation> {
        let t = bounded(input, EMAIL_MAX)?;
        let Some((local, domain)) = t.split_once('@') else {
            return Err(Violation::new(ErrorCode::InvalidEmail));
        };
        let local_ok = !local.is_empty()
            && local.bytes().all(|b| b.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&b));
        let domain_ok = !domain.is_empty() && domain.split('.').all(is_dns_label);
        if !local_ok || !domain_ok {
            return Err(Violation::new(ErrorCode::InvalidEmail));
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?`
fn is_dns_label(label: &str) -> bool {
    let b = label.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// A date of birth: a real date, not in the future, age within `[min_age, 120]`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DateOfBirth(Date);
redacted_debug!(DateOfBirth);

impl DateOfBirth {
    pub fn parse(input: &str, today: Date, min_age: u8) -> Result<Self, Violation> {
        let t = input.trim();
        if t.is_empty() {
            return Err(Violation::new(ErrorCode::Required));
        }
        let dob = Date::parse(t)?;
        if dob > today {
            return Err(Violation::new(ErrorCode::DateInFuture));
        }
        let age = dob.years_until(today);
        if age < i32::from(min_age) {
            return Err(Violation::new(ErrorCode::TooYoung).with("min_age", i64::from(min_age)));
        }
        // "not more than 120 years ago": on or after the same day 120 years back.
        if dob < today.years_earlier(MAX_AGE) {
            return Err(Violation::new(ErrorCode::TooOld).with("max_age", i64::from(MAX_AGE)));
        }
        Ok(Self(dob))
    }

    pub fn date(self) -> Date {
        self.0
    }
}

/// kyc-api: `gender` 1 man, 2 woman.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Male = 1,
    Female = 2,
}

impl Gender {
    pub fn parse(input: &str) -> Result<Self, Violation> {
        match input.trim() {
            "" => Err(Violation::new(ErrorCode::Required)),
            "1" => Ok(Self::Male),
            "2" => Ok(Self::Female),
            _ => Err(Violation::new(ErrorCode::InvalidChoice)),
        }
    }

    pub fn code(self) -> u8 {
        self as u8
    }
}
