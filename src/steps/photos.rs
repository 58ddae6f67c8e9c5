//! Step "Photos": front of ID, back of ID (optional), face. Each is checked and cleaned in the
//! browser before anything is sent; a camera can be used where one exists.

use kyc_domain::document::IdDocType;
use kyc_domain::photo::DocumentKind;
use kyc_domain::quality::Shape;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::frame::{step_frame, StepFrameProps};
use crate::camera::Camera;
use crate::ctx::Ctx;
use crate::flow::{Action, Slot, Step, Upload};
use crate::i18n::Key;
use crate::photo;

pub fn slot_label(kind: DocumentKind) -> Key {
    match kind {
        DocumentKind::IdFront => Key::FrontOfId,
        DocumentKind::IdBack => Key::BackOfId,
        DocumentKind::Face => Key::Face,
    }
}

/// Runs the cleaning pipeline on a chosen or captured image, stores the outcome and stages the
/// photo on the backend at once (so a reload, or the desktop a phone works for, has it).
pub fn accept_image(ctx: &Ctx, kind: DocumentKind, blob: web_sys::Blob, source: &'static str) {
    let (flow, backend, loader) = (ctx.flow.clone(), ctx.backend.clone(), ctx.callbacks.load_capture.clone());
    flow.dispatch(Action::Photo(kind, Slot::Processing));
    wasm_bindgen_futures::spawn_local(async move {
        match photo::clean(&blob, source, loader.clone()).await {
            Ok(p) => {
                flow.dispatch(Action::Photo(kind, Slot::Ready { photo: p.clone(), upload: Upload::Pending }));
                crate::upload::stage(&flow, &backend, kind, &p, loader).await;
            }
            Err(v) => flow.dispatch(Action::Photo(kind, Slot::Refused(v))),
        }
    });
}

#[derive(Properties, PartialEq)]
pub struct SlotProps {
    pub kind: DocumentKind,
}

#[component]
pub fn PhotoSlot(p: &SlotProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let camera_open = use_state(|| false);
    let has_camera = crate::camera::use_camera_available();
    let kind = p.kind;
    let field = kind.field();
    let name = ctx.i18n.t(slot_label(kind));
    let common = ctx.common(field, slot_label(kind), None);
    let slot = ctx.flow.slot(kind).clone();
    let onchange = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                accept_image(&ctx, kind, file.unchecked_into(), "file");
            }
            input.set_value("");
        })
    };
    let status_id = format!("{}-status", common.id);
    let refused = match &slot {
        Slot::Refused(v) => Some(ctx.i18n.error(v)),
        _ => None,
    };
    let error = common.error.clone();
    let invalid = error.is_some() || refused.is_some();
    let described = [error.as_ref().map(|_| format!("{}-error", common.id)), Some(status_id.clone())]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let status: Html = match &slot {
        Slot::Empty => html! {},
        Slot::Stored => html! { <p class="kyc-photo-status kyc-ok">{ ctx.t(Key::Uploaded) }</p> },
        Slot::Processing => html! { <p class="kyc-photo-status" role="status">{ ctx.t(Key::Processing) }</p> },
        Slot::Refused(v) => html! {
            <p class="kyc-error" data-field={field.path()} data-code={v.code.as_str()}>{ refused.clone().unwrap_or_default() }</p>
        },
        Slot::Ready { photo, upload } => html! {
            <>
                <img class="kyc-preview" src={photo.url.clone()} alt={ctx.i18n.fill(Key::PreviewOf, &[("name", &name)])} />
                if photo.blurry { <p class="kyc-warning">{ ctx.t(Key::Blurry) }</p> }
                { upload_status(&ctx, upload, &name) }
            </>
        },
    };
    // The outline the camera preview shows: the face oval, a passport's data page, or an ID-1 card.
    let shape = match kind {
        DocumentKind::Face => Shape::Face,
        _ if IdDocType::parse(&ctx.flow.value(kyc_domain::Field::IdDocType)) == Ok(IdDocType::Passport) => {
            Shape::Passport
        }
        _ => Shape::Card,
    };
    let optional =
        (!kind.is_required()).then(|| html! { <span class="kyc-optional">{" "}{ ctx.t(Key::Optional) }</span> });
    let on_capture = {
        let (ctx, camera_open) = (ctx.clone(), camera_open.clone());
        Callback::from(move |blob: Option<web_sys::Blob>| {
            camera_open.set(false);
            if let Some(b) = blob {
                accept_image(&ctx, kind, b, "camera");
            }
        })
    };
    html! {
        <fieldset class={classes!("kyc-photo", invalid.then_some("kyc-field--invalid"))}>
            <legend class="kyc-label">{ name.clone() }{ optional }</legend>
            <label class="kyc-file-label" for={common.id.clone()}>{ name.clone() }</label>
            <input class="kyc-file" type="file" id={common.id.clone()} accept="image/jpeg,image/png" onchange={onchange.clone()}
                aria-invalid={invalid.then_some("true")} aria-describedby={described} />
            if has_camera && !*camera_open {
                <button type="button" class="kyc-button" onclick={let c = camera_open.clone(); move |_| c.set(true)}>{ ctx.t(Key::UseCamera) }</button>
            }
            if *camera_open { <Camera {shape} on_done={on_capture} /> }
            if !has_camera && crate::camera::is_touch_device() {
                <label class="kyc-button" for={format!("{}-capture", common.id)}>{ ctx.t(Key::UseCamera) }</label>
                <input class="kyc-file kyc-file--capture" type="file" id={format!("{}-capture", common.id)} accept="image/jpeg,image/png"
                    capture={if kind == DocumentKind::Face { "user" } else { "environment" }} {onchange} />
            }
            if let Some((f, code, msg)) = error {
                <p class="kyc-error" id={format!("{}-error", common.id)} data-field={f} data-code={code}>{ msg }</p>
            }
            <div id={status_id} class="kyc-photo-state" aria-live="polite">{ status }</div>
        </fieldset>
    }
}

/// A photo's upload state: ready, a progress bar, uploaded, or failed.
pub fn upload_status(ctx: &Ctx, upload: &Upload, name: &str) -> Html {
    let label = ctx.i18n.fill(Key::UploadOf, &[("name", name)]);
    match *upload {
        Upload::Pending => html! { <p class="kyc-photo-status">{ ctx.t(Key::PhotoReady) }</p> },
        Upload::Progress(pct) => html! {
            <div class="kyc-upload" role="status">
                <progress class="kyc-progress" max="100" value={pct.to_string()} aria-label={label}></progress>
                <span class="kyc-photo-status">{ ctx.i18n.fill(Key::Uploading, &[("pct", &pct.to_string())]) }</span>
            </div>
        },
        Upload::Done => html! { <p class="kyc-photo-status kyc-ok" role="status">{ ctx.t(Key::Uploaded) }</p> },
        Upload::Failed => html! { <p class="kyc-error" role="alert">{ ctx.t(Key::UploadFailed) }</p> },
    }
}

pub fn view(ctx: &Ctx, on_continue: Callback<()>, handoff: &super::handoff::Handoff) -> Html {
    let children = html! {
        <>
            { for DocumentKind::ALL.into_iter().map(|kind| html! { <PhotoSlot {kind} /> }) }
            if !ctx.handoff_url.is_empty() { { super::handoff::view(ctx, handoff) } }
        </>
    };
    step_frame(
        ctx,
        StepFrameProps { step: Step::Photos, children, on_continue, continue_label: Key::Continue, busy: false },
    )
}
