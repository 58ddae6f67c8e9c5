//! Phone mode (docs/api.md "The widget in a page"): a page opened from the desktop's link
//! (`#kyc-handoff=<one-time token>`, the token only ever in the fragment). The page itself —
//! the claim of the link, the match code, guided capture, staging each photo, "Done — go back to
//! your computer" — is the capture module's `openPhone` (it costs a desktop's first load
//! nothing); this side finds the token and opens it.

use crate::api::get;
use crate::capture::CapturePhone;
use crate::ctx::Ctx;

/// The one-time token in the page's fragment (`#kyc-handoff=…`), if any.
pub fn token_in_fragment() -> Option<String> {
    let hash = get(&get(&web_sys::window()?.into(), "location"), "hash").as_string()?;
    let token = hash.trim_start_matches('#').split('&').find_map(|kv| kv.strip_prefix("kyc-handoff="))?;
    (!token.is_empty()).then(|| token.to_owned())
}

/// Opens phone mode in `host`; returns the module's page (its `close_page()` ends it).
pub async fn open(ctx: &Ctx, host: web_sys::Element, token: &str) -> Option<CapturePhone> {
    let module = crate::capture::load(ctx).await.ok()?;
    crate::capture::open_phone(ctx, &module, &host, token)
}
