//! The state of one widget instance: every value as typed, the photos, the current step and
//! the application. One Yew reducer per instance (two widgets on a page share nothing). Held in
//! memory only — never in browser storage (docs/security.md BR-4).

use kyc_domain::capture::PhotoStage;
use kyc_domain::draft::{AddressDto, IndividualInfoDto, NumOrText};
use kyc_domain::photo::DocumentKind;
use kyc_domain::{errors_for, missing_documents, ApplicationStatus, Date, DraftDto, Field, FieldError, Rules};
use std::rc::Rc;
use yew::prelude::*;

use crate::app::rules_today;
use crate::i18n::Key;

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

    /// A field's label (the error summary names the field in each entry).
    pub fn label(field: Field) -> Key {
        match field {
            Field::FirstName => Key::FirstName,
            Field::LastName => Key::LastName,
            Field::Email => Key::Email,
            Field::Dob => Key::DateOfBirth,
            Field::Gender => Key::Gender,
            Field::Nationality => Key::Nationality,
            Field::IdDocType => Key::DocumentType,
            Field::DocumentNumber => Key::DocumentNumber,
            Field::ValidUntil => Key::ExpiryDate,
            Field::AddressCountry => Key::Country,
            Field::State => Key::State,
            Field::City => Key::City,
            Field::Street => Key::Street,
            Field::ZipCode => Key::Zip,
            Field::Ssn => Key::Ssn,
            Field::IdFront => Key::FrontOfId,
            Field::IdBack => Key::BackOfId,
            Field::Face => Key::Face,
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
    /// The errors shown, in screen order: a field gets one when Continue finds it wrong, when
    /// the person leaves it filled in wrong, or from the server.
    pub errors: Vec<FieldError>,
    /// Fields whose error came from the server: kept until that field is edited.
    server: Vec<Field>,
    /// Fields the person has edited here: what they typed wins over staged values arriving
    /// later (the static first step is typed into before the backend has answered).
    edited: Vec<Field>,
    /// Counts the times Continue or the server flagged errors: focus then moves to the first
    /// (errors that come and go while typing never move it); the error summary shows from then
    /// until the step changes.
    pub flagged: u32,
    pub summary: bool,
    pub photos: [PhotoStage; 3],
    pub application_id: Option<String>,
    pub sending: Sending,
    pub status: Option<String>,
    /// How many status polls have answered (drives the result page's polling).
    polls: u32,
    /// Fields filled from the ID document and not edited since (marked as such): bits indexed
    /// like [`Field::ALL`].
    from_document: u32,
    /// A document was read on this page (Review then compares the draft with it).
    pub document_read: bool,
    /// "Scan your ID" is open on the first step.
    pub scanning: bool,
    /// Counts the changes to the typed values (what is staged as the person types).
    pub revision: u32,
}

impl Default for Flow {
    fn default() -> Self {
        Self {
            step: Step::Personal,
            values: Default::default(),
            no_expiry: false,
            errors: Vec::new(),
            server: Vec::new(),
            edited: Vec::new(),
            flagged: 0,
            summary: false,
            photos: [PhotoStage::Empty; 3],
            application_id: None,
            sending: Sending::Idle,
            status: None,
            polls: 0,
            from_document: 0,
            document_read: false,
            scanning: false,
            revision: 0,
        }
    }
}

pub enum Action {
    /// A value typed or chosen. A field already flagged is checked again at once, so its error
    /// goes as soon as it is fixed (and so do the errors it caused on the same step); a field
    /// never flagged is not judged while it is being typed.
    Set(Field, String),
    /// One part (0 year, 1 month, 2 day) of a date typed as three (`year-month-day` as typed).
    SetPart(Field, usize, String),
    /// The person left a field (a choice counts as leaving): a filled-in field is judged.
    Leave(Field),
    NoExpiry(bool),
    /// Move to a step (clears the errors shown).
    Go(Step),
    Errors(Vec<FieldError>),
    /// Errors from the server: go to the first step that has one.
    ServerErrors(Vec<FieldError>),
    /// The capture module's slots changed (idFront, idBack, face).
    Photos([PhotoStage; 3]),
    Created(String),
    Sending(Sending),
    Status(String),
    /// A poll answered (an empty status means the poll failed; the last one is kept).
    Polled(String),
    /// Where the user stands on the backend (a reload, a new token): a submitted application
    /// opens on the result; otherwise the staged values, step and photos come back (the
    /// module fetches the photos' previews when the Photos step shows).
    Resume(Box<crate::api::Resume>),
    /// Values read from the ID document (`[(field, value)]` in the draft's formats); `true`:
    /// only into the fields still empty.
    FromDocument(Vec<(Field, String)>, bool),
    /// Open "Scan your ID" (it closes when the step changes).
    Scan,
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
        if matches!(action, Action::Set(..) | Action::SetPart(..) | Action::NoExpiry(_) | Action::FromDocument(..)) {
            s.revision = s.revision.wrapping_add(1);
        }
        match action {
            Action::SetPart(f, at, v) => {
                let old = s.value(f);
                let mut parts = date_parts(&old);
                let v = v.replace('-', "");
                parts[at.min(2)] = &v;
                let joined = parts.join("-");
                s.set(f, joined);
            }
            Action::Set(f, v) => s.set(f, v),
            Action::Leave(f) => {
                if !s.server.contains(&f) && (!s.value(f).trim().is_empty() || s.errors.iter().any(|e| e.field == f)) {
                    s.recheck(&[f], true);
                }
            }
            Action::NoExpiry(b) => s.no_expiry = b,
            Action::FromDocument(fills, only_empty) => {
                s.document_read = true;
                for (f, v) in fills {
                    if only_empty && !s.value(f).trim().is_empty() {
                        continue;
                    }
                    if f == Field::ValidUntil {
                        s.no_expiry = false;
                    }
                    // As typed (its error, if shown, judged again), then marked.
                    s.set(f, v);
                    s.from_document |= 1 << slot_of(f);
                }
            }
            Action::Scan => s.scanning = true,
            Action::Go(step) => {
                s.scanning = false;
                s.step = step;
                s.errors.clear();
                s.server.clear();
                s.summary = false;
            }
            Action::Errors(e) => {
                s.errors = e;
                s.server.clear();
                s.flagged += 1;
                s.summary = true;
            }
            Action::ServerErrors(e) => {
                // Differences from the ID document are shown on Review, beside what it says.
                let on_review = e.iter().all(|x| x.code == kyc_domain::ErrorCode::DiffersFromDocument);
                if let Some(first) = e.first().filter(|_| !on_review) {
                    s.step = Step::of(first.field);
                }
                s.server = e.iter().map(|x| x.field).collect();
                s.errors = e;
                s.flagged += 1;
                s.summary = true;
                s.sending = Sending::Idle;
            }
            Action::Photos(p) => {
                s.photos = p;
                s.errors
                    .retain(|e| DocumentKind::ALL.into_iter().all(|k| k.field() != e.field || !p[index(k)].present()));
            }
            Action::Created(id) => s.application_id = Some(id),
            Action::Sending(x) => s.sending = x,
            Action::Status(st) => s.status = Some(st),
            Action::Resume(r) => {
                if let Some(st) = r.staged {
                    for f in Field::ALL {
                        if let Some(v) = st.draft.value(f).filter(|_| !s.edited.contains(&f)) {
                            s.values[slot_of(f)] = v;
                        }
                    }
                    s.no_expiry = st.no_expiry;
                    s.step = st.step.as_deref().and_then(Step::named).unwrap_or(s.step);
                    for p in &st.photos {
                        if let Some(k) = DocumentKind::parse(&p.kind) {
                            s.photos[index(k)] = PhotoStage::Staged;
                        }
                    }
                }
                if let Some(app) = r.application {
                    for k in DocumentKind::ALL {
                        if app.documents.iter().any(|d| d == k.as_str()) {
                            s.photos[index(k)] = PhotoStage::Staged;
                        }
                    }
                    if ApplicationStatus::parse(&app.status) != Some(ApplicationStatus::Draft) {
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

/// A date as the widget holds it (`year-month-day`, each part as typed) → its three parts.
pub fn date_parts(v: &str) -> [&str; 3] {
    let mut it = v.splitn(3, '-');
    [(); 3].map(|()| it.next().unwrap_or(""))
}

/// Where a field sits on screen, across the steps (errors are listed in this order).
fn screen_index(f: Field) -> usize {
    Step::INDICATED.iter().flat_map(|s| s.fields()).position(|x| *x == f).unwrap_or(usize::MAX)
}

impl Flow {
    /// Whether the field holds a value read from the ID document, not edited since.
    pub fn from_document(&self, f: Field) -> bool {
        self.from_document & (1 << slot_of(f)) != 0
    }

    /// A value typed or chosen; the fields already flagged are judged again (the one edited
    /// always, a server's error elsewhere is kept).
    fn set(&mut self, f: Field, v: String) {
        self.values[slot_of(f)] = v;
        self.from_document &= !(1 << slot_of(f));
        if !self.edited.contains(&f) {
            self.edited.push(f);
        }
        self.server.retain(|x| *x != f);
        let flagged: Vec<Field> =
            self.errors.iter().map(|e| e.field).filter(|x| *x == f || !self.server.contains(x)).collect();
        self.recheck(&flagged, false);
    }

    /// Judges `fields` again with the rulebook (one pass over the draft): each one's error is
    /// updated or removed, and added only when `add` (leaving a field, not typing in it).
    fn recheck(&mut self, fields: &[Field], add: bool) {
        if fields.is_empty() {
            return;
        }
        let fresh =
            if self.step == Step::Photos { Vec::new() } else { errors_for(&self.draft(), &rules_today(), fields) };
        for &f in fields {
            let at = self.errors.iter().position(|e| e.field == f);
            match (at, fresh.iter().find(|e| e.field == f)) {
                (Some(i), Some(e)) => self.errors[i] = e.clone(),
                (Some(i), None) => {
                    self.errors.remove(i);
                }
                (None, Some(e)) if add => {
                    let i = self.errors.partition_point(|x| screen_index(x.field) < screen_index(f));
                    self.errors.insert(i, e.clone());
                }
                _ => {}
            }
        }
    }

    pub fn polls(&self) -> u32 {
        self.polls
    }

    pub fn value(&self, f: Field) -> String {
        self.values[slot_of(f)].clone()
    }

    pub fn photo(&self, k: DocumentKind) -> PhotoStage {
        self.photos[index(k)]
    }

    fn opt(&self, f: Field) -> Option<String> {
        Some(self.value(f)).filter(|v| !v.trim().is_empty())
    }

    /// A date typed as day, month and year (held as `year-month-day`, each part as typed) →
    /// `YYYY-MM-DD` for the rulebook: a one-digit day or month gets its zero; anything else is
    /// left as typed for the rulebook to judge. Nothing typed → absent.
    pub fn date(&self, f: Field) -> Option<String> {
        let v = self.opt(f)?;
        let [y, m, d] = date_parts(&v).map(str::trim);
        let pad = |p: &str| {
            if p.len() == 1 && p.bytes().all(|b| b.is_ascii_digit()) {
                format!("0{p}")
            } else {
                p.to_owned()
            }
        };
        Some(format!("{y}-{}-{}", pad(m), pad(d))).filter(|s| s != "--")
    }

    pub fn is_us(&self) -> bool {
        self.value(Field::AddressCountry).eq_ignore_ascii_case("US")
    }

    /// The draft for the backend and the rulebook.
    pub fn draft(&self) -> DraftDto {
        let valid_until =
            if self.no_expiry { Some(Date::NEVER_EXPIRES.to_string()) } else { self.date(Field::ValidUntil) };
        DraftDto {
            email: self.opt(Field::Email),
            individual_info: IndividualInfoDto {
                first_name: self.opt(Field::FirstName),
                last_name: self.opt(Field::LastName),
                dob: self.date(Field::Dob),
                country: self.opt(Field::Nationality),
                gender: self.opt(Field::Gender).map(|g| g.parse().map_or(NumOrText::Text(g), NumOrText::Num)),
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
                DocumentKind::ALL.into_iter().filter(|k| self.photo(*k).present()).collect();
            return missing_documents(&present);
        }
        errors_for(&self.draft(), rules, step.fields())
    }
}
