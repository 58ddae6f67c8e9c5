//! The machine-readable zone (MRZ) of a passport, ID card or residence permit: ICAO Doc 9303,
//! parts 4 (TD3, 2 lines × 44), 5 (TD1, 3 × 30) and 6 (TD2, 2 × 36). Visas (parts 7, MRV-A
//! 2 × 44 and MRV-B 2 × 36, document code `V…`) are recognised and refused: a visa is not an
//! identity document.
//!
//! The lines come from an OCR: spaces are stripped and letters upper-cased, blank lines skipped,
//! and nothing is guessed beyond two repairs of the OCR-B look-alikes `0/O`, `1/I`, `2/Z`, `5/S`,
//! `8/B`:
//! - where only digits belong (the dates, every check digit) a letter of a pair is its digit;
//! - in the document number and the TD3 personal number, which may hold both, a field whose
//!   check digit fails is repaired only when exactly one swap of one symbol (over every position
//!   and pair) makes its check digit hold and the composite check digit hold with it.
//!
//! An OCR that is not sure of a glyph gives [`UNREADABLE`] (`?`) in its place: the field that
//! holds it is not filled (its check digit cannot hold; a name, sex or code is unreadable), and
//! the rest of the zone is read as usual.
//!
//! A field whose check digit fails (after the repairs) is never filled: it is absent from
//! [`DocumentData`] and listed in [`Mrz::failed`] with the reason, for the widget to ask for it.
//! Names carry no check digit; see [`parse`] for what makes them refused.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{DocumentData, ReadKind, ReadSource, Truncation};
use crate::country::Country;
use crate::date::Date;
use crate::error::Field;
use crate::person::Gender;

/// What an OCR gives for a glyph it could not read with confidence (see the module docs).
pub const UNREADABLE: char = '?';

/// The layout of a machine-readable zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MrzFormat {
    /// ID-1 card size: 3 lines of 30.
    Td1,
    /// ID-2 size: 2 lines of 36.
    Td2,
    /// A passport data page: 2 lines of 44.
    Td3,
    /// A visa on a TD3-sized page: 2 lines of 44.
    MrvA,
    /// A visa on a TD2-sized page: 2 lines of 36.
    MrvB,
}

impl MrzFormat {
    /// How many lines it has.
    pub fn lines(self) -> usize {
        if self == Self::Td1 {
            3
        } else {
            2
        }
    }

    /// How many characters each line holds.
    pub fn width(self) -> usize {
        match self {
            Self::Td1 => 30,
            Self::Td2 | Self::MrvB => 36,
            Self::Td3 | Self::MrvA => 44,
        }
    }

    pub fn is_visa(self) -> bool {
        matches!(self, Self::MrvA | Self::MrvB)
    }
}

/// Why the lines were not read at all. Carries no part of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MrzError {
    /// Not 3 lines of 30, 2 of 36 or 2 of 44 characters (spaces stripped, blank lines skipped).
    Layout,
    /// A character other than `A–Z`, `0–9`, `<`, [`UNREADABLE`] and spaces.
    InvalidCharacter,
    /// A visa (document code `V…`): not an identity document, nothing is read from it.
    Visa(MrzFormat),
    /// A document code that starts with none of `P`, `I`, `A`, `C` (nor `V`).
    UnknownDocumentCode,
}

impl fmt::Display for MrzError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Layout => f.write_str("not the lines of a machine-readable zone"),
            Self::InvalidCharacter => f.write_str("a character that is not in a machine-readable zone"),
            Self::Visa(_) => f.write_str("a visa, not an identity document"),
            Self::UnknownDocumentCode => f.write_str("an unknown document code"),
        }
    }
}

impl std::error::Error for MrzError {}

/// A part of the zone that is checked or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MrzField {
    DocumentNumber,
    BirthDate,
    ExpiryDate,
    /// TD3: the personal number (optional data) with its own check digit.
    OptionalData,
    /// The composite check digit over the number, the dates and the optional data.
    Composite,
    /// The primary and secondary identifiers (no check digit).
    Names,
    Sex,
    Nationality,
}

