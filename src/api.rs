//! The backend client (contract.md §1) over the browser's `fetch`. The session token travels
//! only in the `Authorization` header, never in a URL.

use kyc_domain::{DraftDto, FieldError};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

#[derive(Debug, Clone, PartialEq)]
pub struct Backend {
    pub base_url: String,
    pub token: String,
}

/// What went wrong with a call, in terms the UI can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// No answer (offline, DNS, CORS refusal): safe to retry.
    Network,
    /// 422 / 409 with field errors: shown on the fields.
    Fields(Vec<FieldError>),
    /// Any other error answer, with its code and message.
    Other { status: u16, code: String, message: String },
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorInner,
}

#[derive(Deserialize)]
struct ErrorInner {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    fields: Vec<FieldError>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub application_id: String,
    pub status: String,
}

impl Backend {
    async fn send(&self, method: &str, path: &str, body: Option<String>) -> Result<String, ApiFailure> {
        let init = RequestInit::new();
        init.set_method(method);
        if let Some(b) = body {
            init.set_body(&JsValue::from_str(&b));
        }
        let url = format!("{}{}", self.base_url.trim_end_matches('/'), path);
        let req = Request::new_with_str_and_init(&url, &init).map_err(|_| ApiFailure::Network)?;
        let h = req.headers();
        let _ = h.set("Authorization", &format!("Bearer {}", self.token));
        let _ = h.set("Content-Type", "application/json");
        let window = web_sys::window().ok_or(ApiFailure::Network)?;
        let resp: Response = JsFuture::from(window.fetch_with_request(&req))
            .await
            .map_err(|_| ApiFailure::Network)?
            .dyn_into()
            .map_err(|_| ApiFailure::Network)?;
        let text = JsFuture::from(resp.text().map_err(|_| ApiFailure::Network)?)
            .await
            .map_err(|_| ApiFailure::Network)?
            .as_string()
            .unwrap_or_default();
        if resp.ok() {
            return Ok(text);
        }
        let status = resp.status();
        match serde_json::from_str::<ErrorBody>(&text) {
            Ok(e) if !e.error.fields.is_empty() => Err(ApiFailure::Fields(e.error.fields)),
            Ok(e) => Err(ApiFailure::Other { status, code: e.error.code, message: e.error.message }),
            Err(_) => Err(ApiFailure::Other { status, code: "http_error".into(), message: format!("HTTP {status}") }),
        }
    }

    pub async fn create_application(&self, draft: &DraftDto) -> Result<Created, ApiFailure> {
        let body = serde_json::to_string(draft).map_err(|_| ApiFailure::Network)?;
        let text = self.send("POST", "/v1/applications", Some(body)).await?;
        serde_json::from_str(&text).map_err(|_| ApiFailure::Other {
            status: 200,
            code: "bad_answer".into(),
            message: String::new(),
        })
    }
}
