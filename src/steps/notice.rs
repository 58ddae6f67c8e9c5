//! Inside another app (an in-app browser such as Instagram's or Facebook's, or an app's
//! WebView), the page's camera often fails: said before the person gets there — on the first
//! step and on the Photos step — with the ways out: open the page in the browser (on Android an
//! `intent://` link, which opens the default browser) or copy its link (shown too, for a
//! WebView with no clipboard). The Photos step's slots offer the phone's camera app and the
//! handoff themselves. Plain markup, no component of its own (each costs the first load).

use yew::prelude::*;

use crate::ctx::Ctx;
use crate::flow::Step;
use crate::i18n::Key;

/// `intent://` to the same page, which Android opens in the default browser.
pub fn intent_url(url: &str) -> Option<String> {
    // A char and a prefix (a `&str` pattern would bring the substring searcher in).
    let (scheme, rest) = url.split_once(':')?;
    let rest = rest.strip_prefix("//")?;
    matches!(scheme, "https" | "http").then(|| format!("intent://{rest}#Intent;scheme={scheme};end"))
}

/// The notice where it applies: inside another app, on the first step and the Photos step.
pub fn view(ctx: &Ctx) -> Html {
    let env = ctx.trace.environment();
    let url = ctx.handoff_url.clone();
    if !(matches!(ctx.flow.step, Step::Personal | Step::Photos) && env.embedded()) || url.is_empty() {
        return Html::default();
    }
    let on_copy = {
        let (trace, url, said) = (ctx.trace.clone(), url.clone(), ctx.i18n.t(Key::LinkCopied));
        Callback::from(move |e: MouseEvent| {
            trace.push("way_out", "copy_link");
            crate::copy_link(&e, &url, &said);
        })
    };
    let on_open = {
        let trace = ctx.trace.clone();
        Callback::from(move |_: MouseEvent| trace.push("way_out", "open_browser"))
    };
    let code = if env.in_app == "none" { "webview" } else { "in_app" };
    let open = if env.os == "android" { intent_url(&url) } else { None };
    html! {
        <div class="kyc-notice" role="note" data-kyc-notice={code}>
            <p class="kyc-notice-text">{ ctx.t(Key::InAppNotice) }</p>
            <div class="kyc-notice-actions">
                if let Some(href) = open {
                    <a class="kyc-button" href={href} data-kyc-way-out="open_browser" onclick={on_open}>{ ctx.t(Key::OpenInBrowser) }</a>
                }
                <button type="button" class="kyc-button" data-kyc-way-out="copy_link" onclick={on_copy}>{ ctx.t(Key::CopyLink) }</button>
            </div>
            <p class="kyc-notice-text" role="status"></p>
            <input class="kyc-input" readonly=true hidden=true value={url} aria-label={ctx.t(Key::CopyLink)} />
        </div>
    }
}
