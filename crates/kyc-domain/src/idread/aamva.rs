//! The PDF417 barcode of a US / Canadian driver's licence or ID card: AAMVA DL/ID Card Design
//! Standard, versions 1 (DL/ID-2000) to 10 (2020).
//!
//! A payload is a header (`@` `LF` `RS` `CR`, the file type `ANSI ` or `AAMVA`, a 6-digit IIN,
//! the 2-digit version, from version 2 the jurisdiction's version, the number of entries), one
//! 10-byte designator per subfile (type, 4-digit offset, 4-digit length), then the subfiles: a
//! `DL` or `ID` subfile of elements (3-letter ID + value, separated by `LF`, ended by `CR`) and
//! the jurisdiction's own `Z?` subfiles, which are not read.
//!
//! Readers met in the field are forgiving, so this one is too: the subfile is found by its
//! offset, else by its type marker nearest to that offset; `CR`, `CR LF` and the record separator
//! also separate elements; values are trimmed; an element that does not parse is absent. Dates
//! are `MMDDCCYY` in the US and `CCYYMMDD` in Canada and in version 1; only years 1800–2199 are
//! read, which makes the two orders impossible to confuse.

use std::fmt;

use super::{DocumentData, ReadKind, ReadSource, Truncation};
use crate::country::{Country, UsState};
use crate::date::Date;
use crate::person::Gender;
use crate::text::is_forbidden_control;

/// Longer payloads are refused unread (real ones are under 2 KiB).
pub const MAX_PAYLOAD: usize = 4096;

/// The Canadian provinces and territories, by their postal abbreviation.
const PROVINCES: [&str; 13] = ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"];

/// Why a payload was not read. Carries no part of the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AamvaError {
    /// Longer than [`MAX_PAYLOAD`].
    TooLong,
    /// No `@` first, or no `ANSI ` / `AAMVA` file type after it.
    NotAamva,
    /// The IIN, version, entry count or first subfile designator is not digits where digits go.
    BadHeader,
    /// A version other than 1–10.
    UnsupportedVersion(u8),
    /// The payload ends inside its header or designators.
    Truncated,
    /// No `DL` or `ID` subfile is designated.
    NoDlSubfile,
    /// The designated `DL` / `ID` subfile is nowhere in the payload.
    SubfileNotFound,
    /// The subfile holds no element this reader knows.
    Empty,
}

impl fmt::Display for AamvaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong => f.write_str("payload too long for an AAMVA barcode"),
            Self::NotAamva => f.write_str("not an AAMVA barcode"),
            Self::BadHeader => f.write_str("malformed AAMVA header"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported AAMVA version {v}"),
            Self::Truncated => f.write_str("AAMVA header truncated"),
            Self::NoDlSubfile => f.write_str("no DL or ID subfile designated"),
            Self::SubfileNotFound => f.write_str("DL or ID subfile not found"),
            Self::Empty => f.write_str("no known element in the subfile"),
        }
    }
}

impl std::error::Error for AamvaError {}

fn digits(s: &[u8]) -> Option<usize> {
    if s.is_empty() || s.len() > 8 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |a, &d| a * 10 + usize::from(d - b'0')))
}

fn is_separator(b: u8) -> bool {
    matches!(b, b'\n' | b'\r' | 0x1C..=0x1E)
}

/// An element ID: `D` and two capitals.
fn is_element_id(b: &[u8]) -> bool {
    b.len() >= 3 && b[0] == b'D' && b[1..3].iter().all(u8::is_ascii_uppercase)
}

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], AamvaError> {
        let s = self.b.get(self.at..self.at + n).ok_or(AamvaError::Truncated)?;
        self.at += n;
        Ok(s)
    }

    fn num(&mut self, n: usize) -> Result<usize, AamvaError> {
        digits(self.take(n)?).ok_or(AamvaError::BadHeader)
    }
}

