//! Does the draft say what the document says? Field by field, with an honest normalisation:
//! case, diacritics (Latin-1 and Latin Extended-A, decomposed marks) and the punctuation of
//! names (space, `-`, `'`, `.`, `,`) do not count; street-type and direction words compare by
//! their USPS abbreviation; a name the document printed truncated matches a longer one that
//! starts with it. No guessing beyond that: `O` is not `0`, `Jon` is not `John`.

use serde::{Deserialize, Serialize};

use super::DocumentData;
use crate::country::Country;
use crate::date::Date;
use crate::error::{ErrorCode, Field, FieldError, Violation};
use crate::person::Gender;
use crate::text::is_combining_mark;

/// One field's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldCheck {
    Matches,
    DiffersFromDocument,
    /// The draft has a value, the document none (or none that could be read).
    NotOnDocument,
}

/// How much a difference weighs: a name, date of birth, document number or expiry that differs
/// is a reason to look again (`Strong`); an address or gender may simply have changed since the
/// document was issued, and a person with two nationalities may give the other one
/// (`Informational`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    Strong,
    Informational,
}

/// The fields compared, in this order, with their strength. The nationality only against a
/// document that carries one (an MRZ): a licence has none, and saying so would be noise.
pub const COMPARED: [(Field, Strength); 12] = [
    (Field::FirstName, Strength::Strong),
    (Field::LastName, Strength::Strong),
    (Field::Dob, Strength::Strong),
    (Field::DocumentNumber, Strength::Strong),
    (Field::ValidUntil, Strength::Strong),
    (Field::Gender, Strength::Informational),
    (Field::Nationality, Strength::Informational),
    (Field::AddressCountry, Strength::Informational),
    (Field::State, Strength::Informational),
    (Field::City, Strength::Informational),
    (Field::Street, Strength::Informational),
    (Field::ZipCode, Strength::Informational),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldOutcome {
    pub field: Field,
    pub check: FieldCheck,
    pub strength: Strength,
}

/// The outcome for every compared field the draft fills (an empty draft field is not listed:
/// there is nothing to compare). Holds no values, so it is safe to log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossCheck {
    pub fields: Vec<FieldOutcome>,
}

impl CrossCheck {
    /// The outcome for one field, `None` when it was not compared.
    pub fn get(&self, field: Field) -> Option<FieldCheck> {
        self.fields.iter().find(|o| o.field == field).map(|o| o.check)
    }

    fn select(&self, check: FieldCheck, strength: Option<Strength>) -> Vec<Field> {
        self.fields
            .iter()
            .filter(|o| o.check == check && strength.is_none_or(|s| s == o.strength))
            .map(|o| o.field)
            .collect()
    }

    pub fn matched(&self) -> Vec<Field> {
        self.select(FieldCheck::Matches, None)
    }

    pub fn mismatched_strong(&self) -> Vec<Field> {
        self.select(FieldCheck::DiffersFromDocument, Some(Strength::Strong))
    }

    pub fn mismatched_informational(&self) -> Vec<Field> {
        self.select(FieldCheck::DiffersFromDocument, Some(Strength::Informational))
    }

    /// A `differs_from_document` error for every field that differs (strong or informational),
    /// for the widget to show under the field next to [`DocumentData::document_value`].
    pub fn field_errors(&self) -> Vec<FieldError> {
        self.select(FieldCheck::DiffersFromDocument, None)
            .into_iter()
            .map(|f| FieldError::new(f, Violation::new(ErrorCode::DiffersFromDocument)))
            .collect()
    }
}

/// Compares every field the draft fills with the document (the nationality only when the
/// document has one).
pub fn cross_check(draft: &crate::draft::DraftDto, doc: &DocumentData) -> CrossCheck {
    let fields = COMPARED
        .into_iter()
        .filter_map(|(field, strength)| {
            let mine = draft.value(field)?;
            let mine = mine.trim();
            if mine.is_empty() || (field == Field::Nationality && doc.nationality.is_none()) {
                return None;
            }
            let check = match same(field, mine, doc) {
                None => FieldCheck::NotOnDocument,
                Some(true) => FieldCheck::Matches,
                Some(false) => FieldCheck::DiffersFromDocument,
            };
            Some(FieldOutcome { field, check, strength })
        })
        .collect();
    CrossCheck { fields }
}

