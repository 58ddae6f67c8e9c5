//! The frame of a form step: heading (focused on arrival), "Step n of 5", the error summary
//! whose entries move focus to their field, the step's fields, and Back / Continue.

use yew::prelude::*;

use crate::ctx::{field_id, Ctx};
use crate::flow::Step;
use crate::i18n::Key;

/// What a step puts in its frame.
pub struct StepFrameProps {
    pub step: Step,
    pub children: Html,
    pub on_continue: Callback<()>,
    pub continue_label: Key,
    pub busy: bool,
}

/// Focuses the control with `id` inside `root` (works inside a shadow root too); for a group
/// (a date's day, month and year) its first control.
pub fn focus_in(root: &web_sys::Element, id: &str) {
    use wasm_bindgen::JsCast;
    let el = root.query_selector(&format!("#{id}:not(fieldset),#{id} :is(input,select)")).ok().flatten();
    if let Some(el) = el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.focus();
    }
}

/// The frame (a plain function: it holds no state).
pub fn step_frame(ctx: &Ctx, p: StepFrameProps) -> Html {
    let onsubmit = {
        let cb = p.on_continue.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit(());
        })
    };
    let heading_id = format!("{}-heading", ctx.prefix);
    let total = Step::INDICATED.len().to_string();
    let n = p.step.number().to_string();
    let errors = &ctx.flow.errors;
    let summary = (ctx.flow.summary && !errors.is_empty()).then(|| {
        html! {
            <div class="kyc-summary" role="alert" aria-labelledby={format!("{}-summary", ctx.prefix)}>
                <p class="kyc-summary-title" id={format!("{}-summary", ctx.prefix)}>{ ctx.t(Key::FixErrors) }</p>
                <ul class="kyc-summary-list">
                    { for errors.iter().map(|e| {
                        let id = field_id(&ctx.prefix, e.field);
                        let root = ctx.root.clone();
                        let msg = ctx.i18n.field_error(e);
                        let entry = ctx.i18n.fill(Key::SummaryEntry, &[("field", &ctx.i18n.t(Step::label(e.field))), ("message", &msg)]);
                        let href = format!("#{id}");
                        let onclick = Callback::from(move |ev: MouseEvent| {
                            ev.prevent_default();
                            focus_in(&root, &id);
                        });
                        html! { <li><a class="kyc-link" {href} {onclick}>{ entry }</a></li> }
                    }) }
                </ul>
            </div>
        }
    });
    let back = (p.step != Step::Personal).then(|| {
        let go = ctx.go(p.step.prev());
        html! { <button type="button" class="kyc-button" onclick={go.reform(|_| ())} disabled={p.busy}>{ ctx.t(Key::Back) }</button> }
    });
    html! {
        <form class="kyc-step" {onsubmit} novalidate=true aria-labelledby={heading_id.clone()}>
            <h2 class="kyc-step-title" id={heading_id} tabindex="-1">{ ctx.t(p.step.title()) }</h2>
            <p class="kyc-step-count">{ ctx.i18n.fill(Key::StepOf, &[("n", &n), ("total", &total)]) }</p>
            { summary }
            { p.children }
            <div class="kyc-actions">
                { back }
                <button type="submit" class="kyc-button kyc-button--primary" disabled={p.busy} aria-busy={p.busy.then_some("true")}>
                    { if p.busy { ctx.t(Key::Sending) } else { ctx.t(p.continue_label) } }
                </button>
            </div>
        </form>
    }
}
