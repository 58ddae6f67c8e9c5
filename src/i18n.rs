//! Texts. Every key and every `kyc-domain` error code has text in every locale: the matches
//! are exhaustive, so a missing translation is a compile error.

use kyc_domain::{ErrorCode, Violation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    En,
}

impl Locale {
    /// `en`, `en-US`, … → a supported locale (English otherwise).
    pub fn parse(tag: &str) -> Self {
        let _ = tag;
        Self::En
    }

    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Title,
    StepPersonal,
    FirstName,
    LastName,
    Email,
    Continue,
    FixErrors,
    Sending,
    NetworkError,
    TryAgain,
    Received,
    StatusDraft,
    StatusReviewing,
    StatusApproved,
    StatusRejected,
}

pub fn text(locale: Locale, key: Key) -> &'static str {
    match locale {
        Locale::En => en(key),
    }
}

fn en(key: Key) -> &'static str {
    match key {
        Key::Title => "Verify your identity",
        Key::StepPersonal => "Personal details",
        Key::FirstName => "First name",
        Key::LastName => "Last name",
        Key::Email => "Email",
        Key::Continue => "Continue",
        Key::FixErrors => "Please correct the highlighted fields.",
        Key::Sending => "Sending…",
        Key::NetworkError => "We could not reach the server. Nothing you typed was lost.",
        Key::TryAgain => "Try again",
        Key::Received => "Application received",
        Key::StatusDraft => "Your details were received. Status: draft.",
        Key::StatusReviewing => "Your application is under review.",
        Key::StatusApproved => "Your identity was approved.",
        Key::StatusRejected => "Your application was rejected.",
    }
}

/// The message for a rule violation, with its parameters filled in. Never echoes input.
pub fn error_text(locale: Locale, v: &Violation) -> String {
    let p = |k: &str| v.param(k).map(|n| n.to_string()).unwrap_or_default();
    match locale {
        Locale::En => match v.code {
            ErrorCode::Required => "This field is required.".into(),
            ErrorCode::TooLong => format!("Use at most {} characters.", p("max")),
            ErrorCode::InvalidCharacters => "This contains characters that are not allowed.".into(),
            ErrorCode::MustContainLetter => "Include at least one letter.".into(),
            ErrorCode::InvalidEmail => "Enter an email address like name@example.com.".into(),
            ErrorCode::InvalidDate => "Enter a real date.".into(),
            ErrorCode::DateInFuture => "The date of birth cannot be in the future.".into(),
            ErrorCode::TooYoung => format!("You must be at least {} years old.", p("min_age")),
            ErrorCode::TooOld => format!("Enter a date of birth within the last {} years.", p("max_age")),
            ErrorCode::Expired => "This document has expired.".into(),
            ErrorCode::DateTooFar => "Enter a date no later than 2099-01-01.".into(),
            ErrorCode::InvalidChoice => "Choose one of the options.".into(),
            ErrorCode::UnknownCountry => "Choose a country from the list.".into(),
            ErrorCode::UnknownState => "Choose a state from the list.".into(),
            ErrorCode::InvalidZip => "Enter a valid ZIP / postal code.".into(),
            ErrorCode::InvalidSsn => "Enter 9 digits, like 123-45-6789.".into(),
            ErrorCode::SsnInvalidArea => {
                "This is not a valid Social Security Number (the first three digits are never issued).".into()
            }
            ErrorCode::SsnInvalidGroup => {
                "This is not a valid Social Security Number (the middle two digits cannot be 00).".into()
            }
            ErrorCode::SsnInvalidSerial => {
                "This is not a valid Social Security Number (the last four digits cannot be 0000).".into()
            }
            ErrorCode::NotApplicable => "Leave this empty for an address outside the US.".into(),
            ErrorCode::UnsupportedFileType => "Choose a JPEG or PNG image.".into(),
            ErrorCode::FileTooLarge => "The file is larger than 5 MB.".into(),
            ErrorCode::UnreadableImage => "This image cannot be read. Choose a JPEG or PNG image.".into(),
            ErrorCode::ImageTooSmall => {
                format!("The image is too small: its short side must be at least {} pixels.", p("min_edge"))
            }
            ErrorCode::ImageTooLarge => format!("The image has more than {} megapixels.", p("max_megapixels")),
            ErrorCode::AlreadyUsed => "This is already used by another application.".into(),
            ErrorCode::RejectedByProvider => "The verification provider did not accept this value.".into(),
        },
    }
}