impl MrzField {
    /// The draft fields it would have filled (none for the optional data and the composite).
    pub fn fields(self) -> &'static [Field] {
        match self {
            Self::DocumentNumber => &[Field::DocumentNumber],
            Self::BirthDate => &[Field::Dob],
            Self::ExpiryDate => &[Field::ValidUntil],
            Self::Names => &[Field::FirstName, Field::LastName],
            Self::Sex => &[Field::Gender],
            Self::Nationality => &[Field::Nationality],
            Self::OptionalData | Self::Composite => &[],
        }
    }
}

/// How a check digit came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    /// It holds as read.
    Valid,
    /// It holds after the one repair that fits (see the module docs).
    Repaired,
    Failed,
}

/// One check digit's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigitCheck {
    pub field: MrzField,
    pub outcome: CheckOutcome,
}

/// Why a field was not filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailReason {
    /// Its check digit fails and no repair fits.
    CheckDigit,
    /// Its check digit fails and more than one repair fits.
    AmbiguousRepair,
    /// Its check digit holds (or it has none) but it is no value: a date that does not exist or
    /// holds `<`, an empty number, a sex other than `M`/`F`/`X`/`<`, names that do not have the
    /// shape of names (see [`parse`]).
    Unreadable,
    /// A nationality code naming no country of the contract: stateless, refugee, unspecified, a
    /// UN or EU document, or a code that is not assigned.
    NotACountry,
}

/// A field not filled, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub field: MrzField,
    pub reason: FailReason,
}

/// A machine-readable zone read. `Debug` shows which values are present, never what they hold.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mrz {
    pub format: MrzFormat,
    /// The two characters as printed: `P<`, `I<`, `ID`, `IR`, `AC`, …
    pub document_code: String,
    /// `None` for a code naming no country (see [`country`]).
    #[serde(default, with = "super::as_text")]
    pub issuing_state: Option<Country>,
    /// What fills the widget: only values whose check digits hold.
    pub data: DocumentData,
    /// Every check digit of the format, in zone order: document number, birth date, expiry
    /// date, (TD3) optional data, composite.
    pub checks: Vec<DigitCheck>,
    /// The fields not filled, each once.
    pub failed: Vec<Failure>,
}

impl Mrz {
    /// Every check digit holds, as read or repaired: the read is worth keeping (a scanner may
    /// keep reading frames until it does).
    pub fn checks_hold(&self) -> bool {
        self.checks.iter().all(|c| c.outcome != CheckOutcome::Failed)
    }

    /// The outcome of one check digit (`None`: the format has none for that field).
    pub fn check(&self, field: MrzField) -> Option<CheckOutcome> {
        self.checks.iter().find(|c| c.field == field).map(|c| c.outcome)
    }

    /// Why a field was not filled (`None`: it was, or it is not on the document).
    pub fn failure(&self, field: MrzField) -> Option<FailReason> {
        self.failed.iter().find(|f| f.field == field).map(|f| f.reason)
    }

    /// The draft fields the person has to type because the zone did not give them.
    pub fn failed_fields(&self) -> Vec<Field> {
        self.failed.iter().flat_map(|f| f.field.fields()).copied().collect()
    }
}

impl fmt::Debug for Mrz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mrz")
            .field("format", &self.format)
            .field("document_code", &self.document_code)
            .field("issuing_state", &self.issuing_state.map(|_| "<redacted>"))
            .field("data", &self.data)
            .field("checks", &self.checks)
            .field("failed", &self.failed)
            .finish()
    }
}

/// The OCR-B look-alikes: (digit, letter).
const PAIRS: [(u8, u8); 5] = [(b'0', b'O'), (b'1', b'I'), (b'2', b'Z'), (b'5', b'S'), (b'8', b'B')];

fn value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        b'<' => Some(0),
        _ => None,
    }
}

fn digit_of(s: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (i, &c) in s.iter().enumerate() {
        sum += value(c)? * [7, 3, 1][i % 3];
    }
    u8::try_from(sum % 10).ok()
}

