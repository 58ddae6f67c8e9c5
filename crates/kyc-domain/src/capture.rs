//! The words the widget and its lazily loaded capture module (`kyc-capture`) share: where a
//! photo slot stands and what the module tells the widget. The photo kinds are
//! [`crate::DocumentKind`], the outlines [`crate::quality::Shape`].

/// Where a photo slot stands, as the capture module reports it to the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoStage {
    Empty,
    /// Being cleaned.
    Busy,
    /// Cleaned and shown, being sent (the widget's Submit waits for it).
    Sending,
    /// On the backend (staged, or already with the application).
    Staged,
    /// Cleaned and kept in the module; its staging failed (sent again at Submit).
    Failed,
}

impl PhotoStage {
    pub const ALL: [Self; 5] = [Self::Empty, Self::Busy, Self::Sending, Self::Staged, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Busy => "busy",
            Self::Sending => "sending",
            Self::Staged => "staged",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether the slot holds a photo, in the module or on the backend.
    pub fn present(self) -> bool {
        matches!(self, Self::Sending | Self::Staged | Self::Failed)
    }
}

/// What the capture module tells the widget, through its `onEvent(name, value)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureEvent {
    /// A slot changed: the value is the [`PhotoStage`] name of each slot, in
    /// [`crate::DocumentKind::ALL`]'s order.
    Photos,
    /// The phone is done (the desktop's "Continue on your phone").
    Done,
    /// A document was read: the value is `[onlyEmpty, path, value, path, value, …]`, the values
    /// in the draft's formats; `onlyEmpty`: fill only the fields still empty (a back of ID taken
    /// on the Photos step), else every one ("Scan your ID").
    Document,
    /// Review's "Edit" beside a field that differs from the document: the value is its path.
    Edit,
    /// Something for the widget's diagnostics trace (`crate::diagnostics`): the value is
    /// `[kind, code]`, words of its vocabulary (a code outside it is kept as `other`).
    Trace,
}

impl CaptureEvent {
    pub const ALL: [Self; 5] = [Self::Photos, Self::Done, Self::Document, Self::Edit, Self::Trace];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Photos => "photos",
            Self::Done => "done",
            Self::Document => "document",
            Self::Edit => "edit",
            Self::Trace => "trace",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::Shape;

    #[test]
    fn names_round_trip() {
        for s in PhotoStage::ALL {
            assert_eq!(PhotoStage::parse(s.as_str()), Some(s));
        }
        for e in CaptureEvent::ALL {
            assert_eq!(CaptureEvent::parse(e.as_str()), Some(e));
        }
        for s in Shape::ALL {
            assert_eq!(Shape::parse(s.as_str()), Some(s));
        }
        assert_eq!(PhotoStage::parse("Staged"), None);
    }
}
