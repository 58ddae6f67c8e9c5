//! The texts the capture module shows, by their names in `www/locales/en.json` (the one source
//! of texts). Read by this crate's `build.rs` (their English built into the module, their names
//! exported as `textKeys()` for the widget to fill from its locale and the host's strings) and
//! by the widget's `build.rs` (the module's own texts are not compiled into the widget).

/// Shown only by the capture module: every `handoff_*`, `phone_*` and `scan_*` text, and these.
const ONLY: &[&str] = &[
    "optional",
    // The reader module's "Scan your ID" says it too (its own English built in).
    "use_camera",
    "photo_take",
    "photo_upload",
    "photo_retake",
    "photo_camera_app",
    "close_camera",
    "preview_of",
    "blurry",
    "processing",
    "uploading",
    "take_photo",
    "switch_camera",
    "camera_view",
    "camera_denied",
    "camera_denied_ios",
    "camera_denied_android",
    "camera_explain",
    "camera_missing",
    "camera_busy",
    "camera_failed",
    "aim_card",
    "aim_passport",
    "aim_face",
    "hint_too_dark",
    "hint_too_bright",
    "hint_glare",
    "hint_move_closer",
    "hint_move_back",
    "hint_move_left",
    "hint_move_right",
    "hint_straighten",
    "hint_hold_still",
    "hint_ready",
    "continue_on_phone",
    "continue_on_phone_failed",
    "heic_unsupported",
];

/// Shown by the widget too.
const SHARED: &[&str] = &["front_of_id", "back_of_id", "face", "uploaded", "upload_failed", "network_error"];

/// Shown only by the reader module ("Scan your ID", Review's differences from the ID): not
/// built into the widget (they count as the capture module's there) nor into this module; the
/// reader has their English and asks the widget for the locale's by name.
#[allow(dead_code)]
pub fn only_reader(key: &str) -> bool {
    key.starts_with("scan_")
}

/// Whether only the capture module shows the text named `key`.
pub fn only_capture(key: &str) -> bool {
    key.starts_with("handoff_") || key.starts_with("phone_") || key.starts_with("scan_") || ONLY.contains(&key)
}

/// Whether the capture module shows the text named `key`.
#[allow(dead_code)] // The widget's build.rs needs only `only_capture`.
pub fn shown(key: &str) -> bool {
    only_capture(key) || SHARED.contains(&key)
}

/// The names listed here (each must be in en.json).
#[allow(dead_code)]
pub fn listed() -> impl Iterator<Item = &'static str> {
    ONLY.iter().chain(SHARED).copied()
}
