//! The two state machines — an application's status and a phone handoff's state — and the
//! provider's `kycStatus`, each one enum with its stored/wire name. The allowed moves are one
//! table each ([`APPLICATION_TRANSITIONS`], [`HANDOFF_TRANSITIONS`]); the server asserts every
//! move it makes against them, and `tests/states_table.rs` renders them into STATES.md.

use std::fmt;

use serde::Serialize;

/// An application's status as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationStatus {
    /// Recorded right before the provider's `information` call; never shown.
    Creating,
    /// The provider has the applicant's data; photos and reports may still change.
    Draft,
    /// One caller (on any instance) holds the submit's lease and is submitting it.
    Submitting,
    /// Submitted: the provider reviews it.
    Reviewing,
    Approved,
    Rejected,
}

impl ApplicationStatus {
    pub const ALL: [Self; 6] =
        [Self::Creating, Self::Draft, Self::Submitting, Self::Reviewing, Self::Approved, Self::Rejected];

    /// Past `draft`: a submit began, so nothing may be uploaded or staged any more.
    pub const PAST_DRAFT: [Self; 4] = [Self::Submitting, Self::Reviewing, Self::Approved, Self::Rejected];

    /// The provider has it: under review or decided (the user's staging is no longer needed).
    pub const SUBMITTED: [Self; 3] = [Self::Reviewing, Self::Approved, Self::Rejected];

    /// The provider's decision.
    pub const FINAL: [Self; 2] = [Self::Approved, Self::Rejected];

    /// Statuses the widget and the partner see as they are (`creating` and `submitting` are
    /// ours).
    pub const PUBLIC: [Self; 4] = [Self::Draft, Self::Reviewing, Self::Approved, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "creating",
            Self::Draft => "draft",
            Self::Submitting => "submitting",
            Self::Reviewing => "reviewing",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// `approved` or `rejected`: stays, whatever the provider says later.
    pub fn is_final(self) -> bool {
        Self::FINAL.contains(&self)
    }

    /// See [`Self::PAST_DRAFT`].
    pub fn is_past_draft(self) -> bool {
        Self::PAST_DRAFT.contains(&self)
    }

    /// See [`Self::SUBMITTED`].
    pub fn is_submitted(self) -> bool {
        Self::SUBMITTED.contains(&self)
    }

    /// See [`Self::PUBLIC`].
    pub fn is_public(self) -> bool {
        Self::PUBLIC.contains(&self)
    }

    /// What the widget and the partner's admin API show: `submitting` (a submit under way) is
    /// `reviewing`; `creating` is never shown.
    pub fn for_widget(self) -> Option<Self> {
        match self {
            Self::Creating => None,
            Self::Submitting => Some(Self::Reviewing),
            s => Some(s),
        }
    }

    /// What the partner's notifications name: a submit under way is still `draft` (a failed
    /// one going back to `draft` is no change at all); `creating` is never named. Only a
    /// [`Self::is_public`] status is notified.
    pub fn for_partner(self) -> Option<Self> {
        match self {
            Self::Creating => None,
            Self::Submitting => Some(Self::Draft),
            s => Some(s),
        }
    }

    /// Whether `from → to` is in [`APPLICATION_TRANSITIONS`].
    pub fn allowed(from: Self, to: Self) -> bool {
        APPLICATION_TRANSITIONS.iter().any(|&(f, t, _)| f == from && t == to)
    }
}

/// `status == "approved"`: a stored name compares equal to its status.
impl PartialEq<&str> for ApplicationStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ApplicationStatus {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl fmt::Display for ApplicationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every status change of an application, with why it happens. A final status never moves: a
/// provider reversal after `approved` / `rejected` is recorded in the history and notified,
/// but the status stays. A `creating` application the provider refuses is deleted.
pub const APPLICATION_TRANSITIONS: &[(ApplicationStatus, ApplicationStatus, &str)] = {
    use ApplicationStatus::*;
    &[
        (Creating, Draft, "the provider accepted the applicant's data (`information`)"),
        (Draft, Submitting, "a submit's claim: one caller wins the lease, no upload in flight"),
        (Submitting, Reviewing, "`merchantProcess` went through (the submit or the reconciler)"),
        (Submitting, Draft, "the submit failed (documents, reports, or the provider refused): submit again"),
        (Draft, Reviewing, "the provider says `reviewing` (webhook or poll)"),
        (Draft, Approved, "the provider's decision (webhook or poll)"),
        (Draft, Rejected, "the provider's decision (webhook or poll)"),
        (Submitting, Approved, "the provider's decision (webhook or poll)"),
        (Submitting, Rejected, "the provider's decision (webhook or poll)"),
        (Reviewing, Approved, "the provider's decision (webhook or poll)"),
        (Reviewing, Rejected, "the provider's decision (webhook or poll)"),
    ]
};

/// A phone handoff's state as stored. A user has at most one handoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandoffState {
    /// The link waits for a phone to claim it.
    Waiting,
    /// A phone claimed it and holds the capability.
    Connected,
    /// The phone said it is done (its capability still works until it runs out).
    Done,
    /// The desktop ended it.
    Cancelled,
    /// A second device claimed the link: it and the capability stop working.
    Taken,
}

impl HandoffState {
    pub const ALL: [Self; 5] = [Self::Waiting, Self::Connected, Self::Done, Self::Cancelled, Self::Taken];

