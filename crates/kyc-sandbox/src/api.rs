//! The upstream API at its documented paths (kyc-api "Flow").

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use kyc_domain::canonical_json;
use kyc_domain::country::US_STATES;
use kyc_domain::photo::{ImageFormat, MAX_PHOTO_BYTES};
use kyc_domain::signing::request_path;
use kyc_domain::wire::{codes, Envelope};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

use crate::auth::{self, Credentials};
use crate::store::{Application, ProviderStatus, StoredFile};
use crate::{validate, webhook, Sandbox};

pub const INFORMATION: &str = "/open/api/kyc/share/information";
pub const FILE_UPLOAD: &str = "/open/api/kyc/share/fileUpload";
pub const MERCHANT_PROCESS: &str = "/open/api/kyc/share/merchantProcess";
pub const QUERY: &str = "/open/api/kyc/share/queryMerchantKyc/{request_no}";
pub const US_STATES_PATH: &str = "/open/api/card/enum/us/states";

/// Upload types and what each must be.
const PHOTO_TYPES: [&str; 3] = ["idFront", "idBack", "face"];
const PDF_TYPES: [&str; 2] = ["amlReport", "idvReport"];
/// Required before `merchantProcess` (kyc-api: all but `idBack`).
const REQUIRED_FILES: [&str; 4] = ["idFront", "face", "amlReport", "idvReport"];

pub fn routes(sb: Sandbox) -> Router {
    Router::new()
        .route(INFORMATION, post(information))
        .route(
            FILE_UPLOAD,
            // The 5,000,000-byte file plus the multipart framing and the two small fields.
            post(file_upload).layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES as usize + 64 * 1024)),
        )
        .route(MERCHANT_PROCESS, get(merchant_process))
        .route(QUERY, post(query))
        .route(US_STATES_PATH, get(us_states))
        .with_state(sb)
}

type Answer = Json<Value>;

fn trace_id() -> String {
    crate::random_hex(16)
}

fn ok(model: &Value) -> Answer {
    Json(Envelope::ok_value(Some(model), &trace_id()))
}

fn err(code: i64, msg: &str) -> Answer {
    Json(Envelope::error_value(code, msg, &trace_id()))
}

fn check(sb: &Sandbox, h: &HeaderMap, method: &str, path: &str, body: &str) -> Result<(), Answer> {
    let c = sb.config();
    let creds = Credentials { scheme: c.scheme, app_key: &c.app_key, app_secret: &c.app_secret };
    auth::verify(&creds, h, method, path, body, crate::now_ms()).map_err(|e| {
        tracing::warn!(code = e.code, "sandbox refused a request's authentication");
        err(e.code, e.msg)
    })
}

async fn information(State(sb): State<Sandbox>, h: HeaderMap, body: Bytes) -> Answer {
    let Ok(raw) = std::str::from_utf8(&body) else {
        return err(codes::INVALID_PARAMETER, "invalid parameter: body is not UTF-8");
    };
    if let Err(e) = check(&sb, &h, "POST", INFORMATION, raw) {
        return e;
    }
    let Ok(value) = serde_json::from_str::<Value>(raw) else {
        return err(codes::INVALID_PARAMETER, "invalid parameter: body is not JSON");
    };
    let accepted = match validate::information(&value) {
        Ok(a) => a,
        Err(e) => return err(e.code, &e.msg),
    };
    let mut store = sb.lock();
    if store.apps.contains_key(&accepted.request_no) {
        return err(codes::DUPLICATE_REQUEST_NO, "duplicate requestNo");
    }
    if store.apps.values().any(|a| a.email == accepted.email) {
        return err(codes::INVALID_PARAMETER, "invalid parameter: email is already used by another application");
    }
    store.order.push(accepted.request_no.clone());
    store.apps.insert(
        accepted.request_no.clone(),
        Application {
            request: value,
            email: accepted.email,
            last_name: accepted.last_name,
            callback_url: accepted.callback_url,
            status: ProviderStatus::Init,
            created_at: crate::now_rfc3339(),
            file_order: Vec::new(),
            files: HashMap::new(),
            webhooks: Vec::new(),
            calls: [("information", 1)].into_iter().collect(),
        },
    );
    tracing::info!("sandbox stored an application");
    ok(&json!({"requestNo": accepted.request_no, "kycStatus": ProviderStatus::Init.as_str()}))
}