/// Reads the `DL` or `ID` subfile of an AAMVA payload (bytes as the scanner returned them).
pub fn parse(payload: &[u8]) -> Result<DocumentData, AamvaError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(AamvaError::TooLong);
    }
    if payload.first() != Some(&b'@') {
        return Err(AamvaError::NotAamva);
    }
    // The file type, normally at 4; scanners sometimes drop or add a control character.
    let p = (1..=8)
        .find(|&i| payload.get(i..i + 5).is_some_and(|t| t == b"ANSI " || t == b"AAMVA"))
        .ok_or(AamvaError::NotAamva)?;
    let shift = |off: usize| (off + p).checked_sub(4);
    let mut c = Cursor { b: payload, at: p + 5 };
    c.num(6)?; // IIN
    let version = c.num(2)?;
    if !(1..=10).contains(&version) {
        return Err(AamvaError::UnsupportedVersion(version as u8));
    }
    if version >= 2 {
        c.num(2)?; // jurisdiction version
    }
    let entries = c.num(2)?;
    let mut subfiles: Vec<([u8; 2], Option<usize>)> = Vec::new();
    for _ in 0..entries {
        let d = c.take(10)?;
        let ok = d[..2].iter().all(u8::is_ascii_alphanumeric) && digits(&d[6..10]).is_some();
        match digits(&d[2..6]) {
            Some(off) if ok => subfiles.push(([d[0], d[1]], shift(off))),
            // Some jurisdictions count more entries than they designate.
            _ if !subfiles.is_empty() => break,
            _ => return Err(AamvaError::BadHeader),
        }
    }
    let (ty, declared) =
        subfiles.iter().copied().find(|(t, _)| t == b"DL" || t == b"ID").ok_or(AamvaError::NoDlSubfile)?;
    let header_end = c.at;
    let marker_at = |i: usize| payload.get(i..i + 2) == Some(&ty[..]);
    let start = match declared {
        Some(d) if d >= header_end && marker_at(d) => d,
        _ => {
            // Offsets a few bytes off: the type marker followed by an element, nearest to the offset.
            let near = declared.unwrap_or(header_end);
            (header_end..payload.len())
                .filter(|&i| {
                    let rest = &payload[i + 2.min(payload.len() - i)..];
                    let skip = rest.iter().take(2).take_while(|&&b| is_separator(b)).count();
                    marker_at(i) && is_element_id(&rest[skip..])
                })
                .min_by_key(|&i| i.abs_diff(near))
                .ok_or(AamvaError::SubfileNotFound)?
        }
    };
    // The subfile ends where the next designated subfile starts, if one does, else at the end.
    let end = subfiles
        .iter()
        .filter_map(|&(t, off)| off.filter(|&o| o > start && payload.get(o..o + 2) == Some(&t[..])))
        .min()
        .unwrap_or(payload.len());
    let mut elements: Vec<(&[u8], &[u8])> = Vec::new();
    for token in payload[start + 2..end].split(|&b| is_separator(b)) {
        if token.trim_ascii().is_empty() {
            continue;
        }
        if !is_element_id(token) {
            break; // the next subfile (`ZC…`), or garbage
        }
        elements.push(token.split_at(3));
    }
    let get = |id: &[u8]| -> Option<String> {
        let (_, v) = elements.iter().find(|(e, _)| *e == id)?;
        let v = v.trim_ascii();
        let s = std::str::from_utf8(v).map_or_else(|_| v.iter().map(|&b| char::from(b)).collect(), str::to_owned);
        (!s.is_empty() && !s.chars().any(is_forbidden_control)).then_some(s)
    };

    let mut doc = DocumentData::empty(ReadSource::Pdf417);
    doc.kind = Some(if &ty == b"ID" { ReadKind::IdCard } else { ReadKind::DriversLicence });
    // Names: family name DCS (v1: DAB), first DAC, middle DAD (often `NONE`); v2/v3 print the given
    // names together in DCT, v1 the whole name in DAA.
    let placeholder = |s: &String| matches!(s.to_ascii_uppercase().as_str(), "NONE" | "UNAVL" | "UNAVAIL" | "N/A");
    doc.last_name = get(b"DCS").or_else(|| get(b"DAB"));
    doc.first_name = get(b"DAC");
    doc.middle_name = get(b"DAD").filter(|m| !placeholder(m));
    if let Some(given) = get(b"DCT") {
        let (first, middle) = match given.split_once(',') {
            Some((f, m)) => (f, m),
            None => given.trim().split_once(' ').unwrap_or((&given, "")),
        };
        doc.first_name = doc.first_name.or_else(|| word(first));
        doc.middle_name = doc.middle_name.or_else(|| word(&middle.replace(',', " ")).filter(|m| !placeholder(m)));
    }
    if let Some(full) = get(b"DAA") {
        // `LAST,FIRST,MIDDLE,SUFFIX`, or `LAST FIRST MIDDLE…` with spaces.
        let parts: Vec<String> = if full.contains(',') {
            full.split(',').map(str::to_owned).collect()
        } else {
            let w: Vec<&str> = full.split_whitespace().collect();
            vec![
                w.first().copied().unwrap_or_default().to_owned(),
                w.get(1).copied().unwrap_or_default().to_owned(),
                w.get(2..).unwrap_or_default().join(" "),
            ]
        };
        let part = |i: usize| parts.get(i).and_then(|s| word(s));
        doc.last_name = doc.last_name.or_else(|| part(0));
        doc.first_name = doc.first_name.or_else(|| part(1));
        doc.middle_name = doc.middle_name.or_else(|| part(2).filter(|m| !placeholder(m)));
    }
    doc.truncated = Truncation {
        first: get(b"DDF").as_deref() == Some("T"),
        middle: get(b"DDG").as_deref() == Some("T"),
        last: get(b"DDE").as_deref() == Some("T"),
    };
    doc.document_number = get(b"DAQ");
    doc.street = get(b"DAG");
    doc.city = get(b"DAI");
    doc.state = get(b"DAJ")
        .filter(|s| s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(|s| s.to_ascii_uppercase());
    let province = doc.state.as_deref().is_some_and(|s| PROVINCES.contains(&s));
    doc.country = get(b"DCG").and_then(|c| Country::parse(&c).ok()).or_else(|| match doc.state.as_deref() {
        Some(s) if UsState::parse(s).is_ok() => Some(Country::US),
        _ if province => Country::parse("CA").ok(),
        _ => None,
    });
    let canadian = doc.country.map_or(province, |c| c.alpha2() == "CA");
    doc.dob = get(b"DBB").and_then(|v| date(&v, canadian));
    doc.expiry = get(b"DBA").and_then(|v| date(&v, canadian));
    doc.issue_date = get(b"DBD").and_then(|v| date(&v, canadian));
    doc.sex = match get(b"DBC").as_deref() {
        Some("1" | "M") => Some(Gender::Male),
        Some("2" | "F") => Some(Gender::Female),
        _ => None,
    };
    doc.postal_code = get(b"DAK").and_then(|v| postal_code(&v));
    let mut blank = DocumentData::empty(ReadSource::Pdf417);
    blank.kind = doc.kind;
    if doc == blank {
        return Err(AamvaError::Empty);
    }
    Ok(doc)
}

