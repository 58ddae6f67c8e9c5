//! A calendar date without a clock or a time zone: the rulebook is given `today`, it never
//! reads it (no IO, no `chrono`).

use std::fmt;

use crate::error::ErrorCode;

/// A proleptic Gregorian date, always valid once constructed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// The sentinel upstream uses for "does not expire" (kyc-api: no expiry ⇒ 2099-01-01).
    pub const NEVER_EXPIRES: Date = Date { year: 2099, month: 1, day: 1 };

    /// A date from its parts, `None` when it does not exist (2023-02-29, 2024-13-01, …).
    pub fn from_ymd(year: u16, month: u8, day: u8) -> Option<Self> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Self { year, month, day })
    }

    /// Parses exactly `YYYY-MM-DD` (ASCII digits, zero-padded).
    pub fn parse(s: &str) -> Result<Self, ErrorCode> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(ErrorCode::InvalidDate);
        }
        let num = |r: std::ops::Range<usize>| -> Result<u16, ErrorCode> {
            b[r].iter().try_fold(0u16, |acc, &c| {
                if c.is_ascii_digit() {
                    Ok(acc * 10 + u16::from(c - b'0'))
                } else {
                    Err(ErrorCode::InvalidDate)
                }
            })
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (m, d) = (
            u8::try_from(m).map_err(|_| ErrorCode::InvalidDate)?,
            u8::try_from(d).map_err(|_| ErrorCode::InvalidDate)?,
        );
        Self::from_ymd(y, m, d).ok_or(ErrorCode::InvalidDate)
    }

    pub fn year(self) -> u16 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// Whole years from `self` to `later` (the age of someone born on `self`). A 29 February
    /// birthday is reached on 1 March in common years.
    pub fn years_until(self, later: Date) -> i32 {
        let mut years = i32::from(later.year) - i32::from(self.year);
        if (later.month, later.day) < (self.month, self.day) {
            years -= 1;
        }
        years
    }

    /// The same day `years` earlier; 29 February maps to 1 March in a common year.
    pub fn years_earlier(self, years: u8) -> Date {
        let year = self.year.saturating_sub(u16::from(years)).max(1);
        Self::from_ymd(year, self.month, self.day).unwrap_or(Self { year, month: 3, day: 1 })
    }

    /// Days since 1970-01-01 (negative before). Used to convert epoch time into a date.
    pub fn from_days_since_epoch(days: i64) -> Option<Self> {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = if m <= 2 { y + 1 } else { y };
        Self::from_ymd(u16::try_from(y).ok()?, u8::try_from(m).ok()?, u8::try_from(d).ok()?)
    }

    /// The date of a Unix timestamp in milliseconds (UTC).
    pub fn from_unix_millis(ms: i64) -> Option<Self> {
        Self::from_days_since_epoch(ms.div_euclid(86_400_000))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

pub fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
