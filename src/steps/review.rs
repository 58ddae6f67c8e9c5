//! Step "Review": every value (the SSN masked but its last 4), an "Edit" per section, and
//! "Submit", which sends the application and the photos with per-photo progress.

use kyc_domain::address::Ssn;
use kyc_domain::capture::PhotoStage;
use kyc_domain::photo::DocumentKind;
use kyc_domain::Field;
use yew::prelude::*;

use super::frame::{step_frame, StepFrameProps};
use crate::ctx::Ctx;
use crate::flow::{Sending, Step};
use crate::i18n::Key;

fn option_label(ctx: &Ctx, field: Field, value: &str) -> String {
    let key = match (field, value) {
        (Field::Gender, "1") => Some(Key::Male),
        (Field::Gender, "2") => Some(Key::Female),
        (Field::IdDocType, "1") => Some(Key::IdCard),
        (Field::IdDocType, "2") => Some(Key::Passport),
        (Field::IdDocType, "3") => Some(Key::ResidencePermit),
        (Field::IdDocType, "4") => Some(Key::DriversLicence),
        _ => None,
    };
    if let Some(k) = key {
        return ctx.i18n.t(k);
    }
    if matches!(field, Field::Nationality | Field::AddressCountry) {
        if let Some((_, name)) = ctx.countries.iter().find(|(c, _)| c == value) {
            return name.clone();
        }
    }
    value.to_owned()
}

pub fn view(ctx: &Ctx, on_submit: Callback<()>, slots: &super::photos::Photos) -> Html {
    let f = &ctx.flow;
    let busy = f.sending == Sending::Working;
    let row = |label: Key, field: Field| {
        let raw = f.value(field);
        let shown = match field {
            Field::Ssn => Ssn::parse(&raw).map(|s| s.masked()).unwrap_or_default(),
            Field::ValidUntil if f.no_expiry => ctx.i18n.t(Key::DoesNotExpire),
            // A date as the rulebook reads it (`YYYY-MM-DD`), the parts typed made whole.
            Field::Dob | Field::ValidUntil => f.date(field).unwrap_or_else(|| ctx.i18n.t(Key::NotProvided)),
            _ if raw.trim().is_empty() => ctx.i18n.t(Key::NotProvided),
            _ => option_label(ctx, field, raw.trim()),
        };
        html! { <div class="kyc-review-row"><dt>{ ctx.t(label) }</dt><dd>{ shown }</dd></div> }
    };
    let section = |step: Step, rows: Html| {
        let go = ctx.go(step);
        let title = ctx.i18n.t(step.title());
        html! {
            <section class="kyc-review-section">
                <div class="kyc-review-head">
                    <h3 class="kyc-review-title">{ title.clone() }</h3>
                    <button type="button" class="kyc-link" onclick={go.reform(|_| ())} disabled={busy}
                        aria-label={format!("{} — {title}", ctx.i18n.t(Key::Edit))}>{ ctx.t(Key::Edit) }</button>
                </div>
                <dl class="kyc-review-list">{ rows }</dl>
            </section>
        }
    };
    let us = f.is_us();
    let photos = html! {
        { for DocumentKind::ALL.into_iter().filter(|k| f.photo(*k).present()).map(|k| {
            let name = ctx.i18n.t(Step::label(k.field()));
            let state = match f.photo(k) {
                PhotoStage::Failed => html! { <p class="kyc-error" role="alert">{ ctx.t(Key::UploadFailed) }</p> },
                PhotoStage::Sending => html! { <p class="kyc-photo-status">{ ctx.t(Key::PhotoReady) }</p> },
                _ => html! { <p class="kyc-photo-status kyc-ok">{ ctx.t(Key::Uploaded) }</p> },
            };
            html! { <div class="kyc-review-row"><dt>{ name }</dt><dd>{ state }</dd></div> }
        }) }
    };
    let failed = match &f.sending {
        Sending::Failed(k) => Some(*k),
        _ => None,
    };
    let retry = on_submit.clone();
    let children = html! {
        <>
            if let Some(k) = failed {
                <div class="kyc-summary" role="alert">
                    <p>{ ctx.t(k) }</p>
                    <button type="button" class="kyc-button" onclick={retry.reform(|_| ())}>{ ctx.t(Key::TryAgain) }</button>
                </div>
            }
            if f.document_read {
                <div class="kyc-doc-review" aria-live="polite" ref={slots.host.clone()}></div>
            }
            { section(Step::Personal, html! { <>
                { row(Key::FirstName, Field::FirstName) }{ row(Key::LastName, Field::LastName) }{ row(Key::Email, Field::Email) }
                { row(Key::DateOfBirth, Field::Dob) }{ row(Key::Gender, Field::Gender) }{ row(Key::Nationality, Field::Nationality) }
            </> }) }
            { section(Step::Document, html! { <>
                { row(Key::DocumentType, Field::IdDocType) }{ row(Key::DocumentNumber, Field::DocumentNumber) }{ row(Key::ExpiryDate, Field::ValidUntil) }
            </> }) }
            { section(Step::Address, html! { <>
                { row(Key::Country, Field::AddressCountry) }{ row(if us { Key::State } else { Key::StateOther }, Field::State) }
                { row(Key::City, Field::City) }{ row(Key::Street, Field::Street) }{ row(Key::Zip, Field::ZipCode) }
                if us { { row(Key::Ssn, Field::Ssn) } }
            </> }) }
            { section(Step::Photos, photos) }
        </>
    };
    step_frame(
        ctx,
        StepFrameProps { step: Step::Review, children, on_continue: on_submit, continue_label: Key::Submit, busy },
    )
}