    /// A phone holds a capability in these states (while it has not run out).
    pub const CLAIMED: [Self; 2] = [Self::Connected, Self::Done];

    /// Not ended: the link may still be claimed (while it has not expired).
    pub const OPEN: [Self; 3] = [Self::Waiting, Self::Connected, Self::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Connected => "connected",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
            Self::Taken => "taken",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// See [`Self::CLAIMED`].
    pub fn is_claimed(self) -> bool {
        Self::CLAIMED.contains(&self)
    }

    /// See [`Self::OPEN`].
    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// Whether `from → to` is in [`HANDOFF_TRANSITIONS`].
    pub fn allowed(from: Self, to: Self) -> bool {
        HANDOFF_TRANSITIONS.iter().any(|&(f, t, _)| f == from && t == to)
    }
}

impl fmt::Display for HandoffState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every state change of a handoff, with why it happens. A handoff is created `waiting`; a new
/// one replaces the user's earlier one whatever its state; a submit deletes it.
pub const HANDOFF_TRANSITIONS: &[(HandoffState, HandoffState, &str)] = {
    use HandoffState::*;
    &[
        (Waiting, Connected, "the first phone claims the link before it expires"),
        (Connected, Done, "the phone says it is done, while its capability works"),
        (Connected, Taken, "a second device claimed the link"),
        (Done, Taken, "a second device claimed the link"),
        (Waiting, Cancelled, "the desktop ends it"),
        (Connected, Cancelled, "the desktop ends it"),
        (Done, Cancelled, "the desktop ends it"),
        (Taken, Cancelled, "the desktop ends it"),
        (Connected, Waiting, "a new link replaces it"),
        (Done, Waiting, "a new link replaces it"),
        (Cancelled, Waiting, "a new link replaces it"),
        (Taken, Waiting, "a new link replaces it"),
    ]
};

/// A handoff as the desktop is shown it: its [`HandoffState`], `expired` (computed from the
/// times: a waiting link or a connected phone's capability ran out), or `none` (no handoff).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandoffView {
    None,
    Waiting,
    Connected,
    Done,
    Cancelled,
    Taken,
    Expired,
}

impl HandoffView {
    pub const ALL: [Self; 7] =
        [Self::None, Self::Waiting, Self::Connected, Self::Done, Self::Cancelled, Self::Taken, Self::Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Waiting => "waiting",
            Self::Connected => "connected",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
            Self::Taken => "taken",
            Self::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl From<HandoffState> for HandoffView {
    fn from(s: HandoffState) -> Self {
        match s {
            HandoffState::Waiting => Self::Waiting,
            HandoffState::Connected => Self::Connected,
            HandoffState::Done => Self::Done,
            HandoffState::Cancelled => Self::Cancelled,
            HandoffState::Taken => Self::Taken,
        }
    }
}

impl fmt::Display for HandoffView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// kyc-api: `kycStatus` ∈ `init`, `reviewing`, `approved`, `rejected` (`queryMerchantKyc`
/// and the provider's webhooks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderStatus {
    /// The provider has the data but no submit (`merchantProcess`) yet.
    Init,
    Reviewing,
    Approved,
    Rejected,
}

impl ProviderStatus {
    pub const ALL: [Self; 4] = [Self::Init, Self::Reviewing, Self::Approved, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Init => "init",
            Self::Reviewing => "reviewing",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The application status it means once the provider has the submit (`None` for `init`:
    /// it says nothing about ours).
    pub fn application_status(self) -> Option<ApplicationStatus> {
        match self {
            Self::Init => None,
            Self::Reviewing => Some(ApplicationStatus::Reviewing),
            Self::Approved => Some(ApplicationStatus::Approved),
            Self::Rejected => Some(ApplicationStatus::Rejected),
        }
    }
}

impl fmt::Display for ProviderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in ApplicationStatus::ALL {
            assert_eq!(ApplicationStatus::parse(s.as_str()), Some(s));
        }
        for s in HandoffState::ALL {
            assert_eq!(HandoffState::parse(s.as_str()), Some(s));
            assert_eq!(HandoffView::from(s).as_str(), s.as_str());
        }
        for s in HandoffView::ALL {
            assert_eq!(HandoffView::parse(s.as_str()), Some(s));
        }
        for s in ProviderStatus::ALL {
            assert_eq!(ProviderStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ApplicationStatus::parse("Draft"), None);
        assert_eq!(HandoffState::parse("expired"), None);
    }

    #[test]
    fn views() {
        use ApplicationStatus::*;
        assert_eq!(Submitting.for_widget(), Some(Reviewing));
        assert_eq!(Creating.for_widget(), None);
        assert_eq!(Submitting.for_partner(), Some(Draft));
        assert_eq!(Creating.for_partner(), None);
        for s in ApplicationStatus::ALL {
            assert_eq!(s.is_public(), s.for_widget() == Some(s) && s.for_partner() == Some(s), "{s}");
            assert_eq!(s.is_past_draft(), s == Submitting || s.is_submitted(), "{s}");
        }
    }

    #[test]
    fn the_tables_are_consistent() {
        for &(from, to, _) in APPLICATION_TRANSITIONS {
            assert_ne!(from, to);
            assert!(!from.is_final(), "a final status never moves: {from} → {to}");
            assert_ne!(to, ApplicationStatus::Creating, "nothing goes back to creating");
        }
        for &(from, to, _) in HANDOFF_TRANSITIONS {
            assert_ne!(from, to);
        }
    }
}