/// `None` when the document lacks the field.
fn same(field: Field, mine: &str, doc: &DocumentData) -> Option<bool> {
    let t = doc.truncated;
    Some(match field {
        Field::FirstName => {
            let (m, f) = (fold(mine), fold(doc.first_name.as_deref()?));
            let fm = doc.middle_name.as_deref().map(|x| f.clone() + &fold(x));
            m == f
                || fm.as_ref() == Some(&m)
                || (t.first && !f.is_empty() && m.starts_with(&f))
                || (t.middle && fm.is_some_and(|fm| m.starts_with(&fm)))
        }
        Field::LastName => {
            let (m, l) = (fold(mine), fold(doc.last_name.as_deref()?));
            m == l || (t.last && !l.is_empty() && m.starts_with(&l))
        }
        Field::Dob => Date::parse(mine).ok() == Some(doc.dob?),
        Field::ValidUntil => Date::parse(mine).ok() == Some(doc.expiry?),
        Field::DocumentNumber => {
            let key = |s: &str| -> String {
                s.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect()
            };
            key(mine) == key(doc.document_number.as_deref()?)
        }
        Field::Gender => Gender::parse(mine).ok() == Some(doc.sex?),
        Field::Nationality => Country::parse(mine).ok() == Some(doc.nationality?),
        Field::AddressCountry => Country::parse(mine).ok() == Some(doc.country?),
        Field::State => fold(mine) == fold(doc.state.as_deref()?),
        Field::City => fold(mine) == fold(doc.city.as_deref()?),
        Field::Street => street_words(mine) == street_words(doc.street.as_deref()?),
        Field::ZipCode => {
            let key = |s: &str| -> String {
                s.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_uppercase()
            };
            let (m, d) = (key(mine), key(doc.postal_code.as_deref()?));
            let zip = |s: &str| matches!(s.len(), 5 | 9) && s.bytes().all(|b| b.is_ascii_digit());
            // ZIP+4 against a ZIP: the five digits decide; two +4s must agree.
            if zip(&m) && zip(&d) && m.len() != d.len() {
                m[..5] == d[..5]
            } else {
                m == d
            }
        }
        _ => return None,
    })
}

/// Base letters of U+00C0–U+017F; `?` is one of the letters that fold to two (Æ ß Þ Ĳ Œ),
/// `*` is not a letter (× ÷) and stays.
const LATIN: &[u8; 192] = b"aaaaaa?ceeeeiiiidnooooo*ouuuuy??aaaaaa?ceeeeiiiidnooooo*ouuuuy?y\
aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii??jjkkkllllllllllnnnnnnnnnoooooo??rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/// Lower case, diacritics folded, name punctuation (space, `-`, `'`, `’`, `.`, `,`) dropped.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '-' | '\'' | '’' | '.' | ',') || c.is_whitespace() || is_combining_mark(c) {
            continue;
        }
        let i = (c as usize).wrapping_sub(0xC0);
        match LATIN.get(i).copied() {
            Some(b'?') => out.push_str(match c {
                'Æ' | 'æ' => "ae",
                'ß' => "ss",
                'Þ' | 'þ' => "th",
                'Ĳ' | 'ĳ' => "ij",
                _ => "oe",
            }),
            Some(b) if b != b'*' => out.push(char::from(b)),
            // Letters outside Latin-1 and Latin Extended-A keep their case: documents print
            // Latin letters (AAMVA, the MRZ); a Unicode case table would weigh on the reader.
            _ => out.push(super::latin_lower(c)),
        }
    }
    out
}

/// Street words, folded, with street types and directions in their USPS abbreviation.
fn street_words(s: &str) -> Vec<String> {
    const LONG: [(&str, &str); 20] = [
        ("street", "st"),
        ("avenue", "ave"),
        ("road", "rd"),
        ("boulevard", "blvd"),
        ("drive", "dr"),
        ("lane", "ln"),
        ("court", "ct"),
        ("place", "pl"),
        ("highway", "hwy"),
        ("parkway", "pkwy"),
        ("apartment", "apt"),
        ("suite", "ste"),
        ("north", "n"),
        ("south", "s"),
        ("east", "e"),
        ("west", "w"),
        ("northeast", "ne"),
        ("northwest", "nw"),
        ("southeast", "se"),
        ("southwest", "sw"),
    ];
    s.split(|c: char| c.is_whitespace() || c == ',' || c == '#')
        .map(fold)
        .filter(|w| !w.is_empty())
        .map(|w| LONG.iter().find(|(l, _)| *l == w).map_or(w, |(_, a)| (*a).to_owned()))
        .collect()
}
