//! The backend client (contract.md §1) over the browser's `fetch` and `JSON` (no serde in the
//! wasm: it would ship a JSON parser and float formatting the browser already has). The
//! session token travels only in the `Authorization` header, never in a URL.

use js_sys::{Object, Reflect, JSON};
use kyc_domain::{DraftDto, ErrorCode, Field, FieldError, Params};
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
    /// Any other error answer, with its code.
    Other { status: u16, code: String },
}

/// Where this session's user stands (`GET /v1/session`): their application, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Resume {
    pub application_id: String,
    pub status: String,
    /// The photo kinds the backend already has.
    pub documents: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    pub application_id: String,
    pub status: String,
}

/// A property of a JS object (`undefined` when absent).
pub(crate) fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn get_str(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

fn set(o: &Object, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        let _ = Reflect::set(o, &JsValue::from_str(key), &JsValue::from_str(v));
    }
}

/// The draft as a JS object (absent values left out; `gender` as a number, as the contract shows).
pub fn draft_to_js(d: &DraftDto) -> Object {
    let root = Object::new();
    set(&root, "email", d.email.as_deref());
    let i = &d.individual_info;
    let info = Object::new();
    set(&info, "firstName", i.first_name.as_deref());
    set(&info, "lastName", i.last_name.as_deref());
    set(&info, "dob", i.dob.as_deref());
    set(&info, "country", i.country.as_deref());
    if let Some(g) = &i.gender {
        let text = g.as_text();
        let value = text.parse::<u8>().map_or_else(|_| JsValue::from_str(&text), JsValue::from);
        let _ = Reflect::set(&info, &JsValue::from_str("gender"), &value);
    }
    set(&info, "idDocType", i.id_doc_type.as_ref().map(kyc_domain::draft::NumOrText::as_text).as_deref());
    set(&info, "number", i.number.as_deref());
    set(&info, "validUntil", i.valid_until.as_deref());
    let _ = Reflect::set(&root, &JsValue::from_str("individualInfo"), &info);
    let a = &d.address;
    let addr = Object::new();
    set(&addr, "country", a.country.as_deref());
    set(&addr, "state", a.state.as_deref());
    set(&addr, "city", a.city.as_deref());
    set(&addr, "address", a.address.as_deref());
    set(&addr, "zipCode", a.zip_code.as_deref());
    set(&addr, "ssn", a.ssn.as_deref());
    let _ = Reflect::set(&root, &JsValue::from_str("address"), &addr);
    root
}

/// `error.fields` of an error answer, keeping only fields and codes this build knows.
pub fn field_errors(body: &JsValue) -> Vec<FieldError> {
    let list = get(&get(body, "error"), "fields");
    let Ok(arr) = list.dyn_into::<js_sys::Array>() else {
        return Vec::new();
    };
    arr.iter()
        .filter_map(|item| {
            let field = Field::from_path(&get_str(&item, "field")?)?;
            let code = ErrorCode::parse(&get_str(&item, "code")?)?;
            let params_js = get(&item, "params");
            let mut params = Params::default();
            if params_js.is_object() {
                for key in Object::keys(params_js.unchecked_ref::<Object>()).iter().filter_map(|k| k.as_string()) {
                    if let Some(n) = get(&params_js, &key).as_f64() {
                        params.insert(&key, n as i64);
                    }
                }
            }
            Some(FieldError { field, code, params })
        })
        .collect()
}

impl Backend {
    async fn send(&self, method: &str, path: &str, body: Option<&JsValue>) -> Result<JsValue, ApiFailure> {
        let init = RequestInit::new();
        init.set_method(method);
        if let Some(b) = body {
            let text = JSON::stringify(b).map_err(|_| ApiFailure::Network)?;
            init.set_body(&text.into());
        }
        let url = format!("{}{}", self.base_url.trim_end_matches('/'), path);
        let req = Request::new_with_str_and_init(&url, &init).map_err(|_| ApiFailure::Network)?;
        let h = req.headers();
        let _ = h.set("Authorization", &format!("Bearer {}", self.token));
        if body.is_some() {
            let _ = h.set("Content-Type", "application/json");
        }
        let window = web_sys::window().ok_or(ApiFailure::Network)?;
        let resp: Response = JsFuture::from(window.fetch_with_request(&req))
            .await
            .map_err(|_| ApiFailure::Network)?
            .dyn_into()
            .map_err(|_| ApiFailure::Network)?;
        let status = resp.status();
        let json = match resp.json() {
            Ok(p) => JsFuture::from(p).await.unwrap_or(JsValue::NULL),
            Err(_) => JsValue::NULL,
        };
        if resp.ok() {
            return Ok(json);
        }
        let fields = field_errors(&json);
        if !fields.is_empty() {
            return Err(ApiFailure::Fields(fields));
        }
        let code = get_str(&get(&json, "error"), "code").unwrap_or_else(|| format!("http_{status}"));
        Err(ApiFailure::Other { status, code })
    }

    /// `PUT` URL of a photo.
    pub fn document_url(&self, id: &str, kind: &str) -> String {
        format!("{}/v1/applications/{id}/documents/{kind}", self.base_url.trim_end_matches('/'))
    }

    pub async fn submit(&self, id: &str) -> Result<String, ApiFailure> {
        let v = self.send("POST", &format!("/v1/applications/{id}/submit"), Some(&Object::new().into())).await?;
        Ok(get_str(&v, "status").unwrap_or_default())
    }

    pub async fn status(&self, id: &str) -> Result<String, ApiFailure> {
        let v = self.send("GET", &format!("/v1/applications/{id}"), None).await?;
        Ok(get_str(&v, "status").unwrap_or_default())
    }

    /// The application this session's user already has (a reload, a new token), if any.
    pub async fn session(&self) -> Result<Option<Resume>, ApiFailure> {
        let v = self.send("GET", "/v1/session", None).await?;
        let app = get(&v, "application");
        let Some(application_id) = get_str(&app, "applicationId") else { return Ok(None) };
        let documents = get(&app, "documents")
            .dyn_into::<js_sys::Array>()
            .map(|a| a.iter().filter_map(|d| d.as_string()).collect())
            .unwrap_or_default();
        Ok(Some(Resume { application_id, status: get_str(&app, "status").unwrap_or_default(), documents }))
    }

    pub async fn create_application(&self, draft: &DraftDto) -> Result<Created, ApiFailure> {
        let v = self.send("POST", "/v1/applications", Some(&draft_to_js(draft).into())).await?;
        Ok(Created {
            application_id: get_str(&v, "applicationId").unwrap_or_default(),
            status: get_str(&v, "status").unwrap_or_default(),
        })
    }
}