/// The check digit of `data` (digits 0–9, `A`–`Z` 10–35, `<` 0; weights 7, 3, 1 repeating;
/// the sum modulo 10). `None` when `data` holds another character.
pub fn check_digit(data: &str) -> Option<char> {
    digit_of(data.as_bytes()).map(|d| char::from(b'0' + d))
}

/// Does the check digit `check` hold for `data`?
fn holds(data: &[u8], check: u8) -> bool {
    check.is_ascii_digit() && digit_of(data) == Some(check - b'0')
}

/// A letter that looks like a digit, as that digit (where only digits belong).
fn as_digit(c: u8) -> u8 {
    PAIRS.iter().find(|p| p.1 == c).map_or(c, |p| p.0)
}

fn partner(c: u8) -> Option<u8> {
    PAIRS.iter().find_map(|&(d, l)| match c {
        _ if c == d => Some(l),
        _ if c == l => Some(d),
        _ => None,
    })
}

/// A three-letter ICAO code (nationality, issuing state) as a country: an ISO 3166-1 alpha-3
/// code, `D` (Germany, printed `D<<`), the British codes `GBD`, `GBN`, `GBO`, `GBP`, `GBS` (GB),
/// `UNK` and `RKS` (Kosovo: `XK` only if the country list has it). `None` for the codes naming
/// no country (`XXA`, `XXB`, `XXC`, `XXX` stateless, refugee, unspecified; `UNO`, `UNA`; `EUE`;
/// the `X..` organisations) and for anything else.
pub fn country(code: &str) -> Option<Country> {
    let code = code.trim_end_matches('<');
    match code {
        "D" => Country::parse("DE").ok(),
        "GBD" | "GBN" | "GBO" | "GBP" | "GBS" => Country::parse("GB").ok(),
        "UNK" | "RKS" => Country::parse("XK").ok(),
        _ if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) => Country::parse(code).ok(),
        _ => None,
    }
}

/// The code an MRZ prints for a country: its alpha-3, `D<<` for Germany.
pub fn icao_code(c: Country) -> &'static str {
    if c.alpha2() == "DE" {
        "D<<"
    } else {
        c.alpha3()
    }
}

/// The fields of a zone, at their places for every format.
#[derive(Clone)]
struct Zone {
    format: MrzFormat,
    issuer: Vec<u8>,
    names: Vec<u8>,
    number: Vec<u8>,
    number_check: u8,
    /// TD1: optional data 1 (line 1, 15); empty otherwise.
    opt_a: Vec<u8>,
    dob: Vec<u8>,
    dob_check: u8,
    sex: u8,
    expiry: Vec<u8>,
    expiry_check: u8,
    nationality: Vec<u8>,
    /// TD1: optional data 2 (line 2, 11); TD2: optional data (7); TD3: personal number (14).
    opt_b: Vec<u8>,
    /// TD3: the personal number's check digit.
    opt_check: Option<u8>,
    composite: u8,
}

/// One symbol swapped: (position in the field, new symbol).
type Edit = (usize, u8);

/// A swap (or none) in the document number and in the TD3 personal number.
type Fit = (Option<Edit>, Option<Edit>);

/// A field with its own check digit, before the composite is consulted.
enum Own {
    Valid,
    /// The swaps that make its own check digit hold (maybe none).
    Pending(Vec<Edit>),
    Failed(FailReason),
}

