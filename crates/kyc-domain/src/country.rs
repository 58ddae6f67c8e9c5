//! Countries (ISO 3166-1 codes only) and US states (USPS codes).

use std::fmt;

use crate::error::ErrorCode;
use crate::iso3166::{alpha2, alpha3, COUNT};

/// An assigned ISO 3166-1 country, convertible between alpha-2 and alpha-3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country {
    index: u16,
}

impl Country {
    pub const US: Country = Country { index: us_index() };

    /// Parses an alpha-2 or alpha-3 code, case-insensitively.
    pub fn parse(code: &str) -> Result<Self, ErrorCode> {
        let code = code.trim();
        if code.is_empty() {
            return Err(ErrorCode::Required);
        }
        let upper = code.to_ascii_uppercase();
        let found = match upper.len() {
            2 => (0..COUNT).position(|i| alpha2(i) == upper),
            3 => (0..COUNT).position(|i| alpha3(i) == upper),
            _ => None,
        };
        found.and_then(|i| u16::try_from(i).ok()).map(|index| Self { index }).ok_or(ErrorCode::UnknownCountry)
    }

    pub fn alpha2(self) -> &'static str {
        alpha2(usize::from(self.index))
    }

    pub fn alpha3(self) -> &'static str {
        alpha3(usize::from(self.index))
    }

    pub fn is_us(self) -> bool {
        self == Self::US
    }

    /// Every assigned country (the widget localises and sorts them with `Intl`).
    pub fn all() -> impl Iterator<Item = Country> {
        (0..COUNT).filter_map(|i| u16::try_from(i).ok().map(|index| Self { index }))
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.alpha2())
    }
}

const fn us_index() -> u16 {
    let codes = crate::iso3166::CODES.as_bytes();
    let mut i = 0;
    while i < COUNT {
        if codes[i * 5] == b'U' && codes[i * 5 + 1] == b'S' {
            return i as u16;
        }
        i += 1;
    }
    panic!("US missing from the ISO table");
}

/// The 50 states and DC with their USPS codes, as `GET /open/api/card/enum/us/states` returns.
pub static US_STATES: [(&str, &str); 51] = [
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
];

/// A US state or DC by USPS code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UsState {
    index: u8,
}

impl UsState {
    pub fn parse(code: &str) -> Result<Self, ErrorCode> {
        let code = code.trim();
        if code.is_empty() {
            return Err(ErrorCode::Required);
        }
        let upper = code.to_ascii_uppercase();
        US_STATES
            .iter()
            .position(|(c, _)| *c == upper)
            .and_then(|i| u8::try_from(i).ok())
            .map(|index| Self { index })
            .ok_or(ErrorCode::UnknownState)
    }

    pub fn code(self) -> &'static str {
        US_STATES[usize::from(self.index)].0
    }

    pub fn name(self) -> &'static str {
        US_STATES[usize::from(self.index)].1
    }
}
