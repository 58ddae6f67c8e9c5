//! Staging (STAGING.md): what the backend keeps, sealed, of a signup not yet submitted — the
//! typed draft and the cleaned photos, from the desktop or through a phone's handoff.
//! - [`seal`]: sealing with the data key (no IO);
//! - [`handoff`]: the handoff's secrets, match code, link check and QR code (no IO);
//! - [`store`]: what the routes do with staged data (whether staging is open, staging a photo,
//!   opening what is staged).

pub mod handoff;
pub mod seal;
mod store;

pub use handoff::*;
pub use seal::*;
pub use store::{listed_photos, not_submitted, open_draft, open_photo, stage_photo};

/// Staged data lives at most this long from its first write (STAGING.md), or
/// `KYC_RETENTION_SECS` when that is shorter.
pub const STAGED_TTL_SECS: i64 = 24 * 3600;
