//! Phone mode (docs/api.md "The widget in a page"): a page opened from the desktop's link
//! (`#kyc-handoff=<one-time token>`, the token only ever in the fragment). The page itself —
//! the claim of the link, the match code, guided capture, staging each photo, "Done — go back to
//! your computer" — is `kyc-capture`'s `openPhone`, in the lazily loaded module (it costs a
//! desktop's first load nothing); this side finds the token and hands the module its texts.

use wasm_bindgen::JsValue;

use crate::api::get;
use crate::ctx::Ctx;

/// The one-time token in the page's fragment (`#kyc-handoff=…`), if any.
pub fn token_in_fragment() -> Option<String> {
    let hash = get(&get(&web_sys::window()?.into(), "location"), "hash").as_string()?;
    let token = hash.trim_start_matches('#').split('&').find_map(|kv| kv.strip_prefix("kyc-handoff="))?;
    (!token.is_empty()).then(|| token.to_owned())
}

/// Opens phone mode in `host`; returns the module's page (its `close()` ends it).
pub async fn open(ctx: &Ctx, host: web_sys::Element, token: &str) -> Option<JsValue> {
    let module = crate::module::load(ctx).await.ok()?;
    let args = [
        &host.into(),
        &ctx.backend.base_url.clone().into(),
        &token.into(),
        &crate::module::texts(ctx),
        &crate::module::describe(ctx),
    ];
    crate::module::call(&module, "openPhone", &args).ok()
}
