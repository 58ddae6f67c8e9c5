//! The applicant draft the widget sends (docs/api.md), and the one function that judges it.

use serde::{de, Deserialize, Serialize};
use std::fmt;

use crate::address::{parse_city, parse_ssn_for, parse_street, Ssn, State, ZipCode};
use crate::country::Country;
use crate::date::Date;
use crate::document::{DocumentNumber, Expiry, IdDocType};
use crate::error::{Field, FieldError, Violation};
use crate::person::{DateOfBirth, Email, Gender, PersonName, DEFAULT_MIN_AGE};
use crate::photo::DocumentKind;

/// What a rule needs to know about the world: the rulebook reads no clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub today: Date,
    pub min_age: u8,
}

impl Rules {
    pub fn new(today: Date) -> Self {
        Self { today, min_age: DEFAULT_MIN_AGE }
    }
}

/// A scalar that may arrive as a JSON number or a string (`gender: 2` or `"2"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum NumOrText {
    Num(i64),
    Text(String),
}

/// Read as `#[serde(untagged)]` would (an integer, else a string), without buffering the value
/// first: the untagged derive's buffer costs the widget's wasm several KB, this visitor a few
/// hundred bytes.
impl<'de> Deserialize<'de> for NumOrText {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = NumOrText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<NumOrText, E> {
                Ok(NumOrText::Num(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<NumOrText, E> {
                i64::try_from(n).map(NumOrText::Num).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(n), &self))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<NumOrText, E> {
                Ok(NumOrText::Text(s.to_owned()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<NumOrText, E> {
                Ok(NumOrText::Text(s))
            }
        }
        d.deserialize_any(V)
    }
}

impl NumOrText {
    pub fn as_text(&self) -> String {
        match self {
            Self::Num(n) => n.to_string(),
            Self::Text(s) => s.clone(),
        }
    }
}

/// The draft as typed: every value still raw. Unknown fields are refused, so server-set fields
/// (`requestNo`, `callbackUrl`, `kycPlatform`, `holderType`, `ipAddress`) cannot be smuggled in
/// (docs/security.md IV-1).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(
        description = "The applicant draft as typed, every value still raw and every field optional (the rulebook judges it: `422 validation_failed`). Unknown fields, the server-set ones (`requestNo`, `callbackUrl`, `kycPlatform`, `holderType`, `ipAddress`) included, are refused (400)."
    )
)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DraftDto {
    /// At most 64 characters, of the syntax `<input type=email>` accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default)]
    pub individual_info: IndividualInfoDto,
    #[serde(default)]
    pub address: AddressDto,
}

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IndividualInfoDto {
    /// As on the document: letters of any script, space, `-`, `'`, `.`; 1-35 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// As `firstName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The date of birth, `YYYY-MM-DD` (the applicant at least 18 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dob: Option<String>,
    /// The nationality: ISO 3166-1 alpha-2 (`US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// `1` male, `2` female (a number or a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<NumOrText>,
    /// `1` ID card, `2` passport, `3` residence permit, `4` driver's licence (a number or a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_doc_type: Option<NumOrText>,
    /// The document's number: `A-Z 0-9 -` once spaces are removed and letters upper-cased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The document's expiry, `YYYY-MM-DD`; `2099-01-01` when it does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AddressDto {
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// A US address: its USPS state code (`CA`); elsewhere 1-32 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// 1-64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The street address, 1-256 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// US `12345` or `12345-6789`; elsewhere 1-16 of letters, digits, space, hyphen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
    /// A US address only (and required there): 9 digits, with or without the two dashes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssn: Option<String>,
}

impl DraftDto {
    /// What the draft holds for a field, as text (`None` for an absent field and the photos).
    pub fn value(&self, field: Field) -> Option<String> {
        let (i, a) = (&self.individual_info, &self.address);
        let text = match field {
            Field::Email => &self.email,
            Field::FirstName => &i.first_name,
            Field::LastName => &i.last_name,
            Field::Dob => &i.dob,
            Field::Nationality => &i.country,
            Field::Gender => return i.gender.as_ref().map(NumOrText::as_text),
            Field::IdDocType => return i.id_doc_type.as_ref().map(NumOrText::as_text),
            Field::DocumentNumber => &i.number,
            Field::ValidUntil => &i.valid_until,
            Field::AddressCountry => &a.country,
            Field::State => &a.state,
            Field::City => &a.city,
            Field::Street => &a.address,
            Field::ZipCode => &a.zip_code,
            Field::Ssn => &a.ssn,
            Field::IdFront | Field::IdBack | Field::Face => return None,
        };
        text.clone()
    }