impl Zone {
    fn split(format: MrzFormat, rows: &[Vec<u8>]) -> Self {
        let v = |r: &[u8], a: usize, b: usize| r[a..b].to_vec();
        let (l1, l2) = (&rows[0], &rows[1]);
        match format {
            MrzFormat::Td1 => Self {
                format,
                issuer: v(l1, 2, 5),
                names: rows[2].clone(),
                number: v(l1, 5, 14),
                number_check: l1[14],
                opt_a: v(l1, 15, 30),
                dob: v(l2, 0, 6),
                dob_check: l2[6],
                sex: l2[7],
                expiry: v(l2, 8, 14),
                expiry_check: l2[14],
                nationality: v(l2, 15, 18),
                opt_b: v(l2, 18, 29),
                opt_check: None,
                composite: l2[29],
            },
            _ => {
                let td3 = format.width() == 44;
                let end = if td3 { 42 } else { 35 };
                Self {
                    format,
                    issuer: v(l1, 2, 5),
                    names: l1[5..].to_vec(),
                    number: v(l2, 0, 9),
                    number_check: l2[9],
                    opt_a: Vec::new(),
                    nationality: v(l2, 10, 13),
                    dob: v(l2, 13, 19),
                    dob_check: l2[19],
                    sex: l2[20],
                    expiry: v(l2, 21, 27),
                    expiry_check: l2[27],
                    opt_b: v(l2, 28, end),
                    opt_check: td3.then(|| l2[42]),
                    composite: l2[end + usize::from(td3)],
                }
            }
        }
    }

    /// TD1 and TD2: a number longer than 9 has `<` for its check digit and continues in the
    /// optional data, followed by the check digit of the whole number and a filler.
    fn long_number(&self) -> bool {
        self.number_check == b'<' && self.format != MrzFormat::Td3
    }

    fn overflow(&mut self) -> &mut Vec<u8> {
        if self.format == MrzFormat::Td1 {
            &mut self.opt_a
        } else {
            &mut self.opt_b
        }
    }

    /// The length of the number's continuation plus its check digit in the optional data.
    fn overflow_run(&self) -> usize {
        let o = if self.format == MrzFormat::Td1 { &self.opt_a } else { &self.opt_b };
        o.iter().position(|&c| c == b'<').unwrap_or(o.len())
    }

    /// The whole document number and its check digit; `None` for a long number whose
    /// continuation is missing.
    fn full_number(&self) -> Option<(Vec<u8>, u8)> {
        if !self.long_number() {
            return Some((self.number.clone(), self.number_check));
        }
        let run = self.overflow_run();
        let o = if self.format == MrzFormat::Td1 { &self.opt_a } else { &self.opt_b };
        if run < 2 {
            return None;
        }
        let mut n = self.number.clone();
        n.extend_from_slice(&o[..run - 1]);
        Some((n, o[run - 1]))
    }

    /// Where only digits belong, a look-alike letter is its digit.
    fn digits_where_digits_belong(&mut self) {
        for d in [&mut self.dob, &mut self.expiry] {
            d.iter_mut().for_each(|c| *c = as_digit(*c));
        }
        for c in [&mut self.dob_check, &mut self.expiry_check, &mut self.composite] {
            *c = as_digit(*c);
        }
        if let Some(c) = self.opt_check.as_mut() {
            *c = as_digit(*c);
        }
        if self.long_number() {
            let run = self.overflow_run();
            if run > 0 {
                let o = self.overflow();
                o[run - 1] = as_digit(o[run - 1]);
            }
        } else {
            self.number_check = as_digit(self.number_check);
        }
    }

    fn edit_number(&mut self, (i, c): Edit) {
        if i < self.number.len() {
            self.number[i] = c;
        } else {
            let at = i - self.number.len();
            self.overflow()[at] = c;
        }
    }

    fn number_own(&self) -> Own {
        match self.full_number() {
            None => Own::Failed(FailReason::Unreadable),
            Some((n, check)) => own(&n, check, false),
        }
    }

    fn opt_own(&self) -> Option<Own> {
        self.opt_check.map(|check| own(&self.opt_b, check, true))
    }

    fn composite_holds(&self) -> bool {
        let mut s = self.number.clone();
        s.push(self.number_check);
        s.extend_from_slice(&self.opt_a);
        s.extend_from_slice(&self.dob);
        s.push(self.dob_check);
        s.extend_from_slice(&self.expiry);
        s.push(self.expiry_check);
        s.extend_from_slice(&self.opt_b);
        s.extend(self.opt_check);
        holds(&s, self.composite)
    }
}

