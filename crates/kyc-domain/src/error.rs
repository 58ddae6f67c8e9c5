//! Errors are data: a field path, a stable snake_case code and parameters. Text is produced at
//! the edges (the widget's i18n, the server's 422), never here.

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Numeric parameters of a violation (`max`, `min_age`, …), kept sorted by name. A small vector
/// rather than a map: the widget ships it to the browser, where every map type costs bytes.
/// Serialises as a JSON object: `{"min_age": 18}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, i64)>);

impl Params {
    pub fn insert(&mut self, key: &str, value: i64) {
        match self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (key.to_owned(), value)),
        }
    }

    pub fn get(&self, key: &str) -> Option<i64> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, i64)> {
        self.0.iter().map(|(k, v)| (k.as_str(), *v))
    }
}

impl Serialize for Params {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Params {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Params;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of integer parameters")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Params, A::Error> {
                let mut p = Params::default();
                while let Some((k, v)) = a.next_entry::<String, i64>()? {
                    p.insert(&k, v);
                }
                Ok(p)
            }
        }
        d.deserialize_map(V)
    }
}

/// Every validation outcome the rulebook can produce. The widget's translations match on this
/// enum exhaustively, so a new code cannot ship without text in every locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(description = "A rule a field broke: the rulebook's stable code (crates/kyc-domain/RULES.md).")
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The field is missing or blank.
    Required,
    /// Longer than `max` characters.
    TooLong,
    /// Contains a character the field does not allow.
    InvalidCharacters,
    /// A name without a single letter.
    MustContainLetter,
    /// Not an address `<input type=email>` would accept.
    InvalidEmail,
    /// Not a real `YYYY-MM-DD` calendar date.
    InvalidDate,
    /// A date of birth in the future.
    DateInFuture,
    /// Younger than `min_age`.
    TooYoung,
    /// Born more than `max_age` years ago.
    TooOld,
    /// A document that expired before today.
    Expired,
    /// A date after `max` (2099-01-01).
    DateTooFar,
    /// Not one of the allowed values.
    InvalidChoice,
    /// Not an assigned ISO 3166-1 code.
    UnknownCountry,
    /// Not a US state / DC USPS code.
    UnknownState,
    /// Not a ZIP / postal code of the expected shape.
    InvalidZip,
    /// Not 9 digits (optionally `AAA-GG-SSSS`).
    InvalidSsn,
    /// SSN area 000, 666 or 900–999: never assigned.
    SsnInvalidArea,
    /// SSN group 00: never assigned.
    SsnInvalidGroup,
    /// SSN serial 0000: never assigned.
    SsnInvalidSerial,
    /// The field must be empty here (an SSN for a non-US address).
    NotApplicable,
    /// Not JPEG or PNG by its magic bytes.
    UnsupportedFileType,
    /// More than `max_bytes` bytes.
    FileTooLarge,
    /// The image header cannot be read (truncated, empty or corrupt).
    UnreadableImage,
    /// The short edge is below `min_edge` pixels.
    ImageTooSmall,
    /// More than `max_megapixels` (pixel-flood guard).
    ImageTooLarge,
    /// So dark nothing can be read (the quality rulebook's hard limit).
    ImageTooDark,
    /// So out of focus nothing can be read (the quality rulebook's hard limit).
    ImageTooBlurry,
    /// Another application already uses this value (the provider's duplicate-email rule).
    AlreadyUsed,
    /// The KYC provider refused this field without a more specific reason.
    RejectedByProvider,
    /// Not what the applicant's scanned ID document says (`idread::cross_check`).
    DiffersFromDocument,
}

impl ErrorCode {
    /// Every code, in declaration order (tests and the docs table iterate it).
    pub const ALL: [ErrorCode; 30] = [
        Self::Required,
        Self::TooLong,
        Self::InvalidCharacters,
        Self::MustContainLetter,
        Self::InvalidEmail,
        Self::InvalidDate,
        Self::DateInFuture,
        Self::TooYoung,
        Self::TooOld,
        Self::Expired,
        Self::DateTooFar,
        Self::InvalidChoice,
        Self::UnknownCountry,
        Self::UnknownState,
        Self::InvalidZip,
        Self::InvalidSsn,
        Self::SsnInvalidArea,
        Self::SsnInvalidGroup,
        Self::SsnInvalidSerial,
        Self::NotApplicable,
        Self::UnsupportedFileType,
        Self::FileTooLarge,
        Self::UnreadableImage,
        Self::ImageTooSmall,
        Self::ImageTooLarge,
        Self::ImageTooDark,
        Self::ImageTooBlurry,
        Self::AlreadyUsed,
        Self::RejectedByProvider,
        Self::DiffersFromDocument,
    ];

