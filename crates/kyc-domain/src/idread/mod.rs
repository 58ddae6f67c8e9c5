//! Reading an identity document by machine: what a scanner found on the card ([`DocumentData`]),
//! the values it puts into the widget's inputs ([`DocumentData::fills`]), and the cross-check of
//! the applicant's draft against it ([`cross_check`]).
//!
//! - [`aamva`]: the PDF417 barcode on the back of a US / Canadian driver's licence or ID card
//!   (AAMVA DL/ID Card Design Standard, versions 1–10).
//! - [`mrz`]: the machine-readable zone of a passport, ID card or residence permit (ICAO Doc
//!   9303: TD1, TD2, TD3), with its check digits; visas are recognised and refused.
//! - [`crosscheck`]: field by field, does the draft say what the document says?

pub mod aamva;
pub mod crosscheck;
pub mod mrz;

pub use crosscheck::{cross_check, CrossCheck, FieldCheck, FieldOutcome, Strength};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

use crate::address::{parse_city, parse_street, State, ZipCode};
use crate::country::Country;
use crate::date::Date;
use crate::document::{DocumentNumber, IdDocType};
use crate::error::Field;
use crate::person::{Gender, PersonName};

/// Where the data was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReadSource {
    /// The PDF417 barcode of a North American licence / ID card.
    Pdf417,
    /// The machine-readable zone of a passport or ID card.
    Mrz,
}

/// What kind of document was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadKind {
    DriversLicence,
    IdCard,
    Passport,
    /// A residence permit (an MRZ document code `IR`, `AR`, `CR`).
    ResidencePermit,
}

impl ReadKind {
    /// The draft's `idDocType` for this kind.
    pub fn id_doc_type(self) -> IdDocType {
        match self {
            Self::DriversLicence => IdDocType::DriversLicence,
            Self::IdCard => IdDocType::IdCard,
            Self::Passport => IdDocType::Passport,
            Self::ResidencePermit => IdDocType::ResidencePermit,
        }
    }
}

/// Which names the document printed truncated (AAMVA `DDE`/`DDF`/`DDG` = `T`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Truncation {
    pub first: bool,
    pub middle: bool,
    pub last: bool,
}

/// What was read from a document, as printed (names usually in capitals). Every value is
/// optional: a document may lack an element or hold one that does not parse. `Debug` shows
/// which fields are present, never what they hold.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentData {
    pub source: ReadSource,
    #[serde(default)]
    pub kind: Option<ReadKind>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub middle_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default, with = "as_text")]
    pub dob: Option<Date>,
    #[serde(default)]
    pub document_number: Option<String>,
    #[serde(default, with = "as_text")]
    pub expiry: Option<Date>,
    #[serde(default, with = "as_text")]
    pub issue_date: Option<Date>,
    #[serde(default, with = "as_text")]
    pub sex: Option<Gender>,
    #[serde(default)]
    pub street: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    /// The jurisdiction code as printed (`CA`, `ON`).
    #[serde(default)]
    pub state: Option<String>,
    /// US: `94105` or `94105-1234`; Canada: `K1A 0B1`.
    #[serde(default)]
    pub postal_code: Option<String>,
    /// The address country: a licence's `DCG`, else the country of its state or province. An
    /// MRZ has no address and leaves it empty (its nationality is [`Self::nationality`]).
    #[serde(default, with = "as_text")]
    pub country: Option<Country>,
    /// The holder's nationality (an MRZ's; a licence has none).
    #[serde(default, with = "as_text")]
    pub nationality: Option<Country>,
    #[serde(default)]
    pub truncated: Truncation,
}

impl DocumentData {
    /// Nothing read yet.
    pub fn empty(source: ReadSource) -> Self {
        Self {
            source,
            kind: None,
            first_name: None,
            middle_name: None,
            last_name: None,
            dob: None,
            document_number: None,
            expiry: None,
            issue_date: None,
            sex: None,
            street: None,
            city: None,
            state: None,
            postal_code: None,
            country: None,
            nationality: None,
            truncated: Truncation::default(),
        }
    }

    /// The document's value for a draft field, in the draft's format (what to show the person
    /// next to theirs): names in readable case, dates `YYYY-MM-DD`, gender `1`/`2`, `idDocType`
    /// code, countries alpha-2, a US ZIP as its five digits. `None`: not on the document (a
    /// licence has no nationality, an MRZ no address), or not a field a document carries (email,
    /// SSN, photos).
    pub fn document_value(&self, field: Field) -> Option<String> {
        match field {
            Field::FirstName => self.first_name.as_deref().map(readable_case),
            Field::LastName => self.last_name.as_deref().map(readable_case),
            Field::Dob => self.dob.map(|d| d.to_string()),
            Field::Nationality => self.nationality.map(|c| c.alpha2().to_owned()),
            Field::Gender => self.sex.map(|g| g.code().to_string()),
            Field::IdDocType => self.kind.map(|k| k.id_doc_type().code().to_owned()),
            Field::DocumentNumber => self.document_number.clone(),
            Field::ValidUntil => self.expiry.map(|d| d.to_string()),
            Field::AddressCountry => self.country.map(|c| c.alpha2().to_owned()),
            Field::State => self.state.clone(),
            Field::City => self.city.clone(),
            Field::Street => self.street.clone(),
            Field::ZipCode => self.postal_code.as_deref().map(|z| {
                let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
                match z.split_once('-') {
                    Some((zip5, plus4)) if zip5.len() == 5 && plus4.len() == 4 && digits(zip5) && digits(plus4) => zip5,
                    _ => z,
                }
                .to_owned()
            }),
            _ => None,
        }
    }