/// A trimmed, non-empty name part with single spaces.
fn word(s: &str) -> Option<String> {
    let w = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!w.is_empty()).then_some(w)
}

/// `MMDDCCYY` or `CCYYMMDD`, trying the jurisdiction's order first.
fn date(v: &str, canadian: bool) -> Option<Date> {
    let b = v.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |i: usize, len: usize| digits(&b[i..i + len]).unwrap_or(0);
    let ymd = (n(0, 4), n(4, 2), n(6, 2));
    let mdy = (n(4, 4), n(0, 2), n(2, 2));
    let make = |(y, m, d): (usize, usize, usize)| {
        if (1800..=2199).contains(&y) {
            Date::from_ymd(y as u16, m as u8, d as u8)
        } else {
            None
        }
    };
    let (first, second) = if canadian { (ymd, mdy) } else { (mdy, ymd) };
    make(first).or_else(|| make(second))
}

/// A US ZIP from 5 or 9 digits (padded with spaces, `+4` of `0000` dropped), or a Canadian
/// postal code `A1A 1A1`.
fn postal_code(v: &str) -> Option<String> {
    let s: String = v.chars().filter(|c| !matches!(c, ' ' | '-')).collect::<String>().to_ascii_uppercase();
    let b = s.as_bytes();
    if (5..=11).contains(&b.len()) && b.iter().all(u8::is_ascii_digit) && &s[..5] != "00000" {
        return Some(match s.get(5..9).filter(|p| *p != "0000") {
            Some(plus4) if b.len() >= 9 => format!("{}-{plus4}", &s[..5]),
            _ => s[..5].to_owned(),
        });
    }
    let canadian = b.len() == 6
        && b.iter().enumerate().all(|(i, c)| if i % 2 == 0 { c.is_ascii_uppercase() } else { c.is_ascii_digit() });
    canadian.then(|| format!("{} {}", &s[..3], &s[3..]))
}