    /// The stable snake_case code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooLong => "too_long",
            Self::InvalidCharacters => "invalid_characters",
            Self::MustContainLetter => "must_contain_letter",
            Self::InvalidEmail => "invalid_email",
            Self::InvalidDate => "invalid_date",
            Self::DateInFuture => "date_in_future",
            Self::TooYoung => "too_young",
            Self::TooOld => "too_old",
            Self::Expired => "expired",
            Self::DateTooFar => "date_too_far",
            Self::InvalidChoice => "invalid_choice",
            Self::UnknownCountry => "unknown_country",
            Self::UnknownState => "unknown_state",
            Self::InvalidZip => "invalid_zip",
            Self::InvalidSsn => "invalid_ssn",
            Self::SsnInvalidArea => "ssn_invalid_area",
            Self::SsnInvalidGroup => "ssn_invalid_group",
            Self::SsnInvalidSerial => "ssn_invalid_serial",
            Self::NotApplicable => "not_applicable",
            Self::UnsupportedFileType => "unsupported_file_type",
            Self::FileTooLarge => "file_too_large",
            Self::UnreadableImage => "unreadable_image",
            Self::ImageTooSmall => "image_too_small",
            Self::ImageTooLarge => "image_too_large",
            Self::ImageTooDark => "image_too_dark",
            Self::ImageTooBlurry => "image_too_blurry",
            Self::AlreadyUsed => "already_used",
            Self::RejectedByProvider => "rejected_by_provider",
            Self::DiffersFromDocument => "differs_from_document",
        }
    }
}

impl ErrorCode {
    /// The code for its wire name (the widget reads server errors without serde).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule violation: a code plus its parameters (e.g. `max`, `min_age`). Never holds the
/// offending input, so it is safe to log and to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub code: ErrorCode,
    #[serde(default, skip_serializing_if = "Params::is_empty")]
    pub params: Params,
}

impl Violation {
    pub fn new(code: ErrorCode) -> Self {
        Self { code, params: Params::default() }
    }

    #[must_use]
    pub fn with(mut self, key: &str, value: i64) -> Self {
        self.params.insert(key, value);
        self
    }

    /// A parameter by name (used by the widget's message templates).
    pub fn param(&self, key: &str) -> Option<i64> {
        self.params.get(key)
    }
}

impl From<ErrorCode> for Violation {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

/// A violation attached to a field path (`individualInfo.dob`, `address.zipCode`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: Field,
    pub code: ErrorCode,
    #[serde(default, skip_serializing_if = "Params::is_empty")]
    pub params: Params,
}

impl FieldError {
    pub fn new(field: Field, violation: Violation) -> Self {
        Self { field, code: violation.code, params: violation.params }
    }
}

/// Every field the rulebook knows, named by the API's dotted path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Field {
    #[serde(rename = "email")]
    Email,
    #[serde(rename = "individualInfo.firstName")]
    FirstName,
    #[serde(rename = "individualInfo.lastName")]
    LastName,
    #[serde(rename = "individualInfo.dob")]
    Dob,
    #[serde(rename = "individualInfo.country")]
    Nationality,
    #[serde(rename = "individualInfo.gender")]
    Gender,
    #[serde(rename = "individualInfo.idDocType")]
    IdDocType,
    #[serde(rename = "individualInfo.number")]
    DocumentNumber,
    #[serde(rename = "individualInfo.validUntil")]
    ValidUntil,
    #[serde(rename = "address.country")]
    AddressCountry,
    #[serde(rename = "address.state")]
    State,
    #[serde(rename = "address.city")]
    City,
    #[serde(rename = "address.address")]
    Street,
    #[serde(rename = "address.zipCode")]
    ZipCode,
    #[serde(rename = "address.ssn")]
    Ssn,
    #[serde(rename = "documents.idFront")]
    IdFront,
    #[serde(rename = "documents.idBack")]
    IdBack,
    #[serde(rename = "documents.face")]
    Face,
}

impl Field {
    pub const ALL: [Field; 18] = [
        Self::Email,
        Self::FirstName,
        Self::LastName,
        Self::Dob,
        Self::Nationality,
        Self::Gender,
        Self::IdDocType,
        Self::DocumentNumber,
        Self::ValidUntil,
        Self::AddressCountry,
        Self::State,
        Self::City,
        Self::Street,
        Self::ZipCode,
        Self::Ssn,
        Self::IdFront,
        Self::IdBack,
        Self::Face,
    ];

    /// The dotted API path.
    pub fn path(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::FirstName => "individualInfo.firstName",
            Self::LastName => "individualInfo.lastName",
            Self::Dob => "individualInfo.dob",
            Self::Nationality => "individualInfo.country",
            Self::Gender => "individualInfo.gender",
            Self::IdDocType => "individualInfo.idDocType",
            Self::DocumentNumber => "individualInfo.number",
            Self::ValidUntil => "individualInfo.validUntil",
            Self::AddressCountry => "address.country",
            Self::State => "address.state",
            Self::City => "address.city",
            Self::Street => "address.address",
            Self::ZipCode => "address.zipCode",
            Self::Ssn => "address.ssn",
            Self::IdFront => "documents.idFront",
            Self::IdBack => "documents.idBack",
            Self::Face => "documents.face",
        }
    }

    /// Looks a field up by its dotted path (used to map upstream `msg` texts back to fields).
    pub fn from_path(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.path() == path)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}