async fn file_upload(State(sb): State<Sandbox>, h: HeaderMap, mut form: Multipart) -> Answer {
    let (mut file, mut request_no, mut kind) = (None::<Bytes>, None::<String>, None::<String>);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return err(
                    codes::INVALID_PARAMETER,
                    "invalid parameter: file is larger than 5000000 bytes or the form is malformed",
                )
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let Ok(data) = field.bytes().await else {
            return err(
                codes::INVALID_PARAMETER,
                "invalid parameter: file is larger than 5000000 bytes or the form is malformed",
            );
        };
        match name.as_str() {
            "file" => file = Some(data),
            "requestNo" => request_no = Some(String::from_utf8_lossy(&data).into_owned()),
            "type" => kind = Some(String::from_utf8_lossy(&data).into_owned()),
            _ => {
                return err(
                    codes::INVALID_PARAMETER,
                    &format!("invalid parameter: unexpected part {}", name.escape_debug()),
                )
            }
        }
    }
    // kyc-api (project decision): the prehash body of an upload is the canonical JSON of its
    // non-file fields.
    let signed = canonical_json(&json!({"requestNo": request_no, "type": kind}));
    if let Err(e) = check(&sb, &h, "POST", FILE_UPLOAD, &signed) {
        return e;
    }
    let Some(request_no) = request_no.filter(|s| !s.is_empty()) else {
        return err(codes::MISSING_PARAMETER, "missing parameter: requestNo");
    };
    let Some(kind) = kind.filter(|s| !s.is_empty()) else {
        return err(codes::MISSING_PARAMETER, "missing parameter: type");
    };
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        return err(codes::MISSING_PARAMETER, "missing parameter: file");
    };
    if file.len() as u64 > MAX_PHOTO_BYTES {
        return err(codes::INVALID_PARAMETER, "invalid parameter: file is larger than 5000000 bytes");
    }
    let media_type = if PHOTO_TYPES.contains(&kind.as_str()) {
        match ImageFormat::sniff(&file) {
            Some(f) => f.media_type(),
            None => return err(codes::INVALID_PARAMETER, "invalid parameter: file must be JPEG or PNG"),
        }
    } else if PDF_TYPES.contains(&kind.as_str()) {
        if !file.starts_with(b"%PDF-") {
            return err(codes::INVALID_PARAMETER, "invalid parameter: file must be a PDF");
        }
        "application/pdf"
    } else {
        return err(codes::INVALID_PARAMETER, "invalid parameter: type");
    };
    let mut store = sb.lock();
    let Some(app) = store.apps.get_mut(&request_no) else {
        return err(codes::INVALID_PARAMETER, "invalid parameter: requestNo is unknown");
    };
    *app.calls.entry("fileUpload").or_default() += 1;
    if app.status != ProviderStatus::Init {
        return err(codes::VALIDATION_ERROR, "validation error: the application was already submitted");
    }
    let sha256 = hex::encode(Sha256::digest(&file));
    if !app.files.contains_key(&kind) {
        app.file_order.push(kind.clone());
    }
    // A second upload of a type replaces the first.
    app.files.insert(kind.clone(), StoredFile { media_type, sha256, bytes: file.to_vec() });
    ok(&json!({"requestNo": request_no, "type": kind}))
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex_pair =
            b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex_pair) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(v)) => {
                out.push(v);
                i += 2;
            }
            (c, _) => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn merchant_process(State(sb): State<Sandbox>, h: HeaderMap, RawQuery(q): RawQuery) -> Answer {
    let pairs = query_pairs(q.as_deref());
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    if let Err(e) = check(&sb, &h, "GET", &request_path(MERCHANT_PROCESS, &borrowed), "") {
        return e;
    }
    let Some(request_no) = pairs.iter().find(|(k, v)| k == "requestNo" && !v.is_empty()).map(|(_, v)| v.clone()) else {
        return err(codes::MISSING_PARAMETER, "missing parameter: requestNo");
    };
    let status = {
        let mut store = sb.lock();
        let Some(app) = store.apps.get_mut(&request_no) else {
            return err(codes::INVALID_PARAMETER, "invalid parameter: requestNo is unknown");
        };
        *app.calls.entry("merchantProcess").or_default() += 1;
        if let Some(missing) = REQUIRED_FILES.iter().find(|t| !app.files.contains_key(**t)) {
            return err(codes::MISSING_PARAMETER, &format!("missing parameter: {missing}"));
        }
        if app.status != ProviderStatus::Init {
            // Already submitted: answer the current state, change nothing.
            return ok(&json!({"requestNo": request_no, "kycStatus": app.status.as_str()}));
        }
        app.status = ProviderStatus::Reviewing;
        app.status
    };
    webhook::spawn_delivery(&sb, request_no.clone(), status);
    schedule_outcome(&sb, request_no.clone());
    ok(&json!({"requestNo": request_no, "kycStatus": status.as_str()}))
}

/// After the review delay, the deterministic outcome (docs/api.md "The programs").
fn schedule_outcome(sb: &Sandbox, request_no: String) {
    let sb = sb.clone();
    tokio::spawn(async move {
        tokio::time::sleep(sb.config().review_delay).await;
        let outcome = {
            let store = sb.lock();
            let Some(app) = store.apps.get(&request_no) else {
                return;
            };
            if app.status != ProviderStatus::Reviewing {
                return; // a forced decision came first
            }
            match app.last_name.trim().to_lowercase().as_str() {
                "reject" => ProviderStatus::Rejected,
                "review" => return,
                _ => ProviderStatus::Approved,
            }
        };
        set_status(&sb, &request_no, outcome);
    });
}

/// Moves an application to `status` and fires the webhook when it changed.
pub fn set_status(sb: &Sandbox, request_no: &str, status: ProviderStatus) -> bool {
    let changed = match sb.lock().apps.get_mut(request_no) {
        Some(app) if app.status != status => {
            app.status = status;
            true
        }
        _ => false,
    };
    if changed {
        webhook::spawn_delivery(sb, request_no.to_owned(), status);
    }
    changed
}

async fn query(State(sb): State<Sandbox>, Path(request_no): Path<String>, h: HeaderMap, body: Bytes) -> Answer {
    let raw = String::from_utf8_lossy(&body);
    let path = QUERY.replace("{request_no}", &request_no);
    if let Err(e) = check(&sb, &h, "POST", &path, &raw) {
        return e;
    }
    let status = sb.lock().apps.get_mut(&request_no).map(|a| {
        *a.calls.entry("queryMerchantKyc").or_default() += 1;
        a.status
    });
    match status {
        Some(s) => ok(&json!({"requestNo": request_no, "kycStatus": s.as_str()})),
        None => err(codes::INVALID_PARAMETER, "invalid parameter: requestNo is unknown"),
    }
}

async fn us_states(State(sb): State<Sandbox>, h: HeaderMap) -> Answer {
    if let Err(e) = check(&sb, &h, "GET", US_STATES_PATH, "") {
        return e;
    }
    let list: Vec<Value> = US_STATES.iter().map(|(c, n)| json!({"code": c, "value": n})).collect();
    ok(&Value::Array(list))
}
