//! Step "Result": approved, rejected, or under review (polled by the app with backoff).

use kyc_domain::ApplicationStatus;
use yew::prelude::*;

use crate::ctx::Ctx;
use crate::i18n::Key;

pub fn view(ctx: &Ctx) -> Html {
    let status = ctx.flow.status.clone().unwrap_or_default();
    let key = match ApplicationStatus::parse(&status) {
        Some(ApplicationStatus::Approved) => Key::ResultApproved,
        Some(ApplicationStatus::Rejected) => Key::ResultRejected,
        Some(ApplicationStatus::Reviewing) => Key::ResultReviewing,
        _ => Key::Checking,
    };
    let heading_id = format!("{}-heading", ctx.prefix);
    html! {
        <section class="kyc-step kyc-result" aria-labelledby={heading_id.clone()}>
            <h2 class="kyc-step-title" id={heading_id} tabindex="-1">{ ctx.t(Key::StepResult) }</h2>
            <p class="kyc-status" data-status={status} role="status">{ ctx.t(key) }</p>
        </section>
    }
}
