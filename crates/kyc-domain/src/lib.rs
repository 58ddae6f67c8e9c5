//! # kyc-domain — the one rulebook
//!
//! Every applicant field's type, validation rule and wire format, shared by the widget
//! (compiled to wasm32) and the backend (native). No IO, no clock, no randomness: callers pass
//! `today` in through [`Rules`]. Parse, don't validate: each field type is built only by its
//! `parse` function, and [`parse_draft`] returns either a valid [`Applicant`] or a flat list of
//! [`FieldError`]s — data (`field`, snake_case `code`, `params`), never text.
//!
//! ## Layout
//! - [`error`]: [`ErrorCode`] (every code, one enum), [`Field`] (dotted API paths), [`FieldError`].
//! - [`date`]: a clock-free calendar date; leap years, ages.
//! - [`person`]: names, email, date of birth, gender.
//! - [`document`]: document type, number, expiry ("does not expire" is explicit).
//! - [`address`]: state, city, street, ZIP, and the US-only SSN rule.
//! - [`country`]: ISO 3166-1 codes (alpha-2 ⇄ alpha-3) and US states; names come from the
//!   browser's `Intl.DisplayNames`, so no name tables ship in the wasm.
//! - [`photo`]: magic bytes, size and header dimensions, checked before any decoding; what a
//!   person may choose (the source) versus what the server accepts (the upload).
//! - [`quality`]: the photo-quality rulebook (brightness, sharpness, glare, placement) with its
//!   guidance and hard thresholds, for camera frames, chosen files and uploads alike.
//! - [`locate`]: the document locator — the four corners of a card or a data page anywhere in a
//!   camera frame, what to say about where it is, and the mesh that straightens the still.
//! - [`idread`]: reading an identity document by machine (the PDF417 barcode of a US / Canadian
//!   licence or ID card, the machine-readable zone of a passport, ID card or residence permit)
//!   into [`idread::DocumentData`]: the values it fills in, and the cross-check of the draft
//!   against it.
//! - [`draft`]: the widget's draft ([`DraftDto`], unknown fields denied) and [`parse_draft`].
//! - [`wire`]: the upstream body with its profile switches, and the response envelope.
//! - [`canonical`]: the canonical JSON that is both sent and signed.
//! - [`capture`]: the words the widget and its capture module share (a photo slot's stage, the
//!   module's events).
//! - [`diagnostics`]: the class of browser the widget runs in and the PII-free trace it sends
//!   its backend (a closed vocabulary of codes, checked on both sides).
//! - [`states`]: the application and handoff state machines (one transition table each) and
//!   the provider's `kycStatus`.
//! - `signing` (feature `signing`): HMAC-SHA256 and SHA1 request signatures.
//! - `openapi` (feature `openapi`, kyc-server's only): the OpenAPI schemas of the `/v1` types.
//!
//! ## Rules
//!
#![doc = include_str!("../RULES.md")]
//!
//! ## States
//!
#![doc = include_str!("../STATES.md")]

// The widget's wasm never carries the OpenAPI schemas (docs/api.md "The OpenAPI document").
#[cfg(all(feature = "openapi", target_arch = "wasm32"))]
compile_error!("the `openapi` feature is kyc-server's: the widget's wasm must not carry utoipa");

pub mod address;
pub mod api;
pub mod canonical;
pub mod capture;
pub mod country;
pub mod date;
pub mod diagnostics;
pub mod document;
pub mod draft;
pub mod error;
pub mod idread;
mod iso3166;
pub mod locate;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod person;
pub mod photo;
pub mod quality;
#[cfg(feature = "signing")]
pub mod signing;
pub mod states;
mod text;
pub mod wire;

pub use canonical::canonical_json;
pub use country::{Country, UsState};
pub use date::Date;
pub use draft::{errors_for, missing_documents, parse_draft, Applicant, DraftDto, Rules};
pub use error::{ErrorCode, Field, FieldError, Params, Violation};
pub use photo::{inspect_photo, DocumentKind, ImageFormat, PhotoHeader};
pub use states::{ApplicationStatus, HandoffState, HandoffView, ProviderStatus};