    /// Sets a field to `value`, as text (the photos have no value here: ignored).
    pub fn set(&mut self, field: Field, value: String) {
        let (i, a) = (&mut self.individual_info, &mut self.address);
        let slot = match field {
            Field::Email => &mut self.email,
            Field::FirstName => &mut i.first_name,
            Field::LastName => &mut i.last_name,
            Field::Dob => &mut i.dob,
            Field::Nationality => &mut i.country,
            Field::Gender => return i.gender = Some(NumOrText::Text(value)),
            Field::IdDocType => return i.id_doc_type = Some(NumOrText::Text(value)),
            Field::DocumentNumber => &mut i.number,
            Field::ValidUntil => &mut i.valid_until,
            Field::AddressCountry => &mut a.country,
            Field::State => &mut a.state,
            Field::City => &mut a.city,
            Field::Street => &mut a.address,
            Field::ZipCode => &mut a.zip_code,
            Field::Ssn => &mut a.ssn,
            Field::IdFront | Field::IdBack | Field::Face => return,
        };
        *slot = Some(value);
    }
}

/// A fully valid applicant: only [`parse_draft`] builds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub email: Email,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub dob: DateOfBirth,
    pub nationality: Country,
    pub gender: Gender,
    pub id_doc_type: IdDocType,
    pub document_number: DocumentNumber,
    pub valid_until: Expiry,
    pub address: Address,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Address {
    pub country: Country,
    pub state: State,
    pub city: String,
    pub street: String,
    pub zip_code: ZipCode,
    pub ssn: Option<Ssn>,
}

/// `Debug` of the raw draft types: which fields are present, never what they hold
/// (docs/security.md LG-1). `gender` and `idDocType` are choices, not PII, and are shown.
fn present<T>(v: &Option<T>) -> &'static str {
    if v.is_some() {
        "Some(<redacted>)"
    } else {
        "None"
    }
}

impl fmt::Debug for DraftDto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DraftDto")
            .field("email", &format_args!("{}", present(&self.email)))
            .field("individual_info", &self.individual_info)
            .field("address", &self.address)
            .finish()
    }
}

impl fmt::Debug for IndividualInfoDto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndividualInfoDto")
            .field("first_name", &format_args!("{}", present(&self.first_name)))
            .field("last_name", &format_args!("{}", present(&self.last_name)))
            .field("dob", &format_args!("{}", present(&self.dob)))
            .field("country", &self.country)
            .field("gender", &self.gender)
            .field("id_doc_type", &self.id_doc_type)
            .field("number", &format_args!("{}", present(&self.number)))
            .field("valid_until", &format_args!("{}", present(&self.valid_until)))
            .finish()
    }
}

impl fmt::Debug for AddressDto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AddressDto")
            .field("country", &self.country)
            .field("state", &format_args!("{}", present(&self.state)))
            .field("city", &format_args!("{}", present(&self.city)))
            .field("address", &format_args!("{}", present(&self.address)))
            .field("zip_code", &format_args!("{}", present(&self.zip_code)))
            .field("ssn", &format_args!("{}", present(&self.ssn)))
            .finish()
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Address")
            .field("country", &self.country)
            .field("state", &self.state)
            .field("city", &format_args!("<redacted>"))
            .field("street", &format_args!("<redacted>"))
            .field("zip_code", &self.zip_code)
            .field("ssn", &self.ssn)
            .finish()
    }
}

/// Collects field errors while parsing.
struct Collector(Vec<FieldError>);

impl Collector {
    fn take<T>(&mut self, field: Field, r: Result<T, Violation>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(v) => {
                self.0.push(FieldError::new(field, v));
                None
            }
        }
    }
}

fn s(o: Option<&String>) -> &str {
    o.map_or("", String::as_str)
}