    /// The values to put into the widget's inputs: [`Self::document_value`] for every field a
    /// document carries, kept only when it passes the draft's own rule for that field (so a fill
    /// never causes a field error of its own). The rules that need `today` are not applied: an
    /// expired document fills an expired `validUntil`, which is the truth about it. A middle
    /// name goes nowhere. An MRZ's nationality fills `individualInfo.country`; its address
    /// fields stay empty.
    pub fn fills(&self) -> Vec<(Field, String)> {
        const FILLED: [Field; 13] = [
            Field::FirstName,
            Field::LastName,
            Field::Dob,
            Field::Nationality,
            Field::Gender,
            Field::IdDocType,
            Field::DocumentNumber,
            Field::ValidUntil,
            Field::AddressCountry,
            Field::State,
            Field::City,
            Field::Street,
            Field::ZipCode,
        ];
        FILLED
            .into_iter()
            .filter_map(|f| {
                let v = self.document_value(f)?;
                let ok = match f {
                    Field::FirstName | Field::LastName => PersonName::parse(&v).is_ok(),
                    Field::DocumentNumber => DocumentNumber::parse(&v, self.kind.map(ReadKind::id_doc_type)).is_ok(),
                    Field::ValidUntil => self.expiry.is_some_and(|d| d <= Date::NEVER_EXPIRES),
                    Field::State => State::parse(&v, self.country).is_ok(),
                    Field::City => parse_city(&v).is_ok(),
                    Field::Street => parse_street(&v).is_ok(),
                    Field::ZipCode => ZipCode::parse(&v, self.country).is_ok(),
                    _ => true,
                };
                ok.then_some((f, v))
            })
            .collect()
    }
}

/// `Debug`: the source and kind (not personal), then only which fields are present.
impl fmt::Debug for DocumentData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct P(bool);
        impl fmt::Debug for P {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(if self.0 { "Some(<redacted>)" } else { "None" })
            }
        }
        fn p<T>(v: &Option<T>) -> P {
            P(v.is_some())
        }
        f.debug_struct("DocumentData")
            .field("source", &self.source)
            .field("kind", &self.kind)
            .field("first_name", &p(&self.first_name))
            .field("middle_name", &p(&self.middle_name))
            .field("last_name", &p(&self.last_name))
            .field("dob", &p(&self.dob))
            .field("document_number", &p(&self.document_number))
            .field("expiry", &p(&self.expiry))
            .field("issue_date", &p(&self.issue_date))
            .field("sex", &p(&self.sex))
            .field("street", &p(&self.street))
            .field("city", &p(&self.city))
            .field("state", &p(&self.state))
            .field("postal_code", &p(&self.postal_code))
            .field("country", &p(&self.country))
            .field("nationality", &p(&self.nationality))
            .field("truncated", &self.truncated)
            .finish()
    }
}

/// A name in capitals in readable case: `MARY-ANN O'NEIL` → `Mary-Ann O'Neil`. A name with any
/// lower-case letter is left as printed.
pub fn readable_case(name: &str) -> String {
    let name = name.trim();
    if name.chars().any(char::is_lowercase) {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for c in name.chars() {
        out.push(if start { latin_upper(c) } else { latin_lower(c) });
        start = !c.is_alphabetic() && !crate::text::is_combining_mark(c);
    }
    out
}

/// Lower case for ASCII and Latin-1 letters, what documents print (a full Unicode case table
/// would cost the reader module ~4 KB gzip); any other letter stays as it is.
pub fn latin_lower(c: char) -> char {
    match c {
        'À'..='Þ' if c != '×' => char::from_u32(u32::from(c) + 0x20).unwrap_or(c),
        _ => c.to_ascii_lowercase(),
    }
}

/// Upper case, as [`latin_lower`] (ÿ has its capital outside Latin-1 and stays).
pub fn latin_upper(c: char) -> char {
    match c {
        'à'..='þ' if c != '÷' => char::from_u32(u32::from(c) - 0x20).unwrap_or(c),
        _ => c.to_ascii_uppercase(),
    }
}

/// Dates, countries and the sex travel as text in JSON: `1990-04-01`, `US`, `male`.
trait Text: Sized {
    fn to_text(&self) -> String;
    fn from_text(s: &str) -> Option<Self>;
}

impl Text for Date {
    fn to_text(&self) -> String {
        self.to_string()
    }
    fn from_text(s: &str) -> Option<Self> {
        Date::parse(s).ok()
    }
}

impl Text for Country {
    fn to_text(&self) -> String {
        self.alpha2().to_owned()
    }
    fn from_text(s: &str) -> Option<Self> {
        Country::parse(s).ok()
    }
}

impl Text for Gender {
    fn to_text(&self) -> String {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
        .to_owned()
    }
    fn from_text(s: &str) -> Option<Self> {
        match s {
            "male" => Some(Gender::Male),
            "female" => Some(Gender::Female),
            _ => None,
        }
    }
}

mod as_text {
    use super::{Deserialize, Deserializer, Serializer, Text};

    pub fn serialize<T: Text, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(&v.to_text()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Text, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => T::from_text(&s).map(Some).ok_or_else(|| serde::de::Error::custom("an unreadable value")),
        }
    }
}
