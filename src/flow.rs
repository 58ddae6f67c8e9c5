//! The state of one widget instance: every value as typed, the photos, the current step and
//! the application. One Yew reducer per instance (two widgets on a page share nothing). Held in
//! memory only — never in browser storage (checklist BR-4).

use kyc_domain::draft::{AddressDto, IndividualInfoDto, NumOrText};
use kyc_domain::photo::DocumentKind;
use kyc_domain::{errors_for, missing_documents, Date, DraftDto, Field, FieldError, Rules, Violation};
use std::rc::Rc;
use yew::prelude::*;

use crate::i18n::Key;
use crate::photo::CleanPhoto;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Personal,
    Document,
    Address,
    Photos,
    Review,
    Result,
}

impl Step {
    /// The steps with a place in the step indicator.
    pub const INDICATED: [Step; 5] = [Step::Personal, Step::Document, Step::Address, Step::Photos, Step::Review];

    pub fn name(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Document => "document",
            Self::Address => "address",
            Self::Photos => "photos",
            Self::Review => "review",
            Self::Result => "result",
        }
    }

    /// The step of a [`Step::name`] (the result is never staged).
    pub fn named(name: &str) -> Option<Step> {
        Self::INDICATED.into_iter().find(|s| s.name() == name)
    }

    pub fn title(self) -> Key {
        match self {
            Self::Personal => Key::StepPersonal,
            Self::Document => Key::StepDocument,
            Self::Address => Key::StepAddress,
            Self::Photos => Key::StepPhotos,
            Self::Review => Key::StepReview,
            Self::Result => Key::StepResult,
        }
    }

    pub fn number(self) -> usize {
        Self::INDICATED.iter().position(|s| *s == self).map_or(Self::INDICATED.len(), |i| i + 1)
    }

    pub fn next(self) -> Step {
        match self {
            Self::Personal => Self::Document,
            Self::Document => Self::Address,
            Self::Address => Self::Photos,
            Self::Photos => Self::Review,
            Self::Review | Self::Result => Self::Result,
        }
    }

    pub fn prev(self) -> Step {
        match self {
            Self::Document => Self::Personal,
            Self::Address => Self::Document,
            Self::Photos => Self::Address,
            Self::Review => Self::Photos,
            Self::Personal | Self::Result => self,
        }
    }

    /// The fields a step edits, in screen order.
    pub fn fields(self) -> &'static [Field] {
        match self {
            Self::Personal => {
                &[Field::FirstName, Field::LastName, Field::Email, Field::Dob, Field::Gender, Field::Nationality]
            }
            Self::Document => &[Field::IdDocType, Field::DocumentNumber, Field::ValidUntil],
            Self::Address => {
                &[Field::AddressCountry, Field::State, Field::City, Field::Street, Field::ZipCode, Field::Ssn]
            }
            Self::Photos => &[Field::IdFront, Field::IdBack, Field::Face],
            Self::Review | Self::Result => &[],
        }
    }

    /// The step where a field is edited.
    pub fn of(field: Field) -> Step {
        [Step::Personal, Step::Document, Step::Address, Step::Photos]
            .into_iter()
            .find(|s| s.fields().contains(&field))
            .unwrap_or(Step::Review)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Upload {
    Pending,
    Progress(u8),
    Done,
    Failed,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Slot {
    Empty,
    Processing,
    Ready {
        photo: CleanPhoto,
        upload: Upload,
    },
    Refused(Violation),
    /// The backend already has this photo (an application continued after a reload).
    Stored,
}

impl Slot {
    /// Whether the slot holds a photo, here or already on the backend.
    pub fn present(&self) -> bool {
        matches!(self, Self::Ready { .. } | Self::Stored)
    }

    pub fn photo(&self) -> Option<&CleanPhoto> {
        match self {
            Self::Ready { photo, .. } => Some(photo),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Sending {
    Idle,
    Working,
    Failed(Key),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub step: Step,
    /// Indexed like [`Field::ALL`].
    values: [String; Field::ALL.len()],
    pub no_expiry: bool,
    pub errors: Vec<FieldError>,
    pub photos: [Slot; 3],
    pub application_id: Option<String>,
    pub sending: Sending,
    pub status: Option<String>,
    /// How many status polls have answered (drives the result page's polling).
    polls: u32,
}

impl Default for Flow {
    fn default() -> Self {
        Self {
            step: Step::Personal,
            values: Default::default(),
            no_expiry: false,
            errors: Vec::new(),
            photos: [Slot::Empty, Slot::Empty, Slot::Empty],
            application_id: None,
            sending: Sending::Idle,
            status: None,
            polls: 0,
        }
    }
}

pub enum Action {
    Set(Field, String),
    NoExpiry(bool),
    /// Move to a step (clears the errors shown).
    Go(Step),
    Errors(Vec<FieldError>),
    /// Errors from the server: go to the first step that has one.
    ServerErrors(Vec<FieldError>),
    Photo(DocumentKind, Slot),
    Upload(DocumentKind, Upload),
    Created(String),
    Sending(Sending),
    Status(String),
    /// A poll answered (an empty status means the poll failed; the last one is kept).
    Polled(String),
    /// Where the user stands on the backend (a reload, a new token): a submitted application
    /// opens on the result; otherwise the staged values and step come back (photos follow as
    /// their previews arrive, through `Photo`).
    Resume(crate::api::Resume),
}

fn slot_of(f: Field) -> usize {
    Field::ALL.iter().position(|x| *x == f).unwrap_or(0)
}

fn index(k: DocumentKind) -> usize {
    match k {
        DocumentKind::IdFront => 0,
        DocumentKind::IdBack => 1,
        DocumentKind::Face => 2,
    }
}

impl Reducible for Flow {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Set(f, v) => s.values[slot_of(f)] = v,
            Action::NoExpiry(b) => s.no_expiry = b,
            Action::Go(step) => {
                s.step = step;
                s.errors.clear();
            }
            Action::Errors(e) => s.errors = e,
            Action::ServerErrors(e) => {
                if let Some(first) = e.first() {
                    s.step = Step::of(first.field);
                }
                s.errors = e;
                s.sending = Sending::Idle;
            }
            Action::Photo(k, slot) => {
                // A replaced preview's object URL is freed (a retake, a photo from the phone).
                if let Some(old) = s.photos[index(k)].photo() {
                    if slot.photo().map(|p| &p.url) != Some(&old.url) {
                        crate::photo::release(&old.url);
                    }
                }
                s.photos[index(k)] = slot;
            }
            Action::Upload(k, u) => {
                if let Slot::Ready { upload, .. } = &mut s.photos[index(k)] {
                    *upload = u;
                }
            }
            Action::Created(id) => s.application_id = Some(id),
            Action::Sending(x) => s.sending = x,
            Action::Status(st) => s.status = Some(st),
            Action::Resume(r) => {
                if let Some(st) = r.staged {
                    for (f, v) in st.values {
                        s.values[slot_of(f)] = v;
                    }
                    s.no_expiry = st.no_expiry;
                    s.step = Step::named(&st.step).unwrap_or(s.step);
                }
                if let Some(app) = r.application {
                    for k in DocumentKind::ALL {
                        if app.documents.iter().any(|d| d == k.as_str()) && !s.photos[index(k)].present() {
                            s.photos[index(k)] = Slot::Stored;
                        }
                    }
                    if app.status != "draft" {
                        s.step = Step::Result;
                    } else if s.step.number() < Step::Photos.number() {
                        s.step = Step::Photos;
                    }
                    s.application_id = Some(app.application_id);
                    s.status = Some(app.status);
                }
            }
            Action::Polled(st) => {
                s.polls += 1;
                if !st.is_empty() {
                    s.status = Some(st);
                }
            }
        }
        Rc::new(s)
    }
}

impl Flow {
    pub fn polls(&self) -> u32 {
        self.polls
    }

    pub fn value(&self, f: Field) -> String {
        self.values[slot_of(f)].clone()
    }

    pub fn slot(&self, k: DocumentKind) -> &Slot {
        &self.photos[index(k)]
    }

    fn opt(&self, f: Field) -> Option<String> {
        Some(self.value(f)).filter(|v| !v.trim().is_empty())
    }

    pub fn is_us(&self) -> bool {
        self.value(Field::AddressCountry).eq_ignore_ascii_case("US")
    }

    /// The draft for the backend and the rulebook.
    pub fn draft(&self) -> DraftDto {
        let valid_until =
            if self.no_expiry { Some(Date::NEVER_EXPIRES.to_string()) } else { self.opt(Field::ValidUntil) };
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
                valid_until,
            },
            address: AddressDto {
                country: self.opt(Field::AddressCountry),
                state: self.opt(Field::State),
                city: self.opt(Field::City),
                address: self.opt(Field::Street),
                zip_code: self.opt(Field::ZipCode),
                // The SSN belongs to a US address only; a value typed before switching country
                // is kept in memory but not sent.
                ssn: if self.is_us() { self.opt(Field::Ssn) } else { None },
            },
        }
    }

    /// The rulebook's verdict on one step.
    pub fn step_errors(&self, step: Step, rules: &Rules) -> Vec<FieldError> {
        if step == Step::Photos {
            let present: Vec<DocumentKind> =
                DocumentKind::ALL.into_iter().filter(|k| self.slot(*k).present()).collect();
            return missing_documents(&present);
        }
        errors_for(&self.draft(), rules, step.fields())
    }
}