/// Writes `doc` as the payload a jurisdiction issuing AAMVA `version` (1–10) would print, with
/// issuer `iin` (6 digits): one `DL` subfile (`ID` for an ID card) at its computed offset.
/// Version 1 writes the whole name in `DAA` (`LAST,FIRST,MIDDLE`) and dates `CCYYMMDD`;
/// versions 2–3 the given names in `DCT` (`FIRST,MIDDLE`); versions 4–10 `DAC`/`DAD` with the
/// truncation flags. Later versions date `MMDDCCYY` in the US, `CCYYMMDD` in Canada. Values are
/// written as given (real documents print capitals). For tests and test images.
pub fn build(doc: &DocumentData, version: u8, iin: &str) -> String {
    let province = doc.state.as_deref().is_some_and(|s| PROVINCES.contains(&s));
    let canadian = doc.country.map_or(province, |c| c.alpha2() == "CA");
    let date = |d: Option<Date>| {
        d.map(|d| {
            if version == 1 || canadian {
                format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
            } else {
                format!("{:02}{:02}{:04}", d.month(), d.day(), d.year())
            }
        })
    };
    let flag = |t: bool| Some(if t { "T" } else { "N" }.to_owned());
    let (first, middle, last) = (doc.first_name.clone(), doc.middle_name.clone(), doc.last_name.clone());
    let mut els: Vec<(&str, Option<String>)> = Vec::new();
    if version >= 4 {
        els.extend([("DCA", Some("D".into())), ("DCB", Some("NONE".into())), ("DCD", Some("NONE".into()))]);
    }
    els.push(("DBA", date(doc.expiry)));
    match version {
        1 => {
            let mut full = format!("{},{}", last.unwrap_or_default(), first.unwrap_or_default());
            if let Some(m) = middle {
                full = format!("{full},{m}");
            }
            els.push(("DAA", (full != ",").then_some(full)));
        }
        2 | 3 => {
            let given = match (first, middle) {
                (f, Some(m)) => Some(format!("{},{m}", f.unwrap_or_default())),
                (Some(f), None) if f.contains(' ') => Some(format!("{f},")),
                (f, None) => f,
            };
            els.extend([("DCS", last), ("DCT", given)]);
        }
        _ => els.extend([("DCS", last), ("DAC", first), ("DAD", Some(middle.unwrap_or_else(|| "NONE".into())))]),
    }
    let sex = match doc.sex {
        Some(Gender::Male) => Some("1".to_owned()),
        Some(Gender::Female) => Some("2".to_owned()),
        None if version >= 4 => Some("9".to_owned()),
        None => None,
    };
    let postal = doc.postal_code.as_deref().map(|z| {
        let z: String = z.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if z.len() == 5 && z.bytes().all(|b| b.is_ascii_digit()) {
            format!("{z}0000  ")
        } else if z.len() == 9 && z.bytes().all(|b| b.is_ascii_digit()) {
            format!("{z}  ")
        } else {
            z
        }
    });
    els.extend([
        ("DBD", date(doc.issue_date)),
        ("DBB", date(doc.dob)),
        ("DBC", sex),
        ("DAY", (version >= 2).then(|| "BRO".to_owned())),
        ("DAU", (version >= 2).then(|| "069 IN".to_owned())),
        ("DAG", doc.street.clone()),
        ("DAI", doc.city.clone()),
        ("DAJ", doc.state.clone()),
        ("DAK", postal),
        ("DAQ", doc.document_number.clone()),
        ("DCF", (version >= 2).then(|| "0000000000000000000001".to_owned())),
        ("DCG", doc.country.filter(|_| version >= 2).map(|c| c.alpha3().to_owned())),
    ]);
    if version >= 4 {
        els.extend([
            ("DDE", flag(doc.truncated.last)),
            ("DDF", flag(doc.truncated.first)),
            ("DDG", flag(doc.truncated.middle)),
        ]);
    }
    let ty = if doc.kind == Some(ReadKind::IdCard) { "ID" } else { "DL" };
    let body: Vec<String> = els.into_iter().filter_map(|(id, v)| v.map(|v| format!("{id}{v}"))).collect();
    let subfile = format!("{ty}{}\r", body.join("\n"));
    let jurisdiction_version = if version >= 2 { "01" } else { "" };
    let header = format!("@\n\x1e\rANSI {iin}{version:02}{jurisdiction_version}01");
    let offset = header.len() + 10;
    format!("{header}{ty}{offset:04}{:04}{subfile}", subfile.len())
}
