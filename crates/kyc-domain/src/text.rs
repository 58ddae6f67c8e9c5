//! Small text helpers shared by the field rules: trimming, length in characters, and the
//! letter / combining-mark classes used by names (std only: no regex, no Unicode tables crate).

use crate::error::{ErrorCode, Violation};

/// Trims, rejects blank input and input over `max` characters (kyc-api column "Max").
pub fn bounded(input: &str, max: usize) -> Result<String, Violation> {
    let t = input.trim();
    if t.is_empty() {
        return Err(Violation::new(ErrorCode::Required));
    }
    if t.chars().count() > max {
        return Err(Violation::new(ErrorCode::TooLong).with("max", max as i64));
    }
    Ok(t.to_owned())
}

/// Free text (city, street, foreign state): printable, no control or bidi-override characters.
pub fn bounded_plain(input: &str, max: usize) -> Result<String, Violation> {
    let t = bounded(input, max)?;
    if t.chars().any(is_forbidden_control) {
        return Err(Violation::new(ErrorCode::InvalidCharacters));
    }
    Ok(t)
}

/// Control characters and the bidi overrides/isolates that can disguise text
/// (docs/security.md IV-5).
pub fn is_forbidden_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A combining mark that `char::is_alphabetic` does not already cover: the general combining
/// blocks plus the viramas / nuktas / points of the main scripts with such marks. Names in
/// decomposed form (e.g. `e` + U+0301) and Indic, Hebrew, Arabic and Thai names need them.
pub fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}'
        | '\u{0591}'..='\u{05BD}' | '\u{05BF}' | '\u{05C1}'..='\u{05C2}' | '\u{05C4}'..='\u{05C5}' | '\u{05C7}'
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}'
        | '\u{06D6}'..='\u{06DC}' | '\u{06DF}'..='\u{06E4}' | '\u{06E7}'..='\u{06E8}' | '\u{06EA}'..='\u{06ED}'
        | '\u{093C}' | '\u{094D}' | '\u{0951}'..='\u{0954}' | '\u{09BC}' | '\u{09CD}' | '\u{0A3C}' | '\u{0A4D}'
        | '\u{0ABC}' | '\u{0ACD}' | '\u{0B3C}' | '\u{0B4D}' | '\u{0BCD}' | '\u{0C4D}' | '\u{0CBC}' | '\u{0CCD}'
        | '\u{0D4D}' | '\u{0DCA}' | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}'
        | '\u{0EC8}'..='\u{0ECD}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{3099}'..='\u{309A}' | '\u{FE20}'..='\u{FE2F}')
}