/// A field's own check: valid, or the one-symbol swaps that would make it so. `filler_ok`: an
/// all-filler field may have `<` for its check digit (the TD3 personal number).
fn own(data: &[u8], check: u8, filler_ok: bool) -> Own {
    if holds(data, check) || (filler_ok && check == b'<' && data.iter().all(|&c| c == b'<')) {
        return Own::Valid;
    }
    let mut edits = Vec::new();
    for (i, &c) in data.iter().enumerate() {
        if let Some(p) = partner(c) {
            let mut t = data.to_vec();
            t[i] = p;
            if holds(&t, check) {
                edits.push((i, p));
            }
        }
    }
    Own::Pending(edits)
}

/// Reads a machine-readable zone: `lines` as an OCR gave them (one string may also hold several
/// lines). `today` decides the century of the birth date.
///
/// - **Layout**: 3 lines of 30 (TD1), 2 of 36 (TD2) or 2 of 44 (TD3) once spaces are stripped
///   and letters upper-cased; a document code `V…` is a visa ([`MrzError::Visa`]).
/// - **Kind**: `P…` passport; `I…`, `A…`, `C…` ID card, residence permit when the second
///   letter is `R` (`IR`, `AR`, `CR`).
/// - **Dates** `YYMMDD`: the expiry is 20YY; the birth date is 20YY when that is not after
///   `today` (nor after the expiry, when read), else 19YY — so a person of 100 or more is read
///   as a child, which the format cannot tell apart.
/// - **Names**: the primary identifier (last name) up to the first `<<`, then the secondary
///   ones (the first is the first name, the rest the middle name), `<` between words as a
///   space; a zone full to its end may be truncated and is marked so. Names have no check digit,
///   so a zone that does not have their shape is refused ([`FailReason::Unreadable`]) rather
///   than filled with a misread filler: no primary identifier, a secondary part that starts
///   with `<` or holds `<<`, anything but `A–Z` in a name, or a name word made only of `K`s
///   (a `<` misread as `K`). A `K` misread inside or at the end of a word cannot be told from a
///   name: the person sees the fill, and the cross-check compares it.
/// - **Sex** `M`/`F`; `<` or `X` unspecified. **Nationality** through [`country`].
pub fn parse(lines: &[&str], today: Date) -> Result<Mrz, MrzError> {
    let mut rows: Vec<Vec<u8>> = Vec::new();
    for line in lines.iter().flat_map(|l| l.lines()) {
        let mut row = Vec::new();
        for c in line.chars().filter(|c| !c.is_whitespace()) {
            let u = c.to_ascii_uppercase();
            if !(u.is_ascii_uppercase() || u.is_ascii_digit() || u == '<' || u == UNREADABLE) {
                return Err(MrzError::InvalidCharacter);
            }
            if row.len() == 44 {
                return Err(MrzError::Layout);
            }
            row.push(u as u8);
        }
        if !row.is_empty() {
            if rows.len() == 3 {
                return Err(MrzError::Layout);
            }
            rows.push(row);
        }
    }
    let width = rows.first().map_or(0, Vec::len);
    if rows.iter().any(|r| r.len() != width) {
        return Err(MrzError::Layout);
    }
    let format = match (rows.len(), width) {
        (3, 30) => MrzFormat::Td1,
        (2, 36) => MrzFormat::Td2,
        (2, 44) => MrzFormat::Td3,
        _ => return Err(MrzError::Layout),
    };
    let code = [rows[0][0], rows[0][1]];
    let kind = match code {
        [b'V', _] if format == MrzFormat::Td3 => return Err(MrzError::Visa(MrzFormat::MrvA)),
        [b'V', _] if format == MrzFormat::Td2 => return Err(MrzError::Visa(MrzFormat::MrvB)),
        [b'P', _] => ReadKind::Passport,
        [b'I' | b'A' | b'C', b'R'] => ReadKind::ResidencePermit,
        [b'I' | b'A' | b'C', _] => ReadKind::IdCard,
        _ => return Err(MrzError::UnknownDocumentCode),
    };

    let mut z = Zone::split(format, &rows);
    z.digits_where_digits_belong();
    let mut checks = Vec::new();
    let mut failed = Vec::new();
    let mut fail = |field: MrzField, reason: FailReason| failed.push(Failure { field, reason });

    // The document number and the TD3 personal number: repaired only together with the composite.
    let number_own = z.number_own();
    let opt_own = z.opt_own();
    let choices = |o: Option<&Own>| -> Vec<Option<Edit>> {
        match o {
            Some(Own::Pending(edits)) => edits.iter().copied().map(Some).collect(),
            _ => vec![None],
        }
    };
    let mut fits: Vec<Fit> = Vec::new();
    for n in choices(Some(&number_own)) {
        for o in choices(opt_own.as_ref()) {
            let mut t = z.clone();
            if let Some(e) = n {
                t.edit_number(e);
            }
            if let Some((i, c)) = o {
                t.opt_b[i] = c;
            }
            if t.composite_holds() {
                fits.push((n, o));
            }
        }
    }
    let resolve = |own: &Own, pick: fn(&Fit) -> Option<Edit>| -> Result<Option<Edit>, FailReason> {
        match own {
            Own::Valid => Ok(None),
            Own::Failed(r) => Err(*r),
            Own::Pending(_) => {
                let mut found: Vec<Edit> = fits.iter().filter_map(pick).collect();
                found.sort_unstable();
                found.dedup();
                match found[..] {
                    [] => Err(FailReason::CheckDigit),
                    [e] => Ok(Some(e)),
                    _ => Err(FailReason::AmbiguousRepair),
                }
            }
        }
    };
    let number = resolve(&number_own, |f| f.0);
    let opt = opt_own.as_ref().map(|o| resolve(o, |f| f.1));
    let outcome = |r: &Result<Option<Edit>, FailReason>| match r {
        Ok(None) => CheckOutcome::Valid,
        Ok(Some(_)) => CheckOutcome::Repaired,
        Err(_) => CheckOutcome::Failed,
    };
    if let Ok(Some(e)) = number {
        z.edit_number(e);
    }
    if let Some(Ok(Some((i, c)))) = opt {
        z.opt_b[i] = c;
    }

    let mut data = DocumentData::empty(ReadSource::Mrz);
    data.kind = Some(kind);

    checks.push(DigitCheck { field: MrzField::DocumentNumber, outcome: outcome(&number) });
    match number {
        Err(r) => fail(MrzField::DocumentNumber, r),
        Ok(_) => {
            let (n, _) = z.full_number().unwrap_or_default();
            let n: String = n.iter().filter(|&&c| c != b'<').map(|&c| char::from(c)).collect();
            if n.is_empty() {
                fail(MrzField::DocumentNumber, FailReason::Unreadable);
            } else {
                data.document_number = Some(n);
            }
        }
    }

    let ymd = |d: &[u8]| -> Option<(u16, u8, u8)> {
        let n = |i: usize| -> Option<u8> {
            let (a, b) = (d[i], d[i + 1]);
            (a.is_ascii_digit() && b.is_ascii_digit()).then(|| (a - b'0') * 10 + (b - b'0'))
        };
        Some((u16::from(n(0)?), n(2)?, n(4)?))
    };
    let expiry_ok = holds(&z.expiry, z.expiry_check);
    let expiry = ymd(&z.expiry).and_then(|(y, m, d)| Date::from_ymd(2000 + y, m, d)).filter(|_| expiry_ok);
    let dob_ok = holds(&z.dob, z.dob_check);
    let dob = ymd(&z.dob).and_then(|(y, m, d)| match Date::from_ymd(2000 + y, m, d) {
        Some(b) if b <= today && expiry.is_none_or(|e| b <= e) => Some(b),
        _ => Date::from_ymd(1900 + y, m, d),
    });
    for (field, ok, date) in [(MrzField::BirthDate, dob_ok, dob), (MrzField::ExpiryDate, expiry_ok, expiry)] {
        checks.push(DigitCheck { field, outcome: if ok { CheckOutcome::Valid } else { CheckOutcome::Failed } });
        match (ok, date) {
            (false, _) => fail(field, FailReason::CheckDigit),
            (true, None) => fail(field, FailReason::Unreadable),
            (true, Some(_)) => {}
        }
    }
    data.dob = dob.filter(|_| dob_ok);
    data.expiry = expiry;

    if let Some(opt) = &opt {
        checks.push(DigitCheck { field: MrzField::OptionalData, outcome: outcome(opt) });
        if let Err(r) = opt {
            fail(MrzField::OptionalData, *r);
        }
    }
    let composite = if fits.is_empty() { CheckOutcome::Failed } else { CheckOutcome::Valid };
    checks.push(DigitCheck { field: MrzField::Composite, outcome: composite });
    if composite == CheckOutcome::Failed {
        fail(MrzField::Composite, FailReason::CheckDigit);
    }

    match names(&z.names) {
        Some((last, first, middle, truncated)) => {
            (data.last_name, data.first_name, data.middle_name, data.truncated) =
                (Some(last), first, middle, truncated);
        }
        None => fail(MrzField::Names, FailReason::Unreadable),
    }
    match z.sex {
        b'M' => data.sex = Some(Gender::Male),
        b'F' => data.sex = Some(Gender::Female),
        b'<' | b'X' => {}
        _ => fail(MrzField::Sex, FailReason::Unreadable),
    }
    let text = |b: &[u8]| b.iter().map(|&c| char::from(c)).collect::<String>();
    data.nationality = country(&text(&z.nationality));
    if z.nationality.contains(&(UNREADABLE as u8)) {
        fail(MrzField::Nationality, FailReason::Unreadable);
    } else if data.nationality.is_none() {
        fail(MrzField::Nationality, FailReason::NotACountry);
    }
    Ok(Mrz { format, document_code: text(&code), issuing_state: country(&text(&z.issuer)), data, checks, failed })
}

