//! `/__sandbox/...`: the inspection API of docs/api.md "The programs" and a small HTML console.
//! No signature needed; mounted by `sandbox` and `demo`, never by `serve`.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::store::ProviderStatus;
use crate::Sandbox;

pub fn routes(sb: Sandbox) -> Router {
    Router::new()
        .route("/__sandbox/", get(console))
        .route("/__sandbox/applications", get(list))
        .route("/__sandbox/applications/{request_no}", get(one))
        .route("/__sandbox/applications/{request_no}/files/{kind}", get(file))
        .route("/__sandbox/applications/{request_no}/decision", post(decision))
        .with_state(sb)
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"error": "no such application or file"}))).into_response()
}

async fn list(State(sb): State<Sandbox>) -> Json<Value> {
    let store = sb.lock();
    let items: Vec<Value> = store
        .order
        .iter()
        .filter_map(|rn| store.apps.get(rn).map(|a| (rn, a)))
        .map(|(rn, a)| json!({"requestNo": rn, "email": a.email, "kycStatus": a.status, "createdAt": a.created_at}))
        .collect();
    Json(Value::Array(items))
}

async fn one(State(sb): State<Sandbox>, Path(request_no): Path<String>) -> Response {
    let store = sb.lock();
    let Some(a) = store.apps.get(&request_no) else {
        return not_found();
    };
    let files: Vec<Value> = a
        .file_order
        .iter()
        .filter_map(|t| a.files.get(t).map(|f| (t, f)))
        .map(|(t, f)| json!({"type": t, "size": f.bytes.len(), "mediaType": f.media_type, "sha256": f.sha256}))
        .collect();
    Json(json!({
        "request": a.request,
        "kycStatus": a.status,
        "files": files,
        "webhooks": a.webhooks,
        "calls": a.calls,
    }))
    .into_response()
}

async fn file(State(sb): State<Sandbox>, Path((request_no, kind)): Path<(String, String)>) -> Response {
    let store = sb.lock();
    match store.apps.get(&request_no).and_then(|a| a.files.get(&kind)) {
        Some(f) => ([(header::CONTENT_TYPE, f.media_type)], f.bytes.clone()).into_response(),
        None => not_found(),
    }
}

/// Forces `approved` / `rejected` (JSON `{"kycStatus"}`, or the console's form post).
async fn decision(
    State(sb): State<Sandbox>,
    Path(request_no): Path<String>,
    h: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let is_form = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let wanted = if is_form {
        String::from_utf8_lossy(&body).split('&').find_map(|p| p.strip_prefix("kycStatus=").map(str::to_owned))
    } else {
        serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("kycStatus").and_then(Value::as_str).map(str::to_owned))
    };
    let Some(status @ (ProviderStatus::Approved | ProviderStatus::Rejected)) =
        wanted.as_deref().and_then(ProviderStatus::parse)
    else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "kycStatus must be \"approved\" or \"rejected\""})))
            .into_response();
    };
    if !sb.lock().apps.contains_key(&request_no) {
        return not_found();
    }
    crate::api::set_status(&sb, &request_no, status);
    if is_form {
        return Redirect::to("/__sandbox/").into_response();
    }
    Json(json!({"requestNo": request_no, "kycStatus": status})).into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A plain HTML page (no script, no inline style): applications and buttons to force a decision.
async fn console(State(sb): State<Sandbox>) -> Response {
    let store = sb.lock();
    let mut rows = String::new();
    for rn in store.order.iter().rev() {
        let Some(a) = store.apps.get(rn) else {
            continue;
        };
        let rn_e = escape(rn);
        let files: Vec<&str> = a.file_order.iter().map(String::as_str).collect();
        rows.push_str(&format!(
            "<tr><td><a href=\"/__sandbox/applications/{rn_e}\">{rn_e}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>\
             <form method=\"post\" action=\"/__sandbox/applications/{rn_e}/decision\"><button name=\"kycStatus\" value=\"approved\">Approve</button> \
             <button name=\"kycStatus\" value=\"rejected\">Reject</button></form></td></tr>",
            escape(&a.email),
            a.status.as_str(),
            escape(&files.join(", ")),
            escape(&a.created_at),
        ));
    }
    if rows.is_empty() {
        rows.push_str("<tr><td colspan=\"6\">No applications yet.</td></tr>");
    }
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>KYC sandbox console</title></head><body>\
         <h1>KYC sandbox console</h1><p>Applications received by this sandbox (newest first). Forcing a decision fires the webhook.</p>\
         <table><thead><tr><th>requestNo</th><th>Email</th><th>Status</th><th>Files</th><th>Created</th><th>Decision</th></tr></thead>\
         <tbody>{rows}</tbody></table></body></html>"
    );
    ([(header::CONTENT_SECURITY_POLICY, "default-src 'none'; form-action 'self'; frame-ancestors 'none'")], Html(page))
        .into_response()
}
