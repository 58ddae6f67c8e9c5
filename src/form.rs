//! The form's state: every value as typed, keyed by the rulebook's [`Field`]. One reducer per
//! widget instance, so two widgets on a page share nothing. Values live in memory only (no
//! browser storage: checklist BR-4).

use kyc_domain::draft::{AddressDto, IndividualInfoDto, NumOrText};
use kyc_domain::{DraftDto, Field};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormState {
    values: BTreeMap<Field, String>,
}

pub enum FormAction {
    Set(Field, String),
}

impl Reducible for FormState {
    type Action = FormAction;

    fn reduce(self: Rc<Self>, action: FormAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            FormAction::Set(f, v) => {
                next.values.insert(f, v);
            }
        }
        Rc::new(next)
    }
}

impl FormState {
    pub fn get(&self, f: Field) -> AttrValue {
        self.values.get(&f).cloned().map(AttrValue::from).unwrap_or_default()
    }

    fn opt(&self, f: Field) -> Option<String> {
        self.values.get(&f).cloned()
    }

    /// The draft for the backend, and for the rulebook.
    pub fn draft(&self) -> DraftDto {
        DraftDto {
            email: self.opt(Field::Email),
            individual_info: IndividualInfoDto {
                first_name: self.opt(Field::FirstName),
                last_name: self.opt(Field::LastName),
                dob: self.opt(Field::Dob),
                country: self.opt(Field::Nationality),
                gender: self.opt(Field::Gender).map(NumOrText::Text),
                id_doc_type: self.opt(Field::IdDocType).map(NumOrText::Text),
                number: self.opt(Field::DocumentNumber),
                valid_until: self.opt(Field::ValidUntil),
            },
            address: AddressDto {
                country: self.opt(Field::AddressCountry),
                state: self.opt(Field::State),
                city: self.opt(Field::City),
                address: self.opt(Field::Street),
                zip_code: self.opt(Field::ZipCode),
                ssn: self.opt(Field::Ssn),
            },
        }
    }

    /// Walking-skeleton defaults for the fields whose steps are not built yet: a valid US
    /// applicant. Replaced field by field as the later steps land.
    pub fn with_demo_defaults() -> Self {
        let mut s = Self::default();
        for (f, v) in [
            (Field::Dob, "1990-04-01"),
            (Field::Nationality, "US"),
            (Field::Gender, "2"),
            (Field::IdDocType, "2"),
            (Field::DocumentNumber, "X1234567"),
            (Field::ValidUntil, "2099-01-01"),
            (Field::AddressCountry, "US"),
            (Field::State, "CA"),
            (Field::City, "San Francisco"),
            (Field::Street, "1 Market St"),
            (Field::ZipCode, "94105"),
            (Field::Ssn, "123-45-6789"),
        ] {
            s.values.insert(f, v.to_owned());
        }
        s
    }
}