/// The name zone: (last, first, middle, truncation), `None` when it does not have the shape of
/// names (see [`parse`]).
fn names(zone: &[u8]) -> Option<(String, Option<String>, Option<String>, Truncation)> {
    let z: String = zone.iter().map(|&c| char::from(c)).collect();
    let content = z.trim_end_matches('<');
    let full = content.len() == z.len();
    let (primary, secondary) = content.split_once("<<").unwrap_or((content, ""));
    let words = |s: &str| -> Option<Vec<String>> {
        if s.is_empty() {
            return Some(Vec::new());
        }
        s.split('<')
            .map(|w| {
                let ok = !w.is_empty() && w.bytes().all(|b| b.is_ascii_uppercase()) && w.bytes().any(|b| b != b'K');
                ok.then(|| w.to_owned())
            })
            .collect()
    };
    let last = words(primary)?;
    let given = words(secondary)?;
    if last.is_empty() {
        return None;
    }
    let mut truncated = Truncation::default();
    if full {
        match given.len() {
            0 => truncated.last = true,
            1 => truncated.first = true,
            _ => truncated.middle = true,
        }
    }
    let first = given.first().cloned();
    let middle = (given.len() > 1).then(|| given[1..].join(" "));
    Some((last.join(" "), first, middle, truncated))
}