/// Judges a whole draft. Returns the applicant, or every field error at once (in field order).
/// This is the single function the widget and the backend both call.
pub fn parse_draft(d: &DraftDto, rules: &Rules) -> Result<Applicant, Vec<FieldError>> {
    let mut c = Collector(Vec::new());
    let i = &d.individual_info;
    let a = &d.address;
    let email = c.take(Field::Email, Email::parse(s(d.email.as_ref())));
    let first_name = c.take(Field::FirstName, PersonName::parse(s(i.first_name.as_ref())));
    let last_name = c.take(Field::LastName, PersonName::parse(s(i.last_name.as_ref())));
    let dob = c.take(Field::Dob, DateOfBirth::parse(s(i.dob.as_ref()), rules.today, rules.min_age));
    let nationality = c.take(Field::Nationality, Country::parse(s(i.country.as_ref())).map_err(Violation::new));
    let gender_text = i.gender.as_ref().map(NumOrText::as_text).unwrap_or_default();
    let gender = c.take(Field::Gender, Gender::parse(&gender_text));
    let doc_type_text = i.id_doc_type.as_ref().map(NumOrText::as_text).unwrap_or_default();
    let id_doc_type = c.take(Field::IdDocType, IdDocType::parse(&doc_type_text));
    let document_number = c.take(Field::DocumentNumber, DocumentNumber::parse(s(i.number.as_ref()), id_doc_type));
    let valid_until = c.take(Field::ValidUntil, Expiry::parse(s(i.valid_until.as_ref()), rules.today));
    let country = c.take(Field::AddressCountry, Country::parse(s(a.country.as_ref())).map_err(Violation::new));
    let state = c.take(Field::State, State::parse(s(a.state.as_ref()), country));
    let city = c.take(Field::City, parse_city(s(a.city.as_ref())));
    let street = c.take(Field::Street, parse_street(s(a.address.as_ref())));
    let zip_code = c.take(Field::ZipCode, ZipCode::parse(s(a.zip_code.as_ref()), country));
    let ssn = c.take(Field::Ssn, parse_ssn_for(a.ssn.as_deref(), country));
    if !c.0.is_empty() {
        return Err(c.0);
    }
    // Every `take` above succeeded, so every value is present.
    match (
        email,
        first_name,
        last_name,
        dob,
        nationality,
        gender,
        id_doc_type,
        document_number,
        valid_until,
        country,
        state,
        city,
        street,
        zip_code,
        ssn,
    ) {
        (
            Some(email),
            Some(first_name),
            Some(last_name),
            Some(dob),
            Some(nationality),
            Some(gender),
            Some(id_doc_type),
            Some(document_number),
            Some(valid_until),
            Some(country),
            Some(state),
            Some(city),
            Some(street),
            Some(zip_code),
            Some(ssn),
        ) => Ok(Applicant {
            email,
            first_name,
            last_name,
            dob,
            nationality,
            gender,
            id_doc_type,
            document_number,
            valid_until,
            address: Address { country, state, city, street, zip_code, ssn },
        }),
        _ => Err(Vec::new()),
    }
}

/// The errors of a draft restricted to some fields (one step of the widget's form).
pub fn errors_for(d: &DraftDto, rules: &Rules, fields: &[Field]) -> Vec<FieldError> {
    match parse_draft(d, rules) {
        Ok(_) => Vec::new(),
        Err(errs) => errs.into_iter().filter(|e| fields.contains(&e.field)).collect(),
    }
}

/// Cross-field rule: the documents required before submit (`idFront`, `face`; `idBack` optional).
pub fn missing_documents(present: &[DocumentKind]) -> Vec<FieldError> {
    DocumentKind::ALL
        .into_iter()
        .filter(|k| k.is_required() && !present.contains(k))
        .map(|k| FieldError::new(k.field(), Violation::new(crate::ErrorCode::Required)))
        .collect()
}

impl Applicant {
    /// The draft this applicant serialises back to (parse ∘ serialise is the identity on valid
    /// drafts: a property test holds us to it).
    pub fn to_draft(&self) -> DraftDto {
        DraftDto {
            email: Some(self.email.as_str().to_owned()),
            individual_info: IndividualInfoDto {
                first_name: Some(self.first_name.as_str().to_owned()),
                last_name: Some(self.last_name.as_str().to_owned()),
                dob: Some(self.dob.date().to_string()),
                country: Some(self.nationality.alpha2().to_owned()),
                gender: Some(NumOrText::Num(i64::from(self.gender.code()))),
                id_doc_type: Some(NumOrText::Text(self.id_doc_type.code().to_owned())),
                number: Some(self.document_number.as_str().to_owned()),
                valid_until: Some(self.valid_until.to_wire()),
            },
            address: AddressDto {
                country: Some(self.address.country.alpha2().to_owned()),
                state: Some(self.address.state.as_str().to_owned()),
                city: Some(self.address.city.clone()),
                address: Some(self.address.street.clone()),
                zip_code: Some(self.address.zip_code.as_str().to_owned()),
                ssn: self.address.ssn.as_ref().map(|s| s.digits().to_owned()),
            },
        }
    }
}