/// Writes the zone a document of `format` would print for `doc` (for tests and test images):
/// `document_code` (`P<`, `I<`, `IR`, `V<`…) and `issuing_state` (`UTO`, `D`) as given, padded
/// with `<`; the nationality from `doc.nationality` ([`icao_code`], `<<<` when absent); names
/// from the last, first and middle names (Latin letters only, space and `-` as `<`, anything
/// else dropped; cut at the zone's end); `optional_data` in TD1's first optional field (after
/// a long number), TD2's optional field, TD3's personal number (with its check digit, `<` when
/// empty); a missing date as `<<<<<<`. A number longer than 9 continues in the optional data
/// (TD1, TD2) or is cut (TD3). Every check digit is computed. Visas (MRV-A, MRV-B) get their
/// layout without a composite.
pub fn build(
    doc: &DocumentData,
    format: MrzFormat,
    document_code: &str,
    issuing_state: &str,
    optional_data: &str,
) -> Vec<String> {
    let clean = |s: &str| -> String {
        s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '<' }).collect()
    };
    let fit = |s: &str, n: usize| -> String { format!("{:<<n$}", s.chars().take(n).collect::<String>()) };
    let digit = |s: &str| check_digit(s).unwrap_or('0');
    let number: String = doc
        .document_number
        .as_deref()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let (number9, number_check, overflow) = if number.len() > 9 && matches!(format, MrzFormat::Td1 | MrzFormat::Td2) {
        (number[..9].to_owned(), '<', format!("{}{}<", &number[9..], digit(&number)))
    } else {
        let n = fit(&number, 9);
        let c = digit(&n);
        (n, c, String::new())
    };
    let date = |d: Option<Date>| {
        d.map_or_else(|| "<<<<<<".to_owned(), |d| format!("{:02}{:02}{:02}", d.year() % 100, d.month(), d.day()))
    };
    let (dob, expiry) = (date(doc.dob), date(doc.expiry));
    let (dob, expiry) = (format!("{dob}{}", digit(&dob)), format!("{expiry}{}", digit(&expiry)));
    let sex = match doc.sex {
        Some(Gender::Male) => 'M',
        Some(Gender::Female) => 'F',
        None => '<',
    };
    let nationality = doc.nationality.map_or("<<<", icao_code);
    let head = format!("{}{}", fit(&clean(document_code), 2), fit(&clean(issuing_state), 3));
    let optional = clean(optional_data);
    let names = |n: usize| {
        let part = |s: Option<&str>| -> Vec<String> {
            s.unwrap_or_default()
                .split(|c: char| c.is_whitespace() || c == '-')
                .map(|w| {
                    w.chars().filter(char::is_ascii_alphabetic).map(|c| c.to_ascii_uppercase()).collect::<String>()
                })
                .filter(|w| !w.is_empty())
                .collect()
        };
        let mut given = part(doc.first_name.as_deref());
        given.extend(part(doc.middle_name.as_deref()));
        let mut z = part(doc.last_name.as_deref()).join("<");
        if !given.is_empty() {
            z = format!("{z}<<{}", given.join("<"));
        }
        fit(&z, n)
    };
    let composite = |s: &str| digit(s);
    match format {
        MrzFormat::Td1 => {
            let l1 = format!("{head}{number9}{number_check}{}", fit(&format!("{overflow}{optional}"), 15));
            let l2 = format!("{dob}{sex}{expiry}{nationality}{}", fit("", 11));
            let c = composite(&format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]));
            vec![l1, format!("{l2}{c}"), names(30)]
        }
        MrzFormat::Td2 | MrzFormat::MrvB => {
            let l1 = format!("{head}{}", names(31));
            let body = format!("{number9}{number_check}{nationality}{dob}{sex}{expiry}");
            if format == MrzFormat::MrvB {
                return vec![l1, format!("{body}{}", fit(&optional, 8))];
            }
            let l2 = format!("{body}{}", fit(&format!("{overflow}{optional}"), 7));
            let c = composite(&format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..35]));
            vec![l1, format!("{l2}{c}")]
        }
        MrzFormat::Td3 | MrzFormat::MrvA => {
            let l1 = format!("{head}{}", names(39));
            let body = format!("{number9}{number_check}{nationality}{dob}{sex}{expiry}");
            if format == MrzFormat::MrvA {
                return vec![l1, format!("{body}{}", fit(&optional, 16))];
            }
            let personal = fit(&optional, 14);
            let pc = if personal.bytes().all(|b| b == b'<') { '<' } else { digit(&personal) };
            let l2 = format!("{body}{personal}{pc}");
            let c = composite(&format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43]));
            vec![l1, format!("{l2}{c}")]
        }
    }
}
